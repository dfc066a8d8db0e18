//! The real `perdix-tui` binary in tmux with two panes side by side: the left one prints
//! random bytes and characters whose width terminals disagree about (private use,
//! unassigned code points, U+FE0F sequences, joined emoji, skin tones, flags, combining
//! marks, ambiguous widths, CJK), many of them in its first and last columns, next to
//! the borders; the right one prints a known text. The screen, captured again and again
//! while the left pane runs, always shows the border between the panes and the right
//! pane's text unchanged.

mod support;

use std::time::{Duration, Instant};
use support::tmux::{Tmux, HEIGHT, WIDTH};
use unicode_width::UnicodeWidthChar;

/// Characters and sequences whose width the outer terminal may see differently from the
/// pane's model.
const DOUBTFUL: [&str; 22] = [
    "\u{e000}",
    "\u{f0000}",
    "\u{378}",
    "\u{378}\u{301}",
    "\u{1fae8}",
    "❤\u{fe0f}",
    "☺\u{fe0f}",
    "👨\u{200d}👩\u{200d}👧",
    "👍🏽",
    "🇺🇸",
    "🏽",
    "\u{600}",
    "\u{2d7f}",
    "\u{fff9}",
    "e\u{301}",
    "z\u{300}\u{301}\u{302}\u{303}",
    "\u{300}",
    "中",
    "☝",
    "✌",
    "¡",
    "±",
];

/// How long the left pane prints.
const RUN: Duration = Duration::from_secs(6);

/// The right pane's rows.
fn right_text(row: usize) -> String {
    format!("right {row}: the quick brown fox")
}

/// The model's width of `text`: its characters' widths added up.
fn model_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// A shell function `show` that prints a row for each doubtful sequence: at the start of
/// the row, in the middle, and ending in the last column (after a cursor move); then a
/// wide character that does not fit in the last column. Its rows fit in the pane, so
/// that the last screen holds them all.
fn doubtful_lines() -> String {
    let mut script = String::from("cols=$(tput cols)\nshow() {\n");
    for text in DOUBTFUL {
        let width = model_width(text);
        script.push_str(&format!(
            "  printf '%s ab %s\\r\\033[%dC%s\\n' '{text}' '{text}' $((cols - {width})) '{text}'\n"
        ));
    }
    script.push_str("  printf '\\033[%dC中\\n' $((cols - 1))\n}\n");
    script
}

/// The left pane: random bytes and the doubtful rows, for `RUN`, then the doubtful rows
/// once more and a last line. The random bytes lose most control characters on the way,
/// so that they are text (characters of every width), not escape sequences.
fn left_script() -> String {
    format!(
        "stty -ixon -echo\n{}end=$((SECONDS + {}))\nwhile [ $SECONDS -lt $end ]; do\n  \
         head -c 2M /dev/urandom | tr -d '\\000-\\007\\013\\014\\016-\\037\\177'\n  printf '\\r\\n'\n  \
         show\ndone\nshow\necho left-done\nexec sleep 600\n",
        doubtful_lines(),
        RUN.as_secs()
    )
}

fn right_script() -> String {
    let mut script = String::from("stty -echo\n");
    for row in 1..=20 {
        script.push_str(&format!("echo '{}'\n", right_text(row)));
    }
    script.push_str("exec sleep 600\n");
    script
}

/// The screen with each character's attribute run: capture-pane writes an SGR sequence
/// where the attributes change, so a character joined to another shares its run.
struct Screen {
    /// Each row: its characters and the number of their attribute run.
    rows: Vec<Vec<(char, usize)>>,
}

impl Screen {
    fn capture(tmux: &Tmux) -> Screen {
        let text = tmux.run(&["capture-pane", "-e", "-p", "-t", "t"]);
        let rows = text
            .lines()
            .map(|line| {
                let mut cells = Vec::new();
                let mut run = 0;
                let mut chars = line.chars();
                while let Some(c) = chars.next() {
                    if c == '\x1b' {
                        // CSI: up to its final byte.
                        run += 1;
                        chars.by_ref().skip(1).find(|c| ('@'..='~').contains(c));
                    } else {
                        cells.push((c, run));
                    }
                }
                cells
            })
            .collect();
        Screen { rows }
    }

    fn text(&self, row: usize) -> String {
        self.rows
            .get(row)
            .into_iter()
            .flatten()
            .map(|&(c, _)| c)
            .collect()
    }

    fn contains(&self, text: &str) -> bool {
        (0..self.rows.len()).any(|row| self.text(row).contains(text))
    }

    fn show(&self) -> String {
        (0..self.rows.len()).map(|row| self.text(row) + "\n").collect()
    }
}

/// The last `count` characters of `line`.
fn suffix(line: &str, count: usize) -> String {
    let chars: Vec<char> = line.chars().collect();
    chars[chars.len().saturating_sub(count)..].iter().collect()
}

/// What is wrong with the borders and the right pane on a screen whose first pane's
/// right border is in column `border`: from there to the screen's right edge, and the
/// first pane's left border. Columns are counted from the right: the left pane may hold
/// wide characters, which capture-pane writes once for two columns.
fn damage(screen: &Screen, border: usize) -> Vec<String> {
    let mut wrong = Vec::new();
    for row in 1..HEIGHT - 2 {
        let cells = screen.rows.get(row).map(Vec::as_slice).unwrap_or_default();
        // A character joined to the border is in the border's attribute run.
        let joined = cells
            .get(1)
            .filter(|cell| cells.first().is_some_and(|first| first.1 == cell.1));
        if cells.first().map(|cell| cell.0) != Some('│') || joined.is_some() {
            wrong.push(format!(
                "row {row}: the left border is {:?}, then {joined:?}",
                cells.first()
            ));
        }
    }
    let count = WIDTH - border;
    let inner = count - 3;
    let mut check = |row: usize, expected: &str| {
        let shown = suffix(&screen.text(row), count);
        if shown != expected {
            wrong.push(format!("row {row}: {shown:?} instead of {expected:?}"));
        }
    };
    for row in 1..HEIGHT - 2 {
        let text = if row <= 20 { right_text(row) } else { String::new() };
        check(row, &format!("││{text:<inner$}│"));
    }
    check(HEIGHT - 2, &format!("┘└{}┘", "─".repeat(inner)));
    let top = suffix(&screen.text(0), count);
    if !top.starts_with("┐┌ 2: ") || !top.ends_with('┐') {
        wrong.push(format!("row 0: {top:?}"));
    }
    wrong
}

#[test]
fn doubtful_widths_in_one_pane_never_move_the_border_or_the_next_pane() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    // Removed when the test ends, however it ends.
    let scripts = tempfile::Builder::new()
        .prefix("perdix-width-")
        .tempdir()
        .unwrap();
    let left = scripts.path().join("left.sh");
    let right = scripts.path().join("right.sh");
    std::fs::write(&left, left_script()).unwrap();
    std::fs::write(&right, right_script()).unwrap();
    tmux.line(&format!(
        "'{}' 'bash {}' 'bash {}'",
        env!("CARGO_BIN_EXE_perdix-tui"),
        left.display(),
        right.display()
    ));
    tmux.wait_until("the right pane's text", |screen| screen.contains(&right_text(20)));
    let mut screen = Screen::capture(&tmux);
    // The bottom border row holds only box drawing: columns are characters there.
    let bottom: Vec<char> = screen.text(HEIGHT - 2).chars().collect();
    let border = bottom
        .windows(2)
        .position(|pair| pair == ['┘', '└'])
        .unwrap_or_else(|| panic!("two panes side by side:\n{}", screen.show()));

    let start = Instant::now();
    let mut captures = 0;
    let mut left_screens = std::collections::HashSet::new();
    loop {
        let wrong = damage(&screen, border);
        assert!(
            wrong.is_empty(),
            "after {:?}, capture {captures}: {wrong:#?}\n{}",
            start.elapsed(),
            screen.show()
        );
        let left_part: Vec<String> = (0..HEIGHT)
            .map(|row| {
                let chars: Vec<char> = screen.text(row).chars().collect();
                chars[..chars.len().saturating_sub(WIDTH - border)]
                    .iter()
                    .collect()
            })
            .collect();
        left_screens.insert(left_part);
        captures += 1;
        if screen.contains("left-done") {
            break;
        }
        assert!(
            start.elapsed() < RUN + support::tmux::WAIT,
            "the left pane never finished:\n{}",
            screen.show()
        );
        std::thread::sleep(Duration::from_millis(30));
        screen = Screen::capture(&tmux);
    }
    // The left pane really ran while the screen was captured: many different screens.
    assert!(
        left_screens.len() >= 10,
        "only {} different screens of the left pane in {captures} captures",
        left_screens.len()
    );
}

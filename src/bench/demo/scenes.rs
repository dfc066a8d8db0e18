//! The demo agents' scenes: what one agent prints, frame by frame, with the pause after
//! each frame. Everything is decided by the seed.

use crate::bench::agents::{AgentKind, Burst, XorShift64};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::Duration;

/// One step of a demo agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoStep {
    /// Bytes to write, then the pause before the next step.
    Output(Burst),
    /// A question: write the bytes, then wait for a line of input and pass it to
    /// [`DemoAgent::answer`].
    Prompt(Burst),
}

/// Width of tool-call boxes and progress lines, in cells; fits an 80-column pane.
const BOX_WIDTH: usize = 64;
const BAR_CELLS: usize = 30;

/// The look of one kind of agent.
struct Style {
    /// SGR parameters of the accent colour.
    accent: &'static str,
    bullet: &'static str,
    spinner: &'static [&'static str],
    busy_word: &'static str,
    /// Which scenes the agent plays, repeated to weight them.
    scenes: &'static [Scene],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scene {
    Prose,
    Markdown,
    Code,
    Tool,
    Spinner,
    Progress,
    Todo,
    Think,
}

const CLAUDE: Style = Style {
    accent: "38;5;208",
    bullet: "⏺",
    spinner: &["·", "✢", "✳", "✶", "✻", "✽", "✻", "✶", "✳", "✢"],
    busy_word: "Thinking",
    scenes: &[
        Scene::Prose,
        Scene::Prose,
        Scene::Markdown,
        Scene::Code,
        Scene::Tool,
        Scene::Tool,
        Scene::Spinner,
        Scene::Todo,
        Scene::Think,
    ],
};
const CODEX: Style = Style {
    accent: "38;2;122;162;247",
    bullet: "•",
    spinner: &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
    busy_word: "Working",
    scenes: &[
        Scene::Prose,
        Scene::Markdown,
        Scene::Code,
        Scene::Tool,
        Scene::Tool,
        Scene::Spinner,
        Scene::Progress,
        Scene::Progress,
        Scene::Think,
    ],
};
const AIDER: Style = Style {
    accent: "38;5;40",
    bullet: "-",
    spinner: &["░", "▒", "▓", "█", "▓", "▒"],
    busy_word: "Waiting for model",
    scenes: &[
        Scene::Prose,
        Scene::Markdown,
        Scene::Markdown,
        Scene::Code,
        Scene::Code,
        Scene::Tool,
        Scene::Spinner,
        Scene::Progress,
    ],
};

const TASKS: &[&str] = &[
    "fix the flaky ring test",
    "add resize handling",
    "speed up the parser",
    "document the pane API",
    "refactor the reader thread",
];
const SENTENCES: &[&str] = &[
    "I'll start by reading the producer to see where the wait happens.",
    "The test fails because the reader thread is not joined before the assertion.",
    "Let me check how `PaneSize` is validated before the child starts.",
    "This keeps the fast path free of locks; only a full ring waits.",
    "Good, the change compiles. Now the tests.",
    "One edge case remains: a UTF-8 character split across two reads.",
    "全角文字は二つのセルを使うので、幅の計算に注意が必要です。",
    "The benchmark shows the batch size matters more than the backend. 🚀",
    "I found the problem: **the cursor is restored before the erase**.",
];
const HEADINGS: &[&str] = &["Plan", "What changed", "Next steps", "Findings", "変更点"];
const BULLETS: &[&str] = &[
    "Read `src/ring/producer.rs` and note the back-off",
    "Add a **regression test** for the wrap-around",
    "Make `Pane::resize` forward the size to the child",
    "Keep the public API unchanged",
    "Run `cargo clippy -- -D warnings`",
    "幅の広い文字をテストする",
    "Measure before and after ✅",
];
const COMMANDS: &[&str] = &[
    "cargo test --lib ring",
    "cargo clippy --all-targets",
    "rg -n 'produce_timeout' src",
    "git diff --stat",
    "ls -la src/pty",
];
const TOOL_LINES: &[&str] = &[
    "running 42 tests",
    "test ring::tests::wraps_around ... ok",
    "test pty::tests::resize ... ok",
    "Finished `ci` profile in 3.21s",
    "src/pty/process.rs:176:    pub fn write_input(",
    " 3 files changed, 41 insertions(+), 7 deletions(-)",
    "warning: unused variable: `slot`",
];
const TOOLS: &[&str] = &["Bash", "Read", "Edit", "Grep", "Write"];
const FILES: &[&str] = &[
    "src/ring/producer.rs",
    "src/pty/process.rs",
    "src/parse/stage.rs",
    "tests/stream.rs",
];
const QUESTIONS: &[&str] = &[
    "Continue?",
    "Apply this edit?",
    "Run the test suite now?",
    "Allow `cargo test`?",
];
const TODOS: &[&str] = &[
    "Reproduce the failure",
    "Find where the wait is skipped",
    "Write the fix",
    "Add a regression test",
    "Run the whole suite",
];
/// Small programs shown in code blocks, highlighted token by token.
const SNIPPETS: &[&[&str]] = &[
    &[
        "pub fn drain(ring: &mut Consumer) -> usize {",
        "    let mut total = 0; // bytes seen",
        "    while let Some(message) = ring.try_consume() {",
        "        total += message.len();",
        "    }",
        "    total",
        "}",
    ],
    &[
        "fn backoff(step: u32) -> Duration {",
        "    if step < 6 {",
        "        return Duration::from_micros(1 << step);",
        "    }",
        "    Duration::from_millis(1) // then sleep",
        "}",
    ],
    &[
        "impl Pane {",
        "    pub fn resize(&mut self, cols: u16, rows: u16) {",
        "        self.size = PaneSize::new(cols, rows);",
        "        let _ = self.process.resize(self.size);",
        "    }",
        "}",
    ],
];
const KEYWORDS: &[&str] = &[
    "pub", "fn", "let", "mut", "while", "if", "return", "impl", "for", "in", "match", "use", "struct",
    "Some", "self",
];

/// A deterministic demo agent: an endless series of scenes (prose typed a few words at a
/// time, markdown, highlighted code, tool-call boxes, spinners and progress bars redrawn
/// in place, silent thinking) and, when interactive, a question now and then.
///
/// ```
/// use perdix::bench::agents::AgentKind;
/// use perdix::bench::demo::{DemoAgent, DemoStep};
/// let mut agent = DemoAgent::new(AgentKind::Claude, 3, false);
/// let mut again = DemoAgent::new(AgentKind::Claude, 3, false);
/// for _ in 0..100 {
///     let step = agent.next_step();
///     assert!(matches!(step, DemoStep::Output(_))); // not interactive: no questions
///     assert_eq!(step, again.next_step());
/// }
/// ```
#[derive(Debug)]
pub struct DemoAgent {
    kind: AgentKind,
    rng: XorShift64,
    interactive: bool,
    queue: VecDeque<DemoStep>,
    scenes: u64,
    /// Scenes left before the next question.
    question_in: u64,
}

impl DemoAgent {
    /// An agent of `kind` decided by `seed`; only an `interactive` one asks questions.
    pub fn new(kind: AgentKind, seed: u64, interactive: bool) -> DemoAgent {
        DemoAgent {
            kind,
            // Apart from the simulated agents of the same seed, so the two never look alike.
            rng: XorShift64::new(seed.rotate_left(17) ^ (0xd3a0 + kind as u64)),
            interactive,
            queue: VecDeque::new(),
            scenes: 0,
            // The first question comes early so a fresh demo shows a waiting pane soon.
            question_in: 2,
        }
    }

    /// The kind it imitates.
    pub fn kind(&self) -> AgentKind {
        self.kind
    }

    /// Whether it still asks questions.
    pub fn is_interactive(&self) -> bool {
        self.interactive
    }

    /// Stops asking questions (for example because its input has ended).
    pub fn stop_asking(&mut self) {
        self.interactive = false;
    }

    /// The next step; the series never ends.
    pub fn next_step(&mut self) -> DemoStep {
        loop {
            if let Some(step) = self.queue.pop_front() {
                return step;
            }
            self.plan_scene();
        }
    }

    /// What the agent prints after the answer `line` to its question.
    pub fn answer(&mut self, line: &str) -> Burst {
        let answer = line.trim();
        let text = if answer.eq_ignore_ascii_case("n") || answer.eq_ignore_ascii_case("no") {
            "\x1b[2m  ⎿  skipped, trying another way\x1b[0m\r\n".to_owned()
        } else {
            format!("\x1b[{}m  ⎿  continuing\x1b[0m\r\n", self.style().accent)
        };
        Burst {
            bytes: text.into_bytes(),
            pause: Duration::from_millis(self.rng.between(100, 400)),
        }
    }

    /// The bytes that leave the terminal tidy when the agent stops between any two steps:
    /// a finished line, default colours, a visible cursor, no synchronized update open.
    pub fn closing_bytes(&self) -> Vec<u8> {
        b"\x1b[?2026l\x1b[0m\x1b[?25h\r\n".to_vec()
    }

    fn style(&self) -> &'static Style {
        match self.kind {
            AgentKind::Claude => &CLAUDE,
            AgentKind::Codex => &CODEX,
            AgentKind::Aider => &AIDER,
        }
    }

    fn push(&mut self, text: String, low_ms: u64, high_ms: u64) {
        let pause = Duration::from_millis(self.rng.between(low_ms, high_ms));
        self.queue.push_back(DemoStep::Output(Burst {
            bytes: text.into_bytes(),
            pause,
        }));
    }

    fn plan_scene(&mut self) {
        self.scenes += 1;
        if self.scenes == 1 || self.rng.between(0, 7) == 0 {
            self.title();
        }
        if self.interactive {
            self.question_in -= 1;
            if self.question_in == 0 {
                self.question_in = self.rng.between(5, 10);
                self.question();
                return;
            }
        }
        let scenes = self.style().scenes;
        match self.rng.pick(scenes) {
            Scene::Prose => self.prose(),
            Scene::Markdown => self.markdown(),
            Scene::Code => self.code(),
            Scene::Tool => self.tool(),
            Scene::Spinner => self.spinner(),
            Scene::Progress => self.progress(),
            Scene::Todo => self.todo(),
            Scene::Think => self.push(String::new(), 800, 2500),
        }
    }

    /// OSC 0 or OSC 2, ended by BEL or ST as different programs do.
    fn title(&mut self) {
        let task = self.rng.pick(TASKS);
        let text = match self.kind {
            AgentKind::Claude => format!("\x1b]0;✳ claude: {task}\x07"),
            AgentKind::Codex => format!("\x1b]2;codex — {task}\x1b\\"),
            AgentKind::Aider => format!("\x1b]2;aider: {task}\x07"),
        };
        self.push(text, 0, 20);
    }

    /// A sentence typed a few words at a time.
    fn prose(&mut self) {
        let sentence = self.rng.pick(SENTENCES);
        let bullet = format!("\x1b[{}m{}\x1b[0m ", self.style().accent, self.style().bullet);
        self.push(bullet, 20, 60);
        // Styled whole, then cut at spaces: escapes hold no spaces, so no chunk splits one.
        let styled = inline_markdown(sentence);
        let words: Vec<&str> = styled.split_inclusive(' ').collect();
        let mut start = 0;
        while start < words.len() {
            let end = (start + self.rng.between(1, 4) as usize).min(words.len());
            self.push(words[start..end].concat(), 15, 90);
            start = end;
        }
        self.push("\r\n\r\n".to_owned(), 50, 300);
    }

    fn markdown(&mut self) {
        let heading = self.rng.pick(HEADINGS);
        let level = self.rng.between(1, 3) as usize;
        let text = format!(
            "\x1b[1;{}m{} {heading}\x1b[0m\r\n\r\n",
            self.style().accent,
            "#".repeat(level)
        );
        self.push(text, 30, 120);
        for number in 1..=self.rng.between(2, 5) {
            let item = inline_markdown(self.rng.pick(BULLETS));
            let line = if self.kind == AgentKind::Codex {
                format!("  {number}. {item}\r\n")
            } else {
                format!("  • {item}\r\n")
            };
            self.push(line, 30, 150);
        }
        self.push("\r\n".to_owned(), 50, 200);
    }

    fn code(&mut self) {
        let snippet = self.rng.pick(SNIPPETS);
        let file = self.rng.pick(FILES);
        self.push(format!("\x1b[2m```rust  {file}\x1b[0m\r\n"), 20, 80);
        let first = self.rng.between(10, 300);
        for (offset, line) in snippet.iter().enumerate() {
            let number = first + offset as u64;
            self.push(
                format!("\x1b[38;5;240m{number:>4} │\x1b[0m {}\r\n", highlight(line)),
                5,
                40,
            );
        }
        self.push("\x1b[2m```\x1b[0m\r\n\r\n".to_owned(), 30, 150);
    }

    /// A tool call in a box drawn with box-drawing characters, then its result.
    fn tool(&mut self) {
        let accent = self.style().accent;
        let tool = self.rng.pick(TOOLS);
        let argument = if tool == "Bash" {
            format!("$ {}", self.rng.pick(COMMANDS))
        } else {
            self.rng.pick(FILES).to_owned()
        };
        let title = format!("─ {tool} ");
        let top = format!(
            "\x1b[{accent}m╭{title}{}╮\x1b[0m\r\n",
            "─".repeat(BOX_WIDTH - 2 - title.chars().count())
        );
        self.push(top, 10, 40);
        self.push(box_line(accent, &argument), 200, 900);
        for _ in 0..self.rng.between(1, 4) {
            let line = self.rng.pick(TOOL_LINES);
            self.push(box_line(accent, line), 10, 120);
        }
        self.push(
            format!("\x1b[{accent}m╰{}╯\x1b[0m\r\n", "─".repeat(BOX_WIDTH - 2)),
            10,
            40,
        );
        let summary = format!(
            "  \x1b[2m⎿  {} lines · {}.{}s\x1b[0m\r\n\r\n",
            self.rng.between(2, 900),
            self.rng.between(0, 9),
            self.rng.between(0, 9)
        );
        self.push(summary, 100, 400);
    }

    /// A spinner redrawn in place with `\r` and erase-to-end-of-line, cursor hidden.
    fn spinner(&mut self) {
        let style = self.style();
        let frames = self.rng.between(8, 30);
        let tokens = self.rng.between(100, 4000);
        self.push("\x1b[?25l".to_owned(), 0, 0);
        for frame in 0..frames {
            let glyph = style.spinner[frame as usize % style.spinner.len()];
            let text = format!(
                "\r\x1b[{}m{glyph}\x1b[0m {}… \x1b[2m({}s · ↑ {} tokens · esc to interrupt)\x1b[0m\x1b[K",
                style.accent,
                style.busy_word,
                frame / 10,
                tokens + frame * 37
            );
            self.push(text, 70, 130);
        }
        self.push("\r\x1b[K\x1b[?25h".to_owned(), 20, 60);
    }

    /// A two-line progress display (label and bar) redrawn with cursor-up and
    /// erase-line, sometimes inside a synchronized update.
    fn progress(&mut self) {
        let steps = self.rng.between(6, 16);
        let crates = self.rng.between(40, 200);
        let synchronized = self.rng.between(0, 1) == 0;
        self.push(
            format!("{}\r\n{}", progress_label(0, crates), progress_bar(0)),
            50,
            120,
        );
        for step in 1..=steps {
            let percent = step * 100 / steps;
            let done = crates * percent / 100;
            let redraw = format!(
                "\x1b[1A\r\x1b[2K{}\r\n\x1b[2K{}",
                progress_label(done, crates),
                progress_bar(percent)
            );
            let text = if synchronized {
                format!("\x1b[?2026h{redraw}\x1b[?2026l")
            } else {
                redraw
            };
            self.push(text, 60, 250);
        }
        self.push("\r\n\r\n".to_owned(), 50, 150);
    }

    /// A checklist printed, then redrawn in place as items get done: cursor up over the
    /// list, erase below, print again, all in one synchronized update.
    fn todo(&mut self) {
        let count = self.rng.between(3, 5) as usize;
        let first = self.rng.between(0, (TODOS.len() - count) as u64) as usize;
        let items = &TODOS[first..first + count];
        self.push(todo_list(items, 0, self.style().accent), 100, 300);
        for done in 1..=count {
            let text = format!(
                "\x1b[?2026h\x1b[{count}A\r\x1b[J{}\x1b[?2026l",
                todo_list(items, done, self.style().accent)
            );
            self.push(text, 200, 700);
        }
        self.push("\r\n".to_owned(), 50, 150);
    }

    /// A question: a notification (OSC 9) or the bell, then the prompt, left open.
    fn question(&mut self) {
        let question = self.rng.pick(QUESTIONS);
        let alert = match self.rng.between(0, 2) {
            0 => "\x07".to_owned(),
            1 => format!("\x1b]9;{} is waiting for input\x07", self.kind.name()),
            _ => format!("\x1b]9;{} needs an answer\x07\x07", self.kind.name()),
        };
        let text = format!(
            "{alert}\r\n\x1b[1;{}m❯\x1b[0m \x1b[1m{question}\x1b[0m [y/n] ",
            self.style().accent
        );
        self.queue.push_back(DemoStep::Prompt(Burst {
            bytes: text.into_bytes(),
            pause: Duration::ZERO,
        }));
    }
}

/// One line inside a tool box; contents are ASCII, so characters are cells.
fn box_line(accent: &str, text: &str) -> String {
    let inner = BOX_WIDTH - 4;
    let text: String = text.chars().take(inner).collect();
    format!(
        "\x1b[{accent}m│\x1b[0m {text}{} \x1b[{accent}m│\x1b[0m\r\n",
        " ".repeat(inner - text.chars().count())
    )
}

fn progress_label(done: u64, total: u64) -> String {
    format!("\x1b[1;32m   Compiling\x1b[0m perdix v0.1.0 ({done}/{total} crates)\x1b[K")
}

/// A bar of `BAR_CELLS` cells with a truecolour gradient over the filled part.
fn progress_bar(percent: u64) -> String {
    let filled = (percent as usize * BAR_CELLS) / 100;
    let mut bar = String::from("  ");
    for cell in 0..filled {
        let red = 80 + (cell * 150 / BAR_CELLS) as u8;
        let _ = write!(bar, "\x1b[38;2;{red};200;120m█");
    }
    let _ = write!(
        bar,
        "\x1b[38;5;238m{}\x1b[0m {percent:>3}%\x1b[K",
        "░".repeat(BAR_CELLS - filled)
    );
    bar
}

fn todo_list(items: &[&str], done: usize, accent: &str) -> String {
    let mut text = String::new();
    for (index, item) in items.iter().enumerate() {
        if index < done {
            let _ = write!(text, "  \x1b[{accent}m☒\x1b[0m \x1b[9;2m{item}\x1b[0m\r\n");
        } else {
            let _ = write!(text, "  ☐ {item}\r\n");
        }
    }
    text
}

/// Renders `**bold**` and `` `code` `` spans; an unclosed marker is printed as is.
fn inline_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(start) = rest.find(['*', '`']) {
        let (marker, on, off) = if rest[start..].starts_with("**") {
            ("**", "\x1b[1m", "\x1b[22m")
        } else if rest[start..].starts_with('`') {
            ("`", "\x1b[38;5;180m", "\x1b[39m")
        } else {
            out.push_str(&rest[..=start]);
            rest = &rest[start + 1..];
            continue;
        };
        let body = &rest[start + marker.len()..];
        match body.find(marker) {
            Some(end) => {
                out.push_str(&rest[..start]);
                out.push_str(on);
                out.push_str(&body[..end]);
                out.push_str(off);
                rest = &body[end + marker.len()..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Colours a line of Rust: keywords, strings, numbers, types and comments, in 256-colour
/// and truecolour SGR.
fn highlight(line: &str) -> String {
    let (code, comment) = match line.find("//") {
        Some(at) => (&line[..at], Some(&line[at..])),
        None => (line, None),
    };
    let mut out = String::with_capacity(line.len() * 2);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let colour = if KEYWORDS.contains(&word.as_str()) {
            Some("38;2;198;120;221")
        } else if word.starts_with(|c: char| c.is_ascii_digit()) {
            Some("38;2;209;154;102")
        } else if word.starts_with(|c: char| c.is_ascii_uppercase()) {
            Some("38;5;180")
        } else {
            None
        };
        match colour {
            Some(colour) => {
                let _ = write!(out, "\x1b[{colour}m{word}\x1b[39m");
            }
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in code.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    if let Some(comment) = comment {
        let _ = write!(out, "\x1b[3;38;5;245m{comment}\x1b[0m");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markdown_styles_closed_spans_only() {
        assert_eq!(
            inline_markdown("a `b` **c** d*"),
            "a \x1b[38;5;180mb\x1b[39m \x1b[1mc\x1b[22m d*"
        );
        assert_eq!(inline_markdown("open `tick"), "open `tick");
    }

    #[test]
    fn highlight_colours_keywords_and_comments() {
        let line = highlight("let x = 1; // one");
        assert!(line.starts_with("\x1b[38;2;198;120;221mlet\x1b[39m x = \x1b[38;2;209;154;102m1"));
        assert!(line.ends_with("\x1b[3;38;5;245m// one\x1b[0m"));
    }

    /// The text with CSI sequences removed.
    fn visible(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                chars.by_ref().find(|c| c.is_ascii_alphabetic());
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn boxes_are_rectangular() {
        for text in ["$ cargo test", "", &"x".repeat(200)] {
            let line = visible(&box_line("1", text));
            assert_eq!(line.trim_end().chars().count(), BOX_WIDTH, "{line:?}");
        }
        let mut agent = DemoAgent::new(AgentKind::Claude, 1, false);
        let mut boxes = 0;
        for _ in 0..3000 {
            let DemoStep::Output(burst) = agent.next_step() else {
                unreachable!()
            };
            let text = visible(std::str::from_utf8(&burst.bytes).unwrap());
            if text.starts_with('╭') || text.starts_with('╰') {
                boxes += 1;
                assert_eq!(text.trim_end().chars().count(), BOX_WIDTH, "{text:?}");
            }
        }
        assert!(boxes > 4);
    }

    #[test]
    fn interactive_agents_ask_and_others_never_do() {
        let mut asking = DemoAgent::new(AgentKind::Codex, 4, true);
        let prompts = (0..2000)
            .filter(|_| matches!(asking.next_step(), DemoStep::Prompt(_)))
            .count();
        assert!(prompts >= 3, "{prompts} questions");
        let mut quiet = DemoAgent::new(AgentKind::Codex, 4, false);
        assert!((0..2000).all(|_| matches!(quiet.next_step(), DemoStep::Output(_))));
    }
}

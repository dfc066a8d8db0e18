//! The help overlay's text, laid out for a box of any width: every binding of the keymap,
//! the keys of scroll mode and the mouse, wrapped to the box, and scrolled when the screen
//! is too short to show it all.

use super::keymap::{Action, Keymap};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// The widest the help box gets.
pub const HELP_WIDTH: u16 = 76;
/// Columns of the key column, right-aligned (narrower boxes take less).
const KEY_COLUMN: usize = 14;

/// The scroll-mode keys, as the help lists them.
const SCROLL_KEYS: [(&str, &str); 6] = [
    ("Up k / Down j", "scroll a line"),
    ("PgUp PgDn", "scroll a page"),
    ("Home End", "go to the oldest line, or back to the bottom"),
    ("/", "search (Enter jumps to the nearest match above)"),
    ("n N", "next older or newer match"),
    ("q Esc", "leave scroll mode"),
];

/// One entry of the help before it is laid out.
enum Entry {
    Text(String),
    Key(String, String),
    Heading(String),
}

fn entries(keymap: &Keymap) -> Vec<Entry> {
    let prefix = keymap.prefix();
    let mut entries = vec![
        Entry::Text(format!(
            "Press {prefix}, then a key. {prefix} twice sends {prefix} to the pane."
        )),
        Entry::Text(String::new()),
    ];
    for (action, keys) in keymap.bindings() {
        if keys.is_empty() {
            continue;
        }
        let mut keys = keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        let mut description = action.description();
        // Nine lines for the digits would crowd out the rest when they keep their keys.
        if let Action::FocusPane(number) = action {
            if keys == number.to_string() {
                if number > 1 {
                    continue;
                }
                keys = "1…9".into();
                description = "focus pane N".into();
            }
        }
        entries.push(Entry::Key(keys, description));
    }
    entries.push(Entry::Text(String::new()));
    entries.push(Entry::Heading(format!("In scroll mode ({prefix} [):")));
    for (keys, description) in SCROLL_KEYS {
        entries.push(Entry::Key(keys.into(), description.into()));
    }
    entries.push(Entry::Text(String::new()));
    entries.push(Entry::Text(
        "Mouse: a click focuses a pane, the wheel scrolls it.".into(),
    ));
    entries.push(Entry::Text(
        "Up, Down, PageUp, PageDown, Home and End scroll this help; any other key closes it.".into(),
    ));
    entries
}

/// The help's lines for a box whose inside is `width` columns wide.
///
/// ```
/// use perdix::tui::help::help_lines;
/// use perdix::tui::keymap::Keymap;
/// let narrow = help_lines(&Keymap::default(), 30);
/// assert!(narrow.iter().all(|line| line.width() <= 30));
/// assert!(narrow.len() > help_lines(&Keymap::default(), 74).len());
/// ```
pub fn help_lines(keymap: &Keymap, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    for entry in entries(keymap) {
        match entry {
            Entry::Text(text) if text.is_empty() => lines.push(Line::from("")),
            Entry::Text(text) => lines.extend(wrap(&text, width).into_iter().map(Line::from)),
            Entry::Heading(text) => lines.extend(
                wrap(&text, width)
                    .into_iter()
                    .map(|part| Line::styled(part, bold)),
            ),
            Entry::Key(keys, description) => {
                // The key column shrinks on narrow boxes; keys longer than it get their
                // own line, so a description always starts in the same column.
                let column = KEY_COLUMN.min(width / 3);
                let text_width = width.saturating_sub(column + 2).max(1);
                let described = wrap(&description, text_width);
                let keys_len = keys.chars().count();
                let mut rest = described.into_iter();
                if keys_len > column {
                    lines.extend(
                        wrap(&keys, width)
                            .into_iter()
                            .map(|part| Line::styled(part, bold)),
                    );
                } else {
                    let first = rest.next().unwrap_or_default();
                    lines.push(Line::from(vec![
                        Span::styled(format!("{keys:>column$}  "), bold),
                        Span::raw(first),
                    ]));
                }
                for part in rest {
                    lines.push(Line::from(format!("{:column$}  {part}", "")));
                }
            }
        }
    }
    lines
}

/// Greedy word wrap to `width` columns; a word longer than a line is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let used = line.chars().count();
            let needed = word.chars().count() + usize::from(used > 0);
            if used + needed <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the line: cut it.
            let cut: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(cut);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Where the help box goes on `screen` (the part of the screen it may cover), and its
/// lines; the box is as tall as the text when the screen allows.
pub fn help_layout(keymap: &Keymap, screen: Rect) -> (Rect, Vec<Line<'static>>) {
    let width = HELP_WIDTH.min(screen.width);
    let lines = help_lines(keymap, width.saturating_sub(2));
    let height = (lines.len() as u16).saturating_add(2).min(screen.height);
    let area = Rect::new(
        screen.x + (screen.width - width) / 2,
        screen.y + (screen.height - height) / 2,
        width,
        height,
    );
    (area, lines)
}

/// The furthest the help can scroll on `screen`: lines that do not fit the box.
pub fn help_max_scroll(keymap: &Keymap, screen: Rect) -> u16 {
    let (area, lines) = help_layout(keymap, screen);
    (lines.len() as u16).saturating_sub(area.height.saturating_sub(2))
}

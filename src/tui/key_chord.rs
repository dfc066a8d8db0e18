//! A key with the modifiers held, as key bindings name it (`C-b`, `M-x`, `S-Tab`, `F5`):
//! parsed from the configuration's names, shown in the help, compared normalised.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with the modifiers held, normalised so that equal presses compare equal.
///
/// SHIFT is dropped for character keys (the character already says whether it was
/// shifted; some terminals report `?` with SHIFT, some without), Ctrl with an uppercase
/// ASCII letter is folded to lowercase (terminals cannot tell them apart), and shifted Tab
/// is always [`KeyCode::BackTab`] without modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub(super) code: KeyCode,
    pub(super) modifiers: KeyModifiers,
}

/// Why a key name could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid key `{text}`: {reason}")]
pub struct KeyParseError {
    /// The text as written.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl KeyChord {
    /// A chord from a key code and modifiers, normalised as described on [`KeyChord`].
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        // Only the modifiers a terminal can report reliably take part in matching.
        let mut modifiers = modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let mut code = code;
        match code {
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                if modifiers.contains(KeyModifiers::CONTROL) && c.is_ascii_uppercase() {
                    code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            KeyCode::BackTab => modifiers.remove(KeyModifiers::SHIFT),
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                code = KeyCode::BackTab;
                modifiers.remove(KeyModifiers::SHIFT);
            }
            _ => {}
        }
        KeyChord { code, modifiers }
    }

    /// The key code.
    pub fn code(&self) -> KeyCode {
        self.code
    }

    /// The key as a press event, as a terminal would report it.
    pub fn key_event(&self) -> KeyEvent {
        KeyEvent::new(self.code, self.modifiers)
    }
}

impl From<KeyEvent> for KeyChord {
    fn from(event: KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }
}

impl From<&KeyEvent> for KeyChord {
    fn from(event: &KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }
}

impl FromStr for KeyChord {
    type Err = KeyParseError;

    /// Parses `C-b`, `Ctrl-b`, `M-x`, `Alt-x`, `S-Tab`, `Left`, `PageUp`, `F5`, `Space`,
    /// `Enter`, `Esc`, `?`, `[` and the like. Modifier and key names ignore case; a single
    /// character is taken literally.
    fn from_str(text: &str) -> Result<KeyChord, KeyParseError> {
        let error = |reason| KeyParseError {
            text: text.to_string(),
            reason,
        };
        let mut rest = text.trim();
        let mut modifiers = KeyModifiers::NONE;
        'prefixes: loop {
            for (names, modifier) in [
                (&["c-", "ctrl-", "control-"][..], KeyModifiers::CONTROL),
                (&["m-", "alt-", "meta-"][..], KeyModifiers::ALT),
                (&["s-", "shift-"][..], KeyModifiers::SHIFT),
            ] {
                for name in names {
                    // The key after the modifiers must not be empty: `C--` is Ctrl and `-`.
                    let matches = rest.len() > name.len()
                        && rest
                            .get(..name.len())
                            .is_some_and(|head| head.eq_ignore_ascii_case(name));
                    if matches {
                        modifiers |= modifier;
                        rest = &rest[name.len()..];
                        continue 'prefixes;
                    }
                }
            }
            break;
        }
        if rest.is_empty() {
            return Err(error("no key name"));
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() => {
                KeyCode::Char(c.to_ascii_uppercase())
            }
            (Some(c), None) => KeyCode::Char(c),
            _ => named_key(rest).ok_or_else(|| error("not a known key name"))?,
        };
        Ok(KeyChord::new(code, modifiers))
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    let code = match lower.as_str() {
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "insert" | "ins" => KeyCode::Insert,
        "delete" | "del" => KeyCode::Delete,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "space" => KeyCode::Char(' '),
        "backspace" | "bs" => KeyCode::Backspace,
        _ => {
            let number: u8 = lower.strip_prefix('f')?.parse().ok()?;
            if !(1..=24).contains(&number) {
                return None;
            }
            KeyCode::F(number)
        }
    };
    Some(code)
}

impl fmt::Display for KeyChord {
    /// The short form shown in the help overlay: `C-b`, `M-x`, `z`, `Space`, `S-Tab`, `F5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (modifier, name) in [
            (KeyModifiers::CONTROL, "C-"),
            (KeyModifiers::ALT, "M-"),
            (KeyModifiers::SHIFT, "S-"),
        ] {
            if self.modifiers.contains(modifier) {
                f.write_str(name)?;
            }
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PageUp"),
            KeyCode::PageDown => f.write_str("PageDown"),
            KeyCode::Insert => f.write_str("Insert"),
            KeyCode::Delete => f.write_str("Delete"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Backspace => f.write_str("Backspace"),
            other => write!(f, "{other:?}"),
        }
    }
}

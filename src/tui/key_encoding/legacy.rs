//! The legacy encoding: the bytes an xterm writes for a key when the program asked for
//! nothing else.
//!
//! The sequences follow xterm's "PC-Style Function Keys" and control-character rules:
//! cursor keys honour application cursor mode (DECCKM), and modified special keys carry
//! the xterm modifier parameter `1 + shift + 2·alt + 4·ctrl`.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

const ESC: u8 = 0x1b;

/// The bytes a terminal sends for `key`, or `None` for keys that send nothing (releases,
/// lone modifiers, media keys, F13 and above).
///
/// `application_cursor` is the pane's DECCKM mode: when set, unmodified arrows, Home and
/// End are sent as `ESC O x` instead of `ESC [ x`.
///
/// ```
/// use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
/// use perdix::tui::key_encoding::encode_key;
///
/// let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
/// assert_eq!(encode_key(&ctrl_c, false), Some(vec![0x03]));
///
/// let up = KeyEvent::new(KeyCode::Up, KeyModifiers::NONE);
/// assert_eq!(encode_key(&up, false), Some(b"\x1b[A".to_vec()));
/// assert_eq!(encode_key(&up, true), Some(b"\x1bOA".to_vec()));
///
/// let ctrl_right = KeyEvent::new(KeyCode::Right, KeyModifiers::CONTROL);
/// assert_eq!(encode_key(&ctrl_right, false), Some(b"\x1b[1;5C".to_vec()));
/// ```
pub fn encode_key(key: &KeyEvent, application_cursor: bool) -> Option<Vec<u8>> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let mods = key.modifiers;
    let alt = mods.contains(KeyModifiers::ALT);
    let ctrl = mods.contains(KeyModifiers::CONTROL);
    let shift = mods.contains(KeyModifiers::SHIFT);
    match key.code {
        KeyCode::Char(c) => Some(encode_char(c, ctrl, alt)),
        KeyCode::Null => Some(with_alt(alt, vec![0])),
        KeyCode::Enter => Some(with_alt(alt, vec![b'\r'])),
        KeyCode::Tab if shift => Some(b"\x1b[Z".to_vec()),
        KeyCode::Tab => Some(with_alt(alt, vec![b'\t'])),
        KeyCode::BackTab => Some(b"\x1b[Z".to_vec()),
        // Ctrl-Backspace sends BS so shells can tell it from plain Backspace (DEL).
        KeyCode::Backspace => Some(with_alt(alt, vec![if ctrl { 0x08 } else { 0x7f }])),
        KeyCode::Esc => Some(with_alt(alt, vec![ESC])),
        KeyCode::Up => Some(cursor_key(b'A', mods, application_cursor)),
        KeyCode::Down => Some(cursor_key(b'B', mods, application_cursor)),
        KeyCode::Right => Some(cursor_key(b'C', mods, application_cursor)),
        KeyCode::Left => Some(cursor_key(b'D', mods, application_cursor)),
        KeyCode::Home => Some(cursor_key(b'H', mods, application_cursor)),
        KeyCode::End => Some(cursor_key(b'F', mods, application_cursor)),
        KeyCode::Insert => Some(tilde_key(2, mods)),
        KeyCode::Delete => Some(tilde_key(3, mods)),
        KeyCode::PageUp => Some(tilde_key(5, mods)),
        KeyCode::PageDown => Some(tilde_key(6, mods)),
        KeyCode::F(n @ 1..=4) => Some(cursor_key(b'P' + (n - 1), mods, true)),
        KeyCode::F(n @ 5..=12) => {
            const CODES: [u8; 8] = [15, 17, 18, 19, 20, 21, 23, 24];
            Some(tilde_key(CODES[usize::from(n - 5)], mods))
        }
        _ => None,
    }
}

/// The xterm modifier parameter, or `None` when no modifier xterm encodes is held.
pub(super) fn modifier_param(mods: KeyModifiers) -> Option<u8> {
    let mut param = 1;
    if mods.contains(KeyModifiers::SHIFT) {
        param += 1;
    }
    if mods.contains(KeyModifiers::ALT) {
        param += 2;
    }
    if mods.contains(KeyModifiers::CONTROL) {
        param += 4;
    }
    (param > 1).then_some(param)
}

fn with_alt(alt: bool, mut bytes: Vec<u8>) -> Vec<u8> {
    if alt {
        bytes.insert(0, ESC);
    }
    bytes
}

fn encode_char(c: char, ctrl: bool, alt: bool) -> Vec<u8> {
    let bytes = match ctrl.then(|| control_byte(c)).flatten() {
        Some(byte) => vec![byte],
        // Ctrl with a character that has no control code sends the character itself, as xterm does.
        None => c.to_string().into_bytes(),
    };
    with_alt(alt, bytes)
}

/// The C0 control code Ctrl plus `c` produces, if any.
fn control_byte(c: char) -> Option<u8> {
    match c {
        'a'..='z' | 'A'..='Z' => Some(c.to_ascii_lowercase() as u8 - b'a' + 1),
        ' ' | '@' | '2' => Some(0),
        '[' | '3' => Some(0x1b),
        '\\' | '4' => Some(0x1c),
        ']' | '5' => Some(0x1d),
        '^' | '6' => Some(0x1e),
        '_' | '/' | '7' => Some(0x1f),
        '?' | '8' => Some(0x7f),
        _ => None,
    }
}

/// Arrows, Home, End, and F1 to F4 (always in SS3 form): `CSI x` or `SS3 x` when unmodified,
/// `CSI 1 ; m x` when modified.
fn cursor_key(final_byte: u8, mods: KeyModifiers, application_cursor: bool) -> Vec<u8> {
    match modifier_param(mods) {
        Some(param) => format!("\x1b[1;{param}{}", final_byte as char).into_bytes(),
        None if application_cursor => vec![ESC, b'O', final_byte],
        None => vec![ESC, b'[', final_byte],
    }
}

/// Editing keypad and F5 upward: `CSI n ~`, or `CSI n ; m ~` when modified.
fn tilde_key(code: u8, mods: KeyModifiers) -> Vec<u8> {
    match modifier_param(mods) {
        Some(param) => format!("\x1b[{code};{param}~").into_bytes(),
        None => format!("\x1b[{code}~").into_bytes(),
    }
}

//! Keyboard events turned into the bytes an xterm would write to the program in a pane.
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
fn modifier_param(mods: KeyModifiers) -> Option<u8> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventState;

    const NONE: KeyModifiers = KeyModifiers::NONE;
    const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
    const ALT: KeyModifiers = KeyModifiers::ALT;
    const CTRL: KeyModifiers = KeyModifiers::CONTROL;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn check(table: &[(KeyCode, KeyModifiers, bool, &[u8])]) {
        for &(code, mods, app, expected) in table {
            assert_eq!(
                encode_key(&press(code, mods), app).as_deref(),
                Some(expected),
                "{code:?} {mods:?} application_cursor={app}"
            );
        }
    }

    #[test]
    fn printable_characters_are_utf8() {
        check(&[
            (KeyCode::Char('a'), NONE, false, b"a"),
            (KeyCode::Char('A'), SHIFT, false, b"A"),
            (KeyCode::Char('?'), SHIFT, false, b"?"),
            (KeyCode::Char(' '), NONE, false, b" "),
            (KeyCode::Char('é'), NONE, false, "é".as_bytes()),
            (KeyCode::Char('日'), NONE, false, "日".as_bytes()),
            (KeyCode::Char('🦀'), NONE, false, "🦀".as_bytes()),
        ]);
    }

    #[test]
    fn control_characters() {
        check(&[
            (KeyCode::Char('a'), CTRL, false, &[0x01]),
            (KeyCode::Char('b'), CTRL, false, &[0x02]),
            (KeyCode::Char('c'), CTRL, false, &[0x03]),
            (KeyCode::Char('z'), CTRL, false, &[0x1a]),
            (KeyCode::Char('Z'), CTRL | SHIFT, false, &[0x1a]),
            (KeyCode::Char(' '), CTRL, false, &[0x00]),
            (KeyCode::Char('@'), CTRL, false, &[0x00]),
            (KeyCode::Char('['), CTRL, false, &[0x1b]),
            (KeyCode::Char('\\'), CTRL, false, &[0x1c]),
            (KeyCode::Char(']'), CTRL, false, &[0x1d]),
            (KeyCode::Char('^'), CTRL, false, &[0x1e]),
            (KeyCode::Char('_'), CTRL, false, &[0x1f]),
            (KeyCode::Char('?'), CTRL, false, &[0x7f]),
            (KeyCode::Null, NONE, false, &[0x00]),
        ]);
        for (index, letter) in ('a'..='z').enumerate() {
            let bytes = encode_key(&press(KeyCode::Char(letter), CTRL), false).unwrap();
            assert_eq!(bytes, vec![index as u8 + 1], "Ctrl-{letter}");
        }
    }

    #[test]
    fn alt_prefixes_escape() {
        check(&[
            (KeyCode::Char('x'), ALT, false, b"\x1bx"),
            (KeyCode::Char('X'), ALT | SHIFT, false, b"\x1bX"),
            (KeyCode::Char('c'), ALT | CTRL, false, &[0x1b, 0x03]),
            (KeyCode::Char('é'), ALT, false, "\x1bé".as_bytes()),
            (KeyCode::Enter, ALT, false, b"\x1b\r"),
            (KeyCode::Backspace, ALT, false, &[0x1b, 0x7f]),
        ]);
    }

    #[test]
    fn editing_keys() {
        check(&[
            (KeyCode::Enter, NONE, false, b"\r"),
            (KeyCode::Tab, NONE, false, b"\t"),
            (KeyCode::Tab, SHIFT, false, b"\x1b[Z"),
            (KeyCode::BackTab, SHIFT, false, b"\x1b[Z"),
            (KeyCode::BackTab, NONE, false, b"\x1b[Z"),
            (KeyCode::Backspace, NONE, false, &[0x7f]),
            (KeyCode::Backspace, CTRL, false, &[0x08]),
            (KeyCode::Esc, NONE, false, &[0x1b]),
        ]);
    }

    #[test]
    fn cursor_keys_in_normal_and_application_mode() {
        check(&[
            (KeyCode::Up, NONE, false, b"\x1b[A"),
            (KeyCode::Down, NONE, false, b"\x1b[B"),
            (KeyCode::Right, NONE, false, b"\x1b[C"),
            (KeyCode::Left, NONE, false, b"\x1b[D"),
            (KeyCode::Home, NONE, false, b"\x1b[H"),
            (KeyCode::End, NONE, false, b"\x1b[F"),
            (KeyCode::Up, NONE, true, b"\x1bOA"),
            (KeyCode::Down, NONE, true, b"\x1bOB"),
            (KeyCode::Right, NONE, true, b"\x1bOC"),
            (KeyCode::Left, NONE, true, b"\x1bOD"),
            (KeyCode::Home, NONE, true, b"\x1bOH"),
            (KeyCode::End, NONE, true, b"\x1bOF"),
        ]);
    }

    #[test]
    fn modified_cursor_keys_use_csi_1_m_in_both_modes() {
        for app in [false, true] {
            check(&[
                (KeyCode::Up, SHIFT, app, b"\x1b[1;2A"),
                (KeyCode::Down, ALT, app, b"\x1b[1;3B"),
                (KeyCode::Right, SHIFT | ALT, app, b"\x1b[1;4C"),
                (KeyCode::Left, CTRL, app, b"\x1b[1;5D"),
                (KeyCode::Up, CTRL | SHIFT, app, b"\x1b[1;6A"),
                (KeyCode::Down, CTRL | ALT, app, b"\x1b[1;7B"),
                (KeyCode::Right, CTRL | ALT | SHIFT, app, b"\x1b[1;8C"),
                (KeyCode::Home, SHIFT, app, b"\x1b[1;2H"),
                (KeyCode::End, CTRL, app, b"\x1b[1;5F"),
            ]);
        }
    }

    #[test]
    fn editing_keypad_tilde_sequences() {
        check(&[
            (KeyCode::Insert, NONE, false, b"\x1b[2~"),
            (KeyCode::Delete, NONE, false, b"\x1b[3~"),
            (KeyCode::PageUp, NONE, false, b"\x1b[5~"),
            (KeyCode::PageDown, NONE, true, b"\x1b[6~"),
            (KeyCode::Insert, SHIFT, false, b"\x1b[2;2~"),
            (KeyCode::Delete, CTRL, false, b"\x1b[3;5~"),
            (KeyCode::PageUp, ALT, false, b"\x1b[5;3~"),
            (KeyCode::PageDown, CTRL | SHIFT, false, b"\x1b[6;6~"),
        ]);
    }

    #[test]
    fn function_keys() {
        check(&[
            (KeyCode::F(1), NONE, false, b"\x1bOP"),
            (KeyCode::F(2), NONE, false, b"\x1bOQ"),
            (KeyCode::F(3), NONE, false, b"\x1bOR"),
            (KeyCode::F(4), NONE, true, b"\x1bOS"),
            (KeyCode::F(1), SHIFT, false, b"\x1b[1;2P"),
            (KeyCode::F(4), CTRL, false, b"\x1b[1;5S"),
            (KeyCode::F(5), NONE, false, b"\x1b[15~"),
            (KeyCode::F(6), NONE, false, b"\x1b[17~"),
            (KeyCode::F(7), NONE, false, b"\x1b[18~"),
            (KeyCode::F(8), NONE, false, b"\x1b[19~"),
            (KeyCode::F(9), NONE, false, b"\x1b[20~"),
            (KeyCode::F(10), NONE, false, b"\x1b[21~"),
            (KeyCode::F(11), NONE, false, b"\x1b[23~"),
            (KeyCode::F(12), NONE, false, b"\x1b[24~"),
            (KeyCode::F(5), CTRL, false, b"\x1b[15;5~"),
            (KeyCode::F(12), SHIFT | ALT, false, b"\x1b[24;4~"),
        ]);
    }

    #[test]
    fn keys_without_bytes() {
        for code in [
            KeyCode::F(13),
            KeyCode::F(0),
            KeyCode::CapsLock,
            KeyCode::Menu,
            KeyCode::PrintScreen,
        ] {
            assert_eq!(encode_key(&press(code, NONE), false), None, "{code:?}");
        }
    }

    #[test]
    fn only_press_and_repeat_produce_bytes() {
        let event =
            |kind| KeyEvent::new_with_kind_and_state(KeyCode::Char('a'), NONE, kind, KeyEventState::NONE);
        assert_eq!(
            encode_key(&event(KeyEventKind::Press), false),
            Some(b"a".to_vec())
        );
        assert_eq!(
            encode_key(&event(KeyEventKind::Repeat), false),
            Some(b"a".to_vec())
        );
        assert_eq!(encode_key(&event(KeyEventKind::Release), false), None);
    }
}

//! The legacy encoding, from xterm's "PC-Style Function Keys" and its control characters.

use crate::tui::key_encoding::encode_key;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

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
    let event = |kind| KeyEvent::new_with_kind_and_state(KeyCode::Char('a'), NONE, kind, KeyEventState::NONE);
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

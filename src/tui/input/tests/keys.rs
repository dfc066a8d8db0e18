//! Keys: text, C0 controls, Alt as an ESC prefix, xterm's function keys with modifiers,
//! the SS3 keypad, and kitty's `CSI … u` reports.

use super::{ch, check, decode, decode_flushed, key, key_with, ALT, CTRL, NONE, SHIFT};
use crate::tui::input::InputDecoder;
use crate::tui::key_encoding::encode_key;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MediaKeyCode, ModifierKeyCode,
};

const PRESS: KeyEventKind = KeyEventKind::Press;
const KEYPAD: KeyEventState = KeyEventState::KEYPAD;

#[test]
fn text_is_characters_and_uppercase_carries_shift() {
    check(&[
        (b"a", vec![ch('a')]),
        (b"Z", vec![key(KeyCode::Char('Z'), SHIFT)]),
        (b" ~", vec![ch(' '), ch('~')]),
        ("é日🦀".as_bytes(), vec![ch('é'), ch('日'), ch('🦀')]),
        ("É".as_bytes(), vec![key(KeyCode::Char('É'), SHIFT)]),
    ]);
}

#[test]
fn a_character_split_across_feeds_is_one_key() {
    for text in ["é", "日", "🦀"] {
        let bytes = text.as_bytes();
        for split in 1..bytes.len() {
            let mut decoder = InputDecoder::new();
            decoder.feed(&bytes[..split]);
            assert_eq!(decoder.next_event(), None, "{text} after {split} bytes");
            decoder.feed(&bytes[split..]);
            let events: Vec<Event> = decoder.drain_events().collect();
            assert_eq!(
                events,
                vec![ch(text.chars().next().unwrap())],
                "{text} split at {split}"
            );
        }
    }
}

#[test]
fn invalid_utf8_is_dropped_and_the_text_around_it_kept() {
    check(&[
        (b"\xffa", vec![ch('a')]),
        (b"\x80\xbfb", vec![ch('b')]),
        // A lead byte followed by no continuation: the next byte still counts.
        (b"\xc3(", vec![ch('(')]),
        (b"\xe6\x97x", vec![ch('x')]),
        // Overlong, a surrogate, past U+10FFFF.
        (b"\xe0\x80\x80c", vec![ch('c')]),
        (b"\xed\xa0\x80d", vec![ch('d')]),
        (b"\xf4\x90\x80\x80e", vec![ch('e')]),
        // A C1 control, which a UTF-8 terminal never sends raw.
        (b"\x9b", vec![]),
    ]);
}

#[test]
fn c0_controls_are_reported_as_crossterm_reports_them() {
    check(&[
        (b"\r", vec![key(KeyCode::Enter, NONE)]),
        (b"\t", vec![key(KeyCode::Tab, NONE)]),
        (b"\x7f", vec![key(KeyCode::Backspace, NONE)]),
        (b"\x08", vec![key(KeyCode::Backspace, CTRL)]),
        (b"\x01", vec![key(KeyCode::Char('a'), CTRL)]),
        (b"\x03", vec![key(KeyCode::Char('c'), CTRL)]),
        (b"\x1a", vec![key(KeyCode::Char('z'), CTRL)]),
        (b"\n", vec![key(KeyCode::Char('j'), CTRL)]),
        (b"\x00", vec![key(KeyCode::Char(' '), CTRL)]),
        (b"\x1c", vec![key(KeyCode::Char('4'), CTRL)]),
        (b"\x1f", vec![key(KeyCode::Char('7'), CTRL)]),
    ]);
    assert_eq!(decode(b"\x1b"), vec![], "a lone ESC waits for the timeout");
    assert_eq!(decode_flushed(b"\x1b"), vec![key(KeyCode::Esc, NONE)]);
}

/// Every byte below 0x80 and every Alt form of it decodes to a key that the panes' key
/// encoder turns back into the same bytes: what is typed reaches the program unchanged.
#[test]
fn every_ascii_byte_and_its_alt_form_round_trip_through_the_key_encoder() {
    // Bytes after ESC that start a sequence instead of meaning Alt.
    let introducers = b"[O]P_^X";
    for byte in 0u8..0x80 {
        let alone = decode_flushed(&[byte]);
        let [Event::Key(event)] = alone.as_slice() else {
            panic!("byte {byte:#04x} gave {alone:?}");
        };
        assert_eq!(
            encode_key(event, false),
            Some(vec![byte]),
            "byte {byte:#04x}: {event:?}"
        );

        let bytes = [0x1b, byte];
        let with_alt = decode_flushed(&bytes);
        let [Event::Key(event)] = with_alt.as_slice() else {
            panic!("ESC {byte:#04x} gave {with_alt:?}");
        };
        assert!(event.modifiers.contains(ALT), "ESC {byte:#04x}: {event:?}");
        if introducers.contains(&byte) || byte == 0x1b {
            // Held as a sequence start, then given up at the timeout: Alt all the same.
            assert_eq!(decode(&bytes), vec![], "ESC {byte:#04x} is held");
        }
        assert_eq!(
            encode_key(event, false),
            Some(bytes.to_vec()),
            "ESC {byte:#04x}: {event:?}"
        );
    }
}

#[test]
fn alt_is_an_escape_prefix() {
    check(&[
        (b"\x1bx", vec![key(KeyCode::Char('x'), ALT)]),
        (b"\x1bA", vec![key(KeyCode::Char('A'), ALT | SHIFT)]),
        (b"\x1b\r", vec![key(KeyCode::Enter, ALT)]),
        (b"\x1b\x7f", vec![key(KeyCode::Backspace, ALT)]),
        (b"\x1b\x01", vec![key(KeyCode::Char('a'), CTRL | ALT)]),
        (b"\x1b\t", vec![key(KeyCode::Tab, ALT)]),
        ("\x1bé".as_bytes(), vec![key(KeyCode::Char('é'), ALT)]),
        // ESC before a whole key sequence: Alt and that key.
        (b"\x1b\x1b[A", vec![key(KeyCode::Up, ALT)]),
        (b"\x1b\x1bOP", vec![key(KeyCode::F(1), ALT)]),
        (b"\x1b\x1b[3~", vec![key(KeyCode::Delete, ALT)]),
        // ESC ESC and a character: Alt-Esc, then the character.
        (b"\x1b\x1bx", vec![key(KeyCode::Esc, ALT), ch('x')]),
    ]);
}

#[test]
fn cursor_keys_in_csi_and_ss3_forms_with_xterm_modifiers() {
    for (letter, code) in [
        (b'A', KeyCode::Up),
        (b'B', KeyCode::Down),
        (b'C', KeyCode::Right),
        (b'D', KeyCode::Left),
        (b'H', KeyCode::Home),
        (b'F', KeyCode::End),
    ] {
        check(&[
            (&[0x1b, b'[', letter], vec![key(code, NONE)]),
            (&[0x1b, b'O', letter], vec![key(code, NONE)]),
        ]);
        for (param, modifiers) in [
            (2, SHIFT),
            (3, ALT),
            (4, SHIFT | ALT),
            (5, CTRL),
            (6, SHIFT | CTRL),
            (7, ALT | CTRL),
            (8, SHIFT | ALT | CTRL),
        ] {
            let bytes = format!("\x1b[1;{param}{}", char::from(letter));
            check(&[(bytes.as_bytes(), vec![key(code, modifiers)])]);
        }
    }
}

#[test]
fn editing_keys_and_function_keys() {
    check(&[
        (b"\x1b[2~", vec![key(KeyCode::Insert, NONE)]),
        (b"\x1b[3~", vec![key(KeyCode::Delete, NONE)]),
        (b"\x1b[3;2~", vec![key(KeyCode::Delete, SHIFT)]),
        (b"\x1b[5~", vec![key(KeyCode::PageUp, NONE)]),
        (b"\x1b[6;5~", vec![key(KeyCode::PageDown, CTRL)]),
        (b"\x1b[1~", vec![key(KeyCode::Home, NONE)]),
        (b"\x1b[4~", vec![key(KeyCode::End, NONE)]),
        (b"\x1b[7~", vec![key(KeyCode::Home, NONE)]),
        (b"\x1b[8~", vec![key(KeyCode::End, NONE)]),
        (b"\x1bOP", vec![key(KeyCode::F(1), NONE)]),
        (b"\x1bOQ", vec![key(KeyCode::F(2), NONE)]),
        (b"\x1bOR", vec![key(KeyCode::F(3), NONE)]),
        (b"\x1bOS", vec![key(KeyCode::F(4), NONE)]),
        (b"\x1b[1;2P", vec![key(KeyCode::F(1), SHIFT)]),
        (b"\x1b[1;5R", vec![key(KeyCode::F(3), CTRL)]),
        (b"\x1b[11~", vec![key(KeyCode::F(1), NONE)]),
        (b"\x1b[14~", vec![key(KeyCode::F(4), NONE)]),
        (b"\x1b[13~", vec![key(KeyCode::F(3), NONE)]),
        (b"\x1b[15~", vec![key(KeyCode::F(5), NONE)]),
        (b"\x1b[17~", vec![key(KeyCode::F(6), NONE)]),
        (b"\x1b[21~", vec![key(KeyCode::F(10), NONE)]),
        (b"\x1b[23~", vec![key(KeyCode::F(11), NONE)]),
        (b"\x1b[24;5~", vec![key(KeyCode::F(12), CTRL)]),
        (b"\x1b[Z", vec![key(KeyCode::BackTab, SHIFT)]),
        // Old-style SS3 with a modifier.
        (b"\x1bO5A", vec![key(KeyCode::Up, CTRL)]),
    ]);
}

#[test]
fn ss3_keypad_keys_carry_the_keypad_state() {
    let keypad = |code| key_with(code, NONE, PRESS, KEYPAD);
    check(&[
        (b"\x1bOM", vec![keypad(KeyCode::Enter)]),
        (b"\x1bOp", vec![keypad(KeyCode::Char('0'))]),
        (b"\x1bOy", vec![keypad(KeyCode::Char('9'))]),
        (b"\x1bOj", vec![keypad(KeyCode::Char('*'))]),
        (b"\x1bOk", vec![keypad(KeyCode::Char('+'))]),
        (b"\x1bOm", vec![keypad(KeyCode::Char('-'))]),
        (b"\x1bOn", vec![keypad(KeyCode::Char('.'))]),
        (b"\x1bOo", vec![keypad(KeyCode::Char('/'))]),
        (b"\x1bOE", vec![keypad(KeyCode::KeypadBegin)]),
        (b"\x1b[E", vec![keypad(KeyCode::KeypadBegin)]),
    ]);
}

/// What the panes' key encoder writes for a special key decodes to that key again.
#[test]
fn special_keys_round_trip_from_the_key_encoder() {
    let codes = [
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Insert,
        KeyCode::Delete,
        KeyCode::PageUp,
        KeyCode::PageDown,
    ]
    .into_iter()
    .chain((1..=12).map(KeyCode::F));
    let mut checked = 0;
    for code in codes {
        for bits in 0..8u8 {
            let mut modifiers = NONE;
            for (bit, modifier) in [(1, SHIFT), (2, ALT), (4, CTRL)] {
                if bits & bit != 0 {
                    modifiers |= modifier;
                }
            }
            let event = KeyEvent::new(code, modifiers);
            for application_cursor in [false, true] {
                let bytes = encode_key(&event, application_cursor).expect("a special key has bytes");
                assert_eq!(
                    decode(&bytes),
                    vec![Event::Key(event)],
                    "{event:?} sent as {bytes:?}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 22 * 8 * 2);
}

#[test]
fn kitty_key_reports() {
    let kitty = |code, modifiers, kind, state| key_with(code, modifiers, kind, state);
    let none = KeyEventState::NONE;
    check(&[
        (b"\x1b[97u", vec![ch('a')]),
        (b"\x1b[97;5u", vec![key(KeyCode::Char('a'), CTRL)]),
        (b"\x1b[97;2u", vec![key(KeyCode::Char('A'), SHIFT)]),
        (b"\x1b[49:33;2u", vec![key(KeyCode::Char('!'), SHIFT)]),
        (b"\x1b[97;2;65u", vec![key(KeyCode::Char('A'), SHIFT)]),
        (b"\x1b[13;2u", vec![key(KeyCode::Enter, SHIFT)]),
        (b"\x1b[13;5u", vec![key(KeyCode::Enter, CTRL)]),
        (b"\x1b[27u", vec![key(KeyCode::Esc, NONE)]),
        (b"\x1b[127;5u", vec![key(KeyCode::Backspace, CTRL)]),
        (b"\x1b[9;2u", vec![key(KeyCode::BackTab, SHIFT)]),
        (b"\x1b[97;9u", vec![key(KeyCode::Char('a'), KeyModifiers::SUPER)]),
        (b"\x1b[97;1:1u", vec![ch('a')]),
        (
            b"\x1b[97;1:2u",
            vec![kitty(KeyCode::Char('a'), NONE, KeyEventKind::Repeat, none)],
        ),
        (
            b"\x1b[97;5:3u",
            vec![kitty(KeyCode::Char('a'), CTRL, KeyEventKind::Release, none)],
        ),
        (
            b"\x1b[97;65u",
            vec![kitty(KeyCode::Char('a'), NONE, PRESS, KeyEventState::CAPS_LOCK)],
        ),
        (
            b"\x1b[97;129u",
            vec![kitty(KeyCode::Char('a'), NONE, PRESS, KeyEventState::NUM_LOCK)],
        ),
        (
            b"\x1b[57399u",
            vec![kitty(KeyCode::Char('0'), NONE, PRESS, KEYPAD)],
        ),
        (
            b"\x1b[57414;2u",
            vec![kitty(KeyCode::Enter, SHIFT, PRESS, KEYPAD)],
        ),
        (b"\x1b[57419u", vec![kitty(KeyCode::Up, NONE, PRESS, KEYPAD)]),
        (b"\x1b[57376u", vec![key(KeyCode::F(13), NONE)]),
        (b"\x1b[57398u", vec![key(KeyCode::F(35), NONE)]),
        (b"\x1b[57358u", vec![key(KeyCode::CapsLock, NONE)]),
        (
            b"\x1b[57428u",
            vec![key(KeyCode::Media(MediaKeyCode::Play), NONE)],
        ),
        (
            b"\x1b[57441;2u",
            vec![key(KeyCode::Modifier(ModifierKeyCode::LeftShift), SHIFT)],
        ),
        (
            b"\x1b[57454u",
            vec![key(KeyCode::Modifier(ModifierKeyCode::IsoLevel5Shift), NONE)],
        ),
        // Event types on the legacy forms.
        (
            b"\x1b[1;5:3A",
            vec![kitty(KeyCode::Up, CTRL, KeyEventKind::Release, none)],
        ),
        (
            b"\x1b[3;1:2~",
            vec![kitty(KeyCode::Delete, NONE, KeyEventKind::Repeat, none)],
        ),
        (
            b"\x1b[57427;1:3~",
            vec![kitty(KeyCode::KeypadBegin, NONE, KeyEventKind::Release, KEYPAD)],
        ),
        // A shortcut on a Cyrillic layout: its base layout key, as legacy terminals send
        // Ctrl-b for the key of `b`; without a shortcut modifier, the key itself.
        (b"\x1b[1080::98;5u", vec![key(KeyCode::Char('b'), CTRL)]),
        (
            b"\x1b[1080:1048:98;6u",
            vec![key(KeyCode::Char('B'), CTRL | SHIFT)],
        ),
        (b"\x1b[1080::98;3u", vec![key(KeyCode::Char('b'), ALT)]),
        (b"\x1b[1080;5u", vec![key(KeyCode::Char('и'), CTRL)]),
        (b"\x1b[1080:1048:98;2u", vec![key(KeyCode::Char('И'), SHIFT)]),
        (b"\x1b[97::97;5u", vec![key(KeyCode::Char('a'), CTRL)]),
        // xterm's modifyOtherKeys form.
        (b"\x1b[27;5;13~", vec![key(KeyCode::Enter, CTRL)]),
        (b"\x1b[27;3;97~", vec![key(KeyCode::Char('a'), ALT)]),
    ]);
}

#[test]
fn sequences_naming_no_key_give_no_keys() {
    for bytes in [
        &b"\x1b[99~"[..],
        b"\x1b[57350u",
        b"\x1b[5u",
        b"\x1b[2A",
        b"\x1bOz",
        b"\x1b[1;2$y",
    ] {
        assert_eq!(
            decode_flushed(bytes),
            vec![],
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

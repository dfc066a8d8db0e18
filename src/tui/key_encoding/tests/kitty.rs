//! The kitty keyboard protocol: every expected sequence below is taken from its
//! specification ("Comprehensive keyboard handling in terminals"): the functional key
//! table, the modifier encoding `1 + bits`, what each progressive enhancement changes,
//! and its examples.

use super::{event, shown, ALT, CTRL, NONE, SHIFT};
use crate::tui::key_encoding::{encode_key, encode_key_for, KeyboardMode, KeyboardModes};
use crossterm::event::{KeyCode, KeyEventKind, KeyEventState, KeyModifiers, MediaKeyCode, ModifierKeyCode};

const DISAMBIGUATE: KeyboardModes = KeyboardModes::DISAMBIGUATE_ESC_CODES;
const EVENTS: KeyboardModes = KeyboardModes::REPORT_EVENT_TYPES;
const ALTERNATES: KeyboardModes = KeyboardModes::REPORT_ALTERNATE_KEYS;
const ALL_KEYS: KeyboardModes = KeyboardModes::REPORT_ALL_KEYS_AS_ESC;
const TEXT: KeyboardModes = KeyboardModes::REPORT_ASSOCIATED_TEXT;

const PRESS: KeyEventKind = KeyEventKind::Press;
const REPEAT: KeyEventKind = KeyEventKind::Repeat;
const RELEASE: KeyEventKind = KeyEventKind::Release;
const PLAIN: KeyEventState = KeyEventState::NONE;
const KEYPAD: KeyEventState = KeyEventState::KEYPAD;

/// One case: the key, its modifiers, the event kind, the key state, and what the pane
/// receives (`None`: nothing).
type Case<'a> = (
    KeyCode,
    KeyModifiers,
    KeyEventKind,
    KeyEventState,
    Option<&'a str>,
);

fn check(flags: KeyboardModes, cases: &[Case]) {
    for &(code, modifiers, kind, state, expected) in cases {
        for application_cursor in [false, true] {
            let mode = KeyboardMode {
                application_cursor,
                kitty: flags,
                ..KeyboardMode::default()
            };
            let key = event(code, modifiers, kind, state);
            let got = encode_key_for(&key, mode);
            assert_eq!(
                shown(got.as_deref()),
                shown(expected.map(str::as_bytes)),
                "{code:?} {modifiers:?} {kind:?} {state:?} flags {flags:?} application cursor {application_cursor}"
            );
        }
    }
}

/// Presses without state: (key, modifiers, expected).
fn presses<'a>(cases: &[(KeyCode, KeyModifiers, &'a str)]) -> Vec<Case<'a>> {
    cases
        .iter()
        .map(|&(code, modifiers, expected)| (code, modifiers, PRESS, PLAIN, Some(expected)))
        .collect()
}

#[test]
fn functional_keys_have_the_numbers_of_the_table() {
    let mut cases = vec![
        (KeyCode::Esc, "\x1b[27u"),
        (KeyCode::Insert, "\x1b[2~"),
        (KeyCode::Delete, "\x1b[3~"),
        (KeyCode::Left, "\x1b[D"),
        (KeyCode::Right, "\x1b[C"),
        (KeyCode::Up, "\x1b[A"),
        (KeyCode::Down, "\x1b[B"),
        (KeyCode::PageUp, "\x1b[5~"),
        (KeyCode::PageDown, "\x1b[6~"),
        (KeyCode::Home, "\x1b[H"),
        (KeyCode::End, "\x1b[F"),
        (KeyCode::PrintScreen, "\x1b[57361u"),
        (KeyCode::Pause, "\x1b[57362u"),
        (KeyCode::Menu, "\x1b[57363u"),
        (KeyCode::F(1), "\x1b[P"),
        (KeyCode::F(2), "\x1b[Q"),
        (KeyCode::F(3), "\x1b[13~"),
        (KeyCode::F(4), "\x1b[S"),
        (KeyCode::F(5), "\x1b[15~"),
        (KeyCode::F(6), "\x1b[17~"),
        (KeyCode::F(7), "\x1b[18~"),
        (KeyCode::F(8), "\x1b[19~"),
        (KeyCode::F(9), "\x1b[20~"),
        (KeyCode::F(10), "\x1b[21~"),
        (KeyCode::F(11), "\x1b[23~"),
        (KeyCode::F(12), "\x1b[24~"),
        (KeyCode::F(13), "\x1b[57376u"),
        (KeyCode::F(24), "\x1b[57387u"),
        (KeyCode::F(35), "\x1b[57398u"),
        (KeyCode::KeypadBegin, "\x1b[E"),
        (KeyCode::Media(MediaKeyCode::Play), "\x1b[57428u"),
        (KeyCode::Media(MediaKeyCode::Pause), "\x1b[57429u"),
        (KeyCode::Media(MediaKeyCode::PlayPause), "\x1b[57430u"),
        (KeyCode::Media(MediaKeyCode::Reverse), "\x1b[57431u"),
        (KeyCode::Media(MediaKeyCode::Stop), "\x1b[57432u"),
        (KeyCode::Media(MediaKeyCode::FastForward), "\x1b[57433u"),
        (KeyCode::Media(MediaKeyCode::Rewind), "\x1b[57434u"),
        (KeyCode::Media(MediaKeyCode::TrackNext), "\x1b[57435u"),
        (KeyCode::Media(MediaKeyCode::TrackPrevious), "\x1b[57436u"),
        (KeyCode::Media(MediaKeyCode::Record), "\x1b[57437u"),
        (KeyCode::Media(MediaKeyCode::LowerVolume), "\x1b[57438u"),
        (KeyCode::Media(MediaKeyCode::RaiseVolume), "\x1b[57439u"),
        (KeyCode::Media(MediaKeyCode::MuteVolume), "\x1b[57440u"),
    ];
    let keypad = [
        (KeyCode::Enter, "\x1b[57414u"),
        (KeyCode::Left, "\x1b[57417u"),
        (KeyCode::Right, "\x1b[57418u"),
        (KeyCode::Up, "\x1b[57419u"),
        (KeyCode::Down, "\x1b[57420u"),
        (KeyCode::PageUp, "\x1b[57421u"),
        (KeyCode::PageDown, "\x1b[57422u"),
        (KeyCode::Home, "\x1b[57423u"),
        (KeyCode::End, "\x1b[57424u"),
        (KeyCode::Insert, "\x1b[57425u"),
        (KeyCode::Delete, "\x1b[57426u"),
    ];
    let mut all: Vec<Case> = cases
        .drain(..)
        .map(|(code, expected)| (code, NONE, PRESS, PLAIN, Some(expected)))
        .collect();
    all.extend(
        keypad
            .iter()
            .map(|&(code, expected)| (code, NONE, PRESS, KEYPAD, Some(expected))),
    );
    check(DISAMBIGUATE, &all);
}

#[test]
fn all_keys_as_escape_codes_reports_text_editing_keypad_and_modifier_keys() {
    let mut cases = presses(&[
        (KeyCode::Enter, NONE, "\x1b[13u"),
        (KeyCode::Tab, NONE, "\x1b[9u"),
        (KeyCode::Backspace, NONE, "\x1b[127u"),
        (KeyCode::Char('a'), NONE, "\x1b[97u"),
        // The code is the unshifted key: "It must not be CSI 65; modifiers u".
        (KeyCode::Char('A'), SHIFT, "\x1b[97;2u"),
        (KeyCode::Char(' '), NONE, "\x1b[32u"),
        (KeyCode::CapsLock, NONE, "\x1b[57358u"),
        (KeyCode::ScrollLock, NONE, "\x1b[57359u"),
        (KeyCode::NumLock, NONE, "\x1b[57360u"),
        // Pressing a modifier key sets its own bit.
        (
            KeyCode::Modifier(ModifierKeyCode::LeftShift),
            SHIFT,
            "\x1b[57441;2u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::LeftControl),
            CTRL,
            "\x1b[57442;5u",
        ),
        (KeyCode::Modifier(ModifierKeyCode::LeftAlt), ALT, "\x1b[57443;3u"),
        (
            KeyCode::Modifier(ModifierKeyCode::LeftSuper),
            KeyModifiers::SUPER,
            "\x1b[57444;9u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::LeftHyper),
            KeyModifiers::HYPER,
            "\x1b[57445;17u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::LeftMeta),
            KeyModifiers::META,
            "\x1b[57446;33u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::RightShift),
            SHIFT,
            "\x1b[57447;2u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::RightControl),
            CTRL,
            "\x1b[57448;5u",
        ),
        (KeyCode::Modifier(ModifierKeyCode::RightAlt), ALT, "\x1b[57449;3u"),
        (
            KeyCode::Modifier(ModifierKeyCode::RightSuper),
            KeyModifiers::SUPER,
            "\x1b[57450;9u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::RightHyper),
            KeyModifiers::HYPER,
            "\x1b[57451;17u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::RightMeta),
            KeyModifiers::META,
            "\x1b[57452;33u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::IsoLevel3Shift),
            NONE,
            "\x1b[57453u",
        ),
        (
            KeyCode::Modifier(ModifierKeyCode::IsoLevel5Shift),
            NONE,
            "\x1b[57454u",
        ),
        (KeyCode::Up, NONE, "\x1b[A"),
    ]);
    let keypad = ('0'..='9').zip(57399..).chain([
        ('.', 57409),
        ('/', 57410),
        ('*', 57411),
        ('-', 57412),
        ('+', 57413),
        ('=', 57415),
        (',', 57416),
    ]);
    for (symbol, number) in keypad {
        let expected = format!("\x1b[{number}u");
        check(
            ALL_KEYS,
            &[(
                KeyCode::Char(symbol),
                NONE,
                PRESS,
                KEYPAD,
                Some(expected.as_str()),
            )],
        );
    }
    // Lock modifiers count for every key here.
    cases.push((
        KeyCode::Char('a'),
        NONE,
        PRESS,
        KeyEventState::NUM_LOCK,
        Some("\x1b[97;129u"),
    ));
    cases.push((
        KeyCode::Char('A'),
        NONE,
        PRESS,
        KeyEventState::CAPS_LOCK,
        Some("\x1b[97;65u"),
    ));
    check(ALL_KEYS, &cases);
}

#[test]
fn modifiers_are_one_plus_their_bits() {
    let super_ = KeyModifiers::SUPER;
    let hyper = KeyModifiers::HYPER;
    let meta = KeyModifiers::META;
    check(
        DISAMBIGUATE,
        &presses(&[
            (KeyCode::Up, SHIFT, "\x1b[1;2A"),
            (KeyCode::Up, ALT, "\x1b[1;3A"),
            (KeyCode::Up, SHIFT | ALT, "\x1b[1;4A"),
            (KeyCode::Up, CTRL, "\x1b[1;5A"),
            (KeyCode::Up, CTRL | SHIFT, "\x1b[1;6A"),
            (KeyCode::Up, CTRL | ALT, "\x1b[1;7A"),
            (KeyCode::Up, CTRL | ALT | SHIFT, "\x1b[1;8A"),
            (KeyCode::Up, super_, "\x1b[1;9A"),
            (KeyCode::Up, hyper, "\x1b[1;17A"),
            (KeyCode::Up, meta, "\x1b[1;33A"),
            (
                KeyCode::Up,
                SHIFT | ALT | CTRL | super_ | hyper | meta,
                "\x1b[1;64A",
            ),
            (KeyCode::Delete, SHIFT, "\x1b[3;2~"),
            (KeyCode::F(3), CTRL, "\x1b[13;5~"),
            (KeyCode::F(1), ALT, "\x1b[1;3P"),
            (KeyCode::F(13), CTRL, "\x1b[57376;5u"),
            (KeyCode::Esc, SHIFT, "\x1b[27;2u"),
            (KeyCode::Char('a'), super_, "\x1b[97;9u"),
        ]),
    );
    // Locks: caps lock 64 and num lock 128, on keys that type no text.
    check(
        DISAMBIGUATE,
        &[
            (
                KeyCode::Up,
                NONE,
                PRESS,
                KeyEventState::NUM_LOCK,
                Some("\x1b[1;129A"),
            ),
            (
                KeyCode::Esc,
                NONE,
                PRESS,
                KeyEventState::CAPS_LOCK,
                Some("\x1b[27;65u"),
            ),
            (
                KeyCode::Home,
                CTRL,
                PRESS,
                KeyEventState::CAPS_LOCK,
                Some("\x1b[1;69H"),
            ),
        ],
    );
}

#[test]
fn disambiguate_reports_esc_alt_ctrl_keys_as_csi_u_and_keeps_text_and_the_shell_keys() {
    check(
        DISAMBIGUATE,
        &presses(&[
            // "Turning on this flag will cause the terminal to report the Esc, alt+key,
            // ctrl+key, ctrl+alt+key, shift+alt+key keys using CSI u sequences."
            (KeyCode::Esc, NONE, "\x1b[27u"),
            (KeyCode::Char('a'), ALT, "\x1b[97;3u"),
            (KeyCode::Char('a'), CTRL, "\x1b[97;5u"),
            (KeyCode::Char('c'), CTRL, "\x1b[99;5u"),
            (KeyCode::Char('a'), CTRL | ALT, "\x1b[97;7u"),
            (KeyCode::Char('A'), SHIFT | ALT, "\x1b[97;4u"),
            (KeyCode::Char('i'), CTRL | SHIFT, "\x1b[105;6u"),
            (KeyCode::Char('I'), CTRL | SHIFT, "\x1b[105;6u"),
            (KeyCode::Char('3'), CTRL | SHIFT, "\x1b[51;6u"),
            (KeyCode::Char(';'), CTRL | SHIFT, "\x1b[59;6u"),
            (KeyCode::Char('['), ALT, "\x1b[91;3u"),
            (KeyCode::Char(' '), CTRL, "\x1b[32;5u"),
            (KeyCode::Null, NONE, "\x1b[32;5u"),
            (KeyCode::Char('é'), ALT, "\x1b[233;3u"),
            // Keys that type text still send it.
            (KeyCode::Char('a'), NONE, "a"),
            (KeyCode::Char('A'), SHIFT, "A"),
            (KeyCode::Char('#'), SHIFT, "#"),
            (KeyCode::Char(' '), SHIFT, " "),
            (KeyCode::Char('日'), NONE, "日"),
            // "The only exceptions are the Enter, Tab and Backspace keys which still
            // generate the same bytes as in legacy mode" …
            (KeyCode::Enter, NONE, "\r"),
            (KeyCode::Tab, NONE, "\t"),
            (KeyCode::Backspace, NONE, "\x7f"),
            // … unless modified: then they are escape codes like every key.
            (KeyCode::Enter, SHIFT, "\x1b[13;2u"),
            (KeyCode::Enter, CTRL, "\x1b[13;5u"),
            (KeyCode::Enter, ALT, "\x1b[13;3u"),
            (KeyCode::Tab, CTRL, "\x1b[9;5u"),
            // Shift+Tab is Tab with Shift; ctrl+shift+tab is `CSI 9 ; 6 u`.
            (KeyCode::BackTab, SHIFT, "\x1b[9;2u"),
            (KeyCode::BackTab, NONE, "\x1b[9;2u"),
            (KeyCode::BackTab, CTRL | SHIFT, "\x1b[9;6u"),
            (KeyCode::Backspace, CTRL, "\x1b[127;5u"),
            (KeyCode::Backspace, ALT, "\x1b[127;3u"),
            // Functional keys take the CSI forms only, in cursor key mode too.
            (KeyCode::Up, NONE, "\x1b[A"),
            (KeyCode::F(1), NONE, "\x1b[P"),
        ]),
    );
    // Keypad keys that type text send it; the others have their own numbers.
    check(
        DISAMBIGUATE,
        &[
            (KeyCode::Char('5'), NONE, PRESS, KEYPAD, Some("5")),
            (KeyCode::Char('5'), CTRL, PRESS, KEYPAD, Some("\x1b[57404;5u")),
            (KeyCode::Enter, NONE, PRESS, KEYPAD, Some("\x1b[57414u")),
        ],
    );
    // "The Lock modifiers are not reported for text producing keys."
    check(
        DISAMBIGUATE,
        &[
            (
                KeyCode::Char('a'),
                NONE,
                PRESS,
                KeyEventState::NUM_LOCK,
                Some("a"),
            ),
            (
                KeyCode::Char('a'),
                CTRL,
                PRESS,
                KeyEventState::NUM_LOCK,
                Some("\x1b[97;5u"),
            ),
            (KeyCode::Enter, NONE, PRESS, KeyEventState::CAPS_LOCK, Some("\r")),
        ],
    );
    // Modifier and lock keys are reported only with all keys as escape codes.
    check(
        DISAMBIGUATE,
        &[
            (
                KeyCode::Modifier(ModifierKeyCode::LeftShift),
                SHIFT,
                PRESS,
                PLAIN,
                None,
            ),
            (KeyCode::CapsLock, NONE, PRESS, PLAIN, None),
        ],
    );
}

#[test]
fn the_same_keys_in_legacy_mode_are_what_they_always_were() {
    for (code, modifiers) in [
        (KeyCode::Esc, NONE),
        (KeyCode::Char('a'), ALT),
        (KeyCode::Char('a'), CTRL),
        (KeyCode::Enter, SHIFT),
        (KeyCode::Tab, CTRL),
        (KeyCode::Up, NONE),
        (KeyCode::Up, CTRL),
        (KeyCode::F(3), NONE),
        (KeyCode::Backspace, CTRL),
    ] {
        for application_cursor in [false, true] {
            let key = event(code, modifiers, PRESS, PLAIN);
            let mode = KeyboardMode {
                application_cursor,
                ..KeyboardMode::default()
            };
            assert_eq!(
                encode_key_for(&key, mode),
                encode_key(&key, application_cursor),
                "{code:?} {modifiers:?}"
            );
        }
    }
    // Alternate keys and text change only escape codes: alone, they change nothing.
    for flags in [ALTERNATES, TEXT, ALTERNATES | TEXT] {
        let mode = KeyboardMode {
            kitty: flags,
            ..KeyboardMode::default()
        };
        let key = event(KeyCode::Enter, SHIFT, PRESS, PLAIN);
        assert_eq!(encode_key_for(&key, mode), Some(b"\r".to_vec()), "{flags:?}");
    }
}

#[test]
fn event_types_mark_repeats_and_releases_of_escape_coded_keys() {
    check(
        DISAMBIGUATE | EVENTS,
        &[
            (KeyCode::Up, NONE, PRESS, PLAIN, Some("\x1b[A")),
            (KeyCode::Up, NONE, REPEAT, PLAIN, Some("\x1b[1;1:2A")),
            (KeyCode::Up, NONE, RELEASE, PLAIN, Some("\x1b[1;1:3A")),
            (KeyCode::Up, SHIFT, RELEASE, PLAIN, Some("\x1b[1;2:3A")),
            (KeyCode::Delete, NONE, RELEASE, PLAIN, Some("\x1b[3;1:3~")),
            (KeyCode::Esc, NONE, RELEASE, PLAIN, Some("\x1b[27;1:3u")),
            (KeyCode::Char('a'), CTRL, REPEAT, PLAIN, Some("\x1b[97;5:2u")),
            (KeyCode::Char('a'), CTRL, RELEASE, PLAIN, Some("\x1b[97;5:3u")),
            (KeyCode::Enter, SHIFT, REPEAT, PLAIN, Some("\x1b[13;2:2u")),
            // "Key events that result in text are reported as plain UTF-8 text, so
            // events are not supported for them."
            (KeyCode::Char('a'), NONE, REPEAT, PLAIN, Some("a")),
            (KeyCode::Char('a'), NONE, RELEASE, PLAIN, None),
            // "The Enter, Tab and Backspace keys will not have release events unless
            // report all keys as escape codes is also set."
            (KeyCode::Enter, NONE, REPEAT, PLAIN, Some("\r")),
            (KeyCode::Enter, NONE, RELEASE, PLAIN, None),
            (KeyCode::Enter, SHIFT, RELEASE, PLAIN, None),
            (KeyCode::Tab, NONE, RELEASE, PLAIN, None),
            (KeyCode::Backspace, CTRL, RELEASE, PLAIN, None),
        ],
    );
    // Event types alone need escape codes too.
    check(
        EVENTS,
        &[
            (KeyCode::Esc, NONE, PRESS, PLAIN, Some("\x1b[27u")),
            (KeyCode::Up, NONE, RELEASE, PLAIN, Some("\x1b[1;1:3A")),
        ],
    );
    // Without event types a repeat is a press and a release sends nothing.
    check(
        DISAMBIGUATE,
        &[
            (KeyCode::Up, NONE, REPEAT, PLAIN, Some("\x1b[A")),
            (KeyCode::Up, NONE, RELEASE, PLAIN, None),
            (KeyCode::Char('a'), CTRL, RELEASE, PLAIN, None),
        ],
    );
    // With all keys as escape codes every key has its events.
    check(
        ALL_KEYS | EVENTS,
        &[
            (KeyCode::Char('a'), NONE, REPEAT, PLAIN, Some("\x1b[97;1:2u")),
            (KeyCode::Char('a'), NONE, RELEASE, PLAIN, Some("\x1b[97;1:3u")),
            (KeyCode::Enter, NONE, RELEASE, PLAIN, Some("\x1b[13;1:3u")),
            (
                KeyCode::Modifier(ModifierKeyCode::LeftShift),
                NONE,
                RELEASE,
                PLAIN,
                Some("\x1b[57441;1:3u"),
            ),
        ],
    );
}

#[test]
fn alternate_keys_add_the_shifted_key_when_shift_is_held() {
    check(
        DISAMBIGUATE | ALTERNATES,
        &presses(&[
            (KeyCode::Char('A'), CTRL | SHIFT, "\x1b[97:65;6u"),
            (KeyCode::Char('a'), CTRL | SHIFT, "\x1b[97:65;6u"),
            (KeyCode::Char('?'), ALT | SHIFT, "\x1b[47:63;4u"),
            (KeyCode::Char('+'), CTRL | SHIFT, "\x1b[61:43;6u"),
            // "The shifted key must be present only if shift is also present."
            (KeyCode::Char('a'), CTRL, "\x1b[97;5u"),
            // Only keys that are escape codes anyway change.
            (KeyCode::Char('A'), SHIFT, "A"),
            (KeyCode::Up, SHIFT, "\x1b[1;2A"),
        ]),
    );
    check(
        ALL_KEYS | ALTERNATES,
        &presses(&[(KeyCode::Char('A'), SHIFT, "\x1b[97:65;2u")]),
    );
}

#[test]
fn associated_text_follows_keys_that_type_text() {
    check(
        ALL_KEYS | TEXT,
        &presses(&[
            // The specification's example: "shift+a -> CSI 97 ; 2 ; 65 u".
            (KeyCode::Char('A'), SHIFT, "\x1b[97;2;65u"),
            (KeyCode::Char('a'), NONE, "\x1b[97;;97u"),
            (KeyCode::Char('é'), NONE, "\x1b[233;;233u"),
            // No text: Ctrl makes a shortcut, Enter types a control code.
            (KeyCode::Char('a'), CTRL, "\x1b[97;5u"),
            (KeyCode::Enter, NONE, "\x1b[13u"),
            (KeyCode::Up, NONE, "\x1b[A"),
        ]),
    );
    check(
        ALL_KEYS | TEXT | EVENTS,
        &[
            (KeyCode::Char('a'), NONE, REPEAT, PLAIN, Some("\x1b[97;1:2;97u")),
            (KeyCode::Char('a'), NONE, RELEASE, PLAIN, Some("\x1b[97;1:3u")),
        ],
    );
}

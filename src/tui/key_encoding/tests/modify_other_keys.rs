//! xterm's modifyOtherKeys. The expected values are the rows of the table xterm's
//! `modify-keys.pl` test prints for a US layout (levels 1 and 2, the modifier columns
//! `s---` to `sac-`), written in xterm's default `formatOtherKeys` form
//! `CSI 27 ; modifiers ; code ~` (the table shows the other form, `CSI code ; modifiers u`).

use super::{event, shown, ALT, CTRL, NONE, SHIFT};
use crate::tui::key_encoding::{encode_key, encode_key_for, KeyboardMode, ModifyOtherKeys};
use crossterm::event::{KeyCode, KeyEventKind, KeyEventState, KeyModifiers};

const LEVEL_1: ModifyOtherKeys = ModifyOtherKeys::EnableExceptWellDefined;
const LEVEL_2: ModifyOtherKeys = ModifyOtherKeys::EnableAll;

/// The legacy bytes, for the cases where the table shows the key unchanged.
const LEGACY: &str = "legacy";

fn check(level: ModifyOtherKeys, cases: &[(KeyCode, KeyModifiers, &str)]) {
    for &(code, modifiers, expected) in cases {
        for application_cursor in [false, true] {
            let key = event(code, modifiers, KeyEventKind::Press, KeyEventState::NONE);
            let mode = KeyboardMode {
                application_cursor,
                modify_other_keys: level,
                ..KeyboardMode::default()
            };
            let expected = if expected == LEGACY {
                encode_key(&key, application_cursor)
            } else {
                Some(expected.as_bytes().to_vec())
            };
            assert_eq!(
                shown(encode_key_for(&key, mode).as_deref()),
                shown(expected.as_deref()),
                "{code:?} {modifiers:?} at {level:?}"
            );
        }
    }
}

#[test]
fn level_1_leaves_well_known_keys_alone_and_escapes_the_rest() {
    check(
        LEVEL_1,
        &[
            // Letters: Ctrl makes the control character, Alt the escape.
            (KeyCode::Char('a'), NONE, LEGACY),
            (KeyCode::Char('A'), SHIFT, LEGACY),
            (KeyCode::Char('a'), ALT, "\x1b[27;3;97~"),
            (KeyCode::Char('A'), SHIFT | ALT, "\x1b[27;4;65~"),
            (KeyCode::Char('a'), CTRL, LEGACY),
            (KeyCode::Char('A'), CTRL | SHIFT, LEGACY),
            (KeyCode::Char('a'), CTRL | ALT, "\x1b[27;7;97~"),
            (KeyCode::Char('A'), CTRL | ALT | SHIFT, "\x1b[27;8;65~"),
            // Digits without a control character: Ctrl gives the escape.
            (KeyCode::Char('1'), CTRL, "\x1b[27;5;49~"),
            (KeyCode::Char('!'), SHIFT, LEGACY),
            (KeyCode::Char('!'), CTRL | SHIFT, "\x1b[27;6;33~"),
            // The control-character aliases: Ctrl-2 is NUL, Ctrl-3 ESC, Ctrl-/ US.
            (KeyCode::Char('2'), CTRL, LEGACY),
            (KeyCode::Char('3'), CTRL, LEGACY),
            (KeyCode::Char('3'), ALT, "\x1b[27;3;51~"),
            (KeyCode::Char('#'), CTRL | SHIFT, "\x1b[27;6;35~"),
            (KeyCode::Char('/'), CTRL, LEGACY),
            (KeyCode::Char('?'), CTRL, "\x1b[27;5;63~"),
            (KeyCode::Char('?'), CTRL | SHIFT, "\x1b[27;6;63~"),
            (KeyCode::Char('@'), CTRL | SHIFT, LEGACY),
            // Space: Ctrl-Space is NUL, Alt gives the escape.
            (KeyCode::Char(' '), SHIFT, LEGACY),
            (KeyCode::Char(' '), CTRL, LEGACY),
            (KeyCode::Char(' '), CTRL | SHIFT, LEGACY),
            (KeyCode::Char(' '), ALT, "\x1b[27;3;32~"),
            (KeyCode::Char(' '), CTRL | ALT, "\x1b[27;7;32~"),
            // Enter and Tab: every modifier gives the escape.
            (KeyCode::Enter, NONE, LEGACY),
            (KeyCode::Enter, SHIFT, "\x1b[27;2;13~"),
            (KeyCode::Enter, ALT, "\x1b[27;3;13~"),
            (KeyCode::Enter, CTRL, "\x1b[27;5;13~"),
            (KeyCode::Enter, CTRL | SHIFT, "\x1b[27;6;13~"),
            (KeyCode::Tab, CTRL, "\x1b[27;5;9~"),
            (KeyCode::Tab, CTRL | ALT | SHIFT, "\x1b[27;8;9~"),
            // Backspace is never changed; Esc only with Alt.
            (KeyCode::Backspace, SHIFT, LEGACY),
            (KeyCode::Backspace, ALT, LEGACY),
            (KeyCode::Backspace, CTRL, LEGACY),
            (KeyCode::Esc, SHIFT, LEGACY),
            (KeyCode::Esc, CTRL, LEGACY),
            (KeyCode::Esc, ALT, "\x1b[27;3;27~"),
            // Shift-Tab stays `CSI Z`; cursor and function keys keep their own forms.
            (KeyCode::BackTab, SHIFT, "\x1b[Z"),
            (KeyCode::Up, CTRL, LEGACY),
            (KeyCode::F(5), SHIFT, LEGACY),
        ],
    );
}

#[test]
fn level_2_escapes_every_modified_key_but_shifted_symbols_and_ctrl_backspace() {
    check(
        LEVEL_2,
        &[
            (KeyCode::Char('a'), NONE, LEGACY),
            (KeyCode::Char('A'), SHIFT, "\x1b[27;2;65~"),
            (KeyCode::Char('a'), ALT, "\x1b[27;3;97~"),
            (KeyCode::Char('a'), CTRL, "\x1b[27;5;97~"),
            (KeyCode::Char('A'), CTRL | SHIFT, "\x1b[27;6;65~"),
            (KeyCode::Char('a'), CTRL | ALT, "\x1b[27;7;97~"),
            // Shift below 64 types another character, which is sent as it is.
            (KeyCode::Char('!'), SHIFT, LEGACY),
            (KeyCode::Char('?'), SHIFT, LEGACY),
            (KeyCode::Char('@'), SHIFT, "\x1b[27;2;64~"),
            (KeyCode::Char('2'), CTRL, "\x1b[27;5;50~"),
            (KeyCode::Char('/'), CTRL, "\x1b[27;5;47~"),
            (KeyCode::Char(' '), SHIFT, "\x1b[27;2;32~"),
            (KeyCode::Char(' '), CTRL, "\x1b[27;5;32~"),
            (KeyCode::Null, NONE, "\x1b[27;5;32~"),
            (KeyCode::Enter, SHIFT, "\x1b[27;2;13~"),
            (KeyCode::Tab, CTRL, "\x1b[27;5;9~"),
            (KeyCode::BackTab, CTRL | SHIFT, "\x1b[27;6;9~"),
            (KeyCode::BackTab, SHIFT, "\x1b[Z"),
            // Backspace: every modifier but Ctrl alone (our Backspace sends DEL, 127).
            (KeyCode::Backspace, SHIFT, "\x1b[27;2;127~"),
            (KeyCode::Backspace, ALT, "\x1b[27;3;127~"),
            (KeyCode::Backspace, CTRL, LEGACY),
            (KeyCode::Backspace, CTRL | SHIFT, "\x1b[27;6;127~"),
            (KeyCode::Esc, NONE, LEGACY),
            (KeyCode::Esc, SHIFT, "\x1b[27;2;27~"),
            (KeyCode::Esc, CTRL, "\x1b[27;5;27~"),
            (KeyCode::Home, SHIFT, LEGACY),
        ],
    );
}

#[test]
fn releases_send_nothing_and_repeats_are_presses() {
    for level in [LEVEL_1, LEVEL_2] {
        let mode = KeyboardMode {
            modify_other_keys: level,
            ..KeyboardMode::default()
        };
        let key = |kind| event(KeyCode::Enter, SHIFT, kind, KeyEventState::NONE);
        assert_eq!(encode_key_for(&key(KeyEventKind::Release), mode), None);
        assert_eq!(
            encode_key_for(&key(KeyEventKind::Repeat), mode),
            Some(b"\x1b[27;2;13~".to_vec())
        );
    }
}

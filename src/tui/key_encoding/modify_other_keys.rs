//! xterm's modifyOtherKeys encoding: a modified "other" key (a character, Space, Enter,
//! Tab, Backspace, Esc) whose legacy bytes would lose a modifier is sent as
//! `CSI 27 ; modifiers ; code ~` (xterm's default `formatOtherKeys`), where `code` is the
//! character the key types (already shifted) and `modifiers` is
//! `1 + shift + 2·alt + 4·ctrl`. Cursor, editing-keypad and function keys keep their own
//! modified forms.
//!
//! Which keys, at which level, follows xterm's documented behaviour (its resource
//! description and the table its `modify-keys.pl` test script prints):
//!
//! - **level 1** leaves the keys with a well-known legacy form alone: Ctrl with the
//!   characters 64 to 127 (`@`, letters, `[ \ ] ^ _`, …) and with the control-character
//!   aliases Space and `2` to `8` and `/` (without Shift) stays a C0 control; Shift alone
//!   stays the shifted character; Backspace is never changed, Esc only with Alt. Alt,
//!   and Ctrl with any other character, give the escape, and so does any modifier on
//!   Enter and Tab.
//! - **level 2** gives the escape for every modified key except: Shift on a character
//!   below 64 other than Space (it types another character: `!`, `#`), Ctrl alone on
//!   Backspace, and Shift-Tab (`CSI Z`).

use super::legacy::{encode_key, modifier_param};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use vte::ansi::ModifyOtherKeys;

/// The bytes for `key` at modifyOtherKeys `level` (not `Reset`).
pub(super) fn encode(key: &KeyEvent, level: ModifyOtherKeys, application_cursor: bool) -> Option<Vec<u8>> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let all = level == ModifyOtherKeys::EnableAll;
    let mut modifiers = key.modifiers;
    let shift = modifiers.contains(KeyModifiers::SHIFT);
    let alt = modifiers.contains(KeyModifiers::ALT);
    let ctrl = modifiers.contains(KeyModifiers::CONTROL);
    let any = shift || alt || ctrl;
    let code = match key.code {
        KeyCode::Char(c) => other_key(typed(c, shift), shift, alt, ctrl, all),
        // NUL, as the decoder reports Ctrl-Space.
        KeyCode::Null => {
            modifiers |= KeyModifiers::CONTROL;
            other_key(' ', shift, alt, true, all)
        }
        KeyCode::Enter => any.then_some(13),
        KeyCode::Tab => any.then_some(9),
        // Shift-Tab is `CSI Z` at both levels; with more modifiers it is Tab's escape.
        KeyCode::BackTab => {
            modifiers |= KeyModifiers::SHIFT;
            (alt || ctrl).then_some(9)
        }
        KeyCode::Backspace => (all && (shift || alt)).then_some(0x7f),
        KeyCode::Esc => (alt || (all && any)).then_some(0x1b),
        _ => None,
    };
    match code {
        Some(code) => {
            // A key with an escape has a modifier, so the parameter is at least 2.
            let param = modifier_param(modifiers).unwrap_or(1);
            Some(format!("\x1b[27;{param};{code}~").into_bytes())
        }
        None => encode_key(key, application_cursor),
    }
}

/// The character a key types: a lowercase letter with Shift is its uppercase letter.
fn typed(c: char, shift: bool) -> char {
    if !shift {
        return c;
    }
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(upper), None) => upper,
        _ => c,
    }
}

/// The code of a character key's escape, if it gets one.
fn other_key(c: char, shift: bool, alt: bool, ctrl: bool, all: bool) -> Option<u32> {
    let code = u32::from(c);
    let well_known_with_shift = (64..=127).contains(&code) || c == ' ';
    let escape = if alt {
        true
    } else if ctrl {
        all || !(well_known_with_shift || (!shift && matches!(c, '2'..='8' | '/')))
    } else if shift {
        all && well_known_with_shift
    } else {
        false
    };
    escape.then_some(code)
}

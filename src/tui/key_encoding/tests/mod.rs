//! The encoders against their specifications: xterm's legacy keys, xterm's
//! modifyOtherKeys table, and the kitty keyboard protocol's tables and rules.

mod kitty;
mod legacy;
mod modify_other_keys;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

pub(super) const NONE: KeyModifiers = KeyModifiers::NONE;
pub(super) const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
pub(super) const ALT: KeyModifiers = KeyModifiers::ALT;
pub(super) const CTRL: KeyModifiers = KeyModifiers::CONTROL;

/// A key event of `kind` with `state`.
pub(super) fn event(
    code: KeyCode,
    modifiers: KeyModifiers,
    kind: KeyEventKind,
    state: KeyEventState,
) -> KeyEvent {
    KeyEvent::new_with_kind_and_state(code, modifiers, kind, state)
}

/// The bytes as text, with ESC shown as `\e`, for readable failures.
pub(super) fn shown(bytes: Option<&[u8]>) -> String {
    match bytes {
        Some(bytes) => String::from_utf8_lossy(bytes).replace('\x1b', "\\e"),
        None => "nothing".into(),
    }
}

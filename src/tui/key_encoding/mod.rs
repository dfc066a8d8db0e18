//! Keyboard events turned into the bytes a pane's program reads, in the encoding that
//! program asked for:
//!
//! - **legacy** (the default, and exactly what every pane got before): xterm's "PC-Style
//!   Function Keys" and control characters; see [`encode_key`].
//! - **xterm's modifyOtherKeys** (`CSI > 4 ; 1 m` or `CSI > 4 ; 2 m`): keys whose legacy
//!   bytes would lose a modifier are sent as `CSI 27 ; modifiers ; code ~`, at the two
//!   levels xterm defines.
//! - **the kitty keyboard protocol** (`CSI > flags u`, `CSI = flags ; mode u`): keys as
//!   `CSI code ; modifiers u` and the `CSI 1 ; modifiers X` / `CSI n ; modifiers ~`
//!   forms, with the progressive enhancements the program chose: disambiguated escape
//!   codes, event types (press, repeat, release), alternate keys, all keys as escape
//!   codes, and associated text.
//!
//! The kitty protocol wins when a program asked for both. [`KeyboardMode`] says which
//! encoding a pane gets; [`encode_key_for`] encodes.
//!
//! ```
//! use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
//! use perdix::tui::key_encoding::{encode_key_for, KeyboardMode, KeyboardModes, ModifyOtherKeys};
//!
//! let shift_enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT);
//! let legacy = KeyboardMode::default();
//! assert_eq!(encode_key_for(&shift_enter, legacy), Some(b"\r".to_vec()));
//!
//! let kitty = KeyboardMode { kitty: KeyboardModes::DISAMBIGUATE_ESC_CODES, ..legacy };
//! assert_eq!(encode_key_for(&shift_enter, kitty), Some(b"\x1b[13;2u".to_vec()));
//!
//! let xterm = KeyboardMode { modify_other_keys: ModifyOtherKeys::EnableAll, ..legacy };
//! assert_eq!(encode_key_for(&shift_enter, xterm), Some(b"\x1b[27;2;13~".to_vec()));
//! ```

mod kitty;
mod legacy;
mod modify_other_keys;
mod pressed;

#[cfg(test)]
mod tests;

use crate::term::PaneTerminal;
use alacritty_terminal::term::TermMode;
use crossterm::event::KeyEvent;

pub use legacy::encode_key;
pub use pressed::PressedKeys;
pub use vte::ansi::{KeyboardModes, ModifyOtherKeys};

/// Which encoding a pane's keys take: what its program asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyboardMode {
    /// Application cursor mode (DECCKM): unmodified arrows, Home and End as `SS3 x` in
    /// the legacy encodings.
    pub application_cursor: bool,
    /// The kitty keyboard protocol flags in effect; none for the other encodings.
    pub kitty: KeyboardModes,
    /// xterm's modifyOtherKeys level.
    pub modify_other_keys: ModifyOtherKeys,
}

impl Default for KeyboardMode {
    /// The legacy encoding in normal cursor mode.
    fn default() -> KeyboardMode {
        KeyboardMode {
            application_cursor: false,
            kitty: KeyboardModes::NO_MODE,
            modify_other_keys: ModifyOtherKeys::Reset,
        }
    }
}

impl KeyboardMode {
    /// What the program in `terminal` asked for, on the screen it shows now.
    pub fn of_pane(terminal: &PaneTerminal) -> KeyboardMode {
        KeyboardMode {
            application_cursor: terminal.term().mode().contains(TermMode::APP_CURSOR),
            kitty: terminal.kitty_keyboard(),
            modify_other_keys: terminal.modify_other_keys(),
        }
    }

    /// Whether the program asked for key release events.
    pub fn wants_releases(&self) -> bool {
        self.kitty.contains(KeyboardModes::REPORT_EVENT_TYPES)
    }
}

/// The bytes a pane in `mode` receives for `key`, or `None` for keys that send it
/// nothing (releases unless it asked for them, lone modifiers unless it asked for all
/// keys, keys its encoding has no bytes for).
///
/// A repeat is sent as a press unless the program asked for event types.
pub fn encode_key_for(key: &KeyEvent, mode: KeyboardMode) -> Option<Vec<u8>> {
    // Alternate keys and associated text only change keys already sent as escape codes:
    // on their own they leave the legacy encoding in place.
    let escape_codes = KeyboardModes::DISAMBIGUATE_ESC_CODES
        | KeyboardModes::REPORT_EVENT_TYPES
        | KeyboardModes::REPORT_ALL_KEYS_AS_ESC;
    if mode.kitty.intersects(escape_codes) {
        return kitty::encode(key, mode.kitty);
    }
    match mode.modify_other_keys {
        ModifyOtherKeys::Reset => encode_key(key, mode.application_cursor),
        level => modify_other_keys::encode(key, level, mode.application_cursor),
    }
}

//! Terminal models: span records replayed into one `alacritty_terminal::Term` per pane.
//!
//! [`Replayer`] turns decoded actions into the `vte::ansi::Handler` calls that
//! `vte::ansi::Processor` makes for the same bytes (written here from the xterm and
//! ECMA-48 definitions, since `vte` keeps its translation private). [`PaneTerminal`] adds
//! what a pane needs around it: synchronized updates held at the record level, replies to
//! the program's queries for that pane's PTY (colours from the [`Palette`] the pane is
//! drawn with; XTVERSION, the colour-scheme query and modes 9 and 2031, which the model
//! does not know), pane events, the [`MouseProtocol`] and the keyboard protocol (kitty
//! flags, modifyOtherKeys) the program asked for, and a configurable scrollback.

mod csi;
mod damage;
mod events;
mod keyboard;
mod modes;
mod mouse_mode;
mod osc;
mod own_sequences;
mod palette;
mod pane;
mod replay;
mod screen;
mod screen_ansi;
mod sgr;
mod sync;

pub use alacritty_terminal::term::Osc52;
pub use damage::ViewDamage;
pub use events::{Clipboard, PaneEvent, PaneListener};
pub use keyboard::{active_kitty_flags, KEYBOARD_STACK_LIMIT};
pub use mouse_mode::{MouseEncoding, MouseProtocol, MouseTracking};
pub(crate) use osc::parse_color;
pub use palette::{xterm_color, Palette};
pub use pane::{PaneConfig, PaneTerminal, DEFAULT_SCROLLBACK, MIN_COLUMNS};
pub use replay::Replayer;
pub use screen::{line_text, screen_text};
pub use screen_ansi::line_ansi;
pub use sync::{SYNC_LIMIT, SYNC_TIMEOUT};

impl PaneTerminal {
    /// The visible rows as text; see [`screen_text`].
    pub fn screen_text(&self) -> Vec<String> {
        screen_text(self.term())
    }
}

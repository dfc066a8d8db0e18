//! Terminal models: span records replayed into one `alacritty_terminal::Term` per pane.
//!
//! [`Replayer`] turns decoded actions into the `vte::ansi::Handler` calls that
//! `vte::ansi::Processor` makes for the same bytes (written here from the xterm and
//! ECMA-48 definitions, since `vte` keeps its translation private). [`PaneTerminal`] adds
//! what a pane needs around it: synchronized updates held at the record level, replies to
//! the program's queries for that pane's PTY, pane events, a configurable scrollback, and
//! the keyboard protocol the program asked for (kitty flags, modifyOtherKeys).

mod csi;
mod events;
mod keyboard;
mod modes;
mod osc;
mod pane;
mod replay;
mod screen;
mod sgr;
mod sync;

pub use alacritty_terminal::term::Osc52;
pub use events::{xterm_color, Clipboard, PaneEvent, PaneListener};
pub use keyboard::{active_kitty_flags, KEYBOARD_STACK_LIMIT};
pub use pane::{PaneConfig, PaneTerminal, DEFAULT_SCROLLBACK, MIN_COLUMNS};
pub use replay::Replayer;
pub use screen::{line_text, screen_text};
pub use sync::{SYNC_LIMIT, SYNC_TIMEOUT};

impl PaneTerminal {
    /// The visible rows as text; see [`screen_text`].
    pub fn screen_text(&self) -> Vec<String> {
        screen_text(self.term())
    }
}

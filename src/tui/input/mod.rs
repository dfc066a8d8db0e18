//! The app's own decoder of what the outer terminal sends: keys, mouse reports, focus
//! changes, bracketed pastes and replies to queries, turned into crossterm's
//! [`Event`](crossterm::event::Event) values so that the rest of the app is the same
//! whichever way the bytes came (its own tty, or later a socket).
//!
//! The decoder follows the published formats: xterm's control sequences ("PC-Style
//! Function Keys", "Mouse Tracking" in its SGR, normal and urxvt encodings, bracketed
//! paste, focus events) and the kitty keyboard protocol's `CSI … u` key reports.
//!
//! # The escape timeout
//!
//! A lone ESC byte is both the Esc key and the start of every sequence, and Alt+key is
//! sent as ESC followed by the key: Alt-`[` is `ESC [`, the start of a CSI sequence. The
//! decoder therefore holds an incomplete sequence until more bytes come or until
//! [`DEFAULT_ESCAPE_TIMEOUT`] (25 ms) has passed without a byte; then
//! [`InputDecoder::flush_timeout`] turns what is held into keys (`ESC` → Esc, `ESC [` →
//! Alt-`[`, `ESC O` → Alt-`O`, `ESC ESC` → Alt-Esc, `ESC [ 1 ;` → Alt-`[`, `1`, `;`). A
//! bracketed paste never times out: it may hold any bytes, ESC included, until its end
//! marker.
//!
//! [`spawn_terminal_input`] runs the decoder on a thread over the app's terminal, with
//! `poll` timed to the decoder's deadline, and also reports resizes.
//!
//! ```
//! use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
//! use perdix::tui::input::InputDecoder;
//!
//! let mut decoder = InputDecoder::new();
//! decoder.feed(b"\x1b[1;5A");
//! let up = KeyEvent::new(KeyCode::Up, KeyModifiers::CONTROL);
//! assert_eq!(decoder.next_event(), Some(Event::Key(up)));
//!
//! // Alt-[ : held, since more bytes could follow, until the timeout says it was a key.
//! decoder.feed(b"\x1b[");
//! assert_eq!(decoder.next_event(), None);
//! assert!(decoder.deadline().is_some());
//! decoder.flush_timeout();
//! let alt_bracket = KeyEvent::new(KeyCode::Char('['), KeyModifiers::ALT);
//! assert_eq!(decoder.next_event(), Some(Event::Key(alt_bracket)));
//! ```

mod csi;
mod decoder;
mod keys;
mod mouse;
mod paste;
mod reader;
mod reply;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use decoder::InputDecoder;
pub use reader::{
    spawn_input_reader, spawn_terminal_input, spawn_terminal_input_with, EventSink, InputReaderError,
    InputReaderOptions, ReaderEnd, TerminalSize,
};
pub use reply::{ReplyKind, TerminalReply};

/// How long an incomplete escape sequence is held before its bytes count as keys.
///
/// A terminal writes each sequence whole, so its bytes arrive together, even over a
/// network link; a person cannot type a second key within 25 ms of Esc or Alt-`[`. Long
/// enough for the one, too short for the other to notice.
pub const DEFAULT_ESCAPE_TIMEOUT: Duration = Duration::from_millis(25);

/// The largest part of a bracketed paste delivered as one
/// [`Event::Paste`](crossterm::event::Event::Paste): a longer paste comes in several parts, in order, so
/// that memory stays bounded whatever is pasted.
pub const DEFAULT_PASTE_PART: usize = 16 << 20;

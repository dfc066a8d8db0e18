//! The kitty keyboard protocol on the app's own terminal, so that keys the legacy
//! encoding cannot tell apart (Shift-Enter from Enter, Ctrl-Tab from Tab, Esc from the
//! start of a sequence) reach the app, and from there the panes that asked for them.
//!
//! Support is detected as the protocol's specification says: the app asks for the
//! current flags (`CSI ? u`) and then for the primary device attributes (`CSI c`). A
//! terminal with the protocol answers `CSI ? flags u` first; one without answers only the
//! device attributes, which every terminal does. Neither query does anything visible on
//! a terminal that does not know it. When no answer comes within the timeout, the
//! protocol counts as absent, so that a terminal that never answers delays the start by
//! that much and no more.
//!
//! With support, [`WANTED_FLAGS`] are pushed (`CSI > flags u`) and popped (`CSI < u`)
//! when the app ends; without it, nothing more is sent. The terminal keeps a stack per
//! screen, so the push comes after entering the alternate screen and the pop before
//! leaving it.

use super::input::{ReplyKind, TerminalReply};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use vte::ansi::KeyboardModes;

/// How long the app waits for the terminal's answers at the start.
pub const DETECT_TIMEOUT: Duration = Duration::from_millis(150);

/// The query: kitty flags, then the primary device attributes.
pub const QUERY: &[u8] = b"\x1b[?u\x1b[c";

/// Pops the flags the app pushed.
pub const POP: &[u8] = b"\x1b[<u";

/// The flags the app asks for: escape codes for ambiguous keys, event types (releases are
/// passed on to the panes that ask for them), and the shifted key beside the unshifted
/// one (so that Ctrl-Shift-/ is reported as `?`, as legacy terminals type it). Not all
/// keys as escape codes, nor associated text: text typed and composed stays text.
pub const WANTED_FLAGS: KeyboardModes = KeyboardModes::DISAMBIGUATE_ESC_CODES
    .union(KeyboardModes::REPORT_EVENT_TYPES)
    .union(KeyboardModes::REPORT_ALTERNATE_KEYS);

/// What the terminal answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KittySupport {
    /// It has the protocol; its flags were these when asked.
    Supported(KeyboardModes),
    /// It answered the device attributes alone: no protocol.
    Unsupported,
    /// Nothing came in time.
    NoAnswer,
}

/// The bytes that push `flags`.
pub fn push_sequence(flags: KeyboardModes) -> Vec<u8> {
    format!("\x1b[>{}u", flags.bits()).into_bytes()
}

/// Waits up to `timeout` for the answers to [`QUERY`] among the terminal's `replies`.
///
/// ```
/// use perdix::tui::input::InputDecoder;
/// use perdix::tui::outer_keyboard::{read_support, KittySupport};
/// use std::time::Duration;
/// use vte::ansi::KeyboardModes;
///
/// let (replies_tx, replies) = std::sync::mpsc::channel();
/// let mut decoder = InputDecoder::new();
/// decoder.feed(b"\x1b[?0u\x1b[?62;22c");
/// while let Some(reply) = decoder.next_reply() {
///     replies_tx.send(reply).unwrap();
/// }
/// let support = read_support(&replies, Duration::from_secs(5));
/// assert_eq!(support, KittySupport::Supported(KeyboardModes::NO_MODE));
/// ```
pub fn read_support(replies: &Receiver<TerminalReply>, timeout: Duration) -> KittySupport {
    let deadline = Instant::now() + timeout;
    let mut flags = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match replies.recv_timeout(left) {
            Ok(reply) => match answer(&reply) {
                Answer::Flags(answered) => flags = Some(answered),
                Answer::DeviceAttributes => {
                    return flags.map_or(KittySupport::Unsupported, KittySupport::Supported)
                }
                Answer::Other => {}
            },
            // A flags answer is enough, even if the device attributes come late.
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                return flags.map_or(KittySupport::NoAnswer, KittySupport::Supported)
            }
        }
    }
}

/// A reply, read as an answer to [`QUERY`].
enum Answer {
    Flags(KeyboardModes),
    DeviceAttributes,
    Other,
}

fn answer(reply: &TerminalReply) -> Answer {
    if reply.kind() != ReplyKind::Csi {
        return Answer::Other;
    }
    let Some((&final_byte, body)) = reply.payload().split_last() else {
        return Answer::Other;
    };
    let Some(params) = body.strip_prefix(b"?") else {
        return Answer::Other;
    };
    match final_byte {
        b'u' => std::str::from_utf8(params)
            .ok()
            .and_then(|digits| digits.parse::<u8>().ok())
            .map_or(Answer::Other, |bits| {
                Answer::Flags(KeyboardModes::from_bits_truncate(bits))
            }),
        b'c' => Answer::DeviceAttributes,
        _ => Answer::Other,
    }
}

/// The app's use of the protocol on its terminal: asked for once, popped exactly once.
///
/// Lives in a `static`, so that the panic hook can pop what was pushed.
#[derive(Debug, Default)]
pub struct OuterKeyboard {
    pushed: AtomicBool,
}

impl OuterKeyboard {
    /// Nothing pushed yet.
    pub const fn new() -> OuterKeyboard {
        OuterKeyboard {
            pushed: AtomicBool::new(false),
        }
    }

    /// Sends [`QUERY`] to `out`, waits up to `timeout` for the answers among `replies`
    /// (the replies of the terminal's input), and pushes [`WANTED_FLAGS`] if the terminal
    /// has the protocol.
    ///
    /// ```
    /// use perdix::tui::outer_keyboard::{KittySupport, OuterKeyboard, POP, QUERY};
    /// use std::time::Duration;
    ///
    /// // A terminal that answers nothing: only the query is sent, and nothing to undo.
    /// let (_replies_tx, replies) = std::sync::mpsc::channel();
    /// let keyboard = OuterKeyboard::new();
    /// let mut out = Vec::new();
    /// let support = keyboard.negotiate(&mut out, &replies, Duration::from_millis(10)).unwrap();
    /// assert_eq!(support, KittySupport::NoAnswer);
    /// keyboard.restore(&mut out).unwrap();
    /// assert_eq!(out, QUERY);
    /// ```
    pub fn negotiate(
        &self,
        out: &mut impl Write,
        replies: &Receiver<TerminalReply>,
        timeout: Duration,
    ) -> io::Result<KittySupport> {
        out.write_all(QUERY)?;
        out.flush()?;
        let support = read_support(replies, timeout);
        if let KittySupport::Supported(_) = support {
            out.write_all(&push_sequence(WANTED_FLAGS))?;
            out.flush()?;
            // Relaxed: the flag guards no other memory; the swap in `restore` alone
            // decides who pops.
            self.pushed.store(true, Ordering::Relaxed);
        }
        Ok(support)
    }

    /// Pops the flags [`negotiate`](Self::negotiate) pushed; later calls send nothing.
    pub fn restore(&self, out: &mut impl Write) -> io::Result<()> {
        // Relaxed: as in `negotiate`; the swap makes the pop happen once.
        if self.pushed.swap(false, Ordering::Relaxed) {
            out.write_all(POP)?;
            out.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::input::{spawn_input_reader, InputReaderOptions};
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    use std::io::Read;
    use std::os::unix::net::UnixStream;
    use std::sync::mpsc::{channel, Receiver};
    use std::thread::JoinHandle;

    const LONG: Duration = Duration::from_secs(20);

    /// A terminal at the other end of a socket: it waits for the query, then writes
    /// `answer`, and returns everything the app wrote until the app closes its end.
    fn terminal(mut end: UnixStream, answer: &'static [u8]) -> JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut buffer = [0u8; 256];
            while !seen.ends_with(QUERY) {
                let read = end.read(&mut buffer).unwrap();
                assert_ne!(read, 0, "the app closed before asking");
                seen.extend_from_slice(&buffer[..read]);
            }
            end.write_all(answer).unwrap();
            // Open until the app is done: a closed terminal would end the wait early.
            end.read_to_end(&mut seen).unwrap();
            seen
        })
    }

    /// The app's side: its input decoded on the input thread, replies on their channel.
    struct App {
        out: UnixStream,
        events: Receiver<Event>,
        replies: Receiver<TerminalReply>,
    }

    fn app(end: UnixStream) -> App {
        let (events_tx, events) = channel();
        let (replies_tx, replies) = channel();
        let options = InputReaderOptions {
            terminal_size: None,
            replies: Some(replies_tx),
            ..InputReaderOptions::default()
        };
        spawn_input_reader(end.try_clone().unwrap().into(), events_tx, options).unwrap();
        App {
            out: end,
            events,
            replies,
        }
    }

    /// Negotiates with a terminal that answers `answer`, restores twice, and returns
    /// the support found, how long it took, what the terminal received, and the app.
    fn negotiate(answer: &'static [u8], timeout: Duration) -> (KittySupport, Duration, Vec<u8>, App) {
        let (app_end, terminal_end) = UnixStream::pair().unwrap();
        let terminal = terminal(terminal_end, answer);
        let mut app = app(app_end);
        let keyboard = OuterKeyboard::new();
        let start = Instant::now();
        let support = keyboard.negotiate(&mut app.out, &app.replies, timeout).unwrap();
        let took = start.elapsed();
        keyboard.restore(&mut app.out).unwrap();
        keyboard.restore(&mut app.out).unwrap();
        app.out.shutdown(std::net::Shutdown::Write).unwrap();
        (support, took, terminal.join().unwrap(), app)
    }

    #[test]
    fn a_terminal_with_the_protocol_gets_the_flags_pushed_and_popped_once() {
        let (support, _, received, _) = negotiate(b"\x1b[?0u\x1b[?62;22c", LONG);
        assert_eq!(support, KittySupport::Supported(KeyboardModes::NO_MODE));
        assert_eq!(received, b"\x1b[?u\x1b[c\x1b[>7u\x1b[<u");
    }

    #[test]
    fn a_terminal_without_it_answers_the_device_attributes_alone_and_gets_nothing_more() {
        let (support, took, received, _) = negotiate(b"\x1b[?1;2c", LONG);
        assert_eq!(support, KittySupport::Unsupported);
        assert_eq!(received, QUERY);
        // The answer ends the wait, not the timeout.
        assert!(took < LONG / 2, "{took:?}");
    }

    #[test]
    fn a_terminal_that_never_answers_costs_the_timeout_and_no_more() {
        let timeout = Duration::from_millis(100);
        let (support, took, received, _) = negotiate(b"", timeout);
        assert_eq!(support, KittySupport::NoAnswer);
        assert_eq!(received, QUERY);
        assert!(took >= timeout && took < timeout * 20, "{took:?}");
    }

    #[test]
    fn keys_typed_while_waiting_reach_the_app_and_other_replies_are_skipped() {
        let answer = b"x\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?3u\x1b[?62c";
        let (support, _, _, app) = negotiate(answer, LONG);
        assert_eq!(
            support,
            KittySupport::Supported(
                KeyboardModes::DISAMBIGUATE_ESC_CODES | KeyboardModes::REPORT_EVENT_TYPES
            )
        );
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(app.events.recv_timeout(LONG), Ok(Event::Key(x)));
    }
}

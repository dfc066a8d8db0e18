//! The input thread: reads the terminal with `poll`, timed to the decoder's deadline so
//! that a lone Esc or Alt-`[` is reported once the escape timeout passes, and reports
//! resizes (SIGWINCH) as [`Event::Resize`].

use std::io::{self, IsTerminal, Read};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossterm::event::Event;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use signal_hook::SigId;

use super::{InputDecoder, TerminalReply, DEFAULT_ESCAPE_TIMEOUT};
use crate::ring::{EventCount, NotifyOnDrop};

/// How much is read from the terminal at once.
const READ_SIZE: usize = 64 * 1024;

/// Why the input thread could not start, or stopped early.
#[derive(Debug, thiserror::Error)]
pub enum InputReaderError {
    /// Neither stdin nor `/dev/tty` is a terminal to read.
    #[error("opening the terminal for input: {0}")]
    Open(#[source] io::Error),
    /// The SIGWINCH handler or its wake-up pipe could not be set up.
    #[error("watching for terminal resizes: {0}")]
    Resize(#[source] io::Error),
    /// The thread could not be started.
    #[error("starting the input thread: {0}")]
    Spawn(#[source] io::Error),
    /// `poll` failed.
    #[error("waiting for terminal input: {0}")]
    Poll(#[source] Errno),
    /// Reading the terminal failed.
    #[error("reading terminal input: {0}")]
    Read(#[source] Errno),
}

/// Why the input thread ended normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderEnd {
    /// The input reached its end (or the terminal went away).
    InputClosed,
    /// The receiver of the events was dropped.
    ReceiverGone,
}

/// Reads the terminal's size, columns then rows.
pub type TerminalSize = fn() -> io::Result<(u16, u16)>;

/// How the input thread reads and what it reports besides input.
#[derive(Debug, Clone)]
pub struct InputReaderOptions {
    /// How long an incomplete escape sequence waits for its next byte.
    pub escape_timeout: Duration,
    /// Called on SIGWINCH for the new size (columns, rows), sent as [`Event::Resize`];
    /// `None` does not watch for resizes.
    pub terminal_size: Option<TerminalSize>,
    /// Where replies to queries go; `None` drops them.
    pub replies: Option<Sender<TerminalReply>>,
    /// Notified after events or replies are sent and when the thread ends, for a receiver
    /// that sleeps on it rather than on the channel.
    pub waker: Option<Arc<EventCount>>,
}

impl Default for InputReaderOptions {
    /// The default escape timeout, resizes from crossterm's size of the terminal, no
    /// replies.
    fn default() -> InputReaderOptions {
        InputReaderOptions {
            escape_timeout: DEFAULT_ESCAPE_TIMEOUT,
            terminal_size: Some(crossterm::terminal::size),
            replies: None,
            waker: None,
        }
    }
}

/// Where the input thread delivers events: a channel, or anything that can take them one
/// at a time (a socket to a session server).
pub trait EventSink: Send + 'static {
    /// Takes one event; `false` when nobody takes events any more (the thread then ends).
    fn deliver(&mut self, event: Event) -> bool;
}

impl EventSink for Sender<Event> {
    fn deliver(&mut self, event: Event) -> bool {
        self.send(event).is_ok()
    }
}

/// Starts the `perdix-input` thread on the app's terminal: stdin when it is a terminal,
/// else `/dev/tty`. Events go to `events` until its receiver is dropped or the terminal
/// closes.
pub fn spawn_terminal_input(
    events: Sender<Event>,
) -> Result<JoinHandle<Result<ReaderEnd, InputReaderError>>, InputReaderError> {
    spawn_terminal_input_with(events, InputReaderOptions::default())
}

/// [`spawn_terminal_input`] with `options`, e.g. a channel for the terminal's replies.
pub fn spawn_terminal_input_with(
    events: impl EventSink,
    options: InputReaderOptions,
) -> Result<JoinHandle<Result<ReaderEnd, InputReaderError>>, InputReaderError> {
    let stdin = io::stdin();
    let input = if stdin.is_terminal() {
        stdin
            .as_fd()
            .try_clone_to_owned()
            .map_err(InputReaderError::Open)?
    } else {
        std::fs::File::open("/dev/tty")
            .map_err(InputReaderError::Open)?
            .into()
    };
    spawn_input_reader(input, events, options)
}

/// Starts the `perdix-input` thread on `input` (a terminal, a pipe, a socket): bytes are
/// decoded by an [`InputDecoder`] and the events sent to `events`. The thread ends when
/// `input` ends or the receiver of `events` is dropped (noticed at the next event).
///
/// ```
/// use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
/// use perdix::tui::input::{spawn_input_reader, InputReaderOptions, ReaderEnd};
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use std::time::Duration;
///
/// let (mut terminal, input) = UnixStream::pair().unwrap();
/// let (events_tx, events) = std::sync::mpsc::channel();
/// let options = InputReaderOptions { terminal_size: None, ..InputReaderOptions::default() };
/// let thread = spawn_input_reader(input.into(), events_tx, options).unwrap();
/// terminal.write_all(b"\x1b").unwrap();
/// // Nothing follows the ESC: after the escape timeout it is the Esc key.
/// let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
/// assert_eq!(events.recv_timeout(Duration::from_secs(10)), Ok(Event::Key(esc)));
/// drop(terminal);
/// assert_eq!(thread.join().unwrap().unwrap(), ReaderEnd::InputClosed);
/// ```
pub fn spawn_input_reader(
    input: OwnedFd,
    events: impl EventSink,
    options: InputReaderOptions,
) -> Result<JoinHandle<Result<ReaderEnd, InputReaderError>>, InputReaderError> {
    let resizes = match options.terminal_size {
        Some(_) => Some(ResizeWatch::new().map_err(InputReaderError::Resize)?),
        None => None,
    };
    std::thread::Builder::new()
        .name("perdix-input".into())
        .spawn(move || read_input(input, resizes, events, options))
        .map_err(InputReaderError::Spawn)
}

/// A pipe that SIGWINCH writes to, waking the `poll`; unregistered when dropped.
struct ResizeWatch {
    wake: UnixStream,
    signal: SigId,
}

impl ResizeWatch {
    fn new() -> io::Result<ResizeWatch> {
        let (wake, write_end) = UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        let signal = signal_hook::low_level::pipe::register(signal_hook::consts::SIGWINCH, write_end)?;
        Ok(ResizeWatch { wake, signal })
    }

    /// Empties the pipe: several signals before one read are one resize.
    fn drain(&mut self) {
        let mut sink = [0u8; 64];
        while matches!(self.wake.read(&mut sink), Ok(n) if n > 0) {}
    }
}

impl Drop for ResizeWatch {
    fn drop(&mut self) {
        signal_hook::low_level::unregister(self.signal);
    }
}

fn read_input(
    input: OwnedFd,
    mut resizes: Option<ResizeWatch>,
    events: impl EventSink,
    options: InputReaderOptions,
) -> Result<ReaderEnd, InputReaderError> {
    let mut decoder = InputDecoder::new().with_escape_timeout(options.escape_timeout);
    let mut buffer = vec![0u8; READ_SIZE];
    // Whatever ends the thread, the receiver wakes to see it (a disconnected channel):
    // declared before the channel's sender is moved in below, so dropped after it.
    let _wake_at_end = options.waker.clone().map(NotifyOnDrop);
    let mut events = events;
    let wake = || {
        if let Some(waker) = &options.waker {
            waker.notify();
        }
    };
    loop {
        let (input_flags, resized) = {
            let mut fds = vec![PollFd::new(input.as_fd(), PollFlags::POLLIN)];
            if let Some(watch) = &resizes {
                fds.push(PollFd::new(watch.wake.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, poll_timeout(decoder.deadline())) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(error) => return Err(InputReaderError::Poll(error)),
            }
            let input_flags = fds[0].revents().unwrap_or(PollFlags::empty());
            let resized = fds
                .get(1)
                .and_then(|fd| fd.revents())
                .is_some_and(|flags| flags.contains(PollFlags::POLLIN));
            (input_flags, resized)
        };
        if resized {
            if let (Some(watch), Some(size)) = (&mut resizes, options.terminal_size) {
                watch.drain();
                // A size that cannot be read now is read again at the next signal.
                if let Ok((columns, rows)) = size() {
                    if !events.deliver(Event::Resize(columns, rows)) {
                        return Ok(ReaderEnd::ReceiverGone);
                    }
                    wake();
                }
            }
        }
        let readable = PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL;
        let mut closed = false;
        if input_flags.intersects(readable) {
            match nix::unistd::read(input.as_raw_fd(), &mut buffer) {
                Ok(0) | Err(Errno::EIO) => closed = true,
                Ok(read) => decoder.feed(&buffer[..read]),
                Err(Errno::EINTR | Errno::EAGAIN) => {}
                Err(error) => return Err(InputReaderError::Read(error)),
            }
        }
        if closed
            || decoder
                .deadline()
                .is_some_and(|deadline| Instant::now() >= deadline)
        {
            decoder.flush_timeout();
        }
        if !deliver(&mut decoder, &mut events, options.replies.as_ref()) {
            return Ok(ReaderEnd::ReceiverGone);
        }
        // A notify with nobody asleep is a fence and a load.
        wake();
        if closed {
            return Ok(ReaderEnd::InputClosed);
        }
    }
}

/// Notifies its event count when dropped.
/// Sends what the decoder has; `false` when the receiver of the events is gone.
fn deliver(
    decoder: &mut InputDecoder,
    events: &mut impl EventSink,
    replies: Option<&Sender<TerminalReply>>,
) -> bool {
    for event in decoder.drain_events() {
        if !events.deliver(event) {
            return false;
        }
    }
    while let Some(reply) = decoder.next_reply() {
        if let Some(replies) = replies {
            // Nobody listening for replies is no reason to stop reading keys.
            let _ = replies.send(reply);
        }
    }
    true
}

/// The `poll` timeout until `deadline`, rounded up to whole milliseconds so that the
/// wake-up is never early; no deadline waits for input however long.
fn poll_timeout(deadline: Option<Instant>) -> PollTimeout {
    let Some(deadline) = deadline else {
        return PollTimeout::NONE;
    };
    let millis = deadline
        .saturating_duration_since(Instant::now())
        .as_nanos()
        .div_ceil(1_000_000);
    u32::try_from(millis)
        .ok()
        .and_then(|millis| PollTimeout::try_from(millis).ok())
        .unwrap_or(PollTimeout::MAX)
}

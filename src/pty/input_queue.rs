//! Writing into a pane without ever blocking whoever writes: a bounded queue per pane,
//! emptied into the child's terminal by a thread of its own. A child that does not read
//! its input fills the terminal's buffer and blocks that thread only.
//!
//! While nothing waits in the queue, bytes go straight to the child's terminal from the
//! sender's thread when it is given a non-blocking handle ([`InputQueue::start_direct`]):
//! a key then reaches the child without waking another thread. What the terminal does
//! not take at once is queued behind, for the writer thread; nothing overtakes what is
//! queued, and a child that does not read still never blocks the sender.
//!
//! Two kinds of bytes share the queue, in the order they were sent: replies to the
//! program's queries (cursor position, device attributes, colours) and input from the user
//! (keys, pastes, broadcast). When the child does not read, replies are dropped first
//! (beyond [`REPLY_LIMIT`] queued bytes: a program flooding queries gets no answer it
//! would not read anyway); input is refused beyond [`INPUT_LIMIT`], with an error the app
//! shows, and never silently dropped.

use super::nonblocking::TryWrite;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use thiserror::Error;

/// Bytes queued beyond which replies to queries are dropped.
pub const REPLY_LIMIT: usize = 64 * 1024;
/// Bytes queued beyond which typed or pasted input is refused: a few large pastes in flight.
pub const INPUT_LIMIT: usize = 4 * 1024 * 1024;
/// Most bytes the writer thread takes from the queue for one write.
const WRITE_PIECE: usize = 64 * 1024;

/// Why input was not queued.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InputRefused {
    /// The child has not read what was sent before.
    #[error("the program is not reading its input ({queued} bytes still waiting)")]
    Backlog {
        /// Bytes waiting to be written.
        queued: usize,
    },
    /// Writing to the child's terminal failed (it has closed); nothing more can be sent.
    #[error("the program's terminal is closed: {0}")]
    Closed(String),
}

#[derive(Default)]
struct Queue {
    bytes: VecDeque<u8>,
    /// Bytes the writer thread has taken but not yet written.
    in_flight: usize,
    dropped_replies: u64,
    /// Set when the writer thread stopped after a failed write.
    failure: Option<String>,
    /// Set when the queue's owner is gone.
    closed: bool,
    /// Writes to the child that never wait, used while nothing is pending. Kept under the
    /// queue's lock so that they cannot interleave with the writer thread's.
    direct: Option<Box<dyn TryWrite>>,
}

impl Queue {
    fn pending(&self) -> usize {
        self.bytes.len() + self.in_flight
    }

    /// Writes what the child's terminal takes of `bytes` now, when nothing is pending;
    /// returns the bytes written, which are not to be queued.
    fn write_direct(&mut self, bytes: &[u8]) -> Result<usize, InputRefused> {
        if self.pending() > 0 {
            return Ok(0);
        }
        let Some(direct) = &mut self.direct else {
            return Ok(0);
        };
        direct.try_write(bytes).map_err(|error| {
            let failure = error.to_string();
            self.failure = Some(failure.clone());
            InputRefused::Closed(failure)
        })
    }
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when bytes are queued or the owner leaves.
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding the lock leaves the queue consistent (every change is a
        // single call), so a poisoned lock is used as it is.
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The input side of one pane: a bounded queue and the thread that writes it to the
/// child. Dropping it lets the thread end once its current write returns.
///
/// ```
/// use perdix::pty::{InputQueue, REPLY_LIMIT};
/// use std::io::Write;
/// use std::sync::{Arc, Mutex};
/// #[derive(Clone, Default)]
/// struct Sink(Arc<Mutex<Vec<u8>>>);
/// impl Write for Sink {
///     fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
///         self.0.lock().unwrap().extend_from_slice(bytes);
///         Ok(bytes.len())
///     }
///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// }
/// let sink = Sink::default();
/// let queue = InputQueue::start(Box::new(sink.clone()), "example".into()).unwrap();
/// queue.send_input(b"ls\r").unwrap();
/// assert!(queue.send_reply(b"\x1b[1;1R"));
/// queue.wait_idle(std::time::Duration::from_secs(10));
/// assert_eq!(&sink.0.lock().unwrap()[..], b"ls\r\x1b[1;1R");
/// ```
pub struct InputQueue {
    shared: Arc<Shared>,
}

impl InputQueue {
    /// Starts the writer thread (named `name`) over `writer`.
    pub fn start(writer: Box<dyn Write + Send>, name: String) -> std::io::Result<InputQueue> {
        Self::start_with(writer, None, name)
    }

    /// [`start`](Self::start), also writing through `direct` from the sender's own thread
    /// whenever nothing is queued: what `direct` does not take at once is queued.
    /// `direct` and `writer` must write to the same terminal.
    pub fn start_direct(
        writer: Box<dyn Write + Send>,
        direct: Box<dyn TryWrite>,
        name: String,
    ) -> std::io::Result<InputQueue> {
        Self::start_with(writer, Some(direct), name)
    }

    fn start_with(
        writer: Box<dyn Write + Send>,
        direct: Option<Box<dyn TryWrite>>,
        name: String,
    ) -> std::io::Result<InputQueue> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                direct,
                ..Queue::default()
            }),
            wake: Condvar::new(),
        });
        let thread_shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(name)
            .spawn(move || write_queued(writer, &thread_shared))?;
        Ok(InputQueue { shared })
    }

    /// Queues input from the user. Refused, untouched, when the child has not taken
    /// [`INPUT_LIMIT`] bytes sent before, or its terminal is closed.
    pub fn send_input(&self, bytes: &[u8]) -> Result<(), InputRefused> {
        let mut queue = self.shared.lock();
        if let Some(failure) = &queue.failure {
            return Err(InputRefused::Closed(failure.clone()));
        }
        let queued = queue.pending();
        if queued > 0 && queued + bytes.len() > INPUT_LIMIT {
            return Err(InputRefused::Backlog { queued });
        }
        let written = queue.write_direct(bytes)?;
        if written == bytes.len() {
            return Ok(());
        }
        queue.bytes.extend(&bytes[written..]);
        drop(queue);
        self.shared.wake.notify_one();
        Ok(())
    }

    /// Queues a reply to the program's query; dropped (false) when [`REPLY_LIMIT`]
    /// bytes are already waiting or the terminal is closed.
    pub fn send_reply(&self, bytes: &[u8]) -> bool {
        let mut queue = self.shared.lock();
        if queue.failure.is_some() || queue.pending() + bytes.len() > REPLY_LIMIT {
            queue.dropped_replies += 1;
            return false;
        }
        let Ok(written) = queue.write_direct(bytes) else {
            queue.dropped_replies += 1;
            return false;
        };
        if written == bytes.len() {
            return true;
        }
        queue.bytes.extend(&bytes[written..]);
        drop(queue);
        self.shared.wake.notify_one();
        true
    }

    /// Bytes waiting to be taken by the child.
    pub fn queued(&self) -> usize {
        self.shared.lock().pending()
    }

    /// Replies dropped so far because the child did not read.
    pub fn dropped_replies(&self) -> u64 {
        self.shared.lock().dropped_replies
    }

    /// Waits up to `timeout` until everything queued has been written; true when it has.
    pub fn wait_idle(&self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.queued() == 0 {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

impl Drop for InputQueue {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
    }
}

/// The writer thread: takes pieces of the queue and writes them, blocking only itself.
fn write_queued(mut writer: Box<dyn Write + Send>, shared: &Shared) {
    let mut piece = Vec::with_capacity(WRITE_PIECE);
    loop {
        {
            let mut queue = shared.lock();
            queue.in_flight = 0;
            while queue.bytes.is_empty() && !queue.closed {
                queue = shared
                    .wake
                    .wait(queue)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if queue.closed {
                return;
            }
            let take = queue.bytes.len().min(WRITE_PIECE);
            piece.clear();
            piece.extend(queue.bytes.drain(..take));
            queue.in_flight = take;
        }
        if let Err(error) = writer.write_all(&piece).and_then(|()| writer.flush()) {
            let mut queue = shared.lock();
            queue.failure = Some(error.to_string());
            queue.bytes.clear();
            queue.in_flight = 0;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::time::Duration;

    /// A writer that blocks until told to go on, like a terminal whose child does not read.
    struct Stalled(Receiver<()>, Sender<Vec<u8>>);

    impl Write for Stalled {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .recv()
                .map_err(|_| std::io::Error::other("the terminal closed"))?;
            // The test may have gone; what was written is then of no interest.
            let _ = self.1.send(bytes.to_vec());
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_child_that_does_not_read_never_blocks_the_sender() {
        let (go, gate) = channel();
        let (written_tx, written) = channel();
        let queue = InputQueue::start(Box::new(Stalled(gate, written_tx)), "test".into()).unwrap();
        let start = std::time::Instant::now();
        // Replies up to their limit are queued, the rest dropped; input goes on to its own.
        let reply = [b'r'; 100];
        let mut answered = 0;
        for _ in 0..10_000 {
            answered += usize::from(queue.send_reply(&reply));
        }
        assert_eq!(answered, REPLY_LIMIT / reply.len());
        assert_eq!(queue.dropped_replies(), 10_000 - answered as u64);
        let paste = vec![b'p'; 300 * 1024];
        let mut accepted = 0;
        let refused = loop {
            match queue.send_input(&paste) {
                Ok(()) => accepted += 1,
                Err(error) => break error,
            }
        };
        assert_eq!(accepted, (INPUT_LIMIT - answered * reply.len()) / paste.len());
        assert!(matches!(refused, InputRefused::Backlog { queued } if queued > INPUT_LIMIT - paste.len()));
        assert!(start.elapsed() < Duration::from_secs(5), "sending blocked");
        // Once the child reads again, everything accepted arrives, in order.
        drop(go);
        let mut total = 0;
        while let Ok(piece) = written.recv_timeout(Duration::from_millis(200)) {
            total += piece.len();
        }
        assert_eq!(total, 0, "a closed terminal takes nothing");
        assert!(matches!(queue.send_input(b"x"), Err(InputRefused::Closed(_))));
    }

    #[test]
    fn everything_accepted_is_written_in_order_once_the_child_reads() {
        let (go, gate) = channel();
        let (written_tx, written) = channel();
        let queue = InputQueue::start(Box::new(Stalled(gate, written_tx)), "test".into()).unwrap();
        let mut expected = Vec::new();
        for round in 0..100u32 {
            let input = format!("input-{round};");
            queue.send_input(input.as_bytes()).unwrap();
            expected.extend_from_slice(input.as_bytes());
            let reply = format!("reply-{round};");
            assert!(queue.send_reply(reply.as_bytes()));
            expected.extend_from_slice(reply.as_bytes());
        }
        let mut got = Vec::new();
        while got.len() < expected.len() {
            go.send(()).unwrap();
            got.extend(written.recv_timeout(Duration::from_secs(10)).unwrap());
        }
        assert_eq!(got, expected);
        assert!(queue.wait_idle(Duration::from_secs(10)));
    }

    /// A terminal that takes up to `room` bytes without waiting, recording them.
    struct Room(Arc<Mutex<(usize, Vec<u8>)>>);

    impl TryWrite for Room {
        fn try_write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let mut state = self.0.lock().unwrap();
            let taken = bytes.len().min(state.0);
            state.0 -= taken;
            state.1.extend_from_slice(&bytes[..taken]);
            Ok(taken)
        }
    }

    #[test]
    fn direct_writes_go_first_and_never_overtake_queued_bytes() {
        let (go, gate) = channel();
        let (written_tx, written) = channel();
        let room = Arc::new(Mutex::new((3, Vec::new())));
        let queue = InputQueue::start_direct(
            Box::new(Stalled(gate, written_tx)),
            Box::new(Room(Arc::clone(&room))),
            "test".into(),
        )
        .unwrap();
        // The terminal takes three bytes at once; the rest waits for the writer thread.
        queue.send_input(b"abcdef").unwrap();
        assert_eq!(queue.queued(), 3);
        // Room again, but bytes are queued: these go behind them, and so does a reply.
        room.lock().unwrap().0 = 100;
        queue.send_input(b"ghi").unwrap();
        assert!(queue.send_reply(b"[R]"));
        assert_eq!(queue.queued(), 9);
        assert_eq!(room.lock().unwrap().1, b"abc");
        let mut behind = Vec::new();
        while behind.len() < 9 {
            go.send(()).unwrap();
            behind.extend(written.recv_timeout(Duration::from_secs(10)).unwrap());
        }
        assert_eq!(behind, b"defghi[R]");
        assert!(queue.wait_idle(Duration::from_secs(10)));
        // Nothing waits any more: straight to the terminal again.
        queue.send_input(b"jk").unwrap();
        assert!(queue.send_reply(b"[R]"));
        assert_eq!(queue.queued(), 0);
        assert_eq!(room.lock().unwrap().1, b"abcjk[R]");
    }

    /// A terminal that has closed.
    struct Closed;

    impl TryWrite for Closed {
        fn try_write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("the terminal closed"))
        }
    }

    #[test]
    fn a_failed_direct_write_refuses_what_follows() {
        let (_go, gate) = channel();
        let (written_tx, _written) = channel();
        let queue = InputQueue::start_direct(
            Box::new(Stalled(gate, written_tx)),
            Box::new(Closed),
            "test".into(),
        )
        .unwrap();
        assert!(matches!(queue.send_input(b"x"), Err(InputRefused::Closed(_))));
        assert!(!queue.send_reply(b"[R]"));
        assert!(matches!(queue.send_input(b"y"), Err(InputRefused::Closed(_))));
        assert_eq!(queue.queued(), 0);
    }
}

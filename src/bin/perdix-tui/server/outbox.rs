//! What the app thread sends one connection: written straight to the socket when it has
//! room, so that a frame reaches the client with no thread in between; what does not fit
//! waits in a backlog that the connection's writer task sends as the socket drains.

use perdix::pty::write_available;
use perdix::ring::EventCount;
use perdix::session::protocol::{encode_message, ServerMessage};
use perdix::session::read_socket::wait_writable;
use std::collections::VecDeque;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Writer tasks still running: when the session ends, the server waits (briefly) for
/// them to deliver their goodbyes.
pub static WRITERS_RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Counts a writer task for as long as it lives.
pub struct RunningWriter;

impl RunningWriter {
    pub fn start() -> RunningWriter {
        // Relaxed: a count only polled until it reaches zero.
        WRITERS_RUNNING.fetch_add(1, Ordering::Relaxed);
        RunningWriter
    }
}

impl Drop for RunningWriter {
    fn drop(&mut self) {
        // Relaxed: as above.
        WRITERS_RUNNING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A message not yet (wholly) written.
struct Pending {
    bytes: Vec<u8>,
    written: usize,
    frame: bool,
}

#[derive(Default)]
struct Backlog {
    pending: VecDeque<Pending>,
    /// Nothing more is sent: after the backlog, the writer shuts the socket down.
    closing: bool,
    /// The socket failed; nothing more can be sent.
    broken: bool,
}

/// The socket, the backlog and the writer task's wake-up, shared by the app thread's
/// [`Outbox`] and the task.
pub struct Wire {
    /// The app thread's event count: told when a backlog has drained.
    app: Arc<EventCount>,
    /// The backlog drained since a frame was last queued: a client that missed frames
    /// can be repainted now.
    drained: AtomicBool,
    /// The connection's socket for writing (non-blocking): the app thread's and the
    /// writer task's.
    direct: StdUnixStream,
    backlog: Mutex<Backlog>,
    flush: Notify,
}

impl Wire {
    pub fn new(direct: StdUnixStream, app: Arc<EventCount>) -> Arc<Wire> {
        Arc::new(Wire {
            app,
            drained: AtomicBool::new(false),
            direct,
            backlog: Mutex::new(Backlog::default()),
            flush: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Backlog> {
        // A panic while holding it left a backlog that is still whole.
        self.backlog
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Where the app thread sends messages for one connection. Dropping it closes the
/// connection once what was sent is written.
pub struct Outbox {
    wire: Arc<Wire>,
}

impl Outbox {
    pub fn new(wire: Arc<Wire>) -> Outbox {
        Outbox { wire }
    }

    /// Sends a frame unless `limit` frames already wait for the socket; false when it was
    /// not sent (the client reads slowly, or is gone).
    pub fn send_frame(&self, frame: Vec<u8>, limit: usize) -> bool {
        self.send_message(&ServerMessage::Frame(frame), Some(limit), false)
    }

    /// Whether the backlog drained since a frame was last queued.
    pub fn drained(&self) -> bool {
        // Acquire: pairs with the writer task's Release store; the backlog itself is
        // read under its lock.
        self.wire.drained.load(Ordering::Acquire) && !self.wire.lock().broken
    }

    /// Sends a message that is not a frame: never refused for slowness. A goodbye, a
    /// description or a control reply is the last thing a connection is told.
    pub fn send(&self, message: ServerMessage) {
        let last = matches!(
            message,
            ServerMessage::Goodbye(_) | ServerMessage::Description(_) | ServerMessage::Control(_)
        );
        // A connection already gone has nobody to tell.
        let _ = self.send_message(&message, None, last);
    }

    fn send_message(&self, message: &ServerMessage, frame_limit: Option<usize>, last: bool) -> bool {
        let Ok(bytes) = encode_message(message) else {
            return false;
        };
        let mut backlog = self.wire.lock();
        if backlog.broken || backlog.closing {
            return false;
        }
        if frame_limit
            .is_some_and(|limit| backlog.pending.iter().filter(|pending| pending.frame).count() >= limit)
        {
            return false;
        }
        let mut written = 0;
        if backlog.pending.is_empty() {
            // Nothing waits before it: straight to the socket, as far as it takes it.
            match write_available(&self.wire.direct, &bytes) {
                Ok(count) => written = count,
                Err(_) => {
                    backlog.broken = true;
                    drop(backlog);
                    self.wire.flush.notify_one();
                    return false;
                }
            }
        }
        if frame_limit.is_some() {
            // Relaxed: written under the backlog's lock, which orders it with the task's.
            self.wire.drained.store(false, Ordering::Relaxed);
        }
        let mut wake_writer = last;
        if written < bytes.len() {
            backlog.pending.push_back(Pending {
                bytes,
                written,
                frame: frame_limit.is_some(),
            });
            wake_writer = true;
        }
        backlog.closing |= last;
        drop(backlog);
        if wake_writer {
            self.wire.flush.notify_one();
        }
        true
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.wire.lock().closing = true;
        self.wire.flush.notify_one();
    }
}

/// The connection's writer task: sends the backlog as the socket drains, and shuts the
/// socket down once the connection is closing and nothing is left.
pub async fn write_out(wire: Arc<Wire>, _running: RunningWriter) {
    let mut waited = false;
    loop {
        let idle = {
            let mut backlog = wire.lock();
            loop {
                if backlog.broken {
                    return;
                }
                let Some(front) = backlog.pending.front_mut() else {
                    break true;
                };
                match write_available(&wire.direct, &front.bytes[front.written..]) {
                    Ok(count) => {
                        front.written += count;
                        if front.written == front.bytes.len() {
                            backlog.pending.pop_front();
                        } else {
                            break false;
                        }
                    }
                    Err(_) => {
                        backlog.broken = true;
                        return;
                    }
                }
            }
        };
        if idle && std::mem::take(&mut waited) {
            // The client caught up: if it missed frames, the app repaints it now rather
            // than at its next change (which may never come).
            // Release: pairs with `Outbox::drained`.
            wire.drained.store(true, Ordering::Release);
            wire.app.notify();
        }
        if idle {
            let done = {
                let backlog = wire.lock();
                backlog.closing && backlog.pending.is_empty()
            };
            if done {
                // The client reads the end (the reading side may still hold the socket).
                let _ = wire.direct.shutdown(std::net::Shutdown::Write);
                return;
            }
            wire.flush.notified().await;
        } else if wait_writable(&wire.direct).await.is_err() {
            wire.lock().broken = true;
            return;
        } else {
            waited = true;
        }
    }
}

//! The server's sockets, on a tokio runtime of their own: connections accepted, their
//! peers checked, messages read and handed to the app thread, and what the app thread
//! queues for each connection written out.

use crossterm::event::Event;
use perdix::ring::EventCount;
use perdix::session::peer::check_peer;
use perdix::session::protocol::{
    exchange_greetings_async, read_message_async, write_message_async, AttachRequest, ClientMessage, Goodbye,
    ProtocolError, ServerMessage, TerminalColours,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// Writer tasks still running: when the session ends, the server waits (briefly) for
/// them to deliver their goodbyes.
pub static WRITERS_RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Counts a writer task for as long as it lives.
struct RunningWriter;

impl RunningWriter {
    fn start() -> RunningWriter {
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

/// A connection's number, unique for the server's life.
pub type ConnectionId = u64;

/// What the sockets tell the app thread.
pub enum Inbound {
    /// A client attached: frames for it go to `outbox`.
    Attach {
        id: ConnectionId,
        request: AttachRequest,
        outbox: Outbox,
    },
    /// An event from an attached client's terminal.
    Input { id: ConnectionId, event: Event },
    /// An attached client's terminal colours.
    Colours { colours: TerminalColours },
    /// An attached client went away (closed, killed, or sent something malformed).
    Gone { id: ConnectionId },
    /// A connection asks for the session's description.
    Describe { outbox: Outbox },
    /// A connection asks to end the session.
    Kill { outbox: Outbox },
    /// The server was told to stop (a signal), with the reason.
    Stop(String),
}

/// Where the app thread queues messages for one connection; written out in order by
/// that connection's writer task.
#[derive(Clone)]
pub struct Outbox {
    messages: UnboundedSender<ServerMessage>,
    /// Frames queued and not yet written: a client that reads slowly gets fewer frames,
    /// never an ever longer queue.
    frames_queued: Arc<AtomicUsize>,
}

impl Outbox {
    /// Queues a frame unless `limit` frames are already waiting; false when it was not
    /// queued (the client is slow, or gone).
    pub fn send_frame(&self, frame: Vec<u8>, limit: usize) -> bool {
        // Relaxed: a count read a little late only delays or allows one frame more.
        if self.frames_queued.load(Ordering::Relaxed) >= limit {
            return false;
        }
        self.frames_queued.fetch_add(1, Ordering::Relaxed);
        self.messages.send(ServerMessage::Frame(frame)).is_ok()
    }

    /// Queues a message that is not a frame (never refused for slowness).
    pub fn send(&self, message: ServerMessage) {
        // A connection already gone has nobody to tell.
        let _ = self.messages.send(message);
    }
}

/// Accepts connections until the runtime stops; each one gets its own task.
pub async fn accept_loop(listener: UnixListener, inbox: Sender<Inbound>, waker: Arc<EventCount>) {
    let mut next_id: ConnectionId = 0;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                eprintln!("perdix-tui server: accepting a connection: {error}");
                // Out of descriptors, say: give the others a moment before trying again.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        next_id += 1;
        let (inbox, waker) = (inbox.clone(), Arc::clone(&waker));
        tokio::spawn(connection(stream, next_id, inbox, waker));
    }
}

/// Hands `message` to the app thread and wakes it; false when the app thread is gone.
fn tell(inbox: &Sender<Inbound>, waker: &EventCount, message: Inbound) -> bool {
    let sent = inbox.send(message).is_ok();
    waker.notify();
    sent
}

async fn connection(
    mut stream: UnixStream,
    id: ConnectionId,
    inbox: Sender<Inbound>,
    waker: Arc<EventCount>,
) {
    if let Err(error) = check_peer(&stream) {
        eprintln!("perdix-tui server: refused a connection: {error}");
        return;
    }
    if let Err(error) = exchange_greetings_async(&mut stream).await {
        // A connection closed at once is someone checking that the server runs.
        if !is_hang_up(&error) {
            eprintln!("perdix-tui server: connection {id}: {error}");
        }
        return;
    }
    let (mut read, write) = stream.into_split();
    let (messages, queued) = unbounded_channel();
    let outbox = Outbox {
        messages,
        frames_queued: Arc::new(AtomicUsize::new(0)),
    };
    // Counted from now: a goodbye queued before the task first runs is still waited for.
    let running = RunningWriter::start();
    tokio::spawn(write_out(
        write,
        queued,
        Arc::clone(&outbox.frames_queued),
        running,
    ));
    let first = match read_message_async::<_, ClientMessage>(&mut read).await {
        Ok(message) => message,
        Err(error) => {
            eprintln!("perdix-tui server: connection {id}: {error}");
            return;
        }
    };
    let request = match first {
        ClientMessage::Attach(request) => request,
        ClientMessage::Describe => {
            tell(&inbox, &waker, Inbound::Describe { outbox });
            return;
        }
        ClientMessage::Kill => {
            tell(&inbox, &waker, Inbound::Kill { outbox });
            return;
        }
        ClientMessage::Input(_) | ClientMessage::Colours(_) => {
            outbox.send(ServerMessage::Goodbye(Goodbye::Refused("attach first".into())));
            return;
        }
    };
    if !tell(&inbox, &waker, Inbound::Attach { id, request, outbox }) {
        return;
    }
    loop {
        let inbound = match read_message_async::<_, ClientMessage>(&mut read).await {
            Ok(ClientMessage::Input(event)) => Inbound::Input { id, event },
            Ok(ClientMessage::Colours(colours)) => Inbound::Colours { colours },
            // Asked again on an attached connection: nothing to do.
            Ok(ClientMessage::Attach(_) | ClientMessage::Describe | ClientMessage::Kill) => continue,
            Err(error) => {
                if !is_hang_up(&error) {
                    eprintln!("perdix-tui server: client {id} dropped: {error}");
                }
                tell(&inbox, &waker, Inbound::Gone { id });
                return;
            }
        };
        if !tell(&inbox, &waker, inbound) {
            return;
        }
    }
}

/// Whether `error` only says that the other side went away.
fn is_hang_up(error: &ProtocolError) -> bool {
    match error {
        ProtocolError::Closed => true,
        ProtocolError::Io(error) => matches!(
            error.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        _ => false,
    }
}

/// Writes what the app thread queues for one connection, until a goodbye or a
/// description (the last thing a connection is told) or until the app drops the outbox.
async fn write_out(
    mut write: OwnedWriteHalf,
    mut queued: UnboundedReceiver<ServerMessage>,
    frames_queued: Arc<AtomicUsize>,
    _running: RunningWriter,
) {
    while let Some(message) = queued.recv().await {
        let last = matches!(message, ServerMessage::Goodbye(_) | ServerMessage::Description(_));
        let frame = matches!(message, ServerMessage::Frame(_));
        if write_message_async(&mut write, &message).await.is_err() {
            return;
        }
        if frame {
            // Relaxed: a counter of frames in flight (see Outbox::send_frame).
            frames_queued.fetch_sub(1, Ordering::Relaxed);
        }
        if last {
            return;
        }
    }
}

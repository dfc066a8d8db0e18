//! The server's sockets, on a tokio runtime of their own: connections accepted, their
//! peers checked, messages read and handed to the app thread, and what the app thread
//! sends each connection written out (see `outbox`).

use super::outbox::{write_out, Outbox, RunningWriter, Wire};
use crossterm::event::Event;
use perdix::ring::EventCount;
use perdix::session::control::ControlRequest;
use perdix::session::peer::check_peer;
use perdix::session::protocol::{
    exchange_greetings_async, read_message_async, AttachRequest, ClientMessage, Goodbye, ProtocolError,
    ServerMessage, TerminalColours,
};
use perdix::session::read_socket::ReadSocket;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use tokio::net::{UnixListener, UnixStream};

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
    /// A script's request.
    Control { request: ControlRequest, outbox: Outbox },
    /// The server was told to stop (a signal), with the reason.
    Stop(String),
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
    // From here the runtime watches the socket for reading only (see `ReadSocket`); the
    // app thread writes to a second handle, and the writer task waits for room on it
    // only while a backlog waits.
    let sockets = stream
        .into_std()
        .and_then(|stream| Ok((stream.try_clone()?, stream)))
        .and_then(|(direct, stream)| Ok((direct, ReadSocket::new(stream)?)));
    let (direct, mut read) = match sockets {
        Ok(sockets) => sockets,
        Err(error) => {
            eprintln!("perdix-tui server: connection {id}: {error}");
            return;
        }
    };
    let wire = Wire::new(direct, Arc::clone(&waker));
    let outbox = Outbox::new(Arc::clone(&wire));
    // Counted from now: a goodbye sent before the task first runs is still waited for.
    let running = RunningWriter::start();
    tokio::spawn(write_out(wire, running));
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
        ClientMessage::Control(request) => {
            tell(&inbox, &waker, Inbound::Control { request, outbox });
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
            Ok(
                ClientMessage::Attach(_)
                | ClientMessage::Describe
                | ClientMessage::Kill
                | ClientMessage::Control(_),
            ) => continue,
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

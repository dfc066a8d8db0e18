//! The client: a thin terminal for a session server. It sets the terminal up, sends what
//! the user types (decoded into events by the input thread) and writes the frames the
//! server renders for it, each in one write, until it detaches or the session ends.

use crate::terminal_setup::{TerminalGuard, OUTER_KEYBOARD};
use anyhow::{bail, Context, Result};
use crossterm::event::Event;
use crossterm::terminal;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use perdix::session::protocol::{
    encode_message, exchange_greetings, read_message, read_message_async, write_message, AttachRequest,
    ClientMessage, Goodbye, ProtocolError, ServerMessage, TerminalColours,
};
use perdix::session::read_socket::ReadSocket;
use perdix::tui::input::{EventSink, InputReaderOptions};
use perdix::tui::outer_colours;
use perdix::tui::outer_keyboard::DETECT_TIMEOUT;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use tokio::signal::unix::{signal, SignalKind};

/// How long the server may take to answer an attach request.
const WELCOME_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How a client's attachment ended.
#[derive(Debug)]
pub enum AttachEnd {
    /// The user detached (prefix d), or a signal or a closed terminal detached the client.
    Detached,
    /// The session ended, with the server's reason.
    SessionEnded(String),
}

/// Events written to the server's socket as they are decoded: no thread in between. The
/// lock keeps each message whole against the main thread's writes.
struct SocketEvents {
    stream: Arc<Mutex<UnixStream>>,
}

impl EventSink for SocketEvents {
    fn deliver(&mut self, event: Event) -> bool {
        match send(&self.stream, &ClientMessage::Input(event)) {
            Ok(()) => true,
            // An event too big to send (a paste over the protocol's limit) is dropped alone.
            Err(ProtocolError::TooLong(_)) => true,
            Err(_) => false,
        }
    }
}

/// Writes all of `bytes` to a socket the async reader made non-blocking: waits for room
/// instead of failing when the server is slow to read.
fn write_all_waiting(mut stream: &UnixStream, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match stream.write(bytes) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => bytes = &bytes[written..],
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                let mut fds = [PollFd::new(stream.as_fd(), PollFlags::POLLOUT)];
                poll(&mut fds, PollTimeout::NONE).map_err(io::Error::from)?;
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Connects to the session at `socket` and checks that it speaks this protocol.
pub fn connect(socket: &Path) -> Result<UnixStream> {
    let mut stream = UnixStream::connect(socket)
        .with_context(|| format!("connecting to the session server at {}", socket.display()))?;
    exchange_greetings(&mut stream).context("greeting the session server")?;
    Ok(stream)
}

/// How long a one-shot request (describe, kill, a control request) may take to be answered.
const ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Sends one request to the session at `socket` and reads its one answer.
pub fn request(socket: &Path, message: &ClientMessage) -> Result<ServerMessage> {
    let mut stream = connect(socket)?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    write_message(&mut stream, message)?;
    read_message(&mut stream).context("reading the session's answer")
}

/// Attaches this terminal to the session at `socket` until the user detaches or the
/// session ends.
pub fn attach(socket: &Path) -> Result<AttachEnd> {
    let stream = connect(socket)?;
    let _guard = TerminalGuard::enter()?;
    let (cols, rows) = terminal::size().context("reading the terminal size")?;
    let mut out = io::stdout();
    write_message(&mut &stream, &ClientMessage::Attach(AttachRequest { cols, rows }))
        .context("attaching to the session")?;
    stream.set_read_timeout(Some(WELCOME_TIMEOUT))?;
    let welcome = match read_message(&mut &stream).context("attaching to the session")? {
        ServerMessage::Welcome(welcome) => welcome,
        ServerMessage::Goodbye(Goodbye::Refused(why)) => {
            bail!("the session server refused this client: {why}")
        }
        other => bail!("the session server answered the attach request with {other:?}"),
    };
    stream.set_read_timeout(None)?;

    // The input thread sends keys straight to the server from now on; the terminal's
    // replies to the two questions below come back through it.
    let writer = Arc::new(Mutex::new(
        stream.try_clone().context("sharing the session socket")?,
    ));
    let (replies_tx, replies) = channel();
    let options = InputReaderOptions {
        replies: Some(replies_tx),
        ..InputReaderOptions::default()
    };
    let events = SocketEvents {
        stream: Arc::clone(&writer),
    };
    let input_thread = perdix::tui::input::spawn_terminal_input_with(events, options)
        .context("starting the input thread")?;
    OUTER_KEYBOARD
        .negotiate(&mut out, &replies, DETECT_TIMEOUT)
        .context("asking the terminal for the kitty keyboard protocol")?;
    if welcome.colours_wanted {
        let reported =
            outer_colours::query_outer_colours(&mut out, &replies, outer_colours::OUTER_COLOURS_TIMEOUT)
                .context("asking the terminal for its colours")?;
        send(&writer, &ClientMessage::Colours(TerminalColours::from(&reported)))
            .context("sending the terminal's colours")?;
    }
    // Nothing else asks the terminal anything: later replies are dropped, not kept.
    drop(replies);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the client's event loop")?;
    let end = runtime.block_on(async move {
        // Watched for reading only: the input thread writes, and the server's reads of
        // what it wrote need not wake this loop.
        let mut server = ReadSocket::new(stream).context("setting up the session socket")?;
        let mut terminate = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        // The input thread ends when the terminal closes.
        let mut input_ended = tokio::task::spawn_blocking(move || input_thread.join());
        loop {
            // Cancelling a read half-way is harmless: every other branch ends the client.
            tokio::select! {
                message = read_message_async::<_, ServerMessage>(&mut server) => match message {
                    Ok(ServerMessage::Frame(frame)) => {
                        out.write_all(&frame).context("writing a frame")?;
                        out.flush().context("writing a frame")?;
                    }
                    Ok(ServerMessage::Goodbye(Goodbye::Detached)) => return Ok(AttachEnd::Detached),
                    Ok(ServerMessage::Goodbye(Goodbye::SessionEnded(why))) => {
                        return Ok(AttachEnd::SessionEnded(why))
                    }
                    Ok(ServerMessage::Goodbye(Goodbye::Refused(why))) => {
                        bail!("the session server refused this client: {why}")
                    }
                    Ok(ServerMessage::Description(_) | ServerMessage::Welcome(_) | ServerMessage::Control(_)) => {}
                    Err(ProtocolError::Closed) => {
                        bail!("lost the session server: it ended without a word (killed or crashed)")
                    }
                    Err(error) => return Err(error).context("reading from the session server"),
                },
                _ = terminate.recv() => return Ok(AttachEnd::Detached),
                _ = hangup.recv() => return Ok(AttachEnd::Detached),
                _ = interrupt.recv() => return Ok(AttachEnd::Detached),
                _ = &mut input_ended => return Ok(AttachEnd::Detached),
            }
        }
    });
    // The input thread may still sit in a read of the terminal: it goes with the process.
    runtime.shutdown_background();
    end
}

/// Writes one message through the socket the input thread shares.
fn send(writer: &Mutex<UnixStream>, message: &ClientMessage) -> Result<(), ProtocolError> {
    let bytes = encode_message(message)?;
    let stream = writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    write_all_waiting(&stream, &bytes)?;
    Ok(())
}

//! What a client and its session server say to each other over the session socket.
//!
//! A connection starts with each side writing its greeting: eight bytes of magic and the
//! protocol version, a fixed layout every version can read, so that two versions refuse
//! each other by name instead of misreading each other. Then messages follow, each a
//! four-byte little-endian length and the message in postcard's encoding. A message that
//! is too long or does not decode ends that connection only.
//!
//! ```
//! use perdix::session::protocol::{decode_body, encode_message, ClientMessage, MESSAGE_PREFIX_LEN};
//!
//! let bytes = encode_message(&ClientMessage::Describe).unwrap();
//! let body = &bytes[MESSAGE_PREFIX_LEN..];
//! assert_eq!(decode_body::<ClientMessage>(body).unwrap(), ClientMessage::Describe);
//! ```

use std::io::{self, Read, Write};

use crossterm::event::Event;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The version of this protocol; a client and a server of different versions refuse each
/// other.
pub const PROTOCOL_VERSION: u32 = 1;
/// The first eight bytes of every connection, in both directions.
const MAGIC: [u8; 8] = *b"perdix\0s";
/// The greeting's length: the magic and the version.
pub const GREETING_LEN: usize = MAGIC.len() + 4;
/// The length prefix of every message.
pub const MESSAGE_PREFIX_LEN: usize = 4;
/// The longest message either side accepts. A whole frame of the largest screen (1000x500
/// cells, each with its own colours) fits with room to spare.
pub const MAX_MESSAGE_LEN: usize = 64 << 20;

/// Why a connection cannot go on.
#[derive(Debug, Error)]
pub enum ProtocolError {
    /// Reading or writing the socket failed.
    #[error("session socket: {0}")]
    Io(#[from] io::Error),
    /// The other side closed the connection.
    #[error("the other side closed the connection")]
    Closed,
    /// The other side does not speak this protocol at all.
    #[error("the other side is not a perdix session (unexpected greeting)")]
    NotPerdix,
    /// The other side speaks another version of the protocol.
    #[error("protocol version {theirs} on the other side, {ours} here: use the same perdix-tui for both (restart the session with this version, or attach with the one that started it)")]
    VersionMismatch {
        /// This side's version.
        ours: u32,
        /// The other side's version.
        theirs: u32,
    },
    /// A message longer than [`MAX_MESSAGE_LEN`].
    #[error("a message of {0} bytes is longer than the protocol allows")]
    TooLong(usize),
    /// A message that does not decode.
    #[error("a malformed message: {0}")]
    Malformed(#[from] postcard::Error),
}

/// The greeting this side writes first.
pub fn greeting() -> [u8; GREETING_LEN] {
    let mut bytes = [0; GREETING_LEN];
    bytes[..MAGIC.len()].copy_from_slice(&MAGIC);
    bytes[MAGIC.len()..].copy_from_slice(&PROTOCOL_VERSION.to_le_bytes());
    bytes
}

/// Checks the other side's greeting.
///
/// ```
/// use perdix::session::protocol::{check_greeting, greeting};
///
/// assert!(check_greeting(&greeting()).is_ok());
/// let mut newer = greeting();
/// newer[8] += 1;
/// assert!(check_greeting(&newer).is_err());
/// ```
pub fn check_greeting(bytes: &[u8; GREETING_LEN]) -> Result<(), ProtocolError> {
    if bytes[..MAGIC.len()] != MAGIC {
        return Err(ProtocolError::NotPerdix);
    }
    let mut version = [0; 4];
    version.copy_from_slice(&bytes[MAGIC.len()..]);
    match u32::from_le_bytes(version) {
        PROTOCOL_VERSION => Ok(()),
        theirs => Err(ProtocolError::VersionMismatch {
            ours: PROTOCOL_VERSION,
            theirs,
        }),
    }
}

/// What a client asks of the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClientMessage {
    /// Make this connection an attached client drawing at the given size. Answered with
    /// frames until a [`ServerMessage::Goodbye`].
    Attach(AttachRequest),
    /// An event from the attached client's terminal (keys, mouse, paste, resize).
    Input(Event),
    /// The colours the attached client's terminal reported, for a theme that follows the
    /// terminal (sent after the attach request: the terminal answers while keys arrive).
    Colours(TerminalColours),
    /// Describe the session; answered with [`ServerMessage::Description`].
    Describe,
    /// End the session and every program in it; answered with a goodbye.
    Kill,
    /// A script's request; answered with [`ServerMessage::Control`].
    Control(crate::session::control::ControlRequest),
}

/// An attaching client's terminal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachRequest {
    /// Columns of the client's terminal.
    pub cols: u16,
    /// Rows of the client's terminal.
    pub rows: u16,
}

/// A terminal's reported colours, as red, green and blue; `None` where it did not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalColours {
    /// Default text colour.
    pub foreground: Option<[u8; 3]>,
    /// Default background colour.
    pub background: Option<[u8; 3]>,
    /// Cursor colour.
    pub cursor: Option<[u8; 3]>,
    /// ANSI colours 0 to 15.
    pub ansi: [Option<[u8; 3]>; 16],
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerMessage {
    /// The answer to an attach request, before any frame.
    Welcome(Welcome),
    /// Bytes for the client's terminal: one whole frame, written as it is in one write.
    Frame(Vec<u8>),
    /// The answer to [`ClientMessage::Describe`].
    Description(SessionDescription),
    /// The server ends this connection, and why; nothing follows.
    Goodbye(Goodbye),
    /// The answer to [`ClientMessage::Control`]; nothing follows.
    Control(crate::session::control::ControlReply),
}

/// What an attached client learns first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// Whether the session's theme follows the terminal, so that the client should ask its
    /// terminal for its colours and send them (nothing is asked otherwise).
    pub colours_wanted: bool,
}

/// Why the server ends a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Goodbye {
    /// The client detached; the session goes on.
    Detached,
    /// The session ended (quit, killed or its server stopping), with the reason.
    SessionEnded(String),
    /// The server refused the request, with the reason.
    Refused(String),
}

/// A running session, as `perdix-tui ls` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDescription {
    /// The session's name.
    pub name: String,
    /// The server's process id.
    pub server_pid: u32,
    /// Panes in the session.
    pub panes: u32,
    /// Attached clients.
    pub clients: u32,
    /// Panes that need the user (asked something, or finished while nobody looked).
    pub needing_you: u32,
}

/// `message` with its length prefix, ready to write.
pub fn encode_message<T: Serialize>(message: &T) -> Result<Vec<u8>, ProtocolError> {
    let mut bytes = postcard::to_extend(message, vec![0; MESSAGE_PREFIX_LEN])?;
    let len = bytes.len() - MESSAGE_PREFIX_LEN;
    if len > MAX_MESSAGE_LEN {
        return Err(ProtocolError::TooLong(len));
    }
    // Cannot truncate: MAX_MESSAGE_LEN fits in 32 bits.
    bytes[..MESSAGE_PREFIX_LEN].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(bytes)
}

/// The length a prefix announces, refused when over [`MAX_MESSAGE_LEN`].
pub fn body_len(prefix: [u8; MESSAGE_PREFIX_LEN]) -> Result<usize, ProtocolError> {
    let len = u32::from_le_bytes(prefix) as usize;
    if len > MAX_MESSAGE_LEN {
        return Err(ProtocolError::TooLong(len));
    }
    Ok(len)
}

/// Decodes one message's body (the bytes after its prefix). Trailing bytes are malformed.
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ProtocolError> {
    let (message, rest) = postcard::take_from_bytes(body)?;
    if !rest.is_empty() {
        return Err(ProtocolError::Malformed(postcard::Error::DeserializeBadEncoding));
    }
    Ok(message)
}

/// A read that found the stream closed becomes [`ProtocolError::Closed`].
fn closed_if_eof(error: io::Error) -> ProtocolError {
    if error.kind() == io::ErrorKind::UnexpectedEof {
        ProtocolError::Closed
    } else {
        ProtocolError::Io(error)
    }
}

/// Writes this side's greeting, reads the other's and checks it (blocking I/O).
pub fn exchange_greetings<S: Read + Write>(stream: &mut S) -> Result<(), ProtocolError> {
    stream.write_all(&greeting())?;
    let mut theirs = [0; GREETING_LEN];
    stream.read_exact(&mut theirs).map_err(closed_if_eof)?;
    check_greeting(&theirs)
}

/// Writes one message (blocking I/O).
pub fn write_message<W: Write, T: Serialize>(out: &mut W, message: &T) -> Result<(), ProtocolError> {
    out.write_all(&encode_message(message)?)?;
    Ok(())
}

/// Reads one message (blocking I/O).
pub fn read_message<R: Read, T: DeserializeOwned>(input: &mut R) -> Result<T, ProtocolError> {
    let mut prefix = [0; MESSAGE_PREFIX_LEN];
    input.read_exact(&mut prefix).map_err(closed_if_eof)?;
    let mut body = vec![0; body_len(prefix)?];
    input.read_exact(&mut body).map_err(closed_if_eof)?;
    decode_body(&body)
}

/// [`exchange_greetings`] on an async stream.
pub async fn exchange_greetings_async<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
) -> Result<(), ProtocolError> {
    stream.write_all(&greeting()).await?;
    let mut theirs = [0; GREETING_LEN];
    stream.read_exact(&mut theirs).await.map_err(closed_if_eof)?;
    check_greeting(&theirs)
}

/// [`read_message`] on an async stream.
pub async fn read_message_async<R: AsyncRead + Unpin, T: DeserializeOwned>(
    input: &mut R,
) -> Result<T, ProtocolError> {
    let mut prefix = [0; MESSAGE_PREFIX_LEN];
    input.read_exact(&mut prefix).await.map_err(closed_if_eof)?;
    let mut body = vec![0; body_len(prefix)?];
    input.read_exact(&mut body).await.map_err(closed_if_eof)?;
    decode_body(&body)
}

/// [`write_message`] on an async stream.
pub async fn write_message_async<W: AsyncWrite + Unpin, T: Serialize>(
    out: &mut W,
    message: &T,
) -> Result<(), ProtocolError> {
    out.write_all(&encode_message(message)?).await?;
    Ok(())
}

#[cfg(test)]
mod tests;

//! Sequences from the terminal that are not keys: replies to queries (device attributes,
//! colours, modes), kept whole for whoever asked.

/// Which kind of sequence a [`TerminalReply`] is, by its introducer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyKind {
    /// `ESC [ … final`, e.g. a device attributes reply `ESC [ ? 62 ; 22 c`.
    Csi,
    /// `ESC O final` with a final byte that names no key.
    Ss3,
    /// `ESC ] … BEL` or `ESC ] … ESC \`, e.g. a colour reply `ESC ] 11 ; rgb:… ESC \`.
    Osc,
    /// `ESC P … ESC \`, e.g. a terminfo capability reply.
    Dcs,
    /// `ESC _ … ESC \`.
    Apc,
    /// `ESC ^ … ESC \`.
    Pm,
    /// `ESC X … ESC \`.
    Sos,
}

/// A complete sequence the terminal sent that is not input from the user.
///
/// ```
/// use perdix::tui::input::{InputDecoder, ReplyKind};
///
/// let mut decoder = InputDecoder::new();
/// decoder.feed(b"\x1b]11;rgb:0000/0000/0000\x1b\\x");
/// let reply = decoder.next_reply().unwrap();
/// assert_eq!(reply.kind(), ReplyKind::Osc);
/// assert_eq!(reply.payload(), b"11;rgb:0000/0000/0000");
/// // The reply never shows up as keys; the `x` after it does.
/// assert_eq!(decoder.drain_events().count(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalReply {
    kind: ReplyKind,
    bytes: Vec<u8>,
}

impl TerminalReply {
    pub(super) fn new(kind: ReplyKind, bytes: Vec<u8>) -> TerminalReply {
        TerminalReply { kind, bytes }
    }

    /// Which kind of sequence this is.
    pub fn kind(&self) -> ReplyKind {
        self.kind
    }

    /// The whole sequence as received, introducer and terminator included.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The sequence without its two-byte introducer and, for the string kinds, without
    /// its terminator (BEL or `ESC \`). A CSI or SS3 reply keeps its final byte.
    pub fn payload(&self) -> &[u8] {
        let body = self.bytes.get(2..).unwrap_or_default();
        match self.kind {
            ReplyKind::Csi | ReplyKind::Ss3 => body,
            _ => body
                .strip_suffix(b"\x1b\\")
                .or_else(|| body.strip_suffix(b"\x07"))
                .unwrap_or(body),
        }
    }
}

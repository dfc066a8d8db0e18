//! The byte-level state machine: bytes in any pieces, events out, incomplete sequences
//! held until they complete or time out.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode};

use super::csi::{decode_csi, decode_ss3, Decoded};
use super::keys::{ascii_key, char_key, plain, with_alt};
use super::paste::PasteCollector;
use super::reply::{ReplyKind, TerminalReply};
use super::{DEFAULT_ESCAPE_TIMEOUT, DEFAULT_PASTE_PART};

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

/// The longest CSI sequence held; a longer one is not from a terminal, and its bytes
/// count as keys.
const MAX_CSI_LEN: usize = 4096;
/// The longest SS3 sequence held (`ESC O` with a modifier parameter).
const MAX_SS3_LEN: usize = 16;
/// The longest string sequence (OSC, DCS, …) kept as a reply; a longer one is consumed
/// and dropped.
const MAX_STRING_LEN: usize = 1 << 20;
/// How many replies wait for [`InputDecoder::next_reply`]; older ones are dropped first,
/// so that an app that never asks for them uses no more memory.
const MAX_QUEUED_REPLIES: usize = 64;

/// Where the decoder is in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between sequences.
    Ground,
    /// Inside a UTF-8 character of `len` bytes.
    Utf8 { len: usize },
    /// After ESC, or after ESC ESC.
    Escape,
    /// After `ESC [`.
    Csi,
    /// After `ESC O`.
    Ss3,
    /// After `ESC [ M`: the three bytes of a normal mouse report follow.
    NormalMouse,
    /// Inside an OSC, DCS, APC, PM or SOS string. `escape`: the last byte was ESC, the
    /// first half of the terminator `ESC \`. `overflow`: too long to keep, being dropped.
    Text {
        kind: ReplyKind,
        escape: bool,
        overflow: bool,
    },
    /// Inside a bracketed paste.
    Paste,
}

/// Turns bytes from a terminal into crossterm events; see the [module docs](super).
///
/// Bytes may come in any pieces: a sequence split across [`feed`](Self::feed) calls
/// gives the same events as the whole sequence, as long as the pieces come before the
/// [`deadline`](Self::deadline).
#[derive(Debug)]
pub struct InputDecoder {
    state: State,
    /// The bytes of the incomplete sequence (none inside a paste, whose bytes the
    /// collector holds).
    held: Vec<u8>,
    /// `held` starts with an ESC that stands for Alt, before the sequence proper (`ESC
    /// ESC [ A` is Alt-Up), or before a character (`ESC é`).
    alt: bool,
    paste: PasteCollector,
    events: VecDeque<Event>,
    replies: VecDeque<TerminalReply>,
    escape_timeout: Duration,
    last_input: Instant,
}

impl Default for InputDecoder {
    fn default() -> InputDecoder {
        InputDecoder::new()
    }
}

impl InputDecoder {
    /// A decoder with the [default escape timeout](super::DEFAULT_ESCAPE_TIMEOUT) and
    /// [paste part size](super::DEFAULT_PASTE_PART).
    pub fn new() -> InputDecoder {
        InputDecoder {
            state: State::Ground,
            held: Vec::new(),
            alt: false,
            paste: PasteCollector::new(DEFAULT_PASTE_PART),
            events: VecDeque::new(),
            replies: VecDeque::new(),
            escape_timeout: DEFAULT_ESCAPE_TIMEOUT,
            last_input: Instant::now(),
        }
    }

    /// The same decoder with another escape timeout.
    pub fn with_escape_timeout(mut self, timeout: Duration) -> InputDecoder {
        self.escape_timeout = timeout;
        self
    }

    /// The same decoder delivering pastes in parts of at most `bytes` bytes (at least 4).
    pub fn with_paste_part_size(mut self, bytes: usize) -> InputDecoder {
        self.paste = PasteCollector::new(bytes);
        self
    }

    /// The escape timeout in use.
    pub fn escape_timeout(&self) -> Duration {
        self.escape_timeout
    }

    /// Decodes `bytes`, queueing the events they complete for
    /// [`next_event`](Self::next_event) and the replies for
    /// [`next_reply`](Self::next_reply).
    pub fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.last_input = Instant::now();
        self.process(bytes);
    }

    /// When [`flush_timeout`](Self::flush_timeout) is due if no byte comes first: the
    /// escape timeout after the last byte, while an incomplete sequence is held. `None`
    /// when nothing is held, or inside a bracketed paste, which never times out.
    pub fn deadline(&self) -> Option<Instant> {
        match self.state {
            State::Ground | State::Paste => None,
            _ => Some(self.last_input + self.escape_timeout),
        }
    }

    /// Turns what is held into keys, for when no byte came before the
    /// [`deadline`](Self::deadline): a lone ESC is Esc, ESC and the next byte are Alt and
    /// that key, and the bytes after those are keys of their own. An incomplete UTF-8
    /// character is dropped. Inside a bracketed paste, nothing happens.
    pub fn flush_timeout(&mut self) {
        // Each round takes at least the held sequence's first byte as a key, so this ends.
        while !matches!(self.state, State::Ground | State::Paste) {
            self.release_as_keys();
        }
    }

    /// The oldest event not yet taken.
    pub fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Takes all queued events, oldest first.
    pub fn drain_events(&mut self) -> impl Iterator<Item = Event> + '_ {
        self.events.drain(..)
    }

    /// The oldest reply not yet taken (at most 64 are kept).
    pub fn next_reply(&mut self) -> Option<TerminalReply> {
        self.replies.pop_front()
    }

    fn process(&mut self, mut bytes: &[u8]) {
        while let Some((&byte, rest)) = bytes.split_first() {
            if self.state == State::Paste {
                let (used, ended) = self.paste.collect(bytes, &mut self.events);
                if ended {
                    self.state = State::Ground;
                }
                bytes = &bytes[used..];
                continue;
            }
            bytes = rest;
            match self.state {
                State::Ground => self.ground(byte),
                State::Utf8 { len } => self.utf8(byte, len),
                State::Escape => self.escape(byte),
                State::Csi => self.csi(byte),
                State::Ss3 => self.ss3(byte),
                State::NormalMouse => self.normal_mouse(byte),
                State::Text {
                    kind,
                    escape,
                    overflow,
                } => self.text(byte, kind, escape, overflow),
                State::Paste => unreachable!("handled above"),
            }
        }
    }

    fn hold(&mut self, state: State, byte: u8) {
        self.state = state;
        self.held.push(byte);
    }

    /// The held sequence without its Alt ESC.
    fn sequence(&self) -> &[u8] {
        &self.held[usize::from(self.alt)..]
    }

    fn reset(&mut self) {
        self.state = State::Ground;
        self.held.clear();
        self.alt = false;
    }

    fn ground(&mut self, byte: u8) {
        match byte {
            ESC => self.hold(State::Escape, byte),
            0x00..=0x7f => self.events.push_back(Event::Key(ascii_key(byte))),
            _ => {
                // A byte that starts no UTF-8 character is dropped.
                if let Some(len) = utf8_len(byte) {
                    self.hold(State::Utf8 { len }, byte);
                }
            }
        }
    }

    fn utf8(&mut self, byte: u8, len: usize) {
        if byte & 0xc0 != 0x80 {
            self.release_as_keys();
            self.process(&[byte]);
            return;
        }
        self.held.push(byte);
        if self.sequence().len() < len {
            return;
        }
        let decoded = std::str::from_utf8(self.sequence())
            .ok()
            .and_then(|text| text.chars().next());
        let alt = self.alt;
        self.reset();
        match decoded {
            Some(c) if alt => self.events.push_back(Event::Key(with_alt(char_key(c)))),
            Some(c) => self.events.push_back(Event::Key(char_key(c))),
            // Overlong, a surrogate, or past U+10FFFF: no character.
            None if alt => self.events.push_back(Event::Key(plain(KeyCode::Esc))),
            None => {}
        }
    }

    fn escape(&mut self, byte: u8) {
        if self.alt {
            // ESC ESC: Alt and a sequence, or else Alt-Esc and a key of its own.
            match byte {
                b'[' => self.hold(State::Csi, byte),
                b'O' => self.hold(State::Ss3, byte),
                _ => {
                    self.release_as_keys();
                    self.process(&[byte]);
                }
            }
            return;
        }
        let text = |kind| State::Text {
            kind,
            escape: false,
            overflow: false,
        };
        match byte {
            ESC => {
                self.alt = true;
                self.held.push(byte);
            }
            b'[' => self.hold(State::Csi, byte),
            b'O' => self.hold(State::Ss3, byte),
            b']' => self.hold(text(ReplyKind::Osc), byte),
            b'P' => self.hold(text(ReplyKind::Dcs), byte),
            b'_' => self.hold(text(ReplyKind::Apc), byte),
            b'^' => self.hold(text(ReplyKind::Pm), byte),
            b'X' => self.hold(text(ReplyKind::Sos), byte),
            0x00..=0x7f => {
                self.reset();
                self.events.push_back(Event::Key(with_alt(ascii_key(byte))));
            }
            _ => match utf8_len(byte) {
                Some(len) => {
                    self.alt = true;
                    self.hold(State::Utf8 { len }, byte);
                }
                None => {
                    self.release_as_keys();
                    self.process(&[byte]);
                }
            },
        }
    }

    fn csi(&mut self, byte: u8) {
        match byte {
            b'M' if self.sequence().len() == 2 => self.hold(State::NormalMouse, byte),
            0x20..=0x3f if self.held.len() < MAX_CSI_LEN => self.held.push(byte),
            0x40..=0x7e => {
                self.held.push(byte);
                let decoded = decode_csi(self.sequence());
                self.complete(decoded, ReplyKind::Csi);
            }
            _ => {
                self.release_as_keys();
                self.process(&[byte]);
            }
        }
    }

    fn ss3(&mut self, byte: u8) {
        match byte {
            b'0'..=b'9' | b';' if self.held.len() < MAX_SS3_LEN => self.held.push(byte),
            0x40..=0x7e => {
                self.held.push(byte);
                let decoded = decode_ss3(self.sequence());
                self.complete(decoded, ReplyKind::Ss3);
            }
            _ => {
                self.release_as_keys();
                self.process(&[byte]);
            }
        }
    }

    fn normal_mouse(&mut self, byte: u8) {
        // Any byte: the report's bytes are values plus 32, and large ones are not text.
        self.held.push(byte);
        if self.sequence().len() == 6 {
            let decoded = decode_csi(self.sequence());
            self.complete(decoded, ReplyKind::Csi);
        }
    }

    fn text(&mut self, byte: u8, kind: ReplyKind, escape: bool, overflow: bool) {
        if escape {
            if byte == b'\\' {
                self.held.push(byte);
                self.complete_text(kind, overflow);
            } else {
                // ESC and something else: not a string after all. Its ESC starts over.
                if overflow {
                    self.reset();
                } else {
                    self.held.pop();
                    self.release_as_keys();
                }
                self.process(&[ESC, byte]);
            }
            return;
        }
        match byte {
            ESC => {
                self.held.push(byte);
                self.state = State::Text {
                    kind,
                    escape: true,
                    overflow,
                };
            }
            BEL => {
                self.held.push(byte);
                self.complete_text(kind, overflow);
            }
            // Other controls end no string: these bytes were typed.
            0x00..=0x1f | 0x7f => {
                if overflow {
                    self.reset();
                } else {
                    self.release_as_keys();
                }
                self.process(&[byte]);
            }
            _ if overflow => {}
            _ if self.held.len() >= MAX_STRING_LEN => {
                self.held.clear();
                self.state = State::Text {
                    kind,
                    escape,
                    overflow: true,
                };
            }
            _ => self.held.push(byte),
        }
    }

    fn complete_text(&mut self, kind: ReplyKind, overflow: bool) {
        let bytes = std::mem::take(&mut self.held);
        self.reset();
        if !overflow {
            self.push_reply(TerminalReply::new(kind, bytes));
        }
    }

    /// Ends the held CSI or SS3 sequence, which `decoded` says the meaning of.
    fn complete(&mut self, decoded: Decoded, kind: ReplyKind) {
        let alt = self.alt;
        if decoded == Decoded::Reply {
            // Only a reply keeps its bytes; keys, the common case, copy nothing.
            let bytes = self.sequence().to_vec();
            self.push_reply(TerminalReply::new(kind, bytes));
        }
        self.reset();
        if alt && !matches!(decoded, Decoded::Key(_)) {
            // Alt applies to keys only: the ESC before anything else was the Esc key.
            self.events.push_back(Event::Key(plain(KeyCode::Esc)));
        }
        match decoded {
            Decoded::Key(key) if alt => self.events.push_back(Event::Key(with_alt(key))),
            Decoded::Key(key) => self.events.push_back(Event::Key(key)),
            Decoded::Event(event) => self.events.push_back(event),
            Decoded::PasteStart => self.state = State::Paste,
            Decoded::Reply | Decoded::Nothing => {}
        }
    }

    fn push_reply(&mut self, reply: TerminalReply) {
        if self.replies.len() == MAX_QUEUED_REPLIES {
            self.replies.pop_front();
        }
        self.replies.push_back(reply);
    }

    /// Gives up on the held sequence: its ESC and the byte after it are a key (Esc, or
    /// Alt and that key), and its other bytes are decoded again as keys of their own.
    fn release_as_keys(&mut self) {
        let overflow = matches!(self.state, State::Text { overflow: true, .. });
        let held = std::mem::take(&mut self.held);
        self.reset();
        if overflow {
            return;
        }
        match held.as_slice() {
            [ESC] => self.events.push_back(Event::Key(plain(KeyCode::Esc))),
            [ESC, second, rest @ ..] if second.is_ascii() => {
                self.events.push_back(Event::Key(with_alt(ascii_key(*second))));
                self.process(rest);
            }
            [ESC, rest @ ..] => {
                self.events.push_back(Event::Key(plain(KeyCode::Esc)));
                self.process(rest);
            }
            // Part of a UTF-8 character: no key.
            _ => {}
        }
    }
}

/// The length of the UTF-8 character `lead` starts, or `None` if it starts none.
fn utf8_len(lead: u8) -> Option<usize> {
    match lead {
        0xc2..=0xdf => Some(2),
        0xe0..=0xef => Some(3),
        0xf0..=0xf4 => Some(4),
        _ => None,
    }
}

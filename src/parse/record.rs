//! Span records: the compact, little-endian form of `vte`'s `Perform` calls.
//!
//! Every record starts with one 32-bit header word and its body, padded with zeros to a
//! multiple of 4 bytes, so that the next record is 4-byte aligned and a GPU thread writes a
//! record with plain 32-bit stores.
//!
//! | bytes | field | meaning |
//! | --- | --- | --- |
//! | 0 | `kind` | [`RecordKind`] |
//! | 1 | `aux` | per kind, see below |
//! | 2–3 | `body_len` | u16, body bytes before padding |
//! | 4… | body | per kind, padded to a multiple of 4 |
//!
//! | kind | code | `aux` | body |
//! | --- | --- | --- | --- |
//! | text | 1 | 0 | UTF-8 of printed characters (never a control), at most [`MAX_RUN_BODY`] bytes |
//! | execute | 2 | the byte | empty |
//! | csi | 3 | final byte | sequence header, then one u32 per parameter |
//! | esc | 4 | final byte | sequence header |
//! | osc | 5 | 1 if BEL-terminated | u8 parameter count, 3 zero bytes, one u16 end offset per parameter (padded to 4), payload |
//! | hook | 6 | final byte | as csi |
//! | put | 7 | 0 | the bytes, at most [`MAX_RUN_BODY`] |
//! | unhook | 8 | 0 | empty |
//!
//! The sequence header is 4 bytes: `ignore` (0 or 1), intermediate count (0–2), then the
//! two intermediate bytes (zero when absent). A parameter word holds the value in bits
//! 0–15 and, in bit 16, whether a subparameter (`:`) of the same group follows.
//!
//! Text and put runs longer than [`MAX_RUN_BODY`] are split over several records (the
//! decoder's consumers coalesce them), so that every record but a long OSC fits one ring
//! slot together with its header.
//!
//! ```
//! use perdix::parse::{decode_records, DecodedAction, RecordWriter};
//! let mut bytes = Vec::new();
//! {
//!     let mut writer = RecordWriter::new(&mut bytes);
//!     writer.text("hi");
//!     writer.execute(b'\n');
//! } // dropping the writer closes and pads the last record
//! assert_eq!(&bytes[..4], &[1, 0, 2, 0]); // text, aux 0, body_len 2
//! let actions: Vec<DecodedAction> = decode_records(&bytes).map(Result::unwrap).collect();
//! assert_eq!(actions, [DecodedAction::Print("hi"), DecodedAction::Execute(b'\n')]);
//! ```

use super::error::DecodeError;
use super::sequence::{Intermediates, Params};
use super::MAX_OSC_PARAMS;
use crate::ring::SLOT_PAYLOAD;

/// The largest body of a text or put record: a record header plus this fills one slot.
pub const MAX_RUN_BODY: usize = SLOT_PAYLOAD - HEADER_LEN;
/// Bytes in a record header.
pub const HEADER_LEN: usize = 4;
/// Bit of a parameter word saying a subparameter follows.
pub const SUBPARAM_FOLLOWS: u32 = 1 << 16;

/// The kind of a record (byte 0 of its header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RecordKind {
    /// Printed characters.
    Text = 1,
    /// A control executed.
    Execute = 2,
    /// A CSI sequence.
    Csi = 3,
    /// An escape sequence.
    Esc = 4,
    /// An OSC string.
    Osc = 5,
    /// The header of a DCS string.
    Hook = 6,
    /// DCS data bytes.
    Put = 7,
    /// The end of a DCS string.
    Unhook = 8,
}

impl RecordKind {
    /// Every kind, in code order.
    pub const ALL: [RecordKind; 8] = [
        RecordKind::Text,
        RecordKind::Execute,
        RecordKind::Csi,
        RecordKind::Esc,
        RecordKind::Osc,
        RecordKind::Hook,
        RecordKind::Put,
        RecordKind::Unhook,
    ];

    /// The kind with code `code`, if any.
    pub fn from_code(code: u8) -> Option<RecordKind> {
        Some(match code {
            1 => RecordKind::Text,
            2 => RecordKind::Execute,
            3 => RecordKind::Csi,
            4 => RecordKind::Esc,
            5 => RecordKind::Osc,
            6 => RecordKind::Hook,
            7 => RecordKind::Put,
            8 => RecordKind::Unhook,
            _ => return None,
        })
    }
}

/// Bytes of the longest CSI or hook record.
const SEQUENCE_RECORD_MAX: usize = HEADER_LEN + 4 + 4 * super::MAX_PARAMS;

/// Bytes a record with a body of `body_len` bytes occupies.
pub const fn record_len(body_len: usize) -> usize {
    HEADER_LEN + body_len.next_multiple_of(4)
}

/// Bytes of the longest record there can be: the body length is a 16-bit field.
pub const MAX_RECORD_LEN: usize = record_len(u16::MAX as usize);

/// Appends records to a byte vector. Consecutive text (or put) calls extend the last
/// record while it has room, so runs stay compact.
pub struct RecordWriter<'a> {
    out: &'a mut Vec<u8>,
    /// Start of the last record when it is an open text or put run.
    open_run: Option<(RecordKind, usize)>,
}

impl<'a> RecordWriter<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> RecordWriter<'a> {
        RecordWriter { out, open_run: None }
    }

    #[inline]
    fn header(&mut self, kind: RecordKind, aux: u8, body_len: usize) {
        debug_assert!(body_len <= u16::MAX as usize);
        let [low, high] = (body_len as u16).to_le_bytes();
        self.out.extend_from_slice(&[kind as u8, aux, low, high]);
    }

    #[inline]
    fn pad(&mut self) {
        let len = self.out.len();
        if !len.is_multiple_of(4) {
            // One fixed-size copy, then cut back to the boundary.
            self.out.extend_from_slice(&[0; 3]);
            self.out.truncate(len.next_multiple_of(4));
        }
    }

    /// Starts a run record of `kind` unless one is open; returns its start.
    #[inline(always)]
    fn open(&mut self, kind: RecordKind) -> usize {
        match self.open_run {
            Some((open_kind, start)) if open_kind == kind => start,
            _ => {
                self.close_run();
                let start = self.out.len();
                self.header(kind, 0, 0);
                self.open_run = Some((kind, start));
                start
            }
        }
    }

    /// Appends `bytes` to the open run of `kind`, or starts runs; `split` picks how many
    /// bytes of a piece fit so that text splits only at character boundaries.
    #[inline]
    fn run(&mut self, kind: RecordKind, mut bytes: &[u8], split: impl Fn(&[u8], usize) -> usize) {
        if bytes.is_empty() {
            return;
        }
        loop {
            let start = self.open(kind);
            let room = MAX_RUN_BODY - (self.out.len() - start - HEADER_LEN);
            if bytes.len() <= room {
                self.out.extend_from_slice(bytes);
                return;
            }
            let take = split(bytes, room);
            self.out.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            // The open record is full as far as `bytes` goes: close it and start another.
            self.close_run();
        }
    }

    /// Writes the open run's length (left stale while it grows) and pads it.
    #[inline]
    fn close_run(&mut self) {
        if let Some((_, start)) = self.open_run.take() {
            let body_len = (self.out.len() - start - HEADER_LEN) as u16;
            self.out[start + 2..start + 4].copy_from_slice(&body_len.to_le_bytes());
            self.pad();
        }
    }

    /// One printed character: the hot path of a text run.
    #[inline(always)]
    pub fn char(&mut self, c: char) {
        let mut start = self.open(RecordKind::Text);
        if self.out.len() - start - HEADER_LEN + c.len_utf8() > MAX_RUN_BODY {
            self.close_run();
            start = self.open(RecordKind::Text);
        }
        debug_assert_eq!(self.open_run, Some((RecordKind::Text, start)));
        if c.is_ascii() {
            self.out.push(c as u8);
        } else {
            for &byte in c.encode_utf8(&mut [0; 4]).as_bytes() {
                self.out.push(byte);
            }
        }
    }

    /// One DCS data byte: the hot path of a put run.
    #[inline(always)]
    pub fn put_byte(&mut self, byte: u8) {
        if let Some((RecordKind::Put, start)) = self.open_run {
            if self.out.len() - start - HEADER_LEN < MAX_RUN_BODY {
                self.out.push(byte);
                return;
            }
        }
        self.put(&[byte]);
    }

    /// Printed characters (no controls).
    pub fn text(&mut self, text: &str) {
        self.run(RecordKind::Text, text.as_bytes(), |bytes, room| {
            if bytes.len() <= room {
                return bytes.len();
            }
            let mut end = room;
            // Back up to a character boundary (continuation bytes are 0b10xx_xxxx).
            while end > 0 && bytes[end] & 0xc0 == 0x80 {
                end -= 1;
            }
            end
        });
    }

    /// Printed characters that are all printable ASCII (0x20–0x7f), so that a record can
    /// end after any byte.
    pub(crate) fn ascii_text(&mut self, bytes: &[u8]) {
        debug_assert!(bytes.iter().all(|byte| (0x20..0x80).contains(byte)));
        self.run(RecordKind::Text, bytes, |bytes, room| bytes.len().min(room));
    }

    /// DCS data bytes.
    pub fn put(&mut self, bytes: &[u8]) {
        self.run(RecordKind::Put, bytes, |bytes, room| bytes.len().min(room));
    }

    /// An executed control.
    pub fn execute(&mut self, byte: u8) {
        self.execute_record(byte);
    }

    /// [`execute`](Self::execute), inlined where controls sit between runs of text.
    #[inline(always)]
    fn execute_record(&mut self, byte: u8) {
        self.close_run();
        self.header(RecordKind::Execute, byte, 0);
    }

    fn sequence_header(&mut self, intermediates: &[u8], ignore: bool) {
        let first = intermediates.first().copied().unwrap_or(0);
        let second = intermediates.get(1).copied().unwrap_or(0);
        self.out
            .extend_from_slice(&[ignore as u8, intermediates.len().min(2) as u8, first, second]);
    }

    fn params_record(
        &mut self,
        kind: RecordKind,
        params: &Params,
        intermediates: &[u8],
        ignore: bool,
        action: u8,
    ) {
        self.close_run();
        self.header(kind, action, 4 + 4 * params.len());
        self.sequence_header(intermediates, ignore);
        for (value, continues) in params.iter() {
            let word = value as u32 | if continues { SUBPARAM_FOLLOWS } else { 0 };
            self.out.extend_from_slice(&word.to_le_bytes());
        }
    }

    /// A CSI (`hook` false) or DCS header (`hook` true) record straight from parameter
    /// groups (each a parameter and its subparameters), as `vte` hands them over; at most
    /// [`MAX_PARAMS`](super::MAX_PARAMS) values are written.
    pub fn sequence_from_groups<'g>(
        &mut self,
        hook: bool,
        groups: impl Iterator<Item = &'g [u16]>,
        intermediates: &[u8],
        ignore: bool,
        action: u8,
    ) {
        self.close_run();
        let kind = if hook { RecordKind::Hook } else { RecordKind::Csi };
        // Room for the longest record is zeroed in place and the record written into it,
        // then cut to length: plain stores into a slice, no capacity check per word.
        let start = self.out.len();
        self.out.extend_from_slice(&[0; SEQUENCE_RECORD_MAX]);
        let record = &mut self.out[start..start + SEQUENCE_RECORD_MAX];
        record[0] = kind as u8;
        record[1] = action;
        record[4] = ignore as u8;
        record[5] = intermediates.len().min(2) as u8;
        if let Some(&first) = intermediates.first() {
            record[6] = first;
        }
        if let Some(&second) = intermediates.get(1) {
            record[7] = second;
        }
        let mut len = HEADER_LEN + 4;
        'groups: for group in groups {
            let Some((&last, leading)) = group.split_last() else {
                continue;
            };
            for &value in leading {
                if len == record.len() {
                    break 'groups;
                }
                record[len..len + 4].copy_from_slice(&(value as u32 | SUBPARAM_FOLLOWS).to_le_bytes());
                len += 4;
            }
            if len == record.len() {
                break;
            }
            record[len..len + 4].copy_from_slice(&(last as u32).to_le_bytes());
            len += 4;
        }
        record[2..4].copy_from_slice(&((len - HEADER_LEN) as u16).to_le_bytes());
        self.out.truncate(start + len);
    }

    /// A CSI sequence.
    pub fn csi(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: u8) {
        self.params_record(RecordKind::Csi, params, intermediates, ignore, action);
    }

    /// A DCS header.
    pub fn hook(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: u8) {
        self.params_record(RecordKind::Hook, params, intermediates, ignore, action);
    }

    /// An escape sequence.
    pub fn esc(&mut self, intermediates: &[u8], ignore: bool, byte: u8) {
        self.close_run();
        self.header(RecordKind::Esc, byte, 4);
        self.sequence_header(intermediates, ignore);
    }

    /// An OSC string: `payload` holds every parameter back to back, `ends[i]` is where
    /// parameter `i` ends in it. At most [`MAX_OSC_PARAMS`] parameters are kept.
    pub fn osc(&mut self, payload: &[u8], ends: &[u32], bell: bool) {
        self.close_run();
        let ends = &ends[..ends.len().min(MAX_OSC_PARAMS)];
        let table = (2 * ends.len()).next_multiple_of(4);
        let payload = &payload[..payload.len().min(u16::MAX as usize - 4 - table)];
        self.header(RecordKind::Osc, bell as u8, 4 + table + payload.len());
        self.out.extend_from_slice(&[ends.len() as u8, 0, 0, 0]);
        for &end in ends {
            self.out
                .extend_from_slice(&(end.min(payload.len() as u32) as u16).to_le_bytes());
        }
        if ends.len() % 2 == 1 {
            self.out.extend_from_slice(&[0, 0]);
        }
        self.out.extend_from_slice(payload);
        self.pad();
    }

    /// A line of Perdix's own in a pane's output: `[perdix: text]` on a line of its own,
    /// in reverse video, so that it cannot be mistaken for the program's output.
    ///
    /// ```
    /// use perdix::parse::{decode_records, DecodedAction, RecordWriter};
    /// let mut records = Vec::new();
    /// RecordWriter::new(&mut records).notice("output lost");
    /// let prints: Vec<_> = decode_records(&records)
    ///     .filter_map(|action| match action.unwrap() {
    ///         DecodedAction::Print(text) => Some(text.to_string()),
    ///         _ => None,
    ///     })
    ///     .collect();
    /// assert_eq!(prints, ["[perdix: output lost]"]);
    /// ```
    pub fn notice(&mut self, text: &str) {
        let sgr = |value| {
            let mut params = Params::default();
            params.push(value, false);
            params
        };
        self.execute(b'\r');
        self.execute(b'\n');
        self.csi(&sgr(7), &[], false, b'm');
        self.text(&format!("[perdix: {text}]"));
        self.csi(&sgr(0), &[], false, b'm');
        self.execute(b'\r');
        self.execute(b'\n');
    }

    /// The end of a DCS string.
    pub fn unhook(&mut self) {
        self.close_run();
        self.header(RecordKind::Unhook, 0, 0);
    }

    /// Pads the last record; call before handing the bytes on.
    pub fn finish(&mut self) {
        self.close_run();
        self.pad();
    }
}

impl Drop for RecordWriter<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl super::utf8::TextSink for RecordWriter<'_> {
    #[inline]
    fn print_str(&mut self, text: &str) {
        self.text(text);
    }

    #[inline(always)]
    fn execute(&mut self, byte: u8) {
        self.execute_record(byte);
    }
}

/// The parameters of a decoded OSC record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OscParams<'a> {
    ends: &'a [u8],
    payload: &'a [u8],
}

impl<'a> OscParams<'a> {
    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.ends.len() / 2
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The parameters' bytes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let payload = self.payload;
        let mut start = 0usize;
        self.ends.chunks_exact(2).map(move |end| {
            let end = (u16::from_le_bytes([end[0], end[1]]) as usize).clamp(start, payload.len());
            let param = &payload[start..end];
            start = end;
            param
        })
    }
}

/// One decoded `Perform` call (prints and puts possibly coalesced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodedAction<'a> {
    /// Printed characters.
    Print(&'a str),
    /// An executed control byte.
    Execute(u8),
    /// A CSI sequence.
    Csi {
        /// Parameters.
        params: Params,
        /// Intermediate bytes.
        intermediates: Intermediates,
        /// Whether the sequence overflowed a limit.
        ignore: bool,
        /// The final byte.
        action: u8,
    },
    /// An escape sequence.
    Esc {
        /// Intermediate bytes.
        intermediates: Intermediates,
        /// Whether more intermediates arrived than fit.
        ignore: bool,
        /// The final byte.
        byte: u8,
    },
    /// An OSC string.
    Osc {
        /// Its parameters.
        params: OscParams<'a>,
        /// Whether BEL ended it.
        bell: bool,
    },
    /// The header of a DCS string.
    Hook {
        /// Parameters.
        params: Params,
        /// Intermediate bytes.
        intermediates: Intermediates,
        /// Whether the header overflowed a limit.
        ignore: bool,
        /// The final byte.
        action: u8,
    },
    /// DCS data bytes.
    Put(&'a [u8]),
    /// The end of a DCS string.
    Unhook,
}

/// Decodes the records in `bytes` (whole records, as one ring message holds them).
pub fn decode_records(bytes: &[u8]) -> impl Iterator<Item = Result<DecodedAction<'_>, DecodeError>> + '_ {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let result = decode_one(rest);
        match result {
            Ok((action, len)) => {
                rest = &rest[len..];
                Some(Ok(action))
            }
            Err(error) => {
                rest = &[];
                Some(Err(error))
            }
        }
    })
}

/// Decodes the record at the start of `bytes`; returns it and the bytes it occupies.
pub fn decode_one(bytes: &[u8]) -> Result<(DecodedAction<'_>, usize), DecodeError> {
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::Truncated {
            needed: HEADER_LEN,
            available: bytes.len(),
        });
    }
    let kind = RecordKind::from_code(bytes[0]).ok_or(DecodeError::UnknownKind(bytes[0]))?;
    let aux = bytes[1];
    let body_len = u16::from_le_bytes([bytes[2], bytes[3]]) as usize;
    let body = bytes
        .get(HEADER_LEN..HEADER_LEN + body_len)
        .ok_or(DecodeError::Truncated {
            needed: HEADER_LEN + body_len,
            available: bytes.len(),
        })?;
    let len = record_len(body_len).min(bytes.len());
    let malformed = |what: &'static str| DecodeError::Malformed { kind, what };
    let action = match kind {
        RecordKind::Text => {
            DecodedAction::Print(std::str::from_utf8(body).map_err(|_| malformed("invalid UTF-8"))?)
        }
        RecordKind::Execute => DecodedAction::Execute(aux),
        RecordKind::Put => DecodedAction::Put(body),
        RecordKind::Unhook => DecodedAction::Unhook,
        RecordKind::Esc => {
            let (intermediates, ignore) = sequence_header(body).ok_or_else(|| malformed("short header"))?;
            DecodedAction::Esc {
                intermediates,
                ignore,
                byte: aux,
            }
        }
        RecordKind::Csi | RecordKind::Hook => {
            let (intermediates, ignore) = sequence_header(body).ok_or_else(|| malformed("short header"))?;
            let words = &body[4..];
            if words.len() % 4 != 0 || words.len() / 4 > super::MAX_PARAMS {
                return Err(malformed("bad parameter list"));
            }
            let mut values = [0u16; super::MAX_PARAMS];
            let mut continues = 0u32;
            for (index, word) in words.chunks_exact(4).enumerate() {
                let word = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
                values[index] = word as u16;
                continues |= u32::from(word & SUBPARAM_FOLLOWS != 0) << index;
            }
            let params = Params::from_parts(values, continues, words.len() / 4);
            if kind == RecordKind::Csi {
                DecodedAction::Csi {
                    params,
                    intermediates,
                    ignore,
                    action: aux,
                }
            } else {
                DecodedAction::Hook {
                    params,
                    intermediates,
                    ignore,
                    action: aux,
                }
            }
        }
        RecordKind::Osc => {
            let count = *body.first().ok_or_else(|| malformed("short header"))? as usize;
            let table = (2 * count).next_multiple_of(4);
            if count > MAX_OSC_PARAMS || body.len() < 4 + table {
                return Err(malformed("bad parameter table"));
            }
            let params = OscParams {
                ends: &body[4..4 + 2 * count],
                payload: &body[4 + table..],
            };
            DecodedAction::Osc {
                params,
                bell: aux != 0,
            }
        }
    };
    Ok((action, len))
}

fn sequence_header(body: &[u8]) -> Option<(Intermediates, bool)> {
    let header = body.get(..4)?;
    let count = (header[1] as usize).min(2);
    Some((Intermediates::from_slice(&header[2..2 + count]), header[0] != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let mut params = Params::default();
        params.push(38, true);
        params.push(2, false);
        params.push(u16::MAX, false);
        let mut bytes = Vec::new();
        {
            let mut writer = RecordWriter::new(&mut bytes);
            writer.text("héllo");
            writer.execute(0x85);
            writer.csi(&params, b"?", false, b'm');
            writer.esc(b" !", true, b'0');
            writer.osc(b"0title", &[1, 6], true);
            writer.hook(&Params::default(), b"", true, b'q');
            writer.put(b"#0;2");
            writer.unhook();
        }
        assert_eq!(bytes.len() % 4, 0);
        let actions: Vec<_> = decode_records(&bytes).collect::<Result<_, _>>().unwrap();
        assert_eq!(actions.len(), 8);
        assert_eq!(actions[0], DecodedAction::Print("héllo"));
        assert_eq!(actions[1], DecodedAction::Execute(0x85));
        let DecodedAction::Csi {
            params: decoded,
            intermediates,
            ignore,
            action,
        } = actions[2]
        else {
            panic!("not csi: {:?}", actions[2]);
        };
        assert_eq!(
            (decoded.to_string(), intermediates.as_slice(), ignore, action),
            ("38:2;65535".into(), &b"?"[..], false, b'm')
        );
        let DecodedAction::Osc { params, bell } = actions[4] else {
            panic!("not osc")
        };
        assert!(bell);
        assert_eq!(params.iter().collect::<Vec<_>>(), [&b"0"[..], b"title"]);
        assert_eq!(actions[6], DecodedAction::Put(b"#0;2"));
        assert_eq!(actions[7], DecodedAction::Unhook);
    }

    #[test]
    fn long_text_splits_at_character_boundaries_within_one_slot() {
        let text = "€".repeat(200);
        let mut bytes = Vec::new();
        RecordWriter::new(&mut bytes).text(&text);
        let mut rebuilt = String::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let (action, len) = decode_one(rest).unwrap();
            assert!(len <= SLOT_PAYLOAD);
            let DecodedAction::Print(piece) = action else {
                panic!("not text")
            };
            rebuilt.push_str(piece);
            rest = &rest[len..];
        }
        assert_eq!(rebuilt, text);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            decode_one(&[9, 0, 0, 0]),
            Err(DecodeError::UnknownKind(9))
        ));
        assert!(matches!(
            decode_one(&[1, 0, 8, 0, b'a']),
            Err(DecodeError::Truncated { .. })
        ));
        assert!(decode_one(&[3, b'm', 2, 0, 0, 0]).is_err());
        assert!(decode_one(&[5, 0, 4, 0, 200, 0, 0, 0]).is_err());
        assert!(decode_one(&[1, 0, 1, 0, 0xff, 0, 0, 0]).is_err());
    }
}

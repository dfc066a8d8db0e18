//! The backend boundary: a whole batch of many streams in, the records of every stream
//! out. No per-byte callbacks cross it, so a GPU backend can take the batch in one launch.

use super::error::ParseError;
use super::record::{record_len, RecordWriter, HEADER_LEN};
use crate::ring::SLOT_PAYLOAD;
use std::fmt;
use std::str::FromStr;

/// One stream's share of a batch: its new bytes and the state carried from its last batch.
pub struct StreamWork<'a, S> {
    /// The stream (pane) id; its records are tagged with it.
    pub stream: u16,
    /// The bytes that arrived since the last batch.
    pub bytes: &'a [u8],
    /// The stream's parser state, updated in place.
    pub state: S,
}

/// A parse backend.
///
/// ```
/// use perdix::parse::{Backend, CpuBackend, RecordBatch, StreamWork};
/// let mut backend = CpuBackend::default();
/// let mut batch = [StreamWork { stream: 3, bytes: b"\x1b[1mhi", state: Default::default() }];
/// let mut records = RecordBatch::default();
/// backend.parse_batch(&mut batch, &mut records).unwrap();
/// assert_eq!(records.streams().next().unwrap().0, 3);
/// ```
pub trait Backend {
    /// What a stream carries from one batch to the next (unfinished sequence, partial
    /// UTF-8, open string).
    type StreamState: Default + Send;

    /// The backend's name as `--backend` spells it.
    fn name(&self) -> &'static str;

    /// Parses every stream's bytes, appending each stream's records to `out` (one span per
    /// stream, in batch order). A stream's bytes never affect another stream.
    fn parse_batch(
        &mut self,
        batch: &mut [StreamWork<'_, Self::StreamState>],
        out: &mut RecordBatch,
    ) -> Result<(), ParseError>;

    /// The stream's input has ended: emits whatever the reference would have emitted for
    /// bytes the backend still holds back.
    fn finish_stream(
        &mut self,
        stream: u16,
        state: &mut Self::StreamState,
        out: &mut RecordBatch,
    ) -> Result<(), ParseError>;
}

/// The records of one batch, grouped by stream.
#[derive(Debug, Default, Clone)]
pub struct RecordBatch {
    bytes: Vec<u8>,
    spans: Vec<(u16, usize, usize)>,
}

impl RecordBatch {
    /// Forgets all records, keeping the allocation.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.spans.clear();
    }

    /// Appends records of `stream` written by `write`.
    pub fn write<R>(&mut self, stream: u16, write: impl FnOnce(&mut RecordWriter<'_>) -> R) -> R {
        let start = self.bytes.len();
        let result = {
            let mut writer = RecordWriter::new(&mut self.bytes);
            write(&mut writer)
        };
        if self.bytes.len() > start {
            self.spans.push((stream, start, self.bytes.len()));
        }
        result
    }

    /// Appends whole records of `stream` built elsewhere (on a device), joining the
    /// stream's span when it was the last one written.
    pub(crate) fn append_records(&mut self, stream: u16, records: &[u8]) {
        if records.is_empty() {
            return;
        }
        let start = self.bytes.len();
        self.bytes.extend_from_slice(records);
        match self.spans.last_mut() {
            Some((last, _, end)) if *last == stream && *end == start => *end = self.bytes.len(),
            _ => self.spans.push((stream, start, self.bytes.len())),
        }
    }

    /// Total record bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Each stream's records, in the order they were written.
    pub fn streams(&self) -> impl Iterator<Item = (u16, &[u8])> + '_ {
        self.spans
            .iter()
            .map(|&(stream, start, end)| (stream, &self.bytes[start..end]))
    }

    /// The records cut into ring messages: whole records, at most one slot payload each,
    /// except a record longer than a payload, which is a message on its own.
    pub fn messages(&self) -> impl Iterator<Item = (u16, &[u8])> + '_ {
        self.streams()
            .flat_map(|(stream, records)| split_messages(records).map(move |m| (stream, m)))
    }

    /// How many of [`messages`](Self::messages) belong to `stream`.
    pub fn messages_of(&self, stream: u16) -> usize {
        self.streams()
            .filter(|&(tagged, _)| tagged == stream)
            .map(|(_, records)| split_messages(records).count())
            .sum()
    }
}

/// Cuts a run of records into messages of whole records.
fn split_messages(records: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut rest = records;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = 0;
        while end + HEADER_LEN <= rest.len() {
            let body_len = u16::from_le_bytes([rest[end + 2], rest[end + 3]]) as usize;
            let len = record_len(body_len).min(rest.len() - end);
            if end > 0 && end + len > SLOT_PAYLOAD {
                break;
            }
            end += len;
            if end >= SLOT_PAYLOAD {
                break;
            }
        }
        let end = end.max(rest.len().min(HEADER_LEN));
        let (message, tail) = rest.split_at(end);
        rest = tail;
        Some(message)
    })
}

/// The backends `--backend` can name.
///
/// ```
/// use perdix::parse::BackendKind;
/// let kind: BackendKind = "cpu-scan".parse().unwrap();
/// assert_eq!(kind, BackendKind::CpuScan);
/// // Which one can run here is the `backend` module's business.
/// let cuda = perdix::backend::resolve(BackendKind::Cuda);
/// assert_eq!(cuda.is_ok(), perdix::backend::cuda::probe().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BackendKind {
    /// `vte` itself.
    #[default]
    Cpu,
    /// The GPU algorithm run on the CPU.
    CpuScan,
    /// WGSL compute shaders.
    Wgpu,
    /// CUDA kernels.
    Cuda,
    /// The best available backend (see `perdix::backend::resolve`).
    Auto,
}

impl BackendKind {
    /// Every kind, in `--backend` order.
    pub const ALL: [BackendKind; 5] = [
        BackendKind::Cpu,
        BackendKind::CpuScan,
        BackendKind::Wgpu,
        BackendKind::Cuda,
        BackendKind::Auto,
    ];

    /// The name `--backend` takes.
    pub const fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::CpuScan => "cpu-scan",
            BackendKind::Wgpu => "wgpu",
            BackendKind::Cuda => "cuda",
            BackendKind::Auto => "auto",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = ParseError;

    fn from_str(name: &str) -> Result<BackendKind, ParseError> {
        BackendKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| ParseError::UnknownBackend(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::record::decode_one;

    #[test]
    fn messages_hold_whole_records_within_one_slot() {
        let mut batch = RecordBatch::default();
        batch.write(1, |w| {
            for i in 0..200u8 {
                w.execute(i);
                w.text(&"x".repeat(i as usize % 7 + 1));
            }
            w.osc(&[b'a'; 600], &[600], true);
            w.execute(1);
        });
        let mut records = 0;
        for (stream, message) in batch.messages() {
            assert_eq!(stream, 1);
            let mut rest = message;
            let mut count = 0;
            while !rest.is_empty() {
                let (_, len) = decode_one(rest).unwrap();
                rest = &rest[len..];
                count += 1;
            }
            assert!(
                message.len() <= SLOT_PAYLOAD || count == 1,
                "{} bytes, {count} records",
                message.len()
            );
            records += count;
        }
        assert_eq!(records, 402);
    }
}

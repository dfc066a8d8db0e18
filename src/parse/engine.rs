//! The batch engine: gathers many streams' new bytes into one batch, carries each
//! stream's parser state from batch to batch, and runs the backend over the whole batch.

use super::backend::{Backend, RecordBatch, StreamWork};
use super::error::ParseError;
use std::collections::HashMap;

/// A backend plus the carried state of every stream it has seen.
///
/// ```
/// use perdix::parse::{decode_records, CpuBackend, DecodedAction, Engine};
/// let mut engine = Engine::new(CpuBackend::default());
/// // The CSI is cut in half between two batches; stream 2 is unaffected.
/// engine.parse(&[(1, b"\x1b[3"), (2, b"ok")]).unwrap();
/// let records = engine.parse(&[(1, b"1m")]).unwrap();
/// let (stream, bytes) = records.streams().next().unwrap();
/// assert_eq!(stream, 1);
/// assert!(matches!(decode_records(bytes).next(), Some(Ok(DecodedAction::Csi { action: b'm', .. }))));
/// ```
pub struct Engine<B: Backend> {
    backend: B,
    states: HashMap<u16, B::StreamState>,
    out: RecordBatch,
}

impl<B: Backend> Engine<B> {
    /// An engine with no streams yet.
    pub fn new(backend: B) -> Engine<B> {
        Engine {
            backend,
            states: HashMap::new(),
            out: RecordBatch::default(),
        }
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// The backend, for what it reports beyond records (a GPU backend's timings).
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Parses one batch: each entry is a stream and the bytes that arrived for it. A stream
    /// may appear at most once. Returns the batch's records.
    pub fn parse(&mut self, inputs: &[(u16, &[u8])]) -> Result<&RecordBatch, ParseError> {
        self.out.clear();
        let mut work = Vec::with_capacity(inputs.len());
        // One bit per possible stream id: a batch may hold thousands of streams, so the
        // duplicate check must not compare every pair.
        let mut seen = [0u64; (u16::MAX as usize + 1) / 64];
        for &(stream, bytes) in inputs {
            let (word, bit) = (stream as usize / 64, 1u64 << (stream % 64));
            if seen[word] & bit != 0 {
                self.restore(work);
                return Err(ParseError::DuplicateStream(stream));
            }
            seen[word] |= bit;
            let state = self.states.remove(&stream).unwrap_or_default();
            work.push(StreamWork { stream, bytes, state });
        }
        let result = self.backend.parse_batch(&mut work, &mut self.out);
        self.restore(work);
        result.map(|()| &self.out)
    }

    fn restore(&mut self, work: Vec<StreamWork<'_, B::StreamState>>) {
        for item in work {
            self.states.insert(item.stream, item.state);
        }
    }

    /// The records of the last [`parse`](Self::parse) or [`finish`](Self::finish).
    pub fn last_records(&self) -> &RecordBatch {
        &self.out
    }

    /// Forgets what the stream carries (an unfinished sequence, a partial character): its
    /// next bytes are parsed from the ground state.
    ///
    /// ```
    /// use perdix::parse::{CpuBackend, Engine};
    /// let mut engine = Engine::new(CpuBackend::default());
    /// engine.parse(&[(1, b"\x1b[3")]).unwrap();
    /// engine.forget(1);
    /// let records = engine.parse(&[(1, b"1m")]).unwrap();
    /// assert_eq!(perdix::parse::decode_records(records.streams().next().unwrap().1).count(), 1);
    /// ```
    pub fn forget(&mut self, stream: u16) {
        self.states.remove(&stream);
    }

    /// Ends a stream: emits what the backend still holds for it and forgets its state.
    pub fn finish(&mut self, stream: u16) -> Result<&RecordBatch, ParseError> {
        self.out.clear();
        if let Some(mut state) = self.states.remove(&stream) {
            self.backend.finish_stream(stream, &mut state, &mut self.out)?;
        }
        Ok(&self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::CpuBackend;
    use crate::parse::{decode_records, DecodedAction};

    #[test]
    fn a_stream_twice_in_one_batch_is_an_error_that_keeps_carried_state() {
        let mut engine = Engine::new(CpuBackend::default());
        engine.parse(&[(9, b"\x1b[3")]).unwrap();
        let error = engine.parse(&[(9, b"1"), (4, b"x"), (9, b"m")]).unwrap_err();
        assert!(matches!(error, ParseError::DuplicateStream(9)));
        // Stream 9 still holds its half CSI.
        let records = engine.parse(&[(9, b"1m")]).unwrap();
        let (_, bytes) = records.streams().next().unwrap();
        assert!(matches!(
            decode_records(bytes).next(),
            Some(Ok(DecodedAction::Csi { action: b'm', .. }))
        ));
    }

    #[test]
    fn thousands_of_streams_fit_one_batch() {
        let mut engine = Engine::new(CpuBackend::default());
        let inputs: Vec<(u16, &[u8])> = (0..=u16::MAX).map(|stream| (stream, &b"ok"[..])).collect();
        let records = engine.parse(&inputs).unwrap();
        assert_eq!(records.streams().count(), 65_536);
    }
}

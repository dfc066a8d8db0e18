//! The whole parse path in one thread, for the command line and the tests: bytes go into
//! an input ring (one per stream's producer in the real app), the engine drains it into a
//! batch, the backend writes records into the record ring, and the records are decoded
//! into the canonical dump of each stream.

use super::publish::{check_record_ring, publish_records};
use super::AnyEngine;
use crate::parse::{decode_records, ActionDump, BackendKind, ParseError};
use crate::ring::{AgentType, Buffer, Consumer, ProduceError, Producer, Tag, SLOT_PAYLOAD};
use std::collections::BTreeMap;

/// Ring sizes of a [`Pipeline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineConfig {
    /// Slots of the input ring; a batch holds at most this many slots of input.
    pub input_slots: usize,
    /// Slots of the record ring; at least [`MIN_RECORD_SLOTS`](super::MIN_RECORD_SLOTS), to
    /// hold the longest record.
    pub record_slots: usize,
}

impl Default for PipelineConfig {
    fn default() -> PipelineConfig {
        PipelineConfig {
            input_slots: 4096,
            record_slots: 1024,
        }
    }
}

/// Input ring → engine → record ring → decoded actions.
///
/// ```
/// use perdix::backend::Pipeline;
/// use perdix::parse::BackendKind;
/// let mut pipeline = Pipeline::new(BackendKind::Cpu, Default::default()).unwrap();
/// pipeline.feed(0, b"\x1b[1mbold\x1b[").unwrap();
/// pipeline.run_batch().unwrap();
/// pipeline.feed(0, b"0m").unwrap();
/// pipeline.finish(0).unwrap();
/// assert_eq!(pipeline.take_dump(0), "csi 1 - 0 m\nprint \"bold\"\ncsi 0 - 0 m\n");
/// ```
pub struct Pipeline {
    engine: AnyEngine,
    input_tx: Producer<'static>,
    input_rx: Consumer<'static>,
    record_tx: Producer<'static>,
    record_rx: Consumer<'static>,
    gathered: BTreeMap<u16, Vec<u8>>,
    dumps: BTreeMap<u16, ActionDump>,
}

impl Pipeline {
    /// A pipeline on backend `kind`.
    pub fn new(kind: BackendKind, config: PipelineConfig) -> Result<Pipeline, ParseError> {
        check_record_ring(config.record_slots)?;
        let engine = AnyEngine::new(kind)?;
        let (input_tx, input_rx) = Buffer::new(config.input_slots)?.split();
        let (record_tx, record_rx) = Buffer::new(config.record_slots)?.split();
        Ok(Pipeline {
            engine,
            input_tx,
            input_rx,
            record_tx,
            record_rx,
            gathered: BTreeMap::new(),
            dumps: BTreeMap::new(),
        })
    }

    /// The backend that runs.
    pub fn backend_name(&self) -> &'static str {
        self.engine.backend_name()
    }

    /// Queues `bytes` of `stream` in the input ring, running batches when it fills up.
    pub fn feed(&mut self, stream: u16, bytes: &[u8]) -> Result<(), ParseError> {
        let tag = Tag::new(AgentType::Assistant).with_stream(stream);
        for piece in bytes.chunks(SLOT_PAYLOAD) {
            loop {
                match self.input_tx.try_produce(piece, tag) {
                    Ok(_) => break,
                    Err(ProduceError::Full { .. }) => self.run_batch()?,
                    Err(error) => return Err(error.into()),
                }
            }
        }
        Ok(())
    }

    /// Drains the input ring into one batch, parses it and decodes the records.
    pub fn run_batch(&mut self) -> Result<(), ParseError> {
        for bytes in self.gathered.values_mut() {
            bytes.clear();
        }
        {
            let chunk = self.input_rx.read_chunk();
            for message in chunk.iter() {
                let buffer = self.gathered.entry(message.stream()).or_default();
                message.copy_to(buffer);
            }
        }
        let inputs: Vec<(u16, &[u8])> = self
            .gathered
            .iter()
            .filter(|(_, bytes)| !bytes.is_empty())
            .map(|(&stream, bytes)| (stream, &bytes[..]))
            .collect();
        if inputs.is_empty() {
            return Ok(());
        }
        let records = self.engine.parse(&inputs)?;
        publish_and_decode(
            records.messages(),
            &mut self.record_tx,
            &mut self.record_rx,
            &mut self.dumps,
        )
    }

    /// Runs what is queued, then ends `stream` (emitting what the backend held back).
    pub fn finish(&mut self, stream: u16) -> Result<(), ParseError> {
        self.run_batch()?;
        let records = self.engine.finish(stream)?;
        publish_and_decode(
            records.messages(),
            &mut self.record_tx,
            &mut self.record_rx,
            &mut self.dumps,
        )
    }

    /// The complete dump lines of `stream` so far; a print or put run stays buffered
    /// (it may go on in the next batch) until [`take_dump`](Self::take_dump).
    pub fn take_lines(&mut self, stream: u16) -> String {
        self.dumps
            .get_mut(&stream)
            .map(ActionDump::take_complete)
            .unwrap_or_default()
    }

    /// Everything dumped for `stream`, buffered runs included.
    pub fn take_dump(&mut self, stream: u16) -> String {
        self.dumps
            .get_mut(&stream)
            .map(ActionDump::take)
            .unwrap_or_default()
    }
}

/// Publishes every message into the record ring, draining it into the dumps whenever it
/// is full (the pipeline is its own consumer), then drains what is left.
fn publish_and_decode<'m>(
    messages: impl Iterator<Item = (u16, &'m [u8])>,
    tx: &mut Producer<'static>,
    rx: &mut Consumer<'static>,
    dumps: &mut BTreeMap<u16, ActionDump>,
) -> Result<(), ParseError> {
    for (stream, message) in messages {
        publish_records(tx, stream, message, |_| drain(rx, dumps))?;
    }
    drain(rx, dumps)
}

fn drain(rx: &mut Consumer<'static>, dumps: &mut BTreeMap<u16, ActionDump>) -> Result<(), ParseError> {
    let chunk = rx.read_chunk();
    for message in chunk.iter() {
        let dump = dumps.entry(message.stream()).or_default();
        let bytes = message.as_bytes();
        for action in decode_records(&bytes) {
            dump.push(&action?);
        }
    }
    Ok(())
}

//! The parse engine's place in the data flow: many input rings in (one per pane, filled by
//! that pane's PTY reader), one record ring out (drained by the UI thread).
//!
//! Each [`step`](ParseStage::step) gathers the new bytes of every pane into one batch, runs
//! the backend over it and publishes the records, waiting for room when the record ring is
//! full: nothing is ever dropped. A pane whose producer is gone and whose ring is empty is
//! finished (its held-back tail is parsed), an empty message tagged with its stream is
//! published as its end marker (every record of the pane came before it), and the pane
//! is removed. Panes can join a running stage through a [`StageInputs`] handle; when the
//! last pane is gone and no handle is left, [`run`](ParseStage::run) returns and dropping
//! the stage tells the record consumer that nothing more will come.

use super::progress::{progress_log, ProgressLog, ProgressMark, ProgressWriter};
use super::AnyEngine;
use crate::parse::{BackendKind, ParseError, RecordBatch};
use crate::ring::{AgentType, Consumer, ProduceError, Producer, Tag};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How long an idle stage sleeps before polling its input rings again.
const IDLE_PAUSE: Duration = Duration::from_micros(200);
/// How long one attempt to publish into a full record ring waits before re-checking the
/// stop flag; a full ring is waited out, never given up on.
const PUBLISH_STEP: Duration = Duration::from_millis(50);

/// One pane's input ring and the bytes gathered from it for the current batch.
struct StageInput {
    stream: u16,
    consumer: Consumer<'static>,
    gathered: Vec<u8>,
    /// Where the pane's progress goes, when someone measures it.
    progress: Option<ProgressWriter>,
    /// Bytes parsed and record messages published so far, for `progress`.
    bytes: u64,
    messages: u64,
}

/// Input rings → engine → record ring.
///
/// ```
/// use perdix::backend::ParseStage;
/// use perdix::parse::{decode_records, BackendKind, DecodedAction};
/// use perdix::{AgentType, Buffer};
/// let (mut pane_tx, pane_rx) = Buffer::new(16).unwrap().split();
/// let (record_tx, mut record_rx) = Buffer::new(64).unwrap().split();
/// let mut stage = ParseStage::new(BackendKind::Cpu, record_tx).unwrap();
/// stage.add_input(3, pane_rx);
/// pane_tx.try_produce(b"\x1b[1mhi", AgentType::Assistant).unwrap();
/// drop(pane_tx); // the pane's output ended
/// stage.run(&Default::default()).unwrap(); // returns once every pane is finished
/// drop(stage);
/// let message = record_rx.try_consume().unwrap();
/// assert_eq!(message.stream(), 3);
/// let actions: Vec<_> = decode_records(message.as_bytes()).map(Result::unwrap).collect();
/// assert!(matches!(actions[0], DecodedAction::Csi { action: b'm', .. }));
/// assert_eq!(actions[1], DecodedAction::Print("hi"));
/// ```
pub struct ParseStage {
    engine: AnyEngine,
    inputs: Vec<StageInput>,
    records: Producer<'static>,
    joining: Option<Receiver<Joining>>,
    /// Cloned into handles; dropped when the stage runs, so that the channel ends when the
    /// last handle is dropped.
    own_sender: Option<Sender<Joining>>,
}

/// Adds panes to a running [`ParseStage`]. While a handle exists, the stage keeps running
/// even with no pane.
///
/// ```
/// use perdix::backend::ParseStage;
/// use perdix::parse::BackendKind;
/// use perdix::{AgentType, Buffer};
/// use std::sync::{atomic::AtomicBool, Arc};
/// let (records_tx, mut records) = Buffer::new(64).unwrap().split();
/// let mut stage = ParseStage::new(BackendKind::Cpu, records_tx).unwrap();
/// let inputs = stage.inputs_handle();
/// let thread = stage.spawn(Arc::new(AtomicBool::new(false))).unwrap();
/// let (mut pane, pane_rx) = Buffer::new(8).unwrap().split();
/// inputs.add(4, pane_rx).unwrap();
/// pane.try_produce(b"late", AgentType::Assistant).unwrap();
/// drop((pane, inputs)); // the pane ends, and no pane can join any more
/// thread.join().unwrap().unwrap();
/// assert_eq!(records.try_consume().unwrap().stream(), 4);
/// let end = records.try_consume().unwrap(); // the pane's end marker
/// assert!(end.is_empty() && end.stream() == 4);
/// ```
#[derive(Debug, Clone)]
pub struct StageInputs(Sender<Joining>);

/// A pane joining a running stage: its stream, input ring and progress log.
type Joining = (u16, Consumer<'static>, Option<ProgressWriter>);

impl StageInputs {
    /// Hands pane `stream`'s input ring to the stage. Fails (giving the ring back) when
    /// the stage has ended.
    pub fn add(&self, stream: u16, input: Consumer<'static>) -> Result<(), Consumer<'static>> {
        self.0.send((stream, input, None)).map_err(|error| error.0 .1)
    }

    /// [`add`](Self::add), also returning the log of the pane's progress through the stage.
    pub fn add_with_progress(
        &self,
        stream: u16,
        input: Consumer<'static>,
    ) -> Result<ProgressLog, Consumer<'static>> {
        let (writer, log) = progress_log();
        self.0
            .send((stream, input, Some(writer)))
            .map_err(|error| error.0 .1)?;
        Ok(log)
    }
}

impl ParseStage {
    /// A stage on backend `kind` publishing into `records`.
    pub fn new(kind: BackendKind, records: Producer<'static>) -> Result<ParseStage, ParseError> {
        Ok(ParseStage {
            engine: AnyEngine::new(kind)?,
            inputs: Vec::new(),
            records,
            joining: None,
            own_sender: None,
        })
    }

    /// A handle through which panes join the stage while it runs.
    pub fn inputs_handle(&mut self) -> StageInputs {
        let sender = self.own_sender.get_or_insert_with(|| {
            let (sender, receiver) = channel();
            self.joining = Some(receiver);
            sender
        });
        StageInputs(sender.clone())
    }

    /// The backend that runs.
    pub fn backend_name(&self) -> &'static str {
        self.engine.backend_name()
    }

    /// Adds pane `stream`'s input ring. Its records are tagged with `stream`.
    pub fn add_input(&mut self, stream: u16, input: Consumer<'static>) {
        self.join(stream, input, None);
    }

    /// [`add_input`](Self::add_input), also returning the log of the pane's progress.
    pub fn add_input_with_progress(&mut self, stream: u16, input: Consumer<'static>) -> ProgressLog {
        let (writer, log) = progress_log();
        self.join(stream, input, Some(writer));
        log
    }

    fn join(&mut self, stream: u16, input: Consumer<'static>, progress: Option<ProgressWriter>) {
        self.inputs.push(StageInput {
            stream,
            consumer: input,
            gathered: Vec::new(),
            progress,
            bytes: 0,
            messages: 0,
        });
    }

    /// True while some pane may still send bytes (or join).
    pub fn has_inputs(&self) -> bool {
        !self.inputs.is_empty() || self.joining.is_some()
    }

    /// Takes in the panes that joined through [`StageInputs`].
    fn take_joiners(&mut self) {
        while let Some(joining) = &self.joining {
            match joining.try_recv() {
                Ok((stream, input, progress)) => self.join(stream, input, progress),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => self.joining = None,
            }
        }
    }

    /// Parses everything the input rings hold now as one batch and publishes the records;
    /// finishes and removes panes whose output has ended. Returns the input bytes parsed.
    ///
    /// Waits while the record ring is full; gives up only when `stop` is set or the record
    /// consumer is gone ([`ProduceError::Disconnected`]).
    pub fn step(&mut self, stop: &AtomicBool) -> Result<usize, ParseError> {
        self.take_joiners();
        let mut ended = Vec::new();
        for input in &mut self.inputs {
            input.gathered.clear();
            // The producer's disconnect is read before draining: bytes published before
            // it left are then certainly in this chunk.
            let producer_gone = !input.consumer.is_producer_connected();
            let chunk = input.consumer.read_chunk();
            for message in chunk.iter() {
                message.copy_to(&mut input.gathered);
            }
            drop(chunk);
            if producer_gone && input.consumer.is_empty() {
                ended.push(input.stream);
            }
        }
        let batch: Vec<(u16, &[u8])> = self
            .inputs
            .iter()
            .filter(|input| !input.gathered.is_empty())
            .map(|input| (input.stream, &input.gathered[..]))
            .collect();
        let parsed = batch.iter().map(|(_, bytes)| bytes.len()).sum();
        if !batch.is_empty() {
            let records = self.engine.parse(&batch)?;
            // Marks go out before the messages, so whoever has taken a batch's messages
            // finds its mark.
            for input in self.inputs.iter_mut().filter(|input| !input.gathered.is_empty()) {
                input.bytes += input.gathered.len() as u64;
                if let Some(progress) = &mut input.progress {
                    input.messages += records.messages_of(input.stream) as u64;
                    progress.push(ProgressMark {
                        bytes: input.bytes,
                        messages: input.messages,
                    });
                }
            }
            publish_batch(&mut self.records, records, stop)?;
        }
        for stream in ended {
            publish_batch(&mut self.records, self.engine.finish(stream)?, stop)?;
            publish(&mut self.records, stream, &[], stop)?;
            self.inputs.retain(|input| input.stream != stream);
        }
        Ok(parsed)
    }

    /// Steps until every pane has finished and no [`StageInputs`] handle is left, or
    /// `stop` is set, pausing briefly whenever there was nothing to parse.
    pub fn run(&mut self, stop: &AtomicBool) -> Result<(), ParseError> {
        self.own_sender = None;
        // Relaxed: the flag only asks the loop to end; no data is handed over with it.
        while self.has_inputs() && !stop.load(Ordering::Relaxed) {
            if self.step(stop)? == 0 {
                std::thread::sleep(IDLE_PAUSE);
            }
        }
        Ok(())
    }

    /// Runs the stage on its own thread (named `perdix-parse`) until every pane has
    /// finished or `stop` is set; the record ring's producer is dropped when it returns.
    pub fn spawn(mut self, stop: Arc<AtomicBool>) -> std::io::Result<JoinHandle<Result<(), ParseError>>> {
        std::thread::Builder::new()
            .name("perdix-parse".into())
            .spawn(move || self.run(&stop))
    }
}

/// Publishes every message of `batch`.
fn publish_batch(
    records: &mut Producer<'static>,
    batch: &RecordBatch,
    stop: &AtomicBool,
) -> Result<(), ParseError> {
    for (stream, message) in batch.messages() {
        publish(records, stream, message, stop)?;
    }
    Ok(())
}

/// Publishes one record message, waiting as long as it takes for room.
fn publish(
    records: &mut Producer<'static>,
    stream: u16,
    message: &[u8],
    stop: &AtomicBool,
) -> Result<(), ParseError> {
    let tag = Tag::new(AgentType::Assistant).with_stream(stream);
    // Room is the common case: try without reading the clock first.
    match records.try_produce(message, tag) {
        Err(ProduceError::Full { .. }) => {}
        other => return other.map(|_| ()).map_err(Into::into),
    }
    loop {
        match records.produce_timeout(message, tag, PUBLISH_STEP) {
            Ok(_) => return Ok(()),
            // Relaxed: see `run`.
            Err(ProduceError::Timeout { .. }) if !stop.load(Ordering::Relaxed) => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{decode_records, ActionDump};
    use crate::Buffer;

    fn drain_dump(rx: &mut Consumer<'static>, dumps: &mut std::collections::BTreeMap<u16, ActionDump>) {
        while let Some(message) = rx.try_consume() {
            let dump = dumps.entry(message.stream()).or_default();
            for action in decode_records(message.as_bytes()) {
                dump.push(&action.unwrap());
            }
        }
    }

    #[test]
    fn panes_in_a_tiny_record_ring_lose_nothing_and_keep_their_streams_apart() {
        let (record_tx, mut record_rx) = Buffer::new(4).unwrap().split();
        let mut stage = ParseStage::new(BackendKind::Cpu, record_tx).unwrap();
        let mut producers = Vec::new();
        for stream in [5u16, 9] {
            let (tx, rx) = Buffer::new(8).unwrap().split();
            stage.add_input(stream, rx);
            producers.push((stream, tx));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let handle = stage.spawn(Arc::clone(&stop)).unwrap();
        let writer = std::thread::spawn(move || {
            for round in 0..200 {
                for (stream, tx) in &mut producers {
                    let line = format!("\x1b[3{}m{stream}:{round}\r\n", round % 8);
                    tx.produce_timeout(
                        line.as_bytes(),
                        Tag::new(AgentType::Assistant),
                        Duration::from_secs(10),
                    )
                    .unwrap();
                }
            }
        });
        let mut dumps = std::collections::BTreeMap::new();
        loop {
            drain_dump(&mut record_rx, &mut dumps);
            if !record_rx.is_producer_connected() {
                drain_dump(&mut record_rx, &mut dumps);
                break;
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        writer.join().unwrap();
        handle.join().unwrap().unwrap();
        for stream in [5u16, 9] {
            let dump = dumps.get_mut(&stream).unwrap().take();
            for round in 0..200 {
                assert!(
                    dump.contains(&format!("print \"{stream}:{round}\"")),
                    "stream {stream} round {round}"
                );
            }
            assert_eq!(dump.matches("csi ").count(), 200);
        }
    }

    #[test]
    fn an_ended_pane_is_finished_and_removed() {
        for kind in [BackendKind::Cpu, BackendKind::CpuScan] {
            let (record_tx, mut record_rx) = Buffer::new(16).unwrap().split();
            let mut stage = ParseStage::new(kind, record_tx).unwrap();
            let (mut tx, rx) = Buffer::new(8).unwrap().split();
            stage.add_input(1, rx);
            // A partial character at the very end prints nothing, as with vte on the whole input.
            tx.try_produce(b"o\xe2\x82\xack\xe2\x82", AgentType::Assistant)
                .unwrap();
            drop(tx);
            stage.run(&AtomicBool::new(false)).unwrap();
            assert!(!stage.has_inputs());
            let mut dumps = std::collections::BTreeMap::new();
            drain_dump(&mut record_rx, &mut dumps);
            assert_eq!(
                dumps.get_mut(&1).unwrap().take(),
                "print \"o\u{20ac}k\"\n",
                "{kind:?}"
            );
        }
    }
}

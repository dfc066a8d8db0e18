//! The parse engine's place in the data flow: many input rings in (one per pane, filled by
//! that pane's PTY reader), one record ring out (drained by the UI thread).
//!
//! Each [`step`](ParseStage::step) gathers the new bytes of every pane into one batch, runs
//! the backend over it and publishes the records, each message over as many slots as it
//! needs, waiting for room when the record ring is full: nothing is ever dropped. A pane
//! whose producer is gone and whose ring is empty is finished (its held-back tail is
//! parsed), an empty message tagged with its stream is published as its end marker (every
//! record of the pane came before it), and the pane is removed. Panes can join a running
//! stage through a [`StageInputs`] handle; when the last pane is gone and no handle is
//! left, [`run`](ParseStage::run) returns and dropping the stage tells the record consumer
//! that nothing more will come.
//!
//! No pane can take the others down. A batch whose parse fails (an error or a panic in
//! the backend) is parsed again one pane at a time; the pane whose bytes still fail loses
//! them, its parser state is reset, and a line in that pane says so. A panic anywhere else
//! restarts the stage's loop on a fresh backend, keeping every pane's rings. Both are
//! reported as [`StageNotice`]s.

mod control;
mod isolation;
#[cfg(test)]
mod tests;

pub use control::{InjectedFault, StageInputs, StageNotice};

use super::progress::{progress_log, ProgressLog, ProgressMark, ProgressWriter};
use super::publish::{check_record_ring, publish_records};
use super::AnyEngine;
use crate::parse::{BackendKind, ParseError, RecordBatch};
use crate::ring::wait::Backoff;
use crate::ring::{Consumer, EventCount, NotifyOnDrop, ProduceError, Producer};
use control::{notice_channel, Control};
use isolation::{panic_message, parse_isolated, Armed, BatchOutcome};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, SyncSender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

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
/// use perdix::backend::{ParseStage, MIN_RECORD_SLOTS};
/// use perdix::parse::{decode_records, BackendKind, DecodedAction};
/// use perdix::{AgentType, Buffer};
/// let (mut pane_tx, pane_rx) = Buffer::new(16).unwrap().split();
/// let (record_tx, mut record_rx) = Buffer::new(MIN_RECORD_SLOTS).unwrap().split();
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
    control: Option<Receiver<Control>>,
    /// Cloned into handles; dropped when the stage runs, so that the channel ends when the
    /// last handle is dropped.
    own_sender: Option<Sender<Control>>,
    notices: SyncSender<StageNotice>,
    /// Taken by [`notices`](Self::notices).
    notices_out: Option<Receiver<StageNotice>>,
    armed: Armed,
    /// What the stage sleeps on while no input ring has anything: every input ring's
    /// producer, every [`StageInputs`] handle and whoever stops the stage wake it.
    waker: Arc<EventCount>,
    /// Set by [`InjectedFault::EndThread`].
    end_now: bool,
    /// Set by [`InjectedFault::PanicInLoop`].
    panic_in_loop: bool,
}

impl ParseStage {
    /// A stage on backend `kind` publishing into `records`, which must hold the longest
    /// record ([`MIN_RECORD_SLOTS`](super::MIN_RECORD_SLOTS) or more slots).
    pub fn new(kind: BackendKind, records: Producer<'static>) -> Result<ParseStage, ParseError> {
        check_record_ring(records.capacity())?;
        let (notices, notices_out) = notice_channel();
        Ok(ParseStage {
            engine: AnyEngine::new(kind)?,
            inputs: Vec::new(),
            records,
            control: None,
            own_sender: None,
            notices,
            notices_out: Some(notices_out),
            armed: Armed::default(),
            waker: Arc::new(EventCount::new()),
            end_now: false,
            panic_in_loop: false,
        })
    }

    /// A handle through which panes join the stage while it runs.
    pub fn inputs_handle(&mut self) -> StageInputs {
        let sender = self.own_sender.get_or_insert_with(|| {
            let (sender, receiver) = channel();
            self.control = Some(receiver);
            sender
        });
        StageInputs {
            sender: sender.clone(),
            waker: NotifyOnDrop(Arc::clone(&self.waker)),
        }
    }

    /// The event count the stage sleeps on when it has nothing to do. Every input ring
    /// names it when it joins ([`Consumer::set_waker`]), so their producers' publishes
    /// wake the stage; whoever sets the stop flag must notify it too.
    pub fn waker(&self) -> Arc<EventCount> {
        Arc::clone(&self.waker)
    }

    /// The failures the stage survives, as they happen (once; `None` the second time).
    pub fn notices(&mut self) -> Option<Receiver<StageNotice>> {
        self.notices_out.take()
    }

    /// The backend that runs.
    pub fn backend_name(&self) -> &'static str {
        self.engine.backend_name()
    }

    /// The backend that runs, as a kind (never `auto`).
    pub fn backend_kind(&self) -> BackendKind {
        self.engine.kind()
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
        // The ring's producer wakes the stage from now on. A ring that already names an
        // event count keeps it; the stage then notices its bytes at its next wake-up.
        let _ = input.set_waker(Arc::clone(&self.waker));
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
        !self.inputs.is_empty() || self.control.is_some()
    }

    /// Takes in the panes that joined through [`StageInputs`] and the faults to act out.
    fn take_control(&mut self) {
        while let Some(control) = &self.control {
            match control.try_recv() {
                Ok(Control::Join((stream, input, progress))) => self.join(stream, input, progress),
                Ok(Control::Fault(fault)) => match fault {
                    InjectedFault::PanicOnStream(stream) => self.armed.panic_on.push(stream),
                    InjectedFault::PanicInLoop => self.panic_in_loop = true,
                    InjectedFault::EndThread => self.end_now = true,
                },
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => self.control = None,
            }
        }
    }

    /// Parses everything the input rings hold now as one batch and publishes the records;
    /// finishes and removes panes whose output has ended. Returns the input bytes parsed.
    ///
    /// A pane whose bytes cannot be parsed loses them (see the module docs); that is no
    /// error. Waits while the record ring is full; fails only when `stop` is set or the
    /// record consumer is gone ([`ProduceError::Disconnected`]).
    pub fn step(&mut self, stop: &AtomicBool) -> Result<usize, ParseError> {
        self.take_control();
        if std::mem::take(&mut self.panic_in_loop) {
            panic!("injected fault in the stage's loop");
        }
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
            let outcome = parse_isolated(&mut self.engine, &batch, &mut self.armed);
            let records = match &outcome {
                BatchOutcome::Whole => self.engine.last_records(),
                BatchOutcome::Isolated { records, faults } => {
                    for fault in faults {
                        // Nobody listening, or a full queue, is no reason to stop parsing.
                        let _ = self.notices.try_send(fault.clone());
                    }
                    records
                }
            };
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
        for stream in &ended {
            self.finish_stream(*stream, stop)?;
        }
        Ok(parsed)
    }

    /// Publishes what the backend still holds for an ended pane, then its end marker,
    /// and removes the pane. A backend that fails here only costs the pane its tail.
    fn finish_stream(&mut self, stream: u16, stop: &AtomicBool) -> Result<(), ParseError> {
        let engine = &mut self.engine;
        let finished = catch_unwind(AssertUnwindSafe(|| engine.finish(stream).map(|_| ())));
        match finished {
            Ok(Ok(())) => publish_batch(&mut self.records, self.engine.last_records(), stop)?,
            Ok(Err(error)) => self.note_lost_tail(stream, error.to_string()),
            Err(panic) => self.note_lost_tail(stream, panic_message(panic.as_ref())),
        }
        publish(&mut self.records, stream, &[], stop)?;
        self.inputs.retain(|input| input.stream != stream);
        Ok(())
    }

    fn note_lost_tail(&mut self, stream: u16, reason: String) {
        self.engine.forget(stream);
        // Nobody listening is no reason to stop parsing.
        let _ = self.notices.try_send(StageNotice::PaneFault {
            stream,
            dropped: 0,
            reason,
        });
        self.records.wake_consumer();
    }

    /// Steps until every pane has finished and no [`StageInputs`] handle is left, or
    /// `stop` is set, sleeping on the [`waker`](Self::waker) whenever there is nothing to
    /// parse (whoever sets `stop` must then notify it).
    pub fn run(&mut self, stop: &AtomicBool) -> Result<(), ParseError> {
        self.own_sender = None;
        // Relaxed: the flag only asks the loop to end; no data is handed over with it.
        while self.has_inputs() && !stop.load(Ordering::Relaxed) && !self.end_now {
            if self.step(stop)? == 0 {
                self.sleep_until_work(stop);
            }
        }
        Ok(())
    }

    /// Sleeps until an input ring has bytes or loses its producer, a pane joins or a fault
    /// is injected, the last handle leaves, or `stop` is set; returns at once when one of
    /// these already holds.
    fn sleep_until_work(&mut self, stop: &AtomicBool) {
        let key = self.waker.prepare_wait();
        self.take_control();
        // Relaxed: see `run`.
        let work = stop.load(Ordering::Relaxed)
            || self.end_now
            || self.panic_in_loop
            || !self.has_inputs()
            || self
                .inputs
                .iter()
                .any(|input| !input.consumer.is_empty() || !input.consumer.is_producer_connected());
        if work {
            self.waker.cancel_wait();
        } else {
            self.waker.wait(key);
        }
    }

    /// [`run`](Self::run), starting the loop again on a fresh backend whenever it panics
    /// (the rings and panes are kept; unfinished sequences are lost). Ends like `run`.
    pub fn run_supervised(&mut self, stop: &AtomicBool) -> Result<(), ParseError> {
        loop {
            match catch_unwind(AssertUnwindSafe(|| self.run(stop))) {
                Ok(result) => return result,
                Err(panic) => self.restart(panic_message(panic.as_ref())),
            }
        }
    }

    /// Replaces the engine by a fresh one of the same kind (cpu when that fails).
    fn restart(&mut self, reason: String) {
        let engine = AnyEngine::new(self.engine.kind()).or_else(|_| AnyEngine::new(BackendKind::Cpu));
        // The cpu engine cannot fail to start; should it anyway, the old one goes on.
        if let Ok(engine) = engine {
            self.engine = engine;
        }
        // Nobody listening is no reason to stop parsing.
        let _ = self.notices.try_send(StageNotice::Restarted {
            reason,
            backend: self.engine.backend_name(),
        });
        // No record may follow: the record consumer must look at the notice now.
        self.records.wake_consumer();
    }

    /// Runs the stage, supervised ([`run_supervised`](Self::run_supervised)), on its own
    /// thread (named `perdix-parse`) until every pane has finished or `stop` is set; the
    /// record ring's producer is dropped when it returns.
    pub fn spawn(mut self, stop: Arc<AtomicBool>) -> std::io::Result<JoinHandle<Result<(), ParseError>>> {
        std::thread::Builder::new()
            .name(STAGE_THREAD.into())
            .spawn(move || self.run_supervised(&stop))
    }
}

/// The name of the stage's thread.
pub const STAGE_THREAD: &str = "perdix-parse";

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
    let mut backoff = Backoff::with_timeout(Duration::MAX);
    publish_records(records, stream, message, |records| {
        if !records.is_consumer_connected() {
            return Err(ProduceError::Disconnected.into());
        }
        // Relaxed: see `run`.
        if stop.load(Ordering::Relaxed) {
            return Err(ProduceError::Timeout { needed: 0 }.into());
        }
        backoff.snooze();
        Ok(())
    })
}

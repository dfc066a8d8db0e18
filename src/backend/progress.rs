//! How far the parse stage has got with one pane: what latency from a PTY read to the
//! screen is measured against.

/// Marks a [`ProgressLog`] keeps before the stage skips some (later marks cover the
/// skipped ones, so skipping only delays what a reader learns).
pub const PROGRESS_LOG_CAPACITY: usize = 4096;

/// One batch's worth of a pane's progress: after its record messages are taken, the
/// records of the pane's first `bytes` input bytes are all applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressMark {
    /// Input bytes of the pane parsed up to and including the batch.
    pub bytes: u64,
    /// Record messages of the pane published up to and including the batch.
    pub messages: u64,
}

/// The marks of one pane, oldest first, pushed by the parse stage before the batch's
/// record messages (so a consumer that has taken them always finds the mark), read
/// lock-free by the record ring's consumer.
///
/// ```
/// use perdix::backend::ParseStage;
/// use perdix::parse::BackendKind;
/// use perdix::{AgentType, Buffer};
/// let (mut pane_tx, pane_rx) = Buffer::new(8).unwrap().split();
/// let (record_tx, mut records) = Buffer::new(perdix::backend::MIN_RECORD_SLOTS).unwrap().split();
/// let mut stage = ParseStage::new(BackendKind::Cpu, record_tx).unwrap();
/// let mut progress = stage.add_input_with_progress(0, pane_rx);
/// pane_tx.try_produce(b"hello", AgentType::Assistant).unwrap();
/// stage.step(&Default::default()).unwrap();
/// assert_eq!(progress.covered_by(0), None); // its record message is not taken yet
/// records.try_consume().unwrap();
/// assert_eq!(progress.covered_by(1), Some(5));
/// ```
pub struct ProgressLog(rtrb::Consumer<ProgressMark>);

/// The stage's end of a [`ProgressLog`].
pub(crate) struct ProgressWriter(rtrb::Producer<ProgressMark>);

/// A new log and its writer.
pub(crate) fn progress_log() -> (ProgressWriter, ProgressLog) {
    let (writer, log) = rtrb::RingBuffer::new(PROGRESS_LOG_CAPACITY);
    (ProgressWriter(writer), ProgressLog(log))
}

impl ProgressWriter {
    pub(crate) fn push(&mut self, mark: ProgressMark) {
        // A full log skips the mark: the next one covers it.
        let _ = self.0.push(mark);
    }
}

impl ProgressLog {
    /// Given that `messages` record messages of the pane have been taken (and applied),
    /// consumes the marks they cover and returns the input bytes the newest of those
    /// covers; `None` when no mark is newly covered.
    pub fn covered_by(&mut self, messages: u64) -> Option<u64> {
        let mut bytes = None;
        while let Ok(mark) = self.0.peek() {
            if mark.messages > messages {
                break;
            }
            bytes = Some(mark.bytes);
            // Just peeked, so there is a mark to pop.
            let _ = self.0.pop();
        }
        bytes
    }
}

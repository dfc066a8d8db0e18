//! What reaches a running stage from outside (panes joining, and faults injected by the
//! tests of its supervision) and what it reports back (failures it survived).

use super::super::progress::{progress_log, ProgressLog, ProgressWriter};
use crate::ring::{Consumer, NotifyOnDrop};
use std::sync::mpsc::{Receiver, Sender, SyncSender};

/// A pane joining a running stage: its stream, input ring and progress log.
pub(super) type Joining = (u16, Consumer<'static>, Option<ProgressWriter>);

/// A message to a running stage.
pub(super) enum Control {
    /// A pane joins.
    Join(Joining),
    /// A fault to act out, for the tests of the stage's supervision.
    Fault(InjectedFault),
}

/// A failure the stage acts out on purpose, so that its supervision can be tested: no
/// byte sequence can cause one.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedFault {
    /// The backend panics whenever it parses this stream's bytes, until the stage has
    /// isolated the stream (its bytes dropped, its state reset).
    PanicOnStream(u16),
    /// Something outside the backend panics once (the stage's own loop).
    PanicInLoop,
    /// The stage's thread ends at once, as if it had crashed, taking its rings with it.
    EndThread,
}

/// A failure the stage survived, for whoever shows the user what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageNotice {
    /// One pane's bytes could not be parsed: they were dropped, the pane's parser state
    /// was reset, and a line in the pane says so. The other panes carried on.
    PaneFault {
        /// The pane's stream.
        stream: u16,
        /// Input bytes dropped.
        dropped: usize,
        /// What went wrong.
        reason: String,
    },
    /// The stage failed outside any one pane and started again on a fresh backend; the
    /// panes' unfinished sequences were lost.
    Restarted {
        /// What went wrong.
        reason: String,
        /// The backend it runs on now.
        backend: &'static str,
    },
}

impl std::fmt::Display for StageNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StageNotice::PaneFault {
                stream,
                dropped,
                reason,
            } => write!(f, "stream {stream}: {dropped} bytes not parsed ({reason})"),
            StageNotice::Restarted { reason, backend } => {
                write!(f, "the parse stage restarted on {backend} ({reason})")
            }
        }
    }
}

/// Adds panes to a running [`ParseStage`](super::ParseStage). While a handle exists, the
/// stage keeps running even with no pane.
///
/// ```
/// use perdix::backend::{ParseStage, MIN_RECORD_SLOTS};
/// use perdix::parse::BackendKind;
/// use perdix::{AgentType, Buffer};
/// use std::sync::{atomic::AtomicBool, Arc};
/// let (records_tx, mut records) = Buffer::new(MIN_RECORD_SLOTS).unwrap().split();
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
pub struct StageInputs {
    pub(super) sender: Sender<Control>,
    /// The event count the stage sleeps on when it has nothing to do. The last handle
    /// gone may end the stage, which must not sleep through that: dropped after the
    /// sender (declared after it), it wakes a stage that then finds the channel closed.
    pub(super) waker: NotifyOnDrop,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Control::Join((stream, _, _)) => write!(f, "Join({stream})"),
            Control::Fault(fault) => write!(f, "Fault({fault:?})"),
        }
    }
}

impl StageInputs {
    /// Hands pane `stream`'s input ring to the stage. Fails (giving the ring back) when
    /// the stage has ended.
    pub fn add(&self, stream: u16, input: Consumer<'static>) -> Result<(), Consumer<'static>> {
        self.send(Control::Join((stream, input, None)))
    }

    /// [`add`](Self::add), also returning the log of the pane's progress through the stage.
    pub fn add_with_progress(
        &self,
        stream: u16,
        input: Consumer<'static>,
    ) -> Result<ProgressLog, Consumer<'static>> {
        let (writer, log) = progress_log();
        self.send(Control::Join((stream, input, Some(writer))))?;
        Ok(log)
    }

    /// Makes the stage act out `fault`, to test what supervises it. Returns false when
    /// the stage has ended.
    #[doc(hidden)]
    pub fn inject_fault(&self, fault: InjectedFault) -> bool {
        let sent = self.sender.send(Control::Fault(fault)).is_ok();
        self.waker.0.notify();
        sent
    }

    /// Sends `control` and wakes the stage; a join that cannot be sent gives its ring back.
    fn send(&self, control: Control) -> Result<(), Consumer<'static>> {
        let sent = self.sender.send(control).map_err(|error| give_back(error.0));
        self.waker.0.notify();
        sent
    }
}

/// The input ring of a join that could not be sent.
fn give_back(control: Control) -> Consumer<'static> {
    match control {
        Control::Join((_, input, _)) => input,
        Control::Fault(_) => unreachable!("only joins carry a ring"),
    }
}

/// Notices queued for a reader before newer ones are dropped: nobody may be reading.
const NOTICES_QUEUED: usize = 64;

/// Where the stage's notices go, and where they are read.
pub(super) fn notice_channel() -> (SyncSender<StageNotice>, Receiver<StageNotice>) {
    std::sync::mpsc::sync_channel(NOTICES_QUEUED)
}

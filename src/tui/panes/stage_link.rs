//! The panes' link to their parse stage: the stage's thread, the record ring it fills,
//! the handle through which panes join it, and its notices; and the restart of a stage
//! whose thread has ended although nobody asked it to.

use super::PaneSetError;
use crate::backend::{ParseStage, StageInputs, StageNotice, MIN_RECORD_SLOTS};
use crate::parse::{BackendKind, ParseError};
use crate::ring::{Buffer, Consumer, EventCount};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Slots of the record ring shared by all panes (about 480 KiB of records).
const RECORD_SLOTS: usize = 2048;
const _: () = assert!(RECORD_SLOTS >= MIN_RECORD_SLOTS);

/// A running stage and what the panes hold of it.
pub(super) struct StageLink {
    pub records: Consumer<'static>,
    pub inputs: StageInputs,
    pub notices: Receiver<StageNotice>,
    thread: Option<JoinHandle<Result<(), ParseError>>>,
    pub stop: Arc<AtomicBool>,
    /// What the stage sleeps on: notified after `stop` is set.
    stage_waker: Arc<EventCount>,
    /// The backend it runs on (resolved: never `auto`).
    pub kind: BackendKind,
    pub backend: &'static str,
}

impl StageLink {
    /// Starts a stage on `kind` with its own record ring, whose publishes wake `app`.
    pub fn start(kind: BackendKind, app: &Arc<EventCount>) -> Result<StageLink, PaneSetError> {
        let (records_tx, records) = Buffer::new(RECORD_SLOTS).map_err(ParseError::from)?.split();
        // A new ring always takes the event count.
        let _ = records.set_waker(Arc::clone(app));
        let mut stage = ParseStage::new(kind, records_tx)?;
        let backend = stage.backend_name();
        let kind = stage.backend_kind();
        let inputs = stage.inputs_handle();
        let notices = stage.notices().ok_or(PaneSetError::StageEnded)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stage_waker = stage.waker();
        let thread = stage.spawn(Arc::clone(&stop))?;
        Ok(StageLink {
            records,
            inputs,
            notices,
            thread: Some(thread),
            stop,
            stage_waker,
            kind,
            backend,
        })
    }

    /// Why the stage's thread has ended, once it has (and nobody asked it to stop).
    pub fn ended(&mut self) -> Option<String> {
        // Relaxed: the flag is only read here to tell a requested end from a failure.
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        // The record ring's producer leaves as the thread ends, and wakes the app as it
        // does: the thread may still be on its way out, and is then waited for.
        let ending = !self.records.is_producer_connected();
        if !ending && !self.thread.as_ref().is_some_and(JoinHandle::is_finished) {
            return None;
        }
        let thread = self.thread.take()?;
        Some(match thread.join() {
            Ok(Ok(())) => "its thread ended".into(),
            Ok(Err(error)) => error.to_string(),
            Err(panic) => match panic.downcast_ref::<&str>() {
                Some(text) => format!("it panicked: {text}"),
                None => "it panicked".into(),
            },
        })
    }

    /// Asks the stage to stop and waits for its thread.
    pub fn stop(&mut self) {
        // Relaxed: the flag only asks the stage to end; nothing is handed over with it.
        self.stop.store(true, Ordering::Relaxed);
        self.stage_waker.notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

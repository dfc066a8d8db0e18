//! Parsing a batch so that no pane can take the others down: a batch whose parse fails
//! (an error or a panic in the backend) is parsed again one pane at a time, and only the
//! pane whose bytes still fail loses them; its parser state is reset and a line in the
//! pane says what happened.

use super::control::StageNotice;
use crate::backend::AnyEngine;
use crate::parse::RecordBatch;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What the stage acts out on purpose in its tests (see
/// [`InjectedFault::PanicOnStream`](super::InjectedFault::PanicOnStream)).
#[derive(Debug, Default)]
pub(super) struct Armed {
    /// Streams whose parse panics until they are isolated.
    pub panic_on: Vec<u16>,
}

impl Armed {
    fn check(&self, batch: &[(u16, &[u8])]) {
        if let Some(stream) = batch
            .iter()
            .map(|&(stream, _)| stream)
            .find(|stream| self.panic_on.contains(stream))
        {
            panic!("injected fault while parsing stream {stream}");
        }
    }
}

/// How a batch went.
pub(super) enum BatchOutcome {
    /// It parsed whole: the records are the engine's
    /// [`last_records`](AnyEngine::last_records).
    Whole,
    /// It was parsed one pane at a time.
    Isolated {
        /// The records of every stream that parsed, and a fault line for each that did not.
        records: RecordBatch,
        /// Panes that lost their bytes, with what to tell whoever watches.
        faults: Vec<StageNotice>,
    },
}

/// Parses `batch` on `engine`; when that fails, parses each stream alone and isolates the
/// streams that still fail.
pub(super) fn parse_isolated(
    engine: &mut AnyEngine,
    batch: &[(u16, &[u8])],
    armed: &mut Armed,
) -> BatchOutcome {
    if attempt(engine, batch, armed, |_| {}).is_ok() {
        return BatchOutcome::Whole;
    }
    let mut records = RecordBatch::default();
    let mut faults = Vec::new();
    for &(stream, bytes) in batch {
        let one = [(stream, bytes)];
        let result = attempt(engine, &one, armed, |parsed| {
            for (stream, stream_records) in parsed.streams() {
                records.append_records(stream, stream_records);
            }
        });
        if let Err(reason) = result {
            engine.forget(stream);
            armed.panic_on.retain(|&armed| armed != stream);
            records.write(stream, |writer| {
                writer.notice(&format!("output lost here: {reason}"))
            });
            faults.push(StageNotice::PaneFault {
                stream,
                dropped: bytes.len(),
                reason,
            });
        }
    }
    BatchOutcome::Isolated { records, faults }
}

/// Runs one parse, turning a panic into an error; hands the records to `take` on success.
fn attempt(
    engine: &mut AnyEngine,
    batch: &[(u16, &[u8])],
    armed: &Armed,
    take: impl FnOnce(&RecordBatch),
) -> Result<(), String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        armed.check(batch);
        engine.parse(batch).map(take)
    }));
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(panic) => Err(panic_message(panic.as_ref())),
    }
}

/// The text a panic was raised with.
pub(super) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        format!("panic: {text}")
    } else if let Some(text) = payload.downcast_ref::<String>() {
        format!("panic: {text}")
    } else {
        "panic".into()
    }
}

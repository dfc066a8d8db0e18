//! Typed errors of the parse stage.

use super::record::RecordKind;
use crate::ring::{ProduceError, RingError};
use thiserror::Error;

/// Why records could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// A record's header or body runs past the end of the bytes.
    #[error("record truncated: {needed} bytes needed, {available} available")]
    Truncated {
        /// Bytes the record claims.
        needed: usize,
        /// Bytes there are.
        available: usize,
    },
    /// The kind byte names no record kind.
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    /// The body does not have the shape its kind requires.
    #[error("malformed {kind:?} record: {what}")]
    Malformed {
        /// The record's kind.
        kind: RecordKind,
        /// What is wrong.
        what: &'static str,
    },
}

/// Why the parse stage failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// The backend is not built into this binary or has no device here.
    #[error("backend {name} is not available: {reason}")]
    BackendUnavailable {
        /// The backend asked for.
        name: &'static str,
        /// Why it cannot run.
        reason: &'static str,
    },
    /// The backend's device failed while parsing.
    #[error("backend {name} failed: {message}")]
    Device {
        /// The backend.
        name: &'static str,
        /// What the device reported.
        message: String,
    },
    /// A backend name that does not exist.
    #[error("unknown backend {0:?} (expected cpu, cpu-scan, wgpu, cuda or auto)")]
    UnknownBackend(String),
    /// The same stream appeared twice in one batch.
    #[error("stream {0} appears twice in one batch")]
    DuplicateStream(u16),
    /// A record ring too small for the longest record.
    #[error("a record ring of {slots} slots cannot hold the longest record; it needs {needed}")]
    RecordRingTooSmall {
        /// Slots of the ring.
        slots: usize,
        /// Slots it needs at least.
        needed: usize,
    },
    /// A ring could not be created.
    #[error("ring: {0}")]
    Ring(#[from] RingError),
    /// A ring refused a message.
    #[error("ring: {0}")]
    Produce(#[from] ProduceError),
    /// Records read back from the record ring did not decode.
    #[error("records: {0}")]
    Decode(#[from] DecodeError),
}

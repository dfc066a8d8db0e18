//! Span records and the parse engine.
//!
//! Bytes from many streams (panes) are parsed in batches by a [`Backend`] into span
//! records (see [`record`] for the byte layout) that say exactly what `vte` 0.15's
//! `Perform` calls would be. The records are:
//!
//! 1. lossless: decoding them gives `vte`'s calls on the same bytes (prints and puts may
//!    be coalesced);
//! 2. chunking-invariant: any split of a stream into batches gives the same calls, because
//!    each stream's unfinished state is carried into its next batch;
//! 3. backend-invariant: `cpu` (the `vte` crate, with long runs of valid text in ground
//!    written directly), `cpu-scan` (the GPU algorithm on the CPU, driven by the state
//!    [`table`]) and `wgpu` (the same algorithm as WGSL compute shaders, in
//!    [`crate::backend`]) give the same calls, checked against `vte` through the canonical
//!    [`dump`].
//!
//! One deliberate bound: an OSC string keeps at most [`OSC_PAYLOAD_CAP`] payload bytes,
//! like `vte`'s fixed-buffer (`no_std`) build, where `vte` with `std` would grow without
//! limit.
//!
//! ```
//! use perdix::parse::{decode_records, ActionDump, Backend, CpuBackend, Engine, ScanBackend};
//! fn dump(backend: impl Backend, input: &[u8]) -> String {
//!     let mut engine = Engine::new(backend);
//!     let mut dump = ActionDump::new();
//!     for (_, records) in engine.parse(&[(7, input)]).unwrap().streams() {
//!         for action in decode_records(records) {
//!             dump.push(&action.unwrap());
//!         }
//!     }
//!     dump.take()
//! }
//! let input = "\x1b]0;title\x07caf\u{e9}\r\n".as_bytes();
//! let expected = "osc 1 [\"30\",\"7469746c65\"]\nprint \"café\"\nexecute 0d\nexecute 0a\n";
//! assert_eq!(dump(CpuBackend::default(), input), expected);
//! assert_eq!(dump(ScanBackend::default(), input), expected);
//! ```

mod backend;
mod cpu;
pub mod dump;
mod engine;
mod error;
pub mod record;
mod reencode;
pub mod scan;
pub(crate) mod sequence;
pub mod table;
pub(crate) mod utf8;

pub use backend::{Backend, BackendKind, RecordBatch, StreamWork};
pub use cpu::{CpuBackend, CpuStreamState};
pub use dump::{ActionDump, MAX_RUN_BYTES};
pub use engine::Engine;
pub use error::{DecodeError, ParseError};
pub use record::{
    decode_one, decode_records, DecodedAction, OscParams, RecordKind, RecordWriter, MAX_RECORD_LEN,
};
pub use reencode::ByteEncoder;
pub use scan::{ScanBackend, ScanStreamState};
pub use sequence::{Intermediates, Params};
pub use table::{
    apply_function, compose, transition, transition_functions, Action, State, Transition, TABLE,
};

/// Most parameters plus subparameters a CSI or DCS sequence keeps (`vte`'s limit).
pub const MAX_PARAMS: usize = 32;
/// Most intermediate bytes a sequence keeps; more set the `ignore` flag.
pub const MAX_INTERMEDIATES: usize = 2;
/// Most OSC parameters kept; later ones are dropped.
pub const MAX_OSC_PARAMS: usize = 16;
/// Most OSC payload bytes kept (parameters without their `;` separators); later bytes
/// of the same string are dropped. Fits a record's 16-bit length with its header.
pub const OSC_PAYLOAD_CAP: usize = 60 * 1024;

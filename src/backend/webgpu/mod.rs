//! The `wgpu` backend: the parse as WGSL compute shaders (`shaders/*.wgsl`) on any WebGPU
//! adapter (Vulkan, Metal, DX12; Mesa's lavapipe in tests).
//!
//! Everything from bytes to records runs on the device, in one submission for the whole
//! batch (batches over [`SUBMISSION_BYTES`] are cut into several, a stream's carried state
//! passing from one to the next):
//!
//! 1. each 64-byte block of a stream gets its transition function (the 14-nibble
//!    `vec2<u32>` form; after a block's last ESC, CAN or SUB it is constant) and its last
//!    ESC; a multi-level workgroup scan composes them into every block's start state (a
//!    stream's first block starts from its carried state) and the last ESC before it;
//! 2. every block walks its bytes through the table and sizes the records they make; a
//!    scan of the sizes gives each block its offset in the output;
//! 3. every block walks again and writes its records there: ground text decoded as UTF-8
//!    (a character is decoded by the block its first byte is in, the partial character
//!    carried from the last batch in front of the stream's bytes), executes, DCS data,
//!    and for each dispatch the parameters, intermediates or OSC payload folded from the
//!    sequence's ESC (or from the carried state when the sequence began in an earlier
//!    batch). A stream's last block then writes the state it carries on.
//!
//! The host packs the streams and their carried state, reads back each stream's word
//! ranges, then exactly the words written (a second, small submission), checks that they
//! are whole records and hands them on. The state table reaches the device as data: the
//! packed table and transition functions from [`crate::parse::table`] are uploaded once,
//! and the constants the WGSL needs (states, actions, record kinds, limits, the carried
//! state's layout) are generated from the same Rust items at start-up ([`shader_source`]).
//!
//! ```no_run
//! use perdix::backend::webgpu::WgpuBackend;
//! use perdix::parse::{Backend, RecordBatch, StreamWork};
//! let mut backend = WgpuBackend::new()?; // an error, not a panic, without an adapter
//! let mut batch = [StreamWork { stream: 3, bytes: b"\x1b[1mhi", state: Default::default() }];
//! let mut records = RecordBatch::default();
//! backend.parse_batch(&mut batch, &mut records)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod device;
mod device_timer;
mod shader_source;
mod submission;

pub use device::{probe, AdapterSummary, GpuContext};
pub use device_timer::DeviceTimings;
pub use shader_source::{machine_words, shader_source, BLOCK_BYTES, WORKGROUP};
pub use submission::StageTimings;

use super::device_batch::{parse_in_pieces, Piece};
use super::device_output::{DeviceOutputError, DeviceStreamState};
use crate::parse::{Backend, ParseError, RecordBatch, StreamWork};
use std::time::Instant;
use submission::Submitter;
use thiserror::Error;

/// Most stream bytes (with carried OSC payload) one submission takes; a larger batch
/// becomes several submissions. Keeps every buffer within WebGPU's default binding limit
/// of 128 MiB (records take up to eight bytes per input byte in the bound the buffers
/// are sized by).
pub const SUBMISSION_BYTES: usize = 8 << 20;

/// Why the wgpu backend cannot run or failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WgpuError {
    /// No adapter: no Vulkan/Metal/DX12 driver, or none that wgpu accepts.
    #[error("no wgpu adapter: {0}")]
    NoAdapter(String),
    /// The adapter refused to open a device.
    #[error("wgpu device: {0}")]
    Device(String),
    /// The shaders did not compile on this adapter.
    #[error("wgpu shaders: {0}")]
    Shader(String),
    /// A submission failed validation or ran out of memory.
    #[error("wgpu submission: {0}")]
    Submission(String),
    /// The results could not be mapped.
    #[error("wgpu readback: {0}")]
    Map(String),
}

/// What the wgpu backend carries per stream: the parser state and the words its last
/// submission wrote after the stream's records.
pub type WgpuStreamState = DeviceStreamState;

impl From<DeviceOutputError> for WgpuError {
    fn from(error: DeviceOutputError) -> WgpuError {
        WgpuError::Submission(error.to_string())
    }
}

impl From<WgpuError> for ParseError {
    fn from(error: WgpuError) -> ParseError {
        ParseError::Device {
            name: "wgpu",
            message: error.to_string(),
        }
    }
}

/// The wgpu backend; see the [module docs](self) for what runs on the device.
pub struct WgpuBackend {
    submitter: Submitter,
    pieces: Vec<Piece>,
    submission_bytes: usize,
}

impl WgpuBackend {
    /// A backend on the process's shared device, opened on first use; an error when
    /// there is no adapter.
    pub fn new() -> Result<WgpuBackend, WgpuError> {
        Ok(WgpuBackend {
            submitter: Submitter::new(GpuContext::shared()?),
            pieces: Vec::new(),
            submission_bytes: SUBMISSION_BYTES,
        })
    }

    /// The adapter the backend runs on.
    pub fn adapter(&self) -> &AdapterSummary {
        self.submitter.context.adapter()
    }

    /// Caps the stream bytes of one submission (at most [`SUBMISSION_BYTES`]); tests use a
    /// small cap to cut batches into several submissions.
    pub fn with_submission_bytes(mut self, bytes: usize) -> WgpuBackend {
        self.submission_bytes = bytes.clamp(1, SUBMISSION_BYTES);
        self
    }

    /// The time spent since the last call, by stage, and resets it.
    pub fn take_timings(&mut self) -> StageTimings {
        std::mem::take(&mut self.submitter.timings)
    }
}

impl Backend for WgpuBackend {
    type StreamState = WgpuStreamState;

    fn name(&self) -> &'static str {
        "wgpu"
    }

    fn parse_batch(
        &mut self,
        batch: &mut [StreamWork<'_, WgpuStreamState>],
        out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        // Unpack is the host's time besides the submissions' own: cutting the batch,
        // checking the records and handing them on.
        let started = Instant::now();
        let before = self.submitter.timings;
        let result = parse_in_pieces(
            &mut self.submitter,
            &mut self.pieces,
            self.submission_bytes,
            batch,
            out,
        );
        let timings = &mut self.submitter.timings;
        let submitting = (timings.upload + timings.compute + timings.readback)
            .saturating_sub(before.upload + before.compute + before.readback);
        timings.unpack += started.elapsed().saturating_sub(submitting);
        result?;
        Ok(())
    }

    fn finish_stream(
        &mut self,
        _stream: u16,
        _state: &mut WgpuStreamState,
        _out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        // Nothing is held back: a partial character at the very end prints nothing, as in vte.
        Ok(())
    }
}

#[cfg(test)]
mod tests;

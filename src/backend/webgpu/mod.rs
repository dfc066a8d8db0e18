//! The `wgpu` backend: the parse as WGSL compute shaders (`shaders/*.wgsl`) on any WebGPU
//! adapter (Vulkan, Metal, DX12; Mesa's lavapipe in tests).
//!
//! What runs where, per batch:
//!
//! - **GPU**, in one submission for the whole batch (batches over
//!   [`SUBMISSION_BYTES`] are cut into several, a stream's carried state passing from one
//!   to the next): each 64-byte block of a stream gets its transition function (the
//!   14-nibble `vec2<u32>` form; after a block's last ESC, CAN or SUB it is constant), a
//!   multi-level workgroup scan composes them into every block's start state (a stream's
//!   first block starts from its carried state), every byte's next state and action come
//!   from the table, and the actions are compacted into events (runs of text, put, OSC
//!   and ignored bytes collapse into one) at offsets from a prefix sum of per-block event
//!   counts. The events and each stream's end state come back through mappable buffers.
//! - **CPU**: the records are built from the events by the same emitter the `cpu-scan`
//!   backend uses: parameter and intermediate collection, OSC strings, UTF-8 decoding of
//!   ground runs (with the partial character carried across batches), record layout.
//!
//! The state table reaches the device as data: the packed table and transition functions
//! from [`crate::parse::table`] are uploaded once, and the few constants the WGSL needs are
//! generated from the same Rust items at start-up ([`shader_source`]).
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

use crate::parse::scan::emit::Event;
use crate::parse::table::State;
use crate::parse::{Action, Backend, ParseError, RecordBatch, ScanStreamState, StreamWork};
use std::sync::Arc;
use std::time::Instant;
use submission::{Piece, Submitter};
use thiserror::Error;

/// Most stream bytes one submission takes; a larger batch becomes several submissions.
/// Keeps every buffer within WebGPU's default binding limit (events take four bytes per
/// input byte in the worst case).
pub const SUBMISSION_BYTES: usize = 16 << 20;

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

impl From<WgpuError> for ParseError {
    fn from(error: WgpuError) -> ParseError {
        ParseError::Device {
            name: "wgpu",
            message: error.to_string(),
        }
    }
}

/// What the wgpu backend carries per stream: the same as the `cpu-scan` backend, the
/// parser state (the next submission's start state) and what the CPU emitter holds.
pub type WgpuStreamState = ScanStreamState;

/// The wgpu backend; see the [module docs](self) for what runs on the device.
pub struct WgpuBackend {
    context: Arc<GpuContext>,
    submitter: Submitter,
    pieces: Vec<Piece>,
    events: Vec<Event>,
    timings: StageTimings,
    submission_bytes: usize,
}

impl WgpuBackend {
    /// A backend on the process's shared device, opened on first use; an error when
    /// there is no adapter.
    pub fn new() -> Result<WgpuBackend, WgpuError> {
        Ok(WgpuBackend {
            context: GpuContext::shared()?,
            submitter: Submitter::new(),
            pieces: Vec::new(),
            events: Vec::new(),
            timings: StageTimings::default(),
            submission_bytes: SUBMISSION_BYTES,
        })
    }

    /// The adapter the backend runs on.
    pub fn adapter(&self) -> &AdapterSummary {
        self.context.adapter()
    }

    /// Caps the stream bytes of one submission (at most [`SUBMISSION_BYTES`]); tests use a
    /// small cap to cut batches into several submissions.
    pub fn with_submission_bytes(mut self, bytes: usize) -> WgpuBackend {
        self.submission_bytes = bytes.clamp(1, SUBMISSION_BYTES);
        self
    }

    /// The time spent since the last call, by stage, and resets it.
    pub fn take_timings(&mut self) -> StageTimings {
        std::mem::take(&mut self.timings)
    }

    /// Runs the collected pieces as one submission and emits their records.
    fn submit(
        &mut self,
        batch: &mut [StreamWork<'_, WgpuStreamState>],
        out: &mut RecordBatch,
    ) -> Result<(), WgpuError> {
        if self.pieces.is_empty() {
            return Ok(());
        }
        let results = {
            let bytes: Vec<&[u8]> = batch.iter().map(|work| work.bytes).collect();
            self.submitter
                .run(&self.context, &self.pieces, &bytes, &mut self.timings)?
        };
        let started = Instant::now();
        for (piece, result) in self.pieces.iter().zip(results) {
            let work = &mut batch[piece.work];
            let bytes = &work.bytes[piece.start..piece.end];
            collect_events(
                &self.submitter.events[result.events],
                bytes.len(),
                &mut self.events,
            )?;
            let end = State::from_index(result.end_state as u8);
            work.state.emit(work.stream, bytes, &self.events, end, out);
        }
        self.pieces.clear();
        self.timings.emit += started.elapsed();
        Ok(())
    }
}

/// Turns the device's covering `action << 16 | length` words into the emitter's events,
/// dropping ignored bytes and joining runs the block boundaries cut.
fn collect_events(words: &[u32], len: usize, events: &mut Vec<Event>) -> Result<(), WgpuError> {
    events.clear();
    let mut at = 0u32;
    for &word in words {
        let code = (word >> 16) as usize;
        let run = word & 0xffff;
        let action = *Action::ALL
            .get(code)
            .ok_or_else(|| WgpuError::Submission(format!("the device wrote action {code}")))?;
        let (start, end) = (at, at + run);
        at = end;
        if action == Action::Ignore {
            continue;
        }
        if let Some(last) = events.last_mut() {
            let joins = matches!(action, Action::Ground | Action::Put | Action::OscPut);
            if joins && last.action == action && last.end == start {
                last.end = end;
                continue;
            }
        }
        events.push(Event { action, start, end });
    }
    if at as usize != len {
        return Err(WgpuError::Submission(format!(
            "the device's events cover {at} bytes of {len}"
        )));
    }
    Ok(())
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
        self.pieces.clear();
        let mut room = self.submission_bytes;
        for index in 0..batch.len() {
            let len = batch[index].bytes.len();
            let mut start = 0;
            while start < len {
                if room == 0 {
                    // The pieces so far fill a submission; their end states become the
                    // start states of what follows.
                    self.submit(batch, out)?;
                    room = self.submission_bytes;
                }
                let end = len.min(start + room);
                self.pieces.push(Piece {
                    work: index,
                    start,
                    end,
                    start_state: batch[index].state.state() as u32,
                });
                room -= end - start;
                start = end;
            }
        }
        self.submit(batch, out)?;
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

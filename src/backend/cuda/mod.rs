//! The `cuda` backend: the parse as CUDA C kernels (`kernels/*.cu`), compiled at run time
//! by NVRTC for the device's compute capability, with the PTX cached on disk.
//!
//! The algorithm is the one the wgpu backend had before it built records on the device:
//! per batch, each 64-byte block of a stream gets its
//! transition function (14 nibbles in a `u64`; constant after the block's last ESC, CAN or
//! SUB), block-wide scans (warp shuffles, then one warp over the warp totals) and a pass
//! per level compose them into every block's start state, every byte's action comes from
//! the table, and the actions are compacted into `action << 16 | length` events at offsets
//! from a prefix sum of per-block counts. The records are built on the host from those
//! events by the same emitter the `cpu-scan` backend uses (porting the wgpu backend's
//! record-building passes, `shaders/records.wgsl`, is the next step).
//!
//! The state table reaches the device as data (the packed table and the transition
//! functions of [`crate::parse::table`]), and the few constants the kernels need are
//! generated from the same Rust items at start-up ([`get_kernel_source`]).
//!
//! Nothing here may panic on a machine without CUDA: [`probe`] checks that libcuda loads,
//! that a device exists and that libnvrtc loads before anything else touches the driver.
//!
//! [`GpuProducer`] goes one step further: the records go into a ring in device-mapped
//! pinned memory ([`MappedPinnedProvider`]), written by the `publish_records` kernel.
//!
//! ```no_run
//! use perdix::backend::cuda::CudaBackend;
//! use perdix::parse::{Backend, RecordBatch, StreamWork};
//! let mut backend = CudaBackend::new()?; // an error, not a panic, without a device
//! let mut batch = [StreamWork { stream: 3, bytes: b"\x1b[1mhi", state: Default::default() }];
//! let mut records = RecordBatch::default();
//! backend.parse_batch(&mut batch, &mut records)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compiler;
mod device;
mod error;
mod kernel_source;
mod launch;
mod mapped_memory;
mod probe;
mod producer;
mod ptx_cache;
mod slot_images;

pub use compiler::{CompiledPtx, CudaKernelModule, CudaRuntimeCompiler};
pub use device::CudaDevice;
pub use error::CudaError;
pub use kernel_source::{get_kernel_source, CudaKernel, KernelSource, BLOCK_BYTES, BLOCK_THREADS};
pub use mapped_memory::{MappedPinnedMemory, MappedPinnedProvider};
pub use probe::{driver_present, nvrtc_present, probe, CudaDeviceSummary, OLDEST_COMPUTE_CAPABILITY};
pub use producer::{GpuProducer, PublishStats, StreamContext};
pub use ptx_cache::{CachedPtx, PtxCache};

use crate::parse::scan::emit::Event;
use crate::parse::table::State;
use crate::parse::{Action, Backend, ParseError, RecordBatch, ScanStreamState, StreamWork};
use launch::{ParseLauncher, Piece};

/// Most stream bytes one launch sequence takes; a larger batch becomes several, a
/// stream's carried state passing from one to the next. Keeps 32-bit offsets far from
/// overflow and the event buffer (four bytes per input byte) bounded.
pub const LAUNCH_BYTES: usize = 64 << 20;

/// What the cuda backend carries per stream: the same as the `cpu-scan` backend.
pub type CudaStreamState = ScanStreamState;

/// The cuda backend; see the [module docs](self).
pub struct CudaBackend {
    launcher: ParseLauncher,
    pieces: Vec<Piece>,
    events: Vec<Event>,
    launch_bytes: usize,
}

impl CudaBackend {
    /// A backend on the process's device, opened on first use; an error when there is
    /// no driver, device or NVRTC, or the kernels do not build.
    pub fn new() -> Result<CudaBackend, CudaError> {
        Ok(CudaBackend {
            launcher: ParseLauncher::new(CudaDevice::shared()?)?,
            pieces: Vec::new(),
            events: Vec::new(),
            launch_bytes: LAUNCH_BYTES,
        })
    }

    /// Caps the stream bytes of one launch sequence (at most [`LAUNCH_BYTES`]); tests use
    /// a small cap to cut batches into several.
    pub fn with_launch_bytes(mut self, bytes: usize) -> CudaBackend {
        self.launch_bytes = bytes.clamp(1, LAUNCH_BYTES);
        self
    }

    /// Runs the collected pieces and emits their records.
    fn submit(
        &mut self,
        batch: &mut [StreamWork<'_, CudaStreamState>],
        out: &mut RecordBatch,
    ) -> Result<(), CudaError> {
        if self.pieces.is_empty() {
            return Ok(());
        }
        let results = {
            let bytes: Vec<&[u8]> = batch.iter().map(|work| work.bytes).collect();
            self.launcher.run(&self.pieces, &bytes)?
        };
        for (piece, result) in self.pieces.iter().zip(results) {
            let work = &mut batch[piece.work];
            let bytes = &work.bytes[piece.start..piece.end];
            let words = self
                .launcher
                .events
                .get(result.events.clone())
                .ok_or_else(|| CudaError::Results(format!("event range {:?}", result.events)))?;
            collect_events(words, bytes.len(), &mut self.events)?;
            if result.end_state as usize >= State::ALL.len() {
                return Err(CudaError::Results(format!("end state {}", result.end_state)));
            }
            let end = State::from_index(result.end_state as u8);
            work.state.emit(work.stream, bytes, &self.events, end, out);
        }
        self.pieces.clear();
        Ok(())
    }
}

/// Turns the device's covering `action << 16 | length` words into the emitter's events,
/// dropping ignored bytes and joining runs the block boundaries cut.
fn collect_events(words: &[u32], len: usize, events: &mut Vec<Event>) -> Result<(), CudaError> {
    events.clear();
    let mut at = 0u32;
    for &word in words {
        let code = (word >> 16) as usize;
        let run = word & 0xffff;
        let action = *Action::ALL
            .get(code)
            .ok_or_else(|| CudaError::Results(format!("the device wrote action {code}")))?;
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
        return Err(CudaError::Results(format!(
            "the device's events cover {at} bytes of {len}"
        )));
    }
    Ok(())
}

impl Backend for CudaBackend {
    type StreamState = CudaStreamState;

    fn name(&self) -> &'static str {
        "cuda"
    }

    fn parse_batch(
        &mut self,
        batch: &mut [StreamWork<'_, CudaStreamState>],
        out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        self.pieces.clear();
        let mut room = self.launch_bytes;
        for index in 0..batch.len() {
            let len = batch[index].bytes.len();
            let mut start = 0;
            while start < len {
                if room == 0 {
                    // The pieces so far fill a launch; their end states become the start
                    // states of what follows.
                    self.submit(batch, out)?;
                    room = self.launch_bytes;
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
        _state: &mut CudaStreamState,
        _out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        // Nothing is held back: a partial character at the very end prints nothing, as in vte.
        Ok(())
    }
}

#[cfg(test)]
mod tests;

//! The `cuda` backend: the parse as CUDA C kernels (`kernels/*.cu`), compiled at run time
//! by NVRTC for the device's compute capability, with the PTX cached on disk.
//!
//! The kernels are a port of the wgpu backend's passes (`shaders/`), and like them build
//! the records on the device, for the whole batch at once (batches over [`LAUNCH_BYTES`]
//! become several launch sequences, a stream's carried state passing from one to the
//! next):
//!
//! 1. each 64-byte block of a stream gets its transition function (14 nibbles in a `u64`;
//!    constant after the block's last ESC, CAN or SUB) and one past its last ESC;
//!    block-wide scans (warp shuffles, then one warp over the warp totals) and a pass per
//!    level compose them into every block's start state and the last ESC before it;
//! 2. every block walks its bytes through the table and sizes the records they make; the
//!    same scans of the sizes give each block its offset in the output;
//! 3. every block walks again and writes its records there (UTF-8 text, executes, DCS
//!    data, and each dispatch's parameters, intermediates or OSC payload folded from the
//!    sequence's ESC or from the carried state); a stream's last block then writes the
//!    state the stream carries on ([`DeviceStreamState`], as in the wgpu backend).
//!
//! The host packs the streams with their carried words, reads back each stream's word
//! ranges, then exactly the words written, checks that they are whole records and hands
//! them on. The walk (`kernels/machine.cu`, `kernels/records.cu`) is `__host__ __device__`
//! code over plain pointers: besides compiling it with NVRTC for sm_90 and sm_75
//! (`tests/cuda_kernels.rs`), a test compiles it as host C++ and runs the three passes on
//! the CPU against the `cpu-scan` backend (`host_emulation`). The kernels have not yet run
//! on a GPU, the only place the warp-shuffle scans and the device's memory model can be
//! checked.
//!
//! The state table reaches the device as data (the packed table and the transition
//! functions of [`crate::parse::table`]), and the few constants the kernels need are
//! generated from the same Rust items at start-up ([`get_kernel_source`]).
//!
//! Nothing here may panic on a machine without CUDA: [`probe`] checks that libcuda loads,
//! that a device exists and that libnvrtc loads before anything else touches the driver.
//!
//! [`GpuProducer`] goes one step further: the records go into a ring in device-mapped
//! pinned memory ([`MappedPinnedProvider`]), written by the `publish_records` kernel (the
//! slot images are laid out on the host from the records that came back).
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
#[cfg(test)]
mod host_emulation;
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
pub use kernel_source::{
    get_kernel_source, record_walk_source, CudaKernel, KernelSource, BLOCK_BYTES, BLOCK_THREADS,
};
pub use mapped_memory::{MappedPinnedMemory, MappedPinnedProvider};
pub use probe::{driver_present, nvrtc_present, probe, CudaDeviceSummary, OLDEST_COMPUTE_CAPABILITY};
pub use producer::{GpuProducer, PublishStats, StreamContext};
pub use ptx_cache::{CachedPtx, PtxCache};

use crate::backend::device_batch::{parse_in_pieces, Piece};
use crate::backend::{DeviceOutputError, DeviceStreamState};
use crate::parse::{Backend, ParseError, RecordBatch, StreamWork};
use launch::ParseLauncher;

/// Most stream bytes (with carried OSC payload) one launch sequence takes; a larger batch
/// becomes several, a stream's carried state passing from one to the next. Keeps 32-bit
/// word offsets far from overflow and the record buffer (sized by
/// [`record_bound`](crate::backend::record_bound), eight bytes per input byte) bounded.
pub const LAUNCH_BYTES: usize = 64 << 20;

/// What the cuda backend carries per stream: the parser state and the words its last
/// launch wrote after the stream's records.
pub type CudaStreamState = DeviceStreamState;

/// The cuda backend; see the [module docs](self).
pub struct CudaBackend {
    launcher: ParseLauncher,
    pieces: Vec<Piece>,
    launch_bytes: usize,
}

impl CudaBackend {
    /// A backend on the process's device, opened on first use; an error when there is
    /// no driver, device or NVRTC, or the kernels do not build.
    pub fn new() -> Result<CudaBackend, CudaError> {
        Ok(CudaBackend {
            launcher: ParseLauncher::new(CudaDevice::shared()?)?,
            pieces: Vec::new(),
            launch_bytes: LAUNCH_BYTES,
        })
    }

    /// Caps the stream bytes of one launch sequence (at most [`LAUNCH_BYTES`]); tests use
    /// a small cap to cut batches into several.
    pub fn with_launch_bytes(mut self, bytes: usize) -> CudaBackend {
        self.launch_bytes = bytes.clamp(1, LAUNCH_BYTES);
        self
    }
}

impl From<DeviceOutputError> for CudaError {
    fn from(error: DeviceOutputError) -> CudaError {
        CudaError::Results(error.to_string())
    }
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
        parse_in_pieces(
            &mut self.launcher,
            &mut self.pieces,
            self.launch_bytes,
            batch,
            out,
        )?;
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

//! Ring memory the device writes straight into: page-locked host memory from
//! `cuMemHostAlloc` with `CU_MEMHOSTALLOC_DEVICEMAP`, addressed on the device through
//! `cuMemHostGetDevicePointer`.
//!
//! Not write-combined (the default of cudarc's pinned allocations): the CPU consumer
//! reads every slot, and write-combined memory is uncached for the CPU. Not managed
//! memory either: pages migrating on each access would defeat the point.

use super::error::CudaError;
use crate::ring::{MemoryProvider, RingError, RingMemory, RING_ALIGN};
use cudarc::driver::{result, sys, CudaContext};
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::Arc;

/// Allocates ring memory mapped into a device's address space.
///
/// ```no_run
/// use perdix::backend::cuda::MappedPinnedProvider;
/// use perdix::ring::Buffer;
/// let provider = MappedPinnedProvider::new(0)?; // an error without a device
/// let ring = Buffer::with_provider(1024, &provider)?;
/// assert!(ring.device_ptr().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct MappedPinnedProvider {
    context: Arc<CudaContext>,
}

impl MappedPinnedProvider {
    /// A provider on device `ordinal` (after the probe: never a panic).
    pub fn new(ordinal: usize) -> Result<MappedPinnedProvider, CudaError> {
        super::probe()?;
        let context = CudaContext::new(ordinal).map_err(CudaError::driver)?;
        Ok(MappedPinnedProvider { context })
    }

    /// A provider on an existing context.
    pub fn on_context(context: Arc<CudaContext>) -> MappedPinnedProvider {
        MappedPinnedProvider { context }
    }
}

/// A block from [`MappedPinnedProvider`], freed with `cuMemFreeHost` on drop.
pub struct MappedPinnedMemory {
    host: NonNull<u8>,
    device: u64,
    len: usize,
    context: Arc<CudaContext>,
}

// SAFETY: the block is page-locked host memory owned by this value; all shared access
// goes through the ring's protocol (atomics on the host, fenced stores on the device).
unsafe impl Send for MappedPinnedMemory {}
// SAFETY: as above; `&MappedPinnedMemory` only hands out the addresses.
unsafe impl Sync for MappedPinnedMemory {}

impl MemoryProvider for MappedPinnedProvider {
    type Memory = MappedPinnedMemory;

    fn allocate(&self, bytes: usize) -> Result<MappedPinnedMemory, RingError> {
        if bytes == 0 {
            return Err(RingError::BadMemory {
                provider: "cuda-mapped",
                reason: "zero-length block requested",
            });
        }
        let out_of_memory = RingError::OutOfMemory {
            bytes,
            provider: "cuda-mapped",
        };
        self.context.bind_to_thread().map_err(|_| out_of_memory.clone())?;
        // SAFETY: a plain allocation call; the contents are not read before the ring
        // initialises them.
        let raw = unsafe { result::malloc_host(bytes, sys::CU_MEMHOSTALLOC_DEVICEMAP) }
            .map_err(|_| out_of_memory.clone())?;
        let host = NonNull::new(raw.cast::<u8>()).ok_or(out_of_memory)?;
        let free = |reason| {
            // SAFETY: `raw` came from `cuMemHostAlloc` just above and is not used again.
            let _ = unsafe { result::free_host(raw) };
            RingError::BadMemory {
                provider: "cuda-mapped",
                reason,
            }
        };
        // Pinned allocations are page aligned; check rather than assume.
        if !(host.as_ptr() as usize).is_multiple_of(RING_ALIGN) {
            return Err(free("cuMemHostAlloc returned a block not aligned for slots"));
        }
        let mut device: sys::CUdeviceptr = 0;
        // SAFETY: `raw` is a DEVICEMAP allocation of this context; `device` is a live local.
        let mapped = unsafe { sys::cuMemHostGetDevicePointer_v2(&mut device, raw, 0) };
        if mapped != sys::cudaError_enum::CUDA_SUCCESS {
            return Err(free("cuMemHostGetDevicePointer failed"));
        }
        Ok(MappedPinnedMemory {
            host,
            device,
            len: bytes,
            context: Arc::clone(&self.context),
        })
    }
}

// SAFETY: `cuMemHostAlloc` returned `len` bytes, checked aligned to RING_ALIGN, that stay
// put until this value frees them.
unsafe impl RingMemory for MappedPinnedMemory {
    fn as_ptr(&self) -> NonNull<u8> {
        self.host
    }

    fn len(&self) -> usize {
        self.len
    }

    fn device_ptr(&self) -> Option<u64> {
        Some(self.device)
    }

    fn provider_name(&self) -> &'static str {
        "cuda-mapped"
    }
}

impl Drop for MappedPinnedMemory {
    fn drop(&mut self) {
        let _ = self.context.bind_to_thread();
        // SAFETY: the pointer came from `cuMemHostAlloc` and is freed only here.
        let _ = unsafe { result::free_host(self.host.as_ptr().cast::<c_void>()) };
    }
}

//! Where ring memory comes from. The ring asks a [`MemoryProvider`] for one block holding
//! the header and every slot; today that is the aligned heap, and device-mapped pinned
//! memory plugs in through the same trait without changing the ring API.

use super::error::RingError;
use std::alloc::{self, Layout};
use std::ptr::NonNull;

/// Alignment of every ring block: a slot is 64-byte aligned, and the block start is
/// aligned to a full slot so no slot straddles a page boundary of a mapped allocation.
pub const RING_ALIGN: usize = 256;

/// A block of memory a ring lives in.
///
/// # Safety
/// Implementors guarantee that [`as_ptr`](RingMemory::as_ptr) is aligned to
/// [`RING_ALIGN`], valid for reads and writes of [`len`](RingMemory::len) bytes, stable
/// for the whole life of the value, and not accessed by anything other than the ring that
/// owns it (and device code following the ring protocol).
pub unsafe trait RingMemory: Send + Sync + 'static {
    /// Start of the block.
    fn as_ptr(&self) -> NonNull<u8>;
    /// Length of the block in bytes.
    fn len(&self) -> usize;
    /// True for a zero-length block (never the case for a ring's block).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The address of the same block as a device sees it, when the memory is mapped into
    /// a device's address space.
    fn device_ptr(&self) -> Option<u64> {
        None
    }
    /// A short name of the provider, for messages.
    fn provider_name(&self) -> &'static str;
}

/// Supplies ring memory.
///
/// ```
/// use perdix::ring::{HeapProvider, MemoryProvider, RingMemory, RING_ALIGN};
/// let block = HeapProvider.allocate(4096).unwrap();
/// assert_eq!(block.len(), 4096);
/// assert_eq!(block.as_ptr().as_ptr() as usize % RING_ALIGN, 0);
/// ```
pub trait MemoryProvider {
    /// The block type this provider hands out.
    type Memory: RingMemory;
    /// Allocates `bytes` bytes aligned to [`RING_ALIGN`]. Contents are unspecified; the
    /// ring initialises every byte it relies on.
    fn allocate(&self, bytes: usize) -> Result<Self::Memory, RingError>;
}

/// Ordinary heap memory, aligned for slots.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeapProvider;

/// A heap block from [`HeapProvider`], freed on drop.
#[derive(Debug)]
pub struct HeapMemory {
    ptr: NonNull<u8>,
    layout: Layout,
}

// SAFETY: the block is plain heap memory owned by this value; all shared access goes
// through the ring's atomics.
unsafe impl Send for HeapMemory {}
// SAFETY: as above; `&HeapMemory` only hands out the pointer.
unsafe impl Sync for HeapMemory {}

impl MemoryProvider for HeapProvider {
    type Memory = HeapMemory;

    fn allocate(&self, bytes: usize) -> Result<HeapMemory, RingError> {
        let out_of_memory = RingError::OutOfMemory {
            bytes,
            provider: "heap",
        };
        if bytes == 0 {
            return Err(RingError::BadMemory {
                provider: "heap",
                reason: "zero-length block requested",
            });
        }
        let layout = Layout::from_size_align(bytes, RING_ALIGN).map_err(|_| out_of_memory.clone())?;
        // SAFETY: `layout` has a non-zero size, checked above.
        let raw = unsafe { alloc::alloc(layout) };
        let ptr = NonNull::new(raw).ok_or(out_of_memory)?;
        Ok(HeapMemory { ptr, layout })
    }
}

// SAFETY: `alloc` returned a block of `layout.size()` bytes aligned to RING_ALIGN that
// only this value frees.
unsafe impl RingMemory for HeapMemory {
    fn as_ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    fn len(&self) -> usize {
        self.layout.size()
    }

    fn provider_name(&self) -> &'static str {
        "heap"
    }
}

impl Drop for HeapMemory {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `alloc::alloc(self.layout)` and is freed only here.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_blocks_are_aligned_and_sized() {
        for bytes in [256, 512, 256 * 17] {
            let block = HeapProvider.allocate(bytes).unwrap();
            assert_eq!(block.len(), bytes);
            assert_eq!(block.as_ptr().as_ptr() as usize % RING_ALIGN, 0);
            assert_eq!(block.device_ptr(), None);
        }
    }

    #[test]
    fn impossible_sizes_are_errors() {
        assert!(matches!(
            HeapProvider.allocate(0),
            Err(RingError::BadMemory { .. })
        ));
        assert!(matches!(
            HeapProvider.allocate(usize::MAX - 8),
            Err(RingError::OutOfMemory { .. })
        ));
    }
}

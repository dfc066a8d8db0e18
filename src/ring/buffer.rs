//! The ring itself: one block of memory holding the header and the slots, shared by the
//! two halves through an `Arc`.

use super::consumer::Consumer;
use super::error::RingError;
use super::event_count::EventCount;
use super::layout::{
    ConfigLine, ConsumerLine, ControlLine, Header, ProducerLine, Slot, EMPTY_SEQ, HEADER_SIZE,
    LAYOUT_VERSION, RING_MAGIC, SLOT_PAYLOAD, SLOT_SIZE,
};
use super::memory::{HeapProvider, MemoryProvider, RingMemory, RING_ALIGN};
use super::producer::Producer;
use std::cell::UnsafeCell;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Smallest slot count a ring accepts.
pub const MIN_SLOTS: usize = 2;
/// Largest slot count a ring accepts (4 GiB of slots); larger rings are almost always a
/// typo, and initialising one would touch every page.
pub const MAX_SLOTS: usize = 1 << 24;

/// The memory and geometry both halves share.
pub(crate) struct Shared {
    header: NonNull<Header>,
    slots: NonNull<Slot>,
    slot_count: usize,
    /// The event count the consumer sleeps on, once it says which.
    consumer_waker: OnceLock<Arc<EventCount>>,
    // Dropped last: every pointer above points into it.
    memory: Box<dyn RingMemory>,
}

// SAFETY: the header and slots are only touched through atomics or through the ownership
// protocol the indices enforce; the memory block itself is Send + Sync.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

impl Shared {
    fn new(slot_count: usize, memory: Box<dyn RingMemory>) -> Result<Shared, RingError> {
        let provider = memory.provider_name();
        let needed = HEADER_SIZE + slot_count * SLOT_SIZE;
        if memory.len() < needed {
            return Err(RingError::BadMemory {
                provider,
                reason: "block smaller than the header plus all slots",
            });
        }
        let base = memory.as_ptr();
        if !(base.as_ptr() as usize).is_multiple_of(RING_ALIGN) {
            return Err(RingError::BadMemory {
                provider,
                reason: "block not aligned to 256 bytes",
            });
        }
        let header = base.cast::<Header>();
        // SAFETY: the block holds at least HEADER_SIZE bytes, so the slot array starts in
        // bounds, and RING_ALIGN makes it 64-byte aligned.
        let slots = unsafe { NonNull::new_unchecked(base.as_ptr().add(HEADER_SIZE)) }.cast::<Slot>();
        // SAFETY: the block is aligned and large enough for the header, and nothing else
        // references it yet.
        unsafe { header.as_ptr().write(initial_header(slot_count)) };
        for index in 0..slot_count {
            // SAFETY: `index < slot_count` and the block holds `slot_count` slots.
            unsafe { slots.as_ptr().add(index).write(empty_slot()) };
        }
        Ok(Shared {
            header,
            slots,
            slot_count,
            consumer_waker: OnceLock::new(),
            memory,
        })
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: initialised in `new`, lives as long as `memory`, and only shared
        // references are ever made to it.
        unsafe { self.header.as_ref() }
    }

    pub(crate) fn slots(&self) -> NonNull<Slot> {
        self.slots
    }

    pub(crate) fn slot_count(&self) -> usize {
        self.slot_count
    }

    /// Sets the event count the consumer sleeps on; fails (giving it back) when one is set.
    pub(crate) fn set_consumer_waker(&self, waker: Arc<EventCount>) -> Result<(), Arc<EventCount>> {
        self.consumer_waker.set(waker)
    }

    /// Wakes the consumer if it sleeps on its event count.
    pub(crate) fn wake_consumer(&self) {
        if let Some(waker) = self.consumer_waker.get() {
            waker.notify();
        }
    }

    pub(crate) fn device_ptr(&self) -> Option<u64> {
        self.memory.device_ptr()
    }

    /// Marks a half attached; returns the new split epoch.
    pub(crate) fn attach(&self, flag: u32) -> u32 {
        // Release: nothing to publish yet, but the flag pairs with the other side's
        // Acquire in its disconnect check, so keep the pair symmetric.
        self.header().control.flags.fetch_or(flag, Ordering::Release);
        // Relaxed: the epoch is informational and ordered by nothing.
        self.header().control.epoch.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Marks a half gone.
    pub(crate) fn detach(&self, flag: u32) {
        // Release: everything this half wrote (the last published slots) must be visible
        // to the other half once it observes the flag cleared.
        self.header().control.flags.fetch_and(!flag, Ordering::Release);
    }

    /// True while the half with `flag` exists.
    pub(crate) fn is_attached(&self, flag: u32) -> bool {
        // Acquire: pairs with `detach`, so a consumer that sees the producer gone also
        // sees every slot the producer published before dropping.
        self.header().control.flags.load(Ordering::Acquire) & flag != 0
    }

    pub(crate) fn stats(&self) -> RingStats {
        let header = self.header();
        // Relaxed throughout: a snapshot for display, not a synchronisation point.
        RingStats {
            slot_count: self.slot_count,
            write_index: header.producer.write.load(Ordering::Relaxed),
            read_index: header.consumer.read.load(Ordering::Relaxed),
            produced_messages: header.producer.messages.load(Ordering::Relaxed),
            consumed_messages: header.consumer.messages.load(Ordering::Relaxed),
            full_waits: header.producer.full_waits.load(Ordering::Relaxed),
            empty_waits: header.consumer.empty_waits.load(Ordering::Relaxed),
            split_epoch: header.control.epoch.load(Ordering::Relaxed),
        }
    }
}

fn initial_header(slot_count: usize) -> Header {
    Header {
        producer: ProducerLine {
            write: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            full_waits: AtomicU64::new(0),
        },
        consumer: ConsumerLine {
            read: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            empty_waits: AtomicU64::new(0),
        },
        config: ConfigLine {
            magic: RING_MAGIC,
            slot_count: slot_count as u64,
            mask: slot_count as u64 - 1,
            version: LAYOUT_VERSION,
            slot_size: SLOT_SIZE as u32,
            payload_offset: super::layout::offsets::PAYLOAD as u32,
            payload_capacity: SLOT_PAYLOAD as u32,
        },
        control: ControlLine {
            flags: AtomicU32::new(0),
            epoch: AtomicU32::new(0),
        },
    }
}

fn empty_slot() -> Slot {
    Slot {
        seq: AtomicU64::new(EMPTY_SEQ),
        len: UnsafeCell::new(0),
        tag: UnsafeCell::new(0),
        payload: UnsafeCell::new([0; SLOT_PAYLOAD]),
    }
}

/// A snapshot of a ring's indices and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingStats {
    /// Slots in the ring.
    pub slot_count: usize,
    /// Slots published so far (the next sequence number to write).
    pub write_index: u64,
    /// Slots released by the consumer so far.
    pub read_index: u64,
    /// Messages published.
    pub produced_messages: u64,
    /// Messages consumed.
    pub consumed_messages: u64,
    /// Times the producer had to wait for room.
    pub full_waits: u64,
    /// Times the consumer had to wait for data.
    pub empty_waits: u64,
    /// How many halves have been created over the ring's life.
    pub split_epoch: u32,
}

/// A lock-free single-producer single-consumer ring of 256-byte slots.
///
/// The slot count is exactly the capacity and must be a power of two between
/// [`MIN_SLOTS`] and [`MAX_SLOTS`]; anything else is an error.
///
/// ```
/// use perdix::{AgentType, Buffer};
/// # fn main() -> Result<(), perdix::RingError> {
/// let mut buffer = Buffer::new(4096)?;
/// let (mut producer, mut consumer) = buffer.split_mut();
/// producer.try_produce(b"Hello from GPU", AgentType::Assistant).unwrap();
/// if let Some(message) = consumer.try_consume() {
///     println!("Received: {}", message.as_str());
///     assert_eq!(message.as_bytes(), b"Hello from GPU");
/// }
/// let buffer = Buffer::new(1024)?;
/// let (producer, consumer) = buffer.split();
/// std::thread::spawn(move || drop(producer)).join().unwrap();
/// assert!(!consumer.is_producer_connected());
/// assert!(Buffer::new(5000).is_err());
/// assert!(Buffer::new(0).is_err());
/// # Ok(())
/// # }
/// ```
pub struct Buffer {
    shared: Arc<Shared>,
}

impl Buffer {
    /// A ring of `slots` slots in heap memory.
    pub fn new(slots: usize) -> Result<Buffer, RingError> {
        Buffer::with_provider(slots, &HeapProvider)
    }

    /// A ring of `slots` slots in memory from `provider`.
    ///
    /// ```
    /// use perdix::ring::{Buffer, HeapProvider};
    /// let buffer = Buffer::with_provider(64, &HeapProvider).unwrap();
    /// assert_eq!(buffer.capacity(), 64);
    /// assert_eq!(buffer.memory_provider(), "heap");
    /// ```
    pub fn with_provider<P: MemoryProvider>(slots: usize, provider: &P) -> Result<Buffer, RingError> {
        validate_slot_count(slots)?;
        let memory = provider.allocate(HEADER_SIZE + slots * SLOT_SIZE)?;
        let shared = Shared::new(slots, Box::new(memory))?;
        Ok(Buffer {
            shared: Arc::new(shared),
        })
    }

    /// The number of slots, which is also the most messages the ring holds at once.
    pub fn capacity(&self) -> usize {
        self.shared.slot_count()
    }

    /// The name of the provider the ring memory came from.
    pub fn memory_provider(&self) -> &'static str {
        self.shared.memory.provider_name()
    }

    /// The ring memory's address on the device it is mapped into, if any.
    pub fn device_ptr(&self) -> Option<u64> {
        self.shared.device_ptr()
    }

    /// A snapshot of indices and counters.
    pub fn stats(&self) -> RingStats {
        self.shared.stats()
    }

    /// Borrowed halves. They can be moved into scoped threads; while they live the
    /// buffer cannot be split again, so there is never a second producer or consumer.
    pub fn split_mut(&mut self) -> (Producer<'_>, Consumer<'_>) {
        (
            Producer::attach(Arc::clone(&self.shared)),
            Consumer::attach(Arc::clone(&self.shared)),
        )
    }

    /// Owned halves, each `Send` and movable to its own thread.
    pub fn split(self) -> (Producer<'static>, Consumer<'static>) {
        (
            Producer::attach(Arc::clone(&self.shared)),
            Consumer::attach(self.shared),
        )
    }
}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("capacity", &self.capacity())
            .field("provider", &self.memory_provider())
            .finish()
    }
}

/// Checks a requested slot count against the ring's rules.
///
/// ```
/// use perdix::ring::validate_slot_count;
/// assert!(validate_slot_count(4096).is_ok());
/// assert!(validate_slot_count(5000).is_err());
/// ```
pub fn validate_slot_count(slots: usize) -> Result<(), RingError> {
    if !slots.is_power_of_two() {
        return Err(RingError::NotPowerOfTwo(slots));
    }
    if slots < MIN_SLOTS {
        return Err(RingError::TooFewSlots {
            requested: slots,
            min: MIN_SLOTS,
        });
    }
    if slots > MAX_SLOTS {
        return Err(RingError::TooManySlots {
            requested: slots,
            max: MAX_SLOTS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_slot_counts_are_errors_not_panics() {
        assert_eq!(Buffer::new(0).unwrap_err(), RingError::NotPowerOfTwo(0));
        assert!(matches!(
            Buffer::new(1).unwrap_err(),
            RingError::TooFewSlots { requested: 1, .. }
        ));
        assert_eq!(Buffer::new(3).unwrap_err(), RingError::NotPowerOfTwo(3));
        assert_eq!(Buffer::new(5000).unwrap_err(), RingError::NotPowerOfTwo(5000));
        assert_eq!(
            Buffer::new(usize::MAX).unwrap_err(),
            RingError::NotPowerOfTwo(usize::MAX)
        );
        assert!(matches!(
            Buffer::new(1 << 40).unwrap_err(),
            RingError::TooManySlots { .. }
        ));
    }

    #[test]
    fn fresh_ring_has_empty_slots_and_config() {
        let buffer = Buffer::new(8).unwrap();
        let header = buffer.shared.header();
        assert_eq!(header.config.magic, RING_MAGIC);
        assert_eq!(header.config.slot_count, 8);
        assert_eq!(header.config.mask, 7);
        for index in 0..8 {
            // SAFETY: index < slot_count.
            let slot = unsafe { &*buffer.shared.slots().as_ptr().add(index) };
            assert_eq!(slot.seq.load(Ordering::Relaxed), EMPTY_SEQ);
        }
        assert_eq!(buffer.stats().write_index, 0);
    }

    #[test]
    fn memory_that_is_too_small_is_rejected() {
        struct Tiny;
        impl MemoryProvider for Tiny {
            type Memory = super::super::memory::HeapMemory;
            fn allocate(&self, _bytes: usize) -> Result<Self::Memory, RingError> {
                HeapProvider.allocate(256)
            }
        }
        assert!(matches!(
            Buffer::with_provider(4, &Tiny).unwrap_err(),
            RingError::BadMemory { .. }
        ));
    }
}

//! The producing half.

use super::buffer::{Buffer, RingStats, Shared};
use super::error::ProduceError;
use super::layout::{Slot, FLAG_CONSUMER_ATTACHED, FLAG_PRODUCER_ATTACHED, SLOT_PAYLOAD};
use super::tag::Tag;
use super::wait::Backoff;
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Slots a payload of `len` bytes occupies (an empty message still takes one).
pub(crate) const fn slots_for(len: usize) -> usize {
    if len == 0 {
        1
    } else {
        len.div_ceil(SLOT_PAYLOAD)
    }
}

/// Writes a slot's payload, `len` and `tag` (not its `seq`).
///
/// # Safety
/// The caller owns the slot: released by the consumer and not yet published.
/// `piece` is at most one payload long.
#[inline]
unsafe fn fill_slot(slot: &Slot, piece: &[u8], raw_tag: u32) {
    debug_assert!(piece.len() <= SLOT_PAYLOAD);
    // SAFETY: per this function's contract nobody else accesses the slot, and the
    // payload holds SLOT_PAYLOAD bytes.
    unsafe {
        let payload = slot.payload.get().cast::<u8>();
        // The slot's first cache line holds `seq`, which a waiting consumer may be reading.
        // Fill the other lines first and that one last, in one burst, so it changes hands
        // between the cores once per message instead of once per store.
        let (head, tail) = piece.split_at(piece.len().min(FIRST_LINE_PAYLOAD));
        std::ptr::copy_nonoverlapping(tail.as_ptr(), payload.add(FIRST_LINE_PAYLOAD), tail.len());
        std::ptr::copy_nonoverlapping(head.as_ptr(), payload, head.len());
        *slot.len.get() = piece.len() as u32;
        *slot.tag.get() = raw_tag;
    }
}

/// Payload bytes that share the slot's first 64-byte line with `seq`, `len` and `tag`.
const FIRST_LINE_PAYLOAD: usize = 64 - super::layout::offsets::PAYLOAD;

/// The producer's private state. Kept apart from [`Producer`] so that borrowed helpers
/// (a [`Batch`]) need no lifetime of the buffer.
pub(crate) struct ProducerCore {
    slots: NonNull<Slot>,
    mask: u64,
    capacity: u64,
    /// Next sequence number to write; mirrors the header's write index.
    write: u64,
    /// The consumer's read index as last loaded; re-read only when the ring looks full.
    cached_read: u64,
    messages: u64,
    full_waits: u64,
    shared: Arc<Shared>,
}

impl ProducerCore {
    #[inline]
    fn slot(&self, seq: u64) -> &Slot {
        let index = (seq & self.mask) as usize;
        // SAFETY: `index <= mask < slot_count`, and the slots live as long as `shared`.
        unsafe { &*self.slots.as_ptr().add(index) }
    }

    /// Free slots, re-reading the consumer's index only if the cached one leaves fewer
    /// than `needed`.
    #[inline]
    fn free_slots(&mut self, needed: u64) -> u64 {
        let free = self.capacity - (self.write - self.cached_read);
        if free >= needed {
            return free;
        }
        // Acquire: pairs with the consumer's Release store of `read`, so its last reads
        // of the slots it released happen before this side overwrites them.
        self.cached_read = self.shared.header().consumer.read.load(Ordering::Acquire);
        debug_assert!(self.write - self.cached_read <= self.capacity);
        self.capacity - (self.write - self.cached_read)
    }

    /// Writes `bytes` into the slots from `seq` on and publishes every slot but the first.
    /// Returns the number of slots used. The caller owns those slots (checked free) and
    /// publishes the first one.
    #[inline]
    fn write_unpublished(&self, seq: u64, bytes: &[u8], tag: Tag) -> u64 {
        if bytes.len() <= SLOT_PAYLOAD {
            // SAFETY: the caller owns the slot at `seq`; `bytes` fits one payload.
            unsafe { fill_slot(self.slot(seq), bytes, tag.encode(false)) };
            return 1;
        }
        let slots = slots_for(bytes.len()) as u64;
        let mut pieces = bytes.chunks(SLOT_PAYLOAD);
        for offset in 0..slots {
            let piece = pieces.next().unwrap_or(&[]);
            let slot = self.slot(seq + offset);
            let continues = offset + 1 < slots;
            // SAFETY: the slot is free (the caller checked the consumer released it) and
            // unpublished, so nothing else reads or writes it; `piece` is at most one payload.
            unsafe { fill_slot(slot, piece, tag.encode(continues)) };
            if offset > 0 {
                // Relaxed: a tail slot is only ever looked at after its head, and the head's
                // later Release store (or the batch fence) orders this store before it.
                slot.seq.store(seq + offset, Ordering::Relaxed);
            }
        }
        slots
    }

    /// Moves the write index past `slots` published slots holding `messages` messages.
    #[inline]
    fn advance(&mut self, slots: u64, messages: u64) {
        self.write += slots;
        self.messages += messages;
        let line = &self.shared.header().producer;
        // Release: observers of the write index (stats, device-side readers) see the
        // slots below it complete. Nobody reads this line on the hot path.
        line.write.store(self.write, Ordering::Release);
        // Relaxed: a counter for display only.
        line.messages.store(self.messages, Ordering::Relaxed);
        // A consumer asleep on its event count learns of every publish; without one this
        // is a load and a branch.
        self.shared.wake_consumer();
    }

    /// Writes one message of any length up to the ring's capacity and publishes it.
    #[inline]
    fn try_produce_any(&mut self, bytes: &[u8], tag: Tag) -> Result<u64, ProduceError> {
        let needed = slots_for(bytes.len()) as u64;
        if needed > self.capacity {
            return Err(ProduceError::TooLarge {
                len: bytes.len(),
                max: self.capacity as usize * SLOT_PAYLOAD,
            });
        }
        let free = self.free_slots(needed);
        if free < needed {
            return Err(ProduceError::Full {
                needed: needed as usize,
                free: free as usize,
            });
        }
        let seq = self.write;
        let slots = self.write_unpublished(seq, bytes, tag);
        // Release: the payload, len, tag and tail `seq` stores above become visible to
        // the consumer that Acquire-loads this head `seq`.
        self.slot(seq).seq.store(seq, Ordering::Release);
        self.advance(slots, 1);
        Ok(seq)
    }

    fn consumer_attached(&self) -> bool {
        self.shared.is_attached(FLAG_CONSUMER_ATTACHED)
    }

    fn note_full_wait(&mut self) {
        self.full_waits += 1;
        // Relaxed: a counter for display only.
        self.shared
            .header()
            .producer
            .full_waits
            .store(self.full_waits, Ordering::Relaxed);
    }
}

/// The producing half of a [`Buffer`]: `Send`, not `Sync`, exactly one per ring.
///
/// ```
/// use perdix::{AgentType, Buffer, ProduceError};
/// let mut buffer = Buffer::new(2).unwrap();
/// let (mut producer, _consumer) = buffer.split_mut();
/// assert_eq!(producer.try_produce(b"a", AgentType::User), Ok(0));
/// assert_eq!(producer.try_produce(b"b", AgentType::User), Ok(1));
/// assert!(matches!(producer.try_produce(b"c", AgentType::User), Err(ProduceError::Full { .. })));
/// assert!(matches!(producer.try_produce(&[0; 241], AgentType::User), Err(ProduceError::TooLarge { .. })));
/// ```
///
/// Two producers cannot share one ring, which the type system checks:
///
/// ```compile_fail
/// fn shared_reference_must_not_cross_threads<T: Sync>() {}
/// shared_reference_must_not_cross_threads::<perdix::Producer<'static>>();
/// ```
pub struct Producer<'a> {
    core: ProducerCore,
    _buffer: PhantomData<&'a mut Buffer>,
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: the producer's raw slot pointer points into memory kept alive by the `Arc` it
// owns, and the single-producer protocol does not depend on which thread runs it.
unsafe impl Send for Producer<'_> {}

impl Producer<'_> {
    pub(crate) fn attach(shared: Arc<Shared>) -> Self {
        shared.attach(FLAG_PRODUCER_ATTACHED);
        let header = shared.header();
        // Acquire: a previous producer's published slots and the consumer's progress
        // are seen in full by this new half.
        let write = header.producer.write.load(Ordering::Acquire);
        let cached_read = header.consumer.read.load(Ordering::Acquire);
        // Relaxed: counters for display only.
        let messages = header.producer.messages.load(Ordering::Relaxed);
        let full_waits = header.producer.full_waits.load(Ordering::Relaxed);
        let slot_count = shared.slot_count() as u64;
        Producer {
            core: ProducerCore {
                slots: shared.slots(),
                mask: slot_count - 1,
                capacity: slot_count,
                write,
                cached_read,
                messages,
                full_waits,
                shared,
            },
            _buffer: PhantomData,
            _not_sync: PhantomData,
        }
    }

    /// Publishes one message of at most 240 bytes (one slot); returns its sequence number.
    ///
    /// Fails with [`ProduceError::TooLarge`] past 240 bytes (use
    /// [`try_produce_stream`](Self::try_produce_stream)) and [`ProduceError::Full`] when
    /// no slot is free. Nothing is ever overwritten.
    #[inline]
    pub fn try_produce(&mut self, bytes: &[u8], tag: impl Into<Tag>) -> Result<u64, ProduceError> {
        if bytes.len() > SLOT_PAYLOAD {
            return Err(ProduceError::TooLarge {
                len: bytes.len(),
                max: SLOT_PAYLOAD,
            });
        }
        self.core.try_produce_any(bytes, tag.into())
    }

    /// Publishes a message of any length up to `capacity × 240` bytes over consecutive
    /// slots (the continuation flag links them). The consumer sees all of it or none of
    /// it. Returns the sequence number of its first slot.
    ///
    /// ```
    /// use perdix::{AgentType, Buffer};
    /// let mut buffer = Buffer::new(8).unwrap();
    /// let (mut producer, mut consumer) = buffer.split_mut();
    /// let long = vec![b'x'; 1000];
    /// producer.try_produce_stream(&long, AgentType::Assistant).unwrap();
    /// let message = consumer.try_consume().unwrap();
    /// assert_eq!(message.as_bytes(), &long[..]);
    /// ```
    #[inline]
    pub fn try_produce_stream(&mut self, bytes: &[u8], tag: impl Into<Tag>) -> Result<u64, ProduceError> {
        self.core.try_produce_any(bytes, tag.into())
    }

    /// Publishes a message of any length up to `capacity × 240` bytes, waiting (spin,
    /// then yield, then short sleeps) up to `timeout` for room.
    ///
    /// Fails with [`ProduceError::Timeout`] when the consumer does not make room in time
    /// and [`ProduceError::Disconnected`] when the consumer is gone and the ring is full.
    pub fn produce_timeout(
        &mut self,
        bytes: &[u8],
        tag: impl Into<Tag>,
        timeout: Duration,
    ) -> Result<u64, ProduceError> {
        let tag = tag.into();
        let mut backoff = Backoff::with_timeout(timeout);
        let mut waited = false;
        loop {
            match self.core.try_produce_any(bytes, tag) {
                Err(ProduceError::Full { needed, .. }) => {
                    if !self.core.consumer_attached() {
                        return Err(ProduceError::Disconnected);
                    }
                    if !waited {
                        waited = true;
                        self.core.note_full_wait();
                    }
                    if !backoff.snooze() {
                        return Err(ProduceError::Timeout { needed });
                    }
                }
                other => return other,
            }
        }
    }

    /// Publishes like [`produce_timeout`](Self::produce_timeout), waiting in steps of
    /// `step` for as long as the ring stays full and `keep_waiting` (asked after each
    /// step) says so.
    ///
    /// Fails with [`ProduceError::Disconnected`] once the consumer is gone, with the last
    /// step's [`ProduceError::Timeout`] once `keep_waiting` returns false, and with any
    /// other error at once.
    ///
    /// ```
    /// use perdix::{AgentType, Buffer, ProduceError};
    /// use std::time::Duration;
    /// let (mut producer, consumer) = Buffer::new(4).unwrap().split();
    /// while producer.try_produce(b"x", AgentType::User).is_ok() {}
    /// // Nobody reads: give up after the third step.
    /// let mut steps = 0;
    /// let step = Duration::from_millis(1);
    /// let result = producer.produce_waiting(b"y", AgentType::User, step, || {
    ///     steps += 1;
    ///     steps < 3
    /// });
    /// assert!(matches!(result, Err(ProduceError::Timeout { .. })));
    /// assert_eq!(steps, 3);
    /// drop(consumer);
    /// let result = producer.produce_waiting(b"y", AgentType::User, step, || true);
    /// assert!(matches!(result, Err(ProduceError::Disconnected)));
    /// ```
    pub fn produce_waiting(
        &mut self,
        bytes: &[u8],
        tag: impl Into<Tag>,
        step: Duration,
        mut keep_waiting: impl FnMut() -> bool,
    ) -> Result<u64, ProduceError> {
        let tag = tag.into();
        loop {
            match self.produce_timeout(bytes, tag, step) {
                Err(ProduceError::Timeout { .. }) if !self.is_consumer_connected() => {
                    return Err(ProduceError::Disconnected)
                }
                Err(ProduceError::Timeout { .. }) if keep_waiting() => {}
                result => return result,
            }
        }
    }

    /// Starts a batch: messages pushed into it are written at once but published
    /// together when it is published or dropped, with one fence and one index update.
    ///
    /// ```
    /// use perdix::{AgentType, Buffer};
    /// let mut buffer = Buffer::new(16).unwrap();
    /// let (mut producer, mut consumer) = buffer.split_mut();
    /// let mut batch = producer.batch();
    /// batch.push(b"one", AgentType::Info).unwrap();
    /// batch.push(b"two", AgentType::Info).unwrap();
    /// assert!(consumer.try_consume().is_none()); // not yet published
    /// assert_eq!(batch.publish(), 2);
    /// assert_eq!(consumer.try_consume().unwrap().as_bytes(), b"one");
    /// ```
    #[inline]
    pub fn batch(&mut self) -> Batch<'_> {
        let start = self.core.write;
        Batch {
            core: &mut self.core,
            start,
            end: start,
            messages: 0,
        }
    }

    /// Publishes as many of `messages` as fit (each of any length up to the ring's
    /// capacity) with one fence and one index update. Returns how many were published,
    /// or why not even the first one could be.
    ///
    /// ```
    /// use perdix::{AgentType, Buffer};
    /// let mut buffer = Buffer::new(4).unwrap();
    /// let (mut producer, _consumer) = buffer.split_mut();
    /// let messages: [&[u8]; 6] = [b"a", b"b", b"c", b"d", b"e", b"f"];
    /// assert_eq!(producer.try_produce_batch(&messages, AgentType::Debug), Ok(4));
    /// assert!(producer.try_produce_batch(&messages[4..], AgentType::Debug).is_err());
    /// ```
    pub fn try_produce_batch(
        &mut self,
        messages: &[&[u8]],
        tag: impl Into<Tag>,
    ) -> Result<usize, ProduceError> {
        let tag = tag.into();
        let mut batch = self.batch();
        for (index, message) in messages.iter().enumerate() {
            if let Err(error) = batch.push(message, tag) {
                if index == 0 {
                    return Err(error);
                }
                break;
            }
        }
        Ok(batch.publish())
    }

    /// Slots free right now (re-reads the consumer's index).
    pub fn free_slots(&mut self) -> usize {
        // Asking for more than the ring holds always re-reads the consumer's index.
        self.core.free_slots(self.core.capacity + 1) as usize
    }

    /// Slots in the ring.
    pub fn capacity(&self) -> usize {
        self.core.capacity as usize
    }

    /// The sequence number the next message will get.
    pub fn next_seq(&self) -> u64 {
        self.core.write
    }

    /// Moves the write index past `slots` slots holding `messages` messages that device
    /// code wrote and published itself, from [`next_seq`](Self::next_seq) on, following
    /// the ring protocol (payload, a system-wide fence, then each slot's `seq`). The
    /// caller made sure those slots were free before the device wrote them.
    pub(crate) fn advance_past_device_writes(&mut self, slots: u64, messages: u64) {
        debug_assert!(slots <= self.core.capacity);
        // Acquire: the device waited for the consumer to free these slots, so its index
        // has moved past the cached copy; reload it so that `write - cached_read` stays
        // within the capacity.
        self.core.cached_read = self.core.shared.header().consumer.read.load(Ordering::Acquire);
        self.core.advance(slots, messages);
        debug_assert!(self.core.write - self.core.cached_read <= self.core.capacity);
    }

    /// The largest message [`try_produce_stream`](Self::try_produce_stream) accepts.
    pub fn max_message_len(&self) -> usize {
        self.core.capacity as usize * SLOT_PAYLOAD
    }

    /// False once the consumer half has been dropped.
    pub fn is_consumer_connected(&self) -> bool {
        self.core.consumer_attached()
    }

    /// A snapshot of the ring's indices and counters.
    pub fn stats(&self) -> RingStats {
        self.core.shared.stats()
    }

    /// Wakes the consumer if it sleeps on an event count
    /// ([`Consumer::set_waker`](super::Consumer::set_waker)). Every publish does this
    /// already, and so does dropping this half; call it only to wake the consumer for
    /// something outside the ring.
    pub fn wake_consumer(&self) {
        self.core.shared.wake_consumer();
    }
}

impl Drop for Producer<'_> {
    fn drop(&mut self) {
        self.core.shared.detach(FLAG_PRODUCER_ATTACHED);
        // After the detach: a consumer woken now sees that this half is gone.
        self.core.shared.wake_consumer();
    }
}

/// Messages written but not yet visible to the consumer; see [`Producer::batch`].
/// Dropping a batch publishes it, so nothing written is lost.
pub struct Batch<'p> {
    core: &'p mut ProducerCore,
    start: u64,
    end: u64,
    messages: u64,
}

impl Batch<'_> {
    /// Writes one message of any length up to the ring's capacity into the batch;
    /// returns the sequence number it will have.
    #[inline]
    pub fn push(&mut self, bytes: &[u8], tag: impl Into<Tag>) -> Result<u64, ProduceError> {
        let needed = slots_for(bytes.len()) as u64;
        if needed > self.core.capacity {
            return Err(ProduceError::TooLarge {
                len: bytes.len(),
                max: self.core.capacity as usize * SLOT_PAYLOAD,
            });
        }
        // Room is counted from the batch's end, which is ahead of the core's write index.
        let pending = self.end - self.start;
        let free = self.core.free_slots(pending + needed) - pending;
        if free < needed {
            return Err(ProduceError::Full {
                needed: needed as usize,
                free: free as usize,
            });
        }
        let seq = self.end;
        self.end += self.core.write_unpublished(seq, bytes, tag.into());
        self.messages += 1;
        Ok(seq)
    }

    /// Messages written so far.
    pub fn len(&self) -> usize {
        self.messages as usize
    }

    /// True when nothing has been pushed.
    pub fn is_empty(&self) -> bool {
        self.messages == 0
    }

    /// Makes every pushed message visible; returns how many there were.
    #[inline]
    pub fn publish(mut self) -> usize {
        self.publish_pending()
    }

    #[inline]
    fn publish_pending(&mut self) -> usize {
        let messages = self.messages;
        if self.end == self.start {
            return 0;
        }
        // Release: one fence orders every payload written by `push` before all of the
        // `seq` stores below, so each may be Relaxed.
        fence(Ordering::Release);
        for seq in self.start..self.end {
            // Relaxed: ordered by the fence above. Tail slots already hold this value;
            // storing it again is harmless and keeps the loop branch-free.
            self.core.slot(seq).seq.store(seq, Ordering::Relaxed);
        }
        self.core.advance(self.end - self.start, messages);
        self.start = self.end;
        self.messages = 0;
        messages as usize
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        self.publish_pending();
    }
}

impl std::fmt::Debug for Producer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &self.core.capacity)
            .field("write", &self.core.write)
            .finish()
    }
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("start", &self.start)
            .field("end", &self.end)
            .field("messages", &self.messages)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::{AgentType, Buffer, ProduceError};
    use std::time::Duration;

    #[test]
    fn produce_waiting_waits_for_a_slow_consumer_and_stops_when_it_leaves() {
        let (mut producer, mut consumer) = Buffer::new(4).unwrap().split();
        while producer.try_produce(b"x", AgentType::User).is_ok() {}
        let step = Duration::from_millis(1);
        let reader = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            let mut read = 0;
            while read < 5 {
                if consumer.try_consume().is_some() {
                    read += 1;
                }
            }
            consumer
        });
        producer
            .produce_waiting(b"y", AgentType::User, step, || true)
            .unwrap();
        let consumer = reader.join().unwrap();
        while producer.try_produce(b"x", AgentType::User).is_ok() {}
        let leaver = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            drop(consumer);
        });
        let result = producer.produce_waiting(b"y", AgentType::User, step, || true);
        assert!(matches!(result, Err(ProduceError::Disconnected)), "{result:?}");
        leaver.join().unwrap();
    }
}

//! The consuming half.

use super::buffer::{Buffer, RingStats, Shared};
use super::error::ConsumeError;
use super::event_count::EventCount;
use super::layout::{Slot, FLAG_CONSUMER_ATTACHED, FLAG_PRODUCER_ATTACHED};
use super::message::{Message, MessageView};
use super::tag::CONTINUES;
use super::wait::Backoff;
use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The consumer's private state, apart from [`Consumer`] so that borrowed views need no
/// lifetime of the buffer.
pub(crate) struct ConsumerCore {
    slots: NonNull<Slot>,
    mask: u64,
    capacity: u64,
    /// Next sequence number to read; mirrors the header's read index.
    read: u64,
    messages: u64,
    empty_waits: u64,
    shared: Arc<Shared>,
}

impl ConsumerCore {
    #[inline]
    fn slot(&self, seq: u64) -> &Slot {
        let index = (seq & self.mask) as usize;
        // SAFETY: `index <= mask < slot_count`, and the slots live as long as `shared`.
        unsafe { &*self.slots.as_ptr().add(index) }
    }

    /// True when the slot for `seq` holds `seq`.
    ///
    /// The slot's own `seq` is the consumer's view of the producer: it never polls the
    /// producer's index line. The slot's first line, which holds `seq`, has to travel to
    /// this core anyway, and the producer writes that line last and in one burst, so a
    /// waiting consumer costs one transfer per message. Polling the index instead was
    /// measured slower: one more line on the critical path of every round trip.
    #[inline]
    fn is_published(&self, seq: u64) -> bool {
        // Acquire: pairs with the producer's Release store of this `seq` (or its batch
        // fence), making the slot's payload, len and tag visible.
        self.slot(seq).seq.load(Ordering::Acquire) == seq
    }

    /// Slots of the message at `seq` if it is fully published.
    #[inline]
    fn message_slots_at(&self, seq: u64, limit: u64) -> Option<u64> {
        if !self.is_published(seq) {
            return None;
        }
        let mut count = 1;
        // SAFETY: the slot is published and not yet released, so the producer leaves it alone.
        while unsafe { *self.slot(seq + count - 1).tag.get() } & CONTINUES != 0 {
            // A device producer may publish tails out of order; treat a message whose
            // tail is not visible yet as not ready rather than read a slot in flight.
            if count == limit || !self.is_published(seq + count) {
                return None;
            }
            count += 1;
        }
        Some(count)
    }

    /// Slots of the message at `seq`, already known to be published, from its tags.
    #[inline]
    fn published_message_slots(&self, seq: u64, limit: u64) -> u64 {
        let mut count = 1;
        // SAFETY: the caller saw these slots published and has not released them.
        while count < limit && unsafe { *self.slot(seq + count - 1).tag.get() } & CONTINUES != 0 {
            count += 1;
        }
        count
    }

    /// Walks the ready messages from the read index, at most `max_messages`, handing each
    /// one's first sequence number and slot count to `visit`; returns the slots and
    /// messages walked. Releases nothing.
    #[inline]
    fn scan(&self, max_messages: usize, mut visit: impl FnMut(u64, u64)) -> (u64, usize) {
        let start = self.read;
        let mut slots = 0;
        let mut messages = 0;
        while messages < max_messages {
            let limit = self.capacity - slots;
            let Some(count) = self.message_slots_at(start + slots, limit) else {
                break;
            };
            visit(start + slots, count);
            slots += count;
            messages += 1;
        }
        (slots, messages)
    }

    #[inline]
    fn view(&self, seq: u64, slots: u64) -> MessageView<'_> {
        // SAFETY: callers pass a message found by `message_slots_at`, which stays
        // reserved until `release` moves the read index past it.
        unsafe { MessageView::new(self.slots, self.mask, seq, slots) }
    }

    /// Hands `slots` slots holding `messages` messages back to the producer.
    #[inline]
    fn release(&mut self, slots: u64, messages: u64) {
        self.read += slots;
        self.messages += messages;
        let line = &self.shared.header().consumer;
        // Release: every read of the released slots happens before the producer, which
        // Acquire-loads this index, reuses them.
        line.read.store(self.read, Ordering::Release);
        // Relaxed: a counter for display only.
        line.messages.store(self.messages, Ordering::Relaxed);
    }

    fn producer_attached(&self) -> bool {
        self.shared.is_attached(FLAG_PRODUCER_ATTACHED)
    }

    /// Waits until a message is ready, the producer is gone, or the timeout passes.
    fn wait_ready(&mut self, timeout: Duration) -> Result<(), ConsumeError> {
        if self.message_slots_at(self.read, self.capacity).is_some() {
            return Ok(());
        }
        self.empty_waits += 1;
        // Relaxed: a counter for display only.
        self.shared
            .header()
            .consumer
            .empty_waits
            .store(self.empty_waits, Ordering::Relaxed);
        let mut backoff = Backoff::with_timeout(timeout);
        loop {
            // Read the flag before the slot: a producer that published and then left is
            // seen as "published" on the second look, never as gone-and-empty.
            let attached = self.producer_attached();
            if self.message_slots_at(self.read, self.capacity).is_some() {
                return Ok(());
            }
            if !attached {
                return Err(ConsumeError::Disconnected);
            }
            if !backoff.snooze() {
                return Err(ConsumeError::Timeout);
            }
        }
    }
}

/// The consuming half of a [`Buffer`]: `Send`, not `Sync`, exactly one per ring.
///
/// ```
/// use perdix::{AgentType, Buffer};
/// let mut buffer = Buffer::new(8).unwrap();
/// let (mut producer, mut consumer) = buffer.split_mut();
/// for text in ["a", "b", "c"] {
///     producer.try_produce(text.as_bytes(), AgentType::Assistant).unwrap();
/// }
/// let texts: Vec<String> = consumer.read_chunk().iter().map(|m| m.as_str().into_owned()).collect();
/// assert_eq!(texts, ["a", "b", "c"]);
/// assert!(consumer.try_consume().is_none());
/// ```
///
/// ```compile_fail
/// fn shared_reference_must_not_cross_threads<T: Sync>() {}
/// shared_reference_must_not_cross_threads::<perdix::Consumer<'static>>();
/// ```
pub struct Consumer<'a> {
    core: ConsumerCore,
    _buffer: PhantomData<&'a mut Buffer>,
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: the consumer's raw slot pointer points into memory kept alive by the `Arc` it
// owns, and the single-consumer protocol does not depend on which thread runs it.
unsafe impl Send for Consumer<'_> {}

impl Consumer<'_> {
    pub(crate) fn attach(shared: Arc<Shared>) -> Self {
        shared.attach(FLAG_CONSUMER_ATTACHED);
        let header = shared.header();
        // Acquire: a previous consumer's releases are complete before this one reads on.
        let read = header.consumer.read.load(Ordering::Acquire);
        // Relaxed: counters for display only.
        let messages = header.consumer.messages.load(Ordering::Relaxed);
        let empty_waits = header.consumer.empty_waits.load(Ordering::Relaxed);
        let slot_count = shared.slot_count() as u64;
        Consumer {
            core: ConsumerCore {
                slots: shared.slots(),
                mask: slot_count - 1,
                capacity: slot_count,
                read,
                messages,
                empty_waits,
                shared,
            },
            _buffer: PhantomData,
            _not_sync: PhantomData,
        }
    }

    /// The next message, in place and without copying; its slots go back to the producer
    /// when the returned guard is dropped.
    ///
    /// ```
    /// use perdix::{AgentType, Buffer};
    /// let mut buffer = Buffer::new(4).unwrap();
    /// let (mut producer, mut consumer) = buffer.split_mut();
    /// producer.try_produce(b"in place", AgentType::Debug).unwrap();
    /// let message = consumer.try_read().unwrap();
    /// assert_eq!(&*message.as_bytes(), b"in place");
    /// ```
    #[inline]
    #[must_use = "dropping the message releases it unread"]
    pub fn try_read(&mut self) -> Option<MessageRef<'_>> {
        let seq = self.core.read;
        let slots = self.core.message_slots_at(seq, self.core.capacity)?;
        // SAFETY: the message was found ready by `message_slots_at` and stays reserved
        // until the guard, which holds the only mutable borrow of the core, releases it.
        let view = unsafe { MessageView::new(self.core.slots, self.core.mask, seq, slots) };
        Some(MessageRef {
            view,
            core: &mut self.core,
        })
    }

    /// The next message, copied out (no heap allocation for one-slot messages; a
    /// multi-slot message is reassembled).
    #[inline]
    #[must_use = "the message is consumed even if unused"]
    pub fn try_consume(&mut self) -> Option<Message> {
        self.try_read().map(|message| message.to_message())
    }

    /// Every message ready now, in place; all of them are released when the chunk drops,
    /// with one index update.
    #[inline]
    #[must_use = "dropping the chunk releases every message in it unread"]
    pub fn read_chunk(&mut self) -> ReadChunk<'_> {
        self.read_chunk_max(usize::MAX)
    }

    /// Like [`read_chunk`](Self::read_chunk), but at most `max_messages` messages, so a
    /// consumer that keeps up hands slots back in smaller steps and the producer never
    /// waits for a whole ring's worth to be processed.
    ///
    /// ```
    /// use perdix::{AgentType, Buffer};
    /// let mut buffer = Buffer::new(8).unwrap();
    /// let (mut producer, mut consumer) = buffer.split_mut();
    /// for _ in 0..5 {
    ///     producer.try_produce(b"m", AgentType::User).unwrap();
    /// }
    /// assert_eq!(consumer.read_chunk_max(3).len(), 3);
    /// assert_eq!(consumer.read_chunk_max(3).len(), 2);
    /// ```
    #[inline]
    #[must_use = "dropping the chunk releases every message in it unread"]
    pub fn read_chunk_max(&mut self, max_messages: usize) -> ReadChunk<'_> {
        let start = self.core.read;
        let (slots, messages) = self.core.scan(max_messages, |_, _| {});
        ReadChunk {
            core: &mut self.core,
            start,
            slots,
            messages: messages as u64,
        }
    }

    /// Hands each ready message, at most `max_messages`, to `visit` in place, then
    /// releases them all with one index update; returns how many there were. One pass
    /// over the slots, the cheapest way to drain a ring.
    ///
    /// ```
    /// use perdix::{AgentType, Buffer};
    /// let mut buffer = Buffer::new(8).unwrap();
    /// let (mut producer, mut consumer) = buffer.split_mut();
    /// producer.try_produce(b"ab", AgentType::User).unwrap();
    /// producer.try_produce(b"cde", AgentType::User).unwrap();
    /// let mut total = 0;
    /// assert_eq!(consumer.consume_each(usize::MAX, |message| total += message.len()), 2);
    /// assert_eq!(total, 5);
    /// ```
    #[inline]
    pub fn consume_each(&mut self, max_messages: usize, mut visit: impl FnMut(MessageView<'_>)) -> usize {
        let core = &self.core;
        let (slots, messages) = core.scan(max_messages, |seq, count| visit(core.view(seq, count)));
        if slots > 0 {
            self.core.release(slots, messages as u64);
        }
        messages
    }

    /// Waits up to `timeout` for a message and copies it out.
    ///
    /// Spins briefly, then yields, then sleeps in growing steps of at most 1 ms, so an
    /// idle consumer costs almost nothing. Returns [`ConsumeError::Disconnected`] once the
    /// producer is gone and everything it published has been consumed.
    ///
    /// ```
    /// use perdix::{Buffer, ConsumeError};
    /// use std::time::Duration;
    /// let buffer = Buffer::new(4).unwrap();
    /// let (producer, mut consumer) = buffer.split();
    /// assert_eq!(consumer.consume_timeout(Duration::from_millis(1)).unwrap_err(), ConsumeError::Timeout);
    /// drop(producer);
    /// assert_eq!(consumer.consume_timeout(Duration::from_secs(1)).unwrap_err(), ConsumeError::Disconnected);
    /// ```
    pub fn consume_timeout(&mut self, timeout: Duration) -> Result<Message, ConsumeError> {
        self.core.wait_ready(timeout)?;
        self.try_consume().ok_or(ConsumeError::Timeout)
    }

    /// Like [`consume_timeout`](Self::consume_timeout), without copying.
    pub fn read_timeout(&mut self, timeout: Duration) -> Result<MessageRef<'_>, ConsumeError> {
        self.core.wait_ready(timeout)?;
        self.try_read().ok_or(ConsumeError::Timeout)
    }

    /// Slots published but not yet consumed (a snapshot).
    pub fn ready_slots(&self) -> usize {
        // Acquire: the count must not run ahead of what this side can then read.
        let write = self.core.shared.header().producer.write.load(Ordering::Acquire);
        (write.saturating_sub(self.core.read)) as usize
    }

    /// True when no message is ready.
    pub fn is_empty(&self) -> bool {
        // Acquire: the answer must not run ahead of what this side can then read.
        self.core.read >= self.core.shared.header().producer.write.load(Ordering::Acquire)
    }

    /// Slots in the ring.
    pub fn capacity(&self) -> usize {
        self.core.capacity as usize
    }

    /// The sequence number of the next message.
    pub fn next_seq(&self) -> u64 {
        self.core.read
    }

    /// Says which event count this consumer sleeps on when the ring is empty: every
    /// publish of the producer, and its drop, then notify it (a fence and a load when
    /// nobody sleeps). Set once per ring; a second call gives the event count back.
    ///
    /// ```
    /// use perdix::ring::EventCount;
    /// use perdix::{AgentType, Buffer};
    /// use std::sync::Arc;
    /// let (mut producer, mut consumer) = Buffer::new(8).unwrap().split();
    /// let events = Arc::new(EventCount::new());
    /// consumer.set_waker(Arc::clone(&events)).unwrap();
    /// let writer = std::thread::spawn(move || {
    ///     producer.try_produce(b"hi", AgentType::Info).unwrap(); // wakes the consumer
    /// });
    /// // Look, announce, look again, sleep.
    /// let message = loop {
    ///     if let Some(message) = consumer.try_consume() {
    ///         break message;
    ///     }
    ///     let key = events.prepare_wait();
    ///     if !consumer.is_empty() {
    ///         events.cancel_wait();
    ///         continue;
    ///     }
    ///     events.wait(key);
    /// };
    /// assert_eq!(message.as_bytes(), b"hi");
    /// writer.join().unwrap();
    /// ```
    pub fn set_waker(&self, waker: Arc<EventCount>) -> Result<(), Arc<EventCount>> {
        self.core.shared.set_consumer_waker(waker)
    }

    /// False once the producer half has been dropped.
    pub fn is_producer_connected(&self) -> bool {
        self.core.producer_attached()
    }

    /// A snapshot of the ring's indices and counters.
    pub fn stats(&self) -> RingStats {
        self.core.shared.stats()
    }
}

impl Drop for Consumer<'_> {
    fn drop(&mut self) {
        self.core.shared.detach(FLAG_CONSUMER_ATTACHED);
    }
}

/// One message in place, released to the producer on drop. Dereferences to
/// [`MessageView`].
pub struct MessageRef<'c> {
    view: MessageView<'c>,
    core: &'c mut ConsumerCore,
}

impl<'c> Deref for MessageRef<'c> {
    type Target = MessageView<'c>;

    fn deref(&self) -> &MessageView<'c> {
        &self.view
    }
}

impl Drop for MessageRef<'_> {
    #[inline]
    fn drop(&mut self) {
        debug_assert_eq!(self.core.read, self.view.seq());
        self.core.release(self.view.slot_count() as u64, 1);
    }
}

/// Every message that was ready when the chunk was taken; released together on drop.
pub struct ReadChunk<'c> {
    core: &'c mut ConsumerCore,
    start: u64,
    slots: u64,
    messages: u64,
}

impl ReadChunk<'_> {
    /// Messages in the chunk.
    pub fn len(&self) -> usize {
        self.messages as usize
    }

    /// True when nothing was ready.
    pub fn is_empty(&self) -> bool {
        self.messages == 0
    }

    /// Slots the chunk spans.
    pub fn slot_count(&self) -> usize {
        self.slots as usize
    }

    /// The messages, in order, in place.
    pub fn iter(&self) -> impl Iterator<Item = MessageView<'_>> + '_ {
        let end = self.start + self.slots;
        let mut seq = self.start;
        std::iter::from_fn(move || {
            if seq == end {
                return None;
            }
            // Every slot of the chunk was seen published when it was taken.
            let slots = self.core.published_message_slots(seq, end - seq);
            let view = self.core.view(seq, slots);
            seq += slots;
            Some(view)
        })
    }
}

impl Drop for ReadChunk<'_> {
    #[inline]
    fn drop(&mut self) {
        debug_assert_eq!(self.core.read, self.start);
        if self.slots > 0 {
            self.core.release(self.slots, self.messages);
        }
    }
}

impl std::fmt::Debug for MessageRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view.fmt(f)
    }
}

impl std::fmt::Debug for ReadChunk<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadChunk")
            .field("start", &self.start)
            .field("slots", &self.slots)
            .field("messages", &self.messages)
            .finish()
    }
}

impl std::fmt::Debug for Consumer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &self.core.capacity)
            .field("read", &self.core.read)
            .finish()
    }
}

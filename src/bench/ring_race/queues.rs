//! The three raced queues: the only code that differs between them.

use super::{Probe, RaceError, RaceQueue, RaceReceiver, RaceSender, Template, MESSAGE_BYTES};
use crate::ring::{validate_slot_count, AgentType, Buffer, Consumer, Producer, Tag};
use crossbeam_queue::ArrayQueue;
use std::sync::Arc;

/// The tag every raced Perdix message carries.
const TAG: Tag = Tag::new(AgentType::Assistant);

/// A peer item: the same 256 bytes a Perdix slot holds.
type Item = [u8; MESSAGE_BYTES];

/// The Perdix ring: one 256-byte slot per message, read in place.
///
/// ```
/// use perdix::bench::ring_race::{PerdixQueue, RaceQueue, RaceReceiver, RaceSender, Template};
/// let (mut sender, mut receiver) = PerdixQueue::channel(4).unwrap();
/// let mut template = Template::new();
/// template.stamp(7);
/// assert!(sender.try_send(&template));
/// assert_eq!(receiver.try_receive().unwrap().stamp, 7);
/// ```
#[derive(Debug)]
pub struct PerdixQueue;

impl RaceQueue for PerdixQueue {
    const NAME: &'static str = "perdix";
    type Sender = Producer<'static>;
    type Receiver = Consumer<'static>;

    fn channel(slots: usize) -> Result<(Producer<'static>, Consumer<'static>), RaceError> {
        let buffer = Buffer::new(slots).map_err(|error| RaceError::setup(Self::NAME, error))?;
        Ok(buffer.split())
    }
}

impl RaceSender for Producer<'static> {
    #[inline]
    fn try_send(&mut self, message: &Template) -> bool {
        self.try_produce(message.payload(), TAG).is_ok()
    }

    #[inline]
    fn try_send_batch(&mut self, template: &mut Template, first: u64, count: usize) -> usize {
        let mut batch = self.batch();
        for offset in 0..count {
            template.stamp(first + offset as u64);
            if batch.push(template.payload(), TAG).is_err() {
                break;
            }
        }
        batch.publish()
    }
}

impl RaceReceiver for Consumer<'static> {
    #[inline]
    fn try_receive(&mut self) -> Option<Probe> {
        let message = self.try_read()?;
        let probe = Probe::read(&message.as_bytes());
        Some(probe)
    }

    #[inline]
    fn try_receive_batch(&mut self, sink: &mut impl FnMut(Probe)) -> usize {
        // Capped like the producer's batches, so slots flow back while the producer writes.
        self.consume_each(super::DEFAULT_BATCH, |message| {
            sink(Probe::read(&message.as_bytes()))
        })
    }
}

/// `rtrb` 0.4: a wait-free SPSC ring of `[u8; 256]` items, pushed and popped by value.
///
/// ```
/// use perdix::bench::ring_race::{RaceQueue, RaceReceiver, RaceSender, RtrbQueue, Template};
/// let (mut sender, mut receiver) = RtrbQueue::channel(4).unwrap();
/// assert!(sender.try_send(&Template::new()));
/// assert!(receiver.try_receive().is_some());
/// ```
#[derive(Debug)]
pub struct RtrbQueue;

impl RaceQueue for RtrbQueue {
    const NAME: &'static str = "rtrb";
    type Sender = rtrb::Producer<Item>;
    type Receiver = rtrb::Consumer<Item>;

    fn channel(slots: usize) -> Result<(rtrb::Producer<Item>, rtrb::Consumer<Item>), RaceError> {
        // Same slot counts as Perdix accepts, so every race compares equal sizes.
        validate_slot_count(slots).map_err(|error| RaceError::setup(Self::NAME, error))?;
        Ok(rtrb::RingBuffer::new(slots))
    }
}

impl RaceSender for rtrb::Producer<Item> {
    #[inline]
    fn try_send(&mut self, message: &Template) -> bool {
        self.push(*message.bytes()).is_ok()
    }
}

impl RaceReceiver for rtrb::Consumer<Item> {
    #[inline]
    fn try_receive(&mut self) -> Option<Probe> {
        self.pop().ok().map(|item| Probe::read(&item))
    }
}

/// `crossbeam-queue`'s `ArrayQueue`: a bounded MPMC queue of `[u8; 256]` items, shared by
/// both halves.
///
/// ```
/// use perdix::bench::ring_race::{CrossbeamQueue, RaceQueue, RaceReceiver, RaceSender, Template};
/// let (mut sender, mut receiver) = CrossbeamQueue::channel(4).unwrap();
/// assert!(sender.try_send(&Template::new()));
/// assert!(receiver.try_receive().is_some());
/// ```
#[derive(Debug)]
pub struct CrossbeamQueue;

/// One end of a shared `ArrayQueue` (the queue itself has no halves).
#[derive(Debug)]
pub struct CrossbeamEnd(Arc<ArrayQueue<Item>>);

impl RaceQueue for CrossbeamQueue {
    const NAME: &'static str = "crossbeam";
    type Sender = CrossbeamEnd;
    type Receiver = CrossbeamEnd;

    fn channel(slots: usize) -> Result<(CrossbeamEnd, CrossbeamEnd), RaceError> {
        validate_slot_count(slots).map_err(|error| RaceError::setup(Self::NAME, error))?;
        let queue = Arc::new(ArrayQueue::new(slots));
        Ok((CrossbeamEnd(Arc::clone(&queue)), CrossbeamEnd(queue)))
    }
}

impl RaceSender for CrossbeamEnd {
    #[inline]
    fn try_send(&mut self, message: &Template) -> bool {
        self.0.push(*message.bytes()).is_ok()
    }
}

impl RaceReceiver for CrossbeamEnd {
    #[inline]
    fn try_receive(&mut self) -> Option<Probe> {
        self.0.pop().map(|item| Probe::read(&item))
    }
}

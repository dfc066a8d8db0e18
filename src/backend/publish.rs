//! The one way records reach a record ring: a message of whole records, however long, goes
//! out over as many consecutive slots as it needs, and a full ring is handled by whoever
//! publishes (the app's stage waits for its consumer; the single-thread pipeline drains the
//! ring itself). A record ring is made large enough for the longest record there can be, so
//! no record is ever refused for its length.

use crate::parse::{ParseError, MAX_RECORD_LEN};
use crate::ring::{AgentType, ProduceError, Producer, Tag, SLOT_PAYLOAD};

/// Slots a record ring needs at least: the longest record there can be (a capped OSC
/// string) fits it whole.
///
/// ```
/// use perdix::backend::MIN_RECORD_SLOTS;
/// use perdix::parse::MAX_RECORD_LEN;
/// assert!(MIN_RECORD_SLOTS * 240 >= MAX_RECORD_LEN);
/// assert!(MIN_RECORD_SLOTS.is_power_of_two());
/// ```
pub const MIN_RECORD_SLOTS: usize = MAX_RECORD_LEN.div_ceil(SLOT_PAYLOAD).next_power_of_two();

/// The tag of a record message of pane `stream`.
pub fn record_tag(stream: u16) -> Tag {
    Tag::new(AgentType::Assistant).with_stream(stream)
}

/// Checks that a record ring of `slots` slots holds the longest record.
///
/// ```
/// use perdix::backend::{check_record_ring, MIN_RECORD_SLOTS};
/// assert!(check_record_ring(MIN_RECORD_SLOTS).is_ok());
/// assert!(check_record_ring(MIN_RECORD_SLOTS / 2).is_err());
/// ```
pub fn check_record_ring(slots: usize) -> Result<(), ParseError> {
    if slots < MIN_RECORD_SLOTS {
        return Err(ParseError::RecordRingTooSmall {
            slots,
            needed: MIN_RECORD_SLOTS,
        });
    }
    Ok(())
}

/// Publishes one message of `stream`'s records (whole records, any length up to the
/// ring's capacity) over as many slots as it needs. While the ring is full,
/// `when_full` is called with the producer to make or wait for room; its error ends the
/// attempt, and the message is then not published.
///
/// ```
/// use perdix::backend::publish_records;
/// use perdix::parse::RecordWriter;
/// use perdix::ring::ProduceError;
/// use perdix::Buffer;
/// let (mut records, mut consumer) = Buffer::new(512).unwrap().split();
/// let mut message = Vec::new();
/// RecordWriter::new(&mut message).osc(&[b'x'; 4000], &[1, 4000], true); // 17 slots
/// publish_records(&mut records, 7, &message, |_| Err(ProduceError::Disconnected)).unwrap();
/// let taken = consumer.try_consume().unwrap();
/// assert_eq!((taken.stream(), taken.as_bytes()), (7, &message[..]));
/// ```
pub fn publish_records<E: From<ProduceError>>(
    records: &mut Producer<'_>,
    stream: u16,
    message: &[u8],
    mut when_full: impl FnMut(&mut Producer<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let tag = record_tag(stream);
    loop {
        match records.try_produce_stream(message, tag) {
            Ok(_) => return Ok(()),
            Err(ProduceError::Full { .. }) => when_full(records)?,
            Err(error) => return Err(error.into()),
        }
    }
}

//! Reading messages: an owned [`Message`] (one copy, no heap for single-slot messages),
//! and [`MessageView`], a zero-copy view of a message's slots in place.

use super::layout::{Slot, SLOT_PAYLOAD};
use super::tag::{AgentType, Tag, CONTINUES};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// A message copied out of the ring.
///
/// ```
/// use perdix::{AgentType, Buffer};
/// let mut buffer = Buffer::new(4).unwrap();
/// let (mut producer, mut consumer) = buffer.split_mut();
/// producer.try_produce(b"caf\xc3\xa9 \xff", AgentType::Info).unwrap();
/// let message = consumer.try_consume().unwrap();
/// assert_eq!(message.seq(), 0);
/// assert_eq!(message.agent_type(), AgentType::Info);
/// assert_eq!(message.as_bytes(), b"caf\xc3\xa9 \xff");
/// assert_eq!(message.as_str(), "café \u{fffd}"); // lossy for invalid UTF-8
/// assert_eq!(message.to_string(), "café \u{fffd}");
/// ```
#[derive(Clone)]
pub struct Message {
    seq: u64,
    tag: Tag,
    bytes: MessageBytes,
}

#[derive(Clone)]
// The inline variant is the point: a one-slot message is copied out without touching the heap.
#[allow(clippy::large_enum_variant)]
enum MessageBytes {
    /// One slot's payload, kept inline so the common case never allocates.
    Inline { len: u8, data: [u8; SLOT_PAYLOAD] },
    /// A reassembled multi-slot message.
    Heap(Vec<u8>),
}

impl Message {
    /// Builds an owned message; mostly useful in tests and models of the ring.
    #[inline]
    pub fn new(seq: u64, tag: Tag, bytes: &[u8]) -> Message {
        let bytes = if bytes.len() <= SLOT_PAYLOAD {
            let mut data = [0; SLOT_PAYLOAD];
            data[..bytes.len()].copy_from_slice(bytes);
            MessageBytes::Inline {
                len: bytes.len() as u8,
                data,
            }
        } else {
            MessageBytes::Heap(bytes.to_vec())
        };
        Message { seq, tag, bytes }
    }

    /// The sequence number of the message's first slot.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The message's tag (agent type and stream).
    pub fn tag(&self) -> Tag {
        self.tag
    }

    /// Who produced the message.
    pub fn agent_type(&self) -> AgentType {
        self.tag.agent_type()
    }

    /// The stream (pane) the message belongs to.
    pub fn stream(&self) -> u16 {
        self.tag.stream()
    }

    /// The payload.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.bytes {
            MessageBytes::Inline { len, data } => &data[..*len as usize],
            MessageBytes::Heap(bytes) => bytes,
        }
    }

    /// The payload as text; invalid UTF-8 becomes U+FFFD.
    pub fn as_str(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }

    /// Payload length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True for an empty payload.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The payload as an owned vector.
    pub fn into_bytes(self) -> Vec<u8> {
        match self.bytes {
            MessageBytes::Inline { len, data } => data[..len as usize].to_vec(),
            MessageBytes::Heap(bytes) => bytes,
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("seq", &self.seq)
            .field("tag", &self.tag)
            .field("text", &self.as_str())
            .finish()
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        self.seq == other.seq && self.tag == other.tag && self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Message {}

/// A zero-copy view of one message in its slots. The consumer keeps the slots reserved
/// while the view's borrow lasts.
#[derive(Clone, Copy)]
pub struct MessageView<'c> {
    slots: NonNull<Slot>,
    mask: u64,
    seq: u64,
    slot_count: u64,
    raw_tag: u32,
    len: usize,
    _slots: PhantomData<&'c Slot>,
}

impl<'c> MessageView<'c> {
    /// # Safety
    /// The `slot_count` slots from `seq` must be published and owned by the consumer for
    /// all of `'c`, and `slots`/`mask` must describe the ring they live in.
    #[inline]
    pub(crate) unsafe fn new(slots: NonNull<Slot>, mask: u64, seq: u64, slot_count: u64) -> MessageView<'c> {
        let mut view = MessageView {
            slots,
            mask,
            seq,
            slot_count,
            raw_tag: 0,
            len: 0,
            _slots: PhantomData,
        };
        // SAFETY: the caller guarantees the head slot is published and ours.
        view.raw_tag = unsafe { *view.slot(0).tag.get() } & !CONTINUES;
        // One-slot messages are the hot path: no iterator for the common case.
        view.len = if slot_count == 1 {
            view.piece(0).len()
        } else {
            view.pieces().map(<[u8]>::len).sum()
        };
        view
    }

    #[inline]
    fn slot(&self, offset: u64) -> &'c Slot {
        let index = ((self.seq + offset) & self.mask) as usize;
        // SAFETY: `index <= mask`, within the ring, which outlives `'c` (see `new`).
        unsafe { &*self.slots.as_ptr().add(index) }
    }

    /// The payload of the `offset`-th slot of the message.
    #[inline]
    fn piece(&self, offset: u64) -> &'c [u8] {
        let slot = self.slot(offset);
        // SAFETY: the slot is published and reserved for the consumer for `'c`, so nobody
        // writes it; the length is clamped so even a corrupt `len` stays inside the payload.
        unsafe {
            let len = (*slot.len.get() as usize).min(SLOT_PAYLOAD);
            std::slice::from_raw_parts(slot.payload.get().cast::<u8>(), len)
        }
    }

    /// The sequence number of the message's first slot.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The message's tag.
    pub fn tag(&self) -> Tag {
        Tag::decode(self.raw_tag)
    }

    /// Who produced the message.
    pub fn agent_type(&self) -> AgentType {
        self.tag().agent_type()
    }

    /// The stream (pane) the message belongs to.
    pub fn stream(&self) -> u16 {
        self.tag().stream()
    }

    /// Payload length in bytes, over all slots.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty payload.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots the message occupies.
    pub fn slot_count(&self) -> usize {
        self.slot_count as usize
    }

    /// The payload slot by slot, without copying.
    pub fn pieces(&self) -> impl Iterator<Item = &'c [u8]> + 'c {
        let view = *self;
        (0..self.slot_count).map(move |offset| view.piece(offset))
    }

    /// The payload: borrowed in place for a one-slot message, copied for a longer one.
    #[inline]
    pub fn as_bytes(&self) -> Cow<'c, [u8]> {
        if self.slot_count == 1 {
            Cow::Borrowed(self.piece(0))
        } else {
            let mut bytes = Vec::with_capacity(self.len);
            self.copy_to(&mut bytes);
            Cow::Owned(bytes)
        }
    }

    /// The payload as text, lossy for invalid UTF-8.
    pub fn as_str(&self) -> Cow<'c, str> {
        match self.as_bytes() {
            Cow::Borrowed(bytes) => String::from_utf8_lossy(bytes),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// Appends the payload to `out`.
    pub fn copy_to(&self, out: &mut Vec<u8>) {
        for piece in self.pieces() {
            out.extend_from_slice(piece);
        }
    }

    /// Copies the message out.
    #[inline]
    pub fn to_message(&self) -> Message {
        match self.as_bytes() {
            // Already reassembled: keep the copy rather than make another.
            Cow::Owned(bytes) if bytes.len() > SLOT_PAYLOAD => Message {
                seq: self.seq,
                tag: self.tag(),
                bytes: MessageBytes::Heap(bytes),
            },
            bytes => Message::new(self.seq, self.tag(), &bytes),
        }
    }
}

impl fmt::Debug for MessageView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageView")
            .field("seq", &self.seq)
            .field("tag", &self.tag())
            .field("slots", &self.slot_count)
            .field("text", &self.as_str())
            .finish()
    }
}

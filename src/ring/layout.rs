//! The exact memory layout shared by every producer of the ring (CPU threads today, GPU
//! kernels later). Offsets and sizes here are a contract: they are asserted at compile time
//! and mirrored by the device code.
//!
//! | region | offset | size | contents |
//! | --- | --- | --- | --- |
//! | header, producer line | 0 | 64 | write index, message and wait counters |
//! | header, consumer line | 64 | 64 | read index, message and wait counters |
//! | header, config line | 128 | 64 | magic, layout version, slot count, mask (read-only after init) |
//! | header, control line | 192 | 64 | attached-halves flags, split epoch |
//! | slot `i` | 256 + 256·i | 256 | `seq` u64 @0, `len` u32 @8, `tag` u32 @12, payload @16 |

use std::cell::UnsafeCell;
use std::mem::{align_of, offset_of, size_of};
use std::sync::atomic::{AtomicU32, AtomicU64};

/// Bytes in one slot.
pub const SLOT_SIZE: usize = 256;
/// Payload bytes one slot carries.
pub const SLOT_PAYLOAD: usize = 240;
/// Bytes in the ring header that precedes the slots.
pub const HEADER_SIZE: usize = 256;
/// The `seq` value of a slot that has never been written.
pub const EMPTY_SEQ: u64 = u64::MAX;
/// Identifies ring memory laid out by this version of Perdix ("PERDIXR1").
pub const RING_MAGIC: u64 = u64::from_le_bytes(*b"PERDIXR1");
/// Layout version stored in the config line.
pub const LAYOUT_VERSION: u32 = 1;
/// The false-sharing granule of the target, set by `build.rs` (64 on x86_64, 128 on aarch64).
pub const CACHE_LINE: usize = parse_decimal(env!("PERDIX_CACHE_LINE_BYTES"));

const fn parse_decimal(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as usize;
        i += 1;
    }
    value
}

/// One 256-byte slot. `seq` is the publication flag: the slot holds sequence `s` exactly
/// when `seq == s`. The other fields are plain memory owned by whichever side the indices
/// say owns the slot, hence `UnsafeCell`.
#[repr(C, align(64))]
pub(crate) struct Slot {
    pub(crate) seq: AtomicU64,
    pub(crate) len: UnsafeCell<u32>,
    pub(crate) tag: UnsafeCell<u32>,
    pub(crate) payload: UnsafeCell<[u8; SLOT_PAYLOAD]>,
}

/// Written only by the producer.
#[repr(C, align(64))]
pub(crate) struct ProducerLine {
    /// Next sequence number the producer will write (slots published so far).
    pub(crate) write: AtomicU64,
    /// Messages published (a multi-slot message counts once).
    pub(crate) messages: AtomicU64,
    /// Times the producer found the ring full.
    pub(crate) full_waits: AtomicU64,
}

/// Written only by the consumer.
#[repr(C, align(64))]
pub(crate) struct ConsumerLine {
    /// Next sequence number the consumer will read; every slot below it is free again.
    pub(crate) read: AtomicU64,
    /// Messages consumed.
    pub(crate) messages: AtomicU64,
    /// Times the consumer found the ring empty while waiting.
    pub(crate) empty_waits: AtomicU64,
}

/// Written once before the halves exist, read-only afterwards.
#[repr(C, align(64))]
pub(crate) struct ConfigLine {
    pub(crate) magic: u64,
    pub(crate) slot_count: u64,
    pub(crate) mask: u64,
    pub(crate) version: u32,
    pub(crate) slot_size: u32,
    pub(crate) payload_offset: u32,
    pub(crate) payload_capacity: u32,
}

/// Attachment flags and the split epoch, changed only when halves are created or dropped.
#[repr(C, align(64))]
pub(crate) struct ControlLine {
    pub(crate) flags: AtomicU32,
    pub(crate) epoch: AtomicU32,
}

/// `ControlLine::flags` bit: a producer half exists.
pub(crate) const FLAG_PRODUCER_ATTACHED: u32 = 1;
/// `ControlLine::flags` bit: a consumer half exists.
pub(crate) const FLAG_CONSUMER_ATTACHED: u32 = 2;

#[repr(C)]
pub(crate) struct Header {
    pub(crate) producer: ProducerLine,
    pub(crate) consumer: ConsumerLine,
    pub(crate) config: ConfigLine,
    pub(crate) control: ControlLine,
}

// The device code writes these offsets directly; a change here must be a layout version bump.
const _: () = {
    assert!(size_of::<Slot>() == SLOT_SIZE);
    assert!(align_of::<Slot>() == 64);
    assert!(offset_of!(Slot, seq) == 0);
    assert!(offset_of!(Slot, len) == 8);
    assert!(offset_of!(Slot, tag) == 12);
    assert!(offset_of!(Slot, payload) == 16);
    assert!(offset_of!(Slot, payload) % 16 == 0);
    assert!(size_of::<ProducerLine>() == 64);
    assert!(size_of::<ConsumerLine>() == 64);
    assert!(size_of::<ConfigLine>() == 64);
    assert!(size_of::<ControlLine>() == 64);
    assert!(size_of::<Header>() == HEADER_SIZE);
    assert!(offset_of!(Header, producer) == 0);
    assert!(offset_of!(Header, consumer) == 64);
    assert!(offset_of!(Header, config) == 128);
    assert!(offset_of!(Header, control) == 192);
    assert!(HEADER_SIZE.is_multiple_of(SLOT_SIZE));
    assert!(CACHE_LINE == 64 || CACHE_LINE == 128);
};

/// Byte offset of a slot field, for code that addresses ring memory without these types
/// (kernels, shaders).
pub mod offsets {
    /// Offset of `seq` (u64) inside a slot.
    pub const SEQ: usize = 0;
    /// Offset of `len` (u32) inside a slot.
    pub const LEN: usize = 8;
    /// Offset of `tag` (u32) inside a slot.
    pub const TAG: usize = 12;
    /// Offset of the payload inside a slot.
    pub const PAYLOAD: usize = 16;
    /// Offset of the producer's write index inside the header.
    pub const HEADER_WRITE: usize = 0;
    /// Offset of the consumer's read index inside the header.
    pub const HEADER_READ: usize = 64;
}

const _: () = {
    assert!(offsets::SEQ == offset_of!(Slot, seq));
    assert!(offsets::LEN == offset_of!(Slot, len));
    assert!(offsets::TAG == offset_of!(Slot, tag));
    assert!(offsets::PAYLOAD == offset_of!(Slot, payload));
    assert!(offsets::HEADER_WRITE == offset_of!(Header, producer) + offset_of!(ProducerLine, write));
    assert!(offsets::HEADER_READ == offset_of!(Header, consumer) + offset_of!(ConsumerLine, read));
};

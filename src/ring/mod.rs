//! The lock-free single-producer single-consumer ring of 256-byte slots.
//!
//! Layout and protocol (see [`layout`] for the byte offsets):
//! - a slot holds sequence `s` exactly when its `seq` equals `s`; every `seq` starts at
//!   `u64::MAX`, which no sequence reaches;
//! - the producer writes payload, `len` and `tag` (the slot's first cache line last),
//!   stores `seq` with Release, then its write index; the consumer loads `seq` with
//!   Acquire, and that slot-local flag is its whole view of the producer, so a waiting
//!   consumer never polls the producer's header line;
//! - the consumer frees slots by storing its read index with Release; the producer
//!   caches that index and re-reads it (Acquire) only when the ring looks full;
//! - a message longer than one payload spans consecutive slots, each but the last with
//!   the continuation bit, and its head is published last so that a reader sees all of
//!   it or none of it;
//! - a full ring makes the producer wait or fail; nothing is ever overwritten.

mod buffer;
mod consumer;
mod error;
mod event_count;
pub mod layout;
mod memory;
mod message;
mod producer;
mod tag;
pub(crate) mod wait;

pub use buffer::{validate_slot_count, Buffer, RingStats, MAX_SLOTS, MIN_SLOTS};
pub use consumer::{Consumer, MessageRef, ReadChunk};
pub use error::{ConsumeError, ProduceError, RingError};
pub use event_count::{EventCount, NotifyOnDrop, WaitKey};
pub use layout::{CACHE_LINE, SLOT_PAYLOAD, SLOT_SIZE};
pub use memory::{HeapMemory, HeapProvider, MemoryProvider, RingMemory, RING_ALIGN};
pub use message::{Message, MessageView};
pub use producer::{Batch, Producer};
pub use tag::{AgentType, Tag};

//! Typed errors of the ring.

use thiserror::Error;

/// Why a ring could not be created.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RingError {
    /// The slot count must be a power of two.
    #[error("slot count {0} is not a power of two")]
    NotPowerOfTwo(usize),
    /// The slot count is below the minimum of 2.
    #[error("slot count {requested} is below the minimum of {min}")]
    TooFewSlots {
        /// The slot count asked for.
        requested: usize,
        /// The smallest slot count accepted.
        min: usize,
    },
    /// The slot count is above the maximum.
    #[error("slot count {requested} is above the maximum of {max}")]
    TooManySlots {
        /// The slot count asked for.
        requested: usize,
        /// The largest slot count accepted.
        max: usize,
    },
    /// The memory provider could not supply the ring's memory.
    #[error("could not allocate {bytes} bytes of ring memory from the {provider} provider")]
    OutOfMemory {
        /// Bytes requested.
        bytes: usize,
        /// Which provider failed.
        provider: &'static str,
    },
    /// Memory handed over by a provider is too small or misaligned.
    #[error("ring memory from the {provider} provider is unusable: {reason}")]
    BadMemory {
        /// Which provider supplied it.
        provider: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Why a message was not produced. The message is untouched and may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ProduceError {
    /// Not enough free slots right now; retry after the consumer catches up.
    #[error("ring full: {needed} slot(s) needed, {free} free")]
    Full {
        /// Slots the message needs.
        needed: usize,
        /// Slots free when the producer looked.
        free: usize,
    },
    /// The message can never fit: over one slot's payload for a single-slot call, or over
    /// the whole ring for a stream call.
    #[error("message of {len} bytes is larger than the {max}-byte limit")]
    TooLarge {
        /// Length of the message.
        len: usize,
        /// The largest length this call accepts on this ring.
        max: usize,
    },
    /// The consumer half was dropped; nobody will ever read the message.
    #[error("the consumer was dropped")]
    Disconnected,
    /// A timed produce gave up waiting for room.
    #[error("timed out waiting for {needed} free slot(s)")]
    Timeout {
        /// Slots the message needs.
        needed: usize,
    },
}

/// Why a timed consume returned without a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ConsumeError {
    /// Nothing arrived before the deadline.
    #[error("timed out waiting for a message")]
    Timeout,
    /// The ring is empty and the producer half was dropped: nothing more will arrive.
    #[error("the producer was dropped and the ring is empty")]
    Disconnected,
}

//! A race of the Perdix ring against `rtrb` and `crossbeam-queue`'s `ArrayQueue`.
//!
//! Every queue carries the same 256-byte message: for Perdix one slot (a 16-byte header
//! and a 240-byte payload), for the peers a `[u8; 256]` item. Every queue goes through the
//! same driver code, generic over [`RaceQueue`]; only the few lines that call each queue's
//! own API differ ([`PerdixQueue`], [`RtrbQueue`], [`CrossbeamQueue`]).
//!
//! The consumer does the same small work on every message of every queue: it reads the
//! message's stamp and check byte ([`Probe`]), checks the order and folds a checksum
//! through [`std::hint::black_box`]. Each run verifies count, order and checksum, so no
//! message can be lost or optimised away unnoticed.
//!
//! ```
//! use perdix::bench::ring_race::{run_round_trips, run_throughput, PerdixQueue, RaceConfig, RtrbQueue};
//! let config = RaceConfig::new(64, 10_000);
//! let perdix = run_throughput::<PerdixQueue>(&config).unwrap();
//! let rtrb = run_throughput::<RtrbQueue>(&config).unwrap();
//! assert_eq!(perdix.messages, rtrb.messages);
//! let latency = run_round_trips::<PerdixQueue>(&RaceConfig::new(64, 1_000)).unwrap();
//! assert!(latency.p50() <= latency.p99());
//! ```

mod latency;
mod pinning;
mod queues;
mod throughput;

pub use latency::{run_round_trips, LatencyRun};
pub use pinning::CorePlan;
pub use queues::{CrossbeamEnd, CrossbeamQueue, PerdixQueue, RtrbQueue};
pub use throughput::{run_throughput, ThroughputRun};

use crate::ring::{RingError, SLOT_PAYLOAD, SLOT_SIZE};
use std::hint::black_box;
use thiserror::Error;

/// Bytes every queue carries per message: one Perdix slot, one `[u8; 256]` peer item.
pub const MESSAGE_BYTES: usize = SLOT_SIZE;

/// Bytes of a message that Perdix carries as payload (the rest is its slot header).
pub const PAYLOAD_BYTES: usize = SLOT_PAYLOAD;

/// Offset of the check byte: the last payload byte, so reading it touches the far end
/// of the message in every queue.
const CHECK_OFFSET: usize = PAYLOAD_BYTES - 1;

/// Messages per Perdix batch in [`SendMode::Batch`] unless told otherwise.
pub const DEFAULT_BATCH: usize = 64;

/// How the producer hands messages over and the consumer takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMode {
    /// One message per call on both sides.
    Single,
    /// Up to this many messages per producer call, published at once; the consumer takes
    /// everything ready in one call. Queues without a batch API fall back to single calls.
    Batch(usize),
}

/// What to race.
///
/// ```
/// use perdix::bench::ring_race::{RaceConfig, SendMode};
/// let config = RaceConfig::new(4096, 1_000_000).with_mode(SendMode::Batch(32));
/// assert_eq!(config.slots, 4096);
/// assert_eq!(config.mode, SendMode::Batch(32));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaceConfig {
    /// Slots (items) in every queue; the same for all of them.
    pub slots: usize,
    /// Messages per throughput run, or round trips per latency run.
    pub messages: u64,
    /// Single or batched hand-over.
    pub mode: SendMode,
    /// Pin the two threads to two different cores when the machine has two or more.
    pub pin: bool,
}

impl RaceConfig {
    /// Single-message hand-over, pinned threads.
    pub fn new(slots: usize, messages: u64) -> RaceConfig {
        RaceConfig {
            slots,
            messages,
            mode: SendMode::Single,
            pin: true,
        }
    }

    /// The same race with another hand-over mode.
    #[must_use]
    pub fn with_mode(self, mode: SendMode) -> RaceConfig {
        RaceConfig { mode, ..self }
    }
}

/// Why a race could not run or did not deliver what was sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RaceError {
    /// The queue could not be built with the requested slot count.
    #[error("cannot build the {queue} queue: {reason}")]
    Setup {
        /// Which queue.
        queue: &'static str,
        /// Why not.
        reason: String,
    },
    /// Messages arrived out of order, twice, or not at all, or their contents changed.
    #[error(
        "{queue} delivered wrong messages: {received} received, {misordered} out of order, \
         checksum {checksum:#x} (expected {expected:#x})"
    )]
    Corrupted {
        /// Which queue.
        queue: &'static str,
        /// Messages the consumer took.
        received: u64,
        /// Messages whose stamp was not the one expected next.
        misordered: u64,
        /// The consumer's checksum.
        checksum: u64,
        /// The checksum of the messages sent.
        expected: u64,
    },
}

impl RaceError {
    fn setup(queue: &'static str, error: RingError) -> RaceError {
        RaceError::Setup {
            queue,
            reason: error.to_string(),
        }
    }
}

/// The 256-byte message the producer sends, restamped before every send.
///
/// ```
/// use perdix::bench::ring_race::{Probe, Template};
/// let mut template = Template::new();
/// template.stamp(42);
/// assert_eq!(Probe::read(template.payload()), Probe::expected(42));
/// assert_eq!(template.bytes().len(), 256);
/// ```
#[derive(Debug, Clone)]
pub struct Template {
    bytes: [u8; MESSAGE_BYTES],
}

impl Default for Template {
    fn default() -> Template {
        Template::new()
    }
}

impl Template {
    /// A message of recognisable filler bytes.
    pub fn new() -> Template {
        let mut bytes = [0; MESSAGE_BYTES];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = (index as u8).wrapping_mul(7).wrapping_add(1);
        }
        Template { bytes }
    }

    /// Writes the stamp of message number `stamp` and its check byte.
    #[inline]
    pub fn stamp(&mut self, stamp: u64) {
        self.bytes[..8].copy_from_slice(&stamp.to_le_bytes());
        self.bytes[CHECK_OFFSET] = check_byte(stamp);
    }

    /// The whole message, as a peer queue carries it.
    #[inline]
    pub fn bytes(&self) -> &[u8; MESSAGE_BYTES] {
        &self.bytes
    }

    /// The first 240 bytes, as a Perdix slot carries them beside its 16-byte header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.bytes[..PAYLOAD_BYTES]
    }
}

/// The check byte of message `stamp`: depends on the stamp so stale bytes are caught.
#[inline]
fn check_byte(stamp: u64) -> u8 {
    (stamp as u8).wrapping_mul(31) ^ 0x5a
}

/// What the consumer reads from each message: its stamp and its check byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// The message number the producer wrote.
    pub stamp: u64,
    /// The byte at the end of the payload.
    pub check: u8,
}

impl Probe {
    /// Reads a received message (at least the 240 payload bytes).
    #[inline]
    pub fn read(bytes: &[u8]) -> Probe {
        let mut stamp = [0; 8];
        stamp.copy_from_slice(&bytes[..8]);
        Probe {
            stamp: u64::from_le_bytes(stamp),
            check: bytes[CHECK_OFFSET],
        }
    }

    /// The probe of an intact message number `stamp`.
    pub fn expected(stamp: u64) -> Probe {
        Probe {
            stamp,
            check: check_byte(stamp),
        }
    }
}

/// The consumer's per-message work and its verdict: order check and checksum.
///
/// ```
/// use perdix::bench::ring_race::{Probe, Tally};
/// let mut tally = Tally::default();
/// (0..10).for_each(|stamp| tally.absorb(Probe::expected(stamp)));
/// assert_eq!(tally.received, 10);
/// assert_eq!(tally.misordered, 0);
/// assert_eq!(tally.checksum, Tally::expected_checksum(0, 10));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Messages taken.
    pub received: u64,
    /// Messages whose stamp was not the one expected next.
    pub misordered: u64,
    /// Fold of every message's stamp and check byte.
    pub checksum: u64,
}

impl Tally {
    /// Counts one message, checks its order and folds it into the checksum.
    #[inline]
    pub fn absorb(&mut self, probe: Probe) {
        // black_box: the fold must be computed from the bytes actually read.
        let probe = black_box(probe);
        self.misordered += u64::from(probe.stamp != self.received);
        self.checksum = fold(self.checksum, probe);
        self.received += 1;
    }

    /// The checksum of intact messages `first..end` absorbed in order from a fresh tally.
    pub fn expected_checksum(first: u64, end: u64) -> u64 {
        (first..end).fold(0, |checksum, stamp| fold(checksum, Probe::expected(stamp)))
    }

    /// Ok when exactly `sent` intact messages arrived in order.
    pub fn verify(&self, queue: &'static str, sent: u64) -> Result<(), RaceError> {
        let expected = Tally::expected_checksum(0, sent);
        if self.received == sent && self.misordered == 0 && self.checksum == expected {
            return Ok(());
        }
        Err(RaceError::Corrupted {
            queue,
            received: self.received,
            misordered: self.misordered,
            checksum: self.checksum,
            expected,
        })
    }
}

#[inline]
fn fold(checksum: u64, probe: Probe) -> u64 {
    checksum.rotate_left(5) ^ probe.stamp.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(probe.check)
}

/// The sending half of a raced queue.
pub trait RaceSender: Send + 'static {
    /// Sends one message; false when the queue is full.
    fn try_send(&mut self, message: &Template) -> bool;

    /// Sends up to `count` messages stamped `first`, `first + 1`, …; returns how many
    /// went. The default sends them one by one, stopping when the queue is full.
    #[inline]
    fn try_send_batch(&mut self, template: &mut Template, first: u64, count: usize) -> usize {
        for offset in 0..count {
            template.stamp(first + offset as u64);
            if !self.try_send(template) {
                return offset;
            }
        }
        count
    }
}

/// The receiving half of a raced queue.
pub trait RaceReceiver: Send + 'static {
    /// Takes one message and reads its probe; None when the queue is empty.
    fn try_receive(&mut self) -> Option<Probe>;

    /// Takes every message ready (or, by default, one), handing each probe to `sink`;
    /// returns how many.
    #[inline]
    fn try_receive_batch(&mut self, sink: &mut impl FnMut(Probe)) -> usize {
        match self.try_receive() {
            Some(probe) => {
                sink(probe);
                1
            }
            None => 0,
        }
    }
}

/// A queue that can be raced: a name and a constructor of its two halves.
pub trait RaceQueue {
    /// The name printed in tables.
    const NAME: &'static str;
    /// The producing half.
    type Sender: RaceSender;
    /// The consuming half.
    type Receiver: RaceReceiver;

    /// A queue of exactly `slots` messages.
    fn channel(slots: usize) -> Result<(Self::Sender, Self::Receiver), RaceError>;
}

/// Spins on `attempt` until it returns something.
#[inline]
fn spin_until<T>(mut attempt: impl FnMut() -> Option<T>) -> T {
    loop {
        if let Some(value) = attempt() {
            return value;
        }
        std::hint::spin_loop();
    }
}

/// The value at quantile `q` (0 to 1) of sorted samples, by nearest rank; 0 when empty.
///
/// ```
/// use perdix::bench::ring_race::percentile;
/// let sorted: Vec<u64> = (1..=100).collect();
/// assert_eq!(percentile(&sorted, 0.5), 51);
/// assert_eq!(percentile(&sorted, 0.99), 99);
/// assert_eq!(percentile(&[], 0.5), 0);
/// ```
pub fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    sorted[rank]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn race_all(mode: SendMode) {
        let config = RaceConfig::new(16, if cfg!(miri) { 200 } else { 50_000 }).with_mode(mode);
        run_throughput::<PerdixQueue>(&config).unwrap();
        run_throughput::<RtrbQueue>(&config).unwrap();
        run_throughput::<CrossbeamQueue>(&config).unwrap();
    }

    #[test]
    fn every_queue_delivers_every_message_in_order() {
        race_all(SendMode::Single);
        race_all(SendMode::Batch(8));
    }

    #[test]
    fn every_queue_completes_round_trips() {
        let config = RaceConfig::new(4, if cfg!(miri) { 50 } else { 5_000 });
        for run in [
            run_round_trips::<PerdixQueue>(&config).unwrap(),
            run_round_trips::<RtrbQueue>(&config).unwrap(),
            run_round_trips::<CrossbeamQueue>(&config).unwrap(),
        ] {
            assert_eq!(run.rounds(), config.messages as usize);
            assert!(run.p50() <= run.p99());
        }
    }

    #[test]
    fn a_lost_message_is_reported() {
        let mut tally = Tally::default();
        for stamp in [0, 1, 3] {
            tally.absorb(Probe::expected(stamp));
        }
        assert!(matches!(
            tally.verify("test", 4),
            Err(RaceError::Corrupted { misordered: 1, .. })
        ));
    }

    #[test]
    fn a_damaged_message_is_reported() {
        let mut tally = Tally::default();
        tally.absorb(Probe { stamp: 0, check: 0 });
        assert!(tally.verify("test", 1).is_err());
    }

    #[test]
    fn bad_slot_counts_are_errors() {
        assert!(PerdixQueue::channel(5000).is_err());
        assert!(RtrbQueue::channel(0).is_err());
        assert!(CrossbeamQueue::channel(0).is_err());
    }
}

//! Throughput: one producer thread streams stamped messages to one consumer thread.

use super::MESSAGE_BYTES;
use super::{
    spin_until, CorePlan, RaceConfig, RaceError, RaceQueue, RaceReceiver, RaceSender, SendMode, Tally,
    Template,
};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// Untimed messages sent first, so every queue starts the timed part with its memory
/// touched (no first-write page faults) and both threads running.
fn warmup_messages(slots: usize) -> u64 {
    (slots as u64).saturating_mul(2).clamp(1024, 1 << 16)
}

/// The outcome of one throughput run.
///
/// ```
/// use perdix::bench::ring_race::{SendMode, ThroughputRun};
/// use std::time::Duration;
/// let run = ThroughputRun {
///     queue: "x",
///     mode: SendMode::Single,
///     messages: 1_000_000,
///     elapsed: Duration::from_millis(100),
/// };
/// assert_eq!(run.messages_per_second(), 10_000_000.0);
/// assert!((run.gigabytes_per_second() - 2.56).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThroughputRun {
    /// Which queue ran.
    pub queue: &'static str,
    /// How messages were handed over.
    pub mode: SendMode,
    /// Messages timed (all verified).
    pub messages: u64,
    /// From both threads starting to the last message consumed.
    pub elapsed: Duration,
}

impl ThroughputRun {
    /// Messages per second.
    pub fn messages_per_second(&self) -> f64 {
        self.messages as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// Message bytes (256 per message) per second, in 10^9 bytes.
    pub fn gigabytes_per_second(&self) -> f64 {
        self.messages_per_second() * MESSAGE_BYTES as f64 / 1e9
    }
}

/// Streams `config.messages` messages through a fresh queue of `config.slots` slots from
/// one thread to another, busy-spinning when the queue is full or empty, and verifies
/// that all of them arrived intact and in order.
///
/// ```
/// use perdix::bench::ring_race::{run_throughput, CrossbeamQueue, RaceConfig};
/// let run = run_throughput::<CrossbeamQueue>(&RaceConfig::new(32, 5_000)).unwrap();
/// assert_eq!((run.queue, run.messages), ("crossbeam", 5_000));
/// ```
pub fn run_throughput<Q: RaceQueue>(config: &RaceConfig) -> Result<ThroughputRun, RaceError> {
    let (mut sender, mut receiver) = Q::channel(config.slots)?;
    let plan = CorePlan::detect(config.pin);
    let mode = config.mode;
    let warmup = warmup_messages(config.slots);
    let total = warmup + config.messages;
    let started = Barrier::new(2);
    let (tally, elapsed) = thread::scope(|scope| {
        let started = &started;
        let producer = scope.spawn(move || {
            plan.pin_producer();
            let mut template = Template::new();
            send(&mut sender, &mut template, mode, 0, warmup);
            started.wait();
            send(&mut sender, &mut template, mode, warmup, total);
        });
        let consumer = scope.spawn(move || {
            plan.pin_consumer();
            let mut tally = Tally::default();
            receive(&mut receiver, &mut tally, mode, warmup);
            started.wait();
            let start = Instant::now();
            receive(&mut receiver, &mut tally, mode, total);
            (tally, start.elapsed())
        });
        join(producer);
        join(consumer)
    });
    tally.verify(Q::NAME, total)?;
    Ok(ThroughputRun {
        queue: Q::NAME,
        mode,
        messages: config.messages,
        elapsed,
    })
}

/// Sends messages `first..end`, spinning while the queue is full.
#[inline(never)]
fn send<S: RaceSender>(sender: &mut S, template: &mut Template, mode: SendMode, first: u64, end: u64) {
    let mut next = first;
    match mode {
        SendMode::Single => {
            while next < end {
                template.stamp(next);
                spin_until(|| sender.try_send(template).then_some(()));
                next += 1;
            }
        }
        SendMode::Batch(size) => {
            let size = size.max(1) as u64;
            while next < end {
                let count = size.min(end - next) as usize;
                let sent = sender.try_send_batch(template, next, count);
                if sent == 0 {
                    std::hint::spin_loop();
                }
                next += sent as u64;
            }
        }
    }
}

/// Receives until `tally` has counted `end` messages, spinning while the queue is empty.
#[inline(never)]
fn receive<R: RaceReceiver>(receiver: &mut R, tally: &mut Tally, mode: SendMode, end: u64) {
    match mode {
        SendMode::Single => {
            while tally.received < end {
                match receiver.try_receive() {
                    Some(probe) => tally.absorb(probe),
                    None => std::hint::spin_loop(),
                }
            }
        }
        SendMode::Batch(_) => {
            while tally.received < end {
                if receiver.try_receive_batch(&mut |probe| tally.absorb(probe)) == 0 {
                    std::hint::spin_loop();
                }
            }
        }
    }
}

/// Joins a racing thread, passing its panic on.
pub(super) fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

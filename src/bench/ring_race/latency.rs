//! Round-trip latency: a message goes out through one queue and comes back through another.

use super::throughput::join;
use super::{percentile, spin_until, CorePlan, RaceConfig, RaceError, RaceQueue, RaceReceiver, RaceSender};
use super::{Tally, Template};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// Untimed round trips made first, so both threads and both queues are warm.
fn warmup_rounds(rounds: u64) -> u64 {
    (rounds / 10).clamp(100, 10_000)
}

/// The round-trip times of one latency run, sorted.
///
/// ```
/// use perdix::bench::ring_race::LatencyRun;
/// use std::time::Duration;
/// let run = LatencyRun::from_samples("x", (1..=100).rev().collect());
/// assert_eq!(run.rounds(), 100);
/// assert_eq!(run.p50(), Duration::from_nanos(51));
/// assert_eq!(run.p99(), Duration::from_nanos(99));
/// assert_eq!(run.total(), Duration::from_nanos(5050));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyRun {
    /// Which queue ran.
    pub queue: &'static str,
    sorted_nanos: Vec<u64>,
}

impl LatencyRun {
    /// A run from per-round-trip samples in nanoseconds, in any order.
    pub fn from_samples(queue: &'static str, mut nanos: Vec<u64>) -> LatencyRun {
        nanos.sort_unstable();
        LatencyRun {
            queue,
            sorted_nanos: nanos,
        }
    }

    /// Round trips timed.
    pub fn rounds(&self) -> usize {
        self.sorted_nanos.len()
    }

    /// The round-trip time at quantile `q` (0 to 1).
    pub fn quantile(&self, q: f64) -> Duration {
        Duration::from_nanos(percentile(&self.sorted_nanos, q))
    }

    /// The median round trip.
    pub fn p50(&self) -> Duration {
        self.quantile(0.50)
    }

    /// The 99th-percentile round trip.
    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }

    /// All timed round trips together.
    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.sorted_nanos.iter().sum())
    }

    /// The samples in nanoseconds, sorted.
    pub fn samples_nanos(&self) -> &[u64] {
        &self.sorted_nanos
    }
}

/// Ping-pong through two fresh queues of `config.slots` slots: the pinging thread sends a
/// message, the ponging thread sends it back, and the pinging thread times each round
/// trip with [`Instant`]. Makes `config.messages` timed round trips, one message in flight
/// at a time (`config.mode` does not apply), and verifies every message on both sides.
///
/// ```
/// use perdix::bench::ring_race::{run_round_trips, RaceConfig, RtrbQueue};
/// let run = run_round_trips::<RtrbQueue>(&RaceConfig::new(8, 500)).unwrap();
/// assert_eq!(run.rounds(), 500);
/// ```
pub fn run_round_trips<Q: RaceQueue>(config: &RaceConfig) -> Result<LatencyRun, RaceError> {
    let (mut ping_sender, mut ping_receiver) = Q::channel(config.slots)?;
    let (mut pong_sender, mut pong_receiver) = Q::channel(config.slots)?;
    let plan = CorePlan::detect(config.pin);
    let warmup = warmup_rounds(config.messages);
    let total = warmup + config.messages;
    let started = Barrier::new(2);
    let (ping_tally, pong_tally, samples) = thread::scope(|scope| {
        let started = &started;
        let ponger = scope.spawn(move || {
            plan.pin_consumer();
            let mut template = Template::new();
            let mut tally = Tally::default();
            started.wait();
            for _ in 0..total {
                let probe = spin_until(|| ping_receiver.try_receive());
                tally.absorb(probe);
                template.stamp(probe.stamp);
                spin_until(|| pong_sender.try_send(&template).then_some(()));
            }
            tally
        });
        let pinger = scope.spawn(move || {
            plan.pin_producer();
            let mut template = Template::new();
            let mut tally = Tally::default();
            let mut samples = Vec::with_capacity(config.messages as usize);
            started.wait();
            let mut last = Instant::now();
            for stamp in 0..total {
                template.stamp(stamp);
                spin_until(|| ping_sender.try_send(&template).then_some(()));
                tally.absorb(spin_until(|| pong_receiver.try_receive()));
                // One clock read per round trip: each sample runs from the previous reply
                // to this one, so it holds exactly one send, one echo and one receive.
                let now = Instant::now();
                if stamp >= warmup {
                    samples.push((now - last).as_nanos() as u64);
                }
                last = now;
            }
            (tally, samples)
        });
        let pong_tally = join(ponger);
        let (ping_tally, samples) = join(pinger);
        (ping_tally, pong_tally, samples)
    });
    pong_tally.verify(Q::NAME, total)?;
    ping_tally.verify(Q::NAME, total)?;
    Ok(LatencyRun::from_samples(Q::NAME, samples))
}

//! Round-trip latency of one 256-byte message ping-ponged between two pinned threads
//! through two queues: Perdix, `rtrb` and `crossbeam-queue`, through the same driver.
//!
//! One iteration is one round trip. After each queue, the p50 and p99 of every round trip
//! Criterion timed are printed. `PERDIX_BENCH_SLOTS` sets the slot count of every queue
//! (a power of two, default 4096).

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use perdix::bench::ring_race::{
    run_round_trips, CrossbeamQueue, LatencyRun, PerdixQueue, RaceConfig, RaceQueue, RtrbQueue,
};
use std::time::Duration;

/// Slot count of every raced queue, from `PERDIX_BENCH_SLOTS` or 4096.
fn slots() -> usize {
    std::env::var("PERDIX_BENCH_SLOTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(4096)
}

/// Adds one queue to the race and prints the percentiles of all its timed round trips;
/// every queue runs this same code.
fn race<Q: RaceQueue>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let slots = slots();
    let mut samples = Vec::new();
    group.bench_function(Q::NAME, |bencher| {
        bencher.iter_custom(|rounds| {
            let run = match run_round_trips::<Q>(&RaceConfig::new(slots, rounds)) {
                Ok(run) => run,
                Err(error) => panic!("{}: {error}", Q::NAME),
            };
            samples.extend_from_slice(run.samples_nanos());
            run.total()
        })
    });
    let run = LatencyRun::from_samples(Q::NAME, samples);
    println!(
        "{:<10} round trip p50 {:>7} ns   p99 {:>7} ns   ({} round trips)",
        Q::NAME,
        run.p50().as_nanos(),
        run.p99().as_nanos(),
        run.rounds()
    );
}

fn latency(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group(format!("round_trip_256B_{}_slots", slots()));
    group
        .throughput(Throughput::Elements(1))
        // Every sample starts two threads; equal, large samples keep that out of the slope.
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    race::<PerdixQueue>(&mut group);
    race::<RtrbQueue>(&mut group);
    race::<CrossbeamQueue>(&mut group);
    group.finish();
}

criterion_group!(benches, latency);
criterion_main!(benches);

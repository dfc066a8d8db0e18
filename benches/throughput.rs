//! Throughput of 256-byte messages between two pinned threads: Perdix (one message at a
//! time and batched) raced against `rtrb` and `crossbeam-queue` through the same driver.
//!
//! One iteration is one message. `PERDIX_BENCH_SLOTS` sets the slot count of every queue
//! (a power of two, default 4096).

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use perdix::bench::ring_race::{
    run_throughput, CrossbeamQueue, PerdixQueue, RaceConfig, RaceQueue, RtrbQueue, SendMode, DEFAULT_BATCH,
    MESSAGE_BYTES,
};
use std::time::Duration;

/// Slot count of every raced queue, from `PERDIX_BENCH_SLOTS` or 4096.
fn slots() -> usize {
    std::env::var("PERDIX_BENCH_SLOTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(4096)
}

/// Adds one queue and hand-over mode to the race; every queue runs this same code.
fn race<Q: RaceQueue>(group: &mut BenchmarkGroup<'_, WallTime>, label: &str, mode: SendMode) {
    let slots = slots();
    group.bench_function(label, |bencher| {
        bencher.iter_custom(|messages| {
            let config = RaceConfig::new(slots, messages).with_mode(mode);
            match run_throughput::<Q>(&config) {
                Ok(run) => run.elapsed,
                Err(error) => panic!("{label}: {error}"),
            }
        })
    });
}

fn throughput(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group(format!("throughput_{MESSAGE_BYTES}B_{}_slots", slots()));
    group
        .throughput(Throughput::ElementsAndBytes {
            elements: 1,
            bytes: MESSAGE_BYTES as u64,
        })
        // Every sample starts two threads; equal, large samples keep that out of the slope.
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    race::<PerdixQueue>(&mut group, "perdix_single", SendMode::Single);
    race::<PerdixQueue>(
        &mut group,
        &format!("perdix_batch_{DEFAULT_BATCH}"),
        SendMode::Batch(DEFAULT_BATCH),
    );
    race::<RtrbQueue>(&mut group, "rtrb", SendMode::Single);
    race::<CrossbeamQueue>(&mut group, "crossbeam", SendMode::Single);
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);

//! Parse throughput of every backend against raw `vte` on the four generated inputs of
//! `perdix::bench::parse_throughput` (16 MiB each; `PERDIX_BENCH_PARSE_BYTES` overrides).
//! GPU backends join the race here when they exist.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use perdix::bench::parse_throughput::{
    count_with_vte, generate_inputs, parse_with_backend, DEFAULT_INPUT_BYTES,
};
use perdix::parse::{CpuBackend, ScanBackend};
use std::hint::black_box;
use std::time::Duration;

fn input_bytes() -> usize {
    std::env::var("PERDIX_BENCH_PARSE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_INPUT_BYTES)
}

fn parse_throughput(c: &mut Criterion) {
    for input in generate_inputs(input_bytes()) {
        let mut group = c.benchmark_group(format!("parse/{}", input.name));
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(5));
        let bytes = &input.bytes[..];
        group.bench_function("vte", |b| b.iter(|| count_with_vte(black_box(bytes))));
        group.bench_function("cpu", |b| {
            b.iter(|| parse_with_backend(CpuBackend::default(), black_box(bytes)).expect("cpu parses"))
        });
        group.bench_function("cpu-scan", |b| {
            b.iter(|| parse_with_backend(ScanBackend::default(), black_box(bytes)).expect("cpu-scan parses"))
        });
        group.finish();
    }
}

criterion_group!(benches, parse_throughput);
criterion_main!(benches);

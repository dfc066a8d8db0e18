//! Parse throughput of every backend against raw `vte` on the four generated inputs of
//! `perdix::bench::parse_throughput` (16 MiB each; `PERDIX_BENCH_PARSE_BYTES` overrides),
//! then the wgpu backend by batch size (64 KiB to 64 MiB as many 64 KiB streams in one
//! batch; 64 KiB and 1 MiB in test mode) with its time split into upload, compute,
//! readback and unpack (`perdix::bench::gpu_throughput`), then the cuda backend by the same
//! batch sizes. Without an adapter (a CUDA device) the wgpu (cuda) part says so in one
//! line and is skipped.

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use perdix::backend::cuda::CudaBackend;
use perdix::backend::webgpu::{probe, WgpuBackend};
use perdix::bench::gpu_throughput::{as_streams, measure_gpu_throughput, GpuThroughputConfig};
use perdix::bench::parse_throughput::{
    count_with_vte, generate_inputs, parse_with_backend, DEFAULT_INPUT_BYTES,
};
use perdix::parse::{Backend, CpuBackend, Engine, ScanBackend};
use std::hint::black_box;
use std::time::Duration;

fn input_bytes() -> usize {
    std::env::var("PERDIX_BENCH_PARSE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_INPUT_BYTES)
}

/// Criterion runs each benchmark once, as a test, unless `--bench` is given.
fn test_mode() -> bool {
    !std::env::args().any(|arg| arg == "--bench")
}

fn batch_sizes() -> Vec<usize> {
    if test_mode() {
        vec![64 << 10, 1 << 20]
    } else {
        GpuThroughputConfig::default().batch_sizes
    }
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

/// One Criterion group per input and batch size for `engine`'s backend, named `name`.
fn groups_by_batch_size<B: Backend>(c: &mut Criterion, name: &str, engine: &mut Engine<B>) {
    for batch_bytes in batch_sizes() {
        for input in generate_inputs(batch_bytes) {
            let mut group = c.benchmark_group(format!("{name}/{}", input.name));
            group.throughput(Throughput::Bytes(batch_bytes as u64));
            group.sampling_mode(SamplingMode::Flat);
            group.sample_size(10);
            let streams = as_streams(&input.bytes);
            group.bench_function(format!("{} KiB", batch_bytes >> 10), |b| {
                b.iter(|| {
                    let records = engine.parse(black_box(&streams));
                    black_box(records.unwrap_or_else(|e| panic!("{name}: {e}")).len());
                    for &(stream, _) in &streams {
                        engine.finish(stream).unwrap_or_else(|e| panic!("{name}: {e}"));
                    }
                })
            });
            group.finish();
        }
    }
}

fn wgpu_by_batch_size(c: &mut Criterion) {
    if let Err(error) = probe() {
        eprintln!("wgpu: skipped, {error}");
        return;
    }
    let mut engine = Engine::new(WgpuBackend::new().expect("the probed adapter opens"));
    groups_by_batch_size(c, "wgpu", &mut engine);
    // The split by stage, with raw vte in the same run, as `perdix --benchmark` prints it.
    let config = GpuThroughputConfig {
        batch_sizes: batch_sizes(),
        repeats: if test_mode() { 1 } else { 2 },
    };
    match measure_gpu_throughput(&config) {
        Ok(table) => eprintln!("\n{table}"),
        Err(error) => panic!("wgpu by stage: {error}"),
    }
}

fn cuda_by_batch_size(c: &mut Criterion) {
    if let Err(error) = perdix::backend::cuda::probe() {
        eprintln!("cuda: skipped, {error}");
        return;
    }
    let mut engine = Engine::new(CudaBackend::new().expect("the probed device opens"));
    groups_by_batch_size(c, "cuda", &mut engine);
}

criterion_group!(benches, parse_throughput, wgpu_by_batch_size, cuda_by_batch_size);
criterion_main!(benches);

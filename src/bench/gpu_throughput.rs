//! wgpu parse throughput against raw `vte`, by batch size, with the time split into
//! upload, compute, readback and unpacking.
//!
//! Each of the four inputs of [`parse_throughput`](super::parse_throughput) is generated at
//! the batch size and cut into streams of at most [`STREAM_BYTES`] (one busy pane's read
//! each), all of which go to the backend as one batch: one submission up to
//! [`SUBMISSION_BYTES`](crate::backend::webgpu::SUBMISSION_BYTES), several beyond. Raw
//! `vte` parses the same streams one after another in the same run.
//!
//! The split is timed on the CPU around the calls, so that any adapter reports it: upload
//! is packing plus `write_buffer`; compute is encoding, submitting and waiting for the
//! passes and the stream results; readback is the second submission that copies exactly
//! the records written, mapping and copying them out; unpack is checking the records on
//! the CPU and handing them on. Where the adapter has timestamp queries, the device time
//! of the three phases of the passes (block functions and their scan, record sizes and
//! their scan, record writing) is shown as well.
//!
//! ```no_run
//! use perdix::bench::gpu_throughput::{measure_gpu_throughput, GpuThroughputConfig};
//! let config = GpuThroughputConfig { batch_sizes: vec![64 * 1024], repeats: 1 };
//! let table = measure_gpu_throughput(&config)?; // an error without an adapter
//! println!("{table}");
//! # Ok::<(), perdix::parse::ParseError>(())
//! ```

use super::parse_throughput::{count_with_vte, generate_inputs, mb_per_s, size_text};
use crate::backend::webgpu::{StageTimings, WgpuBackend};
use crate::parse::{Engine, ParseError};
use std::fmt;
use std::time::{Duration, Instant};

/// Bytes of one stream in a measured batch.
pub const STREAM_BYTES: usize = 64 * 1024;

/// What to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuThroughputConfig {
    /// Bytes per batch, one table row per input and size.
    pub batch_sizes: Vec<usize>,
    /// Runs per size; the fastest counts.
    pub repeats: usize,
}

impl Default for GpuThroughputConfig {
    fn default() -> Self {
        GpuThroughputConfig {
            batch_sizes: vec![64 << 10, 1 << 20, 16 << 20, 64 << 20],
            repeats: 2,
        }
    }
}

/// One input at one batch size.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuThroughputRow {
    /// The input's name.
    pub input: &'static str,
    /// Bytes in the batch.
    pub batch_bytes: usize,
    /// Streams in the batch.
    pub streams: usize,
    /// Raw `vte`, MB/s.
    pub vte_mb_s: f64,
    /// The wgpu backend end to end (records built), MB/s.
    pub wgpu_mb_s: f64,
    /// Where the fastest wgpu run's time went.
    pub timings: StageTimings,
}

/// Every row; `Display` renders a Markdown table.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuThroughputTable {
    /// The adapter measured.
    pub adapter: String,
    /// One row per input and batch size.
    pub rows: Vec<GpuThroughputRow>,
}

/// `bytes` cut into one batch of streams of [`STREAM_BYTES`], numbered from 0.
///
/// ```
/// use perdix::bench::gpu_throughput::{as_streams, STREAM_BYTES};
/// let bytes = vec![b'x'; STREAM_BYTES + 1];
/// let streams = as_streams(&bytes);
/// assert_eq!(streams.len(), 2);
/// assert_eq!((streams[1].0, streams[1].1.len()), (1, 1));
/// ```
pub fn as_streams(bytes: &[u8]) -> Vec<(u16, &[u8])> {
    bytes
        .chunks(STREAM_BYTES)
        .enumerate()
        .map(|(stream, bytes)| (stream as u16, bytes))
        .collect()
}

/// Measures the wgpu backend; an error when there is no adapter.
pub fn measure_gpu_throughput(config: &GpuThroughputConfig) -> Result<GpuThroughputTable, ParseError> {
    let backend = WgpuBackend::new()?;
    let adapter = backend.adapter().to_string();
    let mut engine = Engine::new(backend);
    let mut rows = Vec::new();
    for &batch_bytes in &config.batch_sizes {
        for input in generate_inputs(batch_bytes) {
            let streams = as_streams(&input.bytes);
            let mut vte = Duration::MAX;
            let mut wgpu = Duration::MAX;
            let mut timings = StageTimings::default();
            for _ in 0..config.repeats.max(1) {
                let started = Instant::now();
                for &(_, bytes) in &streams {
                    std::hint::black_box(count_with_vte(std::hint::black_box(bytes)));
                }
                vte = vte.min(started.elapsed());

                let started = Instant::now();
                std::hint::black_box(engine.parse(&streams)?.len());
                let elapsed = started.elapsed();
                let split = engine.backend_mut().take_timings();
                if elapsed < wgpu {
                    wgpu = elapsed;
                    timings = split;
                }
                for &(stream, _) in &streams {
                    engine.finish(stream)?;
                }
            }
            rows.push(GpuThroughputRow {
                input: input.name,
                batch_bytes,
                streams: streams.len(),
                vte_mb_s: mb_per_s(batch_bytes, vte),
                wgpu_mb_s: mb_per_s(batch_bytes, wgpu),
                timings,
            });
        }
    }
    Ok(GpuThroughputTable { adapter, rows })
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

impl fmt::Display for GpuThroughputTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "adapter: {}", self.adapter)?;
        writeln!(f)?;
        writeln!(
            f,
            "| input | batch | streams | submissions | raw vte MB/s | wgpu MB/s | wgpu / vte | upload ms | compute ms | readback ms | unpack ms | device ms: functions / counts / records |"
        )?;
        writeln!(
            f,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        )?;
        for row in &self.rows {
            let t = &row.timings;
            writeln!(
                f,
                "| {} | {} | {} | {} | {:.0} | {:.1} | {:.3}× | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
                row.input,
                size_text(row.batch_bytes),
                row.streams,
                t.submissions,
                row.vte_mb_s,
                row.wgpu_mb_s,
                row.wgpu_mb_s / row.vte_mb_s,
                millis(t.upload),
                millis(t.compute),
                millis(t.readback),
                millis(t.unpack),
                t.device.map_or("–".to_owned(), |d| format!(
                    "{:.1} / {:.1} / {:.1}",
                    millis(d.functions),
                    millis(d.counts),
                    millis(d.records)
                )),
            )?;
        }
        Ok(())
    }
}

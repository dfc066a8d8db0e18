//! `perdix --benchmark`: a short race of the ring against `rtrb` and `crossbeam-queue`,
//! printed as a table of medians, ratios and the targets they are held to.
//!
//! Progress goes to stderr, the report to stdout.

use anyhow::{ensure, Context, Result};
use perdix::bench::gpu_throughput::{measure_gpu_throughput, GpuThroughputConfig};
use perdix::bench::parse_throughput::{measure_parse_throughput, ParseThroughputConfig};
use perdix::bench::ring_race::{
    run_round_trips, run_throughput, CorePlan, CrossbeamQueue, LatencyRun, PerdixQueue, RaceConfig,
    RaceQueue, RtrbQueue, SendMode, ThroughputRun, DEFAULT_BATCH, MESSAGE_BYTES, PAYLOAD_BYTES,
};
use std::fmt::Display;
use std::time::Duration;

/// Messages per throughput run when `--messages` is not given.
const DEFAULT_MESSAGES: u64 = 5_000_000;

/// Each measurement is repeated this often and the median reported.
const REPEATS: usize = 5;

/// Targets the ring is held to.
const SINGLE_VS_RTRB: f64 = 1.2;
const SINGLE_VS_CROSSBEAM: f64 = 2.0;
const BATCH_VS_RTRB_SINGLE: f64 = 3.0;

/// Runs the benchmark and prints its report.
pub fn run(cli: &super::Cli) -> Result<()> {
    let messages = cli.messages.unwrap_or(DEFAULT_MESSAGES);
    ensure!(messages > 0, "--messages must be at least 1");
    let plan = RacePlan {
        slots: cli.slots,
        messages,
        rounds: latency_rounds(messages),
        pinning: CorePlan::detect(true),
    };
    let ring = race_rings(&plan)?;
    print_ring_report(&plan, &ring);
    let parse_config = ParseThroughputConfig::default();
    eprintln!(
        "parse stage: {} MiB per input, best of {} runs per parser...",
        parse_config.input_bytes >> 20,
        parse_config.repeats
    );
    let parse = measure_parse_throughput(&parse_config).context("parse-throughput benchmark failed")?;
    println!();
    println!("Parse throughput (MB/s; ratios to raw vte, a Perform that only counts, in the same run)");
    println!("{parse}");
    gpu_report();
    Ok(())
}

/// The wgpu table, or one line saying why there is none.
fn gpu_report() {
    let config = GpuThroughputConfig::default();
    match perdix::backend::webgpu::probe() {
        Ok(adapter) => eprintln!("parse stage on wgpu ({adapter}): batches of 64 KiB to 64 MiB..."),
        Err(error) => {
            println!();
            println!("wgpu: skipped, {error}");
            return;
        }
    }
    match measure_gpu_throughput(&config) {
        Ok(table) => {
            println!();
            println!(
                "wgpu parse throughput by batch size (MB/s, ratio to raw vte in the same run; \
                 stage times measured on the CPU around the calls)"
            );
            println!("{table}");
        }
        Err(error) => println!("wgpu: failed, {error}"),
    }
}

/// What one `--benchmark` invocation races.
struct RacePlan {
    slots: usize,
    /// Messages per throughput run.
    messages: u64,
    /// Round trips per latency run.
    rounds: u64,
    pinning: CorePlan,
}

impl RacePlan {
    fn config(&self, mode: SendMode) -> RaceConfig {
        RaceConfig::new(self.slots, self.messages).with_mode(mode)
    }

    fn latency_config(&self) -> RaceConfig {
        RaceConfig::new(self.slots, self.rounds)
    }
}

/// Round trips per latency run: enough for a steady p99, short next to the throughput runs.
fn latency_rounds(messages: u64) -> u64 {
    (messages / 50).clamp(10_000, 100_000)
}

/// Medians over the repeats of one table row.
#[derive(Debug, Clone, Copy)]
struct Row {
    messages_per_second: f64,
    latency: Option<Percentiles>,
}

impl Row {
    fn gigabytes_per_second(&self) -> f64 {
        self.messages_per_second * MESSAGE_BYTES as f64 / 1e9
    }
}

#[derive(Debug, Clone, Copy)]
struct Percentiles {
    p50: Duration,
    p99: Duration,
}

/// The four rows of the ring table.
struct RingResults {
    perdix_single: Row,
    perdix_batch: Row,
    rtrb: Row,
    crossbeam: Row,
}

/// The runs of every repeat, per row.
#[derive(Default)]
struct Samples {
    perdix_single: Vec<ThroughputRun>,
    perdix_batch: Vec<ThroughputRun>,
    rtrb: Vec<ThroughputRun>,
    crossbeam: Vec<ThroughputRun>,
    perdix_latency: Vec<LatencyRun>,
    rtrb_latency: Vec<LatencyRun>,
    crossbeam_latency: Vec<LatencyRun>,
}

/// Runs every measurement `REPEATS` times, the queues interleaved within each repeat so
/// that a noisy moment hurts all of them alike.
fn race_rings(plan: &RacePlan) -> Result<RingResults> {
    eprintln!(
        "perdix: racing {} messages and {} round trips per run, {} slots, {} runs ({})",
        plan.messages,
        plan.rounds,
        plan.slots,
        REPEATS,
        plan.pinning.describe()
    );
    let single = plan.config(SendMode::Single);
    let batch = plan.config(SendMode::Batch(DEFAULT_BATCH));
    let latency = plan.latency_config();
    let mut samples = Samples::default();
    for repeat in 1..=REPEATS {
        let step = format!("{repeat}/{REPEATS}");
        samples
            .perdix_single
            .push(throughput::<PerdixQueue>(&step, "perdix single", &single)?);
        samples
            .perdix_batch
            .push(throughput::<PerdixQueue>(&step, "perdix batch", &batch)?);
        samples
            .rtrb
            .push(throughput::<RtrbQueue>(&step, "rtrb", &single)?);
        samples
            .crossbeam
            .push(throughput::<CrossbeamQueue>(&step, "crossbeam", &single)?);
        samples
            .perdix_latency
            .push(round_trips::<PerdixQueue>(&step, &latency)?);
        samples
            .rtrb_latency
            .push(round_trips::<RtrbQueue>(&step, &latency)?);
        samples
            .crossbeam_latency
            .push(round_trips::<CrossbeamQueue>(&step, &latency)?);
    }
    Ok(RingResults {
        perdix_single: row(&samples.perdix_single, Some(&samples.perdix_latency)),
        perdix_batch: row(&samples.perdix_batch, None),
        rtrb: row(&samples.rtrb, Some(&samples.rtrb_latency)),
        crossbeam: row(&samples.crossbeam, Some(&samples.crossbeam_latency)),
    })
}

fn throughput<Q: RaceQueue>(step: &str, label: &str, config: &RaceConfig) -> Result<ThroughputRun> {
    let run = run_throughput::<Q>(config).with_context(|| format!("{label} throughput run failed"))?;
    eprintln!(
        "  [{step}] {label:<14} {:>8.2} M msgs/s  {:>6.2} GB/s",
        run.messages_per_second() / 1e6,
        run.gigabytes_per_second()
    );
    Ok(run)
}

fn round_trips<Q: RaceQueue>(step: &str, config: &RaceConfig) -> Result<LatencyRun> {
    let run = run_round_trips::<Q>(config).with_context(|| format!("{} round-trip run failed", Q::NAME))?;
    eprintln!(
        "  [{step}] {:<14} round trip p50 {:>6} ns  p99 {:>6} ns",
        Q::NAME,
        run.p50().as_nanos(),
        run.p99().as_nanos()
    );
    Ok(run)
}

/// The medians of a row's repeats.
fn row(throughput: &[ThroughputRun], latency: Option<&[LatencyRun]>) -> Row {
    let rates = throughput
        .iter()
        .map(ThroughputRun::messages_per_second)
        .collect();
    Row {
        messages_per_second: median(rates),
        latency: latency.map(|runs| Percentiles {
            p50: median(runs.iter().map(LatencyRun::p50).collect()),
            p99: median(runs.iter().map(LatencyRun::p99).collect()),
        }),
    }
}

/// The middle value (the upper middle for an even count). Callers pass at least one value.
fn median<T: PartialOrd + Copy>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

fn print_ring_report(plan: &RacePlan, ring: &RingResults) {
    println!(
        "Ring race: {MESSAGE_BYTES}-byte messages (Perdix: one slot, 16-byte header + {PAYLOAD_BYTES}-byte \
         payload; rtrb, crossbeam: [u8; {MESSAGE_BYTES}])"
    );
    println!(
        "{} slots per queue; {} messages per throughput run, {} round trips per latency run; \
         median of {REPEATS} runs",
        plan.slots, plan.messages, plan.rounds
    );
    println!("Machine: {}; {}", machine_description(), plan.pinning.describe());
    println!();
    println!(
        "{:<20} {:>12} {:>8} {:>10} {:>10}",
        "queue", "M msgs/s", "GB/s", "p50 (ns)", "p99 (ns)"
    );
    let batch_label = format!("perdix batch ({DEFAULT_BATCH})");
    for (label, row) in [
        ("perdix single", &ring.perdix_single),
        (batch_label.as_str(), &ring.perdix_batch),
        ("rtrb", &ring.rtrb),
        ("crossbeam", &ring.crossbeam),
    ] {
        let (p50, p99) = match row.latency {
            Some(latency) => (
                latency.p50.as_nanos().to_string(),
                latency.p99.as_nanos().to_string(),
            ),
            None => ("-".to_owned(), "-".to_owned()),
        };
        println!(
            "{label:<20} {:>12.2} {:>8.2} {p50:>10} {p99:>10}",
            row.messages_per_second / 1e6,
            row.gigabytes_per_second()
        );
    }
    println!();
    println!(
        "{:<20} {:>8} {:>8} {:>8} {:>8}",
        "ratio", "single", "batch", "p50", "p99"
    );
    for (label, peer) in [
        ("Perdix / rtrb", &ring.rtrb),
        ("Perdix / crossbeam", &ring.crossbeam),
    ] {
        let single = ring.perdix_single.messages_per_second / peer.messages_per_second;
        let batch = ring.perdix_batch.messages_per_second / peer.messages_per_second;
        let (p50, p99) = latency_ratios(&ring.perdix_single, peer);
        println!(
            "{label:<20} {:>8} {:>8} {:>8} {:>8}",
            times(single),
            times(batch),
            p50.map_or("-".to_owned(), times),
            p99.map_or("-".to_owned(), times)
        );
    }
    println!(
        "(throughput ratios hold for msgs/s and GB/s alike, every queue moving {MESSAGE_BYTES} bytes per"
    );
    println!(" message; higher is better. Latency ratios: lower is better. batch = Perdix batched vs the");
    println!(" peer's single-message rate.)");
    println!();
    print_targets(ring);
}

/// Perdix's p50 and p99 over the peer's.
fn latency_ratios(perdix: &Row, peer: &Row) -> (Option<f64>, Option<f64>) {
    match (perdix.latency, peer.latency) {
        (Some(perdix), Some(peer)) => (
            Some(perdix.p50.as_secs_f64() / peer.p50.as_secs_f64().max(f64::MIN_POSITIVE)),
            Some(perdix.p99.as_secs_f64() / peer.p99.as_secs_f64().max(f64::MIN_POSITIVE)),
        ),
        _ => (None, None),
    }
}

fn print_targets(ring: &RingResults) {
    let perdix = ring.perdix_single.messages_per_second;
    let rtrb = ring.rtrb.messages_per_second;
    let crossbeam = ring.crossbeam.messages_per_second;
    let batch = ring.perdix_batch.messages_per_second;
    println!("{:<44} {:>16}  result", "target", "measured");
    target(
        &format!("single-message >= {SINGLE_VS_RTRB}x rtrb"),
        times(perdix / rtrb),
        perdix >= SINGLE_VS_RTRB * rtrb,
    );
    target(
        &format!("single-message >= {SINGLE_VS_CROSSBEAM}x crossbeam"),
        times(perdix / crossbeam),
        perdix >= SINGLE_VS_CROSSBEAM * crossbeam,
    );
    target(
        &format!("batched >= {BATCH_VS_RTRB_SINGLE}x rtrb single-message rate"),
        times(batch / rtrb),
        batch >= BATCH_VS_RTRB_SINGLE * rtrb,
    );
    if let (Some(perdix), Some(rtrb)) = (ring.perdix_single.latency, ring.rtrb.latency) {
        target(
            "round-trip p50 no worse than rtrb",
            format!("{} vs {} ns", perdix.p50.as_nanos(), rtrb.p50.as_nanos()),
            perdix.p50 <= rtrb.p50,
        );
    }
}

fn target(name: &str, measured: impl Display, met: bool) {
    let result = if met { "pass" } else { "MISS" };
    println!("{name:<44} {measured:>16}  {result}");
}

fn times(ratio: f64) -> String {
    format!("{ratio:.2}x")
}

/// CPU model and core count, as far as the system says.
fn machine_description() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    format!("{model}, {cores} cores available")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![Duration::from_nanos(5)]), Duration::from_nanos(5));
    }

    #[test]
    fn latency_rounds_stay_in_bounds() {
        assert_eq!(latency_rounds(1), 10_000);
        assert_eq!(latency_rounds(5_000_000), 100_000);
    }
}

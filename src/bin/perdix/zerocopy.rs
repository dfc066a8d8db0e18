//! `perdix --zerocopy`: simulated agents' output parsed on a CUDA device, the records
//! written by the device straight into a ring in mapped pinned host memory, and a CPU
//! flush thread draining that ring, re-rendering the records into terminal bytes and
//! writing them in large batches. Prints the throughput at the end.
//!
//! Without a CUDA device it says why in one line and exits with code 3.

use crate::Cli;
use anyhow::{Context, Result};
use perdix::backend::cuda::{probe, GpuProducer, MappedPinnedProvider, PublishStats, StreamContext};
use perdix::bench::agents::{AgentKind, SimulatedAgent};
use perdix::parse::{decode_records, ByteEncoder};
use perdix::ring::{AgentType, Buffer, Consumer};
use std::collections::HashMap;
use std::io::{self, Write};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

/// Exit code when there is no CUDA device to run on.
pub const EXIT_NO_DEVICE: u8 = 3;
/// Simulated panes, each one stream of every batch.
const PANES: usize = 16;
/// Bytes each pane contributes to one batch: one busy pane's read.
const STREAM_BATCH_BYTES: usize = 64 * 1024;
/// Output generated per pane before the run, cycled through.
const POOL_BYTES: usize = 4 << 20;
/// The flush thread writes once this much is pending (or the ring is empty).
const FLUSH_BYTES: usize = 256 * 1024;
/// How long the flush thread sleeps when the ring is empty.
const IDLE_PAUSE: Duration = Duration::from_micros(200);
/// Messages the flush thread takes per pass over the ring.
const MESSAGES_PER_PASS: usize = 1024;

/// What the flush thread did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FlushStats {
    /// Messages drained from the ring.
    pub messages: u64,
    /// Bytes written to the output.
    pub written: u64,
}

pub fn run(cli: &Cli) -> Result<ExitCode> {
    let duration = match crate::stream::simulation_duration(cli.duration) {
        Ok(duration) => duration,
        Err(reason) => {
            eprintln!("perdix: --duration={}: {reason}", cli.duration);
            return Ok(ExitCode::from(crate::EXIT_USAGE));
        }
    };
    let device = match probe() {
        Ok(device) => device,
        Err(error) => {
            eprintln!("perdix: --zerocopy needs a CUDA device: {error}");
            return Ok(ExitCode::from(EXIT_NO_DEVICE));
        }
    };
    let provider = MappedPinnedProvider::new(device.ordinal).context("opening the CUDA device")?;
    let ring = Buffer::with_provider(cli.slots, &provider).context("allocating the mapped ring")?;
    let mut producer = GpuProducer::new(ring, device.ordinal).context("starting the GPU producer")?;
    let consumer = producer.take_consumer().context("the ring's consumer half")?;
    let flush = thread::spawn(move || flush_records(consumer, io::stdout().lock()));

    // The agents' output is generated up front, so that the time measured is the
    // device's and the ring's, not the generators'.
    let pools: Vec<Vec<u8>> = (0..PANES)
        .map(|pane| agent_output(AgentKind::ALL[pane % AgentKind::ALL.len()], pane as u64 + 1))
        .collect();
    let mut offset = 0;
    let started = Instant::now();
    let mut total = PublishStats::default();
    while started.elapsed() < duration {
        // Each pane's next window of its output; a pool wraps around, which is just more
        // of the same stream to the parser.
        let streams: Vec<StreamContext<'_>> = pools
            .iter()
            .map(|pool| StreamContext::new(&pool[offset..offset + STREAM_BATCH_BYTES], AgentType::Assistant))
            .collect();
        offset = (offset + STREAM_BATCH_BYTES) % (POOL_BYTES - STREAM_BATCH_BYTES);
        let stats = producer
            .process_batch(&streams, true)
            .context("parsing and publishing a batch")?;
        total.input_bytes += stats.input_bytes;
        total.record_bytes += stats.record_bytes;
        total.messages += stats.messages;
        total.slots += stats.slots;
    }
    let parsed = started.elapsed();
    // Dropping the producer detaches it; the flush thread drains what is left and stops.
    drop(producer);
    let flushed = flush
        .join()
        .map_err(|_| anyhow::anyhow!("the flush thread panicked"))?
        .context("writing to the terminal")?;
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "\nperdix: zerocopy on {device}: {:.1} MB parsed in {:.2} s ({:.1} MB/s); {} messages in {} slots; \
         {:.1} MB re-rendered, {:.1} MB/s end to end",
        total.input_bytes as f64 / 1e6,
        parsed.as_secs_f64(),
        total.input_bytes as f64 / 1e6 / parsed.as_secs_f64().max(1e-9),
        flushed.messages,
        total.slots,
        flushed.written as f64 / 1e6,
        total.input_bytes as f64 / 1e6 / seconds,
    );
    Ok(ExitCode::SUCCESS)
}

/// At least [`POOL_BYTES`] of one simulated agent's output.
fn agent_output(kind: AgentKind, seed: u64) -> Vec<u8> {
    let mut agent = SimulatedAgent::new(kind, seed);
    let mut output = Vec::with_capacity(POOL_BYTES + STREAM_BATCH_BYTES);
    while output.len() < POOL_BYTES {
        output.extend_from_slice(&agent.next_burst().bytes);
    }
    output
}

/// Drains `consumer` until its producer has gone and the ring is empty, re-rendering each
/// stream's records with its own encoder and writing in batches of [`FLUSH_BYTES`].
pub fn flush_records(mut consumer: Consumer<'static>, mut out: impl Write) -> io::Result<FlushStats> {
    let mut encoders: HashMap<u16, ByteEncoder> = HashMap::new();
    let mut pending = Vec::with_capacity(2 * FLUSH_BYTES);
    let mut stats = FlushStats::default();
    let mut records = Vec::new();
    let mut broken = None;
    loop {
        let taken = consumer.consume_each(MESSAGES_PER_PASS, |message| {
            records.clear();
            message.copy_to(&mut records);
            let encoder = encoders.entry(message.stream()).or_default();
            for action in decode_records(&records) {
                match action {
                    Ok(action) => encoder.encode(&action, &mut pending),
                    Err(error) => {
                        broken.get_or_insert(error);
                        break;
                    }
                }
            }
        });
        if let Some(error) = broken {
            return Err(io::Error::new(io::ErrorKind::InvalidData, error));
        }
        stats.messages += taken as u64;
        if pending.len() >= FLUSH_BYTES || (taken == 0 && !pending.is_empty()) {
            out.write_all(&pending)?;
            out.flush()?;
            stats.written += pending.len() as u64;
            pending.clear();
        }
        if taken == 0 {
            if !consumer.is_producer_connected() && consumer.is_empty() {
                break;
            }
            thread::sleep(IDLE_PAUSE);
        }
    }
    for encoder in encoders.values_mut() {
        encoder.finish(&mut pending);
    }
    out.write_all(&pending)?;
    out.flush()?;
    stats.written += pending.len() as u64;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use perdix::parse::{BackendKind, RecordBatch};

    /// The flush thread drains records from any producer; here a CPU one stands in for
    /// the device, so the re-rendering is checked without a GPU.
    #[test]
    fn the_flush_thread_re_renders_every_message_until_the_producer_leaves() {
        let mut engine = perdix::backend::AnyEngine::new(BackendKind::CpuScan).unwrap();
        let input = b"\x1b[1mbold\x1b[0m plain\r\n".repeat(100);
        let records: RecordBatch = engine.parse(&[(2, &input)]).unwrap().clone();
        let (mut producer, consumer) = Buffer::new(8).unwrap().split();
        let flush = thread::spawn(move || {
            let mut out = Vec::new();
            let stats = flush_records(consumer, &mut out).unwrap();
            (stats, out)
        });
        let mut sent = 0;
        for (stream, message) in records.messages() {
            let tag = perdix::ring::Tag::new(AgentType::Assistant).with_stream(stream);
            producer
                .produce_waiting(message, tag, Duration::from_millis(10), || true)
                .unwrap();
            sent += 1;
        }
        drop(producer);
        let (stats, out) = flush.join().unwrap();
        assert_eq!(stats.messages, sent);
        assert_eq!(stats.written, out.len() as u64);
        let text = String::from_utf8_lossy(&out);
        assert_eq!(text.matches("bold").count(), 100);
        assert_eq!(text.matches("plain").count(), 100);
    }
}

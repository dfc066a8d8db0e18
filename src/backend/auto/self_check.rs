//! The self-check: a device backend against the `cpu` backend on the built-in corpus,
//! first for the same records, then for speed.
//!
//! The records are compared as each stream's canonical [dump](crate::parse::dump), so
//! that prints split differently across records still compare equal, as in the
//! conformance suite. The timing runs the corpus's timing part through each backend from
//! bytes in memory to records in memory (uploads, launches, read-backs and checks
//! included; opening the device and building its kernels, paid once per process, are
//! not), [`TIMED_RUNS`] times each, alternating, and keeps each one's fastest run.

use super::corpus::{Batch, SelfCheckCorpus};
use crate::backend::AnyEngine;
use crate::parse::{decode_records, ActionDump, Backend, Engine, ParseError, RecordBatch};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, Instant};

/// Timed runs per backend; the fastest counts, so that one slow run (a page fault, a
/// busy core) does not decide.
pub const TIMED_RUNS: usize = 3;

/// A backend more than this many times slower than `cpu` after a timed run is not timed
/// again: noise does not make up such a gap, and a slow backend (a software adapter)
/// would make the check long.
const HOPELESS_FACTOR: u32 = 2;

/// Something the self-check can run the corpus through: an engine on one backend.
pub trait CheckEngine {
    /// Parses one batch, as [`Engine::parse`].
    fn parse(&mut self, inputs: &[(u16, &[u8])]) -> Result<&RecordBatch, ParseError>;
    /// Ends a stream, as [`Engine::finish`].
    fn finish(&mut self, stream: u16) -> Result<&RecordBatch, ParseError>;
}

impl<B: Backend> CheckEngine for Engine<B> {
    fn parse(&mut self, inputs: &[(u16, &[u8])]) -> Result<&RecordBatch, ParseError> {
        Engine::parse(self, inputs)
    }

    fn finish(&mut self, stream: u16) -> Result<&RecordBatch, ParseError> {
        Engine::finish(self, stream)
    }
}

impl CheckEngine for AnyEngine {
    fn parse(&mut self, inputs: &[(u16, &[u8])]) -> Result<&RecordBatch, ParseError> {
        AnyEngine::parse(self, inputs)
    }

    fn finish(&mut self, stream: u16) -> Result<&RecordBatch, ParseError> {
        AnyEngine::finish(self, stream)
    }
}

/// Where the self-check reads the time.
pub trait Clock {
    /// The time since some fixed start.
    fn now(&self) -> Duration;
}

/// The real, monotonic time.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> SystemClock {
        SystemClock(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// What the self-check found out about a device backend.
///
/// ```
/// use perdix::backend::auto::Verdict;
/// let verdict = Verdict::Faster { device_ns: 1_000_000, cpu_ns: 3_000_000 };
/// assert!(verdict.passed());
/// assert_eq!(verdict.to_string(),
///     "same records as cpu and 3.0x as fast end to end (1.0 ms against 3.0 ms)");
/// assert!(!Verdict::Wrong { stream: 3, line: 17 }.passed());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// The same records as `cpu`, and faster end to end.
    Faster {
        /// The device backend's fastest run, in nanoseconds.
        device_ns: u64,
        /// The cpu backend's fastest run, in nanoseconds.
        cpu_ns: u64,
    },
    /// The same records as `cpu`, but not faster.
    Slower {
        /// The device backend's fastest run, in nanoseconds.
        device_ns: u64,
        /// The cpu backend's fastest run, in nanoseconds.
        cpu_ns: u64,
    },
    /// Different records from `cpu`: the first stream and dump line (from 1) that differ.
    Wrong {
        /// The corpus stream.
        stream: u16,
        /// The first line of its dump that differs.
        line: usize,
    },
    /// The backend would not start, failed, or did not finish in time.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Verdict {
    /// True only for a backend that gave the same records and was faster.
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Faster { .. })
    }

    /// How many times as fast as `cpu` the backend was, where it was timed.
    pub fn speedup(&self) -> Option<f64> {
        match *self {
            Verdict::Faster { device_ns, cpu_ns } | Verdict::Slower { device_ns, cpu_ns } => {
                Some(cpu_ns as f64 / device_ns.max(1) as f64)
            }
            _ => None,
        }
    }
}

fn ms(nanos: u64) -> String {
    format!("{:.1} ms", nanos as f64 / 1e6)
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Faster { device_ns, cpu_ns } => write!(
                f,
                "same records as cpu and {:.1}x as fast end to end ({} against {})",
                self.speedup().unwrap_or(0.0),
                ms(*device_ns),
                ms(*cpu_ns)
            ),
            Verdict::Slower { device_ns, cpu_ns } => write!(
                f,
                "same records as cpu but not faster end to end ({} against {})",
                ms(*device_ns),
                ms(*cpu_ns)
            ),
            Verdict::Wrong { stream, line } => write!(
                f,
                "records different from cpu's on the self-check (stream {stream}, line {line})"
            ),
            Verdict::Failed { reason } => write!(f, "failed the self-check: {reason}"),
        }
    }
}

/// Runs the self-check of `device` against `cpu` on `corpus`, timing with `clock`.
///
/// ```
/// use perdix::backend::auto::{self_check, SelfCheckCorpus, SystemClock, Verdict};
/// use perdix::parse::{CpuBackend, Engine, ScanBackend};
/// let corpus = SelfCheckCorpus::built_in();
/// let mut scan = Engine::new(ScanBackend::default());
/// let mut cpu = Engine::new(CpuBackend::default());
/// let verdict = self_check(&mut scan, &mut cpu, &corpus, &SystemClock::default());
/// // The scan algorithm gives vte's records; whether it is faster depends on the machine.
/// assert!(matches!(verdict, Verdict::Faster { .. } | Verdict::Slower { .. }), "{verdict}");
/// ```
pub fn self_check(
    device: &mut dyn CheckEngine,
    cpu: &mut dyn CheckEngine,
    corpus: &SelfCheckCorpus,
    clock: &dyn Clock,
) -> Verdict {
    let expected = match dumps(cpu, &corpus.check) {
        Ok(dumps) => dumps,
        Err(reason) => {
            return Verdict::Failed {
                reason: format!("the cpu backend itself failed: {reason}"),
            }
        }
    };
    let actual = match dumps(device, &corpus.check) {
        Ok(dumps) => dumps,
        Err(reason) => return Verdict::Failed { reason },
    };
    if let Some((stream, line)) = first_difference(&expected, &actual) {
        return Verdict::Wrong { stream, line };
    }
    let (mut device_best, mut cpu_best) = (Duration::MAX, Duration::MAX);
    for _ in 0..TIMED_RUNS {
        match timed_run(cpu, &corpus.timing, clock) {
            Ok(time) => cpu_best = cpu_best.min(time),
            Err(error) => {
                return Verdict::Failed {
                    reason: format!("the cpu backend itself failed: {error}"),
                }
            }
        }
        match timed_run(device, &corpus.timing, clock) {
            Ok(time) => device_best = device_best.min(time),
            Err(error) => {
                return Verdict::Failed {
                    reason: error.to_string(),
                }
            }
        }
        if device_best > cpu_best.saturating_mul(HOPELESS_FACTOR) {
            break;
        }
    }
    let (device_ns, cpu_ns) = (nanos(device_best), nanos(cpu_best));
    if device_best < cpu_best {
        Verdict::Faster { device_ns, cpu_ns }
    } else {
        Verdict::Slower { device_ns, cpu_ns }
    }
}

fn nanos(time: Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

/// Every stream's dump of `batches`, each stream finished at the end.
fn dumps(engine: &mut dyn CheckEngine, batches: &[Batch]) -> Result<BTreeMap<u16, String>, String> {
    let mut dumps: BTreeMap<u16, ActionDump> = BTreeMap::new();
    let mut add = |records: &RecordBatch| -> Result<(), String> {
        for (stream, bytes) in records.streams() {
            let dump = dumps.entry(stream).or_default();
            for action in decode_records(bytes) {
                let action = action.map_err(|error| format!("records that do not decode: {error}"))?;
                dump.push(&action);
            }
        }
        Ok(())
    };
    for batch in batches {
        let inputs: Vec<(u16, &[u8])> = batch
            .iter()
            .map(|(stream, bytes)| (*stream, &bytes[..]))
            .collect();
        add(engine.parse(&inputs).map_err(|error| error.to_string())?)?;
    }
    for stream in streams_of(batches) {
        add(engine.finish(stream).map_err(|error| error.to_string())?)?;
    }
    Ok(dumps
        .into_iter()
        .map(|(stream, mut dump)| (stream, dump.take()))
        .collect())
}

/// The streams that appear in `batches`, in order.
fn streams_of(batches: &[Batch]) -> Vec<u16> {
    let streams: std::collections::BTreeSet<u16> =
        batches.iter().flatten().map(|(stream, _)| *stream).collect();
    streams.into_iter().collect()
}

/// The first stream (in order) whose dump differs, and the first differing line (from 1).
fn first_difference(
    expected: &BTreeMap<u16, String>,
    actual: &BTreeMap<u16, String>,
) -> Option<(u16, usize)> {
    let streams: std::collections::BTreeSet<u16> = expected.keys().chain(actual.keys()).copied().collect();
    let empty = String::new();
    streams.into_iter().find_map(|stream| {
        let (a, b) = (
            expected.get(&stream).unwrap_or(&empty),
            actual.get(&stream).unwrap_or(&empty),
        );
        if a == b {
            return None;
        }
        let (mut a, mut b) = (a.lines(), b.lines());
        let mut line = 1;
        loop {
            match (a.next(), b.next()) {
                // Equal lines that differ only in their ends: the difference is at the end.
                (None, None) => break,
                (x, y) if x != y => break,
                _ => line += 1,
            }
        }
        Some((stream, line))
    })
}

/// The time `engine` takes from the bytes of `batches` to their records, streams
/// finished included.
fn timed_run(
    engine: &mut dyn CheckEngine,
    batches: &[Batch],
    clock: &dyn Clock,
) -> Result<Duration, ParseError> {
    let streams = streams_of(batches);
    let inputs: Vec<Vec<(u16, &[u8])>> = batches
        .iter()
        .map(|batch| {
            batch
                .iter()
                .map(|(stream, bytes)| (*stream, &bytes[..]))
                .collect()
        })
        .collect();
    let start = clock.now();
    let mut record_bytes = 0;
    for batch in &inputs {
        record_bytes += engine.parse(batch)?.len();
    }
    for &stream in &streams {
        record_bytes += engine.finish(stream)?.len();
    }
    let time = clock.now().saturating_sub(start);
    // The records are looked at, so that no work can be skipped as unused.
    std::hint::black_box(record_bytes);
    Ok(time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::CpuBackend;
    use std::cell::Cell;

    /// A clock that only moves when a fake engine says it worked.
    #[derive(Default)]
    struct FakeClock(Cell<Duration>);

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            self.0.get()
        }
    }

    /// The cpu backend, costing `per_kib` of fake time per KiB parsed, and dropping the
    /// records of `drop_stream` from its second batch on, when given.
    struct FakeEngine<'c> {
        inner: Engine<CpuBackend>,
        clock: &'c FakeClock,
        per_kib: Duration,
        drop_stream: Option<u16>,
        batches: usize,
        out: RecordBatch,
        fail: bool,
    }

    impl<'c> FakeEngine<'c> {
        fn new(clock: &'c FakeClock, per_kib: Duration) -> FakeEngine<'c> {
            FakeEngine {
                inner: Engine::new(CpuBackend::default()),
                clock,
                per_kib,
                drop_stream: None,
                batches: 0,
                out: RecordBatch::default(),
                fail: false,
            }
        }
    }

    impl CheckEngine for FakeEngine<'_> {
        fn parse(&mut self, inputs: &[(u16, &[u8])]) -> Result<&RecordBatch, ParseError> {
            if self.fail {
                return Err(ParseError::Device {
                    name: "fake",
                    message: "device lost".into(),
                });
            }
            let bytes: usize = inputs.iter().map(|(_, bytes)| bytes.len()).sum();
            let cost = self.per_kib.mul_f64(bytes as f64 / 1024.0);
            self.clock.0.set(self.clock.0.get() + cost);
            self.batches += 1;
            let records = self.inner.parse(inputs)?;
            self.out.clear();
            for (stream, bytes) in records.streams() {
                if self.batches >= 2 && Some(stream) == self.drop_stream {
                    continue;
                }
                self.out.append_records(stream, bytes);
            }
            Ok(&self.out)
        }

        fn finish(&mut self, stream: u16) -> Result<&RecordBatch, ParseError> {
            self.inner.finish(stream)
        }
    }

    fn check(device: &mut FakeEngine<'_>, cpu: &mut FakeEngine<'_>, clock: &FakeClock) -> Verdict {
        self_check(device, cpu, &SelfCheckCorpus::built_in(), clock)
    }

    #[test]
    fn a_correct_backend_is_judged_on_its_fastest_time() {
        let clock = FakeClock::default();
        let mut cpu = FakeEngine::new(&clock, Duration::from_micros(10));
        let mut fast = FakeEngine::new(&clock, Duration::from_micros(4));
        let timed_kib = SelfCheckCorpus::built_in()
            .timing
            .iter()
            .flatten()
            .map(|(_, bytes)| bytes.len())
            .sum::<usize>() as f64
            / 1024.0;
        let verdict = check(&mut fast, &mut cpu, &clock);
        let expected_ns = |per_kib_us: f64| (timed_kib * per_kib_us * 1000.0).round() as u64;
        match verdict {
            Verdict::Faster { device_ns, cpu_ns } => {
                assert!(device_ns.abs_diff(expected_ns(4.0)) < 1000, "{device_ns}");
                assert!(cpu_ns.abs_diff(expected_ns(10.0)) < 1000, "{cpu_ns}");
            }
            other => panic!("{other:?}"),
        }
        let mut slow = FakeEngine::new(&clock, Duration::from_micros(25));
        assert!(matches!(
            check(&mut slow, &mut cpu, &clock),
            Verdict::Slower { .. }
        ));
        // A tie is not faster.
        let mut same = FakeEngine::new(&clock, Duration::from_micros(10));
        assert!(matches!(
            check(&mut same, &mut cpu, &clock),
            Verdict::Slower { .. }
        ));
    }

    #[test]
    fn different_records_are_wrong_however_fast() {
        let clock = FakeClock::default();
        let mut cpu = FakeEngine::new(&clock, Duration::from_micros(10));
        let mut wrong = FakeEngine::new(&clock, Duration::from_nanos(1));
        wrong.drop_stream = Some(3);
        let verdict = check(&mut wrong, &mut cpu, &clock);
        // The first batch of stream 3 is whole: the difference comes after its lines.
        assert!(
            matches!(verdict, Verdict::Wrong { stream: 3, line } if line > 100),
            "{verdict:?}"
        );
        assert!(!verdict.passed());
    }

    #[test]
    fn a_failing_backend_fails_the_check() {
        let clock = FakeClock::default();
        let mut cpu = FakeEngine::new(&clock, Duration::from_micros(10));
        let mut failing = FakeEngine::new(&clock, Duration::from_nanos(1));
        failing.fail = true;
        let verdict = check(&mut failing, &mut cpu, &clock);
        assert!(matches!(&verdict, Verdict::Failed { reason } if reason.contains("device lost")));
    }

    #[test]
    fn the_first_differing_line_is_found() {
        let map = |text: &str| BTreeMap::from([(0, "same\n".to_owned()), (5, text.to_owned())]);
        assert_eq!(first_difference(&map("a\nb\n"), &map("a\nb\n")), None);
        assert_eq!(first_difference(&map("a\nb\n"), &map("a\nc\n")), Some((5, 2)));
        assert_eq!(first_difference(&map("a\nb\n"), &map("a\n")), Some((5, 2)));
        assert_eq!(first_difference(&map("a\n"), &map("a")), Some((5, 2)));
        assert_eq!(first_difference(&map("a\n"), &BTreeMap::new()), Some((0, 1)));
    }

    #[test]
    fn verdicts_survive_json() {
        for verdict in [
            Verdict::Faster {
                device_ns: 1,
                cpu_ns: 2,
            },
            Verdict::Slower {
                device_ns: 3,
                cpu_ns: 2,
            },
            Verdict::Wrong { stream: 4, line: 9 },
            Verdict::Failed {
                reason: "did not finish".into(),
            },
        ] {
            let json = serde_json::to_string(&verdict).unwrap();
            assert_eq!(serde_json::from_str::<Verdict>(&json).unwrap(), verdict, "{json}");
        }
    }
}

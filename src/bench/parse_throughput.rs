//! Parse throughput: raw `vte` (a `Perform` that only counts) against the `cpu` and
//! `cpu-scan` backends on four generated inputs, in MB/s (10^6 bytes per second) and as
//! ratios to raw `vte`.
//!
//! The inputs are generated deterministically (same bytes on every machine):
//!
//! | input | what it looks like |
//! | --- | --- |
//! | `plain-ascii` | 80-column lines of words |
//! | `sgr-heavy` | words coloured one by one with 16/256/truecolour SGR and resets |
//! | `cursor-256` | a full-screen redraw cell by cell: CUP + 256-colour fg/bg per cell |
//! | `mixed-utf8` | Latin, Greek, CJK, box drawing and emoji text with some SGR |
//!
//! The backends run through [`Engine`] in batches of [`BATCH_BYTES`] and write records
//! into a [`RecordBatch`](crate::parse::RecordBatch) that is cleared per batch; the record
//! ring is left out so that the numbers are about parsing.
//!
//! ```
//! use perdix::bench::parse_throughput::{measure_parse_throughput, ParseThroughputConfig};
//! let table = measure_parse_throughput(&ParseThroughputConfig { input_bytes: 64 * 1024, repeats: 1 }).unwrap();
//! assert_eq!(table.rows.len(), 4);
//! assert!(table.rows.iter().all(|row| row.vte_mb_s > 0.0));
//! println!("{table}");
//! ```

use crate::parse::{Backend, CpuBackend, Engine, ParseError, ScanBackend};
use std::fmt;
use std::time::{Duration, Instant};

/// Bytes per stream per batch when a backend is measured (a busy pane's read size).
pub const BATCH_BYTES: usize = 64 * 1024;
/// The input size the benchmark table uses: 16 MiB each.
pub const DEFAULT_INPUT_BYTES: usize = 16 << 20;

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseThroughputConfig {
    /// Bytes of each generated input.
    pub input_bytes: usize,
    /// Runs per parser and input; the fastest counts.
    pub repeats: usize,
}

impl Default for ParseThroughputConfig {
    fn default() -> Self {
        ParseThroughputConfig {
            input_bytes: DEFAULT_INPUT_BYTES,
            repeats: 3,
        }
    }
}

/// One generated input.
#[derive(Debug, Clone)]
pub struct ParseInput {
    /// Short name (the table's first column).
    pub name: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The four inputs, each exactly `bytes` long (cut at the end, wherever that falls).
pub fn generate_inputs(bytes: usize) -> Vec<ParseInput> {
    let generators: [(&'static str, Generator); 4] = [
        ("plain-ascii", plain_ascii_line),
        ("sgr-heavy", sgr_heavy_line),
        ("cursor-256", cursor_256_screen),
        ("mixed-utf8", mixed_utf8_line),
    ];
    generators
        .into_iter()
        .map(|(name, generate)| {
            let mut rng = XorShift(0x853c_49e6_748f_ea9b);
            let mut out = Vec::with_capacity(bytes + 4096);
            while out.len() < bytes {
                generate(&mut rng, &mut out);
            }
            out.truncate(bytes);
            ParseInput { name, bytes: out }
        })
        .collect()
}

/// Appends one piece (a line, a screen) of an input.
type Generator = fn(&mut XorShift, &mut Vec<u8>);

/// A small deterministic generator (xorshift64), so the library needs no `rand`.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: [&str; 12] = [
    "the", "parser", "ring", "buffer", "agent", "terminal", "frame", "escape", "sequence", "pane", "batch",
    "record",
];

fn words_line(
    rng: &mut XorShift,
    out: &mut Vec<u8>,
    mut each: impl FnMut(&mut XorShift, &mut Vec<u8>, &str),
) {
    let mut column = 0;
    while column < 72 {
        let word = WORDS[rng.below(WORDS.len() as u64) as usize];
        each(rng, out, word);
        out.push(b' ');
        column += word.len() + 1;
    }
    out.extend_from_slice(b"\r\n");
}

fn plain_ascii_line(rng: &mut XorShift, out: &mut Vec<u8>) {
    words_line(rng, out, |_, out, word| out.extend_from_slice(word.as_bytes()));
}

fn sgr_heavy_line(rng: &mut XorShift, out: &mut Vec<u8>) {
    words_line(rng, out, |rng, out, word| {
        let sgr = match rng.below(4) {
            0 => format!("\x1b[{}m", 30 + rng.below(8)),
            1 => format!("\x1b[1;38;5;{}m", rng.below(256)),
            2 => format!(
                "\x1b[38;2;{};{};{}m",
                rng.below(256),
                rng.below(256),
                rng.below(256)
            ),
            _ => format!("\x1b[4:3;58:5:{}m", rng.below(256)),
        };
        out.extend_from_slice(sgr.as_bytes());
        out.extend_from_slice(word.as_bytes());
        out.extend_from_slice(b"\x1b[0m");
    });
}

fn cursor_256_screen(rng: &mut XorShift, out: &mut Vec<u8>) {
    out.extend_from_slice(b"\x1b[?2026h\x1b[H");
    for row in 1..=24 {
        for column in 1..=80 {
            let cell = format!(
                "\x1b[{row};{column}H\x1b[38;5;{}m\x1b[48;5;{}m{}",
                rng.below(256),
                rng.below(256),
                (b'!' + rng.below(90) as u8) as char
            );
            out.extend_from_slice(cell.as_bytes());
        }
    }
    out.extend_from_slice(b"\x1b[0m\x1b[?2026l");
}

fn mixed_utf8_line(rng: &mut XorShift, out: &mut Vec<u8>) {
    const PIECES: [&str; 10] = [
        "café ",
        "naïve ",
        "Ελληνικά ",
        "日本語の文 ",
        "中文字符 ",
        "│ ├── └─ ",
        "😀🚀 ",
        "ascii text ",
        "Ünïcödé ",
        "→ ⇒ ∀ ",
    ];
    for _ in 0..8 {
        if rng.below(5) == 0 {
            out.extend_from_slice(format!("\x1b[38;5;{}m", rng.below(256)).as_bytes());
        }
        out.extend_from_slice(PIECES[rng.below(PIECES.len() as u64) as usize].as_bytes());
    }
    out.extend_from_slice(b"\x1b[0m\r\n");
}

/// Feeds `bytes` to raw `vte` with a `Perform` that only counts calls; returns the count.
pub fn count_with_vte(bytes: &[u8]) -> u64 {
    #[derive(Default)]
    struct Count(u64);
    impl vte::Perform for Count {
        fn print(&mut self, _: char) {
            self.0 += 1;
        }
        fn execute(&mut self, _: u8) {
            self.0 += 1;
        }
        fn csi_dispatch(&mut self, _: &vte::Params, _: &[u8], _: bool, _: char) {
            self.0 += 1;
        }
        fn esc_dispatch(&mut self, _: &[u8], _: bool, _: u8) {
            self.0 += 1;
        }
        fn osc_dispatch(&mut self, _: &[&[u8]], _: bool) {
            self.0 += 1;
        }
        fn put(&mut self, _: u8) {
            self.0 += 1;
        }
    }
    let mut parser = vte::Parser::new();
    let mut count = Count::default();
    for batch in bytes.chunks(BATCH_BYTES) {
        parser.advance(&mut count, batch);
    }
    count.0
}

/// Parses `bytes` as one stream with `backend` in batches of [`BATCH_BYTES`]; returns the
/// record bytes produced.
pub fn parse_with_backend<B: Backend>(backend: B, bytes: &[u8]) -> Result<usize, ParseError> {
    let mut engine = Engine::new(backend);
    let mut records = 0;
    for batch in bytes.chunks(BATCH_BYTES) {
        records += engine.parse(&[(0, batch)])?.len();
    }
    records += engine.finish(0)?.len();
    Ok(records)
}

/// One input's results.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseThroughputRow {
    /// The input's name.
    pub input: &'static str,
    /// Its size in bytes.
    pub bytes: usize,
    /// Raw `vte` with a counting `Perform`, MB/s.
    pub vte_mb_s: f64,
    /// The `cpu` backend, MB/s.
    pub cpu_mb_s: f64,
    /// The `cpu-scan` backend, MB/s.
    pub cpu_scan_mb_s: f64,
}

/// Every input's results; `Display` renders a Markdown table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseThroughputTable {
    /// One row per input.
    pub rows: Vec<ParseThroughputRow>,
}

fn fastest(repeats: usize, mut run: impl FnMut() -> Result<(), ParseError>) -> Result<Duration, ParseError> {
    let mut best = Duration::MAX;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        run()?;
        best = best.min(start.elapsed());
    }
    Ok(best)
}

/// `bytes` as whole KiB or MiB, for table rows.
pub(super) fn size_text(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// Throughput in MB/s (10^6 bytes), never dividing by zero.
pub(super) fn mb_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
}

/// The fastest of `repeats` runs of a fresh `B` over `bytes`.
fn fastest_backend<B: Backend + Default>(repeats: usize, bytes: &[u8]) -> Result<Duration, ParseError> {
    fastest(repeats, || {
        std::hint::black_box(parse_with_backend(B::default(), std::hint::black_box(bytes))?);
        Ok(())
    })
}

/// Measures every parser on every input. This is what `perdix --benchmark` prints as its
/// parse table.
pub fn measure_parse_throughput(config: &ParseThroughputConfig) -> Result<ParseThroughputTable, ParseError> {
    let mut rows = Vec::new();
    for input in generate_inputs(config.input_bytes) {
        let bytes = &input.bytes;
        let vte = fastest(config.repeats, || {
            std::hint::black_box(count_with_vte(std::hint::black_box(bytes)));
            Ok(())
        })?;
        let cpu = fastest_backend::<CpuBackend>(config.repeats, bytes)?;
        let scan = fastest_backend::<ScanBackend>(config.repeats, bytes)?;
        rows.push(ParseThroughputRow {
            input: input.name,
            bytes: bytes.len(),
            vte_mb_s: mb_per_s(bytes.len(), vte),
            cpu_mb_s: mb_per_s(bytes.len(), cpu),
            cpu_scan_mb_s: mb_per_s(bytes.len(), scan),
        });
    }
    Ok(ParseThroughputTable { rows })
}

impl fmt::Display for ParseThroughputTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| input | size | raw vte MB/s | cpu MB/s | cpu / vte | cpu-scan MB/s | cpu-scan / vte |"
        )?;
        writeln!(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")?;
        for row in &self.rows {
            writeln!(
                f,
                "| {} | {} | {:.0} | {:.0} | {:.2}× | {:.0} | {:.2}× |",
                row.input,
                size_text(row.bytes),
                row.vte_mb_s,
                row.cpu_mb_s,
                row.cpu_mb_s / row.vte_mb_s,
                row.cpu_scan_mb_s,
                row.cpu_scan_mb_s / row.vte_mb_s
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_deterministic_sized_and_distinct() {
        let first = generate_inputs(10_000);
        let second = generate_inputs(10_000);
        assert_eq!(first.len(), 4);
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a.bytes, b.bytes);
            assert_eq!(a.bytes.len(), 10_000);
        }
        assert!(!first[0].bytes.contains(&0x1b));
        assert!(first[1].bytes.windows(2).filter(|w| w == b"\x1b[").count() > 100);
        assert!(first[3].bytes.iter().any(|&b| b >= 0xf0));
    }
}

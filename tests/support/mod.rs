//! Shared by the conformance suite: the reference dump written directly on `vte::Perform`,
//! input generators, and a runner that drives a backend through the whole pipeline; and,
//! in [`tui`], what the perdix-tui tests share.

#![allow(dead_code)]

pub mod agent_marks;
mod reference;
pub mod tmux;
pub mod tui;

#[allow(unused_imports)]
pub use reference::{hex, reference_dump};

use perdix::backend::{Pipeline, PipelineConfig};
use perdix::parse::BackendKind;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Where the recorded terminal sessions are.
pub const FIXTURES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// Where the recorded coding agents are (`scripts/record-agents`; see the README there).
pub const AGENT_FIXTURES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/agents");

/// The agents recorded in [`AGENT_FIXTURES_DIR`], in the order [`agent_fixtures`] lists them.
pub const AGENTS: [&str; 4] = ["aider", "claude", "codex", "gemini"];

/// The recorded sessions (`tests/fixtures/*.raw`), sorted.
pub fn fixtures() -> Vec<PathBuf> {
    raw_files(FIXTURES_DIR)
}

/// The recorded coding agents (`tests/fixtures/agents/*.raw`), sorted; every agent in
/// [`AGENTS`] is there, so that a lost recording fails the tests instead of shrinking them.
pub fn agent_fixtures() -> Vec<PathBuf> {
    let paths = raw_files(AGENT_FIXTURES_DIR);
    let names: Vec<_> = paths
        .iter()
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, AGENTS, "the agent recordings in {AGENT_FIXTURES_DIR}");
    paths
}

/// The `*.raw` files directly in `dir`, sorted.
fn raw_files(dir: &str) -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "raw"))
        .collect();
    paths.sort();
    paths
}

/// `offsets` random offsets into `len` bytes, sorted: chunk boundaries that land anywhere
/// (inside escape sequences and UTF-8 characters too) without one batch per byte.
pub fn random_offsets(rng: &mut StdRng, len: usize, offsets: usize) -> Vec<usize> {
    let mut picked: Vec<usize> = (0..offsets).map(|_| rng.random_range(0..=len)).collect();
    picked.sort_unstable();
    picked
}

/// Runs the `perdix` binary with `args`, `stdin` as its input, and collects its output.
pub fn perdix(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perdix"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the perdix binary runs");
    // A program that refuses its arguments may exit before reading its input.
    match child.stdin.take().unwrap().write_all(stdin) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    child.wait_with_output().unwrap()
}

/// The arguments of `perdix --dump-actions` on `file` with `backend`, reading `chunk`
/// bytes at a time when given.
pub fn dump_actions_args<'a>(backend: &'a str, chunk: Option<&'a str>, file: &'a str) -> Vec<&'a str> {
    let mut args = vec!["--dump-actions", "--backend", backend];
    if let Some(chunk) = chunk {
        args.extend(["--chunk", chunk]);
    }
    args.push(file);
    args
}

/// Small rings, so that the tests also exercise full rings, and so that thousands of
/// pipelines stay cheap. The record ring still holds the largest OSC record.
pub const SMALL_RINGS: PipelineConfig = PipelineConfig {
    input_slots: 16,
    record_slots: 512,
};

/// Rings for [`run_cases`]: an input ring that holds one slot of thousands of streams, so
/// that a batch really holds them all.
pub const MANY_STREAMS: PipelineConfig = PipelineConfig {
    input_slots: 1 << 15,
    record_slots: 1 << 12,
};

/// Whether `kind` can run here. A backend that cannot is named once on stderr (outside
/// the test harness's capture, so the skip is never silent), unless the variable that
/// requires it is set (`PERDIX_REQUIRE_WGPU` for wgpu, `PERDIX_REQUIRE_CUDA` for cuda):
/// then the test fails.
pub fn backend_available(kind: BackendKind) -> bool {
    use std::sync::Once;
    static WGPU_SKIP_NOTICE: Once = Once::new();
    static OTHER_SKIP_NOTICE: Once = Once::new();
    match perdix::backend::resolve(kind) {
        Ok(_) => true,
        Err(error) => {
            let required = match kind {
                BackendKind::Wgpu => "PERDIX_REQUIRE_WGPU",
                BackendKind::Cuda => "PERDIX_REQUIRE_CUDA",
                _ => "",
            };
            if !required.is_empty() && std::env::var_os(required).is_some() {
                panic!("{required} is set, but {error}");
            }
            let notice = if kind == BackendKind::Wgpu {
                &WGPU_SKIP_NOTICE
            } else {
                &OTHER_SKIP_NOTICE
            };
            notice.call_once(|| {
                let line = format!("{kind}: skipped ({error})\n");
                let _ = std::io::stderr().write_all(line.as_bytes());
            });
            false
        }
    }
}

/// Runs many cases at once, each on its own stream: batch `k` holds piece `k` of every
/// case that has one, so a GPU backend gets thousands of streams per submission. Returns
/// each case's dump.
pub fn run_cases(kind: BackendKind, cases: &[Vec<&[u8]>]) -> Vec<String> {
    assert!(cases.len() <= 1 << 16, "at most 65536 streams");
    let mut pipeline = Pipeline::new(kind, MANY_STREAMS).expect("backend available");
    let batches = cases.iter().map(Vec::len).max().unwrap_or(0);
    for batch in 0..batches {
        for (stream, pieces) in cases.iter().enumerate() {
            if let Some(piece) = pieces.get(batch) {
                pipeline.feed(stream as u16, piece).unwrap();
            }
        }
        pipeline.run_batch().unwrap();
    }
    (0..cases.len())
        .map(|stream| {
            pipeline.finish(stream as u16).unwrap();
            pipeline.take_dump(stream as u16)
        })
        .collect()
}

pub fn pipeline(kind: BackendKind) -> Pipeline {
    Pipeline::new(kind, SMALL_RINGS).expect("backend available")
}

/// Runs `chunks` of one stream through a pipeline, one batch per chunk.
pub fn run_chunks(pipeline: &mut Pipeline, stream: u16, chunks: &[&[u8]]) -> String {
    for chunk in chunks {
        pipeline.feed(stream, chunk).unwrap();
        pipeline.run_batch().unwrap();
    }
    pipeline.finish(stream).unwrap();
    pipeline.take_dump(stream)
}

/// Runs `bytes` whole.
pub fn run_whole(kind: BackendKind, bytes: &[u8]) -> String {
    run_chunks(&mut pipeline(kind), 0, &[bytes])
}

/// Splits `bytes` at `offsets` (sorted, within bounds).
pub fn split_at<'a>(bytes: &'a [u8], offsets: &[usize]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for &offset in offsets {
        pieces.push(&bytes[start..offset]);
        start = offset;
    }
    pieces.push(&bytes[start..]);
    pieces
}

/// A seed from `PERDIX_SEED`, or a fresh one; always printed so that a failure can be
/// replayed.
pub fn seed(test: &str) -> u64 {
    let seed = std::env::var("PERDIX_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            nanos.as_nanos() as u64 ^ 0x9e37_79b9_7f4a_7c15
        });
    eprintln!("{test}: PERDIX_SEED={seed}");
    seed
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Uniformly random bytes.
pub fn uniform_bytes(rng: &mut StdRng, max_len: usize) -> Vec<u8> {
    let len = rng.random_range(0..=max_len);
    let mut bytes = vec![0; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Input built from pieces of terminal output, valid and broken.
pub fn structured_bytes(rng: &mut StdRng, pieces: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.random_range(1..=pieces) {
        push_piece(rng, &mut out);
    }
    out
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn push_number(rng: &mut StdRng, out: &mut Vec<u8>) {
    let value: u32 = match rng.random_range(0..6) {
        0 => rng.random_range(0..10),
        1 => rng.random_range(0..256),
        2 => rng.random_range(65530..65540),
        3 => rng.random_range(0..10_000_000),
        _ => rng.random_range(0..110),
    };
    out.extend_from_slice(value.to_string().as_bytes());
}

fn push_params(rng: &mut StdRng, out: &mut Vec<u8>) {
    let count = if rng.random_ratio(1, 8) {
        rng.random_range(28..40)
    } else {
        rng.random_range(0..6)
    };
    for index in 0..count {
        if index > 0 {
            out.push(*pick(rng, b";;;;:"));
        }
        if !rng.random_ratio(1, 6) {
            push_number(rng, out);
        }
    }
}

fn push_intermediates(rng: &mut StdRng, out: &mut Vec<u8>) {
    for _ in 0..*pick(rng, &[0, 0, 0, 1, 1, 2, 3]) {
        out.push(rng.random_range(0x20..=0x2f));
    }
}

fn push_utf8(rng: &mut StdRng, out: &mut Vec<u8>) {
    let c = match rng.random_range(0..5) {
        0 => rng.random_range(0x20..0x7f),
        1 => rng.random_range(0x80..0x800),
        2 => rng.random_range(0x800..0x10000),
        3 => rng.random_range(0x10000..0x110000),
        _ => rng.random_range(0x80..0xa0),
    };
    let c = char::from_u32(c).unwrap_or('\u{fffd}');
    let mut buffer = [0; 4];
    let encoded = c.encode_utf8(&mut buffer).as_bytes();
    match rng.random_range(0..6) {
        // Truncated: the lead byte and some continuation bytes.
        0 if encoded.len() > 1 => out.extend_from_slice(&encoded[..rng.random_range(1..encoded.len())]),
        // A continuation byte replaced by something else.
        1 if encoded.len() > 1 => {
            out.extend_from_slice(&encoded[..encoded.len() - 1]);
            out.push(rng.random());
        }
        _ => out.extend_from_slice(encoded),
    }
}

fn push_terminator(rng: &mut StdRng, out: &mut Vec<u8>) {
    match rng.random_range(0..7) {
        0 => out.push(0x07),
        1 | 2 => out.extend_from_slice(b"\x1b\\"),
        3 => out.push(0x18),
        4 => out.push(0x1a),
        5 => out.push(0x9c),
        _ => {}
    }
}

fn push_piece(rng: &mut StdRng, out: &mut Vec<u8>) {
    match rng.random_range(0..15) {
        0 => {
            let words: [&[u8]; 5] = [b"hello ", b"world", b"ls -la\r\n", b"  ", b"\t|"];
            let word = *pick(rng, &words);
            out.extend_from_slice(word)
        }
        1 => push_utf8(rng, out),
        2 => out.push(rng.random_range(0..0x20)),
        3 => out.push(rng.random_range(0x80..0xa0)),
        4 => out.push(*pick(
            rng,
            &[0x7f, 0x18, 0x1a, 0x1b, 0x9b, 0x9d, 0x90, 0x9c, 0xc2],
        )),
        5 | 6 => {
            // CSI (SGR forms included), sometimes broken.
            out.extend_from_slice(b"\x1b[");
            if rng.random_ratio(1, 4) {
                out.push(*pick(rng, b"?>=<"));
            }
            match rng.random_range(0..4) {
                0 => {
                    let forms: [&[u8]; 5] = [b"38;5;", b"48;2;", b"38:2::", b"38:5:", b"4:3"];
                    let form = *pick(rng, &forms);
                    out.extend_from_slice(form)
                }
                _ => push_params(rng, out),
            }
            if rng.random_ratio(1, 5) {
                out.push(rng.random());
            }
            push_intermediates(rng, out);
            if !rng.random_ratio(1, 10) {
                out.push(rng.random_range(0x40..=0x7e));
            }
        }
        7 => {
            out.push(0x1b);
            push_intermediates(rng, out);
            out.push(rng.random_range(0x30..=0x7e));
        }
        8 | 9 => {
            out.extend_from_slice(b"\x1b]");
            let params = if rng.random_ratio(1, 6) {
                rng.random_range(14..20)
            } else {
                rng.random_range(0..4)
            };
            for index in 0..params {
                if index > 0 {
                    out.push(b';');
                }
                match rng.random_range(0..4) {
                    0 => push_number(rng, out),
                    1 => push_utf8(rng, out),
                    2 => out.push(rng.random()),
                    _ => out.extend_from_slice(b"title text"),
                }
            }
            push_terminator(rng, out);
        }
        10 | 11 => {
            out.extend_from_slice(b"\x1bP");
            push_params(rng, out);
            push_intermediates(rng, out);
            out.push(rng.random_range(0x30..=0x7e));
            for _ in 0..rng.random_range(0..12) {
                out.push(if rng.random_ratio(1, 4) {
                    rng.random()
                } else {
                    rng.random_range(0x20..0x7f)
                });
            }
            push_terminator(rng, out);
        }
        12 => {
            out.push(0x1b);
            out.push(*pick(rng, b"X^_"));
            out.extend_from_slice(b"private ");
            out.push(rng.random());
            push_terminator(rng, out);
        }
        13 => out.extend_from_slice(&uniform_bytes(rng, 6)),
        _ => out.extend_from_slice(b"\x1b[0m"),
    }
}

/// Compares two dumps; on a difference, the message shows the first differing line.
pub fn assert_same(expected: &str, actual: &str, context: &dyn Fn() -> String) {
    if expected == actual {
        return;
    }
    let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
    let line = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    panic!(
        "dumps differ at line {line}: expected {:?}, got {:?}\n{}",
        e.get(line),
        a.get(line),
        context()
    );
}

/// The records of `bytes`, as one stream parsed in one batch by the cpu backend.
pub fn cpu_records(bytes: &[u8]) -> Vec<u8> {
    let mut engine = perdix::backend::AnyEngine::new(BackendKind::Cpu).unwrap();
    let batch = engine.parse(&[(0, bytes)]).unwrap();
    batch
        .streams()
        .flat_map(|(_, records)| records.to_vec())
        .collect()
}

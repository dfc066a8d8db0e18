//! The parse kernels' record building, run on the CPU: the `__host__ __device__` walk of
//! `kernels/machine.cu` and `kernels/records.cu`, with the generated constants exactly as
//! NVRTC gets them, is compiled as host C++ by the system `g++` together with
//! `kernels/host/emulate.cpp`, which runs the three passes one block after the other over
//! the buffers the launcher would upload. The host side is the backend's own
//! (`parse_in_pieces`, `PackedPieces`, `piece_results` of `backend::device_batch`), so only the launches are
//! replaced. The results are compared with the `cpu-scan` backend.
//!
//! Not covered here: the warp-shuffle scans and their levels (plain loops here), the
//! device's memory model and anything NVRTC compiles differently from g++.

use super::kernel_source::{machine_tables, record_walk_source};
use super::{CudaError, CudaStreamState};
use crate::backend::device_batch::{
    parse_in_pieces, piece_results, PackedPieces, Piece, PieceResult, RunPieces, STREAM_OUT_WORDS,
};
use crate::backend::test_support::{
    as_batch, assert_same_dumps, collect, densest_rounds, long_strings_and_block_edges, noise,
    patterns_around_a_block_edge, CUT_PATTERNS,
};
use crate::parse::{Backend, Engine, ParseError, RecordBatch, ScanBackend, StreamWork};
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const SHIM: &str = include_str!("../../../kernels/host/shim.h");
const DRIVER: &str = include_str!("../../../kernels/host/emulate.cpp");

/// The compiled emulator, or `None` (with one line saying so) where there is no `g++`.
fn emulator() -> Option<PathBuf> {
    static BINARY: OnceLock<Option<PathBuf>> = OnceLock::new();
    BINARY.get_or_init(compile_emulator).clone()
}

fn compile_emulator() -> Option<PathBuf> {
    let present = Command::new("g++")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !present {
        // Straight to stderr: the harness captures `eprintln!` of passing tests.
        let line = "cuda host emulation: skipped, no g++ on PATH\n";
        let _ = std::io::stderr().write_all(line.as_bytes());
        return None;
    }
    // One folder per source text: reruns reuse the binary, and edits never meet a stale one.
    let text = format!("{SHIM}\n{}\n{DRIVER}", record_walk_source());
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    let dir = std::env::temp_dir().join(format!("perdix-cuda-host-{:016x}", hasher.finish()));
    let binary = dir.join("emulate");
    if binary.is_file() {
        return Some(binary);
    }
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    // Built under this process's own names, then renamed into place in one step, so that
    // test processes running at once never see half a binary.
    let source = dir.join(format!("emulate-{}.cpp", std::process::id()));
    let built = dir.join(format!("emulate-{}", std::process::id()));
    std::fs::write(&source, text).expect("writing the emulator's source");
    let output = Command::new("g++")
        .args([
            "-std=c++17",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unknown-pragmas",
        ])
        .arg("-o")
        .arg(&built)
        .arg(&source)
        .output()
        .expect("running g++");
    assert!(
        output.status.success(),
        "g++ refused the kernels' host code:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&built, &binary).expect("moving the emulator into place");
    let _ = std::fs::remove_file(&source);
    Some(binary)
}

/// Runs launches through the emulator, one process each.
struct HostLauncher {
    binary: PathBuf,
    packed: PackedPieces,
    records: Vec<u32>,
}

impl HostLauncher {
    /// The stdin framing of `kernels/host/emulate.cpp`.
    fn framed_input(&self) -> Vec<u8> {
        let (table, functions) = machine_tables();
        let packed = &self.packed;
        let counts = [
            table.len(),
            functions.len(),
            packed.input.len(),
            packed.block_stream.len(),
            packed.streams.len(),
        ]
        .map(|count| count as u32);
        let mut input = Vec::new();
        input.extend_from_slice(bytemuck::cast_slice(&counts));
        input.extend_from_slice(bytemuck::cast_slice(&table));
        input.extend_from_slice(bytemuck::cast_slice(&functions));
        input.extend_from_slice(&packed.input);
        input.extend_from_slice(bytemuck::cast_slice(&packed.block_stream));
        input.extend_from_slice(bytemuck::cast_slice(&packed.streams));
        input
    }
}

impl RunPieces for HostLauncher {
    type Error = CudaError;

    fn run(
        &mut self,
        pieces: &[Piece],
        bytes: &[&[u8]],
        carried: &[&[u32]],
    ) -> Result<Vec<PieceResult>, CudaError> {
        self.packed.pack(pieces, bytes, carried);
        let input = self.framed_input();
        let mut child = Command::new(&self.binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the emulator");
        // The emulator reads all of its input before it writes anything.
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin.write_all(&input).expect("feeding the emulator");
        drop(stdin);
        let mut output = Vec::new();
        child
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_end(&mut output)
            .expect("reading the emulator");
        let finished = child.wait_with_output().expect("the emulator finishes");
        if !finished.status.success() {
            return Err(CudaError::Results(
                String::from_utf8_lossy(&finished.stderr).into_owned(),
            ));
        }
        let words: Vec<u32> = output
            .chunks_exact(4)
            .map(|word| u32::from_le_bytes(word.try_into().expect("four bytes")))
            .collect();
        let total = words[0] as usize;
        let out_words = STREAM_OUT_WORDS * pieces.len();
        assert_eq!(words.len(), 1 + out_words + total, "the emulator's output length");
        let bound = self.packed.record_bound() as usize;
        assert!(total <= bound, "{total} words, over the bound of {bound}");
        self.records.clear();
        self.records.extend_from_slice(&words[1 + out_words..]);
        Ok(piece_results(&words[1..1 + out_words], total)?)
    }

    fn records(&self) -> &[u32] {
        &self.records
    }
}

/// The cuda backend with its launches emulated on the CPU.
struct EmulatedBackend {
    launcher: HostLauncher,
    pieces: Vec<Piece>,
    launch_bytes: usize,
}

impl Backend for EmulatedBackend {
    type StreamState = CudaStreamState;

    fn name(&self) -> &'static str {
        "cuda (host emulation)"
    }

    fn parse_batch(
        &mut self,
        batch: &mut [StreamWork<'_, CudaStreamState>],
        out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        parse_in_pieces(
            &mut self.launcher,
            &mut self.pieces,
            self.launch_bytes,
            batch,
            out,
        )?;
        Ok(())
    }

    fn finish_stream(
        &mut self,
        _stream: u16,
        _state: &mut CudaStreamState,
        _out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        Ok(())
    }
}

/// An emulated backend cutting batches into launches of `launch_bytes`, or `None`
/// without `g++`.
fn emulated(launch_bytes: usize) -> Option<Engine<EmulatedBackend>> {
    Some(Engine::new(EmulatedBackend {
        launcher: HostLauncher {
            binary: emulator()?,
            packed: PackedPieces::default(),
            records: Vec::new(),
        },
        pieces: Vec::new(),
        launch_bytes,
    }))
}

/// Parses `rounds` of batches with both backends, comparing each round's records.
fn assert_rounds_match(emulated: &mut Engine<EmulatedBackend>, rounds: &[Vec<(u16, &[u8])>]) {
    let mut scan = Engine::new(ScanBackend::default());
    for (round, batch) in rounds.iter().enumerate() {
        let expected = collect(scan.parse(batch).unwrap());
        let actual = collect(emulated.parse(batch).unwrap());
        assert_same_dumps(&expected, &actual, &format!("round {round}"));
    }
}

#[test]
fn noise_matches_the_scan_backend_across_launches_blocks_and_batches() {
    let Some(mut backend) = emulated(1000) else { return };
    let inputs: Vec<Vec<u8>> = (0..300)
        .map(|seed| noise(seed, (seed as usize * 37) % 3000))
        .collect();
    let rounds: Vec<Vec<(u16, &[u8])>> = (0..3)
        .map(|round| {
            inputs
                .iter()
                .enumerate()
                .map(|(stream, bytes)| {
                    let third = bytes.len() / 3;
                    (stream as u16, &bytes[round * third..(round + 1) * third])
                })
                .collect()
        })
        .collect();
    assert_rounds_match(&mut backend, &rounds);
}

#[test]
fn characters_and_sequences_cut_by_blocks_and_launches_match_the_scan_backend() {
    let Some(mut backend) = emulated(61) else { return };
    // Each pattern lands at every offset around the first block boundary, in streams cut
    // into launches of 61 bytes and two batches.
    let inputs = patterns_around_a_block_edge();
    let rounds: Vec<Vec<(u16, &[u8])>> = (0..2)
        .map(|round| {
            inputs
                .iter()
                .enumerate()
                .map(|(stream, bytes)| {
                    let half = bytes.len() / 2;
                    let part = if round == 0 {
                        &bytes[..half]
                    } else {
                        &bytes[half..]
                    };
                    (stream as u16, part)
                })
                .collect()
        })
        .collect();
    assert_rounds_match(&mut backend, &rounds);
}

#[test]
fn every_split_of_every_pattern_into_two_batches_matches_the_scan_backend() {
    let Some(mut backend) = emulated(super::LAUNCH_BYTES) else {
        return;
    };
    // One stream per split point, so that two launches cover every split.
    let input: Vec<u8> = CUT_PATTERNS.concat();
    let rounds: Vec<Vec<(u16, &[u8])>> = (0..2)
        .map(|round| {
            (0..=input.len())
                .map(|split| {
                    let part = if round == 0 {
                        &input[..split]
                    } else {
                        &input[split..]
                    };
                    (split as u16, part)
                })
                .collect()
        })
        .collect();
    assert_rounds_match(&mut backend, &rounds);
}

#[test]
fn empty_streams_block_edges_and_long_strings_match_the_scan_backend() {
    let Some(mut backend) = emulated(super::LAUNCH_BYTES) else {
        return;
    };
    // Strings over many blocks with no ESC, CAN or SUB: their state reaches the end only
    // through the scan.
    let streams = long_strings_and_block_edges(300_000, 200_000);
    let batch = as_batch(&streams);
    assert_rounds_match(&mut backend, &[batch, Vec::new()]);
}

#[test]
fn the_densest_inputs_fit_the_record_bound() {
    let Some(mut backend) = emulated(super::LAUNCH_BYTES) else {
        return;
    };
    let rounds = densest_rounds();
    let batches: Vec<Vec<(u16, &[u8])>> = rounds.iter().map(|round| as_batch(round)).collect();
    assert_rounds_match(&mut backend, &batches);
}

#[test]
fn an_osc_payload_carried_over_many_batches_matches_the_scan_backend() {
    let Some(mut backend) = emulated(super::LAUNCH_BYTES) else {
        return;
    };
    // The payload travels in the carried words from batch to batch, past the cap.
    let mut text = b"\x1b]8;id=1;http://example".to_vec();
    text.extend(std::iter::repeat_n(b'x', 70_000));
    text.extend_from_slice(b"\x1b\\after\xe2\x82");
    let rounds: Vec<Vec<(u16, &[u8])>> = text
        .chunks(7_001)
        .map(|chunk| vec![(4, chunk)])
        .chain([vec![(4, &b"\xac"[..])]])
        .collect();
    assert_rounds_match(&mut backend, &rounds);
}

#[test]
fn tiny_launches_carry_every_state_from_byte_to_byte() {
    let inputs: Vec<Vec<u8>> = (0..4).map(|seed| noise(1000 + seed, 150)).collect();
    for launch_bytes in [1, 7, 200] {
        let Some(mut backend) = emulated(launch_bytes) else {
            return;
        };
        let rounds: Vec<Vec<(u16, &[u8])>> = (0..3)
            .map(|round| {
                inputs
                    .iter()
                    .enumerate()
                    .map(|(stream, bytes)| (stream as u16, &bytes[round * 50..(round + 1) * 50]))
                    .collect()
            })
            .collect();
        assert_rounds_match(&mut backend, &rounds);
    }
}

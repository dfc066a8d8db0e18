use super::*;
use crate::backend::test_support::{
    as_batch, assert_same_dumps, collect, densest_rounds, long_strings_and_block_edges, noise,
    patterns_around_a_block_edge,
};
use crate::parse::{Engine, ScanBackend};

/// The backend, or `None` (with one line saying so) when this machine has no adapter and
/// `PERDIX_REQUIRE_WGPU` is unset.
fn backend() -> Option<WgpuBackend> {
    match WgpuBackend::new() {
        Ok(backend) => Some(backend),
        Err(error) if std::env::var_os("PERDIX_REQUIRE_WGPU").is_none() => {
            // Straight to stderr: the harness captures `eprintln!` of passing tests.
            use std::io::Write;
            let line = format!("wgpu: skipped, no adapter ({error})\n");
            let _ = std::io::stderr().write_all(line.as_bytes());
            None
        }
        Err(error) => panic!("PERDIX_REQUIRE_WGPU is set, but: {error}"),
    }
}

#[test]
fn the_shader_source_validates() {
    let module = naga::front::wgsl::parse_str(&shader_source()).expect("WGSL parses");
    naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::empty(),
    )
    .validate(&module)
    .expect("WGSL validates");
}

#[test]
fn records_equal_the_scan_backend_across_submissions_and_blocks() {
    let Some(gpu) = backend() else { return };
    // A tiny submission cap cuts streams across submissions as well as blocks.
    let mut gpu = Engine::new(gpu.with_submission_bytes(1000));
    let mut scan = Engine::new(ScanBackend::default());
    let inputs: Vec<Vec<u8>> = (0..300)
        .map(|seed| noise(seed, (seed as usize * 37) % 3000))
        .collect();
    for round in 0..3 {
        let batch: Vec<(u16, &[u8])> = inputs
            .iter()
            .enumerate()
            .map(|(stream, bytes)| {
                let third = bytes.len() / 3;
                (stream as u16, &bytes[round * third..(round + 1) * third])
            })
            .collect();
        let expected = collect(scan.parse(&batch).unwrap());
        let actual = collect(gpu.parse(&batch).unwrap());
        assert_same_dumps(&expected, &actual, &format!("round {round}"));
    }
}

#[test]
fn empty_streams_block_edges_and_four_scan_levels_match_the_scan_backend() {
    let Some(gpu) = backend() else { return };
    let mut gpu = Engine::new(gpu);
    let mut scan = Engine::new(ScanBackend::default());
    // Over 65,536 blocks of one stream with no ESC, CAN or SUB: the state inside the OSC
    // and DCS strings reaches the end only through all four levels of the scan.
    let streams = long_strings_and_block_edges(3 << 20, 2 << 20);
    let batch = as_batch(&streams);
    let expected = collect(scan.parse(&batch).unwrap());
    let actual = collect(gpu.parse(&batch).unwrap());
    assert_same_dumps(&expected, &actual, "one batch");
    assert!(gpu.parse(&[]).unwrap().is_empty());
}

#[test]
fn characters_and_sequences_cut_by_blocks_and_submissions_match_the_scan_backend() {
    let Some(gpu) = backend() else { return };
    // Each pattern lands at every offset around the first block boundary, in streams cut
    // into submissions of 61 bytes, so that characters, sequences and strings are cut by
    // blocks and carried between submissions at every byte.
    let inputs = patterns_around_a_block_edge();
    let batch: Vec<(u16, &[u8])> = inputs
        .iter()
        .enumerate()
        .map(|(stream, bytes)| (stream as u16, &bytes[..]))
        .collect();
    let mut gpu = Engine::new(gpu.with_submission_bytes(61));
    let mut scan = Engine::new(ScanBackend::default());
    // Half of each stream in one batch, the rest in another.
    for round in 0..2 {
        let halves: Vec<(u16, &[u8])> = batch
            .iter()
            .map(|&(stream, bytes)| {
                let half = bytes.len() / 2;
                (
                    stream,
                    if round == 0 {
                        &bytes[..half]
                    } else {
                        &bytes[half..]
                    },
                )
            })
            .collect();
        let expected = collect(scan.parse(&halves).unwrap());
        let actual = collect(gpu.parse(&halves).unwrap());
        assert_same_dumps(&expected, &actual, &format!("round {round}"));
    }
}

#[test]
fn the_densest_inputs_fit_the_record_bound() {
    let Some(gpu) = backend() else { return };
    let mut gpu = Engine::new(gpu);
    let mut scan = Engine::new(ScanBackend::default());
    for round in densest_rounds() {
        let batch = as_batch(&round);
        let expected = collect(scan.parse(&batch).unwrap());
        let actual = collect(gpu.parse(&batch).unwrap());
        assert_same_dumps(&expected, &actual, "dense input");
    }
}

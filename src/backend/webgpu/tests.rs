use super::*;
use crate::parse::{decode_records, ActionDump, Engine, ScanBackend};

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

fn noise(seed: u32, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    let pool = b"\x1b[]P;:?1m \x07\x18\x9cX\\q\xe2\x82\xac\x1a";
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            if state.is_multiple_of(3) {
                state as u8
            } else {
                pool[(state >> 8) as usize % pool.len()]
            }
        })
        .collect()
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

/// Compares per-stream dumps, naming the first stream and line that differ.
fn assert_same_dumps(expected: &[(u16, String)], actual: &[(u16, String)], context: &str) {
    let streams = |dumps: &[(u16, String)]| dumps.iter().map(|(s, _)| *s).collect::<Vec<_>>();
    assert_eq!(
        streams(expected),
        streams(actual),
        "{context}: streams with records"
    );
    for ((stream, want), (_, got)) in expected.iter().zip(actual) {
        let mut lines = want.lines().zip(got.lines()).enumerate();
        if let Some((line, (a, b))) = lines.find(|(_, (a, b))| a != b) {
            panic!("{context}, stream {stream}, line {line}: expected {a:.200}, got {b:.200}");
        }
        assert_eq!(want.len(), got.len(), "{context}, stream {stream}: dump lengths");
    }
}

/// Each stream's decoded calls (a stream cut across submissions has several spans, and
/// a text run cut there is two records: the dump joins them again).
fn collect(records: &RecordBatch) -> Vec<(u16, String)> {
    let mut dumps: std::collections::BTreeMap<u16, ActionDump> = Default::default();
    for (stream, bytes) in records.streams() {
        let dump = dumps.entry(stream).or_default();
        for action in decode_records(bytes) {
            dump.push(&action.expect("records decode"));
        }
    }
    dumps
        .into_iter()
        .map(|(stream, mut dump)| (stream, dump.take()))
        .collect()
}

#[test]
fn empty_streams_block_edges_and_four_scan_levels_match_the_scan_backend() {
    let Some(gpu) = backend() else { return };
    let mut gpu = Engine::new(gpu);
    let mut scan = Engine::new(ScanBackend::default());
    // Over 65,536 blocks of one stream with no ESC, CAN or SUB: the state inside the OSC
    // and DCS strings reaches the end only through all four levels of the scan.
    let mut long = b"\x1b]0;".to_vec();
    long.extend(std::iter::repeat_n(b'a', 3 << 20));
    long.extend_from_slice(b"\x07text\x1bPq");
    long.extend(std::iter::repeat_n(b'#', 2 << 20));
    long.extend_from_slice(b"\x9cdone");
    let edges: Vec<Vec<u8>> = [63, 64, 65, 128, 129]
        .iter()
        .map(|&len| noise(len as u32, len))
        .collect();
    let mut batch: Vec<(u16, &[u8])> = vec![(0, b""), (1, &long), (2, b"")];
    batch.extend(
        edges
            .iter()
            .enumerate()
            .map(|(i, bytes)| (3 + i as u16, &bytes[..])),
    );
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
    let patterns: [&[u8]; 10] = [
        "a€b😀c\u{85}d".as_bytes(),
        b"\xf0\x9f\x98x\xe2\x82\xe2\x82\xac\xed\xa0\x80\xe0\x80\xf4\x90",
        // A lead byte inside a DCS string, then ST (0x9c, a continuation byte) and one
        // more continuation byte in ground: no character.
        b"\x1bPq\xe2\x9c\x82\x9c\x82x",
        b"\x1b[38:2:1:2:3;4;;5m\x1b[?1049h\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;22;23;24;25;26;27;28;29;30;31;32;33;34m",
        b"\x1b]0;title;with;params\x07\x1b]8;;http://x\x1b\\text\x1b]2;t\x18\x1b]2;u\x1a",
        b"\x1bP1;2|data\x18more\x1bP$q\x1b\\\x1bPq#0;1\x9c",
        b"\x1b(B\x1b#8\x1b !\"#7\x1b\x05[\x1b\x85c",
        b"\xe2\x82\x1b[m\xc2\x1b]x\x07\xf0\x9f\x98",
        b"\x1b]52;c;aGVsbG8=\x1b\\\x1b[200~pasted\x1b[201~",
        b"\x1b[1;\x00\x1b2\x1b[\x7f\x1bX sos \x1b\\\x1b^pm\x9c\x1b_apc\x07",
    ];
    let inputs: Vec<Vec<u8>> = patterns
        .iter()
        .flat_map(|pattern| {
            (48..72).map(move |offset| {
                let mut input = vec![b'.'; offset];
                input.extend_from_slice(pattern);
                input.extend_from_slice(pattern);
                input
            })
        })
        .collect();
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
    // Inputs that make the most record bytes per input byte: a control between printable
    // characters, OSC strings ended at once, invalid bytes between controls, a full CSI
    // parameter list carried into a batch of one byte.
    let patterns: [&[u8]; 5] = [b"\na", b"\x1b]\x1b]", b"\x1b]\x18a", b"\xff\n", b"\x1b[;m"];
    let inputs: Vec<Vec<u8>> = patterns
        .iter()
        .map(|pattern| pattern.repeat(4096 / pattern.len()))
        .collect();
    let mut batch: Vec<(u16, &[u8])> = inputs
        .iter()
        .enumerate()
        .map(|(stream, bytes)| (stream as u16, &bytes[..]))
        .collect();
    let params = format!("\x1b[{}", ";".repeat(40));
    batch.push((9, params.as_bytes()));
    let mut gpu = Engine::new(gpu);
    let mut scan = Engine::new(ScanBackend::default());
    for round in [batch, vec![(9, &b"m"[..])]] {
        let expected = collect(scan.parse(&round).unwrap());
        let actual = collect(gpu.parse(&round).unwrap());
        assert_same_dumps(&expected, &actual, "dense input");
    }
}

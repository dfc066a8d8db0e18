//! Inputs and comparisons shared by the tests of the GPU backends.

use crate::parse::{decode_records, ActionDump, RecordBatch};

/// `len` bytes of escape-heavy noise: sequence introducers, separators, controls, UTF-8
/// pieces and random bytes.
pub(crate) fn noise(seed: u32, len: usize) -> Vec<u8> {
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

/// Characters, sequences and strings of every kind, cut short, malformed and carried: each
/// test puts them around block and launch boundaries.
pub(crate) const CUT_PATTERNS: [&[u8]; 10] = [
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

/// Compares per-stream dumps, naming the first stream and line that differ.
pub(crate) fn assert_same_dumps(expected: &[(u16, String)], actual: &[(u16, String)], context: &str) {
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
pub(crate) fn collect(records: &RecordBatch) -> Vec<(u16, String)> {
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

/// Two rounds of the inputs that make the most record bytes per input byte: a control
/// between printable characters, OSC strings ended at once, invalid bytes between
/// controls, and a full CSI parameter list (stream 9) carried into a round of one byte.
pub(crate) fn densest_rounds() -> [Vec<(u16, Vec<u8>)>; 2] {
    let patterns: [&[u8]; 5] = [b"\na", b"\x1b]\x1b]", b"\x1b]\x18a", b"\xff\n", b"\x1b[;m"];
    let mut first: Vec<(u16, Vec<u8>)> = patterns
        .iter()
        .enumerate()
        .map(|(stream, pattern)| (stream as u16, pattern.repeat(4096 / pattern.len())))
        .collect();
    first.push((9, format!("\x1b[{}", ";".repeat(40)).into_bytes()));
    [first, vec![(9, b"m".to_vec())]]
}

/// A round borrowed as a batch.
pub(crate) fn as_batch(round: &[(u16, Vec<u8>)]) -> Vec<(u16, &[u8])> {
    round
        .iter()
        .map(|(stream, bytes)| (*stream, &bytes[..]))
        .collect()
}

/// Every [`CUT_PATTERNS`] entry, twice, after 48 to 71 filler bytes: each lands at every
/// offset around the first block boundary.
pub(crate) fn patterns_around_a_block_edge() -> Vec<Vec<u8>> {
    CUT_PATTERNS
        .iter()
        .flat_map(|pattern| {
            (48..72).map(move |offset| {
                let mut input = vec![b'.'; offset];
                input.extend_from_slice(pattern);
                input.extend_from_slice(pattern);
                input
            })
        })
        .collect()
}

/// Empty streams, a stream with an OSC string of `osc_len` bytes and a DCS string of
/// `dcs_len` bytes (no ESC, CAN or SUB inside, so their state reaches the end only through
/// the scan), and noise of lengths around the block edges.
pub(crate) fn long_strings_and_block_edges(osc_len: usize, dcs_len: usize) -> Vec<(u16, Vec<u8>)> {
    let mut long = b"\x1b]0;".to_vec();
    long.extend(std::iter::repeat_n(b'a', osc_len));
    long.extend_from_slice(b"\x07text\x1bPq");
    long.extend(std::iter::repeat_n(b'#', dcs_len));
    long.extend_from_slice(b"\x9cdone");
    let mut streams = vec![(0, Vec::new()), (1, long), (2, Vec::new())];
    streams.extend(
        [63, 64, 65, 128, 129]
            .iter()
            .enumerate()
            .map(|(i, &len)| (3 + i as u16, noise(len as u32, len))),
    );
    streams
}

//! The built-in input of the self-check: generated, so the same on every machine.
//!
//! Two parts. The **check** part is what the records are compared on: agent-like output
//! (colours in 16, 256 and 24-bit forms, spinners redrawn with `\r`, diffs, wide and
//! combining characters, titles, hyperlinks, synchronized updates) and hostile pieces
//! (OSC strings far over [`OSC_PAYLOAD_CAP`], long DCS data, invalid UTF-8, C1 bytes,
//! CAN and SUB inside sequences, too many parameters, raw random bytes), cut into batches
//! at sizes from one byte up, so that sequences and characters straddle batches. The
//! **timing** part is agent-like output only, in the large batches of a busy app (every
//! pane with 64 KiB waiting), where a device backend can pay off.

use crate::parse::OSC_PAYLOAD_CAP;

/// One batch: the bytes each stream got.
pub type Batch = Vec<(u16, Vec<u8>)>;

/// Streams of agent-like output in the timing part.
const TIMING_STREAMS: u16 = 8;
/// Bytes of each of them.
const TIMING_STREAM_BYTES: usize = 256 * 1024;
/// Bytes each stream has waiting per timing batch.
const TIMING_BATCH_BYTES: usize = 64 * 1024;
/// Bytes of each agent-like stream in the check part.
const CHECK_AGENT_BYTES: usize = 96 * 1024;
/// The piece sizes the check part cycles through: single bytes and sizes around the
/// device backends' 64-byte blocks as well as large pieces.
const CHECK_PIECE_SIZES: [usize; 12] = [1, 3, 64, 4093, 2, 65, 16384, 7, 63, 128, 40_000, 1000];

/// The self-check's input; see the [module docs](self).
///
/// ```
/// use perdix::backend::auto::SelfCheckCorpus;
/// let corpus = SelfCheckCorpus::built_in();
/// assert_eq!(corpus.check, SelfCheckCorpus::built_in().check); // the same every time
/// assert!(corpus.check.len() > 10 && !corpus.timing.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfCheckCorpus {
    /// Batches whose records are compared.
    pub check: Vec<Batch>,
    /// Batches that are timed.
    pub timing: Vec<Batch>,
}

impl SelfCheckCorpus {
    /// The corpus every self-check runs.
    pub fn built_in() -> SelfCheckCorpus {
        let mut check_streams: Vec<Vec<u8>> = (1..=3)
            .map(|seed| agent_output(seed, CHECK_AGENT_BYTES))
            .collect();
        check_streams.push(hostile_sequences(7));
        check_streams.push(long_strings());
        check_streams.push(broken_text(11));
        let check = interleave(&check_streams, |stream, index| {
            CHECK_PIECE_SIZES[(stream + index) % CHECK_PIECE_SIZES.len()]
        });
        let timing_streams: Vec<Vec<u8>> = (0..TIMING_STREAMS)
            .map(|stream| agent_output(100 + u64::from(stream), TIMING_STREAM_BYTES))
            .collect();
        let timing = interleave(&timing_streams, |_, _| TIMING_BATCH_BYTES);
        SelfCheckCorpus { check, timing }
    }

    /// Every byte of the corpus, both parts.
    pub fn len(&self) -> usize {
        let bytes =
            |batches: &[Batch]| -> usize { batches.iter().flatten().map(|(_, bytes)| bytes.len()).sum() };
        bytes(&self.check) + bytes(&self.timing)
    }

    /// True when the corpus holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Cuts every stream into pieces (`size(stream, index)` bytes for piece `index`); batch
/// `k` holds piece `k` of every stream that has one.
fn interleave(streams: &[Vec<u8>], size: impl Fn(usize, usize) -> usize) -> Vec<Batch> {
    let mut batches: Vec<Batch> = Vec::new();
    for (stream, bytes) in streams.iter().enumerate() {
        let mut rest = &bytes[..];
        let mut index = 0;
        while !rest.is_empty() {
            let (piece, tail) = rest.split_at(size(stream, index).clamp(1, rest.len()));
            if batches.len() == index {
                batches.push(Vec::new());
            }
            // At most a few streams: the index always fits.
            batches[index].push((stream as u16, piece.to_vec()));
            rest = tail;
            index += 1;
        }
    }
    batches
}

/// A small deterministic generator (xorshift), for picking words.
struct Picker(u64);

impl Picker {
    fn new(seed: u64) -> Picker {
        // Never zero, and nearby seeds far apart.
        Picker(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "ring",
    "producer",
    "consumer",
    "batch",
    "parse",
    "slot",
    "the",
    "a",
    "wait",
    "record",
    "漢字",
    "café",
    "naïve",
    "→",
    "✓",
    "e\u{301}",
    "👍",
    "テスト",
    "stream",
    "panic",
];
const COMMANDS: &[&str] = &["cargo test --lib", "git diff --stat", "rg produce", "ls -la src"];
const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// `bytes` (or a little more) of output in the style of coding agents.
fn agent_output(seed: u64, bytes: usize) -> Vec<u8> {
    let mut picker = Picker::new(seed);
    let mut out = String::new();
    while out.len() < bytes {
        let words: Vec<&str> = (0..3 + picker.below(12)).map(|_| picker.pick(WORDS)).collect();
        let text = words.join(" ");
        match picker.below(9) {
            0 => out.push_str(&format!("\x1b[2m\x1b[3m{text}\x1b[0m\r\n")),
            1 => {
                let command = picker.pick(COMMANDS);
                out.push_str(&format!("\x1b[1;32m⏺\x1b[0m Bash({command})\r\n  ⎿  {text}\r\n"));
            }
            2 => {
                out.push_str(&format!("\x1b[31m-    {text}\x1b[0m\r\n"));
                out.push_str(&format!("\x1b[32m+    {text};\x1b[0m\r\n"));
            }
            3 => {
                for step in 0..4 {
                    let frame = SPINNER[(step + picker.below(8)) % SPINNER.len()];
                    out.push_str(&format!(
                        "\r\x1b[2K\x1b[38;5;{}m{frame}\x1b[0m {text}",
                        16 + picker.below(200)
                    ));
                }
                out.push_str("\r\n");
            }
            4 => {
                let (r, g, b) = (picker.below(256), picker.below(256), picker.below(256));
                out.push_str(&format!(
                    "\x1b[38;2;{r};{g};{b}m{text}\x1b[39m\x1b[48:2::{g}:{b}:{r}m \x1b[49m\r\n"
                ));
            }
            5 => out.push_str(&format!(
                "\x1b]0;{text}\x07\x1b]8;;https://example.com/{seed}\x1b\\link\x1b]8;;\x1b\\\r\n"
            )),
            6 => out.push_str(&format!(
                "\x1b[?2026h\x1b[?25l\x1b[3A\x1b[1G{text}\x1b[K\x1b[3B\x1b[?25h\x1b[?2026l"
            )),
            7 => out.push_str(&format!("│ {:<40} │\r\n", text)),
            _ => out.push_str(&format!("{text}\r\n")),
        }
    }
    out.into_bytes()
}

/// Sequences that stress the parser: C1 controls, CAN and SUB cutting sequences off,
/// too many parameters and intermediates, strings of every kind, DEL, lone ESC.
fn hostile_sequences(seed: u64) -> Vec<u8> {
    const PIECES: &[&[u8]] = &[
        b"\x9b1;31m\x85\x90q\x9c",
        b"\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;22;23;24;25;26;27;28;29;30;31;32;33;34;35m",
        b"\x1b[38:2:1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20:21:22:23:24:25:26:27:28:29:30:31:32:33m",
        b"\x1b[99999999;65536;0000000001H",
        b"\x1b[1\x18m\x1b[2\x1am\x1b]0;cut\x18\x1bP1q\x1ax",
        b"\x1b !\"#$%&'()*+,-./0",
        b"\x1b[?1;2$p\x1b[>4;2m\x1b[=1c\x1b[<u",
        b"\x1bX sos \x07 still \x1b\\\x1b^pm\x9c\x1b_apc\x1b\\",
        b"\x1bP0;1|17/ab\x1b\\\x1bP$q\"p\x1b\\",
        b"a\x7fb\x1b[\x7f1m\x1b]2;\x7f\x07",
        b"\x1b\x1b\x1b[\x1b]\x1bP\x1b\\",
        b"\x1b]52;c;aGVsbG8=\x07\x1b]9;note\x1b\\\x1b]777;notify;t;b\x07",
        b"\x1b]1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20\x07",
        b"\x1b[;;;;m\x1b[:m\x1b[1:m\x1b[;1m",
    ];
    let mut picker = Picker::new(seed);
    let mut out = Vec::new();
    for _ in 0..2000 {
        out.extend_from_slice(PIECES[picker.below(PIECES.len())]);
        out.extend_from_slice(picker.pick(WORDS).as_bytes());
    }
    out
}

/// OSC and DCS strings far longer than the payload cap, ended every way a string ends.
fn long_strings() -> Vec<u8> {
    let mut out = Vec::new();
    for (index, end) in [&b"\x07"[..], b"\x1b\\", b"\x18", b"\x1a", b"\x9c"]
        .iter()
        .enumerate()
    {
        // Only the first string is far over the cap; the others end just past it.
        let over = if index == 0 { OSC_PAYLOAD_CAP } else { 17 };
        out.extend_from_slice(b"\x1b]0;");
        out.extend(std::iter::repeat_n(b'a' + index as u8, OSC_PAYLOAD_CAP + over));
        out.extend_from_slice(end);
        out.extend_from_slice(b"\x1bP1;2q");
        out.extend(std::iter::repeat_n(b"#0;2;0;0;0~-", 500).flatten());
        out.extend_from_slice(end);
        out.extend_from_slice("after the string ✓\r\n".as_bytes());
    }
    out
}

/// Text with broken UTF-8 (truncated, overlong, surrogate, stray continuation bytes)
/// and raw random bytes.
fn broken_text(seed: u64) -> Vec<u8> {
    const BROKEN: &[&[u8]] = &[
        b"\xe2\x82",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\x80\xbf",
        b"\xf4\x90\x80\x80",
        b"\xf0\x9f\x98",
        b"\xff\xfe",
        b"\xc2\x85",
        b"\xe2\x82\xac",
    ];
    let mut picker = Picker::new(seed);
    let mut out = Vec::new();
    for round in 0..3000 {
        out.extend_from_slice(BROKEN[picker.below(BROKEN.len())]);
        out.extend_from_slice(picker.pick(WORDS).as_bytes());
        if round % 10 == 0 {
            out.extend((0..16).map(|_| picker.next() as u8));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stream_is_cut_into_small_and_large_pieces() {
        let corpus = SelfCheckCorpus::built_in();
        let sizes: Vec<usize> = corpus
            .check
            .iter()
            .flatten()
            .map(|(_, bytes)| bytes.len())
            .collect();
        assert!(sizes.contains(&1) && sizes.contains(&40_000));
        let streams: std::collections::BTreeSet<u16> =
            corpus.check.iter().flatten().map(|(stream, _)| *stream).collect();
        assert_eq!(streams.len(), 6);
        assert!(corpus
            .timing
            .iter()
            .all(|batch| batch.len() == usize::from(TIMING_STREAMS)));
        // Big enough to time, small enough to run at every first start.
        assert!((1 << 20..8 << 20).contains(&corpus.len()), "{}", corpus.len());
    }

    #[test]
    fn the_hostile_parts_hold_what_they_promise() {
        let strings = long_strings();
        assert!(strings.len() > 6 * OSC_PAYLOAD_CAP);
        let broken = broken_text(11);
        assert!(std::str::from_utf8(&broken).is_err());
        assert!(hostile_sequences(7).contains(&0x9b));
    }
}

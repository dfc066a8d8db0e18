//! Ground-state text: UTF-8 decoding with `vte`'s rules, a partial character carried
//! across batches.
//!
//! - valid characters are printed, except C0 controls (U+0000–U+001F) and C1 controls
//!   (U+0080–U+009F), which are executed with their code as the byte;
//! - an invalid sequence is one U+FFFD per `str::from_utf8` error (its `error_len`), except
//!   that a lone byte 0x80–0x9f is executed;
//! - a sequence cut short by ESC is one U+FFFD; one cut short by the end of the input is
//!   kept for the next batch.

/// Where decoded ground text goes.
pub(crate) trait TextSink {
    /// Printable characters (no controls).
    fn print_str(&mut self, text: &str);
    /// A control byte.
    fn execute(&mut self, byte: u8);
}

/// Up to 3 bytes of a UTF-8 character whose end has not arrived yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PartialChar {
    bytes: [u8; 4],
    len: u8,
}

impl PartialChar {
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Ends the partial character because ESC arrived: one U+FFFD.
    pub fn flush(&mut self, sink: &mut impl TextSink) {
        if !self.is_empty() {
            self.len = 0;
            sink.print_str("\u{fffd}");
        }
    }
}

/// Decodes one run of ground bytes (no ESC in it) after the carried partial character;
/// an incomplete character at the end of `bytes` goes back into `partial`.
pub(crate) fn decode_ground(partial: &mut PartialChar, mut bytes: &[u8], sink: &mut impl TextSink) {
    if !partial.is_empty() {
        // Complete the carried character with as few new bytes as it needs.
        let mut joined = [0u8; 8];
        let held = partial.len as usize;
        let take = bytes.len().min(4);
        joined[..held].copy_from_slice(partial.as_slice());
        joined[held..held + take].copy_from_slice(&bytes[..take]);
        partial.len = 0;
        let window = &joined[..held + take];
        let used = match std::str::from_utf8(window) {
            Ok(_) => window.len(),
            Err(error) if error.valid_up_to() > 0 => error.valid_up_to(),
            Err(error) => match error.error_len() {
                Some(len) => {
                    // The carried character is broken: one U+FFFD for the bytes `from_utf8`
                    // counts as the error (a carried lead byte is never a C1 control).
                    sink.print_str("\u{fffd}");
                    bytes = &bytes[len - held..];
                    return decode_complete(bytes, partial, sink);
                }
                None => {
                    // Still incomplete: only possible when `bytes` ran out.
                    partial.bytes[..window.len()].copy_from_slice(window);
                    partial.len = window.len() as u8;
                    return;
                }
            },
        };
        // The carried bytes are a valid prefix, so the first error is at a new byte.
        debug_assert!(used >= held);
        decode_complete(&window[..used], partial, sink);
        bytes = &bytes[used - held..];
    }
    decode_complete(bytes, partial, sink);
}

/// Decodes `bytes`; an incomplete character at its very end goes into `partial`.
fn decode_complete(mut bytes: &[u8], partial: &mut PartialChar, sink: &mut impl TextSink) {
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                emit_text(text, sink);
                return;
            }
            Err(error) => {
                let valid = error.valid_up_to();
                // SAFETY: `from_utf8` checked these bytes.
                emit_text(unsafe { std::str::from_utf8_unchecked(&bytes[..valid]) }, sink);
                match error.error_len() {
                    Some(len) => {
                        let first = bytes[valid];
                        if len == 1 && (0x80..=0x9f).contains(&first) {
                            sink.execute(first);
                        } else {
                            sink.print_str("\u{fffd}");
                        }
                        bytes = &bytes[valid + len..];
                    }
                    None => {
                        let rest = &bytes[valid..];
                        partial.bytes[..rest.len()].copy_from_slice(rest);
                        partial.len = rest.len() as u8;
                        return;
                    }
                }
            }
        }
    }
}

/// 0x01 in every byte of a word.
pub(crate) const LOW_BITS: u64 = 0x0101_0101_0101_0101;
/// 0x80 in every byte of a word.
pub(crate) const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
const SPACES: u64 = 0x2020_2020_2020_2020;

/// The 8 bytes at `index` as a little-endian word, so byte order matches bit order.
#[inline(always)]
pub(crate) fn load_word(bytes: &[u8], index: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[index..index + 8]);
    u64::from_le_bytes(word)
}

/// The high bit of every byte of `word` equal to `byte`. Only the lowest mark is
/// certain: a borrow can mark later bytes, never earlier ones.
#[inline(always)]
pub(crate) fn byte_marks(word: u64, byte: u8) -> u64 {
    let diff = word ^ (LOW_BITS * byte as u64);
    diff.wrapping_sub(LOW_BITS) & !diff & HIGH_BITS
}

/// Length of the prefix of `bytes` made of printable ASCII (0x20–0x7f), eight bytes at a
/// time.
pub(crate) fn printable_ascii_len(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut len = 0;
    for chunk in &mut chunks {
        let word = load_word(chunk, 0);
        // A byte below 0x20 (and below 0x80) sets its high bit in `word - 0x20..`; its borrow
        // can only mark later bytes, beyond the lowest mark that is searched for.
        let stop = (word & HIGH_BITS) | (word.wrapping_sub(SPACES) & !word & HIGH_BITS);
        if stop != 0 {
            return len + (stop.trailing_zeros() / 8) as usize;
        }
        len += 8;
    }
    let rest = chunks.remainder();
    len + rest
        .iter()
        .position(|&b| !(0x20..0x80).contains(&b))
        .unwrap_or(rest.len())
}

/// Index of the first byte at or after `from` that may start a control in valid UTF-8: a
/// C0 control (below 0x20) or 0xC2 (the lead byte of U+0080..U+00BF, which holds the C1
/// controls). Eight bytes at a time; `bytes.len()` when there is none.
#[inline]
fn next_control_candidate(bytes: &[u8], from: usize) -> usize {
    let mut index = from;
    while let Some(chunk) = bytes.get(index..index + 8) {
        let word = load_word(chunk, 0);
        // In both tests the lowest marked byte is a true match (a borrow only marks
        // bytes after one).
        let below_space = word.wrapping_sub(SPACES) & !word & HIGH_BITS;
        let marks = below_space | byte_marks(word, 0xc2);
        if marks != 0 {
            return index + (marks.trailing_zeros() / 8) as usize;
        }
        index += 8;
    }
    bytes[index..]
        .iter()
        .position(|&b| b < 0x20 || b == 0xc2)
        .map_or(bytes.len(), |offset| index + offset)
}

/// Prints the printable runs of valid text and executes its controls.
#[inline]
pub(crate) fn emit_text(text: &str, sink: &mut impl TextSink) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    loop {
        index = next_control_candidate(bytes, index);
        let Some(&byte) = bytes.get(index) else { break };
        // U+0080..U+009F (C2 80..C2 9F) are C1 controls; other characters print.
        let control = match byte {
            0x00..=0x1f => Some((byte, 1)),
            _ => bytes
                .get(index + 1)
                .filter(|&&next| next <= 0x9f)
                .map(|&next| (next, 2)),
        };
        match control {
            Some((code, len)) => {
                if start < index {
                    sink.print_str(&text[start..index]);
                }
                sink.execute(code);
                index += len;
                start = index;
            }
            // C2 A0..C2 BF prints; its second byte is no candidate.
            None => index += 1,
        }
    }
    if start < bytes.len() {
        sink.print_str(&text[start..]);
    }
}

/// Length of the incomplete UTF-8 character at the end of `bytes` (0 to 3): a lead byte
/// followed by fewer continuation bytes than it needs, all of them still valid.
pub(crate) fn incomplete_tail(bytes: &[u8]) -> usize {
    for len in 1..=bytes.len().min(3) {
        let tail = &bytes[bytes.len() - len..];
        if tail[0] >= 0xc0 {
            return match std::str::from_utf8(tail) {
                Err(error) if error.valid_up_to() == 0 && error.error_len().is_none() => len,
                _ => 0,
            };
        }
        if tail[0] < 0x80 {
            return 0;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Log(Vec<String>);

    impl TextSink for Log {
        fn print_str(&mut self, text: &str) {
            self.0.push(format!("p{text}"));
        }
        fn execute(&mut self, byte: u8) {
            self.0.push(format!("x{byte:02x}"));
        }
    }

    fn decode_in_pieces(pieces: &[&[u8]]) -> Vec<String> {
        let mut log = Log::default();
        let mut partial = PartialChar::default();
        for piece in pieces {
            decode_ground(&mut partial, piece, &mut log);
        }
        // Coalesce prints so that piecewise and whole decoding compare equal.
        let mut out: Vec<String> = Vec::new();
        for item in log.0 {
            match (out.last_mut(), item.strip_prefix('p')) {
                (Some(last), Some(text)) if last.starts_with('p') => last.push_str(text),
                _ => out.push(item),
            }
        }
        out
    }

    #[test]
    fn split_characters_decode_as_whole_ones() {
        let whole: &[u8] = "a€b😀\u{85}c".as_bytes();
        let expected = decode_in_pieces(&[whole]);
        assert_eq!(expected, ["pa€b😀", "x85", "pc"]);
        for split in 0..=whole.len() {
            assert_eq!(
                decode_in_pieces(&[&whole[..split], &whole[split..]]),
                expected,
                "split {split}"
            );
        }
    }

    #[test]
    fn invalid_bytes_follow_from_utf8_error_lengths() {
        assert_eq!(decode_in_pieces(&[b"\xe2\x82A"]), ["p\u{fffd}A"]);
        assert_eq!(decode_in_pieces(&[b"\xed\xa0\x80"]), ["p\u{fffd}\u{fffd}", "x80"]);
        assert_eq!(decode_in_pieces(&[b"\x85\xa0"]), ["x85", "p\u{fffd}"]);
    }

    #[test]
    fn printable_prefix_stops_at_controls_and_non_ascii() {
        for len in 0..40 {
            for at in 0..len {
                for stop in [0x00, b'\n', 0x1f, 0x80, 0xc3, 0xff] {
                    let mut bytes = vec![b' '; len];
                    bytes[at] = stop;
                    assert_eq!(printable_ascii_len(&bytes), at, "{stop:#x} at {at} of {len}");
                }
            }
            assert_eq!(printable_ascii_len(&vec![0x7f; len]), len);
        }
    }

    #[test]
    fn incomplete_tails_are_found() {
        assert_eq!(incomplete_tail(b"ab\xe2\x82"), 2);
        assert_eq!(incomplete_tail(b"\xf0\x9f\x98"), 3);
        assert_eq!(incomplete_tail(b"\xe2\x82\xac"), 0);
        assert_eq!(incomplete_tail(b"\xe2A"), 0);
        assert_eq!(incomplete_tail(b"\xc0"), 0);
        assert_eq!(incomplete_tail(b"\x82"), 0);
        assert_eq!(incomplete_tail(b""), 0);
    }
}

//! The `cpu` backend: the `vte` crate itself, with three additions around it.
//!
//! - `vte` 0.15.0 is not chunking-invariant for a UTF-8 character split across
//!   `advance()` calls, so an incomplete character at the end of a batch is held back and
//!   fed together with the stream's next bytes.
//! - `vte` with `std` keeps an OSC string in a growing vector; the OSC guard drops OSC
//!   payload past [`OSC_PAYLOAD_CAP`](super::OSC_PAYLOAD_CAP) bytes (and past the 16th
//!   parameter) before `vte` sees it, the way `vte`'s fixed-buffer build caps it.
//! - The ground text of long stretches between two ESCs becomes records directly
//!   (printable characters copied into text records in one go, C0 and C1 controls
//!   executed, invalid UTF-8 as `vte` treats it) instead of one `vte` call per character;
//!   `vte` does exactly that with it and stays in ground. In such a stretch `vte` is
//!   stopped (with `advance_until_terminated`) right after the CSI, ESC or BEL-ended OSC
//!   dispatch that starts it, all of which leave it in ground; every other byte goes
//!   through `vte`.

mod osc_guard;
mod performer;

use super::backend::{Backend, RecordBatch, StreamWork};
use super::error::ParseError;
use super::utf8::{
    byte_marks, decode_ground, emit_text, incomplete_tail, load_word, printable_ascii_len, PartialChar,
};
use osc_guard::OscGuard;
use performer::RecordPerformer;

/// The `vte` backend.
#[derive(Debug, Default)]
pub struct CpuBackend {
    /// Held-back bytes joined with a batch.
    joined: Vec<u8>,
    scratch: Scratch,
}

/// Buffers reused from batch to batch while feeding a stream.
#[derive(Debug, Default)]
struct Scratch {
    /// A batch with over-long OSC payload removed.
    filtered: Vec<u8>,
    osc_payload: Vec<u8>,
    osc_ends: Vec<u32>,
}

impl Scratch {
    /// Runs `bytes` through the stream's OSC guard, then feeds what it keeps into
    /// `stream`'s records in `out`.
    fn guard_and_feed(
        &mut self,
        state: &mut CpuStreamState,
        bytes: &[u8],
        stream: u16,
        out: &mut RecordBatch,
    ) {
        let fed = if state.guard.filter(bytes, &mut self.filtered) {
            &self.filtered[..]
        } else {
            bytes
        };
        let (osc_payload, osc_ends) = (&mut self.osc_payload, &mut self.osc_ends);
        out.write(stream, |writer| {
            let mut performer = RecordPerformer::new(writer, osc_payload, osc_ends);
            feed(state, &mut performer, fed);
        });
    }
}

/// What the `cpu` backend carries per stream.
pub struct CpuStreamState {
    parser: vte::Parser,
    /// `vte` is in ground with no partial character, so text up to the next ESC can be
    /// written without it.
    ground: bool,
    /// An incomplete UTF-8 character (or what looks like one) not yet fed to `vte`.
    held: Vec<u8>,
    guard: OscGuard,
}

impl Default for CpuStreamState {
    fn default() -> Self {
        CpuStreamState {
            parser: vte::Parser::default(),
            ground: true,
            held: Vec::new(),
            guard: OscGuard::default(),
        }
    }
}

impl std::fmt::Debug for CpuStreamState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpuStreamState")
            .field("ground", &self.ground)
            .field("held", &self.held)
            .field("guard", &self.guard)
            .finish()
    }
}

impl Backend for CpuBackend {
    type StreamState = CpuStreamState;

    fn name(&self) -> &'static str {
        "cpu"
    }

    fn parse_batch(
        &mut self,
        batch: &mut [StreamWork<'_, CpuStreamState>],
        out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        for work in batch.iter_mut() {
            let state = &mut work.state;
            let bytes: &[u8] = if state.held.is_empty() {
                work.bytes
            } else {
                self.joined.clear();
                self.joined.extend_from_slice(&state.held);
                self.joined.extend_from_slice(work.bytes);
                &self.joined
            };
            let ready = bytes.len() - incomplete_tail(bytes);
            state.held.clear();
            state.held.extend_from_slice(&bytes[ready..]);
            self.scratch
                .guard_and_feed(state, &bytes[..ready], work.stream, out);
        }
        Ok(())
    }

    fn finish_stream(
        &mut self,
        stream: u16,
        state: &mut CpuStreamState,
        out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        let held = std::mem::take(&mut state.held);
        self.scratch.guard_and_feed(state, &held, stream, out);
        Ok(())
    }
}

/// Bytes from one ESC to the next that make a stretch worth writing directly: shorter
/// ones go to `vte` whole, as stopping and restarting it costs more than its calls for a
/// few characters.
const DIRECT_STRETCH_MIN: usize = 16;

/// Whether one of the 8 bytes at `index` is ESC.
#[inline(always)]
fn word_has_escape(bytes: &[u8], index: usize) -> bool {
    byte_marks(load_word(bytes, index), 0x1b) != 0
}

/// Feeds `bytes` to `vte`, except the ground text of long stretches between ESCs, which
/// becomes records directly. `bytes` never ends inside a UTF-8 character (the caller holds
/// such a tail back), so `vte` has no partial character at the start.
///
/// Candidates are found eight bytes at a time (a word without ESC), then measured. In a
/// long stretch `vte` runs until a dispatch that always leaves it in ground (see
/// [`RecordPerformer::reached_ground`]); the text from there to the next ESC is decoded
/// here with `vte`'s rules. `vte` would only make one call per character of it and stay
/// in ground.
fn feed(state: &mut CpuStreamState, performer: &mut RecordPerformer<'_, '_>, bytes: &[u8]) {
    let mut to_vte = 0; // bytes before this were given to vte or written directly
    let mut index = 0;
    while index + 8 <= bytes.len() {
        if word_has_escape(bytes, index) {
            index += 8;
            continue;
        }
        // The stretch runs from the last ESC before this word (or from where vte's input
        // continues) to the next ESC. vte only ever stops right before an ESC, where
        // a character it holds is cut short just as in one call.
        let start = memchr::memrchr(0x1b, &bytes[to_vte..index]).map_or(to_vte, |at| to_vte + at);
        let end = memchr::memchr(0x1b, &bytes[index + 8..]).map_or(bytes.len(), |at| index + 8 + at);
        index = end;
        if end - start < DIRECT_STRETCH_MIN {
            continue;
        }
        if to_vte < start {
            state.parser.advance(performer, &bytes[to_vte..start]);
            state.ground = false;
        }
        to_vte = direct_stretch(state, performer, bytes, start, end);
    }
    if to_vte < bytes.len() {
        state.parser.advance(performer, &bytes[to_vte..]);
        state.ground = false;
    }
}

/// Handles the stretch `start..end` of `bytes`, `vte` having had everything before it:
/// `vte` takes its sequence (if any) up to the dispatch that returns to ground, and the
/// ground text after it is written directly. Returns where `vte`'s input continues.
fn direct_stretch(
    state: &mut CpuStreamState,
    performer: &mut RecordPerformer<'_, '_>,
    bytes: &[u8],
    start: usize,
    end: usize,
) -> usize {
    let mut index = start;
    if !state.ground || bytes[start] == 0x1b {
        performer.reached_ground = false;
        index += state
            .parser
            .advance_until_terminated(performer, &bytes[start..end]);
        state.ground = performer.reached_ground;
        if !state.ground {
            // No dispatch into ground: vte had the whole stretch.
            return end;
        }
    }
    index + write_ground(performer, &bytes[index..end], end < bytes.len())
}

/// Writes the ground text `text` (no ESC in it) as `vte` would print and execute it;
/// returns how many bytes were written. An incomplete character at the end is one U+FFFD
/// when ESC follows (as `vte` does it); otherwise it is left for `vte`, which keeps it.
fn write_ground(performer: &mut RecordPerformer<'_, '_>, text: &[u8], escape_follows: bool) -> usize {
    if printable_ascii_len(text) == text.len() {
        performer.writer.ascii_text(text);
        return text.len();
    }
    if let Ok(valid) = std::str::from_utf8(text) {
        emit_text(valid, performer.writer);
        return text.len();
    }
    let mut partial = PartialChar::default();
    decode_ground(&mut partial, text, performer.writer);
    if escape_follows {
        partial.flush(performer.writer);
        text.len()
    } else {
        text.len() - partial.as_slice().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{decode_records, DecodedAction, RecordWriter};

    /// Writes records of `bytes` with a fresh writer; used by tests of the fast path.
    fn parse_one(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut payload, mut ends) = (Vec::new(), Vec::new());
        let mut state = CpuStreamState::default();
        {
            let mut writer = RecordWriter::new(&mut out);
            let mut performer = RecordPerformer::new(&mut writer, &mut payload, &mut ends);
            feed(&mut state, &mut performer, bytes);
        }
        out
    }

    #[test]
    fn long_ascii_runs_in_ground_are_text_and_sequences_still_parse() {
        let line = "a line of plain text that is long enough";
        let input = format!("{line}\r\n\x1b]0;{line}\x07\x1b[1m{line}\u{e9}{line}");
        let records = parse_one(input.as_bytes());
        let texts: String = decode_records(&records)
            .filter_map(|action| match action.unwrap() {
                DecodedAction::Print(text) => Some(text.to_owned()),
                _ => None,
            })
            .collect();
        // The OSC title is not text, even though it is long printable ASCII.
        assert_eq!(texts, format!("{line}{line}\u{e9}{line}"));
    }
}

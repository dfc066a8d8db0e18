//! The `cpu` backend: the `vte` crate itself, with three additions around it.
//!
//! - `vte` 0.15.0 is not chunking-invariant for a UTF-8 character split across
//!   `advance()` calls, so an incomplete character at the end of a batch is held back and
//!   fed together with the stream's next bytes.
//! - `vte` with `std` keeps an OSC string in a growing vector; the OSC guard drops OSC
//!   payload past [`OSC_PAYLOAD_CAP`](super::OSC_PAYLOAD_CAP) bytes (and past the 16th
//!   parameter) before `vte` sees it, the way `vte`'s fixed-buffer build caps it.
//! - Long runs of valid UTF-8 in the ground state become records directly (printable
//!   characters copied into text records in one go, C0 and C1 controls executed) instead
//!   of one `vte` call per character; `vte` does exactly that with them and stays in
//!   ground. The ground state is followed with the shared state [`TABLE`]
//!   (`memchr` to the next ESC in ground, the table inside sequences); every other byte
//!   goes through `vte`.
//!
//! [`TABLE`]: super::table::TABLE

mod osc_guard;
mod performer;

use super::backend::{Backend, RecordBatch, StreamWork};
use super::error::ParseError;
use super::table::{transition, State};
use super::utf8::{emit_text, incomplete_tail};
use osc_guard::OscGuard;
use performer::RecordPerformer;

/// Valid UTF-8 runs in ground at least this long skip `vte`'s per-character calls.
const FAST_RUN_MIN: usize = 48;

/// The `vte` backend.
#[derive(Debug, Default)]
pub struct CpuBackend {
    /// Held-back bytes joined with a batch.
    joined: Vec<u8>,
    /// A batch with over-long OSC payload removed.
    filtered: Vec<u8>,
    osc_payload: Vec<u8>,
    osc_ends: Vec<u32>,
}

/// What the `cpu` backend carries per stream.
#[derive(Default)]
pub struct CpuStreamState {
    parser: vte::Parser,
    /// The state `vte` is in, followed with the shared table.
    shadow: State,
    /// An incomplete UTF-8 character (or what looks like one) not yet fed to `vte`.
    held: Vec<u8>,
    guard: OscGuard,
}

impl std::fmt::Debug for CpuStreamState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpuStreamState")
            .field("shadow", &self.shadow)
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
            let filtered = state.guard.filter(&bytes[..ready], &mut self.filtered);
            let fed = if filtered {
                &self.filtered[..]
            } else {
                &bytes[..ready]
            };
            let (osc_payload, osc_ends) = (&mut self.osc_payload, &mut self.osc_ends);
            out.write(work.stream, |writer| {
                let mut performer = RecordPerformer::new(writer, osc_payload, osc_ends);
                feed(state, &mut performer, fed);
            });
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
        let filtered = state.guard.filter(&held, &mut self.filtered);
        let fed = if filtered { &self.filtered[..] } else { &held[..] };
        let (osc_payload, osc_ends) = (&mut self.osc_payload, &mut self.osc_ends);
        out.write(stream, |writer| {
            let mut performer = RecordPerformer::new(writer, osc_payload, osc_ends);
            feed(state, &mut performer, fed);
        });
        Ok(())
    }
}

/// Feeds `bytes` to `vte`, except long runs of valid UTF-8 in ground, which become
/// records directly. `bytes` never ends inside a UTF-8 character (the caller holds such a tail
/// back), so `vte` has no partial character at the start.
///
/// ESC sends every state to Escape, so the state is only followed (with the table) from
/// the start of a stretch between two ESCs long enough to hold a fast run, and from the
/// last ESC to the end; sequences between short stretches are never stepped through.
fn feed(state: &mut CpuStreamState, performer: &mut RecordPerformer<'_, '_>, bytes: &[u8]) {
    let mut to_vte = 0; // bytes before this were given to vte or written directly
    let mut stretch_start = 0;
    let mut stretch_state = state.shadow;
    let escapes = memchr::memchr_iter(0x1b, bytes).chain(std::iter::once(bytes.len()));
    for stretch_end in escapes {
        if stretch_end - stretch_start >= FAST_RUN_MIN || stretch_end == bytes.len() {
            // Follow the machine to ground (where it stays until the next ESC).
            let mut index = stretch_start;
            let mut current = stretch_state;
            while index < stretch_end && current != State::Ground {
                current = transition(current, bytes[index]).next;
                index += 1;
            }
            if stretch_end == bytes.len() {
                state.shadow = current;
            }
            if current == State::Ground {
                to_vte = write_fast_runs(state, performer, bytes, to_vte, index, stretch_end);
            }
        }
        stretch_start = stretch_end + 1;
        stretch_state = State::Escape;
    }
    state.parser.advance(performer, &bytes[to_vte..]);
}

/// In the ground stretch `start..end`, writes every long run of valid UTF-8 directly,
/// giving vte the bytes before it first. Returns the new start of the bytes vte has not
/// had.
fn write_fast_runs(
    state: &mut CpuStreamState,
    performer: &mut RecordPerformer<'_, '_>,
    bytes: &[u8],
    mut to_vte: usize,
    mut index: usize,
    end: usize,
) -> usize {
    while index < end {
        let (valid, invalid) = match std::str::from_utf8(&bytes[index..end]) {
            Ok(text) => (text, 0),
            Err(error) => {
                let invalid = error.error_len().unwrap_or(end - index - error.valid_up_to());
                (
                    std::str::from_utf8(&bytes[index..index + error.valid_up_to()]).unwrap_or(""),
                    invalid,
                )
            }
        };
        // vte must hold no partial character where the run starts, or the run's first
        // byte would end that character (as U+FFFD) instead of being printed.
        if valid.len() >= FAST_RUN_MIN && incomplete_tail(&bytes[to_vte..index]) == 0 {
            state.parser.advance(performer, &bytes[to_vte..index]);
            emit_text(valid, performer.writer);
            to_vte = index + valid.len();
        }
        index += valid.len() + invalid.max(usize::from(valid.is_empty()));
    }
    to_vte
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

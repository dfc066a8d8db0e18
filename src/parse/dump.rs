//! The canonical text dump of decoded actions, one line per action, byte-exact across
//! backends and chunkings:
//!
//! | line | meaning |
//! | --- | --- |
//! | `print <json>` | a maximal run of prints, as `serde_json` writes the string |
//! | `execute <hh>` | the byte, two lowercase hex digits |
//! | `csi <params> <intermediates> <ignore> <action>` | params `1:2;3` or `-`, intermediates hex or `-`, ignore `0`/`1`, the final character |
//! | `esc <intermediates> <ignore> <hh>` | |
//! | `osc <bell> <json-array>` | bell `1`/`0`, each parameter as a hex string |
//! | `hook <params> <intermediates> <ignore> <action>` | like csi |
//! | `put <hex>` | a maximal run of puts |
//! | `unhook` | |
//!
//! Prints and puts are buffered until something else arrives (or [`ActionDump::flush`]),
//! so runs coalesce across records, messages and batches. So that an endless run cannot
//! grow without limit, one line holds at most [`MAX_RUN_BYTES`]: a longer print run is cut
//! before the first character that would not fit, a longer put run after that many bytes.
//! The cuts depend only on the run's content, so the dump stays the same however the
//! input is cut into batches, and a run within the bound is one line as before.
//!
//! ```
//! use perdix::parse::{ActionDump, DecodedAction};
//! let mut dump = ActionDump::new();
//! dump.push(&DecodedAction::Print("a"));
//! dump.push(&DecodedAction::Print("b\""));
//! dump.push(&DecodedAction::Execute(b'\n'));
//! assert_eq!(dump.take(), "print \"ab\\\"\"\nexecute 0a\n");
//! ```

use super::record::DecodedAction;
use super::sequence::Params;
use std::fmt::Write;

/// The most bytes of text (a print line) or data (a put line) one line of the dump holds.
///
/// ```
/// use perdix::parse::{ActionDump, DecodedAction, MAX_RUN_BYTES};
/// let mut dump = ActionDump::new();
/// let text = "x".repeat(MAX_RUN_BYTES + 1);
/// dump.push(&DecodedAction::Print(&text));
/// // The bound is reached: a whole line is ready before the run ends.
/// assert_eq!(dump.take_complete().len(), "print \"\"\n".len() + MAX_RUN_BYTES);
/// assert_eq!(dump.take(), "print \"x\"\n");
/// ```
pub const MAX_RUN_BYTES: usize = 64 * 1024;

/// Builds the canonical dump text.
#[derive(Debug, Default, Clone)]
pub struct ActionDump {
    out: String,
    print: String,
    put: Vec<u8>,
}

/// Lowercase hex of `bytes`, or `-` when empty.
fn hex_or_dash(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "-".to_owned()
    } else {
        hex(bytes)
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

impl ActionDump {
    /// An empty dump.
    pub fn new() -> ActionDump {
        ActionDump::default()
    }

    /// Writes out a buffered print or put run.
    pub fn flush(&mut self) {
        if !self.print.is_empty() {
            // Serialising a string cannot fail.
            let text = serde_json::to_string(&self.print).unwrap_or_default();
            let _ = writeln!(self.out, "print {text}");
            self.print.clear();
        }
        if !self.put.is_empty() {
            let _ = writeln!(self.out, "put {}", hex(&self.put));
            self.put.clear();
        }
    }

    /// Appends one action.
    pub fn push(&mut self, action: &DecodedAction<'_>) {
        // Writing to a `String` cannot fail.
        let _ = match action {
            DecodedAction::Print(text) => {
                if !self.put.is_empty() {
                    self.flush();
                }
                self.print.push_str(text);
                self.write_full_print_lines();
                return;
            }
            DecodedAction::Put(bytes) => {
                if !self.print.is_empty() {
                    self.flush();
                }
                self.put.extend_from_slice(bytes);
                self.write_full_put_lines();
                return;
            }
            DecodedAction::Execute(byte) => {
                self.flush();
                writeln!(self.out, "execute {byte:02x}")
            }
            DecodedAction::Csi {
                params,
                intermediates,
                ignore,
                action,
            } => {
                self.flush();
                self.sequence_line("csi", params, intermediates.as_slice(), *ignore, *action)
            }
            DecodedAction::Hook {
                params,
                intermediates,
                ignore,
                action,
            } => {
                self.flush();
                self.sequence_line("hook", params, intermediates.as_slice(), *ignore, *action)
            }
            DecodedAction::Esc {
                intermediates,
                ignore,
                byte,
            } => {
                self.flush();
                writeln!(
                    self.out,
                    "esc {} {} {byte:02x}",
                    hex_or_dash(intermediates.as_slice()),
                    *ignore as u8
                )
            }
            DecodedAction::Osc { params, bell } => {
                self.flush();
                let params: Vec<String> = params.iter().map(hex).collect();
                // Serialising strings cannot fail.
                let params = serde_json::to_string(&params).unwrap_or_default();
                writeln!(self.out, "osc {} {params}", *bell as u8)
            }
            DecodedAction::Unhook => {
                self.flush();
                writeln!(self.out, "unhook")
            }
        };
    }

    /// Writes print lines while the run is over the bound, each up to the last character
    /// boundary within [`MAX_RUN_BYTES`] (what is left stays buffered).
    fn write_full_print_lines(&mut self) {
        let mut start = 0;
        while self.print.len() - start > MAX_RUN_BYTES {
            let mut end = start + MAX_RUN_BYTES;
            while !self.print.is_char_boundary(end) {
                end -= 1;
            }
            // Serialising a string cannot fail.
            let text = serde_json::to_string(&self.print[start..end]).unwrap_or_default();
            let _ = writeln!(self.out, "print {text}");
            start = end;
        }
        self.print.drain(..start);
    }

    /// Writes put lines of [`MAX_RUN_BYTES`] while the run is over the bound.
    fn write_full_put_lines(&mut self) {
        let mut start = 0;
        while self.put.len() - start > MAX_RUN_BYTES {
            let end = start + MAX_RUN_BYTES;
            let _ = writeln!(self.out, "put {}", hex(&self.put[start..end]));
            start = end;
        }
        self.put.drain(..start);
    }

    /// Writes a `csi` or `hook` line (`kind` says which):
    /// `<kind> <params> <intermediates> <ignore> <action>`.
    fn sequence_line(
        &mut self,
        kind: &str,
        params: &Params,
        intermediates: &[u8],
        ignore: bool,
        action: u8,
    ) -> std::fmt::Result {
        writeln!(
            self.out,
            "{kind} {params} {} {} {}",
            hex_or_dash(intermediates),
            ignore as u8,
            action as char
        )
    }

    /// Flushes and returns everything, leaving the dump empty.
    pub fn take(&mut self) -> String {
        self.flush();
        std::mem::take(&mut self.out)
    }

    /// Returns the complete lines so far, keeping a buffered run for coalescing.
    pub fn take_complete(&mut self) -> String {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dump of `pieces`, each pushed as one print (or put) action.
    fn dump_of(pieces: &[&str], put: bool) -> String {
        let mut dump = ActionDump::new();
        let mut out = String::new();
        for piece in pieces {
            if put {
                dump.push(&DecodedAction::Put(piece.as_bytes()));
            } else {
                dump.push(&DecodedAction::Print(piece));
            }
            out.push_str(&dump.take_complete());
        }
        out + &dump.take()
    }

    /// `text` cut at every `step`-th character boundary (and never inside a character).
    fn pieces(text: &str, step: usize) -> Vec<&str> {
        let mut pieces = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let mut end = (start + step).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            pieces.push(&text[start..end]);
            start = end;
        }
        pieces
    }

    #[test]
    fn a_run_within_the_bound_is_one_line() {
        let text = "y".repeat(MAX_RUN_BYTES);
        let dump = dump_of(&pieces(&text, 1000), false);
        assert_eq!(dump, format!("print \"{text}\"\n"));
    }

    #[test]
    fn long_runs_are_cut_by_content_alone_never_inside_a_character() {
        // One-, two-, three- and four-byte characters, so that the cuts land mid-character.
        let text: String = "a\u{e9}\u{20ac}\u{1f600}".repeat(MAX_RUN_BYTES / 3);
        let whole = dump_of(&[&text], false);
        for step in [1, 7, 4096, MAX_RUN_BYTES - 1, MAX_RUN_BYTES + 3] {
            assert_eq!(
                dump_of(&pieces(&text, step), false),
                whole,
                "pushed {step} bytes at a time"
            );
        }
        let parts: Vec<String> = whole
            .lines()
            .map(|line| serde_json::from_str(line.strip_prefix("print ").unwrap()).unwrap())
            .collect();
        assert!(parts.len() >= 3);
        // Every line but the last is as full as whole characters allow.
        for part in &parts[..parts.len() - 1] {
            assert!(part.len() <= MAX_RUN_BYTES && part.len() > MAX_RUN_BYTES - 4);
        }
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn long_put_runs_are_cut_every_max_bytes() {
        let data = "q".repeat(2 * MAX_RUN_BYTES + 1);
        let whole = dump_of(&[&data], true);
        assert_eq!(dump_of(&pieces(&data, 999), true), whole);
        let lengths: Vec<usize> = whole.lines().map(|line| line.len() - "put ".len()).collect();
        assert_eq!(lengths, [2 * MAX_RUN_BYTES, 2 * MAX_RUN_BYTES, 2]);
    }
}

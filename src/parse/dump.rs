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
//! so runs coalesce across records, messages and batches.
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
                return;
            }
            DecodedAction::Put(bytes) => {
                if !self.print.is_empty() {
                    self.flush();
                }
                self.put.extend_from_slice(bytes);
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

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
pub fn hex_or_dash(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "-".to_owned()
    } else {
        hex(bytes)
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The `print` line for `text` (without the newline).
pub fn print_line(text: &str) -> String {
    // Serialising a string cannot fail.
    format!("print {}", serde_json::to_string(text).unwrap_or_default())
}

/// A `csi` or `hook` line (`kind` says which): `<kind> <params> <intermediates> <ignore> <action>`.
pub fn sequence_line(
    kind: &str,
    params: &Params,
    intermediates: &[u8],
    ignore: bool,
    action: char,
) -> String {
    format!(
        "{kind} {params} {} {} {action}",
        hex_or_dash(intermediates),
        ignore as u8
    )
}

/// The `osc` line for the given parameters.
pub fn osc_line<'p>(params: impl Iterator<Item = &'p [u8]>, bell: bool) -> String {
    let params: Vec<String> = params.map(hex).collect();
    format!(
        "osc {} {}",
        bell as u8,
        serde_json::to_string(&params).unwrap_or_default()
    )
}

impl ActionDump {
    /// An empty dump.
    pub fn new() -> ActionDump {
        ActionDump::default()
    }

    /// Writes out a buffered print or put run.
    pub fn flush(&mut self) {
        if !self.print.is_empty() {
            self.out.push_str(&print_line(&self.print));
            self.out.push('\n');
            self.print.clear();
        }
        if !self.put.is_empty() {
            let _ = writeln!(self.out, "put {}", hex(&self.put));
            self.put.clear();
        }
    }

    /// Appends one action.
    pub fn push(&mut self, action: &DecodedAction<'_>) {
        match action {
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
            _ => self.flush(),
        }
        let line = match action {
            DecodedAction::Execute(byte) => format!("execute {byte:02x}"),
            DecodedAction::Csi {
                params,
                intermediates,
                ignore,
                action,
            } => sequence_line("csi", params, intermediates.as_slice(), *ignore, *action as char),
            DecodedAction::Hook {
                params,
                intermediates,
                ignore,
                action,
            } => sequence_line("hook", params, intermediates.as_slice(), *ignore, *action as char),
            DecodedAction::Esc {
                intermediates,
                ignore,
                byte,
            } => {
                format!(
                    "esc {} {} {byte:02x}",
                    hex_or_dash(intermediates.as_slice()),
                    *ignore as u8
                )
            }
            DecodedAction::Osc { params, bell } => osc_line(params.iter(), *bell),
            DecodedAction::Unhook => "unhook".to_owned(),
            DecodedAction::Print(_) | DecodedAction::Put(_) => return,
        };
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// The complete lines so far (a buffered run is not included until flushed).
    pub fn lines(&self) -> &str {
        &self.out
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

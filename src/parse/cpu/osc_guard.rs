//! Drops OSC payload past the cap before `vte` sees it.

use super::super::{MAX_OSC_PARAMS, OSC_PAYLOAD_CAP};

/// Where the guard is, as far as OSC strings go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum GuardPhase {
    /// Not in an OSC string and not right after ESC.
    #[default]
    Outside,
    /// After ESC (and maybe controls that keep the escape state): `]` starts an OSC string.
    AfterEscape,
    /// Inside an OSC string.
    InOsc,
}

/// Bytes after which the escape state (and with it the chance of an OSC) still holds.
fn keeps_escape(byte: u8) -> bool {
    matches!(byte, 0x00..=0x17 | 0x19 | 0x1b..=0x1f | 0x7f..=0xff)
}

/// Tracks OSC strings in the bytes fed to `vte` and drops payload that the cap would drop.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct OscGuard {
    phase: GuardPhase,
    /// Parameters closed by `;` so far.
    separators: usize,
    /// Payload bytes kept so far.
    kept: usize,
}

impl OscGuard {
    /// The phase after `bytes` that hold no `]`, starting from `phase` (outside an OSC
    /// string): after escape if the last ESC is followed only by bytes that keep the escape
    /// state, or if there is no ESC and all bytes keep it.
    fn phase_after(phase: GuardPhase, bytes: &[u8]) -> GuardPhase {
        let (phase, rest) = match memchr::memrchr(0x1b, bytes) {
            Some(last) => (GuardPhase::AfterEscape, &bytes[last + 1..]),
            None => (phase, bytes),
        };
        if phase == GuardPhase::AfterEscape && rest.iter().all(|&b| keeps_escape(b)) {
            GuardPhase::AfterEscape
        } else {
            GuardPhase::Outside
        }
    }

    /// Follows `bytes`; when some must be dropped, writes the kept ones to `filtered` and
    /// returns true. Returns false (and leaves `filtered` alone) when all are kept.
    pub(super) fn filter(&mut self, bytes: &[u8], filtered: &mut Vec<u8>) -> bool {
        let mut copied_to = 0;
        let mut dropping = false;
        let mut index = 0;
        while index < bytes.len() {
            match self.phase {
                GuardPhase::Outside | GuardPhase::AfterEscape => {
                    // Only `]` right after escape starts an OSC string: jump from one `]`
                    // to the next and work out the phase before each from the bytes
                    // behind it.
                    let Some(offset) = memchr::memchr(b']', &bytes[index..]) else {
                        self.phase = Self::phase_after(self.phase, &bytes[index..]);
                        break;
                    };
                    let bracket = index + offset;
                    self.phase = match Self::phase_after(self.phase, &bytes[index..bracket]) {
                        GuardPhase::AfterEscape => {
                            self.separators = 0;
                            self.kept = 0;
                            GuardPhase::InOsc
                        }
                        _ => GuardPhase::Outside,
                    };
                    index = bracket + 1;
                }
                GuardPhase::InOsc => {
                    let byte = bytes[index];
                    let keep = match byte {
                        0x07 | 0x18 | 0x1a => {
                            self.phase = GuardPhase::Outside;
                            true
                        }
                        0x1b => {
                            self.phase = GuardPhase::AfterEscape;
                            true
                        }
                        0x00..=0x1f => true,
                        _ if self.separators < MAX_OSC_PARAMS && self.kept < OSC_PAYLOAD_CAP => {
                            if byte == b';' {
                                self.separators += 1;
                            } else {
                                self.kept += 1;
                            }
                            true
                        }
                        _ => false,
                    };
                    if !keep {
                        if !dropping {
                            dropping = true;
                            filtered.clear();
                        }
                        // Drop everything up to the string's terminator at once.
                        let end = bytes[index..]
                            .iter()
                            .position(|&b| matches!(b, 0x07 | 0x18 | 0x1a | 0x1b))
                            .map_or(bytes.len(), |offset| index + offset);
                        filtered.extend_from_slice(&bytes[copied_to..index]);
                        copied_to = end;
                        index = end;
                        continue;
                    }
                    index += 1;
                }
            }
        }
        if dropping {
            filtered.extend_from_slice(&bytes[copied_to..]);
        }
        dropping
    }
}

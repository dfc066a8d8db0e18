//! Decoded actions back into bytes a terminal understands, so that a parsed stream can be
//! passed on to a real terminal: see [`ByteEncoder`].

use super::record::DecodedAction;
use super::sequence::Params;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;
/// Cancel and substitute: they end any sequence or string and are executed.
const CAN: u8 = 0x18;
const SUB: u8 = 0x1a;
/// The 8-bit string terminator; ends a DCS string without further effect.
const ST_8BIT: u8 = 0x9c;
/// The 7-bit string terminator.
const ST: &[u8] = b"\x1b\\";

/// What the bytes written so far have left open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Open {
    /// Nothing: the terminal is in its ground state.
    #[default]
    Nothing,
    /// An OSC string ended by ESC, whose ESC is not written yet.
    Osc,
    /// A DCS string ended by ESC (or 0x9C), whose end is not written yet.
    Dcs,
    /// An escape (a lone ESC, after which controls were executed) awaiting its final byte.
    Escape,
}

/// Turns [`DecodedAction`]s back into terminal bytes. It keeps a little state across calls
/// because the end of an OSC or DCS string is only known from the action after it.
///
/// Parsing the re-encoded bytes gives the same canonical [`dump`](crate::parse::dump) as parsing
/// the original bytes (prints and puts may coalesce differently), with these exceptions:
///
/// * A CSI, ESC or DCS header with `ignore` set (too many intermediates or parameters) is
///   not re-encoded, and neither is the body of such a DCS string: the parser kept only
///   part of it, and that part could mean something the original did not.
/// * An OSC string ended by ESC has its end written by the next action. When that action
///   neither starts with ESC nor is CAN or SUB (the escape after the OSC was abandoned, as
///   in an ignored CSI), the string is closed with `ESC \` instead, which parses as one
///   more `esc - 0 5c`.
/// * At [`finish`](ByteEncoder::finish), a string or escape still open is closed with
///   `ESC \` (or `\`), which again parses as one more `esc - 0 5c`.
///
/// Parameters are written in decimal, so an empty one comes back as `0`; a lone `0` is
/// written empty (`CSI m`), which the parser cannot tell apart from it either.
///
/// A DCS string ended by ESC is closed the same way when an ESC-led action follows, and by
/// the 8-bit string terminator 0x9C otherwise: in a DCS string that ends it silently.
///
/// The whole way from bytes to records and back:
///
/// ```
/// use perdix::backend::ParseStage;
/// use perdix::parse::{decode_records, BackendKind, ByteEncoder};
/// use perdix::{AgentType, Buffer};
/// let (mut input, input_rx) = Buffer::new(16).unwrap().split();
/// let (records, mut record_rx) = Buffer::new(perdix::backend::MIN_RECORD_SLOTS).unwrap().split();
/// let mut stage = ParseStage::new(BackendKind::Cpu, records).unwrap();
/// stage.add_input(0, input_rx);
/// let original = b"\x1b[1;31mred\x1b[m\r\n\x1b]0;title\x07\x1b[?25l";
/// input.try_produce(original, AgentType::Assistant).unwrap();
/// drop(input);
/// stage.run(&Default::default()).unwrap();
/// let mut encoder = ByteEncoder::new();
/// let mut out = Vec::new();
/// while let Some(message) = record_rx.try_consume() {
///     for action in decode_records(message.as_bytes()) {
///         encoder.encode(&action.unwrap(), &mut out);
///     }
/// }
/// encoder.finish(&mut out);
/// assert_eq!(out, original);
/// ```
///
/// One action at a time:
///
/// ```
/// use perdix::parse::{ByteEncoder, DecodedAction};
/// let mut encoder = ByteEncoder::new();
/// let mut out = Vec::new();
/// encoder.encode(&DecodedAction::Print("hé"), &mut out);
/// encoder.encode(&DecodedAction::Execute(b'\n'), &mut out);
/// assert_eq!(out, "hé\n".as_bytes());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ByteEncoder {
    open: Open,
    /// Inside a DCS string whose header was not written (it had `ignore` set).
    skipping_dcs: bool,
}

impl ByteEncoder {
    /// An encoder in the ground state.
    pub fn new() -> ByteEncoder {
        ByteEncoder::default()
    }

    /// True while a string or escape is open, so that [`finish`](Self::finish) would
    /// write a terminator.
    pub fn is_open(&self) -> bool {
        self.open != Open::Nothing
    }

    /// Appends the bytes of `action` to `out`.
    pub fn encode(&mut self, action: &DecodedAction<'_>, out: &mut Vec<u8>) {
        if self.skipping_dcs {
            match action {
                DecodedAction::Put(_) => return,
                DecodedAction::Unhook => {
                    self.skipping_dcs = false;
                    return;
                }
                // The parser always ends a DCS string with an unhook; anything else means
                // the records were cut, so carry on in the ground state.
                _ => self.skipping_dcs = false,
            }
        }
        self.close_open(action, out);
        match *action {
            DecodedAction::Print(text) => out.extend_from_slice(text.as_bytes()),
            DecodedAction::Execute(byte) => out.push(byte),
            DecodedAction::Csi {
                ref params,
                ref intermediates,
                ignore,
                action,
            } => {
                if !ignore {
                    out.extend_from_slice(&[ESC, b'[']);
                    sequence_body(params, intermediates.as_slice(), action, out);
                }
            }
            DecodedAction::Esc {
                ref intermediates,
                ignore,
                byte,
            } => {
                if !ignore {
                    out.push(ESC);
                    out.extend_from_slice(intermediates.as_slice());
                    out.push(byte);
                }
            }
            DecodedAction::Osc { params, bell } => {
                out.extend_from_slice(&[ESC, b']']);
                for (index, param) in params.iter().enumerate() {
                    if index > 0 {
                        out.push(b';');
                    }
                    out.extend_from_slice(param);
                }
                if bell {
                    out.push(BEL);
                } else {
                    self.open = Open::Osc;
                }
            }
            DecodedAction::Hook {
                ref params,
                ref intermediates,
                ignore,
                action,
            } => {
                if ignore {
                    self.skipping_dcs = true;
                } else {
                    out.extend_from_slice(&[ESC, b'P']);
                    sequence_body(params, intermediates.as_slice(), action, out);
                }
            }
            DecodedAction::Put(bytes) => out.extend_from_slice(bytes),
            DecodedAction::Unhook => self.open = Open::Dcs,
        }
    }

    /// Closes whatever is still open with a string terminator, leaving the terminal in its
    /// ground state; call once the stream has ended.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match std::mem::take(&mut self.open) {
            Open::Nothing => {}
            Open::Osc | Open::Dcs => out.extend_from_slice(ST),
            // The ESC is already written: its final byte completes the terminator.
            Open::Escape => out.push(b'\\'),
        }
        self.skipping_dcs = false;
    }

    /// Writes the end of an open string or escape as far as `next`, the action after it,
    /// does not write it itself.
    fn close_open(&mut self, next: &DecodedAction<'_>, out: &mut Vec<u8>) {
        if self.open == Open::Nothing {
            return;
        }
        let led_by_esc = match next {
            DecodedAction::Csi { ignore, .. }
            | DecodedAction::Esc { ignore, .. }
            | DecodedAction::Hook { ignore, .. } => !ignore,
            DecodedAction::Osc { .. } => true,
            _ => false,
        };
        // The next action's ESC ends a string, and is ignored inside an escape; CAN and SUB
        // end either and are executed, as in the original.
        if led_by_esc || matches!(next, DecodedAction::Execute(CAN | SUB)) {
            self.open = Open::Nothing;
            return;
        }
        // Only C0 controls are executed inside an escape; C1 bytes are ignored there.
        let control = matches!(next, DecodedAction::Execute(byte) if *byte < 0x20);
        self.open = match self.open {
            // Controls after the ESC that ended an OSC string were executed inside the
            // escape that ESC began: write the ESC and stay in that escape.
            Open::Osc if control => {
                out.push(ESC);
                Open::Escape
            }
            Open::Escape if control => Open::Escape,
            Open::Osc => {
                out.extend_from_slice(ST);
                Open::Nothing
            }
            Open::Escape => {
                out.push(b'\\');
                Open::Nothing
            }
            Open::Dcs => {
                out.push(ST_8BIT);
                Open::Nothing
            }
            Open::Nothing => Open::Nothing,
        };
    }
}

/// Private markers, parameters, the other intermediates and the final byte of a CSI or
/// DCS header (after its introducer).
fn sequence_body(params: &Params, intermediates: &[u8], action: u8, out: &mut Vec<u8>) {
    // The parser collects a private marker (0x3c–0x3f) with the intermediates, but only
    // before the first parameter; the other intermediates (0x20–0x2f) come after them.
    let is_marker = |byte: &&u8| (0x3c..=0x3f).contains(*byte);
    out.extend(intermediates.iter().filter(is_marker));
    // A lone zero is what an empty parameter list parses as: write it empty, as most
    // programs do (`CSI m`, `CSI H`), where the two cannot be told apart after parsing.
    let lone_zero = params.len() == 1 && params.get(0) == Some((0, false));
    if !lone_zero {
        let mut digits = [0u8; 5];
        for (value, continues) in params.iter() {
            out.extend_from_slice(format_u16(value, &mut digits));
            out.push(if continues { b':' } else { b';' });
        }
        // The separator after the last value is not part of the sequence.
        if !params.is_empty() {
            out.pop();
        }
    }
    out.extend(intermediates.iter().filter(|byte| !is_marker(byte)));
    out.push(action);
}

/// The decimal digits of `value`, written into `buffer`.
fn format_u16(mut value: u16, buffer: &mut [u8; 5]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buffer[start..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::record::{decode_one, RecordWriter};
    use crate::parse::sequence::Intermediates;

    fn encode_all(actions: &[DecodedAction<'_>]) -> Vec<u8> {
        let mut encoder = ByteEncoder::new();
        let mut out = Vec::new();
        for action in actions {
            encoder.encode(action, &mut out);
        }
        encoder.finish(&mut out);
        out
    }

    fn params(values: &[(u16, bool)]) -> Params {
        let mut params = Params::default();
        for &(value, continues) in values {
            params.push(value, continues);
        }
        params
    }

    #[test]
    fn csi_puts_markers_before_and_intermediates_after_the_parameters() {
        let csi = DecodedAction::Csi {
            params: params(&[(38, true), (2, true), (0, false), (65535, false)]),
            intermediates: Intermediates::from_slice(b"?$"),
            ignore: false,
            action: b'p',
        };
        assert_eq!(encode_all(&[csi]), b"\x1b[?38:2:0;65535$p");
    }

    #[test]
    fn a_lone_zero_parameter_is_written_empty_and_ignored_sequences_are_dropped() {
        let reset = DecodedAction::Csi {
            params: params(&[(0, false)]),
            intermediates: Intermediates::default(),
            ignore: false,
            action: b'm',
        };
        let ignored = DecodedAction::Esc {
            intermediates: Intermediates::from_slice(b"(("),
            ignore: true,
            byte: b'B',
        };
        assert_eq!(encode_all(&[reset, ignored]), b"\x1b[m");
    }

    #[test]
    fn string_ends_come_from_the_next_action() {
        let esc_backslash = DecodedAction::Esc {
            intermediates: Intermediates::default(),
            ignore: false,
            byte: b'\\',
        };
        let mut record = Vec::new();
        RecordWriter::new(&mut record).osc(b"0t", &[1, 2], false);
        let (open_osc, _) = decode_one(&record).unwrap();
        assert_eq!(encode_all(&[open_osc, esc_backslash]), b"\x1b]0;t\x1b\\");
        assert_eq!(
            encode_all(&[open_osc, DecodedAction::Print("x")]),
            b"\x1b]0;t\x1b\\x"
        );
        assert_eq!(
            encode_all(&[open_osc, DecodedAction::Execute(b'\n'), esc_backslash]),
            b"\x1b]0;t\x1b\n\x1b\\"
        );
        assert_eq!(encode_all(&[open_osc]), b"\x1b]0;t\x1b\\");
        assert_eq!(
            encode_all(&[DecodedAction::Unhook, DecodedAction::Print("x")]),
            b"\x9cx"
        );
        assert_eq!(
            encode_all(&[DecodedAction::Unhook, DecodedAction::Execute(CAN)]),
            b"\x18"
        );
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        let mut buffer = [0u8; 5];
        for value in [0u16, 7, 10, 99, 100, 65535] {
            assert_eq!(format_u16(value, &mut buffer), value.to_string().as_bytes());
        }
    }
}

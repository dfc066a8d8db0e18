//! Decoded parser actions to `vte::ansi::Handler` calls: the same calls, in the same order,
//! that `vte::ansi::Processor` makes for the bytes the actions came from (synchronized
//! updates aside: [`PaneTerminal`](super::PaneTerminal) holds those at the record level).

use super::csi::dispatch_csi;
use super::osc::dispatch_osc;
use crate::parse::{DecodedAction, MAX_OSC_PARAMS};
use vte::ansi::{CharsetIndex, Handler, StandardCharset};

/// Replays actions into a handler, remembering what sequences refer back to.
///
/// ```
/// use perdix::parse::{decode_records, RecordWriter};
/// use perdix::term::Replayer;
/// # #[derive(Default)] struct Count { chars: usize, feeds: usize }
/// # impl vte::ansi::Handler for Count {
/// #     fn input(&mut self, _: char) { self.chars += 1; }
/// #     fn linefeed(&mut self) { self.feeds += 1; }
/// # }
/// let mut records = Vec::new();
/// RecordWriter::new(&mut records).text("ab\u{e9}");
/// let mut more = Vec::new();
/// RecordWriter::new(&mut more).execute(b'\n');
/// records.extend_from_slice(&more);
/// let (mut replayer, mut handler) = (Replayer::default(), Count::default());
/// for action in decode_records(&records) {
///     replayer.replay(&mut handler, &action.unwrap());
/// }
/// assert_eq!((handler.chars, handler.feeds), (3, 1));
/// ```
#[derive(Debug, Default, Clone)]
pub struct Replayer {
    /// The last printed character, which `CSI n b` (REP) repeats.
    preceding: Option<char>,
}

impl Replayer {
    /// Makes the handler calls of one action.
    pub fn replay<H: Handler>(&mut self, handler: &mut H, action: &DecodedAction<'_>) {
        match *action {
            DecodedAction::Print(text) => {
                for c in text.chars() {
                    handler.input(c);
                }
                if let Some(last) = text.chars().next_back() {
                    self.preceding = Some(last);
                }
            }
            DecodedAction::Execute(byte) => execute(handler, byte),
            DecodedAction::Csi {
                ref params,
                ref intermediates,
                ignore,
                action,
            } => dispatch_csi(
                handler,
                params,
                intermediates.as_slice(),
                ignore,
                action,
                self.preceding,
            ),
            DecodedAction::Esc {
                ref intermediates,
                byte,
                ..
            } => dispatch_esc(handler, intermediates.as_slice(), byte),
            DecodedAction::Osc { params, bell } => {
                let mut list: [&[u8]; MAX_OSC_PARAMS] = [&[]; MAX_OSC_PARAMS];
                let mut count = 0;
                for param in params.iter().take(MAX_OSC_PARAMS) {
                    list[count] = param;
                    count += 1;
                }
                dispatch_osc(handler, &list[..count], bell);
            }
            // No DCS string changes the terminal model.
            DecodedAction::Hook { .. } | DecodedAction::Put(_) | DecodedAction::Unhook => {}
        }
    }
}

/// C0 controls; the others (and C1 bytes) do nothing.
fn execute<H: Handler>(handler: &mut H, byte: u8) {
    match byte {
        0x07 => handler.bell(),
        0x08 => handler.backspace(),
        0x09 => handler.put_tab(1),
        0x0a..=0x0c => handler.linefeed(),
        0x0d => handler.carriage_return(),
        0x0e => handler.set_active_charset(CharsetIndex::G1),
        0x0f => handler.set_active_charset(CharsetIndex::G0),
        0x1a => handler.substitute(),
        _ => {}
    }
}

/// Escape sequences (`ESC intermediates final`). The `ignore` flag does not stop them.
fn dispatch_esc<H: Handler>(handler: &mut H, intermediates: &[u8], byte: u8) {
    let designate = |handler: &mut H, charset: StandardCharset| {
        let index = match intermediates {
            b"(" => CharsetIndex::G0,
            b")" => CharsetIndex::G1,
            b"*" => CharsetIndex::G2,
            b"+" => CharsetIndex::G3,
            _ => return,
        };
        handler.configure_charset(index, charset);
    };
    match (byte, intermediates) {
        (b'B', _) => designate(handler, StandardCharset::Ascii),
        (b'0', _) => designate(handler, StandardCharset::SpecialCharacterAndLineDrawing),
        (b'D', []) => handler.linefeed(),
        (b'E', []) => {
            handler.linefeed();
            handler.carriage_return();
        }
        (b'H', []) => handler.set_horizontal_tabstop(),
        (b'M', []) => handler.reverse_index(),
        (b'Z', []) => handler.identify_terminal(None),
        (b'c', []) => handler.reset_state(),
        (b'7', []) => handler.save_cursor_position(),
        (b'8', [b'#']) => handler.decaln(),
        (b'8', []) => handler.restore_cursor_position(),
        (b'=', []) => handler.set_keypad_application_mode(),
        (b'>', []) => handler.unset_keypad_application_mode(),
        _ => {}
    }
}

//! Control sequences (`CSI … final`) to handler calls, from the xterm control sequence
//! reference and ECMA-48. A missing or zero parameter takes the sequence's default.

use super::modes::{ansi_mode, private_mode};
use super::sgr::apply_sgr;
use crate::parse::Params;
use vte::ansi::{
    ClearMode, CursorShape, CursorStyle, Handler, KeyboardModes, KeyboardModesApplyBehavior, LineClearMode,
    ModifyOtherKeys, ScpCharPath, ScpUpdateMode, TabulationClearMode,
};

/// The parameter groups of one sequence, read front to back.
struct ParamCursor<'p, I: Iterator<Item = &'p [u16]>> {
    groups: I,
}

impl<'p, I: Iterator<Item = &'p [u16]>> ParamCursor<'p, I> {
    /// The next group's value, or `default` when it is absent or zero.
    fn next_or(&mut self, default: u16) -> u16 {
        match self.groups.next().and_then(|group| group.first()) {
            Some(&value) if value != 0 => value,
            _ => default,
        }
    }

    /// The next group's value as a count (at least 1 unless `default` is 0).
    fn count(&mut self, default: u16) -> usize {
        usize::from(self.next_or(default))
    }

    /// The values of the remaining groups (subparameters ignored).
    fn rest(self) -> impl Iterator<Item = u16> + 'p
    where
        I: 'p,
    {
        self.groups.map(|group| group.first().copied().unwrap_or(0))
    }
}

/// Dispatches one control sequence. `preceding` is the last printed character (for REP).
pub(crate) fn dispatch_csi<H: Handler>(
    handler: &mut H,
    params: &Params,
    intermediates: &[u8],
    ignore: bool,
    action: u8,
    preceding: Option<char>,
) {
    if ignore {
        // A sequence that overflowed the parser's limits is not executed.
        return;
    }
    let mut p = ParamCursor {
        groups: params.groups(),
    };
    match (action, intermediates) {
        (b'@', []) => handler.insert_blank(p.count(1)),
        (b'A', []) => handler.move_up(p.count(1)),
        (b'B' | b'e', []) => handler.move_down(p.count(1)),
        (b'b', []) => {
            if let Some(c) = preceding {
                for _ in 0..p.next_or(1) {
                    handler.input(c);
                }
            }
        }
        (b'C' | b'a', []) => handler.move_forward(p.count(1)),
        (b'c', _) if p.next_or(0) == 0 => {
            handler.identify_terminal(intermediates.first().map(|&byte| char::from(byte)))
        }
        (b'D', []) => handler.move_backward(p.count(1)),
        (b'd', []) => handler.goto_line(i32::from(p.next_or(1)) - 1),
        (b'E', []) => handler.move_down_and_cr(p.count(1)),
        (b'F', []) => handler.move_up_and_cr(p.count(1)),
        (b'G' | b'`', []) => handler.goto_col(p.count(1) - 1),
        (b'W', [b'?']) if p.next_or(0) == 5 => handler.set_tabs(8),
        (b'g', []) => match p.next_or(0) {
            0 => handler.clear_tabs(TabulationClearMode::Current),
            3 => handler.clear_tabs(TabulationClearMode::All),
            _ => {}
        },
        (b'H' | b'f', []) => {
            let line = i32::from(p.next_or(1)) - 1;
            let column = p.count(1) - 1;
            handler.goto(line, column);
        }
        (b'h', []) => p.rest().for_each(|mode| handler.set_mode(ansi_mode(mode))),
        (b'h', [b'?']) => p
            .rest()
            .for_each(|mode| handler.set_private_mode(private_mode(mode))),
        (b'l', []) => p.rest().for_each(|mode| handler.unset_mode(ansi_mode(mode))),
        (b'l', [b'?']) => p
            .rest()
            .for_each(|mode| handler.unset_private_mode(private_mode(mode))),
        (b'I', []) => handler.move_forward_tabs(p.next_or(1)),
        (b'Z', []) => handler.move_backward_tabs(p.next_or(1)),
        (b'J', []) => {
            let mode = match p.next_or(0) {
                0 => ClearMode::Below,
                1 => ClearMode::Above,
                2 => ClearMode::All,
                3 => ClearMode::Saved,
                _ => return,
            };
            handler.clear_screen(mode);
        }
        (b'K', []) => {
            let mode = match p.next_or(0) {
                0 => LineClearMode::Right,
                1 => LineClearMode::Left,
                2 => LineClearMode::All,
                _ => return,
            };
            handler.clear_line(mode);
        }
        (b'k', [b' ']) => select_character_path(handler, &mut p),
        (b'L', []) => handler.insert_blank_lines(p.count(1)),
        (b'M', []) => handler.delete_lines(p.count(1)),
        (b'm', []) => {
            if params.is_empty() {
                handler.terminal_attribute(vte::ansi::Attr::Reset);
            } else {
                apply_sgr(handler, &mut p.groups);
            }
        }
        (b'm', [b'>']) => {
            // XTMODKEYS: only resource 4 (modifyOtherKeys) is known.
            if p.next_or(1) != 4 {
                return;
            }
            let mode = match p.next_or(0) {
                0 => ModifyOtherKeys::Reset,
                1 => ModifyOtherKeys::EnableExceptWellDefined,
                2 => ModifyOtherKeys::EnableAll,
                _ => return,
            };
            handler.set_modify_other_keys(mode);
        }
        (b'm', [b'?']) if p.groups.next() == Some(&[4][..]) => handler.report_modify_other_keys(),
        (b'n', []) => handler.device_status(p.count(0)),
        (b'P', []) => handler.delete_chars(p.count(1)),
        (b'p', [b'$']) => handler.report_mode(ansi_mode(p.next_or(0))),
        (b'p', [b'?', b'$']) => handler.report_private_mode(private_mode(p.next_or(0))),
        (b'q', [b' ']) => set_cursor_style(handler, p.next_or(0)),
        (b'r', []) => {
            let top = p.count(1);
            let bottom = p
                .groups
                .next()
                .map(|group| usize::from(group[0]))
                .filter(|&line| line != 0);
            handler.set_scrolling_region(top, bottom);
        }
        (b'S', []) => handler.scroll_up(p.count(1)),
        (b'T', []) => handler.scroll_down(p.count(1)),
        (b's', []) => handler.save_cursor_position(),
        (b'u', []) => handler.restore_cursor_position(),
        (b't', []) => match p.next_or(1) {
            14 => handler.text_area_size_pixels(),
            18 => handler.text_area_size_chars(),
            22 => handler.push_title(),
            23 => handler.pop_title(),
            _ => {}
        },
        (b'u', [b'?']) => handler.report_keyboard_mode(),
        (b'u', [b'=']) => {
            let modes = KeyboardModes::from_bits_truncate(p.next_or(0) as u8);
            let behavior = match p.next_or(1) {
                2 => KeyboardModesApplyBehavior::Union,
                3 => KeyboardModesApplyBehavior::Difference,
                _ => KeyboardModesApplyBehavior::Replace,
            };
            handler.set_keyboard_mode(modes, behavior);
        }
        (b'u', [b'>']) => handler.push_keyboard_mode(KeyboardModes::from_bits_truncate(p.next_or(0) as u8)),
        (b'u', [b'<']) => handler.pop_keyboard_modes(p.next_or(1)),
        (b'X', []) => handler.erase_chars(p.count(1)),
        _ => {}
    }
}

/// DECSCUSR (`CSI n SP q`): 0 is the default style; odd numbers blink.
fn set_cursor_style<H: Handler>(handler: &mut H, style: u16) {
    let shape = match style {
        0 => {
            handler.set_cursor_style(None);
            return;
        }
        1 | 2 => CursorShape::Block,
        3 | 4 => CursorShape::Underline,
        5 | 6 => CursorShape::Beam,
        _ => return,
    };
    handler.set_cursor_style(Some(CursorStyle {
        shape,
        blinking: style % 2 == 1,
    }));
}

/// SCP (`CSI path ; update SP k`).
fn select_character_path<'p, H: Handler, I: Iterator<Item = &'p [u16]>>(
    handler: &mut H,
    p: &mut ParamCursor<'p, I>,
) {
    let path = match p.next_or(0) {
        0 => ScpCharPath::Default,
        1 => ScpCharPath::LTR,
        2 => ScpCharPath::RTL,
        _ => return,
    };
    let update = match p.next_or(0) {
        0 => ScpUpdateMode::ImplementationDependant,
        1 => ScpUpdateMode::DataToPresentation,
        2 => ScpUpdateMode::PresentationToData,
        _ => return,
    };
    handler.set_scp(path, update);
}

//! Mouse events written as the reports a pane's program asked for, following xterm's
//! control sequence reference ("Mouse Tracking").
//!
//! A report carries a button code `Cb` and the 1-based column `Cx` and row `Cy`. The low
//! two bits of `Cb` name the button (0 left, 1 middle, 2 right, 3 a release in the
//! default and UTF-8 encodings, which do not say which button went up); 4, 8 and 16 add
//! Shift, Meta and Control; 32 marks motion; the wheel is 64 (up), 65 (down), 66 (left)
//! and 67 (right), reported as presses only.
//!
//! What is reported depends on the tracking mode: X10 (9) reports presses only and no
//! modifiers; normal tracking (1000) adds releases; button-event tracking (1002) adds
//! motion while a button is held; any-event tracking (1003) adds all motion (`Cb` 35
//! with no button held).
//!
//! ```
//! use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
//! use perdix::term::{MouseEncoding, MouseProtocol, MouseTracking};
//! use perdix::tui::mouse_report::encode_mouse;
//!
//! let sgr = MouseProtocol { tracking: MouseTracking::Normal, encoding: MouseEncoding::Sgr };
//! let click = MouseEvent {
//!     kind: MouseEventKind::Down(MouseButton::Left),
//!     column: 4,
//!     row: 0,
//!     modifiers: KeyModifiers::NONE,
//! };
//! assert_eq!(encode_mouse(sgr, &click).unwrap(), b"\x1b[<0;5;1M");
//! let moved = MouseEvent { kind: MouseEventKind::Moved, ..click };
//! assert_eq!(encode_mouse(sgr, &moved), None); // 1000 does not report motion
//! ```

use crate::term::{MouseEncoding, MouseProtocol, MouseTracking};
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// The largest column or row the default encoding can carry: one byte, the position plus
/// 32. Events past it are not reported, since any byte sent would name another cell.
pub const DEFAULT_ENCODING_LIMIT: u32 = 255 - 32;
/// The largest column or row the UTF-8 encoding (1005) carries: a two-byte character.
pub const UTF8_ENCODING_LIMIT: u32 = 0x7ff - 32;

/// `Cb` bits.
const SHIFT: u32 = 4;
const META: u32 = 8;
const CONTROL: u32 = 16;
const MOTION: u32 = 32;
const WHEEL: u32 = 64;
/// The button bits of a release in the default and UTF-8 encodings, and of motion with
/// no button held.
const NO_BUTTON: u32 = 3;

/// The report of `event` for a program that uses `protocol`, with the event's column and
/// row counted in the pane's cells from 0. `None` when the protocol does not report such
/// an event, or the encoding cannot carry its position.
pub fn encode_mouse(protocol: MouseProtocol, event: &MouseEvent) -> Option<Vec<u8>> {
    let tracking = protocol.tracking;
    let (button, release, motion) = match event.kind {
        MouseEventKind::Down(button) => (button_bits(button), false, false),
        MouseEventKind::Up(button) if tracking != MouseTracking::X10 => (button_bits(button), true, false),
        MouseEventKind::Drag(button)
            if matches!(tracking, MouseTracking::ButtonEvent | MouseTracking::AnyEvent) =>
        {
            (button_bits(button), false, true)
        }
        MouseEventKind::Moved if tracking == MouseTracking::AnyEvent => (NO_BUTTON, false, true),
        MouseEventKind::ScrollUp => (WHEEL, false, false),
        MouseEventKind::ScrollDown => (WHEEL + 1, false, false),
        MouseEventKind::ScrollLeft => (WHEEL + 2, false, false),
        MouseEventKind::ScrollRight => (WHEEL + 3, false, false),
        _ => return None,
    };
    let mut code = button;
    if tracking != MouseTracking::X10 {
        code |= modifier_bits(event.modifiers);
    }
    if motion {
        code |= MOTION;
    }
    let column = u32::from(event.column) + 1;
    let row = u32::from(event.row) + 1;
    match protocol.encoding {
        MouseEncoding::Sgr => {
            let end = if release { 'm' } else { 'M' };
            Some(format!("\x1b[<{code};{column};{row}{end}").into_bytes())
        }
        MouseEncoding::Default | MouseEncoding::Utf8 => {
            if release {
                code = (code & !NO_BUTTON) | NO_BUTTON;
            }
            let mut report = b"\x1b[M".to_vec();
            if protocol.encoding == MouseEncoding::Default {
                if column > DEFAULT_ENCODING_LIMIT || row > DEFAULT_ENCODING_LIMIT {
                    return None;
                }
                // Each value fits a byte: `code` is below 128, positions were checked.
                report.extend([code, column, row].map(|value| (value + 32) as u8));
            } else {
                if column > UTF8_ENCODING_LIMIT || row > UTF8_ENCODING_LIMIT {
                    return None;
                }
                for value in [code, column, row] {
                    let character = char::from_u32(value + 32)?;
                    report.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes());
                }
            }
            Some(report)
        }
    }
}

fn button_bits(button: MouseButton) -> u32 {
    match button {
        MouseButton::Left => 0,
        MouseButton::Middle => 1,
        MouseButton::Right => 2,
    }
}

fn modifier_bits(modifiers: KeyModifiers) -> u32 {
    let mut bits = 0;
    for (modifier, bit) in [
        (KeyModifiers::SHIFT, SHIFT),
        (KeyModifiers::ALT, META),
        (KeyModifiers::CONTROL, CONTROL),
    ] {
        if modifiers.contains(modifier) {
            bits |= bit;
        }
    }
    bits
}

#[cfg(test)]
mod tests;

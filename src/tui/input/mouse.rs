//! Mouse reports (xterm "Mouse Tracking"): the button code shared by the SGR (`CSI < b ;
//! x ; y M/m`), urxvt (`CSI b ; x ; y M`) and normal (`CSI M b x y`, each a byte plus 32)
//! encodings, turned into crossterm's [`MouseEvent`] with 0-based columns and rows.

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

/// Bits of the button code.
const SHIFT: u32 = 4;
const META: u32 = 8;
const CONTROL: u32 = 16;
const MOTION: u32 = 32;
const WHEEL: u32 = 64;
/// Buttons 8 to 11, which crossterm has no names for.
const EXTRA_BUTTONS: u32 = 128;

/// The event of button code `code` at the 1-based `column` and `row`; `release` when
/// the SGR encoding says so with its final `m`. `None` for buttons crossterm cannot name.
///
/// The normal and urxvt encodings report every release as button 3, without saying
/// which button went up; that is reported as the left one.
pub(super) fn mouse_event(code: u32, column: u32, row: u32, release: bool) -> Option<MouseEvent> {
    let button = match code & 3 {
        0 => Some(MouseButton::Left),
        1 => Some(MouseButton::Middle),
        2 => Some(MouseButton::Right),
        _ => None,
    };
    let kind = if code & EXTRA_BUTTONS != 0 {
        return None;
    } else if code & WHEEL != 0 {
        if release {
            return None;
        }
        match code & 3 {
            0 => MouseEventKind::ScrollUp,
            1 => MouseEventKind::ScrollDown,
            2 => MouseEventKind::ScrollLeft,
            _ => MouseEventKind::ScrollRight,
        }
    } else if code & MOTION != 0 {
        button.map_or(MouseEventKind::Moved, MouseEventKind::Drag)
    } else if release {
        MouseEventKind::Up(button.unwrap_or(MouseButton::Left))
    } else {
        button.map_or(MouseEventKind::Up(MouseButton::Left), MouseEventKind::Down)
    };
    let mut modifiers = KeyModifiers::NONE;
    for (bit, modifier) in [
        (SHIFT, KeyModifiers::SHIFT),
        (META, KeyModifiers::ALT),
        (CONTROL, KeyModifiers::CONTROL),
    ] {
        if code & bit != 0 {
            modifiers |= modifier;
        }
    }
    Some(MouseEvent {
        kind,
        column: zero_based(column),
        row: zero_based(row),
        modifiers,
    })
}

/// The event of a normal (X10-style) report: three bytes, each its value plus 32.
pub(super) fn normal_report(code: u8, column: u8, row: u8) -> Option<MouseEvent> {
    let code = u32::from(code).checked_sub(32)?;
    let column = u32::from(column).saturating_sub(32);
    let row = u32::from(row).saturating_sub(32);
    mouse_event(code, column, row, false)
}

fn zero_based(position: u32) -> u16 {
    u16::try_from(position.saturating_sub(1)).unwrap_or(u16::MAX)
}

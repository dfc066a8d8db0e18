//! Which mouse reports a pane's program asked for (xterm's "Mouse Tracking"): what is
//! reported (modes 9, 1000, 1002, 1003) and how it is written (default, 1005, 1006).

use alacritty_terminal::term::TermMode;

/// Which mouse events the program wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseTracking {
    /// Mode 9: button presses only, without modifiers.
    X10,
    /// Mode 1000: presses and releases.
    Normal,
    /// Mode 1002: presses, releases, and motion while a button is held.
    ButtonEvent,
    /// Mode 1003: presses, releases and all motion.
    AnyEvent,
}

/// How mouse reports are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseEncoding {
    /// `CSI M Cb Cx Cy`, each a byte of the value plus 32 (positions up to 223).
    Default,
    /// Mode 1005: the same, each value plus 32 as a UTF-8 character (positions up to 2015).
    Utf8,
    /// Mode 1006: `CSI < Cb ; Cx ; Cy M` (press, motion) or `m` (release), in decimal.
    Sgr,
}

/// What a pane's program asked the mouse to report, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseProtocol {
    /// Which events.
    pub tracking: MouseTracking,
    /// Their encoding.
    pub encoding: MouseEncoding,
}

impl MouseProtocol {
    /// The protocol the model's modes describe; `x10` when mode 9 was the last tracking
    /// mode set (the model does not know that mode). `None` when the program asked for no
    /// mouse reports.
    pub(crate) fn from_modes(mode: TermMode, x10: bool) -> Option<MouseProtocol> {
        let tracking = if x10 {
            MouseTracking::X10
        } else if mode.contains(TermMode::MOUSE_MOTION) {
            MouseTracking::AnyEvent
        } else if mode.contains(TermMode::MOUSE_DRAG) {
            MouseTracking::ButtonEvent
        } else if mode.contains(TermMode::MOUSE_REPORT_CLICK) {
            MouseTracking::Normal
        } else {
            return None;
        };
        let encoding = if mode.contains(TermMode::SGR_MOUSE) {
            MouseEncoding::Sgr
        } else if mode.contains(TermMode::UTF8_MOUSE) {
            MouseEncoding::Utf8
        } else {
            MouseEncoding::Default
        };
        Some(MouseProtocol { tracking, encoding })
    }
}

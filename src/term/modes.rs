//! Mode numbers of `SM`/`RM` (ANSI) and `DECSET`/`DECRST` (DEC private) as the handler's
//! mode types. `vte` keeps its own conversion private, so the numbers are listed here from
//! the xterm control sequence reference.

use vte::ansi::{Mode, NamedMode, NamedPrivateMode, PrivateMode};

/// The ANSI mode numbered `number`.
pub(crate) fn ansi_mode(number: u16) -> Mode {
    match number {
        4 => Mode::Named(NamedMode::Insert),
        20 => Mode::Named(NamedMode::LineFeedNewLine),
        other => Mode::Unknown(other),
    }
}

/// The DEC private mode numbered `number`.
pub(crate) fn private_mode(number: u16) -> PrivateMode {
    use NamedPrivateMode as Named;
    let named = match number {
        1 => Named::CursorKeys,
        3 => Named::ColumnMode,
        6 => Named::Origin,
        7 => Named::LineWrap,
        12 => Named::BlinkingCursor,
        25 => Named::ShowCursor,
        1000 => Named::ReportMouseClicks,
        1002 => Named::ReportCellMouseMotion,
        1003 => Named::ReportAllMouseMotion,
        1004 => Named::ReportFocusInOut,
        1005 => Named::Utf8Mouse,
        1006 => Named::SgrMouse,
        1007 => Named::AlternateScroll,
        1042 => Named::UrgencyHints,
        1049 => Named::SwapScreenAndSetRestoreCursor,
        2004 => Named::BracketedPaste,
        2026 => Named::SyncUpdate,
        other => return PrivateMode::Unknown(other),
    };
    PrivateMode::Named(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_mode_keeps_its_number() {
        for number in 0..=u16::MAX {
            assert_eq!(ansi_mode(number).raw(), number);
            assert_eq!(private_mode(number).raw(), number);
        }
        assert_eq!(
            private_mode(2026),
            PrivateMode::Named(NamedPrivateMode::SyncUpdate)
        );
        assert_eq!(private_mode(47), PrivateMode::Unknown(47));
    }
}

//! The mouse: over a pane whose program asked for mouse reports (and with no Shift held,
//! as terminals leave Shift to their own selection), clicks, releases, drags, the wheel
//! and motion go to that program, in its pane's cells and its encoding. Otherwise the
//! mouse drives Perdix: a click focuses a pane, the wheel scrolls its scrollback, or, on
//! the alternate screen of a program that keeps alternate scroll mode (1007) on, sends
//! it arrow keys.

use super::{App, Mode};
use crate::tui::mouse_report::encode_mouse;
use alacritty_terminal::term::TermMode;
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

/// Lines one wheel step scrolls.
const WHEEL_LINES: i32 = 3;

impl App {
    pub(super) fn mouse(&mut self, mouse: MouseEvent) {
        if self.mouse_grabbed(mouse) {
            return;
        }
        let at = Position::new(mouse.column, mouse.row);
        let Some((index, area)) = self
            .visible_panes()
            .into_iter()
            .find(|(_, area)| area.contains(at))
        else {
            return;
        };
        let inner = inner_area(area);
        let to_program = self.mode == Mode::Normal
            && !mouse.modifiers.contains(KeyModifiers::SHIFT)
            && inner.contains(at)
            && self.panes.panes()[index].terminal().mouse_protocol().is_some();
        if to_program {
            if let MouseEventKind::Down(_) = mouse.kind {
                self.focus = index;
                self.mouse_grab = Some(index);
            }
            self.report_mouse(index, inner, mouse);
            return;
        }
        let up = match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = index;
                return;
            }
            MouseEventKind::ScrollUp => true,
            MouseEventKind::ScrollDown => false,
            _ => return,
        };
        let mode = self.pane_mode(index);
        let alternate_scroll = self.mode == Mode::Normal
            && !mouse.modifiers.contains(KeyModifiers::SHIFT)
            && mode.contains(TermMode::ALT_SCREEN | TermMode::ALTERNATE_SCROLL);
        if alternate_scroll {
            let arrow: &[u8] = match (up, mode.contains(TermMode::APP_CURSOR)) {
                (true, false) => b"\x1b[A",
                (true, true) => b"\x1bOA",
                (false, false) => b"\x1b[B",
                (false, true) => b"\x1bOB",
            };
            let sent = self.panes.write_input(index, &arrow.repeat(WHEEL_LINES as usize));
            self.tell(sent);
        } else if let Some(pane) = self.panes.pane_mut(index) {
            pane.terminal_mut()
                .scroll(if up { WHEEL_LINES } else { -WHEEL_LINES });
        }
    }

    /// Gives a drag or release to the pane whose program got the press, wherever the
    /// mouse is (held to the pane's edge). Returns whether it did. Any other event ends
    /// the grab: the release was missed.
    fn mouse_grabbed(&mut self, mouse: MouseEvent) -> bool {
        let Some(index) = self.mouse_grab.take() else {
            return false;
        };
        if !matches!(mouse.kind, MouseEventKind::Drag(_) | MouseEventKind::Up(_)) {
            return false;
        }
        let Some((_, area)) = self
            .visible_panes()
            .into_iter()
            .find(|&(shown, _)| shown == index)
        else {
            return false;
        };
        let inner = inner_area(area);
        if inner.is_empty() {
            return false;
        }
        let held = MouseEvent {
            column: mouse.column.clamp(inner.x, inner.right().saturating_sub(1)),
            row: mouse.row.clamp(inner.y, inner.bottom().saturating_sub(1)),
            ..mouse
        };
        if matches!(mouse.kind, MouseEventKind::Drag(_)) {
            self.mouse_grab = Some(index);
        }
        self.report_mouse(index, inner, held);
        true
    }

    /// Sends `mouse`, at a position inside `inner` (pane `index`'s cells), to the pane's
    /// program as the report it asked for, if it asked for one of this kind.
    fn report_mouse(&mut self, index: usize, inner: Rect, mouse: MouseEvent) {
        let Some(protocol) = self.panes.panes()[index].terminal().mouse_protocol() else {
            return;
        };
        let in_pane = MouseEvent {
            column: mouse.column - inner.x,
            row: mouse.row - inner.y,
            ..mouse
        };
        if let Some(report) = encode_mouse(protocol, &in_pane) {
            let sent = self.panes.write_input(index, &report);
            self.tell(sent);
        }
    }
}

/// The cells inside a pane's border.
fn inner_area(area: Rect) -> Rect {
    Rect::new(
        area.x.saturating_add(1),
        area.y.saturating_add(1),
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    )
}

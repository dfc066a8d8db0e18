//! What each client of a session has of its own: the pane it looks at and what its keys
//! mean now. The app holds the view of the client active last; the others' views wait in
//! a [`ClientView`] and are swapped in to handle that client's input or draw its frame.

use super::{App, Mode, SearchHit};
use crate::tui::key_encoding::PressedKeys;

/// One client's own part of the app state.
#[derive(Debug, Clone)]
pub struct ClientView {
    focus: usize,
    mode: Mode,
    search_hit: Option<SearchHit>,
    mouse_grab: Option<usize>,
    pressed: PressedKeys,
}

impl ClientView {
    /// A new client's view: it looks where `app`'s current client looks, in normal mode.
    pub fn following(app: &App) -> ClientView {
        ClientView {
            focus: app.focus,
            mode: Mode::Normal,
            search_hit: None,
            mouse_grab: None,
            pressed: PressedKeys::default(),
        }
    }
}

impl ClientView {
    /// The pane this client looks at.
    pub fn focus(&self) -> usize {
        self.focus
    }
}

impl App {
    /// Exchanges the app's client view with `view`. A view that waited while panes were
    /// closed is made to fit: its focus stays on a pane, a question about a pane that
    /// is gone is dropped.
    pub fn swap_view(&mut self, view: &mut ClientView) {
        std::mem::swap(&mut self.focus, &mut view.focus);
        std::mem::swap(&mut self.mode, &mut view.mode);
        std::mem::swap(&mut self.search_hit, &mut view.search_hit);
        std::mem::swap(&mut self.mouse_grab, &mut view.mouse_grab);
        std::mem::swap(&mut self.pressed, &mut view.pressed);
        let panes = self.panes.panes().len();
        if self.focus >= panes {
            self.focus = panes.saturating_sub(1);
            self.mode = Mode::Normal;
            self.search_hit = None;
        }
        if self.mouse_grab.is_some_and(|pane| pane >= panes) {
            self.mouse_grab = None;
        }
    }
}

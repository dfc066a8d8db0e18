//! The overview of every pane (prefix `w`) and the jump to the next pane that needs you
//! (prefix Tab).

use super::{App, Mode};
use crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// Whether pane `index` needs the user: blocked, or done since they last looked.
    pub fn needs_user(&self, index: usize) -> bool {
        self.info[index].state.needs_user()
    }

    /// Focuses the next pane after the focused one that needs the user, or says that none
    /// does.
    pub(super) fn focus_next_needing_you(&mut self) {
        let count = self.panes.panes().len();
        let next = (1..=count)
            .map(|step| (self.focus + step) % count)
            .find(|&index| index != self.focus && self.needs_user(index));
        match next {
            Some(index) => {
                self.focus = index;
                self.info[index].needs_you = false;
            }
            None => self.notify("no other pane needs you".into()),
        }
    }

    /// Keys in the overview: arrows or `j`/`k` move the mark, Enter jumps to the marked
    /// pane, a digit to that pane; Esc, `q` or `w` close it.
    pub(super) fn overview_key(&mut self, key: KeyEvent, selected: usize) {
        let count = self.panes.panes().len();
        let last = count.saturating_sub(1);
        let jump = |app: &mut App, index: usize| {
            if index < count {
                app.focus = index;
                app.info[index].needs_you = false;
            }
        };
        self.mode = match key.code {
            KeyCode::Up | KeyCode::Char('k') => Mode::Overview {
                selected: selected.saturating_sub(1),
            },
            KeyCode::Down | KeyCode::Char('j') => Mode::Overview {
                selected: (selected + 1).min(last),
            },
            KeyCode::Enter => {
                jump(self, selected);
                Mode::Normal
            }
            KeyCode::Char(digit @ '1'..='9') => {
                jump(self, digit as usize - '1' as usize);
                Mode::Normal
            }
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('w') => Mode::Normal,
            _ => Mode::Overview { selected },
        };
    }
}

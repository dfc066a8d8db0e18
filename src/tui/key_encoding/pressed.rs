//! Which panes each held key's press went to, so that its release follows it there and
//! nowhere else: not to a pane that got no press (the prefix and the commands after it
//! are never typed into a pane), and not to a pane focused since.

use crossterm::event::{KeyCode, KeyEvent};
use std::collections::VecDeque;

/// Keys held at once that are remembered; a release lost on the way would otherwise
/// leave its key here for good.
const MAX_HELD: usize = 32;

/// The keys whose press reached panes, and which panes.
///
/// ```
/// use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
/// use perdix::tui::key_encoding::PressedKeys;
///
/// let mut pressed = PressedKeys::default();
/// pressed.press(&KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE), vec![1]);
/// let release = KeyEvent::new_with_kind_and_state(
///     KeyCode::Char('A'),
///     KeyModifiers::SHIFT,
///     KeyEventKind::Release,
///     KeyEventState::NONE,
/// );
/// // Shift pressed meanwhile changes the character, not the key.
/// assert_eq!(pressed.release(&release), vec![1]);
/// assert_eq!(pressed.release(&release), Vec::<usize>::new());
/// ```
#[derive(Debug, Default, Clone)]
pub struct PressedKeys {
    held: VecDeque<(KeyCode, Vec<usize>)>,
}

impl PressedKeys {
    /// Notes that `key`'s press (or repeat) went to `panes`.
    pub fn press(&mut self, key: &KeyEvent, panes: Vec<usize>) {
        let code = same_key(key.code);
        self.held.retain(|(held, _)| *held != code);
        if self.held.len() == MAX_HELD {
            self.held.pop_front();
        }
        self.held.push_back((code, panes));
    }

    /// The panes `key`'s press went to (none if it went nowhere), forgotten now that it
    /// is released.
    pub fn release(&mut self, key: &KeyEvent) -> Vec<usize> {
        let code = same_key(key.code);
        match self.held.iter().position(|(held, _)| *held == code) {
            Some(at) => self.held.remove(at).map(|(_, panes)| panes).unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

/// One code per physical key: a letter in either case, Tab with or without Shift.
fn same_key(code: KeyCode) -> KeyCode {
    match code {
        KeyCode::Char(c) => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(lower), None) => KeyCode::Char(lower),
                _ => code,
            }
        }
        KeyCode::BackTab => KeyCode::Tab,
        _ => code,
    }
}

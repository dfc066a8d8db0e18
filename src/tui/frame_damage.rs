//! Which rows of the panes changed since the last frame: a frame draws those, the app's
//! borders and bars, and keeps every other row of a pane as the last frame drew it.

use super::panes::PaneSet;
use crate::term::ViewDamage;

/// The panes' damage since the last frame, by pane index.
///
/// ```
/// use perdix::tui::frame_damage::FrameDamage;
///
/// // A frame that owes nothing to the last one draws every row of every pane.
/// assert!(FrameDamage::everything().row_changed(3, 17));
/// ```
#[derive(Debug, Clone, Default)]
pub struct FrameDamage {
    /// `None`: every row of every pane.
    panes: Option<Vec<ViewDamage>>,
}

impl FrameDamage {
    /// Every row of every pane changed: a whole frame.
    pub fn everything() -> FrameDamage {
        FrameDamage { panes: None }
    }

    /// The rows each pane's model changed since this was last taken; each model's record
    /// starts afresh. Taken once per round of frames: every frame of that round draws
    /// from it, and a frame left out of the round must be drawn whole next time.
    pub fn take(panes: &mut PaneSet) -> FrameDamage {
        let count = panes.panes().len();
        let damage = (0..count)
            .map(|index| {
                panes
                    .pane_mut(index)
                    .map_or(ViewDamage::All, |pane| pane.terminal_mut().take_damage())
            })
            .collect();
        FrameDamage { panes: Some(damage) }
    }

    /// Whether row `row` of pane `pane`'s view may have changed since the last frame.
    pub fn row_changed(&self, pane: usize, row: usize) -> bool {
        match &self.panes {
            None => true,
            Some(panes) => panes.get(pane).is_none_or(|damage| damage.row_changed(row)),
        }
    }
}

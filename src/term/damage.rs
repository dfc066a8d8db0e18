//! Which rows of a pane's view changed since they were last drawn, from the model's own
//! damage tracking, so that a frame redraws those rows and keeps the others.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::term::{Term, TermDamage};

/// The rows of a pane's view that changed since the damage was last taken.
///
/// ```
/// use perdix::term::ViewDamage;
///
/// let damage = ViewDamage::Rows(vec![false, true]);
/// assert!(!damage.row_changed(0));
/// assert!(damage.row_changed(1));
/// // A row the model does not have is never taken as unchanged.
/// assert!(damage.row_changed(2));
/// assert!(ViewDamage::All.row_changed(0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewDamage {
    /// Anything may have changed (a scroll, a resize, a colour, the alternate screen).
    All,
    /// Row `i` of the view changed where element `i` is true.
    Rows(Vec<bool>),
}

impl ViewDamage {
    /// Whether row `row` of the view may show something else than when last drawn.
    pub fn row_changed(&self, row: usize) -> bool {
        match self {
            ViewDamage::All => true,
            ViewDamage::Rows(rows) => rows.get(row).copied().unwrap_or(true),
        }
    }
}

/// The view's damage since the last call, the cursor's old and new cells included; the
/// model's record of it starts afresh.
pub(crate) fn take_view_damage<T>(term: &mut Term<T>) -> ViewDamage {
    let rows = term.screen_lines();
    let damage = match term.damage() {
        TermDamage::Full => ViewDamage::All,
        TermDamage::Partial(lines) => {
            let mut changed = vec![false; rows];
            for line in lines {
                // The lines come as rows of the view, scrolled or not.
                if let Some(row) = changed.get_mut(line.line) {
                    *row = true;
                }
            }
            ViewDamage::Rows(changed)
        }
    };
    term.reset_damage();
    damage
}

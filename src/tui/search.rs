//! Text of a pane's scrollback and screen, for searching.

use crate::term::line_text;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::Line;
use alacritty_terminal::term::Term;

/// Every line, oldest scrollback line first, screen lines last, as plain text.
pub fn line_texts<T>(term: &Term<T>) -> Vec<String> {
    let grid = term.grid();
    (-(grid.history_size() as i32)..grid.screen_lines() as i32)
        .map(|line| line_text(term, Line(line)))
        .collect()
}

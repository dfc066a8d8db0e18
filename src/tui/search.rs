//! Text of a pane's scrollback and screen, for searching.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::term::Term;

/// Every line, oldest scrollback line first, screen lines last, as plain text.
pub fn line_texts<T>(term: &Term<T>) -> Vec<String> {
    let grid = term.grid();
    let history = grid.history_size() as i32;
    (-history..grid.screen_lines() as i32)
        .map(|line| {
            let row = &grid[Line(line)];
            (0..grid.columns())
                .map(|column| &row[Column(column)])
                .filter(|cell| !cell.flags.contains(Flags::WIDE_CHAR_SPACER))
                .map(|cell| cell.c)
                .collect()
        })
        .collect()
}

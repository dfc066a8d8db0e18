//! A pane's visible screen as plain text, the form `perdix-tui --screen-dump` prints.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::term::Term;

/// Each visible row's text (see [`line_text`]).
pub fn screen_text<T>(term: &Term<T>) -> Vec<String> {
    let offset = term.grid().display_offset() as i32;
    (0..term.grid().screen_lines() as i32)
        .map(|row| line_text(term, Line(row - offset)))
        .collect()
}

/// The text of grid line `line` (negative lines are scrollback): a wide character once
/// (its spacer cell skipped), combining characters right after their base character, a
/// tab cell as one space, trailing spaces trimmed.
pub fn line_text<T>(term: &Term<T>, line: Line) -> String {
    let grid = term.grid();
    let row = &grid[line];
    let mut text = String::new();
    for column in 0..grid.columns() {
        push_cell_text(&row[Column(column)], &mut text);
    }
    text.truncate(text.trim_end_matches(' ').len());
    text
}

/// Appends what `cell` shows: nothing for a wide character's spacer, a space for a tab or
/// the blank a wide character left at the end of a line when it wrapped, else its
/// character and the combining characters after it.
pub(super) fn push_cell_text(cell: &Cell, text: &mut String) {
    if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
        return;
    }
    let c = match cell.c {
        '\t' => ' ',
        _ if cell.flags.contains(Flags::LEADING_WIDE_CHAR_SPACER) => ' ',
        c => c,
    };
    text.push(c);
    if let Some(combining) = cell.zerowidth() {
        text.extend(combining);
    }
}

//! A pane's visible screen as plain text, the form `perdix-tui --screen-dump` prints.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Flags;
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
        let cell = &row[Column(column)];
        if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
            continue;
        }
        let c = match cell.c {
            '\t' => ' ',
            // The blank a wide character left at the end of a line when it wrapped.
            _ if cell.flags.contains(Flags::LEADING_WIDE_CHAR_SPACER) => ' ',
            c => c,
        };
        text.push(c);
        if let Some(combining) = cell.zerowidth() {
            text.extend(combining);
        }
    }
    text.truncate(text.trim_end_matches(' ').len());
    text
}

//! The cells to write to turn one frame into the next, compared only within given spans.

use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use std::ops::Range;

/// Cells `x..x + width` of row `y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub x: u16,
    pub y: u16,
    pub width: u16,
}

impl Span {
    /// The span's cells' indices in `buffer`'s content.
    pub fn cells(&self, buffer: &Buffer) -> Range<usize> {
        let start = buffer.index_of(self.x, self.y);
        start..start + usize::from(self.width)
    }
}

/// The cells of `next` to write over `shown` within `spans` (in reading order), in
/// reading order. No glyph may straddle a span's ends, in either buffer: the spans are
/// cut at pane borders, which no glyph crosses.
///
/// Within a span, as ratatui's own diff: a cell is written when it changed, and so is
/// every cell a wide glyph of the last frame covered, since the terminal may show the
/// glyph's remains there; the cells a wide glyph of the new frame covers are not.
pub(super) fn diff_spans<'a>(shown: &Buffer, next: &'a Buffer, spans: &[Span]) -> Vec<(u16, u16, &'a Cell)> {
    let mut updates = Vec::new();
    for span in spans {
        let cells = span.cells(next);
        // Cells still covered by the new frame's wide glyph, and cells the last frame's
        // (or the new frame's) wide glyph covered.
        let mut covered = 0usize;
        let mut invalidated = 0usize;
        for (offset, (current, previous)) in next.content[cells.clone()]
            .iter()
            .zip(&shown.content[cells])
            .enumerate()
        {
            let skipped = matches!(current.diff_option, CellDiffOption::Skip);
            if covered == 0 && !skipped && (current != previous || invalidated > 0) {
                updates.push((span.x + offset as u16, span.y, current));
            }
            let width = columns(current);
            covered = if covered > 0 { covered - 1 } else { width - 1 };
            let affected = width.max(columns(previous));
            invalidated = affected.max(invalidated).saturating_sub(1);
        }
    }
    updates
}

/// The columns `cell`'s glyph covers: one for a one-byte symbol (ASCII, the cells of most
/// frames) without measuring it.
fn columns(cell: &Cell) -> usize {
    match cell.symbol().len() {
        0 | 1 => 1,
        _ => usize::from(cell.cell_width()).max(1),
    }
}

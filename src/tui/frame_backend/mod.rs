//! A ratatui [`Backend`] whose frames an outer terminal cannot misplace, whatever width it
//! gives a character.
//!
//! Terminals disagree about how many columns a character takes: private-use and
//! unassigned code points, emoji (with or without U+FE0F), ambiguous East Asian widths,
//! combining marks the terminal does not know. When the outer terminal moves its cursor
//! further (or less far) than ratatui planned, every cell printed after that character
//! in the same run lands in the wrong column, across a pane's border and into the next
//! pane, and stays there until a full redraw. [`FrameBackend`] makes sure that cannot
//! happen:
//!
//! - **Only plain ASCII moves the cursor implicitly.** After any cell that is not one
//!   printable ASCII character, the next cell is placed with an explicit cursor position
//!   (CUP), so a disagreement about one cell never shifts the cells after it.
//! - **The cell after a doubtful one is painted again.** The backend keeps a shadow of
//!   what the outer terminal shows. After a cell of doubtful width it re-emits the cell
//!   that follows (and as many more as the doubtful cell's other characters could
//!   cover), even if they did not change, so that the overflow of a glyph drawn wider than planned is
//!   overwritten: this is what keeps a pane's right border intact when a wide glyph sits
//!   in the pane's last column. A glyph in the screen's last column that a terminal draws
//!   wider wraps to the next row, so there the first cells of the next row are painted
//!   again.
//! - **A doubtful glyph is drawn over blanks** when it replaces something visible, so a
//!   terminal that draws it narrower (or not at all) shows blanks, not what was there
//!   before.
//! - **Combining characters follow an explicit position.** A terminal that drops a base
//!   character it does not know would join the combining characters after it to the
//!   cell left of the cursor (the border, at a pane's first column); positioning the
//!   cursor after the base character's cell first makes them land in the glyph's own
//!   cell whatever happened to the base.
//! - **A glyph that may be joined to the one before it is followed by that one again.**
//!   Some terminals take format characters, emoji modifiers or code points they do not
//!   know for combining ones and add them to the cell on the left, the border at a
//!   pane's first column. After such a glyph the glyph on its left is painted again
//!   when it is one no terminal can get wrong (ASCII, box drawing, letters, CJK…).
//! - **The screen's last cell only ever gets plain ASCII**: a glyph drawn wider there
//!   would wrap and scroll the whole screen.
//!
//! Everything else is what a terminal backend does: SGR sent only where the style
//! changes, all attributes in one sequence (the underline colour in one of its own, so
//! that a terminal without it skips nothing else), colours as given (RGB stays RGB), a
//! reset at the end of a frame only when the style is not already the default, cursor
//! shown and hidden only when that changes. Only CUP, SGR, ED, EL and the cursor's
//! visibility are ever written.
//!
//! The bytes go into a buffer: [`FrameBackend::take_frame`] hands over a whole frame, for
//! the caller to write in one go.
//!
//! What it costs, measured by the tests on the same screens with ratatui's crossterm
//! backend. Four panes of ASCII text at 100 × 30 in the app's colours: the first frame
//! takes 9,439 bytes here and 8,228 there (box-drawing borders are not ASCII, so each
//! border cell is followed by a cursor position); a frame in which a pane's text
//! scrolls, 859 and 880; one key typed, 48 and 71 (the crossterm backend resets the
//! colours at the end of every frame). The demo agents in four panes at 120 × 40, whose
//! spinners, bullets, boxes and CJK text are not ASCII either: a first frame of 13,032
//! bytes and 9,118, then 878,202 and 818,069 bytes in 199 frames (7 % more).
//!
//! ```
//! use perdix::tui::frame_backend::FrameBackend;
//! use ratatui::widgets::Paragraph;
//! use ratatui::{Terminal, TerminalOptions, Viewport};
//! use ratatui::layout::Rect;
//!
//! let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 10, 2)) };
//! let mut terminal = Terminal::with_options(FrameBackend::new(10, 2), options).unwrap();
//! terminal.draw(|frame| frame.render_widget(Paragraph::new("a✌b"), frame.area())).unwrap();
//! let frame = terminal.backend_mut().take_frame();
//! // After the emoji, `b` is placed explicitly (row 1, column 3), not where the outer
//! // terminal's cursor happens to be.
//! let text = String::from_utf8(frame).unwrap();
//! assert!(text.contains("a✌\x1b[1;3Hb"), "{text:?}");
//! ```

mod pen;
#[cfg(test)]
mod test_terminal;
#[cfg(test)]
mod tests;

use pen::Pen;
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Cell, CellWidth};
use ratatui::layout::{Position, Size};
use std::convert::Infallible;
use std::io::Write;

/// What the outer terminal shows in one cell, as drawn.
#[derive(Clone, Debug)]
enum Shown {
    /// A glyph (or a blank) starting in this cell.
    Glyph(Cell),
    /// The right part of a wide glyph that starts further left.
    RightPart,
}

const BLANK: Shown = Shown::Glyph(Cell::EMPTY);

/// Cells still to be painted again on one row, because a glyph drawn wider than planned
/// may have covered them.
#[derive(Clone, Copy, Debug)]
struct Repair {
    y: u16,
    /// The first cell still to paint.
    from: u16,
    /// Just past the last one.
    to: u16,
}

/// A ratatui backend that writes each frame into a buffer, placing every cell so that
/// an outer terminal's idea of a character's width cannot move any other cell (see the
/// [module documentation](self)).
#[derive(Debug)]
pub struct FrameBackend {
    frame: Vec<u8>,
    size: Size,
    /// What the outer terminal shows, row by row.
    shadow: Vec<Shown>,
    /// Where the next printed character goes, as planned.
    cursor: Position,
    /// Whether the outer terminal's cursor is surely at `cursor`: false after anything
    /// but plain ASCII, whose width every terminal agrees on.
    cursor_trusted: bool,
    /// Whether the cursor is shown, once known.
    cursor_shown: Option<bool>,
    pen: Pen,
    repair: Option<Repair>,
}

impl FrameBackend {
    /// A backend for an outer terminal of `width` × `height` cells, blank (as after
    /// clearing it).
    pub fn new(width: u16, height: u16) -> FrameBackend {
        let mut backend = FrameBackend {
            frame: Vec::with_capacity(64 * 1024),
            size: Size::new(0, 0),
            shadow: Vec::new(),
            cursor: Position::ORIGIN,
            cursor_trusted: false,
            cursor_shown: None,
            pen: Pen::DEFAULT,
            repair: None,
        };
        backend.set_size(width, height);
        backend
    }

    /// The outer terminal's new size. What it shows is taken to be blank, as ratatui
    /// clears the screen after a resize, and the cursor's position unknown.
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.size = Size::new(width, height);
        self.shadow = vec![BLANK; usize::from(width) * usize::from(height)];
        self.cursor_trusted = false;
        self.repair = None;
    }

    /// The bytes written since the last [`take_frame`](Self::take_frame).
    pub fn frame(&self) -> &[u8] {
        &self.frame
    }

    /// Hands over the bytes written since the last call, leaving the buffer empty.
    pub fn take_frame(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.frame)
    }

    /// The outer terminal's area as this backend knows it.
    pub fn area(&self) -> ratatui::layout::Rect {
        ratatui::layout::Rect::new(0, 0, self.size.width, self.size.height)
    }

    /// Where the last frame left the cursor showing, if it shows it: after a draw, the
    /// position the drawn view asked for.
    pub fn shown_cursor(&self) -> Option<Position> {
        (self.cursor_shown == Some(true)).then_some(self.cursor)
    }

    fn index(&self, x: u16, y: u16) -> Option<usize> {
        (x < self.size.width && y < self.size.height)
            .then(|| usize::from(y) * usize::from(self.size.width) + usize::from(x))
    }

    /// Moves the outer terminal's cursor to (`x`, `y`) unless it is surely there.
    fn move_to(&mut self, x: u16, y: u16) {
        if self.cursor_trusted && self.cursor == Position::new(x, y) {
            return;
        }
        // Writing into a vector cannot fail.
        let _ = write!(self.frame, "\x1b[{};{}H", u32::from(y) + 1, u32::from(x) + 1);
        self.cursor = Position::new(x, y);
        // A position past the last column is where the terminal stops, not where it is.
        self.cursor_trusted = x < self.size.width;
    }

    fn set_pen(&mut self, pen: Pen) {
        self.pen.change_to(&pen, &mut self.frame);
        self.pen = pen;
    }

    /// Draws `cell` at (`x`, `y`), and records it in the shadow.
    fn put(&mut self, x: u16, y: u16, cell: &Cell) {
        let symbol = cell.symbol();
        let last_cell = x.saturating_add(1) == self.size.width && y.saturating_add(1) == self.size.height;
        let plain = match symbol.as_bytes() {
            [] => Some(b' '),
            [byte @ 0x20..=0x7e] => Some(*byte),
            _ if last_cell => Some(b' '),
            _ => None,
        };
        match plain {
            Some(byte) => self.put_plain(x, y, cell, byte),
            None => self.put_doubtful(x, y, cell),
        }
    }

    fn put_plain(&mut self, x: u16, y: u16, cell: &Cell, byte: u8) {
        self.move_to(x, y);
        self.set_pen(Pen::of(cell));
        self.frame.push(byte);
        self.cursor = Position::new(x.saturating_add(1), y);
        // At the last column the cursor stays put, waiting to wrap.
        self.cursor_trusted = self.cursor.x < self.size.width;
        let mut shown = cell.clone();
        if byte != symbol_byte(cell) {
            shown.set_char(char::from(byte));
        }
        self.record(x, y, shown, 1);
        self.repaired(x, y, 1);
    }

    /// Draws a cell that is not plain ASCII: over blanks when it replaces something
    /// visible, its combining characters after an explicit position, and the cells it may
    /// overflow into queued for repainting.
    fn put_doubtful(&mut self, x: u16, y: u16, cell: &Cell) {
        let symbol = cell.symbol();
        let width = cell.cell_width().max(1);
        let pen = Pen::of(cell);
        let mut chars = symbol.chars();
        let first = chars.next().unwrap_or(' ');
        // A symbol that starts with a combining character is drawn on a space: alone,
        // the terminal would join it to whatever is left of the cursor.
        let (base, rest) = if first.is_control() {
            ('\u{fffd}', chars.as_str())
        } else if char_width(first) == 0 {
            (' ', symbol)
        } else {
            (first, chars.as_str())
        };
        let end = x
            .saturating_add(width)
            .min(self.size.width.max(x.saturating_add(1)));
        if self.hides_something_else(x, y, end, symbol) {
            self.move_to(x, y);
            self.set_pen(pen);
            for _ in x..end {
                self.frame.push(b' ');
            }
            self.cursor = Position::new(end, y);
            self.cursor_trusted = end < self.size.width;
        }
        self.move_to(x, y);
        self.set_pen(pen);
        let mut buffer = [0; 4];
        self.frame
            .extend_from_slice(base.encode_utf8(&mut buffer).as_bytes());
        // Only an ASCII base surely moved the cursor one column.
        self.cursor = Position::new(x.saturating_add(1), y);
        self.cursor_trusted = base.is_ascii() && self.cursor.x < self.size.width;
        // How far the rest may reach if the terminal gives each of its characters a
        // cell of its own.
        let mut reach = 1;
        if !rest.is_empty() {
            // The rest goes after the base's cell: combining characters join the base
            // there even if the terminal dropped the base, and a terminal that joins
            // emoji sequences finds the base left of the cursor.
            let after_base = x.saturating_add(char_width(base));
            if !base.is_ascii() && after_base < self.size.width {
                self.move_to(after_base, y);
            }
            for c in rest.chars().filter(|c| !c.is_control()) {
                self.frame
                    .extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                reach += char_width(c).max(1);
            }
        }
        self.cursor = Position::new(end, y);
        self.cursor_trusted = false;
        if !never_joins(base) {
            self.repaint_left(x, y);
        }
        self.record(x, y, cell.clone(), end - x);
        self.repaired(x, y, end - x);
        self.schedule_repair(x, y, end - x, reach);
    }

    /// Paints again the glyph left of (`x`, `y`), when it is one character that no
    /// terminal takes for a combining one (ASCII, box drawing, letters, CJK…): a
    /// terminal that took the character just drawn at `x` for a combining or joining one
    /// has added it to that glyph. Painted over, the glyph is itself again.
    fn repaint_left(&mut self, x: u16, y: u16) {
        let Some(index) = self.index(x, y) else {
            return;
        };
        let row_start = index - usize::from(x);
        let mut head = index;
        while head > row_start {
            head -= 1;
            if !matches!(self.shadow[head], Shown::RightPart) {
                break;
            }
        }
        let Shown::Glyph(cell) = &self.shadow[head] else {
            return;
        };
        let mut chars = cell.symbol().chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return;
        };
        if head == index || c.is_control() || !never_joins(c) {
            return;
        }
        let pen = Pen::of(cell);
        let column = (head - row_start) as u16;
        self.move_to(column, y);
        self.set_pen(pen);
        self.frame
            .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        self.cursor = Position::new(column + 1, y);
        self.cursor_trusted = c.is_ascii() && column + 1 < self.size.width;
    }

    /// Whether the outer terminal shows, in cells `x..end` of row `y`, something other
    /// than `symbol` or blanks, which a terminal drawing `symbol` narrower would leave.
    fn hides_something_else(&self, x: u16, y: u16, end: u16, symbol: &str) -> bool {
        let Some(start) = self.index(x, y) else {
            return false;
        };
        if matches!(&self.shadow[start], Shown::Glyph(shown) if shown.symbol() == symbol) {
            return false;
        }
        (x..end)
            .filter_map(|column| self.index(column, y))
            .any(|index| match &self.shadow[index] {
                Shown::Glyph(shown) => shown.symbol() != " ",
                Shown::RightPart => true,
            })
    }

    /// Records that `cell` now shows in `width` cells from (`x`, `y`). A wide glyph that
    /// was only partly overwritten is gone entirely: its other cells show blanks.
    fn record(&mut self, x: u16, y: u16, cell: Cell, width: u16) {
        let Some(start) = self.index(x, y) else {
            return;
        };
        let row_start = start - usize::from(x);
        let row_end = row_start + usize::from(self.size.width);
        let mut head = start;
        while head > row_start && matches!(self.shadow[head], Shown::RightPart) {
            head -= 1;
            self.shadow[head] = BLANK;
        }
        let end = (start + usize::from(width)).min(row_end);
        self.shadow[start] = Shown::Glyph(cell);
        for index in start + 1..end {
            self.shadow[index] = Shown::RightPart;
        }
        let mut after = end;
        while after < row_end && matches!(self.shadow[after], Shown::RightPart) {
            self.shadow[after] = BLANK;
            after += 1;
        }
    }

    /// Notes that cells `x..x + width` of row `y` were just drawn: a repair there is done.
    fn repaired(&mut self, x: u16, y: u16, width: u16) {
        if let Some(repair) = &mut self.repair {
            let end = x.saturating_add(width);
            if repair.y == y && x <= repair.from && repair.from < end {
                repair.from = end;
            }
            if repair.from >= repair.to {
                self.repair = None;
            }
        }
    }

    /// Queues the `reach` cells after a doubtful glyph in cells `x..x + width` for
    /// painting again; when the glyph ends in the last column, the first cells of the
    /// next row, where a wider glyph wraps to.
    fn schedule_repair(&mut self, x: u16, y: u16, width: u16, reach: u16) {
        let end = x.saturating_add(width);
        let (row, from, to) = if end < self.size.width {
            (y, end, end.saturating_add(reach).min(self.size.width))
        } else if y.saturating_add(1) < self.size.height {
            (y + 1, 0, width.saturating_add(reach).min(self.size.width))
        } else {
            return;
        };
        self.repair = Some(match self.repair {
            Some(repair) if repair.y == row => Repair {
                y: row,
                from: repair.from.min(from),
                to: repair.to.max(to),
            },
            _ => Repair { y: row, from, to },
        });
    }

    /// Paints again, from the shadow, every queued cell before (`x`, `y`) in reading
    /// order; the cell at (`x`, `y`) itself is about to be drawn.
    fn repair_before(&mut self, x: u16, y: u16) {
        while let Some(repair) = self.repair {
            if (repair.y, repair.from) >= (y, x) {
                return;
            }
            match self
                .index(repair.from, repair.y)
                .map(|index| self.shadow[index].clone())
            {
                Some(Shown::Glyph(cell)) => self.put(repair.from, repair.y, &cell),
                Some(Shown::RightPart) => self.repaired(repair.from, repair.y, 1),
                None => self.repair = None,
            }
        }
    }

    /// Sets the shadow's cells in `range` (indices) blank.
    fn blank(&mut self, range: std::ops::Range<usize>) {
        let end = range.end.min(self.shadow.len());
        let start = range.start.min(end);
        self.shadow[start..end].fill(BLANK);
    }
}

/// Whether `c` is a character no terminal takes for a combining or joining one (that
/// would add it to the glyph before it): printable ASCII, Latin, Greek and Cyrillic
/// letters, punctuation, arrows, mathematical and technical symbols, box drawing, block
/// elements, geometric shapes, dingbats, braille, kana, CJK ideographs, Hangul syllables
/// and the older emoji (but the skin tone modifiers): spacing characters assigned long
/// ago. Which other characters some terminal joins (format characters,
/// marks, emoji modifiers, regional indicators, code points it does not know) is
/// anyone's guess.
fn never_joins(c: char) -> bool {
    matches!(
        c,
        ' '..='~'
            | '\u{a0}'..='\u{ac}'
            | '\u{ae}'..='\u{24f}'
            | '\u{370}'..='\u{377}'
            | '\u{37a}'..='\u{37f}'
            | '\u{384}'..='\u{38a}'
            | '\u{38c}'
            | '\u{38e}'..='\u{3a1}'
            | '\u{3a3}'..='\u{3ff}'
            | '\u{400}'..='\u{482}'
            | '\u{48a}'..='\u{4ff}'
            | '\u{2010}'..='\u{2027}'
            | '\u{2030}'..='\u{205e}'
            | '\u{2190}'..='\u{23ff}'
            | '\u{2500}'..='\u{27bf}'
            | '\u{2800}'..='\u{28ff}'
            | '\u{3041}'..='\u{3096}'
            | '\u{30a1}'..='\u{30fa}'
            | '\u{4e00}'..='\u{9fd5}'
            | '\u{ac00}'..='\u{d7a3}'
            | '\u{1f300}'..='\u{1f3fa}'
            | '\u{1f400}'..='\u{1f64f}'
            | '\u{1f680}'..='\u{1f6c5}'
    )
}

/// The columns ratatui gives `c` alone.
fn char_width(c: char) -> u16 {
    c.encode_utf8(&mut [0; 4]).cell_width()
}

/// A plain cell's byte, or 0 when its symbol is not one byte.
fn symbol_byte(cell: &Cell) -> u8 {
    match cell.symbol().as_bytes() {
        [byte] => *byte,
        _ => 0,
    }
}

impl Backend for FrameBackend {
    type Error = Infallible;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Infallible>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        for (x, y, cell) in content {
            self.repair_before(x, y);
            self.put(x, y, cell);
        }
        self.repair_before(0, self.size.height);
        self.repair = None;
        // The terminal erases with the current colours: between frames they are the
        // default ones.
        self.set_pen(Pen::DEFAULT);
        Ok(())
    }

    fn hide_cursor(&mut self) -> Result<(), Infallible> {
        if self.cursor_shown != Some(false) {
            self.frame.extend_from_slice(b"\x1b[?25l");
            self.cursor_shown = Some(false);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> Result<(), Infallible> {
        if self.cursor_shown != Some(true) {
            self.frame.extend_from_slice(b"\x1b[?25h");
            self.cursor_shown = Some(true);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> Result<Position, Infallible> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Infallible> {
        let position = position.into();
        self.move_to(position.x, position.y);
        Ok(())
    }

    fn clear(&mut self) -> Result<(), Infallible> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Infallible> {
        self.set_pen(Pen::DEFAULT);
        if clear_type != ClearType::All {
            // Erasing starts at the cursor: it must be where ratatui put it.
            let Position { x, y } = self.cursor;
            self.move_to(x, y);
        }
        let width = usize::from(self.size.width);
        let cursor = self.index(self.cursor.x, self.cursor.y);
        let row = cursor.map(|index| index - index % width.max(1));
        let (sequence, range): (&[u8], _) = match clear_type {
            ClearType::All => (b"\x1b[2J", Some(0..self.shadow.len())),
            ClearType::AfterCursor => (b"\x1b[J", cursor.map(|index| index..self.shadow.len())),
            ClearType::BeforeCursor => (b"\x1b[1J", cursor.map(|index| 0..index + 1)),
            ClearType::CurrentLine => (b"\x1b[2K", row.map(|row| row..row + width)),
            ClearType::UntilNewLine => (b"\x1b[K", cursor.zip(row).map(|(index, row)| index..row + width)),
        };
        self.frame.extend_from_slice(sequence);
        if let Some(range) = range {
            self.blank(range);
        }
        Ok(())
    }

    fn size(&self) -> Result<Size, Infallible> {
        Ok(self.size)
    }

    fn window_size(&mut self) -> Result<WindowSize, Infallible> {
        // The size in pixels is not known here.
        Ok(WindowSize {
            columns_rows: self.size,
            pixels: Size::new(0, 0),
        })
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        // The frame stays in the buffer until it is taken.
        Ok(())
    }
}

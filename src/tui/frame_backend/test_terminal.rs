//! A small terminal for the tests: it reads what a backend writes and shows it in a grid,
//! giving characters the widths that a chosen kind of disagreeing terminal would. Box
//! drawing and ASCII always get one column; every other character is "doubtful".

use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthChar;
use vte::{Params, Parser, Perform};

/// How the terminal sizes doubtful characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Widths {
    /// As ratatui and the pane models do (unicode-width).
    Agreeing,
    /// Two columns each.
    Wide,
    /// Not drawn at all: the cursor stays, as tmux does with code points it does not
    /// know. Combining characters join the cell left of the cursor.
    Dropped,
    /// One column each, the wide ones too.
    Narrow,
    /// Combining characters drawn as characters of their own, one column each.
    SpacingMarks,
    /// Characters that some terminal may join to the glyph before them (all but those
    /// the backend knows never to be joined) taken for combining ones.
    Joining,
}

impl Widths {
    pub const DISAGREEING: [Widths; 5] = [
        Widths::Wide,
        Widths::Dropped,
        Widths::Narrow,
        Widths::SpacingMarks,
        Widths::Joining,
    ];

    /// Columns for `c`, or `None` for a character that joins the cell before it.
    fn of(self, c: char) -> Option<usize> {
        let standard = c.width().unwrap_or(0);
        if c.is_ascii() || ('\u{2500}'..='\u{257f}').contains(&c) {
            return Some(1);
        }
        match (self, standard) {
            (Widths::Joining, _) if !super::never_joins(c) => None,
            (Widths::SpacingMarks, 0) => Some(1),
            (_, 0) => None,
            (Widths::Agreeing | Widths::SpacingMarks | Widths::Joining, width) => Some(width),
            (Widths::Wide, _) => Some(2),
            (Widths::Dropped, _) => Some(0),
            (Widths::Narrow, _) => Some(1),
        }
    }
}

/// Colours and attributes of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub fg: Color,
    pub bg: Color,
    pub modifier: Modifier,
}

const DEFAULT_STYLE: Style = Style {
    fg: Color::Reset,
    bg: Color::Reset,
    modifier: Modifier::empty(),
};

/// One cell of the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenCell {
    /// The glyph starting here with its combining characters; empty in the right part
    /// of a wide glyph.
    pub text: String,
    pub style: Style,
}

impl ScreenCell {
    fn blank(style: Style) -> ScreenCell {
        ScreenCell {
            text: " ".into(),
            style,
        }
    }

    fn is_right_part(&self) -> bool {
        self.text.is_empty()
    }
}

/// The terminal's state.
pub struct TestTerminal {
    widths: Widths,
    width: usize,
    height: usize,
    cells: Vec<ScreenCell>,
    x: usize,
    y: usize,
    /// Printed into the last column: the next character goes to the next row.
    wrap_pending: bool,
    style: Style,
    pub cursor_shown: bool,
    /// How many rows scrolled off the top.
    pub scrolled: usize,
    /// Anything but CUP, SGR, ED, EL, the cursor's visibility and text.
    pub unexpected: Vec<String>,
    parser: Parser,
}

impl TestTerminal {
    pub fn new(width: usize, height: usize, widths: Widths) -> TestTerminal {
        TestTerminal {
            widths,
            width,
            height,
            cells: vec![ScreenCell::blank(DEFAULT_STYLE); width * height],
            x: 0,
            y: 0,
            wrap_pending: false,
            style: DEFAULT_STYLE,
            cursor_shown: true,
            scrolled: 0,
            unexpected: Vec::new(),
            parser: Parser::new(),
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        let mut parser = std::mem::take(&mut self.parser);
        parser.advance(self, bytes);
        self.parser = parser;
    }

    pub fn cell(&self, x: usize, y: usize) -> &ScreenCell {
        &self.cells[y * self.width + x]
    }

    /// A row as text, wide glyphs once.
    pub fn row(&self, y: usize) -> String {
        (0..self.width).map(|x| self.cell(x, y).text.as_str()).collect()
    }

    pub fn widths(&self) -> Widths {
        self.widths
    }

    pub fn cursor(&self) -> (usize, usize) {
        (self.x, self.y)
    }

    fn index(&self, x: usize, y: usize) -> usize {
        y * self.width + x
    }

    fn new_line(&mut self) {
        self.x = 0;
        if self.y + 1 < self.height {
            self.y += 1;
        } else {
            self.cells.drain(..self.width);
            let blank = ScreenCell::blank(self.style);
            self.cells.extend(std::iter::repeat_n(blank, self.width));
            self.scrolled += 1;
        }
    }

    /// Blanks the wide glyph that covers (`x`, row `y`), all of it, if there is one.
    fn break_glyph_at(&mut self, x: usize, y: usize) {
        let mut head = x;
        while head > 0 && self.cell(head, y).is_right_part() {
            head -= 1;
        }
        let mut end = head + 1;
        while end < self.width && self.cell(end, y).is_right_part() {
            end += 1;
        }
        if end - head > 1 {
            for column in head..end {
                let index = self.index(column, y);
                self.cells[index] = ScreenCell::blank(self.cells[index].style);
            }
        }
    }

    fn join(&mut self, c: char) {
        let mut x = if self.wrap_pending {
            self.x
        } else if self.x > 0 {
            self.x - 1
        } else {
            return;
        };
        while x > 0 && self.cell(x, self.y).is_right_part() {
            x -= 1;
        }
        let index = self.index(x, self.y);
        self.cells[index].text.push(c);
    }

    fn erase(&mut self, range: std::ops::Range<usize>) {
        let blank = ScreenCell::blank(self.style);
        self.cells[range].fill(blank);
    }
}

impl std::fmt::Debug for TestTerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a terminal with {:?} widths", self.widths)
    }
}

impl Perform for TestTerminal {
    fn print(&mut self, c: char) {
        let Some(width) = self.widths.of(c) else {
            return self.join(c);
        };
        if width == 0 {
            return;
        }
        if self.wrap_pending {
            self.wrap_pending = false;
            self.new_line();
        }
        if self.x + width > self.width {
            // A wide glyph that does not fit: the rest of the row stays blank, and it
            // goes on the next one.
            self.break_glyph_at(self.x, self.y);
            let index = self.index(self.x, self.y);
            self.cells[index] = ScreenCell::blank(self.style);
            self.new_line();
        }
        for column in self.x..self.x + width {
            self.break_glyph_at(column, self.y);
        }
        let index = self.index(self.x, self.y);
        self.cells[index] = ScreenCell {
            text: c.to_string(),
            style: self.style,
        };
        for offset in 1..width {
            self.cells[index + offset] = ScreenCell {
                text: String::new(),
                style: self.style,
            };
        }
        self.x += width;
        if self.x >= self.width {
            self.x = self.width - 1;
            self.wrap_pending = true;
        }
    }

    fn execute(&mut self, byte: u8) {
        self.unexpected.push(format!("control byte {byte:#04x}"));
    }

    fn hook(&mut self, _params: &Params, _intermediates: &[u8], _ignore: bool, action: char) {
        self.unexpected.push(format!("DCS {action:?}"));
    }

    fn osc_dispatch(&mut self, _params: &[&[u8]], _bell_terminated: bool) {
        self.unexpected.push("OSC".into());
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], _ignore: bool, byte: u8) {
        self.unexpected
            .push(format!("ESC {intermediates:?} {:?}", byte as char));
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], _ignore: bool, action: char) {
        let values: Vec<u16> = params.iter().flat_map(|param| param.iter().copied()).collect();
        let first = |default: u16| {
            values
                .first()
                .copied()
                .filter(|&value| value != 0)
                .unwrap_or(default)
        };
        match (intermediates, action) {
            ([], 'H') => {
                let row = usize::from(first(1));
                let column = usize::from(values.get(1).copied().filter(|&value| value != 0).unwrap_or(1));
                self.y = row.min(self.height) - 1;
                self.x = column.min(self.width) - 1;
                self.wrap_pending = false;
            }
            ([], 'm') => self.style = apply_sgr(self.style, &values),
            ([], 'J') => {
                let at = self.index(self.x, self.y);
                let end = self.cells.len();
                match values.first().copied().unwrap_or(0) {
                    0 => self.erase(at..end),
                    1 => self.erase(0..at + 1),
                    _ => self.erase(0..end),
                }
            }
            ([], 'K') => {
                let row = self.index(0, self.y);
                let at = self.index(self.x, self.y);
                match values.first().copied().unwrap_or(0) {
                    0 => self.erase(at..row + self.width),
                    1 => self.erase(row..at + 1),
                    _ => self.erase(row..row + self.width),
                }
            }
            ([b'?'], 'h' | 'l') if values == [25] => self.cursor_shown = action == 'h',
            _ => self
                .unexpected
                .push(format!("CSI {intermediates:?} {values:?} {action:?}")),
        }
    }
}

/// The style after SGR `values`.
fn apply_sgr(mut style: Style, values: &[u16]) -> Style {
    let mut values = values.iter().copied();
    let named = |index: u16| match index {
        0 => Color::Black,
        1 => Color::Red,
        2 => Color::Green,
        3 => Color::Yellow,
        4 => Color::Blue,
        5 => Color::Magenta,
        6 => Color::Cyan,
        7 => Color::Gray,
        8 => Color::DarkGray,
        9 => Color::LightRed,
        10 => Color::LightGreen,
        11 => Color::LightYellow,
        12 => Color::LightBlue,
        13 => Color::LightMagenta,
        14 => Color::LightCyan,
        15 => Color::White,
        _ => Color::Indexed(index as u8),
    };
    let extended = |values: &mut dyn Iterator<Item = u16>| match values.next() {
        Some(5) => named(values.next().unwrap_or(0)),
        Some(2) => {
            let mut channel = || values.next().unwrap_or(0) as u8;
            Color::Rgb(channel(), channel(), channel())
        }
        _ => Color::Reset,
    };
    let modifiers = [
        Modifier::BOLD,
        Modifier::DIM,
        Modifier::ITALIC,
        Modifier::UNDERLINED,
        Modifier::SLOW_BLINK,
        Modifier::RAPID_BLINK,
        Modifier::REVERSED,
        Modifier::HIDDEN,
        Modifier::CROSSED_OUT,
    ];
    if values.len() == 0 {
        return DEFAULT_STYLE;
    }
    while let Some(value) = values.next() {
        match value {
            0 => style = DEFAULT_STYLE,
            1..=9 => style.modifier |= modifiers[usize::from(value) - 1],
            22 => style.modifier -= Modifier::BOLD | Modifier::DIM,
            25 => style.modifier -= Modifier::SLOW_BLINK | Modifier::RAPID_BLINK,
            23 | 24 | 27 | 28 | 29 => style.modifier -= modifiers[usize::from(value) - 21],
            30..=37 => style.fg = named(value - 30),
            90..=97 => style.fg = named(value - 90 + 8),
            40..=47 => style.bg = named(value - 40),
            100..=107 => style.bg = named(value - 100 + 8),
            38 => style.fg = extended(&mut values),
            48 => style.bg = extended(&mut values),
            // The underline colour is not kept.
            58 => {
                extended(&mut values);
            }
            39 => style.fg = Color::Reset,
            49 => style.bg = Color::Reset,
            _ => {}
        }
    }
    style
}

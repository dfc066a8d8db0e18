//! Drawing a pane's terminal model into a ratatui buffer with the theme's colours.
//!
//! # What each cell's symbol is
//!
//! A cell's symbol is its character with the combining characters on it, chosen so that
//! ratatui (which sizes symbols with `unicode-width`) gives it exactly the width the
//! model gives the cell: 2 for a wide character, 1 for anything else. If the two
//! disagreed, ratatui's diff would skip a neighbour or leave half a glyph behind.
//!
//! - Default-ignorable code points (variation selectors such as U+FE0F, joiners such as
//!   U+200D, bidi controls, tags…) are not drawn. They are invisible by definition, and
//!   the ones that matter make terminals widen or join glyphs the model keeps apart:
//!   `❤` + U+FE0F is one column in the model and two in ratatui and many terminals, and
//!   the model gives each emoji of a joined family its own cells.
//! - If the symbol still has another width (ratatui counts some sequences and halfwidth
//!   sound marks differently), the character alone is drawn; if even that has another
//!   width, a replacement of the cell's width is: U+FFFD, or U+FF1F for a wide cell.
//! - A wide character whose right half lies outside the drawn area is drawn as a blank.
//!
//! Characters whose width other terminals may see differently — private use, unassigned
//! code points, emoji that may be presented wide, ambiguous East Asian widths, combining
//! marks — are drawn as they are, not replaced: [`FrameBackend`] places the cell after
//! each of them explicitly and paints it again, so they cannot overflow their cells.
//! Replacing them instead would hide icon fonts, emoji, CJK punctuation and box drawing
//! (itself ambiguous width, and what the panes' borders are made of).
//!
//! [`FrameBackend`]: super::frame_backend::FrameBackend

use super::theme::{Rgb, Theme};
use crate::term::xterm_color;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::{Cell as TermCell, Flags};
use alacritty_terminal::term::{Term, TermMode};
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use vte::ansi::{Color as TermColor, NamedColor};

/// Draws the visible part of `term` (its view, scrolled or not) into `area`, highlighting
/// every occurrence of `search` (when given). Returns where the cursor is, when it is
/// visible in the area.
pub fn render_terminal<T>(
    term: &Term<T>,
    theme: &Theme,
    area: Rect,
    buffer: &mut Buffer,
    search: Option<&str>,
) -> Option<Position> {
    render_terminal_rows(term, theme, area, buffer, search, |_| true)
}

/// [`render_terminal`] for the rows of the view for which `changed` is true; the cells of
/// the other rows are left as they are.
pub fn render_terminal_rows<T>(
    term: &Term<T>,
    theme: &Theme,
    area: Rect,
    buffer: &mut Buffer,
    search: Option<&str>,
    changed: impl Fn(usize) -> bool,
) -> Option<Position> {
    let grid = term.grid();
    let offset = grid.display_offset() as i32;
    let (area, rows) = model_area(area, buffer.area, grid.screen_lines())?;
    let columns = usize::from(area.width).min(grid.columns());
    let default_style = Style::new().fg(rgb(theme.foreground)).bg(rgb(theme.background));
    // Every cell of the grid's part is set below; only what lies beyond it (an area larger
    // than the model, while a resize settles) takes the default style here.
    let beyond_columns = Rect::new(
        area.x + columns as u16,
        area.y,
        area.width - columns as u16,
        area.height,
    );
    let beyond_rows = Rect::new(
        area.x,
        area.y + rows as u16,
        columns as u16,
        area.height - rows as u16,
    );
    buffer.set_style(beyond_columns, default_style);
    buffer.set_style(beyond_rows, default_style);
    // Most cells share their colours with the cell before: each model colour is looked up
    // in the palette once per run of equal ones.
    let mut colours = ColourCache::new(term, theme);
    // One string for every cell's symbol: no allocation per cell on each frame.
    let mut symbol = String::new();
    for row in (0..rows).filter(|&row| changed(row)) {
        let line = &grid[Line(row as i32 - offset)];
        let y = area.y + row as u16;
        let highlighted = search
            .map(|needle| matches_in_row(line, columns, needle))
            .unwrap_or_default();
        let start = buffer.index_of(area.x, y);
        let targets = &mut buffer.content[start..start + columns];
        for (column, target) in targets.iter_mut().enumerate() {
            let cell = &line[Column(column)];
            if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
                // The wide character to the left covers this cell; ratatui skips it.
                target.set_symbol(" ").set_style(default_style);
                continue;
            }
            let width = if !cell.flags.contains(Flags::WIDE_CHAR) {
                1
            } else if column + 1 < columns {
                2
            } else {
                // Its right half would be outside the area, over the border.
                target.set_symbol(" ").set_style(cell_style(&mut colours, cell));
                continue;
            };
            if width == 1 && (cell.c == ' ' || cell.c.is_ascii_graphic()) && cell.zerowidth().is_none() {
                // Printable ASCII alone is one column wide whatever measures it. The cell
                // often holds that character already (a blank, on a buffer just reset):
                // then no new string.
                if target.symbol().as_bytes() != [cell.c as u8] {
                    target.set_char(cell.c);
                }
            } else {
                cell_symbol(cell, width, &mut symbol);
                target.set_symbol(&symbol);
            }
            let mut style = cell_style(&mut colours, cell);
            if highlighted.get(column).copied().unwrap_or(false) {
                style = style.bg(rgb(theme.search_match)).fg(rgb(theme.background));
            }
            target.set_style(style);
        }
    }
    let cursor = grid.cursor.point;
    let cursor_row = cursor.line.0 + offset;
    let visible = term.mode().contains(TermMode::SHOW_CURSOR)
        && (0..rows as i32).contains(&cursor_row)
        && cursor.column.0 < columns;
    visible.then(|| Position::new(area.x + cursor.column.0 as u16, area.y + cursor_row as u16))
}

/// Where [`render_terminal`] draws a model of `model_rows` rows given `area` on `screen`:
/// the part of `area` on the screen, and how many of its first rows show the model's
/// (the rest, while a resize settles, are blank). `None` when it draws nothing: panes lie
/// within the screen, and an area that does not start on it shows nothing.
///
/// ```
/// use perdix::tui::render::model_area;
/// use ratatui::layout::Rect;
///
/// let screen = Rect::new(0, 0, 80, 24);
/// assert_eq!(model_area(Rect::new(1, 20, 40, 10), screen, 30), Some((Rect::new(1, 20, 40, 4), 4)));
/// assert_eq!(model_area(Rect::new(1, 1, 40, 10), screen, 6), Some((Rect::new(1, 1, 40, 10), 6)));
/// assert_eq!(model_area(Rect::new(90, 1, 40, 10), screen, 6), None);
/// ```
pub fn model_area(area: Rect, screen: Rect, model_rows: usize) -> Option<(Rect, usize)> {
    if !screen.contains(area.as_position()) {
        return None;
    }
    let area = area.intersection(screen);
    Some((area, usize::from(area.height).min(model_rows)))
}

/// The palette colour of the last model colour looked up, for the foreground and the
/// background each.
struct ColourCache<'a, T> {
    term: &'a Term<T>,
    theme: &'a Theme,
    foreground: Option<(TermColor, Color)>,
    background: Option<(TermColor, Color)>,
}

impl<'a, T> ColourCache<'a, T> {
    fn new(term: &'a Term<T>, theme: &'a Theme) -> ColourCache<'a, T> {
        ColourCache {
            term,
            theme,
            foreground: None,
            background: None,
        }
    }

    fn get(&mut self, model: TermColor, foreground: bool) -> Color {
        let last = if foreground {
            &mut self.foreground
        } else {
            &mut self.background
        };
        match last {
            Some((seen, drawn)) if *seen == model => *drawn,
            _ => {
                let drawn = color(self.term, self.theme, model, foreground);
                *last = Some((model, drawn));
                drawn
            }
        }
    }
}

/// Sets `symbol` to what is drawn for `cell`, `width` columns wide (see the module
/// documentation): its character and combining characters without default-ignorable code
/// points, or less, so that ratatui gives it `width` columns.
fn cell_symbol(cell: &TermCell, width: u16, symbol: &mut String) {
    let base = if cell.c.is_control() { ' ' } else { cell.c };
    symbol.clear();
    symbol.push(base);
    if let Some(combining) = cell.zerowidth() {
        symbol.extend(
            combining
                .iter()
                .filter(|&&c| !c.is_control() && !is_default_ignorable(c)),
        );
    }
    if symbol.cell_width() == width {
        return;
    }
    symbol.clear();
    symbol.push(base);
    if symbol.cell_width() != width {
        symbol.clear();
        symbol.push(if width == 2 { '\u{ff1f}' } else { '\u{fffd}' });
    }
}

/// Unicode's default-ignorable code points (`Default_Ignorable_Code_Point` in
/// DerivedCoreProperties.txt): drawn as nothing by a renderer that does not support them.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{61c}'
            | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fff8}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// Which of the row's first `columns` cells belong to an occurrence of `needle`.
fn matches_in_row(line: &alacritty_terminal::grid::Row<TermCell>, columns: usize, needle: &str) -> Vec<bool> {
    let mut marks = vec![false; columns];
    if needle.is_empty() {
        return marks;
    }
    let cells: Vec<(usize, char)> = (0..columns)
        .filter(|&column| !line[Column(column)].flags.contains(Flags::WIDE_CHAR_SPACER))
        .map(|column| (column, line[Column(column)].c))
        .collect();
    let needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    let text: Vec<char> = cells
        .iter()
        .map(|&(_, c)| c.to_lowercase().next().unwrap_or(c))
        .collect();
    if needle.len() > text.len() {
        return marks;
    }
    for start in 0..=text.len() - needle.len() {
        if text[start..start + needle.len()] == needle[..] {
            for &(column, _) in &cells[start..start + needle.len()] {
                marks[column] = true;
                if let Some(next) = marks.get_mut(column + 1) {
                    // A wide character's spacer is part of the match too.
                    *next |= line[Column(column)].flags.contains(Flags::WIDE_CHAR);
                }
            }
        }
    }
    marks
}

fn cell_style<T>(colours: &mut ColourCache<'_, T>, cell: &TermCell) -> Style {
    let mut fg = colours.get(cell.fg, true);
    let mut bg = colours.get(cell.bg, false);
    let flags = cell.flags;
    let mut modifier = Modifier::empty();
    for (flag, modifier_bit) in [
        (Flags::BOLD, Modifier::BOLD),
        (Flags::DIM, Modifier::DIM),
        (Flags::ITALIC, Modifier::ITALIC),
        (Flags::ALL_UNDERLINES, Modifier::UNDERLINED),
        (Flags::HIDDEN, Modifier::HIDDEN),
        (Flags::STRIKEOUT, Modifier::CROSSED_OUT),
    ] {
        if flags.intersects(flag) {
            modifier |= modifier_bit;
        }
    }
    if flags.contains(Flags::INVERSE) {
        std::mem::swap(&mut fg, &mut bg);
    }
    Style::new().fg(fg).bg(bg).add_modifier(modifier)
}

/// A model colour in the theme's palette; colours the program set (OSC 4/10/11) win.
fn color<T>(term: &Term<T>, theme: &Theme, color: TermColor, foreground: bool) -> Color {
    let palette = |index: usize| -> Rgb {
        if let Some(set) = term.colors()[index] {
            return Rgb::new(set.r, set.g, set.b);
        }
        match index {
            0..=15 => theme.ansi[index],
            _ if index == NamedColor::Foreground as usize => theme.foreground,
            _ if index == NamedColor::Background as usize => theme.background,
            _ if index == NamedColor::Cursor as usize => theme.cursor,
            _ => {
                let xterm = xterm_color(index);
                Rgb::new(xterm.r, xterm.g, xterm.b)
            }
        }
    };
    let value = match color {
        TermColor::Spec(spec) => Rgb::new(spec.r, spec.g, spec.b),
        TermColor::Indexed(index) => palette(usize::from(index)),
        TermColor::Named(named) => {
            let index = named as usize;
            match named {
                NamedColor::BrightForeground | NamedColor::DimForeground => theme.foreground,
                _ if index >= NamedColor::DimBlack as usize => {
                    // Dim colours: the normal colour at two thirds.
                    let base = palette(index - NamedColor::DimBlack as usize);
                    Rgb::new(dim(base.r), dim(base.g), dim(base.b))
                }
                _ if index < 256 || index <= NamedColor::Cursor as usize => palette(index),
                _ if foreground => theme.foreground,
                _ => theme.background,
            }
        }
    };
    rgb(value)
}

fn dim(channel: u8) -> u8 {
    (u16::from(channel) * 2 / 3) as u8
}

/// A theme colour for ratatui.
pub fn rgb(color: Rgb) -> Color {
    Color::Rgb(color.r, color.g, color.b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alacritty_terminal::event::VoidListener;
    use alacritty_terminal::term::test::TermSize;
    use alacritty_terminal::term::Config;

    /// A model of `columns` × 2 that was sent `bytes`, drawn into a buffer `area_width`
    /// wide.
    fn drawn(bytes: &str, columns: usize, area_width: u16) -> (Term<VoidListener>, Buffer) {
        let mut term = Term::new(Config::default(), &TermSize::new(columns, 2), VoidListener);
        let mut processor: vte::ansi::Processor = vte::ansi::Processor::new();
        processor.advance(&mut term, bytes.as_bytes());
        let area = Rect::new(0, 0, area_width, 2);
        let mut buffer = Buffer::empty(area);
        render_terminal(&term, &Theme::default(), area, &mut buffer, None);
        (term, buffer)
    }

    fn symbols(buffer: &Buffer, row: u16) -> Vec<String> {
        (0..buffer.area.width)
            .map(|x| buffer[(x, row)].symbol().to_string())
            .collect()
    }

    #[test]
    fn every_symbol_has_the_width_the_model_gives_its_cell() {
        let doubtful = "❤\u{fe0f}☺\u{fe0f}👨\u{200d}👩\u{200d}👧👍🏽🇺🇸e\u{301}\u{e000}\u{378}\u{378}\u{301}\
                        \u{1fae8}ｶﾞ1\u{fe0f}\u{20e3}🏴\u{e0067}\u{e0062}\u{e007f}a\u{200b}b中≈\u{f0000}";
        let (term, buffer) = drawn(doubtful, 40, 40);
        let line = &term.grid()[Line(0)];
        for x in 0..40 {
            let cell = &line[Column(x)];
            if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
                continue;
            }
            let width = if cell.flags.contains(Flags::WIDE_CHAR) {
                2
            } else {
                1
            };
            let symbol = buffer[(x as u16, 0)].symbol();
            assert_eq!(
                symbol.cell_width(),
                width,
                "column {x}: {symbol:?} for {:?} + {:?}",
                cell.c,
                cell.zerowidth()
            );
        }
    }

    #[test]
    fn joiners_and_presentation_selectors_are_left_out_and_unfit_symbols_replaced() {
        let (_, buffer) = drawn("❤\u{fe0f}👨\u{200d}👩e\u{301}ｶﾞ\u{e000}", 12, 12);
        let expected = [
            "❤", "👨", " ", "👩", " ", "e\u{301}", "ｶ", "\u{fffd}", "\u{e000}", " ", " ", " ",
        ];
        assert_eq!(symbols(&buffer, 0), expected);
    }

    #[test]
    fn cells_are_drawn_in_the_colours_the_theme_s_palette_answers_with() {
        // Colour answers must name what the user sees: every indexed colour, and the
        // default text and background, drawn as the palette says, in every theme.
        let mut bytes = String::new();
        for index in 0..256 {
            bytes.push_str(&format!("\x1b[38;5;{index}mX"));
        }
        bytes.push_str("\x1b[0mD");
        for name in Theme::builtin_names() {
            let theme = Theme::builtin(name).unwrap();
            let palette = theme.palette();
            let mut term = Term::new(Config::default(), &TermSize::new(16, 18), VoidListener);
            let mut processor: vte::ansi::Processor = vte::ansi::Processor::new();
            processor.advance(&mut term, bytes.as_bytes());
            let area = Rect::new(0, 0, 16, 18);
            let mut buffer = Buffer::empty(area);
            render_terminal(&term, &theme, area, &mut buffer, None);
            let drawn = |x: u16, y: u16| buffer[(x, y)].style();
            let colour = |rgb: vte::ansi::Rgb| Some(Color::Rgb(rgb.r, rgb.g, rgb.b));
            for index in 0..256 {
                let (x, y) = ((index % 16) as u16, (index / 16) as u16);
                assert_eq!(
                    drawn(x, y).fg,
                    colour(palette.color(index)),
                    "{name}: colour {index}"
                );
            }
            assert_eq!(drawn(0, 16).fg, colour(palette.foreground), "{name}");
            assert_eq!(drawn(0, 16).bg, colour(palette.background), "{name}");
            assert_eq!(drawn(5, 17).bg, colour(palette.background), "{name}");
        }
    }

    #[test]
    fn a_wide_character_cut_by_the_area_edge_is_a_blank() {
        // The model is wider than the area (as while a resize settles): the wide
        // character's right half would be drawn over the border.
        let (_, buffer) = drawn("abc中", 6, 4);
        assert_eq!(symbols(&buffer, 0), ["a", "b", "c", " "]);
        assert!(symbols(&buffer, 0).iter().all(|symbol| symbol.cell_width() == 1));
    }
}

//! Drawing a pane's terminal model into a ratatui buffer with the theme's colours.

use super::theme::{Rgb, Theme};
use crate::term::xterm_color;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::{Cell as TermCell, Flags};
use alacritty_terminal::term::{Term, TermMode};
use ratatui::buffer::Buffer;
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
    let grid = term.grid();
    let offset = grid.display_offset() as i32;
    let rows = usize::from(area.height).min(grid.screen_lines());
    let columns = usize::from(area.width).min(grid.columns());
    let default_style = Style::new().fg(rgb(theme.foreground)).bg(rgb(theme.background));
    buffer.set_style(area, default_style);
    // One string for every cell's symbol: no allocation per cell on each frame.
    let mut symbol = String::new();
    for row in 0..rows {
        let line = &grid[Line(row as i32 - offset)];
        let y = area.y + row as u16;
        let highlighted = search
            .map(|needle| matches_in_row(line, columns, needle))
            .unwrap_or_default();
        for column in 0..columns {
            let cell = &line[Column(column)];
            let Some(target) = buffer.cell_mut(Position::new(area.x + column as u16, y)) else {
                continue;
            };
            if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
                // The wide character to the left covers this cell; ratatui skips it.
                target.set_symbol(" ");
                continue;
            }
            symbol.clear();
            symbol.push(match cell.c {
                '\t' => ' ',
                c if c.is_control() => ' ',
                c => c,
            });
            if let Some(combining) = cell.zerowidth() {
                symbol.extend(combining);
            }
            let mut style = cell_style(term, theme, cell);
            if highlighted.get(column).copied().unwrap_or(false) {
                style = style.bg(rgb(theme.search_match)).fg(rgb(theme.background));
            }
            target.set_symbol(&symbol).set_style(style);
        }
    }
    let cursor = grid.cursor.point;
    let cursor_row = cursor.line.0 + offset;
    let visible = term.mode().contains(TermMode::SHOW_CURSOR)
        && (0..rows as i32).contains(&cursor_row)
        && cursor.column.0 < columns;
    visible.then(|| Position::new(area.x + cursor.column.0 as u16, area.y + cursor_row as u16))
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

fn cell_style<T>(term: &Term<T>, theme: &Theme, cell: &TermCell) -> Style {
    let mut fg = color(term, theme, cell.fg, true);
    let mut bg = color(term, theme, cell.bg, false);
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

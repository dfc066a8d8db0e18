//! A pane's lines with their colours and styles, as SGR sequences a terminal shows the
//! same way: what `perdix-tui capture --ansi` prints.

use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::term::Term;
use alacritty_terminal::vte::ansi::{Color, NamedColor};
use std::fmt::Write;

/// The styles a line's text keeps, each with its SGR parameter.
const STYLES: [(Flags, &str); 11] = [
    (Flags::BOLD, "1"),
    (Flags::DIM, "2"),
    (Flags::ITALIC, "3"),
    (Flags::UNDERLINE, "4"),
    (Flags::DOUBLE_UNDERLINE, "4:2"),
    (Flags::UNDERCURL, "4:3"),
    (Flags::DOTTED_UNDERLINE, "4:4"),
    (Flags::DASHED_UNDERLINE, "4:5"),
    (Flags::INVERSE, "7"),
    (Flags::HIDDEN, "8"),
    (Flags::STRIKEOUT, "9"),
];

/// Every flag in [`STYLES`]: what of a cell's flags is its look.
const STYLE_FLAGS: Flags = {
    let mut all = Flags::empty();
    let mut index = 0;
    while index < STYLES.len() {
        all = all.union(STYLES[index].0);
        index += 1;
    }
    all
};

/// The look of a cell: colours and styles.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    flags: Flags,
}

impl Pen {
    const PLAIN: Pen = Pen {
        fg: Color::Named(NamedColor::Foreground),
        bg: Color::Named(NamedColor::Background),
        flags: Flags::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            flags: cell.flags & STYLE_FLAGS,
        }
    }

    /// `ESC [ 0 ; … m` setting this pen from scratch.
    fn sequence(&self) -> String {
        let mut params = vec!["0".to_owned()];
        params.extend(
            STYLES
                .iter()
                .filter(|(flag, _)| self.flags.contains(*flag))
                .map(|(_, param)| (*param).to_owned()),
        );
        params.extend(colour(self.fg, false));
        params.extend(colour(self.bg, true));
        format!("\x1b[{}m", params.join(";"))
    }
}

/// The SGR parameters of a colour; none for the default colours.
fn colour(colour: Color, background: bool) -> Option<String> {
    let (base, bright, extended) = if background { (40, 100, 48) } else { (30, 90, 38) };
    match colour {
        Color::Spec(rgb) => Some(format!("{extended};2;{};{};{}", rgb.r, rgb.g, rgb.b)),
        Color::Indexed(index) => Some(format!("{extended};5;{index}")),
        Color::Named(named) => {
            let index = match named {
                NamedColor::Foreground
                | NamedColor::Background
                | NamedColor::Cursor
                | NamedColor::BrightForeground
                | NamedColor::DimForeground => return None,
                // Dim colours are their base colour drawn dim (the flag says so).
                NamedColor::DimBlack => 0,
                NamedColor::DimRed => 1,
                NamedColor::DimGreen => 2,
                NamedColor::DimYellow => 3,
                NamedColor::DimBlue => 4,
                NamedColor::DimMagenta => 5,
                NamedColor::DimCyan => 6,
                NamedColor::DimWhite => 7,
                named => named as usize,
            };
            Some(match index {
                0..=7 => format!("{}", base + index),
                8..=15 => format!("{}", bright + index - 8),
                _ => return None,
            })
        }
    }
}

/// Grid line `line` (negative lines are scrollback) with SGR sequences wherever the look
/// changes, and a reset at the end if the look is not plain there; trailing blanks on the
/// default background trimmed. The text is [`line_text`](super::line_text)'s.
pub fn line_ansi<T>(term: &Term<T>, line: Line) -> String {
    let grid = term.grid();
    let row = &grid[line];
    // The last cell that shows something: text, or a coloured background.
    let end = (0..grid.columns())
        .rev()
        .find(|&column| {
            let cell = &row[Column(column)];
            !matches!(cell.c, ' ' | '\t') || cell.bg != Color::Named(NamedColor::Background)
        })
        .map_or(0, |last| last + 1);
    let mut text = String::new();
    let mut pen = Pen::PLAIN;
    for column in 0..end {
        let cell = &row[Column(column)];
        if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
            continue;
        }
        let wanted = Pen::of(cell);
        if wanted != pen {
            text.push_str(&wanted.sequence());
            pen = wanted;
        }
        super::screen::push_cell_text(cell, &mut text);
    }
    if pen != Pen::PLAIN {
        let _ = write!(text, "\x1b[0m");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pty::PaneSize;
    use crate::term::{PaneConfig, PaneTerminal};

    fn replayed(bytes: &[u8]) -> PaneTerminal {
        let mut engine = crate::backend::AnyEngine::new(crate::parse::BackendKind::Cpu).unwrap();
        let mut terminal = PaneTerminal::new(PaneSize::new(40, 3), PaneConfig::default());
        for (_, records) in engine.parse(&[(0, bytes)]).unwrap().streams() {
            terminal.apply_records(records).unwrap();
        }
        terminal
    }

    #[test]
    fn colours_and_styles_come_back_as_sgr_and_plain_text_stays_plain() {
        let terminal = replayed(
            b"plain \x1b[1;31mred\x1b[0m \x1b[38;5;208m\x1b[48;2;1;2;3morange\x1b[0m\r\n\
              \x1b[4:3;92mcurl\x1b[m \xe6\x97\xa5\r\n\x1b[44m  \x1b[0m   ",
        );
        let term = terminal.term();
        assert_eq!(
            line_ansi(term, Line(0)),
            "plain \x1b[0;1;31mred\x1b[0m \x1b[0;38;5;208;48;2;1;2;3morange\x1b[0m"
        );
        assert_eq!(line_ansi(term, Line(1)), "\x1b[0;4:3;92mcurl\x1b[0m 日");
        // A coloured background is kept even where there is no text.
        assert_eq!(line_ansi(term, Line(2)), "\x1b[0;44m  \x1b[0m");
        // Without the sequences, the text is the plain capture's.
        let sgr = regex::Regex::new("\x1b\\[[0-9;:]*m").unwrap();
        for row in 0..3 {
            let stripped = crate::term::line_text(term, Line(row));
            let ansi = line_ansi(term, Line(row));
            assert_eq!(sgr.replace_all(&ansi, "").trim_end(), stripped);
        }
    }
}

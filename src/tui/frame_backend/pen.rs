//! The graphic rendition (SGR) the outer terminal draws with, and the shortest sequence
//! that changes it from one cell's style to the next.

use ratatui::buffer::Cell;
use ratatui::style::{Color, Modifier};
use std::io::Write;

/// Colours and attributes the terminal applies to what is printed next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pen {
    pub fg: Color,
    pub bg: Color,
    pub underline: Color,
    pub modifier: Modifier,
}

impl Pen {
    /// What `SGR 0` leaves, and what a terminal starts with.
    pub const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    /// The pen `cell` is drawn with.
    pub fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }

    /// Appends to `out` the SGR sequences that turn `self` into `to`: nothing when they
    /// are equal, otherwise the changes only, or a reset followed by `to`'s settings when
    /// that is shorter.
    pub fn change_to(&self, to: &Pen, out: &mut Vec<u8>) {
        if self == to {
            return;
        }
        let mut changes = Vec::with_capacity(32);
        push_modifier_changes(self.modifier, to.modifier, &mut changes);
        if self.fg != to.fg {
            push_color(to.fg, Layer::Foreground, &mut changes);
        }
        if self.bg != to.bg {
            push_color(to.bg, Layer::Background, &mut changes);
        }
        let mut from_reset = Vec::with_capacity(32);
        from_reset.push(b'0');
        push_modifier_changes(Modifier::empty(), to.modifier, &mut from_reset);
        if to.fg != Color::Reset {
            push_color(to.fg, Layer::Foreground, &mut from_reset);
        }
        if to.bg != Color::Reset {
            push_color(to.bg, Layer::Background, &mut from_reset);
        }
        // The underline colour (SGR 58) travels in a sequence of its own: a terminal that
        // does not know it then skips that sequence only, not the colours after it.
        let underline_changes = self.underline != to.underline;
        let reset_clears_underline = to.underline == Color::Reset;
        let reset_needs_underline = !reset_clears_underline;
        let incremental = changes.len() + if underline_changes { 16 } else { 0 };
        let resetting = from_reset.len() + if reset_needs_underline { 16 } else { 0 };
        let reset = resetting < incremental;
        let params = if reset { &from_reset } else { &changes };
        if !params.is_empty() {
            out.extend_from_slice(b"\x1b[");
            out.extend_from_slice(params);
            out.push(b'm');
        }
        if (reset && reset_needs_underline) || (!reset && underline_changes) {
            let mut underline = Vec::with_capacity(16);
            push_color(to.underline, Layer::Underline, &mut underline);
            out.extend_from_slice(b"\x1b[");
            out.extend_from_slice(&underline);
            out.push(b'm');
        }
    }
}

/// Appends one SGR parameter (with its `;` separator when others came before).
fn push_param(param: impl std::fmt::Display, params: &mut Vec<u8>) {
    if !params.is_empty() {
        params.push(b';');
    }
    // Writing into a vector cannot fail.
    let _ = write!(params, "{param}");
}

/// Each attribute's SGR numbers: set, and reset.
const ATTRIBUTES: [(Modifier, u8, u8); 5] = [
    (Modifier::ITALIC, 3, 23),
    (Modifier::UNDERLINED, 4, 24),
    (Modifier::REVERSED, 7, 27),
    (Modifier::HIDDEN, 8, 28),
    (Modifier::CROSSED_OUT, 9, 29),
];

/// The parameters that turn attributes `from` into `to`. Bold and dim share their reset
/// (22), and so do the two blinks (25): the one that stays is set again after it.
fn push_modifier_changes(from: Modifier, to: Modifier, params: &mut Vec<u8>) {
    let pairs = [
        (
            Modifier::BOLD | Modifier::DIM,
            22,
            [(Modifier::BOLD, 1), (Modifier::DIM, 2)],
        ),
        (
            Modifier::SLOW_BLINK | Modifier::RAPID_BLINK,
            25,
            [(Modifier::SLOW_BLINK, 5), (Modifier::RAPID_BLINK, 6)],
        ),
    ];
    for (group, reset, members) in pairs {
        let removed = (from - to).intersects(group);
        for (member, set) in members {
            let kept_after_reset = removed && to.contains(member);
            let added = !from.contains(member) && to.contains(member);
            if removed && member == members[0].0 {
                push_param(reset, params);
            }
            if kept_after_reset || (!removed && added) {
                push_param(set, params);
            }
        }
    }
    for (modifier, set, reset) in ATTRIBUTES {
        match (from.contains(modifier), to.contains(modifier)) {
            (false, true) => push_param(set, params),
            (true, false) => push_param(reset, params),
            _ => {}
        }
    }
}

#[derive(Clone, Copy)]
enum Layer {
    Foreground,
    Background,
    Underline,
}

/// The parameters that select `color` for `layer`.
fn push_color(color: Color, layer: Layer, params: &mut Vec<u8>) {
    let (base, bright, extended, reset) = match layer {
        Layer::Foreground => (30, 90, 38, 39),
        Layer::Background => (40, 100, 48, 49),
        // The underline colour has no short forms: named colours go by their index.
        Layer::Underline => (0, 0, 58, 59),
    };
    let named = match color {
        Color::Reset => return push_param(reset, params),
        Color::Rgb(r, g, b) => {
            push_param(extended, params);
            return push_param(format_args!("2;{r};{g};{b}"), params);
        }
        Color::Indexed(index) => {
            push_param(extended, params);
            return push_param(format_args!("5;{index}"), params);
        }
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
    };
    match layer {
        Layer::Underline => {
            push_param(extended, params);
            push_param(format_args!("5;{named}"), params);
        }
        _ if named < 8 => push_param(base + named, params),
        _ => push_param(bright + named - 8, params),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sgr(from: Pen, to: Pen) -> String {
        let mut out = Vec::new();
        from.change_to(&to, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn pen(fg: Color, bg: Color, modifier: Modifier) -> Pen {
        Pen {
            fg,
            bg,
            underline: Color::Reset,
            modifier,
        }
    }

    #[test]
    fn only_what_changes_is_sent_in_one_sequence() {
        let base = pen(Color::Rgb(1, 2, 3), Color::Rgb(4, 5, 6), Modifier::empty());
        assert_eq!(sgr(base, base), "");
        let fg = pen(Color::Rgb(9, 9, 9), Color::Rgb(4, 5, 6), Modifier::empty());
        assert_eq!(sgr(base, fg), "\x1b[38;2;9;9;9m");
        let both = pen(Color::Red, Color::LightBlue, Modifier::BOLD);
        assert_eq!(sgr(base, both), "\x1b[1;31;104m");
        assert_eq!(
            sgr(
                Pen::DEFAULT,
                pen(Color::Indexed(200), Color::Reset, Modifier::empty())
            ),
            "\x1b[38;5;200m"
        );
    }

    #[test]
    fn a_reset_is_used_when_it_is_shorter() {
        let styled = pen(
            Color::Rgb(10, 20, 30),
            Color::Rgb(40, 50, 60),
            Modifier::BOLD | Modifier::ITALIC,
        );
        assert_eq!(sgr(styled, Pen::DEFAULT), "\x1b[0m");
        let plain_bold = pen(Color::Reset, Color::Reset, Modifier::BOLD);
        assert_eq!(sgr(styled, plain_bold), "\x1b[0;1m");
    }

    #[test]
    fn bold_and_dim_share_their_reset_and_the_kept_one_is_set_again() {
        let (fg, bg) = (Color::Rgb(10, 20, 30), Color::Rgb(1, 2, 3));
        let both = pen(fg, bg, Modifier::BOLD | Modifier::DIM);
        assert_eq!(sgr(both, pen(fg, bg, Modifier::DIM)), "\x1b[22;2m");
        let blinks = pen(fg, bg, Modifier::SLOW_BLINK | Modifier::UNDERLINED);
        assert_eq!(sgr(blinks, pen(fg, bg, Modifier::UNDERLINED)), "\x1b[25m");
        let every = Modifier::all();
        assert_eq!(
            sgr(Pen::DEFAULT, pen(Color::Reset, Color::Reset, every)),
            "\x1b[1;2;5;6;3;4;7;8;9m"
        );
        assert_eq!(
            sgr(pen(fg, bg, every), pen(fg, bg, Modifier::empty())),
            "\x1b[22;25;23;24;27;28;29m"
        );
    }

    #[test]
    fn the_underline_colour_goes_in_a_sequence_of_its_own() {
        let mut underlined = pen(Color::Green, Color::Reset, Modifier::UNDERLINED);
        underlined.underline = Color::Rgb(1, 1, 1);
        assert_eq!(sgr(Pen::DEFAULT, underlined), "\x1b[4;32m\x1b[58;2;1;1;1m");
        let mut named = underlined;
        named.underline = Color::LightRed;
        assert_eq!(sgr(underlined, named), "\x1b[58;5;9m");
        assert_eq!(sgr(named, Pen::DEFAULT), "\x1b[0m");
    }
}

//! Select Graphic Rendition (`CSI … m`): parameter groups to terminal attributes, following
//! the ECMA-48 and xterm definitions, including the colon forms of extended colours
//! (`38:2::r:g:b`, `4:3` for curly underlines).

use vte::ansi::{Attr, Color, Handler, NamedColor, Rgb};

/// Applies every attribute the groups of one `CSI … m` name; unknown ones are skipped.
pub(crate) fn apply_sgr<'p, H: Handler>(handler: &mut H, groups: &mut impl Iterator<Item = &'p [u16]>) {
    while let Some(group) = groups.next() {
        let attr = match group {
            [single] => single_attr(*single, groups),
            [4, style] => Some(underline_style(*style)),
            [4, _, ..] => Some(Attr::Underline),
            [38, rest @ ..] => colon_color(rest).map(Attr::Foreground),
            [48, rest @ ..] => colon_color(rest).map(Attr::Background),
            [58, rest @ ..] => colon_color(rest).map(|color| Attr::UnderlineColor(Some(color))),
            _ => None,
        };
        if let Some(attr) = attr {
            handler.terminal_attribute(attr);
        }
    }
}

/// A parameter without subparameters; the extended colours read their arguments from the
/// following groups (the semicolon form `38;5;n`).
fn single_attr<'p>(value: u16, groups: &mut impl Iterator<Item = &'p [u16]>) -> Option<Attr> {
    let named = |index: u16, base: u16, bright: bool| {
        let offset = index - base;
        let color = if bright { 8 + offset } else { offset };
        Color::Named(named_color(color))
    };
    Some(match value {
        0 => Attr::Reset,
        1 => Attr::Bold,
        2 => Attr::Dim,
        3 => Attr::Italic,
        4 => Attr::Underline,
        5 => Attr::BlinkSlow,
        6 => Attr::BlinkFast,
        7 => Attr::Reverse,
        8 => Attr::Hidden,
        9 => Attr::Strike,
        21 => Attr::CancelBold,
        22 => Attr::CancelBoldDim,
        23 => Attr::CancelItalic,
        24 => Attr::CancelUnderline,
        25 => Attr::CancelBlink,
        27 => Attr::CancelReverse,
        28 => Attr::CancelHidden,
        29 => Attr::CancelStrike,
        30..=37 => Attr::Foreground(named(value, 30, false)),
        38 => return extended_color(&mut groups.map(|group| group[0])).map(Attr::Foreground),
        39 => Attr::Foreground(Color::Named(NamedColor::Foreground)),
        40..=47 => Attr::Background(named(value, 40, false)),
        48 => return extended_color(&mut groups.map(|group| group[0])).map(Attr::Background),
        49 => Attr::Background(Color::Named(NamedColor::Background)),
        58 => {
            return extended_color(&mut groups.map(|group| group[0]))
                .map(|color| Attr::UnderlineColor(Some(color)))
        }
        59 => Attr::UnderlineColor(None),
        90..=97 => Attr::Foreground(named(value, 90, true)),
        100..=107 => Attr::Background(named(value, 100, true)),
        _ => return None,
    })
}

/// `4:n`: the underline style.
fn underline_style(style: u16) -> Attr {
    match style {
        0 => Attr::CancelUnderline,
        2 => Attr::DoubleUnderline,
        3 => Attr::Undercurl,
        4 => Attr::DottedUnderline,
        5 => Attr::DashedUnderline,
        _ => Attr::Underline,
    }
}

/// The colon form of an extended colour: `5:n`, `2:r:g:b`, or with a colour-space id
/// `2:id:r:g:b` (recognised by its length and skipped).
fn colon_color(rest: &[u16]) -> Option<Color> {
    let (&kind, arguments) = rest.split_first()?;
    let arguments = if rest.len() > 4 {
        &arguments[1..]
    } else {
        arguments
    };
    extended_color(&mut std::iter::once(kind).chain(arguments.iter().copied()))
}

/// `5;n` (palette index) or `2;r;g;b` (direct colour). Reads only as many values as the
/// form needs, and fails on a component above 255.
fn extended_color(values: &mut dyn Iterator<Item = u16>) -> Option<Color> {
    let form = component_kind(values.next());
    let mut component = || u8::try_from(values.next()?).ok();
    match form {
        Some(ColorForm::Direct) => {
            let r = component()?;
            let g = component()?;
            let b = component()?;
            Some(Color::Spec(Rgb { r, g, b }))
        }
        Some(ColorForm::Indexed) => Some(Color::Indexed(component()?)),
        None => None,
    }
}

enum ColorForm {
    Direct,
    Indexed,
}

fn component_kind(value: Option<u16>) -> Option<ColorForm> {
    match value? {
        2 => Some(ColorForm::Direct),
        5 => Some(ColorForm::Indexed),
        _ => None,
    }
}

/// The 16 ANSI colours by number.
fn named_color(index: u16) -> NamedColor {
    use NamedColor::*;
    const COLORS: [NamedColor; 16] = [
        Black,
        Red,
        Green,
        Yellow,
        Blue,
        Magenta,
        Cyan,
        White,
        BrightBlack,
        BrightRed,
        BrightGreen,
        BrightYellow,
        BrightBlue,
        BrightMagenta,
        BrightCyan,
        BrightWhite,
    ];
    COLORS[usize::from(index) & 15]
}

//! The colours a pane is drawn with where its program set none, which are also the
//! answers to its colour queries (OSC 4/10/11/12): a program that asks what the background
//! is must be told the one the user sees.

use vte::ansi::{NamedColor, Rgb};

/// A pane's default colours: the 16 ANSI colours, text, background and cursor. The
/// 6×6×6 cube and the grey ramp (16 to 255) are xterm's in every palette.
///
/// ```
/// use perdix::term::Palette;
/// use vte::ansi::{NamedColor, Rgb};
///
/// let mut palette = Palette::xterm();
/// palette.background = Rgb { r: 0xfa, g: 0xfa, b: 0xfa };
/// assert_eq!(palette.color(NamedColor::Background as usize), palette.background);
/// assert_eq!(palette.color(196), Rgb { r: 0xff, g: 0, b: 0 });
/// assert!(!palette.is_dark());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// ANSI colours 0 to 15.
    pub ansi: [Rgb; 16],
    /// Default text colour.
    pub foreground: Rgb,
    /// Default background colour.
    pub background: Rgb,
    /// The cursor colour.
    pub cursor: Rgb,
}

impl Default for Palette {
    /// [`Palette::xterm`].
    fn default() -> Palette {
        Palette::xterm()
    }
}

impl Palette {
    /// xterm's defaults: its 16 colours, light grey on black.
    pub fn xterm() -> Palette {
        Palette {
            ansi: std::array::from_fn(xterm_color),
            foreground: xterm_color(NamedColor::Foreground as usize),
            background: xterm_color(NamedColor::Background as usize),
            cursor: xterm_color(NamedColor::Cursor as usize),
        }
    }

    /// The colour at `index` of the model's colour table: 0–255, then
    /// [`NamedColor::Foreground`], [`NamedColor::Background`] and [`NamedColor::Cursor`].
    /// Other indices (the dim and bright text colours) are the foreground.
    pub fn color(&self, index: usize) -> Rgb {
        match index {
            0..=15 => self.ansi[index],
            16..=255 => xterm_color(index),
            _ if index == NamedColor::Background as usize => self.background,
            _ if index == NamedColor::Cursor as usize => self.cursor,
            _ => self.foreground,
        }
    }

    /// Whether the background is dark: its luma (ITU-R BT.601 weights) is below half.
    pub fn is_dark(&self) -> bool {
        let Rgb { r, g, b } = self.background;
        let luma = 299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b);
        luma < 1000 * 128
    }

    /// The colour-scheme report (`CSI ? 997 ; 1 n` dark, `CSI ? 997 ; 2 n` light) that
    /// answers `CSI ? 996 n` and tells programs that asked for it (mode 2031) of a change.
    pub fn scheme_report(&self) -> &'static [u8] {
        if self.is_dark() {
            b"\x1b[?997;1n"
        } else {
            b"\x1b[?997;2n"
        }
    }
}

/// xterm's default palette: 16 system colours, the 6×6×6 cube, the grey ramp, and light
/// grey on black for the named colours.
///
/// ```
/// use perdix::term::xterm_color;
/// assert_eq!((xterm_color(196).r, xterm_color(196).g), (0xff, 0));
/// ```
pub fn xterm_color(index: usize) -> Rgb {
    const SYSTEM: [(u8, u8, u8); 16] = [
        (0x00, 0x00, 0x00),
        (0xcd, 0x00, 0x00),
        (0x00, 0xcd, 0x00),
        (0xcd, 0xcd, 0x00),
        (0x00, 0x00, 0xee),
        (0xcd, 0x00, 0xcd),
        (0x00, 0xcd, 0xcd),
        (0xe5, 0xe5, 0xe5),
        (0x7f, 0x7f, 0x7f),
        (0xff, 0x00, 0x00),
        (0x00, 0xff, 0x00),
        (0xff, 0xff, 0x00),
        (0x5c, 0x5c, 0xff),
        (0xff, 0x00, 0xff),
        (0x00, 0xff, 0xff),
        (0xff, 0xff, 0xff),
    ];
    let (r, g, b) = match index {
        0..=15 => SYSTEM[index],
        16..=231 => {
            let level = |n: usize| if n == 0 { 0 } else { (55 + 40 * n) as u8 };
            let cube = index - 16;
            (level(cube / 36), level(cube / 6 % 6), level(cube % 6))
        }
        232..=255 => {
            let grey = (8 + 10 * (index - 232)) as u8;
            (grey, grey, grey)
        }
        _ if index == NamedColor::Background as usize => (0, 0, 0),
        _ => (0xe5, 0xe5, 0xe5),
    };
    Rgb { r, g, b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_palette_matches_xterm() {
        assert_eq!(xterm_color(1), Rgb { r: 0xcd, g: 0, b: 0 });
        assert_eq!(xterm_color(16), Rgb { r: 0, g: 0, b: 0 });
        assert_eq!(xterm_color(196), Rgb { r: 0xff, g: 0, b: 0 });
        assert_eq!(
            xterm_color(244),
            Rgb {
                r: 0x80,
                g: 0x80,
                b: 0x80
            }
        );
        assert_eq!(
            xterm_color(NamedColor::Background as usize),
            Rgb { r: 0, g: 0, b: 0 }
        );
    }

    #[test]
    fn a_palette_answers_its_own_colours_and_xterm_s_cube() {
        let grey = |v| Rgb { r: v, g: v, b: v };
        let palette = Palette {
            ansi: std::array::from_fn(|index| grey(index as u8)),
            foreground: grey(100),
            background: grey(200),
            cursor: grey(150),
        };
        assert_eq!(palette.color(3), grey(3));
        assert_eq!(palette.color(15), grey(15));
        assert_eq!(palette.color(16), xterm_color(16));
        assert_eq!(palette.color(255), xterm_color(255));
        assert_eq!(palette.color(NamedColor::Foreground as usize), grey(100));
        assert_eq!(palette.color(NamedColor::Background as usize), grey(200));
        assert_eq!(palette.color(NamedColor::Cursor as usize), grey(150));
        assert_eq!(palette.color(NamedColor::BrightForeground as usize), grey(100));
    }

    #[test]
    fn dark_and_light_backgrounds_are_told_apart() {
        let with_background = |r, g, b| Palette {
            background: Rgb { r, g, b },
            ..Palette::xterm()
        };
        assert!(Palette::xterm().is_dark());
        assert_eq!(Palette::xterm().scheme_report(), b"\x1b[?997;1n");
        assert!(with_background(0x1c, 0x1c, 0x1c).is_dark());
        assert!(with_background(0x00, 0x2b, 0x36).is_dark());
        assert!(!with_background(0xfa, 0xfa, 0xfa).is_dark());
        assert!(!with_background(0xfd, 0xf6, 0xe3).is_dark());
        assert_eq!(with_background(0xfa, 0xfa, 0xfa).scheme_report(), b"\x1b[?997;2n");
        // Pure green is bright, pure blue is dark, though each has one full channel.
        assert!(!with_background(0, 0xff, 0).is_dark());
        assert!(with_background(0, 0, 0xff).is_dark());
    }
}

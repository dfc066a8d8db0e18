//! Colour themes: the 16 ANSI colours, default text colours and the app's own chrome.
//!
//! The themes in the repository's `themes/` folder are compiled in; a file
//! `NAME.toml` in the user's theme folder adds a theme or replaces a built-in one. The
//! built-in `terminal` theme follows the outer terminal: it starts as `default`, and the
//! app replaces its colours with those the terminal reports
//! ([`outer_colours`](super::outer_colours)).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

use super::config::line_column;
use crate::term::Palette;

/// A 24-bit colour, written `#rrggbb` in theme files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rgb {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

/// Text that is not a `#rrggbb` colour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid colour `{0}`: expected \"#rrggbb\"")]
pub struct BadColour(pub String);

impl Rgb {
    /// A colour from its three components.
    pub const fn new(r: u8, g: u8, b: u8) -> Rgb {
        Rgb { r, g, b }
    }
}

impl FromStr for Rgb {
    type Err = BadColour;

    fn from_str(text: &str) -> Result<Rgb, BadColour> {
        let bad = || BadColour(text.to_string());
        let hex = text
            .strip_prefix('#')
            .filter(|hex| hex.len() == 6)
            .ok_or_else(bad)?;
        if !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let component = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).map_err(|_| bad());
        Ok(Rgb {
            r: component(0)?,
            g: component(2)?,
            b: component(4)?,
        })
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Rgb, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The colours the app draws with.
///
/// ```
/// use perdix::tui::theme::{Rgb, Theme};
///
/// let theme = Theme::default();
/// assert_eq!(theme.name, "default");
/// assert_ne!(theme.foreground, theme.background);
///
/// let solarized = Theme::builtin("solarized-dark").unwrap();
/// assert_eq!(solarized.background, Rgb::new(0x00, 0x2b, 0x36));
/// assert!(Theme::builtin_names().contains(&"light"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The name the theme was loaded under.
    pub name: String,
    /// ANSI colours 0 to 15: black, red, green, yellow, blue, magenta, cyan, white, then
    /// the bright variants in the same order.
    pub ansi: [Rgb; 16],
    /// Default text colour.
    pub foreground: Rgb,
    /// Default background colour.
    pub background: Rgb,
    /// The cursor cell.
    pub cursor: Rgb,
    /// Borders of unfocused panes.
    pub border: Rgb,
    /// Border of the focused pane.
    pub focused_border: Rgb,
    /// Border of a pane whose program waits for the user.
    pub attention_border: Rgb,
    /// Status bar text.
    pub status_fg: Rgb,
    /// Status bar background.
    pub status_bg: Rgb,
    /// Background of search matches in scroll mode.
    pub search_match: Rgb,
    /// The colours are to be those of the outer terminal (the built-in `terminal` theme):
    /// the app asks the terminal for them at start.
    pub follows_terminal: bool,
}

/// A theme that could not be found or read.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// Neither a user theme file nor a built-in theme has this name.
    #[error("unknown theme `{name}` (built-in themes: {})", Theme::builtin_names().join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
    },
    /// A theme name that cannot be a file name.
    #[error("invalid theme name `{name}`: use letters, digits, `-` and `_`")]
    BadName {
        /// The name asked for.
        name: String,
    },
    /// The theme file exists but could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The theme file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The theme file is not valid TOML, lacks a colour, has an unknown key or a bad colour.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        /// The theme file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

const BUILTIN: [(&str, &str); 5] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("solarized-dark", include_str!("../../themes/solarized-dark.toml")),
    ("gruvbox-dark", include_str!("../../themes/gruvbox-dark.toml")),
];

/// The theme that follows the outer terminal, whose colours are asked for at start.
pub const TERMINAL_THEME: &str = "terminal";

const BUILTIN_NAMES: [&str; BUILTIN.len() + 1] = {
    let mut names = [TERMINAL_THEME; BUILTIN.len() + 1];
    let mut i = 0;
    while i < BUILTIN.len() {
        names[i] = BUILTIN[i].0;
        i += 1;
    }
    names
};

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct ThemeFile {
    foreground: Rgb,
    background: Rgb,
    cursor: Rgb,
    border: Rgb,
    focused_border: Rgb,
    attention_border: Rgb,
    status_fg: Rgb,
    status_bg: Rgb,
    search_match: Rgb,
    ansi: AnsiTable,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct AnsiTable {
    black: Rgb,
    red: Rgb,
    green: Rgb,
    yellow: Rgb,
    blue: Rgb,
    magenta: Rgb,
    cyan: Rgb,
    white: Rgb,
    bright_black: Rgb,
    bright_red: Rgb,
    bright_green: Rgb,
    bright_yellow: Rgb,
    bright_blue: Rgb,
    bright_magenta: Rgb,
    bright_cyan: Rgb,
    bright_white: Rgb,
}

impl Default for Theme {
    /// The built-in `default` dark theme.
    fn default() -> Theme {
        Theme::builtin("default").expect("the default theme is built in and valid")
    }
}

impl Theme {
    /// The built-in theme called `name`, if there is one. [`TERMINAL_THEME`] has the
    /// `default` theme's colours until the outer terminal's replace them.
    pub fn builtin(name: &str) -> Option<Theme> {
        if name == TERMINAL_THEME {
            return Some(Theme {
                name: name.to_string(),
                follows_terminal: true,
                ..Theme::default()
            });
        }
        let (_, text) = BUILTIN.iter().find(|(builtin, _)| *builtin == name)?;
        let origin = PathBuf::from(format!("themes/{name}.toml"));
        // Built-in themes are checked by the tests, so a parse failure here is a build defect.
        Some(Theme::from_toml_str(name, text, &origin).expect("built-in themes parse"))
    }

    /// The names of the built-in themes, `default` first and `terminal` last.
    pub fn builtin_names() -> &'static [&'static str] {
        &BUILTIN_NAMES
    }

    /// The theme called `name`: `user_dir/NAME.toml` when that file exists, else the
    /// built-in theme of that name.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if !valid_name {
            return Err(ThemeError::BadName {
                name: name.to_string(),
            });
        }
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{name}.toml"));
            match std::fs::read_to_string(&path) {
                Ok(text) => return Theme::from_toml_str(name, &text, &path),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(ThemeError::Io { path, source }),
            }
        }
        Theme::builtin(name).ok_or_else(|| ThemeError::Unknown {
            name: name.to_string(),
        })
    }

    /// Parses theme file text; `origin` is the file named in errors.
    pub fn from_toml_str(name: &str, text: &str, origin: &Path) -> Result<Theme, ThemeError> {
        let file: ThemeFile = toml::from_str(text).map_err(|error| {
            let (line, column) = error.span().map_or((1, 1), |span| line_column(text, span.start));
            ThemeError::Parse {
                path: origin.to_path_buf(),
                line,
                column,
                message: error.message().to_string(),
            }
        })?;
        let a = file.ansi;
        Ok(Theme {
            name: name.to_string(),
            ansi: [
                a.black,
                a.red,
                a.green,
                a.yellow,
                a.blue,
                a.magenta,
                a.cyan,
                a.white,
                a.bright_black,
                a.bright_red,
                a.bright_green,
                a.bright_yellow,
                a.bright_blue,
                a.bright_magenta,
                a.bright_cyan,
                a.bright_white,
            ],
            foreground: file.foreground,
            background: file.background,
            cursor: file.cursor,
            border: file.border,
            focused_border: file.focused_border,
            attention_border: file.attention_border,
            status_fg: file.status_fg,
            status_bg: file.status_bg,
            search_match: file.search_match,
            follows_terminal: false,
        })
    }

    /// The colours panes are drawn with where their programs set none, which are also
    /// what the programs' colour queries are answered with.
    ///
    /// ```
    /// use perdix::tui::theme::Theme;
    ///
    /// let light = Theme::builtin("light").unwrap();
    /// let palette = light.palette();
    /// assert_eq!((palette.background.r, palette.background.g), (0xfa, 0xfa));
    /// assert!(!palette.is_dark());
    /// assert!(Theme::default().palette().is_dark());
    /// ```
    pub fn palette(&self) -> Palette {
        let term_rgb = |colour: Rgb| vte::ansi::Rgb {
            r: colour.r,
            g: colour.g,
            b: colour.b,
        };
        Palette {
            ansi: self.ansi.map(term_rgb),
            foreground: term_rgb(self.foreground),
            background: term_rgb(self.background),
            cursor: term_rgb(self.cursor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_and_print() {
        assert_eq!("#00ff7f".parse(), Ok(Rgb::new(0, 255, 127)));
        assert_eq!("#ABCDEF".parse(), Ok(Rgb::new(0xab, 0xcd, 0xef)));
        assert_eq!(Rgb::new(1, 2, 255).to_string(), "#0102ff");
        for bad in [
            "", "#", "00ff7f", "#00ff7", "#00ff7f0", "#gg0000", "#+1ff00", "red", "#ééé",
        ] {
            assert!(bad.parse::<Rgb>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn builtin_names_and_files_agree() {
        assert_eq!(Theme::builtin_names().len(), BUILTIN.len() + 1);
        for (name, (file_name, _)) in Theme::builtin_names().iter().zip(BUILTIN) {
            assert_eq!(*name, file_name);
        }
        assert_eq!(Theme::builtin_names()[0], "default");
        assert_eq!(Theme::builtin_names().last(), Some(&TERMINAL_THEME));
        assert_eq!(Theme::builtin("nope"), None);
    }

    #[test]
    fn only_the_terminal_theme_follows_the_terminal() {
        let terminal = Theme::builtin(TERMINAL_THEME).unwrap();
        assert!(terminal.follows_terminal);
        assert_eq!(terminal.name, TERMINAL_THEME);
        assert_eq!(terminal.palette(), Theme::default().palette());
        for name in Theme::builtin_names()
            .iter()
            .filter(|&&name| name != TERMINAL_THEME)
        {
            assert!(!Theme::builtin(name).unwrap().follows_terminal, "{name}");
        }
        // A user file of that name is an ordinary theme.
        let dir = scratch_dir("terminal");
        std::fs::write(dir.join("terminal.toml"), BUILTIN[1].1).unwrap();
        let mine = Theme::load(TERMINAL_THEME, Some(&dir)).unwrap();
        assert!(!mine.follows_terminal);
        assert_eq!(mine.palette(), Theme::builtin("light").unwrap().palette());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_palette_holds_the_theme_s_colours() {
        let solarized = Theme::builtin("solarized-dark").unwrap();
        let palette = solarized.palette();
        let same = |a: vte::ansi::Rgb, b: Rgb| (a.r, a.g, a.b) == (b.r, b.g, b.b);
        assert!(same(palette.foreground, solarized.foreground));
        assert!(same(palette.background, solarized.background));
        assert!(same(palette.cursor, solarized.cursor));
        for index in 0..16 {
            assert!(same(palette.ansi[index], solarized.ansi[index]), "{index}");
        }
    }

    #[test]
    fn every_builtin_theme_parses_with_distinct_colours_where_needed() {
        for name in Theme::builtin_names() {
            let theme = Theme::builtin(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(theme.name, *name);
            let pairs = [
                ("foreground/background", theme.foreground, theme.background),
                ("cursor/background", theme.cursor, theme.background),
                ("border/background", theme.border, theme.background),
                ("focused-border/border", theme.focused_border, theme.border),
                ("attention-border/border", theme.attention_border, theme.border),
                (
                    "attention-border/focused-border",
                    theme.attention_border,
                    theme.focused_border,
                ),
                (
                    "focused-border/background",
                    theme.focused_border,
                    theme.background,
                ),
                ("status-fg/status-bg", theme.status_fg, theme.status_bg),
                ("search-match/background", theme.search_match, theme.background),
                ("search-match/foreground", theme.search_match, theme.foreground),
            ];
            for (what, a, b) in pairs {
                assert_ne!(a, b, "{name}: {what} are both {a}");
            }
            // Red, green, yellow, blue, magenta and cyan must be told apart, in both halves.
            for half in [&theme.ansi[1..7], &theme.ansi[9..15]] {
                for (i, a) in half.iter().enumerate() {
                    assert!(!half[i + 1..].contains(a), "{name}: ANSI colour {a} repeated");
                }
            }
        }
        assert_eq!(Theme::default(), Theme::builtin("default").unwrap());
    }

    #[test]
    fn published_palettes_are_kept() {
        let solarized = Theme::builtin("solarized-dark").unwrap();
        assert_eq!(solarized.ansi[1], "#dc322f".parse().unwrap());
        assert_eq!(solarized.ansi[4], "#268bd2".parse().unwrap());
        assert_eq!(solarized.foreground, "#839496".parse().unwrap());
        let gruvbox = Theme::builtin("gruvbox-dark").unwrap();
        assert_eq!(gruvbox.background, "#282828".parse().unwrap());
        assert_eq!(gruvbox.ansi[9], "#fb4934".parse().unwrap());
    }

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("perdix-theme-test-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn user_theme_files_add_and_override() {
        let dir = scratch_dir("user");
        let mine = BUILTIN[0].1.replace("#1c1c1c\"\ncursor", "#101010\"\ncursor");
        std::fs::write(dir.join("mine.toml"), &mine).unwrap();
        std::fs::write(dir.join("light.toml"), &mine).unwrap();
        let theme = Theme::load("mine", Some(&dir)).unwrap();
        assert_eq!(theme.name, "mine");
        assert_eq!(theme.background, Rgb::new(0x10, 0x10, 0x10));
        assert_eq!(
            Theme::load("light", Some(&dir)).unwrap().background,
            Rgb::new(0x10, 0x10, 0x10)
        );
        assert_eq!(
            Theme::load("high-contrast", Some(&dir)).unwrap(),
            Theme::builtin("high-contrast").unwrap()
        );
        assert!(matches!(
            Theme::load("mine", None),
            Err(ThemeError::Unknown { .. })
        ));
        assert!(matches!(
            Theme::load("../etc/x", Some(&dir)),
            Err(ThemeError::BadName { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_bad_theme_file_names_file_and_line() {
        let dir = scratch_dir("bad");
        let broken = BUILTIN[0]
            .1
            .replace("cursor = \"#f0f0f0\"", "cursor = \"#f0f0fz\"");
        std::fs::write(dir.join("broken.toml"), &broken).unwrap();
        let error = Theme::load("broken", Some(&dir)).unwrap_err();
        let ThemeError::Parse {
            path,
            line,
            column,
            message,
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!(path, &dir.join("broken.toml"));
        assert_eq!(*line, 4);
        assert_eq!(*column, 10);
        assert!(message.contains("#f0f0fz"), "{message}");
        assert!(error
            .to_string()
            .starts_with(&format!("{}:4:10: ", dir.join("broken.toml").display())));

        let typo = BUILTIN[0].1.replace("status-fg", "status-fgg");
        let error = Theme::from_toml_str("typo", &typo, Path::new("typo.toml")).unwrap_err();
        assert!(matches!(error, ThemeError::Parse { line: 8, .. }), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

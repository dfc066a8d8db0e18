//! The ways panes can be arranged on screen, as named in the configuration file.

use std::fmt;
use std::str::FromStr;

/// How the panes share the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LayoutKind {
    /// A grid as close to square as the pane count allows.
    #[default]
    Tiled,
    /// Side by side, each pane the full height.
    Columns,
    /// Stacked, each pane the full width.
    Rows,
    /// One large pane on the left, the others stacked on the right.
    Main,
}

/// A layout name that is none of [`LayoutKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown layout `{0}` (expected one of: tiled, columns, rows, main)")]
pub struct UnknownLayout(pub String);

impl LayoutKind {
    /// Every layout, in the order [`LayoutKind::next`] cycles through them.
    pub const ALL: [LayoutKind; 4] = [
        LayoutKind::Tiled,
        LayoutKind::Columns,
        LayoutKind::Rows,
        LayoutKind::Main,
    ];

    /// The lowercase name used in the configuration file and the status bar.
    pub fn name(self) -> &'static str {
        match self {
            LayoutKind::Tiled => "tiled",
            LayoutKind::Columns => "columns",
            LayoutKind::Rows => "rows",
            LayoutKind::Main => "main",
        }
    }

    /// The layout after this one: tiled → columns → rows → main → tiled.
    pub fn next(self) -> LayoutKind {
        match self {
            LayoutKind::Tiled => LayoutKind::Columns,
            LayoutKind::Columns => LayoutKind::Rows,
            LayoutKind::Rows => LayoutKind::Main,
            LayoutKind::Main => LayoutKind::Tiled,
        }
    }
}

impl fmt::Display for LayoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LayoutKind {
    type Err = UnknownLayout;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        LayoutKind::ALL
            .into_iter()
            .find(|kind| kind.name() == text)
            .ok_or_else(|| UnknownLayout(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in LayoutKind::ALL {
            assert_eq!(kind.to_string().parse::<LayoutKind>(), Ok(kind));
        }
        assert_eq!("columns".parse::<LayoutKind>(), Ok(LayoutKind::Columns));
    }

    #[test]
    fn unknown_and_wrong_case_names_are_rejected() {
        assert_eq!("grid".parse::<LayoutKind>(), Err(UnknownLayout("grid".into())));
        assert!("Tiled".parse::<LayoutKind>().is_err());
        assert!("".parse::<LayoutKind>().is_err());
    }

    #[test]
    fn next_cycles_through_all_in_order() {
        assert_eq!(LayoutKind::Tiled.next(), LayoutKind::Columns);
        assert_eq!(LayoutKind::Columns.next(), LayoutKind::Rows);
        assert_eq!(LayoutKind::Rows.next(), LayoutKind::Main);
        assert_eq!(LayoutKind::Main.next(), LayoutKind::Tiled);
        let mut kind = LayoutKind::default();
        for expected in LayoutKind::ALL {
            assert_eq!(kind, expected);
            kind = kind.next();
        }
        assert_eq!(kind, LayoutKind::Tiled);
    }
}

//! Sequences a pane answers or tracks itself, since the `alacritty_terminal` model knows
//! nothing of them: XTVERSION (`CSI > q`), the colour-scheme query (`CSI ? 996 n`) and its
//! reports (mode 2031), and X10 mouse reporting (mode 9).
//!
//! Every action still reaches the model, where these change nothing, except a mode report
//! request (DECRQM) for mode 9 or 2031: the model would answer "not recognized" for a
//! mode this pane supports, so that one is answered here instead.

use super::palette::Palette;
use crate::parse::DecodedAction;

/// XTVERSION's answer: `DCS > | perdix <version> ST`.
const VERSION_REPORT: &str = concat!("\x1bP>|perdix ", env!("CARGO_PKG_VERSION"), "\x1b\\");

/// Mode 9: X10 mouse reporting.
const X10_MOUSE: u16 = 9;
/// Modes 1000, 1002 and 1003, each of which replaces mode 9.
const OTHER_MOUSE_TRACKING: [u16; 3] = [1000, 1002, 1003];
/// Mode 2031: tell the program when the colour palette changes.
const SCHEME_REPORTS: u16 = 2031;

/// The state of the modes the model does not keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OwnModes {
    /// Mode 2031 is set: palette changes are reported.
    pub scheme_reports: bool,
    /// Mode 9 is the tracking mode set last.
    pub x10_mouse: bool,
}

/// What a pane does with an action after [`OwnModes::observe`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Observed {
    /// Nothing to answer: the model gets the action.
    Replay,
    /// Send this answer, then give the model the action.
    AnswerAndReplay(Vec<u8>),
    /// Send this answer in place of the model's.
    Answer(Vec<u8>),
}

impl OwnModes {
    /// Notes the modes `action` sets and answers the queries it makes; `palette` is what
    /// the pane is drawn with.
    pub fn observe(&mut self, action: &DecodedAction<'_>, palette: &Palette) -> Observed {
        match action {
            DecodedAction::Csi {
                params,
                intermediates,
                ignore: false,
                action,
            } => {
                let mut values = params.groups().map(|group| group.first().copied().unwrap_or(0));
                match (action, intermediates.as_slice()) {
                    (b'q', b">") if params.len() <= 1 && values.next().unwrap_or(0) == 0 => {
                        Observed::AnswerAndReplay(VERSION_REPORT.as_bytes().to_vec())
                    }
                    (b'n', b"?") if params.len() == 1 && values.next() == Some(996) => {
                        Observed::AnswerAndReplay(palette.scheme_report().to_vec())
                    }
                    (b'h' | b'l', b"?") => {
                        let set = *action == b'h';
                        for mode in values {
                            self.set_mode(mode, set);
                        }
                        Observed::Replay
                    }
                    (b'p', b"?$") => match values.next() {
                        Some(mode @ (X10_MOUSE | SCHEME_REPORTS)) => {
                            let set = if mode == X10_MOUSE {
                                self.x10_mouse
                            } else {
                                self.scheme_reports
                            };
                            let state = if set { 1 } else { 2 };
                            Observed::Answer(format!("\x1b[?{mode};{state}$y").into_bytes())
                        }
                        _ => Observed::Replay,
                    },
                    _ => Observed::Replay,
                }
            }
            DecodedAction::Esc {
                intermediates,
                byte: b'c',
                ..
            } if intermediates.as_slice().is_empty() => {
                // RIS: a full reset ends every mode.
                *self = OwnModes::default();
                Observed::Replay
            }
            _ => Observed::Replay,
        }
    }

    fn set_mode(&mut self, mode: u16, set: bool) {
        match mode {
            X10_MOUSE => self.x10_mouse = set,
            SCHEME_REPORTS => self.scheme_reports = set,
            // Tracking modes are exclusive: setting another one ends mode 9.
            _ if set && OTHER_MOUSE_TRACKING.contains(&mode) => self.x10_mouse = false,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::AnyEngine;
    use crate::parse::{decode_records, BackendKind};

    /// What each action of `bytes` gives, in order.
    fn observe(modes: &mut OwnModes, bytes: &[u8], palette: &Palette) -> Vec<Observed> {
        let mut engine = AnyEngine::new(BackendKind::Cpu).unwrap();
        let batch = engine.parse(&[(0, bytes)]).unwrap();
        let records: Vec<u8> = batch
            .streams()
            .flat_map(|(_, records)| records.to_vec())
            .collect();
        decode_records(&records)
            .map(|action| modes.observe(&action.unwrap(), palette))
            .collect()
    }

    #[test]
    fn xtversion_is_answered_with_name_and_version() {
        let mut modes = OwnModes::default();
        let xterm = Palette::xterm();
        let version = format!("\x1bP>|perdix {}\x1b\\", env!("CARGO_PKG_VERSION"));
        for query in [&b"\x1b[>q"[..], b"\x1b[>0q"] {
            assert_eq!(
                observe(&mut modes, query, &xterm),
                [Observed::AnswerAndReplay(version.clone().into_bytes())]
            );
        }
        // Other parameters, other intermediates and cursor styles are not XTVERSION.
        for other in [&b"\x1b[>1q"[..], b"\x1b[q", b"\x1b[2 q", b"\x1b[>0;0q"] {
            assert_eq!(
                observe(&mut modes, other, &xterm),
                [Observed::Replay],
                "{other:?}"
            );
        }
    }

    #[test]
    fn modes_9_and_2031_are_tracked_and_reported() {
        let mut modes = OwnModes::default();
        let xterm = Palette::xterm();
        let report =
            |modes: &mut OwnModes, mode: &str| observe(modes, format!("\x1b[?{mode}$p").as_bytes(), &xterm);
        let answer = |text: &str| vec![Observed::Answer(text.as_bytes().to_vec())];
        assert_eq!(report(&mut modes, "2031"), answer("\x1b[?2031;2$y"));
        assert_eq!(report(&mut modes, "9"), answer("\x1b[?9;2$y"));
        observe(&mut modes, b"\x1b[?1006;2031;9h", &xterm);
        assert_eq!(
            modes,
            OwnModes {
                scheme_reports: true,
                x10_mouse: true
            }
        );
        assert_eq!(report(&mut modes, "2031"), answer("\x1b[?2031;1$y"));
        assert_eq!(report(&mut modes, "9"), answer("\x1b[?9;1$y"));
        // Another tracking mode replaces X10's; resetting one does not.
        observe(&mut modes, b"\x1b[?1000l", &xterm);
        assert!(modes.x10_mouse);
        observe(&mut modes, b"\x1b[?1002h", &xterm);
        assert!(!modes.x10_mouse);
        observe(&mut modes, b"\x1b[?9h\x1b[?2031l", &xterm);
        assert!(modes.x10_mouse && !modes.scheme_reports);
        // RIS ends them all; other mode reports stay the model's.
        observe(&mut modes, b"\x1b[?2031h\x1bc", &xterm);
        assert_eq!(modes, OwnModes::default());
        assert_eq!(report(&mut modes, "2026"), [Observed::Replay]);
        assert_eq!(report(&mut modes, "1000"), [Observed::Replay]);
    }

    #[test]
    fn the_colour_scheme_query_is_answered_from_the_palette() {
        let mut modes = OwnModes::default();
        let light = Palette {
            background: vte::ansi::Rgb {
                r: 0xfa,
                g: 0xfa,
                b: 0xfa,
            },
            ..Palette::xterm()
        };
        let dark = Palette::xterm();
        let answer = |text: &[u8]| vec![Observed::AnswerAndReplay(text.to_vec())];
        assert_eq!(observe(&mut modes, b"\x1b[?996n", &dark), answer(b"\x1b[?997;1n"));
        assert_eq!(
            observe(&mut modes, b"\x1b[?996n", &light),
            answer(b"\x1b[?997;2n")
        );
        // DSR without `?`, or another number, is the model's.
        assert_eq!(observe(&mut modes, b"\x1b[996n", &light), [Observed::Replay]);
        assert_eq!(observe(&mut modes, b"\x1b[?6n", &light), [Observed::Replay]);
    }
}

//! The outer terminal's colours, for the `terminal` theme: its foreground, background,
//! cursor and 16 ANSI colours asked for with OSC 10, 11, 12 and 4 (`?` in place of a
//! colour), followed by a primary device attributes request (DA1). Terminals answer in
//! order and every terminal answers DA1, so its answer says that every colour answer that
//! will come has come: a terminal that answers no colour query costs one round trip, not
//! the timeout.
//!
//! ```
//! use perdix::tui::input::InputDecoder;
//! use perdix::tui::outer_colours::OuterColours;
//! use perdix::tui::theme::{Rgb, Theme};
//!
//! // What a terminal with a white background sends back.
//! let mut decoder = InputDecoder::new();
//! decoder.feed(b"\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b]4;1;rgb:cccc/0000/0000\x07\x1b[?62;22c");
//! let mut colours = OuterColours::default();
//! let mut complete = false;
//! while let Some(reply) = decoder.next_reply() {
//!     complete = colours.take_reply(&reply);
//! }
//! assert!(complete);
//! let theme = colours.apply_to(&Theme::builtin("terminal").unwrap());
//! assert_eq!(theme.background, Rgb::new(0xff, 0xff, 0xff));
//! assert_eq!(theme.ansi[1], Rgb::new(0xcc, 0, 0));
//! // What was not answered stays the default theme's.
//! assert_eq!(theme.foreground, Theme::default().foreground);
//! ```

use super::input::{ReplyKind, TerminalReply};
use super::theme::{Rgb, Theme};
use crate::session::protocol::TerminalColours;
use crate::term::parse_color;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long the app waits for the outer terminal's answers at most. Only a terminal that
/// answers not even DA1 makes the app wait this long.
pub const OUTER_COLOURS_TIMEOUT: Duration = Duration::from_millis(500);

/// The queries: OSC 10, 11, 12 and 4 for colours 0 to 15, one sequence each, then DA1.
///
/// ```
/// let queries = perdix::tui::outer_colours::outer_colour_queries();
/// assert!(queries.starts_with(b"\x1b]10;?\x1b\\\x1b]11;?\x1b\\\x1b]12;?\x1b\\\x1b]4;0;?\x1b\\"));
/// assert!(queries.ends_with(b"\x1b]4;15;?\x1b\\\x1b[c"));
/// ```
pub fn outer_colour_queries() -> Vec<u8> {
    let mut queries = Vec::new();
    for dynamic in [10, 11, 12] {
        queries.extend_from_slice(format!("\x1b]{dynamic};?\x1b\\").as_bytes());
    }
    for index in 0..16 {
        queries.extend_from_slice(format!("\x1b]4;{index};?\x1b\\").as_bytes());
    }
    queries.extend_from_slice(b"\x1b[c");
    queries
}

/// The colours the outer terminal reported; `None` for those it did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OuterColours {
    /// Default text colour (OSC 10).
    pub foreground: Option<Rgb>,
    /// Default background colour (OSC 11).
    pub background: Option<Rgb>,
    /// Cursor colour (OSC 12).
    pub cursor: Option<Rgb>,
    /// ANSI colours 0 to 15 (OSC 4).
    pub ansi: [Option<Rgb>; 16],
}

impl OuterColours {
    /// Takes one reply of the terminal: a colour answer is kept, anything else ignored.
    /// Returns true for the DA1 answer, after which no colour answer comes.
    pub fn take_reply(&mut self, reply: &TerminalReply) -> bool {
        let payload = reply.payload();
        match reply.kind() {
            ReplyKind::Csi => payload.first() == Some(&b'?') && payload.last() == Some(&b'c'),
            ReplyKind::Osc => {
                self.take_colour(payload);
                false
            }
            _ => false,
        }
    }

    /// `10;SPEC`, `11;SPEC`, `12;SPEC` or `4;INDEX;SPEC`.
    fn take_colour(&mut self, payload: &[u8]) {
        let mut fields = payload.split(|&byte| byte == b';');
        let slot = match fields.next() {
            Some(b"10") => &mut self.foreground,
            Some(b"11") => &mut self.background,
            Some(b"12") => &mut self.cursor,
            Some(b"4") => {
                let index = fields
                    .next()
                    .and_then(|index| std::str::from_utf8(index).ok())
                    .and_then(|index| index.parse::<usize>().ok());
                match index.and_then(|index| self.ansi.get_mut(index)) {
                    Some(slot) => slot,
                    None => return,
                }
            }
            _ => return,
        };
        if let Some(colour) = fields.next().and_then(parse_color) {
            *slot = Some(Rgb::new(colour.r, colour.g, colour.b));
        }
    }

    /// `theme` with the colours the terminal reported in place of its own.
    pub fn apply_to(&self, theme: &Theme) -> Theme {
        let mut theme = theme.clone();
        let pairs = [
            (&mut theme.foreground, self.foreground),
            (&mut theme.background, self.background),
            (&mut theme.cursor, self.cursor),
        ];
        for (slot, reported) in pairs {
            *slot = reported.unwrap_or(*slot);
        }
        for (slot, reported) in theme.ansi.iter_mut().zip(self.ansi) {
            *slot = reported.unwrap_or(*slot);
        }
        theme
    }
}

/// Writes [`outer_colour_queries`] to `terminal` and collects the answers from `replies`
/// until the DA1 answer or `timeout`.
pub fn query_outer_colours(
    terminal: &mut impl Write,
    replies: &Receiver<TerminalReply>,
    timeout: Duration,
) -> io::Result<OuterColours> {
    // Answers to an earlier question would be taken for these.
    while replies.try_recv().is_ok() {}
    terminal.write_all(&outer_colour_queries())?;
    terminal.flush()?;
    let deadline = Instant::now() + timeout;
    let mut colours = OuterColours::default();
    loop {
        match replies.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(reply) => {
                if colours.take_reply(&reply) {
                    return Ok(colours);
                }
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return Ok(colours),
        }
    }
}

impl From<&OuterColours> for TerminalColours {
    fn from(colours: &OuterColours) -> TerminalColours {
        let rgb = |colour: Option<Rgb>| colour.map(|c| [c.r, c.g, c.b]);
        TerminalColours {
            foreground: rgb(colours.foreground),
            background: rgb(colours.background),
            cursor: rgb(colours.cursor),
            ansi: colours.ansi.map(rgb),
        }
    }
}

impl From<&TerminalColours> for OuterColours {
    fn from(colours: &TerminalColours) -> OuterColours {
        let rgb = |colour: Option<[u8; 3]>| colour.map(|[r, g, b]| Rgb::new(r, g, b));
        OuterColours {
            foreground: rgb(colours.foreground),
            background: rgb(colours.background),
            cursor: rgb(colours.cursor),
            ansi: colours.ansi.map(rgb),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::input::InputDecoder;
    use std::sync::mpsc::channel;

    fn replies(bytes: &[u8]) -> Vec<TerminalReply> {
        let mut decoder = InputDecoder::new();
        decoder.feed(bytes);
        std::iter::from_fn(|| decoder.next_reply()).collect()
    }

    #[test]
    fn every_answer_form_is_read_and_others_are_ignored() {
        let mut colours = OuterColours::default();
        let answers = replies(
            b"\x1b]10;rgb:d0d0/d0d0/d0d0\x1b\\\x1b]11;#102030\x07\x1b]12;rgb:f/0/0\x07\
              \x1b]4;0;rgb:00/00/00\x1b\\\x1b]4;15;rgb:ffff/ffff/ffff\x1b\\\
              \x1b]4;16;rgb:1111/1111/1111\x1b\\\x1b]4;3;nonsense\x1b\\\x1b]52;c;aGk=\x07\
              \x1b[?2004;1$y\x1bP1+r\x1b\\",
        );
        for reply in &answers {
            assert!(!colours.take_reply(reply), "{reply:?}");
        }
        let mut ansi = [None; 16];
        ansi[0] = Some(Rgb::new(0, 0, 0));
        ansi[15] = Some(Rgb::new(0xff, 0xff, 0xff));
        assert_eq!(
            colours,
            OuterColours {
                foreground: Some(Rgb::new(0xd0, 0xd0, 0xd0)),
                background: Some(Rgb::new(0x10, 0x20, 0x30)),
                cursor: Some(Rgb::new(0xff, 0, 0)),
                ansi,
            }
        );
        assert!(colours.take_reply(&replies(b"\x1b[?65;1;9c")[0]));
    }

    #[test]
    fn unanswered_colours_keep_the_base_theme_s() {
        let base = Theme::builtin("terminal").unwrap();
        assert_eq!(OuterColours::default().apply_to(&base), base);
        let mut colours = OuterColours {
            cursor: Some(Rgb::new(1, 2, 3)),
            ..OuterColours::default()
        };
        colours.ansi[4] = Some(Rgb::new(4, 5, 6));
        let theme = colours.apply_to(&base);
        assert_eq!(theme.cursor, Rgb::new(1, 2, 3));
        assert_eq!(theme.ansi[4], Rgb::new(4, 5, 6));
        assert_eq!(theme.ansi[3], base.ansi[3]);
        assert_eq!(theme.background, base.background);
        assert_eq!(theme.border, base.border);
        assert!(theme.follows_terminal);
    }

    #[test]
    fn the_query_ends_at_the_da1_answer_or_the_timeout() {
        let (replies_tx, replies_rx) = channel();
        // A stale answer from before is not taken for one of these.
        replies_tx
            .send(replies(b"\x1b]11;rgb:0/0/0\x07")[0].clone())
            .unwrap();
        let answers = replies(b"\x1b]11;rgb:ffff/ffff/ffff\x07\x1b[?62c\x1b]10;rgb:0/0/0\x07");
        let mut written = Vec::new();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            for answer in answers {
                replies_tx.send(answer).unwrap();
            }
            // Held open past the answers: only the DA1 answer can end the wait early.
            std::thread::sleep(Duration::from_secs(5));
        });
        let started = Instant::now();
        let colours = query_outer_colours(&mut written, &replies_rx, Duration::from_secs(4)).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(written, outer_colour_queries());
        assert_eq!(colours.background, Some(Rgb::new(0xff, 0xff, 0xff)));
        // What came after DA1 was not waited for.
        assert_eq!(colours.foreground, None);
        drop(sender);

        // A terminal that answers nothing: the timeout ends the wait.
        let (_silent_tx, silent_rx) = channel();
        let started = Instant::now();
        let colours = query_outer_colours(&mut Vec::new(), &silent_rx, Duration::from_millis(100)).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(colours, OuterColours::default());
    }
}

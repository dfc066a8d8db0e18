//! Turns one pane's parser actions into whole log lines that keep only text and colour.

use crate::parse::{DecodedAction, Params};
use std::time::{Duration, Instant};

/// The longest pending line, in bytes, before it is flushed as a line of its own.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024;
/// How long a partial line waits for more output before it is shown anyway.
pub const DEFAULT_IDLE_FLUSH: Duration = Duration::from_millis(500);
/// A gap between two idle checks longer than the idle time divided by this means whoever
/// checks was held up (a descheduled process, a suspended machine): the output may have
/// kept coming meanwhile, so that time does not count as idle.
const STALL_FRACTION: u32 = 4;
/// The sequence that ends a line whose colours are still active.
pub const SGR_RESET: &str = "\x1b[0m";
/// Most SGR sequences kept as the pen; older ones are forgotten past this, which bounds
/// memory for a program that never resets its colours.
const MAX_PEN_SEQUENCES: usize = 32;
/// Tab stops are every this many columns.
const TAB_WIDTH: usize = 8;

/// Assembles one pane's output into complete log lines.
///
/// Lines hold printed text plus the SGR (colour and style) sequences in effect, and
/// nothing else: cursor movement, erasing, modes, titles and other strings are dropped,
/// because a log is read top to bottom and cannot be redrawn.
///
/// | input | effect |
/// | --- | --- |
/// | printed text | appended |
/// | LF, VT, FF | end the line (a CR right before them changes nothing) |
/// | a lone CR | the next text starts the line again: a progress bar shows its last state |
/// | BS | removes the last character |
/// | TAB | spaces up to the next multiple of 8 characters |
/// | `CSI … m` | kept as it is; other CSI, ESC, OSC, DCS and C0/C1 controls are dropped |
///
/// A line the assembler ended itself (shown after an idle pause, or cut at the length
/// cap) is not ended a second time: the program's own line end, when it comes right after
/// (no text in between), makes no empty line.
///
/// Colours carry across lines: a line ends with `ESC[0m` when colours are active, and
/// the next line starts by setting them again, so every line can be printed on its own.
/// Columns are counted in characters, not cells, for the tab stops.
///
/// ```
/// use perdix::logview::LineAssembler;
/// use perdix::parse::DecodedAction;
/// let mut assembler = LineAssembler::new();
/// let mut lines = Vec::new();
/// for action in [
///     DecodedAction::Print("50%"),
///     DecodedAction::Execute(b'\r'),
///     DecodedAction::Print("done"),
///     DecodedAction::Execute(b'\r'),
///     DecodedAction::Execute(b'\n'),
/// ] {
///     assembler.push(&action, &mut lines);
/// }
/// assert_eq!(lines, ["done"]);
/// ```
#[derive(Debug, Clone)]
pub struct LineAssembler {
    /// The pending line: the pen it started with, then text and SGR sequences.
    line: String,
    /// Where each printed character of `line` starts, for backspace and tab stops.
    chars: Vec<usize>,
    /// The SGR sequences in effect, oldest first, since the last full reset.
    pen: Vec<String>,
    /// Whether the pending line has been started (its pen written into `line`).
    open: bool,
    /// A CR arrived and no line end yet: the next text restarts the line.
    carriage_return: bool,
    /// When the last action arrived while the line was pending.
    last_activity: Option<Instant>,
    /// When [`flush_idle`](Self::flush_idle) last looked, to tell a pause of the output
    /// from a pause of whoever looks.
    last_check: Option<Instant>,
    /// The last line was ended here (idle flush or length cap), not by the program, and
    /// no text came since: the program's line end still to come belongs to that line.
    cut: bool,
    max_line_bytes: usize,
}

impl Default for LineAssembler {
    fn default() -> LineAssembler {
        LineAssembler::new()
    }
}

impl LineAssembler {
    /// An assembler with an empty pen and the [`DEFAULT_MAX_LINE_BYTES`] cap.
    pub fn new() -> LineAssembler {
        LineAssembler {
            line: String::new(),
            chars: Vec::new(),
            pen: Vec::new(),
            open: false,
            carriage_return: false,
            last_activity: None,
            last_check: None,
            cut: false,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }

    /// The same assembler flushing pending lines once they reach `max_line_bytes` bytes
    /// (at least 1).
    ///
    /// ```
    /// use perdix::logview::LineAssembler;
    /// use perdix::parse::DecodedAction;
    /// let mut assembler = LineAssembler::new().with_max_line_bytes(4);
    /// let mut lines = Vec::new();
    /// assembler.push(&DecodedAction::Print("abcdefghij"), &mut lines);
    /// assert_eq!(lines, ["abcd", "efgh"]);
    /// assert_eq!(assembler.finish().as_deref(), Some("ij"));
    /// ```
    #[must_use]
    pub fn with_max_line_bytes(mut self, max_line_bytes: usize) -> LineAssembler {
        self.max_line_bytes = max_line_bytes.max(1);
        self
    }

    /// True while a partial line with text waits for its end.
    pub fn has_pending_text(&self) -> bool {
        !self.chars.is_empty()
    }

    /// The SGR sequences that a new line would start with.
    pub fn pen(&self) -> &[String] {
        &self.pen
    }

    /// Applies one action, appending every line it completes to `lines`; the action is
    /// timed with the system clock (see [`push_at`](Self::push_at)).
    pub fn push(&mut self, action: &DecodedAction<'_>, lines: &mut Vec<String>) {
        self.push_at(action, Instant::now(), lines);
    }

    /// Applies one action that arrived at `now`, appending every line it completes to
    /// `lines`. `now` only matters for [`flush_idle`](Self::flush_idle).
    pub fn push_at(&mut self, action: &DecodedAction<'_>, now: Instant, lines: &mut Vec<String>) {
        match action {
            DecodedAction::Print(text) => {
                self.restart_after_carriage_return();
                for c in text.chars() {
                    self.print_char(c, lines);
                }
            }
            DecodedAction::Execute(byte) => self.execute(*byte, lines),
            DecodedAction::Csi {
                params,
                intermediates,
                ignore: false,
                action: b'm',
            } if intermediates.as_slice().is_empty() => {
                self.restart_after_carriage_return();
                self.apply_sgr(params);
            }
            // Cursor movement, erasing, modes, titles, DCS strings: meaningless in a log.
            _ => {}
        }
        if self.open {
            self.last_activity = Some(now);
        }
    }

    /// Returns the partial line if it has text and nothing arrived for `idle` up to
    /// `now`, so that a prompt without a newline still shows; what comes after it then
    /// starts a new line, except a line end right after it, which only ends it.
    ///
    /// Meant to be called steadily (every few milliseconds while output flows or not):
    /// a gap between two calls longer than a quarter of `idle` means the caller was held
    /// up, and the output may have kept coming meanwhile, so the wait starts again at
    /// `now` instead of cutting a line whose rest is on its way.
    ///
    /// ```
    /// use perdix::logview::LineAssembler;
    /// use perdix::parse::DecodedAction;
    /// use std::time::{Duration, Instant};
    /// let mut assembler = LineAssembler::new();
    /// let start = Instant::now();
    /// assembler.push_at(&DecodedAction::Print("Continue? "), start, &mut Vec::new());
    /// let idle = Duration::from_millis(500);
    /// let step = Duration::from_millis(100);
    /// for check in 1..5 {
    ///     assert_eq!(assembler.flush_idle(start + step * check, idle), None);
    /// }
    /// assert_eq!(assembler.flush_idle(start + idle, idle).as_deref(), Some("Continue? "));
    /// ```
    pub fn flush_idle(&mut self, now: Instant, idle: Duration) -> Option<String> {
        let stalled = self
            .last_check
            .is_some_and(|last| now.saturating_duration_since(last) > idle / STALL_FRACTION);
        self.last_check = Some(now);
        let since = self.last_activity?;
        if stalled {
            self.last_activity = Some(now);
            return None;
        }
        if now.saturating_duration_since(since) < idle {
            return None;
        }
        let line = self.finish();
        self.cut = line.is_some();
        line
    }

    /// Returns the partial line, if it has text: the pane's stream has ended.
    pub fn finish(&mut self) -> Option<String> {
        if !self.has_pending_text() {
            return None;
        }
        Some(self.take_line())
    }

    fn execute(&mut self, byte: u8, lines: &mut Vec<String>) {
        match byte {
            b'\n' | 0x0b | 0x0c => {
                // No text since the assembler cut the last line: this ends that line,
                // which is already out.
                let cut = std::mem::take(&mut self.cut);
                let line = self.take_line();
                if !cut {
                    lines.push(line);
                }
            }
            b'\r' => self.carriage_return = true,
            0x08 => {
                self.restart_after_carriage_return();
                if let Some(start) = self.chars.pop() {
                    self.line.remove(start);
                }
            }
            b'\t' => {
                self.restart_after_carriage_return();
                let spaces = TAB_WIDTH - self.chars.len() % TAB_WIDTH;
                for _ in 0..spaces {
                    self.print_char(' ', lines);
                }
            }
            // Bells, shifts and C1 controls have no place in a log line.
            _ => {}
        }
    }

    fn print_char(&mut self, c: char, lines: &mut Vec<String>) {
        self.open_line();
        self.cut = false;
        self.chars.push(self.line.len());
        self.line.push(c);
        if self.line.len() >= self.max_line_bytes {
            lines.push(self.take_line());
            self.cut = true;
        }
    }

    fn apply_sgr(&mut self, params: &Params) {
        // The line starts with the pen as it was before this sequence changes it.
        self.open_line();
        let sequence = encode_sgr(params);
        let mut groups = params.groups();
        let starts_with_reset = match groups.next() {
            None => true,
            Some(first) => first == [0],
        };
        if starts_with_reset {
            self.pen.clear();
        }
        // A lone reset leaves nothing to re-apply on the next line.
        if !(starts_with_reset && groups.next().is_none()) {
            self.line.push_str(&sequence);
            if self.pen.len() == MAX_PEN_SEQUENCES {
                self.pen.remove(0);
            }
            self.pen.push(sequence);
        } else {
            self.line.push_str(&sequence);
        }
    }

    /// Starts the pending line with the pen, if it has not started yet.
    fn open_line(&mut self) {
        if !self.open {
            self.open = true;
            for sequence in &self.pen {
                self.line.push_str(sequence);
            }
        }
    }

    /// A lone CR followed by content: the earlier text of the line is replaced.
    fn restart_after_carriage_return(&mut self) {
        if self.carriage_return {
            self.carriage_return = false;
            self.discard_line();
        }
    }

    fn discard_line(&mut self) {
        self.line.clear();
        self.chars.clear();
        self.open = false;
    }

    /// The pending line, ended with a reset when colours are active; a line without
    /// text comes out empty (its colour changes live on in the pen).
    fn take_line(&mut self) -> String {
        let line = if self.chars.is_empty() {
            String::new()
        } else {
            let mut line = std::mem::take(&mut self.line);
            if !self.pen.is_empty() {
                line.push_str(SGR_RESET);
            }
            line
        };
        self.discard_line();
        self.carriage_return = false;
        self.last_activity = None;
        line
    }
}

/// `ESC [` params `m`, with `;` between groups and `:` before subparameters.
fn encode_sgr(params: &Params) -> String {
    if params.is_empty() {
        return "\x1b[m".to_owned();
    }
    format!("\x1b[{params}m")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::AnyEngine;
    use crate::parse::{decode_records, BackendKind, Intermediates};

    fn csi(values: &[(u16, bool)], intermediates: &[u8], action: u8) -> DecodedAction<'static> {
        let mut params = Params::default();
        for &(value, continues) in values {
            params.push(value, continues);
        }
        DecodedAction::Csi {
            params,
            intermediates: Intermediates::from_slice(intermediates),
            ignore: false,
            action,
        }
    }

    fn sgr(values: &[u16]) -> DecodedAction<'static> {
        let values: Vec<(u16, bool)> = values.iter().map(|&value| (value, false)).collect();
        csi(&values, b"", b'm')
    }

    fn run(assembler: &mut LineAssembler, actions: &[DecodedAction<'_>]) -> Vec<String> {
        let mut lines = Vec::new();
        for action in actions {
            assembler.push(action, &mut lines);
        }
        lines
    }

    fn lines_of(actions: &[DecodedAction<'_>]) -> Vec<String> {
        run(&mut LineAssembler::new(), actions)
    }

    const LF: DecodedAction<'static> = DecodedAction::Execute(b'\n');
    const CR: DecodedAction<'static> = DecodedAction::Execute(b'\r');

    #[test]
    fn sgr_is_kept_and_an_active_pen_is_reset_at_the_line_end() {
        let lines = lines_of(&[
            DecodedAction::Print("a"),
            sgr(&[31]),
            DecodedAction::Print("red"),
            sgr(&[0]),
            DecodedAction::Print("b"),
            LF,
            sgr(&[1, 32]),
            DecodedAction::Print("bold green"),
            CR,
            LF,
        ]);
        assert_eq!(lines, ["a\x1b[31mred\x1b[0mb", "\x1b[1;32mbold green\x1b[0m"]);
    }

    #[test]
    fn the_pen_is_carried_to_the_next_line_until_a_full_reset() {
        let mut assembler = LineAssembler::new();
        let lines = run(
            &mut assembler,
            &[
                sgr(&[33]),
                DecodedAction::Print("one"),
                LF,
                sgr(&[4]),
                DecodedAction::Print("two"),
                LF,
                DecodedAction::Print("three"),
                sgr(&[]),
                LF,
                DecodedAction::Print("four"),
                LF,
            ],
        );
        assert_eq!(
            lines,
            [
                "\x1b[33mone\x1b[0m",
                "\x1b[33m\x1b[4mtwo\x1b[0m",
                "\x1b[33m\x1b[4mthree\x1b[m",
                "four",
            ]
        );
        assert!(assembler.pen().is_empty());
    }

    #[test]
    fn a_reset_followed_by_more_attributes_starts_a_new_pen() {
        let mut assembler = LineAssembler::new();
        run(&mut assembler, &[sgr(&[31]), sgr(&[4]), sgr(&[0, 36])]);
        assert_eq!(assembler.pen(), ["\x1b[0;36m"]);
    }

    #[test]
    fn subparameters_are_encoded_with_colons() {
        let truecolour = csi(
            &[
                (38, true),
                (2, true),
                (1, true),
                (2, true),
                (3, false),
                (1, false),
            ],
            b"",
            b'm',
        );
        let lines = lines_of(&[truecolour, DecodedAction::Print("x"), LF]);
        assert_eq!(lines, ["\x1b[38:2:1:2:3;1mx\x1b[0m"]);
    }

    #[test]
    fn cursor_movement_erase_modes_esc_osc_and_private_sgr_are_dropped() {
        let lines = lines_of(&[
            DecodedAction::Print("b"),
            csi(&[(2, false)], b"", b'K'),
            csi(&[(3, false), (4, false)], b"", b'H'),
            csi(&[(1, false)], b"", b'A'),
            csi(&[(25, false)], b"?", b'l'),
            csi(&[(4, false), (1, false)], b">", b'm'),
            DecodedAction::Esc {
                intermediates: Intermediates::default(),
                ignore: false,
                byte: b'7',
            },
            DecodedAction::Execute(0x07),
            DecodedAction::Execute(0x9b),
            DecodedAction::Print("c"),
            LF,
        ]);
        assert_eq!(lines, ["bc"]);
    }

    /// The lines of `bytes` run through the parser, the pending line included.
    fn lines_from_bytes(bytes: &[u8]) -> Vec<String> {
        let mut engine = AnyEngine::new(BackendKind::Cpu).unwrap();
        let mut assembler = LineAssembler::new();
        let mut lines = Vec::new();
        let mut push_all = |records: &crate::parse::RecordBatch, lines: &mut Vec<String>| {
            for (_, message) in records.messages() {
                for action in decode_records(message) {
                    assembler.push(&action.unwrap(), lines);
                }
            }
        };
        push_all(engine.parse(&[(0, bytes)]).unwrap(), &mut lines);
        push_all(engine.finish(0).unwrap(), &mut lines);
        lines.extend(assembler.finish());
        lines
    }

    #[test]
    fn parsed_titles_hyperlinks_and_dcs_strings_leave_only_their_text() {
        let lines = lines_from_bytes(
            b"\x1b]0;title\x07\x1b]8;;file:///a\x1b\\link\x1b]8;;\x1b\\ \x1bP1$r0m\x1b\\\x1b[?2004h\
              \x1b7\x1b[10;4H\x1b8\x1b[38:5:208mok\x1b[m\r\nlast",
        );
        assert_eq!(
            lines,
            ["link \x1b[38:5:208mok\x1b[0m", "last"],
            "the parser reads `CSI m` as `CSI 0 m`"
        );
    }

    #[test]
    fn a_lone_carriage_return_restarts_the_line_and_crlf_is_just_an_end() {
        let lines = lines_of(&[
            DecodedAction::Print("10%"),
            CR,
            csi(&[(2, false)], b"", b'K'),
            DecodedAction::Print("90%"),
            CR,
            DecodedAction::Print("100%"),
            CR,
            LF,
            DecodedAction::Print("next"),
            CR,
            CR,
            LF,
        ]);
        assert_eq!(lines, ["100%", "next"]);
    }

    #[test]
    fn backspace_removes_the_last_character_even_a_wide_one() {
        let lines = lines_of(&[
            DecodedAction::Print("ab日"),
            DecodedAction::Execute(0x08),
            DecodedAction::Print("c"),
            sgr(&[1]),
            DecodedAction::Execute(0x08),
            DecodedAction::Print("d"),
            LF,
            DecodedAction::Execute(0x08),
            DecodedAction::Print("e"),
            LF,
        ]);
        assert_eq!(lines, ["ab\x1b[1md\x1b[0m", "\x1b[1me\x1b[0m"]);
    }

    #[test]
    fn tab_pads_to_the_next_multiple_of_eight() {
        let tab = DecodedAction::Execute(b'\t');
        let lines = lines_of(&[
            tab,
            DecodedAction::Print("x"),
            tab,
            DecodedAction::Print("1234567"),
            tab,
            DecodedAction::Print("y"),
            LF,
        ]);
        assert_eq!(
            lines,
            [format!("{}x{}1234567{}y", " ".repeat(8), " ".repeat(7), " ")]
        );
    }

    #[test]
    fn long_lines_are_cut_at_the_cap_and_keep_their_colour() {
        let mut assembler = LineAssembler::new().with_max_line_bytes(10);
        let lines = run(
            &mut assembler,
            &[sgr(&[32]), DecodedAction::Print("0123456789abcdef"), LF],
        );
        assert_eq!(
            lines,
            [
                "\x1b[32m01234\x1b[0m",
                "\x1b[32m56789\x1b[0m",
                "\x1b[32mabcde\x1b[0m",
                "\x1b[32mf\x1b[0m"
            ]
        );
        let mut assembler = LineAssembler::new();
        let long = "x".repeat(3 * DEFAULT_MAX_LINE_BYTES + 5);
        let lines = run(&mut assembler, &[DecodedAction::Print(&long)]);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|line| line.len() == DEFAULT_MAX_LINE_BYTES));
        assert_eq!(assembler.finish().as_deref(), Some("xxxxx"));
    }

    #[test]
    fn empty_lines_stay_empty_and_colour_only_lines_carry_their_pen() {
        let lines = lines_of(&[LF, sgr(&[35]), LF, DecodedAction::Print("m"), LF]);
        assert_eq!(lines, ["", "", "\x1b[35mm\x1b[0m"]);
    }

    const IDLE: Duration = Duration::from_millis(500);
    const POLL: Duration = Duration::from_millis(10);

    /// Checks for an idle line every [`POLL`] after `from`, up to and including `to`, as
    /// the draining loop does; returns the lines flushed.
    fn poll(assembler: &mut LineAssembler, from: Instant, to: Instant) -> Vec<String> {
        let mut flushed = Vec::new();
        let mut now = from;
        while now < to {
            now = (now + POLL).min(to);
            flushed.extend(assembler.flush_idle(now, IDLE));
        }
        flushed
    }

    #[test]
    fn a_partial_line_is_flushed_when_idle_or_at_the_end() {
        let mut assembler = LineAssembler::new();
        let start = Instant::now();
        let mut lines = Vec::new();
        assembler.push_at(&sgr(&[36]), start, &mut lines);
        assert_eq!(
            poll(&mut assembler, start, start + IDLE * 2),
            [] as [String; 0],
            "no text yet"
        );
        let shown = start + IDLE * 2;
        assembler.push_at(&DecodedAction::Print("prompt> "), shown, &mut lines);
        assert_eq!(poll(&mut assembler, shown, shown + IDLE / 2), [] as [String; 0]);
        assert_eq!(
            poll(&mut assembler, shown + IDLE / 2, shown + IDLE),
            ["\x1b[36mprompt> \x1b[0m"]
        );
        let later = shown + IDLE * 3;
        assert_eq!(
            poll(&mut assembler, shown + IDLE, later),
            [] as [String; 0],
            "flushed once"
        );
        assembler.push_at(&DecodedAction::Print("typed"), later, &mut lines);
        assembler.push_at(&LF, later, &mut lines);
        assert_eq!(lines, ["\x1b[36mtyped\x1b[0m"]);
        assembler.push(&DecodedAction::Print("tail"), &mut lines);
        assert_eq!(assembler.finish().as_deref(), Some("\x1b[36mtail\x1b[0m"));
        assert_eq!(assembler.finish(), None);
    }

    #[test]
    fn a_line_end_right_after_an_idle_flush_only_ends_the_flushed_line() {
        let mut assembler = LineAssembler::new();
        let start = Instant::now();
        let mut lines = Vec::new();
        assembler.push_at(&DecodedAction::Print("Password: "), start, &mut lines);
        assert_eq!(poll(&mut assembler, start, start + IDLE), ["Password: "]);
        // Enter, not echoed: it ends the prompt's line, which is out already.
        for action in [CR, LF, DecodedAction::Print("ok"), CR, LF, LF] {
            assembler.push_at(&action, start + IDLE * 2, &mut lines);
        }
        assert_eq!(lines, ["ok", ""]);
    }

    #[test]
    fn a_line_end_right_after_the_length_cap_makes_no_empty_line() {
        let mut assembler = LineAssembler::new().with_max_line_bytes(4);
        let lines = run(
            &mut assembler,
            &[
                DecodedAction::Print("abcd"),
                CR,
                LF,
                DecodedAction::Print("e"),
                LF,
                LF,
            ],
        );
        assert_eq!(lines, ["abcd", "e", ""]);
    }

    #[test]
    fn a_held_up_check_does_not_cut_a_line_whose_rest_is_on_its_way() {
        let mut assembler = LineAssembler::new();
        let start = Instant::now();
        let mut lines = Vec::new();
        assembler.push_at(&DecodedAction::Print("right-001850-yy"), start, &mut lines);
        assert_eq!(poll(&mut assembler, start, start + POLL), [] as [String; 0]);
        // Whoever checks is held up for longer than the idle time; the rest of the line
        // came meanwhile and is taken after this check.
        let resumed = start + IDLE * 2;
        assert_eq!(assembler.flush_idle(resumed, IDLE), None);
        for action in [DecodedAction::Print("yyy"), CR, LF] {
            assembler.push_at(&action, resumed, &mut lines);
        }
        assert_eq!(lines, ["right-001850-yyyyy"]);
        // With steady checks again, a real pause still shows the partial line.
        assembler.push_at(&DecodedAction::Print("prompt> "), resumed, &mut lines);
        assert_eq!(poll(&mut assembler, resumed, resumed + IDLE), ["prompt> "]);
    }

    #[test]
    fn a_progress_line_left_by_a_carriage_return_is_flushed_at_the_end() {
        let mut assembler = LineAssembler::new();
        let lines = run(&mut assembler, &[DecodedAction::Print("100%"), CR]);
        assert!(lines.is_empty());
        assert_eq!(assembler.finish().as_deref(), Some("100%"));
    }
}

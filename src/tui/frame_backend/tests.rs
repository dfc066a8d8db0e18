//! The backend's frames read by terminals that disagree about widths: borders and
//! neighbouring areas stay right; ordinary frames show what ratatui's crossterm backend
//! showed, in about as many bytes.

use super::test_terminal::{Style, TestTerminal, Widths};
use super::FrameBackend;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style as RatatuiStyle};
use ratatui::widgets::{Block, Borders};
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::cell::RefCell;
use std::rc::Rc;

const WIDTH: u16 = 24;
const HEIGHT: u16 = 9;
/// The left block's inside, where the doubtful characters are.
const LEFT_INSIDE: Rect = Rect::new(1, 1, 10, 6);

fn terminal<B: Backend>(backend: B, width: u16, height: u16) -> Terminal<B> {
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
    };
    Terminal::with_options(backend, options).unwrap_or_else(|_| panic!("a terminal"))
}

fn frame_backend(width: u16, height: u16) -> Terminal<FrameBackend> {
    terminal(FrameBackend::new(width, height), width, height)
}

/// Draws with `draw` and returns what the backend wrote and the buffer it drew.
fn draw(terminal: &mut Terminal<FrameBackend>, draw: impl FnOnce(&mut Buffer)) -> (Vec<u8>, Buffer) {
    let buffer = match terminal.draw(|frame| draw(frame.buffer_mut())) {
        Ok(completed) => completed.buffer.clone(),
        Err(never) => match never {},
    };
    (terminal.backend_mut().take_frame(), buffer)
}

/// Where the crossterm backend writes, shared with the test.
#[derive(Clone, Default)]
struct Written(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for Written {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What ratatui's crossterm backend writes for the same frames.
struct Crossterm {
    terminal: Terminal<CrosstermBackend<Written>>,
    written: Written,
}

impl Crossterm {
    fn new(width: u16, height: u16) -> Crossterm {
        let written = Written::default();
        Crossterm {
            terminal: terminal(CrosstermBackend::new(written.clone()), width, height),
            written,
        }
    }

    fn draw(&mut self, draw: impl FnOnce(&mut Buffer)) -> Vec<u8> {
        self.terminal.draw(|frame| draw(frame.buffer_mut())).unwrap();
        std::mem::take(&mut *self.written.0.borrow_mut())
    }
}

/// Places `symbols` from the area's left edge and `last` so that it ends in the area's
/// last column, with blanks between.
fn put_row(buffer: &mut Buffer, area: Rect, row: u16, symbols: &[&str], last: &str) {
    let y = area.y + row;
    let style = RatatuiStyle::new()
        .fg(Color::Rgb(200, 200, 200))
        .bg(Color::Rgb(10, 10, 30));
    let mut x = area.x;
    for symbol in symbols {
        buffer[(x, y)].set_symbol(symbol).set_style(style);
        x += symbol.cell_width().max(1);
    }
    let last_x = area.right() - last.cell_width().max(1);
    assert!(x <= last_x, "row {row} is too wide");
    buffer[(last_x, y)]
        .set_symbol(last)
        .set_style(style.fg(Color::Yellow));
}

/// Two bordered blocks side by side: the right one with known text, the left one with
/// rows of doubtful characters, many of them in its first and last columns (next to the
/// borders), from one of three sets that share no character.
fn scene(buffer: &mut Buffer, set: usize) {
    let border = RatatuiStyle::new()
        .fg(Color::Rgb(90, 90, 200))
        .bg(Color::Rgb(10, 10, 30));
    let left = Rect::new(0, 0, 12, HEIGHT - 1);
    let right = Rect::new(12, 0, 12, HEIGHT - 1);
    for area in [left, right] {
        ratatui::widgets::Widget::render(
            Block::new().borders(Borders::ALL).border_style(border),
            area,
            buffer,
        );
    }
    let text = [
        "right side",
        "stays put.",
        "0123456789",
        "!@#$%^&*()",
        "~~~~~~~~~~",
        "last row",
    ];
    for (row, line) in text.iter().enumerate() {
        buffer.set_string(
            13,
            1 + row as u16,
            line,
            RatatuiStyle::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        );
    }
    buffer.set_string(0, HEIGHT - 1, "a status bar", RatatuiStyle::new().bg(Color::Blue));
    let area = LEFT_INSIDE;
    let rows: [[(&[&str], &str); 6]; 3] = [
        [
            (&["a", "b", "c"], "✌"),
            (&["\u{e000}", "x"], "中"),
            (
                &["\u{378}\u{301}", "e\u{301}", "❤\u{fe0f}"],
                "👨\u{200d}👩\u{200d}👧",
            ),
            (&["👍🏽", "\u{1fae8}"], "\u{f0000}"),
            (&["\u{600}", "±", "…"], "¡"),
            (&["a\u{300}\u{301}\u{302}"], "z\u{300}\u{301}\u{302}"),
        ],
        [
            (&["D", "E"], "☝"),
            (&["\u{e001}", "Y"], "国"),
            (&["\u{379}\u{302}", "o\u{302}", "☺\u{fe0f}"], "🇺🇸"),
            (&["🏽", "✍"], "\u{10fffd}"),
            (&["≠", "§"], "°"),
            (&["\u{300}"], "\u{e0b0}"),
        ],
        [
            (&["f", "g", "h"], "i"),
            (&["j"], "k"),
            (&["l", "m"], "n"),
            (&["o"], "p"),
            (&["q", "r"], "s"),
            (&["t"], "u"),
        ],
    ];
    for (row, (symbols, last)) in rows[set].iter().enumerate() {
        put_row(buffer, area, row as u16, symbols, last);
    }
}

fn style_of(cell: &ratatui::buffer::Cell) -> Style {
    Style {
        fg: cell.fg,
        bg: cell.bg,
        modifier: cell.modifier,
    }
}

/// The cells of `buffer` that `terminal` does not show as they are, but for those that
/// `except` names (by position and the symbol of the glyph that covers them).
fn wrong_cells(
    terminal: &TestTerminal,
    buffer: &Buffer,
    except: &dyn Fn(u16, u16, &str) -> bool,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for y in 0..buffer.area.height {
        let mut head = 0;
        for x in 0..buffer.area.width {
            let in_wide_glyph = x > 0 && x < head + buffer[(head, y)].cell_width().max(1);
            if !in_wide_glyph {
                head = x;
            }
            let expected = &buffer[(head, y)];
            if except(x, y, expected.symbol()) {
                continue;
            }
            let shown = terminal.cell(usize::from(x), usize::from(y));
            // A symbol that starts with a combining character is drawn on a space.
            let symbol = match expected.symbol() {
                _ if in_wide_glyph => String::new(),
                symbol if symbol.cell_width() == 0 => format!(" {symbol}"),
                symbol => symbol.to_string(),
            };
            if shown.text != symbol || (!in_wide_glyph && shown.style != style_of(expected)) {
                wrong.push(format!(
                    "({x}, {y}): {:?} {:?} instead of {symbol:?} {:?}",
                    shown.text,
                    shown.style,
                    style_of(expected)
                ));
            }
        }
    }
    wrong
}

/// Whether a terminal that sizes each character on its own, as the test terminal does,
/// cannot show `symbol` as ratatui sizes it: emoji joined into one glyph, or made wide by
/// U+FE0F.
fn is_emoji_sequence(symbol: &str) -> bool {
    let spacing = symbol
        .chars()
        .filter(|&c| c.encode_utf8(&mut [0; 4]).cell_width() > 0)
        .count();
    spacing > 1 || symbol.contains(['\u{fe0f}', '\u{200d}'])
}

fn nothing(_: u16, _: u16, _: &str) -> bool {
    false
}

/// Cells of `area` that show a glyph the frame does not have on that row: what an
/// earlier frame left.
fn stale_cells(terminal: &TestTerminal, buffer: &Buffer, area: Rect) -> Vec<String> {
    let mut stale = Vec::new();
    for y in area.top()..area.bottom() {
        let row: String = (area.left()..area.right())
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        for x in area.left()..area.right() {
            let text = &terminal.cell(usize::from(x), usize::from(y)).text;
            if text.chars().any(|c| c != ' ' && !row.contains(c)) {
                stale.push(format!("({x}, {y}): {text:?} on {row:?}"));
            }
        }
    }
    stale
}

fn screen(terminal: &TestTerminal, height: usize) -> String {
    (0..height).map(|y| terminal.row(y) + "\n").collect()
}

#[test]
fn borders_and_the_next_pane_stay_right_whatever_width_the_terminal_gives() {
    let mut backend = frame_backend(WIDTH, HEIGHT);
    let every = [Widths::Agreeing].into_iter().chain(Widths::DISAGREEING);
    let mut terminals: Vec<TestTerminal> = every
        .map(|widths| TestTerminal::new(usize::from(WIDTH), usize::from(HEIGHT), widths))
        .collect();
    for set in [0, 1, 0, 2, 1] {
        let (bytes, buffer) = draw(&mut backend, |buffer| scene(buffer, set));
        for terminal in &mut terminals {
            terminal.feed(&bytes);
            let shown = screen(terminal, usize::from(HEIGHT));
            let context = format!("set {set}, {terminal:?}:\n{shown}");
            assert!(
                terminal.unexpected.is_empty(),
                "{:?}; {context}",
                terminal.unexpected
            );
            assert_eq!(terminal.scrolled, 0, "{context}");
            let agreeing = terminal.widths() == Widths::Agreeing;
            let except = |x, y, symbol: &str| {
                let inside = LEFT_INSIDE.contains(Position::new(x, y));
                inside && (!agreeing || is_emoji_sequence(symbol))
            };
            let wrong = wrong_cells(terminal, &buffer, &except);
            assert!(wrong.is_empty(), "{wrong:#?}; {context}");
            let stale = stale_cells(terminal, &buffer, LEFT_INSIDE);
            assert!(stale.is_empty(), "{stale:#?}; {context}");
        }
    }
}

#[test]
fn the_disagreeing_terminals_do_catch_a_backend_that_lets_widths_move_cells() {
    // The same scene through ratatui's crossterm backend: the emoji in the left block's
    // last column pushes the border aside in a terminal that draws it wide.
    for widths in [Widths::Wide, Widths::Dropped, Widths::SpacingMarks] {
        let mut crossterm = Crossterm::new(WIDTH, HEIGHT);
        let mut terminal = TestTerminal::new(usize::from(WIDTH), usize::from(HEIGHT), widths);
        let mut buffer = Buffer::empty(Rect::new(0, 0, WIDTH, HEIGHT));
        for set in [0, 1] {
            terminal.feed(&crossterm.draw(|frame| scene(frame, set)));
            buffer.reset();
            scene(&mut buffer, set);
        }
        let outside = |x, y, _: &str| LEFT_INSIDE.contains(Position::new(x, y));
        let wrong = wrong_cells(&terminal, &buffer, &outside);
        assert!(
            !wrong.is_empty(),
            "{widths:?}:\n{}",
            screen(&terminal, usize::from(HEIGHT))
        );
    }
}

#[test]
fn a_glyph_drawn_wider_in_the_last_column_cannot_damage_the_next_row_or_scroll() {
    let (width, height) = (12, 4);
    let mut backend = frame_backend(width, height);
    let mut terminals: Vec<TestTerminal> = [Widths::Agreeing]
        .into_iter()
        .chain(Widths::DISAGREEING)
        .map(|widths| TestTerminal::new(usize::from(width), usize::from(height), widths))
        .collect();
    for glyph in ["✌", "☝", "a", "\u{e000}"] {
        let (bytes, _) = draw(&mut backend, |buffer| {
            buffer.set_string(0, 0, "top row", RatatuiStyle::new());
            buffer[(width - 1, 1)].set_symbol(glyph);
            buffer.set_string(0, 2, "abcdefghijkl", RatatuiStyle::new().fg(Color::Red));
            buffer.set_string(0, 3, "status", RatatuiStyle::new());
            // The screen's last cell: a glyph drawn wider there would scroll.
            buffer[(width - 1, height - 1)].set_symbol(glyph);
        });
        for terminal in &mut terminals {
            terminal.feed(&bytes);
            let context = format!(
                "{glyph:?}, {terminal:?}:\n{}",
                screen(terminal, usize::from(height))
            );
            assert_eq!(terminal.scrolled, 0, "{context}");
            assert_eq!(terminal.row(0), "top row     ", "{context}");
            assert_eq!(terminal.row(2), "abcdefghijkl", "{context}");
            assert!(terminal.row(3).starts_with("status"), "{context}");
            let corner = &terminal
                .cell(usize::from(width) - 1, usize::from(height) - 1)
                .text;
            let plain = glyph.len() == 1;
            assert_eq!(corner, if plain { glyph } else { " " }, "{context}");
        }
    }
}

/// What the panes of [`app_like`] show.
const LINES: [&str; 6] = [
    "Compiling perdix v0.1.0 (/work/perdix)",
    "warning: unused variable: `frame`",
    "   --> src/tui/frame_backend/mod.rs:42:9",
    "test ring::tests::wraps_around ... ok",
    "I'll read the file first, then make the change.",
    "Finished `ci` profile [optimized + debuginfo] target(s) in 4.2s",
];

/// A screen like the app's: four bordered panes with titles, ASCII text in the theme's
/// colours, and a status bar; `scroll` lines of the first pane's text have gone by, and
/// `typed` characters were typed at the last pane's prompt.
fn app_like(buffer: &mut Buffer, scroll: usize, typed: usize) {
    let area = buffer.area;
    let background = Color::Rgb(30, 30, 46);
    let text = RatatuiStyle::new().fg(Color::Rgb(205, 214, 244)).bg(background);
    buffer.set_style(area, text);
    let halves = |start: u16, length: u16| [(start, length / 2), (start + length / 2, length - length / 2)];
    let mut index = 0;
    for (y, height) in halves(0, area.height - 1) {
        for (x, width) in halves(0, area.width) {
            let pane = Rect::new(x, y, width, height);
            let border = if index == 0 {
                Color::Rgb(137, 180, 250)
            } else {
                Color::Rgb(88, 91, 112)
            };
            let block = Block::new()
                .borders(Borders::ALL)
                .border_style(RatatuiStyle::new().fg(border).bg(background))
                .title(format!(" {}: agent [running] ", index + 1));
            let inside = block.inner(pane);
            ratatui::widgets::Widget::render(block, pane, buffer);
            for row in 0..inside.height {
                let number = usize::from(row) + if index == 0 { scroll } else { 0 };
                let line = format!("{number:>4} {}", LINES[(number * 7 + index) % LINES.len()]);
                buffer.set_stringn(inside.x, inside.y + row, &line, usize::from(inside.width), text);
            }
            if index == 3 {
                let prompt = format!(
                    "$ {}",
                    "cargo test --workspace".chars().take(typed).collect::<String>()
                );
                let row = inside.bottom() - 1;
                buffer.set_stringn(
                    inside.x,
                    row,
                    " ".repeat(usize::from(inside.width)),
                    usize::from(inside.width),
                    text,
                );
                buffer.set_stringn(
                    inside.x,
                    row,
                    &prompt,
                    usize::from(inside.width),
                    text.add_modifier(Modifier::BOLD),
                );
            }
            index += 1;
        }
    }
    let status = RatatuiStyle::new()
        .fg(Color::Rgb(17, 17, 27))
        .bg(Color::Rgb(137, 180, 250));
    buffer.set_stringn(
        0,
        area.bottom() - 1,
        format!(
            "{:width$}",
            " perdix | 4 pane(s) | layout tiled",
            width = usize::from(area.width)
        ),
        usize::from(area.width),
        status,
    );
}

#[test]
fn ordinary_frames_show_the_same_screen_as_before_in_about_as_many_bytes() {
    let (width, height) = (100, 30);
    let mut ours = frame_backend(width, height);
    let mut theirs = Crossterm::new(width, height);
    let mut our_screen = TestTerminal::new(usize::from(width), usize::from(height), Widths::Agreeing);
    let mut their_screen = TestTerminal::new(usize::from(width), usize::from(height), Widths::Agreeing);
    let frames = [
        ("first draw", 0, 0),
        ("text scrolls", 1, 0),
        ("one key typed", 1, 1),
        ("more typed", 1, 5),
    ];
    let mut sizes = Vec::new();
    for (name, scroll, typed) in frames {
        let (bytes, buffer) = draw(&mut ours, |buffer| app_like(buffer, scroll, typed));
        let their_bytes = theirs.draw(|buffer| app_like(buffer, scroll, typed));
        our_screen.feed(&bytes);
        their_screen.feed(&their_bytes);
        for (who, terminal) in [("ours", &our_screen), ("crossterm's", &their_screen)] {
            let wrong = wrong_cells(terminal, &buffer, &nothing);
            assert!(wrong.is_empty(), "{name}, {who}: {wrong:#?}");
            assert!(
                terminal.unexpected.is_empty(),
                "{name}, {who}: {:?}",
                terminal.unexpected
            );
        }
        eprintln!(
            "{name}: {} bytes here, {} with the crossterm backend",
            bytes.len(),
            their_bytes.len()
        );
        sizes.push((name, bytes.len(), their_bytes.len()));
    }
    for (name, ours, theirs) in sizes {
        // The first draw pays a cursor position after each box-drawing character.
        let allowed = if name == "first draw" {
            theirs * 12 / 10
        } else {
            theirs * 105 / 100
        };
        assert!(
            ours <= allowed,
            "{name}: {ours} bytes here, {theirs} with the crossterm backend"
        );
    }
}

#[test]
fn a_resize_clears_and_redraws_the_whole_screen() {
    let mut ours = frame_backend(40, 12);
    draw(&mut ours, |buffer| app_like(buffer, 0, 0));
    ours.backend_mut().set_size(30, 10);
    ours.resize(Rect::new(0, 0, 30, 10))
        .unwrap_or_else(|never| match never {});
    let (bytes, buffer) = draw(&mut ours, |buffer| app_like(buffer, 3, 2));
    let mut terminal = TestTerminal::new(30, 10, Widths::Agreeing);
    // What the old frame left, which the clear must remove.
    terminal.feed("\x1b[5;5Hleft over".as_bytes());
    terminal.feed(&bytes);
    let wrong = wrong_cells(&terminal, &buffer, &nothing);
    assert!(wrong.is_empty(), "{wrong:#?}\n{}", screen(&terminal, 10));
}

#[test]
fn the_cursor_is_shown_hidden_and_placed_and_only_changes_are_sent() {
    let mut ours = frame_backend(10, 3);
    let (bytes, _) = draw(&mut ours, |buffer| {
        buffer.set_string(0, 0, "ab", RatatuiStyle::new())
    });
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.ends_with("\x1b[?25l"), "{text:?}");
    let (bytes, _) = draw(&mut ours, |buffer| {
        buffer.set_string(0, 0, "ab", RatatuiStyle::new())
    });
    assert!(
        bytes.is_empty(),
        "an unchanged frame writes nothing: {:?}",
        String::from_utf8_lossy(&bytes)
    );
    let position = |x, y| {
        move |frame: &mut ratatui::Frame| {
            frame.render_widget(ratatui::widgets::Paragraph::new("ab"), frame.area());
            frame.set_cursor_position(Position::new(x, y));
        }
    };
    ours.draw(position(4, 2)).unwrap_or_else(|never| match never {});
    let mut terminal = TestTerminal::new(10, 3, Widths::Agreeing);
    terminal.feed(&ours.backend_mut().take_frame());
    assert!(terminal.cursor_shown);
    assert_eq!(terminal.cursor(), (4, 2));
    ours.draw(position(4, 2)).unwrap_or_else(|never| match never {});
    assert!(ours.backend_mut().take_frame().is_empty());
}

#[test]
fn the_demo_agents_screens_take_about_as_many_bytes_as_before() {
    use crate::bench::agents::AgentKind;
    use crate::bench::demo::{DemoAgent, DemoStep};
    use crate::tui::render::render_terminal;
    use crate::tui::theme::Theme;
    use alacritty_terminal::event::VoidListener;
    use alacritty_terminal::term::test::TermSize;
    use alacritty_terminal::term::{Config, Term};

    let (width, height) = (120, 40);
    let theme = Theme::default();
    let panes: Vec<Rect> = [(0, 0, 60, 19), (60, 0, 60, 19), (0, 19, 60, 20), (60, 19, 60, 20)]
        .into_iter()
        .map(|(x, y, w, h)| Rect::new(x, y, w, h))
        .collect();
    let kinds = [
        AgentKind::Claude,
        AgentKind::Codex,
        AgentKind::Aider,
        AgentKind::Claude,
    ];
    let mut agents: Vec<DemoAgent> = (0..4)
        .map(|index| DemoAgent::new(kinds[index], index as u64 + 1, false))
        .collect();
    let mut terms: Vec<Term<VoidListener>> = panes
        .iter()
        .map(|pane| {
            let size = TermSize::new(usize::from(pane.width - 2), usize::from(pane.height - 2));
            Term::new(Config::default(), &size, VoidListener)
        })
        .collect();
    let mut processor: vte::ansi::Processor = vte::ansi::Processor::new();
    let mut ours = frame_backend(width, height);
    let mut theirs = Crossterm::new(width, height);
    let mut our_screen = TestTerminal::new(usize::from(width), usize::from(height), Widths::Agreeing);
    let (mut our_bytes, mut their_bytes, mut first) = (0, 0, None);
    for _ in 0..200 {
        for (agent, term) in agents.iter_mut().zip(&mut terms) {
            let (DemoStep::Output(burst) | DemoStep::Prompt(burst)) = agent.next_step();
            processor.advance(term, &burst.bytes);
        }
        let draw_app = |buffer: &mut Buffer| {
            for (index, (pane, term)) in panes.iter().zip(&terms).enumerate() {
                let block = Block::new()
                    .borders(Borders::ALL)
                    .title(format!(" {}: agent ", index + 1));
                let inside = block.inner(*pane);
                ratatui::widgets::Widget::render(block, *pane, buffer);
                render_terminal(term, &theme, inside, buffer, None);
            }
            buffer.set_string(0, height - 1, " perdix | 4 pane(s)", RatatuiStyle::new());
        };
        let (bytes, buffer) = draw(&mut ours, draw_app);
        let theirs = theirs.draw(draw_app);
        our_screen.feed(&bytes);
        let except = |_: u16, _: u16, symbol: &str| is_emoji_sequence(symbol);
        let wrong = wrong_cells(&our_screen, &buffer, &except);
        assert!(wrong.is_empty(), "{wrong:#?}");
        if first.is_none() {
            first = Some((bytes.len(), theirs.len()));
        } else {
            our_bytes += bytes.len();
            their_bytes += theirs.len();
        }
    }
    let (our_first, their_first) = first.unwrap_or_default();
    eprintln!(
        "the demo agents: a first frame of {our_first} bytes here, {their_first} with the crossterm \
         backend; then {our_bytes} and {their_bytes} bytes in 199 frames"
    );
    // Their borders, spinners, bullets and CJK text are not ASCII: each such cell is
    // followed by a cursor position, which the first frame, all borders, pays most for.
    assert!(
        our_first <= their_first * 15 / 10,
        "first frame: {our_first} and {their_first}"
    );
    assert!(
        our_bytes <= their_bytes * 11 / 10,
        "then: {our_bytes} and {their_bytes}"
    );
}

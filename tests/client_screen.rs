//! Frames that redraw only the pane rows that changed show exactly what whole frames
//! show. The recorded agents are replayed in four panes in small pieces; after every
//! pump, one client screen draws the frame from the panes' damage and another draws it
//! whole, each into an outer terminal of its own, and the two terminals must show the
//! same cells, colours and cursor. On the way the focus moves, a pane is zoomed and back,
//! the view scrolls back and returns, the prefix key is pressed and the screen is
//! resized, so frames go from whole to changed-only and back.

mod support;

use alacritty_terminal::event::VoidListener;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term, TermMode};
use crossterm::event::KeyCode;
use perdix::tui::app::{App, Msg};
use perdix::tui::client_screen::ClientScreen;
use perdix::tui::frame_damage::FrameDamage;
use perdix::tui::keymap::Keymap;
use std::time::{Duration, Instant};
use support::tui::{app_with_keymap, key, prefix, WAIT};

const AGENTS: [&str; 4] = ["claude", "codex", "gemini", "aider"];

/// A program that writes `file` in pieces of 1 to 200 bytes, two milliseconds apart, so that
/// the panes go through many screens.
fn replayer(file: &str) -> String {
    format!(
        "python3 -c 'import random,sys,time\n\
         data=open(sys.argv[1],\"rb\").read();r=random.Random(7);i=0\n\
         while i<len(data):\n n=r.randint(1,200);sys.stdout.buffer.write(data[i:i+n]);sys.stdout.flush();i+=n;time.sleep(0.002)\n\
         time.sleep(0.5)' {file}"
    )
}

/// One cell of an outer terminal.
type Shown = (char, vte::ansi::Color, vte::ansi::Color, Flags);

/// An outer terminal: what a client's terminal shows after the frames it was sent.
struct Outer {
    term: Term<VoidListener>,
    parser: vte::ansi::Processor,
}

impl Outer {
    fn new(width: u16, height: u16) -> Outer {
        let size = TermSize::new(usize::from(width), usize::from(height));
        Outer {
            term: Term::new(Config::default(), &size, VoidListener),
            parser: vte::ansi::Processor::new(),
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.parser.advance(&mut self.term, bytes);
    }

    fn resize(&mut self, width: u16, height: u16) {
        self.term
            .resize(TermSize::new(usize::from(width), usize::from(height)));
    }

    /// Each row's cells (character, colours, attributes) and the cursor, when shown.
    fn shown(&self) -> (Vec<Vec<Shown>>, Option<(i32, usize)>) {
        let grid = self.term.grid();
        let rows = (0..grid.screen_lines())
            .map(|row| {
                let line = &grid[Line(row as i32)];
                (0..grid.columns())
                    .map(|column| {
                        let cell = &line[Column(column)];
                        (cell.c, cell.fg, cell.bg, cell.flags)
                    })
                    .collect()
            })
            .collect();
        let cursor = self
            .term
            .mode()
            .contains(TermMode::SHOW_CURSOR)
            .then_some((grid.cursor.point.line.0, grid.cursor.point.column.0));
        (rows, cursor)
    }

    fn text(&self) -> String {
        let grid = self.term.grid();
        (0..grid.screen_lines())
            .map(|row| {
                let line = &grid[Line(row as i32)];
                (0..grid.columns())
                    .map(|column| line[Column(column)].c)
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Both ways of drawing, each with its own outer terminal.
struct Pair {
    changed: (ClientScreen, Outer),
    whole: (ClientScreen, Outer),
}

impl Pair {
    fn new(width: u16, height: u16) -> Pair {
        Pair {
            changed: (ClientScreen::new(width, height), Outer::new(width, height)),
            whole: (ClientScreen::new(width, height), Outer::new(width, height)),
        }
    }

    fn resize(&mut self, width: u16, height: u16) {
        for (screen, outer) in [&mut self.changed, &mut self.whole] {
            screen.resize(width, height);
            outer.resize(width, height);
        }
    }

    /// One round of frames from the same damage; fails when the terminals differ.
    fn draw(&mut self, app: &mut App, round: usize) {
        let damage = FrameDamage::take(&mut app.panes);
        let frame = self.changed.0.draw(app, &damage);
        self.changed.1.feed(&frame);
        self.whole.0.forget_damage();
        let frame = self.whole.0.draw(app, &damage);
        self.whole.1.feed(&frame);
        let (changed, whole) = (self.changed.1.shown(), self.whole.1.shown());
        if changed != whole {
            let row = (0..whole.0.len()).find(|&row| changed.0.get(row) != whole.0.get(row));
            panic!(
                "round {round}: the frames drawn from damage differ from whole frames \
                 (first differing row: {row:?}; cursors {:?} and {:?})\n\
                 drawn from damage:\n{}\n\ndrawn whole:\n{}",
                changed.1,
                whole.1,
                self.changed.1.text(),
                self.whole.1.text()
            );
        }
    }
}

#[test]
fn frames_drawn_from_damage_show_what_whole_frames_show() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let commands: Vec<String> = AGENTS
        .iter()
        .map(|agent| replayer(&format!("{dir}/tests/fixtures/agents/{agent}.raw")))
        .collect();
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    let (mut width, mut height) = (204, 62);
    let mut app = app_with_keymap(&commands, width, height, Keymap::default());
    let mut pair = Pair::new(width, height);
    let start = Instant::now();
    let mut round = 0;
    let mut finished_rounds = 0;
    // Until every step below was taken, every replay ended and a few quiet rounds
    // followed (on a slow machine the replays may end before the last steps).
    while round <= 250 || finished_rounds < 5 {
        assert!(start.elapsed() < WAIT, "the replays did not end within {WAIT:?}");
        app.pump().unwrap();
        match round {
            40 | 41 => app
                .update(prefix())
                .and_then(|()| app.update(key(KeyCode::Char('o')))),
            80 => app
                .update(prefix())
                .and_then(|()| app.update(key(KeyCode::Char('z')))),
            120 => app
                .update(prefix())
                .and_then(|()| app.update(key(KeyCode::Char('z')))),
            160 => app
                .update(prefix())
                .and_then(|()| app.update(key(KeyCode::Char('[')))),
            161 => app.update(key(KeyCode::PageUp)),
            180 => app.update(key(KeyCode::Char('q'))),
            200 => app.update(prefix()),
            201 => app.update(key(KeyCode::Esc)),
            240 => {
                (width, height) = (150, 45);
                pair.resize(width, height);
                app.update(Msg::Resize(width, height))
            }
            _ => Ok(()),
        }
        .unwrap();
        pair.draw(&mut app, round);
        if app.panes.is_finished() {
            finished_rounds += 1;
        }
        round += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    let counts = pair.changed.0.counts();
    println!("{round} rounds: {counts:?}");
    // Most frames are drawn from damage, and the whole ones came where they must.
    assert!(
        counts.changed_only > counts.whole * 4,
        "too few frames drawn from damage: {counts:?}"
    );
    assert!(
        counts.whole >= 6,
        "the layout changes did not draw whole frames: {counts:?}"
    );
}

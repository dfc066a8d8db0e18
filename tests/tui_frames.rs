//! Tear-free output of the real `perdix-tui` binary: run with `--demo 4` (and a pane that
//! sends every kind of escape sequence an agent might) in a pseudo-terminal, everything it
//! writes is captured and checked. Each frame is one synchronized update (`CSI ? 2026 h`
//! … `CSI ? 2026 l`), never nested, with nothing drawn outside one; the only sequences in
//! the whole output are the ones the app itself emits, so nothing a program in a pane
//! writes leaks through; the terminal's modes are reset at the end; and each frame leaves
//! a whole screen of the app, also around a resize.

mod support;

use alacritty_terminal::event::VoidListener;
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term};
use perdix::term::screen_text;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use support::tmux::PrivateDirs;
use vte::{Params, Parser, Perform};

/// How long a step may take before the test fails; generous for small, busy machines.
const WAIT: Duration = Duration::from_secs(60);
const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";

/// Modes set before the first frame: alternate screen, mouse reporting, bracketed paste.
const SETUP_MODES: &[u16] = &[1049, 1000, 1002, 1003, 1015, 1006, 2004];

/// A program that keeps writing what agents write and the app must not pass on: titles,
/// its own synchronized updates, status and attribute queries, bells, DCS, clipboard,
/// alternate screen, mouse and paste modes, keypad mode.
const NOISY_SCRIPT: &str = r#"while :; do
  printf '\033]0;noisy title\007\033]2;other title\033\\'
  printf '\033[?2026hsynced\033[?2026l\033[6n\033[c\033[5n\007'
  printf '\033P+q544e\033\\\033]52;c;aGVsbG8=\007\033]9;notify\007'
  printf '\033[?1049halt\033[?1049l\033[?1000h\033[?1006h\033[?2004h\033=\033[?25l\r\n'
  sleep 0.05
done
"#;

/// Everything written to the terminal, as it arrives.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn since(&self, offset: usize) -> Vec<u8> {
        self.0.lock().unwrap()[offset..].to_vec()
    }

    fn count(&self, needle: &[u8]) -> usize {
        self.0
            .lock()
            .unwrap()
            .windows(needle.len())
            .filter(|w| *w == needle)
            .count()
    }

    fn wait_until(&self, what: &str, done: impl Fn(&Capture) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {what}; the last bytes: {}",
                shown(&self.bytes(), usize::MAX)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The end of `bytes` up to `end`, escaped, at most 200 bytes.
fn shown(bytes: &[u8], end: usize) -> String {
    let end = end.min(bytes.len());
    let start = end.saturating_sub(200);
    format!("{:?}", String::from_utf8_lossy(&bytes[start..end]))
}

/// What happened outside frames, where, and after how many frames.
struct Outside {
    at: usize,
    frames_before: usize,
    private: bool,
    params: Vec<u16>,
    action: char,
}

/// Checks the stream as the parser reads it: inside frames only the renderer's own
/// sequences, outside them only mode changes.
#[derive(Default)]
struct Checker {
    /// Offset of the byte being parsed.
    at: usize,
    in_frame: bool,
    frames: usize,
    /// Where each frame ends: just after its `CSI ? 2026 l`.
    frame_ends: Vec<usize>,
    /// The frames that clear the whole screen, by index.
    clearing: Vec<usize>,
    outside: Vec<Outside>,
    problems: Vec<(usize, String)>,
    /// The app's desktop notifications seen between frames.
    notifications: usize,
}

impl Checker {
    fn problem(&mut self, what: String) {
        if self.problems.len() < 20 {
            self.problems.push((self.at, what));
        }
    }
}

impl Perform for Checker {
    fn print(&mut self, c: char) {
        if !self.in_frame {
            self.problem(format!("text {c:?} drawn outside a frame"));
        }
    }

    fn execute(&mut self, byte: u8) {
        self.problem(format!("control byte {byte:#04x}"));
    }

    fn hook(&mut self, _params: &Params, _intermediates: &[u8], _ignore: bool, action: char) {
        self.problem(format!("DCS {action:?}"));
    }

    fn osc_dispatch(&mut self, params: &[&[u8]], _bell_terminated: bool) {
        // The app's own desktop notification, between frames, for a pane that asked for
        // the user while another had the focus; anything else is a program's leaking.
        let own_notification =
            !self.in_frame && params.len() >= 2 && params[0] == b"9" && params[1].starts_with(b"perdix: ");
        if own_notification {
            self.notifications += 1;
            return;
        }
        let first = params.first().map(|p| String::from_utf8_lossy(p).into_owned());
        self.problem(format!("OSC {first:?}"));
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], _ignore: bool, byte: u8) {
        self.problem(format!("ESC {intermediates:?} {:?}", byte as char));
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        let values: Vec<u16> = params.iter().map(|param| param[0]).collect();
        let private = intermediates == b"?";
        if ignore || !(intermediates.is_empty() || private) {
            self.problem(format!("CSI {intermediates:?} {values:?} {action:?}"));
            return;
        }
        let sync = private && values == [2026];
        match (sync, action, self.in_frame) {
            (true, 'h', true) => self.problem("a frame begins inside a frame".into()),
            (true, 'h', false) => {
                self.in_frame = true;
                self.frames += 1;
            }
            (true, 'l', true) => {
                self.in_frame = false;
                self.frame_ends.push(self.at + 1);
            }
            (_, _, true) => {
                let frame = self.frames - 1;
                if !private && action == 'J' && values == [2] && self.clearing.last() != Some(&frame) {
                    self.clearing.push(frame);
                }
                // What ratatui's crossterm backend draws with: cursor moves, colours and
                // attributes, erasing, and the cursor shown or hidden.
                let drawing = !private && matches!(action, 'H' | 'm' | 'J' | 'K');
                let cursor = private && values == [25] && matches!(action, 'h' | 'l');
                if !(drawing || cursor) {
                    self.problem(format!("CSI {intermediates:?} {values:?} {action:?} in a frame"));
                }
            }
            (_, _, false) => self.outside.push(Outside {
                at: self.at,
                frames_before: self.frames,
                private,
                params: values,
                action,
            }),
        }
    }
}

/// What a terminal shows after the bytes captured so far: text drawn by frames is only
/// contiguous in the bytes where cells changed, so waits look at a screen instead.
struct Screen {
    term: Term<VoidListener>,
    processor: vte::ansi::Processor,
    fed: usize,
}

impl Screen {
    /// A blank screen that reads the capture from `from` on.
    fn new(cols: usize, rows: usize, from: usize) -> Screen {
        Screen {
            term: Term::new(Config::default(), &TermSize::new(cols, rows), VoidListener),
            processor: vte::ansi::Processor::new(),
            fed: from,
        }
    }

    /// The screen's rows after everything captured until now.
    fn rows(&mut self, capture: &Capture) -> Vec<String> {
        let bytes = capture.since(self.fed);
        self.fed += bytes.len();
        self.processor.advance(&mut self.term, &bytes);
        screen_text(&self.term)
    }

    /// Polls until the screen satisfies `done`; fails with `what` and the screen.
    fn wait_until(&mut self, capture: &Capture, what: &str, done: impl Fn(&[String]) -> bool) {
        let start = Instant::now();
        loop {
            let rows = self.rows(capture);
            if done(&rows) {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {what}; the screen:\n{}",
                rows.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn shows(rows: &[String], text: &str) -> bool {
    rows.iter().any(|row| row.contains(text))
}

/// The app's process, ended if the test fails before it quits.
struct Running(Box<dyn portable_pty::Child + Send + Sync>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
    }
}

/// Runs the app in a 120 × 40 pseudo-terminal until it has drawn for three seconds and
/// at least a few frames, resized to 100 × 30 halfway, quits it with the keys, and
/// returns all it wrote.
fn run_demo() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("perdix-frames-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("noisy.sh");
    std::fs::write(&script, NOISY_SCRIPT).unwrap();

    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_perdix-tui"));
    command.args(["--demo", "4", "--backend", "cpu"]);
    command.arg(format!("sh {}", script.display()));
    command.env("TERM", "xterm-256color");
    // No user configuration: an empty configuration folder.
    command.env("XDG_CONFIG_HOME", &dir);
    // Its own session directory: the session ends with the test.
    let dirs = PrivateDirs::new();
    for (key, value) in dirs.env() {
        command.env(key, value);
    }
    let mut child = Running(pty.slave.spawn_command(command).unwrap());
    // Only the child holds the terminal's other end, so reading ends when it exits.
    drop(pty.slave);

    let capture = Capture::default();
    let mut reader = pty.master.try_clone_reader().unwrap();
    let sink = capture.clone();
    let reading = std::thread::spawn(move || {
        let mut buffer = [0; 65536];
        while let Ok(read @ 1..) = reader.read(&mut buffer) {
            sink.0.lock().unwrap().extend_from_slice(&buffer[..read]);
        }
    });
    let mut keys = pty.master.take_writer().unwrap();

    let mut screen = Screen::new(120, 40, 0);
    capture.wait_until("the first frame", |capture| capture.count(BEGIN_FRAME) > 0);
    let drawing = Instant::now();
    // The programs in the panes run and are drawn: the demo agents' names, the noisy
    // program's text and title.
    screen.wait_until(&capture, "every pane drawn", |rows| {
        [
            "claude (demo)",
            "codex (demo)",
            "aider (demo)",
            "synced",
            "other title",
        ]
        .iter()
        .all(|text| shows(rows, text))
    });
    capture.wait_until("frames for a second and a half", |capture| {
        drawing.elapsed() >= Duration::from_millis(1500) && capture.count(BEGIN_FRAME) >= 5
    });
    // A resize redraws everything from a cleared screen: that too must be inside frames.
    pty.master
        .resize(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    // A blank screen of the new size, so that only what is drawn from now on shows: the
    // panes' right border on its last column and the status bar on its last row.
    let mut screen = Screen::new(100, 30, capture.len());
    screen.wait_until(&capture, "the redraw at the new size", |rows| {
        rows[0].starts_with('┌')
            && rows[0].chars().nth(99) == Some('┐')
            && rows[29].starts_with(" perdix │ 5 pane(s)")
    });
    capture.wait_until("three seconds of frames", |capture| {
        drawing.elapsed() >= Duration::from_secs(3) && capture.count(BEGIN_FRAME) >= 10
    });
    // The agents run, so quitting asks first.
    keys.write_all(b"\x02q").unwrap();
    screen.wait_until(&capture, "the quit question", |rows| {
        shows(rows, "end the session and all its programs? [y/n]")
    });
    keys.write_all(b"y").unwrap();

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > WAIT {
            panic!(
                "perdix-tui did not quit; the last bytes: {}",
                shown(&capture.bytes(), usize::MAX)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "perdix-tui exited with {status:?}");
    let start = Instant::now();
    while !reading.is_finished() {
        assert!(
            start.elapsed() < WAIT,
            "the terminal stayed open after the app quit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut bytes = capture.bytes();
    // Once the terminal is restored, the client says in one line of plain text why it
    // ended; everything before that is the app's.
    let restored = bytes
        .windows(SHOW_CURSOR.len())
        .rposition(|window| window == SHOW_CURSOR)
        .expect("the cursor shown again at the end")
        + SHOW_CURSOR.len();
    let farewell = String::from_utf8_lossy(&bytes[restored..]).into_owned();
    assert!(
        farewell.starts_with("[session default ended: ") && farewell.trim_end().ends_with(']'),
        "after the restore: {farewell:?}"
    );
    bytes.truncate(restored);
    bytes
}

/// Shows the cursor: the last thing the restore does.
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// A mode change as `?N h` / `?N l`.
fn mode(event: &Outside) -> Option<(u16, char)> {
    (event.private && event.params.len() == 1 && matches!(event.action, 'h' | 'l'))
        .then(|| (event.params[0], event.action))
}

/// What the app wrote in [`run_demo`], run once for all the tests here.
fn demo_output() -> &'static [u8] {
    static OUTPUT: OnceLock<Vec<u8>> = OnceLock::new();
    OUTPUT.get_or_init(run_demo)
}

/// `bytes` read by a [`Checker`].
fn checked(bytes: &[u8]) -> Checker {
    let mut checker = Checker::default();
    let mut parser = Parser::new();
    for (at, byte) in bytes.iter().enumerate() {
        checker.at = at;
        parser.advance(&mut checker, std::slice::from_ref(byte));
    }
    checker
}

#[test]
fn frames_are_synchronized_updates_with_only_the_apps_own_sequences() {
    let bytes = demo_output();
    let checker = checked(bytes);
    let problems: Vec<String> = checker
        .problems
        .iter()
        .map(|(at, what)| format!("{what} at byte {at}, after {}", shown(bytes, at + 1)))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(!checker.in_frame, "the last frame never ended");
    assert!(checker.frames >= 10, "only {} frames", checker.frames);

    // Before the first frame: the modes set up; after the last: their resets, and the
    // end of a frame cut short, which the restore sends in case a frame was.
    let mut setup = Vec::new();
    let mut teardown = Vec::new();
    for event in &checker.outside {
        let context = || shown(bytes, event.at + 1);
        // Before the first frame, the app asks for the kitty keyboard protocol: its
        // flags (`CSI ? u`), then the device attributes (`CSI c`).
        let no_params = matches!(event.params.as_slice(), [] | [0]);
        let asks = no_params && matches!((event.private, event.action), (true, 'u') | (false, 'c'));
        if event.frames_before == 0 && asks {
            continue;
        }
        let Some((number, action)) = mode(event) else {
            panic!(
                "CSI {:?} {:?} outside a frame, after {}",
                event.params,
                event.action,
                context()
            );
        };
        if event.frames_before == 0 {
            assert!(
                action == 'h' && SETUP_MODES.contains(&number),
                "?{number}{action} before the first frame, after {}",
                context()
            );
            setup.push(number);
        } else if event.frames_before == checker.frames {
            assert!(
                action == 'l' && (SETUP_MODES.contains(&number) || number == 2026)
                    || (number, action) == (25, 'h'),
                "?{number}{action} after the last frame, after {}",
                context()
            );
            teardown.push((number, action));
        } else {
            panic!("?{number}{action} between frames, after {}", context());
        }
    }
    setup.sort_unstable();
    let mut expected_setup = SETUP_MODES.to_vec();
    expected_setup.sort_unstable();
    assert_eq!(setup, expected_setup, "the modes set before the first frame");
    for number in SETUP_MODES {
        assert!(
            teardown.contains(&(*number, 'l')),
            "?{number} was not reset at the end: {teardown:?}"
        );
    }
    assert!(
        teardown.contains(&(25, 'h')),
        "the cursor was not shown at the end: {teardown:?}"
    );
    // The alternate screen is left last but for the cursor: what follows is on the
    // normal screen.
    let leave = teardown.iter().position(|&event| event == (1049, 'l')).unwrap();
    assert!(
        teardown[leave + 1..].iter().all(|&event| event == (25, 'h')),
        "{teardown:?}"
    );
}

/// Each frame, applied to a terminal, leaves a whole screen of the app: pane borders along
/// the top and above the status bar, reaching the last column, and the status bar on the
/// last row. A frame drawn for a size the layout does not have yet would cut the panes.
#[test]
fn every_frame_leaves_a_whole_screen_of_the_app() {
    let bytes = demo_output();
    let checker = checked(bytes);
    // The resize's redraw is the only frame that clears; the terminal has its new size
    // from then on.
    assert_eq!(
        checker.clearing.len(),
        1,
        "frames that clear: {:?}",
        checker.clearing
    );
    let (mut cols, mut rows) = (120, 40);
    let mut term = Term::new(Config::default(), &TermSize::new(cols, rows), VoidListener);
    let mut processor: vte::ansi::Processor = vte::ansi::Processor::new();
    let mut fed = 0;
    for (index, &end) in checker.frame_ends.iter().enumerate() {
        if checker.clearing.contains(&index) {
            (cols, rows) = (100, 30);
            term.resize(TermSize::new(cols, rows));
        }
        processor.advance(&mut term, &bytes[fed..end]);
        fed = end;
        let screen = screen_text(&term);
        let spans = |row: &str, left: char, right: char| {
            row.starts_with(left) && row.chars().nth(cols - 1) == Some(right)
        };
        assert!(
            spans(&screen[0], '┌', '┐')
                && spans(&screen[rows - 2], '└', '┘')
                && screen[rows - 1].starts_with(" perdix │ 5 pane(s)"),
            "frame {index} of {} leaves on {cols}x{rows}:\n{}",
            checker.frame_ends.len(),
            screen.join("\n")
        );
    }
}

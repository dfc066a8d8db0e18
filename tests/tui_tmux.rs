//! The real `perdix-tui` binary end to end, in a detached tmux session of a fixed size:
//! keys sent with `send-keys`, the screen read with `capture-pane`. Typed text reaches the
//! focused pane only, focus moves, zoom fills the screen, panes open and close, the
//! layout follows the terminal's size, and quitting gives the shell underneath its
//! terminal back as it was.

use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the screen may take to show what a step expects; generous, the tests run on
/// small, busy machines.
const WAIT: Duration = Duration::from_secs(30);
const WIDTH: usize = 100;
const HEIGHT: usize = 30;
const SHELL: &str = "bash --norc --noprofile";

/// A tmux server of its own (a private socket), killed when dropped, also when the test
/// fails.
struct Tmux {
    socket: String,
    /// The socket file, removed at the end: the server leaves it behind.
    socket_path: Option<String>,
}

impl Tmux {
    /// Starts the server with one detached session running `bash` at `WIDTH` × `HEIGHT`.
    fn start() -> Tmux {
        match Command::new("tmux").arg("-V").output() {
            Ok(output) if output.status.success() => {}
            Ok(output) => panic!("`tmux -V` failed: {output:?}"),
            Err(error) => panic!(
                "tmux is needed by this test but cannot be run ({error}); \
                 run scripts/test, which installs it"
            ),
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        let mut tmux = Tmux {
            socket: format!("perdix-test-{}-{nanos}", std::process::id()),
            socket_path: None,
        };
        let (width, height) = (WIDTH.to_string(), HEIGHT.to_string());
        let mut command = tmux.command(&["new-session", "-d", "-s", "t", "-x", &width, "-y", &height]);
        // The server and its shells inherit this environment: a known prompt, no history
        // file written, and no tmux of an outer session in the way.
        command
            .args(SHELL.split(' '))
            .env("PS1", "outer$ ")
            .env("HISTFILE", "/dev/null")
            .env_remove("TMUX")
            .env_remove("PROMPT_COMMAND");
        check(command.output(), "new-session");
        tmux.socket_path = Some(tmux.format("#{socket_path}"));
        tmux.run(&["set-option", "-t", "t", "status", "off"]);
        tmux
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        command
    }

    fn run(&self, args: &[&str]) -> String {
        let output = check(self.command(args).output(), &args.join(" "));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Sends tmux key names (`C-b`, `Right`, `Enter`, `y`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend(keys);
        self.run(&args);
    }

    /// Types `text` literally, then Enter.
    fn line(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
        self.keys(&["Enter"]);
    }

    fn capture(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    /// A pane format value, like `#{alternate_on}`.
    fn format(&self, format: &str) -> String {
        self.run(&["display-message", "-p", "-t", "t", format])
            .trim()
            .to_string()
    }

    /// Polls the screen until `done` holds; fails with `what` and the last screen.
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out after {WAIT:?} waiting for {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Polls a pane format until it has `value`; fails with the last value and screen.
    fn wait_format(&self, format: &str, value: &str) {
        let start = Instant::now();
        loop {
            let now = self.format(format);
            if now == value {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {format} to be {value}, it is {now}; the screen:\n{}",
                self.capture()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Best effort: the server may be gone already.
        let _ = self.command(&["kill-server"]).output();
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn check(output: std::io::Result<Output>, what: &str) -> Output {
    let output = output.unwrap_or_else(|error| panic!("tmux {what}: {error}"));
    assert!(output.status.success(), "tmux {what} failed: {output:?}");
    output
}

/// The rows inside pane `number`'s border on a screen of the whole app, found by the
/// `┌ N: ` at the start of its title; `None` when the pane is not shown.
fn pane_rows(screen: &str, number: usize) -> Option<Vec<String>> {
    let grid: Vec<Vec<char>> = screen.lines().map(|line| line.chars().collect()).collect();
    let at = |x: usize, y: usize| grid.get(y).and_then(|row| row.get(x)).copied().unwrap_or(' ');
    let title = format!("┌ {number}: ");
    let (y0, x0) = grid.iter().enumerate().find_map(|(y, row)| {
        let line: String = row.iter().collect();
        line.find(&title).map(|byte| (y, line[..byte].chars().count()))
    })?;
    let x1 = (x0 + 1..grid[y0].len()).find(|&x| at(x, y0) == '┐')?;
    let y1 = (y0 + 1..grid.len()).find(|&y| at(x0, y) == '└')?;
    Some(
        (y0 + 1..y1)
            .map(|y| (x0 + 1..x1).map(|x| at(x, y)).collect())
            .collect(),
    )
}

/// Whether pane `number` is shown and has `text` on one of its rows.
fn pane_has(screen: &str, number: usize, text: &str) -> bool {
    pane_rows(screen, number).is_some_and(|rows| rows.iter().any(|row| row.contains(text)))
}

/// Types `command` into the app's focused pane and waits until `output` shows in pane
/// `number` and in no other of the `panes` shown.
fn run_in_pane(tmux: &Tmux, command: &str, output: &str, number: usize, panes: usize) {
    tmux.line(command);
    let screen = tmux.wait_until(&format!("{output:?} in pane {number}"), |screen| {
        pane_has(screen, number, output)
    });
    for other in (1..=panes).filter(|&other| other != number) {
        assert!(
            pane_rows(&screen, other).is_some(),
            "pane {other} is not shown:\n{screen}"
        );
        assert!(
            !pane_has(&screen, other, output),
            "{output:?} also reached pane {other}:\n{screen}"
        );
    }
}

#[test]
fn perdix_tui_in_tmux_types_focuses_zooms_opens_closes_and_quits_cleanly() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    assert_eq!(
        tmux.format("#{pane_width}x#{pane_height}"),
        format!("{WIDTH}x{HEIGHT}")
    );
    assert_eq!(tmux.format("#{alternate_on}"), "0");

    // Two shells, with their own prompt, in the app.
    tmux.line(&format!(
        "PS1='pane> ' '{}' '{SHELL}' '{SHELL}'",
        env!("CARGO_BIN_EXE_perdix-tui")
    ));
    tmux.wait_until("both panes' prompts", |screen| {
        pane_has(screen, 1, "pane>") && pane_has(screen, 2, "pane>")
    });
    // While the app runs, the terminal is in its modes: what is checked after quitting
    // can tell the difference.
    tmux.wait_format("#{alternate_on}", "1");
    tmux.wait_format("#{mouse_sgr_flag}", "1");

    // Typing goes to the focused pane, the first; the arithmetic proves the shell ran it.
    run_in_pane(&tmux, "echo left-$((40+2))", "left-42", 1, 2);

    // Focus by direction, next pane and number.
    tmux.keys(&["C-b", "Right"]);
    run_in_pane(&tmux, "echo right-$((50+5))", "right-55", 2, 2);
    tmux.keys(&["C-b", "o"]);
    run_in_pane(&tmux, "echo next-$((3*3))", "next-9", 1, 2);
    tmux.keys(&["C-b", "2"]);
    run_in_pane(&tmux, "echo digit-$((4*4))", "digit-16", 2, 2);
    tmux.keys(&["C-b", "Left"]);
    run_in_pane(&tmux, "echo back-$((5*5))", "back-25", 1, 2);

    // Zoom: the focused pane's border spans the whole screen above the status bar.
    tmux.keys(&["C-b", "z"]);
    let screen = tmux.wait_until("pane 1 zoomed", |screen| {
        pane_rows(screen, 2).is_none() && screen.contains("ZOOM")
    });
    let rows = pane_rows(&screen, 1).expect("the zoomed pane is shown");
    assert_eq!(
        (rows.len(), rows[0].chars().count()),
        (HEIGHT - 3, WIDTH - 2),
        "the zoomed pane does not fill the screen:\n{screen}"
    );
    tmux.keys(&["C-b", "z"]);
    tmux.wait_until("both panes back", |screen| {
        pane_rows(screen, 1).is_some() && pane_rows(screen, 2).is_some() && !screen.contains("ZOOM")
    });

    // A new pane from the prompt: shown, focused, and typed into.
    tmux.keys(&["C-b", "c"]);
    tmux.wait_until("the new pane prompt", |screen| screen.contains("new pane"));
    tmux.line(&format!("env PS1=third: {SHELL}"));
    tmux.wait_until("pane 3 and its prompt", |screen| {
        pane_has(screen, 3, "third:") && screen.contains("3 pane(s)")
    });
    run_in_pane(&tmux, "echo third-$((7+7))", "third-14", 3, 3);

    // Closing it asks first, since its shell runs.
    tmux.keys(&["C-b", "x"]);
    tmux.wait_until("the close question", |screen| {
        screen.contains("close pane 3 while its program runs? [y/n]")
    });
    tmux.keys(&["y"]);
    tmux.wait_until("pane 3 closed", |screen| {
        pane_rows(screen, 3).is_none() && screen.contains("2 pane(s)") && pane_rows(screen, 2).is_some()
    });

    // The app follows its terminal's size, smaller and larger: borders reach the last
    // column and the status bar is on the last row.
    for (width, height) in [(80, 24), (WIDTH, HEIGHT)] {
        tmux.run(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
        tmux.wait_until(&format!("the app laid out at {width}x{height}"), |screen| {
            let rows: Vec<&str> = screen.lines().collect();
            rows.len() == height
                && rows[0].starts_with('┌')
                && rows[0].chars().nth(width - 1) == Some('┐')
                && rows[height - 2].chars().nth(width - 1) == Some('┘')
                && rows[height - 1].starts_with(" perdix │ 2 pane(s)")
        });
    }

    // Quitting asks too; then the outer shell has its screen and prompt back.
    tmux.keys(&["C-b", "q"]);
    tmux.wait_until("the quit question", |screen| {
        screen.contains("quit while agents run? [y/n]")
    });
    tmux.keys(&["y"]);
    tmux.wait_until("the outer prompt after quitting", |screen| {
        screen.lines().rev().find(|line| !line.trim().is_empty()) == Some("outer$")
            && !screen.contains("pane(s)")
    });
    for (format, value) in [
        ("#{alternate_on}", "0"),
        ("#{cursor_flag}", "1"),
        ("#{mouse_any_flag}", "0"),
        ("#{mouse_all_flag}", "0"),
        ("#{mouse_button_flag}", "0"),
        ("#{mouse_standard_flag}", "0"),
        ("#{mouse_sgr_flag}", "0"),
        ("#{mouse_utf8_flag}", "0"),
    ] {
        assert_eq!(tmux.format(format), value, "{format} after quitting");
    }

    // The terminal is back in cooked mode: the line is echoed, and stty agrees.
    tmux.line(
        "s=\" $(stty -a | tr '\\n;' '  ') \"; \
         case \"$s\" in *' -icanon '*|*' -echo '*) m=raw;; *) m=cooked;; esac; echo \"tty=$m\"",
    );
    let screen = tmux.wait_until("the tty mode", |screen| {
        screen.lines().any(|line| line.starts_with("tty="))
    });
    assert!(
        screen.lines().any(|line| line == "tty=cooked"),
        "the terminal was left in raw mode:\n{screen}"
    );
    tmux.line("echo after-$((8+8))");
    tmux.wait_until("a command run after quitting", |screen| {
        screen.contains("outer$ echo after-$((8+8))") && screen.lines().any(|line| line == "after-16")
    });
}

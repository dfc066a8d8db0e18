//! The real `perdix-tui` binary in a detached tmux session of a fixed size: keys sent with
//! `send-keys`, the screen read with `capture-pane`, and the panes found by their borders.

use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long the screen may take to show what a step expects; generous, the tests run on
/// small, busy machines.
pub const WAIT: Duration = Duration::from_secs(30);
pub const WIDTH: usize = 100;
pub const HEIGHT: usize = 30;
pub const SHELL: &str = "bash --norc --noprofile";

/// A tmux server of its own (a private socket), killed when dropped, also when the test
/// fails.
pub struct Tmux {
    socket: String,
    /// perdix's runtime and state directories for this test alone: its sessions meet
    /// no other test's.
    pub private_dirs: PrivateDirs,
    /// The socket file, removed at the end: the server leaves it behind.
    socket_path: Option<String>,
}

impl Tmux {
    /// Starts the server with one detached session running `bash` at `WIDTH` × `HEIGHT`.
    pub fn start() -> Tmux {
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
            private_dirs: PrivateDirs::new(),
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
            .env_remove("PROMPT_COMMAND")
            .envs(tmux.private_dirs.env());
        check(command.output(), "new-session");
        tmux.socket_path = Some(tmux.format("#{socket_path}"));
        tmux.run(&["set-option", "-t", "t", "status", "off"]);
        tmux
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        command
    }

    pub fn run(&self, args: &[&str]) -> String {
        let output = check(self.command(args).output(), &args.join(" "));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Sends tmux key names (`C-b`, `Right`, `Enter`, `y`).
    pub fn keys(&self, keys: &[&str]) {
        self.keys_to("t", keys);
    }

    /// [`keys`](Self::keys) to another tmux target (a window or session of this server).
    pub fn keys_to(&self, target: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", target];
        args.extend(keys);
        self.run(&args);
    }

    /// Types `text` literally, then Enter.
    pub fn line(&self, text: &str) {
        self.line_to("t", text);
    }

    /// [`line`](Self::line) to another tmux target.
    pub fn line_to(&self, target: &str, text: &str) {
        self.run(&["send-keys", "-t", target, "-l", text]);
        self.keys_to(target, &["Enter"]);
    }

    pub fn capture(&self) -> String {
        self.capture_of("t")
    }

    /// The screen of another tmux target.
    pub fn capture_of(&self, target: &str) -> String {
        self.run(&["capture-pane", "-p", "-t", target])
    }

    /// A pane format value, like `#{alternate_on}`.
    pub fn format(&self, format: &str) -> String {
        self.run(&["display-message", "-p", "-t", "t", format])
            .trim()
            .to_string()
    }

    /// Polls the screen until `done` holds; fails with `what` and the last screen.
    pub fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        self.wait_until_in("t", what, done)
    }

    /// [`wait_until`](Self::wait_until) on another tmux target.
    pub fn wait_until_in(&self, target: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture_of(target);
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
    pub fn wait_format(&self, format: &str, value: &str) {
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

impl Tmux {
    /// Quits the app with `C-b q`, confirmed (agents run), and waits until the outer
    /// shell has its screen back.
    pub fn quit_app(&self) {
        self.keys(&["C-b", "q"]);
        self.wait_until("the quit question", |screen| {
            screen.contains("end the session and all its programs? [y/n]")
        });
        self.keys(&["y"]);
        self.wait_restored();
    }

    /// Waits until the outer shell has its screen and prompt back, and checks that the
    /// terminal left the app's modes: main screen, cursor shown, no mouse reporting.
    pub fn wait_restored(&self) {
        self.wait_until("the outer prompt after quitting", |screen| {
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
            assert_eq!(self.format(format), value, "{format} after quitting");
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
pub fn pane_rows(screen: &str, number: usize) -> Option<Vec<String>> {
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
pub fn pane_has(screen: &str, number: usize, text: &str) -> bool {
    pane_rows(screen, number).is_some_and(|rows| rows.iter().any(|row| row.contains(text)))
}

/// Types `command` into the app's focused pane and waits until `output` shows in pane
/// `number` and in no other of the `panes` shown.
pub fn run_in_pane(tmux: &Tmux, command: &str, output: &str, number: usize, panes: usize) {
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

/// A runtime directory and a state directory of one test's own, so that its perdix
/// sessions (sockets, logs) never meet another test's; every session still running in
/// them is ended when dropped.
pub struct PrivateDirs {
    pub root: std::path::PathBuf,
}

impl PrivateDirs {
    pub fn new() -> PrivateDirs {
        use std::os::unix::fs::DirBuilderExt;
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "perdix-test-dirs-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["run", "state"] {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(root.join(dir))
                .unwrap();
        }
        PrivateDirs { root }
    }

    /// The variables that point perdix at these directories.
    pub fn env(&self) -> Vec<(&'static str, std::path::PathBuf)> {
        vec![
            ("XDG_RUNTIME_DIR", self.root.join("run")),
            ("XDG_STATE_HOME", self.root.join("state")),
        ]
    }

    /// `perdix-tui ARGS` with these directories.
    pub fn perdix(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_perdix-tui"))
            .args(args)
            .envs(self.env())
            .output()
            .expect("running perdix-tui")
    }

    pub fn end_sessions(&self) {
        let _ = self.perdix(&["kill", "--all"]);
    }
}

impl Drop for PrivateDirs {
    fn drop(&mut self) {
        self.end_sessions();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

//! Sessions through the real binary in tmux, in a private runtime directory: a session
//! started detached, listed, attached from two terminals, detached, its clients killed,
//! its server killed and replaced, and ended with every program in it.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::tmux::{pane_has, Tmux, WAIT};

const BIN: &str = env!("CARGO_BIN_EXE_perdix-tui");
/// A shell in a pane, with a prompt the tests look for.
const PANE_SHELL: &str = "env PS1=pane$ bash --norc --noprofile";

/// A counter that ticks five times a second, named by `mark` so that its processes can be
/// found (and found gone).
fn counter(mark: &str) -> String {
    format!("sh -c 'n=0; while :; do n=$((n+1)); echo {mark} $n; sleep 0.2; done'")
}

/// The last count pane `number` shows for `mark`.
fn last_count(screen: &str, mark: &str) -> Option<u64> {
    screen
        .lines()
        .filter_map(|line| line.split(&format!("{mark} ")).nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.trim_end_matches('│').parse().ok())
        .max()
}

fn processes_matching(pattern: &str) -> Vec<String> {
    let output = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `ls` as text, and whether it succeeded.
fn ls(tmux: &Tmux) -> (bool, String) {
    let output = tmux.private_dirs.perdix(&["ls"]);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The server's pid of session `name` from `ls`.
fn server_pid(tmux: &Tmux, name: &str) -> u32 {
    let (_, text) = ls(tmux);
    let line = text
        .lines()
        .find(|line| line.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("session {name} not in `ls`:\n{text}"));
    line.split_whitespace().last().unwrap().parse().unwrap()
}

/// Kills session `name`'s server with SIGKILL while a client is attached in the tmux
/// window; waits until the client has restored the terminal and said why it ended.
/// Returns the server's pid.
fn kill_server(tmux: &Tmux, name: &str) -> u32 {
    let pid = server_pid(tmux, name);
    Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    tmux.wait_until("the client's message", |screen| {
        screen.contains("lost the session server")
    });
    tmux.wait_restored();
    pid
}

fn attach_line(name: &str) -> String {
    format!("'{BIN}' attach -s {name}")
}

#[test]
fn a_session_outlives_its_clients_and_ends_with_its_programs() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    let mark = format!("tick{}", std::process::id());
    let started = tmux.private_dirs.perdix(&[
        "-d",
        "-s",
        "work",
        "--backend",
        "cpu",
        PANE_SHELL,
        &counter(&mark),
    ]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");

    let (listed, text) = ls(&tmux);
    assert!(listed, "ls failed: {text}");
    let row: Vec<&str> = text
        .lines()
        .find(|line| line.starts_with("work "))
        .unwrap_or_else(|| panic!("no session work in:\n{text}"))
        .split_whitespace()
        .collect();
    assert_eq!(row[1], "2", "panes of session work:\n{text}");
    assert_eq!(row[2], "0", "clients of a detached session:\n{text}");

    // Attach; typing reaches the focused pane (pane 1, the shell).
    tmux.line(&attach_line("work"));
    let screen = tmux.wait_until("both panes", |screen| {
        pane_has(screen, 1, "pane$") && last_count(screen, &mark).is_some()
    });
    let before = last_count(&screen, &mark).unwrap();
    tmux.line("echo typed-$((6*7))");
    tmux.wait_until("the typed command's output", |screen| {
        pane_has(screen, 1, "typed-42")
    });

    // Prefix d detaches: the client says so and exits 0.
    tmux.keys(&["C-b", "d"]);
    tmux.wait_until("the detach message", |screen| {
        screen.contains("[detached from session work]")
    });
    tmux.wait_restored();
    tmux.line("echo client-exit=$?");
    tmux.wait_until("the client's exit code", |screen| {
        screen.contains("client-exit=0")
    });

    // From another window: the counter went on meanwhile and the typed text is there.
    std::thread::sleep(Duration::from_millis(600));
    tmux.run(&[
        "new-window",
        "-t",
        "t",
        "-e",
        "PS1=outer$ ",
        "bash",
        "--norc",
        "--noprofile",
    ]);
    tmux.wait_until_in("t:1", "the second window's prompt", |screen| {
        screen.contains("outer$")
    });
    tmux.line_to("t:1", &attach_line("work"));
    let screen = tmux.wait_until_in("t:1", "the session again", |screen| {
        pane_has(screen, 1, "typed-42") && last_count(screen, &mark).is_some_and(|count| count > before + 2)
    });
    assert!(last_count(&screen, &mark).unwrap() > before);

    // SIGKILL of a client only detaches it.
    let clients = processes_matching(&format!("{BIN} attach -s work"));
    assert_eq!(clients.len(), 1, "one client: {clients:?}");
    Command::new("kill")
        .args(["-KILL", &clients[0]])
        .status()
        .unwrap();
    wait_for("the killed client to be gone from ls", || {
        let (_, text) = ls(&tmux);
        text.lines().any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.first() == Some(&"work") && fields.get(2) == Some(&"0")
        })
    });

    // `kill` ends the session and every program in it.
    let ended = tmux.private_dirs.perdix(&["kill", "-s", "work"]);
    assert!(ended.status.success(), "kill: {ended:?}");
    wait_for("the counter's processes to end", || {
        processes_matching(&mark).is_empty()
    });
    let (listed, text) = ls(&tmux);
    assert!(!listed && !text.contains("work"), "ls after kill: {text}");
}

#[test]
fn two_clients_of_different_sizes_get_whole_frames_and_their_own_focus() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    let started = tmux
        .private_dirs
        .perdix(&["-d", "-s", "two", "--backend", "cpu", PANE_SHELL, PANE_SHELL]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    // A second, smaller terminal: another tmux session of the same server.
    let mut small = tmux.command(&["new-session", "-d", "-s", "small", "-x", "70", "-y", "20"]);
    small
        .args(["bash", "--norc", "--noprofile"])
        .env("PS1", "outer$ ")
        .envs(tmux.private_dirs.env());
    assert!(small.status().unwrap().success());
    tmux.wait_until_in("small", "the small terminal's prompt", |screen| {
        screen.contains("outer$")
    });

    tmux.line(&attach_line("two"));
    tmux.wait_until("the big client's frame", |screen| {
        pane_has(screen, 1, "pane$") && pane_has(screen, 2, "pane$")
    });
    tmux.line_to("small", &attach_line("two"));
    tmux.wait_until_in("small", "the small client's frame", |screen| {
        screen.contains("┌ 1: ")
    });
    // The big client moves its focus to pane 2; the small one still types into pane 1.
    tmux.keys(&["C-b", "o"]);
    tmux.line_to("small", "echo from-small");
    tmux.wait_until_in("small", "the small client's typing", |screen| {
        pane_has(screen, 1, "from-small")
    });
    tmux.line("echo from-big");
    tmux.wait_until("each client's typing in its own focused pane", |screen| {
        pane_has(screen, 1, "from-small")
            && pane_has(screen, 2, "from-big")
            && !pane_has(screen, 1, "from-big")
    });
    // Whole frames on both: the panes' borders, and the status bar on the last row.
    for (target, rows) in [("t", 30), ("small", 20)] {
        let screen = tmux.wait_until_in(target, "a whole frame", |screen| {
            screen.contains("from-big") && screen.contains("┌ 1: ")
        });
        let lines: Vec<&str> = screen.lines().collect();
        assert!(lines.len() <= rows, "{target}: {} rows", lines.len());
        let status = lines.last().copied().unwrap_or_default();
        assert!(
            status.contains("pane(s)"),
            "{target}: no status bar at the bottom:\n{screen}"
        );
    }
    tmux.keys_to("small", &["C-b", "d"]);
    tmux.wait_until_in("small", "the small client detached", |screen| {
        screen.contains("[detached from session two]")
    });
    tmux.quit_app();
}

#[test]
fn a_killed_server_leaves_no_programs_and_its_name_can_be_used_again() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    let mark = format!("orphan{}", std::process::id());
    let started = tmux
        .private_dirs
        .perdix(&["-d", "-s", "crash", "--backend", "cpu", &counter(&mark)]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    tmux.line(&attach_line("crash"));
    tmux.wait_until("the counter", |screen| last_count(screen, &mark).is_some());

    let pid = kill_server(&tmux, "crash");
    wait_for("the counter to get its hangup and end", || {
        processes_matching(&mark).is_empty()
    });

    // The socket it left behind is stale: a new server takes the name.
    let restarted = tmux
        .private_dirs
        .perdix(&["-d", "-s", "crash", "--backend", "cpu", "sleep 600"]);
    assert!(restarted.status.success(), "restart after kill -9: {restarted:?}");
    assert_ne!(server_pid(&tmux, "crash"), pid);
    // And a second server for the same name is refused while it runs.
    let again = tmux.private_dirs.perdix(&["-d", "-s", "crash", "sleep 600"]);
    assert_eq!(again.status.code(), Some(2), "a second start: {again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already running"));
}

#[test]
fn another_user_cannot_attach() {
    if !nix_is_root() {
        println!("another_user_cannot_attach: needs root to run a client as another user; not run");
        return;
    }
    let tmux = Tmux::start();
    let started = tmux
        .private_dirs
        .perdix(&["-d", "-s", "mine", "--backend", "cpu", "sleep 600"]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    let output = Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            BIN,
            "attach",
            "-s",
            "mine",
        ])
        .envs(tmux.private_dirs.env())
        .output()
        .expect("setpriv");
    assert!(!output.status.success(), "another user attached: {output:?}");
    let (_, text) = ls(&tmux);
    assert!(text.contains("mine"), "the session survives the attempt: {text}");
}

fn nix_is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

#[test]
fn restore_brings_back_a_killed_sessions_panes_where_they_were() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    let project = tmux.private_dirs.root.join("project");
    std::fs::create_dir_all(&project).unwrap();
    let started =
        tmux.private_dirs
            .perdix(&["-d", "-s", "keep", "--backend", "cpu", PANE_SHELL, "sleep 600"]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    tmux.line(&attach_line("keep"));
    tmux.wait_until("the shell", |screen| pane_has(screen, 1, "pane$"));
    tmux.line(&format!("cd '{}'", project.display()));
    // The session saves itself as it changes; the shell's new directory is in it soon.
    let saved = tmux.private_dirs.root.join("state/perdix/keep.toml");
    let project_text = project.display().to_string();
    wait_for("the new working directory in the saved session", || {
        std::fs::read_to_string(&saved).is_ok_and(|text| text.contains(&project_text))
    });

    // As good as a reboot: the server and its programs are gone at once.
    kill_server(&tmux, "keep");

    let restored = tmux.private_dirs.perdix(&["restore", "-s", "keep", "-d"]);
    assert!(restored.status.success(), "restore: {restored:?}");
    let (_, text) = ls(&tmux);
    assert!(
        text.lines()
            .any(|line| line.split_whitespace().take(2).eq(["keep", "2"])),
        "ls after restore:\n{text}"
    );
    tmux.line(&attach_line("keep"));
    tmux.wait_until("the restored shell", |screen| pane_has(screen, 1, "pane$"));
    tmux.line("pwd");
    tmux.wait_until("the shell in the saved directory", |screen| {
        pane_has(screen, 1, &project_text)
    });
    let screen = tmux.capture();
    assert!(screen.contains("2: sleep"), "the second pane's name:\n{screen}");
    tmux.quit_app();

    // Nothing to restore over a running session, and a clear word when nothing was saved.
    let missing = tmux.private_dirs.perdix(&["restore", "-s", "never"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no session never to restore"));
}

#[test]
fn a_detached_session_has_the_pane_size_asked_for_until_a_client_attaches() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    let sizes = tmux.private_dirs.root.join("sizes");
    let command = format!(
        "sh -c 'stty size >> {0}; trap \"stty size >> {0}\" WINCH; while :; do sleep 0.1; done'",
        sizes.display()
    );
    let started = tmux.private_dirs.perdix(&[
        "-d",
        "-s",
        "sized",
        "--pane-size",
        "52x11",
        "--backend",
        "cpu",
        &command,
    ]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    wait_for("the size the pane started with", || {
        std::fs::read_to_string(&sizes).is_ok_and(|text| text.lines().next() == Some("11 52"))
    });
    // Attached, the pane takes its share of the client's screen.
    tmux.line(&attach_line("sized"));
    wait_for("the size of the attached client's pane", || {
        std::fs::read_to_string(&sizes).is_ok_and(|text| text.lines().last() == Some("27 98"))
    });
    tmux.quit_app();
}

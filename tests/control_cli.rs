//! The control commands end to end against a running session: `list` (and its JSON),
//! `send` (text and keys), `capture`, `new-pane`, `close`, `wait` and `notify` from inside
//! a pane, with their exit codes.

mod support;

use std::process::Output;
use std::time::{Duration, Instant};
use support::tmux::PrivateDirs;

const BIN: &str = env!("CARGO_BIN_EXE_perdix-tui");

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn ok(output: Output, what: &str) -> String {
    assert!(output.status.success(), "{what}: {output:?}");
    text(&output)
}

fn panes(dirs: &PrivateDirs) -> Vec<serde_json::Value> {
    let listed = ok(dirs.perdix(&["list", "-s", "ctl", "--json"]), "list --json");
    let json: serde_json::Value = serde_json::from_str(&listed).expect("list --json is JSON");
    json["panes"].as_array().expect("a panes array").clone()
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn scripts_drive_a_running_session() {
    let dirs = PrivateDirs::new();
    let agent = format!(
        "sh -c 'read answer; \"{BIN}\" notify --state blocked --reason \"Proceed? (y/n)\"; \
         read answer; echo got $answer; exec sleep 600'"
    );
    ok(
        dirs.perdix(&["-d", "-s", "ctl", "--backend", "cpu", "cat", &agent]),
        "perdix-tui -d",
    );

    // list: every documented field, ids from 1, the panes' size and directory.
    let listed = panes(&dirs);
    assert_eq!(listed.len(), 2);
    for key in [
        "id",
        "name",
        "command",
        "cwd",
        "agent",
        "state",
        "reason",
        "since_ms",
        "exit_code",
        "cols",
        "rows",
    ] {
        assert!(listed[0].get(key).is_some(), "no `{key}` in {}", listed[0]);
    }
    assert_eq!(
        (listed[0]["id"].as_u64(), listed[1]["id"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(listed[0]["name"], "cat");
    assert_eq!(
        (listed[0]["cols"].as_u64(), listed[0]["rows"].as_u64()),
        (Some(80), Some(24))
    );
    assert!(listed[0]["agent"].is_null() && listed[0]["exit_code"].is_null());

    // send and capture; wait for a text.
    ok(
        dirs.perdix(&["send", "-s", "ctl", "1", "hello", "world", "--enter"]),
        "send",
    );
    ok(
        dirs.perdix(&[
            "wait",
            "-s",
            "ctl",
            "1",
            "--text",
            "hello w.rld",
            "--timeout",
            "20",
        ]),
        "wait --text",
    );
    let captured = ok(dirs.perdix(&["capture", "-s", "ctl", "cat"]), "capture by name");
    assert!(
        captured.lines().filter(|line| *line == "hello world").count() >= 1,
        "{captured:?}"
    );
    // --ansi keeps the colours: `cat` prints the sequence it was sent (the terminal's
    // echo shows it as text).
    ok(
        dirs.perdix(&["send", "-s", "ctl", "1", "\x1b[1;32mgreen\x1b[0m", "--enter"]),
        "send colours",
    );
    let coloured = |captured: &str| captured.lines().any(|line| line == "\x1b[0;1;32mgreen\x1b[0m");
    wait_until("the green line", || {
        coloured(&text(&dirs.perdix(&["capture", "-s", "ctl", "1", "--ansi"])))
    });
    let plain = ok(dirs.perdix(&["capture", "-s", "ctl", "1"]), "capture");
    assert!(
        plain.lines().any(|line| line == "green") && !plain.contains('\x1b'),
        "{plain:?}"
    );

    // The agent reports itself blocked through its pane's variables; wait sees it.
    ok(
        dirs.perdix(&["send", "-s", "ctl", "2", "", "--enter"]),
        "the first answer",
    );
    ok(
        dirs.perdix(&["wait", "-s", "ctl", "2", "--state", "blocked", "--timeout", "20"]),
        "wait --state",
    );
    let agent_pane = panes(&dirs)[1].clone();
    assert_eq!(agent_pane["state"], "blocked");
    assert_eq!(agent_pane["reason"], "Proceed? (y/n)");
    // Keys in the pane's encoding: y, then Enter; the answer ends the blocked state.
    ok(
        dirs.perdix(&["send", "-s", "ctl", "2", "--keys", "y", "Enter"]),
        "send --keys",
    );
    ok(
        dirs.perdix(&["wait", "-s", "ctl", "2", "--text", "got y", "--timeout", "20"]),
        "the answer arrives",
    );
    wait_until("the reported state to end with the answer", || {
        panes(&dirs)[1]["state"] != "blocked"
    });

    // new-pane and close.
    let dir = dirs.root.join("elsewhere");
    std::fs::create_dir_all(&dir).unwrap();
    let number = ok(
        dirs.perdix(&[
            "new-pane",
            "-s",
            "ctl",
            "--name",
            "extra",
            "--cwd",
            dir.to_str().unwrap(),
            "--env",
            "GREETING=hi there",
            "sh -c 'echo $GREETING from $(pwd); exec sleep 600'",
        ]),
        "new-pane",
    );
    assert_eq!(number.trim(), "3");
    let expected = format!("hi there from {}", dir.display());
    ok(
        dirs.perdix(&[
            "wait",
            "-s",
            "ctl",
            "extra",
            "--text",
            &regex_escape(&expected),
            "--timeout",
            "20",
        ]),
        "the new pane's output",
    );
    assert_eq!(panes(&dirs)[2]["name"], "extra");
    ok(dirs.perdix(&["close", "-s", "ctl", "extra"]), "close");
    assert_eq!(panes(&dirs).len(), 2);

    // Which program runs: a shell quiet at its prompt is idle, not blocked; once it
    // starts an agent, the pane is that agent's.
    let shell = ok(
        dirs.perdix(&[
            "new-pane",
            "-s",
            "ctl",
            "--name",
            "shell",
            "env PS1=ready$ bash --norc --noprofile",
        ]),
        "new-pane shell",
    );
    let shell = shell.trim().to_string();
    let shell_status = |panes: &[serde_json::Value]| {
        panes
            .iter()
            .find(|pane| pane["name"] == "shell")
            .cloned()
            .expect("the shell pane")
    };
    ok(
        dirs.perdix(&["wait", "-s", "ctl", &shell, "--text", "ready", "--timeout", "20"]),
        "the prompt",
    );
    wait_until("the shell's pane known as a shell", || {
        shell_status(&panes(&dirs))["agent"] == "shell"
    });
    // Quiet at its prompt for longer than a prompt takes to count as a question.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(shell_status(&panes(&dirs))["state"], "idle");
    ok(
        dirs.perdix(&["send", "-s", "ctl", &shell, "exec -a claude sleep 600", "--enter"]),
        "start an agent",
    );
    wait_until("the pane to be claude's", || {
        shell_status(&panes(&dirs))["agent"] == "claude"
    });

    // Exit codes: 1 for what is not there or not reached, 2 for wrong arguments.
    let code = |args: &[&str]| dirs.perdix(args).status.code();
    assert_eq!(code(&["capture", "-s", "ctl", "9"]), Some(1));
    assert_eq!(code(&["close", "-s", "ctl", "nosuch"]), Some(1));
    assert_eq!(
        code(&[
            "wait",
            "-s",
            "ctl",
            "1",
            "--text",
            "never-shown",
            "--timeout",
            "0.3"
        ]),
        Some(1)
    );
    assert_eq!(code(&["list", "-s", "absent"]), Some(1));
    assert_eq!(code(&["wait", "-s", "ctl", "1"]), Some(2));
    assert_eq!(code(&["send", "-s", "ctl", "0", "x"]), Some(2));
    assert_eq!(
        code(&["notify", "--state", "blocked"]),
        Some(2),
        "notify outside a pane"
    );
    assert_eq!(
        code(&["wait", "-s", "ctl", "1", "--text", "(", "--timeout", "1"]),
        Some(2)
    );
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

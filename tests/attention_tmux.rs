//! A pane that reports itself blocked while another pane has the focus is marked and
//! announced to the user's terminal with an OSC 9 notification; the focused pane's report
//! is shown but not announced. The real binary in tmux, the outer terminal's bytes logged
//! with `pipe-pane`.

mod support;

use std::time::{Duration, Instant};
use support::tmux::{Tmux, WAIT};

const BIN: &str = env!("CARGO_BIN_EXE_perdix-tui");

#[test]
fn a_blocked_background_pane_is_announced_and_the_focused_one_is_not() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    let log = tmux.private_dirs.root.join("outer-terminal.log");
    tmux.run(&[
        "pipe-pane",
        "-t",
        "t",
        "-o",
        &format!("cat >> '{}'", log.display()),
    ]);
    // Both report blocked once the client is attached (the test says when by creating
    // a file); pane 1 has the focus.
    let go = tmux.private_dirs.root.join("go");
    let reporter = |name: &str, reason: &str| {
        format!(
            "sh -c 'while [ ! -e \"{}\" ]; do sleep 0.05; done; \
             \"{BIN}\" notify --state blocked --reason \"{reason}\"; exec sleep 600' # {name}",
            go.display()
        )
    };
    let started = tmux.private_dirs.perdix(&[
        "-d",
        "-s",
        "alerts",
        "--backend",
        "cpu",
        &reporter("front", "Mine?"),
        &reporter("back", "Allow edit of src/lib.rs?"),
    ]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    tmux.line(&format!("'{BIN}' attach -s alerts"));
    tmux.wait_until("the attached client's frame", |screen| screen.contains("┌ 2: sh"));
    std::fs::write(&go, b"").unwrap();
    let screen = tmux.wait_until("both panes blocked", |screen| {
        screen.matches("[blocked]").count() == 2
    });
    assert!(screen.contains("┌ 2: sh [blocked]"), "{screen}");

    let announced = b"\x1b]9;perdix: 2 sh: blocked: Allow edit of src/lib.rs?\x07";
    let start = Instant::now();
    let bytes = loop {
        let bytes = std::fs::read(&log).unwrap_or_default();
        if bytes.windows(announced.len()).any(|window| window == announced) {
            break bytes;
        }
        assert!(
            start.elapsed() < WAIT,
            "no notification for pane 2 reached the terminal; it got {} bytes",
            bytes.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let front = b"\x1b]9;perdix: 1 ";
    assert!(
        !bytes.windows(front.len()).any(|window| window == front),
        "the focused pane was announced"
    );
    let listed = tmux.private_dirs.perdix(&["list", "-s", "alerts"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("Allow edit of src/lib.rs?") && text.contains("Mine?"),
        "{text}"
    );
    tmux.quit_app();
}

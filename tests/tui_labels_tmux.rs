//! An idle app still changes what time changes: a pane's label goes from working to idle
//! a second after its program went quiet, with no key pressed and no output, through the
//! real binary in tmux.

mod support;

use std::time::{Duration, Instant};
use support::tmux::Tmux;

#[test]
fn a_quiet_pane_turns_idle_on_time_without_input() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    tmux.line(&format!(
        "'{}' --backend cpu \"sh -c 'echo hello; exec sleep 600'\"",
        env!("CARGO_BIN_EXE_perdix-tui")
    ));
    tmux.wait_until("the pane running", |screen| {
        screen.contains("hello") && screen.contains("[working]")
    });
    let quiet = Instant::now();
    tmux.wait_until("the pane idle", |screen| screen.contains("[idle]"));
    let took = quiet.elapsed();
    // The label turns one second after the output; allow for a slow machine, but not
    // for a label that waits for something else to happen.
    assert!(took < Duration::from_secs(3), "the label changed after {took:?}");
    tmux.quit_app();
}

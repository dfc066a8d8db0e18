//! The app's own input decoder end to end: the real `perdix-tui` in tmux, with one pane
//! whose program shows every byte it receives (`cat -v` on a raw terminal). Alt-[ and,
//! after a pause, `x` both reach the pane (the escape timeout gives up the held `ESC [`
//! as Alt-[ instead of taking `x` as the end of a sequence), and an arrow key and typed
//! text still arrive as before.

mod support;

use std::time::Duration;
use support::tmux::{pane_has, pane_rows, Tmux};

/// Longer than the decoder's escape timeout by far, so that the two keys are two.
const PAUSE: Duration = Duration::from_millis(400);

/// What pane 1 shows, its rows joined.
fn pane_text(screen: &str) -> String {
    pane_rows(screen, 1).unwrap_or_default().concat()
}

#[test]
fn alt_bracket_does_not_swallow_the_next_key_and_other_keys_arrive() {
    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    // Raw mode and no echo in the pane: each byte shows once, as cat -v writes it
    // (ESC as `^[`). `ready` says the terminal is set up before any key is sent.
    tmux.line(&format!(
        "'{}' \"sh -c 'stty raw -echo; printf ready; exec cat -v'\"",
        env!("CARGO_BIN_EXE_perdix-tui")
    ));
    tmux.wait_until("the pane's program ready", |screen| pane_has(screen, 1, "ready"));

    // tmux sends M-[ as ESC [.
    tmux.keys(&["M-["]);
    std::thread::sleep(PAUSE);
    tmux.keys(&["x"]);
    tmux.wait_until("ESC [ and x in the pane", |screen| {
        pane_text(screen).contains("^[[x")
    });

    tmux.keys(&["Up"]);
    tmux.wait_until("the arrow key in the pane", |screen| {
        pane_text(screen).contains("^[[x^[[A")
    });

    tmux.run(&["send-keys", "-t", "t", "-l", "typed words"]);
    let screen = tmux.wait_until("the typed words in the pane", |screen| {
        pane_text(screen).contains("^[[x^[[Atyped words")
    });
    // Nothing else reached the pane: no key lost, none doubled, none added.
    assert!(
        pane_text(&screen)
            .trim_end()
            .ends_with("ready^[[x^[[Atyped words"),
        "the pane received something else:\n{screen}"
    );
}

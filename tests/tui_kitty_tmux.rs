//! Keys as each pane's program asked, end to end: the real `perdix-tui` in tmux with three
//! panes that show every byte they read (`cat -v` on a raw terminal). The first pushed
//! the kitty keyboard protocol's disambiguate flag (`CSI > 1 u`), the second asked for
//! nothing, the third for xterm's modifyOtherKeys level 2 (`CSI > 4 ; 2 m`).
//!
//! tmux 3.3 has no key name for Shift-Enter, so the outer terminal's bytes for it are sent
//! raw (`send-keys -H`), in both forms a terminal reports it in: the kitty protocol's
//! `CSI 13 ; 2 u` and xterm's `CSI 27 ; 2 ; 13 ~`. Each pane must get Shift-Enter in its
//! own encoding, and the legacy pane exactly what it always got: `\r`.

mod support;

use support::tmux::{pane_has, pane_rows, Tmux};

/// Shift-Enter as a terminal with the kitty protocol reports it.
const SHIFT_ENTER_KITTY: &[&str] = &["1b", "5b", "31", "33", "3b", "32", "75"];
/// Shift-Enter as xterm reports it with modifyOtherKeys.
const SHIFT_ENTER_XTERM: &[&str] = &["1b", "5b", "32", "37", "3b", "32", "3b", "31", "33", "7e"];

/// What pane `number` shows, its rows joined.
fn pane_text(screen: &str, number: usize) -> String {
    pane_rows(screen, number).unwrap_or_default().concat()
}

/// Sends the same keys to whichever pane has the focus: Shift-Enter in both forms, Enter,
/// and Alt-a (which tmux sends as `ESC a`).
fn send_keys(tmux: &Tmux) {
    for bytes in [SHIFT_ENTER_KITTY, SHIFT_ENTER_XTERM] {
        let mut args = vec!["send-keys", "-t", "t", "-H"];
        args.extend(bytes);
        tmux.run(&args);
    }
    tmux.keys(&["Enter"]);
    tmux.keys(&["M-a"]);
}

/// Waits until pane `number` shows `expected` after `ready`, and nothing after it.
fn expect(tmux: &Tmux, number: usize, expected: &str) {
    let whole = format!("ready{expected}");
    let screen = tmux.wait_until(&format!("{expected} in pane {number}"), |screen| {
        pane_text(screen, number).contains(&whole)
    });
    assert!(
        pane_text(&screen, number).trim_end().ends_with(&whole),
        "pane {number} received something else:\n{screen}"
    );
}

#[test]
fn shift_enter_reaches_each_pane_in_the_encoding_its_program_asked_for() {
    let dir = std::env::temp_dir().join(format!("perdix-kitty-tmux-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = |name: &str, ask: &str| {
        let path = dir.join(name);
        let text = format!("printf '{ask}'\nstty raw -echo\nprintf ready\nexec cat -v\n");
        std::fs::write(&path, text).unwrap();
        format!("'sh {}'", path.display())
    };
    let kitty = script("kitty.sh", "\\033[>1u");
    let legacy = script("legacy.sh", "");
    let xterm = script("xterm.sh", "\\033[>4;2m");

    let tmux = Tmux::start();
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    tmux.line(&format!(
        "'{}' {kitty} {legacy} {xterm}",
        env!("CARGO_BIN_EXE_perdix-tui")
    ));
    tmux.wait_until("the three programs ready", |screen| {
        (1..=3).all(|number| pane_has(screen, number, "ready"))
    });

    // Pane 1 has the focus.
    send_keys(&tmux);
    expect(&tmux, 1, "^[[13;2u^[[13;2u^M^[[97;3u");

    tmux.keys(&["C-b", "o"]);
    send_keys(&tmux);
    expect(&tmux, 2, "^M^M^M^[a");

    tmux.keys(&["C-b", "o"]);
    send_keys(&tmux);
    expect(&tmux, 3, "^[[27;2;13~^[[27;2;13~^M^[[27;3;97~");

    // Nothing reached the other panes meanwhile.
    let screen = tmux.capture();
    assert!(pane_text(&screen, 1).trim_end().ends_with("^[[97;3u"), "{screen}");
    assert!(pane_text(&screen, 2).trim_end().ends_with("^[a"), "{screen}");

    tmux.quit_app();
    let _ = std::fs::remove_dir_all(&dir);
}

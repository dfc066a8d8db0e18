//! The real `perdix-tui` binary end to end, in a detached tmux session of a fixed size:
//! keys sent with `send-keys`, the screen read with `capture-pane`. Typed text reaches the
//! focused pane only, focus moves, zoom fills the screen, panes open and close, the
//! layout follows the terminal's size, and quitting gives the shell underneath its
//! terminal back as it was.

mod support;

use support::tmux::{pane_has, pane_rows, run_in_pane, Tmux, HEIGHT, SHELL, WIDTH};

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
    // The outer tmux is not the panes' terminal: its variable does not reach them.
    assert!(!tmux.format("#{socket_path}").is_empty());
    run_in_pane(&tmux, "echo outer-tmux-$((1+1))=[$TMUX]", "outer-tmux-2=[]", 1, 2);

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
    tmux.quit_app();

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

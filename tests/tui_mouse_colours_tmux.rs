//! The mouse and the colour answers end to end: the real `perdix-tui` in tmux, mouse
//! reports written into its terminal's input as tmux would send them. A pane whose
//! program turned on mouse reports (1000 and SGR 1006) gets the wheel, a click and its
//! release at its own cells, while the wheel over a pane that asked for nothing still
//! scrolls Perdix's scrollback; and under `--theme light` a pane's colour queries are
//! answered with the light theme's background.

mod support;

use support::tmux::{pane_rows, Tmux};

/// `text` as one word for the outer shell.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A pane program that turns on `modes` (if any), then shows every byte it gets.
fn showing_input(modes: &str) -> String {
    format!(r#"sh -c 'printf "\033[?{modes}h"; stty raw -echo; printf ready; exec cat -v'"#)
}

/// Starts `perdix-tui` in the outer shell with `args` and the pane `commands`.
fn start_app(tmux: &Tmux, args: &str, commands: &[&str]) {
    tmux.wait_until("the outer shell's prompt", |screen| screen.contains("outer$"));
    let commands: Vec<String> = commands.iter().map(|command| quoted(command)).collect();
    tmux.line(&format!(
        "{} {args} {}",
        quoted(env!("CARGO_BIN_EXE_perdix-tui")),
        commands.join(" ")
    ));
}

/// Where pane `number`'s first cell is on the screen (0-based column and row): inside
/// the `┌` of its `┌ N: ` title.
fn pane_origin(screen: &str, number: usize) -> (usize, usize) {
    let title = format!("┌ {number}: ");
    screen
        .lines()
        .enumerate()
        .find_map(|(y, line)| {
            line.find(&title)
                .map(|byte| (line[..byte].chars().count() + 1, y + 1))
        })
        .unwrap_or_else(|| panic!("pane {number} not found:\n{screen}"))
}

/// Writes an SGR mouse report (`Cb`, and the 0-based screen cell) into the app's input,
/// as the terminal does when the app has mouse reporting on.
fn send_mouse(tmux: &Tmux, code: u32, (column, row): (usize, usize), release: bool) {
    let end = if release { 'm' } else { 'M' };
    let report = format!("\x1b[<{code};{};{}{end}", column + 1, row + 1);
    let hex: Vec<String> = report.bytes().map(|byte| format!("{byte:02x}")).collect();
    let mut args = vec!["send-keys", "-t", "t", "-H"];
    args.extend(hex.iter().map(String::as_str));
    tmux.run(&args);
}

/// Pane `number`'s rows joined, trailing blanks dropped.
fn pane_text(screen: &str, number: usize) -> String {
    pane_rows(screen, number)
        .unwrap_or_default()
        .concat()
        .trim_end()
        .to_string()
}

#[test]
fn the_mouse_reaches_the_program_that_asked_and_scrolls_the_pane_that_did_not() {
    let tmux = Tmux::start();
    let mouse = showing_input("1000;1006");
    start_app(&tmux, "--layout columns", &[&mouse, "sh -c 'seq 200; exec cat'"]);
    let screen = tmux.wait_until("both panes ready", |screen| {
        pane_text(screen, 1).contains("ready")
            && pane_rows(screen, 2).is_some_and(|rows| rows.iter().any(|row| row.trim() == "200"))
    });
    let (x1, y1) = pane_origin(&screen, 1);
    let (x2, y2) = pane_origin(&screen, 2);

    // The wheel at the pane's first cell, then a click and its release at cell (3, 2).
    send_mouse(&tmux, 64, (x1, y1), false);
    send_mouse(&tmux, 0, (x1 + 3, y1 + 2), false);
    send_mouse(&tmux, 0, (x1 + 3, y1 + 2), true);
    let expected = "ready^[[<64;1;1M^[[<0;4;3M^[[<0;4;3m";
    tmux.wait_until("the reports in pane 1", |screen| pane_text(screen, 1) == expected);

    // The wheel over pane 2 scrolls its scrollback: 200 goes out of sight, three lines
    // down; nothing reaches its program (which would echo it).
    send_mouse(&tmux, 64, (x2 + 2, y2 + 2), false);
    let screen = tmux.wait_until("pane 2 scrolled up", |screen| {
        pane_rows(screen, 2).is_some_and(|rows| {
            !rows.iter().any(|row| row.trim() == "200") && rows.iter().any(|row| row.trim() == "197")
        })
    });
    assert!(!pane_text(&screen, 2).contains("^["), "{screen}");
    assert_eq!(pane_text(&screen, 1), expected, "{screen}");
    tmux.quit_app();
}

#[test]
fn colour_queries_are_answered_with_the_light_theme() {
    let tmux = Tmux::start();
    let asking = r#"sh -c 'stty raw -echo; printf "\033]11;?\007\033[?996n"; exec cat -v'"#;
    start_app(&tmux, "--theme light", &[asking]);
    // light.toml's background is #fafafa, and light is light.
    let screen = tmux.wait_until("the answers in the pane", |screen| {
        pane_text(screen, 1).contains("^[[?997;")
    });
    assert_eq!(
        pane_text(&screen, 1),
        "^[]11;rgb:fafa/fafa/fafa^G^[[?997;2n",
        "{screen}"
    );
    tmux.quit_app();
}

#[test]
fn the_terminal_theme_answers_with_the_colours_the_outer_terminal_reports() {
    let tmux = Tmux::start();
    // tmux answers OSC 10 and 11 with its window style's colours, and OSC 4 not at all.
    tmux.run(&[
        "set-option",
        "-w",
        "-t",
        "t",
        "window-style",
        "bg=#102030,fg=#c0c0c0",
    ]);
    let asking = r#"sh -c 'stty raw -echo; printf "\033]11;?\007\033]10;?\007\033]4;1;?\007"; exec cat -v'"#;
    start_app(&tmux, "--theme terminal", &[asking]);
    let screen = tmux.wait_until("the answers in the pane", |screen| {
        pane_text(screen, 1).contains("^[]4;")
    });
    // Red is the default theme's #d75f5f: the terminal did not say.
    assert_eq!(
        pane_text(&screen, 1),
        "^[]11;rgb:1010/2020/3030^G^[]10;rgb:c0c0/c0c0/c0c0^G^[]4;1;rgb:d7d7/5f5f/5f5f^G",
        "{screen}"
    );
    tmux.quit_app();
}

//! perdix-tui's keys through [`App::update`]: every default binding does its action and
//! nothing else, the prefix twice reaches the program as one byte, a configuration file
//! rebinds keys, and confirmations take `y`/Enter and refuse `n`/Esc.

mod support;

use crossterm::event::{KeyCode, KeyModifiers};
use perdix::tui::app::{App, Confirm, Mode, Msg};
use perdix::tui::config::AppConfig;
use perdix::tui::keymap::{KeyChord, Keymap};
use perdix::tui::layout_kind::LayoutKind;
use perdix::tui::render::rgb;
use std::collections::BTreeSet;
use std::path::Path;
use support::tui::{
    app_with_keymap, ctrl, finished_app, key, prefix, pump_until, run_to_end, type_text, wait_for_text,
};

/// What a key may change, compared as a whole so that a key doing more than its action
/// fails too.
#[derive(Debug, Clone, PartialEq)]
struct State {
    focus: usize,
    mode: Mode,
    layout: LayoutKind,
    zoomed: bool,
    broadcast: bool,
    quit: bool,
    detach: bool,
    panes: usize,
    shown: usize,
    status: Option<String>,
}

fn state(app: &App) -> State {
    State {
        focus: app.focus,
        mode: app.mode.clone(),
        layout: app.layout,
        zoomed: app.zoomed,
        broadcast: app.broadcast,
        quit: app.quit,
        detach: app.detach,
        panes: app.panes.panes().len(),
        shown: app.visible_panes().len(),
        status: app.status.clone(),
    }
}

/// Puts the app back to a known state with `focus` focused.
fn reset(app: &mut App, focus: usize) {
    app.focus = focus;
    app.mode = Mode::Normal;
    app.layout = LayoutKind::Tiled;
    app.zoomed = false;
    app.broadcast = false;
    app.detach = false;
    app.status = None;
    app.fit_panes().unwrap();
}

/// The key a binding's name stands for, pressed without modifiers (as every default
/// binding is).
fn press(name: &str) -> Msg {
    let chord: KeyChord = name.parse().unwrap();
    assert_eq!(
        chord,
        KeyChord::new(chord.code(), KeyModifiers::NONE),
        "{name} has modifiers"
    );
    key(chord.code())
}

type Change = fn(&mut State);

/// Every default binding on nine running panes tiled 3 × 3 (index 4 in the middle): the
/// key, the focused pane before, and how the state must change.
const NINE_PANE_CASES: &[(&str, usize, Change)] = &[
    ("Left", 4, |s| s.focus = 3),
    ("h", 4, |s| s.focus = 3),
    ("Right", 4, |s| s.focus = 5),
    ("l", 4, |s| s.focus = 5),
    ("Up", 4, |s| s.focus = 1),
    ("k", 4, |s| s.focus = 1),
    ("Down", 4, |s| s.focus = 7),
    ("j", 4, |s| s.focus = 7),
    ("o", 4, |s| s.focus = 5),
    // The next pane after the last is the first.
    ("o", 8, |s| s.focus = 0),
    ("1", 4, |s| s.focus = 0),
    ("2", 4, |s| s.focus = 1),
    ("3", 4, |s| s.focus = 2),
    ("4", 0, |s| s.focus = 3),
    ("5", 0, |s| s.focus = 4),
    ("6", 0, |s| s.focus = 5),
    ("7", 0, |s| s.focus = 6),
    ("8", 0, |s| s.focus = 7),
    ("9", 0, |s| s.focus = 8),
    ("z", 4, |s| {
        s.zoomed = true;
        s.shown = 1;
    }),
    ("Space", 4, |s| s.layout = LayoutKind::Tiled.next()),
    ("c", 4, |s| s.mode = Mode::NewPane(String::new())),
    // The programs run: closing and quitting ask first, restarting refuses.
    ("x", 4, |s| s.mode = Mode::Confirm(Confirm::Close(4))),
    ("r", 4, |s| {
        s.status = Some("the pane's program is still running".into())
    }),
    ("s", 4, |s| s.broadcast = true),
    ("[", 4, |s| {
        s.mode = Mode::Scroll {
            search: None,
            typing: false,
        }
    }),
    ("?", 4, |s| s.mode = Mode::Help { scroll: 0 }),
    ("w", 4, |s| s.mode = Mode::Overview { selected: 4 }),
    ("Tab", 4, |s| s.status = Some("no other pane needs you".into())),
    ("d", 4, |s| s.detach = true),
    ("q", 4, |s| s.mode = Mode::Confirm(Confirm::Quit)),
];

#[test]
fn every_default_binding_does_its_action_and_nothing_else() {
    // The table covers every default key.
    let keymap = Keymap::default();
    let bound: BTreeSet<String> = keymap
        .bindings()
        .iter()
        .flat_map(|(_, keys)| keys.iter().map(ToString::to_string))
        .collect();
    let tested: BTreeSet<String> = NINE_PANE_CASES
        .iter()
        .map(|(name, _, _)| name.parse::<KeyChord>().unwrap().to_string())
        .collect();
    assert_eq!(bound, tested, "default keys and the table differ");
    // A new action without a default key would be unreachable until configured.
    for (action, keys) in keymap.bindings() {
        assert!(!keys.is_empty(), "{action} has no default key");
    }

    let mut app = app_with_keymap(&["cat"; 9], 90, 31, keymap);
    for &(name, focus, change) in NINE_PANE_CASES {
        reset(&mut app, focus);
        let mut expected = state(&app);
        change(&mut expected);
        assert_ne!(expected, state(&app), "{name}: the case expects no change");
        app.update(prefix()).unwrap();
        assert_eq!(app.mode, Mode::Prefix, "{name}: the prefix was not taken");
        app.update(press(name)).unwrap();
        assert_eq!(
            state(&app),
            expected,
            "prefix then {name} from pane {}",
            focus + 1
        );
    }

    // Zoom and broadcast toggle back; every layout comes round again.
    reset(&mut app, 4);
    for name in ["z", "z", "s", "s"] {
        app.update(prefix()).unwrap();
        app.update(press(name)).unwrap();
    }
    assert_eq!(
        (app.zoomed, app.broadcast, app.visible_panes().len()),
        (false, false, 9)
    );
    let mut layouts = vec![app.layout];
    for _ in 0..4 {
        app.update(prefix()).unwrap();
        app.update(press("Space")).unwrap();
        layouts.push(app.layout);
    }
    let distinct: BTreeSet<String> = layouts.iter().map(ToString::to_string).collect();
    assert_eq!(
        (distinct.len(), layouts[4]),
        (4, LayoutKind::Tiled),
        "{layouts:?}"
    );
}

#[test]
fn after_their_programs_end_panes_close_and_restart_without_asking_and_quitting_asks() {
    let mut app = finished_app(&["true", "echo second"], 60, 12);
    app.update(prefix()).unwrap();
    app.update(press("x")).unwrap();
    assert_eq!((app.mode.clone(), app.panes.panes().len()), (Mode::Normal, 1));
    assert_eq!(app.info[0].name, "echo", "the other pane was closed");

    app.update(prefix()).unwrap();
    app.update(press("r")).unwrap();
    assert_eq!(app.status, None);
    assert!(app.panes.panes()[0].is_active(), "the pane did not restart");
    wait_for_text(&mut app, 0, "second");
    run_to_end(&mut app);

    // Ending the session always asks: it may hold more than the user remembers.
    app.update(prefix()).unwrap();
    app.update(press("q")).unwrap();
    assert_eq!(
        (app.mode.clone(), app.quit),
        (Mode::Confirm(Confirm::Quit), false)
    );
    app.update(press("y")).unwrap();
    assert!(app.quit, "a confirmed quit did not end the app");
}

#[test]
fn restarting_an_agent_that_ended_resumes_its_last_conversation() {
    // A stand-in named like Claude Code, which prints the arguments it was given.
    let dir = std::env::temp_dir().join(format!("perdix-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let claude = dir.join("claude");
    std::fs::write(&claude, "#!/bin/sh\necho \"args:$*:\"\n").unwrap();
    std::fs::set_permissions(&claude, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let command = format!("{} --model opus", claude.display());
    let mut app = finished_app(&[command.as_str()], 60, 12);
    app.update(prefix()).unwrap();
    app.update(press("r")).unwrap();
    wait_for_text(&mut app, 0, "args:--model opus --continue:");
    run_to_end(&mut app);
    // The pane keeps resuming, without piling the arguments up.
    app.update(prefix()).unwrap();
    app.update(press("r")).unwrap();
    assert_eq!(app.panes.panes()[0].command(), format!("{command} --continue"));
    run_to_end(&mut app);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unbound_keys_after_the_prefix_do_nothing_and_reach_no_pane() {
    let mut app = app_with_keymap(&["cat -v"], 60, 12, Keymap::default());
    let before = state(&app);
    for code in [KeyCode::Char('0'), KeyCode::Char('v'), KeyCode::F(5)] {
        app.update(prefix()).unwrap();
        app.update(key(code)).unwrap();
        assert_eq!(state(&app), before, "{code:?}");
    }
    // Only what is typed after the prefix commands reaches the program: the terminal's
    // echo of the line, then `cat -v`'s copy, nothing before or between.
    type_text(&mut app, "typed");
    app.update(key(KeyCode::Enter)).unwrap();
    pump_until(&mut app, "the line and its copy", |app| {
        let rows = app.panes.panes()[0].terminal().screen_text();
        rows.iter().filter(|row| !row.is_empty()).count() >= 2
    });
    let rows = app.panes.panes()[0].terminal().screen_text();
    assert_eq!(rows[..2], ["typed", "typed"], "{rows:?}");
}

#[test]
fn the_prefix_twice_sends_exactly_one_ctrl_b_byte() {
    // The line the program reads, byte by byte in hex: one 0x02, then `Z` and the newline.
    let mut app = app_with_keymap(&["sh -c 'head -c 3 | od -An -tx1'"], 60, 12, Keymap::default());
    app.update(prefix()).unwrap();
    app.update(prefix()).unwrap();
    assert_eq!(app.mode, Mode::Normal);
    app.update(key(KeyCode::Char('Z'))).unwrap();
    app.update(key(KeyCode::Enter)).unwrap();
    run_to_end(&mut app);
    let screen = app.panes.panes()[0].terminal().screen_text().join("\n");
    assert!(screen.contains(" 02 5a 0a"), "{screen}");
}

#[test]
fn a_configuration_file_rebinds_keys_and_the_old_ones_stop_working() {
    let text = "[keys]\nprefix = \"C-a\"\nzoom = \"Z\"\nfocus-next = [\"n\"]\n";
    let config = AppConfig::from_toml_str(text, Path::new("config.toml"), None).unwrap();
    let mut app = app_with_keymap(&["cat -v", "cat -v"], 80, 20, config.keymap);

    // The new prefix and keys do the actions.
    app.update(ctrl('a')).unwrap();
    assert_eq!(app.mode, Mode::Prefix);
    app.update(key(KeyCode::Char('Z'))).unwrap();
    assert!(app.zoomed);
    app.update(ctrl('a')).unwrap();
    app.update(key(KeyCode::Char('Z'))).unwrap();
    app.update(ctrl('a')).unwrap();
    app.update(key(KeyCode::Char('n'))).unwrap();
    assert_eq!((app.zoomed, app.focus), (false, 1));

    // The old keys do not: `z` and `o` after the prefix are unbound now.
    for old in ['z', 'o'] {
        app.update(ctrl('a')).unwrap();
        app.update(key(KeyCode::Char(old))).unwrap();
        assert_eq!(
            (app.mode.clone(), app.zoomed, app.focus),
            (Mode::Normal, false, 1),
            "{old}"
        );
    }
    // The old prefix is an ordinary key that goes to the pane (`cat -v` shows it as ^B),
    // and the new prefix twice sends its own byte (^A).
    app.update(ctrl('b')).unwrap();
    assert_eq!(app.mode, Mode::Normal);
    app.update(key(KeyCode::Char('z'))).unwrap();
    assert!(!app.zoomed);
    app.update(ctrl('a')).unwrap();
    app.update(ctrl('a')).unwrap();
    app.update(key(KeyCode::Enter)).unwrap();
    wait_for_text(&mut app, 1, "^Bz^A");
    assert!(
        !support::tui::pane_shows(&app, 0, "^B"),
        "typed into the unfocused pane"
    );
}

/// Opens the confirmation `what` asks for on `app`, presses `answer`, and returns
/// whether the action happened: the pane closed or the app quit.
fn answer(app: &mut App, what: &str, answer: KeyCode) -> bool {
    let panes = app.panes.panes().len();
    app.update(prefix()).unwrap();
    app.update(press(what)).unwrap();
    assert!(
        matches!(app.mode, Mode::Confirm(_)),
        "{what}: no confirmation, {:?}",
        app.mode
    );
    // A key that is no answer keeps the question open.
    app.update(key(KeyCode::Char('a'))).unwrap();
    assert!(matches!(app.mode, Mode::Confirm(_)), "{what}: `a` answered");
    app.update(key(answer)).unwrap();
    assert_eq!(app.mode, Mode::Normal, "{what} {answer:?}");
    app.quit || app.panes.panes().len() < panes
}

#[test]
fn confirmations_accept_y_and_enter_and_refuse_n_and_esc() {
    let mut app = app_with_keymap(&["cat"; 3], 80, 20, Keymap::default());
    for refusal in [KeyCode::Char('n'), KeyCode::Esc] {
        assert!(!answer(&mut app, "x", refusal), "x then {refusal:?} closed");
        assert!(!answer(&mut app, "q", refusal), "q then {refusal:?} quit");
    }
    assert_eq!(app.panes.panes().len(), 3);
    assert!(answer(&mut app, "x", KeyCode::Char('y')));
    assert!(answer(&mut app, "x", KeyCode::Enter));
    assert_eq!(app.panes.panes().len(), 1);
    assert!(answer(&mut app, "q", KeyCode::Enter));

    let mut app = app_with_keymap(&["cat"], 80, 20, Keymap::default());
    assert!(answer(&mut app, "q", KeyCode::Char('y')));
}

#[test]
fn the_new_pane_prompt_edits_its_command_and_esc_cancels() {
    let mut app = app_with_keymap(&["cat"], 80, 20, Keymap::default());
    app.update(prefix()).unwrap();
    app.update(press("c")).unwrap();
    type_text(&mut app, "echo fresh-panx");
    app.update(key(KeyCode::Backspace)).unwrap();
    type_text(&mut app, "e");
    assert_eq!(app.mode, Mode::NewPane("echo fresh-pane".into()));
    app.update(key(KeyCode::Enter)).unwrap();
    assert_eq!(
        (app.panes.panes().len(), app.focus, app.mode.clone()),
        (2, 1, Mode::Normal)
    );
    wait_for_text(&mut app, 1, "fresh-pane");

    app.update(prefix()).unwrap();
    app.update(press("c")).unwrap();
    type_text(&mut app, "cat");
    app.update(key(KeyCode::Esc)).unwrap();
    assert_eq!((app.panes.panes().len(), app.mode.clone()), (2, Mode::Normal));
}

#[test]
fn a_blocked_pane_is_highlighted_while_unfocused_until_answered() {
    // Pane 1 (focused) rings the bell at once; pane 2 rings it a little later, unfocused.
    let mut app = app_with_keymap(
        &[
            "sh -c 'printf \"\\a\"; exec cat'",
            "sh -c 'sleep 0.3; printf \"\\a\"; exec cat'",
        ],
        100,
        20,
        Keymap::default(),
    );
    pump_until(&mut app, "both panes to ask", |app| {
        app.state(0).name() == "blocked" && app.state(1).name() == "blocked"
    });
    assert!(app.info[1].needs_you, "pane 2 asks while unfocused");
    assert!(!app.info[0].needs_you, "the focused pane is not highlighted");
    let corner_colour = |app: &App, pane: usize| {
        let (_, area) = app.visible_panes()[pane];
        support::tui::draw_buffer(app)[(area.x, area.y)].fg
    };
    let attention = rgb(app.theme.attention_border);
    assert_eq!(corner_colour(&app, 1), attention);
    assert_eq!(corner_colour(&app, 0), rgb(app.theme.focused_border));

    // Focusing pane 2 clears its highlight; pane 1 still asks, unanswered, and is
    // highlighted now that it is not focused.
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('2'))).unwrap();
    app.pump().unwrap();
    assert!(!app.info[1].needs_you && app.info[0].needs_you);
    assert_eq!(corner_colour(&app, 0), attention);
    assert_ne!(corner_colour(&app, 1), attention);
    // Typing into pane 2 answers it; pane 1 is answered from its own keys only.
    app.update(press("x")).unwrap();
    app.pump().unwrap();
    assert_ne!(app.state(1).name(), "blocked");
    assert_eq!(app.state(0).name(), "blocked");
}

#[test]
fn the_overview_jumps_to_a_pane_and_tab_finds_the_ones_that_need_you() {
    use perdix::session::control::{ControlRequest, ReportedState};
    let mut app = app_with_keymap(&["cat"; 4], 90, 31, Keymap::default());
    // The overview opens on the focused pane; the mark moves and Enter jumps.
    app.update(prefix()).unwrap();
    app.update(press("w")).unwrap();
    assert_eq!(app.mode, Mode::Overview { selected: 0 });
    for name in ["Down", "Down", "Up", "j", "j", "j"] {
        app.update(press(name)).unwrap();
    }
    assert_eq!(
        app.mode,
        Mode::Overview { selected: 3 },
        "the mark stops at the last pane"
    );
    app.update(press("Enter")).unwrap();
    assert_eq!((app.mode.clone(), app.focus), (Mode::Normal, 3));
    // A digit jumps straight there; Esc leaves without moving.
    app.update(prefix()).unwrap();
    app.update(press("w")).unwrap();
    app.update(press("2")).unwrap();
    assert_eq!((app.mode.clone(), app.focus), (Mode::Normal, 1));
    app.update(prefix()).unwrap();
    app.update(press("w")).unwrap();
    app.update(press("Down")).unwrap();
    app.update(press("Esc")).unwrap();
    assert_eq!((app.mode.clone(), app.focus), (Mode::Normal, 1));

    // Panes 1 and 4 report themselves blocked; Tab goes to each in turn after the focus.
    for id in [1, 4] {
        app.control(ControlRequest::Notify {
            pane_id: id,
            state: ReportedState::Blocked,
            reason: Some("Proceed?".into()),
        });
    }
    let mut visited = Vec::new();
    for _ in 0..3 {
        app.update(prefix()).unwrap();
        app.update(press("Tab")).unwrap();
        visited.push(app.focus);
    }
    assert_eq!(visited, [3, 0, 3]);
}

//! Hostile output through the app's real path (the panes, their PTYs, the parse stage,
//! the replay and a frame drawn into a test backend), each case beside a victim pane that
//! must keep showing its own output and answering typed input, with the app responsive
//! throughout and closing promptly at the end.

mod support;

use crossterm::event::KeyCode;
use perdix::backend::InjectedFault;
use perdix::tui::app::{App, Msg};
use perdix::tui::keymap::Keymap;
use perdix::tui::view::view;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::tui::{app_with_keymap, key, prefix, type_text};

/// A pane that prints a numbered tick twenty times a second (from a job in the
/// background) and echoes every line typed into it as `got-LINE` (a `read` that never
/// times out: one that does can lose a line it has half read on a busy machine).
const VICTIM: &str = "bash --norc --noprofile -c \
    '(i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.05; done) & \
     while read line; do echo \"got-$line\"; done'";
/// How long each attack runs beside the victim.
const ATTACK: Duration = Duration::from_secs(3);
/// The longest one pump and frame may take: the app must never stall.
const STALL: Duration = Duration::from_secs(2);
/// The longest closing the app may take (hang-ups, kills, joins).
const CLOSE: Duration = Duration::from_secs(10);

/// One attack at a time: each floods the machine's cores, and two at once on a small
/// machine starve the victims of both, which says nothing about Perdix.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The highest tick the victim's screen shows.
fn victim_tick(app: &App) -> u64 {
    app.panes.panes()[1]
        .terminal()
        .screen_text()
        .iter()
        .filter_map(|row| row.strip_prefix("tick-")?.trim().parse().ok())
        .max()
        .unwrap_or(0)
}

/// The victim's screen and both panes' byte counts, for failure messages.
fn victim_screen(app: &App) -> String {
    let panes = app.panes.panes();
    format!(
        "attacker: {} bytes out, {} bytes of input waiting; victim: {} bytes out; screen:\n{}",
        panes[0].bytes_received(),
        panes[0].input_queued(),
        panes[1].bytes_received(),
        panes[1].terminal().screen_text().join("\n")
    )
}

/// Whether the victim's screen or scrollback has a line containing `text` (a busy machine
/// may apply many of its lines in one go, scrolling a line off the screen at once).
fn victim_showed(app: &App, text: &str) -> bool {
    perdix::tui::search::line_texts(app.panes.panes()[1].terminal().term())
        .iter()
        .any(|line| line.contains(text))
}

/// Pumps and draws for `duration`, failing if one round stalls; returns the rounds.
fn run_for(app: &mut App, terminal: &mut Terminal<TestBackend>, duration: Duration) -> usize {
    let start = Instant::now();
    let mut rounds = 0;
    while start.elapsed() < duration {
        let round = Instant::now();
        app.pump().expect("the app's pump never fails for one pane");
        terminal.draw(|frame| view(app, frame)).unwrap();
        assert!(
            round.elapsed() < STALL,
            "one pump and frame took {:?}",
            round.elapsed()
        );
        rounds += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    rounds
}

/// Runs `attack` in pane 1 beside the victim in pane 2, focused, and checks that the
/// victim keeps ticking, takes typed input, never shows the attacker's bytes, and that
/// the app closes promptly. Returns the app's notices.
fn survive(attack: &str, marker: Option<&str>, act: impl FnOnce(&mut App)) -> Vec<String> {
    // A failed attack poisons the lock; the next one runs all the same.
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut app = app_with_keymap(&[attack, VICTIM], 120, 30, Keymap::default());
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('2'))).unwrap();
    assert_eq!(app.focus, 1);
    run_for(&mut app, &mut terminal, Duration::from_millis(500));
    act(&mut app);
    let before = victim_tick(&app);
    run_for(&mut app, &mut terminal, ATTACK / 2);
    let typed = Instant::now();
    type_text(&mut app, "hello");
    app.update(key(KeyCode::Enter)).unwrap();
    assert!(typed.elapsed() < STALL, "typing took {:?}", typed.elapsed());
    let deadline = Instant::now() + support::tui::WAIT;
    let mut got_echo = false;
    while Instant::now() < deadline {
        run_for(&mut app, &mut terminal, Duration::from_millis(100));
        got_echo |= victim_showed(&app, "got-hello");
        if got_echo && typed.elapsed() >= ATTACK / 2 {
            break;
        }
    }
    assert!(
        got_echo,
        "the victim never echoed typed input:\n{}",
        victim_screen(&app)
    );
    let after = victim_tick(&app);
    assert!(
        after >= before + 5,
        "the victim stopped ticking (from {before} to {after}):\n{}",
        victim_screen(&app)
    );
    if let Some(marker) = marker {
        assert!(
            !victim_showed(&app, marker),
            "the attacker's output reached the victim:\n{}",
            victim_screen(&app)
        );
    }
    let notices = std::mem::take(&mut app.notices);
    let closing = Instant::now();
    drop(app);
    assert!(closing.elapsed() < CLOSE, "closing took {:?}", closing.elapsed());
    notices
}

/// A shell command printing `prefix`, `len` copies of `fill`, then `suffix`.
fn long_string(prefix: &str, fill: char, len: usize, suffix: &str) -> String {
    format!(
        "sh -c \"printf '{prefix}'; head -c {len} /dev/zero | tr '\\\\0' '{fill}'; printf '{suffix}'; sleep 60\""
    )
}

#[test]
fn titles_of_200_bytes_to_1_mib() {
    for len in [200, 300, 64 * 1024, 1024 * 1024] {
        let notices = survive(&long_string("\\033]0;", 'A', len, "\\007"), Some("AAAA"), |_| {});
        assert!(notices.is_empty(), "{len}: {notices:?}");
    }
}

#[test]
fn hyperlinks_working_directories_and_clipboard_stores_up_to_1_mib() {
    for (prefix, suffix) in [
        (
            "\\033]8;;http://example.com/",
            "\\033\\\\\\\\link\\033]8;;\\033\\\\\\\\",
        ),
        ("\\033]7;file://host/", "\\007"),
        ("\\033]52;c;", "\\007"),
    ] {
        for len in [300, 1024 * 1024] {
            let notices = survive(&long_string(prefix, 'Q', len, suffix), Some("QQQQ"), |_| {});
            assert!(notices.is_empty(), "{prefix} {len}: {notices:?}");
        }
    }
}

#[test]
fn endless_osc_dcs_and_csi_sequences() {
    for start in ["\\033]0;", "\\033P1;2q", "\\033["] {
        let attack = format!(
            "sh -c \"printf '{start}'; head -c 16000000 /dev/urandom | tr -d '\\\\007\\\\030\\\\032\\\\033\\\\234'; sleep 60\""
        );
        survive(&attack, None, |_| {});
    }
}

#[test]
fn megabytes_of_random_bytes() {
    survive("sh -c 'head -c 8000000 /dev/urandom; sleep 60'", None, |_| {});
}

#[test]
fn a_query_flood_from_a_child_that_never_reads() {
    let attack = "sh -c 'stty raw -echo; while :; do printf \"\\033[6n\\033[c\"; done'";
    survive(attack, None, |app| {
        // Let the flood fill the child's input so that replies pile up.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(1) {
            app.pump().unwrap();
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            app.panes.panes()[0].dropped_replies() > 0,
            "the flood's replies were all queued: {} bytes",
            app.panes.panes()[0].input_queued()
        );
    });
}

#[test]
fn a_paste_into_a_program_that_never_reads_is_refused_past_the_bound_and_named() {
    survive("sleep 1000", None, |app| {
        app.update(prefix()).unwrap();
        app.update(key(KeyCode::Char('1'))).unwrap();
        let paste = "x".repeat(300 * 1024);
        let start = Instant::now();
        for _ in 0..20 {
            app.update(Msg::Paste(paste.clone())).unwrap();
        }
        assert!(
            start.elapsed() < STALL,
            "pasting blocked for {:?}",
            start.elapsed()
        );
        let status = app.status.clone().unwrap_or_default();
        assert!(
            status.contains("pane 1") && status.contains("not reading its input"),
            "{status:?}"
        );
        app.update(prefix()).unwrap();
        app.update(key(KeyCode::Char('2'))).unwrap();
    });
}

#[test]
fn children_that_exit_mid_sequence() {
    for attack in [
        "printf '\\033[31;4'",
        "printf '\\033]0;unfinished title'",
        "printf '\\033P1$r'",
        "printf 'ok\\342\\202'",
    ] {
        survive(attack, None, |_| {});
    }
}

#[test]
fn a_pane_whose_output_makes_the_parser_fail_loses_it_and_says_so() {
    let attack = "sh -c 'while :; do echo attack; sleep 0.05; done'";
    let notices = survive(attack, Some("attack"), |app| {
        assert!(app.panes.inject_stage_fault(InjectedFault::PanicOnStream(0)));
    });
    assert!(
        notices
            .iter()
            .any(|notice| notice.starts_with("pane 1:") && notice.contains("not parsed")),
        "{notices:?}"
    );
}

#[test]
fn a_parse_stage_that_ends_is_restarted_with_every_pane() {
    let attack = "sh -c 'while :; do echo attack; sleep 0.05; done'";
    let notices = survive(attack, Some("attack"), |app| {
        assert!(app.panes.inject_stage_fault(InjectedFault::EndThread));
    });
    assert!(
        notices.iter().any(|notice| notice.contains("restarted")),
        "{notices:?}"
    );
}

//! What a pane's terminal model does around the replay: synchronized updates held and
//! released, replies to queries, pane events, scrollback, and the screen as text.

mod support;

use support::cpu_records as records;

use alacritty_terminal::grid::Dimensions;
use perdix::pty::PaneSize;
use perdix::term::{Clipboard, Osc52, PaneConfig, PaneEvent, PaneTerminal, SYNC_LIMIT, SYNC_TIMEOUT};
use std::time::{Duration, Instant};

fn pane(cols: u16, rows: u16) -> PaneTerminal {
    PaneTerminal::new(PaneSize::new(cols, rows), PaneConfig::default())
}

fn feed(pane: &mut PaneTerminal, bytes: &[u8]) {
    pane.apply_records(&records(bytes)).unwrap();
}

#[test]
fn a_synchronized_update_holds_the_screen_until_it_ends() {
    let mut pane = pane(10, 2);
    feed(&mut pane, b"old");
    feed(&mut pane, b"\x1b[?2026h\r\x1b[2Knew");
    assert!(pane.is_holding());
    assert_eq!(pane.screen_text(), ["old", ""]);
    feed(&mut pane, b" frame");
    assert_eq!(pane.screen_text(), ["old", ""]);
    feed(&mut pane, b"\x1b[?2026l!");
    assert!(!pane.is_holding());
    assert_eq!(pane.screen_text(), ["new frame!", ""]);
}

#[test]
fn a_synchronized_update_times_out_after_150_ms() {
    let mut pane = pane(10, 2);
    let start = Instant::now();
    pane.apply_records_at(&records(b"a\x1b[?2026hb"), start).unwrap();
    assert_eq!(pane.sync_deadline(), Some(start + SYNC_TIMEOUT));
    assert!(!pane.poll_sync(start + SYNC_TIMEOUT - Duration::from_millis(1)));
    assert_eq!(pane.screen_text(), ["a", ""]);
    assert!(pane.poll_sync(start + SYNC_TIMEOUT));
    assert_eq!(pane.screen_text(), ["ab", ""]);
    assert_eq!(pane.sync_deadline(), None);
}

#[test]
fn a_new_begin_inside_the_block_extends_it() {
    let mut pane = pane(10, 2);
    let start = Instant::now();
    pane.apply_records_at(&records(b"\x1b[?2026hx"), start).unwrap();
    let later = start + Duration::from_millis(100);
    pane.apply_records_at(&records(b"\x1b[?2026hy"), later).unwrap();
    assert!(!pane.poll_sync(start + SYNC_TIMEOUT));
    assert_eq!(pane.screen_text(), ["", ""]);
    assert!(pane.poll_sync(later + SYNC_TIMEOUT));
    assert_eq!(pane.screen_text(), ["xy", ""]);
}

#[test]
fn a_block_over_the_byte_limit_is_shown_without_waiting() {
    let mut pane = pane(10, 2);
    feed(&mut pane, b"\x1b[?2026h");
    let mut line = Vec::new();
    while line.len() < SYNC_LIMIT + 1024 {
        line.extend_from_slice(b"\x1b[Hfiller\x1b[K");
    }
    line.extend_from_slice(b"\x1b[Hlast\x1b[K");
    feed(&mut pane, &line);
    assert!(!pane.is_holding());
    assert_eq!(pane.screen_text(), ["last", ""]);
}

#[test]
fn queries_are_answered_to_the_pane() {
    let mut pane = pane(20, 5);
    feed(&mut pane, b"ab\r\n\x1b[6n");
    assert_eq!(pane.take_replies(), b"\x1b[2;1R");
    feed(&mut pane, b"\x1b[?2004h\x1b[?2004$p");
    assert_eq!(pane.take_replies(), b"\x1b[?2004;1$y");
    feed(&mut pane, b"\x1b[c");
    let reply = pane.take_replies();
    assert!(reply.starts_with(b"\x1b[?") && reply.ends_with(b"c"), "{reply:?}");
    feed(&mut pane, b"\x1b[18t");
    assert_eq!(pane.take_replies(), b"\x1b[8;5;20t");
    feed(&mut pane, b"\x1b]10;?\x07");
    assert_eq!(pane.take_replies(), b"\x1b]10;rgb:e5e5/e5e5/e5e5\x07");
    assert!(pane.take_replies().is_empty());
}

#[test]
fn titles_bells_and_notifications_become_events() {
    let mut pane = pane(20, 5);
    feed(
        &mut pane,
        b"\x1b]2;building\x07\x07\x1b]9;done\x1b\\\x1b]9;4;1;50\x07\x1b]777;notify;Tests;all passed\x07",
    );
    let events = format!("{:?}", pane.take_events());
    assert_eq!(
        events,
        "[Title(Some(\"building\")), Bell, Notification { title: None, body: \"done\" }, \
         Progress { active: true }, Notification { title: Some(\"Tests\"), body: \"all passed\" }]"
    );
    assert!(pane.take_events().is_empty());
    // Progress ends with state 0 (or an error); kitty's OSC 99 is a notification too.
    feed(
        &mut pane,
        b"\x1b]9;4;0\x07\x1b]9;4;2;10\x07\x1b]99;i=1;Build finished\x1b\\\x1b]99;;\x07",
    );
    let events = format!("{:?}", pane.take_events());
    assert_eq!(
        events,
        "[Progress { active: false }, Progress { active: false }, \
         Notification { title: None, body: \"Build finished\" }]"
    );
}

#[test]
fn clipboard_access_is_off_by_default_and_configurable() {
    let copy = b"\x1b]52;c;aGVsbG8=\x07";
    let mut off = pane(20, 5);
    feed(&mut off, copy);
    feed(&mut off, b"\x1b]52;c;?\x07");
    assert!(off.take_events().is_empty());
    assert!(off.take_replies().is_empty());

    let config = PaneConfig {
        clipboard: Osc52::CopyPaste,
        ..PaneConfig::default()
    };
    let mut on = PaneTerminal::new(PaneSize::new(20, 5), config);
    feed(&mut on, copy);
    let events = on.take_events();
    assert!(
        matches!(&events[..], [PaneEvent::ClipboardStore { clipboard: Clipboard::Clipboard, text }] if text == "hello"),
        "{events:?}"
    );
    feed(&mut on, b"\x1b]52;c;?\x07");
    let events = on.take_events();
    assert_eq!(events.len(), 1);
    on.answer_clipboard(&events[0], "hi");
    assert_eq!(on.take_replies(), b"\x1b]52;c;aGk=\x07");
}

#[test]
fn scrollback_keeps_ten_thousand_lines_by_default() {
    let mut text = Vec::new();
    for line in 0..10_100 {
        text.extend_from_slice(format!("{line}\r\n").as_bytes());
    }
    let mut default = pane(10, 4);
    feed(&mut default, &text);
    assert_eq!(default.term().grid().history_size(), 10_000);

    let small = PaneConfig {
        scrollback: 50,
        ..PaneConfig::default()
    };
    let mut limited = PaneTerminal::new(PaneSize::new(10, 4), small);
    feed(&mut limited, &text);
    assert_eq!(limited.term().grid().history_size(), 50);
}

#[test]
fn screen_text_shows_wide_and_combining_characters_once() {
    let mut pane = pane(12, 3);
    feed(&mut pane, "日本\te\u{301}x  \r\n\x1b[31mred\x1b[0m   ".as_bytes());
    assert_eq!(pane.screen_text(), ["日本    e\u{301}x", "red", ""]);
}

#[test]
fn resizing_the_model_rewraps_nothing_it_should_not() {
    let mut pane = pane(10, 3);
    feed(&mut pane, b"0123456789abc");
    assert_eq!(pane.screen_text(), ["0123456789", "abc", ""]);
    pane.resize(PaneSize::new(20, 3));
    assert_eq!(pane.size(), PaneSize::new(20, 3));
    assert_eq!(pane.screen_text(), ["0123456789abc", "", ""]);
    pane.resize(PaneSize::new(0, 0));
    assert_eq!(pane.size(), PaneSize::new(perdix::term::MIN_COLUMNS, 1));
}

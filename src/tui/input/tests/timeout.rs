//! The escape timeout: what is held until the deadline, and what it becomes then.

use super::{ch, decode, decode_flushed, key, ALT, NONE, SHIFT};
use crate::tui::input::{InputDecoder, DEFAULT_ESCAPE_TIMEOUT};
use crossterm::event::{Event, KeyCode};
use std::time::{Duration, Instant};

#[test]
fn incomplete_sequences_become_keys_at_the_timeout() {
    let alt = |c| key(KeyCode::Char(c), ALT);
    let table: &[(&[u8], Vec<Event>)] = &[
        (b"\x1b", vec![key(KeyCode::Esc, NONE)]),
        (b"\x1b[", vec![alt('[')]),
        (b"\x1bO", vec![key(KeyCode::Char('O'), ALT | SHIFT)]),
        (b"\x1b\x1b", vec![key(KeyCode::Esc, ALT)]),
        (b"\x1b[1;5", vec![alt('['), ch('1'), ch(';'), ch('5')]),
        (b"\x1b[<0;1", vec![alt('['), ch('<'), ch('0'), ch(';'), ch('1')]),
        (b"\x1b[M", vec![alt('['), key(KeyCode::Char('M'), SHIFT)]),
        (
            b"\x1b[M !",
            vec![alt('['), key(KeyCode::Char('M'), SHIFT), ch(' '), ch('!')],
        ),
        (b"\x1bO5", vec![key(KeyCode::Char('O'), ALT | SHIFT), ch('5')]),
        (b"\x1b]", vec![alt(']')]),
        (b"\x1bP", vec![key(KeyCode::Char('P'), ALT | SHIFT)]),
        (
            b"\x1b]1;x\x1b",
            vec![alt(']'), ch('1'), ch(';'), ch('x'), key(KeyCode::Esc, NONE)],
        ),
        (b"\x1b\x1b[2", vec![key(KeyCode::Esc, ALT), ch('['), ch('2')]),
        // Alt and half a character: the character is lost, the Esc is not.
        (b"\x1b\xc3", vec![key(KeyCode::Esc, NONE)]),
        (b"\xe6\x97", vec![]),
    ];
    for (bytes, expected) in table {
        let name = String::from_utf8_lossy(bytes);
        let mut decoder = InputDecoder::new();
        decoder.feed(bytes);
        assert_eq!(decoder.next_event(), None, "{name:?} is held");
        assert!(decoder.deadline().is_some(), "{name:?} has a deadline");
        decoder.flush_timeout();
        assert_eq!(&decoder.drain_events().collect::<Vec<_>>(), expected, "{name:?}");
        assert_eq!(
            decoder.deadline(),
            None,
            "{name:?}: nothing is held after the timeout"
        );
    }
}

/// The reported problem: Alt-[ and then, a moment later, `x`. Both arrive; `x` is not
/// taken as the end of a CSI sequence.
#[test]
fn alt_bracket_then_a_key_after_the_timeout_is_two_keys() {
    let mut decoder = InputDecoder::new();
    decoder.feed(b"\x1b[");
    decoder.flush_timeout();
    decoder.feed(b"x");
    let events: Vec<Event> = decoder.drain_events().collect();
    assert_eq!(events, vec![key(KeyCode::Char('['), ALT), ch('x')]);
    // Without the timeout in between, the same bytes are one sequence, and no key.
    assert_eq!(decode(b"\x1b[x"), vec![]);
}

#[test]
fn the_deadline_is_the_timeout_after_the_last_byte() {
    assert_eq!(DEFAULT_ESCAPE_TIMEOUT, Duration::from_millis(25));
    let mut decoder = InputDecoder::new();
    assert_eq!(decoder.deadline(), None);
    decoder.feed(b"a");
    assert_eq!(decoder.deadline(), None, "nothing held");
    let before = Instant::now();
    decoder.feed(b"\x1b");
    let after = Instant::now();
    let deadline = decoder.deadline().expect("an ESC is held");
    assert!(deadline >= before + DEFAULT_ESCAPE_TIMEOUT && deadline <= after + DEFAULT_ESCAPE_TIMEOUT);

    // The next byte of the sequence moves it on.
    std::thread::sleep(Duration::from_millis(5));
    let before = Instant::now();
    decoder.feed(b"[1");
    let moved = decoder.deadline().expect("a partial CSI is held");
    assert!(moved >= before + DEFAULT_ESCAPE_TIMEOUT && moved > deadline);

    let slow = InputDecoder::new().with_escape_timeout(Duration::from_millis(300));
    assert_eq!(slow.escape_timeout(), Duration::from_millis(300));
    let mut slow = slow;
    let before = Instant::now();
    slow.feed(b"\x1b");
    assert!(slow.deadline().unwrap() >= before + Duration::from_millis(300));
}

#[test]
fn a_timeout_with_nothing_held_does_nothing() {
    let mut decoder = InputDecoder::new();
    decoder.flush_timeout();
    decoder.feed(b"ab");
    decoder.flush_timeout();
    assert_eq!(decoder.drain_events().collect::<Vec<_>>(), vec![ch('a'), ch('b')]);
    assert_eq!(decode_flushed(b""), vec![]);
}

//! The input thread over a socket standing in for the terminal: timeouts from `poll`,
//! resizes from SIGWINCH, replies passed on, and its two ways to end.

use super::{ch, key, ALT, NONE};
use crate::ring::EventCount;
use crate::tui::input::{spawn_input_reader, InputReaderOptions, ReaderEnd, ReplyKind};
use crossterm::event::{Event, KeyCode};
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Generous: the machine may be busy.
const WAIT: Duration = Duration::from_secs(10);

fn options(escape_timeout: Duration) -> InputReaderOptions {
    InputReaderOptions {
        escape_timeout,
        terminal_size: None,
        replies: None,
        waker: None,
    }
}

fn next(events: &Receiver<Event>) -> Event {
    events.recv_timeout(WAIT).expect("an event in time")
}

#[test]
fn a_held_escape_is_reported_once_the_timeout_passes_and_not_before() {
    let timeout = Duration::from_millis(80);
    let (mut terminal, input) = UnixStream::pair().unwrap();
    let (events_tx, events) = channel();
    let thread = spawn_input_reader(input.into(), events_tx, options(timeout)).unwrap();

    let sent = Instant::now();
    terminal.write_all(b"\x1b[").unwrap();
    assert_eq!(next(&events), key(KeyCode::Char('['), ALT));
    assert!(sent.elapsed() >= timeout, "reported after {:?}", sent.elapsed());
    terminal.write_all(b"x").unwrap();
    assert_eq!(next(&events), ch('x'));

    drop(terminal);
    assert_eq!(thread.join().unwrap().unwrap(), ReaderEnd::InputClosed);
}

#[test]
fn a_sequence_split_across_reads_within_the_timeout_is_one_key() {
    // A long timeout, so that a busy machine cannot make the pause count.
    let (mut terminal, input) = UnixStream::pair().unwrap();
    let (events_tx, events) = channel();
    let thread = spawn_input_reader(input.into(), events_tx, options(Duration::from_secs(5))).unwrap();
    terminal.write_all(b"\x1b[1;").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    terminal.write_all(b"5A").unwrap();
    assert_eq!(
        next(&events),
        key(KeyCode::Up, crossterm::event::KeyModifiers::CONTROL)
    );
    drop(terminal);
    assert_eq!(thread.join().unwrap().unwrap(), ReaderEnd::InputClosed);
    assert_eq!(
        events.try_recv(),
        Err(std::sync::mpsc::TryRecvError::Disconnected)
    );
}

#[test]
fn the_end_of_input_gives_up_what_is_held() {
    let (mut terminal, input) = UnixStream::pair().unwrap();
    let (events_tx, events) = channel();
    let thread = spawn_input_reader(input.into(), events_tx, options(Duration::from_secs(60))).unwrap();
    terminal.write_all(b"\x1b").unwrap();
    drop(terminal);
    assert_eq!(next(&events), key(KeyCode::Esc, NONE));
    assert_eq!(thread.join().unwrap().unwrap(), ReaderEnd::InputClosed);
}

#[test]
fn the_thread_ends_when_the_receiver_is_gone() {
    let (mut terminal, input) = UnixStream::pair().unwrap();
    let (events_tx, events) = channel();
    let thread = spawn_input_reader(input.into(), events_tx, options(Duration::from_millis(25))).unwrap();
    drop(events);
    terminal.write_all(b"a").unwrap();
    assert_eq!(thread.join().unwrap().unwrap(), ReaderEnd::ReceiverGone);
}

#[test]
fn sigwinch_is_a_resize_with_the_size_read_then() {
    let (terminal, input) = UnixStream::pair().unwrap();
    let (events_tx, events) = channel();
    let options = InputReaderOptions {
        terminal_size: Some(|| Ok((123, 45))),
        ..options(Duration::from_millis(25))
    };
    let thread = spawn_input_reader(input.into(), events_tx, options).unwrap();
    signal_hook::low_level::raise(signal_hook::consts::SIGWINCH).unwrap();
    // Other tests may raise it too; any resize here has this reader's size.
    assert_eq!(next(&events), Event::Resize(123, 45));
    drop(terminal);
    assert_eq!(thread.join().unwrap().unwrap(), ReaderEnd::InputClosed);
}

#[test]
fn replies_go_to_their_own_channel() {
    let (mut terminal, input) = UnixStream::pair().unwrap();
    let (events_tx, events) = channel();
    let (replies_tx, replies) = channel();
    let options = InputReaderOptions {
        replies: Some(replies_tx),
        ..options(Duration::from_millis(25))
    };
    let thread = spawn_input_reader(input.into(), events_tx, options).unwrap();
    terminal.write_all(b"\x1b]11;rgb:0/0/0\x1b\\q").unwrap();
    assert_eq!(next(&events), ch('q'));
    let reply = replies.recv_timeout(WAIT).unwrap();
    assert_eq!(
        (reply.kind(), reply.payload()),
        (ReplyKind::Osc, &b"11;rgb:0/0/0"[..])
    );
    drop(terminal);
    assert_eq!(thread.join().unwrap().unwrap(), ReaderEnd::InputClosed);
}

#[test]
fn the_waker_is_notified_for_each_event_and_when_the_reader_ends() {
    let waker = Arc::new(EventCount::new());
    let (mut terminal, input) = UnixStream::pair().unwrap();
    let (events_tx, events) = channel();
    let options = InputReaderOptions {
        waker: Some(Arc::clone(&waker)),
        ..options(Duration::from_millis(25))
    };
    let thread = spawn_input_reader(input.into(), events_tx, options).unwrap();

    // Announced before the key is typed, so a notification cannot slip past unseen.
    let key_typed = waker.prepare_wait();
    terminal.write_all(b"x").unwrap();
    assert!(
        waker.wait_until(key_typed, Instant::now() + WAIT),
        "no wake for a key"
    );
    assert_eq!(next(&events), ch('x'));

    let reader_ended = waker.prepare_wait();
    drop(terminal);
    assert!(
        waker.wait_until(reader_ended, Instant::now() + WAIT),
        "no wake at the end"
    );
    assert_eq!(thread.join().unwrap().unwrap(), ReaderEnd::InputClosed);
}

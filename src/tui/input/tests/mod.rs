//! Tests of the decoder by input class, of the escape timeout, of feeds split anywhere,
//! and of the input thread.

mod keys;
mod reader;
mod sequences;
mod splits;
mod timeout;

use super::InputDecoder;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

pub(super) const NONE: KeyModifiers = KeyModifiers::NONE;
pub(super) const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
pub(super) const ALT: KeyModifiers = KeyModifiers::ALT;
pub(super) const CTRL: KeyModifiers = KeyModifiers::CONTROL;

/// The events of `bytes` fed whole, without a timeout.
pub(super) fn decode(bytes: &[u8]) -> Vec<Event> {
    let mut decoder = InputDecoder::new();
    decoder.feed(bytes);
    decoder.drain_events().collect()
}

/// The events of `bytes` fed whole, then the timeout.
pub(super) fn decode_flushed(bytes: &[u8]) -> Vec<Event> {
    let mut decoder = InputDecoder::new();
    decoder.feed(bytes);
    decoder.flush_timeout();
    decoder.drain_events().collect()
}

pub(super) fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, modifiers))
}

pub(super) fn key_with(
    code: KeyCode,
    modifiers: KeyModifiers,
    kind: KeyEventKind,
    state: KeyEventState,
) -> Event {
    Event::Key(KeyEvent::new_with_kind_and_state(code, modifiers, kind, state))
}

pub(super) fn ch(c: char) -> Event {
    key(KeyCode::Char(c), NONE)
}

/// Checks each `(bytes, events)` pair, fed whole and without a timeout.
pub(super) fn check(table: &[(&[u8], Vec<Event>)]) {
    for (bytes, expected) in table {
        assert_eq!(
            &decode(bytes),
            expected,
            "bytes {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

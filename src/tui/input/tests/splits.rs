//! Bytes split into feeds anywhere give the events of the whole; random bytes never
//! panic.

use super::decode;
use crate::tui::input::{InputDecoder, TerminalReply};
use crossterm::event::Event;
use proptest::prelude::*;

/// Complete units of every class, each decoded on its own to at least one event or
/// reply, and nothing held after it.
const UNITS: &[&[u8]] = &[
    b"ab",
    "é日🦀".as_bytes(),
    b"\r\t\x7f\x08\x01\x00\x1f",
    b"\x1bx",
    b"\x1b\r",
    "\x1bé".as_bytes(),
    b"\x1b[A",
    b"\x1bOB",
    b"\x1b[1;5C",
    b"\x1b[3;2~",
    b"\x1b[24~",
    b"\x1bOP",
    b"\x1b[1;2R",
    b"\x1b[Z",
    b"\x1bOp",
    b"\x1b\x1b[D",
    b"\x1b[97;5u",
    b"\x1b[13;2u",
    b"\x1b[97;1:3u",
    b"\x1b[<0;10;5M",
    b"\x1b[<35;1;2m",
    b"\x1b[M !!",
    b"\x1b[32;3;4M",
    b"\x1b[I",
    b"\x1b[O",
    b"\x1b[200~paste \x1b[A\x1b\x1b[20\x1b[201~",
    b"\x1b]11;rgb:1/2/3\x07",
    b"\x1b]10;x\x1b\\",
    b"\x1bP>|term\x1b\\",
    b"\x1b[?62;22c",
];

/// Events and replies of `pieces` fed one after another, then the timeout.
fn run(pieces: &[&[u8]]) -> (Vec<Event>, Vec<TerminalReply>) {
    let mut decoder = InputDecoder::new();
    for piece in pieces {
        decoder.feed(piece);
    }
    decoder.flush_timeout();
    let events = decoder.drain_events().collect();
    let mut replies = Vec::new();
    while let Some(reply) = decoder.next_reply() {
        replies.push(reply);
    }
    (events, replies)
}

#[test]
fn each_unit_decodes_completely_on_its_own() {
    for unit in UNITS {
        let mut decoder = InputDecoder::new();
        decoder.feed(unit);
        assert_eq!(
            decoder.deadline(),
            None,
            "{:?} left something held",
            String::from_utf8_lossy(unit)
        );
        let (events, replies) = run(&[unit]);
        assert!(
            !events.is_empty() || !replies.is_empty(),
            "{:?} gave nothing",
            String::from_utf8_lossy(unit)
        );
    }
}

/// The whole mixed input gives each unit's events in order, and so does every split of
/// it into two feeds and, for a shorter input, into three.
#[test]
fn every_split_point_of_a_mixed_input_gives_the_same_events() {
    let whole: Vec<u8> = UNITS.concat();
    let (mut expected_events, mut expected_replies) = (Vec::new(), Vec::new());
    for unit in UNITS {
        let (events, replies) = run(&[unit]);
        expected_events.extend(events);
        expected_replies.extend(replies);
    }
    assert_eq!(
        run(&[&whole]),
        (expected_events.clone(), expected_replies.clone())
    );
    for split in 0..=whole.len() {
        let (left, right) = whole.split_at(split);
        assert_eq!(
            run(&[left, right]),
            (expected_events.clone(), expected_replies.clone()),
            "split at {split}"
        );
    }
    let short: Vec<u8> = UNITS[..16].concat();
    let expected = run(&[&short]);
    for first in 0..=short.len() {
        for second in first..=short.len() {
            let pieces = [&short[..first], &short[first..second], &short[second..]];
            assert_eq!(run(&pieces), expected, "splits at {first} and {second}");
        }
    }
}

#[test]
fn byte_by_byte_feeds_give_the_same_events() {
    let whole: Vec<u8> = UNITS.concat();
    let pieces: Vec<&[u8]> = whole.chunks(1).collect();
    assert_eq!(run(&pieces), run(&[&whole]));
    assert!(!decode(&whole).is_empty());
}

/// Random units and random noise, for the property tests.
fn mixed_input() -> impl Strategy<Value = Vec<u8>> {
    let unit = prop_oneof![
        (0..UNITS.len()).prop_map(|index| UNITS[index].to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
        Just(b"\x1b".to_vec()),
        Just(b"\x1b[".to_vec()),
        Just(b"\x1b[200~".to_vec()),
        Just(b"\x1b[201~".to_vec()),
        Just(b"\x1b]".to_vec()),
    ];
    proptest::collection::vec(unit, 0..24).prop_map(|units| units.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut decoder = InputDecoder::new().with_paste_part_size(16);
        decoder.feed(&bytes);
        decoder.flush_timeout();
        prop_assert_eq!(decoder.deadline(), None);
        let _ = decoder.drain_events().count();
    }

    #[test]
    fn any_split_of_any_input_gives_the_events_of_the_whole(
        bytes in mixed_input(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut offsets: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
        offsets.sort_unstable();
        let mut pieces = Vec::new();
        let mut start = 0;
        for offset in offsets {
            pieces.push(&bytes[start..offset]);
            start = offset;
        }
        pieces.push(&bytes[start..]);
        prop_assert_eq!(run(&pieces), run(&[&bytes]));
    }
}

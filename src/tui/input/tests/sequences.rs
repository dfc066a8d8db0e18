//! Mouse reports, focus, bracketed paste, replies to queries, and sequences broken off
//! by a control byte.

use super::{ch, check, decode, decode_flushed, key, ALT, CTRL, NONE, SHIFT};
use crate::tui::input::{InputDecoder, ReplyKind, DEFAULT_PASTE_PART};
use crossterm::event::{Event, KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

fn mouse(kind: MouseEventKind, column: u16, row: u16, modifiers: KeyModifiers) -> Event {
    Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers,
    })
}

#[test]
fn sgr_mouse_reports() {
    use MouseButton::{Left, Middle, Right};
    use MouseEventKind::*;
    check(&[
        (b"\x1b[<0;10;5M", vec![mouse(Down(Left), 9, 4, NONE)]),
        (b"\x1b[<0;10;5m", vec![mouse(Up(Left), 9, 4, NONE)]),
        (b"\x1b[<1;1;1M", vec![mouse(Down(Middle), 0, 0, NONE)]),
        (b"\x1b[<2;3;4M", vec![mouse(Down(Right), 2, 3, NONE)]),
        (b"\x1b[<2;3;4m", vec![mouse(Up(Right), 2, 3, NONE)]),
        (b"\x1b[<32;3;4M", vec![mouse(Drag(Left), 2, 3, NONE)]),
        (b"\x1b[<34;3;4M", vec![mouse(Drag(Right), 2, 3, NONE)]),
        (b"\x1b[<35;7;8M", vec![mouse(Moved, 6, 7, NONE)]),
        (b"\x1b[<64;5;5M", vec![mouse(ScrollUp, 4, 4, NONE)]),
        (b"\x1b[<65;5;5M", vec![mouse(ScrollDown, 4, 4, NONE)]),
        (b"\x1b[<66;5;5M", vec![mouse(ScrollLeft, 4, 4, NONE)]),
        (b"\x1b[<67;5;5M", vec![mouse(ScrollRight, 4, 4, NONE)]),
        (b"\x1b[<4;1;1M", vec![mouse(Down(Left), 0, 0, SHIFT)]),
        (b"\x1b[<8;1;1M", vec![mouse(Down(Left), 0, 0, ALT)]),
        (b"\x1b[<16;1;1M", vec![mouse(Down(Left), 0, 0, CTRL)]),
        (b"\x1b[<80;1;1M", vec![mouse(ScrollUp, 0, 0, CTRL)]),
        (
            b"\x1b[<28;1;1M",
            vec![mouse(Down(Left), 0, 0, SHIFT | ALT | CTRL)],
        ),
        // Wider than the normal encoding can say.
        (b"\x1b[<0;300;200M", vec![mouse(Down(Left), 299, 199, NONE)]),
        // Buttons 8 to 11 have no name in crossterm: consumed, no event.
        (b"\x1b[<128;1;1M", vec![]),
    ]);
}

#[test]
fn normal_and_urxvt_mouse_reports() {
    use MouseButton::{Left, Right};
    use MouseEventKind::*;
    check(&[
        // Each byte is its value plus 32; columns and rows from 1.
        (b"\x1b[M !!", vec![mouse(Down(Left), 0, 0, NONE)]),
        (b"\x1b[M\"*%", vec![mouse(Down(Right), 9, 4, NONE)]),
        // Button 3 is a release of whichever button.
        (b"\x1b[M#!!", vec![mouse(Up(Left), 0, 0, NONE)]),
        (b"\x1b[M@+,", vec![mouse(Drag(Left), 10, 11, NONE)]),
        (b"\x1b[MC!!", vec![mouse(Moved, 0, 0, NONE)]),
        (b"\x1b[M`!!", vec![mouse(ScrollUp, 0, 0, NONE)]),
        (b"\x1b[Ma!!", vec![mouse(ScrollDown, 0, 0, NONE)]),
        (b"\x1b[M0!!", vec![mouse(Down(Left), 0, 0, CTRL)]),
        (b"\x1b[M \xff\xff", vec![mouse(Down(Left), 222, 222, NONE)]),
        (b"\x1b[32;10;5M", vec![mouse(Down(Left), 9, 4, NONE)]),
        (b"\x1b[35;10;5M", vec![mouse(Up(Left), 9, 4, NONE)]),
        (b"\x1b[96;1;2M", vec![mouse(ScrollUp, 0, 1, NONE)]),
    ]);
}

#[test]
fn focus_in_and_out() {
    check(&[
        (b"\x1b[I", vec![Event::FocusGained]),
        (b"\x1b[O", vec![Event::FocusLost]),
        (
            b"\x1b[Ix\x1b[O",
            vec![Event::FocusGained, ch('x'), Event::FocusLost],
        ),
    ]);
}

#[test]
fn bracketed_paste_is_one_event_whatever_it_holds() {
    check(&[
        (b"\x1b[200~hello\x1b[201~", vec![Event::Paste("hello".into())]),
        (b"\x1b[200~\x1b[201~", vec![Event::Paste(String::new())]),
        (
            "\x1b[200~ligne\r\nzwei 日本\x1b[201~".as_bytes(),
            vec![Event::Paste("ligne\r\nzwei 日本".into())],
        ),
        // ESC bytes, key sequences and half an end marker inside are pasted text.
        (
            b"\x1b[200~a\x1bb\x1b[A\x1b[201\x1b[20x\x1b\x1b[201~",
            vec![Event::Paste("a\x1bb\x1b[A\x1b[201\x1b[20x\x1b".into())],
        ),
        // Invalid UTF-8 is replaced, not dropped.
        (
            b"\x1b[200~a\xffb\x1b[201~",
            vec![Event::Paste("a\u{fffd}b".into())],
        ),
        // Keys before and after.
        (
            b"x\x1b[200~p\x1b[201~y",
            vec![ch('x'), Event::Paste("p".into()), ch('y')],
        ),
        // An end marker with no paste is dropped.
        (b"\x1b[201~z", vec![ch('z')]),
    ]);
}

#[test]
fn a_paste_never_times_out() {
    let mut decoder = InputDecoder::new();
    decoder.feed(b"\x1b[200~abc\x1b");
    assert_eq!(decoder.deadline(), None, "no deadline inside a paste");
    decoder.flush_timeout();
    assert_eq!(decoder.next_event(), None, "the paste is still open");
    decoder.feed(b"[201~");
    assert_eq!(decoder.next_event(), Some(Event::Paste("abc".into())));
    assert_eq!(decoder.next_event(), None);
}

#[test]
fn a_long_paste_comes_in_parts_that_never_cut_a_character() {
    let text = "abcdefgé日🦀xyz".repeat(50);
    let mut bytes = b"\x1b[200~".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes.extend_from_slice(b"\x1b[201~");
    for part_size in [4, 5, 7, 16, 100] {
        let mut decoder = InputDecoder::new().with_paste_part_size(part_size);
        // Fed in small pieces too: the parts must not depend on the reads.
        for piece in bytes.chunks(3) {
            decoder.feed(piece);
        }
        let parts: Vec<String> = decoder
            .drain_events()
            .map(|event| match event {
                Event::Paste(part) => part,
                other => panic!("not a paste part: {other:?}"),
            })
            .collect();
        assert!(
            parts.len() >= text.len() / part_size,
            "{} parts of {part_size}",
            parts.len()
        );
        for part in &parts {
            assert!(
                part.len() <= part_size,
                "part of {} bytes > {part_size}",
                part.len()
            );
            assert!(!part.contains('\u{fffd}'), "a character was cut: {part:?}");
        }
        assert_eq!(parts.concat(), text, "part size {part_size}");
    }
}

#[test]
fn the_default_paste_part_is_sixteen_mebibytes() {
    let length = DEFAULT_PASTE_PART + 10;
    let mut decoder = InputDecoder::new();
    decoder.feed(b"\x1b[200~");
    decoder.feed(&vec![b'p'; length]);
    let first = decoder.next_event();
    assert!(
        matches!(&first, Some(Event::Paste(part)) if part.len() == DEFAULT_PASTE_PART),
        "a full part is delivered before the end of the paste"
    );
    decoder.feed(b"\x1b[201~");
    assert_eq!(decoder.next_event(), Some(Event::Paste("p".repeat(10))));
}

#[test]
fn replies_to_queries_are_kept_apart_and_never_keys() {
    let mut decoder = InputDecoder::new();
    decoder.feed(
        b"\x1b]11;rgb:1111/2222/3333\x07a\x1b]10;rgb:0/0/0\x1b\\b\x1bP1+r736d756c78\x1b\\\
          \x1b_Gi=1;OK\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\\x1b[?62;22c\x1b[12;40R\x1b[?1u\x1bOzc",
    );
    let events: Vec<Event> = decoder.drain_events().collect();
    assert_eq!(events, vec![ch('a'), ch('b'), ch('c')]);
    let mut replies = Vec::new();
    while let Some(reply) = decoder.next_reply() {
        replies.push((
            reply.kind(),
            String::from_utf8_lossy(reply.payload()).into_owned(),
        ));
    }
    let expected = [
        (ReplyKind::Osc, "11;rgb:1111/2222/3333"),
        (ReplyKind::Osc, "10;rgb:0/0/0"),
        (ReplyKind::Dcs, "1+r736d756c78"),
        (ReplyKind::Apc, "Gi=1;OK"),
        (ReplyKind::Pm, "pm"),
        (ReplyKind::Sos, "sos"),
        (ReplyKind::Csi, "?62;22c"),
        (ReplyKind::Csi, "12;40R"),
        (ReplyKind::Csi, "?1u"),
        (ReplyKind::Ss3, "z"),
    ];
    let expected: Vec<(ReplyKind, String)> = expected
        .iter()
        .map(|(kind, text)| (*kind, text.to_string()))
        .collect();
    assert_eq!(replies, expected);
}

#[test]
fn replies_waiting_are_bounded_oldest_dropped_first() {
    let mut decoder = InputDecoder::new();
    for number in 0..100 {
        decoder.feed(format!("\x1b]{number}\x07").as_bytes());
    }
    let mut kept = Vec::new();
    while let Some(reply) = decoder.next_reply() {
        kept.push(String::from_utf8_lossy(reply.payload()).into_owned());
    }
    let expected: Vec<String> = (36..100).map(|number| number.to_string()).collect();
    assert_eq!(kept, expected);
}

#[test]
fn an_overlong_string_is_consumed_and_dropped() {
    let mut bytes = b"\x1b]52;c;".to_vec();
    bytes.extend(std::iter::repeat_n(b'A', 3 << 20));
    bytes.extend_from_slice(b"\x1b\\k");
    let mut decoder = InputDecoder::new();
    decoder.feed(&bytes);
    assert_eq!(decoder.drain_events().collect::<Vec<_>>(), vec![ch('k')]);
    assert_eq!(decoder.next_reply(), None);
}

#[test]
fn a_sequence_broken_off_by_a_control_byte_is_keys() {
    check(&[
        (
            b"\x1b[1\x03",
            vec![
                key(KeyCode::Char('['), ALT),
                ch('1'),
                key(KeyCode::Char('c'), CTRL),
            ],
        ),
        (
            b"\x1b]1\r",
            vec![key(KeyCode::Char(']'), ALT), ch('1'), key(KeyCode::Enter, NONE)],
        ),
        (
            b"\x1b]ab\x1bx",
            vec![
                key(KeyCode::Char(']'), ALT),
                ch('a'),
                ch('b'),
                key(KeyCode::Char('x'), ALT),
            ],
        ),
        (
            b"\x1bO\x7f",
            vec![
                key(KeyCode::Char('O'), ALT | SHIFT),
                key(KeyCode::Backspace, NONE),
            ],
        ),
    ]);
}

#[test]
fn an_escape_before_a_non_key_event_is_the_esc_key() {
    use MouseButton::Left;
    check(&[
        (
            b"\x1b\x1b[<0;1;1M",
            vec![
                key(KeyCode::Esc, NONE),
                mouse(MouseEventKind::Down(Left), 0, 0, NONE),
            ],
        ),
        (b"\x1b\x1b[I", vec![key(KeyCode::Esc, NONE), Event::FocusGained]),
        (
            b"\x1b\x1b[200~p\x1b[201~",
            vec![key(KeyCode::Esc, NONE), Event::Paste("p".into())],
        ),
    ]);
    assert_eq!(
        decode_flushed(b"\x1b\x1b\x1b"),
        vec![key(KeyCode::Esc, ALT), key(KeyCode::Esc, NONE)]
    );
    assert_eq!(
        decode(b"\x1b\x1b]0;t\x07"),
        vec![
            key(KeyCode::Esc, ALT),
            ch(']'),
            ch('0'),
            ch(';'),
            ch('t'),
            key(KeyCode::Char('g'), CTRL)
        ]
    );
}

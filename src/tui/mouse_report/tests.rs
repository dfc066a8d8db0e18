use super::*;

const ALL_TRACKING: [MouseTracking; 4] = [
    MouseTracking::X10,
    MouseTracking::Normal,
    MouseTracking::ButtonEvent,
    MouseTracking::AnyEvent,
];
const ALL_ENCODINGS: [MouseEncoding; 3] = [MouseEncoding::Default, MouseEncoding::Utf8, MouseEncoding::Sgr];

fn event(kind: MouseEventKind, column: u16, row: u16, modifiers: KeyModifiers) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers,
    }
}

fn encode(tracking: MouseTracking, encoding: MouseEncoding, event: MouseEvent) -> Option<Vec<u8>> {
    encode_mouse(MouseProtocol { tracking, encoding }, &event)
}

/// The least tracking mode that reports the kind of event, and its report at column 5,
/// row 10 in the default (and, at such small positions, UTF-8) encoding and in SGR.
fn expectations() -> Vec<(MouseEventKind, MouseTracking, &'static [u8], &'static [u8])> {
    use MouseButton::{Left, Middle, Right};
    use MouseEventKind::*;
    use MouseTracking::*;
    vec![
        (Down(Left), X10, b"\x1b[M %*", b"\x1b[<0;5;10M"),
        (Down(Middle), X10, b"\x1b[M!%*", b"\x1b[<1;5;10M"),
        (Down(Right), X10, b"\x1b[M\"%*", b"\x1b[<2;5;10M"),
        (ScrollUp, X10, b"\x1b[M`%*", b"\x1b[<64;5;10M"),
        (ScrollDown, X10, b"\x1b[Ma%*", b"\x1b[<65;5;10M"),
        (ScrollLeft, X10, b"\x1b[Mb%*", b"\x1b[<66;5;10M"),
        (ScrollRight, X10, b"\x1b[Mc%*", b"\x1b[<67;5;10M"),
        // A release names no button, except in SGR.
        (Up(Left), Normal, b"\x1b[M#%*", b"\x1b[<0;5;10m"),
        (Up(Right), Normal, b"\x1b[M#%*", b"\x1b[<2;5;10m"),
        (Drag(Left), ButtonEvent, b"\x1b[M@%*", b"\x1b[<32;5;10M"),
        (Drag(Right), ButtonEvent, b"\x1b[MB%*", b"\x1b[<34;5;10M"),
        (Moved, AnyEvent, b"\x1b[MC%*", b"\x1b[<35;5;10M"),
    ]
}

fn rank(tracking: MouseTracking) -> usize {
    ALL_TRACKING.iter().position(|&t| t == tracking).unwrap()
}

#[test]
fn every_mode_and_encoding_reports_what_it_asks_for() {
    for (kind, least, default, sgr) in expectations() {
        for tracking in ALL_TRACKING {
            for encoding in ALL_ENCODINGS {
                let report = encode(tracking, encoding, event(kind, 4, 9, KeyModifiers::NONE));
                let expected = (rank(tracking) >= rank(least)).then(|| match encoding {
                    MouseEncoding::Sgr => sgr.to_vec(),
                    _ => default.to_vec(),
                });
                assert_eq!(report, expected, "{kind:?} under {tracking:?} in {encoding:?}");
            }
        }
    }
}

#[test]
fn modifiers_add_4_8_and_16_except_in_x10() {
    let all = KeyModifiers::SHIFT | KeyModifiers::ALT | KeyModifiers::CONTROL;
    let cases: [(KeyModifiers, &[u8], &[u8]); 4] = [
        (KeyModifiers::SHIFT, b"\x1b[<4;1;1M", b"\x1b[M$!!"),
        (KeyModifiers::ALT, b"\x1b[<8;1;1M", b"\x1b[M(!!"),
        (KeyModifiers::CONTROL, b"\x1b[<16;1;1M", b"\x1b[M0!!"),
        (all, b"\x1b[<28;1;1M", b"\x1b[M<!!"),
    ];
    let press = MouseEventKind::Down(MouseButton::Left);
    for (modifiers, sgr, default) in cases {
        let click = event(press, 0, 0, modifiers);
        assert_eq!(
            encode(MouseTracking::Normal, MouseEncoding::Sgr, click).unwrap(),
            sgr
        );
        assert_eq!(
            encode(MouseTracking::Normal, MouseEncoding::Default, click).unwrap(),
            default
        );
        // X10 reports no modifiers.
        assert_eq!(
            encode(MouseTracking::X10, MouseEncoding::Sgr, click).unwrap(),
            b"\x1b[<0;1;1M"
        );
    }
    // With the wheel, a release and motion too.
    let control = KeyModifiers::CONTROL;
    let wheel = event(MouseEventKind::ScrollDown, 0, 0, control);
    assert_eq!(
        encode(MouseTracking::Normal, MouseEncoding::Sgr, wheel).unwrap(),
        b"\x1b[<81;1;1M"
    );
    let release = event(MouseEventKind::Up(MouseButton::Middle), 0, 0, control);
    assert_eq!(
        encode(MouseTracking::Normal, MouseEncoding::Sgr, release).unwrap(),
        b"\x1b[<17;1;1m"
    );
    assert_eq!(
        encode(MouseTracking::Normal, MouseEncoding::Default, release).unwrap(),
        b"\x1b[M3!!"
    );
    let drag = event(MouseEventKind::Drag(MouseButton::Left), 0, 0, KeyModifiers::ALT);
    assert_eq!(
        encode(MouseTracking::ButtonEvent, MouseEncoding::Sgr, drag).unwrap(),
        b"\x1b[<40;1;1M"
    );
}

#[test]
fn positions_past_what_the_encoding_carries_are_not_reported() {
    let press = MouseEventKind::Down(MouseButton::Left);
    let at = |column, row| event(press, column, row, KeyModifiers::NONE);
    let normal = MouseTracking::Normal;
    // Column 223 is the default encoding's last: its byte is 255.
    assert_eq!(
        encode(normal, MouseEncoding::Default, at(222, 0)).unwrap(),
        [0x1b, b'[', b'M', 32, 255, 33]
    );
    assert_eq!(encode(normal, MouseEncoding::Default, at(223, 0)), None);
    assert_eq!(encode(normal, MouseEncoding::Default, at(0, 223)), None);
    // UTF-8 writes 224 + 32 = 256 as two bytes, and goes on to 2015.
    assert_eq!(
        encode(normal, MouseEncoding::Utf8, at(223, 0)).unwrap(),
        [0x1b, b'[', b'M', 32, 0xc4, 0x80, 33]
    );
    assert_eq!(
        encode(normal, MouseEncoding::Utf8, at(0, 2014)).unwrap(),
        [0x1b, b'[', b'M', 32, 33, 0xdf, 0xbf]
    );
    assert_eq!(encode(normal, MouseEncoding::Utf8, at(2015, 0)), None);
    // SGR has no limit.
    assert_eq!(
        encode(normal, MouseEncoding::Sgr, at(2999, 499)).unwrap(),
        b"\x1b[<0;3000;500M"
    );
}

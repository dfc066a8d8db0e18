use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

fn every_client_message() -> Vec<ClientMessage> {
    let mut colours = TerminalColours {
        background: Some([1, 2, 3]),
        ..TerminalColours::default()
    };
    colours.ansi[15] = Some([255, 254, 253]);
    vec![
        ClientMessage::Attach(AttachRequest {
            cols: 1000,
            rows: 500,
        }),
        ClientMessage::Colours(colours),
        ClientMessage::Input(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT))),
        ClientMessage::Input(Event::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 7,
            row: 3,
            modifiers: KeyModifiers::ALT,
        })),
        ClientMessage::Input(Event::Paste("héllo\nwörld".into())),
        ClientMessage::Input(Event::Resize(132, 43)),
        ClientMessage::Describe,
        ClientMessage::Kill,
    ]
}

fn every_server_message() -> Vec<ServerMessage> {
    vec![
        ServerMessage::Welcome(Welcome { colours_wanted: true }),
        ServerMessage::Frame(b"\x1b[?2026h\x1b[Hhi\x1b[?2026l".to_vec()),
        ServerMessage::Description(SessionDescription {
            name: "work".into(),
            server_pid: 4242,
            panes: 3,
            clients: 2,
            needing_you: 1,
        }),
        ServerMessage::Goodbye(Goodbye::Detached),
        ServerMessage::Goodbye(Goodbye::SessionEnded("killed".into())),
        ServerMessage::Goodbye(Goodbye::Refused("no".into())),
    ]
}

#[test]
fn every_message_survives_a_round_trip_through_a_byte_stream() {
    let mut stream = Vec::new();
    for message in every_client_message() {
        write_message(&mut stream, &message).unwrap();
    }
    for message in every_server_message() {
        write_message(&mut stream, &message).unwrap();
    }
    let mut input = stream.as_slice();
    for message in every_client_message() {
        assert_eq!(read_message::<_, ClientMessage>(&mut input).unwrap(), message);
    }
    for message in every_server_message() {
        assert_eq!(read_message::<_, ServerMessage>(&mut input).unwrap(), message);
    }
    assert!(matches!(
        read_message::<_, ServerMessage>(&mut input),
        Err(ProtocolError::Closed)
    ));
}

#[test]
fn a_frame_message_costs_a_few_bytes_over_the_frame() {
    let frame = vec![b'x'; 10_000];
    let bytes = encode_message(&ServerMessage::Frame(frame)).unwrap();
    assert!(bytes.len() <= 10_000 + 8, "{} bytes", bytes.len());
}

#[test]
fn greetings_of_other_programs_and_versions_are_refused_by_name() {
    let mut other = greeting();
    other[0] = b'P';
    assert!(matches!(check_greeting(&other), Err(ProtocolError::NotPerdix)));
    let mut newer = greeting();
    newer[MAGIC.len()..].copy_from_slice(&(PROTOCOL_VERSION + 1).to_le_bytes());
    match check_greeting(&newer) {
        Err(error @ ProtocolError::VersionMismatch { ours, theirs }) => {
            assert_eq!((ours, theirs), (PROTOCOL_VERSION, PROTOCOL_VERSION + 1));
            let text = error.to_string();
            assert!(
                text.contains(&format!("version {}", PROTOCOL_VERSION + 1)),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_length_over_the_limit_is_refused_before_anything_is_allocated() {
    let mut stream = ((MAX_MESSAGE_LEN + 1) as u32).to_le_bytes().to_vec();
    stream.extend_from_slice(b"whatever");
    assert!(matches!(
        read_message::<_, ClientMessage>(&mut stream.as_slice()),
        Err(ProtocolError::TooLong(len)) if len == MAX_MESSAGE_LEN + 1
    ));
}

#[test]
fn garbage_and_trailing_bytes_are_malformed_and_a_cut_message_is_closed() {
    // Variant 200 of a five-variant enum.
    assert!(matches!(
        decode_body::<ClientMessage>(&[200, 1]),
        Err(ProtocolError::Malformed(_))
    ));
    let mut bytes = encode_message(&ClientMessage::Describe).unwrap();
    bytes.push(0);
    bytes[0] += 1;
    assert!(matches!(
        read_message::<_, ClientMessage>(&mut bytes.as_slice()),
        Err(ProtocolError::Malformed(_))
    ));
    let whole = encode_message(&ServerMessage::Frame(vec![1; 100])).unwrap();
    let cut = &whole[..50];
    assert!(matches!(
        read_message::<_, ServerMessage>(&mut &cut[..]),
        Err(ProtocolError::Closed)
    ));
}

#[test]
fn random_bytes_never_panic_the_decoder() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for len in 0..2000 {
        let body: Vec<u8> = (0..len % 64)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let _ = decode_body::<ClientMessage>(&body);
        let _ = decode_body::<ServerMessage>(&body);
    }
}

#[test]
fn the_async_side_reads_what_the_blocking_side_writes_and_greets_alike() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let (mut near, mut far) = tokio::io::duplex(1 << 16);
        let far_side = async {
            exchange_greetings_async(&mut far).await.unwrap();
            for message in every_client_message() {
                write_message_async(&mut far, &message).await.unwrap();
            }
        };
        let near_side = async {
            exchange_greetings_async(&mut near).await.unwrap();
            for message in every_client_message() {
                let read: ClientMessage = read_message_async(&mut near).await.unwrap();
                assert_eq!(read, message);
            }
        };
        tokio::join!(far_side, near_side);
    });
}

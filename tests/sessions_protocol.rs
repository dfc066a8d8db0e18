//! The session socket against clients and servers that do not play by the rules: another
//! protocol version is refused by name on both sides, and a malformed message drops that
//! connection only.

mod support;

use perdix::session::protocol::{
    exchange_greetings, greeting, write_message, AttachRequest, ClientMessage, GREETING_LEN, PROTOCOL_VERSION,
};
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;
use support::tmux::PrivateDirs;

fn socket_of(dirs: &PrivateDirs, name: &str) -> std::path::PathBuf {
    dirs.root.join("run/perdix").join(format!("{name}.sock"))
}

/// A connection to session `name` that attaches as a client of `cols` × `rows` and reads
/// nothing unless the test does.
fn attach_raw(dirs: &PrivateDirs, name: &str, cols: u16, rows: u16) -> UnixStream {
    let mut stream = UnixStream::connect(socket_of(dirs, name)).unwrap();
    exchange_greetings(&mut stream).unwrap();
    write_message(&mut stream, &ClientMessage::Attach(AttachRequest { cols, rows })).unwrap();
    stream
}

#[test]
fn a_client_refuses_a_server_of_another_version_by_name() {
    let dirs = PrivateDirs::new();
    let runtime = dirs.root.join("run/perdix");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let listener = UnixListener::bind(socket_of(&dirs, "future")).unwrap();
    let server = std::thread::spawn(move || {
        // Every connection (the client's check that a server runs, then its attach) gets
        // the greeting of a later version.
        for stream in listener.incoming().take(2) {
            let mut stream = stream.unwrap();
            let mut future = greeting();
            future[GREETING_LEN - 4..].copy_from_slice(&(PROTOCOL_VERSION + 1).to_le_bytes());
            let _ = stream.write_all(&future);
            let mut theirs = [0; GREETING_LEN];
            let _ = stream.read_exact(&mut theirs);
        }
    });
    let output = dirs.perdix(&["attach", "-s", "future"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "attached to another version: {output:?}"
    );
    assert!(
        stderr.contains(&format!("protocol version {}", PROTOCOL_VERSION + 1))
            && stderr.contains(&format!("{PROTOCOL_VERSION} here")),
        "the message names both versions: {stderr}"
    );
    server.join().unwrap();
}

#[test]
fn a_malformed_message_drops_that_connection_and_the_session_goes_on() {
    let dirs = PrivateDirs::new();
    let started = dirs.perdix(&["-d", "-s", "sturdy", "--backend", "cpu", "sleep 600"]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    let socket = socket_of(&dirs, "sturdy");

    // A wrong greeting, then garbage after a right one, then a length far over the limit.
    let attempts: [&[u8]; 3] = [
        b"GET / HTTP/1.1\r\n\r\n",
        &[&greeting()[..], &[3, 0, 0, 0, 0xff, 0xff, 0xff]].concat(),
        &[&greeting()[..], &u32::MAX.to_le_bytes()[..]].concat(),
    ];
    for attempt in attempts {
        let mut stream = UnixStream::connect(&socket).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(attempt).unwrap();
        // The server closes this connection: the read ends (after its greeting, if any),
        // or is reset, as the server did not read all that was sent.
        let mut rest = Vec::new();
        let read = stream.read_to_end(&mut rest);
        assert!(
            read.is_ok()
                || read
                    .as_ref()
                    .is_err_and(|error| error.kind() == std::io::ErrorKind::ConnectionReset),
            "the server neither answered nor closed: {read:?}"
        );
        assert!(
            rest.len() <= GREETING_LEN,
            "the server answered garbage with {rest:?}"
        );
    }
    let listed = dirs.perdix(&["ls"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success() && text.lines().any(|line| line.starts_with("sturdy ")),
        "the session after malformed connections: {listed:?}"
    );
}

#[test]
fn a_client_that_never_reads_does_not_hold_up_the_session() {
    let dirs = PrivateDirs::new();
    let started = dirs.perdix(&[
        "-d",
        "-s",
        "flood",
        "--backend",
        "cpu",
        "sh -c 'exec yes flooding'",
    ]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    // Attached, and then never reading a byte of its frames.
    let stuck = attach_raw(&dirs, "flood", 200, 60);
    std::thread::sleep(Duration::from_secs(2));
    // The app thread still answers, at once, while the stuck client's socket is full.
    for _ in 0..3 {
        let asked = std::time::Instant::now();
        let listed = dirs.perdix(&["ls"]);
        let text = String::from_utf8_lossy(&listed.stdout).into_owned();
        assert!(listed.status.success(), "ls with a stuck client: {listed:?}");
        let clients: Vec<&str> = text
            .lines()
            .find(|line| line.starts_with("flood "))
            .expect("the session listed")
            .split_whitespace()
            .collect();
        assert_eq!(clients[2], "1", "the stuck client is still attached:\n{text}");
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "ls took {:?}",
            asked.elapsed()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    drop(stuck);
}

#[test]
fn a_client_that_stops_reading_gets_the_screen_when_it_reads_again_and_blocks_nothing() {
    use perdix::session::protocol::{read_message, ServerMessage};
    let dirs = PrivateDirs::new();
    // A pane that floods for three seconds with lines that change every row of the screen
    // (frames far larger than the socket holds), then says it is through.
    let flood = "sh -c 'end=$(($(date +%s) + 3)); while [ $(date +%s) -lt $end ]; do \
                 seq -f %0110g 1 2000; done; echo flood-is-through; exec sleep 600'";
    let started = dirs.perdix(&["-d", "-s", "slow", "--backend", "cpu", "cat", flood]);
    assert!(started.status.success(), "perdix-tui -d: {started:?}");
    let mut stream = attach_raw(&dirs, "slow", 120, 40);
    // Frames pile up unread while the pane floods; the session must go on meanwhile.
    std::thread::sleep(Duration::from_secs(4));
    let listed = dirs.perdix(&["list", "-s", "slow"]);
    assert!(
        listed.status.success(),
        "the session answers while a client reads nothing: {listed:?}"
    );
    // Reading again, the client catches up to a frame with the end of the flood.
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut screen = Vec::new();
    let mut frames = 0;
    while !String::from_utf8_lossy(&screen).contains("flood-is-through") {
        match read_message::<_, ServerMessage>(&mut stream).expect("frames keep coming") {
            ServerMessage::Frame(frame) => {
                frames += 1;
                screen.extend_from_slice(&frame);
                // Only the last few frames matter for the text looked for.
                let keep = screen.len().saturating_sub(1 << 20);
                screen.drain(..keep);
            }
            ServerMessage::Goodbye(goodbye) => panic!("the session said goodbye: {goodbye:?}"),
            _ => {}
        }
    }
    assert!(frames > 0);
}

//! Real processes in real pseudo-terminals: output completeness under back-pressure, exit
//! codes, resize, input and paste, spawn errors, and a 50 MiB stream next to an
//! interactive pane.

use perdix::pty::{InputQueue, OutputEnd, PaneSize, PtyError, PtyProcess, SpawnConfig};
use perdix::{Buffer, Consumer};
use std::time::{Duration, Instant};

/// Upper bound for anything a test waits on, so a hung child fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(10);

/// A child in a pseudo-terminal plus the consuming end of its ring.
struct Pane {
    process: PtyProcess,
    consumer: Consumer<'static>,
    output: Vec<u8>,
}

impl Pane {
    fn start(config: &SpawnConfig, slots: usize, stream: u16) -> Pane {
        let (producer, consumer) = Buffer::new(slots).unwrap().split();
        let process = PtyProcess::spawn(config, producer, stream).unwrap();
        Pane {
            process,
            consumer,
            output: Vec::new(),
        }
    }

    fn run(command: &str) -> Pane {
        Pane::start(&SpawnConfig::new(command), 64, 0)
    }

    /// Moves whatever is in the ring into `output`; checks every message's stream id.
    fn drain(&mut self) -> usize {
        let stream = self.process.stream();
        let output = &mut self.output;
        self.consumer.consume_each(usize::MAX, |message| {
            assert_eq!(message.stream(), stream);
            output.extend_from_slice(&message.as_bytes());
        })
    }

    /// Drains until the output stream has ended; everything the child wrote is then in
    /// `output`.
    fn drain_to_end(&mut self) -> OutputEnd {
        let deadline = Instant::now() + PATIENCE;
        while !self.process.is_output_finished() {
            assert!(
                Instant::now() < deadline,
                "output did not end in time: {:?}",
                self.text()
            );
            if self.drain() == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        self.drain();
        self.process
            .wait_output(PATIENCE)
            .expect("the reader has finished")
    }

    /// Drains until `needle` shows up in the output, failing after `timeout`.
    fn drain_until(&mut self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{needle:?} did not arrive within {timeout:?}; got {:?}",
                self.text()
            );
            if self.drain() == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }
}

#[test]
fn output_arrives_completely_through_a_tiny_ring() {
    // Four slots hold under 1 KiB, so the reader must wait for the consumer many times.
    let command = "sh -c 'i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done'";
    let mut pane = Pane::start(&SpawnConfig::new(command), 4, 9);
    assert_eq!(pane.drain_to_end(), OutputEnd::Eof);
    let expected: String = (0..3000).map(|i| format!("line-{i}\r\n")).collect();
    assert_eq!(pane.text(), expected);
    assert_eq!(pane.process.bytes_forwarded(), expected.len() as u64);
    assert!(pane.process.wait().unwrap().success());
}

#[test]
fn exit_codes_and_signals_are_reported() {
    let mut failing = Pane::run("sh -c 'exit 3'");
    let exit = failing.process.wait_timeout(PATIENCE).unwrap().expect("exits");
    assert_eq!((exit.code, exit.signal.clone(), exit.success()), (3, None, false));
    assert_eq!(failing.process.try_wait().unwrap(), Some(exit));

    let mut fine = Pane::run("true");
    assert!(fine
        .process
        .wait_timeout(PATIENCE)
        .unwrap()
        .expect("exits")
        .success());

    let mut killed = Pane::run("sh -c 'kill -9 $$'");
    let exit = killed.process.wait_timeout(PATIENCE).unwrap().expect("exits");
    assert!(exit.signal.is_some(), "{exit:?}");
    assert_eq!(killed.drain_to_end(), OutputEnd::Eof);
}

#[test]
fn a_running_child_is_killed_explicitly_and_on_drop() {
    let mut pane = Pane::run("sleep 30");
    assert_eq!(pane.process.try_wait().unwrap(), None);
    pane.process.kill().unwrap();
    assert!(pane.process.wait_timeout(PATIENCE).unwrap().is_some());

    let pane = Pane::run("sleep 30");
    let pid = pane.process.process_id().expect("a running child has a pid");
    let started = Instant::now();
    drop(pane);
    assert!(started.elapsed() < PATIENCE);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "child {pid} outlived its pane"
    );
}

#[test]
fn environment_size_and_working_directory_reach_the_child() {
    let dir = std::env::temp_dir().canonicalize().unwrap();
    let config = SpawnConfig::new(r#"sh -c 'echo "$TERM|$PERDIX_PTY_TEST|$(pwd)|$(stty size)"'"#)
        .with_size(PaneSize::new(97, 31))
        .with_cwd(&dir)
        .with_env("PERDIX_PTY_TEST", "a b");
    let mut pane = Pane::start(&config, 64, 0);
    assert_eq!(pane.drain_to_end(), OutputEnd::Eof);
    assert_eq!(
        pane.text(),
        format!("xterm-256color|a b|{}|31 97\r\n", dir.display())
    );
}

#[test]
fn the_environment_says_what_terminal_the_pane_is() {
    let mut pane = Pane::run("env");
    assert_eq!(pane.drain_to_end(), OutputEnd::Eof);
    let text = pane.text();
    let variables: Vec<&str> = text.lines().collect();
    let version = format!("TERM_PROGRAM_VERSION={}", env!("CARGO_PKG_VERSION"));
    for expected in [
        "TERM=xterm-256color",
        "COLORTERM=truecolor",
        "TERM_PROGRAM=perdix",
        version.as_str(),
    ] {
        assert!(variables.contains(&expected), "{expected} missing from:\n{text}");
    }
    // A command's own environment still wins.
    let config = SpawnConfig::new("env").with_env("COLORTERM", "24bit");
    let mut own = Pane::start(&config, 64, 0);
    assert_eq!(own.drain_to_end(), OutputEnd::Eof);
    let text = own.text();
    assert!(text.lines().any(|line| line == "COLORTERM=24bit"), "{text}");
    assert!(!text.lines().any(|line| line == "COLORTERM=truecolor"), "{text}");
}

#[test]
fn resize_changes_what_tput_cols_prints() {
    // The trap answers SIGWINCH with the new width; the first line is the starting width.
    let command = r#"sh -c 'trap "tput cols; exit 0" WINCH; tput cols; while :; do sleep 0.02; done'"#;
    let mut pane = Pane::start(&SpawnConfig::new(command).with_size(PaneSize::new(80, 24)), 64, 0);
    pane.drain_until("80\r\n", PATIENCE);
    pane.process.resize(PaneSize::new(132, 40)).unwrap();
    assert_eq!(pane.process.size(), PaneSize::new(132, 40));
    pane.drain_until("132\r\n", PATIENCE);
    assert_eq!(pane.drain_to_end(), OutputEnd::Eof);
    assert_eq!(pane.text(), "80\r\n132\r\n");
    assert!(pane.process.wait().unwrap().success());
    assert!(matches!(
        pane.process.resize(PaneSize::new(0, 10)),
        Err(PtyError::InvalidSize { cols: 0, rows: 10 })
    ));
}

#[test]
fn typed_input_reaches_the_child() {
    let mut pane = Pane::run("sh -c 'stty -echo; echo ready; read line; echo \"got:$line\"'");
    pane.drain_until("ready\r\n", PATIENCE);
    pane.process.write_input(b"hello\r").unwrap();
    assert_eq!(pane.drain_to_end(), OutputEnd::Eof);
    assert_eq!(pane.text(), "ready\r\ngot:hello\r\n");
}

#[test]
fn a_bracketed_paste_arrives_wrapped_and_cannot_end_itself() {
    // Raw mode: the child sees the pasted bytes exactly; od shows them in hex.
    let mut pane = Pane::run("sh -c 'stty raw -echo; echo ready; head -c 15 | od -An -tx1'");
    pane.drain_until("ready", PATIENCE);
    pane.process.paste("a\x1b[201~b", true).unwrap();
    pane.process.write_input(b"!").unwrap();
    assert_eq!(pane.drain_to_end(), OutputEnd::Eof);
    let hex: Vec<String> = pane
        .text()
        .split_whitespace()
        .skip(1)
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = b"\x1b[200~ab\x1b[201~!"
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    assert_eq!(hex, expected);
}

#[test]
fn spawn_errors_are_typed_and_start_nothing() {
    let spawn = |config: SpawnConfig| {
        let (producer, _consumer) = Buffer::new(8).unwrap().split();
        PtyProcess::spawn(&config, producer, 0).map(|_| ())
    };
    let missing = spawn(SpawnConfig::new("perdix-no-such-program --flag")).unwrap_err();
    assert!(matches!(&missing, PtyError::CommandNotFound { program } if program == "perdix-no-such-program"));
    assert!(missing.to_string().contains("perdix-no-such-program"));
    assert!(matches!(
        spawn(SpawnConfig::new("/no/such/dir/program")),
        Err(PtyError::CommandNotFound { .. })
    ));
    assert!(matches!(
        spawn(SpawnConfig::new("/etc/passwd")),
        Err(PtyError::NotExecutable { .. })
    ));
    assert!(matches!(spawn(SpawnConfig::new("")), Err(PtyError::EmptyCommand)));
    assert!(matches!(
        spawn(SpawnConfig::new("echo 'unclosed")),
        Err(PtyError::UnparsableCommand { .. })
    ));
    assert!(matches!(
        spawn(SpawnConfig::new("true").with_cwd("/perdix/no/such/dir")),
        Err(PtyError::BadWorkingDirectory { .. })
    ));
    assert!(matches!(
        spawn(SpawnConfig::new("true").with_size(PaneSize::new(80, 0))),
        Err(PtyError::InvalidSize { .. })
    ));
}

#[test]
fn the_reader_stops_when_the_consumer_is_dropped() {
    let (producer, consumer) = Buffer::new(4).unwrap().split();
    let mut process = PtyProcess::spawn(
        &SpawnConfig::new("sh -c 'while :; do echo spam; done'"),
        producer,
        0,
    )
    .unwrap();
    drop(consumer);
    assert_eq!(process.wait_output(PATIENCE), Some(OutputEnd::ConsumerGone));
}

/// The bytes `seq 1 last` prints.
fn seq_output(last: u64) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 * last as usize);
    for n in 1..=last {
        bytes.extend_from_slice(n.to_string().as_bytes());
        bytes.push(b'\n');
    }
    bytes
}

#[test]
fn fifty_mebibytes_arrive_intact_while_another_pane_stays_responsive() {
    const LAST: u64 = 6_700_000; // `seq 1 6700000` prints 53,188,889 bytes, over 50 MiB.
    let expected = seq_output(LAST);
    assert!(expected.len() >= 50 << 20);

    let mut interactive = Pane::run("sh -c 'stty -echo; echo ready; cat'");
    interactive.drain_until("ready\r\n", PATIENCE);

    // `stty -opost` turns off "\n" -> "\r\n", so the bytes are exactly what seq printed.
    let flood = SpawnConfig::new("sh -c 'stty -opost; exec seq 1 6700000'");
    let mut flood = Pane::start(&flood, 1024, 1);
    let checker = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut position = 0;
        let mut mismatch = None;
        loop {
            let finished = flood.process.is_output_finished();
            let drained = flood.consumer.consume_each(usize::MAX, |message| {
                let bytes = message.as_bytes();
                let end = position + bytes.len();
                if mismatch.is_none() && expected.get(position..end) != Some(&bytes[..]) {
                    mismatch = Some(position);
                }
                position = end;
            });
            if finished {
                break;
            }
            if drained == 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
            assert!(
                Instant::now() < deadline,
                "the flood did not end in time at byte {position}"
            );
        }
        assert_eq!(
            mismatch, None,
            "first differing chunk starts at byte {mismatch:?}"
        );
        assert_eq!(position, expected.len());
        assert_eq!(flood.process.wait_output(PATIENCE), Some(OutputEnd::Eof));
        assert!(flood.process.wait().unwrap().success());
    });

    let mut round_trips = 0;
    let mut worst = Duration::ZERO;
    while !checker.is_finished() {
        let sent = Instant::now();
        interactive
            .process
            .write_input(format!("ping-{round_trips}\n").as_bytes())
            .unwrap();
        interactive.drain_until(&format!("ping-{round_trips}\r\n"), Duration::from_secs(2));
        worst = worst.max(sent.elapsed());
        round_trips += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    checker.join().expect("the flood arrived intact");
    assert!(round_trips >= 1, "no round trip happened during the flood");
    assert!(worst < Duration::from_secs(2), "slowest echo took {worst:?}");
}

#[test]
fn input_written_straight_to_the_terminal_keeps_its_order_and_never_waits_for_the_child() {
    let command = "sh -c 'stty raw -echo; printf ready; sleep 2; exec cat'";
    let mut pane = Pane::run(command);
    let deadline = Instant::now() + PATIENCE;
    while !pane.output.ends_with(b"ready") {
        assert!(
            Instant::now() < deadline,
            "the child did not start: {:?}",
            pane.text()
        );
        if pane.drain() == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    pane.output.clear();
    let writer = pane.process.take_input_writer().unwrap();
    let direct = pane.process.direct_writer().unwrap();
    let queue = InputQueue::start_direct(writer, Box::new(direct), "test-writer".into()).unwrap();
    // The child reads nothing for now: the paste fills its terminal's input buffer and
    // the rest of it waits in the queue; the keys after it wait behind it.
    let start = Instant::now();
    let mut expected: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    queue.send_input(&expected).unwrap();
    for key in 0..1000 {
        let key = format!("<{key}>");
        queue.send_input(key.as_bytes()).unwrap();
        expected.extend_from_slice(key.as_bytes());
    }
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "sending waited for the child: {:?}",
        start.elapsed()
    );
    assert!(queue.queued() > 0, "the terminal took everything at once");
    while pane.output.len() < expected.len() {
        assert!(
            Instant::now() < deadline,
            "only {} bytes came back",
            pane.output.len()
        );
        if pane.drain() == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert!(pane.output == expected, "the input came back out of order");
    assert!(queue.wait_idle(PATIENCE));
}

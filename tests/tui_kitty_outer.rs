//! The real `perdix-tui` in a pseudo-terminal this test plays the terminal of: one that
//! answers the kitty keyboard query gets the app's flags pushed after the alternate
//! screen is entered and popped, once, before it is left, whether the app is quit with
//! keys (sent in the protocol's own encoding) or ended by a signal; one that answers only
//! the device attributes gets neither.

mod support;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use portable_pty::{native_pty_system, Child, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::tmux::PrivateDirs;

/// How long a step may take; generous, the tests run on small, busy machines.
const WAIT: Duration = Duration::from_secs(30);

const QUERY: &[u8] = b"\x1b[?u\x1b[c";
const ENTER_ALTERNATE: &[u8] = b"\x1b[?1049h";
const LEAVE_ALTERNATE: &[u8] = b"\x1b[?1049l";
const PUSH: &[u8] = b"\x1b[>7u";
const POP: &[u8] = b"\x1b[<u";

/// Everything the app wrote so far.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }

    fn wait_for(&self, what: &[u8]) {
        let start = Instant::now();
        while find(&self.bytes(), what).is_none() {
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {:?}; the app wrote {:?}",
                String::from_utf8_lossy(what),
                String::from_utf8_lossy(&self.bytes())
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn find(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    bytes.windows(needle.len()).position(|window| window == needle)
}

fn count(bytes: &[u8], needle: &[u8]) -> usize {
    bytes
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}

/// The app's process, ended if the test fails before it does.
struct Running(Box<dyn Child + Send + Sync>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
    }
}

impl Running {
    fn wait(&mut self) {
        let start = Instant::now();
        while self.0.try_wait().unwrap().is_none() {
            assert!(start.elapsed() < WAIT, "the app did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The terminal's keyboard: written by the test, and by the reader to answer the query.
type Keys = Arc<Mutex<Box<dyn Write + Send>>>;

fn type_keys(keys: &Keys, bytes: &[u8]) {
    keys.lock().unwrap().write_all(bytes).unwrap();
}

/// Starts the app with one pane in a terminal that answers the query with `answer`.
fn start(answer: &'static [u8]) -> (Running, Keys, Capture, PrivateDirs) {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let config = tempfile::Builder::new()
        .prefix("perdix-kitty-outer-")
        .tempdir()
        .unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_perdix-tui"));
    command.args(["--backend", "cpu", "sh -c 'printf ready; exec cat'"]);
    command.env("TERM", "xterm-256color");
    // No user configuration: an empty configuration folder.
    command.env("XDG_CONFIG_HOME", config.path());
    // Its own session directory: the session ends with the test.
    let dirs = PrivateDirs::new();
    for (key, value) in dirs.env() {
        command.env(key, value);
    }
    let child = Running(pty.slave.spawn_command(command).unwrap());
    // Only the child holds the terminal's other end, so reading ends when it exits.
    drop(pty.slave);

    let capture = Capture::default();
    let keys: Keys = Arc::new(Mutex::new(pty.master.take_writer().unwrap()));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let (sink, answers) = (capture.clone(), Arc::clone(&keys));
    std::thread::spawn(move || {
        let mut buffer = [0; 65536];
        let mut asked = false;
        while let Ok(read @ 1..) = reader.read(&mut buffer) {
            let mut bytes = sink.0.lock().unwrap();
            bytes.extend_from_slice(&buffer[..read]);
            if !asked && find(&bytes, QUERY).is_some() {
                asked = true;
                type_keys(&answers, answer);
            }
        }
    });
    (child, keys, capture, dirs)
}

/// Checks that the flags were pushed once inside the alternate screen and popped once
/// before it was left.
fn check_pushed_and_popped(bytes: &[u8]) {
    let shown = String::from_utf8_lossy(bytes);
    assert_eq!(count(bytes, PUSH), 1, "{shown:?}");
    assert_eq!(count(bytes, POP), 1, "{shown:?}");
    let enter = find(bytes, ENTER_ALTERNATE).expect("the alternate screen entered");
    let push = find(bytes, PUSH).unwrap();
    let pop = find(bytes, POP).unwrap();
    let leave = find(bytes, LEAVE_ALTERNATE).expect("the alternate screen left");
    assert!(enter < push && push < pop && pop < leave, "{shown:?}");
}

#[test]
fn quitting_with_keys_pops_the_flags_it_pushed() {
    let (mut child, keys, capture, _dirs) = start(b"\x1b[?0u\x1b[?62;22c");
    capture.wait_for(PUSH);
    capture.wait_for(b"ready");
    // What a terminal with the flags sends: Ctrl-b as `CSI 98;5u`, then its release,
    // then `q`, and `y` to the question (the pane's program runs).
    type_keys(&keys, b"\x1b[98;5u\x1b[98;5:3uq");
    capture.wait_for(b"end the session and all its programs?");
    type_keys(&keys, b"y");
    child.wait();
    check_pushed_and_popped(&capture.bytes());
}

#[test]
fn a_termination_signal_pops_the_flags_too() {
    let (mut child, _keys, capture, _dirs) = start(b"\x1b[?1u\x1b[?62;22c");
    capture.wait_for(PUSH);
    capture.wait_for(b"ready");
    let pid = child.0.process_id().expect("the app's process id");
    kill(Pid::from_raw(pid as i32), Signal::SIGTERM).unwrap();
    child.wait();
    check_pushed_and_popped(&capture.bytes());
}

#[test]
fn a_terminal_without_the_protocol_gets_no_flags() {
    let (mut child, keys, capture, _dirs) = start(b"\x1b[?62;22c");
    capture.wait_for(b"ready");
    type_keys(&keys, b"\x02q");
    capture.wait_for(b"end the session and all its programs?");
    type_keys(&keys, b"y");
    child.wait();
    let bytes = capture.bytes();
    assert!(
        find(&bytes, b"\x1b[>").is_none(),
        "{:?}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(
        find(&bytes, POP).is_none(),
        "{:?}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(find(&bytes, LEAVE_ALTERNATE).is_some());
}

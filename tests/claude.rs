//! `perdix --claude`: the binary run inside a real pseudo-terminal (so that raw mode and
//! sizes are real), and with plain pipes.

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Upper bound for anything a test waits on, so a hang fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(10);

const PERDIX: &str = env!("CARGO_BIN_EXE_perdix");

/// `perdix` (or a shell around it) in an 80×24 pseudo-terminal of its own.
struct Outer {
    master: Box<dyn MasterPty + Send>,
    input: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Outer {
    fn start(program: &str, args: &[&str]) -> Outer {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(program);
        command.args(args);
        command.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(command).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let input = pair.master.take_writer().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // EOF, or EIO on Linux, once every holder of the terminal has closed it.
            while let Ok(count @ 1..) = reader.read(&mut buffer) {
                sink.lock().unwrap().extend_from_slice(&buffer[..count]);
            }
        });
        Outer {
            master: pair.master,
            input,
            child,
            output,
        }
    }

    fn perdix(command: &[&str]) -> Outer {
        let mut args = vec!["--claude", "--"];
        args.extend_from_slice(command);
        Outer::start(PERDIX, &args)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{needle:?} did not arrive; got {:?}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the exit code, then for the output to settle.
    fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The reader may still be copying the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            assert!(
                Instant::now() < deadline,
                "perdix did not exit; got {:?}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[test]
fn output_passes_through_unchanged_and_the_exit_code_is_zero() {
    let mut outer = Outer::perdix(&["printf", r"hello \033[1mbold\033[m \033]0;title\007"]);
    assert_eq!(outer.exit_code(), 0);
    assert_eq!(
        outer.text(),
        "hello \x1b[1mbold\x1b[m \x1b]0;title\x07",
        "perdix added or changed bytes"
    );
}

#[test]
fn the_childs_exit_code_is_perdixs() {
    let mut outer = Outer::perdix(&["sh", "-c", "exit 7"]);
    assert_eq!(outer.exit_code(), 7);
}

#[test]
fn a_missing_program_is_exit_code_127_with_a_message() {
    let mut outer = Outer::perdix(&["perdix-no-such-program", "--flag"]);
    assert_eq!(outer.exit_code(), 127);
    let text = outer.text();
    assert!(text.contains("perdix-no-such-program"), "{text:?}");
    assert!(text.contains("not found"), "{text:?}");
}

#[test]
fn keystrokes_reach_the_child() {
    let mut outer = Outer::perdix(&["sh", "-c", "echo ready; read line; echo got:$line"]);
    outer.wait_for("ready");
    outer.input.write_all(b"typed\r").unwrap();
    outer.wait_for("got:typed");
    assert_eq!(outer.exit_code(), 0);
}

#[test]
fn a_resize_reaches_the_child() {
    let mut outer = Outer::perdix(&["sh", "-c", "stty size; sleep 0.7; stty size"]);
    // The child starts at this terminal's size; only then does this terminal change.
    outer.wait_for("24 80");
    outer
        .master
        .resize(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    outer.wait_for("30 100");
    assert_eq!(outer.exit_code(), 0);
}

#[test]
fn the_terminal_leaves_raw_mode_afterwards() {
    // `stty -a` runs in the same terminal after perdix: canonical mode and echo are back.
    let script = r#""$0" --claude -- sh -c 'stty -a; echo first done'; stty -a"#;
    let mut outer = Outer::start("sh", &["-c", script, PERDIX]);
    assert_eq!(outer.exit_code(), 0);
    let text = outer.text();
    let (during, after) = text.split_once("first done").expect("perdix ran");
    // Inside, the child sees its own (cooked) terminal; this terminal was raw meanwhile.
    assert!(during.contains(" icanon"), "{during:?}");
    assert!(after.contains(" icanon") && after.contains(" echo "), "{after:?}");
    assert!(!after.contains("-icanon"), "{after:?}");
}

#[test]
fn with_pipes_the_output_is_the_childs_and_piped_input_is_forwarded() {
    let output = Command::new(PERDIX)
        .args(["--claude", "--", "printf", "x"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.stdout, b"x");
    assert!(output.status.success(), "{output:?}");

    let mut child = Command::new(PERDIX)
        .args(["--claude", "--", "sh", "-c", "read line; echo got:$line"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"piped\n").unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("got:piped"), "{text:?}");
    assert_eq!(output.status.code(), Some(0));
}

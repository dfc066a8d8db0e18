//! The hidden demo child mode of the real `perdix-tui` binary: flat out through a pipe,
//! and interactive in a pseudo-terminal, answering its question.

use perdix::pty::{PtyProcess, SpawnConfig};
use perdix::Buffer;
use std::process::Command;
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_perdix-tui");

#[test]
fn flat_out_writes_the_requested_mebibyte_and_exits() {
    let output = Command::new(BINARY)
        .args([
            "--demo-agent",
            "claude",
            "--seed",
            "1",
            "--flat-out",
            "--mib",
            "1",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let size = output.stdout.len();
    assert!((1 << 20..(1 << 20) + 8192).contains(&size), "{size} bytes");
    assert!(std::str::from_utf8(&output.stdout).is_ok());
    assert!(output.stdout.ends_with(b"\x1b[?25h\r\n"));
}

#[test]
fn the_demo_flags_are_hidden_and_checked() {
    let help = Command::new(BINARY).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("--headless") && !help.contains("--demo-agent"),
        "{help}"
    );
    let wrong = Command::new(BINARY)
        .args(["--demo-agent", "vim"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("unknown agent kind"));
}

#[test]
fn an_interactive_agent_waits_in_its_terminal_until_answered() {
    let config = SpawnConfig::from_argv([BINARY, "--demo-agent", "codex", "--seed", "1", "--interactive"]);
    let (producer, mut consumer) = Buffer::new(256).unwrap().split();
    let mut child = PtyProcess::spawn(&config, producer, 0).unwrap();
    let mut output = Vec::new();
    let mut drain_until = |output: &mut Vec<u8>, wanted: &dyn Fn(&[u8]) -> bool, patience: Duration| {
        let deadline = Instant::now() + patience;
        while !wanted(output) && Instant::now() < deadline {
            let drained = consumer.consume_each(usize::MAX, |message| {
                output.extend_from_slice(&message.as_bytes())
            });
            if drained == 0 {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        wanted(output)
    };
    let asked = |output: &[u8]| output.ends_with(b"[y/n] ");
    assert!(
        drain_until(&mut output, &asked, Duration::from_secs(60)),
        "no question: {:?}",
        String::from_utf8_lossy(&output)
    );
    // Unanswered, it stays put.
    let asked_at = output.len();
    drain_until(
        &mut output,
        &|output: &[u8]| output.len() > asked_at,
        Duration::from_millis(700),
    );
    assert_eq!(output.len(), asked_at, "wrote on without an answer");

    child.write_input(b"y\r").unwrap();
    let went_on = |output: &[u8]| {
        let after = String::from_utf8_lossy(&output[asked_at..]).into_owned();
        after.contains("continuing") && after.len() > 200
    };
    assert!(
        drain_until(&mut output, &went_on, Duration::from_secs(30)),
        "did not go on: {:?}",
        String::from_utf8_lossy(&output[asked_at..])
    );
    child.kill().unwrap();
    assert!(child.wait_timeout(Duration::from_secs(10)).unwrap().is_some());
}

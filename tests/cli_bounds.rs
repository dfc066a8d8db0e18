//! Every size a user gives on the command line has a cap: a value over it is a clear error
//! (exit code 2, naming the flag, the value and the cap), a value at it works. Input of
//! any length goes through `perdix --dump-actions` in bounded memory. And
//! `perdix-tui --version` names `perdix-tui`; a screen dump whose reader left ends with 0.

use std::io::{Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn perdix_tui(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perdix-tui"))
        .args(args)
        .output()
        .expect("the perdix-tui binary runs")
}

/// Checks that `args` fail with exit code 2 and a message holding every one of `words`.
fn assert_refused(args: &[&str], words: &[&str]) {
    let output = perdix_tui(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    for word in words {
        assert!(stderr.contains(word), "{args:?}: {word:?} missing from {stderr}");
    }
    assert!(output.stdout.is_empty(), "{args:?} printed nothing");
}

#[test]
fn scrollback_over_the_cap_is_refused_and_at_the_cap_works() {
    for value in ["1000001", "99999999999", "184467440737095516160"] {
        assert_refused(
            &[
                "--headless",
                "--screen-dump",
                "--backend",
                "cpu",
                "--scrollback",
                value,
                "true",
            ],
            &["--scrollback", value, "1000000"],
        );
    }
    let output = perdix_tui(&[
        "--headless",
        "--screen-dump",
        "--backend",
        "cpu",
        "--pane-size",
        "20x2",
        "--scrollback",
        "1000000",
        "printf 'a\\nb\\nc\\nd'",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "=== pane 1 ===\nc\nd\n");
}

#[test]
fn help_states_the_scrollback_cap_and_its_cost() {
    let help = String::from_utf8(perdix_tui(&["--help"]).stdout).unwrap();
    for words in [
        "at most 1000000",
        "2 KB in an 80-column pane",
        "1.8 GiB",
        "at most 1000x500",
    ] {
        assert!(help.contains(words), "{words:?} missing from --help:\n{help}");
    }
}

#[test]
fn pane_size_over_the_cap_is_refused_and_at_the_cap_works() {
    for value in ["65535x65535", "1001x24", "80x501", "99999999999x24"] {
        assert_refused(
            &[
                "--headless",
                "--screen-dump",
                "--backend",
                "cpu",
                "--pane-size",
                value,
                "true",
            ],
            &["--pane-size", value, "1000x500"],
        );
    }
    let output = perdix_tui(&[
        "--headless",
        "--screen-dump",
        "--backend",
        "cpu",
        "--pane-size",
        "1000x500",
        "echo hi",
    ]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 500, "every row of the 500-row pane is printed");
    assert_eq!(rows[0], "hi");
}

#[test]
fn bench_screen_over_the_cap_is_refused_and_at_the_cap_works() {
    for value in ["65535x65535", "1001x60", "200x501"] {
        assert_refused(
            &["--headless", "--bench", "--backend", "cpu", "--screen", value],
            &["--screen", value, "1000x500"],
        );
    }
    let output = perdix_tui(&[
        "--headless",
        "--bench",
        "--backend",
        "cpu",
        "--panes",
        "2",
        "--mib",
        "1",
        "--screen",
        "1000x500",
        "--json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["panes"], 2);
    assert!(report["bytes"].as_u64().unwrap() >= 2 << 20, "{report}");
}

#[test]
fn version_names_perdix_tui() {
    let output = perdix_tui(&["--version"]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("perdix-tui {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// The most memory `perdix --dump-actions` may hold, whatever the input's length: a few
/// MiB of its own on top of the binary (about 7 MiB resident in all when measured).
const DUMP_PEAK_RSS_LIMIT_KIB: u64 = 32 * 1024;

/// The peak resident memory so far (`VmHWM`) of process `pid`, in KiB; `None` once it has
/// exited.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Samples the peak memory of process `pid` every 50 ms until `done`; returns the highest
/// sample.
fn watch_peak_rss(pid: u32, done: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut peak = 0;
        // Relaxed: a flag polled with a sleep; nothing else is published through it.
        while !done.load(Ordering::Relaxed) {
            peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
            std::thread::sleep(Duration::from_millis(50));
        }
        peak
    })
}

/// Reads the child's stdout on a thread until it ends, counting the bytes and keeping the
/// first `keep`, so that the test itself never blocks on a child that prints nothing.
fn count_stdout(child: &mut Child, keep: usize) -> std::thread::JoinHandle<(usize, Vec<u8>)> {
    let mut stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        let mut buffer = vec![0; 1 << 16];
        let (mut total, mut first) = (0, Vec::new());
        while let Ok(read @ 1..) = stdout.read(&mut buffer) {
            total += read;
            first.extend_from_slice(&buffer[..read.min(keep - first.len())]);
        }
        (total, first)
    })
}

#[test]
fn dump_actions_streams_a_large_piped_input_in_bounded_memory() {
    // One unit of agent-like output (colours, a wide character, a title, a line end),
    // repeated: its dump repeats too, so the whole output can be checked as it streams.
    // 97 bytes: pieces of a read never line up with the units, so sequences and
    // characters are cut across reads.
    let unit = "\x1b[1;32m\u{2714}\x1b[0m test parse::dump ... ok \x1b]0;cargo test\x07\u{4f60}\u{597d} plain text\r\n";
    let unit_dump = {
        let mut child = Command::new(env!("CARGO_BIN_EXE_perdix"))
            .args(["--dump-actions", "--backend", "cpu", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(unit.as_bytes()).unwrap();
        child.wait_with_output().unwrap().stdout
    };
    assert!(unit_dump.len() > 50, "{}", String::from_utf8_lossy(&unit_dump));
    let units = (256 << 20) / unit.len();
    let mut child = Command::new(env!("CARGO_BIN_EXE_perdix"))
        .args(["--dump-actions", "--backend", "cpu"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = watch_peak_rss(child.id(), Arc::clone(&done));
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let block = unit.repeat(1000);
        for _ in 0..units / 1000 {
            stdin.write_all(block.as_bytes()).unwrap();
        }
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut buffer = vec![0; 1 << 16];
    let mut position = 0usize;
    loop {
        let read = stdout.read(&mut buffer).unwrap();
        if read == 0 {
            break;
        }
        for &byte in &buffer[..read] {
            assert_eq!(
                byte,
                unit_dump[position % unit_dump.len()],
                "output byte {position}"
            );
            position += 1;
        }
    }
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    // Relaxed: the flag only ends the sampling loop; nothing is published through it.
    done.store(true, Ordering::Relaxed);
    let peak = watcher.join().unwrap();
    assert_eq!(
        position,
        unit_dump.len() * (units / 1000 * 1000),
        "the whole dump came out"
    );
    assert!(peak > 0, "the peak memory was sampled");
    assert!(
        peak < DUMP_PEAK_RSS_LIMIT_KIB,
        "peak RSS {peak} KiB for {} MiB of input",
        (units * unit.len()) >> 20
    );
}

#[test]
fn dump_actions_of_an_endless_input_prints_continuously_in_flat_memory() {
    // `timeout 3 perdix --dump-actions /dev/zero`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_perdix"))
        .args(["--dump-actions", "--backend", "cpu", "/dev/zero"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let printed = count_stdout(&mut child, 22);
    std::thread::sleep(Duration::from_secs(3));
    let peak = peak_rss_kib(child.id()).expect("still running");
    child.kill().unwrap();
    child.wait().unwrap();
    let (total, first) = printed.join().unwrap();
    assert_eq!(first, b"execute 00\nexecute 00\n");
    assert!(total > 1 << 20, "printed {total} bytes in 3 s");
    assert!(
        peak < DUMP_PEAK_RSS_LIMIT_KIB,
        "peak RSS {peak} KiB after 3 s of /dev/zero"
    );
}

#[test]
fn dump_actions_into_a_reader_that_stops_early_exits_0() {
    // `perdix --dump-actions < /dev/zero | head -c 33`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_perdix"))
        .args(["--dump-actions", "--backend", "cpu"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (first_tx, first_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut first = [0; 33];
        let read = stdout.read_exact(&mut first).map(|()| first);
        // Closing the pipe here is what `head` does.
        drop(stdout);
        let _ = first_tx.send(read.ok());
    });
    let first = first_rx.recv_timeout(Duration::from_secs(30));
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(first, Ok(Some(*b"execute 00\nexecute 00\nexecute 00\n")));
    assert_eq!(
        status.and_then(|status| status.code()),
        Some(0),
        "exits 0 once its reader left"
    );
}

#[test]
fn a_screen_dump_whose_reader_left_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perdix-tui"))
        .args(["--headless", "--screen-dump", "--backend", "cpu", "echo hi"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader leaves before anything is written, as `head` does once it has its lines.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

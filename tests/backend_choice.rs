//! `--backend auto` is quiet and proven: each binary prints exactly one line saying what it
//! picked and nothing from the drivers; a named backend that cannot run is one line and
//! exit code 2; and the self-check passes the real device backends that run here (wgpu on
//! lavapipe, the scan algorithm) on their records.

mod support;

use perdix::backend::auto::{check_device, self_check, SelfCheckCorpus, SystemClock, Verdict};
use perdix::backend::AnyEngine;
use perdix::parse::BackendKind;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use support::backend_available;

/// Mesa's line when it cannot reach a display, which it writes while drivers load.
const MESA_NOISE: &str = "XDG_RUNTIME_DIR";

/// Runs `binary` with `args` and `stdin`, without `XDG_RUNTIME_DIR` (so that Mesa has
/// something to say) and with a cache folder of its own.
fn run(binary: &str, args: &[&str], stdin: &[u8]) -> Output {
    let cache = tempfile::Builder::new()
        .prefix("perdix-choice-cache-")
        .tempdir()
        .unwrap();
    let mut child = Command::new(binary)
        .args(args)
        .env_remove("XDG_RUNTIME_DIR")
        .env("XDG_CACHE_HOME", cache.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A run that ends before reading its input (a refused backend) closes the pipe early.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn perdix(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_perdix"), args, b"hi\x1b[1m")
}

fn perdix_tui(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_perdix-tui"), args, b"")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_default_backend_says_what_it_picked_in_one_line_and_no_more() {
    let runs = [
        perdix_tui(&["--headless", "--screen-dump", "echo hi"]),
        perdix(&["--dump-actions", "--backend", "auto", "-"]),
    ];
    for output in runs {
        let stderr = stderr(&output);
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.contains(MESA_NOISE), "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(lines[0].contains("--backend auto picked "), "{stderr}");
    }
    // perdix's own default is cpu: nothing to say at all.
    let output = perdix(&["--dump-actions", "-"]);
    assert!(output.status.success());
    assert_eq!(stderr(&output), "");
}

#[test]
fn wgpu_named_explicitly_runs_without_driver_noise() {
    if !backend_available(BackendKind::Wgpu) {
        return;
    }
    let output = perdix(&["--dump-actions", "--backend", "wgpu", "-"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "print \"hi\"\ncsi 1 - 0 m\n"
    );
    let output = perdix_tui(&["--headless", "--screen-dump", "--backend", "wgpu", "echo hi"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("=== pane 1 ===\nhi\n"));
}

#[test]
fn a_named_backend_that_cannot_run_is_one_line_and_exit_code_2() {
    let mut missing = Vec::new();
    if perdix::backend::cuda::probe().is_err() {
        missing.push("cuda");
    }
    if perdix::backend::webgpu::probe().is_err() {
        missing.push("wgpu");
    }
    if missing.is_empty() {
        eprintln!("backend_choice: cuda and wgpu both run here; no unavailable backend to name");
    }
    for name in missing {
        let outputs = [
            perdix(&["--dump-actions", "--backend", name, "-"]),
            perdix(&["--stream", "-a", "true", "--backend", name]),
            perdix_tui(&["--headless", "--screen-dump", "--backend", name, "true"]),
        ];
        for output in outputs {
            let stderr = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
            assert!(
                stderr.contains(&format!("backend {name} is not available")),
                "{stderr}"
            );
            assert!(output.stdout.is_empty());
        }
    }
}

#[test]
fn the_self_check_passes_the_device_backends_that_run_here_on_their_records() {
    let corpus = SelfCheckCorpus::built_in();
    let mut cpu = AnyEngine::new(BackendKind::Cpu).unwrap();
    let mut scan = AnyEngine::new(BackendKind::CpuScan).unwrap();
    let verdict = self_check(&mut scan, &mut cpu, &corpus, &SystemClock::default());
    assert!(
        matches!(verdict, Verdict::Faster { .. } | Verdict::Slower { .. }),
        "{verdict}"
    );
    if backend_available(BackendKind::Wgpu) {
        // The whole path auto takes: engines opened on a thread, with a time limit (a
        // long one: lavapipe on a busy machine is slow, and only its records matter here).
        let verdict = check_device(BackendKind::Wgpu, Duration::from_secs(300));
        assert!(
            matches!(verdict, Verdict::Faster { .. } | Verdict::Slower { .. }),
            "{verdict}"
        );
        eprintln!("backend_choice: wgpu's self-check here: {verdict}");
    }
}

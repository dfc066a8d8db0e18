//! The `perdix` binary end to end: `--dump-actions` on the recorded fixtures equals the
//! reference written on `vte::Perform`, for both CPU backends and several chunk sizes, and
//! bad arguments are clear errors with exit code 2.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use support::reference_dump;

fn perdix(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_perdix"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the perdix binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn fixtures() -> Vec<std::path::PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "raw"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "expected the recorded fixtures in {dir}");
    paths
}

#[test]
fn dump_actions_matches_vte_on_every_fixture_backend_and_chunk_size() {
    for path in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        let expected = reference_dump(&bytes);
        let file = path.to_str().unwrap();
        for backend in ["cpu", "cpu-scan"] {
            for chunk in [None, Some("1"), Some("7"), Some("4096")] {
                let mut args = vec!["--dump-actions", "--backend", backend];
                if let Some(chunk) = chunk {
                    args.extend(["--chunk", chunk]);
                }
                args.push(file);
                let output = perdix(&args, b"");
                assert!(output.status.success(), "{args:?}: {output:?}");
                assert!(
                    String::from_utf8_lossy(&output.stdout) == expected,
                    "{args:?} differs from vte"
                );
            }
        }
    }
}

#[test]
fn dump_actions_reads_stdin() {
    let input = b"hi\x1b[1;31mred\x1b]0;t\x07\xe2\x82";
    let output = perdix(&["--dump-actions", "-"], input);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), reference_dump(input));
}

#[test]
fn unavailable_backend_and_bad_slots_exit_with_code_2() {
    for args in [
        &["--dump-actions", "--backend", "wgpu"][..],
        &["--dump-actions", "--backend", "cuda"],
        &["--benchmark", "--slots=5000"],
        &["--benchmark", "--slots=1"],
    ] {
        let output = perdix(args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?} says why");
    }
}

#[test]
fn missing_input_file_is_a_clear_error() {
    let output = perdix(&["--dump-actions", "/nonexistent/perdix-input"], b"");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/perdix-input"));
}

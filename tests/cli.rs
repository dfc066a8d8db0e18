//! The `perdix` binary end to end: `--dump-actions` on the recorded fixtures (programs and
//! coding agents) equals the reference written on `vte::Perform`, for the CPU backends
//! (and wgpu where an adapter exists) and several chunk sizes, and bad arguments are clear
//! errors with exit code 2.

mod support;

use perdix::parse::BackendKind;
use support::{
    agent_fixtures, backend_available, dump_actions_args, fixtures, perdix, reference_dump, FIXTURES_DIR,
};

#[test]
fn dump_actions_matches_vte_on_every_fixture_backend_and_chunk_size() {
    let paths = fixtures();
    assert!(
        paths.len() >= 5,
        "expected the recorded fixtures in {FIXTURES_DIR}"
    );
    for path in paths {
        let chunks = [None, Some("1"), Some("7"), Some("4096")];
        check_dump_actions(&path, &chunks, &chunks);
    }
}

#[test]
fn dump_actions_matches_vte_on_every_agent_recording() {
    // Whole and in odd-sized chunks; the conformance suite cuts them finer. A wgpu run
    // costs seconds of device setup on a software adapter, so wgpu reads them one way.
    for path in agent_fixtures() {
        check_dump_actions(&path, &[None, Some("1021")], &[Some("1021")]);
    }
}

/// `perdix --dump-actions` on `path` equals `vte`'s dump with every backend that can run
/// here, reading `chunks` bytes at a time (`wgpu_chunks` on wgpu).
fn check_dump_actions(path: &std::path::Path, chunks: &[Option<&str>], wgpu_chunks: &[Option<&str>]) {
    let bytes = std::fs::read(path).unwrap();
    let expected = reference_dump(&bytes);
    let file = path.to_str().unwrap();
    let mut backends = vec![("cpu", chunks), ("cpu-scan", chunks)];
    if backend_available(BackendKind::Wgpu) {
        backends.push(("wgpu", wgpu_chunks));
    }
    for (backend, chunks) in backends {
        for &chunk in chunks {
            let args = dump_actions_args(backend, chunk, file);
            let output = perdix(&args, b"");
            assert!(output.status.success(), "{args:?}: {output:?}");
            assert!(
                String::from_utf8_lossy(&output.stdout) == expected,
                "{args:?} differs from vte"
            );
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
    let mut cases = vec![
        &["--benchmark", "--slots=5000"][..],
        &["--benchmark", "--slots=1"],
        &["--zerocopy", "--slots=5000"],
    ];
    if perdix::backend::cuda::probe().is_err() {
        cases.push(&["--dump-actions", "--backend", "cuda"]);
    }
    if perdix::backend::webgpu::probe().is_err() {
        cases.push(&["--dump-actions", "--backend", "wgpu"]);
    }
    for args in cases {
        let output = perdix(args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?} says why");
    }
}

#[test]
fn without_a_cuda_device_cuda_is_a_clear_error_and_zerocopy_exits_3() {
    if perdix::backend::cuda::probe().is_ok() {
        eprintln!("cli: a CUDA device is here; the no-device exits are not checked");
        return;
    }
    let output = perdix(&["--zerocopy", "--duration", "0.1"], b"");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line says why: {stderr}");
    assert!(stderr.contains("CUDA"), "{stderr}");
    let output = perdix(&["--dump-actions", "--backend", "cuda", "-"], b"hi");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("backend cuda is not available"), "{stderr}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_perdix-tui"))
        .args(["--headless", "--screen-dump", "--backend", "cuda", "true"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("backend cuda is not available"), "{stderr}");
}

#[test]
fn missing_input_file_is_a_clear_error() {
    let output = perdix(&["--dump-actions", "/nonexistent/perdix-input"], b"");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/perdix-input"));
}

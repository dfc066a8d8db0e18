//! `perdix-tui --headless --bench`: the report's contents and the latency measurement.

mod support;

use perdix::parse::BackendKind;
use perdix::pty::SpawnConfig;
use perdix::term::PaneConfig;
use perdix::tui::app::App;
use perdix::tui::headless_bench::{run_bench, BenchOptions};
use perdix::tui::keymap::Keymap;
use perdix::tui::layout_kind::LayoutKind;
use perdix::tui::theme::Theme;
use perdix::tui::PaneSet;
use std::process::Command;

fn bench_app(commands: &[&str]) -> App {
    let commands: Vec<_> = commands
        .iter()
        .map(|command| SpawnConfig::new(*command))
        .collect();
    let panes = PaneSet::spawn_measuring_latency(&commands, BackendKind::Cpu, PaneConfig::default())
        .expect("panes start");
    let names = (1..=commands.len()).map(|n| format!("pane {n}")).collect();
    App::new(
        panes,
        names,
        Keymap::default(),
        Theme::default(),
        LayoutKind::Tiled,
    )
}

#[test]
fn a_chunk_is_credited_to_the_frame_that_first_shows_it() {
    // Two chunks half a second apart: each must be measured at its own frame, not at the
    // next frame after more output arrives.
    let app = bench_app(&["sh -c 'printf first; sleep 0.5; printf second'"]);
    let report = run_bench(app, BenchOptions::default(), |_| {}).expect("bench runs");
    assert_eq!(report.bytes, 11);
    assert_eq!(report.latency_samples, 2, "{report:?}");
    assert!(
        report.latency_us_p99 < 250_000.0,
        "a chunk waited for the next output to be counted: {report:?}"
    );
}

#[test]
fn every_byte_of_every_pane_is_counted_and_drawn() {
    let app = bench_app(&["seq 1 30000", "seq 1 20000"]);
    let report = run_bench(app, BenchOptions::default(), |_| {}).expect("bench runs");
    // `seq` output with the terminal's CR before each LF.
    let seq_bytes = |n: u64| (1..=n).map(|i| i.to_string().len() as u64 + 2).sum::<u64>();
    assert_eq!(report.bytes, seq_bytes(30000) + seq_bytes(20000));
    assert_eq!(report.panes, 2);
    assert_eq!(report.backend, "cpu");
    assert!(report.frames >= 1);
    assert!(report.latency_samples >= 2);
    assert!(report.latency_us_p50 <= report.latency_us_p99);
    assert!(report.frame_ms_p50 <= report.frame_ms_p99);
    assert!(report.peak_rss_mib > 1.0, "{report:?}");
}

#[test]
fn the_binary_prints_one_json_object_with_the_documented_keys() {
    let output = Command::new(env!("CARGO_BIN_EXE_perdix-tui"))
        .args([
            "--headless",
            "--bench",
            "--panes",
            "3",
            "--mib",
            "1",
            "--backend",
            "cpu",
            "--json",
        ])
        .output()
        .expect("perdix-tui runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    let keys = [
        "backend",
        "panes",
        "bytes",
        "seconds",
        "mib_per_s",
        "frames",
        "frame_ms_p50",
        "frame_ms_p99",
        "latency_us_p50",
        "latency_us_p99",
        "peak_rss_mib",
    ];
    let object = report.as_object().expect("an object");
    assert_eq!(object.len(), keys.len(), "{report}");
    for key in keys {
        assert!(object.contains_key(key), "{key} missing in {report}");
    }
    assert_eq!(report["backend"], "cpu");
    assert_eq!(report["panes"], 3);
    // Each demo agent writes at least its MiB (it stops at a step boundary after it).
    assert!(report["bytes"].as_u64().unwrap() >= 3 << 20, "{report}");
    assert!(report["frames"].as_u64().unwrap() >= 1, "{report}");
    let mib_per_s = report["mib_per_s"].as_f64().unwrap();
    let expected = report["bytes"].as_f64().unwrap() / 1048576.0 / report["seconds"].as_f64().unwrap();
    assert!((mib_per_s - expected).abs() < 0.01 * expected, "{report}");
}

#[test]
fn bench_arguments_are_checked() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_perdix-tui"))
            .args(args)
            .output()
            .expect("perdix-tui runs")
    };
    let with_command = run(&["--headless", "--bench", "echo hi"]);
    assert_eq!(with_command.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&with_command.stderr).contains("takes no commands"));
    let mib_alone = run(&["--mib", "4"]);
    assert_eq!(mib_alone.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mib_alone.stderr).contains("--bench"));
    let zero_panes = run(&["--headless", "--bench", "--panes", "0"]);
    assert_eq!(zero_panes.status.code(), Some(2));
    let nothing = run(&["--headless"]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nothing.stderr).contains("--bench"));
}

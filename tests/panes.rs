//! Real programs in real PTYs through the whole data flow (reader → input ring → parse
//! stage → record ring → terminal model), several panes at once, and the
//! `perdix-tui --headless --screen-dump` view of them.

mod support;

use alacritty_terminal::event::VoidListener;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term};
use perdix::parse::BackendKind;
use perdix::pty::{PaneSize, SpawnConfig};
use perdix::term::{screen_text, PaneConfig};
use perdix::tui::PaneSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(60);

fn spawn(commands: &[&str], size: PaneSize) -> PaneSet {
    let commands: Vec<SpawnConfig> = commands
        .iter()
        .map(|command| SpawnConfig::new(*command).with_size(size))
        .collect();
    PaneSet::spawn(&commands, BackendKind::Cpu, PaneConfig::default()).unwrap()
}

/// Pumps until `done` holds, failing after `LIMIT`.
fn pump_until(panes: &mut PaneSet, what: &str, done: impl Fn(&PaneSet) -> bool) {
    let start = Instant::now();
    while !done(panes) {
        assert!(start.elapsed() < LIMIT, "timed out waiting for {what}");
        if panes.pump().unwrap() == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn screen(panes: &PaneSet, pane: usize) -> Vec<String> {
    panes.panes()[pane].terminal().screen_text()
}

#[test]
fn output_exit_codes_and_start_errors_per_pane() {
    let mut panes = spawn(
        &["sh -c 'echo one; exit 3'", "perdix-no-such-program", "printf two"],
        PaneSize::new(30, 3),
    );
    panes.run_to_end(LIMIT).unwrap();
    let [first, missing, last] = panes.panes() else {
        panic!("three panes")
    };
    assert_eq!(first.terminal().screen_text(), ["one", "", ""]);
    assert_eq!(first.exit().unwrap().code, 3);
    assert!(missing.start_error().is_some());
    assert_eq!(
        missing.terminal().screen_text()[..2],
        ["perdix: command not found: per", "dix-no-such-program"]
    );
    assert_eq!(last.terminal().screen_text(), ["two", "", ""]);
    assert!(last.exit().unwrap().success());
}

#[test]
fn a_query_from_the_child_gets_its_answer_in_its_own_pane_only() {
    // The child asks where the cursor is and prints the reply it reads (ESC shown as E).
    let ask = "sh -c \"stty raw -echo; printf 'ab\\033[6n'; head -c 6 | tr '\\033' E; stty sane; echo\"";
    let mut panes = spawn(&[ask, "sh -c 'sleep 1; echo quiet'"], PaneSize::new(20, 3));
    panes.run_to_end(LIMIT).unwrap();
    assert_eq!(screen(&panes, 0)[0], "abE[1;3R");
    assert_eq!(screen(&panes, 1), ["quiet", "", ""]);
}

#[test]
fn resize_reaches_the_program_and_the_model() {
    let mut panes = spawn(&["sh -c 'tput cols; read x; tput cols'"], PaneSize::new(80, 4));
    pump_until(&mut panes, "the first width", |panes| screen(panes, 0)[0] == "80");
    panes.resize(0, PaneSize::new(100, 5)).unwrap();
    panes.write_input(0, b"\r").unwrap();
    panes.run_to_end(LIMIT).unwrap();
    let rows = screen(&panes, 0);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[..3], ["80", "", "100"]);
}

/// The bytes `seq 1 last` writes through a terminal (which sends `\n` as `\r\n`).
fn seq_len(last: u64) -> u64 {
    (1..=last).map(|n| n.to_string().len() as u64 + 2).sum()
}

#[test]
fn fifty_mebibytes_arrive_complete_while_another_pane_stays_responsive() {
    let last = 6_000_000;
    let command = format!("seq 1 {last}");
    let mut panes = spawn(&[&command, "cat"], PaneSize::new(40, 10));
    pump_until(&mut panes, "the flood to start", |panes| {
        panes.panes()[0].bytes_received() > 1 << 20
    });
    let asked = Instant::now();
    panes.write_input(1, b"ping\r").unwrap();
    pump_until(&mut panes, "the echo", |panes| {
        screen(panes, 1)[..2] == ["ping", "ping"]
    });
    let answer = asked.elapsed();
    let flood_running = panes.panes()[0].exit().is_none();
    panes.write_input(1, b"\x04").unwrap();
    panes.run_to_end(LIMIT).unwrap();

    assert!(
        flood_running,
        "the flood ended before the other pane answered; make it longer"
    );
    assert!(
        answer < Duration::from_secs(2),
        "the quiet pane took {answer:?} to echo"
    );
    let flood = &panes.panes()[0];
    assert_eq!(flood.bytes_received(), seq_len(last));
    assert!(flood.bytes_received() > 50 << 20);
    // The model saw every line: the last screen and scrollback lines count down from the end.
    let grid = flood.terminal().term().grid();
    let lines = grid.history_size() + grid.screen_lines();
    assert_eq!(grid.history_size(), perdix::term::DEFAULT_SCROLLBACK);
    let text = perdix::tui::search::line_texts(flood.terminal().term());
    let numbers: Vec<u64> = text.iter().filter_map(|line| line.parse().ok()).collect();
    assert_eq!(
        numbers.len(),
        lines - 1,
        "every line but the cursor's holds a number"
    );
    for (offset, number) in numbers.iter().rev().enumerate() {
        assert_eq!(*number, last - offset as u64);
    }
}

/// alacritty's own path for bytes `cat` writes through a terminal.
fn expected_screen(bytes: &[u8], size: PaneSize) -> Vec<String> {
    let mut through_terminal = Vec::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        if byte == b'\n' {
            through_terminal.push(b'\r');
        }
        through_terminal.push(byte);
    }
    let mut term = Term::new(
        Config::default(),
        &TermSize::new(usize::from(size.cols), usize::from(size.rows)),
        VoidListener,
    );
    let mut processor: vte::ansi::Processor = vte::ansi::Processor::new();
    processor.advance(&mut term, &through_terminal);
    processor.stop_sync(&mut term);
    screen_text(&term)
}

#[test]
fn screen_dumps_of_recorded_programs_equal_alacritty_s_own_path() {
    check_screen_dumps(&support::fixtures(), &[(80, 24), (37, 9)]);
}

#[test]
fn screen_dumps_of_recorded_agents_equal_alacritty_s_own_path() {
    // At the size they were recorded at, and smaller.
    check_screen_dumps(&support::agent_fixtures(), &[(100, 30), (80, 24)]);
}

/// `perdix-tui --headless --screen-dump`, one pane per fixture replayed by `cat`, shows
/// what alacritty's own path shows for the same bytes, with every backend that can run
/// here and at every size in `sizes` (columns, rows).
fn check_screen_dumps(fixtures: &[PathBuf], sizes: &[(u16, u16)]) {
    assert!(!fixtures.is_empty());
    // The GPU backends where they can run (a missing one is named once, or fails the
    // test under its PERDIX_REQUIRE_* variable): the app on the device's records.
    let mut backends = vec![BackendKind::Cpu, BackendKind::CpuScan];
    backends.extend(
        [BackendKind::Wgpu, BackendKind::Cuda]
            .into_iter()
            .filter(|&kind| support::backend_available(kind)),
    );
    for backend in backends.iter().map(|kind| kind.name()) {
        for &(cols, rows) in sizes {
            let mut command = Command::new(env!("CARGO_BIN_EXE_perdix-tui"));
            command.args(["--headless", "--screen-dump", "--backend", backend]);
            command.arg(format!("--pane-size={cols}x{rows}"));
            for fixture in fixtures {
                // Echo off: the recorded programs send DSR/DA queries, perdix-tui answers
                // them, and an echoed answer would land on the screen at a moment that
                // depends on timing.
                command.arg(format!("sh -c \"stty -echo; cat '{}'\"", fixture.display()));
            }
            let output = command.output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let mut expected = String::new();
            for (index, fixture) in fixtures.iter().enumerate() {
                expected.push_str(&format!("=== pane {} ===\n", index + 1));
                let bytes = std::fs::read(fixture).unwrap();
                for row in expected_screen(&bytes, PaneSize::new(cols, rows)) {
                    expected.push_str(&row);
                    expected.push('\n');
                }
            }
            let actual = String::from_utf8(output.stdout).unwrap();
            assert_eq!(actual, expected, "backend {backend} at {cols}x{rows}");
        }
    }
}

#[test]
fn screen_dump_reports_a_command_that_cannot_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_perdix-tui"))
        .args(["--headless", "--screen-dump", "--pane-size", "30x2", "echo ok"])
        .arg("perdix-no-such-program --flag")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pane 2: command not found: perdix-no-such-program"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "=== pane 1 ===\nok\n\n=== pane 2 ===\nperdix: command not found: per\ndix-no-such-program\n"
    );
}

#[test]
fn screen_dump_rejects_bad_sizes_and_missing_commands() {
    for args in [
        &["--headless", "--screen-dump", "--pane-size", "80", "true"][..],
        &["--headless", "--screen-dump", "--pane-size", "0x5", "true"],
        &["--headless", "--screen-dump"],
        &["--headless", "--screen-dump", "--timeout", "-1", "true"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_perdix-tui"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty());
    }
}

#[test]
fn a_program_that_leaves_something_holding_its_terminal_does_not_hang_the_end() {
    // The shell exits at once; the `sleep` it leaves behind ignores the hangup and keeps
    // the pane's terminal open for 20 s.
    let mut panes = spawn(
        &["sh -c 'printf hello; trap \"\" HUP; sleep 20 & exit 3'"],
        PaneSize::new(30, 2),
    );
    let start = Instant::now();
    panes.run_to_end(Duration::MAX).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(12),
        "waited {:?}",
        start.elapsed()
    );
    assert_eq!(screen(&panes, 0)[0], "hello");
    assert_eq!(panes.panes()[0].exit().map(|exit| exit.code), Some(3));
}

#[test]
fn ending_a_pane_ends_what_its_program_started_too() {
    // Both the shell and its `sleep` ignore SIGHUP; the timeout must still end the run.
    let mut panes = spawn(
        &["sh -c 'trap \"\" HUP; printf started; sleep 20; echo late'"],
        PaneSize::new(30, 2),
    );
    let start = Instant::now();
    panes.run_to_end(Duration::from_millis(300)).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "waited {:?}",
        start.elapsed()
    );
    assert_eq!(screen(&panes, 0)[0], "started");
}

#[test]
fn ending_many_panes_waits_one_grace_period_not_one_per_pane() {
    let stubborn = "sh -c 'trap \"\" HUP; sleep 30'";
    let mut panes = spawn(&[stubborn; 8], PaneSize::new(20, 2));
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    panes.kill_all();
    // Eight programs that ignore the hangup: one grace period, then SIGKILL for all.
    assert!(
        start.elapsed() < perdix::pty::HANGUP_GRACE * 4,
        "took {:?}",
        start.elapsed()
    );
    panes.run_to_end(Duration::from_secs(10)).unwrap();
    assert!(panes.panes().iter().all(|pane| pane.exit().is_some()));
}

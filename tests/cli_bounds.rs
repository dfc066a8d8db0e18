//! Every size a user gives on the command line has a cap: a value over it is a clear error
//! (exit code 2, naming the flag, the value and the cap), a value at it works. And
//! `perdix-tui --version` names `perdix-tui`.

use std::process::{Command, Output};

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
            &["--headless", "--screen-dump", "--backend", "cpu", "--scrollback", value, "true"],
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
    for words in ["at most 1000000", "2 KB in an 80-column pane", "1.9 GiB", "at most 1000x500"] {
        assert!(help.contains(words), "{words:?} missing from --help:\n{help}");
    }
}

#[test]
fn pane_size_over_the_cap_is_refused_and_at_the_cap_works() {
    for value in ["65535x65535", "1001x24", "80x501", "99999999999x24"] {
        assert_refused(
            &["--headless", "--screen-dump", "--backend", "cpu", "--pane-size", value, "true"],
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

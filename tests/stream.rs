//! `perdix --stream` end to end: commands in pseudo-terminals come out as whole tagged
//! lines with their colours kept and cursor control dropped, failures are reported per
//! pane, the exit code sums them up, lines of busy panes never mix, and the panes are as
//! wide as `COLUMNS` says, up to the cap.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `perdix` with `args`, stdout and stderr captured (so stdout is not a terminal
/// and the panes get `COLUMNS` columns: 100).
fn perdix(args: &[&str]) -> Output {
    perdix_with_columns(args, "100")
}

/// [`perdix`] with `COLUMNS` set to `columns`.
fn perdix_with_columns(args: &[&str], columns: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perdix"))
        .args(args)
        .env("COLUMNS", columns)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("the perdix binary runs")
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The tag `perdix` puts before the lines of pane `index` named `name`.
fn tag(index: usize, name: &str) -> String {
    perdix::logview::pane_tag(index, name)
}

/// The lines of one pane, without their tag.
fn pane_lines(lines: &[String], index: usize, name: &str) -> Vec<String> {
    let tag = tag(index, name);
    lines
        .iter()
        .filter_map(|line| line.strip_prefix(&tag).map(str::to_owned))
        .collect()
}

#[test]
fn lines_are_tagged_with_colours_kept_and_cursor_control_dropped() {
    let output = perdix(&[
        "--stream",
        "-a",
        r"printf 'a\033[31mred\033[0m\nb\033[2Kc\n\033[1;33mwarn\n\033[5Adone\033[0m\n'",
        "-a",
        "stty size",
    ]);
    let lines = stdout_lines(&output);
    assert_eq!(
        pane_lines(&lines, 0, "printf"),
        [
            "a\x1b[31mred\x1b[0m",
            "bc",
            "\x1b[1;33mwarn\x1b[0m",
            "\x1b[1;33mdone\x1b[0m",
            "exited with code 0",
        ],
        "{lines:#?}"
    );
    assert_eq!(pane_lines(&lines, 1, "stty"), ["24 100", "exited with code 0"]);
    assert_eq!(lines.len(), 7, "every line belongs to a pane: {lines:#?}");
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn one_failing_command_makes_the_exit_code_1() {
    let output = perdix(&["--stream", "-a", "sh -c 'echo bye; exit 3'", "-a", "true"]);
    let lines = stdout_lines(&output);
    assert_eq!(pane_lines(&lines, 0, "sh"), ["bye", "exited with code 3"]);
    assert_eq!(pane_lines(&lines, 1, "true"), ["exited with code 0"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_missing_command_is_an_error_line_and_the_other_pane_runs_to_the_end() {
    let output = perdix(&[
        "--stream",
        "-a",
        "perdix-no-such-program --flag",
        "-a",
        "sh -c 'sleep 0.2; seq 1 300'",
    ]);
    let lines = stdout_lines(&output);
    assert_eq!(
        pane_lines(&lines, 0, "perdix-no-such-program"),
        [
            "error: command not found: perdix-no-such-program",
            "did not start"
        ]
    );
    let expected: Vec<String> = (1..=300)
        .map(|n| n.to_string())
        .chain(["exited with code 0".to_owned()])
        .collect();
    assert_eq!(pane_lines(&lines, 1, "sh"), expected);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("command not found: perdix-no-such-program"),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn busy_panes_never_interleave_within_a_line() {
    const LINES: usize = 2000;
    let output = perdix(&[
        "--stream",
        "-a",
        "seq -f left-%06g-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 2000",
        "-a",
        "seq -f right-%06g-yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy 2000",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{output:?}");
    let lines = stdout_lines(&output);
    // Each pane's content first: a count alone says nothing about what went wrong.
    for (index, name, side, filler, width) in [(0, "seq", "left", 'x', 49), (1, "seq#2", "right", 'y', 47)] {
        let got = pane_lines(&lines, index, name);
        let mut expected: Vec<String> = (1..=LINES)
            .map(|n| format!("{side}-{n:06}-{}", filler.to_string().repeat(width)))
            .collect();
        expected.push("exited with code 0".to_owned());
        if got != expected {
            panic!(
                "{side} pane: {}\nperdix's stderr:\n{stderr}",
                describe_difference(&got, &expected)
            );
        }
    }
    let untagged: Vec<&String> = lines
        .iter()
        .filter(|line| !line.starts_with(&tag(0, "seq")) && !line.starts_with(&tag(1, "seq#2")))
        .collect();
    assert!(
        untagged.is_empty(),
        "lines without a whole tag: {untagged:#?}\nstderr:\n{stderr}"
    );
    assert_eq!(lines.len(), 2 * LINES + 2, "stderr:\n{stderr}");
}

/// What separates `got` from `expected` (lines of one pane), for a failure message: the
/// expected lines that are missing, as ranges of line numbers, the lines that were not
/// expected, and the first place where the two differ.
fn describe_difference(got: &[String], expected: &[String]) -> String {
    let got_set: std::collections::HashSet<&String> = got.iter().collect();
    let expected_set: std::collections::HashSet<&String> = expected.iter().collect();
    let missing: Vec<usize> = expected
        .iter()
        .enumerate()
        .filter(|(_, line)| !got_set.contains(line))
        .map(|(index, _)| index + 1)
        .collect();
    let unexpected: Vec<(usize, &String)> = got
        .iter()
        .enumerate()
        .filter(|(_, line)| !expected_set.contains(line))
        .map(|(index, line)| (index + 1, line))
        .collect();
    let first_difference = got.iter().zip(expected).position(|(a, b)| a != b).map(|index| {
        format!(
            "line {}: got {:?}, expected {:?}",
            index + 1,
            got[index],
            expected[index]
        )
    });
    format!(
        "{} lines, {} expected; {} missing (line numbers {}); {} unexpected {:?}; first difference: {}",
        got.len(),
        expected.len(),
        missing.len(),
        number_ranges(&missing),
        unexpected.len(),
        unexpected.iter().take(20).collect::<Vec<_>>(),
        first_difference.unwrap_or_else(|| "none (one is a prefix of the other)".to_owned()),
    )
}

/// Sorted numbers as ranges: `[1, 2, 3, 7]` is `1-3, 7`.
fn number_ranges(numbers: &[usize]) -> String {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for &number in numbers {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == number => *end = number,
            _ => ranges.push((number, number)),
        }
    }
    let ranges: Vec<String> = ranges
        .iter()
        .map(|&(start, end)| {
            if start == end {
                start.to_string()
            } else {
                format!("{start}-{end}")
            }
        })
        .collect();
    if ranges.is_empty() {
        "none".to_owned()
    } else {
        ranges.join(", ")
    }
}

#[test]
fn simulated_agents_run_for_the_duration_and_their_lines_are_clean() {
    let start = Instant::now();
    let output = perdix(&["--stream", "--duration", "1"]);
    let elapsed = start.elapsed();
    assert!(output.status.success(), "{output:?}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let lines = stdout_lines(&output);
    for (index, name) in ["claude", "codex", "aider"].into_iter().enumerate() {
        let own = pane_lines(&lines, index, name);
        assert!(own.len() > 5, "{name}: {own:#?}");
        assert!(own.iter().any(|line| line.contains("finished after")), "{name}");
    }
    for line in &lines {
        let body = &line[line.find("\x1b[0m ").expect("a tag") + 5..];
        assert!(
            !body.contains('\r') && !body.contains('\x07') && !body.contains("\x1b]"),
            "{line:?}"
        );
        // Every escape left is an SGR sequence.
        for sequence in body.split('\x1b').skip(1) {
            let end = sequence
                .find(|c: char| c.is_ascii_alphabetic())
                .expect("a final byte");
            assert!(
                sequence.starts_with('[') && &sequence[end..=end] == "m",
                "{line:?}"
            );
            assert!(
                sequence[1..end]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b';' || b == b':'),
                "{line:?}"
            );
        }
    }
}

#[test]
fn a_negative_or_nan_duration_is_a_usage_error() {
    for value in ["-1", "NaN"] {
        let output = perdix(&["--stream", "--duration", value]);
        assert_eq!(output.status.code(), Some(2), "{value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--duration"), "{value}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn the_panes_take_columns_from_the_environment_up_to_the_cap() {
    let columns = |value: &str| {
        let output = perdix_with_columns(&["--stream", "-a", "tput cols"], value);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let line = text.lines().next().unwrap_or_default().to_owned();
        line.rsplit(' ').next().unwrap_or_default().to_owned()
    };
    assert_eq!(columns("100"), "100");
    assert_eq!(
        columns("60000"),
        perdix::tui::MAX_PANE_COLUMNS.to_string(),
        "a huge COLUMNS is capped"
    );
}

//! The recorded agents' states through the real app: a session (`perdix-tui -d`) with one
//! pane per mark of each recording, in which a stand-in named after the agent (so that
//! the pane's foreground program is that agent) plays the recording back in about a
//! second, stopping at each earlier question until the test answers it with `perdix-tui
//! send`, and ending at the mark: still writing (a working mark) or silent.
//! Then `perdix-tui list --json` must show every mark's state, from the session's own
//! foreground lookup, rules thread and state tracking, with nobody attached.

mod support;

use std::time::{Duration, Instant};
use support::agent_marks::{fixtures, marks as load_marks, Marks, AGENTS};
use support::tmux::PrivateDirs;

/// Plays `RAW` to each `STOP` in turn (in about a second in all), reading one byte of
/// input at every stop but the last; then writes nothing (`quiet`) or keeps writing a
/// sequence that changes nothing on the screen (`flowing`).
const STAND_IN: &str = r#"import os, sys, time
raw = open(sys.argv[1], "rb").read()
mode = sys.argv[2]
stops = [int(stop) for stop in sys.argv[3:]]
piece = max(1, stops[-1] // 100)
position = 0
for index, stop in enumerate(stops):
    while position < stop:
        end = min(stop, position + piece)
        os.write(1, raw[position:end])
        position = end
        time.sleep(0.01)
    if index + 1 < len(stops):
        os.read(0, 1)
while True:
    if mode == "flowing":
        os.write(1, b"\x1b7\x1b8")
    time.sleep(0.2)
"#;

fn list(dirs: &PrivateDirs, session: &str) -> Vec<serde_json::Value> {
    let output = dirs.perdix(&["list", "-s", session, "--json"]);
    assert!(output.status.success(), "list: {output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("list --json is JSON");
    json["panes"].as_array().expect("a panes array").clone()
}

/// Starts the session of `agent`'s marks; returns its name and, per pane, how many
/// questions come before its mark.
fn start(dirs: &PrivateDirs, agent: &str, marks: &Marks) -> (String, Vec<usize>) {
    let stand_in = dirs.root.join("stand-ins").join(agent);
    std::fs::create_dir_all(stand_in.parent().unwrap()).unwrap();
    std::fs::write(&stand_in, STAND_IN).unwrap();
    let raw = fixtures().join(format!("{agent}.raw"));
    let mut commands = Vec::new();
    let mut questions = Vec::new();
    for (index, mark) in marks.marks.iter().enumerate() {
        // The questions before this mark are answered; the mark is the last stop.
        let mut stops: Vec<String> = marks.marks[..index]
            .iter()
            .filter(|earlier| earlier.quiet)
            .map(|earlier| earlier.offset.to_string())
            .collect();
        questions.push(stops.len());
        stops.push(mark.offset.to_string());
        let mode = if mark.quiet { "quiet" } else { "flowing" };
        // Raw mode before the stand-in starts: the bytes go out as they were recorded,
        // and the answers are neither echoed nor held for a line.
        commands.push(format!(
            "sh -c 'stty raw -echo; exec python3 {} {} {mode} {}'",
            stand_in.display(),
            raw.display(),
            stops.join(" ")
        ));
    }
    let session = format!("states-{agent}");
    // One column per pane, each the recording's size inside its border.
    let size = format!(
        "{}x{}",
        (marks.cols + 2) * marks.marks.len() as u16,
        marks.rows + 2 + 1
    );
    let mut args = vec![
        "-d",
        "-s",
        &session,
        "--backend",
        "cpu",
        "--layout",
        "columns",
        "--pane-size",
        &size,
    ];
    args.extend(commands.iter().map(String::as_str));
    let output = dirs.perdix(&args);
    assert!(output.status.success(), "perdix-tui -d: {output:?}");
    (session, questions)
}

#[test]
fn the_session_tells_every_marked_state_of_the_recorded_agents() {
    let dirs = PrivateDirs::new();
    let mut sessions = Vec::new();
    for agent in AGENTS {
        let marks = load_marks(agent);
        let (session, questions) = start(&dirs, agent, &marks);
        sessions.push((agent, marks, session, questions));
    }
    // Each stand-in runs as its agent once the pane's foreground is it: then its
    // terminal is raw, and the answers to the questions before its mark can go.
    let deadline = Instant::now() + Duration::from_secs(60);
    for (agent, _, session, questions) in &sessions {
        loop {
            let panes = list(&dirs, session);
            if panes.iter().all(|pane| pane["agent"] == *agent) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{agent}: the panes never ran as {agent}: {panes:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        for (pane, &count) in questions.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let number = (pane + 1).to_string();
            let mut args = vec!["send", "-s", session.as_str(), &number, "--keys"];
            args.extend(std::iter::repeat_n("Enter", count));
            let output = dirs.perdix(&args);
            assert!(output.status.success(), "send: {output:?}");
        }
    }
    // Every stand-in is at its mark within a few seconds; the states settle a quiet
    // second later.
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (agent, marks, session, _) in &sessions {
        let mut panes = list(&dirs, session);
        let right = |panes: &[serde_json::Value]| {
            marks
                .marks
                .iter()
                .zip(panes)
                .filter(|(mark, pane)| pane["state"] == mark.state.as_str())
                .count()
        };
        while right(&panes) < marks.marks.len() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            panes = list(&dirs, session);
        }
        // Right to stay: a state passed through on the way to the mark does not count.
        std::thread::sleep(Duration::from_millis(1500));
        panes = list(&dirs, session);
        report.push(format!("{agent:<8} {} / {}", right(&panes), marks.marks.len()));
        for (mark, pane) in marks.marks.iter().zip(&panes) {
            if pane["state"] != mark.state.as_str() {
                failures.push(format!(
                    "{agent}: {} — expected {}, the session says {} ({})",
                    mark.what, mark.state, pane["state"], pane["reason"]
                ));
            }
        }
    }
    println!("agent    right / marks\n{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{}\n{}",
        report.join("\n"),
        failures.join("\n")
    );
}

//! The states Perdix tells, checked on real agents: each recording in
//! `tests/fixtures/agents/` comes with marks (`<agent>.marks.json`, written by
//! `scripts/record-agents` at the moments it saw each step and typed): idle at start,
//! working while the answer streams, blocked at each question, done after the turn. The
//! recording is replayed through the parse stage's records into a pane terminal, the
//! agent's rules and the state tracker as the app runs them, with time passing as it
//! would: output arrives in pieces, a quiet mark is observed after three quiet seconds,
//! and after each quiet mark the user answers (as the recording did). Every mark must be
//! right; the tally per agent is printed.

mod support;

use perdix::backend::AnyEngine;
use perdix::parse::BackendKind;
use perdix::pty::PaneSize;
use perdix::term::{PaneConfig, PaneEvent, PaneTerminal};
use perdix::tui::agent_rules::{RuleBook, Snapshot};
use perdix::tui::agent_state::{AgentState, Observation, StateTracker};
use std::time::{Duration, Instant};
use support::agent_marks::{marks, recording, AGENTS};
/// Bytes of output that arrive together.
const PIECE: usize = 256;
/// Time between pieces.
const PIECE_GAP: Duration = Duration::from_millis(10);
/// How long the agent has been quiet at a quiet mark.
const QUIET: Duration = Duration::from_secs(3);

/// One mark's outcome.
struct Checked {
    expected: String,
    got: AgentState,
    what: String,
    screen: Vec<String>,
}

/// A pane as the app keeps it, minus the PTY.
struct Replay {
    engine: AnyEngine,
    terminal: PaneTerminal,
    tracker: StateTracker,
    title: Option<String>,
    attention: Option<(Instant, Option<String>)>,
    progress: bool,
    clock: Instant,
    last_output: Option<Instant>,
}

impl Replay {
    fn new(cols: u16, rows: u16) -> Replay {
        Replay {
            engine: AnyEngine::new(BackendKind::Cpu).unwrap(),
            terminal: PaneTerminal::new(PaneSize::new(cols, rows), PaneConfig::default()),
            tracker: StateTracker::default(),
            title: None,
            attention: None,
            progress: false,
            clock: Instant::now(),
            last_output: None,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.clock += PIECE_GAP;
        let batch = self.engine.parse(&[(0, bytes)]).unwrap();
        for (_, records) in batch.streams() {
            self.terminal.apply_records_at(records, self.clock).unwrap();
        }
        self.terminal.poll_sync(self.clock);
        for event in self.terminal.take_events() {
            match event {
                PaneEvent::Title(title) => self.title = title,
                PaneEvent::Bell => self.attention = Some((self.clock, None)),
                PaneEvent::Notification { body, .. } => self.attention = Some((self.clock, Some(body))),
                PaneEvent::Progress { active } => self.progress = active,
                _ => {}
            }
        }
        self.last_output = Some(self.clock);
    }

    fn observe(&mut self, book: &RuleBook, agent: &str, now: Instant) -> AgentState {
        self.terminal.poll_sync(now);
        let term = self.terminal.term();
        let rows = self.terminal.screen_text();
        let cursor_row = usize::try_from(term.grid().cursor.point.line.0).unwrap_or(0);
        let snapshot = Snapshot {
            cursor_row,
            title: self.title.clone(),
            rows,
        };
        let verdict = book.classify(agent, &snapshot);
        let seen = Observation {
            last_output: self.last_output,
            attention: self.attention.as_ref().map(|(at, text)| (*at, text.as_deref())),
            progress: self.progress,
            verdict: verdict.as_ref(),
            cursor_line: snapshot.rows.get(cursor_row).map(String::as_str),
            // Nobody is attached: nobody looks.
            looked_at: false,
            ..Observation::quiet(now)
        };
        self.tracker.observe(&seen)
    }
}

fn check_agent(agent: &str) -> Vec<Checked> {
    let raw = recording(agent);
    let marks = marks(agent);
    let book = RuleBook::builtin();
    let mut replay = Replay::new(marks.cols, marks.rows);
    let mut position = 0;
    let mut checked = Vec::new();
    for mark in &marks.marks {
        assert!(
            mark.offset >= position && mark.offset <= raw.len(),
            "{agent}: marks out of order"
        );
        while position < mark.offset {
            let end = (position + PIECE).min(mark.offset);
            replay.feed(&raw[position..end]);
            position = end;
            // The app works the state out as output arrives.
            let now = replay.clock;
            replay.observe(&book, agent, now);
        }
        let now = replay.clock + if mark.quiet { QUIET } else { PIECE_GAP };
        let got = replay.observe(&book, agent, now);
        checked.push(Checked {
            expected: mark.state.clone(),
            got,
            what: mark.what.clone(),
            screen: replay.terminal.screen_text(),
        });
        if mark.quiet {
            // The recording typed here: the user answers, and looked at the pane to do so.
            replay.clock = now;
            replay.tracker.answered();
            replay.attention = None;
        }
    }
    checked
}

#[test]
fn every_marked_state_of_the_recorded_agents_is_right() {
    let mut failures = Vec::new();
    let mut report = vec!["agent    right / marks".to_owned()];
    for agent in AGENTS {
        let checked = check_agent(agent);
        let kinds: Vec<&str> = checked.iter().map(|check| check.expected.as_str()).collect();
        for kind in ["idle", "working", "blocked", "done"] {
            assert!(kinds.contains(&kind), "{agent} has no {kind} mark");
        }
        let right = checked
            .iter()
            .filter(|check| check.got.name() == check.expected)
            .count();
        report.push(format!("{agent:<8} {right} / {}", checked.len()));
        for check in checked.iter().filter(|check| check.got.name() != check.expected) {
            failures.push(format!(
                "{agent}: {} — expected {}, got {:?}; the screen:\n{}",
                check.what,
                check.expected,
                check.got,
                check.screen.join("\n")
            ));
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{}\n\n{}",
        report.join("\n"),
        failures.join("\n\n")
    );
}

#[test]
fn blocked_marks_carry_the_question_as_their_reason() {
    let expected = [
        ("claude", "Do you want to proceed?"),
        ("codex", "Would you like to run the following command?"),
        ("gemini", "Allow execution of"),
        ("aider", "Run shell command?"),
    ];
    for (agent, question) in expected {
        let checked = check_agent(agent);
        let blocked = checked
            .iter()
            .find(|check| check.expected == "blocked")
            .unwrap_or_else(|| panic!("{agent}: no blocked mark"));
        let reason = blocked.got.reason().unwrap_or_default();
        assert!(reason.starts_with(question), "{agent}: reason {reason:?}");
    }
}

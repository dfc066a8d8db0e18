//! What an agent is doing, from the strongest evidence there is: what the program says
//! of itself (`perdix-tui notify`), its agent's rules on its screen and title, a
//! notification or bell it sent, progress it reports, and, last, whether it prints and
//! whether its cursor sits after a question.
//!
//! `done` means "finished since you last looked": a pane that was working and stopped
//! while nobody looked at it (not focused in an attached client) is done until someone
//! does; then it is idle.
//!
//! ```
//! use perdix::tui::agent_rules::{Verdict, VerdictKind};
//! use perdix::tui::agent_state::{AgentState, Observation, StateTracker};
//! use std::time::{Duration, Instant};
//!
//! let start = Instant::now();
//! let mut tracker = StateTracker::default();
//! tracker.answered(); // the user sends a prompt
//! let working = Verdict { kind: VerdictKind::Working, reason: None };
//! let ready = Verdict { kind: VerdictKind::Ready, reason: None };
//! let mut seen = Observation::quiet(start);
//! seen.verdict = Some(&working);
//! assert_eq!(tracker.observe(&seen), AgentState::Working);
//! // The turn ends while nobody looks: done, until someone does.
//! let mut later = Observation::quiet(start + Duration::from_secs(5));
//! later.verdict = Some(&ready);
//! assert_eq!(tracker.observe(&later), AgentState::Done);
//! later.looked_at = true;
//! assert_eq!(tracker.observe(&later), AgentState::Idle);
//! ```

use super::agent_rules::{Verdict, VerdictKind};
use crate::session::control::ReportedState;
use std::time::{Duration, Instant};

/// How recent output must be for a program without a ready screen to count as working.
pub const RUNNING_WINDOW: Duration = Duration::from_secs(1);
/// How long a program must be quiet, with its cursor after a question, to count as
/// blocked (when no rule knows better).
pub const PROMPT_SILENCE: Duration = Duration::from_secs(1);
/// Output this long after a bell or notification means the program went on without an
/// answer.
const ATTENTION_OUTRUN: Duration = Duration::from_millis(500);
/// Work that nobody asked for (no input since the program started) counts as a turn
/// once it lasts this long: a program drawing its screen at start has not finished
/// anything, a build started from the command line has.
pub const UNASKED_TURN: Duration = Duration::from_secs(3);

/// One pane's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AgentState {
    /// Busy.
    Working,
    /// Needs the user: a question, a permission, a choice; with the question's line.
    Blocked(Option<String>),
    /// Finished since the user last looked.
    Done,
    /// Waiting, and seen.
    #[default]
    Idle,
    /// The program ended with this code.
    Exited(u32),
    /// The program could not be started.
    Failed,
}

impl AgentState {
    /// The state's name, as `perdix-tui list` and the border show it.
    pub fn name(&self) -> &'static str {
        match self {
            AgentState::Working => "working",
            AgentState::Blocked(_) => "blocked",
            AgentState::Done => "done",
            AgentState::Idle => "idle",
            AgentState::Exited(_) => "exited",
            AgentState::Failed => "unknown",
        }
    }

    /// The words the border shows.
    pub fn label(&self) -> String {
        match self {
            AgentState::Exited(code) => format!("exited {code}"),
            AgentState::Failed => "failed to start".into(),
            state => state.name().into(),
        }
    }

    /// Why, for a blocked state that knows.
    pub fn reason(&self) -> Option<&str> {
        match self {
            AgentState::Blocked(reason) => reason.as_deref(),
            _ => None,
        }
    }

    /// Whether the user is wanted: blocked, or done since they last looked.
    pub fn needs_user(&self) -> bool {
        matches!(self, AgentState::Blocked(_) | AgentState::Done)
    }
}

/// Where a state came from: an alert is only worth it on a strong signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// The program said so (`perdix-tui notify`).
    Reported,
    /// The agent's rules recognised its screen or title.
    Rules,
    /// The program rang the bell, sent a notification or reports progress.
    Signal,
    /// Output, silence and the look of the cursor's line; a shell at its prompt.
    Heuristic,
}

impl Evidence {
    /// Whether a change on this evidence is worth telling the user about.
    pub fn is_strong(self) -> bool {
        self != Evidence::Heuristic
    }
}

/// Everything known of a pane at one moment.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    /// Now.
    pub now: Instant,
    /// The program could not be started.
    pub failed: bool,
    /// The program ended with this code (and its output has been shown).
    pub exited: Option<u32>,
    /// What the program last said of itself, and why.
    pub reported: Option<(ReportedState, Option<&'a str>)>,
    /// When output last arrived.
    pub last_output: Option<Instant>,
    /// When the program last rang the bell or sent a notification (since the user last
    /// typed), and what the notification said.
    pub attention: Option<(Instant, Option<&'a str>)>,
    /// The program reports progress (OSC 9;4) that has not ended.
    pub progress: bool,
    /// What the agent's rules say of the screen now, if it has rules.
    pub verdict: Option<&'a Verdict>,
    /// The program in the foreground is a shell (at its prompt).
    pub shell: bool,
    /// The text of the cursor's line.
    pub cursor_line: Option<&'a str>,
    /// Somebody looks at the pane: it is focused in an attached client.
    pub looked_at: bool,
}

impl<'a> Observation<'a> {
    /// A running program that has said and shown nothing, at `now`.
    pub fn quiet(now: Instant) -> Observation<'a> {
        Observation {
            now,
            failed: false,
            exited: None,
            reported: None,
            last_output: None,
            attention: None,
            progress: false,
            verdict: None,
            shell: false,
            cursor_line: None,
            looked_at: false,
        }
    }

    fn quiet_for(&self) -> Option<Duration> {
        self.last_output
            .map(|output| self.now.saturating_duration_since(output))
    }
}

/// What is working out, not seen: a state without the done/idle distinction.
enum Raw {
    Working,
    Blocked(Option<String>),
    /// Not working and not asking: done or idle, depending on who looked.
    Finished,
}

/// One pane's state over time: remembers whether it worked since the user last looked.
#[derive(Debug, Clone, Default)]
pub struct StateTracker {
    /// It worked (a turn) since the user last looked.
    worked: bool,
    /// The user (or a script) has sent it input.
    asked: bool,
    /// Since when it has been working without a pause.
    working_since: Option<Instant>,
    evidence: Option<Evidence>,
}

impl StateTracker {
    /// The state `seen` shows, and what this tracker remembers updated by it.
    pub fn observe(&mut self, seen: &Observation<'_>) -> AgentState {
        if seen.failed {
            self.evidence = Some(Evidence::Heuristic);
            return AgentState::Failed;
        }
        if let Some(code) = seen.exited {
            self.evidence = Some(Evidence::Heuristic);
            return AgentState::Exited(code);
        }
        let (raw, evidence) = raw_state(seen);
        self.evidence = Some(evidence);
        if !matches!(raw, Raw::Working) {
            self.working_since = None;
        }
        let state = match raw {
            Raw::Working => {
                let since = *self.working_since.get_or_insert(seen.now);
                // A turn: work somebody asked for, work the program announced itself, or
                // work that went on long enough to be more than drawing a screen.
                self.worked |= self.asked
                    || evidence != Evidence::Heuristic && evidence != Evidence::Rules
                    || seen.now.saturating_duration_since(since) >= UNASKED_TURN;
                AgentState::Working
            }
            Raw::Blocked(reason) => AgentState::Blocked(reason),
            Raw::Finished => {
                if self.worked && !seen.looked_at {
                    AgentState::Done
                } else {
                    AgentState::Idle
                }
            }
        };
        if seen.looked_at {
            self.worked = false;
        }
        state
    }

    /// What the last state came from.
    pub fn evidence(&self) -> Option<Evidence> {
        self.evidence
    }

    /// The user answered or asked something (typed into the pane, or a script sent it
    /// input): whatever it did before has been seen, and what it does next was asked for.
    pub fn answered(&mut self) {
        self.worked = false;
        self.asked = true;
    }

    /// The program said its turn ended (`notify --state done`): done until looked at.
    pub fn turn_ended(&mut self) {
        self.worked = true;
    }
}

fn raw_state(seen: &Observation<'_>) -> (Raw, Evidence) {
    if let Some((state, reason)) = seen.reported {
        let raw = match state {
            ReportedState::Blocked => Raw::Blocked(reason.map(str::to_owned)),
            ReportedState::Working => Raw::Working,
            ReportedState::Done => Raw::Finished,
        };
        return (raw, Evidence::Reported);
    }
    if let Some(Verdict {
        kind: VerdictKind::Blocked,
        reason,
    }) = seen.verdict
    {
        return (Raw::Blocked(reason.clone()), Evidence::Rules);
    }
    if let Some((asked, text)) = seen.attention {
        // Output well after the request means the program went on without an answer.
        if seen
            .last_output
            .is_none_or(|output| output <= asked + ATTENTION_OUTRUN)
        {
            let reason = text.map(str::to_owned).filter(|text| !text.is_empty());
            return (Raw::Blocked(reason), Evidence::Signal);
        }
    }
    if seen.progress {
        return (Raw::Working, Evidence::Signal);
    }
    match seen.verdict.map(|verdict| verdict.kind) {
        Some(VerdictKind::Working) => return (Raw::Working, Evidence::Rules),
        // At its input prompt, output is typing or a redraw, not work.
        Some(VerdictKind::Ready) => return (Raw::Finished, Evidence::Rules),
        _ => {}
    }
    let quiet_for = seen.quiet_for();
    if seen.shell {
        return (Raw::Finished, Evidence::Heuristic);
    }
    if quiet_for.is_some_and(|quiet| quiet < RUNNING_WINDOW) {
        return (Raw::Working, Evidence::Heuristic);
    }
    if quiet_for.is_none_or(|quiet| quiet >= PROMPT_SILENCE) {
        if let Some(line) = seen
            .cursor_line
            .map(str::trim_end)
            .filter(|line| ends_with_prompt(line))
        {
            return (Raw::Blocked(Some(line.trim().to_owned())), Evidence::Heuristic);
        }
    }
    (Raw::Finished, Evidence::Heuristic)
}

/// When a state worked out at `now` may change with no new output (working turns done
/// or idle after a quiet second), if that is after `now`.
pub fn next_change(last_output: Option<Instant>, now: Instant) -> Option<Instant> {
    let output = last_output?;
    [RUNNING_WINDOW, PROMPT_SILENCE]
        .into_iter()
        .map(|quiet| output + quiet)
        .filter(|&at| at > now)
        .min()
}

/// Whether a line ends like a question or a prompt.
fn ends_with_prompt(line: &str) -> bool {
    ["?", ">", "$", "#", ":", "❯", "›", "[y/n]", "[Y/n]", "[y/N]"]
        .iter()
        .any(|end| line.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(kind: VerdictKind) -> Verdict {
        Verdict { kind, reason: None }
    }

    #[test]
    fn output_without_rules_is_work_and_a_turn_ends_done_until_looked_at() {
        let start = Instant::now();
        let mut tracker = StateTracker::default();
        tracker.answered();
        let mut seen = Observation::quiet(start);
        seen.last_output = Some(start);
        assert_eq!(tracker.observe(&seen), AgentState::Working);
        seen.now = start + Duration::from_secs(2);
        assert_eq!(tracker.observe(&seen), AgentState::Done);
        assert_eq!(tracker.observe(&seen), AgentState::Done, "until someone looks");
        seen.looked_at = true;
        assert_eq!(tracker.observe(&seen), AgentState::Idle);
        seen.looked_at = false;
        assert_eq!(tracker.observe(&seen), AgentState::Idle, "seen stays seen");
    }

    #[test]
    fn work_nobody_asked_for_is_a_turn_only_when_it_lasts() {
        let start = Instant::now();
        let working = verdict(VerdictKind::Working);
        let ready = verdict(VerdictKind::Ready);
        let at = |seconds: u64, verdict| {
            let mut seen = Observation::quiet(start + Duration::from_secs(seconds));
            seen.verdict = Some(verdict);
            seen
        };
        // Drawing its screen at start for a second is no finished turn.
        let mut tracker = StateTracker::default();
        assert_eq!(tracker.observe(&at(0, &working)), AgentState::Working);
        assert_eq!(tracker.observe(&at(1, &working)), AgentState::Working);
        assert_eq!(tracker.observe(&at(2, &ready)), AgentState::Idle);
        // Working for longer, unasked, is.
        assert_eq!(tracker.observe(&at(3, &working)), AgentState::Working);
        assert_eq!(tracker.observe(&at(7, &working)), AgentState::Working);
        assert_eq!(tracker.observe(&at(8, &ready)), AgentState::Done);
    }

    #[test]
    fn output_at_a_ready_prompt_is_no_work() {
        let start = Instant::now();
        let mut tracker = StateTracker::default();
        let ready = verdict(VerdictKind::Ready);
        let mut seen = Observation::quiet(start);
        seen.last_output = Some(start);
        seen.verdict = Some(&ready);
        assert_eq!(tracker.observe(&seen), AgentState::Idle);
    }

    #[test]
    fn the_strongest_evidence_wins() {
        let now = Instant::now();
        let working = verdict(VerdictKind::Working);
        let blocked = Verdict {
            kind: VerdictKind::Blocked,
            reason: Some("Allow?".into()),
        };
        let mut seen = Observation::quiet(now);
        seen.verdict = Some(&working);
        seen.reported = Some((ReportedState::Blocked, Some("Approve the plan")));
        let mut tracker = StateTracker::default();
        assert_eq!(
            tracker.observe(&seen),
            AgentState::Blocked(Some("Approve the plan".into()))
        );
        assert_eq!(tracker.evidence(), Some(Evidence::Reported));
        seen.reported = None;
        seen.verdict = Some(&blocked);
        assert_eq!(tracker.observe(&seen), AgentState::Blocked(Some("Allow?".into())));
        seen.verdict = Some(&working);
        seen.attention = Some((now, Some("Claude needs your permission")));
        assert_eq!(
            tracker.observe(&seen),
            AgentState::Blocked(Some("Claude needs your permission".into()))
        );
        seen.attention = None;
        seen.exited = Some(3);
        assert_eq!(tracker.observe(&seen), AgentState::Exited(3));
    }

    #[test]
    fn a_shell_at_its_prompt_is_idle_and_a_quiet_question_is_blocked() {
        let start = Instant::now();
        let mut seen = Observation::quiet(start + Duration::from_secs(5));
        seen.last_output = Some(start);
        seen.cursor_line = Some("me@host:~$ ");
        seen.shell = true;
        assert_eq!(StateTracker::default().observe(&seen), AgentState::Idle);
        seen.shell = false;
        seen.cursor_line = Some("Overwrite notes.txt? [y/N]");
        assert_eq!(
            StateTracker::default().observe(&seen),
            AgentState::Blocked(Some("Overwrite notes.txt? [y/N]".into()))
        );
    }

    #[test]
    fn progress_is_work_and_a_bell_outrun_by_output_is_forgotten() {
        let start = Instant::now();
        let mut seen = Observation::quiet(start + Duration::from_secs(5));
        seen.progress = true;
        assert_eq!(StateTracker::default().observe(&seen), AgentState::Working);
        seen.progress = false;
        seen.attention = Some((start, None));
        seen.last_output = Some(start + Duration::from_secs(2));
        assert_ne!(StateTracker::default().observe(&seen), AgentState::Blocked(None));
    }
}

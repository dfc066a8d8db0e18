//! What an agent is doing, as the pane's border shows it.

use super::panes::Pane;
use std::time::{Duration, Instant};

/// How recent output must be for the agent to count as running.
pub const RUNNING_WINDOW: Duration = Duration::from_secs(1);
/// How long after a prompt the agent counts as waiting for input.
pub const PROMPT_SILENCE: Duration = Duration::from_secs(1);

/// One pane's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentState {
    /// Output in the last second.
    Running,
    /// Quiet, not asking for anything.
    Idle,
    /// Rang the bell, sent a notification, or has been quiet after a prompt.
    Waiting,
    /// The program ended with this code.
    Exited(u32),
    /// The program could not be started.
    Failed,
}

impl AgentState {
    /// The word the border shows.
    pub fn label(&self) -> String {
        match self {
            AgentState::Running => "running".into(),
            AgentState::Idle => "idle".into(),
            AgentState::Waiting => "waiting for input".into(),
            AgentState::Exited(code) => format!("exited {code}"),
            AgentState::Failed => "failed to start".into(),
        }
    }
}

/// The state of `pane` at `now`; `attention` is when it last rang the bell or notified
/// (cleared by the user typing into it).
pub fn agent_state(pane: &Pane, attention: Option<Instant>, now: Instant) -> AgentState {
    if pane.start_error().is_some() {
        return AgentState::Failed;
    }
    if let Some(exit) = pane.exit() {
        if !pane.is_active() {
            return AgentState::Exited(exit.code);
        }
    }
    let last_output = pane.last_output();
    if let Some(asked) = attention {
        // Output well after the request means the agent went on without an answer.
        if last_output.is_none_or(|output| output <= asked + Duration::from_millis(500)) {
            return AgentState::Waiting;
        }
    }
    let quiet_for = last_output.map(|output| now.saturating_duration_since(output));
    if quiet_for.is_some_and(|quiet| quiet < RUNNING_WINDOW) {
        return AgentState::Running;
    }
    if quiet_for.is_none_or(|quiet| quiet >= PROMPT_SILENCE) && ends_with_prompt(pane) {
        return AgentState::Waiting;
    }
    AgentState::Idle
}

/// When `pane`'s state may next change with no new output (a label going from running to
/// idle or waiting as the pane stays quiet), if that is after `now`.
pub fn next_change(pane: &Pane, now: Instant) -> Option<Instant> {
    let output = pane.last_output()?;
    [RUNNING_WINDOW, PROMPT_SILENCE]
        .into_iter()
        .map(|quiet| output + quiet)
        .filter(|&at| at > now)
        .min()
}

/// Whether the cursor's line ends like a question or a prompt.
fn ends_with_prompt(pane: &Pane) -> bool {
    let term = pane.terminal().term();
    let text = crate::term::line_text(term, term.grid().cursor.point.line);
    let line = text.trim_end();
    ["?", ">", "$", "#", ":", "❯", "›", "[y/n]", "[Y/n]", "[y/N]"]
        .iter()
        .any(|end| line.ends_with(end))
}

//! Each pane's state, worked out once per pump from everything known of it: the program's
//! own reports, its agent's rules (evaluated on the rules' thread from snapshots of the
//! screen), bells, notifications and progress, output and silence, and who looks at it.

use super::{App, PaneInfo, FOREGROUND_REFRESH};
use crate::term::PaneEvent;
use crate::tui::agent_rules::classifier::SNAPSHOT_INTERVAL;
use crate::tui::agent_rules::{Classifier, RuleBook, Snapshot, REASON_CHARS};
use crate::tui::agent_state::{next_change, AgentState, Observation};
use crate::tui::foreground::Foreground;
use std::sync::Arc;
use std::time::Instant;

/// Who looks at the panes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Watchers {
    /// The app draws on its own terminal: its focused pane is looked at.
    #[default]
    Focus,
    /// The panes focused in the attached clients (none when no client is attached).
    Panes(Vec<usize>),
}

impl App {
    /// Pane `index`'s state, as the last pump worked it out.
    pub fn state(&self, index: usize) -> AgentState {
        self.info[index].state.clone()
    }

    /// Uses `book` for the agents' rules from now on.
    pub fn set_rules(&mut self, book: RuleBook) {
        self.rules = Arc::new(book);
        // The thread holds the old book: the next snapshot starts one with the new.
        self.classifier = None;
    }

    /// The agents' rules in use.
    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }

    /// Says who looks at the panes (the session's clients' focus).
    pub fn set_watchers(&mut self, watchers: Watchers) {
        self.watchers = watchers;
    }

    /// Whether somebody looks at pane `index`.
    pub fn is_looked_at(&self, index: usize) -> bool {
        match &self.watchers {
            Watchers::Focus => index == self.focus,
            Watchers::Panes(panes) => panes.contains(&index),
        }
    }

    /// Whether verdicts of the rules wait to be taken (a sleeping loop checks this after
    /// announcing its sleep on the panes' waker, which the rules' thread notifies).
    pub fn has_state_news(&self) -> bool {
        self.classifier.as_ref().is_some_and(Classifier::has_outcomes)
    }

    /// The earliest time a state may change with no new output: a quiet second turning
    /// working into done or idle, a snapshot held back by the interval.
    pub(super) fn state_deadline(&self, now: Instant) -> Option<Instant> {
        let quiet = self
            .panes
            .panes()
            .iter()
            .filter_map(|pane| next_change(pane.last_output(), now));
        let snapshots = self.info.iter().filter_map(|info| {
            let due = info.snapshot_at? + SNAPSHOT_INTERVAL;
            (info.screen_changed && info.agent().is_some() && due > now).then_some(due)
        });
        quiet.chain(snapshots).min()
    }

    /// Takes in what pane `index`'s program sent besides output.
    pub(super) fn take_pane_event(&mut self, index: usize, event: PaneEvent, now: Instant) {
        let info = &mut self.info[index];
        match event {
            PaneEvent::Title(title) => {
                info.title = title.map(|title| title.chars().take(super::TITLE_CHARS).collect());
                info.screen_changed = true;
            }
            PaneEvent::Bell => info.attention = Some(now),
            PaneEvent::Notification { title, body } => {
                info.attention = Some(now);
                let text = match (title, body) {
                    (Some(title), body) if body.is_empty() => title,
                    (Some(title), body) => format!("{title}: {body}"),
                    (None, body) => body,
                };
                info.notification = Some(text.chars().take(REASON_CHARS).collect());
            }
            PaneEvent::Progress { active } => info.progress = active,
            PaneEvent::ClipboardStore { .. } | PaneEvent::ClipboardLoad { .. } => {}
        }
    }

    /// Works out pane `index`'s state at `now` (after its records and events were taken
    /// in); returns whether what is drawn changed.
    pub(super) fn update_state(&mut self, index: usize, now: Instant) -> bool {
        self.look_up_foreground(index, now);
        self.submit_snapshot(index, now);
        let looked_at = self.is_looked_at(index);
        // Out while `seen` borrows the rest of the pane's facts.
        let mut tracker = std::mem::take(&mut self.info[index].tracker);
        let pane = &self.panes.panes()[index];
        let info = &self.info[index];
        let term = pane.terminal().term();
        let cursor_line = crate::term::line_text(term, term.grid().cursor.point.line);
        let seen = Observation {
            now,
            failed: pane.start_error().is_some(),
            exited: pane.exit().filter(|_| !pane.is_active()).map(|exit| exit.code),
            reported: info
                .reported
                .as_ref()
                .map(|reported| (reported.state, reported.reason.as_deref())),
            last_output: pane.last_output(),
            attention: info.attention.map(|at| (at, info.notification.as_deref())),
            progress: info.progress,
            verdict: info.verdict.as_ref().filter(|_| info.agent().is_some()),
            shell: info.agent() == Some("shell"),
            cursor_line: Some(&cursor_line),
            looked_at,
        };
        let state = tracker.observe(&seen);
        let info = &mut self.info[index];
        info.tracker = tracker;
        let mut changed = state != info.state;
        let name = state.name();
        if info.shown_state.as_ref().is_none_or(|(shown, _)| shown != name) {
            info.shown_state = Some((name.to_owned(), now));
        }
        let needs_you = state.needs_user() && index != self.focus;
        changed |= needs_you != info.needs_you;
        info.needs_you = needs_you;
        info.state = state;
        changed
    }

    /// Takes the rules' verdicts that arrived.
    pub(super) fn take_verdicts(&mut self) {
        let Some(classifier) = &self.classifier else {
            return;
        };
        for outcome in classifier.take() {
            if let Some(info) = self.info.iter_mut().find(|info| info.id == outcome.pane) {
                info.verdict = outcome.verdict;
            }
        }
    }

    /// The user answered pane `index` (typed into it, or a script sent it input): a call
    /// for attention, a question it reported and what it did before are seen.
    pub(super) fn answered(&mut self, index: usize) -> bool {
        let info = &mut self.info[index];
        let mut changed = info.attention.take().is_some();
        info.notification = None;
        info.tracker.answered();
        if info
            .reported
            .as_ref()
            .is_some_and(|reported| reported.state != crate::session::control::ReportedState::Working)
        {
            info.reported = None;
            changed = true;
        }
        changed
    }

    /// Looks up which program pane `index`'s user talks to, at most every
    /// [`FOREGROUND_REFRESH`].
    fn look_up_foreground(&mut self, index: usize, now: Instant) {
        let info = &self.info[index];
        if info
            .foreground_at
            .is_some_and(|at| now.saturating_duration_since(at) < FOREGROUND_REFRESH)
        {
            return;
        }
        let group = self.panes.panes()[index].foreground_process_group();
        let foreground = group.and_then(|group| Foreground::of_group(group, &self.rules));
        let info = &mut self.info[index];
        if foreground.as_ref().and_then(|fg| fg.agent.as_deref()) != info.agent() {
            // Another program's rules: the last verdict was not theirs.
            info.verdict = None;
            info.screen_changed = true;
        }
        info.foreground = foreground;
        info.foreground_at = Some(now);
    }

    /// Hands pane `index`'s screen to the rules' thread when it changed since the last
    /// snapshot and the interval has passed.
    fn submit_snapshot(&mut self, index: usize, now: Instant) {
        let pane = &self.panes.panes()[index];
        let info = &mut self.info[index];
        if pane.last_output() != info.snapshot_output {
            info.screen_changed = true;
        }
        let Some(agent) = info.agent().filter(|agent| self.rules.agent(agent).is_some()) else {
            // Nothing to evaluate: no snapshot is owed.
            info.screen_changed = false;
            return;
        };
        let agent = agent.to_owned();
        let due = info
            .snapshot_at
            .is_none_or(|at| now.saturating_duration_since(at) >= SNAPSHOT_INTERVAL);
        if !info.screen_changed || !due {
            return;
        }
        let term = pane.terminal().term();
        let snapshot = Snapshot {
            rows: crate::term::screen_text(term),
            cursor_row: usize::try_from(term.grid().cursor.point.line.0).unwrap_or(0),
            title: info.title.clone(),
        };
        info.snapshot_at = Some(now);
        info.snapshot_output = pane.last_output();
        info.screen_changed = false;
        let id = info.id;
        if self.classifier.is_none() {
            match Classifier::start(Arc::clone(&self.rules), self.panes.waker()) {
                Ok(classifier) => self.classifier = Some(classifier),
                Err(error) => {
                    self.notify(format!("the agents' rules cannot run: {error}"));
                    return;
                }
            }
        }
        if let Some(classifier) = &self.classifier {
            classifier.submit(id, &agent, snapshot);
        }
    }
}

impl PaneInfo {
    /// The agent the pane's foreground program is, if known.
    pub fn agent(&self) -> Option<&str> {
        self.foreground.as_ref().and_then(|fg| fg.agent.as_deref())
    }
}

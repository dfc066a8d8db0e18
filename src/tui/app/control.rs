//! What scripts and agents ask of the app through the session (`list`, `send`,
//! `capture`, `new-pane`, `close`, `notify`), answered from the app's state.

use super::{App, PaneInfo};
use crate::pty::{paste_bytes, SpawnConfig};
use crate::session::control::{ControlReply, ControlRequest, PaneRef, PaneStatus, ReportedState};
use crate::tui::agent_rules::REASON_CHARS;
use crate::tui::agent_state::AgentState;
use crate::tui::key_encoding::{encode_key_for, KeyboardMode};
use crate::tui::keymap::KeyChord;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::Line;
use alacritty_terminal::term::TermMode;
use std::time::Instant;

/// A state a pane's program reported, with its reason and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// The state.
    pub state: ReportedState,
    /// Why, in a line.
    pub reason: Option<String>,
    /// When it was reported.
    pub at: Instant,
}

impl App {
    /// The state `list` shows for pane `index`, and its reason.
    pub fn list_state(&self, index: usize) -> (String, Option<String>) {
        let info: &PaneInfo = &self.info[index];
        let reason = match (&info.state, &info.reported) {
            (AgentState::Exited(_) | AgentState::Failed, _) => None,
            (_, Some(reported)) => reported.reason.clone(),
            (state, None) => state.reason().map(str::to_owned),
        };
        (info.state.name().to_owned(), reason)
    }

    /// Pane `index` as `list` reports it.
    pub fn pane_status(&self, index: usize, now: Instant) -> PaneStatus {
        let pane = &self.panes.panes()[index];
        let info = &self.info[index];
        let (state, reason) = self.list_state(index);
        let since = info
            .shown_state
            .as_ref()
            .filter(|(shown, _)| *shown == state)
            .map(|(_, at)| now.saturating_duration_since(*at))
            .unwrap_or_default();
        let term = pane.terminal().term();
        PaneStatus {
            id: info.id,
            number: index as u32 + 1,
            name: info.name.clone(),
            command: pane.command().to_string(),
            cwd: pane.current_dir(),
            agent: info.foreground.as_ref().and_then(|fg| fg.agent.clone()),
            state,
            reason,
            since_ms: since.as_millis() as u64,
            exit_code: pane.exit().map(|exit| exit.code),
            cols: term.columns() as u16,
            rows: term.screen_lines() as u16,
        }
    }

    /// The index of the pane `pane` names.
    fn find_pane(&self, pane: &PaneRef) -> Result<usize, String> {
        let count = self.panes.panes().len();
        match pane {
            PaneRef::Number(number) => {
                let index = *number as usize - 1;
                if index < count {
                    Ok(index)
                } else {
                    Err(format!("no pane {number}: the session has {count}"))
                }
            }
            PaneRef::Name(name) => self
                .info
                .iter()
                .position(|info| info.name == *name)
                .ok_or_else(|| format!("no pane named `{name}`")),
        }
    }

    /// Carries out a script's request.
    pub fn control(&mut self, request: ControlRequest) -> ControlReply {
        let now = Instant::now();
        let answer = match request {
            ControlRequest::List => Ok(ControlReply::Panes(
                (0..self.panes.panes().len())
                    .map(|index| self.pane_status(index, now))
                    .collect(),
            )),
            ControlRequest::Send {
                pane,
                words,
                enter,
                keys,
            } => self.send(&pane, &words, enter, keys),
            ControlRequest::Capture { pane, lines, ansi } => self
                .find_pane(&pane)
                .map(|index| ControlReply::Text(self.capture(index, lines as usize, ansi))),
            ControlRequest::NewPane {
                name,
                cwd,
                env,
                command,
            } => {
                let name = name.unwrap_or_else(|| crate::logview::command_name(&command));
                let mut config = SpawnConfig::new(command);
                if let Some(cwd) = cwd {
                    config = config.with_cwd(cwd);
                }
                for (key, value) in env {
                    config = config.with_env(key, value);
                }
                match self.add_pane(config, name) {
                    Ok(index) => {
                        self.zoomed = false;
                        let fitted = self.fit_panes();
                        self.tell(fitted);
                        Ok(ControlReply::Done(Some(self.pane_status(index, now))))
                    }
                    Err(error) => Err(error.to_string()),
                }
            }
            ControlRequest::Close { pane } => self.find_pane(&pane).and_then(|index| {
                self.close(index).map_err(|error| error.to_string())?;
                Ok(ControlReply::Done(None))
            }),
            ControlRequest::Notify {
                pane_id,
                state,
                reason,
            } => match self.info.iter_mut().find(|info| info.id == pane_id) {
                Some(info) => {
                    if state == ReportedState::Done {
                        info.tracker.turn_ended();
                    }
                    info.reported = Some(Reported {
                        state,
                        reason: reason.map(|reason| one_line(&reason)),
                        at: now,
                    });
                    Ok(ControlReply::Done(None))
                }
                None => Err(format!(
                    "no pane with id {pane_id} in this session (it was closed?)"
                )),
            },
        };
        self.redraw = true;
        // What a request changed (a report, input, a new pane) shows in the states the
        // next request reads.
        for index in 0..self.panes.panes().len() {
            self.update_state(index, now);
        }
        answer.unwrap_or_else(ControlReply::Failed)
    }

    fn send(
        &mut self,
        pane: &PaneRef,
        words: &[String],
        enter: bool,
        keys: bool,
    ) -> Result<ControlReply, String> {
        let index = self.find_pane(pane)?;
        let terminal = self.panes.panes()[index].terminal();
        let mut bytes = Vec::new();
        if keys {
            for word in words {
                let chord: KeyChord = word.parse().map_err(|error| format!("{error}"))?;
                let encoded = encode_key_for(&chord.key_event(), KeyboardMode::of_pane(terminal))
                    .ok_or_else(|| format!("key `{word}` has no encoding for this pane"))?;
                bytes.extend(encoded);
            }
        } else {
            let bracketed = terminal.term().mode().contains(TermMode::BRACKETED_PASTE);
            bytes.extend(paste_bytes(&words.join(" "), bracketed));
        }
        if enter {
            bytes.push(b'\r');
        }
        self.panes
            .write_input(index, &bytes)
            .map_err(|error| error.to_string())?;
        // Input from a script answers the pane as typing does.
        self.answered(index);
        Ok(ControlReply::Done(None))
    }

    /// Pane `index`'s screen as text (with SGR sequences when `ansi`), after up to
    /// `lines` lines of its scrollback; trailing blank lines dropped.
    fn capture(&self, index: usize, lines: usize, ansi: bool) -> String {
        let term = self.panes.panes()[index].terminal().term();
        let history = term.grid().history_size().min(lines) as i32;
        let rows = term.screen_lines() as i32;
        let line_of = if ansi {
            crate::term::line_ansi
        } else {
            crate::term::line_text
        };
        let mut text: Vec<String> = (-history..rows).map(|line| line_of(term, Line(line))).collect();
        while text.last().is_some_and(String::is_empty) {
            text.pop();
        }
        let mut joined = text.join("\n");
        joined.push('\n');
        joined
    }
}

/// The first line of `text`, at most [`REASON_CHARS`] characters.
fn one_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(REASON_CHARS)
        .collect()
}

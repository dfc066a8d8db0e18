//! Requests that scripts and agents make of a running session (`perdix-tui list`, `send`,
//! `capture`, `new-pane`, `close`, `notify`) and their answers, carried by the session
//! protocol. `list --json` prints [`PaneStatus`] as documented in the README.
//!
//! ```
//! use perdix::session::control::PaneRef;
//!
//! assert_eq!("2".parse::<PaneRef>().unwrap(), PaneRef::Number(2));
//! assert_eq!("claude".parse::<PaneRef>().unwrap(), PaneRef::Name("claude".into()));
//! assert!("0".parse::<PaneRef>().is_err());
//! ```

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::str::FromStr;

/// A pane as the user names it: its number (from 1, as its border shows) or its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaneRef {
    /// The pane's number, from 1.
    Number(u32),
    /// The pane's name (the first pane of that name).
    Name(String),
}

impl FromStr for PaneRef {
    type Err = String;

    fn from_str(text: &str) -> Result<PaneRef, String> {
        if text.is_empty() {
            return Err("a pane is its number or its name; this is empty".into());
        }
        if text.bytes().all(|byte| byte.is_ascii_digit()) {
            return match text.parse::<u32>() {
                Ok(number) if number > 0 => Ok(PaneRef::Number(number)),
                _ => Err(format!("pane {text}: panes are numbered from 1")),
            };
        }
        Ok(PaneRef::Name(text.to_string()))
    }
}

impl std::fmt::Display for PaneRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaneRef::Number(number) => write!(f, "{number}"),
            PaneRef::Name(name) => f.write_str(name),
        }
    }
}

/// A state an agent reports itself (`perdix-tui notify --state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportedState {
    /// Needs the user: a question, a permission, a choice.
    Blocked,
    /// At work.
    Working,
    /// Finished its turn.
    Done,
}

impl ReportedState {
    /// The name `list` and `--state` use.
    pub fn name(self) -> &'static str {
        match self {
            ReportedState::Blocked => "blocked",
            ReportedState::Working => "working",
            ReportedState::Done => "done",
        }
    }
}

impl FromStr for ReportedState {
    type Err = String;

    fn from_str(text: &str) -> Result<ReportedState, String> {
        match text {
            "blocked" => Ok(ReportedState::Blocked),
            "working" => Ok(ReportedState::Working),
            "done" => Ok(ReportedState::Done),
            other => Err(format!("unknown state `{other}`: blocked, working or done")),
        }
    }
}

/// What a script asks of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlRequest {
    /// Every pane's status.
    List,
    /// Text typed into a pane (a bracketed paste where its program asked for one), or with
    /// `keys`, key names (`C-c`, `Enter`, `Esc`) in the pane's key encoding; `enter`
    /// presses Enter after it.
    Send {
        /// The pane.
        pane: PaneRef,
        /// The words, joined by spaces (text) or one key name each (keys).
        words: Vec<String>,
        /// Press Enter after the text.
        enter: bool,
        /// The words are key names.
        keys: bool,
    },
    /// A pane's screen as text, after `lines` lines of its scrollback.
    Capture {
        /// The pane.
        pane: PaneRef,
        /// Lines of scrollback before the screen.
        lines: u32,
        /// With the colours and styles, as SGR sequences.
        ansi: bool,
    },
    /// A new pane.
    NewPane {
        /// Its name (default: the command's).
        name: Option<String>,
        /// Where it runs (default: the server's directory).
        cwd: Option<PathBuf>,
        /// Extra environment variables.
        env: Vec<(String, String)>,
        /// The command, split like a shell would.
        command: String,
    },
    /// Closes a pane, ending its program.
    Close {
        /// The pane.
        pane: PaneRef,
    },
    /// A pane's program reports its state (from `PERDIX_PANE`, which every pane has).
    Notify {
        /// The pane's id.
        pane_id: u64,
        /// The state.
        state: ReportedState,
        /// Why, in a line (the question asked, say).
        reason: Option<String>,
    },
}

/// The session's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlReply {
    /// Every pane's status, in order.
    Panes(Vec<PaneStatus>),
    /// A pane's text.
    Text(String),
    /// Done; for a new pane, its status.
    Done(Option<PaneStatus>),
    /// Not done, and why (an unknown pane, say).
    Failed(String),
}

/// One pane as `perdix-tui list` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneStatus {
    /// Stable for the session's life; `PERDIX_PANE` in the pane's environment.
    pub id: u64,
    /// Its number now, from 1.
    pub number: u32,
    /// Its name.
    pub name: String,
    /// Its command line.
    pub command: String,
    /// Where its program runs now, if known.
    pub cwd: Option<PathBuf>,
    /// The agent it runs, when known.
    pub agent: Option<String>,
    /// `working`, `blocked`, `done`, `idle`, `exited` or `unknown`.
    pub state: String,
    /// Why, for a state that has a reason.
    pub reason: Option<String>,
    /// Milliseconds in this state.
    pub since_ms: u64,
    /// The exit code, once exited.
    pub exit_code: Option<u32>,
    /// The pane's columns.
    pub cols: u16,
    /// The pane's rows.
    pub rows: u16,
}

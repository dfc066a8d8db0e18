//! The control commands: `list`, `send`, `capture`, `new-pane`, `close`, `wait` and
//! `notify`, for scripts and agents driving a running session.
//!
//! Exit codes: 0 done (for `wait`, the state or text was reached); 1 the session or the
//! pane is not there, the session refused, or `wait` timed out; 2 the arguments are wrong.

use crate::client;
use crate::sessions::running_session;
use anyhow::{bail, Result};
use clap::Args;
use perdix::session::control::{ControlReply, ControlRequest, PaneRef, PaneStatus, ReportedState};
use perdix::session::protocol::{ClientMessage, ServerMessage};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How often `wait` looks again.
const WAIT_POLL: Duration = Duration::from_millis(100);

/// `perdix-tui send`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// The pane: its number or its name.
    pane: PaneRef,
    /// The text (words joined by spaces), or with --keys key names like C-c Enter Esc.
    #[arg(required = true)]
    words: Vec<String>,
    /// Press Enter after the text.
    #[arg(long)]
    enter: bool,
    /// The words are key names, each sent as the pane's program asked keys to come.
    #[arg(long)]
    keys: bool,
}

/// `perdix-tui capture`.
#[derive(Debug, Clone, Args)]
pub struct CaptureArgs {
    /// The pane: its number or its name.
    pane: PaneRef,
    /// Lines of scrollback before the screen.
    #[arg(long, value_name = "N", default_value_t = 0)]
    lines: u32,
    /// Keep the colours and styles (SGR sequences; each line ends plain).
    #[arg(long)]
    ansi: bool,
}

/// `perdix-tui new-pane`.
#[derive(Debug, Clone, Args)]
pub struct NewPaneArgs {
    /// The pane's name (default: the command's).
    #[arg(long)]
    name: Option<String>,
    /// Where the command runs.
    #[arg(long, value_name = "DIR")]
    cwd: Option<PathBuf>,
    /// An environment variable for it, KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// The command, split like a shell would (quote it as one argument).
    command: String,
}

/// `perdix-tui wait`.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("until").required(true).args(["state", "text"])))]
pub struct WaitArgs {
    /// The pane: its number or its name.
    pane: PaneRef,
    /// Until the pane is in this state (working, blocked, done, idle, exited).
    #[arg(long)]
    state: Option<String>,
    /// Until the pane's screen matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    text: Option<String>,
    /// Give up after this many seconds (exit 1).
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    timeout: f64,
}

/// `perdix-tui notify`.
#[derive(Debug, Clone, Args)]
pub struct NotifyArgs {
    /// What the agent is doing: blocked (needs you), working or done.
    #[arg(long)]
    state: ReportedState,
    /// Why, in a line: the question asked, say.
    #[arg(long)]
    reason: Option<String>,
    /// What a hook passes after the command (Codex's `notify` adds the event as JSON):
    /// accepted and not used.
    #[arg(hide = true)]
    event: Option<String>,
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("`{text}`: expected KEY=VALUE")),
    }
}

/// Sends `request` to the session at `socket` and reads its answer.
fn ask(socket: &Path, request: ControlRequest) -> Result<ControlReply> {
    match client::request(socket, &ClientMessage::Control(request))? {
        ServerMessage::Control(reply) => Ok(reply),
        other => bail!("an unexpected answer from the session: {other:?}"),
    }
}

/// Prints what `reply` says; the exit code.
fn report(reply: ControlReply) -> ExitCode {
    match reply {
        ControlReply::Failed(why) => {
            eprintln!("perdix-tui: {why}");
            ExitCode::FAILURE
        }
        ControlReply::Text(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        ControlReply::Done(Some(pane)) => {
            println!("{}", pane.number);
            ExitCode::SUCCESS
        }
        ControlReply::Done(None) | ControlReply::Panes(_) => ExitCode::SUCCESS,
    }
}

/// `perdix-tui list [--json]`.
pub fn list(session: &str, json: bool) -> Result<ExitCode> {
    let socket = match running_session(session)? {
        Ok(paths) => paths.socket,
        Err(code) => return Ok(code),
    };
    let panes = match ask(&socket, ControlRequest::List)? {
        ControlReply::Panes(panes) => panes,
        other => return Ok(report(other)),
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "panes": panes.iter().map(status_json).collect::<Vec<_>>() })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>3} {:<20} {:<10} {:>8} {:<30} COMMAND",
        "#", "NAME", "STATE", "FOR", "REASON"
    );
    for pane in &panes {
        println!(
            "{:>3} {:<20} {:<10} {:>7}s {:<30} {}",
            pane.number,
            pane.name,
            pane.state,
            pane.since_ms / 1000,
            pane.reason.as_deref().unwrap_or("-"),
            pane.command
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The documented JSON form of one pane.
fn status_json(pane: &PaneStatus) -> serde_json::Value {
    serde_json::json!({
        "id": pane.id,
        "number": pane.number,
        "name": pane.name,
        "command": pane.command,
        "cwd": pane.cwd.as_ref().map(|cwd| cwd.display().to_string()),
        "agent": pane.agent,
        "state": pane.state,
        "reason": pane.reason,
        "since_ms": pane.since_ms,
        "exit_code": pane.exit_code,
        "cols": pane.cols,
        "rows": pane.rows,
    })
}

/// `perdix-tui send`, `capture`, `new-pane` and `close`: one request, one answer.
pub fn request(session: &str, request: ControlRequest) -> Result<ExitCode> {
    let socket = match running_session(session)? {
        Ok(paths) => paths.socket,
        Err(code) => return Ok(code),
    };
    Ok(report(ask(&socket, request)?))
}

impl SendArgs {
    pub fn request(self) -> ControlRequest {
        ControlRequest::Send {
            pane: self.pane,
            words: self.words,
            enter: self.enter,
            keys: self.keys,
        }
    }
}

impl CaptureArgs {
    pub fn request(self) -> ControlRequest {
        ControlRequest::Capture {
            pane: self.pane,
            lines: self.lines,
            ansi: self.ansi,
        }
    }
}

impl NewPaneArgs {
    pub fn request(self) -> ControlRequest {
        let cwd = self.cwd.map(|cwd| std::path::absolute(&cwd).unwrap_or(cwd));
        ControlRequest::NewPane {
            name: self.name,
            cwd,
            env: self.env,
            command: self.command,
        }
    }
}

/// `perdix-tui wait`.
pub fn wait(session: &str, args: WaitArgs) -> Result<ExitCode> {
    let socket = match running_session(session)? {
        Ok(paths) => paths.socket,
        Err(code) => return Ok(code),
    };
    let Ok(timeout) = Duration::try_from_secs_f64(args.timeout) else {
        eprintln!(
            "perdix-tui: --timeout {}: a number of seconds, 0 or more",
            args.timeout
        );
        return Ok(ExitCode::from(2));
    };
    let pattern = match args.text.as_deref().map(regex::Regex::new).transpose() {
        Ok(pattern) => pattern,
        Err(error) => {
            eprintln!("perdix-tui: --text: {error}");
            return Ok(ExitCode::from(2));
        }
    };
    let deadline = Instant::now() + timeout;
    loop {
        let reached = match &pattern {
            Some(pattern) => {
                let request = ControlRequest::Capture {
                    pane: args.pane.clone(),
                    lines: 0,
                    ansi: false,
                };
                match ask(&socket, request)? {
                    ControlReply::Text(text) => pattern.is_match(&text),
                    other => return Ok(report(other)),
                }
            }
            None => {
                let panes = match ask(&socket, ControlRequest::List)? {
                    ControlReply::Panes(panes) => panes,
                    other => return Ok(report(other)),
                };
                let Some(pane) = panes.iter().find(|pane| match &args.pane {
                    PaneRef::Number(number) => pane.number == *number,
                    PaneRef::Name(name) => pane.name == *name,
                }) else {
                    eprintln!("perdix-tui: no pane {} in session {session}", args.pane);
                    return Ok(ExitCode::FAILURE);
                };
                Some(&pane.state) == args.state.as_ref()
            }
        };
        if reached {
            return Ok(ExitCode::SUCCESS);
        }
        if Instant::now() >= deadline {
            eprintln!(
                "perdix-tui: pane {} did not get there within {} s",
                args.pane, args.timeout
            );
            return Ok(ExitCode::FAILURE);
        }
        std::thread::sleep(WAIT_POLL);
    }
}

/// `perdix-tui notify`: from inside a pane, through `PERDIX_SOCKET` and `PERDIX_PANE`.
pub fn notify(args: NotifyArgs) -> Result<ExitCode> {
    let (Some(socket), Some(pane)) = (
        std::env::var_os("PERDIX_SOCKET"),
        std::env::var("PERDIX_PANE").ok(),
    ) else {
        eprintln!("perdix-tui notify: not inside a perdix pane (PERDIX_SOCKET and PERDIX_PANE are not set)");
        return Ok(ExitCode::from(2));
    };
    let Ok(pane_id) = pane.parse::<u64>() else {
        eprintln!("perdix-tui notify: PERDIX_PANE={pane} is not a pane id");
        return Ok(ExitCode::from(2));
    };
    let request = ControlRequest::Notify {
        pane_id,
        state: args.state,
        reason: args.reason,
    };
    Ok(report(ask(Path::new(&socket), request)?))
}

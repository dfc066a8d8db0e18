//! Sessions from the command line: starting a session's server in the background,
//! attaching to it, listing the sessions and ending them.

use crate::client::{self, AttachEnd};
use anyhow::{bail, Context, Result};
use perdix::session::lock::{server_running, ServerLock};
use perdix::session::paths::{log_file, runtime_dir, session_names_in, SessionPaths};
use perdix::session::protocol::{ClientMessage, Goodbye, ServerMessage, SessionDescription};
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// How long a new server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long `kill` waits for a server to let go of its name.
const END_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts the server of session `paths.name` in the background (its own session, no
/// terminal, its stderr in the session's log) with `server_args`, and waits until it
/// listens.
pub fn start_server(paths: &SessionPaths, server_args: &[String]) -> Result<()> {
    let log_path = log_file(&paths.name).context("finding the log directory")?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening the session log {}", log_path.display()))?;
    let log_start = log.metadata().map(|meta| meta.len()).unwrap_or(0);
    let exe = std::env::current_exe().context("finding this program to start the session server")?;
    let mut command = Command::new(exe);
    command
        .args(server_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| nix::unistd::setsid().map(drop).map_err(std::io::Error::from));
    }
    let mut server = command.spawn().context("starting the session server")?;
    let started = Instant::now();
    loop {
        if server_running(paths) {
            return Ok(());
        }
        if let Some(status) = server.try_wait().context("watching the session server start")? {
            bail!(
                "the session server stopped at once ({status}):\n{}",
                log_since(&log_path, log_start)
            );
        }
        if started.elapsed() > START_TIMEOUT {
            bail!(
                "the session server did not start listening within {} s; its log is {}",
                START_TIMEOUT.as_secs(),
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What the log got since `start`, for an error message.
fn log_since(path: &std::path::Path, start: u64) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return format!("(its log {} cannot be read)", path.display());
    };
    if file.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths of session `name` when its server runs; else says so on stderr and gives the
/// exit code (1).
pub fn running_session(name: &str) -> Result<Result<SessionPaths, ExitCode>> {
    let paths = SessionPaths::new(name)?;
    if server_running(&paths) {
        return Ok(Ok(paths));
    }
    eprintln!("perdix-tui: no session {name} is running; start one with `perdix-tui -s {name}`");
    Ok(Err(ExitCode::FAILURE))
}

/// Attaches to session `paths.name` and says how the attachment ended.
pub fn attach(paths: &SessionPaths) -> Result<ExitCode> {
    match client::attach(&paths.socket)? {
        AttachEnd::Detached => println!("[detached from session {}]", paths.name),
        AttachEnd::SessionEnded(reason) => println!("[session {} ended: {reason}]", paths.name),
    }
    Ok(ExitCode::SUCCESS)
}

/// The description of session `paths.name`, if its server answers.
fn describe(paths: &SessionPaths) -> Result<SessionDescription> {
    match client::request(&paths.socket, &ClientMessage::Describe)? {
        ServerMessage::Description(description) => Ok(description),
        other => bail!("an unexpected answer: {other:?}"),
    }
}

/// `perdix-tui ls`: one line per running session.
pub fn list() -> Result<ExitCode> {
    let dir = runtime_dir()?;
    let mut found = 0;
    for name in session_names_in(&dir) {
        let paths = SessionPaths::in_dir(&dir, &name)?;
        if !server_running(&paths) {
            // A socket left by a server that was killed: the next start replaces it.
            continue;
        }
        match describe(&paths) {
            Ok(session) => {
                if found == 0 {
                    println!(
                        "{:<20} {:>5} {:>8} {:>11} {:>8}",
                        "SESSION", "PANES", "CLIENTS", "NEEDING-YOU", "PID"
                    );
                }
                found += 1;
                println!(
                    "{:<20} {:>5} {:>8} {:>11} {:>8}",
                    session.name, session.panes, session.clients, session.needing_you, session.server_pid
                );
            }
            Err(error) => eprintln!("perdix-tui: session {name}: {error:#}"),
        }
    }
    if found == 0 {
        eprintln!("perdix-tui: no sessions running");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `perdix-tui kill`: ends session `name`, or every session.
pub fn kill(name: &str, all: bool) -> Result<ExitCode> {
    let dir = runtime_dir()?;
    let names = if all {
        session_names_in(&dir)
    } else {
        vec![name.to_string()]
    };
    let mut ended = 0;
    for name in names {
        let paths = SessionPaths::in_dir(&dir, &name)?;
        if !server_running(&paths) {
            if !all {
                eprintln!("perdix-tui: no session {name} is running");
                return Ok(ExitCode::FAILURE);
            }
            continue;
        }
        match client::request(&paths.socket, &ClientMessage::Kill)? {
            ServerMessage::Goodbye(Goodbye::SessionEnded(_)) => ended += 1,
            other => bail!("session {name}: an unexpected answer: {other:?}"),
        }
        // The server holds its lock until it has ended its programs and exited.
        let deadline = Instant::now() + END_TIMEOUT;
        while ServerLock::acquire(&paths).is_err() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        eprintln!("perdix-tui: ended session {name}");
    }
    if all && ended == 0 {
        eprintln!("perdix-tui: no sessions running");
    }
    Ok(ExitCode::SUCCESS)
}

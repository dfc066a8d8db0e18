//! `perdix-tui`: many agents side by side, each in its own pane.

mod app_plan;
mod bench;
mod client;
mod control_cli;
mod demo_agent;
mod server;
mod sessions;
mod terminal_setup;

use anyhow::{Context, Result};
use app_plan::{AppPlan, SessionOptions, UsageError};
use clap::{Parser, Subcommand};
use perdix::bench::demo::Pace;
use perdix::parse::BackendKind;
use perdix::pty::{PaneSize, SpawnConfig};
use perdix::session::lock::{bind_socket, server_running, LockError, ServerLock};
use perdix::session::paths::{check_session_name, saved_session_file, SessionPaths, DEFAULT_SESSION};
use perdix::term::{PaneConfig, DEFAULT_SCROLLBACK};
use perdix::tui::config::parse_scrollback;
use perdix::tui::layout_kind::LayoutKind;
use perdix::tui::saved_session::SavedSession;
use perdix::tui::{parse_pane_size, write_screen_dump, PaneSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const EXAMPLES: &str = "\
Sessions: the panes run in a background server per session name (default `default`) and
outlive the terminal. `perdix-tui` attaches to the session, starting it first when none
runs; prefix d detaches, prefix q ends the session and its programs.

Examples:
  perdix-tui --demo 4                         four simulated agents, no API key needed
  perdix-tui claude 'codex --full-auto' bash  one pane per command
  perdix-tui -s work -d claude bash           start session `work` in the background
  perdix-tui attach -s work                   attach to it (from any terminal)
  perdix-tui ls                               the running sessions
  perdix-tui kill -s work                     end it and every program in it
  perdix-tui --layout columns --theme light 'cargo watch -x test' bash
  perdix-tui --headless --screen-dump --pane-size 80x24 'ls --color=always' 'git log -3'
  perdix-tui --headless --bench --panes 8 --mib 16 --json

Keys: Ctrl-b is the prefix (twice sends Ctrl-b); then arrows or h j k l focus, o next,
1-9 pane N, z zoom, Space next layout, c new pane, x close, r restart, s broadcast,
[ scroll and search, w overview, Tab next pane needing you, ? help, d detach, q end the
session.";

/// Exit code for invalid arguments (clap uses the same).
const EXIT_USAGE: u8 = 2;

/// Run several agents (claude, codex, aider, shells…) side by side, each in its own pane.
#[derive(Debug, Parser)]
#[command(name = "perdix-tui", version, about, long_about = None, after_help = EXAMPLES,
          args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    action: Option<SessionAction>,

    /// The session's name: letters, digits, `.`, `_` and `-`.
    #[arg(short = 's', long, value_name = "NAME", default_value = DEFAULT_SESSION, global = true)]
    session: String,

    /// Start the session in the background without attaching (for scripts); with
    /// --pane-size, the size its panes have until a client attaches.
    #[arg(short = 'd', long, conflicts_with = "headless")]
    detached: bool,

    /// Run as the session's server (started by perdix-tui itself).
    #[arg(long, hide = true, conflicts_with_all = ["headless", "detached"])]
    serve: bool,

    /// With --serve: a client attaches as soon as the server listens.
    #[arg(long, hide = true, requires = "serve")]
    await_client: bool,

    /// With --serve: start the panes of the session's saved file.
    #[arg(long, hide = true, requires = "serve")]
    restore: bool,

    /// N built-in simulated agents streaming realistic assistant output (no API key needed).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    demo: Option<u16>,

    /// Parse backend: cpu (vte), cpu-scan (the GPU algorithm on the CPU), wgpu, cuda, or auto
    /// (a GPU backend only where it passed a self-check on this device: the same records as
    /// cpu, and faster; else cpu).
    #[arg(long, value_name = "KIND", default_value = "auto")]
    backend: BackendKind,

    /// Pane layout: tiled, columns, rows or main (default: the config file's, else tiled).
    #[arg(long, value_name = "LAYOUT")]
    layout: Option<LayoutKind>,

    /// Colour theme: a built-in one (default, light, high-contrast, solarized-dark,
    /// gruvbox-dark, or terminal: the colours the terminal reports) or one in
    /// ~/.config/perdix/themes/.
    #[arg(long, value_name = "NAME")]
    theme: Option<String>,

    /// The configuration file (default: ~/.config/perdix/config.toml, when it exists).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Lines of scrollback per pane (default: the config file's, else 10000), at most
    /// 1000000. A line costs about 2 KB in an 80-column pane and 4.8 KB in a 200-column
    /// one, so the cap is about 1.8 GiB per 80-column pane.
    #[arg(long, value_name = "LINES", value_parser = parse_scrollback)]
    scrollback: Option<usize>,

    /// Run without a terminal: --screen-dump prints the panes' final screens, --bench
    /// measures the whole app.
    #[arg(long)]
    headless: bool,

    /// With --headless: print each pane's screen as text (`=== pane N ===`, then one line
    /// per row, trailing spaces trimmed).
    #[arg(long, requires = "headless")]
    screen_dump: bool,

    /// With --headless: run N demo agents writing --mib MiB each through the whole app,
    /// draw frames into memory at the normal pacing, and print throughput, frame times,
    /// latency (PTY read to end of frame) and peak memory.
    #[arg(long, requires = "headless", conflicts_with = "screen_dump")]
    bench: bool,

    /// With --bench: panes, one demo agent each.
    #[arg(long, value_name = "N", default_value_t = 8, requires = "bench",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    panes: u16,

    /// With --bench: MiB each demo agent writes (default 16).
    #[arg(long, value_name = "M", value_parser = clap::value_parser!(u64).range(1..))]
    mib: Option<u64>,

    /// With --bench: how fast the agents write: flat-out (as fast as the pane takes it)
    /// or realistic (with an agent's pauses; give --timeout to bound the run).
    #[arg(long, value_name = "PACE", default_value = "flat-out", requires = "bench",
          value_parser = ["flat-out", "realistic"])]
    pace: String,

    /// With --bench: the size of the in-memory screen the panes are laid out on (at most
    /// 1000x500).
    #[arg(long, value_name = "COLSxROWS", default_value = "200x60", requires = "bench",
          value_parser = parse_pane_size)]
    screen: PaneSize,

    /// With --bench: print one JSON object (backend, panes, bytes, seconds, mib_per_s,
    /// frames, frame_ms_p50, frame_ms_p99, latency_us_p50, latency_us_p99, peak_rss_mib).
    #[arg(long, requires = "bench")]
    json: bool,

    /// With --screen-dump or --detached: the size of every pane's terminal, COLSxROWS (at
    /// most 1000x500).
    #[arg(long, value_name = "COLSxROWS", default_value = "80x24", value_parser = parse_pane_size)]
    pane_size: PaneSize,

    /// With --headless: end the programs still running after this many seconds (default:
    /// wait for them).
    #[arg(long, value_name = "SECS", requires = "headless")]
    timeout: Option<f64>,

    /// The commands, one pane each, each split like a shell would (quote it as one
    /// argument). With none: the config file's agents, else your shell.
    #[arg(value_name = "CMD")]
    commands: Vec<String>,

    #[command(flatten)]
    demo_agent: demo_agent::DemoArgs,
}

#[derive(Debug, Subcommand)]
enum SessionAction {
    /// Attach to a running session (-s NAME, default `default`).
    Attach,
    /// List the running sessions: panes, attached clients, panes needing you.
    Ls,
    /// End a session (-s NAME) or every session (--all), and every program in it.
    Kill {
        /// End every session.
        #[arg(long)]
        all: bool,
    },
    /// The panes of a session: number, name, state, for how long, reason, command.
    List {
        /// One JSON object: {"panes":[{"id", "number", "name", "command", "cwd", "agent",
        /// "state", "reason", "since_ms", "exit_code", "cols", "rows"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Type text (or, with --keys, keys) into a pane.
    Send(control_cli::SendArgs),
    /// Print a pane's screen as text, after N lines of its scrollback.
    Capture(control_cli::CaptureArgs),
    /// Open a pane; prints its number.
    NewPane(control_cli::NewPaneArgs),
    /// Close a pane, ending its program.
    Close {
        /// The pane: its number or its name.
        pane: perdix::session::control::PaneRef,
    },
    /// Wait until a pane is in a state or shows a text (exit 1 on timeout).
    Wait(control_cli::WaitArgs),
    /// From inside a pane (an agent's hook): report the agent's state.
    Notify(control_cli::NotifyArgs),
    /// Start a session again (after a reboot, say) from its saved layout, pane names,
    /// commands, working directories and environment, and attach to it.
    Restore {
        /// Start it in the background without attaching.
        #[arg(short = 'd', long)]
        detached: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("perdix-tui: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode> {
    if demo_agent::run(&cli.demo_agent, cli.mib)? {
        return Ok(ExitCode::SUCCESS);
    }
    if cli.mib.is_some() && !cli.bench {
        eprintln!("perdix-tui: --mib goes with --headless --bench");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if let Err(error) = check_session_name(&cli.session) {
        eprintln!("perdix-tui: -s {}: {error}", cli.session);
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    match &cli.action {
        Some(SessionAction::Attach) => {
            return match sessions::running_session(&cli.session)? {
                Ok(paths) => sessions::attach(&paths),
                Err(code) => Ok(code),
            };
        }
        Some(SessionAction::Ls) => return sessions::list(),
        Some(SessionAction::Kill { all }) => return sessions::kill(&cli.session, *all),
        Some(SessionAction::Restore { detached }) => return restore(cli, *detached),
        Some(SessionAction::List { json }) => return control_cli::list(&cli.session, *json),
        Some(SessionAction::Send(args)) => return control_cli::request(&cli.session, args.clone().request()),
        Some(SessionAction::Capture(args)) => {
            return control_cli::request(&cli.session, args.clone().request())
        }
        Some(SessionAction::NewPane(args)) => {
            return control_cli::request(&cli.session, args.clone().request())
        }
        Some(SessionAction::Close { pane }) => {
            let request = perdix::session::control::ControlRequest::Close { pane: pane.clone() };
            return control_cli::request(&cli.session, request);
        }
        Some(SessionAction::Wait(args)) => return control_cli::wait(&cli.session, args.clone()),
        Some(SessionAction::Notify(args)) => return control_cli::notify(args.clone()),
        None => {}
    }
    if cli.serve {
        return serve_session(cli);
    }
    if !cli.headless {
        return start_or_attach(cli);
    }
    let timeout = match cli.timeout {
        None => None,
        Some(secs) => match Duration::try_from_secs_f64(secs) {
            Ok(timeout) => Some(timeout),
            Err(_) => {
                eprintln!("perdix-tui: --timeout={secs}: must be a number of seconds, 0 or more");
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        },
    };
    if cli.bench {
        if !cli.commands.is_empty() {
            eprintln!("perdix-tui: --bench runs its own demo agents; it takes no commands");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        if let Err(code) = announce_backend(cli.backend) {
            return Ok(code);
        }
        bench::run(&bench::BenchPlan {
            panes: cli.panes,
            mib: cli.mib.unwrap_or(16),
            pace: if cli.pace == "realistic" {
                Pace::Realistic
            } else {
                Pace::FlatOut
            },
            backend: cli.backend,
            screen: cli.screen,
            timeout,
            json: cli.json,
            scrollback: cli.scrollback.unwrap_or(DEFAULT_SCROLLBACK),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if !cli.screen_dump {
        eprintln!("perdix-tui: --headless needs something to do: --screen-dump or --bench");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if cli.commands.is_empty() {
        eprintln!("perdix-tui: --headless --screen-dump needs at least one command");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if let Err(code) = announce_backend(cli.backend) {
        return Ok(code);
    }
    let timeout = timeout.unwrap_or(Duration::MAX);
    let commands: Vec<SpawnConfig> = cli
        .commands
        .iter()
        .map(|command| SpawnConfig::new(command.as_str()).with_size(cli.pane_size))
        .collect();
    let config = PaneConfig {
        scrollback: cli.scrollback.unwrap_or(DEFAULT_SCROLLBACK),
        ..PaneConfig::default()
    };
    let mut panes = PaneSet::spawn(&commands, cli.backend, config).context("starting the panes")?;
    let mut failed = false;
    for (index, pane) in panes.panes().iter().enumerate() {
        if let Some(error) = pane.start_error() {
            eprintln!("perdix-tui: pane {}: {error}", index + 1);
            failed = true;
        }
    }
    panes.run_to_end(timeout).context("running the panes")?;
    // A pane whose output was lost on the way makes the dump incomplete: say so, and fail.
    for notice in panes.take_notices() {
        eprintln!("perdix-tui: {notice}");
        failed = true;
    }
    let stdout = std::io::stdout();
    match write_screen_dump(&mut stdout.lock(), panes.panes()) {
        // The reader took what it wanted (`| head`): as for any filter, not an error.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.context("writing the screen dump")?,
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Says on stderr, in one line, which backend `auto` picked, or why a named backend cannot
/// run here (then exit code 2). Called once per start, after the arguments were checked
/// and before any pane (or the full-screen UI) starts.
fn announce_backend(kind: BackendKind) -> Result<(), ExitCode> {
    match perdix::backend::resolve(kind) {
        Ok(_) if kind == BackendKind::Auto => {
            let (_, why) = perdix::backend::auto_choice();
            eprintln!("perdix-tui: --backend auto picked {why}");
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(error) => {
            eprintln!("perdix-tui: --backend {kind}: {error}; use --backend cpu, cpu-scan or auto");
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// What a new session of this command line runs.
fn session_options(cli: &Cli) -> SessionOptions<'_> {
    SessionOptions {
        demo: cli.demo,
        commands: &cli.commands,
        config: cli.config.as_deref(),
        theme: cli.theme.as_deref(),
        layout: cli.layout,
        scrollback: cli.scrollback,
        backend: cli.backend,
        pane_size: if cli.detached || cli.serve {
            cli.pane_size
        } else {
            PaneSize::new(80, 24)
        },
        restored: None,
        pane_env: Vec::new(),
    }
}

/// `perdix-tui restore`: starts session `-s NAME` from its saved file, then attaches.
fn restore(cli: &Cli, detached: bool) -> Result<ExitCode> {
    let paths = SessionPaths::new(&cli.session)?;
    let name = &cli.session;
    if server_running(&paths) {
        eprintln!("perdix-tui: session {name} is running; attach to it with `perdix-tui attach -s {name}`");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let saved_path = saved_session_file(name)?;
    let saved = match SavedSession::load(&saved_path) {
        Ok(saved) => saved,
        Err(error) => {
            eprintln!("perdix-tui: no session {name} to restore: {error}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let options = SessionOptions {
        restored: Some(saved),
        ..session_options(cli)
    };
    if let Err(UsageError(error)) = AppPlan::new(&options) {
        eprintln!("perdix-tui: {error}");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if let Err(code) = announce_backend(cli.backend) {
        return Ok(code);
    }
    let flags: &[&str] = if detached {
        &["--restore"]
    } else {
        &["--restore", "--await-client"]
    };
    let args = server_args(cli, flags);
    sessions::start_server(&paths, &args)?;
    if detached {
        return Ok(ExitCode::SUCCESS);
    }
    sessions::attach(&paths)
}

/// `perdix-tui [CMD...]`: attaches to the session, starting it first when none runs.
fn start_or_attach(cli: &Cli) -> Result<ExitCode> {
    let paths = SessionPaths::new(&cli.session)?;
    let name = &cli.session;
    if server_running(&paths) {
        if cli.detached || !cli.commands.is_empty() || cli.demo.is_some() {
            eprintln!(
                "perdix-tui: session {name} is already running, with its own panes; attach to it \
                 with `perdix-tui attach -s {name}`, or start another with `-s NAME`"
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        return sessions::attach(&paths);
    }
    // Checked here, where the user sees the answer, before the server starts.
    if let Err(UsageError(error)) = AppPlan::new(&session_options(cli)) {
        eprintln!("perdix-tui: {error}");
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if let Err(code) = announce_backend(cli.backend) {
        return Ok(code);
    }
    let await_client: &[&str] = if cli.detached { &[] } else { &["--await-client"] };
    sessions::start_server(&paths, &server_args(cli, await_client))?;
    if cli.detached {
        return Ok(ExitCode::SUCCESS);
    }
    sessions::attach(&paths)
}

/// The arguments of the server of this command line's session, with `flags` (before the
/// commands, which follow `--`).
fn server_args(cli: &Cli, flags: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--serve".into(),
        "--session".into(),
        cli.session.clone(),
        "--backend".into(),
        cli.backend.to_string(),
        "--pane-size".into(),
        format!("{}x{}", cli.pane_size.cols, cli.pane_size.rows),
    ];
    if let Some(demo) = cli.demo {
        args.extend(["--demo".into(), demo.to_string()]);
    }
    if let Some(layout) = cli.layout {
        args.extend(["--layout".into(), layout.to_string()]);
    }
    if let Some(theme) = &cli.theme {
        args.extend(["--theme".into(), theme.clone()]);
    }
    if let Some(config) = &cli.config {
        // The server starts in the same directory, but an absolute path is surer.
        let config = std::path::absolute(config).unwrap_or_else(|_| config.clone());
        args.extend(["--config".into(), config.display().to_string()]);
    }
    if let Some(scrollback) = cli.scrollback {
        args.extend(["--scrollback".into(), scrollback.to_string()]);
    }
    args.extend(flags.iter().map(|flag| flag.to_string()));
    if !cli.commands.is_empty() {
        args.push("--".into());
        args.extend(cli.commands.iter().cloned());
    }
    args
}

/// `perdix-tui --serve`: the session's server, in the background (see `sessions`).
fn serve_session(cli: &Cli) -> Result<ExitCode> {
    let paths = SessionPaths::new(&cli.session)?;
    let name = &cli.session;
    let lock = match ServerLock::acquire(&paths) {
        Ok(lock) => lock,
        Err(LockError::Held { .. }) => {
            eprintln!("perdix-tui server: session {name} already has a server");
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error).context("taking the session's lock"),
    };
    let saved_path = saved_session_file(name).context("finding where the session is saved")?;
    let restored = if cli.restore {
        Some(SavedSession::load(&saved_path)?)
    } else {
        None
    };
    let options = SessionOptions {
        restored,
        pane_env: vec![
            ("PERDIX_SOCKET".into(), paths.socket.display().to_string()),
            ("PERDIX_SESSION".into(), name.clone()),
        ],
        ..session_options(cli)
    };
    let plan = match AppPlan::new(&options) {
        Ok(plan) => plan,
        Err(UsageError(error)) => {
            eprintln!("perdix-tui server: {error}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    if let Err(code) = announce_backend(cli.backend) {
        return Ok(code);
    }
    let app = plan.start()?;
    // Listening last: a client that can connect finds the panes running.
    let listener = bind_socket(&paths, &lock).context("listening on the session socket")?;
    eprintln!(
        "perdix-tui server: session {name} started (pid {})",
        std::process::id()
    );
    let ended = server::serve(app, name, listener, saved_path, cli.await_client);
    // Nobody may connect to a server that is gone; the lock still keeps others away.
    let _ = std::fs::remove_file(&paths.socket);
    let (reason, notices) = ended?;
    for notice in notices {
        eprintln!("perdix-tui server: {notice}");
    }
    eprintln!("perdix-tui server: session {name} ended: {reason}");
    drop(lock);
    Ok(ExitCode::SUCCESS)
}

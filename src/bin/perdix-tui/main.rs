//! `perdix-tui`: many agents side by side, each in its own pane.

mod bench;
mod demo_agent;
mod interactive;

use anyhow::{Context, Result};
use clap::Parser;
use perdix::bench::agents::AgentKind;
use perdix::bench::demo::{DemoAgentOptions, Pace};
use perdix::parse::BackendKind;
use perdix::pty::{PaneSize, SpawnConfig};
use perdix::term::{PaneConfig, DEFAULT_SCROLLBACK};
use perdix::tui::app::{user_shell, App};
use perdix::tui::config::{default_theme_dir, parse_scrollback, AppConfig};
use perdix::tui::layout_kind::LayoutKind;
use perdix::tui::theme::Theme;
use perdix::tui::{parse_pane_size, write_screen_dump, PaneSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  perdix-tui --demo 4                         four simulated agents, no API key needed
  perdix-tui claude 'codex --full-auto' bash  one pane per command
  perdix-tui --layout columns --theme light 'cargo watch -x test' bash
  perdix-tui --headless --screen-dump --pane-size 80x24 'ls --color=always' 'git log -3'
  perdix-tui --headless --bench --panes 8 --mib 16 --json

Keys: Ctrl-b is the prefix (twice sends Ctrl-b); then arrows or h j k l focus, o next,
1-9 pane N, z zoom, Space next layout, c new pane, x close, r restart, s broadcast,
[ scroll and search, ? help, q quit.";

/// Exit code for invalid arguments (clap uses the same).
const EXIT_USAGE: u8 = 2;

/// Run several agents (claude, codex, aider, shells…) side by side, each in its own pane.
#[derive(Debug, Parser)]
#[command(name = "perdix-tui", version, about, long_about = None, after_help = EXAMPLES)]
struct Cli {
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

    /// With --screen-dump: the size of every pane's terminal, COLSxROWS (at most 1000x500).
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
    if !cli.headless {
        return interactive_app(cli);
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
    write_screen_dump(&mut stdout.lock(), panes.panes()).context("writing the screen dump")?;
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

/// The full-screen app: panes from the arguments, `--demo`, the config file's agents, or
/// the user's shell.
fn interactive_app(cli: &Cli) -> Result<ExitCode> {
    let config = match AppConfig::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("perdix-tui: {error}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let theme = match &cli.theme {
        None => config.theme,
        Some(name) => match Theme::load(name, default_theme_dir().as_deref()) {
            Ok(theme) => theme,
            Err(error) => {
                eprintln!("perdix-tui: --theme {name}: {error}");
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        },
    };
    let size = PaneSize::new(80, 24);
    let mut names = Vec::new();
    let mut commands = Vec::new();
    if let Some(count) = cli.demo {
        for index in 0..count {
            let kind = AgentKind::ALL[usize::from(index) % AgentKind::ALL.len()];
            let mut options = DemoAgentOptions::new(kind, u64::from(index) + 1);
            // Every other demo agent stops now and then to ask for input.
            options.interactive = index % 2 == 1;
            names.push(format!("{} (demo)", kind.name()));
            commands.push(options.command().with_size(size));
        }
    }
    for command in &cli.commands {
        names.push(perdix::logview::command_name(command));
        commands.push(SpawnConfig::new(command.as_str()).with_size(size));
    }
    if commands.is_empty() {
        for agent in &config.agents {
            let mut spawn = SpawnConfig::new(agent.command.as_str()).with_size(size);
            if let Some(cwd) =
                agent.resolved_cwd(std::env::var_os("HOME").as_deref().map(std::path::Path::new))
            {
                spawn = spawn.with_cwd(cwd);
            }
            for (key, value) in &agent.env {
                spawn = spawn.with_env(key, value);
            }
            names.push(agent.name.clone());
            commands.push(spawn);
        }
    }
    if commands.is_empty() {
        let shell = user_shell();
        names.push(perdix::logview::command_name(&shell));
        commands.push(SpawnConfig::new(shell).with_size(size));
    }
    let pane_config = PaneConfig {
        scrollback: cli.scrollback.unwrap_or(config.scrollback),
        ..PaneConfig::default()
    };
    if let Err(code) = announce_backend(cli.backend) {
        return Ok(code);
    }
    let panes = PaneSet::spawn(&commands, cli.backend, pane_config).context("starting the panes")?;
    let layout = cli.layout.unwrap_or(config.layout);
    let app = App::new(panes, names, config.keymap, theme, layout);
    let notices = interactive::run(app)?;
    for notice in notices {
        eprintln!("perdix-tui: {notice}");
    }
    Ok(ExitCode::SUCCESS)
}

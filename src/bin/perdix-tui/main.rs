//! `perdix-tui`: many agents side by side, each in its own pane.

mod demo_agent;

use anyhow::{Context, Result};
use clap::Parser;
use perdix::parse::BackendKind;
use perdix::pty::{PaneSize, SpawnConfig};
use perdix::term::{PaneConfig, DEFAULT_SCROLLBACK};
use perdix::tui::{parse_pane_size, write_screen_dump, PaneSet};
use std::process::ExitCode;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  perdix-tui --headless --screen-dump --pane-size 80x24 'ls --color=always' 'git log -3'
  perdix-tui --headless --screen-dump --pane-size 120x40 --backend cpu-scan htop --timeout 2";

/// Exit code for invalid arguments (clap uses the same).
const EXIT_USAGE: u8 = 2;

/// Run several agents (claude, codex, aider, shells…) side by side, each in its own pane.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None, after_help = EXAMPLES)]
struct Cli {
    /// Run without drawing: the panes run to the end, then a view of them is printed.
    #[arg(long)]
    headless: bool,

    /// With --headless: print each pane's screen as text (`=== pane N ===`, then one line
    /// per row, trailing spaces trimmed).
    #[arg(long, requires = "headless")]
    screen_dump: bool,

    /// The size of every pane's terminal, COLSxROWS.
    #[arg(long, value_name = "COLSxROWS", default_value = "80x24", value_parser = parse_pane_size)]
    pane_size: PaneSize,

    /// Parse backend: cpu (vte), cpu-scan (the GPU algorithm on the CPU), wgpu, cuda, or auto.
    #[arg(long, value_name = "KIND", default_value = "cpu")]
    backend: BackendKind,

    /// Lines of scrollback per pane.
    #[arg(long, value_name = "LINES", default_value_t = DEFAULT_SCROLLBACK)]
    scrollback: usize,

    /// End the programs still running after this many seconds (default: wait for them).
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,

    /// The commands, one pane each, each split like a shell would (quote it as one argument).
    #[arg(value_name = "CMD", required_unless_present = "demo_agent")]
    commands: Vec<String>,

    #[command(flatten)]
    demo: demo_agent::DemoArgs,
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
    if demo_agent::run(&cli.demo)? {
        return Ok(ExitCode::SUCCESS);
    }
    if !cli.headless || !cli.screen_dump {
        eprintln!(
            "perdix-tui: only the headless screen dump is available in this version: \
             perdix-tui --headless --screen-dump CMD..."
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let timeout = match cli.timeout {
        None => Duration::MAX,
        Some(secs) => match Duration::try_from_secs_f64(secs) {
            Ok(timeout) => timeout,
            Err(_) => {
                eprintln!("perdix-tui: --timeout={secs}: must be a number of seconds, 0 or more");
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        },
    };
    let commands: Vec<SpawnConfig> = cli
        .commands
        .iter()
        .map(|command| SpawnConfig::new(command.as_str()).with_size(cli.pane_size))
        .collect();
    let config = PaneConfig {
        scrollback: cli.scrollback,
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
    let stdout = std::io::stdout();
    write_screen_dump(&mut stdout.lock(), panes.panes()).context("writing the screen dump")?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

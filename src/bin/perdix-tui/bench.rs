//! `perdix-tui --headless --bench`: N demo agents writing flat out (or at a realistic
//! pace) through the whole app, frames drawn into memory, and the measurements printed.

use anyhow::{Context, Result};
use perdix::bench::agents::AgentKind;
use perdix::bench::demo::{DemoAgentOptions, Pace, MIB};
use perdix::parse::BackendKind;
use perdix::pty::PaneSize;
use perdix::term::PaneConfig;
use perdix::tui::app::App;
use perdix::tui::headless_bench::{run_bench, BenchOptions};
use perdix::tui::keymap::Keymap;
use perdix::tui::layout_kind::LayoutKind;
use perdix::tui::theme::Theme;
use perdix::tui::PaneSet;
use std::io::IsTerminal;
use std::time::Duration;

/// What the benchmark runs.
pub struct BenchPlan {
    /// Panes, each running one demo agent.
    pub panes: u16,
    /// MiB each agent writes.
    pub mib: u64,
    /// Flat out or realistic.
    pub pace: Pace,
    /// Parse backend.
    pub backend: BackendKind,
    /// The in-memory screen.
    pub screen: PaneSize,
    /// Agents still running after this long are ended.
    pub timeout: Option<Duration>,
    /// Print one JSON object instead of the table.
    pub json: bool,
    /// Lines of scrollback per pane.
    pub scrollback: usize,
}

/// Runs the benchmark and prints its report on stdout.
pub fn run(plan: &BenchPlan) -> Result<()> {
    let limit = plan.mib.checked_mul(MIB).context("--mib is too large")?;
    // Each pane's command and its name in the border, from the same agent kind.
    let (commands, names): (Vec<_>, Vec<_>) = (0..plan.panes)
        .map(|index| {
            let kind = AgentKind::ALL[usize::from(index) % AgentKind::ALL.len()];
            let command = DemoAgentOptions {
                pace: plan.pace,
                limit_bytes: Some(limit),
                ..DemoAgentOptions::new(kind, u64::from(index) + 1)
            }
            .command();
            (command, format!("{} (demo)", kind.name()))
        })
        .unzip();
    let config = PaneConfig {
        scrollback: plan.scrollback,
        ..PaneConfig::default()
    };
    let panes =
        PaneSet::spawn_measuring_latency(&commands, plan.backend, config).context("starting the panes")?;
    if let Some(error) = panes.panes().iter().find_map(|pane| pane.start_error()) {
        anyhow::bail!("a demo agent could not start: {error}");
    }
    let app = App::new(
        panes,
        names,
        Keymap::default(),
        Theme::default(),
        LayoutKind::Tiled,
    );
    let options = BenchOptions {
        screen: (plan.screen.cols, plan.screen.rows),
        duration: plan.timeout,
    };
    let total = limit * u64::from(plan.panes);
    let show_progress = std::io::stderr().is_terminal();
    let report = run_bench(app, options, |bytes| {
        if show_progress {
            eprint!(
                "\rperdix-tui: {:.0} of {:.0} MiB read",
                bytes as f64 / MIB as f64,
                total as f64 / MIB as f64
            );
        }
    })
    .context("running the benchmark")?;
    if show_progress {
        eprint!("\r\x1b[K");
    }
    if plan.json {
        println!("{}", report.to_json());
    } else {
        println!("{report}");
    }
    Ok(())
}

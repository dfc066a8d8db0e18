//! The hidden `--demo-agent` mode: this binary as one of the demo's child processes,
//! started by the app through `perdix::bench::demo::DemoAgentOptions::command`.

use anyhow::{Context, Result};
use perdix::bench::agents::AgentKind;
use perdix::bench::demo::{run_demo_agent, DemoAgentOptions, Pace, MIB};
use std::io::{self, BufWriter};

/// Flags of the demo child mode; hidden from `--help`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Run as a demo agent of this kind (claude, codex or aider) on stdout and stdin.
    #[arg(long, value_name = "KIND", hide = true)]
    pub demo_agent: Option<AgentKind>,

    /// The demo agent's seed.
    #[arg(long, value_name = "N", hide = true, requires = "demo_agent")]
    seed: Option<u64>,

    /// Write as fast as possible, never waiting for input.
    #[arg(long, hide = true, requires = "demo_agent", conflicts_with = "interactive")]
    flat_out: bool,

    /// Ask questions now and then and wait for a line of input.
    #[arg(long, hide = true, requires = "demo_agent")]
    interactive: bool,

    /// Stop after this many bytes.
    #[arg(
        long,
        value_name = "BYTES",
        hide = true,
        requires = "demo_agent",
        conflicts_with = "mib"
    )]
    limit_bytes: Option<u64>,
}

/// Runs the demo agent if `--demo-agent` was given (stopping after `mib` MiB when
/// given); `false` when it was not.
pub fn run(args: &DemoArgs, mib: Option<u64>) -> Result<bool> {
    let Some(kind) = args.demo_agent else {
        return Ok(false);
    };
    let limit_bytes = match (mib, args.limit_bytes) {
        (Some(mib), _) => Some(mib.checked_mul(MIB).context("--mib is too large")?),
        (None, bytes) => bytes,
    };
    let options = DemoAgentOptions {
        pace: if args.flat_out {
            Pace::FlatOut
        } else {
            Pace::Realistic
        },
        limit_bytes,
        interactive: args.interactive,
        ..DemoAgentOptions::new(kind, args.seed.unwrap_or(0))
    };
    let stdout = io::stdout();
    // Flat out, large writes keep the pseudo-terminal busy; the agent flushes at each
    // pause and question, so realistic output is not held back.
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let stdin = io::stdin();
    run_demo_agent(&options, &mut out, &mut stdin.lock()).context("demo agent")?;
    Ok(true)
}

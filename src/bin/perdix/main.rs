//! `perdix`: the ring and parse-stage command line.

mod benchmark;
mod claude;
mod dump;
mod repl;
mod stream;
mod zerocopy;

use anyhow::Result;
use clap::{ArgGroup, Parser};
use perdix::parse::BackendKind;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Examples:
  perdix --benchmark                          race the ring, then time the parsers
  perdix --benchmark --slots 1024 --messages 1000000
  printf '\\e[1mhi' | perdix --dump-actions    actions of a byte stream from stdin
  perdix --dump-actions --backend cpu-scan --chunk 7 capture.raw
  perdix --repl                               type escape sequences, see the actions
  perdix --stream -a 'cargo build' -a 'npm test'   two commands' output as tagged lines
  perdix --stream --duration 3                three simulated agents for 3 seconds
  perdix --claude                             run claude through the pipeline
  perdix --claude -- aider --model sonnet     any program, with its arguments
  perdix --zerocopy --duration 3              parse on a CUDA device straight into a mapped ring
                                              (exit code 3 when there is no CUDA device)";

/// Exit code for invalid arguments (clap uses the same).
const EXIT_USAGE: u8 = 2;

/// Perdix: lock-free rings and a vte-compatible ANSI parse stage for many agents at once.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None, after_help = EXAMPLES)]
#[command(group(ArgGroup::new("mode").args(["benchmark", "dump_actions", "repl", "stream", "claude", "zerocopy"]).required(true)))]
pub struct Cli {
    /// Race the ring against rtrb and crossbeam-queue and print a table of ratios.
    #[arg(long)]
    benchmark: bool,

    /// Ring slots for the benchmark (a power of two from 2 to 16777216).
    #[arg(long, value_name = "N", default_value_t = 4096)]
    slots: usize,

    /// Messages per benchmark run (default: 5,000,000; use fewer for a quick look).
    #[arg(long, value_name = "N")]
    messages: Option<u64>,

    /// Parse the input and print one line per parser action (print, execute, csi, esc,
    /// osc, hook, put, unhook).
    #[arg(long)]
    dump_actions: bool,

    /// Type lines with escapes (\e, \x1b, \n, \xNN) and see the parser's actions; Ctrl-D exits.
    #[arg(long)]
    repl: bool,

    /// Parse backend: cpu (vte), cpu-scan (the GPU algorithm on the CPU), wgpu (WGSL compute
    /// shaders), cuda (NVRTC-compiled kernels), or auto (a GPU backend only where it passed a
    /// self-check on this device: the same records as cpu, and faster; else cpu).
    #[arg(long, value_name = "KIND", default_value = "cpu")]
    backend: BackendKind,

    /// Feed the input to the parser in batches of N bytes (default: as it is read, 64 KiB at
    /// most; the actions are printed as they come, in bounded memory).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    chunk: Option<u64>,

    /// Run commands in pseudo-terminals and print their output as whole lines, each
    /// prefixed with a coloured [name] tag (with no --agent: three simulated agents).
    #[arg(long)]
    stream: bool,

    /// A command for --stream, split like a shell would; repeat for more agents.
    #[arg(short = 'a', long = "agent", value_name = "CMD", requires = "stream")]
    agents: Vec<String>,

    /// How long the simulated agents of --stream (or the batches of --zerocopy) run, in seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 10.0,
        allow_negative_numbers = true
    )]
    duration: f64,

    /// Run one program (default: claude) through the PTY, ring and parser, passing its
    /// screen, input and resizes straight through; exits with the program's exit code.
    #[arg(long)]
    claude: bool,

    /// Parse simulated agents' output on a CUDA device, the device writing the records
    /// straight into a ring in mapped pinned memory while a CPU thread drains it to the
    /// terminal; prints the throughput. Exits with code 3 when there is no CUDA device.
    /// Uses --slots for the ring and --duration.
    #[arg(long)]
    zerocopy: bool,

    /// Input file for the modes that read bytes ("-" or nothing for stdin).
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,

    /// The program and its arguments for --claude, after `--`.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("perdix: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode> {
    if cli.benchmark {
        if let Err(error) = perdix::ring::validate_slot_count(cli.slots) {
            eprintln!("perdix: --slots={}: {error}", cli.slots);
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        benchmark::run(cli)?;
    }
    if cli.dump_actions || cli.repl || cli.stream || cli.claude {
        if let Err(code) = announce_backend(cli.backend) {
            return Ok(code);
        }
    }
    if cli.dump_actions {
        let chunk = cli.chunk.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        return dump::run(cli.backend, chunk, cli.input.as_deref());
    }
    if cli.repl {
        return repl::run(cli.backend);
    }
    if cli.stream {
        return stream::run(cli);
    }
    if cli.claude {
        return claude::run(cli);
    }
    if cli.zerocopy {
        if let Err(error) = perdix::ring::validate_slot_count(cli.slots) {
            eprintln!("perdix: --slots={}: {error}", cli.slots);
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        return zerocopy::run(cli);
    }
    Ok(ExitCode::SUCCESS)
}

/// Says on stderr, in one line, which backend `auto` picked, or why a named backend cannot
/// run here (then exit code 2).
fn announce_backend(kind: BackendKind) -> Result<(), ExitCode> {
    match perdix::backend::resolve(kind) {
        Ok(_) if kind == BackendKind::Auto => {
            let (_, why) = perdix::backend::auto_choice();
            eprintln!("perdix: --backend auto picked {why}");
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(error) => {
            eprintln!("perdix: --backend {kind}: {error}; use --backend cpu, cpu-scan or auto");
            Err(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// This terminal's size, when standard output is a terminal with a usable size.
fn terminal_size() -> Option<perdix::pty::PaneSize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let (cols, rows) = crossterm::terminal::size().ok()?;
    perdix::pty::PaneSize::new(cols, rows).validate().ok()
}

//! `perdix`: the ring and parse-stage command line.

mod benchmark;

use anyhow::Result;
use clap::{ArgGroup, Parser};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for invalid arguments (clap uses the same).
const EXIT_USAGE: u8 = 2;

/// Perdix: lock-free rings and a vte-compatible ANSI parse stage for many agents at once.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
#[command(group(ArgGroup::new("mode").args(["benchmark"]).required(true)))]
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

    /// Input file for the modes that read bytes ("-" or nothing for stdin).
    #[arg(value_name = "FILE")]
    input: Option<PathBuf>,
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
    Ok(ExitCode::SUCCESS)
}

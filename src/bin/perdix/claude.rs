//! `perdix --claude`.

use crate::Cli;
use anyhow::Result;
use std::process::ExitCode;

/// Runs `--claude`.
pub fn run(_cli: &Cli) -> Result<ExitCode> {
    anyhow::bail!("--claude is not built yet")
}

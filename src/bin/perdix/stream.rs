//! `perdix --stream`.

use crate::Cli;
use anyhow::Result;
use std::process::ExitCode;

/// Runs `--stream`.
pub fn run(_cli: &Cli) -> Result<ExitCode> {
    anyhow::bail!("--stream is not built yet")
}

//! `perdix --dump-actions`: bytes in, one line per decoded parser action out.

use anyhow::{Context, Result};
use perdix::backend::{Pipeline, PipelineConfig};
use perdix::parse::{BackendKind, ParseError};
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Exit code for a backend that cannot run here (as for invalid arguments).
const EXIT_UNAVAILABLE: u8 = 2;

/// Builds the pipeline for `kind`, saying on stderr which backend `auto` picked. A
/// backend that cannot run is reported and becomes exit code 2.
pub fn open_pipeline(kind: BackendKind) -> Result<Result<Pipeline, ExitCode>> {
    match Pipeline::new(kind, PipelineConfig::default()) {
        Ok(pipeline) => {
            if kind == BackendKind::Auto {
                let (_, why) = perdix::backend::auto_choice();
                eprintln!("perdix: --backend auto picked {why}");
            }
            Ok(Ok(pipeline))
        }
        Err(error @ ParseError::BackendUnavailable { .. }) => {
            eprintln!("perdix: --backend {kind}: {error}; use --backend cpu, cpu-scan or auto");
            Ok(Err(ExitCode::from(EXIT_UNAVAILABLE)))
        }
        Err(error) => Err(error).context("starting the parse pipeline"),
    }
}

/// Reads `input` (a file, or stdin for `-` or none), feeds it through `kind` in chunks of
/// `chunk` bytes (default: all at once) and prints the decoded actions.
pub fn run(kind: BackendKind, chunk: Option<usize>, input: Option<&Path>) -> Result<ExitCode> {
    let mut pipeline = match open_pipeline(kind)? {
        Ok(pipeline) => pipeline,
        Err(code) => return Ok(code),
    };
    let bytes = read_input(input)?;
    let chunk = chunk.unwrap_or(bytes.len()).max(1);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = (|| -> Result<()> {
        for piece in bytes.chunks(chunk) {
            pipeline.feed(0, piece).context("feeding the input ring")?;
            pipeline.run_batch().context("parsing a batch")?;
            out.write_all(pipeline.take_lines(0).as_bytes())?;
        }
        pipeline.finish(0).context("finishing the stream")?;
        out.write_all(pipeline.take_dump(0).as_bytes())?;
        out.flush()?;
        Ok(())
    })();
    match result {
        // A reader that stops early (`| head`) is not an error.
        Err(error) if is_broken_pipe(&error) => Ok(ExitCode::SUCCESS),
        Err(error) => Err(error),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn read_input(input: Option<&Path>) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match input {
        Some(path) if path != Path::new("-") => {
            bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        }
        _ => {
            io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("reading stdin")?;
        }
    }
    Ok(bytes)
}

//! `perdix --dump-actions`: bytes in, one line per decoded parser action out.

use anyhow::{Context, Result};
use perdix::backend::{Pipeline, PipelineConfig};
use perdix::parse::{BackendKind, ParseError};
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Exit code for a backend that cannot run here (as for invalid arguments).
const EXIT_UNAVAILABLE: u8 = 2;

/// Builds the pipeline for `kind` (`main` has said which backend `auto` picked). A
/// backend that cannot run is reported and becomes exit code 2.
pub fn open_pipeline(kind: BackendKind) -> Result<Result<Pipeline, ExitCode>> {
    match Pipeline::new(kind, PipelineConfig::default()) {
        Ok(pipeline) => Ok(Ok(pipeline)),
        Err(error @ ParseError::BackendUnavailable { .. }) => {
            eprintln!("perdix: --backend {kind}: {error}; use --backend cpu, cpu-scan or auto");
            Ok(Err(ExitCode::from(EXIT_UNAVAILABLE)))
        }
        Err(error) => Err(error).context("starting the parse pipeline"),
    }
}

/// How much of the input is read at a time. Each piece's lines are printed before the
/// next is read, so memory stays bounded whatever the input's length: a piece's dump is
/// at most about eleven bytes a byte (`execute 00` and a newline), under a MiB.
const READ_BYTES: usize = 64 * 1024;

/// Reads `input` (a file, or stdin for `-` or none) in pieces, feeds it through `kind` in
/// batches of `chunk` bytes (default: each piece as it is read) and prints the decoded
/// actions as they come.
pub fn run(kind: BackendKind, chunk: Option<usize>, input: Option<&Path>) -> Result<ExitCode> {
    let mut pipeline = match open_pipeline(kind)? {
        Ok(pipeline) => pipeline,
        Err(code) => return Ok(code),
    };
    let (mut reader, name) = open_input(input)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = (|| -> Result<()> {
        let mut buffer = vec![0; READ_BYTES];
        let mut batch = BatchCutter::new(chunk);
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error).with_context(|| format!("reading {name}")),
            };
            let mut rest = &buffer[..read];
            while !rest.is_empty() {
                let (piece, tail) = rest.split_at(batch.room().min(rest.len()));
                pipeline.feed(0, piece).context("feeding the input ring")?;
                if batch.fed(piece.len()) {
                    pipeline.run_batch().context("parsing a batch")?;
                }
                rest = tail;
            }
            if chunk.is_none() {
                pipeline.run_batch().context("parsing a batch")?;
            }
            // What a full input ring made `feed` parse is printed here too.
            out.write_all(pipeline.take_lines(0).as_bytes())?;
            out.flush()?;
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

/// Where `--chunk N` ends a batch: after every N bytes fed, across reads.
struct BatchCutter {
    chunk: Option<usize>,
    fed: usize,
}

impl BatchCutter {
    fn new(chunk: Option<usize>) -> BatchCutter {
        BatchCutter {
            chunk: chunk.map(|n| n.max(1)),
            fed: 0,
        }
    }

    /// Bytes that may be fed before the batch ends.
    fn room(&self) -> usize {
        self.chunk.map_or(usize::MAX, |chunk| chunk - self.fed)
    }

    /// Counts `bytes` fed; true when the batch is complete.
    fn fed(&mut self, bytes: usize) -> bool {
        let Some(chunk) = self.chunk else {
            return false;
        };
        self.fed += bytes;
        if self.fed == chunk {
            self.fed = 0;
            return true;
        }
        false
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// The input to read and its name for errors: a file, or stdin for `-` or none.
fn open_input(input: Option<&Path>) -> Result<(Box<dyn Read>, String)> {
    match input {
        Some(path) if path != Path::new("-") => {
            let name = path.display().to_string();
            let file = std::fs::File::open(path).with_context(|| format!("reading {name}"))?;
            Ok((Box::new(file), name))
        }
        _ => Ok((Box::new(io::stdin().lock()), "stdin".to_owned())),
    }
}

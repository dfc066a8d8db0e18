//! `perdix --stream`: several commands (or simulated agents) in pseudo-terminals, their
//! output printed as whole lines, each tagged with its pane's name.
//!
//! Every pane has its own input ring; one parse stage turns all of them into records on
//! one record ring, and this thread assembles the records into lines and writes them.

use crate::Cli;
use anyhow::{Context, Result};
use perdix::backend::ParseStage;
use perdix::bench::agents::{spawn_simulated_agent, AgentKind};
use perdix::logview::{pane_names, LineAssembler, LogWriter, DEFAULT_IDLE_FLUSH};
use perdix::parse::{decode_records, BackendKind};
use perdix::pty::{ChildExit, PaneSize, PtyProcess, SpawnConfig};
use perdix::tui::{MAX_PANE_COLUMNS, MAX_PANE_ROWS};
use perdix::{Buffer, Consumer};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Slots of each pane's input ring.
const INPUT_SLOTS: usize = 1024;
/// Slots of the record ring shared by all panes.
const RECORD_SLOTS: usize = 4096;
/// How long the draining loop sleeps when the record ring is empty.
const IDLE_PAUSE: Duration = Duration::from_millis(2);
/// Exit code for invalid arguments (clap uses the same).
const EXIT_USAGE: u8 = 2;

/// What runs in one pane.
enum PaneSource {
    /// A command in a pseudo-terminal.
    Command(PtyProcess),
    /// A simulated agent; the thread returns the bytes it wrote.
    Simulated(JoinHandle<u64>),
    /// A command that could not be started, and why.
    Failed(String),
}

/// Runs `--stream`.
pub fn run(cli: &Cli) -> Result<ExitCode> {
    let duration = match simulation_duration(cli.duration) {
        Ok(duration) => duration,
        Err(reason) => {
            eprintln!("perdix: --duration={}: {reason}", cli.duration);
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let (names, sources, consumers) = if cli.agents.is_empty() {
        start_simulated_agents(duration)?
    } else {
        start_commands(&cli.agents)?
    };
    let mut stdout = std::io::stdout().lock();
    let mut writer = LogWriter::new(&mut stdout, &names);
    for (pane, source) in sources.iter().enumerate() {
        if let PaneSource::Failed(reason) = source {
            writer
                .write_line(pane, &format!("error: {reason}"))
                .context("writing to stdout")?;
        }
    }
    let drained = drain(cli.backend, consumers, &mut writer);
    let all_succeeded = report_exits(sources, &mut writer, drained.is_ok());
    if let Err(error) = drained {
        // A reader that went away (a closed pipe) is not worth a message.
        if error.downcast_ref::<std::io::Error>().map(std::io::Error::kind)
            != Some(std::io::ErrorKind::BrokenPipe)
        {
            return Err(error);
        }
        return Ok(ExitCode::FAILURE);
    }
    writer.flush().context("writing to stdout")?;
    Ok(if all_succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The simulated agents' run time, refusing what is not a number of seconds.
pub(crate) fn simulation_duration(seconds: f64) -> Result<Duration, &'static str> {
    if seconds.is_nan() || seconds < 0.0 {
        return Err("the duration must be a number of seconds, 0 or more");
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| "the duration is too long")
}

/// The input rings' consumers of the panes that started, with their stream ids.
type PaneInputs = Vec<(u16, Consumer<'static>)>;

fn start_simulated_agents(duration: Duration) -> Result<(Vec<String>, Vec<PaneSource>, PaneInputs)> {
    let mut names = Vec::new();
    let mut sources = Vec::new();
    let mut inputs = PaneInputs::new();
    for (stream, kind) in (0u16..).zip(AgentKind::ALL) {
        let (producer, consumer) = Buffer::new(INPUT_SLOTS)?.split();
        let handle = spawn_simulated_agent(kind, producer, duration, u64::from(stream) + 1)
            .with_context(|| format!("starting the simulated {}", kind.name()))?;
        names.push(kind.name().to_owned());
        sources.push(PaneSource::Simulated(handle));
        inputs.push((stream, consumer));
    }
    Ok((names, sources, inputs))
}

fn start_commands(commands: &[String]) -> Result<(Vec<String>, Vec<PaneSource>, PaneInputs)> {
    let names = pane_names(commands);
    let size = pane_size();
    let mut sources = Vec::new();
    let mut inputs = PaneInputs::new();
    for (index, command) in commands.iter().enumerate() {
        let stream = u16::try_from(index).context("too many commands")?;
        let (producer, consumer) = Buffer::new(INPUT_SLOTS)?.split();
        let config = SpawnConfig::new(command.as_str()).with_size(size);
        match PtyProcess::spawn(&config, producer, stream) {
            Ok(process) => {
                sources.push(PaneSource::Command(process));
                inputs.push((stream, consumer));
            }
            Err(error) => {
                eprintln!("perdix: {}: {error}", names[index]);
                sources.push(PaneSource::Failed(error.to_string()));
            }
        }
    }
    Ok((names, sources, inputs))
}

/// The panes' terminal size: the real terminal's when stdout is one, else `COLUMNS`
/// columns (80 when unset or unusable) by 24 rows; at most the widest pane perdix-tui
/// takes (`MAX_PANE_COLUMNS`), whatever the environment says.
fn pane_size() -> PaneSize {
    let size = crate::terminal_size().unwrap_or_else(|| {
        let cols = std::env::var("COLUMNS")
            .ok()
            .and_then(|value| value.trim().parse::<u16>().ok())
            .filter(|&cols| cols > 0)
            .unwrap_or(80);
        PaneSize::new(cols, 24)
    });
    PaneSize::new(size.cols.min(MAX_PANE_COLUMNS), size.rows.min(MAX_PANE_ROWS))
}

/// Parses every pane's output and writes it as tagged lines until all streams have ended.
fn drain<W: Write>(
    backend: BackendKind,
    consumers: Vec<(u16, Consumer<'static>)>,
    writer: &mut LogWriter<W>,
) -> Result<()> {
    let (record_producer, mut records) = Buffer::new(RECORD_SLOTS)?.split();
    let mut stage = ParseStage::new(backend, record_producer).context("starting the parse stage")?;
    for (stream, consumer) in consumers {
        stage.add_input(stream, consumer);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let stage_waker = stage.waker();
    let parser = stage
        .spawn(Arc::clone(&stop))
        .context("starting the parse thread")?;
    let mut assemblers: Vec<LineAssembler> = (0..writer.pane_count()).map(|_| LineAssembler::new()).collect();
    let result = write_lines(&mut records, &mut assemblers, writer);
    if result.is_err() {
        // Relaxed: the flag only asks the stage to end; no data is handed over with it.
        stop.store(true, Ordering::Relaxed);
        stage_waker.notify();
        // The stage also ends when it finds the record ring's reader gone.
        drop(records);
    }
    let parsed = parser
        .join()
        .map_err(|_| anyhow::anyhow!("the parse thread panicked"))?;
    result?;
    parsed.context("parsing the panes' output")?;
    Ok(())
}

/// The draining loop: records → assemblers → writer, with idle partial lines flushed;
/// ends once the stage is gone and its last records are written.
fn write_lines<W: Write>(
    records: &mut Consumer<'static>,
    assemblers: &mut [LineAssembler],
    writer: &mut LogWriter<W>,
) -> Result<()> {
    let mut lines = Vec::new();
    loop {
        // Read before draining: records published before the stage left are then all
        // in this drain.
        let stage_running = records.is_producer_connected();
        let chunk = records.read_chunk();
        let received = !chunk.is_empty();
        for message in chunk.iter() {
            let pane = usize::from(message.stream());
            let Some(assembler) = assemblers.get_mut(pane) else {
                continue;
            };
            let now = Instant::now();
            for action in decode_records(&message.as_bytes()) {
                let action = action.context("decoding parse records")?;
                assembler.push_at(&action, now, &mut lines);
            }
            for line in lines.drain(..) {
                writer.write_line(pane, &line)?;
            }
        }
        let now = Instant::now();
        for (pane, assembler) in assemblers.iter_mut().enumerate() {
            if let Some(line) = assembler.flush_idle(now, DEFAULT_IDLE_FLUSH) {
                writer.write_line(pane, &line)?;
            }
        }
        if !stage_running {
            break;
        }
        if !received {
            std::thread::sleep(IDLE_PAUSE);
        }
    }
    for (pane, assembler) in assemblers.iter_mut().enumerate() {
        if let Some(line) = assembler.finish() {
            writer.write_line(pane, &line)?;
        }
    }
    Ok(())
}

/// Waits for every pane's command or agent and prints one tagged status line each;
/// true when every command started and exited successfully. When the output went wrong
/// (`output_ok` false) the commands are killed instead, as nobody reads them any more,
/// and nothing is printed.
fn report_exits<W: Write>(sources: Vec<PaneSource>, writer: &mut LogWriter<W>, output_ok: bool) -> bool {
    let mut all_succeeded = true;
    for (pane, source) in sources.into_iter().enumerate() {
        let status = match source {
            PaneSource::Command(mut process) if !output_ok => {
                // The child may already be gone; either way it is reaped on drop.
                let _ = process.kill();
                all_succeeded = false;
                continue;
            }
            PaneSource::Command(mut process) => match process.wait() {
                Ok(exit) => {
                    all_succeeded &= exit.success();
                    describe_exit(&exit)
                }
                Err(error) => {
                    all_succeeded = false;
                    format!("error: {error}")
                }
            },
            PaneSource::Simulated(handle) => match handle.join() {
                Ok(bytes) => format!("finished after {bytes} bytes"),
                Err(_) => {
                    all_succeeded = false;
                    "error: the simulated agent panicked".to_owned()
                }
            },
            PaneSource::Failed(_) => {
                all_succeeded = false;
                "did not start".to_owned()
            }
        };
        if output_ok && writer.write_line(pane, &status).is_err() {
            return false;
        }
    }
    all_succeeded
}

fn describe_exit(exit: &ChildExit) -> String {
    match &exit.signal {
        Some(signal) => format!("killed by signal {signal}"),
        None => format!("exited with code {}", exit.code),
    }
}

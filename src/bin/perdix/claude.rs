//! `perdix --claude [-- CMD ARGS]`: one program (by default `claude`) in a pseudo-terminal,
//! its output through the input ring, the parse stage and the record ring, re-encoded and
//! written to this terminal; keystrokes and size changes go the other way.
//!
//! Size changes are found by polling the terminal size every [`RESIZE_POLL`] rather than
//! by handling SIGWINCH: simple, portable, and quick enough for a person dragging a window.

use crate::{terminal_size, Cli};
use anyhow::{Context, Result};
use perdix::backend::ParseStage;
use perdix::parse::{decode_records, ByteEncoder};
use perdix::pty::{ChildExit, PtyError, PtyProcess, SpawnConfig};
use perdix::ring::EventCount;
use perdix::{Buffer, Consumer};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The program run when no command follows `--`.
const DEFAULT_PROGRAM: &str = "claude";
/// Slots of the ring between the PTY reader and the parse stage.
const INPUT_SLOTS: usize = 1024;
/// Slots of the ring between the parse stage and the screen writer; holds the largest
/// record (a capped OSC string).
const RECORD_SLOTS: usize = 1024;
/// The stream id of the one pane.
const STREAM: u16 = 0;
/// How often the terminal size is compared with the child's.
const RESIZE_POLL: Duration = Duration::from_millis(100);
/// How long the writer sleeps when the record ring was empty.
const IDLE_PAUSE: Duration = Duration::from_millis(1);
/// How long output may go on after the child exited: a background process it left
/// behind may hold the terminal open for ever.
const OUTPUT_GRACE: Duration = Duration::from_secs(1);
/// Exit codes a shell uses for a program it cannot find or cannot run.
const EXIT_NOT_FOUND: u8 = 127;
const EXIT_NOT_EXECUTABLE: u8 = 126;

/// Runs `--claude`: returns the child's exit code, 127 when the program does not exist.
pub fn run(cli: &Cli) -> Result<ExitCode> {
    let argv: Vec<&str> = if cli.command.is_empty() {
        vec![DEFAULT_PROGRAM]
    } else {
        cli.command.iter().map(String::as_str).collect()
    };
    let interactive = std::io::stdin().is_terminal();
    let sized = std::io::stdout().is_terminal();
    let size = terminal_size().unwrap_or_default();

    let (pane_tx, pane_rx) = Buffer::new(INPUT_SLOTS)?.split();
    let config = SpawnConfig::from_argv(&argv).with_size(size);
    let mut child = match PtyProcess::spawn(&config, pane_tx, STREAM) {
        Ok(child) => child,
        // Reported like a shell would, before the terminal is touched.
        Err(PtyError::CommandNotFound { program }) => {
            eprintln!("perdix: {program}: command not found");
            return Ok(ExitCode::from(EXIT_NOT_FOUND));
        }
        Err(error @ PtyError::NotExecutable { .. }) => {
            eprintln!("perdix: {error}");
            return Ok(ExitCode::from(EXIT_NOT_EXECUTABLE));
        }
        Err(error) => return Err(error).with_context(|| format!("starting {}", argv[0])),
    };

    let (record_tx, record_rx) = Buffer::new(RECORD_SLOTS)?.split();
    let mut stage = ParseStage::new(cli.backend, record_tx).context("starting the parse stage")?;
    stage.add_input(STREAM, pane_rx);
    let stop = Arc::new(AtomicBool::new(false));
    let stage_waker = stage.waker();
    let parser = stage
        .spawn(Arc::clone(&stop))
        .context("starting the parse thread")?;

    // Raw mode only now that the child runs: a failed start leaves the terminal alone.
    let raw_mode = if interactive {
        Some(RawMode::enable().context("switching the terminal to raw mode")?)
    } else {
        None
    };
    let input = child
        .take_input_writer()
        .context("the child's input is already taken")?;
    std::thread::Builder::new()
        .name("perdix-stdin".into())
        .spawn(move || forward_input(input))
        .context("starting the input thread")?;

    let mut screen = Screen {
        records: record_rx,
        encoder: ByteEncoder::new(),
        out: Vec::new(),
    };
    let result = pump(&mut screen, &mut child, sized, &stop, &stage_waker);
    // Relaxed: the flag only asks the parse thread to end; no data goes with it.
    stop.store(true, Ordering::Relaxed);
    stage_waker.notify();
    let parsed = parser.join();
    drop(raw_mode);
    let exit = result?;
    match parsed {
        Ok(result) => result.context("parsing the output")?,
        Err(_) => anyhow::bail!("the parse thread panicked"),
    }
    Ok(ExitCode::from(exit_code(&exit)))
}

/// The record ring's consumer and what turns its records back into terminal bytes.
struct Screen {
    records: Consumer<'static>,
    encoder: ByteEncoder,
    out: Vec<u8>,
}

impl Screen {
    /// Writes everything in the record ring to standard output, in one write; returns
    /// whether there was anything.
    fn drain(&mut self, stdout: &mut impl Write) -> Result<bool> {
        self.out.clear();
        let any = {
            let chunk = self.records.read_chunk();
            for message in chunk.iter() {
                let bytes = message.as_bytes();
                for action in decode_records(&bytes) {
                    self.encoder.encode(&action?, &mut self.out);
                }
            }
            !chunk.is_empty()
        };
        self.write(stdout)?;
        Ok(any)
    }

    /// Closes a string the output left open, so that this terminal ends in its ground
    /// state.
    fn finish(&mut self, stdout: &mut impl Write) -> Result<()> {
        self.out.clear();
        self.encoder.finish(&mut self.out);
        self.write(stdout)
    }

    fn write(&mut self, stdout: &mut impl Write) -> Result<()> {
        if !self.out.is_empty() {
            stdout
                .write_all(&self.out)
                .context("writing to standard output")?;
            stdout.flush().context("writing to standard output")?;
        }
        Ok(())
    }
}

/// Moves output to the screen and size changes to the child until the child has exited
/// and its output has all been written; returns how the child ended.
fn pump(
    screen: &mut Screen,
    child: &mut PtyProcess,
    sized: bool,
    stop: &AtomicBool,
    stage_waker: &EventCount,
) -> Result<ChildExit> {
    let mut stdout = std::io::stdout().lock();
    let mut size = child.size();
    let mut size_checked = Instant::now();
    let mut exited_at: Option<Instant> = None;
    loop {
        // Read before draining: once the parse stage is gone, everything it published
        // is then certainly in this drain.
        let parser_done = !screen.records.is_producer_connected();
        let any = screen.drain(&mut stdout)?;
        // The drain took everything ready, so the ring is empty now.
        if parser_done {
            break;
        }
        if exited_at.is_none() && child.try_wait()?.is_some() {
            exited_at = Some(Instant::now());
        }
        if exited_at.is_some_and(|at| at.elapsed() > OUTPUT_GRACE) {
            // Relaxed: see `run`. The stage then ends and the loop drains what is left.
            stop.store(true, Ordering::Relaxed);
            stage_waker.notify();
        }
        if sized && size_checked.elapsed() >= RESIZE_POLL {
            size_checked = Instant::now();
            if let Some(now) = terminal_size().filter(|now| *now != size) {
                size = now;
                // A child that has just exited cannot be resized; that is no error.
                let _ = child.resize(now);
            }
        }
        if !any {
            std::thread::sleep(IDLE_PAUSE);
        }
    }
    screen.finish(&mut stdout)?;
    Ok(child.wait()?)
}

/// Copies standard input to the child until either ends.
fn forward_input(mut child_input: Box<dyn Write + Send>) {
    let mut stdin = std::io::stdin().lock();
    let mut buffer = [0u8; 4096];
    loop {
        match stdin.read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => {
                if child_input.write_all(&buffer[..count]).is_err() || child_input.flush().is_err() {
                    break;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    // Dropping the PTY writer types a newline and an end-of-file character into the
    // child's terminal, which the child would echo and read as input it never got; the
    // writer is left for the process exit to close instead.
    std::mem::forget(child_input);
}

/// The exit code for how the child ended: its own code, or 128 plus the signal number.
fn exit_code(exit: &ChildExit) -> u8 {
    match &exit.signal {
        Some(name) => signal_number(name).map_or(1, |number| 128u8.saturating_add(number)),
        None => u8::try_from(exit.code).unwrap_or(u8::MAX),
    }
}

/// The number of the signal with the description `name`, as the C library's `strsignal`
/// gives it (how the PTY layer names signals), for the common signals.
fn signal_number(name: &str) -> Option<u8> {
    const NAMES: [(&str, u8); 15] = [
        ("Hangup", 1),
        ("Interrupt", 2),
        ("Quit", 3),
        ("Illegal instruction", 4),
        ("Trace/breakpoint trap", 5),
        ("Aborted", 6),
        ("Bus error", 7),
        ("Floating point exception", 8),
        ("Killed", 9),
        ("User defined signal 1", 10),
        ("Segmentation fault", 11),
        ("User defined signal 2", 12),
        ("Broken pipe", 13),
        ("Alarm clock", 14),
        ("Terminated", 15),
    ];
    if let Some(number) = name.strip_prefix("Signal ") {
        return number.trim().parse().ok();
    }
    NAMES
        .iter()
        .find(|(known, _)| name.starts_with(known))
        .map(|(_, number)| *number)
}

/// Raw mode on this terminal while it lives; restored when dropped and when a panic
/// unwinds or aborts past it.
struct RawMode;

impl RawMode {
    fn enable() -> std::io::Result<RawMode> {
        crossterm::terminal::enable_raw_mode()?;
        let previous = std::panic::take_hook();
        // The hook restores the terminal before the message is printed, so that the
        // message is readable, and also covers panics on threads that own no guard.
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::terminal::disable_raw_mode();
            previous(info);
        }));
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell() {
        let code = |code, signal: Option<&str>| {
            exit_code(&ChildExit {
                code,
                signal: signal.map(str::to_owned),
            })
        };
        assert_eq!(code(0, None), 0);
        assert_eq!(code(7, None), 7);
        assert_eq!(code(300, None), 255);
        assert_eq!(code(1, Some("Killed")), 137);
        assert_eq!(code(1, Some("Terminated")), 143);
        assert_eq!(code(1, Some("Signal 34")), 162);
        assert_eq!(code(1, Some("Something odd")), 1);
    }
}

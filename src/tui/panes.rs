//! Several agent panes on the whole data flow: each child in its own PTY, its reader
//! thread filling the pane's input ring, one parse stage over all of them on its own
//! thread, and the records replayed here into each pane's terminal model, with the
//! model's replies written back to that pane's PTY only.

use crate::backend::{ParseStage, ProgressLog, StageInputs};
use crate::parse::{BackendKind, DecodeError, ParseError};
use crate::pty::{ChildExit, PaneSize, PtyError, PtyProcess, ReadLog, SpawnConfig, HANGUP_GRACE};
use crate::ring::{Buffer, Consumer};
use crate::term::{PaneConfig, PaneEvent, PaneTerminal};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Slots of each pane's input ring: 240 KiB of output in flight per pane. Under a flood
/// every buffered byte is latency, so the rings are only as deep as throughput needs.
const INPUT_SLOTS: usize = 1024;
/// Slots of the record ring shared by all panes (about 480 KiB of records); holds the
/// largest OSC record.
const RECORD_SLOTS: usize = 2048;
/// How long [`PaneSet::run_to_end`] waits for a pane's terminal to close once its program
/// has exited and the terminal has gone quiet.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);
/// Most record messages applied per [`PaneSet::pump`] (about 250 KiB of records, a few
/// milliseconds of work), so a flooding pane cannot keep the caller from drawing on time.
const PUMP_BUDGET: usize = 1024;

/// Why the pane set failed as a whole (a single pane's failure is kept in that pane).
#[derive(Debug, Error)]
pub enum PaneSetError {
    /// The parse stage could not be set up or failed.
    #[error("parse stage: {0}")]
    Parse(#[from] ParseError),
    /// Records from the parse stage did not decode.
    #[error("records of pane {pane}: {error}")]
    Records {
        /// The pane.
        pane: usize,
        /// What was wrong.
        error: DecodeError,
    },
    /// The parse stage's thread could not be started.
    #[error("starting the parse thread: {0}")]
    Thread(#[from] std::io::Error),
    /// The parse stage's thread has ended (it failed; see the panes' output).
    #[error("the parse stage has ended")]
    StageEnded,
    /// More panes than stream ids.
    #[error("too many panes: {0} (at most 65536)")]
    TooManyPanes(usize),
    /// No pane with that index.
    #[error("no pane {0}")]
    NoSuchPane(usize),
    /// A pane's terminal refused input or a resize.
    #[error("pane {pane}: {error}")]
    Pty {
        /// The pane.
        pane: usize,
        /// What failed.
        error: PtyError,
    },
}

/// What a pane keeps for measuring latency from a PTY read to the screen.
struct LatencyProbe {
    reads: ReadLog,
    progress: ProgressLog,
    /// Record messages of the pane taken from the ring.
    taken: u64,
    /// Of those, the ones on screen: not held back by a synchronized update.
    shown: u64,
    /// Input bytes whose records are all on screen.
    applied: u64,
}

/// One agent pane: its command, child process and terminal model.
pub struct Pane {
    command: SpawnConfig,
    stream: u16,
    process: Option<PtyProcess>,
    latency: Option<LatencyProbe>,
    output_done: bool,
    last_output: Option<Instant>,
    start_error: Option<PtyError>,
    terminal: PaneTerminal,
    exit: Option<ChildExit>,
    exited_at: Option<Instant>,
}

impl Pane {
    /// A pane for `command` whose program is not started yet.
    fn new(command: SpawnConfig, config: PaneConfig) -> Pane {
        Pane {
            terminal: PaneTerminal::new(command.size, config),
            command,
            stream: 0,
            process: None,
            latency: None,
            output_done: false,
            last_output: None,
            start_error: None,
            exit: None,
            exited_at: None,
        }
    }

    /// The command the pane runs, as given.
    pub fn command(&self) -> &str {
        &self.command.command
    }

    /// When the pane's program last produced output.
    pub fn last_output(&self) -> Option<Instant> {
        self.last_output
    }

    /// Why the command could not be started, if it could not.
    pub fn start_error(&self) -> Option<&PtyError> {
        self.start_error.as_ref()
    }

    /// The terminal model.
    pub fn terminal(&self) -> &PaneTerminal {
        &self.terminal
    }

    /// The terminal model, mutably (to scroll its view).
    pub fn terminal_mut(&mut self) -> &mut PaneTerminal {
        &mut self.terminal
    }

    /// The child's exit, once it has exited.
    pub fn exit(&self) -> Option<&ChildExit> {
        self.exit.as_ref()
    }

    /// Bytes of output the child has produced so far.
    pub fn bytes_received(&self) -> u64 {
        self.process.as_ref().map_or(0, PtyProcess::bytes_forwarded)
    }

    /// Pane events (title, bell, notifications, clipboard) since the last call.
    pub fn take_events(&mut self) -> Vec<PaneEvent> {
        self.terminal.take_events()
    }

    /// True while the program runs or its output is still being replayed.
    pub fn is_active(&self) -> bool {
        self.process.is_some() && (self.exit.is_none() || !self.output_done)
    }
}

/// Panes running side by side through one parse stage.
///
/// ```
/// use perdix::parse::BackendKind;
/// use perdix::pty::{PaneSize, SpawnConfig};
/// use perdix::term::PaneConfig;
/// use perdix::tui::PaneSet;
/// use std::time::Duration;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let size = PaneSize::new(20, 3);
/// let commands = [
///     SpawnConfig::new("printf 'one\\033[1mbold'").with_size(size),
///     SpawnConfig::new("perdix-no-such-program").with_size(size),
/// ];
/// let mut panes = PaneSet::spawn(&commands, BackendKind::Cpu, PaneConfig::default())?;
/// panes.run_to_end(Duration::from_secs(10))?;
/// assert_eq!(panes.panes()[0].terminal().screen_text(), ["onebold", "", ""]);
/// assert!(panes.panes()[1].start_error().is_some());
/// # Ok(())
/// # }
/// ```
pub struct PaneSet {
    panes: Vec<Pane>,
    records: Consumer<'static>,
    inputs: StageInputs,
    stage: Option<JoinHandle<Result<(), ParseError>>>,
    stop: Arc<AtomicBool>,
    backend: &'static str,
    config: PaneConfig,
    next_stream: u16,
    log_reads: bool,
}

impl PaneSet {
    /// Starts the parse stage on `backend` and every command in its own pane. A command
    /// that cannot start does not stop the others: its pane keeps the error and shows it
    /// on its screen.
    pub fn spawn(
        commands: &[SpawnConfig],
        backend: BackendKind,
        config: PaneConfig,
    ) -> Result<PaneSet, PaneSetError> {
        Self::start_all(commands, backend, config, false)
    }

    /// [`spawn`](Self::spawn), also measuring latency: every pane logs when its output was
    /// read, for [`take_shown_reads`](Self::take_shown_reads).
    pub fn spawn_measuring_latency(
        commands: &[SpawnConfig],
        backend: BackendKind,
        config: PaneConfig,
    ) -> Result<PaneSet, PaneSetError> {
        Self::start_all(commands, backend, config, true)
    }

    fn start_all(
        commands: &[SpawnConfig],
        backend: BackendKind,
        config: PaneConfig,
        log_reads: bool,
    ) -> Result<PaneSet, PaneSetError> {
        let (records_tx, records) = Buffer::new(RECORD_SLOTS).map_err(ParseError::from)?.split();
        let mut stage = ParseStage::new(backend, records_tx)?;
        let backend = stage.backend_name();
        let inputs = stage.inputs_handle();
        let stop = Arc::new(AtomicBool::new(false));
        let stage = stage.spawn(Arc::clone(&stop))?;
        let mut set = PaneSet {
            panes: Vec::with_capacity(commands.len()),
            records,
            inputs,
            stage: Some(stage),
            stop,
            backend,
            config,
            next_stream: 0,
            log_reads,
        };
        for command in commands {
            set.add_pane(command.clone())?;
        }
        Ok(set)
    }

    /// Starts `command` in a new pane at the end; returns its index.
    pub fn add_pane(&mut self, command: SpawnConfig) -> Result<usize, PaneSetError> {
        self.panes.push(Pane::new(command, self.config));
        let index = self.panes.len() - 1;
        if let Err(error) = self.start(index) {
            self.panes.pop();
            return Err(error);
        }
        Ok(index)
    }

    /// Starts pane `index`'s command on a fresh stream.
    fn start(&mut self, index: usize) -> Result<(), PaneSetError> {
        let stream = self.free_stream()?;
        let (input_tx, input_rx) = Buffer::new(INPUT_SLOTS).map_err(ParseError::from)?.split();
        let pane = &mut self.panes[index];
        pane.stream = stream;
        let started = if self.log_reads {
            PtyProcess::spawn_logging_reads(&pane.command, input_tx, stream)
                .map(|(process, reads)| (process, Some(reads)))
        } else {
            PtyProcess::spawn(&pane.command, input_tx, stream).map(|process| (process, None))
        };
        match started {
            Ok((process, reads)) => {
                let progress = match reads {
                    Some(reads) => self
                        .inputs
                        .add_with_progress(stream, input_rx)
                        .map(|progress| Some((reads, progress))),
                    None => self.inputs.add(stream, input_rx).map(|()| None),
                };
                let Ok(progress) = progress else {
                    return Err(PaneSetError::StageEnded);
                };
                pane.latency = progress.map(|(reads, progress)| LatencyProbe {
                    reads,
                    progress,
                    taken: 0,
                    shown: 0,
                    applied: 0,
                });
                pane.process = Some(process);
            }
            Err(error) => {
                show_error(&mut pane.terminal, &error);
                pane.output_done = true;
                pane.start_error = Some(error);
            }
        }
        Ok(())
    }

    /// A stream id no live pane uses.
    fn free_stream(&mut self) -> Result<u16, PaneSetError> {
        for _ in 0..=u16::MAX {
            let candidate = self.next_stream;
            self.next_stream = self.next_stream.wrapping_add(1);
            if !self
                .panes
                .iter()
                .any(|pane| pane.stream == candidate && pane.process.is_some())
            {
                return Ok(candidate);
            }
        }
        Err(PaneSetError::TooManyPanes(self.panes.len()))
    }

    /// Closes pane `index`: its program is ended (SIGHUP, then SIGKILL) and the pane
    /// removed.
    pub fn close_pane(&mut self, index: usize) -> Result<(), PaneSetError> {
        if index >= self.panes.len() {
            return Err(PaneSetError::NoSuchPane(index));
        }
        self.panes.remove(index);
        Ok(())
    }

    /// Runs pane `index`'s command again on a cleared screen (after it exited), at the
    /// pane's current size.
    pub fn restart_pane(&mut self, index: usize) -> Result<(), PaneSetError> {
        let pane = self.panes.get_mut(index).ok_or(PaneSetError::NoSuchPane(index))?;
        let mut command = pane.command.clone();
        command.size = pane.terminal.size();
        // Replacing the pane ends its old program (if it still runs) before the new one starts.
        *pane = Pane::new(command, self.config);
        self.start(index)
    }

    /// The panes, in the order their commands were given.
    pub fn panes(&self) -> &[Pane] {
        &self.panes
    }

    /// Pane `index`, mutably (to take its events).
    pub fn pane_mut(&mut self, index: usize) -> Option<&mut Pane> {
        self.panes.get_mut(index)
    }

    /// The parse backend that runs.
    pub fn backend_name(&self) -> &'static str {
        self.backend
    }

    /// Applies the records that have arrived (up to a budget), answers the programs'
    /// queries, applies timed-out synchronized updates and notes exited children.
    /// Returns the record messages applied.
    pub fn pump(&mut self) -> Result<usize, PaneSetError> {
        let mut applied = 0;
        let mut failure = None;
        let panes = &mut self.panes;
        let now = Instant::now();
        self.records.consume_each(PUMP_BUDGET, |message| {
            applied += 1;
            let stream = message.stream();
            // Records of a closed pane (or an earlier run of a restarted one) are dropped.
            let Some((pane, target)) = panes
                .iter_mut()
                .enumerate()
                .find(|(_, pane)| pane.stream == stream && pane.process.is_some())
            else {
                return;
            };
            if message.is_empty() {
                target.output_done = true;
                return;
            }
            target.last_output = Some(now);
            if failure.is_none() {
                if let Err(error) = target.terminal.apply_records_at(&message.as_bytes(), now) {
                    failure = Some(PaneSetError::Records { pane, error });
                }
            }
            if let Some(probe) = &mut target.latency {
                probe.taken += 1;
                if !target.terminal.is_holding() {
                    probe.shown = probe.taken;
                }
            }
        });
        if let Some(failure) = failure {
            return Err(failure);
        }
        for (index, pane) in self.panes.iter_mut().enumerate() {
            pane.terminal.poll_sync(now);
            if let Some(probe) = &mut pane.latency {
                if !pane.terminal.is_holding() {
                    probe.shown = probe.taken;
                }
                if let Some(bytes) = probe.progress.covered_by(probe.shown) {
                    probe.applied = bytes;
                }
            }
            let replies = pane.terminal.take_replies();
            if let Some(process) = &mut pane.process {
                if !replies.is_empty() && pane.exit.is_none() {
                    process
                        .write_input(&replies)
                        .map_err(|error| PaneSetError::Pty { pane: index, error })?;
                }
                if pane.exit.is_none() {
                    pane.exit = process
                        .try_wait()
                        .map_err(|error| PaneSetError::Pty { pane: index, error })?;
                    if pane.exit.is_some() {
                        pane.exited_at = Some(now);
                    }
                }
            }
        }
        Ok(applied)
    }

    /// True when the record ring holds records not yet applied (the last
    /// [`pump`](Self::pump) stopped at its budget, or more arrived since).
    pub fn has_pending_records(&self) -> bool {
        !self.records.is_empty()
    }

    /// For panes started by [`spawn_measuring_latency`](Self::spawn_measuring_latency):
    /// calls `each` with the latency of every chunk of output that a frame ending at
    /// `shown_at` shows for the first time (from the chunk's PTY read to `shown_at`).
    /// Call it after drawing the panes as the last [`pump`](Self::pump) left them.
    pub fn take_shown_reads(&mut self, shown_at: Instant, mut each: impl FnMut(Duration)) {
        for probe in self.panes.iter_mut().filter_map(|pane| pane.latency.as_mut()) {
            probe.reads.take_through(probe.applied, |read| {
                each(shown_at.saturating_duration_since(read.at))
            });
        }
    }

    /// True once every child has exited and every byte it wrote has been parsed and
    /// replayed.
    pub fn is_finished(&self) -> bool {
        !self.panes.iter().any(Pane::is_active)
    }

    /// Pumps until [`is_finished`](Self::is_finished) or until `timeout` passes (then
    /// the children still running are ended and what they wrote is still replayed), then
    /// shows whatever synchronized updates still hold.
    pub fn run_to_end(&mut self, timeout: Duration) -> Result<(), PaneSetError> {
        let deadline = Instant::now().checked_add(timeout);
        let mut killed = false;
        while !self.is_finished() {
            if self.pump()? == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
            let now = Instant::now();
            if !killed && deadline.is_some_and(|deadline| now >= deadline) {
                killed = true;
                self.kill_all();
            }
            for pane in &mut self.panes {
                // The program has exited, but something it started (in another session)
                // still holds its terminal open: once that has been quiet for a while,
                // what it wrote so far is shown and the rest is not waited for.
                if let Some(exited_at) = pane.exited_at {
                    let quiet_since = pane.last_output.map_or(exited_at, |output| output.max(exited_at));
                    pane.output_done |= now.saturating_duration_since(quiet_since) >= OUTPUT_GRACE;
                }
            }
        }
        for pane in &mut self.panes {
            pane.terminal.release_held();
        }
        Ok(())
    }

    /// Ends every pane's program: all are hung up at once, and those still running after
    /// one [`HANGUP_GRACE`] are killed. What they wrote is still replayed and their exits
    /// are noted by [`pump`](Self::pump).
    pub fn kill_all(&mut self) {
        fn processes(panes: &mut [Pane]) -> impl Iterator<Item = &mut PtyProcess> {
            panes.iter_mut().filter_map(|pane| pane.process.as_mut())
        }
        for process in processes(&mut self.panes) {
            process.hang_up();
        }
        // Most programs end on the hangup: give them all one grace period together.
        let deadline = Instant::now() + HANGUP_GRACE;
        while Instant::now() < deadline
            && processes(&mut self.panes).any(|process| matches!(process.try_wait(), Ok(None)))
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        for process in processes(&mut self.panes) {
            if matches!(process.try_wait(), Ok(None)) {
                process.force_kill();
            }
        }
    }

    /// Sends `bytes` to pane `index`'s program as typed input.
    pub fn write_input(&mut self, index: usize, bytes: &[u8]) -> Result<(), PaneSetError> {
        let pane = self.panes.get_mut(index).ok_or(PaneSetError::NoSuchPane(index))?;
        match &mut pane.process {
            Some(process) => process
                .write_input(bytes)
                .map_err(|error| PaneSetError::Pty { pane: index, error }),
            None => Ok(()),
        }
    }

    /// Resizes pane `index`: its PTY (the program gets SIGWINCH) and its model together.
    pub fn resize(&mut self, index: usize, size: PaneSize) -> Result<(), PaneSetError> {
        let pane = self.panes.get_mut(index).ok_or(PaneSetError::NoSuchPane(index))?;
        if let Some(process) = &mut pane.process {
            process
                .resize(size)
                .map_err(|error| PaneSetError::Pty { pane: index, error })?;
        }
        pane.terminal.resize(size);
        Ok(())
    }
}

impl Drop for PaneSet {
    fn drop(&mut self) {
        // Relaxed: the flag only asks the stage to end; nothing is handed over with it.
        self.stop.store(true, Ordering::Relaxed);
        // The children are ended together, then dropped; the stage then sees every input end.
        self.kill_all();
        self.panes.clear();
        if let Some(stage) = self.stage.take() {
            let _ = stage.join();
        }
    }
}

/// Writes a start failure into the pane's screen, as the user will see it.
fn show_error(terminal: &mut PaneTerminal, error: &PtyError) {
    let mut records = Vec::new();
    {
        let mut writer = crate::parse::RecordWriter::new(&mut records);
        writer.text(&format!("perdix: {error}"));
    }
    // Records written just above always decode.
    let _ = terminal.apply_records(&records);
}

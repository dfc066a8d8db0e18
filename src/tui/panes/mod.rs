//! Several agent panes on the whole data flow: each child in its own PTY, its reader
//! thread filling the pane's input ring, one parse stage over all of them on its own
//! thread, and the records replayed here into each pane's terminal model, with the
//! model's replies written back to that pane's PTY only.
//!
//! One pane never stops the others: input and replies go through a bounded queue per pane
//! that never blocks ([`InputQueue`]), a pane whose output cannot be parsed or replayed
//! shows a line saying so while the others carry on, and a parse stage whose thread ends
//! is started again with every pane. What the user should know about such failures is kept
//! for [`take_notices`](PaneSet::take_notices).

mod pane;
mod stage_link;

pub use pane::Pane;

use crate::backend::StageNotice;
use crate::parse::{BackendKind, ParseError};
use crate::pty::{InputQueue, InputRefused, PaneSize, PtyError, PtyProcess, SpawnConfig, HANGUP_GRACE};
use crate::ring::{Buffer, EventCount};
use crate::term::{Palette, PaneConfig};
use pane::LatencyProbe;
use stage_link::StageLink;
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Slots of each pane's input ring: 240 KiB of output in flight per pane. Under a flood
/// every buffered byte is latency, so the rings are only as deep as throughput needs.
const INPUT_SLOTS: usize = 1024;
/// How long [`PaneSet::run_to_end`] waits for a pane's terminal to close once its program
/// has exited and the terminal has gone quiet.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);
/// How long [`PaneSet::run_to_end`] waits, after a program exited and its reader read the
/// end of its output, for the parse stage to pass that end on.
const STAGE_GRACE: Duration = Duration::from_secs(60);
/// Most record messages applied per [`PaneSet::pump`] (about 250 KiB of records, a few
/// milliseconds of work), so a flooding pane cannot keep the caller from drawing on time.
const PUMP_BUDGET: usize = 1024;
/// How often [`PaneSet::run_to_end`] looks for exited children while nothing arrives.
const RUN_TO_END_POLL: Duration = Duration::from_millis(20);
/// Most notices kept for [`PaneSet::take_notices`]; older ones are dropped first.
const NOTICES_KEPT: usize = 64;

/// Why the pane set failed as a whole (a single pane's failure is kept in that pane).
#[derive(Debug, Error)]
pub enum PaneSetError {
    /// The parse stage could not be set up or failed.
    #[error("parse stage: {0}")]
    Parse(#[from] ParseError),
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
    /// A pane's terminal refused a resize, or could not be reconnected.
    #[error("pane {}: {error}", pane + 1)]
    Pty {
        /// The pane (0-based).
        pane: usize,
        /// What failed.
        error: PtyError,
    },
    /// A pane's program does not take its input: what was sent is not queued.
    #[error("pane {}: input not sent: {error}", pane + 1)]
    InputRefused {
        /// The pane (0-based).
        pane: usize,
        /// Why.
        error: InputRefused,
    },
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
    stage: StageLink,
    /// What the app sleeps on: the record ring's publishes notify it (see
    /// [`waker`](Self::waker)).
    waker: Arc<EventCount>,
    config: PaneConfig,
    next_stream: u16,
    log_reads: bool,
    notices: Vec<String>,
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
        let waker = Arc::new(EventCount::new());
        let mut set = PaneSet {
            panes: Vec::with_capacity(commands.len()),
            stage: StageLink::start(backend, &waker)?,
            waker,
            config,
            next_stream: 0,
            log_reads,
            notices: Vec::new(),
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
            Ok((mut process, reads)) => {
                let inputs = &self.stage.inputs;
                let progress = match reads {
                    Some(reads) => inputs
                        .add_with_progress(stream, input_rx)
                        .map(|progress| Some((reads, progress))),
                    None => inputs.add(stream, input_rx).map(|()| None),
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
                pane.input = match process.take_input_writer() {
                    Some(writer) => {
                        let direct = process
                            .direct_writer()
                            .map_err(|error| PaneSetError::Pty { pane: index, error })?;
                        let name = format!("pty-writer-{stream}");
                        Some(InputQueue::start_direct(writer, Box::new(direct), name)?)
                    }
                    None => None,
                };
                pane.process = Some(process);
            }
            Err(error) => {
                pane.show_start_error(&error);
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
        self.restart_pane_as(index, None)
    }

    /// [`restart_pane`](Self::restart_pane) with `command_line` in place of the pane's
    /// command line when given (an agent resuming its last conversation); the pane keeps
    /// it from then on.
    pub fn restart_pane_as(
        &mut self,
        index: usize,
        command_line: Option<String>,
    ) -> Result<(), PaneSetError> {
        let pane = self.panes.get_mut(index).ok_or(PaneSetError::NoSuchPane(index))?;
        let mut command = pane.command.clone();
        command.size = pane.terminal.size();
        if let Some(line) = command_line {
            command.command = line;
        }
        // Replacing the pane ends its old program (if it still runs) before the new one starts.
        *pane = Pane::new(command, self.config);
        self.start(index)
    }

    /// Draws every pane, and every pane started from now on, with `palette`. Programs
    /// that asked to be told of palette changes (mode 2031) get the colour-scheme report
    /// with the next [`pump`](Self::pump).
    pub fn set_palette(&mut self, palette: Palette) {
        self.config.palette = palette;
        for pane in &mut self.panes {
            pane.terminal.set_palette(palette);
        }
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
        self.stage.backend
    }

    /// What the user should be told since the last call: panes whose output could not be
    /// parsed, a parse stage that was restarted, a pane that stopped taking input.
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    fn notice(&mut self, text: String) {
        if self.notices.len() == NOTICES_KEPT {
            self.notices.remove(0);
        }
        self.notices.push(text);
    }

    /// The pane index of `stream`'s running pane.
    fn pane_of(&self, stream: u16) -> Option<usize> {
        self.panes
            .iter()
            .position(|pane| pane.stream == stream && pane.process.is_some())
    }

    /// Applies the records that have arrived (up to a budget), answers the programs'
    /// queries, applies timed-out synchronized updates and notes exited children.
    /// Returns the record messages applied.
    ///
    /// What goes wrong in one pane is shown in that pane and noted (see
    /// [`take_notices`](Self::take_notices)); the error cases left are those of the whole
    /// set: a parse stage that cannot be started again.
    pub fn pump(&mut self) -> Result<usize, PaneSetError> {
        self.watch_stage()?;
        let now = Instant::now();
        let applied = self.apply_records(PUMP_BUDGET, now);
        for index in 0..self.panes.len() {
            let pane = &mut self.panes[index];
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
            if !replies.is_empty() && pane.exit.is_none() {
                if let Some(input) = &pane.input {
                    // A program that does not read gets no more answers; nothing waits.
                    input.send_reply(&replies);
                }
            }
            let Some(process) = &mut pane.process else {
                continue;
            };
            if pane.exit.is_none() {
                match process.try_wait() {
                    Ok(exit) => {
                        pane.exit = exit;
                        if pane.exit.is_some() {
                            pane.exited_at = Some(now);
                        }
                    }
                    Err(error) => {
                        let text = format!("pane {}: {error}", index + 1);
                        self.notice(text);
                    }
                }
            }
        }
        Ok(applied)
    }

    /// Applies up to `budget` record messages; a pane whose records do not decode shows
    /// that and goes on with its next message.
    fn apply_records(&mut self, budget: usize, now: Instant) -> usize {
        let mut applied = 0;
        let mut failures = Vec::new();
        let panes = &mut self.panes;
        self.stage.records.consume_each(budget, |message| {
            applied += 1;
            let stream = message.stream();
            // Records of a closed pane (or an earlier run of a restarted one) are dropped.
            let Some((index, target)) = panes
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
            if let Err(error) = target.terminal.apply_records_at(&message.as_bytes(), now) {
                target.show_notice(&format!("output lost here: {error}"));
                failures.push(format!("pane {}: records did not decode: {error}", index + 1));
            }
            if let Some(probe) = &mut target.latency {
                probe.taken += 1;
                if !target.terminal.is_holding() {
                    probe.shown = probe.taken;
                }
            }
        });
        for failure in failures {
            self.notice(failure);
        }
        applied
    }

    /// Takes the stage's notices, and starts the stage again, with every running pane,
    /// when its thread has ended.
    fn watch_stage(&mut self) -> Result<(), PaneSetError> {
        while let Ok(notice) = self.stage.notices.try_recv() {
            let text = match &notice {
                StageNotice::PaneFault { stream, .. } => match self.pane_of(*stream) {
                    Some(index) => format!("pane {}: {notice}", index + 1),
                    None => continue,
                },
                StageNotice::Restarted { .. } => notice.to_string(),
            };
            self.notice(text);
        }
        let Some(reason) = self.stage.ended() else {
            return Ok(());
        };
        // What the old stage published is still good.
        self.apply_records(usize::MAX, Instant::now());
        self.stage = StageLink::start(self.stage.kind, &self.waker)?;
        self.notice(format!(
            "the parse stage ended ({reason}); restarted on {}",
            self.stage.backend
        ));
        for index in 0..self.panes.len() {
            let pane = &mut self.panes[index];
            let Some(process) = pane.process.as_mut().filter(|_| !pane.output_done) else {
                continue;
            };
            let (input_tx, input_rx) = Buffer::new(INPUT_SLOTS).map_err(ParseError::from)?.split();
            process
                .reconnect_output(input_tx)
                .map_err(|error| PaneSetError::Pty { pane: index, error })?;
            // Latency is measured on the first reader's log only.
            pane.latency = None;
            if self.stage.inputs.add(pane.stream, input_rx).is_err() {
                return Err(PaneSetError::StageEnded);
            }
            pane.show_notice("the parse stage restarted; output may be missing here");
        }
        Ok(())
    }

    /// Makes the stage act out `fault`, to test what supervises it.
    #[doc(hidden)]
    pub fn inject_stage_fault(&self, fault: crate::backend::InjectedFault) -> bool {
        self.stage.inputs.inject_fault(fault)
    }

    /// The event count the app sleeps on: the parse stage notifies it whenever it
    /// publishes records (or ends); notify it for anything else the app must wake for
    /// (input events, signals). See [`wait_for_work`](Self::wait_for_work).
    pub fn waker(&self) -> Arc<EventCount> {
        Arc::clone(&self.waker)
    }

    /// Sleeps until records arrive, `ready` (asked after announcing the sleep, so that a
    /// notify in between is not lost) says there is other work, or `deadline` passes.
    /// Returns at once when records are already waiting.
    ///
    /// ```
    /// use perdix::parse::BackendKind;
    /// use perdix::pty::SpawnConfig;
    /// use perdix::term::PaneConfig;
    /// use perdix::tui::PaneSet;
    /// use std::time::{Duration, Instant};
    /// let commands = [SpawnConfig::new("sh -c 'sleep 0.2; echo late'")];
    /// let mut panes = PaneSet::spawn(&commands, BackendKind::Cpu, PaneConfig::default()).unwrap();
    /// let start = Instant::now();
    /// while !panes.panes()[0].terminal().screen_text()[0].contains("late") {
    ///     panes.wait_for_work(Some(start + Duration::from_secs(10)), || false);
    ///     panes.pump().unwrap();
    /// }
    /// assert!(start.elapsed() < Duration::from_secs(10));
    /// ```
    pub fn wait_for_work(&self, deadline: Option<Instant>, ready: impl FnOnce() -> bool) {
        let key = self.waker.prepare_wait();
        if self.has_pending_records() || !self.stage.records.is_producer_connected() || ready() {
            self.waker.cancel_wait();
            return;
        }
        match deadline {
            Some(deadline) => {
                self.waker.wait_until(key, deadline);
            }
            None => self.waker.wait(key),
        }
    }

    /// The earliest time a pane's screen changes without new output: a synchronized
    /// update that times out.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.panes
            .iter()
            .filter_map(|pane| pane.terminal.sync_deadline())
            .min()
    }

    /// True when the record ring holds records not yet applied (the last
    /// [`pump`](Self::pump) stopped at its budget, or more arrived since).
    pub fn has_pending_records(&self) -> bool {
        !self.stage.records.is_empty()
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
                // Records wake it; a child's exit and the grace below are looked at again
                // after a short while.
                self.wait_for_work(Some(Instant::now() + RUN_TO_END_POLL), || false);
            }
            let now = Instant::now();
            if !killed && deadline.is_some_and(|deadline| now >= deadline) {
                killed = true;
                self.kill_all();
            }
            for pane in &mut self.panes {
                // The program has exited, but something it started (in another session)
                // still holds its terminal open: once that has been quiet for a while,
                // what it wrote so far is shown and the rest is not waited for. When the
                // reader has its end, every byte is in the ring and the end follows them
                // through the parse stage, however slowly it starts (a GPU backend
                // compiling its shaders): that is waited for, within a longer grace.
                if let Some(exited_at) = pane.exited_at {
                    let reader_done = pane.process.as_ref().is_some_and(PtyProcess::is_output_finished);
                    let grace = if reader_done { STAGE_GRACE } else { OUTPUT_GRACE };
                    let quiet_since = pane.last_output.map_or(exited_at, |output| output.max(exited_at));
                    pane.output_done |= now.saturating_duration_since(quiet_since) >= grace;
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

    /// Sends `bytes` to pane `index`'s program as typed input. Never blocks: refused when
    /// the program has not taken [`INPUT_LIMIT`](crate::pty::INPUT_LIMIT) bytes sent before.
    pub fn write_input(&mut self, index: usize, bytes: &[u8]) -> Result<(), PaneSetError> {
        let pane = self.panes.get_mut(index).ok_or(PaneSetError::NoSuchPane(index))?;
        match &pane.input {
            Some(input) if pane.exit.is_none() => input
                .send_input(bytes)
                .map_err(|error| PaneSetError::InputRefused { pane: index, error }),
            _ => Ok(()),
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
        // The children are ended together, then dropped; the stage then sees every input end.
        self.kill_all();
        self.panes.clear();
        self.stage.stop();
    }
}

//! One agent pane: its command, child process, input queue and terminal model.

use crate::backend::ProgressLog;
use crate::parse::RecordWriter;
use crate::pty::{ChildExit, InputQueue, PtyError, PtyProcess, ReadLog, SpawnConfig};
use crate::term::{PaneConfig, PaneTerminal};
use std::time::Instant;

/// What a pane keeps for measuring latency from a PTY read to the screen.
pub(super) struct LatencyProbe {
    pub reads: ReadLog,
    pub progress: ProgressLog,
    /// Record messages of the pane taken from the ring.
    pub taken: u64,
    /// Of those, the ones on screen: not held back by a synchronized update.
    pub shown: u64,
    /// Input bytes whose records are all on screen.
    pub applied: u64,
}

/// One agent pane: its command, child process and terminal model.
pub struct Pane {
    pub(super) command: SpawnConfig,
    pub(super) stream: u16,
    pub(super) process: Option<PtyProcess>,
    /// Where keys, pastes and replies to the program's queries go; never blocks.
    pub(super) input: Option<InputQueue>,
    pub(super) latency: Option<LatencyProbe>,
    pub(super) output_done: bool,
    pub(super) last_output: Option<Instant>,
    pub(super) start_error: Option<PtyError>,
    pub(super) terminal: PaneTerminal,
    pub(super) exit: Option<ChildExit>,
    pub(super) exited_at: Option<Instant>,
}

impl Pane {
    /// A pane for `command` whose program is not started yet.
    pub(super) fn new(command: SpawnConfig, config: PaneConfig) -> Pane {
        Pane {
            terminal: PaneTerminal::new(command.size, config),
            command,
            stream: 0,
            process: None,
            input: None,
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

    /// How the program was started: command line, working directory, extra environment.
    pub fn spawn_config(&self) -> &SpawnConfig {
        &self.command
    }

    /// The pane terminal's foreground process group (see
    /// [`PtyProcess::foreground_process_group`]), while the program runs.
    pub fn foreground_process_group(&self) -> Option<u32> {
        self.process
            .as_ref()
            .and_then(|process| process.foreground_process_group())
    }

    /// Where the pane's program is now, where the system tells (Linux `/proc`), else the
    /// directory it was started in.
    pub fn current_dir(&self) -> Option<std::path::PathBuf> {
        self.process_id()
            .and_then(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).ok())
            .or_else(|| self.command.cwd.clone())
    }

    /// The program's process id, while it runs.
    pub fn process_id(&self) -> Option<u32> {
        self.process.as_ref().and_then(|process| process.process_id())
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

    /// Bytes of input (keys, pastes, replies) the program has not taken yet.
    pub fn input_queued(&self) -> usize {
        self.input.as_ref().map_or(0, InputQueue::queued)
    }

    /// Replies to the program's queries dropped because it did not read its input.
    pub fn dropped_replies(&self) -> u64 {
        self.input.as_ref().map_or(0, InputQueue::dropped_replies)
    }

    /// Pane events (title, bell, notifications, clipboard) since the last call.
    pub fn take_events(&mut self) -> Vec<crate::term::PaneEvent> {
        self.terminal.take_events()
    }

    /// True while the program runs or its output is still being replayed.
    pub fn is_active(&self) -> bool {
        self.process.is_some() && (self.exit.is_none() || !self.output_done)
    }

    /// Writes why the program could not start where its output would have been.
    pub(super) fn show_start_error(&mut self, error: &PtyError) {
        let mut records = Vec::new();
        RecordWriter::new(&mut records).text(&format!("perdix: {error}"));
        // Records written just above always decode.
        let _ = self.terminal.apply_records(&records);
    }

    /// Writes `text` into the pane's screen as a line of Perdix's own
    /// ([`RecordWriter::notice`]).
    pub(super) fn show_notice(&mut self, text: &str) {
        let mut records = Vec::new();
        RecordWriter::new(&mut records).notice(text);
        // Records written just above always decode.
        let _ = self.terminal.apply_records(&records);
    }
}

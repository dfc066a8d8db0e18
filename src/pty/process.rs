//! A child running in its own pseudo-terminal, with its output flowing into a ring.

use super::config::{resolve_program, PaneSize, SpawnConfig};
use super::error::PtyError;
use super::nonblocking::{set_nonblocking, DirectWriter, Polling};
use super::paste::paste_bytes;
use super::reader::{OutputEnd, OutputReader, ReadLog};
use crate::ring::{AgentType, Producer, Tag};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

/// Variables by which programs recognise the terminal (or multiplexer) they run in; a
/// pane does not inherit them from Perdix's own environment.
const OUTER_TERMINAL_VARIABLES: [&str; 16] = [
    "TMUX",
    "TMUX_PANE",
    "STY",
    "ZELLIJ",
    "ZELLIJ_SESSION_NAME",
    "ZELLIJ_PANE_ID",
    "KITTY_WINDOW_ID",
    "KITTY_PID",
    "WEZTERM_PANE",
    "WEZTERM_UNIX_SOCKET",
    "ITERM_SESSION_ID",
    "TERM_SESSION_ID",
    "VTE_VERSION",
    "WT_SESSION",
    "ALACRITTY_WINDOW_ID",
    "KONSOLE_VERSION",
];

/// How long [`PtyProcess::kill`] gives a hung-up program to end before killing it.
pub const HANGUP_GRACE: Duration = Duration::from_millis(250);

/// How a child ended.
///
/// ```
/// use perdix::pty::ChildExit;
/// assert!(ChildExit { code: 0, signal: None }.success());
/// assert!(!ChildExit { code: 1, signal: Some("Killed".into()) }.success());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildExit {
    /// The exit code (1 when a signal ended the child).
    pub code: u32,
    /// The name of the signal that ended the child, if one did.
    pub signal: Option<String>,
}

impl ChildExit {
    /// True for exit code 0 without a signal.
    pub fn success(&self) -> bool {
        self.code == 0 && self.signal.is_none()
    }
}

impl From<portable_pty::ExitStatus> for ChildExit {
    fn from(status: portable_pty::ExitStatus) -> ChildExit {
        ChildExit {
            code: status.exit_code(),
            signal: status.signal().map(str::to_owned),
        }
    }
}

/// One child in its own pseudo-terminal. Its output is copied by a reader thread into the
/// ring whose producer was handed over at spawn; input, resizes and exit go through here.
///
/// Dropping it kills the child (SIGHUP, then SIGKILL after a short grace) and reaps it, so
/// no child outlives its pane.
///
/// ```
/// use perdix::pty::{PtyProcess, SpawnConfig};
/// use perdix::Buffer;
/// use std::time::Duration;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (producer, mut consumer) = Buffer::new(64)?.split();
/// let mut child = PtyProcess::spawn(&SpawnConfig::new("sh -c 'echo hi'"), producer, 1)?;
/// assert!(child.wait_output(Duration::from_secs(10)).is_some());
/// let mut output = Vec::new();
/// while let Some(message) = consumer.try_consume() {
///     assert_eq!(message.tag().stream(), 1);
///     output.extend_from_slice(message.as_bytes());
/// }
/// assert_eq!(output, b"hi\r\n"); // the terminal turns "\n" into "\r\n"
/// assert_eq!(child.wait()?.code, 0);
/// # Ok(())
/// # }
/// ```
pub struct PtyProcess {
    program: String,
    size: PaneSize,
    stream: u16,
    master: Box<dyn MasterPty + Send>,
    /// `None` once handed out by [`take_input_writer`](PtyProcess::take_input_writer).
    writer: Option<Box<dyn Write + Send>>,
    child: Box<dyn Child + Send + Sync>,
    exit: Option<ChildExit>,
    reader: OutputReader,
}

impl PtyProcess {
    /// Starts `config`'s command in a new pseudo-terminal and a reader thread that pushes
    /// its output into `producer`, tagged [`AgentType::Assistant`] on stream `stream`.
    ///
    /// Fails, without starting anything, on an empty or unparsable command, a program that
    /// does not exist or cannot be executed, a bad working directory or a zero size.
    ///
    /// The program is looked up before the fork because portable-pty's child closes the
    /// pipe through which the exec error would come back: a program that still fails to
    /// execute shows up as a child that exits at once, unsuccessfully.
    ///
    /// ```
    /// use perdix::pty::{PtyError, PtyProcess, SpawnConfig};
    /// use perdix::Buffer;
    /// let (producer, _consumer) = Buffer::new(8).unwrap().split();
    /// let result = PtyProcess::spawn(&SpawnConfig::new("perdix-no-such-program"), producer, 0);
    /// assert!(matches!(result, Err(PtyError::CommandNotFound { .. })));
    /// ```
    pub fn spawn(
        config: &SpawnConfig,
        producer: Producer<'static>,
        stream: u16,
    ) -> Result<PtyProcess, PtyError> {
        Self::start(config, producer, stream, false).map(|(process, _)| process)
    }

    /// [`spawn`](Self::spawn), also logging when each chunk of output was read (for
    /// measuring latency from the PTY to the screen).
    ///
    /// ```
    /// use perdix::pty::{PtyProcess, SpawnConfig};
    /// use perdix::Buffer;
    /// use std::time::Duration;
    /// let (producer, _consumer) = Buffer::new(8).unwrap().split();
    /// let (mut process, mut reads) =
    ///     PtyProcess::spawn_logging_reads(&SpawnConfig::new("printf abc"), producer, 0).unwrap();
    /// process.wait_output(Duration::from_secs(10)).unwrap();
    /// let mut last = 0;
    /// reads.take_through(u64::MAX, |read| last = read.end);
    /// assert_eq!(last, 3);
    /// ```
    pub fn spawn_logging_reads(
        config: &SpawnConfig,
        producer: Producer<'static>,
        stream: u16,
    ) -> Result<(PtyProcess, ReadLog), PtyError> {
        let (process, log) = Self::start(config, producer, stream, true)?;
        Ok((process, log.expect("a log was asked for")))
    }

    fn start(
        config: &SpawnConfig,
        producer: Producer<'static>,
        stream: u16,
        log_reads: bool,
    ) -> Result<(PtyProcess, Option<ReadLog>), PtyError> {
        let size = config.size.validate()?;
        let argv = config.argv()?;
        let cwd = config.working_directory()?;
        let program = argv[0].clone();
        resolve_program(&program, config, &cwd)?;

        let mut command = CommandBuilder::from_argv(argv.iter().map(Into::into).collect());
        command.cwd(&cwd);
        command.env("TERM", "xterm-256color");
        // What the pane's terminal is, for programs that pick features by it: 24-bit
        // colour, and Perdix itself (which XTVERSION also answers).
        command.env("COLORTERM", "truecolor");
        command.env("TERM_PROGRAM", "perdix");
        command.env("TERM_PROGRAM_VERSION", env!("CARGO_PKG_VERSION"));
        command.env_remove("COLUMNS");
        command.env_remove("LINES");
        // The pane's terminal is Perdix, whatever runs Perdix: a program must not take
        // the outer terminal's (or multiplexer's) features for its own.
        for variable in OUTER_TERMINAL_VARIABLES {
            command.env_remove(variable);
        }
        for (key, value) in &config.env {
            command.env(key, value);
        }

        let pair = portable_pty::native_pty_system()
            .openpty(pty_size(size))
            .map_err(|err| PtyError::Open(format!("{err:#}")))?;
        let child = pair.slave.spawn_command(command).map_err(|err| PtyError::Spawn {
            program: program.clone(),
            reason: format!("{err:#}"),
        })?;
        // The child holds its own copy of the terminal's child side; dropping this one
        // lets the master see EOF when the child (and anything it started) closes it.
        drop(pair.slave);
        let master = pair.master;

        let mut process_guard = KillOnError(Some(child));
        // Non-blocking for every handle on the master (see `nonblocking`): the reader and
        // writer wait in poll, and the app may write a key without waiting.
        with_master_fd(&*master, set_nonblocking).map_err(|err| PtyError::Open(err.to_string()))?;
        let source = polling_reader(&*master)?;
        let writer = master
            .take_writer()
            .map_err(|err| PtyError::Open(format!("{err:#}")))?;
        let writer: Box<dyn Write + Send> = Box::new(Polling::new(writer, dup_master(&*master)?));
        let tag = Tag::new(AgentType::Assistant).with_stream(stream);
        let (reader, log) =
            OutputReader::start(source, producer, tag, format!("pty-reader-{stream}"), log_reads)
                .map_err(PtyError::ReaderThread)?;
        let child = process_guard.disarm();

        let process = PtyProcess {
            program,
            size,
            stream,
            master,
            writer: Some(writer),
            child,
            exit: None,
            reader,
        };
        Ok((process, log))
    }

    /// Moves the child's output into a new ring from now on, after the consumer of the
    /// old one was lost (a parse stage that ended). The old reader stops at its next read;
    /// the chunk it holds then is lost.
    pub fn reconnect_output(&mut self, producer: Producer<'static>) -> Result<(), PtyError> {
        self.reader.request_stop();
        let source = polling_reader(&*self.master)?;
        let tag = Tag::new(AgentType::Assistant).with_stream(self.stream);
        let name = format!("pty-reader-{}", self.stream);
        let (reader, _) =
            OutputReader::start(source, producer, tag, name, false).map_err(PtyError::ReaderThread)?;
        // The old reader's thread is left to end on its own.
        self.reader = reader;
        Ok(())
    }

    /// The program that was started, as given in the command.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The stream (pane) id its output is tagged with.
    pub fn stream(&self) -> u16 {
        self.stream
    }

    /// The terminal's current size.
    pub fn size(&self) -> PaneSize {
        self.size
    }

    /// The child's process id, while the system knows it.
    pub fn process_id(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Sends `bytes` to the child as if typed. Blocks while the terminal's input buffer is
    /// full (a child that does not read its input).
    /// Fails once the writer was taken with [`take_input_writer`](Self::take_input_writer).
    pub fn write_input(&mut self, bytes: &[u8]) -> Result<(), PtyError> {
        let writer = self
            .writer
            .as_mut()
            .ok_or_else(|| PtyError::Write(std::io::Error::other("the input writer was handed out")))?;
        writer.write_all(bytes).map_err(PtyError::Write)?;
        writer.flush().map_err(PtyError::Write)
    }

    /// Hands out the child's input, for a thread of its own: a write blocks while the
    /// child does not read, and must not hold up whoever drains the output. Afterwards
    /// [`write_input`](Self::write_input) and [`paste`](Self::paste) fail. `None` the
    /// second time.
    ///
    /// ```
    /// use perdix::pty::{PtyProcess, SpawnConfig};
    /// use perdix::Buffer;
    /// use std::io::Write;
    /// let (producer, _consumer) = Buffer::new(64).unwrap().split();
    /// let mut child = PtyProcess::spawn(&SpawnConfig::new("head -c 3"), producer, 0).unwrap();
    /// let mut input = child.take_input_writer().unwrap();
    /// std::thread::spawn(move || input.write_all(b"abc"));
    /// assert_eq!(child.wait().unwrap().code, 0);
    /// assert!(child.take_input_writer().is_none());
    /// assert!(child.write_input(b"x").is_err());
    /// ```
    pub fn take_input_writer(&mut self) -> Option<Box<dyn Write + Send>> {
        self.writer.take()
    }

    /// A handle that writes to the child's input without ever waiting (see
    /// [`InputQueue::start_direct`](super::InputQueue::start_direct)): it takes what the
    /// terminal's input buffer has room for now.
    pub fn direct_writer(&self) -> Result<DirectWriter, PtyError> {
        Ok(DirectWriter::new(dup_master(&*self.master)?))
    }

    /// Pastes `text`: wrapped in bracketed-paste markers when `bracketed` (pass whether
    /// the child enabled mode 2004), sent as it is otherwise. See
    /// [`paste_bytes`](super::paste_bytes).
    pub fn paste(&mut self, text: &str, bracketed: bool) -> Result<(), PtyError> {
        self.write_input(&paste_bytes(text, bracketed))
    }

    /// Changes the terminal's size; the child receives SIGWINCH.
    ///
    /// ```
    /// use perdix::pty::{PaneSize, PtyProcess, SpawnConfig};
    /// use perdix::Buffer;
    /// let (producer, _consumer) = Buffer::new(8).unwrap().split();
    /// let mut child = PtyProcess::spawn(&SpawnConfig::new("sh -c 'sleep 1'"), producer, 0).unwrap();
    /// child.resize(PaneSize::new(120, 40)).unwrap();
    /// assert_eq!(child.size(), PaneSize::new(120, 40));
    /// ```
    pub fn resize(&mut self, size: PaneSize) -> Result<(), PtyError> {
        let size = size.validate()?;
        self.master
            .resize(pty_size(size))
            .map_err(|err| PtyError::Resize(format!("{err:#}")))?;
        self.size = size;
        Ok(())
    }

    /// The child's exit, if it has exited; never blocks.
    pub fn try_wait(&mut self) -> Result<Option<ChildExit>, PtyError> {
        if self.exit.is_none() {
            self.exit = self
                .child
                .try_wait()
                .map_err(PtyError::Wait)?
                .map(ChildExit::from);
        }
        Ok(self.exit.clone())
    }

    /// Waits for the child to exit.
    pub fn wait(&mut self) -> Result<ChildExit, PtyError> {
        if let Some(exit) = &self.exit {
            return Ok(exit.clone());
        }
        let exit = ChildExit::from(self.child.wait().map_err(PtyError::Wait)?);
        self.exit = Some(exit.clone());
        Ok(exit)
    }

    /// Waits up to `timeout` for the child to exit; `None` if it is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<ChildExit>, PtyError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(exit) = self.try_wait()? {
                return Ok(Some(exit));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Ends the child and what it started in the pane: SIGHUP to the child's process
    /// group and the terminal's foreground group (as a terminal hanging up does), then,
    /// if the child is still running after [`HANGUP_GRACE`], SIGKILL to both groups, so
    /// that no program ignoring SIGHUP keeps the pane's terminal open.
    ///
    /// ```
    /// use perdix::pty::{PtyProcess, SpawnConfig};
    /// use perdix::Buffer;
    /// use std::time::Duration;
    /// let (producer, _consumer) = Buffer::new(64).unwrap().split();
    /// // The shell ignores SIGHUP and so does the `sleep` it starts.
    /// let command = SpawnConfig::new("sh -c 'trap \"\" HUP; sleep 60; echo late'");
    /// let mut process = PtyProcess::spawn(&command, producer, 0).unwrap();
    /// std::thread::sleep(Duration::from_millis(200));
    /// process.kill().unwrap();
    /// assert!(process.wait_output(Duration::from_secs(5)).is_some(), "the terminal closed");
    /// ```
    pub fn kill(&mut self) -> Result<(), PtyError> {
        // A child that has already exited may have left a job running in the terminal's
        // foreground group: that gets the hangup too, but no grace.
        let running = self.try_wait()?.is_none();
        self.hang_up();
        if running && self.wait_timeout(HANGUP_GRACE)?.is_none() {
            self.force_kill();
        }
        Ok(())
    }

    /// Sends SIGHUP to the pane's process groups without waiting, as a terminal hanging
    /// up does. Hanging up many panes first and then waiting for them all takes one grace
    /// period, not one per pane.
    pub fn hang_up(&self) {
        signal_groups(&self.process_groups(), Signal::SIGHUP);
    }

    /// Sends SIGKILL to the pane's process groups (the child leads its own).
    pub fn force_kill(&self) {
        signal_groups(&self.process_groups(), Signal::SIGKILL);
    }

    /// The terminal's foreground process group: the program the user is talking to now
    /// (the shell at its prompt, or the job it started).
    pub fn foreground_process_group(&self) -> Option<u32> {
        self.master
            .process_group_leader()
            .and_then(|group| u32::try_from(group).ok())
            .filter(|&group| group > 1)
    }

    /// The process groups of the pane's programs: the child's own (it leads the
    /// terminal's session, so its group id is its pid) and the terminal's foreground
    /// group (a job a shell in the pane started).
    fn process_groups(&self) -> Vec<i32> {
        let own = self.child.process_id().and_then(|pid| i32::try_from(pid).ok());
        let foreground = self.master.process_group_leader();
        let mut groups: Vec<i32> = own
            .into_iter()
            .chain(foreground)
            .filter(|&group| group > 1)
            .collect();
        groups.dedup();
        groups
    }

    /// True once the reader has stopped; when it stopped at [`OutputEnd::Eof`], every byte
    /// the child wrote is in the ring.
    pub fn is_output_finished(&self) -> bool {
        self.reader.is_finished()
    }

    /// Waits up to `timeout` for the output stream to end and says why it ended; `None`
    /// if it is still flowing. [`OutputEnd::Eof`] is the normal end.
    pub fn wait_output(&mut self, timeout: Duration) -> Option<OutputEnd> {
        self.reader.wait(timeout)
    }

    /// Bytes of output forwarded into the ring so far.
    pub fn bytes_forwarded(&self) -> u64 {
        self.reader.bytes_forwarded()
    }
}

impl Drop for PtyProcess {
    fn drop(&mut self) {
        self.reader.request_stop();
        // Errors here mean the programs are already gone, which is the goal.
        let _ = self.kill();
        let _ = self.child.wait();
    }
}

/// Sends `signal` to each process group; a group that no longer exists is no error.
fn signal_groups(groups: &[i32], signal: Signal) {
    for &group in groups {
        let _ = killpg(Pid::from_raw(group), signal);
    }
}

impl std::fmt::Debug for PtyProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtyProcess")
            .field("program", &self.program)
            .field("stream", &self.stream)
            .field("size", &self.size)
            .field("exit", &self.exit)
            .finish_non_exhaustive()
    }
}

/// Calls `each` with the master's descriptor.
fn with_master_fd<T>(
    master: &dyn MasterPty,
    each: impl FnOnce(BorrowedFd<'_>) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let raw = master
        .as_raw_fd()
        .ok_or_else(|| std::io::Error::other("the pseudo-terminal has no descriptor"))?;
    // SAFETY: `master` owns the descriptor and keeps it open for the whole borrow.
    each(unsafe { BorrowedFd::borrow_raw(raw) })
}

/// A new descriptor for the master's open file description.
fn dup_master(master: &dyn MasterPty) -> Result<OwnedFd, PtyError> {
    with_master_fd(master, |fd| fd.as_fd().try_clone_to_owned())
        .map_err(|err| PtyError::Open(err.to_string()))
}

/// A reader of the (non-blocking) master that waits for output like a blocking one.
fn polling_reader(master: &dyn MasterPty) -> Result<Box<dyn Read + Send>, PtyError> {
    let inner = master
        .try_clone_reader()
        .map_err(|err| PtyError::Open(format!("{err:#}")))?;
    Ok(Box::new(Polling::new(inner, dup_master(master)?)))
}

fn pty_size(size: PaneSize) -> PtySize {
    PtySize {
        rows: size.rows,
        cols: size.cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// Kills and reaps a just-started child if setting up the rest of its pane fails.
struct KillOnError(Option<Box<dyn Child + Send + Sync>>);

impl KillOnError {
    fn disarm(&mut self) -> Box<dyn Child + Send + Sync> {
        self.0.take().expect("the child is taken once")
    }
}

impl Drop for KillOnError {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

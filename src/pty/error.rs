//! Typed errors of the PTY layer.

use std::path::PathBuf;
use thiserror::Error;

/// Why a child could not be started in a pseudo-terminal, or an operation on it failed.
#[derive(Debug, Error)]
pub enum PtyError {
    /// The command string holds no program.
    #[error("empty command")]
    EmptyCommand,
    /// The command string cannot be split like a shell would (an unclosed quote, a
    /// trailing backslash).
    #[error("cannot parse command {command:?}: {reason}")]
    UnparsableCommand {
        /// The command string as given.
        command: String,
        /// What the splitter objected to.
        reason: String,
    },
    /// No executable of that name exists at the given path or on `PATH`.
    #[error("command not found: {program}")]
    CommandNotFound {
        /// The program as given.
        program: String,
    },
    /// The program exists but cannot be executed (a directory, no execute permission).
    #[error("{program} is not executable")]
    NotExecutable {
        /// The program as given.
        program: String,
    },
    /// The configured working directory is not a directory.
    #[error("working directory {} is not a directory", path.display())]
    BadWorkingDirectory {
        /// The directory as configured.
        path: PathBuf,
    },
    /// A terminal needs at least one column and one row.
    #[error("invalid terminal size {cols}x{rows}: both must be at least 1")]
    InvalidSize {
        /// Columns asked for.
        cols: u16,
        /// Rows asked for.
        rows: u16,
    },
    /// The system could not open a pseudo-terminal or hand out its ends.
    #[error("could not open a pseudo-terminal: {0}")]
    Open(String),
    /// The program was found but starting it failed.
    #[error("could not start {program}: {reason}")]
    Spawn {
        /// The program as given.
        program: String,
        /// Why the system refused.
        reason: String,
    },
    /// The reader thread could not be started.
    #[error("could not start the output reader thread: {0}")]
    ReaderThread(#[source] std::io::Error),
    /// Changing the terminal size failed.
    #[error("could not resize the terminal: {0}")]
    Resize(String),
    /// Writing input to the child failed.
    #[error("could not write to the child: {0}")]
    Write(#[source] std::io::Error),
    /// Waiting for, or signalling, the child failed.
    #[error("could not wait for the child: {0}")]
    Wait(#[source] std::io::Error),
}

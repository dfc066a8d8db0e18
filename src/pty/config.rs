//! What to run in a pseudo-terminal: the command, the terminal size, the directory and
//! extra environment; and the checks made before anything is spawned.

use super::error::PtyError;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// A terminal size in character cells.
///
/// ```
/// use perdix::pty::PaneSize;
/// let size = PaneSize::new(80, 24);
/// assert_eq!((size.cols, size.rows), (80, 24));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaneSize {
    /// Columns.
    pub cols: u16,
    /// Rows.
    pub rows: u16,
}

impl PaneSize {
    /// A size of `cols` × `rows` cells.
    pub const fn new(cols: u16, rows: u16) -> PaneSize {
        PaneSize { cols, rows }
    }

    /// Fails with [`PtyError::InvalidSize`] when either side is zero.
    ///
    /// ```
    /// use perdix::pty::PaneSize;
    /// assert!(PaneSize::new(80, 24).validate().is_ok());
    /// assert!(PaneSize::new(0, 24).validate().is_err());
    /// ```
    pub fn validate(self) -> Result<PaneSize, PtyError> {
        if self.cols == 0 || self.rows == 0 {
            return Err(PtyError::InvalidSize {
                cols: self.cols,
                rows: self.rows,
            });
        }
        Ok(self)
    }
}

impl Default for PaneSize {
    /// The classic 80 × 24.
    fn default() -> PaneSize {
        PaneSize::new(80, 24)
    }
}

/// Everything needed to start one child in its own pseudo-terminal.
///
/// The child gets the user's environment, `TERM=xterm-256color`, `COLORTERM=truecolor`,
/// `TERM_PROGRAM=perdix` and `TERM_PROGRAM_VERSION` (Perdix's version), then the entries
/// of [`env`](Self::env) (which may override any of them). `COLUMNS` and `LINES` are not inherited:
/// they would describe Perdix's own terminal, not the pane.
///
/// ```
/// use perdix::pty::{PaneSize, SpawnConfig};
/// let config = SpawnConfig::new("sh -c 'echo hi'")
///     .with_size(PaneSize::new(100, 30))
///     .with_env("GREETING", "hello");
/// assert_eq!(config.argv().unwrap(), ["sh", "-c", "echo hi"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnConfig {
    /// The command line, split like a POSIX shell would (quotes and backslashes; no
    /// expansion, pipes or redirection: wrap those in `sh -c '…'`).
    pub command: String,
    /// The terminal size the child starts with.
    pub size: PaneSize,
    /// The working directory; `None` means Perdix's current directory.
    pub cwd: Option<PathBuf>,
    /// Extra environment variables, applied last.
    pub env: Vec<(OsString, OsString)>,
}

impl SpawnConfig {
    /// Runs `command` at the default size in the current directory.
    pub fn new(command: impl Into<String>) -> SpawnConfig {
        SpawnConfig {
            command: command.into(),
            size: PaneSize::default(),
            cwd: None,
            env: Vec::new(),
        }
    }

    /// Runs the program `argv[0]` with the arguments `argv[1..]` exactly as given (quoted
    /// for [`command`](Self::command), so that [`argv`](Self::argv) gives them back).
    ///
    /// ```
    /// use perdix::pty::SpawnConfig;
    /// let config = SpawnConfig::from_argv(["printf", "%s\\n", "it's", ""]);
    /// assert_eq!(config.argv().unwrap(), ["printf", "%s\\n", "it's", ""]);
    /// ```
    pub fn from_argv<S: AsRef<str>>(argv: impl IntoIterator<Item = S>) -> SpawnConfig {
        SpawnConfig::new(shell_words::join(argv))
    }

    /// The same configuration with the terminal size `size`.
    #[must_use]
    pub fn with_size(mut self, size: PaneSize) -> SpawnConfig {
        self.size = size;
        self
    }

    /// The same configuration run in `cwd`.
    #[must_use]
    pub fn with_cwd(mut self, cwd: impl Into<PathBuf>) -> SpawnConfig {
        self.cwd = Some(cwd.into());
        self
    }

    /// The same configuration with one more environment variable.
    #[must_use]
    pub fn with_env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> SpawnConfig {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The command split into program and arguments.
    ///
    /// ```
    /// use perdix::pty::{PtyError, SpawnConfig};
    /// assert_eq!(SpawnConfig::new("git log --format='%h %s'").argv().unwrap(), ["git", "log", "--format=%h %s"]);
    /// assert!(matches!(SpawnConfig::new("  ").argv(), Err(PtyError::EmptyCommand)));
    /// assert!(matches!(SpawnConfig::new("echo 'oops").argv(), Err(PtyError::UnparsableCommand { .. })));
    /// ```
    pub fn argv(&self) -> Result<Vec<String>, PtyError> {
        let argv = shell_words::split(&self.command).map_err(|err| PtyError::UnparsableCommand {
            command: self.command.clone(),
            reason: err.to_string(),
        })?;
        if argv.is_empty() {
            return Err(PtyError::EmptyCommand);
        }
        Ok(argv)
    }

    /// The directory the child starts in: the configured one, checked, or the current one.
    pub fn working_directory(&self) -> Result<PathBuf, PtyError> {
        match &self.cwd {
            Some(dir) if dir.is_dir() => Ok(dir.clone()),
            Some(dir) => Err(PtyError::BadWorkingDirectory { path: dir.clone() }),
            None => std::env::current_dir().map_err(|_| PtyError::BadWorkingDirectory { path: ".".into() }),
        }
    }

    /// The `PATH` the child will search: the configured one, else the user's.
    fn search_path(&self) -> Option<OsString> {
        self.env
            .iter()
            .rev()
            .find(|(key, _)| key == "PATH")
            .map(|(_, value)| value.clone())
            .or_else(|| std::env::var_os("PATH"))
    }
}

/// Finds the executable `program` would run as, so that a missing program is reported
/// before a pseudo-terminal is opened rather than as a child that fails later.
///
/// A name with a `/` is a path (relative ones from `cwd`); any other name is looked up on
/// the child's `PATH`, as `execvp` would.
pub(crate) fn resolve_program(program: &str, config: &SpawnConfig, cwd: &Path) -> Result<PathBuf, PtyError> {
    let mut refused = false;
    if program.contains('/') {
        let path = cwd.join(program);
        return match classify(&path) {
            Candidate::Executable => Ok(path),
            Candidate::Refused => Err(PtyError::NotExecutable {
                program: program.to_owned(),
            }),
            Candidate::Missing => Err(PtyError::CommandNotFound {
                program: program.to_owned(),
            }),
        };
    }
    let search_path = config.search_path().unwrap_or_default();
    for dir in std::env::split_paths(&search_path) {
        // An empty entry means the current directory, as it does for a shell.
        let dir = if dir.as_os_str().is_empty() {
            cwd.to_path_buf()
        } else {
            cwd.join(dir)
        };
        let path = dir.join(OsStr::new(program));
        match classify(&path) {
            Candidate::Executable => return Ok(path),
            Candidate::Refused => refused = true,
            Candidate::Missing => {}
        }
    }
    let program = program.to_owned();
    Err(if refused {
        PtyError::NotExecutable { program }
    } else {
        PtyError::CommandNotFound { program }
    })
}

enum Candidate {
    Executable,
    Refused,
    Missing,
}

fn classify(path: &Path) -> Candidate {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && is_executable(&meta) => Candidate::Executable,
        Ok(_) => Candidate::Refused,
        Err(_) => Candidate::Missing,
    }
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(program: &str) -> Result<PathBuf, PtyError> {
        resolve_program(program, &SpawnConfig::new(program), Path::new("/"))
    }

    #[test]
    fn programs_on_path_and_absolute_paths_resolve() {
        assert!(resolve("sh").unwrap().ends_with("sh"));
        assert_eq!(resolve("/bin/sh").unwrap(), PathBuf::from("/bin/sh"));
    }

    #[test]
    fn missing_and_non_executable_programs_are_told_apart() {
        assert!(matches!(
            resolve("perdix-no-such-program"),
            Err(PtyError::CommandNotFound { .. })
        ));
        assert!(matches!(
            resolve("./perdix-no-such-program"),
            Err(PtyError::CommandNotFound { .. })
        ));
        assert!(matches!(
            resolve("/etc/passwd"),
            Err(PtyError::NotExecutable { .. })
        ));
        assert!(matches!(resolve("/tmp"), Err(PtyError::NotExecutable { .. })));
    }

    #[test]
    fn a_configured_path_replaces_the_users() {
        let config = SpawnConfig::new("sh").with_env("PATH", "/nonexistent-dir");
        assert!(matches!(
            resolve_program("sh", &config, Path::new("/")),
            Err(PtyError::CommandNotFound { .. })
        ));
    }

    #[test]
    fn quoting_is_honoured_and_bad_quoting_is_an_error() {
        let argv = SpawnConfig::new(r#"printf "%s\n" 'a b' c\ d"#).argv().unwrap();
        assert_eq!(argv, ["printf", "%s\\n", "a b", "c d"]);
        assert!(matches!(SpawnConfig::new("").argv(), Err(PtyError::EmptyCommand)));
        assert!(matches!(
            SpawnConfig::new("a \"b").argv(),
            Err(PtyError::UnparsableCommand { .. })
        ));
    }

    #[test]
    fn a_missing_working_directory_is_an_error() {
        let config = SpawnConfig::new("sh").with_cwd("/perdix/no/such/dir");
        assert!(matches!(
            config.working_directory(),
            Err(PtyError::BadWorkingDirectory { .. })
        ));
        assert!(SpawnConfig::new("sh").working_directory().unwrap().is_dir());
    }
}

//! One server per session name.
//!
//! A server takes an exclusive `flock` on `NAME.lock` before it binds `NAME.sock`, and
//! keeps it for its whole life; the kernel drops the lock when the process ends, however
//! it ends. So while the lock is held no other server serves that name, and a socket file
//! found then is one a killed server left behind.
//!
//! ```
//! use perdix::session::lock::{bind_socket, server_running, LockError, ServerLock};
//! use perdix::session::paths::{runtime_dir_in, SessionPaths};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let base = std::env::temp_dir().join(format!("perdix-lock-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&base)?;
//! let paths = SessionPaths::in_dir(&runtime_dir_in(&base)?, "work")?;
//! let lock = ServerLock::acquire(&paths)?;
//! assert!(matches!(ServerLock::acquire(&paths), Err(LockError::Held { .. })));
//! let _listener = bind_socket(&paths, &lock)?;
//! assert!(server_running(&paths));
//! # drop(lock);
//! # std::fs::remove_dir_all(&base)?;
//! # Ok(())
//! # }
//! ```

use crate::session::paths::SessionPaths;
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The mode of the lock file and the socket: the owner only.
const PRIVATE_FILE_MODE: u32 = 0o600;

/// Why the server lock could not be taken.
#[derive(Debug, Error)]
pub enum LockError {
    /// Another server of this session holds the lock.
    #[error(
        "a perdix server for session '{name}' is already running{}; attach to it, or stop it first",
        pid.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    Held {
        /// The session name.
        name: String,
        /// The holder's process id as it wrote it in the lock file, when it did.
        pid: Option<u32>,
    },
    /// The lock file could not be opened, created or set to mode 0600.
    #[error("cannot open the lock file {}: {source}", path.display())]
    Open {
        /// The lock file.
        path: PathBuf,
        /// Why the system refused.
        source: io::Error,
    },
    /// `flock` failed for a reason other than another holder.
    #[error("cannot lock {}: {source}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why the system refused.
        source: io::Error,
    },
}

/// An exclusive lock on a session's lock file, held for as long as this value lives.
///
/// The lock file holds the holder's process id, for error messages; it is never removed,
/// since removing it would let a second server lock a new file of the same name.
#[derive(Debug)]
pub struct ServerLock {
    _locked: Flock<File>,
    path: PathBuf,
}

impl ServerLock {
    /// Takes the lock of `paths` without waiting: [`LockError::Held`] when another server
    /// (another process, or another open file in this one) holds it. The lock file is
    /// created with mode 0600 when missing.
    pub fn acquire(paths: &SessionPaths) -> Result<Self, LockError> {
        let path = &paths.lock;
        let open_error = |source| LockError::Open {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(PRIVATE_FILE_MODE)
            // A link in place of the lock file is refused rather than followed.
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(path)
            .map_err(open_error)?;
        // `mode` applies only to a new file and through the umask; this sets it in all cases.
        file.set_permissions(Permissions::from_mode(PRIVATE_FILE_MODE))
            .map_err(open_error)?;
        let mut locked = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(locked) => locked,
            Err((mut file, errno)) if errno == Errno::EWOULDBLOCK => {
                return Err(LockError::Held {
                    name: paths.name.clone(),
                    pid: read_pid(&mut file),
                });
            }
            Err((_, errno)) => {
                return Err(LockError::Lock {
                    path: path.clone(),
                    source: errno.into(),
                })
            }
        };
        write_pid(&mut locked).map_err(open_error)?;
        Ok(Self {
            _locked: locked,
            path: path.clone(),
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Replaces the lock file's content with this process's id.
fn write_pid(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())
}

/// The process id the holder wrote, if it has written one yet.
fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Binds the session's socket, with mode 0600. The lock proves no other server serves this
/// name, so a socket file already there is stale and is removed first; anything else in its
/// place is left alone and refused.
pub fn bind_socket(paths: &SessionPaths, _lock: &ServerLock) -> io::Result<UnixListener> {
    let path = &paths.socket;
    let with_path = |error: io::Error| io::Error::new(error.kind(), format!("{}: {error}", path.display()));
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_socket() || metadata.file_type().is_symlink() => {
            fs::remove_file(path).map_err(with_path)?;
        }
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and is not a socket; remove it and try again",
                    path.display()
                ),
            ));
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(with_path(error)),
    }
    let listener = UnixListener::bind(path).map_err(with_path)?;
    // Set after the bind, whatever the umask; until then the private folder keeps others out.
    fs::set_permissions(path, Permissions::from_mode(PRIVATE_FILE_MODE)).map_err(with_path)?;
    Ok(listener)
}

/// Whether a server answers on the session's socket. A socket file left by a killed server
/// refuses connections, so it reads as not running. A running server sees this probe as a
/// connection that closes at once.
pub fn server_running(paths: &SessionPaths) -> bool {
    UnixStream::connect(&paths.socket).is_ok()
}

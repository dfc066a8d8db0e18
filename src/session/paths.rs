//! Where a session's files live.
//!
//! - the socket and the lock: `NAME.sock` and `NAME.lock` in the runtime folder,
//!   `$XDG_RUNTIME_DIR/perdix` (else `/tmp/perdix-UID`), which must be a real directory of
//!   the current user with mode 0700, since anyone who can reach the socket can type
//!   into the panes;
//! - the log and the saved layout: `NAME.log` and `NAME.toml` in the state folder,
//!   `$XDG_STATE_HOME/perdix` (else `$HOME/.local/state/perdix`).
//!
//! Every function reading the environment has a variant taking the folder instead, so
//! that tests (which run in parallel threads) never set environment variables.

use std::ffi::OsStr;
use std::fs::{self, DirBuilder, Metadata, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The session used when none is named.
pub const DEFAULT_SESSION: &str = "default";

/// The longest session name accepted, in characters.
pub const MAX_SESSION_NAME_LEN: usize = 64;

/// The longest path a Unix socket can be bound to, in bytes (`sun_path` less its NUL).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const MAX_SOCKET_PATH_LEN: usize = 107;
/// The longest path a Unix socket can be bound to, in bytes (`sun_path` less its NUL).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub const MAX_SOCKET_PATH_LEN: usize = 103;

/// The mode of the runtime and state folders: the owner only.
const PRIVATE_DIR_MODE: u32 = 0o700;

/// Why a session name or folder cannot be used. The texts are shown to users as they are.
#[derive(Debug, Error)]
pub enum SessionPathError {
    /// The name is the empty string.
    #[error("a session name cannot be empty")]
    EmptyName,
    /// The name has more than [`MAX_SESSION_NAME_LEN`] characters.
    #[error("session name is {len} characters long; at most {MAX_SESSION_NAME_LEN} are allowed")]
    NameTooLong {
        /// Its length in characters.
        len: usize,
    },
    /// The name holds a character other than ASCII letters, digits, `.`, `_` and `-`.
    #[error("session name {name:?} contains {character:?}; use only letters, digits, '.', '_' and '-'")]
    BadNameCharacter {
        /// The name as given.
        name: String,
        /// The first character refused.
        character: char,
    },
    /// The name starts with `.` or `-` (hidden files, and names read as options).
    #[error("session name {name:?} starts with {first:?}; start it with a letter, a digit or '_'")]
    BadNameStart {
        /// The name as given.
        name: String,
        /// Its first character.
        first: char,
    },
    /// The runtime folder is a symbolic link, which could point anywhere.
    #[error(
        "{} is a symbolic link, not a folder of your own; remove the link and try again",
        path.display()
    )]
    Symlink {
        /// The folder.
        path: PathBuf,
    },
    /// Something other than a directory has the runtime folder's name.
    #[error("{} exists but is not a folder; remove or rename it and try again", path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// The runtime folder belongs to another user, who could then reach the sockets.
    #[error(
        "{} belongs to uid {owner}, not to you (uid {uid}); remove it (this may need root) \
         or set XDG_RUNTIME_DIR to a folder of your own",
        path.display()
    )]
    WrongOwner {
        /// The folder.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// The current effective uid.
        uid: u32,
    },
    /// The runtime folder grants some permission to its group or to others.
    #[error(
        "{} has mode {mode:04o}, open to other users; run `chmod 700 {}` and try again",
        path.display(),
        path.display()
    )]
    OpenPermissions {
        /// The folder.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A folder was missing and could not be created.
    #[error("cannot create {}: {source}", path.display())]
    Create {
        /// The folder.
        path: PathBuf,
        /// Why the system refused.
        source: io::Error,
    },
    /// A folder's type, owner or mode could not be read.
    #[error("cannot inspect {}: {source}", path.display())]
    Inspect {
        /// The folder.
        path: PathBuf,
        /// Why the system refused.
        source: io::Error,
    },
    /// Neither `XDG_STATE_HOME` nor `HOME` names an absolute path.
    #[error(
        "neither XDG_STATE_HOME nor HOME is set to an absolute path, so there is nowhere to \
         keep session logs; set one of them"
    )]
    NoStateDir,
    /// The socket path is too long for a Unix socket.
    #[error(
        "the socket path {} is {len} bytes long but sockets allow at most \
         {MAX_SOCKET_PATH_LEN}; use a shorter session name or set XDG_RUNTIME_DIR to a \
         shorter path",
        path.display()
    )]
    SocketPathTooLong {
        /// The socket path.
        path: PathBuf,
        /// Its length in bytes.
        len: usize,
    },
}

/// Checks that `name` can name a session: 1 to 64 characters among ASCII letters, digits,
/// `.`, `_` and `-`, not starting with `.` or `-`. Names become file names, so nothing
/// else (no `/`, no spaces) is accepted.
///
/// ```
/// use perdix::session::paths::check_session_name;
/// assert!(check_session_name("work-2").is_ok());
/// assert!(check_session_name("agents.v1").is_ok());
/// let error = check_session_name("../etc").unwrap_err();
/// assert!(error.to_string().contains("starts with '.'"));
/// ```
pub fn check_session_name(name: &str) -> Result<(), SessionPathError> {
    let len = name.chars().count();
    if len == 0 {
        return Err(SessionPathError::EmptyName);
    }
    if len > MAX_SESSION_NAME_LEN {
        return Err(SessionPathError::NameTooLong { len });
    }
    if let Some(first @ ('.' | '-')) = name.chars().next() {
        return Err(SessionPathError::BadNameStart {
            name: name.to_owned(),
            first,
        });
    }
    match name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        Some(character) => Err(SessionPathError::BadNameCharacter {
            name: name.to_owned(),
            character,
        }),
        None => Ok(()),
    }
}

/// The effective uid: the owner of every file this process creates.
pub(crate) fn effective_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// The runtime folder holding the sockets and locks, created (mode 0700) when missing and
/// refused when it is not a private folder of the current user (see [`ensure_private_dir`]).
pub fn runtime_dir() -> Result<PathBuf, SessionPathError> {
    let dir = runtime_dir_path(std::env::var_os("XDG_RUNTIME_DIR").as_deref(), effective_uid());
    ensure_private_dir(&dir)?;
    Ok(dir)
}

/// Where the runtime folder goes, given the value of `XDG_RUNTIME_DIR` and the uid:
/// `$XDG_RUNTIME_DIR/perdix` when that variable names an absolute path to an existing
/// directory (the session manager creates it; perdix never does), else `/tmp/perdix-UID`.
pub fn runtime_dir_path(xdg_runtime_dir: Option<&OsStr>, uid: u32) -> PathBuf {
    match xdg_runtime_dir.map(Path::new) {
        Some(base) if base.is_absolute() && base.is_dir() => base.join("perdix"),
        _ => PathBuf::from(format!("/tmp/perdix-{uid}")),
    }
}

/// `base/perdix` as a runtime folder, as [`runtime_dir`] makes `$XDG_RUNTIME_DIR/perdix`;
/// `base` must exist.
pub fn runtime_dir_in(base: &Path) -> Result<PathBuf, SessionPathError> {
    let dir = base.join("perdix");
    ensure_private_dir(&dir)?;
    Ok(dir)
}

/// Makes sure `path` is a private folder of the current user: created with mode 0700 when
/// missing (its parent must exist), refused when it is a symbolic link, not a directory,
/// owned by another uid, or has any group or other permission bit. Existing folders are
/// never changed: a wrong mode is the user's to fix.
pub fn ensure_private_dir(path: &Path) -> Result<(), SessionPathError> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            create_private_dir(path)?;
            // Inspected again: another process may have created it first.
            fs::symlink_metadata(path).map_err(|source| SessionPathError::Inspect {
                path: path.to_owned(),
                source,
            })?
        }
        Err(source) => {
            return Err(SessionPathError::Inspect {
                path: path.to_owned(),
                source,
            })
        }
    };
    check_private_dir(path, &metadata, effective_uid())
}

/// Creates `path` with mode 0700; one created meanwhile by another process is left to the
/// caller's checks.
fn create_private_dir(path: &Path) -> Result<(), SessionPathError> {
    match DirBuilder::new().mode(PRIVATE_DIR_MODE).create(path) {
        // The umask can only take bits away; setting the mode again restores the owner's
        // bits a strict umask removed.
        Ok(()) => fs::set_permissions(path, Permissions::from_mode(PRIVATE_DIR_MODE)).map_err(|source| {
            SessionPathError::Create {
                path: path.to_owned(),
                source,
            }
        }),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(SessionPathError::Create {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Refuses a folder other users could reach or swap: `metadata` is `path`'s own (not
/// followed through a link).
fn check_private_dir(path: &Path, metadata: &Metadata, uid: u32) -> Result<(), SessionPathError> {
    let path = path.to_owned();
    if metadata.file_type().is_symlink() {
        return Err(SessionPathError::Symlink { path });
    }
    if !metadata.is_dir() {
        return Err(SessionPathError::NotADirectory { path });
    }
    if metadata.uid() != uid {
        return Err(SessionPathError::WrongOwner {
            path,
            owner: metadata.uid(),
            uid,
        });
    }
    let mode = metadata.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(SessionPathError::OpenPermissions { path, mode });
    }
    Ok(())
}

/// The files of one session in the runtime folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPaths {
    /// The session name, checked by [`check_session_name`].
    pub name: String,
    /// `NAME.sock`, where the server listens.
    pub socket: PathBuf,
    /// `NAME.lock`, locked by the server for as long as it runs.
    pub lock: PathBuf,
}

impl SessionPaths {
    /// The paths of session `name` in the [`runtime_dir`], which is created or checked.
    pub fn new(name: &str) -> Result<Self, SessionPathError> {
        check_session_name(name)?;
        Self::in_dir(&runtime_dir()?, name)
    }

    /// The paths of session `name` in `dir`, which is used as it is: the caller checks it
    /// (see [`runtime_dir_in`]).
    ///
    /// ```
    /// use perdix::session::paths::SessionPaths;
    /// use std::path::Path;
    /// let paths = SessionPaths::in_dir(Path::new("/run/user/1000/perdix"), "work").unwrap();
    /// assert_eq!(paths.socket, Path::new("/run/user/1000/perdix/work.sock"));
    /// assert_eq!(paths.lock, Path::new("/run/user/1000/perdix/work.lock"));
    /// assert!(SessionPaths::in_dir(Path::new("/tmp"), "a/b").is_err());
    /// ```
    pub fn in_dir(dir: &Path, name: &str) -> Result<Self, SessionPathError> {
        check_session_name(name)?;
        let socket = dir.join(format!("{name}.sock"));
        let len = socket.as_os_str().len();
        if len > MAX_SOCKET_PATH_LEN {
            return Err(SessionPathError::SocketPathTooLong { path: socket, len });
        }
        Ok(Self {
            name: name.to_owned(),
            socket,
            lock: dir.join(format!("{name}.lock")),
        })
    }
}

/// The names of the sessions with a socket in `dir` (`NAME.sock` with a valid name),
/// sorted. Sockets left by a killed server are listed too; an unreadable folder lists
/// nothing.
pub fn session_names_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let file_name = entry.file_name();
            let name = file_name.to_str()?.strip_suffix(".sock")?;
            check_session_name(name).is_ok().then(|| name.to_owned())
        })
        .collect();
    names.sort();
    names
}

/// The names of the sessions with a socket in the [`runtime_dir`], sorted.
pub fn session_names() -> Result<Vec<String>, SessionPathError> {
    Ok(session_names_in(&runtime_dir()?))
}

/// The state folder holding logs and saved sessions, created (mode 0700) when missing:
/// `$XDG_STATE_HOME/perdix` when that variable is an absolute path, else
/// `$HOME/.local/state/perdix`.
pub fn state_dir() -> Result<PathBuf, SessionPathError> {
    let dir = state_dir_path(
        std::env::var_os("XDG_STATE_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
    )?;
    create_state_dir(&dir)?;
    Ok(dir)
}

/// Where the state folder goes, given the values of `XDG_STATE_HOME` and `HOME`; relative
/// values are ignored, as the XDG base directory rules ask.
pub fn state_dir_path(
    xdg_state_home: Option<&OsStr>,
    home: Option<&OsStr>,
) -> Result<PathBuf, SessionPathError> {
    fn absolute(value: Option<&OsStr>) -> Option<&Path> {
        value.map(Path::new).filter(|path| path.is_absolute())
    }
    if let Some(state_home) = absolute(xdg_state_home) {
        return Ok(state_home.join("perdix"));
    }
    absolute(home)
        .map(|home| home.join(".local").join("state").join("perdix"))
        .ok_or(SessionPathError::NoStateDir)
}

/// `state_home/perdix` as a state folder, as [`state_dir`] makes `$XDG_STATE_HOME/perdix`;
/// missing parents are created too.
pub fn state_dir_in(state_home: &Path) -> Result<PathBuf, SessionPathError> {
    let dir = state_home.join("perdix");
    create_state_dir(&dir)?;
    Ok(dir)
}

/// Creates the state folder with mode 0700 when missing, and its missing parents with the
/// usual mode (`~/.local` is not perdix's to restrict). An existing folder is kept as it is.
fn create_state_dir(dir: &Path) -> Result<(), SessionPathError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent).map_err(|source| SessionPathError::Create {
            path: parent.to_owned(),
            source,
        })?;
    }
    create_private_dir(dir)?;
    if dir.is_dir() {
        Ok(())
    } else {
        Err(SessionPathError::NotADirectory { path: dir.to_owned() })
    }
}

/// The log of session `name`, `NAME.log` in the [`state_dir`].
pub fn log_file(name: &str) -> Result<PathBuf, SessionPathError> {
    check_session_name(name)?;
    log_file_in(&state_dir()?, name)
}

/// The log of session `name` in the state folder `dir`.
pub fn log_file_in(dir: &Path, name: &str) -> Result<PathBuf, SessionPathError> {
    check_session_name(name)?;
    Ok(dir.join(format!("{name}.log")))
}

/// The saved layout of session `name`, `NAME.toml` in the [`state_dir`].
pub fn saved_session_file(name: &str) -> Result<PathBuf, SessionPathError> {
    check_session_name(name)?;
    saved_session_file_in(&state_dir()?, name)
}

/// The saved layout of session `name` in the state folder `dir`.
pub fn saved_session_file_in(dir: &Path, name: &str) -> Result<PathBuf, SessionPathError> {
    check_session_name(name)?;
    Ok(dir.join(format!("{name}.toml")))
}

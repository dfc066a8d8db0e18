//! A session as it can be started again after a reboot: its layout and, per pane, the
//! name, the command, the working directory (where the program is now, as far as the
//! system tells) and the extra environment it was given. Saved as TOML.
//!
//! ```
//! use perdix::tui::saved_session::{SavedPane, SavedSession};
//!
//! let session = SavedSession {
//!     layout: "columns".into(),
//!     panes: vec![SavedPane {
//!         name: "claude".into(),
//!         command: "claude --resume".into(),
//!         cwd: Some("/src/app".into()),
//!         env: [("RUST_LOG".to_string(), "info".to_string())].into(),
//!     }],
//! };
//! let text = session.to_toml().unwrap();
//! assert_eq!(SavedSession::from_toml(&text).unwrap(), session);
//! ```

use super::agent_rules::RuleBook;
use super::app::App;
use crate::pty::{PaneSize, SpawnConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A saved session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    /// The layout's name (`tiled`, `columns`, `rows`, `main`).
    pub layout: String,
    /// The panes, in order.
    #[serde(default)]
    pub panes: Vec<SavedPane>,
}

/// One saved pane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPane {
    /// The name in its border.
    pub name: String,
    /// The command line, split like a shell would.
    pub command: String,
    /// Where it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<PathBuf>,
    /// Extra environment variables it was given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

/// Why a saved session cannot be read.
#[derive(Debug, Error)]
pub enum SavedSessionError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a saved session.
    #[error("{path}: not a saved session: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: toml::de::Error,
    },
    /// The file has no panes.
    #[error("{0}: no panes to start")]
    Empty(PathBuf),
}

impl SavedSession {
    /// The session `app` runs now. A pane's working directory is its program's current
    /// one where the system tells it (Linux), else the one it was started in.
    pub fn of_app(app: &App) -> SavedSession {
        let panes = app
            .panes
            .panes()
            .iter()
            .zip(&app.info)
            .map(|(pane, info)| {
                let spawn = pane.spawn_config();
                SavedPane {
                    name: info.name.clone(),
                    command: spawn.command.clone(),
                    cwd: pane.current_dir(),
                    env: spawn
                        .env
                        .iter()
                        .map(|(key, value)| {
                            (
                                key.to_string_lossy().into_owned(),
                                value.to_string_lossy().into_owned(),
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        SavedSession {
            layout: app.layout.to_string(),
            panes,
        }
    }

    /// The session as TOML.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }

    /// A session from TOML.
    pub fn from_toml(text: &str) -> Result<SavedSession, toml::de::Error> {
        toml::from_str(text)
    }

    /// Writes the session to `path` whole or not at all (a temporary file renamed over it),
    /// readable by the user only.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let text = self.to_toml().map_err(io::Error::other)?;
        let temporary = path.with_extension("toml.new");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(b"# A perdix session, saved as it changes; `perdix-tui restore` starts it again.\n")?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    }

    /// Reads a saved session.
    pub fn load(path: &Path) -> Result<SavedSession, SavedSessionError> {
        let text = std::fs::read_to_string(path).map_err(|source| SavedSessionError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let session = SavedSession::from_toml(&text).map_err(|source| SavedSessionError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
        if session.panes.is_empty() {
            return Err(SavedSessionError::Empty(path.to_path_buf()));
        }
        Ok(session)
    }

    /// The names and spawn configurations of the panes, each started at `size`; an
    /// agent that can resume its last conversation does (see
    /// [`RuleBook::resumed`](super::agent_rules::RuleBook::resumed)).
    pub fn panes_to_spawn(&self, size: PaneSize, rules: &RuleBook) -> (Vec<String>, Vec<SpawnConfig>) {
        self.panes
            .iter()
            .map(|pane| {
                let command = rules
                    .resumed(&pane.command)
                    .unwrap_or_else(|| pane.command.clone());
                let mut spawn = SpawnConfig::new(command).with_size(size);
                // A directory that is gone (a removed checkout) is no reason not to start.
                if let Some(cwd) = pane.cwd.as_ref().filter(|cwd| cwd.is_dir()) {
                    spawn = spawn.with_cwd(cwd);
                }
                for (key, value) in &pane.env {
                    spawn = spawn.with_env(key, value);
                }
                (pane.name.clone(), spawn)
            })
            .unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SavedSession {
        SavedSession {
            layout: "main".into(),
            panes: vec![
                SavedPane {
                    name: "shell".into(),
                    command: "bash".into(),
                    cwd: Some(std::env::temp_dir()),
                    env: BTreeMap::new(),
                },
                SavedPane {
                    name: "agent".into(),
                    command: "sh -c 'echo \"hi\"'".into(),
                    cwd: Some("/no/such/directory/anywhere".into()),
                    env: [("A".to_string(), "1 2".to_string())].into(),
                },
            ],
        }
    }

    #[test]
    fn a_saved_session_reads_back_the_same_and_starts_its_panes_where_they_were() {
        let dir = std::env::temp_dir().join(format!("perdix-saved-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.toml");
        session().save(&path).unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
        let loaded = SavedSession::load(&path).unwrap();
        assert_eq!(loaded, session());
        let (names, spawns) = loaded.panes_to_spawn(PaneSize::new(90, 30), &RuleBook::builtin());
        assert_eq!(names, ["shell", "agent"]);
        assert_eq!(spawns[0].cwd.as_deref(), Some(std::env::temp_dir().as_path()));
        assert_eq!(spawns[1].cwd, None, "a directory that is gone is not used");
        assert_eq!(spawns[1].command, "sh -c 'echo \"hi\"'");
        assert_eq!(spawns[1].env, [("A".into(), "1 2".into())]);
        assert_eq!(spawns[1].size, PaneSize::new(90, 30));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_restored_agent_resumes_its_last_conversation() {
        let mut saved = session();
        saved.panes[0].command = "claude --model opus".into();
        let (_, spawns) = saved.panes_to_spawn(PaneSize::new(90, 30), &RuleBook::builtin());
        assert_eq!(spawns[0].command, "claude --model opus --continue");
        assert_eq!(spawns[1].command, "sh -c 'echo \"hi\"'", "nothing to resume");
    }

    #[test]
    fn a_broken_or_empty_file_is_refused_with_its_path() {
        let dir = std::env::temp_dir().join(format!("perdix-saved-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let broken = dir.join("broken.toml");
        std::fs::write(&broken, "layout = [").unwrap();
        let error = SavedSession::load(&broken).unwrap_err().to_string();
        assert!(
            error.contains("broken.toml") && error.contains("not a saved session"),
            "{error}"
        );
        let empty = dir.join("empty.toml");
        std::fs::write(&empty, "layout = \"tiled\"\n").unwrap();
        assert!(matches!(
            SavedSession::load(&empty),
            Err(SavedSessionError::Empty(_))
        ));
        let missing = SavedSession::load(&dir.join("missing.toml")).unwrap_err();
        assert!(matches!(missing, SavedSessionError::Read { .. }));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

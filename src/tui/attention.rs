//! Telling the user that a pane needs them: when a pane turns blocked or done while
//! nobody looks at it, a desktop notification through the user's terminal (OSC 9) and an
//! optional command of theirs.
//!
//! ```
//! use perdix::tui::attention::{notification_sequence, Alert};
//!
//! let alert = Alert {
//!     number: 2,
//!     name: "claude".into(),
//!     state: "blocked".into(),
//!     reason: Some("Allow edit?\x07".into()),
//! };
//! // Control characters never reach the terminal inside the notification.
//! assert_eq!(notification_sequence(&alert), b"\x1b]9;perdix: 2 claude: blocked: Allow edit?\x07");
//! ```

use super::agent_state::Evidence;
use super::app::App;
use std::collections::HashMap;
use std::process::{Command, Stdio};

/// What the configuration says about notifications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifications {
    /// Send OSC 9 notifications to the attached clients' terminals.
    pub enabled: bool,
    /// Run this (with `sh -c`) for each alert, with `PERDIX_NOTIFY_*` variables.
    pub command: Option<String>,
    /// Ring the attached clients' terminal bell for each alert.
    pub bell: bool,
}

/// A pane that needs the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Its number, from 1.
    pub number: u32,
    /// Its name.
    pub name: String,
    /// `blocked` or `done`.
    pub state: String,
    /// Why, when known.
    pub reason: Option<String>,
}

/// Remembers each pane's last state, to alert once per turn into blocked or done.
#[derive(Debug, Default)]
pub struct AttentionTracker {
    last: HashMap<u64, String>,
}

impl AttentionTracker {
    /// The panes of `app` that turned blocked or done since the last call, on a strong
    /// signal (the program said so through `notify`, its agent's rules recognised its
    /// screen, it rang the bell, sent a notification or reported progress), and that
    /// nobody looks at ([`App::is_looked_at`] false). A quiet prompt is no alert: a shell
    /// waiting at its prompt is not news.
    pub fn alerts(&mut self, app: &App) -> Vec<Alert> {
        let mut alerts = Vec::new();
        let mut seen = HashMap::with_capacity(app.info.len());
        for (index, info) in app.info.iter().enumerate() {
            // The state the last pump worked out: nothing is looked up again here.
            let state = info.state.name();
            let turned = self.last.get(&info.id).is_none_or(|last| last != state);
            let strong = info.tracker.evidence().is_some_and(Evidence::is_strong);
            if turned && strong && info.state.needs_user() && !app.is_looked_at(index) {
                alerts.push(Alert {
                    number: index as u32 + 1,
                    name: info.name.clone(),
                    state: state.to_owned(),
                    reason: app.list_state(index).1,
                });
            }
            seen.insert(info.id, state.to_owned());
        }
        // Panes that were closed are forgotten.
        self.last = seen;
        alerts
    }
}

/// The OSC 9 notification for `alert`, its text stripped of control characters.
pub fn notification_sequence(alert: &Alert) -> Vec<u8> {
    let mut text = format!("perdix: {} {}: {}", alert.number, alert.name, alert.state);
    if let Some(reason) = &alert.reason {
        text.push_str(": ");
        text.push_str(reason);
    }
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    let mut sequence = b"\x1b]9;".to_vec();
    sequence.extend_from_slice(text.as_bytes());
    sequence.push(0x07);
    sequence
}

/// Starts the user's `command` for `alert` in the background, with `PERDIX_NOTIFY_PANE`,
/// `_NAME`, `_STATE`, `_REASON` and `PERDIX_SESSION` set; it is waited for on a thread of
/// its own so that it leaves no zombie.
pub fn run_notify_command(command: &str, alert: &Alert, session: &str) -> std::io::Result<()> {
    let mut child = Command::new("sh")
        .args(["-c", command])
        .env("PERDIX_NOTIFY_PANE", alert.number.to_string())
        .env("PERDIX_NOTIFY_NAME", &alert.name)
        .env("PERDIX_NOTIFY_STATE", &alert.state)
        .env("PERDIX_NOTIFY_REASON", alert.reason.as_deref().unwrap_or(""))
        .env("PERDIX_SESSION", session)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::Builder::new()
        .name("perdix-notify".into())
        .spawn(move || {
            let _ = child.wait();
        })?;
    Ok(())
}

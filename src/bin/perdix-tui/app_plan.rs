//! What a new session runs: its panes (the arguments, `--demo`, the config file's agents,
//! or the user's shell), theme, layout and scrollback, checked before anything starts.

use anyhow::{Context, Result};
use perdix::bench::agents::AgentKind;
use perdix::bench::demo::DemoAgentOptions;
use perdix::parse::BackendKind;
use perdix::pty::{PaneSize, SpawnConfig};
use perdix::term::PaneConfig;
use perdix::tui::agent_rules::RuleBook;
use perdix::tui::app::{user_shell, App};
use perdix::tui::attention::Notifications;
use perdix::tui::config::{default_agents_dir, default_theme_dir, AppConfig};
use perdix::tui::keymap::Keymap;
use perdix::tui::layout_kind::LayoutKind;
use perdix::tui::saved_session::SavedSession;
use perdix::tui::theme::Theme;
use perdix::tui::PaneSet;
use std::path::PathBuf;

/// The options of a new session, as given on the command line.
pub struct SessionOptions<'a> {
    pub demo: Option<u16>,
    pub commands: &'a [String],
    pub config: Option<&'a std::path::Path>,
    pub theme: Option<&'a str>,
    pub layout: Option<LayoutKind>,
    pub scrollback: Option<usize>,
    pub backend: BackendKind,
    /// The size the panes have until a client attaches.
    pub pane_size: PaneSize,
    /// A saved session to start again, in place of the commands.
    pub restored: Option<SavedSession>,
    /// Variables every pane gets (the session's socket), besides `PERDIX_PANE`.
    pub pane_env: Vec<(String, String)>,
}

/// A session ready to start.
pub struct AppPlan {
    pane_env: Vec<(String, String)>,
    notifications: Notifications,
    rules: RuleBook,
    names: Vec<String>,
    commands: Vec<SpawnConfig>,
    pane_config: PaneConfig,
    keymap: Keymap,
    theme: Theme,
    layout: LayoutKind,
    backend: BackendKind,
}

/// A problem with what the user asked for (exit code 2), as opposed to a failure.
pub struct UsageError(pub String);

impl AppPlan {
    /// Reads the config and theme and lists the panes; errors are the user's to fix.
    pub fn new(options: &SessionOptions) -> Result<AppPlan, UsageError> {
        let config = AppConfig::load(options.config).map_err(|error| UsageError(error.to_string()))?;
        let theme = match options.theme {
            None => config.theme,
            Some(name) => Theme::load(name, default_theme_dir().as_deref())
                .map_err(|error| UsageError(format!("--theme {name}: {error}")))?,
        };
        let (rules, errors) = RuleBook::load(default_agents_dir().as_deref());
        if let Some(error) = errors.first() {
            return Err(UsageError(format!("agent rules: {error}")));
        }
        let size = options.pane_size;
        let (mut names, mut commands) = match &options.restored {
            Some(saved) => saved.panes_to_spawn(size, &rules),
            None => (Vec::new(), Vec::new()),
        };
        if let Some(count) = options.demo {
            for index in 0..count {
                let kind = AgentKind::ALL[usize::from(index) % AgentKind::ALL.len()];
                let mut demo = DemoAgentOptions::new(kind, u64::from(index) + 1);
                // Every other demo agent stops now and then to ask for input.
                demo.interactive = index % 2 == 1;
                names.push(format!("{} (demo)", kind.name()));
                commands.push(demo.command().with_size(size));
            }
        }
        for command in options.commands {
            names.push(perdix::logview::command_name(command));
            commands.push(SpawnConfig::new(command.as_str()).with_size(size));
        }
        if commands.is_empty() {
            let home = std::env::var_os("HOME").map(PathBuf::from);
            for agent in &config.agents {
                let mut spawn = SpawnConfig::new(agent.command.as_str()).with_size(size);
                if let Some(cwd) = agent.resolved_cwd(home.as_deref()) {
                    spawn = spawn.with_cwd(cwd);
                }
                for (key, value) in &agent.env {
                    spawn = spawn.with_env(key, value);
                }
                names.push(agent.name.clone());
                commands.push(spawn);
            }
        }
        if commands.is_empty() {
            let shell = user_shell();
            names.push(perdix::logview::command_name(&shell));
            commands.push(SpawnConfig::new(shell).with_size(size));
        }
        // Each pane knows its session and itself, for `perdix-tui notify`; ids count from 1,
        // as the app numbers them.
        let commands = commands
            .into_iter()
            .zip(1u64..)
            .map(|(command, id)| {
                let command = options
                    .pane_env
                    .iter()
                    .fold(command, |command, (key, value)| command.with_env(key, value));
                command.with_env("PERDIX_PANE", id.to_string())
            })
            .collect();
        Ok(AppPlan {
            names,
            commands,
            pane_env: options.pane_env.clone(),
            notifications: Notifications {
                enabled: config.notify,
                command: config.notify_command.clone(),
                bell: config.bell,
            },
            rules,
            pane_config: PaneConfig {
                scrollback: options.scrollback.unwrap_or(config.scrollback),
                ..PaneConfig::default()
            },
            keymap: config.keymap,
            theme,
            layout: options
                .layout
                .or_else(|| {
                    options
                        .restored
                        .as_ref()
                        .and_then(|saved| saved.layout.parse().ok())
                })
                .unwrap_or(config.layout),
            backend: options.backend,
        })
    }

    /// Starts the panes and the app.
    pub fn start(self) -> Result<App> {
        let panes =
            PaneSet::spawn(&self.commands, self.backend, self.pane_config).context("starting the panes")?;
        let mut app = App::new(panes, self.names, self.keymap, self.theme, self.layout);
        app.set_pane_env(self.pane_env);
        app.notifications = self.notifications;
        app.set_rules(self.rules);
        Ok(app)
    }
}

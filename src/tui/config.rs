//! The configuration file: named agents, key bindings, theme, layout and scrollback.
//!
//! It lives at `$XDG_CONFIG_HOME/perdix/config.toml` (else `$HOME/.config/perdix/config.toml`)
//! or wherever `--config FILE` says. Every error names the file, line and column; unknown
//! keys are errors so that typos do not go unnoticed.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::keymap::{Keymap, KeysConfig};
use super::layout_kind::LayoutKind;
use super::theme::{Theme, ThemeError};

/// The example configuration, every setting shown with its default or a typical value.
pub const EXAMPLE_CONFIG: &str = r#"# perdix configuration: ~/.config/perdix/config.toml
# (or $XDG_CONFIG_HOME/perdix/config.toml, or `--config FILE`).

# Colour theme: default, light, high-contrast, solarized-dark, gruvbox-dark, terminal (the
# colours the terminal reports), or NAME for a file ~/.config/perdix/themes/NAME.toml.
theme = "default"

# How panes share the screen: tiled, columns, rows or main. Prefix then Space cycles.
layout = "tiled"

# When a pane turns blocked or done while nobody looks at it (its program said so with
# `perdix-tui notify`, its agent's screen shows it, it rang the bell or sent a
# notification), a desktop notification goes through your terminal (OSC 9): "auto" (the
# default) or "off". With bell = true your terminal's bell rings too.
notify = "auto"
bell = false
# A command run for each such pane, with PERDIX_NOTIFY_PANE, _NAME, _STATE, _REASON and
# PERDIX_SESSION set.
# notify-command = "notify-send \"$PERDIX_NOTIFY_NAME\" \"$PERDIX_NOTIFY_STATE\""

# Lines of history kept per pane for scroll mode.
scrollback = 10000

# Keys pressed after the prefix. An action listed here gets exactly these keys; the
# others keep their defaults. Pressing the prefix twice sends it to the pane.
[keys]
prefix = "C-b"
zoom = "z"
focus-left = ["Left", "h"]
next-layout = "Space"
help = "?"

# One [[agents]] block per agent. `command` is split like a shell would; `cwd` and
# `env` are optional.
[[agents]]
name = "claude"
command = "claude"
cwd = "~/src/project"

[[agents]]
name = "tests"
command = "cargo watch -x test"
cwd = "~/src/project"
env = { RUST_BACKTRACE = "1" }
"#;

/// The most scrollback lines a pane may keep, to bound memory with many panes.
///
/// A line of scrollback is a row of alacritty's grid: 24 bytes a cell plus about 50 a
/// row, measured at 1,969 bytes for an 80-column pane and 4,851 for a 200-column one, so
/// a pane filled to the cap holds about 1.8 GiB (80 columns) or 4.5 GiB (200 columns).
pub const MAX_SCROLLBACK: usize = 1_000_000;

/// Parses a `--scrollback` value: a number of lines from 0 to [`MAX_SCROLLBACK`].
///
/// ```
/// use perdix::tui::config::{parse_scrollback, MAX_SCROLLBACK};
/// assert_eq!(parse_scrollback("500"), Ok(500));
/// assert_eq!(parse_scrollback(&MAX_SCROLLBACK.to_string()), Ok(MAX_SCROLLBACK));
/// assert!(parse_scrollback("1000001").unwrap_err().contains("at most 1000000"));
/// assert!(parse_scrollback("many").is_err());
/// ```
pub fn parse_scrollback(text: &str) -> Result<usize, String> {
    match text.trim().parse::<u64>() {
        Ok(lines) if lines <= MAX_SCROLLBACK as u64 => Ok(lines as usize),
        Err(error) if *error.kind() != std::num::IntErrorKind::PosOverflow => Err(format!(
            "{text:?} is not a number of lines (0 to {MAX_SCROLLBACK})"
        )),
        _ => Err(format!(
            "{text} lines is over the cap: scrollback must be at most {MAX_SCROLLBACK} lines \
             (a line costs about 2 KB in an 80-column pane, 4.8 KB in a 200-column one)"
        )),
    }
}

/// One agent to start in its own pane.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentConfig {
    /// The name shown in the pane's border.
    pub name: String,
    /// The command line, split like a shell would.
    pub command: String,
    /// The working directory as written (`~/` is expanded by [`AgentConfig::resolved_cwd`]).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables.
    pub env: BTreeMap<String, String>,
}

impl AgentConfig {
    /// The working directory with a leading `~` replaced by `home`.
    pub fn resolved_cwd(&self, home: Option<&Path>) -> Option<PathBuf> {
        let cwd = self.cwd.as_ref()?;
        match (cwd.strip_prefix("~"), home) {
            (Ok(rest), Some(home)) => Some(home.join(rest)),
            _ => Some(cwd.clone()),
        }
    }
}

/// The whole configuration, validated.
///
/// ```
/// use std::path::Path;
/// use perdix::tui::config::AppConfig;
/// use perdix::tui::layout_kind::LayoutKind;
///
/// let text = r#"
/// layout = "columns"
/// [keys]
/// prefix = "C-a"
/// [[agents]]
/// name = "claude"
/// command = "claude --verbose"
/// "#;
/// let config = AppConfig::from_toml_str(text, Path::new("config.toml"), None).unwrap();
/// assert_eq!(config.layout, LayoutKind::Columns);
/// assert_eq!(config.keymap.prefix().to_string(), "C-a");
/// assert_eq!(config.agents[0].command, "claude --verbose");
///
/// let error = AppConfig::from_toml_str("layout = \"grid\"", Path::new("config.toml"), None).unwrap_err();
/// assert!(error.to_string().starts_with("config.toml:1:10: unknown layout"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    /// The file this came from; `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    /// Agents to start, in file order.
    pub agents: Vec<AgentConfig>,
    /// The prefix key and actions.
    pub keymap: Keymap,
    /// The resolved colour theme.
    pub theme: Theme,
    /// The layout at start.
    pub layout: LayoutKind,
    /// Lines of history kept per pane.
    pub scrollback: usize,
    /// Whether a pane that turns blocked or done while nobody looks at it sends a desktop
    /// notification through the user's terminal (`notify = "auto"`, the default, or
    /// `"off"`).
    pub notify: bool,
    /// A command run (by `sh -c`) for each such pane, with `PERDIX_NOTIFY_*` variables.
    pub notify_command: Option<String>,
    /// Whether such a pane also rings the user's terminal bell.
    pub bell: bool,
}

impl Default for AppConfig {
    fn default() -> AppConfig {
        AppConfig {
            path: None,
            agents: Vec::new(),
            keymap: Keymap::default(),
            theme: Theme::default(),
            layout: LayoutKind::default(),
            scrollback: crate::term::DEFAULT_SCROLLBACK,
            notify: true,
            notify_command: None,
            bell: false,
        }
    }
}

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The configuration file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Not valid TOML, or not the expected shape: a wrong type, a missing or unknown key.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        /// The configuration file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Well-formed but a bad value: an unknown layout, theme, action or key name, a key bound
    /// twice, a repeated agent name, scrollback out of range.
    #[error("{}:{line}:{}{message}", path.display(), column.map(|c| format!("{c}: ")).unwrap_or_else(|| " ".into()))]
    Invalid {
        /// The configuration file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column, when known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The theme named by the configuration is a user theme file that cannot be used.
    #[error(transparent)]
    Theme(ThemeError),
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct ConfigFile {
    theme: Option<Spanned<String>>,
    layout: Option<Spanned<String>>,
    scrollback: Option<Spanned<u64>>,
    notify: Option<Spanned<String>>,
    notify_command: Option<String>,
    #[serde(default)]
    bell: bool,
    #[serde(default)]
    keys: KeysConfig,
    #[serde(default)]
    agents: Vec<AgentFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentFile {
    name: Spanned<String>,
    command: Spanned<String>,
    cwd: Option<PathBuf>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The folder holding `config.toml` and `themes/`: `$XDG_CONFIG_HOME/perdix` when that
/// variable is an absolute path, else `$HOME/.config/perdix`.
pub fn default_config_dir() -> Option<PathBuf> {
    config_dir_from(
        std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from),
        std::env::var_os("HOME").map(PathBuf::from),
    )
}

fn config_dir_from(xdg_config_home: Option<PathBuf>, home: Option<PathBuf>) -> Option<PathBuf> {
    // The XDG base directory rules say relative values are to be ignored.
    match xdg_config_home.filter(|dir| dir.is_absolute()) {
        Some(dir) => Some(dir.join("perdix")),
        None => home
            .filter(|home| !home.as_os_str().is_empty())
            .map(|home| home.join(".config").join("perdix")),
    }
}

/// The folder of user themes, `themes/` in [`default_config_dir`].
pub fn default_theme_dir() -> Option<PathBuf> {
    default_config_dir().map(|dir| dir.join("themes"))
}

/// The folder of the user's agent rules, `agents/` in [`default_config_dir`] (see
/// [`RuleBook::load`](super::agent_rules::RuleBook::load)).
pub fn default_agents_dir() -> Option<PathBuf> {
    default_config_dir().map(|dir| dir.join("agents"))
}

impl AppConfig {
    /// Loads `explicit` (from `--config`), or the default file, with user themes from the
    /// default theme folder. A missing default file gives the defaults; a missing explicit
    /// file is an error.
    pub fn load(explicit: Option<&Path>) -> Result<AppConfig, ConfigError> {
        AppConfig::load_from(explicit, default_config_dir().as_deref())
    }

    /// [`AppConfig::load`] with the configuration folder given rather than taken from the
    /// environment: the default file is `config_dir/config.toml`, user themes are in
    /// `config_dir/themes`.
    pub fn load_from(explicit: Option<&Path>, config_dir: Option<&Path>) -> Result<AppConfig, ConfigError> {
        let theme_dir = config_dir.map(|dir| dir.join("themes"));
        let path = match (explicit, config_dir) {
            (Some(path), _) => path.to_path_buf(),
            (None, Some(dir)) => dir.join("config.toml"),
            (None, None) => return Ok(AppConfig::default()),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if explicit.is_none() && error.kind() == std::io::ErrorKind::NotFound => {
                // The defaults, parsed like an empty file so that a user file may still
                // replace the built-in default theme.
                let defaults = AppConfig::from_toml_str("", &path, theme_dir.as_deref())?;
                return Ok(AppConfig {
                    path: None,
                    ..defaults
                });
            }
            Err(source) => return Err(ConfigError::Io { path, source }),
        };
        AppConfig::from_toml_str(&text, &path, theme_dir.as_deref())
    }

    /// Parses configuration text. `origin` is the file named in errors and recorded in
    /// [`AppConfig::path`]; themes are looked up in `theme_dir`, then among the built-ins.
    pub fn from_toml_str(
        text: &str,
        origin: &Path,
        theme_dir: Option<&Path>,
    ) -> Result<AppConfig, ConfigError> {
        let invalid = |span: Range<usize>, message: String| {
            let (line, column) = line_column(text, span.start);
            ConfigError::Invalid {
                path: origin.to_path_buf(),
                line,
                column: Some(column),
                message,
            }
        };
        let file: ConfigFile = toml::from_str(text).map_err(|error| {
            let (line, column) = error.span().map_or((1, 1), |span| line_column(text, span.start));
            ConfigError::Syntax {
                path: origin.to_path_buf(),
                line,
                column,
                message: error.message().trim_end().to_string(),
            }
        })?;

        let layout = match &file.layout {
            None => LayoutKind::default(),
            Some(layout) => layout
                .get_ref()
                .parse()
                .map_err(|error| invalid(layout.span(), format!("{error}")))?,
        };

        let theme_name = file.theme.as_ref().map_or("default", |name| name.get_ref());
        let theme = Theme::load(theme_name, theme_dir).map_err(|error| match &file.theme {
            // A bad theme name points at `theme = …`; a broken theme file is reported against itself.
            Some(name) if !matches!(error, ThemeError::Io { .. } | ThemeError::Parse { .. }) => {
                invalid(name.span(), error.to_string())
            }
            _ => ConfigError::Theme(error),
        })?;

        let scrollback = match &file.scrollback {
            None => crate::term::DEFAULT_SCROLLBACK,
            Some(lines) => usize::try_from(*lines.get_ref())
                .ok()
                .filter(|lines| *lines <= MAX_SCROLLBACK)
                .ok_or_else(|| {
                    invalid(
                        lines.span(),
                        format!("scrollback must be at most {MAX_SCROLLBACK} lines"),
                    )
                })?,
        };

        let notify = match &file.notify {
            None => true,
            Some(setting) => match setting.get_ref().as_str() {
                "auto" => true,
                "off" => false,
                other => {
                    return Err(invalid(
                        setting.span(),
                        format!("notify must be \"auto\" or \"off\", not \"{other}\""),
                    ))
                }
            },
        };

        let keymap = Keymap::from_config(&file.keys).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            invalid(span, error.to_string())
        })?;

        let mut agents: Vec<AgentConfig> = Vec::with_capacity(file.agents.len());
        for agent in file.agents {
            let name = agent.name.get_ref().trim();
            if name.is_empty() {
                return Err(invalid(agent.name.span(), "agent name must not be empty".into()));
            }
            if agents.iter().any(|earlier| earlier.name == name) {
                return Err(invalid(
                    agent.name.span(),
                    format!("agent name `{name}` is used twice"),
                ));
            }
            if agent.command.get_ref().trim().is_empty() {
                return Err(invalid(
                    agent.command.span(),
                    format!("agent `{name}` has an empty command"),
                ));
            }
            agents.push(AgentConfig {
                name: name.to_string(),
                command: agent.command.into_inner(),
                cwd: agent.cwd,
                env: agent.env,
            });
        }

        Ok(AppConfig {
            path: Some(origin.to_path_buf()),
            agents,
            keymap,
            theme,
            layout,
            scrollback,
            notify,
            notify_command: file.notify_command.filter(|command| !command.trim().is_empty()),
            bell: file.bell,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Action;

    fn parse(text: &str) -> Result<AppConfig, ConfigError> {
        AppConfig::from_toml_str(text, Path::new("/etc/perdix.toml"), None)
    }

    #[test]
    fn notify_is_auto_or_off_and_the_command_is_kept() {
        let config = parse("").unwrap();
        assert!(config.notify && config.notify_command.is_none());
        let config = parse("notify = \"off\"\nnotify-command = \"notify-send perdix\"\n").unwrap();
        assert!(!config.notify && !config.bell);
        assert!(parse("bell = true\n").unwrap().bell);
        assert_eq!(config.notify_command.as_deref(), Some("notify-send perdix"));
        let error = parse("notify = \"loud\"\n").unwrap_err().to_string();
        assert!(
            error.contains("notify must be") && error.contains(":1:"),
            "{error}"
        );
    }

    #[test]
    fn the_documented_cost_of_a_scrollback_line_rests_on_24_byte_cells() {
        // MAX_SCROLLBACK's docs and `--help` give a line's cost from this size; a new
        // alacritty with other cells makes them wrong.
        assert_eq!(std::mem::size_of::<alacritty_terminal::term::cell::Cell>(), 24);
    }

    #[test]
    fn scrollback_flag_and_file_share_the_cap() {
        assert_eq!(parse_scrollback(" 0 "), Ok(0));
        for over in ["1000001", "99999999999", "99999999999999999999999"] {
            let error = parse_scrollback(over).unwrap_err();
            assert!(error.contains(over) && error.contains("1000000"), "{error}");
        }
        assert!(parse_scrollback("-1").unwrap_err().contains("not a number"));
        let (_, _, message) = invalid_at(&format!("scrollback = {}\n", MAX_SCROLLBACK + 1));
        assert!(message.contains(&MAX_SCROLLBACK.to_string()), "{message}");
        assert_eq!(
            parse(&format!("scrollback = {MAX_SCROLLBACK}\n"))
                .unwrap()
                .scrollback,
            MAX_SCROLLBACK
        );
    }

    fn invalid_at(text: &str) -> (usize, Option<usize>, String) {
        match parse(text) {
            Err(ConfigError::Invalid {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected an invalid-value error, got {other:?}"),
        }
    }

    fn syntax_at(text: &str) -> (usize, usize, String) {
        match parse(text) {
            Err(ConfigError::Syntax {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("perdix-config-test-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn line_column_counts_lines_and_characters() {
        let text = "ab\nçd = 1\n\nx";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (1, 3));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 5), (2, 2));
        assert_eq!(line_column(text, 4), (2, 1));
        assert_eq!(line_column(text, text.len()), (4, 2));
        assert_eq!(line_column(text, 999), (4, 2));
    }

    #[test]
    fn example_config_parses_to_the_documented_values() {
        let config = parse(EXAMPLE_CONFIG).unwrap();
        assert_eq!(config.path.as_deref(), Some(Path::new("/etc/perdix.toml")));
        assert_eq!(config.layout, LayoutKind::Tiled);
        assert_eq!(config.scrollback, 10_000);
        assert_eq!(config.theme, Theme::default());
        assert_eq!(config.keymap, Keymap::default());
        let names: Vec<&str> = config.agents.iter().map(|agent| agent.name.as_str()).collect();
        assert_eq!(names, ["claude", "tests"]);
        let tests = &config.agents[1];
        assert_eq!(tests.command, "cargo watch -x test");
        assert_eq!(tests.cwd.as_deref(), Some(Path::new("~/src/project")));
        assert_eq!(
            tests.env,
            BTreeMap::from([("RUST_BACKTRACE".to_string(), "1".to_string())])
        );
        assert!(config.agents[0].env.is_empty());
        assert_eq!(
            tests.resolved_cwd(Some(Path::new("/home/ada"))).as_deref(),
            Some(Path::new("/home/ada/src/project"))
        );
    }

    #[test]
    fn empty_text_gives_the_defaults() {
        let config = parse("").unwrap();
        assert_eq!(AppConfig { path: None, ..config }, AppConfig::default());
    }

    #[test]
    fn every_setting_is_read() {
        let config = parse(
            "theme = \"light\"\nlayout = \"main\"\nscrollback = 500\n[keys]\nprefix = \"C-a\"\nquit = \"Q\"\n\
             [[agents]]\nname = \"a\"\ncommand = \"sh\"\n[agents.env]\nX = \"1\"\n",
        )
        .unwrap();
        assert_eq!(config.theme.name, "light");
        assert_eq!(config.layout, LayoutKind::Main);
        assert_eq!(config.scrollback, 500);
        assert_eq!(config.keymap.prefix().to_string(), "C-a");
        assert_eq!(config.keymap.action(&"Q".parse().unwrap()), Some(Action::Quit));
        assert_eq!(config.agents[0].env["X"], "1");
        assert_eq!(config.agents[0].resolved_cwd(None), None);
    }

    #[test]
    fn toml_errors_name_file_line_and_column() {
        let (line, column, _) = syntax_at("layout = \"tiled\"\nscrollback = = 3\n");
        assert_eq!((line, column), (2, 14));
        let error = parse("layout = \"tiled\"\nscrollback = = 3\n").unwrap_err();
        assert!(
            error.to_string().starts_with("/etc/perdix.toml:2:14: "),
            "{error}"
        );
        let (line, _, message) = syntax_at("\n\nscrollback = \"many\"\n");
        assert_eq!(line, 3);
        assert!(message.contains("\"many\""), "{message}");
        let (line, _, _) = syntax_at("[[agents]]\nname = \"a\"\n");
        assert_eq!(line, 1, "a missing command points at its agent");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let (line, column, message) = syntax_at("layout = \"rows\"\nlayuot = \"rows\"\n");
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("layuot"), "{message}");
        let (line, _, message) = syntax_at("[[agents]]\nname = \"a\"\ncommand = \"b\"\ncdw = \"/\"\n");
        assert_eq!(line, 4);
        assert!(message.contains("cdw"), "{message}");
    }

    #[test]
    fn bad_values_name_the_line() {
        let (line, column, message) = invalid_at("theme = \"light\"\nlayout = \"grid\"\n");
        assert_eq!((line, column), (2, Some(10)));
        assert!(message.contains("unknown layout `grid`"), "{message}");

        let (line, _, message) = invalid_at("\ntheme = \"neon\"\n");
        assert_eq!(line, 2);
        assert!(message.contains("unknown theme `neon`"), "{message}");

        let (line, _, message) = invalid_at("[keys]\nzoom = \"z\"\nzom = \"y\"\n");
        assert_eq!(line, 3);
        assert!(message.contains("unknown action `zom`"), "{message}");

        let (line, _, message) = invalid_at("[keys]\nzoom = \"Hyper-z\"\n");
        assert_eq!(line, 2);
        assert!(message.contains("Hyper-z"), "{message}");

        let (line, _, message) = invalid_at("[keys]\nzoom = \"y\"\n\nhelp = \"y\"\n");
        assert_eq!(line, 4);
        assert_eq!(message, "key `y` is bound to both `zoom` and `help`");

        let (line, _, _) = invalid_at("scrollback = 2000000\n");
        assert_eq!(line, 1);

        let (line, _, message) = invalid_at(
            "[[agents]]\nname = \"a\"\ncommand = \"x\"\n[[agents]]\nname = \"a\"\ncommand = \"y\"\n",
        );
        assert_eq!(line, 5);
        assert!(message.contains("used twice"), "{message}");

        let (line, _, _) = invalid_at("[[agents]]\nname = \"a\"\ncommand = \"  \"\n");
        assert_eq!(line, 3);
    }

    #[test]
    fn config_dir_follows_xdg_rules() {
        let home = Some(PathBuf::from("/home/ada"));
        assert_eq!(
            config_dir_from(None, home.clone()),
            Some(PathBuf::from("/home/ada/.config/perdix"))
        );
        assert_eq!(
            config_dir_from(Some("/xdg".into()), home.clone()),
            Some(PathBuf::from("/xdg/perdix"))
        );
        assert_eq!(
            config_dir_from(Some("relative".into()), home.clone()),
            Some(PathBuf::from("/home/ada/.config/perdix"))
        );
        assert_eq!(config_dir_from(None, None), None);
        assert_eq!(config_dir_from(None, Some(PathBuf::new())), None);
    }

    #[test]
    fn loading_files() {
        let dir = scratch_dir("load");
        // No default file: the defaults, not an error.
        let config = AppConfig::load_from(None, Some(&dir)).unwrap();
        assert_eq!(config, AppConfig::default());
        // A missing explicit file is an error naming it.
        let missing = dir.join("missing.toml");
        let error = AppConfig::load_from(Some(&missing), Some(&dir)).unwrap_err();
        assert!(
            matches!(&error, ConfigError::Io { path, .. } if path == &missing),
            "{error:?}"
        );
        assert!(error.to_string().contains("missing.toml"));

        std::fs::write(dir.join("config.toml"), "layout = \"rows\"\ntheme = \"mine\"\n").unwrap();
        std::fs::create_dir_all(dir.join("themes")).unwrap();
        let mine = include_str!("../../themes/light.toml");
        std::fs::write(dir.join("themes").join("mine.toml"), mine).unwrap();
        let config = AppConfig::load_from(None, Some(&dir)).unwrap();
        assert_eq!(config.layout, LayoutKind::Rows);
        assert_eq!(config.theme.name, "mine");
        assert_eq!(
            config.theme.background,
            Theme::builtin("light").unwrap().background
        );
        assert_eq!(config.path, Some(dir.join("config.toml")));

        // A broken user theme is reported against the theme file.
        std::fs::write(dir.join("themes").join("mine.toml"), "foreground = 3\n").unwrap();
        let error = AppConfig::load_from(None, Some(&dir)).unwrap_err();
        assert!(
            matches!(&error, ConfigError::Theme(ThemeError::Parse { line: 1, .. })),
            "{error:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

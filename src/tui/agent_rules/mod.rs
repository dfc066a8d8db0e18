//! What each agent's screen and title show when it works, asks or waits: rules kept as
//! data (TOML), built in for Claude Code, Codex, Gemini CLI, aider and shells, and
//! overridable or extendable with files in `~/.config/perdix/agents/`.
//!
//! A rule file names its agent, the words or program names that tell it apart on a
//! command line, optional arguments that make it resume its last conversation (for a
//! restarted or restored pane), and three lists
//! of rules: `blocked` (it needs the user: a question, a permission, a choice), `working`
//! (it is busy even when it prints nothing) and `ready` (it waits for a new message, so
//! that output is not work: typing, a redraw). A rule matches when every matcher it has
//! matches: `screen` (a regular expression over the visible rows, joined with `\n`),
//! `cursor_line` (over the cursor's row) and `title` (over the window title); a rule with
//! none always matches. A blocked rule's `reason` when it has one, else its first capture
//! group, else the line it matched in, is the reason shown to the user.
//!
//! ```
//! use perdix::tui::agent_rules::{RuleBook, Snapshot, VerdictKind};
//!
//! let book = RuleBook::builtin();
//! let screen = Snapshot {
//!     rows: vec!["Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]: ".into()],
//!     cursor_row: 0,
//!     title: None,
//! };
//! let verdict = book.classify("aider", &screen).unwrap();
//! assert_eq!(verdict.kind, VerdictKind::Blocked);
//! assert_eq!(verdict.reason.as_deref(), Some("Run shell command?"));
//! ```

pub mod classifier;

pub use classifier::Classifier;

use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The rule files built into the binary, by file name.
const BUILTIN: [(&str, &str); 5] = [
    ("claude.toml", include_str!("claude.toml")),
    ("codex.toml", include_str!("codex.toml")),
    ("gemini.toml", include_str!("gemini.toml")),
    ("aider.toml", include_str!("aider.toml")),
    ("shell.toml", include_str!("shell.toml")),
];

/// Longest reason kept, in characters: one line of a border or a list (the rules', a
/// reported one's, a notification's).
pub const REASON_CHARS: usize = 200;

/// Why a rule file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not a rule file.
    #[error("{}: {source}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<toml::de::Error>,
    },
    /// A matcher is not a valid regular expression.
    #[error("{}: {which} rule {number}: {source}", path.display())]
    Regex {
        /// The file.
        path: PathBuf,
        /// `blocked`, `working` or `ready`.
        which: &'static str,
        /// The rule's number in its list, from 1.
        number: usize,
        /// What is wrong with the expression.
        source: Box<regex::Error>,
    },
}

/// What the rules say of a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictKind {
    /// The agent needs the user.
    Blocked,
    /// The agent is busy.
    Working,
    /// The agent waits for a new message.
    Ready,
}

/// A rule's finding, with the reason for a blocked one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What the agent is doing.
    pub kind: VerdictKind,
    /// Why it is blocked, in a line.
    pub reason: Option<String>,
}

/// What a pane shows: its visible rows (trailing blanks trimmed), the cursor's row and
/// the window title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The visible rows, top first.
    pub rows: Vec<String>,
    /// The row the cursor is on.
    pub cursor_row: usize,
    /// The window title (OSC 0/2), if any.
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    agent: String,
    display: Option<String>,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    programs: Vec<String>,
    #[serde(default)]
    resume_args: Vec<String>,
    #[serde(default)]
    blocked: Vec<RuleSource>,
    #[serde(default)]
    working: Vec<RuleSource>,
    #[serde(default)]
    ready: Vec<RuleSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSource {
    screen: Option<String>,
    cursor_line: Option<String>,
    title: Option<String>,
    /// What a blocked rule says when it matches, instead of what it matched.
    reason: Option<String>,
}

/// One rule: the matchers that must all match.
#[derive(Debug, Clone)]
struct Rule {
    screen: Option<Regex>,
    cursor_line: Option<Regex>,
    title: Option<Regex>,
    reason: Option<String>,
}

impl Rule {
    /// `None` when the rule does not match; else the reason it found (for blocked rules).
    fn apply(&self, screen: &str, cursor_line: &str, title: &str) -> Option<Option<String>> {
        let mut reason = None;
        for (regex, text) in [
            (&self.screen, screen),
            (&self.cursor_line, cursor_line),
            (&self.title, title),
        ] {
            let Some(regex) = regex else { continue };
            let found = regex.captures(text)?;
            if reason.is_none() && self.reason.is_none() {
                reason = Some(match found.get(1) {
                    Some(group) => group.as_str().to_owned(),
                    None => line_around(text, found.get(0).map_or(0, |whole| whole.start())).to_owned(),
                });
            }
        }
        let reason = self.reason.clone().or(reason);
        Some(reason.map(|text| one_line(&text)).filter(|text| !text.is_empty()))
    }
}

/// The line of `text` that holds byte `at`.
fn line_around(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |newline| newline + 1);
    let end = text[at..].find('\n').map_or(text.len(), |newline| at + newline);
    &text[start..end]
}

/// `text` trimmed, its runs of blanks and box-drawing borders squeezed, at most
/// [`REASON_CHARS`] characters.
fn one_line(text: &str) -> String {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control() || ('\u{2500}'..='\u{257f}').contains(&c))
        .filter(|word| !word.is_empty())
        .collect();
    words.join(" ").chars().take(REASON_CHARS).collect()
}

/// One agent's rules.
#[derive(Debug, Clone)]
pub struct AgentRules {
    /// The agent's short name (`claude`, `shell`, …).
    pub agent: String,
    /// Its name for people.
    pub display: String,
    /// Words one of which its program's (or script's) name contains.
    pub words: Vec<String>,
    /// Program names it runs as, exactly.
    pub programs: Vec<String>,
    /// Arguments that, added to its command line, make it resume its last conversation
    /// (none when it cannot).
    pub resume_args: Vec<String>,
    blocked: Vec<Rule>,
    working: Vec<Rule>,
    ready: Vec<Rule>,
}

impl AgentRules {
    fn parse(path: &Path, text: &str) -> Result<AgentRules, RulesError> {
        let file: RuleFile = toml::from_str(text).map_err(|source| RulesError::Toml {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
        let compile = |which: &'static str, sources: Vec<RuleSource>| {
            sources
                .into_iter()
                .enumerate()
                .map(|(index, source)| {
                    let regex = |pattern: Option<String>| {
                        pattern
                            .map(|pattern| Regex::new(&pattern))
                            .transpose()
                            .map_err(|source| RulesError::Regex {
                                path: path.to_owned(),
                                which,
                                number: index + 1,
                                source: Box::new(source),
                            })
                    };
                    Ok(Rule {
                        screen: regex(source.screen)?,
                        cursor_line: regex(source.cursor_line)?,
                        title: regex(source.title)?,
                        reason: source.reason,
                    })
                })
                .collect::<Result<Vec<Rule>, RulesError>>()
        };
        Ok(AgentRules {
            display: file.display.unwrap_or_else(|| file.agent.clone()),
            agent: file.agent,
            words: file.words.into_iter().map(|word| word.to_lowercase()).collect(),
            programs: file.programs,
            resume_args: file.resume_args,
            blocked: compile("blocked", file.blocked)?,
            working: compile("working", file.working)?,
            ready: compile("ready", file.ready)?,
        })
    }

    /// What the rules say of `snapshot`: blocked rules first, then working, then ready.
    pub fn classify(&self, snapshot: &Snapshot) -> Option<Verdict> {
        let screen = snapshot.rows.join("\n");
        let cursor_line = snapshot.rows.get(snapshot.cursor_row).map_or("", String::as_str);
        let title = snapshot.title.as_deref().unwrap_or("");
        for (kind, rules) in [
            (VerdictKind::Blocked, &self.blocked),
            (VerdictKind::Working, &self.working),
            (VerdictKind::Ready, &self.ready),
        ] {
            if let Some(reason) = rules
                .iter()
                .find_map(|rule| rule.apply(&screen, cursor_line, title))
            {
                let reason = reason.filter(|_| kind == VerdictKind::Blocked);
                return Some(Verdict { kind, reason });
            }
        }
        None
    }
}

/// Every agent's rules, by agent name.
#[derive(Debug, Clone, Default)]
pub struct RuleBook {
    agents: BTreeMap<String, AgentRules>,
}

impl RuleBook {
    /// The rules built into the binary.
    pub fn builtin() -> RuleBook {
        let mut book = RuleBook::default();
        for (name, text) in BUILTIN {
            // Checked by the tests: the built-in files always parse.
            if let Ok(rules) = AgentRules::parse(Path::new(name), text) {
                book.agents.insert(rules.agent.clone(), rules);
            }
        }
        book
    }

    /// The built-in rules with every `*.toml` file of `dir` laid over them (a file for an
    /// agent that has rules replaces them; a new agent is added), in file-name order.
    /// Files that cannot be used are skipped and returned as errors; a missing folder is
    /// no error.
    pub fn load(dir: Option<&Path>) -> (RuleBook, Vec<RulesError>) {
        let mut book = RuleBook::builtin();
        let mut errors = Vec::new();
        let Some(dir) = dir else {
            return (book, errors);
        };
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
                .collect(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                errors.push(RulesError::Io {
                    path: dir.to_owned(),
                    source,
                });
                Vec::new()
            }
        };
        paths.sort();
        for path in paths {
            let parsed = std::fs::read_to_string(&path)
                .map_err(|source| RulesError::Io {
                    path: path.clone(),
                    source,
                })
                .and_then(|text| AgentRules::parse(&path, &text));
            match parsed {
                Ok(rules) => {
                    book.agents.insert(rules.agent.clone(), rules);
                }
                Err(error) => errors.push(error),
            }
        }
        (book, errors)
    }

    /// The rules of `agent`, if it has any.
    pub fn agent(&self, agent: &str) -> Option<&AgentRules> {
        self.agents.get(agent)
    }

    /// What `agent`'s rules say of `snapshot`; `None` for an agent without rules or a
    /// screen no rule matches.
    pub fn classify(&self, agent: &str, snapshot: &Snapshot) -> Option<Verdict> {
        self.agent(agent)?.classify(snapshot)
    }

    /// `command` resuming its agent's last conversation, when its agent can and it does
    /// not already; `None` otherwise.
    ///
    /// ```
    /// use perdix::tui::agent_rules::RuleBook;
    /// let book = RuleBook::builtin();
    /// assert_eq!(book.resumed("claude --model opus").as_deref(), Some("claude --model opus --continue"));
    /// assert_eq!(book.resumed("claude --model opus --continue"), None);
    /// assert_eq!(book.resumed("bash"), None);
    /// ```
    pub fn resumed(&self, command: &str) -> Option<String> {
        let argv = shell_words::split(command).ok()?;
        let rules = self.agent(self.agent_of_command(&argv)?)?;
        let args = &rules.resume_args;
        if args.is_empty() || argv.ends_with(args) {
            return None;
        }
        Some(format!("{command} {}", shell_words::join(args)))
    }

    /// The agent a command line runs: the agent one of whose words the program's name
    /// contains (or, for an interpreter such as `node` or `python3`, the script's), the
    /// agent one of whose program names the program has, or `None`.
    ///
    /// ```
    /// use perdix::tui::agent_rules::RuleBook;
    /// let book = RuleBook::builtin();
    /// let argv = ["node", "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js"];
    /// assert_eq!(book.agent_of_command(&argv), Some("claude"));
    /// assert_eq!(book.agent_of_command(&["-bash"]), Some("shell"));
    /// assert_eq!(book.agent_of_command(&["vim", "notes.md"]), None);
    /// ```
    pub fn agent_of_command<S: AsRef<str>>(&self, argv: &[S]) -> Option<&str> {
        let argv: Vec<&str> = argv.iter().map(AsRef::as_ref).collect();
        let named = |text: &str| {
            let text = text.to_lowercase();
            self.agents
                .values()
                .find(|rules| rules.words.iter().any(|word| text.contains(word.as_str())))
                .map(|rules| rules.agent.as_str())
        };
        let program = |name: &str| {
            self.agents
                .values()
                .find(|rules| rules.programs.iter().any(|program| program == name))
                .map(|rules| rules.agent.as_str())
        };
        crate::tui::foreground::agent_in_command(&argv, named, program)
    }
}

#[cfg(test)]
mod tests;

//! Which program a pane's user is talking to: the pane terminal's foreground process, by
//! its command line, and the agent it is, so that a shell pane that starts `claude` is a
//! Claude pane, and a shell again when it exits.
//!
//! ```
//! use perdix::tui::foreground::agent_of_command;
//!
//! let argv = ["node", "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js"];
//! assert_eq!(agent_of_command(&argv), Some("claude"));
//! assert_eq!(agent_of_command(&["-bash"]), Some("shell"));
//! assert_eq!(agent_of_command(&["vim", "notes.md"]), None);
//! ```

/// The agents told apart, by the words their command lines carry.
const AGENTS: [(&str, &str); 4] = [
    ("claude", "claude"),
    ("codex", "codex"),
    ("gemini", "gemini"),
    ("aider", "aider"),
];
/// Shells: a pane whose foreground program is one of these is at its prompt.
const SHELLS: [&str; 9] = ["sh", "bash", "zsh", "fish", "dash", "ksh", "mksh", "tcsh", "nu"];
/// Programs that run another named on their command line.
const INTERPRETERS: [&str; 6] = ["node", "bun", "deno", "python", "python3", "uv"];

/// The foreground program of a pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreground {
    /// Its process group (the leader's pid).
    pub group: u32,
    /// Its command line.
    pub argv: Vec<String>,
    /// The agent it is (`claude`, `codex`, `gemini`, `aider`), `shell`, or `None`.
    pub agent: Option<&'static str>,
}

impl Foreground {
    /// The foreground program of process group `group`, from `/proc` (Linux); `None`
    /// where the system does not tell or the process is gone.
    pub fn of_group(group: u32) -> Option<Foreground> {
        let raw = std::fs::read(format!("/proc/{group}/cmdline")).ok()?;
        let argv: Vec<String> = raw
            .split(|&byte| byte == 0)
            .filter(|arg| !arg.is_empty())
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect();
        let agent = agent_of_command(&argv);
        Some(Foreground { group, argv, agent })
    }
}

/// The last part of a path, without a login shell's leading `-` and a version suffix
/// (`python3.11` → `python3.11`, kept; `-bash` → `bash`).
fn program_name(arg: &str) -> &str {
    let name = arg.rsplit('/').next().unwrap_or(arg);
    name.strip_prefix('-').unwrap_or(name)
}

/// The agent a command line runs: one of the known agents, `shell`, or `None`.
pub fn agent_of_command<S: AsRef<str>>(argv: &[S]) -> Option<&'static str> {
    // `env VAR=value program …` runs the program (until it replaces itself with it).
    if argv
        .first()
        .is_some_and(|arg| program_name(arg.as_ref()) == "env")
    {
        let rest = argv
            .iter()
            .skip(1)
            .position(|arg| !arg.as_ref().contains('=') && !arg.as_ref().starts_with('-'))?;
        return agent_of_command(&argv[1 + rest..]);
    }
    let first = argv.first().map(|arg| program_name(arg.as_ref()))?;
    let named = |text: &str| {
        AGENTS
            .iter()
            .find(|(word, _)| text.to_ascii_lowercase().contains(word))
            .map(|(_, agent)| *agent)
    };
    if let Some(agent) = named(first) {
        return Some(agent);
    }
    let interpreter = INTERPRETERS.contains(&first) || first.starts_with("python");
    if interpreter {
        // The script it runs: the first argument that is not an option.
        if let Some(script) = argv
            .iter()
            .skip(1)
            .map(AsRef::as_ref)
            .find(|arg| !arg.starts_with('-'))
        {
            return named(script);
        }
        return None;
    }
    SHELLS.contains(&first).then_some("shell")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_known_by_their_programs_or_the_scripts_their_interpreters_run() {
        let cases: [(&[&str], Option<&str>); 14] = [
            (&["env", "PS1=$ ", "bash", "--norc"], Some("shell")),
            (&["/usr/bin/env", "-u", "X", "A=1"], None),
            (&["claude"], Some("claude")),
            (&["/home/me/.local/bin/claude", "--continue"], Some("claude")),
            (
                &["node", "/usr/local/lib/node_modules/@openai/codex/bin/codex.js"],
                Some("codex"),
            ),
            (&["codex", "--full-auto"], Some("codex")),
            (
                &["node", "--no-warnings", "/opt/gemini-cli/bundle/gemini.js"],
                Some("gemini"),
            ),
            (
                &["/usr/bin/python3.11", "/home/me/.local/bin/aider", "--model", "x"],
                Some("aider"),
            ),
            (&["-bash"], Some("shell")),
            (&["/bin/zsh", "-l"], Some("shell")),
            (&["node", "server.js"], None),
            (&["vim", "claude-notes.md"], None),
            (&["cargo", "test"], None),
            (&[], None),
        ];
        for (argv, agent) in cases {
            assert_eq!(agent_of_command(argv), agent, "{argv:?}");
        }
    }

    #[test]
    fn this_process_is_found_in_proc() {
        let own = std::process::id();
        let found = Foreground::of_group(own).expect("this process in /proc");
        assert_eq!(found.group, own);
        assert!(!found.argv.is_empty());
    }
}

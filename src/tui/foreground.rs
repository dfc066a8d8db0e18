//! Which program a pane's user is talking to: the pane terminal's foreground process, by
//! its command line, and the agent it is, so that a shell pane that starts `claude` is a
//! Claude pane, and a shell again when it exits.
//!
//! ```
//! use perdix::tui::agent_rules::RuleBook;
//! use perdix::tui::foreground::Foreground;
//!
//! let book = RuleBook::builtin();
//! let own = Foreground::of_group(std::process::id(), &book).expect("this process in /proc");
//! assert!(!own.argv.is_empty());
//! ```
//!
//! Which words and program names make which agent is data: see
//! [`RuleBook::agent_of_command`](super::agent_rules::RuleBook::agent_of_command).

use super::agent_rules::RuleBook;

/// Programs that run another named on their command line.
const INTERPRETERS: [&str; 6] = ["node", "bun", "deno", "python", "python3", "uv"];

/// The foreground program of a pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreground {
    /// Its process group (the leader's pid).
    pub group: u32,
    /// Its command line.
    pub argv: Vec<String>,
    /// The agent it is (`claude`, `codex`, `gemini`, `aider`, `shell`, or one the user's
    /// rule files add), or `None`.
    pub agent: Option<String>,
}

impl Foreground {
    /// The foreground program of process group `group`, from `/proc` (Linux), and the
    /// agent `book` says it is; `None` where the system does not tell or the process is
    /// gone.
    pub fn of_group(group: u32, book: &RuleBook) -> Option<Foreground> {
        let raw = std::fs::read(format!("/proc/{group}/cmdline")).ok()?;
        let argv: Vec<String> = raw
            .split(|&byte| byte == 0)
            .filter(|arg| !arg.is_empty())
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect();
        let agent = book.agent_of_command(&argv).map(str::to_owned);
        Some(Foreground { group, argv, agent })
    }
}

/// The last part of a path, without a login shell's leading `-` (`-bash` → `bash`).
fn program_name(arg: &str) -> &str {
    let name = arg.rsplit('/').next().unwrap_or(arg);
    name.strip_prefix('-').unwrap_or(name)
}

/// The agent a command line runs, by `named` (the agent whose words a program or
/// script name carries) and `program` (the agent that runs as exactly this program):
/// `env VAR=value program …` is the program, and an interpreter is the script it runs.
pub(crate) fn agent_in_command<'a>(
    argv: &[&str],
    named: impl Fn(&str) -> Option<&'a str>,
    program: impl Fn(&str) -> Option<&'a str>,
) -> Option<&'a str> {
    // `env VAR=value program …` runs the program (until it replaces itself with it).
    if argv.first().is_some_and(|arg| program_name(arg) == "env") {
        let rest = argv
            .iter()
            .skip(1)
            .position(|arg| !arg.contains('=') && !arg.starts_with('-'))?;
        return agent_in_command(&argv[1 + rest..], named, program);
    }
    let first = argv.first().map(|arg| program_name(arg))?;
    if let Some(agent) = named(first) {
        return Some(agent);
    }
    let interpreter = INTERPRETERS.contains(&first) || first.starts_with("python");
    if interpreter {
        // The script it runs: the first argument that is not an option.
        return argv
            .iter()
            .skip(1)
            .find(|arg| !arg.starts_with('-'))
            .and_then(|script| named(script));
    }
    program(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent_of_command(argv: &[&str]) -> Option<String> {
        RuleBook::builtin().agent_of_command(argv).map(str::to_owned)
    }

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
            assert_eq!(agent_of_command(argv).as_deref(), agent, "{argv:?}");
        }
    }

    #[test]
    fn this_process_is_found_in_proc() {
        let own = std::process::id();
        let found = Foreground::of_group(own, &RuleBook::builtin()).expect("this process in /proc");
        assert_eq!(found.group, own);
        assert!(!found.argv.is_empty());
    }
}

//! Demo agents run as real child processes: `perdix-tui --demo N` and the headless
//! benchmark start `perdix-tui --demo-agent KIND --seed N …` in pseudo-terminals, and that
//! hidden mode calls [`run_demo_agent`] on its stdout and stdin.
//!
//! A [`DemoAgent`] decides the output (markdown, highlighted code, tool-call boxes,
//! spinners and progress bars redrawn in place, window titles, synchronized updates,
//! questions that wait for a line of input); [`run_demo_agent`] writes it at a realistic
//! pace or as fast as it can.

mod scenes;

pub use scenes::{DemoAgent, DemoStep};

use crate::bench::agents::AgentKind;
use crate::pty::SpawnConfig;
use std::io::{self, BufRead, Write};
use std::str::FromStr;
use std::time::Duration;

/// One mebibyte, the unit of `--mib`.
pub const MIB: u64 = 1 << 20;

/// How fast a demo agent writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pace {
    /// With the pauses a real agent takes: typing, tool calls, thinking.
    #[default]
    Realistic,
    /// As fast as the output can take it, never waiting for input (the benchmark load).
    FlatOut,
}

/// What a demo agent does; see [`run_demo_agent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAgentOptions {
    /// Whose style of output to imitate.
    pub kind: AgentKind,
    /// Decides the output completely.
    pub seed: u64,
    /// Realistic pauses or flat out.
    pub pace: Pace,
    /// Stop at the first step boundary at or after this many bytes; `None` runs forever.
    pub limit_bytes: Option<u64>,
    /// Ask questions now and then and wait for a line of input (realistic pace only).
    pub interactive: bool,
}

impl DemoAgentOptions {
    /// A non-interactive agent at a realistic pace that runs forever.
    pub fn new(kind: AgentKind, seed: u64) -> DemoAgentOptions {
        DemoAgentOptions {
            kind,
            seed,
            pace: Pace::Realistic,
            limit_bytes: None,
            interactive: false,
        }
    }

    /// The command line that runs these options in a child: the current executable
    /// (which must be `perdix-tui`) with the hidden `--demo-agent` flags.
    ///
    /// ```
    /// use perdix::bench::agents::AgentKind;
    /// use perdix::bench::demo::{DemoAgentOptions, Pace};
    /// let options = DemoAgentOptions { pace: Pace::FlatOut, limit_bytes: Some(5 << 20), ..DemoAgentOptions::new(AgentKind::Aider, 4) };
    /// let argv = options.command().argv().unwrap();
    /// assert_eq!(argv[1..], ["--demo-agent", "aider", "--seed", "4", "--flat-out", "--mib", "5"]);
    /// ```
    pub fn command(&self) -> SpawnConfig {
        let program = std::env::current_exe()
            .map(|path| path.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "perdix-tui".to_owned());
        let mut argv = vec![
            program,
            "--demo-agent".to_owned(),
            self.kind.name().to_owned(),
            "--seed".to_owned(),
            self.seed.to_string(),
        ];
        match self.pace {
            Pace::FlatOut => argv.push("--flat-out".to_owned()),
            Pace::Realistic if self.interactive => argv.push("--interactive".to_owned()),
            Pace::Realistic => {}
        }
        match self.limit_bytes {
            Some(limit) if limit % MIB == 0 => argv.extend(["--mib".to_owned(), (limit / MIB).to_string()]),
            Some(limit) => argv.extend(["--limit-bytes".to_owned(), limit.to_string()]),
            None => {}
        }
        SpawnConfig::from_argv(argv)
    }
}

/// An agent name that is not `claude`, `codex` or `aider`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown agent kind {0:?}: expected claude, codex or aider")]
pub struct UnknownAgentKind(pub String);

impl FromStr for AgentKind {
    type Err = UnknownAgentKind;

    fn from_str(name: &str) -> Result<AgentKind, UnknownAgentKind> {
        AgentKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownAgentKind(name.to_owned()))
    }
}

/// Runs a demo agent: writes its output to `out` and, when it asks a question, flushes
/// and blocks reading one line from `input`. Returns the bytes written.
///
/// At [`Pace::Realistic`] every step is flushed and followed by its pause; at
/// [`Pace::FlatOut`] nothing waits and no question is asked. With a limit it stops at the
/// first step boundary at or after `limit_bytes`, then writes a few closing bytes
/// (colours reset, cursor shown, line ended), so the count is at least the limit and
/// exceeds it by less than one step plus those bytes. When `input` ends the agent stops
/// asking and goes on. A closed `out` (broken pipe) is a normal end: the count then
/// covers the steps handed to `out` before the failing write.
///
/// ```
/// use perdix::bench::agents::AgentKind;
/// use perdix::bench::demo::{run_demo_agent, DemoAgentOptions, Pace};
/// let options = DemoAgentOptions { pace: Pace::FlatOut, limit_bytes: Some(10_000), ..DemoAgentOptions::new(AgentKind::Codex, 1) };
/// let mut out = Vec::new();
/// let written = run_demo_agent(&options, &mut out, &mut std::io::empty())?;
/// assert_eq!(written, out.len() as u64);
/// assert!(written >= 10_000);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn run_demo_agent(
    options: &DemoAgentOptions,
    out: &mut impl Write,
    input: &mut impl BufRead,
) -> io::Result<u64> {
    run_paced(options, out, input, &mut std::thread::sleep)
}

/// [`run_demo_agent`] with the sleeping passed in, so tests need not wait.
fn run_paced(
    options: &DemoAgentOptions,
    out: &mut impl Write,
    input: &mut impl BufRead,
    sleep: &mut dyn FnMut(Duration),
) -> io::Result<u64> {
    let realistic = options.pace == Pace::Realistic;
    let mut agent = DemoAgent::new(options.kind, options.seed, options.interactive && realistic);
    let mut written = 0u64;
    let result = write_steps(
        &mut agent,
        options.limit_bytes,
        realistic,
        out,
        input,
        sleep,
        &mut written,
    )
    .and_then(|()| {
        let closing = agent.closing_bytes();
        out.write_all(&closing)?;
        written += closing.len() as u64;
        out.flush()
    });
    match result {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(written),
        Err(error) => Err(error),
        Ok(()) => Ok(written),
    }
}

fn write_steps(
    agent: &mut DemoAgent,
    limit: Option<u64>,
    realistic: bool,
    out: &mut impl Write,
    input: &mut impl BufRead,
    sleep: &mut dyn FnMut(Duration),
    written: &mut u64,
) -> io::Result<()> {
    let mut line = Vec::new();
    while limit.is_none_or(|limit| *written < limit) {
        match agent.next_step() {
            DemoStep::Output(burst) => {
                out.write_all(&burst.bytes)?;
                *written += burst.bytes.len() as u64;
                if realistic {
                    out.flush()?;
                    sleep(burst.pause);
                }
            }
            DemoStep::Prompt(burst) => {
                out.write_all(&burst.bytes)?;
                *written += burst.bytes.len() as u64;
                out.flush()?;
                line.clear();
                if input.read_until(b'\n', &mut line)? == 0 {
                    agent.stop_asking();
                    continue;
                }
                let reply = agent.answer(&String::from_utf8_lossy(&line));
                out.write_all(&reply.bytes)?;
                *written += reply.bytes.len() as u64;
                out.flush()?;
                sleep(reply.pause);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

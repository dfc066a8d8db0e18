//! Simulated coding agents: deterministic generators of terminal output that looks like
//! what claude, codex and aider print (reasoning, tool calls, coloured diffs, progress
//! bars redrawn with `\r`, cursor movement, window titles, wide characters), for the
//! demo of `perdix --stream` and for headless benchmarks.
//!
//! A [`SimulatedAgent`] only produces bytes and the pause a real agent would take after
//! them; [`spawn_simulated_agent`] runs one on a thread at that pace into a pane's input
//! ring.
//!
//! ```
//! use perdix::bench::agents::{AgentKind, SimulatedAgent};
//! let mut first = SimulatedAgent::new(AgentKind::Codex, 7);
//! let mut second = SimulatedAgent::new(AgentKind::Codex, 7);
//! for _ in 0..50 {
//!     assert_eq!(first.next_burst(), second.next_burst()); // same seed, same output
//! }
//! ```

use crate::ring::{AgentType, ProduceError, Producer, SLOT_PAYLOAD};
use std::fmt::Write as _;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long one attempt to put a piece into a full ring waits before checking that
/// somebody still reads it; a full ring is waited out, never given up on.
const RING_WAIT_STEP: Duration = Duration::from_millis(50);

/// Which agent's style of output to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgentKind {
    /// Reasoning in dim italics, `⏺` tool calls, diffs, a spinner with a status line.
    Claude,
    /// `exec` commands with test output and a progress bar.
    Codex,
    /// A `aider>` prompt, edits applied, commits and token costs.
    Aider,
}

impl AgentKind {
    /// The three kinds, in the order `perdix --stream` starts them.
    pub const ALL: [AgentKind; 3] = [AgentKind::Claude, AgentKind::Codex, AgentKind::Aider];

    /// The agent's name, as a pane tag shows it.
    pub fn name(self) -> &'static str {
        match self {
            AgentKind::Claude => "claude",
            AgentKind::Codex => "codex",
            AgentKind::Aider => "aider",
        }
    }

    /// The range of pauses between bursts, in milliseconds.
    fn pause_range_ms(self) -> (u64, u64) {
        match self {
            AgentKind::Claude => (20, 80),
            AgentKind::Codex => (10, 60),
            AgentKind::Aider => (30, 120),
        }
    }
}

/// A small xorshift generator: deterministic everywhere, and enough for picking words.
#[derive(Debug, Clone)]
pub(crate) struct XorShift64(u64);

impl XorShift64 {
    pub(crate) fn new(seed: u64) -> XorShift64 {
        // Mixing the seed keeps nearby seeds apart and never leaves the state at zero.
        let mixed = (seed ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        XorShift64(mixed | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `low..=high`.
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// One piece of an agent's output and the pause it takes before the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burst {
    /// The bytes, as the agent would write them to its terminal (lines end in `\r\n`).
    pub bytes: Vec<u8>,
    /// How long to wait before the next burst for a realistic pace.
    pub pause: Duration,
}

const FILES: &[&str] = &[
    "src/main.rs",
    "src/ring/producer.rs",
    "src/parse/stage.rs",
    "tests/stream.rs",
    "Cargo.toml",
    "src/pty/process.rs",
    "README.md",
];
const THOUGHTS: &[&str] = &[
    "the consumer has to see the producer's disconnect before it drains",
    "a partial UTF-8 character may straddle two reads",
    "maybe the test is racing the reader thread",
    "この関数はリングが満杯のときに待つ必要がある",
    "wide glyphs like 漢字 take two cells but one character",
    "the backoff should yield before it sleeps",
];
const TOOLS: &[&str] = &["Read", "Edit", "Grep", "Bash", "Write"];
const COMMANDS: &[&str] = &[
    "cargo test --lib",
    "cargo clippy",
    "git status",
    "rg produce_timeout",
    "ls src",
];
const TESTS: &[&str] = &[
    "ring::tests::wraps_around",
    "parse::stage::tests::an_ended_pane_is_finished",
    "pty::tests::missing_programs_fail_early",
    "logview::tests::tab_pads",
];
const OLD_LINES: &[&str] = &[
    "let piece = &bytes[..len];",
    "std::thread::sleep(Duration::from_millis(1));",
    "if full { return Err(Full) }",
];
const NEW_LINES: &[&str] = &[
    "let piece = &bytes[..len.min(SLOT_PAYLOAD)];",
    "backoff.snooze();",
    "if full { continue; } // wait, never drop",
];
const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// A deterministic imitation of one agent's terminal output.
#[derive(Debug, Clone)]
pub struct SimulatedAgent {
    kind: AgentKind,
    rng: XorShift64,
    turn: u64,
    /// The percentage of a progress bar being redrawn, if one is.
    progress: Option<u64>,
}

impl SimulatedAgent {
    /// An agent of `kind` whose output is fully decided by `seed`.
    pub fn new(kind: AgentKind, seed: u64) -> SimulatedAgent {
        SimulatedAgent {
            kind,
            rng: XorShift64::new(seed ^ ((kind as u64) << 32)),
            turn: 0,
            progress: None,
        }
    }

    /// The kind it imitates.
    pub fn kind(&self) -> AgentKind {
        self.kind
    }

    /// The next piece of output.
    pub fn next_burst(&mut self) -> Burst {
        self.turn += 1;
        let mut out = String::new();
        if let Some(percent) = self.progress {
            self.progress_step(&mut out, percent);
        } else {
            match self.kind {
                AgentKind::Claude => self.claude_event(&mut out),
                AgentKind::Codex => self.codex_event(&mut out),
                AgentKind::Aider => self.aider_event(&mut out),
            }
        }
        let (low, high) = self.kind.pause_range_ms();
        Burst {
            bytes: out.into_bytes(),
            pause: Duration::from_millis(self.rng.between(low, high)),
        }
    }

    /// The last output before the agent stops: an unfinished progress bar is completed
    /// and every colour is reset.
    pub fn closing_bytes(&mut self) -> Vec<u8> {
        let mut out = String::new();
        if self.progress.is_some() {
            out.push_str("\r\x1b[2K\x1b[32m✓\x1b[0m done\r\n");
            self.progress = None;
        }
        let _ = write!(
            out,
            "\x1b[0m\x1b[1m{} finished after {} steps\x1b[0m\r\n",
            self.kind.name(),
            self.turn
        );
        out.into_bytes()
    }

    fn progress_step(&mut self, out: &mut String, percent: u64) {
        let spinner = SPINNER[(self.turn % SPINNER.len() as u64) as usize];
        if percent >= 100 {
            out.push_str("\r\x1b[2K\x1b[32m✓\x1b[0m build 100%\r\n\x1b[?25h");
            self.progress = None;
            return;
        }
        let filled = (percent / 10) as usize;
        let _ = write!(
            out,
            "\r\x1b[2K{spinner} build [\x1b[32m{}\x1b[0m{}] {percent:>3}%",
            "#".repeat(filled),
            " ".repeat(10 - filled)
        );
        self.progress = Some(percent + self.rng.between(7, 25));
    }

    fn start_progress(&mut self, out: &mut String) {
        out.push_str("\x1b[?25l");
        self.progress = Some(0);
        self.progress_step(out, 0);
    }

    fn diff(&mut self, out: &mut String) {
        let file = self.rng.pick(FILES);
        let line = self.rng.between(10, 400);
        let _ = write!(
            out,
            "\x1b[1m--- a/{file}\x1b[0m\r\n\x1b[1m+++ b/{file}\x1b[0m\r\n"
        );
        let _ = write!(out, "\x1b[36m@@ -{line},3 +{line},3 @@\x1b[0m\r\n");
        let _ = write!(out, "\x1b[31m-    {}\x1b[0m\r\n", self.rng.pick(OLD_LINES));
        let _ = write!(out, "\x1b[32m+    {}\x1b[0m\r\n", self.rng.pick(NEW_LINES));
    }

    fn claude_event(&mut self, out: &mut String) {
        match self.rng.between(0, 5) {
            0 => {
                let _ = write!(
                    out,
                    "\x1b[2m\x1b[3m✻ Thinking… {}\x1b[0m\r\n",
                    self.rng.pick(THOUGHTS)
                );
            }
            1 | 2 => {
                let tool = self.rng.pick(TOOLS);
                let file = self.rng.pick(FILES);
                let _ = write!(
                    out,
                    "\x1b[1;32m⏺\x1b[0m \x1b[1m{tool}\x1b[0m({file})\r\n  ⎿  \x1b[2m{} lines\x1b[0m\r\n",
                    self.rng.between(3, 900)
                );
            }
            3 => self.diff(out),
            4 => {
                // A status redraw: saved cursor, absolute moves and erases around the text.
                let _ = write!(
                    out,
                    "\x1b]0;✳ claude: {}\x07\x1b7\x1b[1A\x1b[2K\x1b8\x1b[38;5;208m✶\x1b[0m Working… \
                     ({}s · ↑ {} tokens)\r\n",
                    self.rng.pick(FILES),
                    self.turn / 10,
                    self.rng.between(100, 9000)
                );
            }
            _ => out.push_str("\x1b[1m✅ Tests pass. 🚀\x1b[0m\r\n\r\n"),
        }
    }

    fn codex_event(&mut self, out: &mut String) {
        match self.rng.between(0, 5) {
            0 => {
                let _ = write!(
                    out,
                    "\x1b[1;35mcodex\x1b[0m › exec \x1b[1m{}\x1b[0m\r\n",
                    self.rng.pick(COMMANDS)
                );
            }
            1 | 2 => {
                let test = self.rng.pick(TESTS);
                let verdict = if self.rng.between(0, 9) == 0 {
                    "\x1b[31mFAILED\x1b[0m"
                } else {
                    "\x1b[32mok\x1b[0m"
                };
                let _ = write!(out, "test {test} ... {verdict}\r\n");
            }
            3 => self.start_progress(out),
            4 => {
                let _ = write!(
                    out,
                    "\x1b]2;codex — {}\x1b\\\x1b[3;1H\x1b[J\x1b[2mthinking: {}\x1b[0m\r\n",
                    self.rng.pick(FILES),
                    self.rng.pick(THOUGHTS)
                );
            }
            _ => self.diff(out),
        }
    }

    fn aider_event(&mut self, out: &mut String) {
        match self.rng.between(0, 4) {
            0 => {
                let _ = write!(out, "\x1b[1;32maider>\x1b[0m /add {}\r\n", self.rng.pick(FILES));
            }
            1 => {
                let _ = write!(
                    out,
                    "Tokens: {}.{}k sent, {} received. Cost: $0.0{} message.\r\n",
                    self.rng.between(1, 40),
                    self.rng.between(0, 9),
                    self.rng.between(50, 900),
                    self.rng.between(1, 9)
                );
            }
            2 => self.diff(out),
            3 => {
                let _ = write!(
                    out,
                    "\x1b[33mApplied edit to {}\x1b[0m\r\n\x1b[?2004hCommit \x1b[36m{:07x}\x1b[0m \
                     fix: wait for room instead of dropping\r\n",
                    self.rng.pick(FILES),
                    self.rng.next_u64() & 0xfff_ffff
                );
            }
            _ => {
                // A spinner redrawn in place, then overwritten by the answer.
                let spinner = self.rng.pick(SPINNER);
                let _ = write!(
                    out,
                    "{spinner} Waiting for model…\x08\x08\x08\r\x1b[K\x1b[34m{}\x1b[0m\r\n",
                    self.rng.pick(THOUGHTS)
                );
            }
        }
    }
}

/// Puts `bytes` into `producer`'s ring in one-slot pieces, waiting while the ring is
/// full and dropping nothing; fails only when the reading side is gone.
///
/// ```
/// use perdix::bench::agents::write_to_ring;
/// use perdix::Buffer;
/// let (mut producer, mut consumer) = Buffer::new(8).unwrap().split();
/// write_to_ring(&mut producer, &[b'x'; 1000]).unwrap();
/// let mut total = 0;
/// while let Some(message) = consumer.try_consume() {
///     total += message.len();
/// }
/// assert_eq!(total, 1000);
/// ```
pub fn write_to_ring(producer: &mut Producer<'static>, bytes: &[u8]) -> Result<(), ProduceError> {
    for piece in bytes.chunks(SLOT_PAYLOAD) {
        producer.produce_waiting(piece, AgentType::Assistant, RING_WAIT_STEP, || true)?;
    }
    Ok(())
}

/// Runs a [`SimulatedAgent`] of `kind` on its own thread, writing its bursts into
/// `producer` at the agent's pace for `duration`, then its closing bytes; the producer
/// is dropped at the end, which ends the pane's stream. The thread returns the bytes
/// written, and stops early when the ring's reader is gone.
///
/// ```
/// use perdix::bench::agents::{spawn_simulated_agent, AgentKind};
/// use perdix::Buffer;
/// use std::time::Duration;
/// let (producer, mut consumer) = Buffer::new(256).unwrap().split();
/// let handle = spawn_simulated_agent(AgentKind::Aider, producer, Duration::from_millis(100), 1).unwrap();
/// let written = handle.join().unwrap();
/// let mut received = 0;
/// while let Some(message) = consumer.try_consume() {
///     received += message.len() as u64;
/// }
/// assert_eq!(received, written);
/// assert!(!consumer.is_producer_connected());
/// ```
pub fn spawn_simulated_agent(
    kind: AgentKind,
    mut producer: Producer<'static>,
    duration: Duration,
    seed: u64,
) -> std::io::Result<JoinHandle<u64>> {
    std::thread::Builder::new()
        .name(format!("simulated-{}", kind.name()))
        .spawn(move || {
            let mut agent = SimulatedAgent::new(kind, seed);
            let deadline = Instant::now() + duration;
            let mut written = 0u64;
            loop {
                let now = Instant::now();
                if now >= deadline || !producer.is_consumer_connected() {
                    break;
                }
                let burst = agent.next_burst();
                if write_to_ring(&mut producer, &burst.bytes).is_err() {
                    return written;
                }
                written += burst.bytes.len() as u64;
                std::thread::sleep(
                    burst
                        .pause
                        .min(deadline.saturating_duration_since(Instant::now())),
                );
            }
            let closing = agent.closing_bytes();
            if write_to_ring(&mut producer, &closing).is_ok() {
                written += closing.len() as u64;
            }
            written
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(kind: AgentKind, seed: u64, bursts: usize) -> String {
        let mut agent = SimulatedAgent::new(kind, seed);
        let mut bytes = Vec::new();
        for _ in 0..bursts {
            bytes.extend(agent.next_burst().bytes);
        }
        bytes.extend(agent.closing_bytes());
        String::from_utf8(bytes).expect("agents write valid UTF-8")
    }

    #[test]
    fn seeds_and_kinds_change_the_output() {
        assert_eq!(
            output(AgentKind::Claude, 1, 200),
            output(AgentKind::Claude, 1, 200)
        );
        assert_ne!(
            output(AgentKind::Claude, 1, 200),
            output(AgentKind::Claude, 2, 200)
        );
        assert_ne!(
            output(AgentKind::Claude, 1, 200),
            output(AgentKind::Aider, 1, 200)
        );
    }

    #[test]
    fn every_kind_mixes_colour_movement_titles_and_wide_text() {
        for kind in AgentKind::ALL {
            let text = output(kind, 3, 400);
            assert!(
                text.contains("\x1b[31m") && text.contains("\x1b[32m"),
                "{kind:?} diffs"
            );
            assert!(text.contains('\r'), "{kind:?} carriage returns");
            assert!(text.chars().any(|c| c > '\u{2e80}'), "{kind:?} wide characters");
            assert!(
                text.ends_with("steps\x1b[0m\r\n"),
                "{kind:?} closes its last line"
            );
        }
        assert!(output(AgentKind::Claude, 3, 400).contains("\x1b]0;"));
        assert!(output(AgentKind::Codex, 3, 400).contains("\x1b[3;1H"));
        assert!(output(AgentKind::Codex, 3, 400).contains("build 100%"));
    }

    #[test]
    fn pauses_stay_in_the_kinds_range() {
        for kind in AgentKind::ALL {
            let (low, high) = kind.pause_range_ms();
            let mut agent = SimulatedAgent::new(kind, 9);
            for _ in 0..100 {
                let pause = agent.next_burst().pause;
                assert!(pause >= Duration::from_millis(low) && pause <= Duration::from_millis(high));
            }
        }
    }

    #[test]
    fn a_full_ring_is_waited_out_and_nothing_is_lost() {
        let (producer, mut consumer) = crate::Buffer::new(2).unwrap().split();
        let handle =
            spawn_simulated_agent(AgentKind::Codex, producer, Duration::from_millis(200), 5).unwrap();
        let mut received = 0u64;
        loop {
            let connected = consumer.is_producer_connected();
            while let Some(message) = consumer.try_consume() {
                received += message.len() as u64;
            }
            if !connected {
                break;
            }
            std::thread::sleep(Duration::from_millis(3));
        }
        assert_eq!(received, handle.join().unwrap());
        assert!(received > 0);
    }
}

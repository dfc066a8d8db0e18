//! The recorded agents and their marks (`tests/fixtures/agents/<agent>.marks.json`): at
//! which byte of each recording which state a person looking would name.

use serde::Deserialize;
use std::path::Path;

/// The recorded agents.
pub const AGENTS: [&str; 4] = ["claude", "codex", "gemini", "aider"];

/// One recording's marks and the terminal size it was made at.
#[derive(Deserialize)]
pub struct Marks {
    pub cols: u16,
    pub rows: u16,
    pub marks: Vec<Mark>,
}

/// A state at a byte offset; `quiet` when the agent had written nothing for a while.
#[derive(Deserialize)]
pub struct Mark {
    pub offset: usize,
    pub state: String,
    pub quiet: bool,
    pub what: String,
}

/// The folder of the recordings.
pub fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/agents"))
}

/// `agent`'s recording.
pub fn recording(agent: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(format!("{agent}.raw"))).unwrap()
}

/// `agent`'s marks.
pub fn marks(agent: &str) -> Marks {
    let text = std::fs::read(fixtures().join(format!("{agent}.marks.json"))).unwrap();
    serde_json::from_slice(&text).unwrap_or_else(|error| panic!("{agent}.marks.json: {error}"))
}

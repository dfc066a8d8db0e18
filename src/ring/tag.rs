//! The 32-bit slot tag: who wrote a message, which stream it belongs to, and whether the
//! message continues in the next slot.
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0–2 | [`AgentType`] |
//! | 3–7 | reserved, zero |
//! | 8–23 | stream (pane) id |
//! | 24–30 | reserved, zero |
//! | 31 | continuation: the message goes on in the next slot |

use std::fmt;

const AGENT_MASK: u32 = 0b111;
const STREAM_SHIFT: u32 = 8;
const STREAM_MASK: u32 = 0xffff << STREAM_SHIFT;
/// Tag bit set on every slot of a multi-slot message except its last.
pub(crate) const CONTINUES: u32 = 1 << 31;

/// Who produced a message. Eight kinds, so the code fits the tag's three low bits.
///
/// ```
/// use perdix::AgentType;
/// assert_eq!(AgentType::from_code(2), AgentType::Assistant);
/// assert_eq!(AgentType::Assistant.code(), 2);
/// assert_eq!(AgentType::Warning.to_string(), "warning");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum AgentType {
    /// Perdix itself or the host system.
    #[default]
    System = 0,
    /// Input typed by the user.
    User = 1,
    /// Output of an AI assistant.
    Assistant = 2,
    /// Error output.
    Error = 3,
    /// Warnings.
    Warning = 4,
    /// Informational messages.
    Info = 5,
    /// Debug output.
    Debug = 6,
    /// Trace output.
    Trace = 7,
}

impl AgentType {
    /// Every agent type, in code order.
    pub const ALL: [AgentType; 8] = [
        AgentType::System,
        AgentType::User,
        AgentType::Assistant,
        AgentType::Error,
        AgentType::Warning,
        AgentType::Info,
        AgentType::Debug,
        AgentType::Trace,
    ];

    /// The 3-bit code stored in a slot tag.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Decodes the low three bits of `code`; every value maps to a type, so slot memory
    /// written by any producer decodes without failure.
    pub const fn from_code(code: u8) -> AgentType {
        Self::ALL[(code & AGENT_MASK as u8) as usize]
    }

    /// Lower-case name, as shown to users.
    pub const fn name(self) -> &'static str {
        match self {
            AgentType::System => "system",
            AgentType::User => "user",
            AgentType::Assistant => "assistant",
            AgentType::Error => "error",
            AgentType::Warning => "warning",
            AgentType::Info => "info",
            AgentType::Debug => "debug",
            AgentType::Trace => "trace",
        }
    }
}

impl fmt::Display for AgentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a producer attaches to a message: its agent type and its stream (pane) id.
///
/// An [`AgentType`] converts into a `Tag` on stream 0, so the produce calls accept either.
///
/// ```
/// use perdix::{AgentType, Tag};
/// let tag = Tag::new(AgentType::Error).with_stream(7);
/// assert_eq!(tag.agent_type(), AgentType::Error);
/// assert_eq!(tag.stream(), 7);
/// assert_eq!(Tag::from(AgentType::User).stream(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tag {
    agent: AgentType,
    stream: u16,
}

impl Tag {
    /// A tag for `agent` on stream 0.
    pub const fn new(agent: AgentType) -> Tag {
        Tag { agent, stream: 0 }
    }

    /// The same tag on stream `stream`.
    #[must_use]
    pub const fn with_stream(self, stream: u16) -> Tag {
        Tag { stream, ..self }
    }

    /// The agent type.
    pub const fn agent_type(self) -> AgentType {
        self.agent
    }

    /// The stream (pane) id.
    pub const fn stream(self) -> u16 {
        self.stream
    }

    /// The raw slot tag for this message's slot; `continues` marks all but the last slot.
    pub(crate) const fn encode(self, continues: bool) -> u32 {
        let bits = self.agent as u32 | ((self.stream as u32) << STREAM_SHIFT);
        if continues {
            bits | CONTINUES
        } else {
            bits
        }
    }

    /// Decodes a raw slot tag (the continuation bit is ignored).
    pub(crate) const fn decode(raw: u32) -> Tag {
        Tag {
            agent: AgentType::from_code((raw & AGENT_MASK) as u8),
            stream: ((raw & STREAM_MASK) >> STREAM_SHIFT) as u16,
        }
    }
}

impl From<AgentType> for Tag {
    fn from(agent: AgentType) -> Tag {
        Tag::new(agent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_for_every_agent_and_edge_streams() {
        for agent in AgentType::ALL {
            for stream in [0, 1, 255, 256, u16::MAX] {
                let tag = Tag::new(agent).with_stream(stream);
                for continues in [false, true] {
                    let raw = tag.encode(continues);
                    assert_eq!(raw & CONTINUES != 0, continues);
                    assert_eq!(Tag::decode(raw), tag);
                }
            }
        }
    }

    #[test]
    fn codes_are_dense_and_total() {
        for (code, agent) in AgentType::ALL.iter().enumerate() {
            assert_eq!(agent.code() as usize, code);
            assert_eq!(AgentType::from_code(code as u8 + 8), *agent);
        }
    }
}

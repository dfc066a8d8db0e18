//! Perdix streams the output of many AI coding agents to one terminal without tearing.
//!
//! Each agent's bytes travel through a lock-free single-producer single-consumer
//! [`Buffer`] of 256-byte slots into a parse stage, and on to the screen.
//!
//! ```
//! use perdix::{AgentType, Buffer};
//! # fn main() -> Result<(), perdix::RingError> {
//! let mut buffer = Buffer::new(4096)?;
//! let (mut producer, mut consumer) = buffer.split_mut();
//! producer.try_produce(b"Hello from GPU", AgentType::Assistant).unwrap();
//! if let Some(message) = consumer.try_consume() {
//!     println!("Received: {}", message.as_str());
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod backend;
pub mod bench;
pub mod logview;
pub mod parse;
pub mod pty;
pub mod ring;
pub mod runtime;
pub mod session;
pub mod term;
pub mod tui;

pub use ring::{
    AgentType, Buffer, ConsumeError, Consumer, Message, MessageView, ProduceError, Producer, RingError, Tag,
};

/// The README's examples, compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

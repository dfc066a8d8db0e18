//! Pseudo-terminals: each agent runs in its own, and a reader thread per pane moves the
//! child's output into that pane's input ring.
//!
//! A full ring makes the reader wait (and the terminal then holds the child back through
//! normal flow control); no byte is dropped. The end of the child side (EOF, or EIO on
//! Linux) is the normal end of a stream, reported as [`OutputEnd::Eof`].
//!
//! ```
//! use perdix::pty::{PaneSize, PtyProcess, SpawnConfig};
//! use perdix::Buffer;
//! use std::time::Duration;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (producer, mut consumer) = Buffer::new(64)?.split();
//! let config = SpawnConfig::new("sh -c 'stty size; exit 3'").with_size(PaneSize::new(132, 40));
//! let mut child = PtyProcess::spawn(&config, producer, 0)?;
//! child.wait_output(Duration::from_secs(10));
//! let mut output = Vec::new();
//! consumer.consume_each(usize::MAX, |message| output.extend_from_slice(&message.as_bytes()));
//! assert_eq!(output, b"40 132\r\n");
//! assert_eq!(child.wait()?.code, 3);
//! # Ok(())
//! # }
//! ```

mod config;
mod error;
mod input_queue;
mod nonblocking;
mod paste;
mod process;
mod reader;

pub use config::{PaneSize, SpawnConfig};
pub use error::PtyError;
pub use input_queue::{InputQueue, InputRefused, INPUT_LIMIT, REPLY_LIMIT};
pub use nonblocking::{write_available, DirectWriter, TryWrite};
pub use paste::{paste_bytes, PASTE_END, PASTE_START};
pub use process::{ChildExit, PtyProcess, HANGUP_GRACE};
pub use reader::{ChunkRead, OutputEnd, ReadLog, READ_LOG_CAPACITY};

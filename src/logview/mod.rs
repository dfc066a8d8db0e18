//! The log view of `perdix --stream`: every pane's output as whole lines of text and
//! colour, each tagged with the pane's name.
//!
//! A [`LineAssembler`] per pane turns parser actions into lines; a [`LogWriter`] puts the
//! tag in front and writes each line at once, so lines of different panes never mix.
//!
//! ```
//! use perdix::logview::{pane_names, LineAssembler, LogWriter};
//! use perdix::backend::AnyEngine;
//! use perdix::parse::{decode_records, BackendKind};
//! let names = pane_names(&["cargo build"]);
//! let mut writer = LogWriter::new(Vec::new(), &names);
//! let mut assembler = LineAssembler::new();
//! let mut engine = AnyEngine::new(BackendKind::Cpu).unwrap();
//! let mut lines = Vec::new();
//! let records = engine.parse(&[(0, b"\x1b[2K\x1b[32mok\x1b[0m\r\n")]).unwrap();
//! for (_stream, message) in records.messages() {
//!     for action in decode_records(message) {
//!         assembler.push(&action.unwrap(), &mut lines);
//!     }
//! }
//! for line in &lines {
//!     writer.write_line(0, line).unwrap();
//! }
//! assert_eq!(writer.into_inner(), b"\x1b[1;36m[cargo]\x1b[0m \x1b[32mok\x1b[0m\n");
//! ```

mod assembler;
mod writer;

pub use assembler::{LineAssembler, DEFAULT_IDLE_FLUSH, DEFAULT_MAX_LINE_BYTES, SGR_RESET};
pub use writer::{command_name, pane_names, pane_tag, LogWriter};

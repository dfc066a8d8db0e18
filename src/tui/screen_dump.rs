//! `perdix-tui --headless --screen-dump`: each pane's visible text after its program ended.

use super::panes::Pane;
use crate::pty::PaneSize;
use std::io::{self, Write};

/// Writes `=== pane N ===` (N from 1) and the pane's rows for every pane.
///
/// ```
/// use perdix::parse::BackendKind;
/// use perdix::pty::{PaneSize, SpawnConfig};
/// use perdix::term::PaneConfig;
/// use perdix::tui::{write_screen_dump, PaneSet};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let command = SpawnConfig::new("echo hi").with_size(PaneSize::new(10, 2));
/// let mut panes = PaneSet::spawn(&[command], BackendKind::Cpu, PaneConfig::default())?;
/// panes.run_to_end(std::time::Duration::from_secs(10))?;
/// let mut out = Vec::new();
/// write_screen_dump(&mut out, panes.panes())?;
/// assert_eq!(String::from_utf8(out)?, "=== pane 1 ===\nhi\n\n");
/// # Ok(())
/// # }
/// ```
pub fn write_screen_dump(out: &mut impl Write, panes: &[Pane]) -> io::Result<()> {
    for (index, pane) in panes.iter().enumerate() {
        writeln!(out, "=== pane {} ===", index + 1)?;
        for row in pane.terminal().screen_text() {
            writeln!(out, "{row}")?;
        }
    }
    out.flush()
}

/// The widest pane or screen `--pane-size` and `--screen` accept. An 8K display (7680
/// pixels across) in an 8-pixel-wide font shows 960 columns, so no real terminal is
/// wider; a 1000 × 500 grid is about 12 MB, where 65535 × 65535 would be about 100 GB.
pub const MAX_PANE_COLUMNS: u16 = 1000;

/// The tallest pane or screen `--pane-size` and `--screen` accept: an 8K display (4320
/// pixels high) in a 9-pixel-high font shows 480 rows.
pub const MAX_PANE_ROWS: u16 = 500;

/// Parses `COLSxROWS`: columns from 1 to [`MAX_PANE_COLUMNS`], rows from 1 to
/// [`MAX_PANE_ROWS`].
///
/// ```
/// use perdix::pty::PaneSize;
/// use perdix::tui::parse_pane_size;
/// assert_eq!(parse_pane_size("80x24"), Ok(PaneSize::new(80, 24)));
/// assert_eq!(parse_pane_size("1000x500"), Ok(PaneSize::new(1000, 500)));
/// assert!(parse_pane_size("80").is_err());
/// assert!(parse_pane_size("0x5").is_err());
/// assert!(parse_pane_size("1001x24").unwrap_err().contains("from 1 to 1000"));
/// assert!(parse_pane_size("80x65535").unwrap_err().contains("from 1 to 500"));
/// ```
pub fn parse_pane_size(text: &str) -> Result<PaneSize, String> {
    let (cols, rows) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{text:?} is not COLSxROWS (for example 80x24)"))?;
    let side = |value: &str, name: &str, max: u16| -> Result<u16, String> {
        // Parsed wider than u16, so that 65536 and beyond get the same message.
        match value.trim().parse::<u64>() {
            Ok(n) if (1..=u64::from(max)).contains(&n) => Ok(n as u16),
            _ => Err(format!(
                "{name} in {text:?} must be a number from 1 to {max} \
                 (the largest size is {MAX_PANE_COLUMNS}x{MAX_PANE_ROWS})"
            )),
        }
    };
    Ok(PaneSize::new(
        side(cols, "the columns", MAX_PANE_COLUMNS)?,
        side(rows, "the rows", MAX_PANE_ROWS)?,
    ))
}

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

/// Parses `COLSxROWS` (both at least 1).
///
/// ```
/// use perdix::pty::PaneSize;
/// use perdix::tui::parse_pane_size;
/// assert_eq!(parse_pane_size("80x24"), Ok(PaneSize::new(80, 24)));
/// assert!(parse_pane_size("80").is_err());
/// assert!(parse_pane_size("0x5").is_err());
/// ```
pub fn parse_pane_size(text: &str) -> Result<PaneSize, String> {
    let (cols, rows) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{text:?} is not COLSxROWS (for example 80x24)"))?;
    let side = |value: &str, name: &str| -> Result<u16, String> {
        match value.trim().parse::<u16>() {
            Ok(0) | Err(_) => Err(format!("{name} in {text:?} must be a number from 1 to 65535")),
            Ok(n) => Ok(n),
        }
    };
    Ok(PaneSize::new(side(cols, "the columns")?, side(rows, "the rows")?))
}

//! Synchronized updates (`CSI ? 2026 h` … `CSI ? 2026 l`) at the record level: while a
//! pane's program is inside such a block its records are held, not applied, so its
//! visible state stays as it was; they are applied at the end of the block, after
//! [`SYNC_TIMEOUT`], or once [`SYNC_LIMIT`] bytes are held (`vte`'s limits).

use crate::parse::DecodedAction;
use std::time::{Duration, Instant};

/// How long a block may hold a pane's state.
pub const SYNC_TIMEOUT: Duration = Duration::from_millis(150);
/// Most bytes of records held for one block.
pub const SYNC_LIMIT: usize = 2 * 1024 * 1024;

/// The held records of an open block and when the block expires.
#[derive(Debug, Default)]
pub(crate) struct SyncHold {
    pub(crate) held: Vec<u8>,
    pub(crate) deadline: Option<Instant>,
}

impl SyncHold {
    pub(crate) fn is_open(&self) -> bool {
        self.deadline.is_some()
    }
}

/// `CSI ? … h` with 2026 among its modes: starts (or extends) a block.
pub(crate) fn begins_block(action: &DecodedAction<'_>) -> bool {
    matches!(action, DecodedAction::Csi { params, intermediates, ignore: false, action: b'h' }
        if intermediates.as_slice() == b"?" && params.groups().any(|group| group[0] == 2026))
}

/// Exactly `CSI ? 2026 h`: inside a block it re-arms the timeout.
pub(crate) fn is_exact_begin(action: &DecodedAction<'_>) -> bool {
    is_exact_sync_mode(action, b'h')
}

/// Exactly `CSI ? 2026 l`: ends the block. (`vte` looks for these exact bytes too; a
/// reset of 2026 among other modes does not end a block.)
pub(crate) fn is_exact_end(action: &DecodedAction<'_>) -> bool {
    is_exact_sync_mode(action, b'l')
}

fn is_exact_sync_mode(action: &DecodedAction<'_>, last: u8) -> bool {
    matches!(action, DecodedAction::Csi { params, intermediates, ignore: false, action }
        if *action == last
            && intermediates.as_slice() == b"?"
            && params.len() == 1
            && params.get(0) == Some((2026, false)))
}

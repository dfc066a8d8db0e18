//! The app's whole data path with two panes: input rings, the parse stage, the record
//! ring, each pane's replay and a frame drawn into a test backend. Nothing may panic, and
//! the second pane must show exactly what its own bytes alone give.
//!
//! The first byte picks how the bytes are cut into messages and batches, the second where
//! the rest is split between the two panes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use perdix::pty::PaneSize;
use perdix::tui::isolation_check::{check_pane_isolation, Feeding};

fuzz_target!(|data: &[u8]| {
    let [cut, split, rest @ ..] = data else {
        return;
    };
    let at = rest.len() * usize::from(*split) / 255;
    let (first, second) = rest.split_at(at.min(rest.len()));
    let feeding = Feeding::from_byte(*cut);
    if let Err(failure) = check_pane_isolation(first, second, PaneSize::new(24, 6), feeding) {
        panic!("{failure}");
    }
});

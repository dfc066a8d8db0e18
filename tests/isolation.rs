//! Two panes through the app's data path (input rings, the parse stage, the record ring,
//! the replay and a drawn frame): whatever the first pane sends, the second shows exactly
//! what its own bytes give. The same check runs under `cargo fuzz` (`fuzz/`, target
//! `app_path`) for much longer.

mod support;

use perdix::pty::PaneSize;
use perdix::tui::isolation_check::{check_pane_isolation, Feeding};
use rand::Rng;
use support::{fixtures, rng, seed, structured_bytes, uniform_bytes};

/// Hostile first panes: long strings of every kind, endless sequences, controls.
fn hostile(rng: &mut rand::rngs::StdRng) -> Vec<u8> {
    let fill = |len: usize, byte: u8| vec![byte; len];
    let len = rng.random_range(100..70_000);
    let mut bytes = match rng.random_range(0..7) {
        0 => [b"\x1b]0;".to_vec(), fill(len, b'A'), b"\x07".to_vec()].concat(),
        1 => [
            b"\x1b]8;;http://x/".to_vec(),
            fill(len, b'B'),
            b"\x1b\\link\x1b]8;;\x1b\\".to_vec(),
        ]
        .concat(),
        2 => [b"\x1b]52;c;".to_vec(), fill(len, b'C')].concat(),
        3 => [b"\x1bP1$q".to_vec(), fill(len, b'D')].concat(),
        4 => [b"\x1b[".to_vec(), fill(len, b'1')].concat(),
        5 => uniform_bytes(rng, len),
        _ => b"\x1b[?1049h\x1b[?2026h\x1b[6n\x1b[c\x1b[?25l\x1b[2J\x1b[999;999H".repeat(len / 40),
    };
    bytes.extend(structured_bytes(rng, 20));
    bytes
}

#[test]
fn the_second_pane_shows_only_its_own_bytes_whatever_the_first_sends() {
    let mut rng = rng(seed("isolation"));
    let size = PaneSize::new(30, 8);
    for round in 0..60 {
        let first = hostile(&mut rng);
        let second = structured_bytes(&mut rng, 40);
        let feeding = Feeding::from_byte(rng.random());
        if let Err(failure) = check_pane_isolation(&first, &second, size, feeding) {
            panic!("round {round} ({feeding:?}): {failure}");
        }
    }
}

#[test]
fn recorded_programs_beside_each_other_stay_apart() {
    let recordings: Vec<Vec<u8>> = fixtures()
        .iter()
        .map(|path| std::fs::read(path).unwrap())
        .collect();
    for (index, first) in recordings.iter().enumerate() {
        let second = &recordings[(index + 1) % recordings.len()];
        for byte in [0u8, 37, 255] {
            let feeding = Feeding::from_byte(byte);
            if let Err(failure) = check_pane_isolation(first, second, PaneSize::new(80, 24), feeding) {
                panic!("recording {index} ({feeding:?}): {failure}");
            }
        }
    }
}

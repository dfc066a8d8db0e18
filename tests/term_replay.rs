//! The terminal model fed through Perdix (bytes → input ring → parse stage → record ring
//! → replay) must end exactly where alacritty's own path (`vte::ansi::Processor` on the
//! same bytes) ends: every cell's character, colours, flags and combining characters, the
//! cursor, the modes and the scrollback. Checked for every available backend, several
//! chunk sizes, and random, structured and recorded inputs.
//!
//! Random tests print their seed; replay one with `PERDIX_SEED=<seed>`.

mod support;

use alacritty_terminal::event::VoidListener;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::term::cell::Cell;
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term};
use perdix::backend::ParseStage;
use perdix::parse::BackendKind;
use perdix::pty::PaneSize;
use perdix::ring::SLOT_PAYLOAD;
use perdix::term::{Osc52, PaneConfig, PaneTerminal};
use perdix::{AgentType, Buffer, ProduceError};
use rand::rngs::StdRng;
use rand::Rng;
use std::sync::atomic::AtomicBool;
use support::{rng, seed, structured_bytes, uniform_bytes};

/// Chunk sizes the Perdix path is fed in (one parse batch per chunk).
const CHUNKS: [usize; 5] = [usize::MAX, 1, 7, 61, 4096];

/// The backends that can run here; the others are named once on stderr.
fn backends() -> Vec<BackendKind> {
    let mut available = Vec::new();
    for kind in [
        BackendKind::Cpu,
        BackendKind::CpuScan,
        BackendKind::Wgpu,
        BackendKind::Cuda,
    ] {
        let (records, _) = Buffer::new(perdix::backend::MIN_RECORD_SLOTS).unwrap().split();
        match ParseStage::new(kind, records) {
            Ok(_) => available.push(kind),
            Err(error) if kind == BackendKind::Wgpu && std::env::var_os("PERDIX_REQUIRE_WGPU").is_some() => {
                panic!("PERDIX_REQUIRE_WGPU is set, but {error}")
            }
            Err(error) if kind == BackendKind::Cuda && std::env::var_os("PERDIX_REQUIRE_CUDA").is_some() => {
                panic!("PERDIX_REQUIRE_CUDA is set, but {error}")
            }
            Err(error) => eprintln!("term_replay: skipping {kind:?}: {error}"),
        }
    }
    available
}

fn pane_config() -> PaneConfig {
    PaneConfig {
        scrollback: 200,
        clipboard: Osc52::Disabled,
        ..PaneConfig::default()
    }
}

/// alacritty's own path: the processor on the whole input (so no UTF-8 character is split
/// between calls), then the end of any open synchronized update.
fn direct(bytes: &[u8], size: PaneSize) -> Term<VoidListener> {
    let config = Config {
        scrolling_history: pane_config().scrollback,
        osc52: pane_config().clipboard,
        // As a pane's terminal: programs may ask for the kitty keyboard protocol.
        kitty_keyboard: true,
        ..Config::default()
    };
    let mut term = Term::new(
        config,
        &TermSize::new(usize::from(size.cols), usize::from(size.rows)),
        VoidListener,
    );
    let mut processor: vte::ansi::Processor = vte::ansi::Processor::new();
    processor.advance(&mut term, bytes);
    processor.stop_sync(&mut term);
    term
}

/// Perdix's path, single-threaded so that a failure replays exactly: each chunk is one
/// batch of the parse stage; records are drained into the pane after every batch.
fn through_perdix(kind: BackendKind, bytes: &[u8], size: PaneSize, chunk: usize) -> PaneTerminal {
    let (mut input, input_rx) = Buffer::new(64).unwrap().split();
    // Holds every record of a full input ring, the largest OSC record included.
    let (records_tx, mut records) = Buffer::new(4096).unwrap().split();
    let mut stage = ParseStage::new(kind, records_tx).unwrap();
    stage.add_input(0, input_rx);
    let mut pane = PaneTerminal::new(size, pane_config());
    let stop = AtomicBool::new(false);
    let drain = |records: &mut perdix::Consumer<'static>, pane: &mut PaneTerminal| {
        while let Some(message) = records.try_consume() {
            pane.apply_records(message.as_bytes()).unwrap();
        }
    };
    for piece in bytes.chunks(chunk) {
        for slot in piece.chunks(SLOT_PAYLOAD) {
            loop {
                match input.try_produce(slot, AgentType::Assistant) {
                    Ok(_) => break,
                    Err(ProduceError::Full { .. }) => {
                        stage.step(&stop).unwrap();
                        drain(&mut records, &mut pane);
                    }
                    Err(error) => panic!("{error}"),
                }
            }
        }
        stage.step(&stop).unwrap();
        drain(&mut records, &mut pane);
    }
    drop(input);
    stage.run(&stop).unwrap();
    drop(stage);
    drain(&mut records, &mut pane);
    pane.release_held();
    pane
}

/// Compares the two models; the message names the first difference.
fn assert_same_terminal<T, U>(expected: &Term<T>, actual: &Term<U>, context: &dyn Fn() -> String) {
    let (e, a) = (expected.grid(), actual.grid());
    assert_eq!(
        (e.history_size(), e.screen_lines(), e.columns()),
        (a.history_size(), a.screen_lines(), a.columns()),
        "history/screen size differ: {}",
        context()
    );
    let top = -(e.history_size() as i32);
    for line in top..e.screen_lines() as i32 {
        for column in 0..e.columns() {
            let (x, y) = (&e[Line(line)][Column(column)], &a[Line(line)][Column(column)]);
            assert_eq!(
                comparable(x),
                comparable(y),
                "cell at line {line}, column {column} differs: {}",
                context()
            );
        }
    }
    assert_eq!(e.cursor.point, a.cursor.point, "cursor differs: {}", context());
    assert_eq!(
        e.cursor.input_needs_wrap,
        a.cursor.input_needs_wrap,
        "pending wrap differs: {}",
        context()
    );
    assert_eq!(
        comparable(&e.cursor.template),
        comparable(&a.cursor.template),
        "pen differs: {}",
        context()
    );
    assert_eq!(expected.mode(), actual.mode(), "modes differ: {}", context());
    for index in 0..alacritty_terminal::term::color::COUNT {
        assert_eq!(
            expected.colors()[index],
            actual.colors()[index],
            "palette entry {index} differs: {}",
            context()
        );
    }
}

/// Everything a cell shows. A link without an id gets a process-wide counter as its id
/// (`N_alacritty`), which differs between any two terminals, so only explicit ids count.
fn comparable(cell: &Cell) -> impl PartialEq + std::fmt::Debug {
    let link = cell.hyperlink().map(|link| {
        let id = link.id();
        let explicit = (!id.ends_with("_alacritty")).then(|| id.to_owned());
        (explicit, link.uri().to_owned())
    });
    let combining = cell.zerowidth().map(<[char]>::to_vec);
    (
        cell.c,
        cell.fg,
        cell.bg,
        cell.flags,
        combining,
        cell.underline_color(),
        link,
    )
}

fn check(bytes: &[u8], size: PaneSize, chunks: &[usize], what: &dyn Fn() -> String) {
    let expected = direct(bytes, size);
    for kind in backends() {
        for &chunk in chunks {
            let pane = through_perdix(kind, bytes, size, chunk);
            assert_same_terminal(&expected, pane.term(), &|| {
                format!("{} on {kind:?} in chunks of {chunk}", what())
            });
        }
    }
}

/// Terminal output that exercises the model rather than the parser: cursor movement,
/// erasing, scrolling regions, modes, colours, tabs, wide and combining characters,
/// line drawing, titles, colours queried and set, hyperlinks, synchronized updates.
fn screen_bytes(rng: &mut StdRng, pieces: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let number = |rng: &mut StdRng| -> String {
        match rng.random_range(0..5) {
            0 => String::new(),
            1 => "0".into(),
            2 => rng.random_range(0..300).to_string(),
            _ => rng.random_range(1..30).to_string(),
        }
    };
    for _ in 0..rng.random_range(1..=pieces) {
        let piece = match rng.random_range(0..24) {
            0 => format!("\x1b[{};{}H", number(rng), number(rng)),
            1 => format!(
                "\x1b[{}{}",
                number(rng),
                ["A", "B", "C", "D", "E", "F", "G", "d", "e", "a", "`"][rng.random_range(0..11)]
            ),
            2 => format!(
                "\x1b[{}{}",
                rng.random_range(0..4),
                ["J", "K"][rng.random_range(0..2)]
            ),
            3 => format!(
                "\x1b[{}{}",
                number(rng),
                ["@", "P", "X", "L", "M", "S", "T", "b", "I", "Z"][rng.random_range(0..10)]
            ),
            4 => format!("\x1b[{};{}r", number(rng), number(rng)),
            5 => {
                let modes = [
                    "1", "6", "7", "25", "1049", "47", "1047", "2004", "4", "20", "2026", "1000", "1006",
                ];
                let private = if rng.random_ratio(3, 4) { "?" } else { "" };
                let set = ["h", "l"][rng.random_range(0..2)];
                format!("\x1b[{private}{}{set}", modes[rng.random_range(0..modes.len())])
            }
            6 => {
                let forms = [
                    "1",
                    "2",
                    "3",
                    "4",
                    "4:3",
                    "5",
                    "7",
                    "8",
                    "9",
                    "22",
                    "24",
                    "27",
                    "31",
                    "42",
                    "93",
                    "105",
                    "38;5;200",
                    "48;2;10;20;30",
                    "38:2::1:2:3",
                    "58;5;3",
                    "59",
                    "39;49",
                    "0",
                    "",
                ];
                format!("\x1b[{}m", forms[rng.random_range(0..forms.len())])
            }
            7 => [
                "\x1b7", "\x1b8", "\x1b[s", "\x1b[u", "\x1bD", "\x1bE", "\x1bM", "\x1bH", "\x1bc", "\x1b#8",
            ][rng.random_range(0..10)]
            .into(),
            8 => ["\x1b(0lqk\x1b(B", "\x1b)0\x0eqq\x0f", "\x1b*0", "\x1b+B"][rng.random_range(0..4)].into(),
            9 => ["\t", "\x08", "\r", "\n", "\x0b", "\x0c", "\x07", "\x1a"][rng.random_range(0..8)].into(),
            10 => ["日本語", "e\u{301}", "👍🏽", "a\u{200b}b", "\u{fe0f}", "ｗｉｄｅ"][rng.random_range(0..6)]
                .into(),
            11 => format!("\x1b[{}g", ["0", "3", ""][rng.random_range(0..3)]),
            12 => format!(
                "\x1b]{};title {}\x07",
                ["0", "2", "1"][rng.random_range(0..3)],
                rng.random_range(0..9)
            ),
            13 => [
                "\x1b]4;1;#ff0000\x07",
                "\x1b]4;3;rgb:12/34/56\x1b\\",
                "\x1b]10;#abc\x07",
                "\x1b]104\x07",
                "\x1b]104;1\x07",
                "\x1b]111\x07",
            ][rng.random_range(0..6)]
            .into(),
            14 => ["\x1b]8;id=1;http://x\x07link\x1b]8;;\x07", "\x1b]8;;a;b\x1b\\"][rng.random_range(0..2)]
                .into(),
            15 => ["\x1b[?2026h", "\x1b[?2026l", "\x1b[?1;2026h"][rng.random_range(0..3)].into(),
            16 => format!("\x1b[{} q", rng.random_range(0..8)),
            17 => [
                "\x1b[6n",
                "\x1b[5n",
                "\x1b[c",
                "\x1b[>c",
                "\x1b[?25$p",
                "\x1b[4$p",
                "\x1b[18t",
                "\x1b[22t",
                "\x1b[23t",
            ][rng.random_range(0..9)]
            .into(),
            18 => [
                "\x1b[>4;1m",
                "\x1b[?4m",
                "\x1b[=1;2u",
                "\x1b[>1u",
                "\x1b[<u",
                "\x1b[?u",
            ][rng.random_range(0..6)]
            .into(),
            19 => ["\x1b[?5W", "\x1b[3g", "\x1bH"][rng.random_range(0..3)].into(),
            20 => String::from_utf8_lossy(&structured_bytes(rng, 3)).into_owned(),
            _ => {
                let words = [
                    "hello ",
                    "world",
                    "ls -la\r\n",
                    "  ",
                    "| ",
                    "long line of text that wraps around the pane ",
                ];
                words[rng.random_range(0..words.len())].into()
            }
        };
        out.extend_from_slice(piece.as_bytes());
    }
    out
}

fn random_size(rng: &mut StdRng) -> PaneSize {
    PaneSize::new(
        rng.random_range(perdix::term::MIN_COLUMNS..100),
        rng.random_range(1..30),
    )
}

#[test]
fn recorded_programs_end_on_identical_grids() {
    let fixtures = support::fixtures();
    assert!(
        fixtures.len() >= 8,
        "the recorded programs are missing from {}",
        support::FIXTURES_DIR
    );
    for path in fixtures {
        let bytes = std::fs::read(&path).unwrap();
        for size in [PaneSize::new(80, 24), PaneSize::new(33, 7)] {
            check(&bytes, size, &CHUNKS, &|| {
                format!("{} at {size:?}", path.display())
            });
        }
    }
}

#[test]
fn recorded_agents_end_on_identical_grids() {
    // At the size they were recorded at, and narrower (other wraps, other scrolling).
    // Not byte by byte: they are long, and the parse conformance suite cuts them finer.
    for path in support::agent_fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        for size in [PaneSize::new(100, 30), PaneSize::new(80, 24)] {
            check(&bytes, size, &[usize::MAX, 4096, 61], &|| {
                format!("{} at {size:?}", path.display())
            });
        }
    }
}

#[test]
fn screen_manipulation_ends_on_identical_grids() {
    let seed = seed("screen_manipulation_ends_on_identical_grids");
    let mut rng = rng(seed);
    for case in 0..300 {
        let bytes = screen_bytes(&mut rng, 60);
        let size = random_size(&mut rng);
        let chunk = CHUNKS[case % CHUNKS.len()];
        check(&bytes, size, &[chunk], &|| {
            format!(
                "case {case} (PERDIX_SEED={seed}) {size:?} {:?}",
                String::from_utf8_lossy(&bytes)
            )
        });
    }
}

#[test]
fn structured_and_uniform_bytes_end_on_identical_grids() {
    let seed = seed("structured_and_uniform_bytes_end_on_identical_grids");
    let mut rng = rng(seed);
    for case in 0..300 {
        let bytes = if case % 3 == 0 {
            uniform_bytes(&mut rng, 300)
        } else {
            structured_bytes(&mut rng, 40)
        };
        let size = random_size(&mut rng);
        let chunk = [1, 3, 16, usize::MAX][case % 4];
        check(&bytes, size, &[chunk], &|| {
            format!("case {case} (PERDIX_SEED={seed}) {size:?} {bytes:?}")
        });
    }
}

#[test]
fn scrollback_beyond_the_limit_is_dropped_the_same_way() {
    let mut bytes = Vec::new();
    for line in 0..450 {
        bytes.extend_from_slice(format!("\x1b[3{}mline {line}\r\n", line % 8).as_bytes());
    }
    check(&bytes, PaneSize::new(20, 5), &[usize::MAX, 100], &|| {
        "450 lines".into()
    });
}

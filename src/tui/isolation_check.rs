//! A self-check of the app's data path that fuzzers and tests drive: the bytes of two
//! panes go through their input rings, one parse stage, the record ring, each pane's
//! replay, and a frame drawn into ratatui's `TestBackend`; the second pane must then show
//! exactly what its own bytes alone give, whatever the first pane sent.

use crate::backend::ParseStage;
use crate::parse::{BackendKind, CpuBackend, Engine};
use crate::pty::PaneSize;
use crate::ring::{AgentType, Buffer, Consumer, Producer, SLOT_PAYLOAD};
use crate::term::{PaneConfig, PaneTerminal};
use crate::tui::render::render_terminal;
use crate::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders};
use ratatui::Terminal;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Slots of the check's record ring: every record of a batch fits (at most 8 record bytes
/// per input byte of two panes' batches, plus the longest record), so that the check can
/// run on one thread, draining the ring only between batches.
const RECORD_SLOTS: usize = 2048;
/// Input slots fed per batch at most.
const SLOTS_PER_BATCH: usize = 16;
/// Scrollback of the check's panes: small, so that scrolling is exercised.
const SCROLLBACK: usize = 50;

/// How the bytes are cut: `first` and `second` go into their rings in pieces of at most
/// `piece` bytes, alternating, `batch` slots per parse batch at most.
#[derive(Debug, Clone, Copy)]
pub struct Feeding {
    /// Bytes per input message (1 to 240).
    pub piece: usize,
    /// Input slots per batch (1 or more).
    pub batch: usize,
}

impl Feeding {
    /// A cut chosen by one byte (for fuzzers).
    pub fn from_byte(byte: u8) -> Feeding {
        Feeding {
            piece: usize::from(byte % 16) * 15 + 1,
            batch: usize::from(byte / 16) % SLOTS_PER_BATCH + 1,
        }
    }
}

/// Runs `first` and `second` as two panes of `size` through the whole path, draws them,
/// and compares the second pane's screen with its own bytes replayed alone. Returns what
/// differs, if anything does.
///
/// ```
/// use perdix::pty::PaneSize;
/// use perdix::tui::isolation_check::{check_pane_isolation, Feeding};
/// let hostile = b"\x1b]0;title\x07\x1b[?1049h\x1b[2J\xff\xfe\x1b[38;2;1;2;3mX\x1b]8;;http://a\x1b\\";
/// let feeding = Feeding { piece: 7, batch: 2 };
/// check_pane_isolation(hostile, b"hello\r\nworld", PaneSize::new(20, 5), feeding).unwrap();
/// ```
pub fn check_pane_isolation(
    first: &[u8],
    second: &[u8],
    size: PaneSize,
    feeding: Feeding,
) -> Result<(), String> {
    let together = run_together(first, second, size, feeding)?;
    let alone = replay_alone(second, size);
    let (got, want) = (together.screen_text(), alone.screen_text());
    if got != want {
        return Err(format!("the second pane shows {got:?}, alone it shows {want:?}"));
    }
    let cursor = |pane: &PaneTerminal| pane.term().grid().cursor.point;
    if cursor(&together) != cursor(&alone) {
        return Err(format!(
            "the second pane's cursor is at {:?}, alone at {:?}",
            cursor(&together),
            cursor(&alone)
        ));
    }
    Ok(())
}

/// The second pane's model after both panes ran through the stage and were drawn.
fn run_together(
    first: &[u8],
    second: &[u8],
    size: PaneSize,
    feeding: Feeding,
) -> Result<PaneTerminal, String> {
    let piece = feeding.piece.clamp(1, SLOT_PAYLOAD);
    let (records_tx, mut records) = split(RECORD_SLOTS)?;
    let mut stage = ParseStage::new(BackendKind::Cpu, records_tx).map_err(|error| error.to_string())?;
    let mut producers = Vec::new();
    for stream in [0u16, 1] {
        let (tx, rx) = split(SLOTS_PER_BATCH * 2)?;
        stage.add_input(stream, rx);
        producers.push(tx);
    }
    let mut panes = [new_pane(size), new_pane(size)];
    let now = Instant::now();
    let stop = AtomicBool::new(false);
    let mut rest = [first.chunks(piece), second.chunks(piece)];
    let mut done = [false, false];
    while !(done[0] && done[1]) {
        for _ in 0..feeding.batch.max(1) {
            for stream in 0..2 {
                match rest[stream].next() {
                    Some(bytes) => producers[stream]
                        .try_produce(bytes, AgentType::Assistant)
                        .map_err(|error| error.to_string())
                        .map(|_| ())?,
                    None => done[stream] = true,
                }
            }
        }
        stage.step(&stop).map_err(|error| error.to_string())?;
        apply(&mut records, &mut panes, now)?;
    }
    drop(producers);
    while stage.has_inputs() {
        stage.step(&stop).map_err(|error| error.to_string())?;
        apply(&mut records, &mut panes, now)?;
    }
    for pane in &mut panes {
        pane.release_held();
    }
    draw(&panes, size)?;
    let [_, second] = panes;
    Ok(second)
}

/// A ring of `slots` slots, split.
fn split(slots: usize) -> Result<(Producer<'static>, Consumer<'static>), String> {
    Ok(Buffer::new(slots).map_err(|error| error.to_string())?.split())
}

fn new_pane(size: PaneSize) -> PaneTerminal {
    PaneTerminal::new(
        size,
        PaneConfig {
            scrollback: SCROLLBACK,
            ..PaneConfig::default()
        },
    )
}

/// Applies every record message in the ring to its pane.
fn apply(records: &mut Consumer<'static>, panes: &mut [PaneTerminal; 2], now: Instant) -> Result<(), String> {
    let mut failure = None;
    records.consume_each(usize::MAX, |message| {
        let Some(pane) = panes.get_mut(usize::from(message.stream())) else {
            return;
        };
        if let Err(error) = pane.apply_records_at(&message.as_bytes(), now) {
            failure.get_or_insert(format!(
                "records of pane {} did not decode: {error}",
                message.stream()
            ));
        }
        // Answers go nowhere here; taking them keeps them from piling up.
        pane.take_replies();
        pane.take_events();
    });
    failure.map_or(Ok(()), Err)
}

/// Both panes side by side, with borders, drawn into a test backend.
fn draw(panes: &[PaneTerminal; 2], size: PaneSize) -> Result<(), String> {
    let (width, height) = (size.cols.saturating_add(2), size.rows.saturating_add(2));
    let backend = TestBackend::new(width.saturating_mul(2), height);
    let mut terminal = Terminal::new(backend).map_err(|error| error.to_string())?;
    let theme = Theme::default();
    terminal
        .draw(|frame| {
            for (index, pane) in panes.iter().enumerate() {
                let area = Rect::new(width * index as u16, 0, width, height);
                let block = Block::new().borders(Borders::ALL).title(" pane ");
                let inner = block.inner(area);
                frame.render_widget(block, area);
                render_terminal(pane.term(), &theme, inner, frame.buffer_mut(), Some("a"));
            }
        })
        .map_err(|error| error.to_string())?;
    Ok(())
}

/// The second pane's bytes alone, parsed in one batch and replayed.
fn replay_alone(bytes: &[u8], size: PaneSize) -> PaneTerminal {
    let mut engine = Engine::new(CpuBackend::default());
    let mut pane = new_pane(size);
    let now = Instant::now();
    let mut apply = |records: &crate::parse::RecordBatch| {
        for (_, records) in records.streams() {
            // The cpu engine's records always decode.
            let _ = pane.apply_records_at(records, now);
        }
    };
    if let Ok(records) = engine.parse(&[(1, bytes)]) {
        apply(records);
    }
    if let Ok(records) = engine.finish(1) {
        apply(records);
    }
    pane.release_held();
    pane
}

//! One pane's terminal model: records in, an `alacritty_terminal::Term` updated, replies
//! and events out.

use super::damage::{take_view_damage, ViewDamage};
use super::events::{route, PaneEvent, PaneListener, Routed};
use super::keyboard::{self, active_kitty_flags, KeyboardState};
use super::mouse_mode::MouseProtocol;
use super::own_sequences::{Observed, OwnModes};
use super::palette::Palette;
use super::replay::Replayer;
use super::sync::{begins_block, is_exact_begin, is_exact_end, SyncHold, SYNC_LIMIT, SYNC_TIMEOUT};
use crate::parse::{decode_one, decode_records, DecodeError, DecodedAction};
use crate::pty::PaneSize;
use alacritty_terminal::event::{Event, WindowSize};
use alacritty_terminal::grid::{Dimensions, Scroll};
use alacritty_terminal::term::{Config, Osc52, Term};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::time::Instant;
use vte::ansi::{Handler, KeyboardModes, ModifyOtherKeys, NamedPrivateMode};

/// Lines of scrollback a pane keeps unless configured otherwise.
pub const DEFAULT_SCROLLBACK: usize = 10_000;

/// How a pane's terminal is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneConfig {
    /// Lines kept above the screen.
    pub scrollback: usize,
    /// What OSC 52 may do: copy into and/or paste from the clipboard. Off by default, since
    /// a program could otherwise read whatever the user copied.
    pub clipboard: Osc52,
    /// The colours the pane is drawn with where its program set none: the answers to its
    /// colour queries.
    pub palette: Palette,
}

impl Default for PaneConfig {
    fn default() -> PaneConfig {
        PaneConfig {
            scrollback: DEFAULT_SCROLLBACK,
            clipboard: Osc52::Disabled,
            palette: Palette::xterm(),
        }
    }
}

/// The next [`PaneTerminal::serial`].
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(0);

/// The narrowest pane: `Term` 0.26 panics when a wide character is printed into a
/// single column.
pub const MIN_COLUMNS: u16 = 2;

fn clamp_size(size: PaneSize) -> PaneSize {
    PaneSize::new(size.cols.max(MIN_COLUMNS), size.rows.max(1))
}

/// A terminal size `Term` understands.
#[derive(Debug, Clone, Copy)]
struct GridSize(PaneSize);

impl Dimensions for GridSize {
    fn total_lines(&self) -> usize {
        self.screen_lines()
    }

    fn screen_lines(&self) -> usize {
        usize::from(self.0.rows)
    }

    fn columns(&self) -> usize {
        usize::from(self.0.cols)
    }
}

/// The terminal model of one pane.
///
/// ```
/// use perdix::backend::ParseStage;
/// use perdix::parse::BackendKind;
/// use perdix::pty::PaneSize;
/// use perdix::term::{PaneConfig, PaneTerminal};
/// use perdix::{AgentType, Buffer};
///
/// let (mut input, input_rx) = Buffer::new(16).unwrap().split();
/// let (records_tx, mut records) = Buffer::new(perdix::backend::MIN_RECORD_SLOTS).unwrap().split();
/// let mut stage = ParseStage::new(BackendKind::Cpu, records_tx).unwrap();
/// stage.add_input(0, input_rx);
/// input.try_produce(b"\x1b[31mred\x1b[0m\r\nplain\x1b[6n", AgentType::Assistant).unwrap();
/// drop(input);
/// stage.run(&Default::default()).unwrap();
///
/// let mut pane = PaneTerminal::new(PaneSize::new(20, 3), PaneConfig::default());
/// while let Some(message) = records.try_consume() {
///     pane.apply_records(message.as_bytes()).unwrap();
/// }
/// assert_eq!(pane.screen_text(), ["red", "plain", ""]);
/// assert_eq!(pane.take_replies(), b"\x1b[2;6R"); // the cursor position report
/// ```
pub struct PaneTerminal {
    term: Term<PaneListener>,
    /// Unique among the models of this process: a frame tells a pane's model from the
    /// one it replaced.
    serial: u64,
    events_in: Receiver<Event>,
    replayer: Replayer,
    sync: SyncHold,
    replies: Vec<u8>,
    events: Vec<PaneEvent>,
    palette: Palette,
    own_modes: OwnModes,
    keyboard: KeyboardState,
}

impl PaneTerminal {
    /// An empty terminal of `size` (at least [`MIN_COLUMNS`] × 1).
    pub fn new(size: PaneSize, config: PaneConfig) -> PaneTerminal {
        let size = clamp_size(size);
        let term_config = Config {
            scrolling_history: config.scrollback,
            osc52: config.clipboard,
            // Programs may ask for the kitty keyboard protocol; their keys are encoded
            // the way they asked.
            kitty_keyboard: true,
            ..Config::default()
        };
        let (sender, events_in) = channel();
        PaneTerminal {
            term: Term::new(term_config, &GridSize(size), PaneListener(sender)),
            // Relaxed: only the numbers' uniqueness matters, which the atomic add gives.
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
            events_in,
            replayer: Replayer::default(),
            sync: SyncHold::default(),
            replies: Vec::new(),
            events: Vec::new(),
            palette: config.palette,
            own_modes: OwnModes::default(),
            keyboard: KeyboardState::default(),
        }
    }

    /// The model, for drawing and inspection.
    pub fn term(&self) -> &Term<PaneListener> {
        &self.term
    }

    /// A number no other model of this process has had: a pane restarted or closed and
    /// replaced by another at its place has a new one.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The rows of the view that changed since the last call (all of them the first
    /// time): a frame redraws those and may keep the others as it drew them.
    pub fn take_damage(&mut self) -> ViewDamage {
        take_view_damage(&mut self.term)
    }

    /// The kitty keyboard protocol flags the program has active on the screen shown
    /// (none unless it pushed or set some).
    pub fn kitty_keyboard(&self) -> KeyboardModes {
        active_kitty_flags(*self.term.mode())
    }

    /// The xterm modifyOtherKeys level the program set (`CSI > 4 ; n m`).
    pub fn modify_other_keys(&self) -> ModifyOtherKeys {
        self.keyboard.modify_other_keys
    }

    /// The pane's size in cells.
    pub fn size(&self) -> PaneSize {
        // The model never exceeds the u16 sizes it was given.
        PaneSize::new(self.term.columns() as u16, self.term.screen_lines() as u16)
    }

    /// Applies whole records (one record-ring message), holding them instead while the
    /// program is inside a synchronized update.
    pub fn apply_records(&mut self, records: &[u8]) -> Result<(), DecodeError> {
        self.apply_records_at(records, Instant::now())
    }

    /// [`apply_records`](Self::apply_records) with the current time given, so that
    /// synchronized-update timeouts can be tested without waiting.
    pub fn apply_records_at(&mut self, records: &[u8], now: Instant) -> Result<(), DecodeError> {
        let mut rest = records;
        let result = loop {
            if rest.is_empty() {
                break Ok(());
            }
            let (action, len) = match decode_one(rest) {
                Ok(decoded) => decoded,
                Err(error) => break Err(error),
            };
            let (raw, tail) = rest.split_at(len);
            rest = tail;
            if self.sync.is_open() {
                if self.sync.held.len() + len < SYNC_LIMIT - 1 {
                    self.sync.held.extend_from_slice(raw);
                    if is_exact_end(&action) {
                        self.release_sync();
                    } else if is_exact_begin(&action) {
                        self.sync.deadline = Some(now + SYNC_TIMEOUT);
                    }
                    continue;
                }
                // Too much held: show it all, then go on without a block (as vte does).
                self.release_sync();
            }
            self.apply(&action);
            if begins_block(&action) {
                self.sync.deadline = Some(now + SYNC_TIMEOUT);
            }
        };
        self.collect_events();
        result
    }

    /// When the open synchronized update times out, if one is open.
    pub fn sync_deadline(&self) -> Option<Instant> {
        self.sync.deadline
    }

    /// True while records are held for a synchronized update.
    pub fn is_holding(&self) -> bool {
        self.sync.is_open()
    }

    /// Applies held records if the open synchronized update has timed out at `now`.
    /// Returns whether it did.
    pub fn poll_sync(&mut self, now: Instant) -> bool {
        let expired = self.sync.deadline.is_some_and(|deadline| deadline <= now);
        if expired {
            self.release_held();
        }
        expired
    }

    /// Applies whatever is held (the stream ended, or the pane is about to be shown).
    pub fn release_held(&mut self) {
        if self.sync.is_open() {
            self.release_sync();
            self.collect_events();
        }
    }

    /// Scrolls the view `lines` up into the scrollback (negative: down), within bounds.
    pub fn scroll(&mut self, lines: i32) {
        self.term.scroll_display(Scroll::Delta(lines));
    }

    /// Shows the live screen again.
    pub fn scroll_to_bottom(&mut self) {
        self.term.scroll_display(Scroll::Bottom);
    }

    /// How many lines the view is scrolled up.
    pub fn display_offset(&self) -> usize {
        self.term.grid().display_offset()
    }

    /// Resizes the model (the PTY is resized by its owner).
    pub fn resize(&mut self, size: PaneSize) {
        self.term.resize(GridSize(clamp_size(size)));
    }

    /// Bytes the terminal answers to the program's queries (cursor position, device
    /// attributes, mode reports, colours, sizes): for this pane's PTY only.
    pub fn take_replies(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.replies)
    }

    /// Events since the last call.
    pub fn take_events(&mut self) -> Vec<PaneEvent> {
        std::mem::take(&mut self.events)
    }

    /// The colours the pane is drawn with where its program set none.
    pub fn palette(&self) -> &Palette {
        &self.palette
    }

    /// Draws the pane with `palette` from now on. A program that asked to be told of
    /// palette changes (mode 2031) gets the colour-scheme report (`CSI ? 997 ; 1 n` dark,
    /// `; 2 n` light) when the palette differs from the one before.
    pub fn set_palette(&mut self, palette: Palette) {
        if palette == self.palette {
            return;
        }
        self.palette = palette;
        if self.own_modes.scheme_reports {
            // Answers the model already gave go first.
            self.collect_events();
            self.replies.extend_from_slice(palette.scheme_report());
        }
    }

    /// The mouse reports the program asked for, if any.
    pub fn mouse_protocol(&self) -> Option<MouseProtocol> {
        MouseProtocol::from_modes(*self.term.mode(), self.own_modes.x10_mouse)
    }

    /// Answers a [`PaneEvent::ClipboardLoad`] with the clipboard's `text`; the reply goes
    /// to [`take_replies`](Self::take_replies).
    pub fn answer_clipboard(&mut self, event: &PaneEvent, text: &str) {
        if let PaneEvent::ClipboardLoad { format, .. } = event {
            self.replies.extend_from_slice(format(text).as_bytes());
        }
    }

    fn apply(&mut self, action: &DecodedAction<'_>) {
        if let DecodedAction::Osc { params, .. } = action {
            if let Some(event) = notification(params.iter()) {
                // Events the model sent before this one come first.
                self.collect_events();
                self.events.push(event);
            }
        }
        match self.own_modes.observe(action, &self.palette) {
            Observed::Replay => {}
            Observed::AnswerAndReplay(answer) => {
                self.collect_events();
                self.replies.extend_from_slice(&answer);
            }
            Observed::Answer(answer) => {
                self.collect_events();
                self.replies.extend_from_slice(&answer);
                return;
            }
        }
        if keyboard::is_keyboard_sequence(action) {
            for request in keyboard::requests(&mut self.replayer, action) {
                if let Some(reply) = self.keyboard.apply(&mut self.term, request) {
                    // Replies the model made before this one go first.
                    self.collect_events();
                    self.replies.extend_from_slice(reply.as_bytes());
                }
            }
            return;
        }
        if keyboard::is_full_reset(action) {
            self.keyboard = KeyboardState::default();
        }
        self.replayer.replay(&mut self.term, action);
    }

    fn release_sync(&mut self) {
        let held = std::mem::take(&mut self.sync.held);
        self.sync.deadline = None;
        // Held records were decoded once already, so none fails here.
        for action in decode_records(&held).map_while(Result::ok) {
            self.apply(&action);
        }
        self.term.unset_private_mode(NamedPrivateMode::SyncUpdate.into());
        self.sync.held = held;
        self.sync.held.clear();
    }

    fn collect_events(&mut self) {
        let pane = self.size();
        let size = WindowSize {
            num_lines: pane.rows,
            num_cols: pane.cols,
            // A headless pane has no pixels; zero says so to programs that ask.
            cell_width: 0,
            cell_height: 0,
        };
        while let Ok(event) = self.events_in.try_recv() {
            match route(event, size, self.term.colors(), &self.palette) {
                Routed::Reply(text) => self.replies.extend_from_slice(text.as_bytes()),
                Routed::Event(event) => self.events.push(event),
                Routed::Dropped => {}
            }
        }
    }
}

/// OSC 9 (`9 ; body`; `9 ; 4 ; state ; value` reports progress), OSC 777
/// (`777 ; notify ; title ; body`) and OSC 99 (`99 ; metadata ; payload`).
fn notification<'a>(mut params: impl Iterator<Item = &'a [u8]>) -> Option<PaneEvent> {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    match params.next()? {
        b"9" => {
            let body = params.next()?;
            if body == b"4" {
                // No state is state 0: the progress is removed.
                let state = params.next().unwrap_or(b"0");
                return Some(PaneEvent::Progress {
                    active: matches!(state, b"1" | b"3" | b"4"),
                });
            }
            Some(PaneEvent::Notification {
                title: None,
                body: text(body),
            })
        }
        b"777" => {
            if params.next()? != b"notify" {
                return None;
            }
            let title = params.next().map(text);
            let body = params.next().map(text).unwrap_or_default();
            Some(PaneEvent::Notification { title, body })
        }
        b"99" => {
            // The payload is the title unless the metadata says `p=body`; either is what
            // the program wants the user to read.
            let _metadata = params.next()?;
            let payload = params.next().map(text).unwrap_or_default();
            (!payload.is_empty()).then_some(PaneEvent::Notification {
                title: None,
                body: payload,
            })
        }
        _ => None,
    }
}

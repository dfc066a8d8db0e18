//! One client's screen as the app draws it: frame after frame, each written as the
//! shortest change from the last, redrawing only what may have changed.
//!
//! A frame of a running session usually changes a few cells of one pane: a key's echo, a
//! spinner, a streamed line. Drawing the whole app and comparing every cell with the last
//! frame, as ratatui's `Terminal` does, costs as much for one cell as for a new screen.
//! [`ClientScreen`] keeps the last frame between frames and, while the layout, the view
//! offsets, the panes' models and the theme stay what they were, draws only the app's
//! borders and bars and the pane rows whose models changed ([`FrameDamage`]), and compares
//! only those. Anything else (another layout, an overlay, a resize, a scrolled view, a
//! restarted pane) gets a whole frame, exactly as before.
//!
//! ```
//! use perdix::tui::client_screen::ClientScreen;
//! use ratatui::layout::Position;
//!
//! let mut screen = ClientScreen::new(10, 2);
//! let frame = screen.draw_whole(|buffer| {
//!     buffer[(0, 0)].set_symbol("a");
//!     Some(Position::new(1, 0))
//! });
//! let text = String::from_utf8(frame).unwrap();
//! assert!(text.contains('a') && text.ends_with("\x1b[?25h"), "{text:?}");
//! ```

mod diff;

use super::app::{App, Mode};
use super::frame_backend::FrameBackend;
use super::frame_damage::FrameDamage;
use super::render::model_area;
use super::theme::Theme;
use super::view::{draw_app, draw_app_with, draw_panes, pane_inner, Chrome};
use alacritty_terminal::grid::Dimensions;
use diff::{diff_spans, Span};
use ratatui::backend::{Backend, ClearType};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

/// What a frame's pane rows were drawn from. A frame may keep a pane row as the last
/// frame drew it only if this is unchanged since.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DrawKey {
    screen: Rect,
    panes: Vec<PaneKey>,
}

/// One visible pane, as far as what its rows show depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PaneKey {
    index: usize,
    area: Rect,
    /// Which model: a pane restarted, or another pane moved to this index, is another.
    serial: u64,
    display_offset: usize,
    columns: usize,
    rows: usize,
}

impl DrawKey {
    /// The key of the frame `app` draws now, or `None` when the frame may draw over the
    /// panes (help, overview, prompts, scroll mode's search marks): then it is drawn whole.
    fn of(app: &App) -> Option<DrawKey> {
        if !matches!(app.mode, Mode::Normal | Mode::Prefix) {
            return None;
        }
        let panes = app
            .visible_panes()
            .into_iter()
            .filter_map(|(index, area)| {
                let term = app.panes.panes().get(index)?.terminal();
                Some(PaneKey {
                    index,
                    area,
                    serial: term.serial(),
                    display_offset: term.display_offset(),
                    columns: term.term().columns(),
                    rows: term.term().screen_lines(),
                })
            })
            .collect();
        Some(DrawKey {
            screen: app.screen,
            panes,
        })
    }
}

/// A client's terminal as the app draws it: the last frame, and the backend that turns
/// changes into bytes for that terminal (see the [module documentation](self)).
#[derive(Debug)]
pub struct ClientScreen {
    backend: FrameBackend,
    /// What the client's terminal shows: the last frame.
    shown: Buffer,
    /// The frame being drawn; equal to `shown` between frames.
    next: Buffer,
    /// What the last frame's pane rows were drawn from, when the next frame may keep the
    /// rows that did not change.
    last: Option<DrawKey>,
    /// The theme the last frame was drawn in.
    theme: Option<Theme>,
    /// The borders and status bar of the last frame, when the next may keep them.
    chrome: Option<Chrome>,
    /// The terminal shows something unknown: erase it before the next frame, from the
    /// top left corner (`AfterCursor`) or, after a resize, all of it.
    clear_due: Option<ClearType>,
    /// Reused between frames: the pane rows kept, and the spans drawn.
    kept: Vec<Span>,
    drawn: Vec<Span>,
    counts: FrameCounts,
}

/// How many frames a [`ClientScreen`] drew whole, and how many redrew only what changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameCounts {
    /// Frames drawn and compared whole.
    pub whole: u64,
    /// Frames that redrew the borders, the bars and the changed pane rows only.
    pub changed_only: u64,
}

impl ClientScreen {
    /// The screen of a terminal of `width` × `height` cells that shows nothing of ours
    /// yet: the first frame erases it and is drawn whole.
    pub fn new(width: u16, height: u16) -> ClientScreen {
        let area = Rect::new(0, 0, width, height);
        ClientScreen {
            backend: FrameBackend::new(width, height),
            shown: Buffer::empty(area),
            next: Buffer::empty(area),
            last: None,
            theme: None,
            chrome: None,
            clear_due: Some(ClearType::AfterCursor),
            kept: Vec::new(),
            drawn: Vec::new(),
            counts: FrameCounts::default(),
        }
    }

    /// The terminal's size in cells.
    pub fn size(&self) -> (u16, u16) {
        (self.shown.area.width, self.shown.area.height)
    }

    /// The frames drawn so far, by kind.
    pub fn counts(&self) -> FrameCounts {
        self.counts
    }

    /// The terminal is `width` × `height` cells now; the next frame erases it and is drawn
    /// whole.
    pub fn resize(&mut self, width: u16, height: u16) {
        let area = Rect::new(0, 0, width, height);
        self.backend.set_size(width, height);
        self.shown.resize(area);
        self.next.resize(area);
        self.last = None;
        // All of it: a terminal that narrowed may have wrapped what it showed anywhere.
        self.clear_due = Some(ClearType::All);
    }

    /// What the terminal shows is unknown (frames were lost): the next frame erases it
    /// and is drawn whole.
    pub fn forget_shown(&mut self) {
        self.clear_due = self.clear_due.or(Some(ClearType::AfterCursor));
        self.last = None;
    }

    /// The next frame is drawn whole: this screen was left out of a round of frames, whose
    /// damage it did not see.
    pub fn forget_damage(&mut self) {
        self.last = None;
    }

    /// The bytes that take the terminal from the last frame to `app` as it is now, given
    /// what changed in the panes' models since the last round of frames. Empty when
    /// nothing changed.
    pub fn draw(&mut self, app: &App, damage: &FrameDamage) -> Vec<u8> {
        self.clear_if_due();
        let key = DrawKey::of(app);
        let chrome = Chrome::of(app);
        let same_theme = self.theme.as_ref() == Some(&app.theme);
        match &key {
            Some(key) if self.last.as_ref() == Some(key) && same_theme => {
                let changed = (self.chrome.as_ref() != Some(&chrome)).then_some(&chrome);
                self.draw_changed(app, key, damage, changed);
            }
            _ => {
                self.draw_whole_into(|buffer| draw_app_with(app, &chrome, buffer, &FrameDamage::everything()))
            }
        }
        // Kept only for frames that may keep it.
        self.chrome = key.is_some().then_some(chrome);
        self.last = key;
        if !same_theme {
            self.theme = Some(app.theme.clone());
        }
        self.backend.take_frame()
    }

    /// A whole frame of what `draw` draws into a blank buffer (returning where the cursor
    /// shows), written as the change from the last frame. The frame after it is drawn
    /// whole too.
    pub fn draw_whole(&mut self, draw: impl FnOnce(&mut Buffer) -> Option<Position>) -> Vec<u8> {
        self.clear_if_due();
        self.draw_whole_into(draw);
        self.last = None;
        self.backend.take_frame()
    }

    fn clear_if_due(&mut self) {
        if let Some(clear) = self.clear_due.take() {
            // Writing into a vector cannot fail.
            let _ = self.backend.set_cursor_position(Position::ORIGIN);
            let _ = self.backend.clear_region(clear);
            self.shown.reset();
        }
    }

    fn draw_whole_into(&mut self, draw: impl FnOnce(&mut Buffer) -> Option<Position>) {
        self.counts.whole += 1;
        self.next.reset();
        let cursor = draw(&mut self.next);
        let updates = self.shown.diff(&self.next);
        let _ = self.backend.draw(updates.into_iter());
        self.place_cursor(cursor);
        self.shown.content.clone_from_slice(&self.next.content);
    }

    /// A frame that redraws the changed pane rows, and the borders and bars when
    /// `chrome` (their new look) is given, and keeps every other cell as the last frame
    /// drew it.
    fn draw_changed(&mut self, app: &App, key: &DrawKey, damage: &FrameDamage, chrome: Option<&Chrome>) {
        self.counts.changed_only += 1;
        let screen = self.next.area;
        match chrome {
            Some(_) => {
                pane_rows(key, damage, screen, false, &mut self.kept);
                spans_between(&self.kept, screen, &mut self.drawn);
            }
            None => pane_rows(key, damage, screen, true, &mut self.drawn),
        }
        for span in &self.drawn {
            let cells = span.cells(&self.next);
            self.next.content[cells].iter_mut().for_each(|cell| {
                cell.reset();
            });
        }
        if let Some(chrome) = chrome {
            chrome.draw(&mut self.next);
        }
        let cursor = draw_panes(app, &mut self.next, damage);
        if cfg!(debug_assertions) {
            check_against_whole(app, &self.next);
        }
        let updates = diff_spans(&self.shown, &self.next, &self.drawn);
        let _ = self.backend.draw(updates.into_iter());
        self.place_cursor(cursor);
        for span in &self.drawn {
            let cells = span.cells(&self.next);
            self.shown.content[cells.clone()].clone_from_slice(&self.next.content[cells]);
        }
    }

    /// Shows the cursor at `cursor`, or hides it, after the frame's cells (as ratatui's
    /// `Terminal` does).
    fn place_cursor(&mut self, cursor: Option<Position>) {
        let _ = match cursor {
            None => self.backend.hide_cursor(),
            Some(position) => self
                .backend
                .show_cursor()
                .and_then(|()| self.backend.set_cursor_position(position)),
        };
    }
}

/// The rows of the panes `key` lays out within `screen` that `damage` says changed
/// (`changed`) or did not, one span each, in reading order: exactly the rows
/// `draw_panes` draws, or leaves as they are.
fn pane_rows(key: &DrawKey, damage: &FrameDamage, screen: Rect, changed: bool, rows: &mut Vec<Span>) {
    rows.clear();
    for pane in &key.panes {
        let Some((inner, model_rows)) = model_area(pane_inner(pane.area), screen, pane.rows) else {
            continue;
        };
        rows.extend(
            (0..model_rows)
                .filter(|&row| damage.row_changed(pane.index, row) == changed)
                .map(|row| Span {
                    x: inner.x,
                    y: inner.y + row as u16,
                    width: inner.width,
                }),
        );
    }
    rows.sort_unstable_by_key(|span| (span.y, span.x));
}

/// Every cell of `screen` not in `kept` (sorted, not overlapping), as spans in reading
/// order.
fn spans_between(kept: &[Span], screen: Rect, drawn: &mut Vec<Span>) {
    drawn.clear();
    let mut kept = kept.iter().peekable();
    for y in screen.top()..screen.bottom() {
        let mut x = screen.left();
        while let Some(span) = kept.next_if(|span| span.y == y) {
            if span.x > x {
                drawn.push(Span {
                    x,
                    y,
                    width: span.x - x,
                });
            }
            x = x.max(span.x + span.width);
        }
        if x < screen.right() {
            drawn.push(Span {
                x,
                y,
                width: screen.right() - x,
            });
        }
    }
}

/// Checks, in builds with debug assertions, that `next` is what a whole frame draws:
/// that the models' damage and the chrome's comparison missed nothing.
fn check_against_whole(app: &App, next: &Buffer) {
    let mut whole = Buffer::empty(next.area);
    draw_app(app, &mut whole, &FrameDamage::everything());
    if let Some(at) = (0..whole.content.len()).find(|&at| whole.content[at] != next.content[at]) {
        let (x, y) = whole.pos_of(at);
        panic!(
            "the cell at ({x}, {y}) is {:?}, a whole frame draws {:?}",
            next.content[at], whole.content[at]
        );
    }
}

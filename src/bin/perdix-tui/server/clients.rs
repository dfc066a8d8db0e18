//! The attached clients as the app thread sees them: each its own terminal size and the
//! frames drawn for it, always whole, at most a few queued when it reads slowly.

use super::connections::ConnectionId;
use super::outbox::Outbox;
use anyhow::{Context, Result};
use perdix::session::protocol::{Goodbye, ServerMessage};
use perdix::tui::app::{App, ClientView};
use perdix::tui::client_screen::ClientScreen;
use perdix::tui::frame_backend::FrameBackend;
use perdix::tui::frame_damage::FrameDamage;
use perdix::tui::view::view;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::time::Instant;

/// Begin and end of a synchronized update: the terminal shows the frame all at once.
const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";
const END_FRAME: &[u8] = b"\x1b[?2026l";
/// Frames queued for a client before the next ones are skipped; once it catches up it
/// gets the whole screen again.
const FRAMES_IN_FLIGHT: usize = 3;

/// One attached client.
pub struct Client {
    pub id: ConnectionId,
    /// This client's focus and mode while another client is the latest (see
    /// `App::swap_view`).
    pub view: ClientView,
    outbox: Outbox,
    screen: ClientScreen,
    /// A frame was skipped: the client is owed a repaint once it has caught up.
    stale: bool,
    /// A resize of the client's terminal waiting for the burst to settle.
    pub pending_resize: Option<(u16, u16, Instant)>,
}

fn fixed_terminal(width: u16, height: u16) -> Result<Terminal<FrameBackend>> {
    // A fixed viewport: the screen changes size when the app has laid out the new size,
    // never on its own in a draw that comes before the resize.
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
    };
    Terminal::with_options(FrameBackend::new(width, height), options).context("setting up a client's screen")
}

impl Client {
    pub fn new(id: ConnectionId, outbox: Outbox, width: u16, height: u16, view: ClientView) -> Client {
        Client {
            id,
            view,
            outbox,
            // Its terminal was just set up: it shows nothing of ours yet, and the first
            // frame erases it.
            screen: ClientScreen::new(width, height),
            stale: false,
            pending_resize: None,
        }
    }

    pub fn size(&self) -> (u16, u16) {
        self.screen.size()
    }

    /// The client's terminal has this size now; the next frame repaints it all.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.screen.resize(width, height);
    }

    /// The client was left out of a round of frames: its next frame is drawn whole.
    pub fn missed_round(&mut self) {
        self.screen.forget_damage();
    }

    /// The client missed frames and has caught up since: it is owed a repaint.
    pub fn repaint_due(&self) -> bool {
        self.stale && self.outbox.drained()
    }

    /// Bytes for the client's terminal outside any frame (a notification), never skipped.
    pub fn send_raw(&self, bytes: Vec<u8>) {
        self.outbox.send(ServerMessage::Frame(bytes));
    }

    pub fn say_goodbye(&self, goodbye: Goodbye) {
        self.outbox.send(ServerMessage::Goodbye(goodbye));
    }

    /// Draws the app for this client and queues the frame, unless the client is behind.
    /// `damage` is what changed in the panes since the last round of frames; `shared` is
    /// the screen drawn at the app's size, for a client of another size.
    pub fn draw(&mut self, app: &App, damage: &FrameDamage, shared: Option<&SharedScreen>) {
        let frame = match shared {
            None => self.screen.draw(app, damage),
            Some(shared) => self.screen.draw_whole(|buffer| {
                let area = buffer.area;
                shared.copy_into(buffer, area);
                shared.cursor_within(area)
            }),
        };
        if frame.is_empty() {
            return;
        }
        let mut whole = Vec::with_capacity(frame.len() + BEGIN_FRAME.len() + END_FRAME.len());
        whole.extend_from_slice(BEGIN_FRAME);
        whole.extend_from_slice(&frame);
        whole.extend_from_slice(END_FRAME);
        self.stale = !self.outbox.send_frame(whole, FRAMES_IN_FLIGHT);
        if self.stale {
            // What the client shows is unknown now: the next frame repaints it all.
            self.screen.forget_shown();
        }
    }
}

/// The app drawn once at its own size, for clients whose terminal is another size: each
/// gets the part that fits, and blank beyond it.
pub struct SharedScreen {
    buffer: Buffer,
    cursor: Option<Position>,
}

impl SharedScreen {
    pub fn draw(app: &App, scratch: &mut Option<Terminal<FrameBackend>>) -> Result<SharedScreen> {
        let screen = app.screen;
        let terminal = match scratch {
            Some(terminal) if terminal.backend().area() == screen => terminal,
            _ => scratch.insert(fixed_terminal(screen.width, screen.height)?),
        };
        let completed = terminal.draw(|frame| view(app, frame)).context("drawing")?;
        let buffer = completed.buffer.clone();
        // Nobody sees these bytes; drop them so that they do not pile up.
        terminal.backend_mut().take_frame();
        let cursor = terminal.backend().shown_cursor();
        Ok(SharedScreen { buffer, cursor })
    }

    /// Copies the panes' part (all rows but the status bar) as far as it fits, and the
    /// status bar onto the client's own last row, as a smaller terminal still shows it.
    fn copy_into(&self, buffer: &mut Buffer, area: Rect) {
        let shared = self.buffer.area;
        if area.height == 0 || shared.height == 0 {
            return;
        }
        let width = area.width.min(shared.width);
        let panes_rows = (area.height - 1).min(shared.height - 1);
        let rows = (0..panes_rows)
            .map(|y| (y, y))
            .chain([(shared.height - 1, area.height - 1)]);
        for (from_y, to_y) in rows {
            for x in 0..width {
                if let (Some(from), Some(to)) = (self.buffer.cell((x, from_y)), buffer.cell_mut((x, to_y))) {
                    *to = from.clone();
                }
            }
        }
    }

    /// Where the cursor goes on a client whose screen is `area`, if it shows there.
    fn cursor_within(&self, area: Rect) -> Option<Position> {
        let panes_rows = area
            .height
            .saturating_sub(1)
            .min(self.buffer.area.height.saturating_sub(1));
        self.cursor
            .filter(|cursor| cursor.x < area.width && cursor.y < panes_rows)
    }
}

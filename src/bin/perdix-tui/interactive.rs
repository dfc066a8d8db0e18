//! The full-screen app: the terminal set up and restored, input read on its own thread,
//! panes pumped, and frames drawn tear-free (one write each, inside a synchronized update).

use anyhow::{Context, Result};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::ExecutableCommand;
use perdix::tui::app::{App, Msg};
use perdix::tui::frame_backend::FrameBackend;
use perdix::tui::input::InputReaderOptions;
use perdix::tui::outer_colours;
use perdix::tui::outer_keyboard::{OuterKeyboard, DETECT_TIMEOUT};
use perdix::tui::view::view;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The shortest time between two frames (about 60 per second).
const FRAME_INTERVAL: Duration = Duration::from_millis(16);
/// How long a burst of resizes of the real terminal settles before the panes follow.
const RESIZE_SETTLE: Duration = Duration::from_millis(50);
/// Begin and end of a synchronized update: the terminal shows the frame all at once.
const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";
const END_FRAME: &[u8] = b"\x1b[?2026l";
/// The kitty keyboard flags pushed on the terminal, popped by `restore` on every way out.
static OUTER_KEYBOARD: OuterKeyboard = OuterKeyboard::new();

/// Writes the frame the backend collected to `out` in one write, inside a synchronized
/// update.
fn commit(backend: &mut FrameBackend, out: &mut Stdout) -> io::Result<()> {
    let frame = backend.take_frame();
    if frame.is_empty() {
        return Ok(());
    }
    let mut whole = Vec::with_capacity(frame.len() + BEGIN_FRAME.len() + END_FRAME.len());
    whole.extend_from_slice(BEGIN_FRAME);
    whole.extend_from_slice(&frame);
    whole.extend_from_slice(END_FRAME);
    out.write_all(&whole)?;
    out.flush()
}

/// Puts the terminal back as it was: on return, on error and on panic.
struct TerminalGuard;

impl TerminalGuard {
    fn enter() -> Result<TerminalGuard> {
        terminal::enable_raw_mode().context("switching the terminal to raw mode")?;
        let guard = TerminalGuard;
        let mut out = io::stdout();
        out.execute(EnterAlternateScreen)?;
        out.execute(EnableMouseCapture)?;
        out.execute(EnableBracketedPaste)?;
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A panic on another thread is caught there (the parse stage restarts, a
            // pane's reader ends): printing it now would write over the screen.
            if std::thread::current().name() != Some("main") {
                return;
            }
            restore();
            default_hook(info);
        }));
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let mut out = io::stdout();
    // Best effort: the terminal may already be gone.
    let _ = out.write_all(END_FRAME);
    // Before leaving the alternate screen: the terminal keeps a flag stack per screen.
    let _ = OUTER_KEYBOARD.restore(&mut out);
    let _ = out.execute(DisableBracketedPaste);
    let _ = out.execute(DisableMouseCapture);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(crossterm::cursor::Show);
    let _ = terminal::disable_raw_mode();
}

/// Runs the app until the user quits or a termination signal arrives. Returns what the
/// user was told in the status bar about failures, to print once the screen is restored.
pub fn run(mut app: App) -> Result<Vec<String>> {
    let signalled = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&signalled)).context("installing signal handlers")?;
    }
    let _guard = TerminalGuard::enter()?;
    let (width, height) = terminal::size().context("reading the terminal size")?;
    app.update(Msg::Resize(width, height))?;
    let mut out = io::stdout();
    // Frames that no disagreement about a character's width can misplace.
    let backend = FrameBackend::new(width, height);
    // A fixed viewport: the screen changes size when the app has laid out the new size,
    // never on its own in a draw that comes before the resize event.
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
    };
    let mut terminal = Terminal::with_options(backend, options).context("setting up the screen")?;

    let (events_tx, events) = channel();
    let (replies_tx, replies) = channel();
    let options = InputReaderOptions {
        replies: Some(replies_tx),
        ..InputReaderOptions::default()
    };
    // Its own decoder: an incomplete escape sequence times out instead of taking the next key.
    perdix::tui::input::spawn_terminal_input_with(events_tx, options).context("starting the input thread")?;
    // Keys as typed (Shift-Enter, Ctrl-Tab, …) where the terminal can tell them apart.
    OUTER_KEYBOARD
        .negotiate(&mut out, &replies, DETECT_TIMEOUT)
        .context("asking the terminal for the kitty keyboard protocol")?;
    if app.theme.follows_terminal {
        // Before the first pump, so that no program is told other colours first.
        let colours =
            outer_colours::query_outer_colours(&mut out, &replies, outer_colours::OUTER_COLOURS_TIMEOUT)
                .context("asking the terminal for its colours")?;
        app.set_theme(colours.apply_to(&app.theme));
    }
    // Nothing else asks the terminal anything: later replies are dropped, not kept.
    drop(replies);

    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME_INTERVAL;
    let mut pending_resize: Option<(u16, u16, Instant)> = None;
    // Relaxed: the flag only asks the loop to end.
    while !app.quit && !signalled.load(Ordering::Relaxed) {
        // Records still waiting are applied at once; otherwise wait for input until the
        // next frame is due.
        let wait = if app.panes.has_pending_records() {
            Duration::ZERO
        } else {
            FRAME_INTERVAL
                .saturating_sub(last_frame.elapsed())
                .max(Duration::from_millis(2))
        };
        match events.recv_timeout(wait) {
            Ok(event) => {
                handle(&mut app, event, &mut pending_resize)?;
                while let Ok(event) = events.try_recv() {
                    handle(&mut app, event, &mut pending_resize)?;
                }
                dirty = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some((width, height, at)) = pending_resize {
            if at.elapsed() >= RESIZE_SETTLE {
                pending_resize = None;
                app.update(Msg::Resize(width, height))?;
                // The clear goes out with the next frame, not on its own: a blank screen
                // would flash.
                terminal.backend_mut().set_size(width, height);
                terminal.resize(Rect::new(0, 0, width, height))?;
                dirty = true;
            }
        }
        dirty |= app.pump()?;
        // While a resize settles, the layout is still the old size's: a frame drawn now
        // at the new size would cut the panes.
        if dirty && pending_resize.is_none() && last_frame.elapsed() >= FRAME_INTERVAL {
            terminal.draw(|frame| view(&app, frame)).context("drawing")?;
            commit(terminal.backend_mut(), &mut out).context("writing a frame")?;
            last_frame = Instant::now();
            dirty = false;
        }
    }
    Ok(std::mem::take(&mut app.notices))
}

fn handle(app: &mut App, event: Event, pending_resize: &mut Option<(u16, u16, Instant)>) -> Result<()> {
    match event {
        Event::Key(key) => app.update(Msg::Key(key))?,
        Event::Mouse(mouse) => app.update(Msg::Mouse(mouse))?,
        Event::Paste(text) => app.update(Msg::Paste(text))?,
        Event::Resize(width, height) => *pending_resize = Some((width, height, Instant::now())),
        Event::FocusGained | Event::FocusLost => {}
    }
    Ok(())
}

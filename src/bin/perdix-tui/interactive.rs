//! The full-screen app: the terminal set up and restored, input read on its own thread,
//! panes pumped, and frames drawn tear-free (one write each, inside a synchronized update).

use anyhow::{Context, Result};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::ExecutableCommand;
use perdix::ring::EventCount;
use perdix::tui::app::{App, Msg};
use perdix::tui::frame_backend::FrameBackend;
use perdix::tui::frame_clock::FrameClock;
use perdix::tui::input::InputReaderOptions;
use perdix::tui::outer_colours;
use perdix::tui::outer_keyboard::{OuterKeyboard, DETECT_TIMEOUT};
use perdix::tui::view::view;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::collections::VecDeque;
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    let waker = app.panes.waker();
    let signalled = watch_signals(Arc::clone(&waker))?;
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
        waker: Some(Arc::clone(&waker)),
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

    let mut clock = FrameClock::new();
    clock.changed(Instant::now());
    let mut pending_resize: Option<(u16, u16, Instant)> = None;
    // Events taken off the channel while deciding whether to sleep.
    let mut queued: VecDeque<Event> = VecDeque::new();
    // When the screen changes with no input and no output (a label, a held update).
    let mut quiet_change = app.next_deadline(Instant::now());
    loop {
        let input_closed = loop {
            let event = match queued.pop_front() {
                Some(event) => event,
                None => match events.try_recv() {
                    Ok(event) => event,
                    Err(TryRecvError::Empty) => break false,
                    Err(TryRecvError::Disconnected) => break true,
                },
            };
            if handle(&mut app, event, &mut pending_resize)? {
                clock.changed(Instant::now());
            }
        };
        // Relaxed: the flag only asks the loop to end.
        if input_closed || app.quit || signalled.load(Ordering::Relaxed) {
            break;
        }
        if let Some((width, height, at)) = pending_resize {
            if at.elapsed() >= RESIZE_SETTLE {
                pending_resize = None;
                app.update(Msg::Resize(width, height))?;
                // The clear goes out with the next frame, not on its own: a blank screen
                // would flash.
                terminal.backend_mut().set_size(width, height);
                terminal.resize(Rect::new(0, 0, width, height))?;
                clock.changed(Instant::now());
            }
        }
        if app.pump()? {
            clock.changed(Instant::now());
        }
        let now = Instant::now();
        if quiet_change.is_some_and(|at| now >= at) {
            clock.changed(now);
        }
        quiet_change = app.next_deadline(now);
        // While a resize settles, the layout is still the old size's: a frame drawn now
        // at the new size would cut the panes.
        if pending_resize.is_none() && clock.due(now) {
            terminal.draw(|frame| view(&app, frame)).context("drawing")?;
            commit(terminal.backend_mut(), &mut out).context("writing a frame")?;
            clock.drawn(now, now.elapsed());
        }
        if app.panes.has_pending_records() {
            // More records than one pump takes: apply them before sleeping.
            continue;
        }
        let deadline = [
            clock.next_due().filter(|_| pending_resize.is_none()),
            pending_resize.map(|(_, _, at)| at + RESIZE_SETTLE),
            quiet_change,
        ]
        .into_iter()
        .flatten()
        .min();
        // Asleep until records, an input event, a signal or the deadline; an event taken
        // off the channel here is handled first thing.
        app.panes.wait_for_work(deadline, || match events.try_recv() {
            Ok(event) => {
                queued.push_back(event);
                true
            }
            Err(TryRecvError::Empty) => signalled.load(Ordering::Relaxed),
            Err(TryRecvError::Disconnected) => true,
        });
    }
    Ok(std::mem::take(&mut app.notices))
}

/// Sets the returned flag on SIGTERM, SIGHUP and SIGINT, and wakes the app (through
/// `waker`) on those and on SIGCHLD (a pane's program ended: its state changes).
fn watch_signals(waker: Arc<EventCount>) -> Result<Arc<AtomicBool>> {
    use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM};
    let signalled = Arc::new(AtomicBool::new(false));
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGCHLD])
        .context("installing signal handlers")?;
    let flag = Arc::clone(&signalled);
    std::thread::Builder::new()
        .name("perdix-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if signal != SIGCHLD {
                    // Relaxed: the app reads it after the notify below wakes it, and the
                    // event count's fences order the two.
                    flag.store(true, Ordering::Relaxed);
                }
                waker.notify();
            }
        })
        .context("starting the signal thread")?;
    Ok(signalled)
}

/// Handles one input event; returns whether it changed what is drawn.
fn handle(app: &mut App, event: Event, pending_resize: &mut Option<(u16, u16, Instant)>) -> Result<bool> {
    let msg = match event {
        Event::Key(key) => Msg::Key(key),
        Event::Mouse(mouse) => Msg::Mouse(mouse),
        Event::Paste(text) => Msg::Paste(text),
        Event::Resize(width, height) => {
            // Laid out once the burst of resizes settles.
            *pending_resize = Some((width, height, Instant::now()));
            return Ok(false);
        }
        Event::FocusGained | Event::FocusLost => return Ok(false),
    };
    app.update(msg)?;
    Ok(app.redraw)
}

//! The client's terminal: raw mode, the alternate screen, mouse and paste reporting and the
//! kitty keyboard flags, set up on attach and put back on every way out.

use anyhow::{Context, Result};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::ExecutableCommand;
use perdix::tui::outer_keyboard::OuterKeyboard;
use std::io::{self, Write};

/// The end of a synchronized update, in case the terminal is left inside one.
const END_FRAME: &[u8] = b"\x1b[?2026l";
/// The kitty keyboard flags pushed on the terminal, popped by `restore` on every way out.
pub static OUTER_KEYBOARD: OuterKeyboard = OuterKeyboard::new();

/// Puts the terminal back as it was: when dropped (on return and on error) and on panic.
pub struct TerminalGuard;

impl TerminalGuard {
    pub fn enter() -> Result<TerminalGuard> {
        terminal::enable_raw_mode().context("switching the terminal to raw mode")?;
        let guard = TerminalGuard;
        let mut out = io::stdout();
        out.execute(EnterAlternateScreen)?;
        out.execute(EnableMouseCapture)?;
        out.execute(EnableBracketedPaste)?;
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // A panic on another thread is reported where it is caught; printing it now
            // would write over the screen.
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

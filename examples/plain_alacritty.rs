//! The plain peer of `scripts/bench-ingest`: one program in a pseudo-terminal, its output
//! read on one thread straight into `vte`'s `Processor` and `alacritty_terminal`'s `Term`
//! (no ring, no batching, no parse stage), and the final screen printed in the format of
//! `perdix-tui --headless --screen-dump`.
//!
//! Usage: `plain_alacritty COLSxROWS COMMAND`

use alacritty_terminal::event::VoidListener;
use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term};
use anyhow::{bail, Context, Result};
use perdix::term::screen_text;
use perdix::tui::parse_pane_size;
use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [size, command] = &args[..] else {
        bail!("usage: plain_alacritty COLSxROWS COMMAND");
    };
    let size = parse_pane_size(size).map_err(anyhow::Error::msg)?;
    let argv = shell_words::split(command).context("splitting the command")?;
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: size.rows,
            cols: size.cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(|error| anyhow::anyhow!("{error:#}"))?;
    let mut builder = CommandBuilder::from_argv(argv.iter().map(Into::into).collect());
    builder.env("TERM", "xterm-256color");
    builder.cwd(std::env::current_dir()?);
    let mut child = pair
        .slave
        .spawn_command(builder)
        .map_err(|error| anyhow::anyhow!("{error:#}"))?;
    drop(pair.slave);
    let mut reader = pair
        .master
        .try_clone_reader()
        .map_err(|error| anyhow::anyhow!("{error:#}"))?;

    let dimensions = TermSize::new(usize::from(size.cols), usize::from(size.rows));
    let mut term = Term::new(Config::default(), &dimensions, VoidListener);
    let mut parser: vte::ansi::Processor = vte::ansi::Processor::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            // The child side closed (EOF, or EIO on Linux, which portable-pty reports as 0).
            Ok(0) | Err(_) => break,
            Ok(len) => parser.advance(&mut term, &buffer[..len]),
        }
    }
    // The child has closed its terminal; reap it.
    let _ = child.wait();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "=== pane 1 ===")?;
    for row in screen_text(&term) {
        writeln!(out, "{row}")?;
    }
    out.flush()?;
    Ok(())
}

//! Shared by the perdix-tui tests: an [`App`] over real panes, keys to feed it, waits that
//! poll with a deadline, and text and style renderings of a drawn frame.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use perdix::parse::BackendKind;
use perdix::pty::{PaneSize, SpawnConfig};
use perdix::term::PaneConfig;
use perdix::tui::app::{App, Msg};
use perdix::tui::keymap::Keymap;
use perdix::tui::layout_kind::LayoutKind;
use perdix::tui::theme::Theme;
use perdix::tui::view::view;
use perdix::tui::PaneSet;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::Terminal;
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

/// How long a wait on a pane's program may take before the test fails. Generous: the
/// tests run on small, busy machines.
pub const WAIT: Duration = Duration::from_secs(60);

/// An app over `commands` (still running or not), laid out tiled on a `width` × `height`
/// screen, with `keymap`. Each program starts at its pane's final size, so what it prints
/// about its size does not race the first layout.
pub fn app_with_keymap(commands: &[&str], width: u16, height: u16, keymap: Keymap) -> App {
    let areas = perdix::tui::layout::pane_areas(
        LayoutKind::Tiled,
        ratatui::layout::Rect::new(0, 0, width, height - 1),
        commands.len(),
    );
    let configs: Vec<SpawnConfig> = commands
        .iter()
        .zip(areas)
        .map(|(command, area)| {
            SpawnConfig::new(*command).with_size(PaneSize::new(area.width - 2, area.height - 2))
        })
        .collect();
    let panes = PaneSet::spawn(&configs, BackendKind::Cpu, PaneConfig::default()).unwrap();
    let names = commands
        .iter()
        .map(|command| perdix::logview::command_name(command))
        .collect();
    let mut app = App::new(panes, names, keymap, Theme::default(), LayoutKind::Tiled);
    app.update(Msg::Resize(width, height)).unwrap();
    app
}

/// An app over programs that print and exit, once all they printed is on their screens.
pub fn finished_app(commands: &[&str], width: u16, height: u16) -> App {
    let mut app = app_with_keymap(commands, width, height, Keymap::default());
    run_to_end(&mut app);
    app
}

/// Waits until every program has exited and its output has been replayed.
pub fn run_to_end(app: &mut App) {
    app.panes.run_to_end(WAIT).unwrap();
    app.pump().unwrap();
    assert!(
        app.panes.is_finished(),
        "the panes' programs did not end within {WAIT:?}"
    );
}

/// A key without modifiers.
pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A key with Ctrl held.
pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The default prefix, `C-b`.
pub fn prefix() -> Msg {
    ctrl('b')
}

/// Types `text` key by key.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c))).unwrap();
    }
}

/// Pumps until `done` holds, failing with `what` after [`WAIT`].
pub fn pump_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    loop {
        app.pump().unwrap();
        if done(app) {
            return;
        }
        assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Pumps until pane `index` shows `text` somewhere on its screen.
pub fn wait_for_text(app: &mut App, index: usize, text: &str) {
    pump_until(app, &format!("pane {index} to show {text:?}"), |app| {
        pane_shows(app, index, text)
    });
}

/// Whether pane `index`'s screen has `text` on one of its rows.
pub fn pane_shows(app: &App, index: usize, text: &str) -> bool {
    app.panes.panes()[index]
        .terminal()
        .screen_text()
        .iter()
        .any(|row| row.contains(text))
}

/// The app drawn on a test backend of its screen's size.
pub fn draw_buffer(app: &App) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(app.screen.width, app.screen.height)).unwrap();
    terminal.draw(|frame| view(app, frame)).unwrap();
    terminal.backend().buffer().clone()
}

/// The app drawn as text, one line per row, a wide character once.
pub fn draw(app: &App) -> String {
    buffer_text(&draw_buffer(app))
}

/// A buffer's text, one line per row, a wide character once.
pub fn buffer_text(buffer: &Buffer) -> String {
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let mut skip = 0;
        for x in 0..buffer.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = symbol.width().saturating_sub(1);
            text.push_str(symbol);
        }
        text.push('\n');
    }
    text
}

/// A colour as `#rrggbb`, or its ratatui name when it is not an RGB colour.
pub fn colour_name(colour: Color) -> String {
    match colour {
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        other => format!("{other:?}"),
    }
}

/// A cell style in a few words: `fg #rrggbb bg #rrggbb` and any modifiers.
pub fn style_name(style: Style) -> String {
    let mut text = format!(
        "fg {} bg {}",
        colour_name(style.fg.unwrap_or(Color::Reset)),
        colour_name(style.bg.unwrap_or(Color::Reset))
    );
    let modifiers = style.add_modifier - style.sub_modifier;
    if modifiers != Modifier::empty() {
        text.push_str(&format!(" {modifiers:?}"));
    }
    text
}

/// Row `y` of `buffer` from column `x0` to `x1` (exclusive) as runs of equal style, one
/// per line: `"text" fg … bg …`. Trailing default-looking blanks are kept, so a colour
/// change anywhere in the range shows.
pub fn styled_runs(buffer: &Buffer, y: u16, x0: u16, x1: u16) -> String {
    let mut runs: Vec<(String, String)> = Vec::new();
    for x in x0..x1 {
        let cell = &buffer[(x, y)];
        let style = style_name(cell.style());
        match runs.last_mut() {
            Some((text, last)) if *last == style => text.push_str(cell.symbol()),
            _ => runs.push((cell.symbol().to_string(), style)),
        }
    }
    runs.iter()
        .map(|(text, style)| format!("  {text:?} {style}\n"))
        .collect()
}

//! The app drawn on ratatui's test backend: layouts, zoom, titles, states, overlays, the
//! scroll-mode search and every theme's colours, as snapshots; and the keys that change
//! them.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use perdix::parse::BackendKind;
use perdix::pty::{PaneSize, SpawnConfig};
use perdix::term::PaneConfig;
use perdix::tui::app::{App, Confirm, Mode, Msg};
use perdix::tui::keymap::Keymap;
use perdix::tui::layout_kind::LayoutKind;
use perdix::tui::theme::Theme;
use perdix::tui::view::view;
use perdix::tui::PaneSet;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::Duration;
use support::tui::{draw, finished_app as app, key, prefix, type_text, wait_for_text};

const TWO: [&str; 2] = [
    "sh -c 'printf \"\\033]2;building\\007left pane\\n\\033[1mbold\\033[0m\"'",
    "sh -c 'tput cols; tput lines; exit 3'",
];

#[test]
fn two_panes_tiled_show_titles_states_and_sizes() {
    let app = app(&TWO, 60, 10);
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn layouts_cycle_and_zoom_fills_the_screen() {
    let mut app = app(&["echo one", "echo two", "echo three"], 48, 12);
    let mut shots = String::new();
    for _ in 0..4 {
        shots.push_str(&format!("--- {}\n", app.layout));
        shots.push_str(&draw(&app));
        app.update(prefix()).unwrap();
        app.update(key(KeyCode::Char(' '))).unwrap();
    }
    assert_eq!(app.layout, LayoutKind::Tiled);
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('2'))).unwrap();
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('z'))).unwrap();
    shots.push_str("--- zoomed on pane 2\n");
    shots.push_str(&draw(&app));
    insta::assert_snapshot!(shots);
}

#[test]
fn focus_moves_by_direction_and_number() {
    let mut app = app(&["true", "true", "true", "true"], 40, 12);
    let mut visited = vec![app.focus];
    for code in [
        KeyCode::Right,
        KeyCode::Down,
        KeyCode::Char('h'),
        KeyCode::Char('k'),
        KeyCode::Char('o'),
    ] {
        app.update(prefix()).unwrap();
        app.update(key(code)).unwrap();
        visited.push(app.focus);
    }
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('4'))).unwrap();
    visited.push(app.focus);
    assert_eq!(visited, [0, 1, 3, 2, 0, 1, 3]);
}

#[test]
fn help_overlay_and_confirmations() {
    let mut app = app(&["true"], 80, 37);
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('?'))).unwrap();
    assert_eq!(app.mode, Mode::Help { scroll: 0 });
    insta::assert_snapshot!(draw(&app));
    app.update(key(KeyCode::Char('x'))).unwrap();
    assert_eq!(app.mode, Mode::Normal);
    // Ending the session asks, even with every program exited; n keeps it.
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('q'))).unwrap();
    assert_eq!(
        (app.mode.clone(), app.quit),
        (Mode::Confirm(Confirm::Quit), false)
    );
    insta::assert_snapshot!("end_session_question", draw(&app));
    app.update(key(KeyCode::Char('n'))).unwrap();
    assert_eq!((app.mode.clone(), app.quit), (Mode::Normal, false));
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('q'))).unwrap();
    app.update(key(KeyCode::Char('y'))).unwrap();
    assert!(app.quit);
}

#[test]
fn the_overview_lists_every_pane_with_its_state() {
    let mut app = app(&["true", "sh -c 'exit 3'"], 80, 12);
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('w'))).unwrap();
    app.update(key(KeyCode::Down)).unwrap();
    let screen = draw(&app);
    let row = |number: &str| {
        screen
            .lines()
            .find(|line| line.contains(&format!(" {number}  ")) && line.contains("exited"))
            .unwrap_or_else(|| panic!("no row for pane {number}:\n{screen}"))
            .to_string()
    };
    // The mark is on the second pane; both show their name and state.
    assert!(row("2").contains("▶  2  sh"), "{screen}");
    assert!(row("1").contains("   1  true"), "{screen}");
    assert!(screen.contains(" panes "), "{screen}");
}

#[test]
fn every_theme_draws() {
    for name in Theme::builtin_names() {
        let mut app = app(&TWO, 60, 10);
        app.theme = Theme::builtin(name).unwrap();
        let mut terminal = Terminal::new(TestBackend::new(60, 10)).unwrap();
        terminal.draw(|frame| view(&app, frame)).unwrap();
        let buffer = terminal.backend().buffer();
        let border = app.theme.focused_border;
        assert_eq!(
            buffer[(0, 0)].fg,
            ratatui::style::Color::Rgb(border.r, border.g, border.b),
            "{name}"
        );
    }
}

#[test]
fn the_readme_shows_the_example_configuration_that_parses() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(perdix::tui::config::EXAMPLE_CONFIG),
        "README.md's configuration example differs from EXAMPLE_CONFIG"
    );
}

#[test]
fn prefix_twice_new_pane_broadcast_restart_and_close() {
    let configs = [SpawnConfig::new("cat -v").with_size(PaneSize::new(30, 5))];
    let panes = PaneSet::spawn(&configs, BackendKind::Cpu, PaneConfig::default()).unwrap();
    let mut app = App::new(
        panes,
        vec!["cat".into()],
        Keymap::default(),
        Theme::default(),
        LayoutKind::Tiled,
    );
    app.update(Msg::Resize(80, 20)).unwrap();

    // The prefix twice reaches the program as one Ctrl-b, which `cat -v` shows as ^B.
    app.update(prefix()).unwrap();
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Enter)).unwrap();
    wait_for_text(&mut app, 0, "^B");

    // A new pane from the prompt gets the focus.
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('c'))).unwrap();
    type_text(&mut app, "cat");
    app.update(key(KeyCode::Enter)).unwrap();
    assert_eq!((app.panes.panes().len(), app.focus), (2, 1));

    // Broadcast types into both.
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('s'))).unwrap();
    assert!(app.broadcast);
    type_text(&mut app, "both");
    app.update(key(KeyCode::Enter)).unwrap();
    wait_for_text(&mut app, 0, "both");
    wait_for_text(&mut app, 1, "both");
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('s'))).unwrap();

    // Restart refuses while the program runs; closing a running pane asks first.
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('r'))).unwrap();
    assert!(app
        .status
        .as_deref()
        .unwrap_or_default()
        .contains("still running"));
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('x'))).unwrap();
    assert!(matches!(app.mode, Mode::Confirm(_)));
    app.update(key(KeyCode::Esc)).unwrap();
    assert_eq!(app.panes.panes().len(), 2);
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('x'))).unwrap();
    app.update(key(KeyCode::Char('y'))).unwrap();
    assert_eq!((app.panes.panes().len(), app.focus), (1, 0));

    // After its program ends, a pane restarts on a clear screen.
    app.update(Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)))
        .unwrap();
    let start = std::time::Instant::now();
    while app.panes.panes()[0].is_active() {
        assert!(start.elapsed() < Duration::from_secs(20));
        app.pump().unwrap();
    }
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('r'))).unwrap();
    assert!(app.panes.panes()[0].is_active());
    assert!(app.panes.panes()[0]
        .terminal()
        .screen_text()
        .iter()
        .all(String::is_empty));

    // Quitting with a running agent asks first.
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('q'))).unwrap();
    assert!(!app.quit);
    app.update(key(KeyCode::Enter)).unwrap();
    assert!(app.quit);
}

/// Scroll mode's search: the view jumps to each older match, and every occurrence on the
/// screen is highlighted whatever its case. Under each row, `^` marks the highlighted
/// cells; the highlight's style is listed once.
#[test]
fn scroll_mode_search_jumps_to_matches_and_highlights_them() {
    let mut app = app(
        &["sh -c 'seq 1 10; echo a needle here; seq 11 20; echo NEEDLE again, needle; seq 21 40'"],
        80,
        12,
    );
    let search_match = app.theme.search_match;
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('['))).unwrap();
    app.update(key(KeyCode::Char('/'))).unwrap();
    type_text(&mut app, "needle");
    app.update(key(KeyCode::Enter)).unwrap();
    let mut shots = String::from("--- / needle, Enter\n");
    shots.push_str(&marked_highlights(&app, search_match));
    app.update(key(KeyCode::Char('n'))).unwrap();
    shots.push_str("--- n: the next older match\n");
    shots.push_str(&marked_highlights(&app, search_match));
    app.update(key(KeyCode::Char('n'))).unwrap();
    shots.push_str("--- n: no older match left\n");
    shots.push_str(&marked_highlights(&app, search_match));
    insta::assert_snapshot!(shots);

    // Leaving scroll mode goes back to the bottom and drops the highlight.
    app.update(key(KeyCode::Char('q'))).unwrap();
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.panes.panes()[0].terminal().display_offset(), 0);
    assert!(!marked_highlights(&app, search_match).contains('^'));
}

/// A match already on the screen is found: the first search starts at the bottom of the
/// view, not above its top, so it does not report that there is no match while one shows.
#[test]
fn a_search_finds_a_match_on_the_screen() {
    let mut app = app(&["sh -c 'echo first; echo the only needle; echo last'"], 80, 12);
    let search_match = app.theme.search_match;
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('['))).unwrap();
    app.update(key(KeyCode::Char('/'))).unwrap();
    type_text(&mut app, "needle");
    // On an 80-column screen the status bar still shows what is being typed.
    assert!(status_bar(&app).contains("/needle_"), "{}", status_bar(&app));
    app.update(key(KeyCode::Enter)).unwrap();
    assert_eq!(app.status, None, "the match on the screen was not found");
    assert_eq!(app.panes.panes()[0].terminal().display_offset(), 0);
    assert!(marked_highlights(&app, search_match).contains("^^^^^^"));
    // There is no older one.
    app.update(key(KeyCode::Char('n'))).unwrap();
    assert_eq!(app.status.as_deref(), Some("no more matches for \"needle\""));
    assert!(
        status_bar(&app).contains("/needle [1/1] │ no more matches for \"needle\""),
        "{}",
        status_bar(&app)
    );
}

/// The status bar as drawn: the screen's last row.
fn status_bar(app: &App) -> String {
    draw(app).lines().last().unwrap_or_default().to_string()
}

/// The drawn app with a line of `^` under each row that has cells on the search-match
/// background, and the style of those cells.
fn marked_highlights(app: &App, search_match: perdix::tui::theme::Rgb) -> String {
    let buffer = support::tui::draw_buffer(app);
    let text = support::tui::buffer_text(&buffer);
    let background = ratatui::style::Color::Rgb(search_match.r, search_match.g, search_match.b);
    let mut out = String::new();
    let mut styles = std::collections::BTreeSet::new();
    for (y, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push('\n');
        let marks: String = (0..buffer.area.width)
            .map(|x| {
                let cell = &buffer[(x, y as u16)];
                if cell.bg == background {
                    styles.insert(support::tui::style_name(cell.style()));
                    '^'
                } else {
                    ' '
                }
            })
            .collect();
        if marks.contains('^') {
            out.push_str(marks.trim_end());
            out.push('\n');
        }
    }
    for style in styles {
        out.push_str(&format!("highlight: {style}\n"));
    }
    out
}

/// Each built-in theme's colours where the app uses them: pane borders focused and not,
/// program text in ANSI colours, the status bar, a prompt and a search match. Changing a
/// colour in a theme file changes its snapshot.
#[test]
fn each_theme_colours_borders_text_status_prompt_and_matches() {
    // The 16 ANSI colours, one digit each: 0-7 normal, 8-f bright.
    let ansi: String = (0..16)
        .map(|n| format!("\\033[{}m{n:x}", if n < 8 { 30 + n } else { 82 + n }))
        .collect();
    let printing = format!(
        "printf '\\033[31mred\\033[0m \\033[32mgreen\\033[0m \\033[1;34mblue\\033[0m \\033[7minverse\\033[0m plain\\n{ansi}\\033[0m\\n'"
    );
    let mut app = app(&[printing.as_str(), "echo other"], 60, 8);
    let visible = app.visible_panes();
    let (first, second) = (visible[0].1, visible[1].1);
    for name in Theme::builtin_names() {
        app.theme = Theme::builtin(name).unwrap();
        app.mode = Mode::Normal;
        let buffer = support::tui::draw_buffer(&app);
        let runs = |y, x0, x1| support::tui::styled_runs(&buffer, y, x0, x1);
        let mut listing = String::new();
        listing.push_str("focused pane's top border:\n");
        listing.push_str(&runs(first.y, first.x, first.right()));
        listing.push_str("other pane's top border:\n");
        listing.push_str(&runs(second.y, second.x, second.right()));
        listing.push_str("program text:\n");
        listing.push_str(&runs(first.y + 1, first.x + 1, first.x + 30));
        listing.push_str("ANSI colours 0-f:\n");
        listing.push_str(&runs(first.y + 2, first.x + 1, first.x + 17));
        listing.push_str("status bar:\n");
        listing.push_str(&runs(app.screen.bottom() - 1, 0, app.screen.width));

        app.update(prefix()).unwrap();
        app.update(key(KeyCode::Char('c'))).unwrap();
        let buffer = support::tui::draw_buffer(&app);
        let prompt_row = support::tui::buffer_text(&buffer)
            .lines()
            .position(|line| line.contains("new pane"))
            .expect("the new pane prompt is drawn") as u16;
        listing.push_str("prompt's top border:\n");
        listing.push_str(&support::tui::styled_runs(&buffer, prompt_row, 0, 22));
        app.update(key(KeyCode::Esc)).unwrap();

        app.update(prefix()).unwrap();
        app.update(key(KeyCode::Char('['))).unwrap();
        app.update(key(KeyCode::Char('/'))).unwrap();
        type_text(&mut app, "green");
        let buffer = support::tui::draw_buffer(&app);
        listing.push_str("search for green:\n");
        listing.push_str(&support::tui::styled_runs(
            &buffer,
            first.y + 1,
            first.x + 1,
            first.x + 12,
        ));
        insta::assert_snapshot!(format!("theme_{name}"), listing);
    }
}

/// On a small screen the help scrolls: it says where it is, every binding and the
/// scroll-mode keys can be reached, and a key that does not scroll closes it.
#[test]
fn the_help_scrolls_on_a_small_screen_and_shows_every_key() {
    let mut app = app(&["true"], 40, 12);
    app.update(prefix()).unwrap();
    app.update(key(KeyCode::Char('?'))).unwrap();
    let first = draw(&app);
    assert!(first.contains("lines 1–") && first.contains('↓'), "{first}");
    let mut seen = first.clone();
    for _ in 0..60 {
        app.update(key(KeyCode::Down)).unwrap();
        seen.push_str(&draw(&app));
    }
    let keymap = perdix::tui::keymap::Keymap::default();
    for (action, _) in keymap.bindings() {
        if matches!(action, perdix::tui::keymap::Action::FocusPane(n) if n > 1) {
            continue;
        }
        let words: String = action
            .description()
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let text = if matches!(action, perdix::tui::keymap::Action::FocusPane(_)) {
            "focus pane N".to_string()
        } else {
            words
        };
        assert!(seen.contains(&text), "{text:?} never shown:\n{seen}");
    }
    assert!(seen.contains("leave scroll mode"), "{seen}");
    let last = draw(&app);
    assert!(last.contains("closes it.") && !last.contains('↓'), "{last}");
    app.update(key(KeyCode::Home)).unwrap();
    assert_eq!(draw(&app), first);
    app.update(key(KeyCode::Char('x'))).unwrap();
    assert_eq!(app.mode, Mode::Normal);
}

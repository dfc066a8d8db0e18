//! The mouse and the theme through [`App::update`] over real panes: a program that asked
//! for mouse reports gets clicks, releases, drags and the wheel in its own cells and
//! encoding, and one that did not leaves the mouse to Perdix; a theme change reaches
//! every pane's colour answers and is reported to programs that asked (mode 2031).

mod support;

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use perdix::tui::app::{App, Mode, Msg};
use perdix::tui::keymap::Keymap;
use perdix::tui::theme::Theme;
use ratatui::layout::Rect;
use support::tui::{app_with_keymap, pump_until, wait_for_text};

/// A program that turns on the mouse modes `modes`, then shows every byte it gets.
fn mouse_program(modes: &str) -> String {
    format!("sh -c 'printf \"\\033[?{modes}h\"; stty raw -echo; printf ready; exec cat -v'")
}

/// What pane `index` shows, rows joined, trailing blanks dropped.
fn pane_text(app: &App, index: usize) -> String {
    app.panes.panes()[index]
        .terminal()
        .screen_text()
        .concat()
        .trim_end()
        .to_string()
}

/// Pumps until pane `index` shows exactly `text`.
fn wait_for_exactly(app: &mut App, index: usize, text: &str) {
    pump_until(app, &format!("pane {index} to show {text:?}"), |app| {
        pane_text(app, index) == text
    });
}

/// The cells inside pane `index`'s border.
fn inner(app: &App, index: usize) -> Rect {
    let (_, area) = app
        .visible_panes()
        .into_iter()
        .find(|&(shown, _)| shown == index)
        .expect("the pane is shown");
    Rect::new(area.x + 1, area.y + 1, area.width - 2, area.height - 2)
}

/// A mouse event at `column`, `row` of pane `index`'s cells (0-based).
fn at(app: &App, index: usize, kind: MouseEventKind, column: u16, row: u16, modifiers: KeyModifiers) -> Msg {
    let area = inner(app, index);
    Msg::Mouse(MouseEvent {
        kind,
        column: area.x + column,
        row: area.y + row,
        modifiers,
    })
}

const NONE: KeyModifiers = KeyModifiers::NONE;

#[test]
fn a_program_that_asked_gets_the_mouse_in_its_cells_and_the_others_leave_it_to_perdix() {
    let plain = "sh -c 'seq 100; exec cat'";
    let mut app = app_with_keymap(&[plain, &mouse_program("1000;1006")], 80, 24, Keymap::default());
    wait_for_text(&mut app, 1, "ready");
    wait_for_text(&mut app, 0, "100");
    assert_eq!(app.focus, 0);

    // A click on the unfocused mouse pane: reported at its cell, 1-based, and focused.
    let left = MouseEventKind::Down(MouseButton::Left);
    app.update(at(&app, 1, left, 3, 2, NONE)).unwrap();
    assert_eq!(app.focus, 1);
    app.update(at(&app, 1, MouseEventKind::Up(MouseButton::Left), 3, 2, NONE))
        .unwrap();
    // 1000 reports no motion; the wheel and a right click it does.
    app.update(at(&app, 1, MouseEventKind::Moved, 5, 5, NONE))
        .unwrap();
    app.update(at(&app, 1, MouseEventKind::ScrollUp, 0, 0, NONE))
        .unwrap();
    app.update(at(
        &app,
        1,
        MouseEventKind::ScrollDown,
        10,
        4,
        KeyModifiers::CONTROL,
    ))
    .unwrap();
    // Shift leaves the mouse to Perdix.
    app.update(at(&app, 1, MouseEventKind::ScrollUp, 1, 1, KeyModifiers::SHIFT))
        .unwrap();
    app.update(at(&app, 1, MouseEventKind::Down(MouseButton::Right), 0, 0, NONE))
        .unwrap();
    wait_for_exactly(
        &mut app,
        1,
        "ready^[[<0;4;3M^[[<0;4;3m^[[<64;1;1M^[[<81;11;5M^[[<2;1;1M",
    );

    // The pane that asked for nothing: the wheel scrolls its scrollback, a click focuses.
    app.update(at(&app, 0, MouseEventKind::ScrollUp, 2, 2, NONE))
        .unwrap();
    assert_eq!(app.panes.panes()[0].terminal().display_offset(), 3);
    app.update(at(&app, 0, MouseEventKind::ScrollDown, 2, 2, NONE))
        .unwrap();
    assert_eq!(app.panes.panes()[0].terminal().display_offset(), 0);
    app.update(at(&app, 0, left, 2, 2, NONE)).unwrap();
    assert_eq!(app.focus, 0);
    // A click on the mouse pane's border is Perdix's too.
    let border = inner(&app, 1);
    app.update(Msg::Mouse(MouseEvent {
        kind: left,
        column: border.x - 1,
        row: border.y + 1,
        modifiers: NONE,
    }))
    .unwrap();
    assert_eq!(app.focus, 1);
    // Outside normal mode (scrolling), the mouse is Perdix's as well.
    app.mode = Mode::Scroll {
        search: None,
        typing: false,
    };
    app.update(at(&app, 1, left, 0, 0, NONE)).unwrap();
    app.mode = Mode::Normal;
    app.update(at(&app, 1, MouseEventKind::Up(MouseButton::Middle), 6, 0, NONE))
        .unwrap();
    wait_for_exactly(
        &mut app,
        1,
        "ready^[[<0;4;3M^[[<0;4;3m^[[<64;1;1M^[[<81;11;5M^[[<2;1;1M^[[<1;7;1m",
    );
    // The plain pane got nothing.
    assert!(!pane_text(&app, 0).contains("^["), "{}", pane_text(&app, 0));
}

#[test]
fn drags_and_the_release_go_to_the_pane_that_got_the_press() {
    let mut app = app_with_keymap(
        &[&mouse_program("1002;1006"), &mouse_program("1000;1006")],
        80,
        24,
        Keymap::default(),
    );
    wait_for_text(&mut app, 0, "ready");
    wait_for_text(&mut app, 1, "ready");
    let area = inner(&app, 0);
    app.update(at(&app, 0, MouseEventKind::Down(MouseButton::Left), 1, 1, NONE))
        .unwrap();
    app.update(at(&app, 0, MouseEventKind::Drag(MouseButton::Left), 2, 1, NONE))
        .unwrap();
    // Dragged over the other pane, and released there: held to pane 0's right edge.
    let over_other = inner(&app, 1);
    for kind in [
        MouseEventKind::Drag(MouseButton::Left),
        MouseEventKind::Up(MouseButton::Left),
    ] {
        app.update(Msg::Mouse(MouseEvent {
            kind,
            column: over_other.x + 4,
            row: over_other.y + 1,
            modifiers: NONE,
        }))
        .unwrap();
    }
    let edge = area.width;
    wait_for_exactly(
        &mut app,
        0,
        &format!("ready^[[<0;2;2M^[[<32;3;2M^[[<32;{edge};2M^[[<0;{edge};2m"),
    );
    // After the release, a click over pane 1 is pane 1's again.
    app.update(at(&app, 1, MouseEventKind::Down(MouseButton::Left), 0, 0, NONE))
        .unwrap();
    wait_for_exactly(&mut app, 1, "ready^[[<0;1;1M");
    assert_eq!(app.focus, 1);
}

#[test]
fn x10_and_the_default_encoding_and_alternate_scroll() {
    let alternate = "sh -c 'printf \"\\033[?1049h\"; stty raw -echo; printf ready; exec cat -v'";
    let mut app = app_with_keymap(&[&mouse_program("9"), alternate], 80, 24, Keymap::default());
    wait_for_text(&mut app, 0, "ready");
    wait_for_text(&mut app, 1, "ready");
    // X10: the press only, without modifiers; `CSI M` and three bytes of value + 32.
    app.update(at(
        &app,
        0,
        MouseEventKind::Down(MouseButton::Left),
        3,
        2,
        KeyModifiers::CONTROL,
    ))
    .unwrap();
    app.update(at(&app, 0, MouseEventKind::Up(MouseButton::Left), 3, 2, NONE))
        .unwrap();
    app.update(at(&app, 0, MouseEventKind::ScrollDown, 0, 0, NONE))
        .unwrap();
    wait_for_exactly(&mut app, 0, "ready^[[M $#^[[Ma!!");
    // On the alternate screen with no mouse reports asked for, the wheel is arrow keys.
    app.update(at(&app, 1, MouseEventKind::ScrollDown, 0, 0, NONE))
        .unwrap();
    app.update(at(&app, 1, MouseEventKind::ScrollUp, 0, 0, NONE))
        .unwrap();
    wait_for_exactly(&mut app, 1, "ready^[[B^[[B^[[B^[[A^[[A^[[A");
}

#[test]
fn a_theme_change_reaches_every_pane_and_programs_that_asked_are_told() {
    // Pane 0 asks for palette reports, then asks for the background whenever told.
    let subscriber = "sh -c 'printf \"\\033[?2031h\"; stty raw -echo; printf ready; exec cat -v'";
    let other = "sh -c 'stty raw -echo; printf ready; exec cat -v'";
    let mut app = app_with_keymap(&[subscriber, other], 80, 24, Keymap::default());
    wait_for_text(&mut app, 0, "ready");
    wait_for_text(&mut app, 1, "ready");
    let light = Theme::builtin("light").unwrap();
    app.set_theme(light.clone());
    assert_eq!(app.theme, light);
    for pane in app.panes.panes() {
        assert_eq!(*pane.terminal().palette(), light.palette());
    }
    wait_for_exactly(&mut app, 0, "ready^[[?997;2n");
    // The same theme again is no change; a dark one is.
    app.set_theme(light);
    app.set_theme(Theme::builtin("gruvbox-dark").unwrap());
    wait_for_exactly(&mut app, 0, "ready^[[?997;2n^[[?997;1n");
    // Pane 1 did not ask: nothing reached it (a key then shows right after "ready").
    app.focus = 1;
    app.update(support::tui::key(crossterm::event::KeyCode::Char('k')))
        .unwrap();
    wait_for_exactly(&mut app, 1, "readyk");
}

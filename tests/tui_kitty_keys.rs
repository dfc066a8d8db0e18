//! Keys through [`App::update`] into real panes, each in the encoding its program asked
//! for: a pane that pushed the kitty flags for disambiguation and event types gets
//! Shift-Enter as `CSI 13;2u` and the release of a key it got the press of, while a
//! legacy pane beside it gets what it always got; releases of keys that never reached a
//! pane (the prefix, a command after it) reach none.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use perdix::tui::app::{App, Msg};
use perdix::tui::keymap::Keymap;
use support::tui::{app_with_keymap, key, prefix, run_to_end, wait_for_text};

/// A program that shows the bytes it reads, as one line of hex, once it has `count`:
/// raw mode, so that nothing is translated, and `ready` once the terminal is set up.
fn reader(push: &str, count: usize) -> String {
    format!(
        r#"sh -c 'printf "{push}"; stty raw -echo; printf "ready\r\n"; head -c {count} | od -An -tx1 -v | tr -d " \n"; printf "\r\nend"'"#
    )
}

fn event(code: KeyCode, modifiers: KeyModifiers, kind: KeyEventKind) -> Msg {
    Msg::Key(KeyEvent::new_with_kind_and_state(
        code,
        modifiers,
        kind,
        KeyEventState::NONE,
    ))
}

/// Pane `index`'s rows joined.
fn screen(app: &App, index: usize) -> String {
    app.panes.panes()[index].terminal().screen_text().concat()
}

#[test]
fn each_pane_gets_keys_and_releases_as_its_program_asked() {
    // Up, its release, Shift-Enter: 3 + 8 + 7 bytes for the kitty pane, 3 + 1 for the
    // legacy one.
    let commands = [reader("\\033[>3u", 18), reader("", 4)];
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    let mut app = app_with_keymap(&commands, 120, 20, Keymap::default());
    wait_for_text(&mut app, 0, "ready");
    wait_for_text(&mut app, 1, "ready");
    app.broadcast = true;

    app.update(event(KeyCode::Up, KeyModifiers::NONE, KeyEventKind::Press))
        .unwrap();
    app.update(event(KeyCode::Up, KeyModifiers::NONE, KeyEventKind::Release))
        .unwrap();
    // A release whose press went nowhere goes nowhere.
    app.update(event(
        KeyCode::Char('x'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    ))
    .unwrap();
    // The prefix and an unbound key after it: neither press reaches a pane, so neither
    // release does.
    app.update(prefix()).unwrap();
    app.update(event(
        KeyCode::Char('b'),
        KeyModifiers::CONTROL,
        KeyEventKind::Release,
    ))
    .unwrap();
    app.update(key(KeyCode::Char('0'))).unwrap();
    app.update(event(
        KeyCode::Char('0'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    ))
    .unwrap();
    app.update(event(KeyCode::Enter, KeyModifiers::SHIFT, KeyEventKind::Press))
        .unwrap();
    // Enter's release is never reported short of all keys as escape codes.
    app.update(event(KeyCode::Enter, KeyModifiers::SHIFT, KeyEventKind::Release))
        .unwrap();

    run_to_end(&mut app);
    let kitty = screen(&app, 0);
    let legacy = screen(&app, 1);
    // ESC [ A, ESC [ 1 ; 1 : 3 A, ESC [ 1 3 ; 2 u.
    assert!(
        kitty.contains("1b5b411b5b313b313a33411b5b31333b3275end"),
        "{kitty}"
    );
    // ESC [ A, CR.
    assert!(legacy.contains("1b5b410dend"), "{legacy}");
}

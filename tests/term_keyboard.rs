//! What a pane's program asks of the keyboard, through the real parse and replay: the
//! kitty keyboard protocol's flags (pushed, popped, set, per screen, queried, bounded)
//! and xterm's modifyOtherKeys level, and how they change the bytes a key sends.

mod support;

use support::cpu_records as records;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use perdix::pty::PaneSize;
use perdix::term::{PaneConfig, PaneTerminal, KEYBOARD_STACK_LIMIT};
use perdix::tui::key_encoding::{encode_key_for, KeyboardMode, KeyboardModes, ModifyOtherKeys};

const DISAMBIGUATE: KeyboardModes = KeyboardModes::DISAMBIGUATE_ESC_CODES;
const EVENTS: KeyboardModes = KeyboardModes::REPORT_EVENT_TYPES;
const ALL_KEYS: KeyboardModes = KeyboardModes::REPORT_ALL_KEYS_AS_ESC;

fn pane() -> PaneTerminal {
    PaneTerminal::new(PaneSize::new(20, 4), PaneConfig::default())
}

fn feed(pane: &mut PaneTerminal, bytes: &[u8]) {
    pane.apply_records(&records(bytes)).unwrap();
}

/// What the pane's program receives for Shift-Enter now.
fn shift_enter(pane: &PaneTerminal) -> Vec<u8> {
    let key = KeyEvent::new(KeyCode::Enter, KeyModifiers::SHIFT);
    encode_key_for(&key, KeyboardMode::of_pane(pane)).unwrap()
}

/// The flags the program is told when it asks.
fn queried(pane: &mut PaneTerminal) -> String {
    pane.take_replies();
    feed(pane, b"\x1b[?u");
    String::from_utf8(pane.take_replies()).unwrap()
}

#[test]
fn pushes_and_pops_change_what_a_key_sends() {
    let mut pane = pane();
    assert_eq!(pane.kitty_keyboard(), KeyboardModes::NO_MODE);
    assert_eq!(shift_enter(&pane), b"\r");

    feed(&mut pane, b"\x1b[>1u");
    assert_eq!(pane.kitty_keyboard(), DISAMBIGUATE);
    assert_eq!(shift_enter(&pane), b"\x1b[13;2u");

    // A push without flags pushes none; the default pop count is one.
    feed(&mut pane, b"\x1b[>u");
    assert_eq!(pane.kitty_keyboard(), KeyboardModes::NO_MODE);
    assert_eq!(shift_enter(&pane), b"\r");
    feed(&mut pane, b"\x1b[<u");
    assert_eq!(shift_enter(&pane), b"\x1b[13;2u");

    feed(&mut pane, b"\x1b[>3u\x1b[>11u");
    assert_eq!(pane.kitty_keyboard(), DISAMBIGUATE | EVENTS | ALL_KEYS);
    feed(&mut pane, b"\x1b[<2u");
    assert_eq!(pane.kitty_keyboard(), DISAMBIGUATE);
    // Popping more than there is empties the stack: all flags reset.
    feed(&mut pane, b"\x1b[<5u");
    assert_eq!(pane.kitty_keyboard(), KeyboardModes::NO_MODE);
    assert_eq!(shift_enter(&pane), b"\r");
}

#[test]
fn the_query_answers_the_flags_in_effect_after_earlier_replies() {
    let mut pane = pane();
    assert_eq!(queried(&mut pane), "\x1b[?0u");
    feed(&mut pane, b"\x1b[>5u");
    assert_eq!(queried(&mut pane), "\x1b[?5u");
    // A cursor position report asked for first is answered first.
    pane.take_replies();
    feed(&mut pane, b"\x1b[6n\x1b[?u");
    assert_eq!(pane.take_replies(), b"\x1b[1;1R\x1b[?5u");
}

#[test]
fn set_replaces_adds_or_removes_the_flags_in_effect_and_the_query_says_so() {
    let mut pane = pane();
    feed(&mut pane, b"\x1b[>1u");
    feed(&mut pane, b"\x1b[=9u");
    assert_eq!(pane.kitty_keyboard(), DISAMBIGUATE | ALL_KEYS);
    assert_eq!(queried(&mut pane), "\x1b[?9u");
    feed(&mut pane, b"\x1b[=2;2u");
    assert_eq!(queried(&mut pane), "\x1b[?11u");
    feed(&mut pane, b"\x1b[=8;3u");
    assert_eq!(pane.kitty_keyboard(), DISAMBIGUATE | EVENTS);
    assert_eq!(queried(&mut pane), "\x1b[?3u");
    // Without a stack, set still changes the flags in effect, and the query tells.
    let mut bare = self::pane();
    feed(&mut bare, b"\x1b[=1u");
    assert_eq!(bare.kitty_keyboard(), DISAMBIGUATE);
    assert_eq!(queried(&mut bare), "\x1b[?1u");
    assert_eq!(shift_enter(&bare), b"\x1b[13;2u");
}

#[test]
fn each_screen_has_its_own_stack() {
    let mut pane = pane();
    feed(&mut pane, b"\x1b[>1u");
    feed(&mut pane, b"\x1b[?1049h");
    assert_eq!(pane.kitty_keyboard(), KeyboardModes::NO_MODE);
    feed(&mut pane, b"\x1b[>8u");
    assert_eq!(pane.kitty_keyboard(), ALL_KEYS);
    feed(&mut pane, b"\x1b[?1049l");
    assert_eq!(pane.kitty_keyboard(), DISAMBIGUATE);
    assert_eq!(shift_enter(&pane), b"\x1b[13;2u");
}

#[test]
fn a_program_pushing_without_end_neither_crashes_the_pane_nor_grows_its_stack() {
    let mut pane = pane();
    // More pushes than the model's own limit, which it mishandles.
    feed(&mut pane, &b"\x1b[>1u".repeat(5000));
    feed(&mut pane, b"\x1b[>8u");
    assert_eq!(pane.kitty_keyboard(), ALL_KEYS);
    // The newest push replaced the top entry: the stack holds the limit.
    feed(&mut pane, b"\x1b[<u");
    assert_eq!(pane.kitty_keyboard(), DISAMBIGUATE);
    feed(
        &mut pane,
        format!("\x1b[<{}u", KEYBOARD_STACK_LIMIT - 2).as_bytes(),
    );
    assert_eq!(pane.kitty_keyboard(), DISAMBIGUATE);
    feed(&mut pane, b"\x1b[<u");
    assert_eq!(pane.kitty_keyboard(), KeyboardModes::NO_MODE);
}

#[test]
fn modify_other_keys_is_tracked_queried_and_changes_what_a_key_sends() {
    let mut pane = pane();
    let query = |pane: &mut PaneTerminal| {
        pane.take_replies();
        feed(pane, b"\x1b[?4m");
        String::from_utf8(pane.take_replies()).unwrap()
    };
    assert_eq!(pane.modify_other_keys(), ModifyOtherKeys::Reset);
    assert_eq!(query(&mut pane), "\x1b[>4;0m");

    feed(&mut pane, b"\x1b[>4;2m");
    assert_eq!(pane.modify_other_keys(), ModifyOtherKeys::EnableAll);
    assert_eq!(query(&mut pane), "\x1b[>4;2m");
    assert_eq!(shift_enter(&pane), b"\x1b[27;2;13~");
    // Not an SGR: nothing on the screen is underlined or bold by it.
    feed(&mut pane, b"x");
    let cell = &pane.term().grid()[alacritty_terminal::index::Point::new(
        alacritty_terminal::index::Line(0),
        alacritty_terminal::index::Column(0),
    )];
    assert!(cell.flags.is_empty(), "{:?}", cell.flags);

    feed(&mut pane, b"\x1b[>4;1m");
    assert_eq!(pane.modify_other_keys(), ModifyOtherKeys::EnableExceptWellDefined);
    // Vim's way out: the value left empty resets.
    feed(&mut pane, b"\x1b[>4;m");
    assert_eq!(pane.modify_other_keys(), ModifyOtherKeys::Reset);
    assert_eq!(shift_enter(&pane), b"\r");

    // The kitty protocol wins over modifyOtherKeys.
    feed(&mut pane, b"\x1b[>4;2m\x1b[>1u");
    assert_eq!(shift_enter(&pane), b"\x1b[13;2u");
}

#[test]
fn a_full_reset_forgets_what_the_program_asked() {
    let mut pane = pane();
    feed(&mut pane, b"\x1b[>1u\x1b[>4;2m");
    feed(&mut pane, b"\x1bc");
    assert_eq!(pane.kitty_keyboard(), KeyboardModes::NO_MODE);
    assert_eq!(pane.modify_other_keys(), ModifyOtherKeys::Reset);
    assert_eq!(shift_enter(&pane), b"\r");
    // The counts start over too: a push and a pop leave nothing behind.
    feed(&mut pane, b"\x1b[>1u\x1b[<u");
    assert_eq!(pane.kitty_keyboard(), KeyboardModes::NO_MODE);
}

#[test]
fn application_cursor_mode_still_applies_to_legacy_keys() {
    let mut pane = pane();
    let up = KeyEvent::new(KeyCode::Up, KeyModifiers::NONE);
    feed(&mut pane, b"\x1b[?1h");
    assert_eq!(
        encode_key_for(&up, KeyboardMode::of_pane(&pane)).unwrap(),
        b"\x1bOA"
    );
    feed(&mut pane, b"\x1b[>1u");
    assert_eq!(
        encode_key_for(&up, KeyboardMode::of_pane(&pane)).unwrap(),
        b"\x1b[A"
    );
}

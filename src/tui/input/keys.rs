//! Key events from single bytes and from the parameters of key sequences: C0 controls,
//! characters, xterm's modifier parameter, the `~` and letter-final function keys, the
//! SS3 keypad, and the kitty protocol's key numbers.
//!
//! Single bytes are reported the way crossterm reports them, so that key bindings and
//! the key encoder for the panes see the same events as before: CR is Enter, an
//! uppercase character carries SHIFT, NUL (Ctrl-Space, Ctrl-@) is Ctrl-Space, and the
//! other C0 codes are Ctrl plus a letter or digit. Two differ, both so that the key
//! encoder gives the pane the same byte back: BS is Ctrl-Backspace (what xterm sends for
//! it), and ESC ESC is Alt-Esc.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MediaKeyCode, ModifierKeyCode,
};

/// A key press without modifiers or state.
pub(super) fn plain(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// The key one byte below 0x80 stands for.
pub(super) fn ascii_key(byte: u8) -> KeyEvent {
    match byte {
        // Ctrl-Space and Ctrl-@ send NUL.
        0x00 => KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL),
        0x08 => KeyEvent::new(KeyCode::Backspace, KeyModifiers::CONTROL),
        b'\t' => plain(KeyCode::Tab),
        b'\r' => plain(KeyCode::Enter),
        0x1b => plain(KeyCode::Esc),
        0x7f => plain(KeyCode::Backspace),
        // LF is Ctrl-J in raw mode; the rest of 0x01..=0x1a are Ctrl plus a letter.
        0x01..=0x1a => KeyEvent::new(KeyCode::Char(char::from(b'a' + byte - 1)), KeyModifiers::CONTROL),
        // FS, GS, RS and US: Ctrl-4 to Ctrl-7 on a VT220-style keyboard.
        0x1c..=0x1f => KeyEvent::new(
            KeyCode::Char(char::from(b'4' + byte - 0x1c)),
            KeyModifiers::CONTROL,
        ),
        _ => char_key(char::from(byte)),
    }
}

/// A typed character; an uppercase one carries SHIFT.
pub(super) fn char_key(c: char) -> KeyEvent {
    let modifiers = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), modifiers)
}

/// `key` with Alt held, as an ESC prefix says.
pub(super) fn with_alt(mut key: KeyEvent) -> KeyEvent {
    key.modifiers |= KeyModifiers::ALT;
    key
}

/// Modifiers and lock state from xterm's (and kitty's) modifier parameter: one plus a
/// bit field of shift 1, alt 2, ctrl 4, super 8, hyper 16, meta 32, caps lock 64, num
/// lock 128. A missing or zero parameter means none.
pub(super) fn modifier_param(param: Option<u32>) -> (KeyModifiers, KeyEventState) {
    let bits = param.unwrap_or(1).saturating_sub(1);
    let mut modifiers = KeyModifiers::NONE;
    for (bit, modifier) in [
        (1, KeyModifiers::SHIFT),
        (2, KeyModifiers::ALT),
        (4, KeyModifiers::CONTROL),
        (8, KeyModifiers::SUPER),
        (16, KeyModifiers::HYPER),
        (32, KeyModifiers::META),
    ] {
        if bits & bit != 0 {
            modifiers |= modifier;
        }
    }
    let mut state = KeyEventState::NONE;
    if bits & 64 != 0 {
        state |= KeyEventState::CAPS_LOCK;
    }
    if bits & 128 != 0 {
        state |= KeyEventState::NUM_LOCK;
    }
    (modifiers, state)
}

/// The kitty protocol's event type sub-parameter: 1 (or none) press, 2 repeat, 3 release.
pub(super) fn event_kind(param: Option<u32>) -> KeyEventKind {
    match param {
        Some(2) => KeyEventKind::Repeat,
        Some(3) => KeyEventKind::Release,
        _ => KeyEventKind::Press,
    }
}

/// A key from its code and the modifier parameter with its event type.
pub(super) fn key_event(
    code: KeyCode,
    state: KeyEventState,
    modifiers: Option<u32>,
    kind: Option<u32>,
) -> KeyEvent {
    let (modifiers, lock_state) = modifier_param(modifiers);
    KeyEvent::new_with_kind_and_state(code, modifiers, event_kind(kind), state | lock_state)
}

/// The keys of `CSI 1 ; m x` and `SS3 x`: cursor keys, Home, End, the keypad's centre,
/// and F1 to F4.
pub(super) fn letter_key(final_byte: u8) -> Option<(KeyCode, KeyEventState)> {
    let code = match final_byte {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'E' => return Some((KeyCode::KeypadBegin, KeyEventState::KEYPAD)),
        b'P' => KeyCode::F(1),
        b'Q' => KeyCode::F(2),
        b'R' => KeyCode::F(3),
        b'S' => KeyCode::F(4),
        _ => return None,
    };
    Some((code, KeyEventState::NONE))
}

/// The keypad in application mode (DECKPAM): `SS3 p` is 0, `SS3 M` Enter, and so on.
pub(super) fn ss3_keypad_key(final_byte: u8) -> Option<KeyCode> {
    let code = match final_byte {
        b'M' => KeyCode::Enter,
        b'I' => KeyCode::Tab,
        b'j' => KeyCode::Char('*'),
        b'k' => KeyCode::Char('+'),
        b'l' => KeyCode::Char(','),
        b'm' => KeyCode::Char('-'),
        b'n' => KeyCode::Char('.'),
        b'o' => KeyCode::Char('/'),
        b'X' => KeyCode::Char('='),
        b'p'..=b'y' => KeyCode::Char(char::from(b'0' + final_byte - b'p')),
        _ => return None,
    };
    Some(code)
}

/// The keys of `CSI n ~`: the editing keypad (VT220 and rxvt numbers) and F1 to F20.
pub(super) fn tilde_key(number: u32) -> Option<(KeyCode, KeyEventState)> {
    let code = match number {
        1 | 7 => KeyCode::Home,
        2 => KeyCode::Insert,
        3 => KeyCode::Delete,
        4 | 8 => KeyCode::End,
        5 => KeyCode::PageUp,
        6 => KeyCode::PageDown,
        11..=15 => KeyCode::F((number - 10) as u8),
        17..=21 => KeyCode::F((number - 11) as u8),
        23..=26 => KeyCode::F((number - 12) as u8),
        28 | 29 => KeyCode::F((number - 13) as u8),
        31..=34 => KeyCode::F((number - 14) as u8),
        57427 => return Some((KeyCode::KeypadBegin, KeyEventState::KEYPAD)),
        _ => return None,
    };
    Some((code, KeyEventState::NONE))
}

/// The key of a kitty `CSI code u` report (or xterm's `CSI 27 ; m ; code ~`): a Unicode
/// character or one of the protocol's private-use key numbers. `shifted` is the shifted
/// key the terminal may add; with Shift held, the character is the shifted one, so that
/// typing it into a pane gives what the user sees on the key.
pub(super) fn unicode_key(code: u32, shifted: Option<u32>, shift: bool) -> Option<(KeyCode, KeyEventState)> {
    if let Some(key) = functional_key(code) {
        return Some(key);
    }
    let keypad = |code| Some((code, KeyEventState::KEYPAD));
    let code = match code {
        9 => KeyCode::Tab,
        13 => KeyCode::Enter,
        27 => KeyCode::Esc,
        8 | 127 => KeyCode::Backspace,
        57399..=57408 => return keypad(KeyCode::Char(char::from_digit(code - 57399, 10)?)),
        57409 => return keypad(KeyCode::Char('.')),
        57410 => return keypad(KeyCode::Char('/')),
        57411 => return keypad(KeyCode::Char('*')),
        57412 => return keypad(KeyCode::Char('-')),
        57413 => return keypad(KeyCode::Char('+')),
        57414 => return keypad(KeyCode::Enter),
        57415 => return keypad(KeyCode::Char('=')),
        57416 => return keypad(KeyCode::Char(',')),
        57417 => return keypad(KeyCode::Left),
        57418 => return keypad(KeyCode::Right),
        57419 => return keypad(KeyCode::Up),
        57420 => return keypad(KeyCode::Down),
        57421 => return keypad(KeyCode::PageUp),
        57422 => return keypad(KeyCode::PageDown),
        57423 => return keypad(KeyCode::Home),
        57424 => return keypad(KeyCode::End),
        57425 => return keypad(KeyCode::Insert),
        57426 => return keypad(KeyCode::Delete),
        57427 => return keypad(KeyCode::KeypadBegin),
        // Other C0 codes and the private-use area name no key.
        0..=31 | 57344..=63743 => return None,
        _ => {
            let base = char::from_u32(code)?;
            let shifted = shifted.and_then(char::from_u32);
            KeyCode::Char(match (shift, shifted) {
                (true, Some(shifted)) => shifted,
                (true, None) => single_uppercase(base),
                (false, _) => base,
            })
        }
    };
    Some((code, KeyEventState::NONE))
}

/// Keys of the kitty protocol's private-use numbers other than the keypad.
fn functional_key(code: u32) -> Option<(KeyCode, KeyEventState)> {
    let code = match code {
        57358 => KeyCode::CapsLock,
        57359 => KeyCode::ScrollLock,
        57360 => KeyCode::NumLock,
        57361 => KeyCode::PrintScreen,
        57362 => KeyCode::Pause,
        57363 => KeyCode::Menu,
        57376..=57398 => KeyCode::F((code - 57376 + 13) as u8),
        57428..=57440 => KeyCode::Media(MEDIA_KEYS[(code - 57428) as usize]),
        57441..=57454 => KeyCode::Modifier(MODIFIER_KEYS[(code - 57441) as usize]),
        _ => return None,
    };
    Some((code, KeyEventState::NONE))
}

/// Kitty's media keys, numbered from 57428.
const MEDIA_KEYS: [MediaKeyCode; 13] = [
    MediaKeyCode::Play,
    MediaKeyCode::Pause,
    MediaKeyCode::PlayPause,
    MediaKeyCode::Reverse,
    MediaKeyCode::Stop,
    MediaKeyCode::FastForward,
    MediaKeyCode::Rewind,
    MediaKeyCode::TrackNext,
    MediaKeyCode::TrackPrevious,
    MediaKeyCode::Record,
    MediaKeyCode::LowerVolume,
    MediaKeyCode::RaiseVolume,
    MediaKeyCode::MuteVolume,
];

/// Kitty's modifier keys, numbered from 57441.
const MODIFIER_KEYS: [ModifierKeyCode; 14] = [
    ModifierKeyCode::LeftShift,
    ModifierKeyCode::LeftControl,
    ModifierKeyCode::LeftAlt,
    ModifierKeyCode::LeftSuper,
    ModifierKeyCode::LeftHyper,
    ModifierKeyCode::LeftMeta,
    ModifierKeyCode::RightShift,
    ModifierKeyCode::RightControl,
    ModifierKeyCode::RightAlt,
    ModifierKeyCode::RightSuper,
    ModifierKeyCode::RightHyper,
    ModifierKeyCode::RightMeta,
    ModifierKeyCode::IsoLevel3Shift,
    ModifierKeyCode::IsoLevel5Shift,
];

/// The uppercase form of `c` when it is one character (`a` → `A`), else `c`.
fn single_uppercase(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(upper), None) => upper,
        _ => c,
    }
}

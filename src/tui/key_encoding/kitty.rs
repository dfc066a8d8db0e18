//! The kitty keyboard protocol's encoding, written from its specification ("Comprehensive
//! keyboard handling in terminals"):
//!
//! - key codes are Unicode code points of the *unshifted* key (`a` is 97, also with
//!   Shift), or numbers from the specification's table of functional keys;
//! - modifiers are `1 +` a bit field: shift 1, alt 2, ctrl 4, super 8, hyper 16, meta 32,
//!   caps lock 64, num lock 128;
//! - with *disambiguate*, Esc and text keys with Alt, Ctrl (or Super, Hyper, Meta) become
//!   `CSI code ; mods u`; unmodified Enter, Tab and Backspace keep their legacy bytes;
//!   keys that type text still send the text; functional keys use `CSI 1 ; mods X`,
//!   `CSI n ; mods ~` or `CSI n ; mods u`, never SS3;
//! - with *event types*, repeats and releases carry `:2` and `:3` after the modifiers;
//!   text keys, and Enter, Tab and Backspace, report none unless all keys are escape
//!   codes;
//! - with *alternate keys*, the shifted key follows the code (`97:65`) when Shift is held;
//! - with *all keys as escape codes*, every key, text and modifier keys included, is an
//!   escape code, with lock modifiers;
//! - with *associated text* too, the text a key types follows as a third field.
//!
//! Event types alone are taken as disambiguation as well: releases need escape codes.
//!
//! The shifted and unshifted forms of symbols are those of the standard PC-101 (US)
//! layout, which the specification uses for its base layout key; the layout actually in
//! use is not known here.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers, MediaKeyCode, ModifierKeyCode,
};
use std::fmt::Write;
use vte::ansi::KeyboardModes;

/// Unshifted and shifted symbols of the PC-101 layout.
const SHIFTED_SYMBOLS: [(char, char); 21] = [
    ('`', '~'),
    ('1', '!'),
    ('2', '@'),
    ('3', '#'),
    ('4', '$'),
    ('5', '%'),
    ('6', '^'),
    ('7', '&'),
    ('8', '*'),
    ('9', '('),
    ('0', ')'),
    ('-', '_'),
    ('=', '+'),
    ('[', '{'),
    (']', '}'),
    ('\\', '|'),
    (';', ':'),
    ('\'', '"'),
    (',', '<'),
    ('.', '>'),
    ('/', '?'),
];

const SHIFT_BIT: u32 = 1;

/// How a key is written under the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A key that types a character: its code, its shifted form when Shift is held and
    /// one is known, and the character it types with the modifiers held.
    Text {
        code: u32,
        shifted: Option<char>,
        typed: char,
    },
    /// Enter, Tab or Backspace: its legacy byte when unmodified, unless all keys are
    /// escape codes.
    Editing { code: u32, legacy: u8 },
    /// A key sent as `CSI number ; mods final`, `final` one of `u`, `~` or a letter.
    Functional { number: u32, final_byte: u8 },
    /// A modifier or lock key: reported only when all keys are escape codes.
    Modifier { number: u32 },
}

/// The bytes for `key` under `flags` (which include disambiguation, event types or all
/// keys as escape codes).
pub(super) fn encode(key: &KeyEvent, flags: KeyboardModes) -> Option<Vec<u8>> {
    let all_keys = flags.contains(KeyboardModes::REPORT_ALL_KEYS_AS_ESC);
    let event = match key.kind {
        _ if !flags.contains(KeyboardModes::REPORT_EVENT_TYPES) => None,
        KeyEventKind::Press => None,
        KeyEventKind::Repeat => Some(2),
        KeyEventKind::Release => Some(3),
    };
    let release = key.kind == KeyEventKind::Release;
    if release && event.is_none() {
        return None;
    }
    let (kind, modifiers) = classify(key)?;
    let bits = modifier_bits(modifiers);
    let locks = lock_bits(key.state);
    match kind {
        Key::Text { code, shifted, typed } => {
            // Only Shift leaves a key typing text; Ctrl, Alt and the others make it a
            // shortcut.
            let types_text = bits & !SHIFT_BIT == 0;
            let shifted = shifted.filter(|_| flags.contains(KeyboardModes::REPORT_ALTERNATE_KEYS));
            if !all_keys {
                if types_text {
                    // Text has no event types: a release sends nothing, a repeat the text.
                    return (!release).then(|| typed.to_string().into_bytes());
                }
                // Lock modifiers are not reported for text keys short of all keys.
                return Some(csi_u(code, shifted, 1 + bits, event, None));
            }
            let text = (flags.contains(KeyboardModes::REPORT_ASSOCIATED_TEXT)
                && types_text
                && !release
                && !typed.is_control())
            .then_some(typed);
            Some(csi_u(code, shifted, 1 + bits + locks, event, text))
        }
        Key::Editing { code, legacy } => {
            if !all_keys {
                // Left as they were so that a shell stays usable after a program that set
                // the mode ends without clearing it: no releases, legacy bytes unmodified.
                if release {
                    return None;
                }
                if bits == 0 {
                    return Some(vec![legacy]);
                }
            }
            Some(csi_u(code, None, 1 + bits + locks, event, None))
        }
        Key::Functional { number, final_byte } => {
            Some(functional(number, final_byte, 1 + bits + locks, event))
        }
        Key::Modifier { number } => all_keys.then(|| csi_u(number, None, 1 + bits + locks, event, None)),
    }
}

/// What `key` is under the protocol, and the modifiers it is reported with (NUL is
/// Ctrl-Space, Shift-Tab is Tab with Shift).
fn classify(key: &KeyEvent) -> Option<(Key, KeyModifiers)> {
    let mut modifiers = key.modifiers;
    let keypad = key.state.contains(KeyEventState::KEYPAD);
    let functional = |number, final_byte| Key::Functional { number, final_byte };
    let on_keypad = |keypad_number, number, final_byte| {
        if keypad {
            functional(keypad_number, b'u')
        } else {
            functional(number, final_byte)
        }
    };
    let kind = match key.code {
        KeyCode::Char(c) if keypad => match keypad_number(c) {
            Some(code) => Key::Text {
                code,
                shifted: None,
                typed: c,
            },
            None => text_key(c, modifiers.contains(KeyModifiers::SHIFT)),
        },
        KeyCode::Char(c) => text_key(c, modifiers.contains(KeyModifiers::SHIFT)),
        KeyCode::Null => {
            modifiers |= KeyModifiers::CONTROL;
            text_key(' ', modifiers.contains(KeyModifiers::SHIFT))
        }
        KeyCode::Enter if keypad => functional(57414, b'u'),
        KeyCode::Enter => Key::Editing {
            code: 13,
            legacy: b'\r',
        },
        KeyCode::BackTab => {
            modifiers |= KeyModifiers::SHIFT;
            Key::Editing {
                code: 9,
                legacy: b'\t',
            }
        }
        KeyCode::Tab => Key::Editing {
            code: 9,
            legacy: b'\t',
        },
        KeyCode::Backspace => Key::Editing {
            code: 127,
            legacy: 0x7f,
        },
        KeyCode::Esc => functional(27, b'u'),
        KeyCode::Left => on_keypad(57417, 1, b'D'),
        KeyCode::Right => on_keypad(57418, 1, b'C'),
        KeyCode::Up => on_keypad(57419, 1, b'A'),
        KeyCode::Down => on_keypad(57420, 1, b'B'),
        KeyCode::PageUp => on_keypad(57421, 5, b'~'),
        KeyCode::PageDown => on_keypad(57422, 6, b'~'),
        KeyCode::Home => on_keypad(57423, 1, b'H'),
        KeyCode::End => on_keypad(57424, 1, b'F'),
        KeyCode::Insert => on_keypad(57425, 2, b'~'),
        KeyCode::Delete => on_keypad(57426, 3, b'~'),
        KeyCode::KeypadBegin => functional(1, b'E'),
        KeyCode::F(1) => functional(1, b'P'),
        KeyCode::F(2) => functional(1, b'Q'),
        // Not `CSI R`, which is also a cursor position report.
        KeyCode::F(3) => functional(13, b'~'),
        KeyCode::F(4) => functional(1, b'S'),
        KeyCode::F(n @ 5..=12) => {
            const NUMBERS: [u32; 8] = [15, 17, 18, 19, 20, 21, 23, 24];
            functional(NUMBERS[usize::from(n - 5)], b'~')
        }
        KeyCode::F(n @ 13..=35) => functional(57376 + u32::from(n - 13), b'u'),
        KeyCode::CapsLock => Key::Modifier { number: 57358 },
        KeyCode::ScrollLock => Key::Modifier { number: 57359 },
        KeyCode::NumLock => Key::Modifier { number: 57360 },
        KeyCode::PrintScreen => functional(57361, b'u'),
        KeyCode::Pause => functional(57362, b'u'),
        KeyCode::Menu => functional(57363, b'u'),
        KeyCode::Media(media) => functional(media_number(media), b'u'),
        KeyCode::Modifier(modifier) => Key::Modifier {
            number: modifier_number(modifier),
        },
        _ => return None,
    };
    Some((kind, modifiers))
}

/// A key that types `c` (as the event reports it: already shifted when Shift is held).
fn text_key(c: char, shift: bool) -> Key {
    let (base, shifted) = if shift {
        match unshifted(c) {
            Some(base) => (base, Some(c)),
            None => (c, shifted_form(c)),
        }
    } else {
        // The code is always the unshifted key: caps lock types `A` on the `a` key.
        (unshifted(c).filter(|_| c.is_alphabetic()).unwrap_or(c), None)
    };
    let typed = match shifted {
        Some(shifted) if shift => shifted,
        _ => c,
    };
    Key::Text {
        code: u32::from(base),
        shifted,
        typed,
    }
}

/// The unshifted form of a shifted character (`A` → `a`, `?` → `/`).
fn unshifted(c: char) -> Option<char> {
    if let Some(&(base, _)) = SHIFTED_SYMBOLS.iter().find(|&&(_, shifted)| shifted == c) {
        return Some(base);
    }
    single(c.to_lowercase()).filter(|&lower| lower != c)
}

/// The shifted form of an unshifted character (`a` → `A`, `/` → `?`).
fn shifted_form(c: char) -> Option<char> {
    if let Some(&(_, shifted)) = SHIFTED_SYMBOLS.iter().find(|&&(base, _)| base == c) {
        return Some(shifted);
    }
    single(c.to_uppercase()).filter(|&upper| upper != c)
}

/// The only character of `chars`, if it has exactly one.
fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The keypad's own numbers for the characters it types.
fn keypad_number(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => 57399 + c.to_digit(10)?,
        '.' => 57409,
        '/' => 57410,
        '*' => 57411,
        '-' => 57412,
        '+' => 57413,
        '=' => 57415,
        ',' => 57416,
        _ => return None,
    })
}

fn media_number(media: MediaKeyCode) -> u32 {
    match media {
        MediaKeyCode::Play => 57428,
        MediaKeyCode::Pause => 57429,
        MediaKeyCode::PlayPause => 57430,
        MediaKeyCode::Reverse => 57431,
        MediaKeyCode::Stop => 57432,
        MediaKeyCode::FastForward => 57433,
        MediaKeyCode::Rewind => 57434,
        MediaKeyCode::TrackNext => 57435,
        MediaKeyCode::TrackPrevious => 57436,
        MediaKeyCode::Record => 57437,
        MediaKeyCode::LowerVolume => 57438,
        MediaKeyCode::RaiseVolume => 57439,
        MediaKeyCode::MuteVolume => 57440,
    }
}

fn modifier_number(modifier: ModifierKeyCode) -> u32 {
    match modifier {
        ModifierKeyCode::LeftShift => 57441,
        ModifierKeyCode::LeftControl => 57442,
        ModifierKeyCode::LeftAlt => 57443,
        ModifierKeyCode::LeftSuper => 57444,
        ModifierKeyCode::LeftHyper => 57445,
        ModifierKeyCode::LeftMeta => 57446,
        ModifierKeyCode::RightShift => 57447,
        ModifierKeyCode::RightControl => 57448,
        ModifierKeyCode::RightAlt => 57449,
        ModifierKeyCode::RightSuper => 57450,
        ModifierKeyCode::RightHyper => 57451,
        ModifierKeyCode::RightMeta => 57452,
        ModifierKeyCode::IsoLevel3Shift => 57453,
        ModifierKeyCode::IsoLevel5Shift => 57454,
    }
}

/// The protocol's bits of the modifier keys held.
fn modifier_bits(modifiers: KeyModifiers) -> u32 {
    [
        (KeyModifiers::SHIFT, SHIFT_BIT),
        (KeyModifiers::ALT, 2),
        (KeyModifiers::CONTROL, 4),
        (KeyModifiers::SUPER, 8),
        (KeyModifiers::HYPER, 16),
        (KeyModifiers::META, 32),
    ]
    .into_iter()
    .filter(|&(modifier, _)| modifiers.contains(modifier))
    .map(|(_, bit)| bit)
    .sum()
}

/// The protocol's bits of the locks on.
fn lock_bits(state: KeyEventState) -> u32 {
    let mut bits = 0;
    if state.contains(KeyEventState::CAPS_LOCK) {
        bits |= 64;
    }
    if state.contains(KeyEventState::NUM_LOCK) {
        bits |= 128;
    }
    bits
}

/// `CSI code[:shifted] [; mods[:event]] [; text] u`, leaving out what has its default.
fn csi_u(code: u32, shifted: Option<char>, mods: u32, event: Option<u8>, text: Option<char>) -> Vec<u8> {
    let mut sequence = format!("\x1b[{code}");
    if let Some(shifted) = shifted {
        let _ = write!(sequence, ":{}", u32::from(shifted));
    }
    if mods > 1 || event.is_some() || text.is_some() {
        sequence.push(';');
    }
    if mods > 1 || event.is_some() {
        let _ = write!(sequence, "{mods}");
        if let Some(event) = event {
            let _ = write!(sequence, ":{event}");
        }
    }
    if let Some(text) = text {
        let _ = write!(sequence, ";{}", u32::from(text));
    }
    sequence.push('u');
    sequence.into_bytes()
}

/// A functional key: `CSI number ; mods[:event] final`; without modifiers or event,
/// `CSI number ~` or `CSI X` (the number 1 left out).
fn functional(number: u32, final_byte: u8, mods: u32, event: Option<u8>) -> Vec<u8> {
    if final_byte == b'u' {
        return csi_u(number, None, mods, event, None);
    }
    let mut sequence = String::from("\x1b[");
    if mods > 1 || event.is_some() {
        let _ = write!(sequence, "{number};{mods}");
        if let Some(event) = event {
            let _ = write!(sequence, ":{event}");
        }
    } else if final_byte == b'~' {
        let _ = write!(sequence, "{number}");
    }
    sequence.push(char::from(final_byte));
    sequence.into_bytes()
}

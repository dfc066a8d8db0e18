//! Complete CSI and SS3 sequences from the terminal, read as what they report: a key, a
//! mouse event, a focus change, the start of a paste, or a reply that is no input.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventState, KeyModifiers};

use super::keys::{key_event, letter_key, modifier_param, ss3_keypad_key, tilde_key, unicode_key};
use super::mouse::{mouse_event, normal_report};

/// What a complete sequence means.
#[derive(Debug, PartialEq)]
pub(super) enum Decoded {
    /// A key; an ESC before the sequence adds Alt.
    Key(KeyEvent),
    /// Any other event (mouse, focus); an ESC before it was the Esc key.
    Event(Event),
    /// `CSI 200 ~`: a bracketed paste begins.
    PasteStart,
    /// Not input: kept as a reply for whoever asked the terminal.
    Reply,
    /// Consumed without a trace: a stray paste end, a mouse button without a name.
    Nothing,
}

/// The parts of `CSI [private] params [intermediates] final`.
struct Csi<'a> {
    /// `<`, `=`, `>` or `?` right after the introducer.
    private: Option<u8>,
    /// Parameters split at `;`, each split at `:`; an empty one is `None`.
    params: Vec<Vec<Option<u32>>>,
    intermediates: &'a [u8],
    final_byte: u8,
}

impl Csi<'_> {
    /// Sub-parameter `sub` of parameter `index`.
    fn get(&self, index: usize, sub: usize) -> Option<u32> {
        self.params.get(index)?.get(sub).copied().flatten()
    }

    /// The key `code` with the modifier parameter (the second) and its event type
    /// sub-parameter.
    fn key(&self, code: KeyCode, state: KeyEventState) -> Decoded {
        Decoded::Key(key_event(code, state, self.get(1, 0), self.get(1, 1)))
    }

    /// `CSI R` or `CSI 1 ; m R`: F3, in xterm's encoding, when `m` is a modifier xterm
    /// sends. The same bytes are a cursor position report for row 1; the app does not
    /// ask for cursor positions.
    fn is_f3(&self) -> bool {
        self.params.is_empty()
            || (self.get(0, 0) == Some(1) && (2..=16).contains(&self.get(1, 0).unwrap_or(0)))
    }
}

/// Splits `sequence` (`ESC [ … final`); `None` when its bytes are out of order (a private
/// marker after a parameter, a parameter after an intermediate).
fn parse(sequence: &[u8]) -> Option<Csi<'_>> {
    let (&final_byte, body) = sequence.get(2..)?.split_last()?;
    let (private, body) = match body.split_first() {
        Some((&marker @ b'<'..=b'?', rest)) => (Some(marker), rest),
        _ => (None, body),
    };
    let split = body
        .iter()
        .position(|byte| (0x20..=0x2f).contains(byte))
        .unwrap_or(body.len());
    let (digits, intermediates) = body.split_at(split);
    if intermediates.iter().any(|byte| !(0x20..=0x2f).contains(byte)) {
        return None;
    }
    let mut params = Vec::new();
    if !digits.is_empty() {
        for param in digits.split(|&byte| byte == b';') {
            let mut subs = Vec::new();
            for sub in param.split(|&byte| byte == b':') {
                subs.push(number(sub)?);
            }
            params.push(subs);
        }
    }
    Some(Csi {
        private,
        params,
        intermediates,
        final_byte,
    })
}

/// A decimal parameter, saturating; `Some(None)` when empty, `None` when not digits.
fn number(digits: &[u8]) -> Option<Option<u32>> {
    if digits.is_empty() {
        return Some(None);
    }
    let mut value: u32 = 0;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        value = value.saturating_mul(10).saturating_add(u32::from(digit - b'0'));
    }
    Some(Some(value))
}

/// What the complete CSI sequence `sequence` (`ESC [ … final`) means.
pub(super) fn decode_csi(sequence: &[u8]) -> Decoded {
    if let [0x1b, b'[', b'M', code, column, row] = *sequence {
        return normal_report(code, column, row)
            .map_or(Decoded::Nothing, |mouse| Decoded::Event(Event::Mouse(mouse)));
    }
    let Some(csi) = parse(sequence) else {
        return Decoded::Reply;
    };
    if !csi.intermediates.is_empty() {
        return Decoded::Reply;
    }
    match (csi.private, csi.final_byte) {
        (Some(b'<'), final_byte @ (b'M' | b'm')) => match (csi.get(0, 0), csi.get(1, 0), csi.get(2, 0)) {
            (Some(code), Some(column), Some(row)) => mouse_event(code, column, row, final_byte == b'm')
                .map_or(Decoded::Nothing, |mouse| Decoded::Event(Event::Mouse(mouse))),
            _ => Decoded::Reply,
        },
        (Some(_), _) => Decoded::Reply,
        (None, b'M') => urxvt_mouse(&csi),
        (None, b'I') if csi.params.is_empty() => Decoded::Event(Event::FocusGained),
        (None, b'O') if csi.params.is_empty() => Decoded::Event(Event::FocusLost),
        (None, b'~') => tilde(&csi),
        (None, b'u') => kitty_key(&csi),
        // Shift-Tab; crossterm reports it with SHIFT.
        (None, b'Z') => {
            let mut key = key_event(
                KeyCode::BackTab,
                KeyEventState::NONE,
                csi.get(1, 0),
                csi.get(1, 1),
            );
            key.modifiers |= KeyModifiers::SHIFT;
            Decoded::Key(key)
        }
        (None, b'R') if csi.is_f3() => csi.key(KeyCode::F(3), KeyEventState::NONE),
        (None, b'R') => Decoded::Reply,
        (None, final_byte) => match letter_key(final_byte) {
            Some((code, state)) if matches!(csi.get(0, 0), None | Some(1)) => csi.key(code, state),
            _ => Decoded::Reply,
        },
    }
}

/// `CSI n ; m ~`: the editing keypad, function keys, paste start and end, and xterm's
/// `CSI 27 ; m ; code ~` (modifyOtherKeys).
fn tilde(csi: &Csi) -> Decoded {
    match csi.get(0, 0) {
        Some(200) => Decoded::PasteStart,
        // An end without a start: nothing to end.
        Some(201) => Decoded::Nothing,
        Some(27) => {
            let Some(code) = csi.get(2, 0) else {
                return Decoded::Reply;
            };
            let (modifiers, _) = modifier_param(csi.get(1, 0));
            match unicode_key(code, None, modifiers.contains(KeyModifiers::SHIFT)) {
                Some((code, state)) => Decoded::Key(key_event(code, state, csi.get(1, 0), None)),
                None => Decoded::Reply,
            }
        }
        Some(number) => match tilde_key(number) {
            Some((code, state)) => csi.key(code, state),
            None => Decoded::Reply,
        },
        None => Decoded::Reply,
    }
}

/// The kitty keyboard protocol's `CSI code[:shifted[:base]] ; mods[:event] ; text u`.
///
/// A shortcut (Ctrl, Alt or Super held) on a key of a non-Latin layout is reported as
/// its base layout key when the terminal gives one: Ctrl with the key of `b` is Ctrl-b
/// whatever the layout types there, as legacy terminals send it.
fn kitty_key(csi: &Csi) -> Decoded {
    let Some(code) = csi.get(0, 0) else {
        return Decoded::Reply;
    };
    let (modifiers, _) = modifier_param(csi.get(1, 0));
    let shift = modifiers.contains(KeyModifiers::SHIFT);
    let shortcut = modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SUPER);
    let (code, shifted) = match csi.get(0, 2) {
        Some(base) if shortcut && code > 0x7f && (0x20..0x7f).contains(&base) => (base, None),
        _ => (code, csi.get(0, 1)),
    };
    match unicode_key(code, shifted, shift) {
        // Shift-Tab is BackTab, as `CSI Z` reports it.
        Some((KeyCode::Tab, state)) if shift => csi.key(KeyCode::BackTab, state),
        Some((code, state)) => csi.key(code, state),
        None => Decoded::Reply,
    }
}

/// urxvt's `CSI b ; x ; y M`, with the button code plus 32 as in the normal encoding.
fn urxvt_mouse(csi: &Csi) -> Decoded {
    match (csi.get(0, 0), csi.get(1, 0), csi.get(2, 0)) {
        (Some(code), Some(column), Some(row)) if code >= 32 && csi.params.len() == 3 => {
            mouse_event(code - 32, column, row, false)
                .map_or(Decoded::Nothing, |mouse| Decoded::Event(Event::Mouse(mouse)))
        }
        _ => Decoded::Reply,
    }
}

/// What the complete SS3 sequence `sequence` (`ESC O [digits] final`) means: cursor
/// keys, F1 to F4 and the keypad in application mode. Digits before the final byte, as
/// some terminals send, are the modifier parameter.
pub(super) fn decode_ss3(sequence: &[u8]) -> Decoded {
    let Some((&final_byte, body)) = sequence.get(2..).and_then(<[u8]>::split_last) else {
        return Decoded::Reply;
    };
    let modifier = match body.rsplit(|&byte| byte == b';').next().map(number) {
        Some(Some(modifier)) => modifier,
        _ => return Decoded::Reply,
    };
    let key = |code, state| Decoded::Key(key_event(code, state, modifier, None));
    if let Some((code, state)) = letter_key(final_byte) {
        return key(code, state);
    }
    match ss3_keypad_key(final_byte) {
        Some(code) => key(code, KeyEventState::KEYPAD),
        None => Decoded::Reply,
    }
}

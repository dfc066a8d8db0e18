//! The vte state machine as data: 14 states, and for every (state, byte) pair the next
//! state and the action to take.
//!
//! This table is the single source of truth for every backend. The `cpu-scan` backend runs
//! it directly; the GPU backends get it generated from [`TABLE`] and [`transition_functions`].
//!
//! It follows the DEC ANSI parser (<https://vt100.net/emu/dec_ansi_parser>) with the
//! behaviour of `vte` 0.15:
//! - only 7-bit introducers: 0x80–0xff never start or end a sequence, except 0x9c (ST),
//!   which ends a DCS passthrough;
//! - ground handles every byte but ESC as UTF-8 text (C0 and C1 controls come out of the
//!   decoder as `execute`), so ground never changes state except on ESC;
//! - `:` is a subparameter separator, not a reason to ignore the sequence;
//! - an OSC string ends on BEL, CAN, SUB or ESC; CAN and SUB are executed after the
//!   dispatch, ESC starts a new escape sequence;
//! - C0 controls are executed inside escape and CSI sequences, ignored inside DCS
//!   headers, OSC and SOS/PM/APC strings, and passed to `put` inside a DCS passthrough.

/// A parser state. The discriminant is the state's index in [`TABLE`] and its nibble in a
/// transition function.
///
/// ```
/// use perdix::parse::State;
/// assert_eq!(State::Ground as u8, 0);
/// assert_eq!(State::from_index(12), State::OscString);
/// assert_eq!(State::ALL.len(), 14);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum State {
    /// Text and controls.
    #[default]
    Ground = 0,
    /// After ESC.
    Escape = 1,
    /// After ESC and at least one intermediate byte.
    EscapeIntermediate = 2,
    /// After CSI (`ESC [`).
    CsiEntry = 3,
    /// Inside CSI parameters.
    CsiParam = 4,
    /// After a CSI intermediate byte.
    CsiIntermediate = 5,
    /// A malformed CSI sequence, skipped up to its final byte.
    CsiIgnore = 6,
    /// After DCS (`ESC P`).
    DcsEntry = 7,
    /// Inside DCS parameters.
    DcsParam = 8,
    /// After a DCS intermediate byte.
    DcsIntermediate = 9,
    /// Inside the data of a DCS string (bytes go to `put`).
    DcsPassthrough = 10,
    /// A malformed DCS string, skipped up to its terminator.
    DcsIgnore = 11,
    /// Inside an OSC string (`ESC ]`).
    OscString = 12,
    /// Inside an SOS, PM or APC string (`ESC X`, `ESC ^`, `ESC _`), all ignored.
    SosPmApcString = 13,
}

/// Number of parser states.
pub const STATE_COUNT: usize = 14;

impl State {
    /// Every state, in index order.
    pub const ALL: [State; STATE_COUNT] = [
        State::Ground,
        State::Escape,
        State::EscapeIntermediate,
        State::CsiEntry,
        State::CsiParam,
        State::CsiIntermediate,
        State::CsiIgnore,
        State::DcsEntry,
        State::DcsParam,
        State::DcsIntermediate,
        State::DcsPassthrough,
        State::DcsIgnore,
        State::OscString,
        State::SosPmApcString,
    ];

    /// The state with index `index`; indices past the last state map to [`State::Ground`],
    /// so corrupt device memory still decodes.
    pub const fn from_index(index: u8) -> State {
        if (index as usize) < STATE_COUNT {
            State::ALL[index as usize]
        } else {
            State::Ground
        }
    }
}

/// What a byte does, besides moving the machine to its next state. Actions that leave a
/// string (OSC end, unhook) come first in the combined variants, as `vte` calls them.
///
/// ```
/// use perdix::parse::{transition, Action, State};
/// let t = transition(State::CsiParam, b'm');
/// assert_eq!((t.next, t.action), (State::Ground, Action::CsiDispatch));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Action {
    /// Nothing.
    Ignore = 0,
    /// A ground byte: part of the UTF-8 text that is decoded into prints and executes.
    Ground = 1,
    /// `execute(byte)`.
    Execute = 2,
    /// Start a new sequence: forget parameters, intermediates and the ignore flag.
    Clear = 3,
    /// Store an intermediate (or private-marker) byte.
    Collect = 4,
    /// A parameter digit.
    Param = 5,
    /// `;`: end the parameter group.
    ParamSeparator = 6,
    /// `:`: end the subparameter, the group goes on.
    SubparamSeparator = 7,
    /// `esc_dispatch`.
    EscDispatch = 8,
    /// `csi_dispatch`.
    CsiDispatch = 9,
    /// `hook`: a DCS header ended, its data follows.
    Hook = 10,
    /// `put(byte)`.
    Put = 11,
    /// `unhook`: the DCS string ended (0x9c).
    Unhook = 12,
    /// Start an OSC string.
    OscStart = 13,
    /// An OSC payload byte.
    OscPut = 14,
    /// `;` inside an OSC string.
    OscSeparator = 15,
    /// `osc_dispatch(.., bell_terminated = true)`.
    OscEndBell = 16,
    /// `osc_dispatch(.., false)`, then start a new sequence (ESC).
    OscEndClear = 17,
    /// `osc_dispatch(.., false)`, then `execute(byte)` (CAN, SUB).
    OscEndExecute = 18,
    /// `unhook`, then start a new sequence (ESC).
    UnhookClear = 19,
    /// `unhook`, then `execute(byte)` (CAN, SUB).
    UnhookExecute = 20,
}

impl Action {
    /// Every action, in code order.
    pub const ALL: [Action; 21] = [
        Action::Ignore,
        Action::Ground,
        Action::Execute,
        Action::Clear,
        Action::Collect,
        Action::Param,
        Action::ParamSeparator,
        Action::SubparamSeparator,
        Action::EscDispatch,
        Action::CsiDispatch,
        Action::Hook,
        Action::Put,
        Action::Unhook,
        Action::OscStart,
        Action::OscPut,
        Action::OscSeparator,
        Action::OscEndBell,
        Action::OscEndClear,
        Action::OscEndExecute,
        Action::UnhookClear,
        Action::UnhookExecute,
    ];
}

/// One table entry: where a byte takes the machine and what it does on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    /// The state after the byte.
    pub next: State,
    /// The action the byte performs.
    pub action: Action,
}

impl Transition {
    /// Packs the entry as `next | action << 8`, the form the device tables use.
    pub const fn packed(self) -> u16 {
        self.next as u16 | (self.action as u16) << 8
    }
}

/// The whole machine: `TABLE[state][byte]`.
pub static TABLE: [[Transition; 256]; STATE_COUNT] = build_table();

/// The entry for `byte` in `state`.
#[inline]
pub fn transition(state: State, byte: u8) -> Transition {
    TABLE[state as usize][byte as usize]
}

const fn t(next: State, action: Action) -> Transition {
    Transition { next, action }
}

/// A rule: bytes `lo..=hi` in the state go to `next` doing `action`.
type Rule = (u8, u8, State, Action);

const fn apply(row: &mut [Transition; 256], rules: &[Rule]) {
    let mut r = 0;
    while r < rules.len() {
        let (lo, hi, next, action) = rules[r];
        let mut byte = lo as usize;
        while byte <= hi as usize {
            row[byte] = t(next, action);
            byte += 1;
        }
        r += 1;
    }
}

/// C0 controls other than CAN, SUB and ESC, which every state handles on its own.
const fn c0(next: State, action: Action) -> [Rule; 4] {
    [
        (0x00, 0x17, next, action),
        (0x19, 0x19, next, action),
        (0x1c, 0x1f, next, action),
        (0x7f, 0xff, next, Action::Ignore),
    ]
}

const fn build_table() -> [[Transition; 256]; STATE_COUNT] {
    use Action as A;
    use State as S;
    let mut table = [[t(S::Ground, A::Ignore); 256]; STATE_COUNT];
    let mut s = 0;
    while s < STATE_COUNT {
        let state = State::ALL[s];
        let row = &mut table[s];
        // Everything stays put and does nothing unless a rule below says otherwise.
        apply(row, &[(0x00, 0xff, state, A::Ignore)]);
        // Anywhere: ESC starts a sequence, CAN and SUB abort one and are executed. Strings
        // finish first (OSC dispatch, unhook).
        let (esc, cancel) = match state {
            S::OscString => (A::OscEndClear, A::OscEndExecute),
            S::DcsPassthrough => (A::UnhookClear, A::UnhookExecute),
            S::Ground => (A::Clear, A::Ground),
            _ => (A::Clear, A::Execute),
        };
        apply(
            row,
            &[
                (0x18, 0x18, S::Ground, cancel),
                (0x1a, 0x1a, S::Ground, cancel),
                (0x1b, 0x1b, S::Escape, esc),
            ],
        );
        match state {
            S::Ground => {
                apply(
                    row,
                    &[
                        (0x00, 0x17, S::Ground, A::Ground),
                        (0x19, 0x19, S::Ground, A::Ground),
                    ],
                );
                apply(row, &[(0x1c, 0xff, S::Ground, A::Ground)]);
            }
            S::Escape => {
                apply(row, &c0(S::Escape, A::Execute));
                apply(row, &[(0x20, 0x2f, S::EscapeIntermediate, A::Collect)]);
                apply(row, &[(0x30, 0x7e, S::Ground, A::EscDispatch)]);
                apply(
                    row,
                    &[
                        (b'P', b'P', S::DcsEntry, A::Clear),
                        (b'[', b'[', S::CsiEntry, A::Clear),
                    ],
                );
                apply(row, &[(b']', b']', S::OscString, A::OscStart)]);
                let sos = S::SosPmApcString;
                apply(row, &[(b'X', b'X', sos, A::Ignore), (b'^', b'_', sos, A::Ignore)]);
            }
            S::EscapeIntermediate => {
                apply(row, &c0(S::EscapeIntermediate, A::Execute));
                apply(row, &[(0x20, 0x2f, S::EscapeIntermediate, A::Collect)]);
                apply(row, &[(0x30, 0x7e, S::Ground, A::EscDispatch)]);
            }
            S::CsiEntry | S::CsiParam => {
                apply(row, &c0(state, A::Execute));
                apply(row, &[(0x20, 0x2f, S::CsiIntermediate, A::Collect)]);
                apply(
                    row,
                    &[
                        (0x30, 0x39, S::CsiParam, A::Param),
                        (0x3a, 0x3a, S::CsiParam, A::SubparamSeparator),
                    ],
                );
                apply(row, &[(0x3b, 0x3b, S::CsiParam, A::ParamSeparator)]);
                let marker = if s == S::CsiEntry as usize {
                    t(S::CsiParam, A::Collect)
                } else {
                    t(S::CsiIgnore, A::Ignore)
                };
                apply(row, &[(0x3c, 0x3f, marker.next, marker.action)]);
                apply(row, &[(0x40, 0x7e, S::Ground, A::CsiDispatch)]);
            }
            S::CsiIntermediate => {
                apply(row, &c0(S::CsiIntermediate, A::Execute));
                apply(
                    row,
                    &[
                        (0x20, 0x2f, S::CsiIntermediate, A::Collect),
                        (0x30, 0x3f, S::CsiIgnore, A::Ignore),
                    ],
                );
                apply(row, &[(0x40, 0x7e, S::Ground, A::CsiDispatch)]);
            }
            S::CsiIgnore => {
                apply(row, &c0(S::CsiIgnore, A::Execute));
                apply(row, &[(0x40, 0x7e, S::Ground, A::Ignore)]);
            }
            S::DcsEntry | S::DcsParam => {
                apply(row, &[(0x20, 0x2f, S::DcsIntermediate, A::Collect)]);
                apply(
                    row,
                    &[
                        (0x30, 0x39, S::DcsParam, A::Param),
                        (0x3a, 0x3a, S::DcsParam, A::SubparamSeparator),
                    ],
                );
                apply(row, &[(0x3b, 0x3b, S::DcsParam, A::ParamSeparator)]);
                let marker = if s == S::DcsEntry as usize {
                    t(S::DcsParam, A::Collect)
                } else {
                    t(S::DcsIgnore, A::Ignore)
                };
                apply(row, &[(0x3c, 0x3f, marker.next, marker.action)]);
                apply(row, &[(0x40, 0x7e, S::DcsPassthrough, A::Hook)]);
            }
            S::DcsIntermediate => {
                apply(
                    row,
                    &[
                        (0x20, 0x2f, S::DcsIntermediate, A::Collect),
                        (0x30, 0x3f, S::DcsIgnore, A::Ignore),
                    ],
                );
                apply(row, &[(0x40, 0x7e, S::DcsPassthrough, A::Hook)]);
            }
            S::DcsPassthrough => {
                apply(
                    row,
                    &[
                        (0x00, 0x17, S::DcsPassthrough, A::Put),
                        (0x19, 0x19, S::DcsPassthrough, A::Put),
                    ],
                );
                apply(
                    row,
                    &[
                        (0x1c, 0x7e, S::DcsPassthrough, A::Put),
                        (0x9c, 0x9c, S::Ground, A::Unhook),
                    ],
                );
            }
            S::OscString => {
                apply(
                    row,
                    &[
                        (0x07, 0x07, S::Ground, A::OscEndBell),
                        (0x20, 0xff, S::OscString, A::OscPut),
                    ],
                );
                apply(row, &[(b';', b';', S::OscString, A::OscSeparator)]);
            }
            S::DcsIgnore | S::SosPmApcString => {}
        }
        s += 1;
    }
    table
}

/// [`TABLE`] flattened for a device buffer: entry `state * 256 + byte` is the
/// [`Transition::packed`] form (`next | action << 8`).
///
/// ```
/// use perdix::parse::table::{packed_table, transition, State};
/// let table = packed_table();
/// assert_eq!(table.len(), 14 * 256);
/// assert_eq!(table[State::CsiParam as usize * 256 + b'm' as usize], transition(State::CsiParam, b'm').packed());
/// ```
pub fn packed_table() -> &'static [u16; STATE_COUNT * 256] {
    static PACKED: [u16; STATE_COUNT * 256] = {
        let table = build_table();
        let mut packed = [0u16; STATE_COUNT * 256];
        let mut index = 0;
        while index < STATE_COUNT * 256 {
            packed[index] = table[index / 256][index % 256].packed();
            index += 1;
        }
        packed
    };
    &PACKED
}

/// The transition function of every byte: nibble `s` of `transition_functions()[byte]` is
/// the state `byte` moves state `s` to. Bits 56–63 are zero.
///
/// ```
/// use perdix::parse::{apply_function, transition_functions, State};
/// let functions = transition_functions();
/// // ESC sends every state to Escape.
/// for state in State::ALL {
///     assert_eq!(apply_function(functions[0x1b], state), State::Escape);
/// }
/// ```
pub fn transition_functions() -> &'static [u64; 256] {
    static FUNCTIONS: [u64; 256] = build_functions();
    &FUNCTIONS
}

const fn build_functions() -> [u64; 256] {
    let table = build_table();
    let mut functions = [0u64; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut s = 0;
        while s < STATE_COUNT {
            functions[byte] |= (table[s][byte].next as u64) << (4 * s);
            s += 1;
        }
        byte += 1;
    }
    functions
}

/// The identity function: every state maps to itself.
pub const IDENTITY_FUNCTION: u64 = {
    let mut f = 0u64;
    let mut s = 0;
    while s < STATE_COUNT {
        f |= (s as u64) << (4 * s);
        s += 1;
    }
    f
};

/// Where function `f` sends `state`.
#[inline]
pub fn apply_function(f: u64, state: State) -> State {
    State::from_index(((f >> (4 * state as u32)) & 0xf) as u8)
}

/// The function "first `first`, then `then`". Associative, so any grouping of a byte
/// string's functions gives the same result, which is what makes a parallel scan legal.
///
/// ```
/// use perdix::parse::{apply_function, compose, transition_functions, State};
/// let f = transition_functions();
/// let csi = compose(f[0x1b], f[b'[' as usize]);
/// assert_eq!(apply_function(csi, State::Ground), State::CsiEntry);
/// assert_eq!(apply_function(compose(csi, f[b'm' as usize]), State::OscString), State::Ground);
/// ```
#[inline]
pub fn compose(first: u64, then: u64) -> u64 {
    let mut out = 0;
    for s in 0..STATE_COUNT as u32 {
        let middle = (first >> (4 * s)) & 0xf;
        out |= ((then >> (4 * middle)) & 0xf) << (4 * s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_in_range_and_functions_match_the_table() {
        let functions = transition_functions();
        for state in State::ALL {
            for byte in 0..=255u8 {
                let entry = transition(state, byte);
                assert_eq!(apply_function(functions[byte as usize], state), entry.next);
                assert_eq!(Action::ALL[entry.action as usize], entry.action);
            }
        }
    }

    #[test]
    fn cancel_and_escape_are_constant_functions() {
        let functions = transition_functions();
        for state in State::ALL {
            assert_eq!(apply_function(functions[0x18], state), State::Ground);
            assert_eq!(apply_function(functions[0x1a], state), State::Ground);
            assert_eq!(apply_function(functions[0x1b], state), State::Escape);
        }
    }

    #[test]
    fn composition_is_associative_on_sampled_triples() {
        let f = transition_functions();
        let bytes = [
            0x1b, b'[', b'1', b';', b'm', b']', 0x07, b'P', b'q', 0x9c, 0x18, b' ', b'?',
        ];
        for &a in &bytes {
            for &b in &bytes {
                for &c in &bytes {
                    let (fa, fb, fc) = (f[a as usize], f[b as usize], f[c as usize]);
                    assert_eq!(compose(compose(fa, fb), fc), compose(fa, compose(fb, fc)));
                }
            }
        }
        assert_eq!(compose(IDENTITY_FUNCTION, f[b'm' as usize]), f[b'm' as usize]);
    }
}

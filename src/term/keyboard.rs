//! What a pane's program asked of the keyboard: the kitty keyboard protocol's flags and
//! xterm's modifyOtherKeys level, so that its keys can be encoded the way it reads them.
//!
//! The kitty flags live in the model: `Term` keeps a stack of them per screen (main and
//! alternate) and shows the active ones as `TermMode` bits. Two gaps of `Term` 0.26 are
//! closed here, around it:
//!
//! - A push onto a full stack panics in `Term` (it evicts from the wrong stack). The
//!   depth of each screen's stack is counted here, and a push onto a stack of
//!   [`KEYBOARD_STACK_LIMIT`] entries replaces the top entry instead.
//! - `Term` does not track modifyOtherKeys (`CSI > 4 ; n m`) nor answer its query
//!   (`CSI ? 4 m`); both are done here. The kitty query (`CSI ? u`) is answered here too,
//!   with the flags in effect, which `CSI = flags ; mode u` may have changed without
//!   touching the stack `Term` answers from.
//!
//! The sequences are read by the same dispatch as every other control sequence (so their
//! parameters mean exactly what `vte::ansi::Processor` makes of them), into a recorder
//! whose calls are then applied to the model.

use super::events::PaneListener;
use super::replay::Replayer;
use crate::parse::DecodedAction;
use alacritty_terminal::term::{Term, TermMode};
use vte::ansi::{Handler, KeyboardModes, KeyboardModesApplyBehavior, ModifyOtherKeys};

/// The most entries a pane's kitty flag stack holds on each screen; a push beyond it
/// replaces the top entry. Programs nest a few; this bounds one that pushes in a loop.
pub const KEYBOARD_STACK_LIMIT: usize = 256;

/// One keyboard-protocol request of a program.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Request {
    Push(KeyboardModes),
    Pop(u16),
    Set(KeyboardModes, KeyboardModesApplyBehavior),
    Report,
    ModifyOtherKeys(ModifyOtherKeys),
    ReportModifyOtherKeys,
}

/// A handler that only records keyboard-protocol requests.
#[derive(Default)]
struct Recorder(Vec<Request>);

impl Handler for Recorder {
    fn push_keyboard_mode(&mut self, mode: KeyboardModes) {
        self.0.push(Request::Push(mode));
    }

    fn pop_keyboard_modes(&mut self, to_pop: u16) {
        self.0.push(Request::Pop(to_pop));
    }

    fn set_keyboard_mode(&mut self, mode: KeyboardModes, behavior: KeyboardModesApplyBehavior) {
        self.0.push(Request::Set(mode, behavior));
    }

    fn report_keyboard_mode(&mut self) {
        self.0.push(Request::Report);
    }

    fn set_modify_other_keys(&mut self, mode: ModifyOtherKeys) {
        self.0.push(Request::ModifyOtherKeys(mode));
    }

    fn report_modify_other_keys(&mut self) {
        self.0.push(Request::ReportModifyOtherKeys);
    }
}

/// Whether `action` is one of the keyboard-protocol sequences: `CSI [<=>?] … u` (kitty)
/// or `CSI [>?] … m` (modifyOtherKeys). The dispatch makes no other handler call for
/// these, so recording their calls instead of making them loses nothing.
pub(super) fn is_keyboard_sequence(action: &DecodedAction<'_>) -> bool {
    match action {
        DecodedAction::Csi {
            intermediates,
            action,
            ..
        } => matches!(
            (*action, intermediates.as_slice().first()),
            (b'u', Some(b'<' | b'=' | b'>' | b'?')) | (b'm', Some(b'>' | b'?'))
        ),
        _ => false,
    }
}

/// Whether `action` is RIS (`ESC c`), after which `Term` has empty flag stacks.
pub(super) fn is_full_reset(action: &DecodedAction<'_>) -> bool {
    matches!(action, DecodedAction::Esc { intermediates, byte: b'c', .. } if intermediates.as_slice().is_empty())
}

/// The requests the keyboard-protocol sequence `action` makes, read by the same dispatch
/// as every other sequence.
pub(super) fn requests(replayer: &mut Replayer, action: &DecodedAction<'_>) -> Vec<Request> {
    let mut recorder = Recorder::default();
    replayer.replay(&mut recorder, action);
    recorder.0
}

/// The kitty flags active in `mode`.
///
/// ```
/// use alacritty_terminal::term::TermMode;
/// use perdix::term::active_kitty_flags;
/// use vte::ansi::KeyboardModes;
///
/// let mode = TermMode::SHOW_CURSOR | TermMode::DISAMBIGUATE_ESC_CODES;
/// assert_eq!(active_kitty_flags(mode), KeyboardModes::DISAMBIGUATE_ESC_CODES);
/// ```
pub fn active_kitty_flags(mode: TermMode) -> KeyboardModes {
    let mut flags = KeyboardModes::NO_MODE;
    for (term_bit, flag) in [
        (
            TermMode::DISAMBIGUATE_ESC_CODES,
            KeyboardModes::DISAMBIGUATE_ESC_CODES,
        ),
        (TermMode::REPORT_EVENT_TYPES, KeyboardModes::REPORT_EVENT_TYPES),
        (
            TermMode::REPORT_ALTERNATE_KEYS,
            KeyboardModes::REPORT_ALTERNATE_KEYS,
        ),
        (
            TermMode::REPORT_ALL_KEYS_AS_ESC,
            KeyboardModes::REPORT_ALL_KEYS_AS_ESC,
        ),
        (
            TermMode::REPORT_ASSOCIATED_TEXT,
            KeyboardModes::REPORT_ASSOCIATED_TEXT,
        ),
    ] {
        if mode.contains(term_bit) {
            flags |= flag;
        }
    }
    flags
}

/// The keyboard state kept beside a pane's model.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeyboardState {
    /// The modifyOtherKeys level the program set.
    pub(super) modify_other_keys: ModifyOtherKeys,
    /// Entries on the kitty flag stack of the main (0) and alternate (1) screen, as
    /// `Term` holds them.
    depth: [usize; 2],
}

impl Default for KeyboardState {
    fn default() -> KeyboardState {
        KeyboardState {
            modify_other_keys: ModifyOtherKeys::Reset,
            depth: [0; 2],
        }
    }
}

impl KeyboardState {
    /// Applies one request to `term`; returns what the program is answered, if anything.
    pub(super) fn apply(&mut self, term: &mut Term<PaneListener>, request: Request) -> Option<String> {
        let screen = usize::from(term.mode().contains(TermMode::ALT_SCREEN));
        let active = active_kitty_flags(*term.mode());
        match request {
            Request::Push(flags) => {
                if self.depth[screen] >= KEYBOARD_STACK_LIMIT {
                    term.pop_keyboard_modes(1);
                    self.depth[screen] -= 1;
                }
                term.push_keyboard_mode(flags);
                self.depth[screen] += 1;
            }
            Request::Pop(count) => {
                term.pop_keyboard_modes(count);
                self.depth[screen] = self.depth[screen].saturating_sub(usize::from(count));
            }
            // `Term` has an inherent method of the same name.
            Request::Set(flags, behavior) => Handler::set_keyboard_mode(term, flags, behavior),
            Request::Report => return Some(format!("\x1b[?{}u", active.bits())),
            Request::ModifyOtherKeys(level) => self.modify_other_keys = level,
            Request::ReportModifyOtherKeys => {
                let level = match self.modify_other_keys {
                    ModifyOtherKeys::Reset => 0,
                    ModifyOtherKeys::EnableExceptWellDefined => 1,
                    ModifyOtherKeys::EnableAll => 2,
                };
                return Some(format!("\x1b[>4;{level}m"));
            }
        }
        None
    }
}

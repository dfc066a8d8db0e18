//! The prefix key and the actions bound to the keys pressed after it.
//!
//! Everything typed goes to the focused pane except the prefix key (default `C-b`): the
//! key after the prefix is looked up here as an [`Action`]. The prefix pressed twice sends
//! one prefix to the pane ([`Keymap::prefix_bytes`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

pub use super::key_chord::{KeyChord, KeyParseError};
use super::key_encoding::encode_key;

/// What a key pressed after the prefix does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Focus the pane to the left of the focused one.
    FocusLeft,
    /// Focus the pane to the right.
    FocusRight,
    /// Focus the pane above.
    FocusUp,
    /// Focus the pane below.
    FocusDown,
    /// Focus the next pane in order, wrapping around.
    FocusNext,
    /// Focus pane number N, counted from 1 (1 to 9).
    FocusPane(u8),
    /// Zoom the focused pane to the full screen, or back.
    Zoom,
    /// Switch to the next layout.
    NextLayout,
    /// Open a new pane.
    NewPane,
    /// Close the focused pane.
    ClosePane,
    /// Restart the focused pane's command.
    Restart,
    /// Send typed keys to every pane, or stop doing so.
    ToggleBroadcast,
    /// Enter scroll mode in the focused pane.
    ScrollMode,
    /// Show or hide the help overlay.
    Help,
    /// Every pane with its agent, state, for how long and why; Enter jumps there.
    Overview,
    /// Focus the next pane that needs you (blocked, or done since you looked).
    NextNeedingYou,
    /// Detach this client; the session and its programs go on.
    Detach,
    /// End the session and every program in it (asks first).
    Quit,
}

/// An action name in the configuration that is not one of [`Action::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{0}`")]
pub struct UnknownAction(pub String);

impl Action {
    /// Every action, in the order the help overlay lists them.
    pub const ALL: [Action; 26] = [
        Action::FocusLeft,
        Action::FocusRight,
        Action::FocusUp,
        Action::FocusDown,
        Action::FocusNext,
        Action::FocusPane(1),
        Action::FocusPane(2),
        Action::FocusPane(3),
        Action::FocusPane(4),
        Action::FocusPane(5),
        Action::FocusPane(6),
        Action::FocusPane(7),
        Action::FocusPane(8),
        Action::FocusPane(9),
        Action::Zoom,
        Action::NextLayout,
        Action::NewPane,
        Action::ClosePane,
        Action::Restart,
        Action::ToggleBroadcast,
        Action::ScrollMode,
        Action::Help,
        Action::Overview,
        Action::NextNeedingYou,
        Action::Detach,
        Action::Quit,
    ];

    /// The stable name used in the `[keys]` table of the configuration file.
    pub fn name(self) -> String {
        let name = match self {
            Action::FocusLeft => "focus-left",
            Action::FocusRight => "focus-right",
            Action::FocusUp => "focus-up",
            Action::FocusDown => "focus-down",
            Action::FocusNext => "focus-next",
            Action::FocusPane(n) => return format!("focus-pane-{n}"),
            Action::Zoom => "zoom",
            Action::NextLayout => "next-layout",
            Action::NewPane => "new-pane",
            Action::ClosePane => "close-pane",
            Action::Restart => "restart",
            Action::ToggleBroadcast => "toggle-broadcast",
            Action::ScrollMode => "scroll-mode",
            Action::Help => "help",
            Action::Overview => "overview",
            Action::NextNeedingYou => "next-needing-you",
            Action::Detach => "detach",
            Action::Quit => "quit",
        };
        name.to_string()
    }

    /// A few words for the help overlay.
    pub fn description(self) -> String {
        let text = match self {
            Action::FocusLeft => "focus the pane to the left",
            Action::FocusRight => "focus the pane to the right",
            Action::FocusUp => "focus the pane above",
            Action::FocusDown => "focus the pane below",
            Action::FocusNext => "focus the next pane",
            Action::FocusPane(n) => return format!("focus pane {n}"),
            Action::Zoom => "zoom the focused pane in or out",
            Action::NextLayout => "switch to the next layout",
            Action::NewPane => "open a new pane",
            Action::ClosePane => "close the focused pane",
            Action::Restart => "restart the focused pane's command",
            Action::ToggleBroadcast => "type into all panes at once, or stop",
            Action::ScrollMode => "scroll the focused pane's history",
            Action::Help => "show or hide this help",
            Action::Overview => "every pane: agent, state, for how long, why",
            Action::NextNeedingYou => "focus the next pane that needs you",
            Action::Detach => "detach: the session goes on without this terminal",
            Action::Quit => "end the session and its programs (asks first)",
        };
        text.to_string()
    }

    /// The keys bound to this action when the configuration does not say otherwise.
    pub fn default_keys(self) -> Vec<KeyChord> {
        let plain = |c| KeyChord::new(KeyCode::Char(c), KeyModifiers::NONE);
        let named = |code| KeyChord::new(code, KeyModifiers::NONE);
        match self {
            Action::FocusLeft => vec![named(KeyCode::Left), plain('h')],
            Action::FocusRight => vec![named(KeyCode::Right), plain('l')],
            Action::FocusUp => vec![named(KeyCode::Up), plain('k')],
            Action::FocusDown => vec![named(KeyCode::Down), plain('j')],
            Action::FocusNext => vec![plain('o')],
            Action::FocusPane(n) => vec![plain(char::from(b'0' + n))],
            Action::Zoom => vec![plain('z')],
            Action::NextLayout => vec![plain(' ')],
            Action::NewPane => vec![plain('c')],
            Action::ClosePane => vec![plain('x')],
            Action::Restart => vec![plain('r')],
            Action::ToggleBroadcast => vec![plain('s')],
            Action::ScrollMode => vec![plain('[')],
            Action::Help => vec![plain('?')],
            Action::Overview => vec![plain('w')],
            Action::NextNeedingYou => vec![named(KeyCode::Tab)],
            Action::Detach => vec![plain('d')],
            Action::Quit => vec![plain('q')],
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(text: &str) -> Result<Action, UnknownAction> {
        Action::ALL
            .into_iter()
            .find(|action| action.name() == text)
            .ok_or_else(|| UnknownAction(text.to_string()))
    }
}

/// The `[keys]` table of the configuration file, as written: `prefix = "C-a"` and
/// `action-name = "key"` or `action-name = ["key", "key"]`, each value with its byte
/// range in the file for error messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeysConfig {
    /// The prefix key, if set.
    pub prefix: Option<Spanned<KeyList>>,
    /// Action name to keys; a listed action's keys replace its default keys.
    pub bindings: BTreeMap<String, Spanned<KeyList>>,
}

/// One key name or a list of them, as a `[keys]` value may be written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyList(pub Vec<String>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<KeyList, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a key name or a list of key names")]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(deserializer)? {
            OneOrMany::One(key) => KeyList(vec![key]),
            OneOrMany::Many(keys) => KeyList(keys),
        })
    }
}

impl<'de> Deserialize<'de> for KeysConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<KeysConfig, D::Error> {
        let mut bindings = BTreeMap::<String, Spanned<KeyList>>::deserialize(deserializer)?;
        let prefix = bindings.remove("prefix");
        Ok(KeysConfig { prefix, bindings })
    }
}

/// A `[keys]` table that cannot be turned into a [`Keymap`]. Each carries the byte range
/// of the offending value in the configuration text, when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// The table names an action that does not exist.
    #[error("unknown action `{name}` in [keys]")]
    UnknownAction {
        /// The name as written.
        name: String,
        /// Where the value is in the file.
        span: Option<Range<usize>>,
    },
    /// A key name could not be parsed.
    #[error("{error}")]
    BadKey {
        /// What was wrong.
        error: KeyParseError,
        /// Where the value is in the file.
        span: Option<Range<usize>>,
    },
    /// The prefix was given as other than exactly one key.
    #[error("`prefix` must be exactly one key")]
    PrefixNotOneKey {
        /// Where the value is in the file.
        span: Option<Range<usize>>,
    },
    /// One key bound to two actions, or to an action and the prefix.
    #[error("key `{key}` is bound to both `{first}` and `{second}`")]
    Duplicate {
        /// The key bound twice.
        key: KeyChord,
        /// The first binding's action name (or `prefix`).
        first: String,
        /// The second binding's action name.
        second: String,
        /// Where the second binding is in the file.
        span: Option<Range<usize>>,
    },
}

impl KeymapError {
    /// The byte range in the configuration text the error is about, when known.
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            KeymapError::UnknownAction { span, .. }
            | KeymapError::BadKey { span, .. }
            | KeymapError::PrefixNotOneKey { span }
            | KeymapError::Duplicate { span, .. } => span.clone(),
        }
    }
}

/// The prefix key and which key after it triggers which [`Action`].
///
/// ```
/// use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
/// use perdix::tui::keymap::{Action, KeyChord, Keymap};
///
/// let keymap = Keymap::default();
/// assert_eq!(keymap.prefix().to_string(), "C-b");
/// assert_eq!(keymap.prefix_bytes(), vec![0x02]);
///
/// let after_prefix = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE);
/// assert_eq!(keymap.action(&KeyChord::from(after_prefix)), Some(Action::Zoom));
/// assert_eq!(keymap.action(&"Left".parse().unwrap()), Some(Action::FocusLeft));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    prefix: KeyChord,
    bindings: Vec<(Action, Vec<KeyChord>)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap::from_config(&KeysConfig::default()).expect("the default bindings do not overlap")
    }
}

impl Keymap {
    /// The default prefix, `C-b`.
    pub const DEFAULT_PREFIX: KeyChord = KeyChord {
        code: KeyCode::Char('b'),
        modifiers: KeyModifiers::CONTROL,
    };

    /// Builds the keymap from the `[keys]` table. Actions listed there get exactly the keys
    /// given (an empty list unbinds); the others keep their defaults, except that a default
    /// key taken by a listed action or by the prefix is dropped. Two listed bindings for the
    /// same key, or a listed binding of the prefix key, are errors naming both sides.
    pub fn from_config(config: &KeysConfig) -> Result<Keymap, KeymapError> {
        let prefix = match &config.prefix {
            None => Keymap::DEFAULT_PREFIX,
            Some(spanned) => {
                let span = Some(spanned.span());
                match spanned.get_ref().0.as_slice() {
                    [one] => one.parse().map_err(|error| KeymapError::BadKey { error, span })?,
                    _ => return Err(KeymapError::PrefixNotOneKey { span }),
                }
            }
        };

        let mut configured: HashMap<Action, (Vec<KeyChord>, Range<usize>)> = HashMap::new();
        for (name, spanned) in &config.bindings {
            let span = spanned.span();
            let action: Action = name.parse().map_err(|_| KeymapError::UnknownAction {
                name: name.clone(),
                span: Some(span.clone()),
            })?;
            let keys = spanned
                .get_ref()
                .0
                .iter()
                .map(|text| text.parse::<KeyChord>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| KeymapError::BadKey {
                    error,
                    span: Some(span.clone()),
                })?;
            configured.insert(action, (dedup(&keys), span));
        }

        // Configured bindings claim their keys first, in file order so errors point at the later one.
        let mut owner: HashMap<KeyChord, String> = HashMap::from([(prefix, "prefix".to_string())]);
        let mut in_file_order: Vec<_> = configured.iter().collect();
        in_file_order.sort_by_key(|(_, (_, span))| span.start);
        for (action, (keys, span)) in in_file_order {
            // Each list is deduplicated, so any earlier owner is another action or the prefix.
            for key in keys {
                if let Some(first) = owner.insert(*key, action.name()) {
                    return Err(KeymapError::Duplicate {
                        key: *key,
                        first,
                        second: action.name(),
                        span: Some(span.clone()),
                    });
                }
            }
        }

        // The key lists never overlap: configured ones were checked above, default ones are
        // disjoint and lose any key already owned, so each key belongs to at most one action.
        let bindings = Action::ALL
            .into_iter()
            .map(|action| {
                let keys = match configured.remove(&action) {
                    Some((keys, _)) => keys,
                    None => action
                        .default_keys()
                        .into_iter()
                        .filter(|key| !owner.contains_key(key))
                        .collect(),
                };
                (action, keys)
            })
            .collect();
        Ok(Keymap { prefix, bindings })
    }

    /// The key that starts a command.
    pub fn prefix(&self) -> KeyChord {
        self.prefix
    }

    /// The bytes the focused pane receives when the prefix is pressed twice.
    pub fn prefix_bytes(&self) -> Vec<u8> {
        encode_key(&self.prefix.key_event(), false).unwrap_or_default()
    }

    /// The action bound to `key` when pressed after the prefix.
    pub fn action(&self, key: &KeyChord) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(key))
            .map(|(action, _)| *action)
    }

    /// Every action with its keys, in the order of [`Action::ALL`], for the help overlay.
    /// Unbound actions are listed with no keys.
    pub fn bindings(&self) -> Vec<(Action, Vec<KeyChord>)> {
        self.bindings.clone()
    }
}

fn dedup(keys: &[KeyChord]) -> Vec<KeyChord> {
    let mut unique = Vec::with_capacity(keys.len());
    for key in keys {
        if !unique.contains(key) {
            unique.push(*key);
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEvent;

    fn chord(text: &str) -> KeyChord {
        text.parse().unwrap_or_else(|error| panic!("{error}"))
    }

    fn keys_config(text: &str) -> KeysConfig {
        #[derive(Deserialize)]
        struct Wrapper {
            keys: KeysConfig,
        }
        toml::from_str::<Wrapper>(text).unwrap().keys
    }

    #[test]
    fn parses_key_names() {
        let ctrl_b = KeyChord::new(KeyCode::Char('b'), KeyModifiers::CONTROL);
        for text in ["C-b", "Ctrl-b", "ctrl-b", "control-b", "C-B"] {
            assert_eq!(chord(text), ctrl_b, "{text}");
        }
        assert_eq!(chord("M-x"), KeyChord::new(KeyCode::Char('x'), KeyModifiers::ALT));
        assert_eq!(chord("Alt-x"), chord("M-x"));
        assert_eq!(
            chord("C-M-x"),
            KeyChord::new(KeyCode::Char('x'), KeyModifiers::CONTROL | KeyModifiers::ALT)
        );
        assert_eq!(
            chord("S-Tab"),
            KeyChord::new(KeyCode::BackTab, KeyModifiers::NONE)
        );
        assert_eq!(chord("BackTab"), chord("S-Tab"));
        assert_eq!(chord("S-a"), chord("A"));
        assert_eq!(chord("Left").code(), KeyCode::Left);
        assert_eq!(chord("pageup").code(), KeyCode::PageUp);
        assert_eq!(chord("PgDn").code(), KeyCode::PageDown);
        assert_eq!(chord("F5").code(), KeyCode::F(5));
        assert_eq!(chord("F12").code(), KeyCode::F(12));
        assert_eq!(chord("Space").code(), KeyCode::Char(' '));
        assert_eq!(chord("Enter").code(), KeyCode::Enter);
        assert_eq!(chord("Esc").code(), KeyCode::Esc);
        assert_eq!(chord("?").code(), KeyCode::Char('?'));
        assert_eq!(chord("[").code(), KeyCode::Char('['));
        assert_eq!(chord("-").code(), KeyCode::Char('-'));
        assert_eq!(
            chord("C--"),
            KeyChord::new(KeyCode::Char('-'), KeyModifiers::CONTROL)
        );
        assert_eq!(chord("c").code(), KeyCode::Char('c'));
        assert_eq!(
            chord("C-Left"),
            KeyChord::new(KeyCode::Left, KeyModifiers::CONTROL)
        );
    }

    #[test]
    fn rejects_bad_key_names() {
        for text in ["", "C-", "Ctrl-", "Lefty", "F0", "F25", "ab", "Hyper-x"] {
            assert!(text.parse::<KeyChord>().is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "C-b", "M-x", "C-M-x", "z", "Space", "S-Tab", "F5", "Left", "PageUp", "?", "[", "C-Left",
        ] {
            assert_eq!(chord(text).to_string(), text);
            assert_eq!(chord(&chord(text).to_string()), chord(text));
        }
        assert_eq!(chord("Ctrl-b").to_string(), "C-b");
    }

    #[test]
    fn key_events_are_normalised() {
        let shifted_question = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from(shifted_question), chord("?"));
        let ctrl_shift_b = KeyEvent::new(KeyCode::Char('B'), KeyModifiers::CONTROL | KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from(ctrl_shift_b), chord("C-b"));
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from(back_tab), chord("S-Tab"));
        let shift_left = KeyEvent::new(KeyCode::Left, KeyModifiers::SHIFT);
        assert_ne!(KeyChord::from(shift_left), chord("Left"));
        let super_z = KeyEvent::new(KeyCode::Char('z'), KeyModifiers::SUPER);
        assert_eq!(KeyChord::from(super_z), chord("z"));
    }

    #[test]
    fn action_names_round_trip() {
        for action in Action::ALL {
            assert_eq!(action.name().parse::<Action>(), Ok(action));
        }
        assert_eq!("focus-pane-3".parse::<Action>(), Ok(Action::FocusPane(3)));
        assert!("focus-pane-0".parse::<Action>().is_err());
        assert!("focus-pane-10".parse::<Action>().is_err());
        assert!("zoomm".parse::<Action>().is_err());
    }

    #[test]
    fn default_bindings_match_the_documented_table() {
        let keymap = Keymap::default();
        assert_eq!(keymap.prefix(), chord("C-b"));
        assert_eq!(keymap.prefix_bytes(), vec![0x02]);
        let expected = [
            ("Left", Action::FocusLeft),
            ("h", Action::FocusLeft),
            ("Right", Action::FocusRight),
            ("l", Action::FocusRight),
            ("Up", Action::FocusUp),
            ("k", Action::FocusUp),
            ("Down", Action::FocusDown),
            ("j", Action::FocusDown),
            ("o", Action::FocusNext),
            ("1", Action::FocusPane(1)),
            ("9", Action::FocusPane(9)),
            ("z", Action::Zoom),
            ("Space", Action::NextLayout),
            ("c", Action::NewPane),
            ("x", Action::ClosePane),
            ("r", Action::Restart),
            ("s", Action::ToggleBroadcast),
            ("[", Action::ScrollMode),
            ("?", Action::Help),
            ("w", Action::Overview),
            ("Tab", Action::NextNeedingYou),
            ("d", Action::Detach),
            ("q", Action::Quit),
        ];
        for (key, action) in expected {
            assert_eq!(keymap.action(&chord(key)), Some(action), "{key}");
        }
        assert_eq!(keymap.action(&chord("0")), None);
        assert_eq!(keymap.action(&chord("C-b")), None);
        let order: Vec<Action> = keymap.bindings().into_iter().map(|(action, _)| action).collect();
        assert_eq!(order, Action::ALL);
        assert_eq!(keymap.bindings()[0].1, vec![chord("Left"), chord("h")]);
    }

    #[test]
    fn config_rebinds_and_replaces_defaults() {
        let keymap = Keymap::from_config(&keys_config(
            "[keys]\nprefix = \"C-a\"\nzoom = \"Z\"\nfocus-left = [\"Left\", \"y\"]\nquit = []\n",
        ))
        .unwrap();
        assert_eq!(keymap.prefix(), chord("C-a"));
        assert_eq!(keymap.prefix_bytes(), vec![0x01]);
        assert_eq!(keymap.action(&chord("Z")), Some(Action::Zoom));
        assert_eq!(keymap.action(&chord("z")), None);
        assert_eq!(keymap.action(&chord("y")), Some(Action::FocusLeft));
        assert_eq!(keymap.action(&chord("h")), None);
        assert_eq!(keymap.action(&chord("q")), None);
        assert_eq!(keymap.bindings()[Action::ALL.len() - 1], (Action::Quit, vec![]));
    }

    #[test]
    fn a_configured_key_takes_over_a_default_one() {
        let keymap = Keymap::from_config(&keys_config("[keys]\nzoom = \"h\"\n")).unwrap();
        assert_eq!(keymap.action(&chord("h")), Some(Action::Zoom));
        assert_eq!(keymap.bindings()[0].1, vec![chord("Left")]);
    }

    #[test]
    fn a_key_bound_twice_names_both_actions() {
        let text = "[keys]\nzoom = \"y\"\nquit = [\"q\", \"y\"]\n";
        let error = Keymap::from_config(&keys_config(text)).unwrap_err();
        assert!(
            matches!(&error, KeymapError::Duplicate { first, second, .. } if first == "zoom" && second == "quit")
        );
        assert_eq!(error.to_string(), "key `y` is bound to both `zoom` and `quit`");
        assert_eq!(&text[error.span().unwrap()], "[\"q\", \"y\"]");
    }

    #[test]
    fn a_prefix_on_a_default_key_takes_it_over() {
        let keymap = Keymap::from_config(&keys_config("[keys]\nprefix = \"z\"\n")).unwrap();
        assert_eq!(keymap.prefix_bytes(), b"z".to_vec());
        assert_eq!(keymap.action(&chord("z")), None);
        assert_eq!(keymap.bindings()[14], (Action::Zoom, vec![]));
    }

    #[test]
    fn binding_the_prefix_is_an_error() {
        let error =
            Keymap::from_config(&keys_config("[keys]\nprefix = \"C-a\"\nhelp = \"C-a\"\n")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "key `C-a` is bound to both `prefix` and `help`"
        );
    }

    #[test]
    fn bad_tables_are_errors() {
        let unknown = Keymap::from_config(&keys_config("[keys]\nzom = \"z\"\n")).unwrap_err();
        assert!(matches!(unknown, KeymapError::UnknownAction { ref name, .. } if name == "zom"));
        let bad_key = Keymap::from_config(&keys_config("[keys]\nzoom = \"Hyper-z\"\n")).unwrap_err();
        assert!(matches!(bad_key, KeymapError::BadKey { .. }));
        let two_prefixes =
            Keymap::from_config(&keys_config("[keys]\nprefix = [\"C-a\", \"C-b\"]\n")).unwrap_err();
        assert!(matches!(two_prefixes, KeymapError::PrefixNotOneKey { .. }));
    }
}

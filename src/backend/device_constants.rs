//! The constants the device code of both GPU backends is written against, generated from
//! the Rust sources: states, actions and record kinds by name, the limits of
//! [`crate::parse`], the carried state's layout. The wgpu backend writes them as WGSL
//! (`shaders/`), the cuda backend as CUDA C (`kernels/`); this is the one list both use.

use super::device_output::LAYOUT;
use crate::parse::record::MAX_RUN_BODY;
use crate::parse::table::STATE_COUNT;
use crate::parse::{
    Action, RecordKind, State, MAX_INTERMEDIATES, MAX_OSC_PARAMS, MAX_PARAMS, OSC_PAYLOAD_CAP,
};

/// Bytes one device thread walks (one block of one stream), in both backends.
pub const BLOCK_BYTES: usize = 64;

/// Every shared constant as `(name, value)`, in a fixed order.
pub(crate) fn device_constants() -> Vec<(String, u64)> {
    let mut constants = vec![
        ("STATE_COUNT".to_string(), STATE_COUNT as u64),
        ("BLOCK_BYTES".to_string(), BLOCK_BYTES as u64),
    ];
    for state in State::ALL {
        constants.push((
            format!("STATE_{}", screaming(&format!("{state:?}"))),
            state as u64,
        ));
    }
    for action in Action::ALL {
        constants.push((
            format!("ACTION_{}", screaming(&format!("{action:?}"))),
            action as u64,
        ));
    }
    for kind in RecordKind::ALL {
        constants.push((format!("RECORD_{}", screaming(&format!("{kind:?}"))), kind as u64));
    }
    for (name, value) in [
        ("MAX_RUN_BODY", MAX_RUN_BODY),
        ("MAX_PARAMS", MAX_PARAMS),
        ("MAX_INTERMEDIATES", MAX_INTERMEDIATES),
        ("MAX_OSC_PARAMS", MAX_OSC_PARAMS),
        ("OSC_PAYLOAD_CAP", OSC_PAYLOAD_CAP),
    ] {
        constants.push((name.to_string(), value as u64));
    }
    for (name, word) in LAYOUT {
        constants.push((format!("CARRY_{name}"), word as u64));
    }
    constants
}

/// `OscEndBell` as `OSC_END_BELL`.
fn screaming(camel: &str) -> String {
    let mut out = String::new();
    for (index, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_spelled_as_the_device_code_uses_them() {
        let constants = device_constants();
        let names: std::collections::BTreeSet<_> = constants.iter().map(|(name, _)| name).collect();
        assert_eq!(names.len(), constants.len());
        let value = |name: &str| constants.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
        assert_eq!(value("ACTION_OSC_END_BELL"), Some(Action::OscEndBell as u64));
        assert_eq!(value("STATE_CSI_IGNORE"), Some(State::CsiIgnore as u64));
        assert_eq!(
            value("CARRY_FIXED_WORDS"),
            Some(super::super::CARRY_FIXED_WORDS as u64)
        );
    }
}

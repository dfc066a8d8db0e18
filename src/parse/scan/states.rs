//! Step 1 of the scan: the state before every byte, found without walking the bytes one
//! after another from the start.
//!
//! ESC, CAN and SUB send every state to a fixed one, so they cut the input into segments
//! whose start state is known. Inside a segment the bytes are cut into blocks; each
//! block's transition function is the composition of its bytes' functions (independent
//! per block: one GPU thread or workgroup each), an exclusive scan over the block
//! functions gives every block's start state, and each block then fills in its bytes'
//! states from its start state.

use super::super::table::{
    apply_function, compose, transition, transition_functions, State, IDENTITY_FUNCTION,
};

/// Bytes per block of the scan (a GPU workgroup's share).
pub const BLOCK: usize = 64;

/// Fills `states[i]` with the state before byte `i`; returns the state after the last byte.
pub fn byte_states(start: State, bytes: &[u8], states: &mut Vec<State>) -> State {
    states.clear();
    states.resize(bytes.len(), State::Ground);
    let mut segment_start = 0;
    let mut state = start;
    // Segment ends: every byte that resets the machine, then the end of the input.
    let resets = memchr::memchr3_iter(0x18, 0x1a, 0x1b, bytes).map(|index| index + 1);
    for segment_end in resets.chain(std::iter::once(bytes.len())) {
        state = scan_segment(
            state,
            &bytes[segment_start..segment_end],
            &mut states[segment_start..segment_end],
        );
        segment_start = segment_end;
    }
    state
}

/// One segment: block functions, their exclusive scan, then per-block fill.
fn scan_segment(start: State, bytes: &[u8], states: &mut [State]) -> State {
    let functions = transition_functions();
    let mut block_start = start;
    for (block, block_states) in bytes.chunks(BLOCK).zip(states.chunks_mut(BLOCK)) {
        // Independent per block: the block's composed function.
        let function = block
            .iter()
            .fold(IDENTITY_FUNCTION, |f, &byte| compose(f, functions[byte as usize]));
        // Independent per block once its start state is known: every byte's state.
        let mut state = block_start;
        for (&byte, slot) in block.iter().zip(block_states.iter_mut()) {
            *slot = state;
            state = transition(state, byte).next;
        }
        // The exclusive scan over block functions (a tree on a device, a fold here).
        block_start = apply_function(function, block_start);
        debug_assert_eq!(state, block_start);
    }
    block_start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanned_states_equal_stepped_states() {
        let mut bytes = Vec::new();
        let mut seed = 0x2545_f491_u32;
        for _ in 0..5000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            // Bias towards sequence bytes so that every state is visited.
            let pool = b"\x1b[]P;:?1m \x07\x18\x9cX\\q";
            bytes.push(if seed.is_multiple_of(3) {
                seed as u8
            } else {
                pool[(seed >> 8) as usize % pool.len()]
            });
        }
        for start in State::ALL {
            let mut states = Vec::new();
            let end = byte_states(start, &bytes, &mut states);
            let mut state = start;
            for (index, &byte) in bytes.iter().enumerate() {
                assert_eq!(states[index], state, "byte {index} from {start:?}");
                state = transition(state, byte).next;
            }
            assert_eq!(end, state);
        }
    }
}

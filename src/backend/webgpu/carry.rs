//! What a stream carries from one batch to the next on the wgpu backend: its parser state
//! and the words the device wrote after the stream's records (the unfinished character,
//! sequence and OSC string). The host keeps the words and uploads them with the stream's
//! next bytes; only the shaders read their fields, whose word offsets are generated into
//! the WGSL from [`LAYOUT`].

use super::WgpuError;
use crate::parse::{State, MAX_OSC_PARAMS, MAX_PARAMS, OSC_PAYLOAD_CAP};

/// Bytes of the partial UTF-8 character (0–3).
const PARTIAL_LEN: usize = 0;
/// The partial character's bytes, little-endian.
const PARTIAL: usize = 1;
/// The parameter being read.
const PARAM: usize = 2;
/// Parameters (and subparameters) collected.
const PARAM_COUNT: usize = 3;
/// Bit `k`: parameter `k` is followed by a subparameter.
const CONTINUES: usize = 4;
/// `ignore | intermediate count << 8 | intermediates << 16`, as a record's sequence header.
const SEQUENCE_HEADER: usize = 5;
/// OSC parameters closed.
const OSC_COUNT: usize = 6;
/// OSC payload bytes kept.
const OSC_LEN: usize = 7;
/// The parameters, two 16-bit values a word.
const PARAMS: usize = 8;
/// Where each OSC parameter ends in the payload, a word each.
const OSC_ENDS: usize = PARAMS + MAX_PARAMS / 2;
/// Words before the OSC payload, which follows only while the stream is inside an OSC
/// string.
pub const FIXED_WORDS: usize = OSC_ENDS + MAX_OSC_PARAMS;

/// The layout, by name, for the generated WGSL constants (`CARRY_<name>`).
pub(super) const LAYOUT: [(&str, usize); 11] = [
    ("PARTIAL_LEN", PARTIAL_LEN),
    ("PARTIAL", PARTIAL),
    ("PARAM", PARAM),
    ("PARAM_COUNT", PARAM_COUNT),
    ("CONTINUES", CONTINUES),
    ("SEQUENCE_HEADER", SEQUENCE_HEADER),
    ("OSC_COUNT", OSC_COUNT),
    ("OSC_LEN", OSC_LEN),
    ("PARAMS", PARAMS),
    ("OSC_ENDS", OSC_ENDS),
    ("FIXED_WORDS", FIXED_WORDS),
];

/// A fresh stream: ground, nothing open.
static FRESH: [u32; FIXED_WORDS] = [0; FIXED_WORDS];

/// What the wgpu backend carries per stream.
///
/// ```
/// use perdix::backend::webgpu::WgpuStreamState;
/// use perdix::parse::State;
/// assert_eq!(WgpuStreamState::default().state(), State::Ground);
/// ```
#[derive(Debug, Clone, Default)]
pub struct WgpuStreamState {
    state: State,
    /// The device's words; empty for a fresh stream.
    words: Vec<u32>,
}

impl WgpuStreamState {
    /// The parser state after the stream's last byte.
    pub fn state(&self) -> State {
        self.state
    }

    /// The words to upload with the stream's next bytes.
    pub(super) fn words(&self) -> &[u32] {
        if self.words.is_empty() {
            &FRESH
        } else {
            &self.words
        }
    }

    /// Takes what the device wrote for the stream's last piece, after checking that its
    /// size agrees with its contents.
    pub(super) fn update(&mut self, state: u32, words: &[u32]) -> Result<(), WgpuError> {
        let state = u8::try_from(state)
            .ok()
            .filter(|&index| (index as usize) < State::ALL.len())
            .map(State::from_index)
            .ok_or_else(|| WgpuError::Submission(format!("the device wrote state {state}")))?;
        let expected = match words.get(OSC_LEN) {
            Some(&len) if state == State::OscString && len as usize <= OSC_PAYLOAD_CAP => {
                FIXED_WORDS + (len as usize).div_ceil(4)
            }
            Some(_) if state != State::OscString => FIXED_WORDS,
            _ => usize::MAX,
        };
        if words.len() != expected || words[PARTIAL_LEN] > 3 {
            return Err(WgpuError::Submission(format!(
                "the device's carried state is {} words, which does not fit its contents",
                words.len()
            )));
        }
        self.state = state;
        self.words.clear();
        self.words.extend_from_slice(words);
        Ok(())
    }

    /// OSC payload bytes carried: they travel with the stream's next bytes.
    pub(super) fn carried_payload(&self) -> usize {
        self.words().len() - FIXED_WORDS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_words_must_match_their_contents() {
        let mut state = WgpuStreamState::default();
        assert_eq!(state.words().len(), FIXED_WORDS);
        let mut words = vec![0u32; FIXED_WORDS + 2];
        words[OSC_LEN] = 5;
        state.update(State::OscString as u32, &words).unwrap();
        assert_eq!((state.state(), state.carried_payload()), (State::OscString, 2));
        // The same words outside an OSC string, a payload longer than the words, a
        // state past the last and a four-byte partial character are all refused.
        assert!(state.update(State::Ground as u32, &words).is_err());
        words[OSC_LEN] = 9;
        assert!(state.update(State::OscString as u32, &words).is_err());
        assert!(state.update(14, &words[..FIXED_WORDS]).is_err());
        let mut partial = vec![0u32; FIXED_WORDS];
        partial[PARTIAL_LEN] = 4;
        assert!(state.update(State::Ground as u32, &partial).is_err());
        partial[PARTIAL_LEN] = 3;
        state.update(State::Ground as u32, &partial).unwrap();
        assert_eq!(state.carried_payload(), 0);
    }
}

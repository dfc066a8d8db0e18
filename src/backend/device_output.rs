//! What the GPU backends that build records on the device hand back, and what the host
//! checks before passing it on: the records themselves, and what a stream carries from
//! one batch to the next (its parser state and the words the device wrote after the
//! stream's records: the unfinished character, sequence and OSC string). The host keeps
//! the words and uploads them with the stream's next bytes; only the device code reads
//! their fields, whose word offsets are generated into it from [`LAYOUT`].

use crate::parse::record::{record_len, RecordKind, HEADER_LEN};
use crate::parse::{State, MAX_OSC_PARAMS, MAX_PARAMS, OSC_PAYLOAD_CAP};
use thiserror::Error;

/// Device output that does not hold together; the backend turns it into its own error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeviceOutputError {
    /// A parser state past the last one.
    #[error("the device wrote state {0}")]
    State(u32),
    /// Carried words whose size does not fit their contents.
    #[error("the device's carried state is {0} words, which does not fit its contents")]
    Carry(usize),
    /// Word ranges out of order, or past the words that came back.
    #[error("the device wrote the word ranges {start}, {carry}, {end} of {total}")]
    Ranges {
        /// First record.
        start: usize,
        /// Start of the carried state.
        carry: usize,
        /// End of the carried state.
        end: usize,
        /// Words that came back.
        total: usize,
    },
    /// A record header of no known kind, or one running past the end.
    #[error("the device wrote a broken record header {0:02x?}")]
    Record(Vec<u8>),
}

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
pub const LAYOUT: [(&str, usize); 11] = [
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

/// What a backend that builds records on the device carries per stream.
///
/// ```
/// use perdix::backend::DeviceStreamState;
/// use perdix::parse::State;
/// assert_eq!(DeviceStreamState::default().state(), State::Ground);
/// assert_eq!(DeviceStreamState::default().words().len(), perdix::backend::CARRY_FIXED_WORDS);
/// ```
#[derive(Debug, Clone, Default)]
pub struct DeviceStreamState {
    state: State,
    /// The device's words; empty for a fresh stream.
    words: Vec<u32>,
}

impl DeviceStreamState {
    /// The parser state after the stream's last byte.
    pub fn state(&self) -> State {
        self.state
    }

    /// The words to upload with the stream's next bytes.
    pub fn words(&self) -> &[u32] {
        if self.words.is_empty() {
            &FRESH
        } else {
            &self.words
        }
    }

    /// Takes what the device wrote for the stream's last piece, after checking that its
    /// size agrees with its contents.
    pub fn update(&mut self, state: u32, words: &[u32]) -> Result<(), DeviceOutputError> {
        let state = u8::try_from(state)
            .ok()
            .filter(|&index| (index as usize) < State::ALL.len())
            .map(State::from_index)
            .ok_or(DeviceOutputError::State(state))?;
        let expected = match words.get(OSC_LEN) {
            Some(&len) if state == State::OscString && len as usize <= OSC_PAYLOAD_CAP => {
                FIXED_WORDS + (len as usize).div_ceil(4)
            }
            Some(_) if state != State::OscString => FIXED_WORDS,
            _ => usize::MAX,
        };
        if words.len() != expected || words[PARTIAL_LEN] > 3 {
            return Err(DeviceOutputError::Carry(words.len()));
        }
        self.state = state;
        self.words.clear();
        self.words.extend_from_slice(words);
        Ok(())
    }

    /// Words of OSC payload carried: they travel with the stream's next bytes.
    pub fn carried_payload(&self) -> usize {
        self.words().len() - FIXED_WORDS
    }
}

/// The most words of records and carried state a submission of `bytes` stream bytes in
/// `blocks` blocks of `streams` streams, carrying `carried_words` words in all, can make:
/// two a byte (the densest input, such as a control between two printable characters or
/// `ESC ] ESC ]`, makes six bytes a byte), a text header and padding per block, and per
/// stream what its carried state can add (the state written back, a sequence of 32
/// parameters, an OSC string whose payload was carried, written once as a record or once
/// as carried state).
pub fn record_bound(bytes: usize, blocks: usize, streams: usize, carried_words: usize) -> u64 {
    (2 * bytes + 2 * blocks + 128 * streams + 2 * carried_words) as u64
}

/// Checks that the device's bytes are whole records of known kinds, so that nothing
/// malformed reaches the ring (their contents are checked again where they are decoded).
///
/// ```
/// use perdix::backend::check_whole_records;
/// assert!(check_whole_records(&[2, b'\n', 0, 0]).is_ok()); // one execute record
/// assert!(check_whole_records(&[1, 0, 8, 0, b'h', b'i', 0, 0]).is_err()); // cut short
/// ```
pub fn check_whole_records(mut records: &[u8]) -> Result<(), DeviceOutputError> {
    while !records.is_empty() {
        let len = match records.get(..HEADER_LEN) {
            Some(&[kind, _, low, high]) if RecordKind::from_code(kind).is_some() => {
                record_len(u16::from_le_bytes([low, high]) as usize)
            }
            _ => usize::MAX,
        };
        if len > records.len() {
            let header = records[..records.len().min(HEADER_LEN)].to_vec();
            return Err(DeviceOutputError::Record(header));
        }
        records = &records[len..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_words_must_match_their_contents() {
        let mut state = DeviceStreamState::default();
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

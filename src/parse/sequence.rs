//! What a sequence collects between its introducer and its dispatch: parameters,
//! intermediates and the OSC payload, with the limits `vte` applies.

use super::{MAX_INTERMEDIATES, MAX_OSC_PARAMS, MAX_PARAMS, OSC_PAYLOAD_CAP};

/// Parameters of a CSI or DCS sequence, as `vte::Params` holds them: up to
/// [`MAX_PARAMS`] values, each either ending its group (`;`) or followed by a
/// subparameter of the same group (`:`).
///
/// ```
/// use perdix::parse::Params;
/// let mut params = Params::default();
/// params.push(38, true);
/// params.push(5, false);
/// params.push(1, false);
/// assert_eq!(params.to_string(), "38:5;1");
/// assert_eq!(params.groups().count(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params {
    values: [u16; MAX_PARAMS],
    /// Bit `i`: value `i` is followed by a subparameter in the same group.
    continues: u32,
    len: u8,
}

impl Params {
    /// Params from their parts at once (`len` values, bit `i` of `continues` for value
    /// `i`): decoding builds them in registers instead of one push at a time.
    pub(crate) fn from_parts(values: [u16; MAX_PARAMS], continues: u32, len: usize) -> Params {
        debug_assert!(len <= MAX_PARAMS);
        Params {
            values,
            continues,
            len: len as u8,
        }
    }

    /// Number of values (parameters and subparameters).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when no more values fit.
    pub fn is_full(&self) -> bool {
        self.len() == MAX_PARAMS
    }

    /// Appends a value; `continues` marks it as followed by a subparameter. Returns false
    /// (and stores nothing) when full.
    pub fn push(&mut self, value: u16, continues: bool) -> bool {
        if self.is_full() {
            return false;
        }
        self.values[self.len()] = value;
        if continues {
            self.continues |= 1 << self.len;
        }
        self.len += 1;
        true
    }

    /// Value `index` and whether a subparameter follows it.
    pub fn get(&self, index: usize) -> Option<(u16, bool)> {
        (index < self.len()).then(|| (self.values[index], self.continues & (1 << index) != 0))
    }

    /// The values and their continuation flags, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, bool)> + '_ {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    /// The parameter groups (each a parameter and its subparameters), as `vte` yields them.
    pub fn groups(&self) -> impl Iterator<Item = &[u16]> + '_ {
        let mut start = 0;
        std::iter::from_fn(move || {
            if start >= self.len() {
                return None;
            }
            let mut end = start;
            while end + 1 < self.len() && self.continues & (1 << end) != 0 {
                end += 1;
            }
            let group = &self.values[start..=end];
            start = end + 1;
            Some(group)
        })
    }

    fn clear(&mut self) {
        self.len = 0;
        self.continues = 0;
    }
}

impl std::fmt::Display for Params {
    /// The dump form: values joined by `:` within a group and groups by `;`, or `-`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return f.write_str("-");
        }
        for (index, group) in self.groups().enumerate() {
            if index > 0 {
                f.write_str(";")?;
            }
            for (sub, value) in group.iter().enumerate() {
                if sub > 0 {
                    f.write_str(":")?;
                }
                write!(f, "{value}")?;
            }
        }
        Ok(())
    }
}

/// Intermediate bytes (at most [`MAX_INTERMEDIATES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Intermediates {
    bytes: [u8; MAX_INTERMEDIATES],
    len: u8,
}

impl Intermediates {
    /// The bytes collected.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Appends a byte; false when full.
    pub fn push(&mut self, byte: u8) -> bool {
        if self.len as usize == MAX_INTERMEDIATES {
            return false;
        }
        self.bytes[self.len as usize] = byte;
        self.len += 1;
        true
    }

    /// Builds from a slice, keeping at most [`MAX_INTERMEDIATES`] bytes.
    pub fn from_slice(bytes: &[u8]) -> Intermediates {
        let mut out = Intermediates::default();
        for &byte in bytes.iter().take(MAX_INTERMEDIATES) {
            out.push(byte);
        }
        out
    }
}

/// The sequence being collected, carried across batches with the parser state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sequence {
    pub params: Params,
    /// The parameter being read; saturates at `u16::MAX`.
    pub param: u16,
    pub intermediates: Intermediates,
    pub ignore: bool,
    pub osc: OscCollector,
}

impl Sequence {
    pub fn clear(&mut self) {
        self.params.clear();
        self.param = 0;
        self.intermediates = Intermediates::default();
        self.ignore = false;
    }

    pub fn collect(&mut self, byte: u8) {
        if !self.intermediates.push(byte) {
            self.ignore = true;
        }
    }

    pub fn digit(&mut self, byte: u8) {
        self.param = self.param.saturating_mul(10).saturating_add((byte - b'0') as u16);
    }

    /// `;` (`continues` false) or `:` (`continues` true).
    pub fn separator(&mut self, continues: bool) {
        if !self.params.push(self.param, continues) {
            self.ignore = true;
        }
        self.param = 0;
    }

    /// Closes the last parameter before a dispatch or hook.
    pub fn finish_params(&mut self) {
        self.separator(false);
    }
}

/// An OSC string being collected: the payload (capped at [`OSC_PAYLOAD_CAP`] bytes) and
/// where each of its at most [`MAX_OSC_PARAMS`] parameters ends.
#[derive(Debug, Clone, Default)]
pub(crate) struct OscCollector {
    pub payload: Vec<u8>,
    ends: [u32; MAX_OSC_PARAMS],
    params: u8,
}

impl OscCollector {
    pub fn start(&mut self) {
        self.payload.clear();
        self.params = 0;
    }

    /// True while payload bytes are still kept: fewer than the maximum of parameters
    /// closed and room under the cap.
    #[inline]
    pub fn accepts(&self) -> bool {
        (self.params as usize) < MAX_OSC_PARAMS && self.payload.len() < OSC_PAYLOAD_CAP
    }

    /// Appends as many of `bytes` as the limits allow.
    pub fn put_slice(&mut self, bytes: &[u8]) {
        if (self.params as usize) < MAX_OSC_PARAMS {
            let room = OSC_PAYLOAD_CAP.saturating_sub(self.payload.len());
            self.payload.extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
    }

    /// `;`: closes a parameter, unless the string has stopped accepting anything.
    pub fn separator(&mut self) {
        if self.accepts() {
            self.close_param();
        }
    }

    fn close_param(&mut self) {
        if (self.params as usize) < MAX_OSC_PARAMS {
            self.ends[self.params as usize] = self.payload.len() as u32;
            self.params += 1;
        }
    }

    /// Closes the last parameter; returns the payload and the end offset of every parameter.
    pub fn finish(&mut self) -> (&[u8], &[u32]) {
        self.close_param();
        (&self.payload, &self.ends[..self.params as usize])
    }
}

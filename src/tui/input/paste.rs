//! The body of a bracketed paste: every byte up to the end marker `ESC [ 201 ~`, ESC
//! bytes included, delivered as [`Event::Paste`] in parts of bounded size.

use std::collections::VecDeque;

use crossterm::event::Event;

/// What ends a bracketed paste.
const PASTE_END: &[u8] = b"\x1b[201~";

/// A paste being received.
#[derive(Debug)]
pub(super) struct PasteCollector {
    content: Vec<u8>,
    /// How many bytes of [`PASTE_END`] the last bytes received match.
    matched: usize,
    /// The largest part delivered as one event.
    part_size: usize,
}

impl PasteCollector {
    /// A collector that delivers parts of at most `part_size` bytes (at least 4, so that
    /// a part always holds a whole character).
    pub(super) fn new(part_size: usize) -> PasteCollector {
        PasteCollector {
            content: Vec::new(),
            matched: 0,
            part_size: part_size.max(4),
        }
    }

    /// Takes paste bytes from the front of `bytes`, queueing full parts on `events`.
    /// Returns how many bytes it took, and whether they ended the paste (the rest of the
    /// paste is queued then).
    pub(super) fn collect(&mut self, bytes: &[u8], events: &mut VecDeque<Event>) -> (usize, bool) {
        let mut used = 0;
        while used < bytes.len() {
            if self.matched > 0 {
                if bytes[used] == PASTE_END[self.matched] {
                    self.matched += 1;
                    used += 1;
                    if self.matched == PASTE_END.len() {
                        self.matched = 0;
                        let rest = String::from_utf8_lossy(&self.content).into_owned();
                        self.content.clear();
                        events.push_back(Event::Paste(rest));
                        return (used, true);
                    }
                } else {
                    // Not the end after all: what looked like it is pasted text, and the
                    // byte is looked at again (it may be an ESC starting the end).
                    self.content.extend_from_slice(&PASTE_END[..self.matched]);
                    self.matched = 0;
                    self.deliver_full_parts(events);
                }
                continue;
            }
            let rest = &bytes[used..];
            match memchr::memchr(PASTE_END[0], rest) {
                Some(at) => {
                    self.content.extend_from_slice(&rest[..at]);
                    used += at + 1;
                    self.matched = 1;
                }
                None => {
                    self.content.extend_from_slice(rest);
                    used = bytes.len();
                }
            }
            self.deliver_full_parts(events);
        }
        (used, false)
    }

    /// Queues parts of `part_size` bytes (less when a character would be cut) while that
    /// much is held. The cuts depend only on the pasted bytes, never on how they were
    /// split into reads.
    fn deliver_full_parts(&mut self, events: &mut VecDeque<Event>) {
        while self.content.len() >= self.part_size {
            let cut = char_boundary_before(&self.content, self.part_size);
            let part: Vec<u8> = self.content.drain(..cut).collect();
            events.push_back(Event::Paste(String::from_utf8_lossy(&part).into_owned()));
        }
    }
}

/// The largest cut at or below `limit` that does not split a UTF-8 character at its end
/// (bytes that are not UTF-8 at all are cut anywhere).
fn char_boundary_before(bytes: &[u8], limit: usize) -> usize {
    let is_continuation = |byte: u8| byte & 0xc0 == 0x80;
    // A character is at most 4 bytes: look back over up to 3 continuation bytes for its
    // lead byte.
    let lead = (limit.saturating_sub(4)..limit)
        .rev()
        .find(|&at| !is_continuation(bytes[at]));
    match lead {
        Some(at) if at > 0 => {
            let needed = match bytes[at] {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf7 => 4,
                _ => 1,
            };
            if at + needed > limit {
                at
            } else {
                limit
            }
        }
        _ => limit,
    }
}

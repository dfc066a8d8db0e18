//! The `vte::Perform` that turns `vte`'s calls into records.

use super::super::record::RecordWriter;

/// A `vte::Perform` that writes records; prints and puts extend the open run in place.
pub(super) struct RecordPerformer<'w, 'o> {
    pub(super) writer: &'w mut RecordWriter<'o>,
    /// Set by a call after which `vte` is always in ground: CSI and ESC dispatches, and an
    /// OSC dispatch for BEL (not one for CAN, SUB or ESC, which may leave it in escape).
    pub(super) reached_ground: bool,
    osc_payload: &'w mut Vec<u8>,
    osc_ends: &'w mut Vec<u32>,
}

impl<'w, 'o> RecordPerformer<'w, 'o> {
    pub(super) fn new(
        writer: &'w mut RecordWriter<'o>,
        osc_payload: &'w mut Vec<u8>,
        osc_ends: &'w mut Vec<u32>,
    ) -> Self {
        RecordPerformer {
            writer,
            reached_ground: false,
            osc_payload,
            osc_ends,
        }
    }
}

impl vte::Perform for RecordPerformer<'_, '_> {
    #[inline(always)]
    fn print(&mut self, c: char) {
        self.writer.char(c);
    }

    fn execute(&mut self, byte: u8) {
        self.writer.execute(byte);
    }

    fn hook(&mut self, params: &vte::Params, intermediates: &[u8], ignore: bool, action: char) {
        self.writer
            .sequence_from_groups(true, params.iter(), intermediates, ignore, action as u8);
    }

    #[inline(always)]
    fn put(&mut self, byte: u8) {
        self.writer.put_byte(byte);
    }

    fn unhook(&mut self) {
        self.writer.unhook();
    }

    fn osc_dispatch(&mut self, params: &[&[u8]], bell_terminated: bool) {
        self.osc_payload.clear();
        self.osc_ends.clear();
        for param in params {
            self.osc_payload.extend_from_slice(param);
            self.osc_ends.push(self.osc_payload.len() as u32);
        }
        self.writer.osc(self.osc_payload, self.osc_ends, bell_terminated);
        self.reached_ground = bell_terminated;
    }

    fn csi_dispatch(&mut self, params: &vte::Params, intermediates: &[u8], ignore: bool, action: char) {
        self.writer
            .sequence_from_groups(false, params.iter(), intermediates, ignore, action as u8);
        self.reached_ground = true;
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], ignore: bool, byte: u8) {
        self.writer.esc(intermediates, ignore, byte);
        self.reached_ground = true;
    }

    /// Stops `advance_until_terminated` once `vte` is in ground, so that the text that
    /// follows is written without it.
    #[inline(always)]
    fn terminated(&self) -> bool {
        self.reached_ground
    }
}

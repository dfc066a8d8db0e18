//! Steps 2 and 3 of the scan: every byte's action by table lookup, compaction of the
//! actions into events (runs of text, put and OSC bytes collapse into one event each;
//! ignored bytes vanish), and the records the events make.

use super::super::record::RecordWriter;
use super::super::sequence::Sequence;
use super::super::table::{transition, Action, State};
use super::super::utf8::{decode_ground, PartialChar};

/// One compacted event: an action over `start..end` (one byte unless it is a run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The action.
    pub action: Action,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

fn is_run(action: Action) -> bool {
    matches!(action, Action::Ground | Action::Put | Action::OscPut)
}

/// Looks up every byte's action from its state and compacts them into `events`.
pub fn compact(bytes: &[u8], states: &[State], events: &mut Vec<Event>) {
    events.clear();
    for (index, (&byte, &state)) in bytes.iter().zip(states).enumerate() {
        let action = transition(state, byte).action;
        if action == Action::Ignore {
            continue;
        }
        let index = index as u32;
        if let Some(last) = events.last_mut() {
            if is_run(action) && last.action == action && last.end == index {
                last.end = index + 1;
                continue;
            }
        }
        events.push(Event {
            action,
            start: index,
            end: index + 1,
        });
    }
}

/// What the emit step carries: the open sequence and a partial UTF-8 character.
pub struct Emitter<'s> {
    /// The sequence being collected.
    pub sequence: &'s mut Sequence,
    /// The incomplete character at the end of the last ground run.
    pub partial: &'s mut PartialChar,
}

impl Emitter<'_> {
    /// Turns the events of `bytes` into records.
    pub fn emit(&mut self, bytes: &[u8], events: &[Event], writer: &mut RecordWriter<'_>) {
        for event in events {
            let run = &bytes[event.start as usize..event.end as usize];
            let byte = run[0];
            let seq = &mut *self.sequence;
            match event.action {
                Action::Ignore => {}
                Action::Ground => decode_ground(self.partial, run, writer),
                Action::Execute => writer.execute(byte),
                Action::Clear => {
                    // ESC ends a ground run: an unfinished character becomes U+FFFD.
                    self.partial.flush(writer);
                    seq.clear();
                }
                Action::Collect => seq.collect(byte),
                Action::Param => seq.digit(byte),
                Action::ParamSeparator => seq.separator(false),
                Action::SubparamSeparator => seq.separator(true),
                Action::EscDispatch => writer.esc(seq.intermediates.as_slice(), seq.ignore, byte),
                Action::CsiDispatch => {
                    seq.finish_params();
                    writer.csi(&seq.params, seq.intermediates.as_slice(), seq.ignore, byte);
                }
                Action::Hook => {
                    seq.finish_params();
                    writer.hook(&seq.params, seq.intermediates.as_slice(), seq.ignore, byte);
                }
                Action::Put => writer.put(run),
                Action::Unhook => writer.unhook(),
                Action::OscStart => seq.osc.start(),
                Action::OscPut => seq.osc.put_slice(run),
                Action::OscSeparator => seq.osc.separator(),
                Action::OscEndBell | Action::OscEndClear | Action::OscEndExecute => {
                    let (payload, ends) = seq.osc.finish();
                    writer.osc(payload, ends, event.action == Action::OscEndBell);
                    match event.action {
                        Action::OscEndClear => seq.clear(),
                        Action::OscEndExecute => writer.execute(byte),
                        _ => {}
                    }
                }
                Action::UnhookClear => {
                    writer.unhook();
                    seq.clear();
                }
                Action::UnhookExecute => {
                    writer.unhook();
                    writer.execute(byte);
                }
            }
        }
    }
}

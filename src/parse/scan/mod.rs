//! The `cpu-scan` backend: the GPU algorithm, run on the CPU, as the executable
//! specification of the shaders and kernels.
//!
//! 1. [`states`]: the state before every byte, from segment splitting at ESC/CAN/SUB and a
//!    scan over composed 14-nibble transition functions;
//! 2. `emit::compact`: every byte's action by table lookup, compacted into events;
//! 3. `emit::Emitter`: records from the events (sequence collection, UTF-8 decoding).

pub(crate) mod emit;
pub mod states;

use super::backend::{Backend, RecordBatch, StreamWork};
use super::error::ParseError;
use super::sequence::Sequence;
use super::table::State;
use super::utf8::PartialChar;
use emit::{compact, Emitter, Event};

/// The scan backend; holds only scratch space reused across batches.
#[derive(Debug, Default)]
pub struct ScanBackend {
    states: Vec<State>,
    events: Vec<Event>,
}

/// What the scan backend carries per stream; the wgpu backend carries the same, its
/// device computing the states and the same emitter building the records.
#[derive(Debug, Default, Clone)]
pub struct ScanStreamState {
    state: State,
    sequence: Sequence,
    partial: PartialChar,
}

impl ScanStreamState {
    /// The parser state after the stream's last byte.
    pub fn state(&self) -> State {
        self.state
    }

    /// Writes the records of `bytes`, given their `events`, to `stream` in `out`, and
    /// moves the stream on to `end`, the state after the last of `bytes`.
    pub(crate) fn emit(
        &mut self,
        stream: u16,
        bytes: &[u8],
        events: &[Event],
        end: State,
        out: &mut RecordBatch,
    ) {
        out.write(stream, |writer| {
            Emitter {
                sequence: &mut self.sequence,
                partial: &mut self.partial,
            }
            .emit(bytes, events, writer)
        });
        self.state = end;
    }
}

impl Backend for ScanBackend {
    type StreamState = ScanStreamState;

    fn name(&self) -> &'static str {
        "cpu-scan"
    }

    fn parse_batch(
        &mut self,
        batch: &mut [StreamWork<'_, ScanStreamState>],
        out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        for work in batch.iter_mut() {
            // Streams are independent: on a device each is its own range of the launch.
            let end = states::byte_states(work.state.state, work.bytes, &mut self.states);
            compact(work.bytes, &self.states, &mut self.events);
            work.state.emit(work.stream, work.bytes, &self.events, end, out);
        }
        Ok(())
    }

    fn finish_stream(
        &mut self,
        _stream: u16,
        _state: &mut ScanStreamState,
        _out: &mut RecordBatch,
    ) -> Result<(), ParseError> {
        // Nothing is held back: a partial character at the very end prints nothing, as in vte.
        Ok(())
    }
}

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

/// What the scan backend carries per stream.
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
            let bytes = work.bytes;
            let state = &mut work.state;
            let end = states::byte_states(state.state, bytes, &mut self.states);
            compact(bytes, &self.states, &mut self.events);
            let events = &self.events;
            out.write(work.stream, |writer| {
                Emitter {
                    sequence: &mut state.sequence,
                    partial: &mut state.partial,
                }
                .emit(bytes, events, writer)
            });
            state.state = end;
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

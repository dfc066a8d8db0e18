//! Differential fuzzing: every backend, fed the input in fuzzer-chosen chunks, must dump
//! exactly what `vte` dumps for the whole input.
//!
//! The first byte picks the chunk size (1–256 bytes, or 0 for the whole input); the rest
//! is the terminal output.

#![no_main]

#[path = "../../tests/support/reference.rs"]
mod reference;

use libfuzzer_sys::fuzz_target;
use perdix::backend::{Pipeline, PipelineConfig};
use perdix::parse::{BackendKind, OSC_PAYLOAD_CAP};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, input)) = data.split_first() else {
        return;
    };
    // Past the cap the backends deliberately differ from vte (which keeps everything).
    if input.len() > OSC_PAYLOAD_CAP {
        return;
    }
    let expected = reference::reference_dump(input);
    let chunk = if chunk == 0 {
        input.len().max(1)
    } else {
        chunk as usize
    };
    let config = PipelineConfig {
        input_slots: 16,
        record_slots: 512,
    };
    for kind in [BackendKind::Cpu, BackendKind::CpuScan] {
        let mut pipeline = Pipeline::new(kind, config).expect("cpu backends always exist");
        for piece in input.chunks(chunk) {
            pipeline.feed(0, piece).expect("feed");
            pipeline.run_batch().expect("batch");
        }
        pipeline.finish(0).expect("finish");
        let actual = pipeline.take_dump(0);
        assert_eq!(expected, actual, "backend {kind}, chunk {chunk}, input {input:?}");
    }
});

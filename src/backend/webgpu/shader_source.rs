//! The WGSL source of the parse passes: constants generated from the Rust sources (state
//! table, record layout, limits, the carried-state layout), then the files of `shaders/`.

use crate::backend::device_constants::device_constants;
pub use crate::backend::device_constants::BLOCK_BYTES;
use crate::parse::table::{packed_table, transition_functions, IDENTITY_FUNCTION, STATE_COUNT};
use std::fmt::Write;

/// Invocations per workgroup, and elements per level of the scans.
pub const WORKGROUP: usize = 256;

const COMMON: &str = include_str!("../../../shaders/common.wgsl");
const SCAN: &str = include_str!("../../../shaders/scan.wgsl");
const RECORDS: &str = include_str!("../../../shaders/records.wgsl");
const BLOCKS: &str = include_str!("../../../shaders/blocks.wgsl");

/// Words of the machine buffer before the transition functions: the packed table.
pub const MACHINE_FUNCTIONS_AT: usize = STATE_COUNT * 256;

/// The whole shader module: generated constants, then the shared code and the passes.
///
/// ```
/// let source = perdix::backend::webgpu::shader_source();
/// assert!(source.contains("const STATE_COUNT: u32 = 14u;"));
/// assert!(source.contains("const ACTION_CSI_DISPATCH: u32 = 9u;"));
/// assert!(source.contains("fn block_records"));
/// ```
pub fn shader_source() -> String {
    let mut source = String::from("// Generated from src/parse/table.rs at start-up.\n");
    let mut constant = |name: &str, value: u64| {
        writeln!(source, "const {name}: u32 = {value}u;").expect("writing to a String");
    };
    constant("WORKGROUP", WORKGROUP as u64);
    constant("MACHINE_FUNCTIONS_AT", MACHINE_FUNCTIONS_AT as u64);
    for (name, value) in device_constants() {
        constant(&name, value);
    }
    writeln!(
        source,
        "const IDENTITY: vec2<u32> = vec2<u32>({}u, {}u);",
        IDENTITY_FUNCTION as u32,
        (IDENTITY_FUNCTION >> 32) as u32
    )
    .expect("writing to a String");
    for part in [COMMON, SCAN, RECORDS, BLOCKS] {
        source.push('\n');
        source.push_str(part);
    }
    source
}

/// The contents of the machine buffer: the packed table (`next | action << 8` at
/// `state * 256 + byte`), then each byte's transition function as two words.
pub fn machine_words() -> Vec<u32> {
    let mut words: Vec<u32> = packed_table().iter().map(|&entry| entry as u32).collect();
    for &function in transition_functions() {
        words.push(function as u32);
        words.push((function >> 32) as u32);
    }
    words
}

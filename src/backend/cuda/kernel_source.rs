//! The CUDA C source of every kernel: constants generated from the Rust state table,
//! record layout, limits, carried-state layout and ring layout (the parse constants are the
//! list the WGSL gets too), then the files of `kernels/`. The table itself is uploaded as
//! data ([`machine_tables`]), so no kernel holds a hand-written copy of it.

use crate::backend::device_constants::device_constants;
pub use crate::backend::device_constants::BLOCK_BYTES;
use crate::parse::table::{packed_table, transition_functions, IDENTITY_FUNCTION, STATE_COUNT};
use crate::ring::layout::{offsets, ControlLine, Header, FLAG_CONSUMER_ATTACHED, HEADER_SIZE, SLOT_SIZE};
use std::fmt::Write;
use std::mem::offset_of;

/// Threads per thread block, and elements per level of the scans.
pub const BLOCK_THREADS: usize = 256;

const MACHINE: &str = include_str!("../../../kernels/machine.cu");
const RECORDS: &str = include_str!("../../../kernels/records.cu");
const PARSE: &str = include_str!("../../../kernels/parse.cu");
const PUBLISH: &str = include_str!("../../../kernels/publish.cu");

/// Offset of the attachment flags in the ring header: the device code reads them while
/// it waits for room, to stop when the consumer has gone.
const HEADER_CONTROL_FLAGS: usize = offset_of!(Header, control) + offset_of!(ControlLine, flags);

/// The kernels of `kernels/`, one compilation unit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CudaKernel {
    /// `kernels/machine.cu`, `kernels/records.cu` and `kernels/parse.cu`: block transition
    /// functions, scans, record sizes and records.
    Parse,
    /// `kernels/publish.cu`: built messages into the mapped ring.
    Publish,
}

impl CudaKernel {
    /// Every kernel file.
    pub const ALL: [CudaKernel; 2] = [CudaKernel::Parse, CudaKernel::Publish];

    /// The entry points the file defines.
    pub const fn functions(self) -> &'static [&'static str] {
        match self {
            CudaKernel::Parse => &[
                "block_functions",
                "scan_function_level",
                "add_function_level",
                "block_counts",
                "scan_count_level",
                "add_count_level",
                "block_records",
            ],
            CudaKernel::Publish => &["publish_records"],
        }
    }
}

/// A kernel's complete source and the name NVRTC knows it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelSource {
    /// The file name, used as the program name in NVRTC's messages.
    pub name: &'static str,
    /// Generated constants, then the file.
    pub source: String,
}

/// The source of `kernel`, ready for [`CudaRuntimeCompiler::compile`](super::CudaRuntimeCompiler::compile).
///
/// ```
/// use perdix::runtime::{get_kernel_source, CudaKernel};
/// let kernel = get_kernel_source(CudaKernel::Parse);
/// assert_eq!(kernel.name, "parse.cu");
/// assert!(kernel.source.contains("constexpr unsigned int STATE_COUNT = 14u;"));
/// assert!(kernel.source.contains("block_records"));
/// ```
pub fn get_kernel_source(kernel: CudaKernel) -> KernelSource {
    match kernel {
        CudaKernel::Parse => {
            let mut source = record_walk_source();
            source.push('\n');
            source.push_str(PARSE);
            KernelSource {
                name: "parse.cu",
                source,
            }
        }
        CudaKernel::Publish => {
            let mut source = String::from("// Generated from src/ring/layout.rs at start-up.\n");
            let mut constant = |name: &str, value: usize| {
                writeln!(source, "constexpr unsigned int {name} = {value}u;").expect("writing to a String");
            };
            constant("HEADER_SIZE", HEADER_SIZE);
            constant("SLOT_SIZE", SLOT_SIZE);
            constant("HEADER_READ", offsets::HEADER_READ);
            constant("HEADER_CONTROL_FLAGS", HEADER_CONTROL_FLAGS);
            constant("FLAG_CONSUMER_ATTACHED", FLAG_CONSUMER_ATTACHED as usize);
            source.push('\n');
            source.push_str(PUBLISH);
            KernelSource {
                name: "publish.cu",
                source,
            }
        }
    }
}

/// The generated parse constants, then `kernels/machine.cu` and `kernels/records.cu`: every
/// helper the parse kernels walk a block with, and nothing that needs a device. It begins
/// the parse kernel's source, and the host emulation compiles it as host C++ behind a
/// header that defines the CUDA qualifiers away.
///
/// ```
/// let source = perdix::runtime::record_walk_source();
/// assert!(source.contains("constexpr unsigned int CARRY_FIXED_WORDS = "));
/// assert!(source.contains("walk_block("));
/// assert!(!source.contains("__global__"));
/// ```
pub fn record_walk_source() -> String {
    let mut source =
        String::from("// Generated from src/parse and src/backend/device_output.rs at start-up.\n");
    // The list is shared with the WGSL, so not every constant is used here: NVRTC would
    // warn about those.
    for (name, value) in device_constants() {
        writeln!(
            source,
            "[[maybe_unused]] constexpr unsigned int {name} = {value}u;"
        )
        .expect("writing to a String");
    }
    writeln!(source, "constexpr unsigned int BLOCK_THREADS = {BLOCK_THREADS}u;")
        .expect("writing to a String");
    for (name, value) in [
        ("IDENTITY_FUNCTION", IDENTITY_FUNCTION),
        ("ONE_IN_EVERY_STATE", one_in_every_state()),
    ] {
        writeln!(source, "constexpr unsigned long long {name} = {value:#x}ull;")
            .expect("writing to a String");
    }
    for part in [MACHINE, RECORDS] {
        source.push('\n');
        source.push_str(part);
    }
    source
}

/// The function sending every state to state 1; `s` times it sends every state to `s`.
const fn one_in_every_state() -> u64 {
    let mut f = 0u64;
    let mut s = 0;
    while s < STATE_COUNT {
        f |= 1 << (4 * s);
        s += 1;
    }
    f
}

/// What the parse kernels read the state machine from: the packed table
/// (`next | action << 8` at `state * 256 + byte`, one word each) and each byte's
/// transition function.
pub(crate) fn machine_tables() -> (Vec<u32>, Vec<u64>) {
    let table = packed_table().iter().map(|&entry| entry as u32).collect();
    (table, transition_functions().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::table::{apply_function, State};

    #[test]
    fn the_constant_functions_send_every_state_to_one() {
        for target in State::ALL {
            let f = target as u64 * one_in_every_state();
            for state in State::ALL {
                assert_eq!(apply_function(f, state), target);
            }
        }
    }

    #[test]
    fn every_kernel_source_defines_its_entry_points_and_the_tables_are_complete() {
        for kernel in CudaKernel::ALL {
            let source = get_kernel_source(kernel);
            assert!(source.source.starts_with("// Generated"));
            for function in kernel.functions() {
                assert!(source.source.contains(&format!("{function}(")), "{function}");
            }
        }
        let (table, functions) = machine_tables();
        assert_eq!(table.len(), STATE_COUNT * 256);
        assert_eq!(functions.len(), 256);
    }
}

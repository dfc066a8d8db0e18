//! Backends chosen at run time, and the GPU backends themselves.
//!
//! [`parse`](crate::parse) owns the record format, the state table, the [`Backend`] trait
//! and the CPU backends; this module depends on it (never the other way round) and adds
//! device discovery ([`resolve`]), the `wgpu` backend ([`webgpu`]), the `cuda` backend
//! ([`cuda`]), the engine on a kind chosen at run time ([`AnyEngine`]) and the two places
//! that build one from a kind: the single-thread [`Pipeline`] and the app's [`ParseStage`].
//!
//! `--backend auto` ([`auto`]) runs a device backend only where it has proven itself on
//! this device: without a GPU device node it takes `cpu` without loading any driver;
//! otherwise `cuda` (driver, device and NVRTC there) and `wgpu` (a hardware adapter) are
//! candidates, and each runs a self-check once per device, driver and Perdix version
//! (cached on disk): the same records as `cpu` on a built-in corpus, and faster end to
//! end. The fastest that passed runs, else `cpu`. A software wgpu adapter (Mesa's
//! lavapipe, `DeviceType::Cpu`) runs the shaders on the CPU and is never a candidate;
//! naming `wgpu` explicitly still runs it on lavapipe, which is how the tests check the
//! shaders without a GPU. No probe lets a driver write to the terminal.
//!
//! [`Backend`]: crate::parse::Backend

mod any_engine;
pub mod auto;
pub mod cuda;
mod device_batch;
mod device_constants;
mod device_output;
mod pipeline;
mod progress;
mod publish;
mod quiet_stderr;
mod stage;
#[cfg(test)]
mod test_support;
pub mod webgpu;

pub use any_engine::AnyEngine;
pub use device_output::{
    check_whole_records, record_bound, DeviceOutputError, DeviceStreamState,
    FIXED_WORDS as CARRY_FIXED_WORDS, LAYOUT as CARRY_LAYOUT,
};
pub use pipeline::{Pipeline, PipelineConfig};
pub use progress::{ProgressLog, ProgressMark, PROGRESS_LOG_CAPACITY};
pub use publish::{check_record_ring, publish_records, record_tag, MIN_RECORD_SLOTS};
pub use stage::{InjectedFault, ParseStage, StageInputs, StageNotice, STAGE_THREAD};

use crate::parse::{BackendKind, ParseError};
use std::sync::OnceLock;

/// The backend that will actually run for `kind`: `auto` becomes the best one available;
/// a backend that cannot run here is an error, never a panic.
///
/// ```
/// use perdix::backend::resolve;
/// use perdix::parse::BackendKind;
/// assert_eq!(resolve(BackendKind::CpuScan).unwrap(), BackendKind::CpuScan);
/// assert_ne!(resolve(BackendKind::Auto).unwrap(), BackendKind::Auto);
/// // cuda resolves exactly where its probe succeeds.
/// assert_eq!(resolve(BackendKind::Cuda).is_ok(), perdix::backend::cuda::probe().is_ok());
/// ```
pub fn resolve(kind: BackendKind) -> Result<BackendKind, ParseError> {
    match kind {
        BackendKind::Auto => Ok(auto_choice().0),
        BackendKind::Cpu | BackendKind::CpuScan => Ok(kind),
        BackendKind::Wgpu => match webgpu::probe() {
            Ok(_) => Ok(kind),
            Err(_) => Err(ParseError::BackendUnavailable {
                name: kind.name(),
                reason: "no wgpu adapter (no Vulkan, Metal or DX12 driver that wgpu accepts)",
            }),
        },
        BackendKind::Cuda => match cuda::probe() {
            Ok(_) => Ok(kind),
            Err(error) => Err(ParseError::BackendUnavailable {
                name: kind.name(),
                reason: error.reason(),
            }),
        },
    }
}

/// What `auto` picks here, and one line saying why; worked out once per process (see
/// [`auto`]).
///
/// ```
/// let (kind, why) = perdix::backend::auto_choice();
/// assert!(!why.is_empty());
/// assert_ne!(kind, perdix::parse::BackendKind::Auto);
/// // A device backend only after it passed its self-check.
/// if kind != perdix::parse::BackendKind::Cpu {
///     assert!(why.contains("same records as cpu and"), "{why}");
/// }
/// assert_eq!(perdix::backend::auto_choice(), (kind, why)); // the same answer every time
/// ```
pub fn auto_choice() -> (BackendKind, String) {
    static CHOICE: OnceLock<auto::AutoChoice> = OnceLock::new();
    let choice = CHOICE.get_or_init(auto::choose_here);
    (choice.kind, choice.why.clone())
}

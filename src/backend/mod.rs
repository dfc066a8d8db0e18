//! Backends chosen at run time, and the GPU backends themselves.
//!
//! [`parse`](crate::parse) owns the record format, the state table, the [`Backend`] trait
//! and the CPU backends; this module depends on it (never the other way round) and adds
//! device discovery ([`resolve`]), the `wgpu` backend ([`webgpu`]), the `cuda` backend
//! ([`cuda`]), the engine on a kind chosen at run time ([`AnyEngine`]) and the two places
//! that build one from a kind: the single-thread [`Pipeline`] and the app's [`ParseStage`].
//!
//! `--backend auto` picks `cuda` when the driver, a device and NVRTC are there, else
//! `wgpu` on a hardware adapter, else `cpu`. A software wgpu adapter (Mesa's lavapipe,
//! `DeviceType::Cpu`) runs the shaders on the CPU, slower than the `cpu` backend, so auto
//! passes it over; naming `wgpu` explicitly still runs it on lavapipe, which is how the
//! tests check the shaders without a GPU.
//!
//! [`Backend`]: crate::parse::Backend

mod any_engine;
pub mod cuda;
mod device_batch;
mod device_constants;
mod device_output;
mod pipeline;
mod progress;
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
pub use stage::{ParseStage, StageInputs};

use crate::parse::{BackendKind, ParseError};

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

/// What `auto` picks here, and one line saying why.
///
/// ```
/// let (kind, why) = perdix::backend::auto_choice();
/// assert!(!why.is_empty());
/// assert_ne!(kind, perdix::parse::BackendKind::Auto);
/// // cuda comes first wherever it can run, and never where it cannot.
/// let cuda = perdix::backend::cuda::probe().is_ok();
/// assert_eq!(kind == perdix::parse::BackendKind::Cuda, cuda);
/// ```
pub fn auto_choice() -> (BackendKind, String) {
    let cuda = match cuda::probe() {
        Ok(device) => return (BackendKind::Cuda, format!("cuda on {device}")),
        Err(error) => error,
    };
    match webgpu::probe() {
        Ok(adapter) if !adapter.software => (BackendKind::Wgpu, format!("wgpu on {adapter}")),
        Ok(adapter) => (
            BackendKind::Cpu,
            format!("cpu: {cuda}; the only wgpu adapter, {adapter}, is a software one"),
        ),
        Err(error) => (BackendKind::Cpu, format!("cpu: {cuda}; {error}")),
    }
}

//! Backends chosen at run time, and the GPU backends themselves.
//!
//! [`parse`](crate::parse) owns the record format, the state table, the [`Backend`] trait
//! and the CPU backends; this module depends on it (never the other way round) and adds
//! device discovery ([`resolve`]), the `wgpu` backend ([`webgpu`]), the engine on a kind
//! chosen at run time ([`AnyEngine`]) and the two places that build one from a kind: the
//! single-thread [`Pipeline`] and the app's [`ParseStage`].
//!
//! `--backend auto` picks `wgpu` only on a hardware adapter: a software one (Mesa's
//! lavapipe, `DeviceType::Cpu`) runs the shaders on the CPU, slower than the `cpu`
//! backend, so there auto stays on `cpu`. Naming `wgpu` explicitly still runs it on
//! lavapipe, which is how the tests check the shaders without a GPU.
//!
//! [`Backend`]: crate::parse::Backend

mod any_engine;
mod pipeline;
mod progress;
mod stage;
pub mod webgpu;

pub use any_engine::AnyEngine;
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
/// assert!(resolve(BackendKind::Cuda).is_err());
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
        BackendKind::Cuda => Err(ParseError::BackendUnavailable {
            name: kind.name(),
            reason: "not built into this version of perdix",
        }),
    }
}

/// What `auto` picks here, and one line saying why.
///
/// ```
/// let (kind, why) = perdix::backend::auto_choice();
/// assert!(!why.is_empty());
/// assert_ne!(kind, perdix::parse::BackendKind::Auto);
/// ```
pub fn auto_choice() -> (BackendKind, String) {
    match webgpu::probe() {
        Ok(adapter) if !adapter.software => (BackendKind::Wgpu, format!("wgpu on {adapter}")),
        Ok(adapter) => (
            BackendKind::Cpu,
            format!("cpu: the only wgpu adapter, {adapter}, is a software one"),
        ),
        Err(error) => (BackendKind::Cpu, format!("cpu: {error}")),
    }
}

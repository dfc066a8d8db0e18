//! An engine on a backend chosen at run time.

use super::cuda::CudaBackend;
use super::resolve;
use super::webgpu::WgpuBackend;
use crate::parse::{BackendKind, CpuBackend, Engine, ParseError, RecordBatch, ScanBackend};

/// An engine on any backend chosen at run time.
///
/// ```
/// use perdix::backend::AnyEngine;
/// use perdix::parse::BackendKind;
/// let mut engine = AnyEngine::new(BackendKind::CpuScan).unwrap();
/// assert_eq!(engine.backend_name(), "cpu-scan");
/// assert!(!engine.parse(&[(0, b"hi")]).unwrap().is_empty());
/// // cuda runs exactly where its probe succeeds (and its kernels build).
/// if perdix::backend::cuda::probe().is_err() {
///     assert!(AnyEngine::new(BackendKind::Cuda).is_err());
/// }
/// ```
pub enum AnyEngine {
    /// On `vte`.
    Cpu(Engine<CpuBackend>),
    /// On the scan algorithm.
    CpuScan(Engine<ScanBackend>),
    /// On WGSL compute shaders (boxed: the backend holds device handles and buffers).
    Wgpu(Box<Engine<WgpuBackend>>),
    /// On CUDA kernels (boxed: the backend holds device buffers).
    Cuda(Box<Engine<CudaBackend>>),
}

impl AnyEngine {
    /// An engine on `kind` (after [`resolve`]).
    pub fn new(kind: BackendKind) -> Result<AnyEngine, ParseError> {
        Ok(match resolve(kind)? {
            BackendKind::CpuScan => AnyEngine::CpuScan(Engine::new(ScanBackend::default())),
            BackendKind::Wgpu => AnyEngine::Wgpu(Box::new(Engine::new(WgpuBackend::new()?))),
            BackendKind::Cuda => AnyEngine::Cuda(Box::new(Engine::new(CudaBackend::new()?))),
            _ => AnyEngine::Cpu(Engine::new(CpuBackend::default())),
        })
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        match self {
            AnyEngine::Cpu(engine) => engine.backend_name(),
            AnyEngine::CpuScan(engine) => engine.backend_name(),
            AnyEngine::Wgpu(engine) => engine.backend_name(),
            AnyEngine::Cuda(engine) => engine.backend_name(),
        }
    }

    /// See [`Engine::parse`].
    pub fn parse(&mut self, inputs: &[(u16, &[u8])]) -> Result<&RecordBatch, ParseError> {
        match self {
            AnyEngine::Cpu(engine) => engine.parse(inputs),
            AnyEngine::CpuScan(engine) => engine.parse(inputs),
            AnyEngine::Wgpu(engine) => engine.parse(inputs),
            AnyEngine::Cuda(engine) => engine.parse(inputs),
        }
    }

    /// See [`Engine::last_records`].
    pub fn last_records(&self) -> &RecordBatch {
        match self {
            AnyEngine::Cpu(engine) => engine.last_records(),
            AnyEngine::CpuScan(engine) => engine.last_records(),
            AnyEngine::Wgpu(engine) => engine.last_records(),
            AnyEngine::Cuda(engine) => engine.last_records(),
        }
    }

    /// See [`Engine::forget`].
    pub fn forget(&mut self, stream: u16) {
        match self {
            AnyEngine::Cpu(engine) => engine.forget(stream),
            AnyEngine::CpuScan(engine) => engine.forget(stream),
            AnyEngine::Wgpu(engine) => engine.forget(stream),
            AnyEngine::Cuda(engine) => engine.forget(stream),
        }
    }

    /// The backend that runs, as a kind.
    pub fn kind(&self) -> BackendKind {
        match self {
            AnyEngine::Cpu(_) => BackendKind::Cpu,
            AnyEngine::CpuScan(_) => BackendKind::CpuScan,
            AnyEngine::Wgpu(_) => BackendKind::Wgpu,
            AnyEngine::Cuda(_) => BackendKind::Cuda,
        }
    }

    /// See [`Engine::finish`].
    pub fn finish(&mut self, stream: u16) -> Result<&RecordBatch, ParseError> {
        match self {
            AnyEngine::Cpu(engine) => engine.finish(stream),
            AnyEngine::CpuScan(engine) => engine.finish(stream),
            AnyEngine::Wgpu(engine) => engine.finish(stream),
            AnyEngine::Cuda(engine) => engine.finish(stream),
        }
    }
}

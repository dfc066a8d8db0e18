//! The process's CUDA device: one context and the compiled kernels, shared by every cuda
//! backend and GPU producer of the process.

use super::compiler::CudaRuntimeCompiler;
use super::error::CudaError;
use super::kernel_source::{get_kernel_source, CudaKernel};
use super::probe::{probe, CudaDeviceSummary};
use cudarc::driver::{CudaContext, CudaFunction};
use std::sync::{Arc, OnceLock};

/// The entry points of `kernels/parse.cu`.
pub(crate) struct ParseKernels {
    pub block_functions: CudaFunction,
    pub scan_function_level: CudaFunction,
    pub add_function_level: CudaFunction,
    pub block_counts: CudaFunction,
    pub scan_count_level: CudaFunction,
    pub add_count_level: CudaFunction,
    pub block_records: CudaFunction,
}

/// A context on device 0 with every kernel loaded.
pub struct CudaDevice {
    summary: CudaDeviceSummary,
    pub(crate) context: Arc<CudaContext>,
    pub(crate) parse: ParseKernels,
    pub(crate) publish_records: CudaFunction,
}

impl CudaDevice {
    /// The process's device, opened and its kernels compiled (or taken from the PTX
    /// cache) on first use; an error when the probe fails or a kernel does not build.
    pub fn shared() -> Result<Arc<CudaDevice>, CudaError> {
        static DEVICE: OnceLock<Result<Arc<CudaDevice>, CudaError>> = OnceLock::new();
        DEVICE.get_or_init(|| CudaDevice::open().map(Arc::new)).clone()
    }

    fn open() -> Result<CudaDevice, CudaError> {
        let summary = probe()?;
        let compiler = CudaRuntimeCompiler::new()?;
        let load = |kernel: CudaKernel| {
            let source = get_kernel_source(kernel);
            let ptx = compiler.compile(&source.source, source.name)?;
            compiler.load_ptx(&ptx)
        };
        let parse = load(CudaKernel::Parse)?;
        let publish = load(CudaKernel::Publish)?;
        let context = Arc::clone(compiler.context().ok_or(CudaError::NoContext)?);
        Ok(CudaDevice {
            summary,
            context,
            parse: ParseKernels {
                block_functions: parse.get_function("block_functions")?,
                scan_function_level: parse.get_function("scan_function_level")?,
                add_function_level: parse.get_function("add_function_level")?,
                block_counts: parse.get_function("block_counts")?,
                scan_count_level: parse.get_function("scan_count_level")?,
                add_count_level: parse.get_function("add_count_level")?,
                block_records: parse.get_function("block_records")?,
            },
            publish_records: publish.get_function("publish_records")?,
        })
    }

    /// What the device is.
    pub fn summary(&self) -> &CudaDeviceSummary {
        &self.summary
    }

    /// Its context.
    pub fn context(&self) -> &Arc<CudaContext> {
        &self.context
    }
}

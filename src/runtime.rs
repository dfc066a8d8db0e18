//! Run-time compilation of the CUDA kernels, under the names the rest of the CUDA world
//! uses: [`get_kernel_source`] gives a kernel's source and name, a
//! [`CudaRuntimeCompiler`] compiles it with NVRTC (through the on-disk [`PtxCache`]) and
//! loads the PTX, and the loaded module hands out its kernels by name.
//!
//! ```no_run
//! use perdix::runtime::{get_kernel_source, CudaKernel, CudaRuntimeCompiler};
//! let source = get_kernel_source(CudaKernel::Parse);
//! let compiler = CudaRuntimeCompiler::new()?; // an error without a device or NVRTC
//! let ptx = compiler.compile(&source.source, source.name)?;
//! let module = compiler.load_ptx(&ptx)?;
//! let _kernel = module.get_function("block_records")?;
//! # Ok::<(), perdix::backend::cuda::CudaError>(())
//! ```

pub use crate::backend::cuda::record_walk_source;
pub use crate::backend::cuda::{
    get_kernel_source, CachedPtx, CompiledPtx, CudaKernel, CudaKernelModule, CudaRuntimeCompiler,
    KernelSource, PtxCache,
};

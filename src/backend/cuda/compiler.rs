//! Run-time compilation of the kernels with NVRTC, for the device's own architecture,
//! through the on-disk [`PtxCache`].

use super::error::CudaError;
use super::probe::{nvrtc_present, probe};
use super::ptx_cache::PtxCache;
use cudarc::driver::{CudaContext, CudaFunction, CudaModule};
use cudarc::nvrtc::{result as nvrtc, Ptx};
use std::ffi::{c_char, CStr, CString};
use std::sync::Arc;

/// PTX from [`CudaRuntimeCompiler::compile`], with NVRTC's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledPtx {
    /// The PTX text.
    pub ptx: String,
    /// NVRTC's log: warnings, or empty. Empty as well when the PTX came from the cache.
    pub log: String,
    /// True when the PTX came from the on-disk cache.
    pub from_cache: bool,
}

/// Compiles kernel sources with NVRTC and loads the PTX into a device's context.
///
/// ```no_run
/// use perdix::runtime::{get_kernel_source, CudaKernel, CudaRuntimeCompiler};
/// let compiler = CudaRuntimeCompiler::new()?; // an error without a device or NVRTC
/// let kernel = get_kernel_source(CudaKernel::Publish);
/// let ptx = compiler.compile(&kernel.source, kernel.name)?;
/// let module = compiler.load_ptx(&ptx)?;
/// let _publish = module.get_function("publish_records")?;
/// # Ok::<(), perdix::backend::cuda::CudaError>(())
/// ```
pub struct CudaRuntimeCompiler {
    architecture: String,
    context: Option<Arc<CudaContext>>,
    cache: PtxCache,
}

/// A loaded module: its kernels by name.
pub struct CudaKernelModule {
    module: Arc<CudaModule>,
}

impl CudaKernelModule {
    /// The kernel called `name` (an `extern "C"` entry point).
    pub fn get_function(&self, name: &str) -> Result<CudaFunction, CudaError> {
        self.module.load_function(name).map_err(CudaError::driver)
    }
}

impl CudaRuntimeCompiler {
    /// A compiler for device 0's architecture, with a context to load the PTX into and
    /// the per-user PTX cache. Probes first: no driver, device or NVRTC is an error.
    pub fn new() -> Result<CudaRuntimeCompiler, CudaError> {
        let device = probe()?;
        let context = CudaContext::new(device.ordinal).map_err(CudaError::driver)?;
        Ok(CudaRuntimeCompiler {
            architecture: device.architecture(),
            context: Some(context),
            cache: PtxCache::per_user(),
        })
    }

    /// A compiler for `architecture` (e.g. `compute_90`) that needs no device: it
    /// compiles but cannot load. No cache, so that every call really runs NVRTC.
    ///
    /// ```
    /// use perdix::runtime::CudaRuntimeCompiler;
    /// // An error, not a panic, where NVRTC is missing.
    /// if let Ok(compiler) = CudaRuntimeCompiler::for_architecture("compute_75") {
    ///     assert!(compiler.options().contains(&"--gpu-architecture=compute_75".to_string()));
    /// }
    /// ```
    pub fn for_architecture(architecture: &str) -> Result<CudaRuntimeCompiler, CudaError> {
        if !nvrtc_present() {
            return Err(CudaError::NoNvrtc);
        }
        Ok(CudaRuntimeCompiler {
            architecture: architecture.to_owned(),
            context: None,
            cache: PtxCache::disabled(),
        })
    }

    /// The same compiler with another cache.
    pub fn with_cache(mut self, cache: PtxCache) -> CudaRuntimeCompiler {
        self.cache = cache;
        self
    }

    /// The context PTX is loaded into, when the compiler has a device.
    pub fn context(&self) -> Option<&Arc<CudaContext>> {
        self.context.as_ref()
    }

    /// The NVRTC options every kernel is compiled with. The last one names the NVRTC
    /// version, which NVRTC ignores (it is a macro definition) but the cache key sees.
    pub fn options(&self) -> Vec<String> {
        vec![
            format!("--gpu-architecture={}", self.architecture),
            "--std=c++17".into(),
            format!("-DPERDIX_NVRTC_VERSION={}", nvrtc_version()),
        ]
    }

    /// Compiles `source` (program `name`) to PTX, or takes it from the cache.
    pub fn compile(&self, source: &str, name: &str) -> Result<CompiledPtx, CudaError> {
        let options = self.options();
        let mut log = String::new();
        let cached = self.cache.get_or_compile(source, &options, || {
            let (ptx, compile_log) = run_nvrtc(source, name, &options)?;
            log = compile_log;
            Ok::<_, CudaError>(ptx)
        })?;
        Ok(CompiledPtx {
            ptx: cached.ptx,
            log,
            from_cache: cached.hit,
        })
    }

    /// Loads `ptx` into the device's context.
    pub fn load_ptx(&self, ptx: &CompiledPtx) -> Result<CudaKernelModule, CudaError> {
        let context = self.context.as_ref().ok_or(CudaError::NoContext)?;
        let module = context
            .load_module(Ptx::from_src(ptx.ptx.clone()))
            .map_err(CudaError::driver)?;
        Ok(CudaKernelModule { module })
    }
}

/// NVRTC's version as `major.minor`, or `unknown`.
fn nvrtc_version() -> String {
    let (mut major, mut minor) = (0, 0);
    // SAFETY: both pointers are to live locals; the callers checked NVRTC loads.
    let status = unsafe { cudarc::nvrtc::sys::nvrtcVersion(&mut major, &mut minor) };
    if status == cudarc::nvrtc::sys::nvrtcResult::NVRTC_SUCCESS {
        format!("{major}.{minor}")
    } else {
        "unknown".into()
    }
}

/// One NVRTC compile: the PTX and the log (warnings), or the error with the log.
fn run_nvrtc(source: &str, name: &str, options: &[String]) -> Result<(String, String), CudaError> {
    let compile_error = |log: String| CudaError::Compile {
        kernel: name.to_owned(),
        log,
    };
    let source_c = CString::new(source).map_err(|_| compile_error("the source holds a NUL byte".into()))?;
    let name_c = CString::new(name).map_err(|_| compile_error("the name holds a NUL byte".into()))?;
    let program =
        nvrtc::create_program(&source_c, Some(&name_c)).map_err(|error| compile_error(error.to_string()))?;
    // SAFETY: `program` was created above and is destroyed only after these calls; the
    // source and name it refers to outlive it.
    let result = unsafe {
        let compiled = nvrtc::compile_program(program, options);
        let log = nvrtc::get_program_log(program)
            .map(|log| c_text(&log))
            .unwrap_or_default();
        let ptx = match compiled {
            Ok(()) => nvrtc::get_ptx(program)
                .map(|ptx| c_text(&ptx))
                .map_err(|error| compile_error(format!("{error}: {log}"))),
            Err(error) => Err(compile_error(format!("{error}: {log}"))),
        };
        let _ = nvrtc::destroy_program(program);
        ptx.map(|ptx| (ptx, log))
    };
    result
}

/// A NUL-terminated buffer from NVRTC as text.
fn c_text(buffer: &[c_char]) -> String {
    let bytes: Vec<u8> = buffer.iter().map(|&c| c as u8).collect();
    match CStr::from_bytes_until_nul(&bytes) {
        Ok(text) => text.to_string_lossy().trim_end().to_owned(),
        Err(_) => String::from_utf8_lossy(&bytes).trim_end().to_owned(),
    }
}

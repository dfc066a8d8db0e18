//! Why the cuda backend cannot run, or failed.

use crate::parse::ParseError;
use crate::ring::{ProduceError, RingError};
use thiserror::Error;

/// Why the cuda backend cannot run or failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CudaError {
    /// The driver library (libcuda) could not be loaded.
    #[error("no CUDA driver: libcuda could not be loaded")]
    NoDriver,
    /// The driver loaded but reports no device.
    #[error("no CUDA device: {0}")]
    NoDevice(String),
    /// The driver or device is too old for the CUDA version the backend is built for.
    #[error("unsupported CUDA device: {0}")]
    Unsupported(String),
    /// The runtime compiler library (libnvrtc) could not be loaded.
    #[error("no NVRTC: libnvrtc could not be loaded (install nvidia-cuda-nvrtc and add its lib folder to LD_LIBRARY_PATH)")]
    NoNvrtc,
    /// A driver call failed.
    #[error("CUDA driver: {0}")]
    Driver(String),
    /// NVRTC rejected a kernel.
    #[error("NVRTC could not compile {kernel}: {log}")]
    Compile {
        /// The kernel's file name.
        kernel: String,
        /// NVRTC's log.
        log: String,
    },
    /// Loading compiled PTX needs a device, and this compiler has none.
    #[error("no CUDA context to load PTX into (the compiler was made for an architecture, not a device)")]
    NoContext,
    /// The device wrote results the host cannot make sense of.
    #[error("CUDA results: {0}")]
    Results(String),
    /// The ring is not in device-mapped memory.
    #[error("the ring is not in device-mapped memory (it came from the {0} provider)")]
    NotMapped(&'static str),
    /// A ring operation failed.
    #[error("ring: {0}")]
    Ring(#[from] RingError),
    /// The ring refused the messages.
    #[error("ring: {0}")]
    Produce(#[from] ProduceError),
}

impl CudaError {
    /// One fixed phrase per kind of failure, for [`ParseError::BackendUnavailable`].
    pub fn reason(&self) -> &'static str {
        match self {
            CudaError::NoDriver => "no CUDA driver (libcuda could not be loaded)",
            CudaError::NoDevice(_) => "the CUDA driver reports no device",
            CudaError::Unsupported(_) => {
                "the CUDA driver or device is too old (needs CUDA 13.0 and compute capability 7.5)"
            }
            CudaError::NoNvrtc => "no NVRTC (libnvrtc could not be loaded)",
            CudaError::Compile { .. } => "the kernels did not compile",
            CudaError::NoContext => "no CUDA context",
            CudaError::Driver(_) | CudaError::Results(_) => "the CUDA driver failed",
            CudaError::NotMapped(_) => "the ring is not in device-mapped memory",
            CudaError::Ring(_) | CudaError::Produce(_) => "the ring failed",
        }
    }

    pub(crate) fn driver(error: cudarc::driver::DriverError) -> CudaError {
        CudaError::Driver(error.to_string())
    }
}

impl From<CudaError> for ParseError {
    fn from(error: CudaError) -> ParseError {
        ParseError::Device {
            name: "cuda",
            message: error.to_string(),
        }
    }
}

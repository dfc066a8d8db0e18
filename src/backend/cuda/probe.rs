//! Finding out, without a panic, whether the cuda backend can run here.
//!
//! cudarc loads libcuda and libnvrtc on first use and panics when they are missing, so
//! the probe asks whether each library loads at all before any call into it, then counts
//! devices (which creates no context).

use super::error::CudaError;
use cudarc::driver::{result, sys};
use std::fmt;
use std::sync::OnceLock;

/// The oldest compute capability CUDA 13's NVRTC compiles for (Turing); an older device
/// fails the probe, so that `auto` passes it over instead of failing to compile.
pub const OLDEST_COMPUTE_CAPABILITY: (u32, u32) = (7, 5);

/// The oldest driver API version the bindings are built for (CUDA 13.0, driver 580).
const OLDEST_DRIVER_API: i32 = 13000;

/// The device the cuda backend runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CudaDeviceSummary {
    /// Its ordinal.
    pub ordinal: usize,
    /// Its name, as the driver reports it.
    pub name: String,
    /// Compute capability, major and minor.
    pub compute_capability: (u32, u32),
    /// Devices the driver reports.
    pub device_count: usize,
    /// The CUDA version the driver supports, as `cuDriverGetVersion` gives it (13000 for
    /// 13.0).
    pub driver_version: i32,
}

impl CudaDeviceSummary {
    /// The NVRTC architecture option value for this device, e.g. `compute_90`.
    pub fn architecture(&self) -> String {
        let (major, minor) = self.compute_capability;
        format!("compute_{major}{minor}")
    }
}

impl fmt::Display for CudaDeviceSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (major, minor) = self.compute_capability;
        write!(f, "{} (sm_{major}{minor}, device {})", self.name, self.ordinal)
    }
}

/// Whether libcuda loads. Loads and unloads it, calling nothing in it.
pub fn driver_present() -> bool {
    // SAFETY: only opens and closes the library to see that it exists; libcuda's
    // initialisers have no preconditions on the caller.
    unsafe { sys::is_culib_present() }
}

/// Whether libnvrtc loads (from the library path, e.g. `LD_LIBRARY_PATH`).
///
/// ```
/// // Either answer is fine; asking never panics.
/// let _ = perdix::backend::cuda::nvrtc_present();
/// ```
pub fn nvrtc_present() -> bool {
    // SAFETY: as for the driver, the library is only opened and closed.
    unsafe { cudarc::nvrtc::sys::is_culib_present() }
}

/// Device 0, when the driver, a device and NVRTC are all there; the answer is worked out
/// once per process.
///
/// ```
/// match perdix::backend::cuda::probe() {
///     Ok(device) => println!("cuda on {device}"),
///     Err(why) => println!("no cuda: {why}"),
/// }
/// ```
pub fn probe() -> Result<CudaDeviceSummary, CudaError> {
    static PROBE: OnceLock<Result<CudaDeviceSummary, CudaError>> = OnceLock::new();
    PROBE.get_or_init(probe_now).clone()
}

fn probe_now() -> Result<CudaDeviceSummary, CudaError> {
    if !driver_present() {
        return Err(CudaError::NoDriver);
    }
    let no_device = |error: cudarc::driver::DriverError| {
        if error.0 == sys::cudaError_enum::CUDA_ERROR_NO_DEVICE {
            CudaError::NoDevice(error.to_string())
        } else {
            CudaError::driver(error)
        }
    };
    // The bindings are CUDA 13.0's; an older driver may lack symbols they load, which
    // cudarc would meet with a panic, so it is refused here.
    let mut version = 0;
    // SAFETY: `version` is a live local; cuDriverGetVersion exists in every driver and
    // needs no cuInit.
    unsafe { sys::cuDriverGetVersion(&mut version) }
        .result()
        .map_err(CudaError::driver)?;
    if version < OLDEST_DRIVER_API {
        return Err(CudaError::Unsupported(format!(
            "the driver supports CUDA {}.{}; perdix needs 13.0 (driver 580 or later)",
            version / 1000,
            version % 1000 / 10
        )));
    }
    result::init().map_err(no_device)?;
    let count = result::device::get_count().map_err(no_device)?;
    if count < 1 {
        return Err(CudaError::NoDevice("device count is 0".into()));
    }
    if !nvrtc_present() {
        return Err(CudaError::NoNvrtc);
    }
    let device = result::device::get(0).map_err(CudaError::driver)?;
    let name = result::device::get_name(device).map_err(CudaError::driver)?;
    let attribute = |attribute| {
        // SAFETY: `device` came from `cuDeviceGet` above.
        unsafe { result::device::get_attribute(device, attribute) }
            .map(|value| value.max(0) as u32)
            .map_err(CudaError::driver)
    };
    use sys::CUdevice_attribute::{
        CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR as MAJOR,
        CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR as MINOR,
    };
    let compute_capability = (attribute(MAJOR)?, attribute(MINOR)?);
    if compute_capability < OLDEST_COMPUTE_CAPABILITY {
        let (major, minor) = compute_capability;
        return Err(CudaError::Unsupported(format!(
            "{name} has compute capability {major}.{minor}; CUDA 13 needs 7.5 or later"
        )));
    }
    Ok(CudaDeviceSummary {
        ordinal: 0,
        name,
        compute_capability,
        device_count: count as usize,
        driver_version: version,
    })
}

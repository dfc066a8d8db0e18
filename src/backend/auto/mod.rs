//! What `--backend auto` runs: a device backend only where it was proven on this device,
//! else `cpu`.
//!
//! 1. **No GPU, no probe.** On Linux, without a GPU device node ([`GpuNodes`]) there is
//!    no device to find, so auto takes `cpu` without loading any driver; the cuda probe
//!    runs only where an NVIDIA (or WSL) node exists.
//! 2. **Candidates.** `cuda` where its probe finds a device, `wgpu` on a hardware adapter
//!    (a software one, such as Mesa's lavapipe, runs the shaders on the CPU and is never
//!    a candidate; naming `wgpu` still runs it).
//! 3. **Self-check.** Each candidate runs the built-in corpus ([`SelfCheckCorpus`])
//!    against the `cpu` backend ([`self_check`]): it must give the same records and be
//!    faster end to end. The check runs on a thread and gives up after
//!    [`CHECK_TIMEOUT`], so that a device that hangs costs one slow start, not every one.
//! 4. **Cache.** The verdict is stored per backend, device, driver, Perdix version and
//!    check version ([`VerdictCache`]); later starts reuse it. Deleting the file
//!    (`~/.cache/perdix/auto-backend.json`) makes the next start check again.
//! 5. **Choice.** The fastest candidate that passed, else `cpu`; [`AutoChoice::why`] says
//!    which and why in one line.

mod corpus;
mod gate;
mod self_check;
mod verdict_cache;

pub use corpus::{Batch, SelfCheckCorpus};
pub use gate::GpuNodes;
pub use self_check::{self_check, CheckEngine, Clock, SystemClock, Verdict, TIMED_RUNS};
pub use verdict_cache::{CacheKey, VerdictCache, CHECK_VERSION};

use super::{cuda, webgpu, AnyEngine};
use crate::parse::BackendKind;
use std::time::Duration;

/// How long a self-check may take before its backend counts as failed: generous, since
/// the first start on a device also compiles its kernels (NVRTC for cuda).
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// A device backend that could run here, before its self-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// `cuda` or `wgpu`.
    pub kind: BackendKind,
    /// The device, as its probe names it.
    pub device: String,
    /// The driver and its version.
    pub driver: String,
}

impl Candidate {
    /// The key of its verdict.
    pub fn cache_key(&self) -> CacheKey {
        CacheKey::new(self.kind, &self.device, &self.driver)
    }
}

/// The candidates here, and for each device backend that is not one, why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    /// Backends that may run, in order of preference.
    pub found: Vec<Candidate>,
    /// Why the others cannot.
    pub missing: Vec<String>,
}

/// What auto picked, and one line saying why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoChoice {
    /// The backend that runs.
    pub kind: BackendKind,
    /// Which and why, for the user.
    pub why: String,
}

/// Looks for candidates, probing drivers only where [`GpuNodes`] (when known) says a GPU
/// may be.
pub fn find_candidates(nodes: Option<GpuNodes>) -> Candidates {
    let mut candidates = Candidates::default();
    if nodes.is_some_and(|nodes| !nodes.any()) {
        candidates
            .missing
            .push("no GPU here (no /dev/dri/renderD*, /dev/nvidia* or /dev/dxg)".into());
        return candidates;
    }
    if nodes.is_none_or(GpuNodes::cuda_possible) {
        match cuda::probe() {
            Ok(device) => candidates.found.push(Candidate {
                kind: BackendKind::Cuda,
                device: device.to_string(),
                driver: cuda_driver(&device),
            }),
            Err(error) => candidates.missing.push(error.to_string()),
        }
    } else {
        candidates
            .missing
            .push("no CUDA (no /dev/nvidia* or /dev/dxg)".into());
    }
    match webgpu::probe() {
        Ok(adapter) if !adapter.software => candidates.found.push(Candidate {
            kind: BackendKind::Wgpu,
            device: adapter.to_string(),
            driver: adapter.driver.clone(),
        }),
        Ok(adapter) => candidates
            .missing
            .push(format!("the only wgpu adapter, {adapter}, is a software one")),
        Err(error) => candidates.missing.push(error.to_string()),
    }
    candidates
}

/// The CUDA driver's API version and, on Linux, the kernel module's version line.
fn cuda_driver(device: &cuda::CudaDeviceSummary) -> String {
    let version = device.driver_version;
    let api = format!("CUDA {}.{}", version / 1000, version % 1000 / 10);
    let module = std::fs::read_to_string("/proc/driver/nvidia/version")
        .ok()
        .and_then(|text| {
            text.lines()
                .next()
                .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        });
    match module {
        Some(module) => format!("{api}, {module}"),
        None => api,
    }
}

/// Picks among `candidates`: each one's verdict comes from `cache`, else from `check`
/// (and is then stored); the fastest that passed wins, else `cpu`.
///
/// ```
/// use perdix::backend::auto::{choose, Candidate, Candidates, Verdict, VerdictCache};
/// use perdix::parse::BackendKind;
/// let candidates = Candidates {
///     found: vec![Candidate { kind: BackendKind::Wgpu, device: "GPU".into(), driver: "1.0".into() }],
///     missing: vec!["no CUDA driver".into()],
/// };
/// let choice = choose(&candidates, &VerdictCache::disabled(), &mut |_| {
///     Verdict::Faster { device_ns: 1_000_000, cpu_ns: 2_000_000 }
/// });
/// assert_eq!(choice.kind, BackendKind::Wgpu);
/// let choice = choose(&candidates, &VerdictCache::disabled(), &mut |_| {
///     Verdict::Wrong { stream: 1, line: 3 }
/// });
/// assert_eq!(choice.kind, BackendKind::Cpu);
/// assert!(choice.why.contains("records different"), "{}", choice.why);
/// ```
pub fn choose(
    candidates: &Candidates,
    cache: &VerdictCache,
    check: &mut dyn FnMut(&Candidate) -> Verdict,
) -> AutoChoice {
    let mut judged = Vec::new();
    for candidate in &candidates.found {
        let key = candidate.cache_key();
        let (verdict, when) = match cache.get(&key) {
            Some(verdict) => (verdict, "self-check of an earlier start"),
            None => {
                let verdict = check(candidate);
                cache.put(&key, &verdict);
                (verdict, "self-check run now")
            }
        };
        judged.push((candidate, verdict, when));
    }
    let best = judged
        .iter()
        .filter(|(_, verdict, _)| verdict.passed())
        .max_by(|a, b| {
            a.1.speedup()
                .unwrap_or(0.0)
                .total_cmp(&b.1.speedup().unwrap_or(0.0))
        });
    if let Some((candidate, verdict, when)) = best {
        return AutoChoice {
            kind: candidate.kind,
            why: format!("{} on {}: {verdict} ({when})", candidate.kind, candidate.device),
        };
    }
    let reasons: Vec<String> = judged
        .iter()
        .map(|(candidate, verdict, _)| format!("{} on {}: {verdict}", candidate.kind, candidate.device))
        .chain(candidates.missing.iter().cloned())
        .collect();
    AutoChoice {
        kind: BackendKind::Cpu,
        why: format!("cpu: {}", reasons.join("; ")),
    }
}

/// Runs the self-check of `kind` on this machine's device, on a thread, giving up after
/// `limit` ([`CHECK_TIMEOUT`] when auto runs it).
pub fn check_device(kind: BackendKind, limit: Duration) -> Verdict {
    let (verdict_tx, verdict_rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("perdix self-check".into())
        .spawn(move || {
            let verdict = match (AnyEngine::new(kind), AnyEngine::new(BackendKind::Cpu)) {
                (Ok(mut device), Ok(mut cpu)) => self_check(
                    &mut device,
                    &mut cpu,
                    &SelfCheckCorpus::built_in(),
                    &SystemClock::default(),
                ),
                (Err(error), _) | (_, Err(error)) => Verdict::Failed {
                    reason: error.to_string(),
                },
            };
            // The receiver may have given up waiting; the verdict is then moot.
            let _ = verdict_tx.send(verdict);
        });
    if let Err(error) = spawned {
        return Verdict::Failed {
            reason: format!("no thread for the check: {error}"),
        };
    }
    match verdict_rx.recv_timeout(limit) {
        Ok(verdict) => verdict,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Verdict::Failed {
            reason: format!("did not finish within {} s", limit.as_secs_f64()),
        },
        // The thread ended without a verdict: the backend panicked.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Verdict::Failed {
            reason: "the backend panicked".into(),
        },
    }
}

/// What auto picks on this machine, worked out now: the gate, the probes, the cached
/// verdicts or fresh self-checks.
pub fn choose_here() -> AutoChoice {
    choose(
        &find_candidates(GpuNodes::here()),
        &VerdictCache::per_user(),
        &mut |candidate| check_device(candidate.kind, CHECK_TIMEOUT),
    )
}

#[cfg(test)]
mod tests;

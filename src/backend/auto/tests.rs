//! The choice with injected verdicts and a cache in a scratch folder: no GPU needed.

use super::*;
use std::cell::Cell;
use std::path::PathBuf;

/// A cache in a folder of its own, removed with the returned guard.
fn scratch_cache(tag: &str) -> (tempfile::TempDir, VerdictCache) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("perdix-auto-{tag}-"))
        .tempdir()
        .unwrap();
    let cache = VerdictCache::at(dir.path().join("auto-backend.json"));
    (dir, cache)
}

fn candidate(kind: BackendKind, device: &str, driver: &str) -> Candidate {
    Candidate {
        kind,
        device: device.into(),
        driver: driver.into(),
    }
}

fn one(candidate: Candidate) -> Candidates {
    Candidates {
        found: vec![candidate],
        missing: vec!["no CUDA driver: libcuda could not be loaded".into()],
    }
}

const FAST: Verdict = Verdict::Faster {
    device_ns: 1_000_000,
    cpu_ns: 4_000_000,
};

/// A check that gives `verdict` and counts its runs.
fn counting(runs: &Cell<usize>, verdict: Verdict) -> impl FnMut(&Candidate) -> Verdict + '_ {
    move |_| {
        runs.set(runs.get() + 1);
        verdict.clone()
    }
}

#[test]
fn a_verdict_is_checked_once_then_reused() {
    let (_scratch, cache) = scratch_cache("reuse");
    let runs = Cell::new(0);
    let gpu = one(candidate(BackendKind::Wgpu, "GPU A (Vulkan)", "driver 1"));
    let first = choose(&gpu, &cache, &mut counting(&runs, FAST));
    assert_eq!((first.kind, runs.get()), (BackendKind::Wgpu, 1));
    assert!(first.why.contains("self-check run now"), "{}", first.why);
    let second = choose(
        &gpu,
        &cache,
        &mut counting(&runs, Verdict::Wrong { stream: 0, line: 1 }),
    );
    assert_eq!(
        (second.kind, runs.get()),
        (BackendKind::Wgpu, 1),
        "the stored verdict decides"
    );
    assert_eq!(
        second.why,
        "wgpu on GPU A (Vulkan): same records as cpu and 4.0x as fast end to end \
         (1.0 ms against 4.0 ms) (self-check of an earlier start)"
    );
}

#[test]
fn another_device_driver_or_version_is_checked_again() {
    let (_scratch, cache) = scratch_cache("keys");
    let runs = Cell::new(0);
    let original = candidate(BackendKind::Cuda, "GPU A (sm_90, device 0)", "CUDA 13.0");
    choose(&one(original.clone()), &cache, &mut counting(&runs, FAST));
    let new_driver = candidate(BackendKind::Cuda, "GPU A (sm_90, device 0)", "CUDA 13.1");
    let new_device = candidate(BackendKind::Cuda, "GPU B (sm_90, device 0)", "CUDA 13.0");
    let same_device_as_wgpu = candidate(BackendKind::Wgpu, "GPU A (sm_90, device 0)", "CUDA 13.0");
    for other in [new_driver, new_device, same_device_as_wgpu] {
        let before = runs.get();
        choose(&one(other.clone()), &cache, &mut counting(&runs, FAST));
        assert_eq!(runs.get(), before + 1, "{other:?} is checked");
    }
    // A verdict stored by another Perdix version is not reused.
    let path = cache.path().unwrap().to_path_buf();
    let text = std::fs::read_to_string(&path).unwrap();
    let version = format!("\"perdix\": \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(text.contains(&version), "{text}");
    std::fs::write(&path, text.replace(&version, "\"perdix\": \"0.0.1\"")).unwrap();
    let before = runs.get();
    let choice = choose(&one(original), &cache, &mut counting(&runs, FAST));
    assert_eq!(runs.get(), before + 1);
    assert!(choice.why.contains("run now"));
}

#[test]
fn a_corrupt_cache_file_is_ignored_and_rewritten() {
    let (_scratch, cache) = scratch_cache("corrupt");
    let path: PathBuf = cache.path().unwrap().to_path_buf();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{\"format\": 1, \"entries\": [{\"key\": {\"back").unwrap();
    let runs = Cell::new(0);
    let gpu = one(candidate(BackendKind::Wgpu, "GPU A (Vulkan)", "driver 1"));
    assert_eq!(
        choose(&gpu, &cache, &mut counting(&runs, FAST)).kind,
        BackendKind::Wgpu
    );
    assert_eq!(runs.get(), 1);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
        "rewritten: {text}"
    );
    choose(&gpu, &cache, &mut counting(&runs, FAST));
    assert_eq!(runs.get(), 1, "and used from then on");
}

#[test]
fn only_a_correct_and_faster_backend_is_picked() {
    let gpu = one(candidate(
        BackendKind::Cuda,
        "GPU A (sm_90, device 0)",
        "CUDA 13.0",
    ));
    let cases = [
        (
            Verdict::Wrong { stream: 3, line: 12 },
            "records different from cpu's on the self-check (stream 3, line 12)",
        ),
        (
            Verdict::Slower {
                device_ns: 9_000_000,
                cpu_ns: 2_000_000,
            },
            "same records as cpu but not faster end to end (9.0 ms against 2.0 ms)",
        ),
        (
            Verdict::Failed {
                reason: "did not finish within 30 s".into(),
            },
            "failed the self-check: did not finish within 30 s",
        ),
    ];
    for (verdict, words) in cases {
        let choice = choose(&gpu, &VerdictCache::disabled(), &mut |_| verdict.clone());
        assert_eq!(choice.kind, BackendKind::Cpu, "{verdict:?}");
        assert_eq!(
            choice.why,
            format!(
                "cpu: cuda on GPU A (sm_90, device 0): {words}; no CUDA driver: libcuda could not be loaded"
            )
        );
    }
}

#[test]
fn the_fastest_backend_that_passed_wins() {
    let both = Candidates {
        found: vec![
            candidate(BackendKind::Cuda, "GPU A (sm_90, device 0)", "CUDA 13.0"),
            candidate(BackendKind::Wgpu, "GPU A (Vulkan)", "driver 1"),
        ],
        missing: Vec::new(),
    };
    let verdicts = |cuda: Verdict, wgpu: Verdict| {
        move |candidate: &Candidate| {
            if candidate.kind == BackendKind::Cuda {
                cuda.clone()
            } else {
                wgpu.clone()
            }
        }
    };
    let twice = Verdict::Faster {
        device_ns: 2,
        cpu_ns: 4,
    };
    let thrice = Verdict::Faster {
        device_ns: 1,
        cpu_ns: 3,
    };
    let cache = VerdictCache::disabled();
    assert_eq!(
        choose(&both, &cache, &mut verdicts(twice.clone(), thrice.clone())).kind,
        BackendKind::Wgpu
    );
    assert_eq!(
        choose(&both, &cache, &mut verdicts(thrice, twice.clone())).kind,
        BackendKind::Cuda
    );
    let wrong = Verdict::Wrong { stream: 0, line: 1 };
    assert_eq!(
        choose(&both, &cache, &mut verdicts(wrong, twice)).kind,
        BackendKind::Wgpu
    );
}

#[test]
fn without_a_gpu_node_nothing_is_probed() {
    let candidates = find_candidates(Some(GpuNodes::default()));
    assert!(candidates.found.is_empty());
    assert_eq!(
        candidates.missing,
        ["no GPU here (no /dev/dri/renderD*, /dev/nvidia* or /dev/dxg)"]
    );
    let runs = Cell::new(0);
    let choice = choose(&candidates, &VerdictCache::disabled(), &mut counting(&runs, FAST));
    assert_eq!((choice.kind, runs.get()), (BackendKind::Cpu, 0));
    assert_eq!(
        choice.why,
        "cpu: no GPU here (no /dev/dri/renderD*, /dev/nvidia* or /dev/dxg)"
    );
}

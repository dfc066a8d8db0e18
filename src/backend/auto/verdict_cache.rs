//! Self-check verdicts on disk, so that only the first start on a device pays for the
//! check: one small JSON file, `$XDG_CACHE_HOME/perdix/auto-backend.json` (else
//! `~/.cache/perdix/auto-backend.json`), holding a verdict per backend, device, driver,
//! Perdix version and self-check version.
//!
//! The cache is an optimisation only: a file that cannot be read, or does not parse, is
//! treated as empty and rewritten by the next verdict; one that cannot be written means
//! the check runs again at the next start, never an error.

use super::self_check::Verdict;
use crate::parse::BackendKind;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

/// The version of the self-check (its corpus and rules): a verdict of another version
/// is not reused.
pub const CHECK_VERSION: u32 = 1;

/// The layout of the file; a file of another layout is treated as empty.
const FILE_FORMAT: u32 = 1;

/// Verdicts kept at most; the oldest go first. Enough for several devices and versions.
const MAX_ENTRIES: usize = 32;

/// What a verdict holds for: change any part and the check runs again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheKey {
    /// The backend (`cuda`, `wgpu`).
    pub backend: String,
    /// The device, as its probe names it.
    pub device: String,
    /// The driver and its version.
    pub driver: String,
    /// The Perdix version that ran the check.
    pub perdix: String,
    /// [`CHECK_VERSION`] of the check.
    pub check: u32,
}

impl CacheKey {
    /// The key of `kind` on `device` with `driver`, for this build of Perdix.
    pub fn new(kind: BackendKind, device: &str, driver: &str) -> CacheKey {
        CacheKey {
            backend: kind.name().to_owned(),
            device: device.to_owned(),
            driver: driver.to_owned(),
            perdix: env!("CARGO_PKG_VERSION").to_owned(),
            check: CHECK_VERSION,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    format: u32,
    entries: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: CacheKey,
    #[serde(flatten)]
    verdict: Verdict,
}

/// The verdict file; see the [module docs](self).
///
/// ```
/// use perdix::backend::auto::{CacheKey, VerdictCache, Verdict};
/// use perdix::parse::BackendKind;
/// let path = std::env::temp_dir().join(format!("perdix-verdicts-doc-{}.json", std::process::id()));
/// let cache = VerdictCache::at(&path);
/// let key = CacheKey::new(BackendKind::Wgpu, "GPU 1 (Vulkan)", "driver 1.2");
/// assert_eq!(cache.get(&key), None);
/// cache.put(&key, &Verdict::Wrong { stream: 2, line: 5 });
/// assert_eq!(cache.get(&key), Some(Verdict::Wrong { stream: 2, line: 5 }));
/// # std::fs::remove_file(&path).ok();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictCache {
    path: Option<PathBuf>,
}

impl VerdictCache {
    /// The per-user file: under `$XDG_CACHE_HOME` when that is an absolute path, else
    /// under `$HOME/.cache`; no cache when neither is set.
    pub fn per_user() -> VerdictCache {
        VerdictCache {
            path: cache_file_from(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME")),
        }
    }

    /// The cache in file `path`.
    pub fn at(path: impl Into<PathBuf>) -> VerdictCache {
        VerdictCache {
            path: Some(path.into()),
        }
    }

    /// No cache: every lookup misses, nothing is stored.
    pub fn disabled() -> VerdictCache {
        VerdictCache { path: None }
    }

    /// The file, when the cache is enabled.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The verdict stored for `key`, if any.
    pub fn get(&self, key: &CacheKey) -> Option<Verdict> {
        self.entries()
            .into_iter()
            .find(|entry| &entry.key == key)
            .map(|entry| entry.verdict)
    }

    /// Stores `verdict` for `key`, replacing an earlier one; a file that did not parse is
    /// replaced as a whole.
    pub fn put(&self, key: &CacheKey, verdict: &Verdict) {
        let Some(path) = &self.path else { return };
        let mut entries = self.entries();
        entries.retain(|entry| &entry.key != key);
        entries.push(Entry {
            key: key.clone(),
            verdict: verdict.clone(),
        });
        let excess = entries.len().saturating_sub(MAX_ENTRIES);
        entries.drain(..excess);
        let file = CacheFile {
            format: FILE_FORMAT,
            entries,
        };
        if let Ok(text) = serde_json::to_string_pretty(&file) {
            store(path, &text);
        }
    }

    /// Every entry of the file; none when it is missing, unreadable or corrupt.
    fn entries(&self) -> Vec<Entry> {
        let Some(text) = self.path.as_ref().and_then(|path| fs::read_to_string(path).ok()) else {
            return Vec::new();
        };
        match serde_json::from_str::<CacheFile>(&text) {
            Ok(file) if file.format == FILE_FORMAT => file.entries,
            _ => Vec::new(),
        }
    }
}

/// The cache file for the given `XDG_CACHE_HOME` and `HOME`: the XDG folder only when it
/// is absolute (the XDG rule), else `~/.cache`.
fn cache_file_from(xdg_cache_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let base = xdg_cache_home
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            home.filter(|home| !home.is_empty())
                .map(|home| Path::new(&home).join(".cache"))
        })?;
    Some(base.join("perdix").join("auto-backend.json"))
}

/// Writes through a temporary file and a rename, so that a concurrent start never reads
/// half a file. Failures are ignored: the next start checks again.
fn store(path: &Path, text: &str) {
    let Some(dir) = path.parent() else { return };
    if fs::create_dir_all(dir).is_err() {
        return;
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    if fs::write(&temporary, text).is_err() || fs::rename(&temporary, path).is_err() {
        let _ = fs::remove_file(&temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache file's path (not created) in a folder of its own, removed with the
    /// returned guard.
    fn scratch_file(tag: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::Builder::new()
            .prefix(&format!("perdix-verdicts-{tag}-"))
            .tempdir()
            .unwrap();
        let path = dir.path().join("perdix").join("auto-backend.json");
        (dir, path)
    }

    fn key(driver: &str) -> CacheKey {
        CacheKey::new(BackendKind::Cuda, "GPU X (sm_90, device 0)", driver)
    }

    #[test]
    fn verdicts_are_kept_per_key() {
        let (_scratch, path) = scratch_file("keys");
        let cache = VerdictCache::at(path);
        let slow = Verdict::Slower {
            device_ns: 9,
            cpu_ns: 3,
        };
        let fast = Verdict::Faster {
            device_ns: 1,
            cpu_ns: 3,
        };
        cache.put(&key("CUDA 13.0"), &slow);
        cache.put(&key("CUDA 13.1"), &fast);
        assert_eq!(cache.get(&key("CUDA 13.0")), Some(slow));
        assert_eq!(cache.get(&key("CUDA 13.1")), Some(fast.clone()));
        let mut other_version = key("CUDA 13.1");
        other_version.perdix = "0.0.1".into();
        assert_eq!(cache.get(&other_version), None);
        let mut other_check = key("CUDA 13.1");
        other_check.check = CHECK_VERSION + 1;
        assert_eq!(cache.get(&other_check), None);
        // A new verdict for a key replaces the old one.
        cache.put(&key("CUDA 13.0"), &fast);
        assert_eq!(cache.get(&key("CUDA 13.0")), Some(fast));
    }

    #[test]
    fn a_corrupt_file_is_empty_and_is_rewritten() {
        let (_scratch, path) = scratch_file("corrupt");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let cache = VerdictCache::at(&path);
        for garbage in [
            "{\"format\": 1, \"entries\": [{\"key\"",
            "\u{0}\u{1}binary",
            "{\"format\": 99, \"entries\": []}",
        ] {
            fs::write(&path, garbage).unwrap();
            assert_eq!(cache.get(&key("d")), None);
            cache.put(&key("d"), &Verdict::Wrong { stream: 1, line: 2 });
            assert_eq!(cache.get(&key("d")), Some(Verdict::Wrong { stream: 1, line: 2 }));
            let text = fs::read_to_string(&path).unwrap();
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn the_file_keeps_the_newest_entries() {
        let (_scratch, path) = scratch_file("bounded");
        let cache = VerdictCache::at(path);
        for index in 0..MAX_ENTRIES + 5 {
            cache.put(
                &key(&index.to_string()),
                &Verdict::Wrong {
                    stream: 0,
                    line: index,
                },
            );
        }
        assert_eq!(cache.entries().len(), MAX_ENTRIES);
        assert_eq!(cache.get(&key("0")), None);
        assert!(cache.get(&key(&(MAX_ENTRIES + 4).to_string())).is_some());
    }

    #[test]
    fn cache_file_follows_xdg_rules() {
        let file = |xdg: Option<&str>, home: Option<&str>| {
            cache_file_from(xdg.map(OsString::from), home.map(OsString::from))
        };
        assert_eq!(
            file(Some("/x/cache"), Some("/home/u")),
            Some(PathBuf::from("/x/cache/perdix/auto-backend.json"))
        );
        for xdg in [None, Some(""), Some("relative/cache")] {
            assert_eq!(
                file(xdg, Some("/home/u")),
                Some(PathBuf::from("/home/u/.cache/perdix/auto-backend.json"))
            );
        }
        assert_eq!(file(None, None), None);
        assert_eq!(VerdictCache::disabled().get(&key("d")), None);
    }
}

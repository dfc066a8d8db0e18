//! PTX on disk, keyed by a hash of the kernel source and the compile options (which name
//! the architecture and the NVRTC version), so that only the first start of a given
//! build on a given device pays for NVRTC.
//!
//! The cache is an optimisation only: a directory that cannot be read or written means a
//! compile, never an error.

use std::fs;
use std::path::{Path, PathBuf};

/// Where compiled PTX is kept.
///
/// ```
/// use perdix::runtime::PtxCache;
/// let dir = std::env::temp_dir().join(format!("perdix-ptx-doc-{}", std::process::id()));
/// let cache = PtxCache::at(&dir);
/// let options = ["--gpu-architecture=compute_90".to_string()];
/// let first = cache.get_or_compile("src", &options, || Ok::<_, ()>("ptx".into())).unwrap();
/// let second = cache.get_or_compile("src", &options, || Err(())).unwrap();
/// assert!(!first.hit && second.hit);
/// assert_eq!(second.ptx, "ptx");
/// # std::fs::remove_dir_all(&dir).ok();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtxCache {
    dir: Option<PathBuf>,
}

/// PTX from [`PtxCache::get_or_compile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPtx {
    /// The PTX text.
    pub ptx: String,
    /// True when it came from disk rather than from the compile closure.
    pub hit: bool,
}

impl PtxCache {
    /// The per-user cache: `$XDG_CACHE_HOME/perdix/ptx`, else `~/.cache/perdix/ptx`;
    /// disabled when neither variable is set.
    pub fn per_user() -> PtxCache {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")));
        PtxCache {
            dir: base.map(|base| base.join("perdix").join("ptx")),
        }
    }

    /// A cache in `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> PtxCache {
        PtxCache {
            dir: Some(dir.into()),
        }
    }

    /// No cache: every lookup compiles.
    pub fn disabled() -> PtxCache {
        PtxCache { dir: None }
    }

    /// The directory, when the cache is enabled.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The key of `source` compiled with `options`: 16 hex digits.
    ///
    /// ```
    /// use perdix::runtime::PtxCache;
    /// let options = ["--gpu-architecture=compute_90".to_string()];
    /// let key = PtxCache::key("a", &options);
    /// assert_eq!(key.len(), 16);
    /// assert_ne!(key, PtxCache::key("b", &options));
    /// ```
    pub fn key(source: &str, options: &[String]) -> String {
        let mut hash = Fnv1a::default();
        hash.write(source.as_bytes());
        for option in options {
            // A separator no option contains, so ["ab"] and ["a", "b"] differ.
            hash.write(&[0]);
            hash.write(option.as_bytes());
        }
        format!("{:016x}", hash.0)
    }

    /// The PTX of `source` with `options`: from disk when an earlier compile stored it,
    /// else from `compile`, whose result is then stored.
    pub fn get_or_compile<E>(
        &self,
        source: &str,
        options: &[String],
        compile: impl FnOnce() -> Result<String, E>,
    ) -> Result<CachedPtx, E> {
        let path = self
            .dir
            .as_ref()
            .map(|dir| dir.join(format!("{}.ptx", PtxCache::key(source, options))));
        if let Some(ptx) = path.as_ref().and_then(|path| fs::read_to_string(path).ok()) {
            return Ok(CachedPtx { ptx, hit: true });
        }
        let ptx = compile()?;
        if let Some(path) = path {
            store(&path, &ptx);
        }
        Ok(CachedPtx { ptx, hit: false })
    }
}

/// Writes through a temporary file and a rename, so that a concurrent start never reads
/// half a file. Failures are ignored: the next start compiles again.
fn store(path: &Path, ptx: &str) {
    let Some(dir) = path.parent() else { return };
    if fs::create_dir_all(dir).is_err() {
        return;
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    if fs::write(&temporary, ptx).is_ok() && fs::rename(&temporary, path).is_err() {
        let _ = fs::remove_file(&temporary);
    }
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms, unlike `DefaultHasher`,
/// which matters for keys kept on disk.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= byte as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("perdix-ptx-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn options(arch: &str) -> Vec<String> {
        vec![format!("--gpu-architecture={arch}"), "--std=c++17".into()]
    }

    #[test]
    fn the_key_changes_with_source_and_options() {
        let base = PtxCache::key("kernel", &options("compute_90"));
        assert_eq!(base, PtxCache::key("kernel", &options("compute_90")));
        assert_ne!(base, PtxCache::key("kernel ", &options("compute_90")));
        assert_ne!(base, PtxCache::key("kernel", &options("compute_75")));
        assert_ne!(
            PtxCache::key("k", &["ab".into()]),
            PtxCache::key("k", &["a".into(), "b".into()])
        );
    }

    #[test]
    fn a_second_lookup_hits_and_a_changed_source_compiles_again() {
        let dir = scratch("hits");
        let cache = PtxCache::at(&dir);
        let compiles = Cell::new(0);
        let compile = |text: &str| {
            compiles.set(compiles.get() + 1);
            Ok::<_, String>(text.to_string())
        };
        let options = options("compute_90");
        let first = cache.get_or_compile("a", &options, || compile("ptx a")).unwrap();
        let second = cache.get_or_compile("a", &options, || compile("other")).unwrap();
        let changed = cache.get_or_compile("b", &options, || compile("ptx b")).unwrap();
        assert_eq!((first.hit, second.hit, changed.hit), (false, true, false));
        assert_eq!((second.ptx.as_str(), changed.ptx.as_str()), ("ptx a", "ptx b"));
        assert_eq!(compiles.get(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn compile_errors_are_not_stored_and_a_disabled_cache_always_compiles() {
        let dir = scratch("errors");
        let cache = PtxCache::at(&dir);
        let options = options("compute_90");
        assert!(cache.get_or_compile("a", &options, || Err("broken")).is_err());
        assert!(
            !cache
                .get_or_compile("a", &options, || Ok::<_, ()>("x".into()))
                .unwrap()
                .hit
        );
        let disabled = PtxCache::disabled();
        for _ in 0..2 {
            assert!(
                !disabled
                    .get_or_compile("a", &options, || Ok::<_, ()>("x".into()))
                    .unwrap()
                    .hit
            );
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unwritable_directory_still_compiles() {
        let cache = PtxCache::at("/proc/perdix-cannot-create-this");
        let ptx = cache
            .get_or_compile("a", &[], || Ok::<_, ()>("x".into()))
            .unwrap();
        assert_eq!(ptx.ptx, "x");
    }
}

//! A fresh folder per test, removed when the test ends.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A folder of its own for one test: unique by process id and a counter.
pub(super) struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates `perdix-session-LABEL-PID-N` in the temporary folder.
    pub(super) fn new(label: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        // Relaxed: the counter only has to hand out distinct numbers; nothing else is
        // ordered by it.
        let number = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("perdix-session-{label}-{}-{number}", std::process::id()));
        // A folder left by an earlier run that got the same process id is replaced.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the scratch folder");
        Self { path }
    }

    /// The folder.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

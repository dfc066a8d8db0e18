//! Keeping driver libraries off the user's terminal while they are loaded.
//!
//! Mesa's Vulkan drivers write lines such as `error: XDG_RUNTIME_DIR is invalid or not
//! set in the environment.` straight to file descriptor 2 while wgpu creates an instance,
//! enumerates adapters and opens a device. Nothing is wrong (the compute backend needs no
//! display), but a user reads them as Perdix failing, and there is no switch to turn them
//! off. So those calls run with descriptor 2 pointed at `/dev/null`, and it is put back
//! as soon as they return.

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::{Mutex, PoisonError};

/// The standard error descriptor.
const STDERR_FD: i32 = 2;

/// Serialises redirections: two that overlapped would each save the other's
/// `/dev/null`, and one of them would restore it for good.
static REDIRECTION: Mutex<()> = Mutex::new(());

/// Puts the saved stderr back on drop, so that it is restored even when the silenced
/// call panics.
struct Restore(OwnedFd);

impl Drop for Restore {
    fn drop(&mut self) {
        // Nothing can be reported if this fails: stderr is what failed.
        let _ = nix::unistd::dup2(self.0.as_raw_fd(), STDERR_FD);
    }
}

/// Runs `call` with file descriptor 2 pointed at `/dev/null`, then restores it. Whatever
/// any thread writes to stderr meanwhile is lost, so only short calls at start-up go
/// through here. When the redirection cannot be set up, `call` runs unsilenced.
pub(crate) fn silencing_stderr<R>(call: impl FnOnce() -> R) -> R {
    let _serialised = REDIRECTION.lock().unwrap_or_else(PoisonError::into_inner);
    redirected_to_null(call)
}

/// [`silencing_stderr`] without the lock, which the caller holds.
fn redirected_to_null<R>(call: impl FnOnce() -> R) -> R {
    let Ok(null) = File::options().write(true).open("/dev/null") else {
        return call();
    };
    let Ok(saved) = std::io::stderr().as_fd().try_clone_to_owned() else {
        return call();
    };
    // dup2 swaps what descriptor 2 refers to in one step; it stays open throughout, so
    // the standard library's handle on it stays valid.
    if nix::unistd::dup2(null.as_raw_fd(), STDERR_FD).is_err() {
        return call();
    }
    let _restore = Restore(saved);
    call()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, Write};

    #[test]
    fn writes_to_descriptor_2_vanish_inside_and_arrive_after() {
        // Descriptor 2 is pointed at a file for the test, to see what reaches it; the lock
        // keeps a wgpu probe in another test from redirecting it meanwhile.
        let _serialised = REDIRECTION.lock().unwrap_or_else(PoisonError::into_inner);
        let mut file = scratch_file();
        let real = std::io::stderr().as_fd().try_clone_to_owned().unwrap();
        nix::unistd::dup2(file.as_raw_fd(), STDERR_FD).unwrap();
        let value = redirected_to_null(|| {
            let _ = std::io::stderr().write_all(b"driver noise\n");
            7
        });
        let _ = std::io::stderr().write_all(b"after\n");
        nix::unistd::dup2(real.as_raw_fd(), STDERR_FD).unwrap();
        assert_eq!(value, 7);
        let mut written = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut written).unwrap();
        assert_eq!(written, "after\n");
    }

    /// A file that is deleted once open.
    fn scratch_file() -> File {
        let path = std::env::temp_dir().join(format!("perdix-quiet-stderr-{}", std::process::id()));
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let _ = std::fs::remove_file(&path);
        file
    }
}

//! One server per name, and stale sockets.

use super::scratch::ScratchDir;
use crate::session::lock::{bind_socket, server_running, LockError, ServerLock};
use crate::session::paths::{runtime_dir_in, SessionPaths};
use crate::session::peer::check_peer;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::UnixStream;
use std::path::Path;

fn session_in(scratch: &ScratchDir, name: &str) -> SessionPaths {
    SessionPaths::in_dir(&runtime_dir_in(scratch.path()).unwrap(), name).unwrap()
}

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).expect("stat").mode() & 0o7777
}

#[test]
fn a_second_lock_is_refused_while_the_first_is_held() {
    let scratch = ScratchDir::new("lock-held");
    let paths = session_in(&scratch, "work");
    let first = ServerLock::acquire(&paths).expect("the first lock");
    assert_eq!(first.path(), paths.lock);
    match ServerLock::acquire(&paths) {
        Err(LockError::Held { name, pid }) => {
            assert_eq!(name, "work");
            assert_eq!(pid, Some(std::process::id()));
        }
        other => panic!("expected Held, got {other:?}"),
    }
    // Another name is another lock.
    let other = session_in(&scratch, "other");
    let _other_lock = ServerLock::acquire(&other).expect("a lock of another session");
    drop(first);
    let _again = ServerLock::acquire(&paths).expect("the lock after the first is dropped");
    // The lock file stays, so that every server locks the same file.
    assert!(paths.lock.exists());
}

#[test]
fn the_lock_file_is_private() {
    let scratch = ScratchDir::new("lock-mode");
    let paths = session_in(&scratch, "work");
    let _lock = ServerLock::acquire(&paths).unwrap();
    assert_eq!(mode_of(&paths.lock), 0o600);
}

#[test]
fn the_lock_file_is_made_private_when_it_exists_with_another_mode() {
    let scratch = ScratchDir::new("lock-mode-existing");
    let paths = session_in(&scratch, "work");
    fs::write(&paths.lock, b"").unwrap();
    fs::set_permissions(&paths.lock, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let _lock = ServerLock::acquire(&paths).unwrap();
    assert_eq!(mode_of(&paths.lock), 0o600);
}

#[test]
fn a_link_in_place_of_the_lock_file_is_refused() {
    let scratch = ScratchDir::new("lock-link");
    let paths = session_in(&scratch, "work");
    let target = scratch.path().join("target");
    fs::write(&target, b"").unwrap();
    std::os::unix::fs::symlink(&target, &paths.lock).unwrap();
    let error = ServerLock::acquire(&paths).unwrap_err();
    assert!(matches!(error, LockError::Open { .. }), "{error:?}");
}

#[test]
fn a_stale_socket_is_replaced_under_the_lock() {
    let scratch = ScratchDir::new("stale");
    let paths = session_in(&scratch, "work");
    let lock = ServerLock::acquire(&paths).unwrap();
    assert!(!server_running(&paths), "nothing bound yet");

    let listener = bind_socket(&paths, &lock).expect("the first bind");
    assert!(server_running(&paths));
    drop(listener);
    // The file outlives the listener, as it does when a server is killed.
    assert!(fs::symlink_metadata(&paths.socket)
        .unwrap()
        .file_type()
        .is_socket());
    assert!(!server_running(&paths), "a stale socket refuses connections");

    let listener = bind_socket(&paths, &lock).expect("a bind over the stale socket");
    assert_eq!(mode_of(&paths.socket), 0o600);
    assert!(server_running(&paths));
    let _client = UnixStream::connect(&paths.socket).expect("a client connects");
    // The first connection is the probe above; the client's comes after it.
    let (_probe, _) = listener.accept().unwrap();
    let (accepted, _) = listener.accept().unwrap();
    check_peer(&accepted).expect("our own client is accepted");
}

#[test]
fn something_else_in_place_of_the_socket_is_kept() {
    let scratch = ScratchDir::new("not-a-socket");
    let paths = session_in(&scratch, "work");
    let lock = ServerLock::acquire(&paths).unwrap();
    fs::write(&paths.socket, b"keep me").unwrap();
    let error = bind_socket(&paths, &lock).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(fs::read(&paths.socket).unwrap(), b"keep me");
}

//! Session names, the runtime and state folders, and the files in them.

use super::scratch::ScratchDir;
use crate::session::paths::*;
use std::ffi::OsStr;
use std::fs::{self, Permissions};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).expect("stat").mode() & 0o7777
}

#[test]
fn good_session_names_are_accepted() {
    let longest = "a".repeat(MAX_SESSION_NAME_LEN);
    for name in [
        "default",
        "a",
        "0",
        "_private",
        "work-2",
        "agents.v1",
        "A_b-C.9",
        longest.as_str(),
    ] {
        assert!(check_session_name(name).is_ok(), "{name:?} should be accepted");
    }
    assert!(check_session_name(DEFAULT_SESSION).is_ok());
}

#[test]
fn bad_session_names_are_refused_with_the_reason() {
    assert!(matches!(check_session_name(""), Err(SessionPathError::EmptyName)));
    let too_long = "a".repeat(MAX_SESSION_NAME_LEN + 1);
    assert!(matches!(
        check_session_name(&too_long),
        Err(SessionPathError::NameTooLong { len: 65 })
    ));
    for (name, bad) in [
        ("a/b", '/'),
        ("my session", ' '),
        ("é", 'é'),
        ("x\n", '\n'),
        ("a:b", ':'),
        ("~", '~'),
    ] {
        match check_session_name(name) {
            Err(SessionPathError::BadNameCharacter { character, .. }) => {
                assert_eq!(character, bad, "{name:?}")
            }
            other => panic!("{name:?}: expected a bad character, got {other:?}"),
        }
    }
    for (name, first) in [(".hidden", '.'), ("..", '.'), ("-d", '-'), ("--help", '-')] {
        match check_session_name(name) {
            Err(SessionPathError::BadNameStart { first: got, .. }) => assert_eq!(got, first, "{name:?}"),
            other => panic!("{name:?}: expected a bad start, got {other:?}"),
        }
    }
    let text = check_session_name("a/b").unwrap_err().to_string();
    assert!(text.contains("'/'") && text.contains("letters, digits"), "{text}");
}

#[test]
fn runtime_dir_follows_xdg_runtime_dir_only_when_it_is_an_absolute_existing_folder() {
    let scratch = ScratchDir::new("runtime-path");
    let fallback = PathBuf::from("/tmp/perdix-1234");
    assert_eq!(
        runtime_dir_path(Some(scratch.path().as_os_str()), 1234),
        scratch.path().join("perdix")
    );
    assert_eq!(runtime_dir_path(None, 1234), fallback);
    assert_eq!(runtime_dir_path(Some(OsStr::new("")), 1234), fallback);
    assert_eq!(runtime_dir_path(Some(OsStr::new("relative/run")), 1234), fallback);
    let missing = scratch.path().join("missing");
    assert_eq!(runtime_dir_path(Some(missing.as_os_str()), 1234), fallback);
    let file = scratch.path().join("file");
    fs::write(&file, b"").unwrap();
    assert_eq!(runtime_dir_path(Some(file.as_os_str()), 1234), fallback);
}

#[test]
fn runtime_dir_is_created_private() {
    let scratch = ScratchDir::new("runtime-create");
    let dir = runtime_dir_in(scratch.path()).expect("a fresh runtime folder");
    assert_eq!(dir, scratch.path().join("perdix"));
    assert!(dir.is_dir());
    assert_eq!(mode_of(&dir), 0o700);
    // A second call accepts the folder it made.
    assert_eq!(
        runtime_dir_in(scratch.path()).expect("the same folder again"),
        dir
    );
}

#[test]
fn runtime_dir_needs_its_parent() {
    let scratch = ScratchDir::new("runtime-parent");
    let error = runtime_dir_in(&scratch.path().join("missing")).unwrap_err();
    assert!(matches!(error, SessionPathError::Create { .. }), "{error:?}");
    assert!(!scratch.path().join("missing").exists());
}

#[test]
fn runtime_dir_open_to_others_is_refused() {
    let scratch = ScratchDir::new("runtime-open");
    let dir = scratch.path().join("perdix");
    for mode in [0o755, 0o750, 0o701, 0o707] {
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, Permissions::from_mode(mode)).unwrap();
        match runtime_dir_in(scratch.path()) {
            Err(SessionPathError::OpenPermissions { path, mode: got }) => {
                assert_eq!(path, dir);
                assert_eq!(got, mode);
            }
            other => panic!("mode {mode:o}: expected a refusal, got {other:?}"),
        }
        // Refused, not repaired.
        assert_eq!(mode_of(&dir), mode);
    }
    let text = runtime_dir_in(scratch.path()).unwrap_err().to_string();
    assert!(
        text.contains("chmod 700") && text.contains(&dir.display().to_string()),
        "{text}"
    );
}

#[test]
fn runtime_dir_that_is_a_symlink_is_refused() {
    let scratch = ScratchDir::new("runtime-link");
    let target = scratch.path().join("elsewhere");
    fs::create_dir(&target).unwrap();
    fs::set_permissions(&target, Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&target, scratch.path().join("perdix")).unwrap();
    let error = runtime_dir_in(scratch.path()).unwrap_err();
    assert!(matches!(error, SessionPathError::Symlink { .. }), "{error:?}");
}

#[test]
fn runtime_dir_that_is_a_file_is_refused() {
    let scratch = ScratchDir::new("runtime-file");
    fs::write(scratch.path().join("perdix"), b"not a folder").unwrap();
    let error = runtime_dir_in(scratch.path()).unwrap_err();
    assert!(
        matches!(error, SessionPathError::NotADirectory { .. }),
        "{error:?}"
    );
}

#[test]
fn runtime_dir_of_another_user_is_refused() {
    if !nix::unistd::geteuid().is_root() {
        println!("runtime_dir_of_another_user_is_refused needs root to give a folder away; not run");
        return;
    }
    let scratch = ScratchDir::new("runtime-owner");
    let dir = scratch.path().join("perdix");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
    match runtime_dir_in(scratch.path()) {
        Err(SessionPathError::WrongOwner { owner, uid, .. }) => {
            assert_eq!(owner, 65534);
            assert_eq!(uid, 0);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn session_paths_are_name_dot_sock_and_name_dot_lock() {
    let scratch = ScratchDir::new("session-paths");
    let dir = runtime_dir_in(scratch.path()).unwrap();
    let paths = SessionPaths::in_dir(&dir, "work").unwrap();
    assert_eq!(paths.name, "work");
    assert_eq!(paths.socket, dir.join("work.sock"));
    assert_eq!(paths.lock, dir.join("work.lock"));
    assert!(matches!(
        SessionPaths::in_dir(&dir, "../x"),
        Err(SessionPathError::BadNameStart { .. })
    ));
}

#[test]
fn socket_paths_too_long_for_a_socket_are_refused() {
    let deep = PathBuf::from(format!("/{}", "d".repeat(MAX_SOCKET_PATH_LEN - "//x.sock".len())));
    let fits = SessionPaths::in_dir(&deep, "x").expect("exactly the longest path");
    assert_eq!(fits.socket.as_os_str().len(), MAX_SOCKET_PATH_LEN);
    match SessionPaths::in_dir(&deep, "xy") {
        Err(SessionPathError::SocketPathTooLong { len, .. }) => assert_eq!(len, MAX_SOCKET_PATH_LEN + 1),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn session_names_are_the_sockets_sorted() {
    let scratch = ScratchDir::new("names");
    let dir = scratch.path();
    assert!(session_names_in(&dir.join("missing")).is_empty());
    for file in [
        "zeta.sock",
        "alpha.sock",
        "alpha.lock",
        "beta.log",
        "mid.sock",
        ".hidden.sock",
        "a b.sock",
    ] {
        fs::write(dir.join(file), b"").unwrap();
    }
    assert_eq!(session_names_in(dir), ["alpha", "mid", "zeta"]);
}

#[test]
fn state_dir_follows_xdg_state_home_then_home() {
    let path =
        |xdg: Option<&str>, home: Option<&str>| state_dir_path(xdg.map(OsStr::new), home.map(OsStr::new));
    assert_eq!(
        path(Some("/state"), Some("/home/u")).unwrap(),
        Path::new("/state/perdix")
    );
    assert_eq!(
        path(None, Some("/home/u")).unwrap(),
        Path::new("/home/u/.local/state/perdix")
    );
    assert_eq!(
        path(Some("rel"), Some("/home/u")).unwrap(),
        Path::new("/home/u/.local/state/perdix")
    );
    assert_eq!(
        path(Some(""), Some("/home/u")).unwrap(),
        Path::new("/home/u/.local/state/perdix")
    );
    assert!(matches!(path(None, None), Err(SessionPathError::NoStateDir)));
    assert!(matches!(
        path(Some("rel"), Some("")),
        Err(SessionPathError::NoStateDir)
    ));
}

#[test]
fn state_dir_is_created_private_with_its_parents() {
    let scratch = ScratchDir::new("state");
    let state_home = scratch.path().join(".local").join("state");
    let dir = state_dir_in(&state_home).expect("a fresh state folder");
    assert_eq!(dir, state_home.join("perdix"));
    assert_eq!(mode_of(&dir), 0o700);
    // An existing folder is used as it is.
    fs::set_permissions(&dir, Permissions::from_mode(0o750)).unwrap();
    assert_eq!(state_dir_in(&state_home).unwrap(), dir);
    assert_eq!(mode_of(&dir), 0o750);
    assert_eq!(log_file_in(&dir, "work").unwrap(), dir.join("work.log"));
    assert_eq!(
        saved_session_file_in(&dir, "work").unwrap(),
        dir.join("work.toml")
    );
    assert!(log_file_in(&dir, "a/b").is_err());
    assert!(saved_session_file_in(&dir, "").is_err());
}

//! Peer credentials.

use crate::session::peer::{check_peer, check_peer_uid, peer_uid, PeerError};
use std::os::unix::net::UnixStream;

#[test]
fn a_socket_pair_has_our_own_uid() {
    let (one, other) = UnixStream::pair().unwrap();
    let own = nix::unistd::geteuid().as_raw();
    assert_eq!(peer_uid(&one).unwrap(), own);
    assert_eq!(peer_uid(&other).unwrap(), own);
    check_peer(&one).expect("our own process is accepted");
}

#[test]
fn another_uid_is_refused_and_named() {
    assert!(check_peer_uid(1000, 1000).is_ok());
    match check_peer_uid(1001, 1000) {
        Err(
            error @ PeerError::OtherUser {
                peer_uid: 1001,
                own_uid: 1000,
            },
        ) => {
            assert!(error.to_string().contains("uid 1001"), "{error}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_socket_has_no_peer() {
    let file = std::fs::File::open("/dev/null").unwrap();
    assert!(matches!(peer_uid(&file), Err(error) if error.raw_os_error() == Some(nix::libc::ENOTSOCK)));
    assert!(matches!(check_peer(&file), Err(PeerError::Credentials(_))));
}

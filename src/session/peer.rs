//! Who is on the other end of a session socket.
//!
//! The private runtime folder already keeps other users away from the socket; the server
//! checks each client's uid as well, so that a folder opened by mistake does not hand the
//! panes to anyone who can connect.
//!
//! ```
//! use perdix::session::peer::{check_peer, peer_uid};
//! use std::os::unix::net::UnixStream;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (server_end, _client_end) = UnixStream::pair()?;
//! assert_eq!(peer_uid(&server_end)?, nix::unistd::geteuid().as_raw());
//! check_peer(&server_end)?;
//! # Ok(())
//! # }
//! ```

use std::io;
use std::os::fd::AsFd;
use thiserror::Error;

/// Why a client was refused.
#[derive(Debug, Error)]
pub enum PeerError {
    /// The system could not say who the peer is.
    #[error("cannot read the credentials of a client: {0}")]
    Credentials(#[source] io::Error),
    /// The peer runs as another user.
    #[error("refused a client running as uid {peer_uid}: this session belongs to uid {own_uid}")]
    OtherUser {
        /// The client's uid.
        peer_uid: u32,
        /// This process's effective uid.
        own_uid: u32,
    },
}

/// The effective uid of the process at the other end of a connected Unix socket, as the
/// kernel recorded it when the connection was made.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn peer_uid(stream: &impl AsFd) -> io::Result<u32> {
    use nix::sys::socket::{getsockopt, sockopt};
    let credentials = getsockopt(stream, sockopt::PeerCredentials)?;
    Ok(credentials.uid())
}

/// The effective uid of the process at the other end of a connected Unix socket, as the
/// kernel recorded it when the connection was made.
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
))]
pub fn peer_uid(stream: &impl AsFd) -> io::Result<u32> {
    let (uid, _gid) = nix::unistd::getpeereid(stream.as_fd())?;
    Ok(uid.as_raw())
}

/// Refuses a peer whose uid is not this process's effective uid.
pub fn check_peer(stream: &impl AsFd) -> Result<(), PeerError> {
    let peer_uid = peer_uid(stream).map_err(PeerError::Credentials)?;
    check_peer_uid(peer_uid, nix::unistd::geteuid().as_raw())
}

/// The rule of [`check_peer`] on known uids: only the same user may attach.
pub fn check_peer_uid(peer_uid: u32, own_uid: u32) -> Result<(), PeerError> {
    if peer_uid == own_uid {
        Ok(())
    } else {
        Err(PeerError::OtherUser { peer_uid, own_uid })
    }
}

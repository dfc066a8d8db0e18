//! Detachable sessions: a background server per session name owns the panes, and clients
//! attach to it over a Unix socket.
//!
//! [`paths`] decides where a session's socket, lock, log and saved layout live and keeps
//! the socket folder private; [`lock`] guarantees one server per name; [`peer`] refuses
//! clients of another user; [`protocol`] is what clients and servers say to each other.

pub mod control;
pub mod lock;
pub mod paths;
pub mod peer;
pub mod protocol;
pub mod read_socket;

#[cfg(test)]
mod tests;

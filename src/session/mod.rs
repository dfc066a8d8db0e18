//! Sessions that outlive the terminal: where a session's server listens, and what its
//! clients and it say to each other.

pub mod protocol;

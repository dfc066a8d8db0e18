//! Tests of the session files, each in its own scratch folder under the system's temporary
//! folder; none sets an environment variable, since tests run in parallel threads.

mod lock;
mod paths;
mod peer;
mod scratch;

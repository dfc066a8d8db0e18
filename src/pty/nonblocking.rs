//! The PTY master in non-blocking mode, so that the app can hand a key to the child in
//! its own thread without ever blocking on a child that does not read.
//!
//! `O_NONBLOCK` belongs to the open file description, which the reader's and the writer
//! thread's handles share with the master (they are `dup`s of it, and a pseudo-terminal's
//! master cannot be opened a second time). So the flag is set once, for all of them, and
//! the two threads get it back as blocking behaviour by waiting in `poll(2)` whenever the
//! master would block: no busy loop, and a closed child side still ends their waits
//! (`POLLHUP`, then EIO, which portable-pty reports as the end of the stream).

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// Makes the open file description of `fd` non-blocking.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    let flags = OFlag::from_bits_truncate(fcntl(raw, FcntlArg::F_GETFL)?);
    fcntl(raw, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(())
}

/// Waits until `fd` is ready for `events` (or hung up, or failed: the next read or
/// write then says so).
fn wait_ready(fd: BorrowedFd<'_>, events: PollFlags) -> io::Result<()> {
    loop {
        let mut fds = [PollFd::new(fd, events)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) => return Ok(()),
            Err(nix::errno::Errno::EINTR) => {}
            Err(error) => return Err(error.into()),
        }
    }
}

/// A read end of the non-blocking master that blocks like a normal one: `read` waits in
/// `poll` while there is nothing to read.
pub(crate) struct PollingReader {
    inner: Box<dyn Read + Send>,
    /// A handle on the same master to wait on, alive as long as the reader.
    fd: OwnedFd,
}

impl PollingReader {
    pub(crate) fn new(inner: Box<dyn Read + Send>, fd: OwnedFd) -> PollingReader {
        PollingReader { inner, fd }
    }
}

impl Read for PollingReader {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buffer) {
                Err(error) if error.kind() == ErrorKind::WouldBlock => {
                    wait_ready(self.fd.as_fd(), PollFlags::POLLIN)?;
                }
                other => return other,
            }
        }
    }
}

/// A write end of the non-blocking master that blocks like a normal one: `write` waits
/// in `poll` while the child's input buffer is full.
pub(crate) struct PollingWriter {
    inner: Box<dyn Write + Send>,
    fd: OwnedFd,
}

impl PollingWriter {
    pub(crate) fn new(inner: Box<dyn Write + Send>, fd: OwnedFd) -> PollingWriter {
        PollingWriter { inner, fd }
    }
}

impl Write for PollingWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        loop {
            match self.inner.write(bytes) {
                Err(error) if error.kind() == ErrorKind::WouldBlock => {
                    wait_ready(self.fd.as_fd(), PollFlags::POLLOUT)?;
                }
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes that never wait: what the child's terminal takes now, and no more.
pub trait TryWrite: Send {
    /// Writes as much of `bytes` as fits now; 0 when nothing does. An error means
    /// nothing more can be written (the terminal closed).
    fn try_write(&mut self, bytes: &[u8]) -> io::Result<usize>;
}

/// The non-blocking master, written by whoever must not wait (the app thread typing a key).
pub struct DirectWriter(File);

impl DirectWriter {
    pub(crate) fn new(fd: OwnedFd) -> DirectWriter {
        DirectWriter(File::from(fd))
    }
}

impl TryWrite for DirectWriter {
    fn try_write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut written = 0;
        while written < bytes.len() {
            match self.0.write(&bytes[written..]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(count) => written += count,
                Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(written)
    }
}

impl std::fmt::Debug for DirectWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DirectWriter").field(&self.0).finish()
    }
}

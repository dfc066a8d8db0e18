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

/// A handle on the non-blocking master that blocks like a normal one: a read or write
/// that would block waits in `poll` until the master is ready for it.
pub(crate) struct Polling<T> {
    inner: T,
    /// A handle on the same master to wait on, alive as long as `inner`.
    fd: OwnedFd,
}

impl<T> Polling<T> {
    pub(crate) fn new(inner: T, fd: OwnedFd) -> Polling<T> {
        Polling { inner, fd }
    }

    /// Runs `operation` until it does not report that it would block, waiting for
    /// `events` in between.
    fn retry<R>(
        &mut self,
        events: PollFlags,
        mut operation: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            match operation(&mut self.inner) {
                Err(error) if error.kind() == ErrorKind::WouldBlock => wait_ready(self.fd.as_fd(), events)?,
                other => return other,
            }
        }
    }
}

impl<T: Read> Read for Polling<T> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        self.retry(PollFlags::POLLIN, |inner| inner.read(buffer))
    }
}

impl<T: Write> Write for Polling<T> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.retry(PollFlags::POLLOUT, |inner| inner.write(bytes))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes as much of `bytes` into `writer` (non-blocking) as it takes now; returns how
/// much that was, 0 when nothing fits. An error means nothing more can be written.
///
/// ```
/// use std::os::unix::net::UnixStream;
///
/// let (ours, _theirs) = UnixStream::pair().unwrap();
/// ours.set_nonblocking(true).unwrap();
/// let flood = vec![b'x'; 16 << 20];
/// // The socket's buffer takes some, and the call returns instead of waiting for more.
/// let written = perdix::pty::write_available(&ours, &flood).unwrap();
/// assert!(written > 0 && written < flood.len());
/// ```
pub fn write_available(mut writer: impl Write, bytes: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < bytes.len() {
        match writer.write(&bytes[written..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(count) => written += count,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(written)
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
        write_available(&self.0, bytes)
    }
}

impl std::fmt::Debug for DirectWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DirectWriter").field(&self.0).finish()
    }
}

//! A Unix socket the event loop watches for reading only.
//!
//! A socket registered with the runtime as usual is watched for write space too, and on
//! Linux every read by the other side then wakes the event loop's thread, for nothing
//! when this side writes from another thread (the server's app thread, the client's
//! input thread). On the echo of a key that is two needless wake-ups, on a machine where
//! every thread that runs delays the others.
//!
//! ```
//! use perdix::session::read_socket::ReadSocket;
//! use std::io::Write;
//! use tokio::io::AsyncReadExt;
//!
//! let (mut ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
//! runtime.block_on(async {
//!     let mut socket = ReadSocket::new(theirs).unwrap();
//!     ours.write_all(b"hello").unwrap();
//!     let mut read = [0; 5];
//!     socket.read_exact(&mut read).await.unwrap();
//!     assert_eq!(&read, b"hello");
//! });
//! ```

use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, Interest, ReadBuf};

/// A socket read through the runtime, watched for readability only.
pub struct ReadSocket {
    fd: AsyncFd<UnixStream>,
}

impl ReadSocket {
    /// Makes `stream` non-blocking and registers it for reading with the current runtime.
    pub fn new(stream: UnixStream) -> io::Result<ReadSocket> {
        stream.set_nonblocking(true)?;
        Ok(ReadSocket {
            fd: register(stream, Interest::READABLE)?,
        })
    }

    /// The socket, for what is not reading (its peer's credentials, a second handle).
    pub fn get_ref(&self) -> &UnixStream {
        self.fd.get_ref()
    }
}

impl AsyncRead for ReadSocket {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            let mut guard = ready!(self.fd.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            match guard.try_io(|inner| inner.get_ref().read(unfilled)) {
                Ok(Ok(len)) => {
                    buf.advance(len);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(error)) => return Poll::Ready(Err(error)),
                // Not readable after all: the readiness was cleared; wait again.
                Err(_would_block) => continue,
            }
        }
    }
}

/// Waits until `stream` (non-blocking) has room for writing, watching it only while
/// waiting: the registration ends when this returns.
pub async fn wait_writable(stream: &UnixStream) -> io::Result<()> {
    // A handle of its own, so that the watch for write space is separate from the read
    // registration and ends with it.
    let watched = register(stream.try_clone()?, Interest::WRITABLE)?;
    let _ready = watched.writable().await?;
    Ok(())
}

/// Registers `stream` with the current runtime for `interest`.
fn register(stream: UnixStream, interest: Interest) -> io::Result<AsyncFd<UnixStream>> {
    // SAFETY: the stream owns its descriptor and the AsyncFd owns the stream, so the
    // descriptor stays open and the same for as long as it is registered.
    unsafe { AsyncFd::register_with_interest(stream, interest) }.map_err(io::Error::from)
}

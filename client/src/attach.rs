//! Hijacked connections: container attach and exec start with standard input, and connections
//! upgraded to another protocol (WebSocket attach, the session endpoint).
//!
//! The client asks the engine to upgrade the HTTP/1.1 connection (`Connection: Upgrade`,
//! `Upgrade: tcp`); after `101 Switching Protocols` the connection carries the container's
//! output one way and its standard input the other. Bytes the engine sent right behind its
//! `101` head are read first.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, WriteHalf};

use crate::error::Error;
use crate::output::OutputStream;
use crate::stream::ByteStream;

/// An attached container or exec: its output, and its standard input.
///
/// Write to [`input`](Attached::input) and shut it down (`AsyncWriteExt::shutdown`) to close
/// the process's standard input; read [`output`](Attached::output) until it ends.
#[derive(Debug)]
pub struct Attached {
    /// The output, demultiplexed unless the process has a TTY.
    pub output: OutputStream,
    /// The standard input. Writes fail when the engine did not upgrade the connection (a
    /// detached exec, for example).
    pub input: AttachInput,
}

impl Attached {
    /// The two halves of an upgraded connection; the output demultiplexed as `content_type`
    /// says.
    pub(crate) fn new(upgraded: Upgraded, content_type: Option<&str>) -> Attached {
        let host = upgraded.host.clone();
        let (read, write) = tokio::io::split(upgraded);
        let bytes = tokio_util::io::ReaderStream::new(read).map_err(move |source| Error::Io {
            host: host.clone(),
            source,
        });
        Attached {
            output: OutputStream::new(ByteStream::new(bytes), content_type),
            input: AttachInput { inner: Some(write) },
        }
    }
}

/// The write half of an attached connection: the process's standard input.
#[derive(Debug)]
pub struct AttachInput {
    inner: Option<WriteHalf<Upgraded>>,
}

impl AttachInput {
    /// No standard input: the engine did not upgrade the connection.
    pub(crate) fn none() -> AttachInput {
        AttachInput { inner: None }
    }

    fn half(&mut self) -> io::Result<Pin<&mut WriteHalf<Upgraded>>> {
        match &mut self.inner {
            Some(half) => Ok(Pin::new(half)),
            None => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the engine did not upgrade the connection: there is no standard input to write",
            )),
        }
    }
}

impl AsyncWrite for AttachInput {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.half() {
            Ok(half) => half.poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.half() {
            Ok(half) => half.poll_flush(cx),
            Err(_) => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.half() {
            Ok(half) => half.poll_shutdown(cx),
            Err(_) => Poll::Ready(Ok(())),
        }
    }
}

/// A connection upgraded to another protocol (WebSocket, h2c, or the raw stream of an attach):
/// read and write it as bytes.
pub struct Upgraded {
    io: reqwest::Upgraded,
    /// The engine's address, for messages.
    host: String,
}

impl Upgraded {
    pub(crate) fn new(io: reqwest::Upgraded, host: String) -> Upgraded {
        Upgraded { io, host }
    }
}

impl std::fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upgraded")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

//! Hijacked connections: container attach and exec start with standard input.
//!
//! The client asks the engine to upgrade the HTTP/1.1 connection (`Connection: Upgrade`,
//! `Upgrade: tcp`); after `101 Switching Protocols` the connection carries the container's
//! output one way and its standard input the other.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncWrite, WriteHalf};

use crate::output::OutputStream;

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

/// The write half of an attached connection: the process's standard input.
#[derive(Debug)]
pub struct AttachInput {
    pub(crate) inner: Option<WriteHalf<crate::runtime::Upgraded>>,
}

impl AttachInput {
    fn half(&mut self) -> io::Result<Pin<&mut WriteHalf<crate::runtime::Upgraded>>> {
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

//! Hijacked connections: container attach and exec start with standard input. (Connections
//! upgraded to another protocol, WebSocket attach and the session endpoint, are reqwest's
//! [`Upgraded`] as they are.)
//!
//! The client asks the engine to upgrade the HTTP/1.1 connection (`Connection: Upgrade`,
//! `Upgrade: tcp`); after `101 Switching Protocols` the connection carries the container's
//! output one way and its standard input the other. Bytes the engine sent right behind its
//! `101` head are read first.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::TryStreamExt;
pub use reqwest::Upgraded;
use tokio::io::{AsyncWrite, WriteHalf};

use crate::error::Error;
use crate::output::OutputStream;
use crate::stream::ByteStream;
use crate::transport::Wire;

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
    /// The two halves of a connection upgraded; the output read as [`OutputStream`] reads
    /// `content_type` and `tty`.
    /// Each half holds `wire`: the relay of an `ssh://` engine, whose ssh carries the
    /// connection, lives as long as they do, even when the client does not.
    pub(crate) fn new(
        upgraded: Upgraded,
        content_type: Option<&str>,
        tty: Option<bool>,
        wire: Arc<Wire>,
    ) -> Attached {
        let (read, write) = tokio::io::split(upgraded);
        let (held, host) = (wire.clone(), wire.host.to_string());
        let bytes = tokio_util::io::ReaderStream::new(read).map_err(move |source| {
            let _ = &held;
            Error::Io {
                host: host.clone(),
                source,
            }
        });
        Attached {
            output: OutputStream::new(ByteStream::new(bytes), content_type, tty),
            input: AttachInput(Some((write, wire))),
        }
    }
}

/// The write half of an attached connection: the process's standard input.
#[derive(Debug)]
pub struct AttachInput(Option<(WriteHalf<Upgraded>, Arc<Wire>)>);

impl AttachInput {
    /// No standard input: the engine did not upgrade the connection.
    pub(crate) fn none() -> AttachInput {
        AttachInput(None)
    }

    /// The write half, when the engine upgraded the connection.
    fn half(&mut self) -> Option<Pin<&mut WriteHalf<Upgraded>>> {
        self.0.as_mut().map(|(half, _)| Pin::new(half))
    }
}

/// Without an upgraded connection, writes fail and flushes and shutdowns have nothing to do.
impl AsyncWrite for AttachInput {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let Some(half) = self.half() else {
            let why =
                "the engine did not upgrade the connection: there is no standard input to write";
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::NotConnected, why)));
        };
        half.poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.half()
            .map_or(Poll::Ready(Ok(())), |half| half.poll_flush(cx))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.half()
            .map_or(Poll::Ready(Ok(())), |half| half.poll_shutdown(cx))
    }
}

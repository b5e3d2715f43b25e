use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use tokio::io::AsyncRead;
use tokio::sync::Notify;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body of bytes: a tar archive, an image, a build context. Streamed, never buffered
/// by the client.
pub struct Body {
    kind: Kind,
    /// Told when the body has been sent (or dropped unsent): the response-header timeout starts
    /// then.
    sent: Option<Arc<Notify>>,
}

enum Kind {
    Bytes(Bytes),
    Stream(Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>),
}

impl Body {
    /// A body read from a stream of byte chunks.
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Body {
            kind: Kind::Stream(Box::pin(stream.map_err(Into::into))),
            sent: None,
        }
    }

    /// A body read from an `AsyncRead`, such as a `tokio::fs::File`.
    pub fn from_reader<R>(reader: R) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        Body::from_stream(tokio_util::io::ReaderStream::new(reader).map_err(std::io::Error::other))
    }

    /// No body.
    pub(crate) fn empty() -> Self {
        Body::from(Bytes::new())
    }

    /// A body whose length is not known in advance.
    pub(crate) fn is_stream(&self) -> bool {
        matches!(self.kind, Kind::Stream(_))
    }

    /// The bytes of a body known in advance (which can be sent again).
    pub(crate) fn bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Bytes(bytes) => Some(bytes),
            Kind::Stream(_) => None,
        }
    }

    /// The next chunk of a streamed body; `None` at its end.
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, BoxError>>> {
        let poll = match &mut self.kind {
            Kind::Bytes(bytes) if bytes.is_empty() => Poll::Ready(None),
            Kind::Bytes(bytes) => Poll::Ready(Some(Ok(std::mem::take(bytes)))),
            Kind::Stream(stream) => stream.as_mut().poll_next(cx),
        };
        if matches!(poll, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.finished();
        }
        poll
    }

    /// Notifies `sent` once the body has been read to its end, or dropped.
    pub(crate) fn notify_when_sent(&mut self, sent: Arc<Notify>) {
        self.sent = Some(sent);
    }

    fn finished(&mut self) {
        if let Some(sent) = self.sent.take() {
            sent.notify_one();
        }
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            Kind::Bytes(bytes) => write!(f, "Body({} bytes)", bytes.len()),
            Kind::Stream(_) => f.write_str("Body(stream)"),
        }
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        self.finished();
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::from(Bytes::from(bytes))
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body {
            kind: Kind::Bytes(bytes),
            sent: None,
        }
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Body::from(Bytes::from_static(bytes))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body::from(Bytes::from(text))
    }
}

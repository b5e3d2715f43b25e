//! Request bodies: bytes known in advance, or a stream.

use std::pin::Pin;

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use tokio::io::AsyncRead;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A stream of body chunks.
pub(crate) type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

/// A request body of bytes: a tar archive, an image, a build context. Streamed, never buffered
/// by the client.
pub struct Body {
    pub(crate) kind: BodyKind,
}

/// What a body holds.
pub(crate) enum BodyKind {
    /// Bytes known in advance: sent with a `Content-Length`, and again if a request is retried.
    Bytes(Bytes),
    /// Chunks read as the body is sent (`Transfer-Encoding: chunked`).
    Stream(ChunkStream),
}

impl Body {
    /// A body read from a stream of byte chunks.
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Body {
            kind: BodyKind::Stream(Box::pin(stream.map_err(Into::into))),
        }
    }

    /// A body read from an `AsyncRead`, such as a `tokio::fs::File`.
    pub fn from_reader<R>(reader: R) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        Body::from_stream(tokio_util::io::ReaderStream::new(reader).map_err(std::io::Error::other))
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            BodyKind::Bytes(bytes) => write!(f, "Body({} bytes)", bytes.len()),
            BodyKind::Stream(_) => f.write_str("Body(stream)"),
        }
    }
}

/// Bytes known in advance: a `Vec<u8>`, a `String`, a static slice, [`Bytes`], ...
impl<T: Into<Bytes>> From<T> for Body {
    fn from(bytes: T) -> Self {
        Body {
            kind: BodyKind::Bytes(bytes.into()),
        }
    }
}

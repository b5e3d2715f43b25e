use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use tokio::io::AsyncRead;

/// A request body of bytes: a tar archive, an image, a build context. Streamed, never buffered
/// by the client.
#[derive(Debug)]
pub struct Body(pub(crate) reqwest::Body);

impl Body {
    /// A body read from a stream of byte chunks.
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Body(reqwest::Body::wrap_stream(stream))
    }

    /// A body read from an `AsyncRead`, such as a `tokio::fs::File`.
    pub fn from_reader<R>(reader: R) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        Body::from_stream(tokio_util::io::ReaderStream::new(reader).map_err(std::io::Error::other))
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body(bytes.into())
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body(bytes.into())
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Body(bytes.into())
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body(text.into())
    }
}

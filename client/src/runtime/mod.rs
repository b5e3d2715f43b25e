//! The runtime of the generated operations: requests, responses and serde helpers.
//!
//! Generated code builds a [`Request`] and reads a [`Response`]; users need none of this
//! module except to read it.

pub mod serde_helpers;

pub use crate::output::FrameDecoder;
pub use crate::stream::JsonLinesDecoder;

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::attach::{AttachInput, Attached};
use crate::output::OutputStream;
use crate::transport::{transport_error, Head, ResponseBody, Stream};
use crate::{Body, ByteStream, Error, JsonStream};

/// Characters kept as they are in a path segment: RFC 3986's unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path parameter so that it stays one path segment: `../x` is sent as
/// `..%2Fx`. `.` and `..` on their own would still be read as "this" and "parent" directories,
/// and an empty value would drop the segment: those are refused.
pub fn encode_path_segment(name: &str, value: &str) -> Result<String, Error> {
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::InvalidArgument(format!(
            "path parameter `{name}` may not be {value:?}"
        )));
    }
    Ok(utf8_percent_encode(value, SEGMENT).to_string())
}

/// A request being built by a generated method.
pub struct Request {
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Option<(Body, &'static str)>,
}

/// Shows the registry credential headers (`X-Registry-Auth`, `X-Registry-Config`) redacted.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                if name.eq_ignore_ascii_case("X-Registry-Auth")
                    || name.eq_ignore_ascii_case("X-Registry-Config")
                {
                    (*name, "<redacted>")
                } else {
                    (*name, value.as_str())
                }
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

impl Request {
    /// A request for `path`, below the version prefix.
    pub fn new(method: &'static str, path: String) -> Self {
        Request {
            method,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds `key=value` when there is a value.
    pub fn query(&mut self, key: &'static str, value: Option<&impl ToString>) {
        if let Some(value) = value {
            self.query.push((key, value.to_string()));
        }
    }

    /// Adds `key=<value as JSON>` when there is a value.
    pub fn query_json(
        &mut self,
        key: &'static str,
        value: Option<&impl Serialize>,
    ) -> Result<(), Error> {
        if let Some(value) = value {
            let json = serde_json::to_string(value)
                .map_err(|e| Error::InvalidArgument(format!("query parameter `{key}`: {e}")))?;
            self.query.push((key, json));
        }
        Ok(())
    }

    /// Adds `key=value` once per value.
    pub fn query_each<'a, V: ToString + 'a>(
        &mut self,
        key: &'static str,
        values: impl IntoIterator<Item = &'a V>,
    ) {
        for value in values {
            self.query.push((key, value.to_string()));
        }
    }

    /// Adds `key=a,b,c` when there are values.
    pub fn query_joined<'a, V: ToString + 'a>(
        &mut self,
        key: &'static str,
        values: impl IntoIterator<Item = &'a V>,
    ) {
        let values: Vec<String> = values.into_iter().map(ToString::to_string).collect();
        if !values.is_empty() {
            self.query.push((key, values.join(",")));
        }
    }

    /// Adds the header once per value.
    pub fn header_each<'a, V: ToString + 'a>(
        &mut self,
        name: &'static str,
        values: impl IntoIterator<Item = &'a V>,
    ) {
        for value in values {
            self.headers.push((name, value.to_string()));
        }
    }

    /// Adds a header when there is a value.
    pub fn header(&mut self, name: &'static str, value: Option<&impl ToString>) {
        if let Some(value) = value {
            self.headers.push((name, value.to_string()));
        }
    }

    /// Adds a header holding the value as base64url-encoded JSON, when there is a value.
    pub fn header_base64_json(
        &mut self,
        name: &'static str,
        value: Option<&impl Serialize>,
    ) -> Result<(), Error> {
        use base64::Engine;
        if let Some(value) = value {
            let json = serde_json::to_vec(value)
                .map_err(|e| Error::InvalidArgument(format!("header `{name}`: {e}")))?;
            self.headers
                .push((name, base64::engine::general_purpose::URL_SAFE.encode(json)));
        }
        Ok(())
    }

    /// Asks the engine to hijack the connection (attach, exec start).
    pub fn upgrade(&mut self) {
        self.headers.push(("Connection", "Upgrade".to_owned()));
        self.headers.push(("Upgrade", "tcp".to_owned()));
    }

    /// Asks the engine to upgrade the connection to another protocol (`websocket`, `h2c`).
    pub fn upgrade_to(&mut self, protocol: &'static str) {
        self.headers.push(("Connection", "Upgrade".to_owned()));
        self.headers.push(("Upgrade", protocol.to_owned()));
        if protocol == "websocket" {
            use base64::Engine;
            // The key only has to differ between handshakes (RFC 6455 4.1); it is no secret.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let key = base64::engine::general_purpose::STANDARD.encode(nanos.to_le_bytes());
            self.headers
                .push(("Sec-WebSocket-Version", "13".to_owned()));
            self.headers.push(("Sec-WebSocket-Key", key));
        }
    }

    /// Sets a JSON body.
    pub fn json_body(&mut self, body: &impl Serialize) -> Result<(), Error> {
        let json = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidArgument(format!("request body: {e}")))?;
        self.body = Some((Body::from(json), "application/json"));
        Ok(())
    }

    /// Sets a body of bytes.
    pub fn body(&mut self, body: Body, content_type: &'static str) {
        self.body = Some((body, content_type));
    }
}

/// A successful (or `304 Not Modified`) response.
#[derive(Debug)]
pub struct Response {
    head: Head,
    body: ResponseBody,
    host: Arc<str>,
}

impl Response {
    /// Turns error statuses into [`Error::Api`].
    pub(crate) async fn check(
        (head, body): (Head, ResponseBody),
        host: &Arc<str>,
    ) -> Result<Self, Error> {
        let status = head.status();
        let response = Response {
            head,
            body,
            host: host.clone(),
        };
        if status < 300 || status == 304 {
            return Ok(response);
        }
        let (_, body) = response.bytes().await?;
        Err(Error::Api {
            status,
            message: error_message(&body),
        })
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.head.status()
    }

    /// A header's value, when present and text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.header(name).map(str::to_owned)
    }

    async fn bytes(self) -> Result<(u16, Bytes), Error> {
        let status = self.status();
        let body = self
            .body
            .collect()
            .await
            .map_err(|e| transport_error(&self.host, e))?;
        Ok((status, body))
    }

    /// Reads and discards the body.
    pub async fn unit(self) -> Result<(), Error> {
        self.bytes().await.map(drop)
    }

    /// Decodes a JSON body.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let (status, body) = self.bytes().await?;
        decode(status, body)
    }

    /// Decodes a JSON body whose type is a list or map; `null` is the empty one.
    pub async fn json_or_default<T: DeserializeOwned + Default>(self) -> Result<T, Error> {
        let (status, body) = self.bytes().await?;
        decode::<Option<T>>(status, body).map(Option::unwrap_or_default)
    }

    /// Decodes a JSON body, or `None` when there is none.
    pub async fn json_or_empty<T: DeserializeOwned>(self) -> Result<Option<T>, Error> {
        let (status, body) = self.bytes().await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        decode(status, body).map(Some)
    }

    /// Reads a text body.
    pub async fn text(self) -> Result<String, Error> {
        let (status, body) = self.bytes().await?;
        String::from_utf8(Vec::from(body)).map_err(|e| Error::Decode {
            status,
            message: e.utf8_error().to_string(),
            body: Bytes::from(e.into_bytes()),
        })
    }

    /// The body as a stream of bytes.
    pub fn byte_stream(self) -> ByteStream {
        use futures::TryStreamExt;
        let host = self.host;
        ByteStream::new(self.body.map_err(move |e| transport_error(&host, e)))
    }

    /// The body as a container's output, demultiplexed as its Content-Type says.
    pub fn output_stream(self) -> OutputStream {
        let content_type = self.header("Content-Type");
        OutputStream::new(self.byte_stream(), content_type.as_deref())
    }

    /// The upgraded connection of an attach or exec start: output and standard input. When the
    /// engine answers without upgrading, the output is the body and there is no input.
    pub async fn attach(self) -> Result<Attached, Error> {
        use futures::TryStreamExt;
        if self.status() != 101 {
            let output = self.output_stream();
            return Ok(Attached {
                output,
                input: AttachInput { inner: None },
            });
        }
        let content_type = self.header("Content-Type");
        let host = self.host.clone();
        let upgraded = self.upgrade()?;
        let (read, write) = tokio::io::split(upgraded);
        let bytes = tokio_util::io::ReaderStream::new(read).map_err(move |source| Error::Io {
            host: host.to_string(),
            source,
        });
        Ok(Attached {
            output: OutputStream::new(ByteStream::new(bytes), content_type.as_deref()),
            input: AttachInput { inner: Some(write) },
        })
    }

    /// The upgraded connection, raw.
    pub async fn upgraded(self) -> Result<Upgraded, Error> {
        if self.status() != 101 {
            let message = format!(
                "the engine answered {} instead of switching protocols",
                self.status()
            );
            return Err(Error::Upgrade {
                host: self.host.to_string(),
                message,
            });
        }
        self.upgrade()
    }

    fn upgrade(self) -> Result<Upgraded, Error> {
        match self.body.into_upgraded() {
            Some((io, read)) => Ok(Upgraded { io, read }),
            None => Err(Error::Upgrade {
                host: self.host.to_string(),
                message: "the connection was not upgraded".to_owned(),
            }),
        }
    }

    /// The body as a stream of JSON values.
    pub fn json_lines<T: DeserializeOwned>(self) -> JsonStream<T> {
        JsonStream::new(self.byte_stream())
    }
}

fn decode<T: DeserializeOwned>(status: u16, body: Bytes) -> Result<T, Error> {
    let deserializer = &mut serde_json::Deserializer::from_slice(&body);
    serde_path_to_error::deserialize(deserializer).map_err(|e| Error::Decode {
        status,
        message: format!("at {}: {}", e.path(), e.inner()),
        body: body.clone(),
    })
}

/// The engine's `{"message": ...}`, else the body's text.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: String,
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(error) => error.message,
        Err(_) => String::from_utf8_lossy(body).trim().to_owned(),
    }
}

/// A connection upgraded to another protocol (WebSocket, h2c, or the raw stream of an attach):
/// read and write it as bytes.
pub struct Upgraded {
    io: Stream,
    /// What the engine sent right after its response head, read before the stream.
    read: Bytes,
}

impl std::fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upgraded")
            .field("buffered", &self.read.len())
            .finish_non_exhaustive()
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.read.is_empty() {
            let n = self.read.len().min(buf.remaining());
            buf.put_slice(&self.read.split_to(n));
            return Poll::Ready(Ok(()));
        }
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

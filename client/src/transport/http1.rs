//! HTTP/1.1 on one connection: writing a request, reading a response head, and framing the
//! response body (a length, chunks, or until the engine closes). Heads are parsed by
//! `httparse`; bodies are handed out as slices of the read buffer, without copying.
//!
//! A connection carries one request at a time, and the task that sends a request then reads
//! its response on the same connection: there is no task of the connection's own.

use std::io::{self, Write};
use std::ops::Range;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWrite;

use super::Stream;
use crate::Body;

/// A request as it goes on the wire. The client has checked every part of it: the target and
/// header values carry no line breaks or other control characters. (No `Debug`: its headers
/// may hold registry credentials.)
pub(crate) struct Outgoing {
    pub(crate) method: &'static str,
    /// Path and query.
    pub(crate) target: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) body: Body,
}

impl Outgoing {
    /// Whether sending the request twice means the same as sending it once (RFC 9110 9.2.2),
    /// among the methods the engine's API uses.
    pub(super) fn is_idempotent(&self) -> bool {
        matches!(self.method, "GET" | "HEAD")
    }
}

/// The largest response head taken: the engine's are a few hundred bytes.
const MAX_HEAD: usize = 64 * 1024;

/// The most headers a response head may have.
const MAX_HEADERS: usize = 64;

/// The longest line of chunk framing taken (a size with extensions, or a trailer).
const MAX_CHUNK_LINE: usize = 4096;

/// Bodies up to this size are copied beside the request head and sent in one write.
const INLINE_BODY: usize = 16 * 1024;

/// The first read size, doubled after every read that fills it, up to `MAX_READ`.
const FIRST_READ: usize = 8 * 1024;
const MAX_READ: usize = 256 * 1024;

/// One connection to the engine.
pub(super) struct Connection {
    io: Stream,
    /// Bytes read and not yet handed out.
    buf: BytesMut,
    /// What is being written: a request head, chunk framing, a small body.
    out: Vec<u8>,
    read_size: usize,
}

/// How writing a request failed.
enum WriteError {
    /// Writing the head failed: the engine has no whole request head, so it cannot have acted.
    Head(io::Error),
    /// Writing the body failed.
    Rest(io::Error),
    /// The body's own stream failed.
    Body(io::Error),
}

/// Why a request failed, and whether it may go again on another connection.
#[derive(Debug)]
pub(super) struct SendError {
    pub(super) error: io::Error,
    pub(super) retry: Retry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    /// The connection failed before the whole request head was written: the engine cannot
    /// have acted on it.
    Unsent,
    /// The request was written and the connection closed without a byte of answer: the
    /// engine may or may not have acted on it.
    Unanswered,
    /// Not again.
    No,
}

/// A response head.
pub(crate) struct Head {
    status: u16,
    /// The head's bytes, which `headers` index.
    raw: Bytes,
    headers: Vec<(Range<usize>, Range<usize>)>,
    /// HTTP/1.1 (HTTP/1.0 closes connections unless told otherwise).
    http11: bool,
}

impl Head {
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// The first value of the header `name` (any case), when it is text.
    pub(crate) fn header<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.values(name)
            .next()
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    /// Every value of the header `name` (any case).
    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(key, _)| self.raw[key.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, value)| &self.raw[value.clone()])
    }

    /// Whether a header holds `token` in its comma-separated list (`Connection: close`).
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.values(name).any(|value| {
            value
                .split(|&b| b == b',')
                .any(|part| part.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        })
    }

    /// How the body after this head ends, for a request of `method`.
    fn framing(&self, method: &str) -> io::Result<Framing> {
        if method == "HEAD"
            || (100..200).contains(&self.status)
            || self.status == 204
            || self.status == 304
        {
            return Ok(Framing::Empty);
        }
        if let Some(codings) = self.values("transfer-encoding").last() {
            // Chunked must be the last coding; anything else is read until the engine closes.
            let last = codings.rsplit(|&b| b == b',').next().unwrap_or_default();
            return Ok(if last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                Framing::Chunked(Chunk::Size)
            } else {
                Framing::UntilClose
            });
        }
        let mut length = None;
        for value in self.values("content-length") {
            // Digits only (RFC 9112 6.3): `parse` would take a sign too.
            let parsed = std::str::from_utf8(value)
                .ok()
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| malformed("a Content-Length that is not a number"))?;
            if length.is_some_and(|known| known != parsed) {
                return Err(malformed("two different Content-Lengths"));
            }
            length = Some(parsed);
        }
        Ok(match length {
            Some(0) => Framing::Empty,
            Some(length) => Framing::Length(length),
            None => Framing::UntilClose,
        })
    }
}

impl std::fmt::Debug for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(key, value)| {
                (
                    String::from_utf8_lossy(&self.raw[key.clone()]).into_owned(),
                    String::from_utf8_lossy(&self.raw[value.clone()]).into_owned(),
                )
            })
            .collect();
        f.debug_struct("Head")
            .field("status", &self.status)
            .field("headers", &headers)
            .finish()
    }
}

/// How a response body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// It has ended (or there is none).
    Empty,
    /// After this many more bytes.
    Length(u64),
    /// With a chunk of size zero.
    Chunked(Chunk),
    /// When the engine closes the connection.
    UntilClose,
}

/// Where a chunked body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Chunk {
    /// Before a chunk-size line.
    Size,
    /// Inside a chunk, with this many bytes left.
    Data(u64),
    /// After a chunk's data, before its CRLF.
    DataEnd,
    /// After the last chunk, among trailer lines.
    Trailers,
}

impl Connection {
    pub(super) fn new(io: Stream) -> Self {
        Connection {
            io,
            buf: BytesMut::new(),
            out: Vec::with_capacity(512),
            read_size: FIRST_READ,
        }
    }

    /// Whether an idle connection is still open: the engine has not closed it, and has sent
    /// nothing unasked. Does not wait.
    pub(super) fn is_open(&mut self) -> bool {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        self.buf.is_empty() && self.poll_fill(&mut cx).is_pending()
    }

    /// The connection, upgraded: its stream and what was read past the response head.
    pub(super) fn into_upgraded(self) -> (Stream, Bytes) {
        (self.io, self.buf.freeze())
    }

    /// Lets go of a large read buffer before the connection waits in the pool.
    pub(super) fn rest(&mut self) {
        if self.buf.capacity() > 4 * FIRST_READ {
            self.buf = BytesMut::new();
        }
        self.read_size = FIRST_READ;
    }

    /// Whether nothing was read past the response that ended: the connection can take another
    /// request.
    pub(super) fn is_clean(&self) -> bool {
        self.buf.is_empty()
    }

    /// Sends `request` and reads the head of its response (skipping `100 Continue` and other
    /// informational heads, but not `101 Switching Protocols`). Returns the head, the framing
    /// of the body that follows, and whether the connection may carry another request after it.
    pub(super) async fn send(
        &mut self,
        request: &mut Outgoing,
        authority: &str,
    ) -> Result<(Head, Framing, bool), SendError> {
        let (head, complete) = match self.write_request(request, authority).await {
            Ok(None) => (self.read_head().await?, true),
            // The engine answered before taking the whole body (an error, most likely).
            Ok(Some(head)) => (head, false),
            Err(WriteError::Head(error)) => {
                return Err(SendError {
                    error,
                    retry: Retry::Unsent,
                })
            }
            // The engine may have answered and closed: its answer says more than the error.
            Err(WriteError::Rest(error)) => match self.read_head().await {
                Ok(head) => (head, false),
                Err(_) => return Err(not_again(error)),
            },
            Err(WriteError::Body(error)) => return Err(not_again(error)),
        };
        let framing = head.framing(request.method).map_err(not_again)?;
        let keep_alive = complete
            && framing != Framing::UntilClose
            && head.status != 101
            && if head.http11 {
                !head.has_token("connection", "close")
            } else {
                head.has_token("connection", "keep-alive")
            };
        Ok((head, framing, keep_alive))
    }

    /// Writes the request. Returns a response head that arrived before the whole body was
    /// written, if one did.
    async fn write_request(
        &mut self,
        request: &mut Outgoing,
        authority: &str,
    ) -> Result<Option<Head>, WriteError> {
        let (head_end, mut body) = self.encode_head(request, authority);
        let mut written = 0;
        let mut head_done = false;
        std::future::poll_fn(|cx| {
            loop {
                // What is in `out`, then `body`'s current piece, then the next piece.
                head_done |= written >= head_end;
                let piece = if written < self.out.len() {
                    &self.out[written..]
                } else {
                    &body.data[..]
                };
                if !piece.is_empty() {
                    let error = match Pin::new(&mut self.io).poll_write(cx, piece) {
                        Poll::Ready(Ok(0)) => io::Error::new(
                            io::ErrorKind::WriteZero,
                            "the connection took no more bytes",
                        ),
                        Poll::Ready(Ok(n)) => {
                            if written < self.out.len() {
                                written += n;
                            } else {
                                body.data.advance(n);
                            }
                            continue;
                        }
                        Poll::Ready(Err(error)) => error,
                        Poll::Pending => break,
                    };
                    return Poll::Ready(Err(if head_done {
                        WriteError::Rest(error)
                    } else {
                        WriteError::Head(error)
                    }));
                }
                self.out.clear();
                written = 0;
                match body.next_piece(&mut request.body, &mut self.out, cx) {
                    Poll::Ready(Ok(true)) => {}
                    Poll::Ready(Ok(false)) => {
                        return Pin::new(&mut self.io)
                            .poll_flush(cx)
                            .map_err(WriteError::Rest)
                            .map_ok(|()| None);
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(Err(WriteError::Body(error))),
                    Poll::Pending => break,
                }
            }
            // Waiting to write, or for the body: the engine may have answered already (and
            // then closed the connection), or closed it without an answer.
            if !head_done {
                return Poll::Pending;
            }
            loop {
                match self.poll_head(cx) {
                    Poll::Ready(Ok(Some(head))) if is_informational(&head) => continue,
                    Poll::Ready(Ok(Some(head))) => return Poll::Ready(Ok(Some(head))),
                    Poll::Ready(Ok(None)) => {
                        return Poll::Ready(Err(WriteError::Rest(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the engine closed the connection before taking the whole request",
                        ))))
                    }
                    Poll::Ready(Err(error)) => {
                        return Poll::Ready(Err(WriteError::Rest(error.error)))
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await
    }

    /// Writes the request head into `out`, with the body when it is small; returns where the
    /// head ends in `out`, and what of the body is left to send.
    fn encode_head(&mut self, request: &Outgoing, authority: &str) -> (usize, BodyWriter) {
        let out = &mut self.out;
        out.clear();
        for part in [request.method, " ", &request.target, " HTTP/1.1\r\nHost: "] {
            out.extend_from_slice(part.as_bytes());
        }
        out.extend_from_slice(authority.as_bytes());
        out.extend_from_slice(b"\r\nUser-Agent: ");
        out.extend_from_slice(crate::USER_AGENT.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(content_type) = request.content_type {
            out.extend_from_slice(b"Content-Type: ");
            out.extend_from_slice(content_type.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        for (name, value) in &request.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let head_end;
        let writer = match request.body.bytes() {
            Some(bytes) => {
                // No Content-Length for an empty GET, HEAD or DELETE, as browsers and the Go
                // client do.
                if !bytes.is_empty() || !matches!(request.method, "GET" | "HEAD" | "DELETE") {
                    // (Writing to a `Vec` cannot fail.)
                    let _ = write!(out, "Content-Length: {}\r\n", bytes.len());
                }
                out.extend_from_slice(b"\r\n");
                head_end = out.len();
                if bytes.len() <= INLINE_BODY {
                    out.extend_from_slice(bytes);
                    BodyWriter::done()
                } else {
                    BodyWriter {
                        data: bytes.clone(),
                        state: Pieces::Last,
                    }
                }
            }
            None => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                head_end = out.len();
                BodyWriter {
                    data: Bytes::new(),
                    state: Pieces::Chunks { after_data: false },
                }
            }
        };
        (head_end, writer)
    }

    /// Reads a response head, skipping informational ones other than `101`.
    async fn read_head(&mut self) -> Result<Head, SendError> {
        loop {
            let head = std::future::poll_fn(|cx| self.poll_head(cx)).await?;
            match head {
                Some(head) if is_informational(&head) => continue,
                Some(head) => return Ok(head),
                None => {
                    return Err(SendError {
                        error: io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the engine closed the connection without answering",
                        ),
                        retry: Retry::Unanswered,
                    })
                }
            }
        }
    }

    /// Reads until a whole head is in the buffer; `None` when the engine closed the connection
    /// before sending any of it.
    fn poll_head(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Head>, SendError>> {
        loop {
            if !self.buf.is_empty() {
                if let Some(head) = self.parse_head().map_err(not_again)? {
                    return Poll::Ready(Ok(Some(head)));
                }
                if self.buf.len() > MAX_HEAD {
                    return Poll::Ready(Err(not_again(malformed(
                        "a response head larger than 64 KiB",
                    ))));
                }
            }
            let received = !self.buf.is_empty();
            match ready!(self.poll_fill(cx)) {
                Ok(0) if received => {
                    return Poll::Ready(Err(not_again(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the engine closed the connection in the middle of a response head",
                    ))))
                }
                Ok(0) => return Poll::Ready(Ok(None)),
                Ok(_) => {}
                Err(error) => {
                    let retry = if received {
                        Retry::No
                    } else {
                        Retry::Unanswered
                    };
                    return Poll::Ready(Err(SendError { error, retry }));
                }
            }
        }
    }

    /// Takes a whole head off the front of the buffer, if it is there.
    fn parse_head(&mut self) -> io::Result<Option<Head>> {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut slots);
        let length = match response.parse(&self.buf) {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => {
                return Err(malformed("more than 64 headers in a response head"))
            }
            Err(error) => return Err(malformed(&format!("a bad response head ({error})"))),
        };
        let base = self.buf.as_ptr() as usize;
        let offset = |part: &[u8]| {
            let start = part.as_ptr() as usize - base;
            start..start + part.len()
        };
        let headers = response
            .headers
            .iter()
            .map(|header| (offset(header.name.as_bytes()), offset(header.value)))
            .collect();
        let status = response.code.unwrap_or_default();
        let http11 = response.version == Some(1);
        let raw = self.buf.split_to(length).freeze();
        Ok(Some(Head {
            status,
            raw,
            headers,
            http11,
        }))
    }

    /// Reads more into the buffer; 0 when the engine has closed the connection.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        self.buf.reserve(self.read_size);
        let room = self.buf.capacity() - self.buf.len();
        let read = ready!(tokio_util::io::poll_read_buf(
            Pin::new(&mut self.io),
            cx,
            &mut self.buf
        ))?;
        if read == room && self.read_size < MAX_READ {
            self.read_size *= 2;
        }
        Poll::Ready(Ok(read))
    }

    /// The next piece of a body framed by `framing`: `None` at its end.
    pub(super) fn poll_body(
        &mut self,
        cx: &mut Context<'_>,
        framing: &mut Framing,
    ) -> Poll<Option<io::Result<Bytes>>> {
        loop {
            match framing {
                Framing::Empty => return Poll::Ready(None),
                Framing::Length(left) => {
                    if !self.buf.is_empty() {
                        let take = self.take(*left);
                        *left -= take.len() as u64;
                        if *left == 0 {
                            *framing = Framing::Empty;
                        }
                        return Poll::Ready(Some(Ok(take)));
                    }
                }
                Framing::UntilClose => {
                    if !self.buf.is_empty() {
                        return Poll::Ready(Some(Ok(self.buf.split().freeze())));
                    }
                }
                Framing::Chunked(chunk) => match self.step_chunked(chunk) {
                    Err(error) => return Poll::Ready(Some(Err(error))),
                    Ok(Step::Data(data)) => return Poll::Ready(Some(Ok(data))),
                    Ok(Step::End) => {
                        *framing = Framing::Empty;
                        return Poll::Ready(None);
                    }
                    Ok(Step::More) => {}
                },
            }
            match ready!(self.poll_fill(cx)) {
                Ok(0) if *framing == Framing::UntilClose => {
                    *framing = Framing::Empty;
                    return Poll::Ready(None);
                }
                Ok(0) => {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the engine closed the connection before the end of the response body",
                    ))))
                }
                Ok(_) => {}
                Err(error) => return Poll::Ready(Some(Err(error))),
            }
        }
    }

    /// Moves a chunked body on with what is in the buffer.
    fn step_chunked(&mut self, chunk: &mut Chunk) -> io::Result<Step> {
        loop {
            match *chunk {
                // (httparse reads a line without digits as size 0.)
                Chunk::Size if self.buf.first().is_some_and(|b| !b.is_ascii_hexdigit()) => {
                    return Err(malformed("a bad chunk size"));
                }
                Chunk::Size => match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        self.buf.advance(used);
                        *chunk = if size == 0 {
                            Chunk::Trailers
                        } else {
                            Chunk::Data(size)
                        };
                    }
                    Ok(httparse::Status::Partial) if self.buf.len() > MAX_CHUNK_LINE => {
                        return Err(malformed("a chunk-size line longer than 4 KiB"))
                    }
                    Ok(httparse::Status::Partial) => return Ok(Step::More),
                    Err(_) => return Err(malformed("a bad chunk size")),
                },
                Chunk::Data(left) => {
                    if self.buf.is_empty() {
                        return Ok(Step::More);
                    }
                    let data = self.take(left);
                    let left = left - data.len() as u64;
                    *chunk = if left == 0 {
                        Chunk::DataEnd
                    } else {
                        Chunk::Data(left)
                    };
                    return Ok(Step::Data(data));
                }
                Chunk::DataEnd => {
                    if self.buf.len() < 2 {
                        return Ok(Step::More);
                    }
                    if self.buf[..2] != *b"\r\n" {
                        return Err(malformed("a chunk longer than its size"));
                    }
                    self.buf.advance(2);
                    *chunk = Chunk::Size;
                }
                // Trailer fields are read past: the engine sends none the API defines.
                Chunk::Trailers => match self.buf.windows(2).position(|w| w == b"\r\n") {
                    Some(0) => {
                        self.buf.advance(2);
                        return Ok(Step::End);
                    }
                    Some(line) => self.buf.advance(line + 2),
                    None if self.buf.len() > MAX_CHUNK_LINE => {
                        return Err(malformed("a trailer line longer than 4 KiB"))
                    }
                    None => return Ok(Step::More),
                },
            }
        }
    }

    /// Up to `limit` bytes off the front of the buffer.
    fn take(&mut self, limit: u64) -> Bytes {
        let n = usize::try_from(limit).map_or(self.buf.len(), |limit| limit.min(self.buf.len()));
        self.buf.split_to(n).freeze()
    }
}

/// What a chunked body's framing gave.
enum Step {
    Data(Bytes),
    /// The buffer holds too little to go on.
    More,
    /// The last chunk and the trailers have been read.
    End,
}

/// What of a request body is left to write, after the head.
struct BodyWriter {
    /// Being written now.
    data: Bytes,
    state: Pieces,
}

enum Pieces {
    /// `data` is the last piece.
    Last,
    /// Chunks come from the body's stream; `after_data` when a chunk's data was sent and its
    /// closing CRLF was not.
    Chunks { after_data: bool },
}

impl BodyWriter {
    fn done() -> Self {
        BodyWriter {
            data: Bytes::new(),
            state: Pieces::Last,
        }
    }

    /// Puts the next piece in `out` (framing, and small data) and `self.data`; `false` when
    /// the body has been written.
    fn next_piece(
        &mut self,
        body: &mut Body,
        out: &mut Vec<u8>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<bool>> {
        let Pieces::Chunks { after_data } = &mut self.state else {
            return Poll::Ready(Ok(false));
        };
        loop {
            let chunk = match ready!(body.poll_chunk(cx)) {
                Some(Ok(chunk)) if chunk.is_empty() => continue,
                Some(Ok(chunk)) => Some(chunk),
                None => None,
                Some(Err(error)) => {
                    return Poll::Ready(Err(io::Error::other(format!(
                        "the request body failed: {error}"
                    ))))
                }
            };
            if *after_data {
                out.extend_from_slice(b"\r\n");
            }
            match chunk {
                None => {
                    out.extend_from_slice(b"0\r\n\r\n");
                    self.state = Pieces::Last;
                }
                Some(chunk) => {
                    let _ = write!(out, "{:x}\r\n", chunk.len());
                    if chunk.len() <= INLINE_BODY {
                        out.extend_from_slice(&chunk);
                    } else {
                        self.data = chunk;
                    }
                    *after_data = true;
                }
            }
            return Poll::Ready(Ok(true));
        }
    }
}

/// A `1xx` head that another head follows: all but `101 Switching Protocols`.
fn is_informational(head: &Head) -> bool {
    (100..200).contains(&head.status) && head.status != 101
}

fn malformed(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the engine sent {what}"),
    )
}

fn not_again(error: io::Error) -> SendError {
    SendError {
        error,
        retry: Retry::No,
    }
}

#[cfg(test)]
mod tests;

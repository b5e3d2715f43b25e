//! A mock engine over a unix socket.
//!
//! [`MockEngine::start`] listens on a real unix socket in a fresh temporary directory, reads
//! HTTP/1.1 requests (keep-alive; bodies by `Content-Length` or chunked), records each one, and
//! answers with the [`MockResponse`] its responder returns for it. Malformed requests get a
//! `400` and the connection is closed; nothing the client sends makes the mock panic.
//!
//! A `101 Switching Protocols` answer hijacks the connection like the engine's attach: the mock
//! writes the response's body as raw bytes, closes its sending side, and records what the client
//! writes until it closes its side ([`RecordedRequest::upgraded_input`]). Such a request is
//! recorded when the hijacked connection ends; [`MockEngine::wait_for_requests`] waits for it.
//!
//! ```no_run
//! # async fn example() {
//! use docker_client_tests::mock::{MockEngine, MockResponse};
//!
//! let engine = MockEngine::start(|_request| MockResponse::json(200, &serde_json::json!([])));
//! let docker = engine.docker();
//! let containers = docker.container_list().await.unwrap();
//! assert!(containers.is_empty());
//! assert_eq!(engine.requests()[0].path, "/v1.43/containers/json");
//! # }
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::{JoinHandle, JoinSet};

/// The longest request head (request line and headers) the mock reads.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body the mock reads.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A request as the mock engine received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target exactly as sent: path and query, still percent-encoded.
    pub target: String,
    /// The path part of the target, still percent-encoded.
    pub path: String,
    /// The query part of the target (after `?`), still percent-encoded; empty when absent.
    pub raw_query: String,
    /// The query as `(key, value)` pairs in the order sent, percent-decoded (`+` is a space).
    pub query: Vec<(String, String)>,
    /// The headers in the order sent, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, after undoing a chunked transfer encoding.
    pub body: Vec<u8>,
    /// Whether the body was sent with `Transfer-Encoding: chunked`.
    pub chunked: bool,
    /// After a `101` answer: the bytes the client wrote on the hijacked connection.
    pub upgraded_input: Vec<u8>,
}

impl RecordedRequest {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The values of the query parameter `key`, in the order sent.
    pub fn query_values(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body parsed as JSON, or `None` when it is empty or not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A canned answer of the mock engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body, sent with `Content-Length` (never sent for `HEAD`, `204` and `304`); after a
    /// `101`, the raw bytes sent on the hijacked connection.
    pub body: Vec<u8>,
    /// When set, the body is sent in these chunks with `Transfer-Encoding: chunked` instead,
    /// flushed one by one, like the engine's streaming endpoints.
    pub chunks: Option<Vec<Vec<u8>>>,
}

impl MockResponse {
    /// A response with no body.
    pub fn status(status: u16) -> Self {
        MockResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            chunks: None,
        }
    }

    /// `204 No Content`.
    pub fn no_content() -> Self {
        MockResponse::status(204)
    }

    /// A JSON body.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        MockResponse::bytes(status, "application/json", value.to_string())
    }

    /// A body of bytes with a content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        MockResponse {
            body: body.into(),
            ..MockResponse::status(status)
        }
        .header("Content-Type", content_type)
    }

    /// An error answer like the engine's: `{"message": ...}`.
    pub fn error(status: u16, message: &str) -> Self {
        MockResponse::json(status, &serde_json::json!({ "message": message }))
    }

    /// A `200` stream of JSON values, one per line, sent in chunks of `chunk_size` bytes (so
    /// values are split across chunks).
    pub fn ndjson(values: &[serde_json::Value], chunk_size: usize) -> Self {
        let mut text = String::new();
        for value in values {
            text.push_str(&value.to_string());
            text.push_str("\r\n");
        }
        MockResponse::chunked(200, "application/json", text.as_bytes(), chunk_size)
    }

    /// A body sent with `Transfer-Encoding: chunked`, in chunks of `chunk_size` bytes.
    pub fn chunked(status: u16, content_type: &str, body: &[u8], chunk_size: usize) -> Self {
        MockResponse {
            chunks: Some(body.chunks(chunk_size.max(1)).map(<[u8]>::to_vec).collect()),
            ..MockResponse::status(status)
        }
        .header("Content-Type", content_type)
    }

    /// `101 Switching Protocols` to `protocol` (`tcp` for attach), then `body` as raw bytes on
    /// the hijacked connection.
    pub fn upgrade(protocol: &str, body: impl Into<Vec<u8>>) -> Self {
        MockResponse {
            body: body.into(),
            ..MockResponse::status(101)
        }
        .header("Connection", "Upgrade")
        .header("Upgrade", protocol)
    }

    /// The same response with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

type Responder = dyn Fn(&RecordedRequest) -> MockResponse + Send + Sync;

/// A mock Docker engine listening on a unix socket. Stops and removes its socket when dropped.
pub struct MockEngine {
    dir: PathBuf,
    socket: PathBuf,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    server: JoinHandle<()>,
}

impl MockEngine {
    /// Starts a mock engine that answers every request with what `responder` returns for it.
    /// Must be called inside a tokio runtime.
    pub fn start<F>(responder: F) -> MockEngine
    where
        F: Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static,
    {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "docker-client-mock-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // A directory left by an earlier process with the same pid is stale.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the mock engine's directory");
        let socket = dir.join("docker.sock");
        let listener = UnixListener::bind(&socket).expect("bind the mock engine's socket");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let responder: Arc<Responder> = Arc::new(responder);
        let server = tokio::spawn(serve(listener, Arc::clone(&requests), responder));
        MockEngine {
            dir,
            socket,
            requests,
            server,
        }
    }

    /// Starts a mock engine that answers every request with `response`.
    pub fn respond_with(response: MockResponse) -> MockEngine {
        MockEngine::start(move |_| response.clone())
    }

    /// The socket's path.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// A client of this engine, its API version pinned to the client's own, so that it sends
    /// no `/_ping` of its own (see [`MockEngine::negotiating_docker`]).
    pub fn docker(&self) -> docker_client::Docker {
        let own = docker_client::API_VERSION
            .parse()
            .expect("the client's API version");
        self.negotiating_docker().with_api_version(own)
    }

    /// A client of this engine as a user makes one: it settles the API version with a `/_ping`
    /// on first use.
    pub fn negotiating_docker(&self) -> docker_client::Docker {
        docker_client::Docker::connect_unix(&self.socket).expect("a client of the mock engine")
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// Waits until at least `count` requests were received (hijacked connections are recorded
    /// when they end), at most `timeout`; returns the requests received.
    pub async fn wait_for_requests(
        &self,
        count: usize,
        timeout: std::time::Duration,
    ) -> Vec<RecordedRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= count || tokio::time::Instant::now() >= deadline {
                return requests;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// The requests received so far, forgetting them.
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut *lock(&self.requests))
    }
}

impl Drop for MockEngine {
    fn drop(&mut self) {
        // Aborting the server drops its JoinSet, which aborts every connection.
        self.server.abort();
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

impl std::fmt::Debug for MockEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockEngine")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A test that panicked while holding the lock leaves the data usable.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

async fn serve(
    listener: UnixListener,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    responder: Arc<Responder>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: try again a little later.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let requests = Arc::clone(&requests);
                let responder = Arc::clone(&responder);
                connections.spawn(async move {
                    // An I/O error ends the connection; the client sees it closed.
                    let _ = serve_connection(stream, &requests, &*responder).await;
                });
            }
            // Reap finished connections so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Why a request could not be read.
enum ReadError {
    /// The connection closed (cleanly, between requests, or not).
    Closed,
    /// The bytes are not an acceptable HTTP/1.1 request: answer 400 (or 413) and close.
    Malformed(u16, String),
    Io,
}

impl From<std::io::Error> for ReadError {
    fn from(_: std::io::Error) -> Self {
        ReadError::Io
    }
}

async fn serve_connection(
    mut stream: UnixStream,
    requests: &Mutex<Vec<RecordedRequest>>,
    responder: &Responder,
) -> std::io::Result<()> {
    let mut reader = Reader {
        buf: Vec::new(),
        stream: &mut stream,
    };
    loop {
        let (request, close) = match read_request(&mut reader).await {
            Ok(read) => read,
            Err(ReadError::Closed | ReadError::Io) => return Ok(()),
            Err(ReadError::Malformed(status, message)) => {
                let response = MockResponse::error(status, &message).header("Connection", "close");
                write_response(reader.stream, "GET", &response).await?;
                return Ok(());
            }
        };
        // A panicking responder is a test bug: answer 500 instead of hanging the client.
        let response =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| responder(&request)))
                .unwrap_or_else(|_| {
                    MockResponse::error(500, "the mock engine's responder panicked")
                });
        if response.status == 101 {
            let mut request = request;
            let hijacked = hijack(&mut reader, &response, &mut request.upgraded_input).await;
            lock(requests).push(request);
            return hijacked;
        }
        let method = request.method.clone();
        lock(requests).push(request);
        write_response(reader.stream, &method, &response).await?;
        if close {
            return Ok(());
        }
    }
}

/// Answers `101`, sends the body as raw bytes and closes the sending side, then reads what the
/// client writes until it closes its side.
async fn hijack(
    reader: &mut Reader<'_>,
    response: &MockResponse,
    input: &mut Vec<u8>,
) -> std::io::Result<()> {
    let mut head = String::from("HTTP/1.1 101 Switching Protocols\r\n");
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    reader.stream.write_all(head.as_bytes()).await?;
    reader.stream.write_all(&response.body).await?;
    reader.stream.flush().await?;
    reader.stream.shutdown().await?;
    // Bytes sent right behind the request are already buffered.
    input.append(&mut reader.buf);
    while input.len() <= MAX_BODY && reader.fill().await.is_ok() {
        input.append(&mut reader.buf);
    }
    Ok(())
}

/// A buffered reader over the connection.
struct Reader<'a> {
    buf: Vec<u8>,
    stream: &'a mut UnixStream,
}

impl Reader<'_> {
    /// Reads more bytes into the buffer; `Closed` at end of stream.
    async fn fill(&mut self) -> Result<(), ReadError> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(ReadError::Closed);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Takes exactly `n` bytes.
    async fn take(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.buf.len() < n {
            self.fill().await?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Takes a line ending in CRLF, without the CRLF.
    async fn line(&mut self) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.drain(..end + 2).take(end).collect();
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(malformed("line too long"));
            }
            self.fill().await?;
        }
    }
}

fn malformed(message: impl Into<String>) -> ReadError {
    ReadError::Malformed(400, message.into())
}

/// Reads one request; also says whether the client asked to close the connection after it.
async fn read_request(reader: &mut Reader<'_>) -> Result<(RecordedRequest, bool), ReadError> {
    // The head.
    let (head_len, method, target, headers) = loop {
        let mut slots = [httparse::EMPTY_HEADER; 128];
        let mut parsed = httparse::Request::new(&mut slots);
        match parsed.parse(&reader.buf) {
            Ok(httparse::Status::Complete(len)) => {
                let method = parsed.method.unwrap_or_default().to_owned();
                let target = parsed.path.unwrap_or_default().to_owned();
                if parsed.version != Some(1) {
                    return Err(malformed("only HTTP/1.1 is supported"));
                }
                let headers: Vec<(String, String)> = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                break (len, method, target, headers);
            }
            Ok(httparse::Status::Partial) if reader.buf.len() > MAX_HEAD => {
                return Err(ReadError::Malformed(431, "request head too large".into()));
            }
            Ok(httparse::Status::Partial) => {
                // End of stream before any byte of a request is a clean close.
                reader.fill().await?;
            }
            Err(e) => return Err(malformed(format!("malformed request: {e}"))),
        }
    };
    reader.buf.drain(..head_len);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };

    if header("expect").as_deref() == Some("100-continue") {
        reader
            .stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await?;
    }

    // The body.
    let chunked = match header("transfer-encoding") {
        None => false,
        Some(te) if te == "chunked" => true,
        Some(te) => return Err(malformed(format!("unsupported transfer-encoding {te:?}"))),
    };
    let body = if chunked {
        read_chunked(reader).await?
    } else if let Some(length) = header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| malformed(format!("bad content-length {length:?}")))?;
        if length > MAX_BODY {
            return Err(ReadError::Malformed(413, "body too large".into()));
        }
        reader.take(length).await?
    } else {
        Vec::new()
    };

    let close = header("connection").is_some_and(|c| c.split(',').any(|t| t.trim() == "close"));
    let (path, raw_query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (target.clone(), String::new()),
    };
    let query = parse_query(&raw_query);
    Ok((
        RecordedRequest {
            method,
            target,
            path,
            raw_query,
            query,
            headers,
            body,
            chunked,
            upgraded_input: Vec::new(),
        },
        close,
    ))
}

/// Reads a chunked body (RFC 9112 §7.1), ignoring chunk extensions and trailers.
async fn read_chunked(reader: &mut Reader<'_>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = reader.line().await?;
        let line = String::from_utf8_lossy(&line);
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| malformed(format!("bad chunk size {size:?}")))?;
        if size == 0 {
            // Trailers, up to an empty line.
            while !reader.line().await?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Malformed(413, "body too large".into()));
        }
        body.extend(reader.take(size).await?);
        if !reader.line().await?.is_empty() {
            return Err(malformed("chunk not followed by CRLF"));
        }
    }
}

/// Output of a process without a TTY as the engine multiplexes it: frames of
/// `[stream, 0, 0, 0, size (u32 BE)]` + payload, `stream` 1 for stdout and 2 for stderr.
pub fn multiplexed(frames: &[(u8, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (stream, text) in frames {
        out.extend_from_slice(&[*stream, 0, 0, 0]);
        out.extend_from_slice(&(text.len() as u32).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// Splits `a=1&b=2` into decoded pairs, like Go's `url.ParseQuery` (which the engine uses).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (a space in a query). Invalid escapes are kept as they are.
pub fn percent_decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn write_response(
    stream: &mut UnixStream,
    method: &str,
    response: &MockResponse,
) -> std::io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        201 => "Created",
        101 => "Switching Protocols",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // HEAD, 1xx, 204 and 304 answers have no body, whatever their headers say.
    let bodiless = method == "HEAD" || matches!(response.status, 100..=199 | 204 | 304);
    match &response.chunks {
        Some(_) if !bodiless => head.push_str("Transfer-Encoding: chunked\r\n"),
        Some(_) => {}
        None if matches!(response.status, 100..=199 | 204 | 304) => {}
        None => head.push_str(&format!("Content-Length: {}\r\n", response.body.len())),
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    if !bodiless {
        match &response.chunks {
            Some(chunks) => {
                for chunk in chunks.iter().filter(|c| !c.is_empty()) {
                    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                    framed.extend_from_slice(chunk);
                    framed.extend_from_slice(b"\r\n");
                    stream.write_all(&framed).await?;
                    stream.flush().await?;
                    // Let the client see each chunk on its own.
                    tokio::task::yield_now().await;
                }
                stream.write_all(b"0\r\n\r\n").await?;
            }
            None => stream.write_all(&response.body).await?,
        }
    }
    stream.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries_like_go() {
        assert_eq!(
            parse_query("a=1&b=x+y&c=%7B%22k%22%3A%5B%5D%7D&d&e=&a=2&bad=%zz%4"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "{\"k\":[]}".into()),
                ("d".into(), "".into()),
                ("e".into(), "".into()),
                ("a".into(), "2".into()),
                ("bad".into(), "%zz%4".into()),
            ]
        );
        assert_eq!(percent_decode("..%2Fx"), "../x");
        assert_eq!(percent_decode("%C3%A9"), "é");
        assert_eq!(percent_decode("%"), "%");
    }
}

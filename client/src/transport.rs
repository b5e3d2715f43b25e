//! The wire to the engine: reqwest (hyper's HTTP/1.1 and its pool) over a unix socket, a
//! Windows named pipe, TCP, or TLS over TCP with rustls on ring.
//!
//! Everything about how bytes travel is here: the reqwest client built from the builder's
//! settings, the checks a request passes before it goes out, the timeouts (connect, response
//! headers, idle), the limit on bodies read whole, upgrades, and every failure turned into a
//! typed [`Error`] naming the engine.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::Stream;
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};

use crate::body::{Body, BodyKind, ChunkStream};
use crate::error::{Error, TimeoutKind};
use crate::host::Host;

/// The `Host` header over a unix socket or named pipe, which have no host name: the one the
/// docker CLI (the Go client) sends.
const SOCKET_AUTHORITY: &str = "api.moby.localhost";

/// The `User-Agent` of every request: the crate and its version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// TCP keep-alive probes after this long without traffic, and then this far apart, as the Go
/// client does: an attach session idle for an hour survives a NAT or a firewall.
const KEEPALIVE: Duration = Duration::from_secs(30);

/// The most of an error answer's body read: its `message` is short.
pub(crate) const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// A hook that adjusts the reqwest client before the client sets the wire (see
/// [`DockerBuilder::reqwest`](crate::DockerBuilder::reqwest)).
pub(crate) type Hook =
    Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static>;

/// The waits a client (and its clones) bounds.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Timeouts {
    /// From the end of the request (the end of an upload) to the response's headers.
    pub(crate) header: Option<Duration>,
    /// Between two reads of a body or two writes of an upload.
    pub(crate) idle: Option<Duration>,
}

impl Timeouts {
    /// The idle limit of a body read whole and of an upload: the idle timeout, else the header
    /// timeout.
    fn whole(&self) -> Option<Duration> {
        self.idle.or(self.header)
    }
}

/// What the transport is built from.
pub(crate) struct Wiring {
    pub(crate) host: Host,
    /// The address as configured, for messages.
    pub(crate) display: String,
    /// The rustls configuration of TLS engines (and of HTTPS proxies).
    pub(crate) tls: rustls::ClientConfig,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_body: u64,
    pub(crate) hook: Option<Hook>,
}

/// Connections to one engine, shared by a client and its clones; each clone has its own
/// timeouts.
#[derive(Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    wire: Arc<Wire>,
    pub(crate) timeouts: Timeouts,
}

/// What does not change for the life of a transport.
#[derive(Debug)]
struct Wire {
    /// `http://api.moby.localhost/`, `https://10.0.0.5:2376/`: every request's URL, but for its
    /// path and query.
    base: reqwest::Url,
    /// The path prefix of the engine address (`tcp://host:2375/prefix`); empty for most.
    base_path: Box<str>,
    /// The engine's address as configured, for messages.
    host: Box<str>,
    connect_timeout: Duration,
    max_body: u64,
    /// The engine is on a named pipe, whose instances may all be busy.
    #[cfg(windows)]
    pipe: bool,
}

impl Wire {
    /// Whether the engine is on a named pipe.
    fn pipe(&self) -> bool {
        #[cfg(windows)]
        return self.pipe;
        #[cfg(not(windows))]
        false
    }
}

/// A request as the client sends it.
pub(crate) struct Outgoing<'a> {
    pub(crate) method: &'static str,
    /// The API version's prefix (`/v1.43`), which the path follows.
    pub(crate) prefix: &'a str,
    /// The path, encoded.
    pub(crate) path: String,
    /// The query, encoded.
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The body and its content type.
    pub(crate) body: Option<(Body, &'static str)>,
    /// It asks to switch protocols (attach, exec, session).
    pub(crate) upgrade: bool,
    /// The engine sends the head at once and the body when something happens
    /// (`container_wait`): its body is read like a stream's.
    pub(crate) long_poll: bool,
}

impl Transport {
    /// The reqwest client for `wiring`. Settings the user's hook can change are made before
    /// it; the wire (socket or pipe, TLS, connect timeout, redirects, HTTP/1.1, retries)
    /// after it.
    pub(crate) fn new(wiring: Wiring) -> Result<Transport, Error> {
        let Wiring {
            host,
            display,
            tls,
            connect_timeout,
            timeouts,
            max_body,
            hook,
        } = wiring;
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .tcp_keepalive(KEEPALIVE)
            .tcp_keepalive_interval(KEEPALIVE)
            .tcp_keepalive_retries(None);
        let authority = match &host {
            Host::Unix(_) | Host::NamedPipe(_) => SOCKET_AUTHORITY.to_owned(),
            Host::Tcp { host, .. } => {
                // HTTP_PROXY, HTTPS_PROXY and NO_PROXY apply (read by reqwest), but never to
                // a loopback address, as for the Go client.
                if is_loopback(host) {
                    builder = builder.no_proxy();
                }
                host.clone()
            }
        };
        #[cfg(windows)]
        let pipe = matches!(host, Host::NamedPipe(_));
        if let Some(hook) = hook {
            builder = hook(builder);
        }
        builder = builder
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .http1_only()
            .retry(retry_policy())
            .tls_backend_preconfigured(tls);
        let (base, base_path) = match host {
            #[cfg(unix)]
            Host::Unix(path) => {
                builder = builder.unix_socket(path);
                (format!("http://{authority}/"), String::new())
            }
            #[cfg(not(unix))]
            Host::Unix(_) => {
                return Err(Error::Config(format!(
                    "{display}: unix sockets are not supported on this platform"
                )))
            }
            #[cfg(windows)]
            Host::NamedPipe(pipe) => {
                builder = builder.windows_named_pipe(pipe);
                (format!("http://{authority}/"), String::new())
            }
            #[cfg(not(windows))]
            Host::NamedPipe(_) => {
                return Err(Error::Config(format!(
                    "{display}: named pipes (npipe://) exist only on Windows"
                )))
            }
            Host::Tcp {
                port, path, https, ..
            } => {
                let scheme = if https { "https" } else { "http" };
                let port = port.unwrap_or(if https { 2376 } else { 2375 });
                (format!("{scheme}://{authority}:{port}/"), path)
            }
        };
        let base = reqwest::Url::parse(&base)
            .map_err(|_| Error::Config(format!("{display}: not a usable address")))?;
        let client = builder
            .build()
            .map_err(|e| Error::Config(format!("{display}: cannot set up the HTTP client: {e}")))?;
        Ok(Transport {
            client,
            wire: Arc::new(Wire {
                base,
                base_path: base_path.into(),
                host: display.into(),
                connect_timeout,
                max_body,
                #[cfg(windows)]
                pipe,
            }),
            timeouts,
        })
    }

    /// The engine's address as configured (`unix:///var/run/docker.sock`).
    pub(crate) fn host(&self) -> &str {
        &self.wire.host
    }

    /// The time allowed to open a connection, the TLS handshake included.
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.wire.connect_timeout
    }

    /// The largest body read whole.
    pub(crate) fn max_body(&self) -> u64 {
        self.wire.max_body
    }

    /// Sends `request` and waits for the head of its answer, within the timeouts.
    pub(crate) async fn send(&self, request: Outgoing<'_>) -> Result<Incoming, Error> {
        let Outgoing {
            method,
            prefix,
            path,
            query,
            headers,
            body,
            upgrade,
            long_poll,
        } = request;
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| Error::InvalidArgument(format!("bad method {method:?}")))?;
        // Visible ASCII only (RFC 9112 3.2), as encoded: nothing that would end the request
        // line, and nothing the URL parser would change.
        let printable = |text: &str| text.bytes().all(|b| b.is_ascii_graphic() && b != b'#');
        if !path.starts_with('/') || !printable(&path) || !query.as_deref().is_none_or(printable) {
            return Err(Error::InvalidArgument(format!(
                "{method} {path}: not a valid request path"
            )));
        }
        // The base URL with this path and query: cheaper than parsing a whole URL. (The path,
        // after the address's and the version's prefixes, is put together on the stack.)
        let mut url = self.wire.base.clone();
        let parts = [&self.wire.base_path, prefix, &path];
        let mut stack = [0u8; 256];
        let mut len = 0;
        for part in parts.iter().map(|part| part.as_bytes()) {
            if let Some(room) = stack.get_mut(len..len + part.len()) {
                room.copy_from_slice(part);
            }
            len += part.len();
        }
        match stack.get(..len).map(std::str::from_utf8) {
            Some(Ok(whole)) => url.set_path(whole),
            _ => url.set_path(&parts.concat()),
        }
        url.set_query(query.as_deref());
        let mut outgoing = reqwest::Request::new(method, url);
        let map = outgoing.headers_mut();
        for (name, value) in headers {
            // (The value is not shown: it may be a registry credential.)
            let bad = || {
                Error::InvalidArgument(format!(
                    "header `{name}`: the value has characters a header cannot carry"
                ))
            };
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            let value = HeaderValue::try_from(value).map_err(|_| bad())?;
            map.append(name, value);
        }
        let mut upload = None;
        if let Some((body, content_type)) = body {
            map.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            *outgoing.body_mut() = Some(match body.kind {
                BodyKind::Bytes(bytes) => reqwest::Body::from(bytes),
                BodyKind::Stream(stream) if self.timeouts.whole().is_none() => {
                    reqwest::Body::wrap_stream(stream)
                }
                BodyKind::Stream(stream) => {
                    let watch = Arc::new(UploadWatch::default());
                    upload = Some(watch.clone());
                    reqwest::Body::wrap_stream(Upload {
                        inner: stream,
                        watch,
                    })
                }
            });
        }
        let response = if upload.is_none() && self.timeouts.header.is_none() && !self.wire.pipe() {
            // (The common case without a wrapping future.)
            self.client
                .execute(outgoing)
                .await
                .map_err(|e| self.wire.error(e))?
        } else {
            self.exchange(outgoing, upload).await?
        };
        if response.status().as_u16() == 101 && !upgrade {
            return Err(Error::Upgrade {
                host: self.host().to_owned(),
                message: "the engine switched protocols on a request that did not ask to"
                    .to_owned(),
            });
        }
        let idle = if long_poll {
            self.timeouts.idle
        } else {
            self.timeouts.whole()
        };
        Ok(Incoming {
            response,
            wire: self.wire.clone(),
            idle,
            stream_idle: self.timeouts.idle,
        })
    }

    /// Sends and waits for the response head: while an upload goes out, within the idle
    /// timeout between its writes; once it has gone (or at once, without one), within the
    /// header timeout.
    async fn exchange(
        &self,
        request: reqwest::Request,
        upload: Option<Arc<UploadWatch>>,
    ) -> Result<reqwest::Response, Error> {
        let mut response = std::pin::pin!(self.execute(request));
        if let Some(watch) = upload {
            let idle = self.timeouts.whole();
            while !watch.has_ended() {
                // Checked once per idle period: a stall is seen within one to two of them.
                let check = idle.map(|idle| tokio::time::Instant::now() + idle);
                tokio::select! {
                    biased;
                    answer = &mut response => return self.answered(answer),
                    () = watch.ended.notified() => {}
                    () = sleep_until(check) => {
                        if let Some(idle) = idle.filter(|&idle| watch.stalled_for(idle)) {
                            return Err(self.timeout(TimeoutKind::Upload, idle));
                        }
                    }
                }
            }
        }
        match self.timeouts.header {
            None => self.answered(response.await),
            Some(limit) => match tokio::time::timeout(limit, response).await {
                Ok(answer) => self.answered(answer),
                Err(_) => Err(self.timeout(TimeoutKind::ResponseHeaders, limit)),
            },
        }
    }

    /// Executes a request. A named pipe whose instances are all busy is waited for, as the Go
    /// client does, within the connect timeout: the request goes again once the pipe is free,
    /// unless its body is a stream (which cannot go twice).
    async fn execute(&self, request: reqwest::Request) -> reqwest::Result<reqwest::Response> {
        #[cfg(windows)]
        if self.wire.pipe {
            let deadline = Instant::now() + self.wire.connect_timeout;
            let mut request = request;
            loop {
                let again = request.try_clone();
                match self.client.execute(request).await {
                    Err(error) if pipe_busy(&error) && Instant::now() < deadline => match again {
                        Some(again) => request = again,
                        None => return Err(error),
                    },
                    answer => return answer,
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        self.client.execute(request).await
    }

    fn answered(
        &self,
        answer: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<reqwest::Response, Error> {
        answer.map_err(|e| self.wire.error(e))
    }

    fn timeout(&self, kind: TimeoutKind, after: Duration) -> Error {
        Error::Timeout {
            host: self.host().to_owned(),
            kind,
            after,
        }
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // (Not the reqwest client: its proxies may hold credentials.)
        f.debug_struct("Transport")
            .field("host", &self.wire.host)
            .field("connect_timeout", &self.wire.connect_timeout)
            .field("timeouts", &self.timeouts)
            .field("max_body", &self.wire.max_body)
            .finish()
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The headers the API's answers define, as names made once: the generated methods read them
/// from every `/_ping`, and a lookup by a made name skips parsing it.
fn known_header(name: &str) -> Option<&'static HeaderName> {
    static API_VERSION: HeaderName = HeaderName::from_static("api-version");
    static BUILDER_VERSION: HeaderName = HeaderName::from_static("builder-version");
    static DOCKER_EXPERIMENTAL: HeaderName = HeaderName::from_static("docker-experimental");
    static SWARM: HeaderName = HeaderName::from_static("swarm");
    // (Their lengths differ: one comparison tells.)
    let (known, spelled) = match name.len() {
        11 => (&API_VERSION, "Api-Version"),
        15 => (&BUILDER_VERSION, "Builder-Version"),
        19 => (&DOCKER_EXPERIMENTAL, "Docker-Experimental"),
        5 => (&SWARM, "Swarm"),
        13 => (&reqwest::header::CACHE_CONTROL, "Cache-Control"),
        6 => (&reqwest::header::PRAGMA, "Pragma"),
        12 => (&CONTENT_TYPE, "Content-Type"),
        _ => return None,
    };
    (name == spelled).then_some(known)
}

/// Whether a connection failed because every instance of the named pipe was busy.
#[cfg(windows)]
fn pipe_busy(error: &reqwest::Error) -> bool {
    /// Windows' `ERROR_PIPE_BUSY`.
    const PIPE_BUSY: i32 = 231;
    error.is_connect()
        && find_cause::<io::Error>(error).is_some_and(|e| e.raw_os_error() == Some(PIPE_BUSY))
}

/// Whether an address is the loopback interface, which no proxy is used for.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The requests sent again on another connection (twice at most). reqwest (hyper) already
/// sends again a request that had not started on a kept-alive connection found closed. This
/// adds, as the Go client does, two failures on a connection the engine closed (Podman closes
/// idle ones after 5 s) as the request went out: a broken pipe, the request written to a
/// connection already closed, which the engine cannot have seen (any method, when its body can
/// be sent again: not a stream); and a close or reset before any byte of an answer, which the
/// engine may have seen, for a `GET` or `HEAD`, which change nothing.
fn retry_policy() -> reqwest::retry::Builder {
    reqwest::retry::for_host(AnyHost)
        .no_budget()
        .max_retries_per_request(2)
        .classify_fn(|attempt| {
            let idempotent = matches!(
                *attempt.method(),
                reqwest::Method::GET | reqwest::Method::HEAD
            );
            match attempt.error().and_then(closed) {
                Some(Closed::BeforeWriting) => attempt.retryable(),
                Some(Closed::WithoutAnswer) if idempotent => attempt.retryable(),
                _ => attempt.success(),
            }
        })
}

/// A retry scope that covers every request: a client talks to one engine.
struct AnyHost;

impl PartialEq<&str> for AnyHost {
    fn eq(&self, _: &&str) -> bool {
        true
    }
}

/// How a connection failed a request before its answer began. (reqwest asks the classifier
/// only about failures before a response head.)
enum Closed {
    /// Writing found the connection closed: nothing reached the engine.
    BeforeWriting,
    /// The connection closed or was reset with no byte of an answer.
    WithoutAnswer,
}

fn closed(error: &(dyn std::error::Error + 'static)) -> Option<Closed> {
    let mut next = Some(error);
    while let Some(current) = next {
        if current
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return Some(Closed::WithoutAnswer);
        }
        if let Some(io) = current.downcast_ref::<io::Error>() {
            return match io.kind() {
                io::ErrorKind::BrokenPipe => Some(Closed::BeforeWriting),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::UnexpectedEof => Some(Closed::WithoutAnswer),
                _ => None,
            };
        }
        next = current.source();
    }
    None
}

impl Wire {
    /// The typed error of a failed exchange.
    fn error(&self, error: reqwest::Error) -> Error {
        // The URL can carry query values the user would not show (build arguments).
        let error = error.without_url();
        let host = self.host.to_string();
        if let Some(tls) = find_cause::<rustls::Error>(&error) {
            return Error::Tls {
                host,
                message: crate::tls::describe(tls),
                source: error.into(),
            };
        }
        if error.is_connect() {
            if error.is_timeout() {
                return Error::Timeout {
                    host,
                    kind: TimeoutKind::Connect,
                    after: self.connect_timeout,
                };
            }
            if let Some(kind) = find_cause::<io::Error>(&error).map(io::Error::kind) {
                let source = error.into();
                return match kind {
                    io::ErrorKind::ConnectionRefused => Error::ConnectionRefused { host, source },
                    io::ErrorKind::NotFound => Error::SocketNotFound { host, source },
                    io::ErrorKind::PermissionDenied => Error::PermissionDenied { host, source },
                    _ => Error::Transport { host, source },
                };
            }
        }
        Error::Transport {
            host,
            source: error.into(),
        }
    }
}

/// The first error of type `T` in the chain of `error`, looking inside `io::Error`s too (whose
/// `source` skips the error they wrap).
fn find_cause<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(inner) = current
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            if let Some(found) = find_cause::<T>(inner) {
                return Some(found);
            }
        }
        next = current.source();
    }
    None
}

/// A response whose head has arrived.
pub(crate) struct Incoming {
    response: reqwest::Response,
    wire: Arc<Wire>,
    /// The idle limit of this body read whole.
    idle: Option<Duration>,
    /// The idle limit of this body read as a stream.
    stream_idle: Option<Duration>,
}

impl Incoming {
    pub(crate) fn status(&self) -> u16 {
        self.response.status().as_u16()
    }

    /// The first value of a header (any case), when it is text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let headers = self.response.headers();
        let value = match known_header(name) {
            Some(known) => headers.get(known)?,
            // (A scan of the few headers of an engine's answer costs less than parsing the
            // name to hash it.)
            None => {
                let (_, value) = headers.iter().find(|(key, _)| {
                    let key = key.as_str().as_bytes();
                    key.len() == name.len() && key.eq_ignore_ascii_case(name.as_bytes())
                })?;
                value
            }
        };
        value.to_str().ok()
    }

    /// The engine's address, for messages.
    pub(crate) fn host(&self) -> &str {
        &self.wire.host
    }

    /// The whole body, at most the client's limit ([`Error::BodyTooLarge`] beyond it).
    pub(crate) async fn bytes(self) -> Result<Bytes, Error> {
        let limit = self.wire.max_body;
        let wire = self.wire.clone();
        match self.collect(limit).await? {
            (_, true) => Err(Error::BodyTooLarge {
                host: wire.host.to_string(),
                limit,
            }),
            (bytes, false) => Ok(bytes),
        }
    }

    /// The first `limit` bytes of the body, for an error's message: what could be read when
    /// reading fails.
    pub(crate) async fn prefix(self, limit: u64) -> Bytes {
        self.collect(limit)
            .await
            .map(|(bytes, _)| bytes)
            .unwrap_or_default()
    }

    /// Reads the body, up to `limit` bytes; says whether there was more. The bytes of a body
    /// that came in one piece are not copied.
    async fn collect(mut self, limit: u64) -> Result<(Bytes, bool), Error> {
        if self
            .response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Ok((Bytes::new(), true));
        }
        let Some(first) = self.chunk().await? else {
            return Ok((Bytes::new(), false));
        };
        if first.len() as u64 > limit {
            return Ok((first.slice(..limit as usize), true));
        }
        let Some(second) = self.chunk().await? else {
            return Ok((first, false));
        };
        let expected = self.response.content_length().unwrap_or(0).min(limit);
        let mut all = BytesMut::with_capacity((expected as usize).max(first.len() + second.len()));
        all.extend_from_slice(&first);
        let mut next = Some(second);
        while let Some(piece) = next {
            let room = limit as usize - all.len();
            if piece.len() > room {
                all.extend_from_slice(&piece[..room]);
                return Ok((all.freeze(), true));
            }
            all.extend_from_slice(&piece);
            next = self.chunk().await?;
        }
        Ok((all.freeze(), false))
    }

    /// The next piece of the body, within the idle timeout.
    async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let read = self.response.chunk();
        let read = match self.idle {
            None => read.await,
            Some(idle) => tokio::time::timeout(idle, read)
                .await
                .map_err(|_| Error::Timeout {
                    host: self.wire.host.to_string(),
                    kind: TimeoutKind::Body,
                    after: idle,
                })?,
        };
        read.map_err(|e| self.wire.error(e))
    }

    /// The body as a stream of chunks, with no limit on its size, within the idle timeout if
    /// the client has one.
    pub(crate) fn stream(self) -> BodyStream {
        BodyStream {
            inner: Box::pin(self.response.bytes_stream()),
            wire: self.wire,
            idle: self.stream_idle,
            timer: None,
            armed: false,
            done: false,
        }
    }

    /// The connection, switched to the protocol the engine answered `101` with.
    pub(crate) async fn upgrade(self) -> Result<reqwest::Upgraded, Error> {
        let host = self.wire.host.to_string();
        self.response.upgrade().await.map_err(|e| Error::Upgrade {
            host,
            message: e.to_string(),
        })
    }
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incoming")
            .field("status", &self.status())
            .field("host", &self.wire.host)
            .finish_non_exhaustive()
    }
}

/// A response body read as a stream: errors typed and naming the engine, and a pause longer
/// than the idle timeout (when there is one) an [`Error::Timeout`] that ends it.
pub(crate) struct BodyStream {
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    wire: Arc<Wire>,
    idle: Option<Duration>,
    /// Allocated on the first wait, then reset.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The timer counts the current wait.
    armed: bool,
    done: bool,
}

impl Stream for BodyStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(item) => {
                this.armed = false;
                this.done = !matches!(item, Some(Ok(_)));
                Poll::Ready(item.map(|item| item.map_err(|e| this.wire.error(e))))
            }
            Poll::Pending => {
                let Some(idle) = this.idle else {
                    return Poll::Pending;
                };
                let deadline = tokio::time::Instant::now() + idle;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if !this.armed {
                    timer.as_mut().reset(deadline);
                    this.armed = true;
                }
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.done = true;
                        Poll::Ready(Some(Err(Error::Timeout {
                            host: this.wire.host.to_string(),
                            kind: TimeoutKind::Body,
                            after: idle,
                        })))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

/// What the transport knows of an upload as it goes: whether it has ended, and whether the
/// engine has stopped taking it.
#[derive(Default)]
struct UploadWatch {
    /// When a chunk was handed to hyper that hyper has not come back for the next of: hyper
    /// asks for more once it can write more, so this is how long the engine has not read.
    handed: Mutex<Option<Instant>>,
    ended: tokio::sync::Notify,
    done: std::sync::atomic::AtomicBool,
}

impl UploadWatch {
    fn has_ended(&self) -> bool {
        self.done.load(std::sync::atomic::Ordering::Acquire)
    }

    fn end(&self) {
        if !self.done.swap(true, std::sync::atomic::Ordering::AcqRel) {
            self.ended.notify_one();
        }
    }

    fn set_handed(&self, at: Option<Instant>) {
        *self.handed.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    /// Whether the engine has not taken more of the upload for `idle`.
    fn stalled_for(&self, idle: Duration) -> bool {
        let handed = *self.handed.lock().unwrap_or_else(|e| e.into_inner());
        handed.is_some_and(|at| at.elapsed() >= idle)
    }
}

/// An upload's chunks, reporting to its [`UploadWatch`].
struct Upload {
    inner: ChunkStream,
    watch: Arc<UploadWatch>,
}

impl Stream for Upload {
    type Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Asked for more: the last chunk was taken.
        self.watch.set_handed(None);
        let poll = self.inner.as_mut().poll_next(cx);
        match &poll {
            Poll::Ready(Some(Ok(_))) => self.watch.set_handed(Some(Instant::now())),
            Poll::Ready(_) => self.watch.end(),
            Poll::Pending => {}
        }
        poll
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        self.watch.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_are_known() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["10.0.0.5", "engine.example", "[::2]", "localhost.example"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}

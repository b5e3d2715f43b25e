//! The wire to the engine: reqwest (hyper's HTTP/1.1 and its pool) over a unix socket, a
//! Windows named pipe, TCP, or TLS with rustls on ring. Everything about how bytes travel is
//! here: the reqwest client, the checks a request passes, the timeouts, the limit on bodies
//! read whole, upgrades, and every failure as a typed [`Error`] naming the engine.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::future::Either;
use futures::{FutureExt, Stream};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, HOST};

use crate::body::{Body, BodyKind, ChunkStream};
use crate::error::{Error, TimeoutKind};
use crate::host::Host;
use crate::ssh::{Failures, Relay, SshSettings};
use crate::tls::TlsConfig;

/// The `Host` header over a unix socket or named pipe, which have no host name: the one the
/// docker CLI (the Go client) sends.
const SOCKET_HOST: &str = "api.moby.localhost";

/// The `User-Agent` of every request: the crate and its version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// TCP keep-alive probes after this long without traffic, and then this far apart, as the Go
/// client does: an attach session idle for an hour survives a NAT or a firewall.
const KEEPALIVE: Duration = Duration::from_secs(30);

/// The path of the URL each request's is cloned from: as long as most requests' paths, so that
/// the clone has room for its own path.
const PATH_ROOM: &str = concat!(
    "/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
);

/// The most of an error answer's body read: its `message` is short.
pub(crate) const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// The user's adjustment of the reqwest client ([`DockerBuilder::reqwest`](crate::DockerBuilder::reqwest)),
/// shown as `<hook>`.
#[derive(Clone)]
pub(crate) struct Hook(
    pub(crate) Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>,
);

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hook>")
    }
}

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

/// What a transport is made of.
pub(crate) struct Wiring {
    pub(crate) host: Host,
    /// The address as configured, for messages.
    pub(crate) display: String,
    /// The TLS settings of a TLS engine.
    pub(crate) tls: Option<TlsConfig>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_body: u64,
    pub(crate) hook: Option<Hook>,
    /// How `ssh://` engines are reached.
    pub(crate) ssh: SshSettings,
}

/// Connections to one engine, shared by a client and its clones; each clone has its own
/// timeouts.
#[derive(Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    pub(crate) wire: Arc<Wire>,
    pub(crate) timeouts: Timeouts,
}

/// What does not change for the life of a transport.
#[derive(Debug)]
pub(crate) struct Wire {
    /// `http://localhost/`, `https://10.0.0.5:2376/`: every request's URL, but for its
    /// path and query (its path is [`PATH_ROOM`], room for the request's).
    base: reqwest::Url,
    /// The path prefix of the engine address (`tcp://host:2375/prefix`); empty for most.
    base_path: Box<str>,
    /// The engine's address as configured, for messages.
    pub(crate) host: Box<str>,
    pub(crate) connect_timeout: Duration,
    /// The largest body read whole.
    pub(crate) max_body: u64,
    /// The engine is on a named pipe, whose instances may all be busy.
    pipe: bool,
    /// The relay of an `ssh://` engine, which lives as long as the client's clones.
    relay: Option<Relay>,
}

/// A request as the client sends it.
pub(crate) struct Outgoing<'a> {
    pub(crate) method: &'static str,
    /// The API version's prefix (`/v1.43`), which the path follows.
    pub(crate) prefix: &'a str,
    /// The path and the query, encoded.
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The body and its content type.
    pub(crate) body: Option<(Body, &'static str)>,
    /// It asks to switch protocols (attach, exec, session).
    pub(crate) upgrade: bool,
    /// The engine sends the head at once and the body when something happens
    /// (`container_wait`): its body is timed like a stream's.
    pub(crate) long_poll: bool,
}

impl Transport {
    /// The reqwest client for `w`. Settings the user's hook may change are made before it; the
    /// wire (socket or pipe, TLS, connect timeout, HTTP/1.1, no redirects, retries) after it.
    pub(crate) fn new(w: Wiring) -> Result<Transport, Error> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .tcp_keepalive(KEEPALIVE)
            .tcp_keepalive_interval(KEEPALIVE)
            .tcp_keepalive_retries(None);
        // HTTP_PROXY, HTTPS_PROXY and NO_PROXY apply (read by reqwest), but never to a loopback
        // address, as for the Go client.
        if matches!(&w.host, Host::Tcp { host, .. } if is_loopback(host)) {
            builder = builder.no_proxy();
        }
        if let Some(Hook(hook)) = &w.hook {
            builder = hook(builder);
        }
        let display = w.display;
        let relay = Relay::start(&w.host, &w.ssh, w.connect_timeout, &display)?;
        builder = builder
            .connect_timeout(w.connect_timeout)
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .retry(retry_policy(relay.as_ref().map(|r| r.failures().clone())));
        let tcp = matches!(w.host, Host::Tcp { .. });
        builder = crate::tls::install(builder, w.tls.as_ref(), tcp)?;
        let unsupported = |what: &str| Error::Config(format!("{display}: {what}"));
        let pipe = matches!(w.host, Host::NamedPipe(_)) || (cfg!(windows) && relay.is_some());
        let (base, base_path) = match w.host {
            Host::Tcp {
                host,
                port,
                path,
                https,
            } => {
                let scheme = if https { "https" } else { "http" };
                let port = port.unwrap_or(if https { 2376 } else { 2375 });
                (format!("{scheme}://{host}:{port}/"), path)
            }
            // A socket or a pipe (an ssh relay's too, its named pipe on Windows) is reached
            // without a proxy: none of the environment's or the hook's proxies, whose
            // credentials reqwest would otherwise still add to each request (and look for, at a
            // cost, on each).
            local => {
                let path = match local {
                    Host::Unix(path) => path,
                    Host::NamedPipe(name) => name.into(),
                    _ => relay.as_ref().map(Relay::address).unwrap_or_default(),
                };
                // The URL names `localhost`, which reqwest reads twice a request at a fraction of
                // the cost of a longer name (2,500 instructions a request less); the `Host`
                // header is set apart.
                let host = HeaderMap::from_iter([(HOST, HeaderValue::from_static(SOCKET_HOST))]);
                builder = through(builder.no_proxy().default_headers(host), path, pipe)
                    .map_err(unsupported)?;
                ("http://localhost/".to_owned(), String::new())
            }
        };
        let mut base =
            reqwest::Url::parse(&base).map_err(|_| unsupported("not a usable address"))?;
        // Room for a request's path: the clone each request starts from has its capacity, so
        // that setting the path does not grow it. (Every request sets its own path and query.)
        base.set_path(PATH_ROOM);
        let client = builder
            .build()
            .map_err(|e| unsupported(&format!("cannot set up the HTTP client: {e}")))?;
        let wire = Wire {
            base,
            base_path: base_path.into(),
            host: display.into(),
            connect_timeout: w.connect_timeout,
            max_body: w.max_body,
            pipe,
            relay,
        };
        Ok(Transport {
            client,
            wire: Arc::new(wire),
            timeouts: w.timeouts,
        })
    }

    /// Sends `request`; the future waits for the head of its answer, within the timeouts.
    ///
    /// The request is checked and handed to reqwest here, before the future is polled: the
    /// future holds reqwest's (small) one and no copy of the request, so that a request's whole
    /// future, boxed once by the generated methods, stays small and cheap to allocate.
    pub(crate) fn send<'a>(
        &'a self,
        request: Outgoing<'_>,
    ) -> Result<impl Future<Output = Result<Incoming, Error>> + Send + 'a, Error> {
        let path = &request.path;
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::InvalidArgument(format!("bad method {:?}", request.method)))?;
        // Visible ASCII only (RFC 9112 3.2), as encoded: nothing that would end the request
        // line, and nothing the URL parser would change.
        let printable = |text: &str| text.bytes().all(|b| b.is_ascii_graphic() && b != b'#');
        if !path.starts_with('/')
            || !printable(path)
            || !request.query.as_deref().is_none_or(printable)
        {
            let message = format!("{method} {path}: not a valid request path");
            return Err(Error::InvalidArgument(message));
        }
        // The base URL with this path and query, cheaper than parsing a whole URL; the path,
        // after the address's and the version's prefixes, put together on the stack.
        let mut url = self.wire.base.clone();
        let parts = [&self.wire.base_path, request.prefix, path];
        let (mut stack, mut len) = ([0u8; 256], 0);
        for part in parts.map(str::as_bytes) {
            if let Some(room) = stack.get_mut(len..len + part.len()) {
                room.copy_from_slice(part);
            }
            len += part.len();
        }
        match stack.get(..len).map(std::str::from_utf8) {
            Some(Ok(whole)) => url.set_path(whole),
            _ => url.set_path(&parts.concat()),
        }
        // (The base URL has no query; setting none still rewrites the URL.)
        if request.query.is_some() {
            url.set_query(request.query.as_deref());
        }
        let mut outgoing = reqwest::Request::new(method, url);
        let map = outgoing.headers_mut();
        for (name, value) in request.headers {
            // (The value is not shown: it may be a registry credential.)
            let bad =
                || Error::InvalidArgument(format!("header `{name}`: a value it cannot carry"));
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            map.append(name, HeaderValue::try_from(value).map_err(|_| bad())?);
        }
        let mut upload = None;
        if let Some((body, content_type)) = request.body {
            map.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            *outgoing.body_mut() = Some(match body.kind {
                BodyKind::Bytes(bytes) => reqwest::Body::from(bytes),
                BodyKind::Stream(inner) if self.timeouts.whole().is_none() => {
                    reqwest::Body::wrap_stream(inner)
                }
                BodyKind::Stream(inner) => {
                    let watch = Arc::new(UploadWatch::default());
                    upload = Some(watch.clone());
                    reqwest::Body::wrap_stream(Upload { inner, watch })
                }
            });
        }
        let wire = &self.wire;
        let response = if upload.is_none() && self.timeouts.header.is_none() && !wire.pipe {
            // (The common case: reqwest's future alone.)
            let direct = self.client.execute(outgoing);
            Either::Left(direct.map(|answer| answer.map_err(|e| wire.error(e))))
        } else {
            // (Boxed: its timers stay out of the common case's future.)
            Either::Right(Box::pin(self.exchange(outgoing, upload)))
        };
        let (upgrade, long_poll) = (request.upgrade, request.long_poll);
        // (Combinators rather than an `async` block, which would hold reqwest's future twice.)
        Ok(response.map(move |response| {
            let response = response?;
            if response.status().as_u16() == 101 && !upgrade {
                let message = "the engine switched protocols on a request that did not ask to";
                return Err(self.wire.upgrade_error(message));
            }
            let idle = match long_poll {
                true => self.timeouts.idle,
                false => self.timeouts.whole(),
            };
            Ok(Incoming {
                response,
                wire: self.wire.clone(),
                idle,
                stream_idle: self.timeouts.idle,
            })
        }))
    }

    /// Sends and waits for the response head: while an upload goes out, within the idle
    /// timeout between its writes; once it has gone (or at once, without one), within the
    /// header timeout.
    async fn exchange(
        &self,
        request: reqwest::Request,
        upload: Option<Arc<UploadWatch>>,
    ) -> Result<reqwest::Response, Error> {
        let wire = &self.wire;
        let mut response = std::pin::pin!(self.execute(request));
        // (An upload is watched only when there is an idle limit.)
        if let (Some(watch), Some(idle)) = (upload, self.timeouts.whole()) {
            while !watch.state().0 {
                // Checked once per idle period: a stall is seen within one to two of them.
                tokio::select! {
                    biased;
                    answer = &mut response => return answer.map_err(|e| wire.error(e)),
                    () = watch.ended.notified() => {}
                    () = tokio::time::sleep(idle) => {
                        if watch.stalled_for(idle) {
                            return Err(wire.timeout(TimeoutKind::Upload, idle));
                        }
                    }
                }
            }
        }
        match self.timeouts.header {
            None => response.await.map_err(|e| wire.error(e)),
            Some(limit) => match tokio::time::timeout(limit, response).await {
                Ok(answer) => answer.map_err(|e| wire.error(e)),
                Err(_) => Err(wire.timeout(TimeoutKind::ResponseHeaders, limit)),
            },
        }
    }

    /// Executes a request. A named pipe whose instances are all busy is waited for, as the Go
    /// client does, within the connect timeout: the request goes again once the pipe is free,
    /// unless its body is a stream (which cannot go twice).
    async fn execute(&self, mut request: reqwest::Request) -> reqwest::Result<reqwest::Response> {
        let deadline = Instant::now() + self.wire.connect_timeout;
        loop {
            let again = self.wire.pipe.then(|| request.try_clone()).flatten();
            match (self.client.execute(request).await, again) {
                (Err(e), Some(again)) if pipe_busy(&e) && Instant::now() < deadline => {
                    request = again;
                }
                (answer, _) => return answer,
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Whether a connection failed because every instance of the named pipe was busy (Windows'
/// `ERROR_PIPE_BUSY`).
fn pipe_busy(error: &reqwest::Error) -> bool {
    error.is_connect()
        && find_cause::<io::Error>(error).is_some_and(|e| e.raw_os_error() == Some(231))
}

/// Whether an address is the loopback interface, which no proxy is used for.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Sends every request of `builder` through the unix socket at `path`, or the named pipe when
/// `pipe`; or says why this platform has none.
fn through(
    builder: reqwest::ClientBuilder,
    path: std::path::PathBuf,
    pipe: bool,
) -> Result<reqwest::ClientBuilder, &'static str> {
    #[cfg(unix)]
    if !pipe {
        return Ok(builder.unix_socket(path));
    }
    #[cfg(windows)]
    if pipe {
        return Ok(builder.windows_named_pipe(path));
    }
    let _ = (builder, path);
    Err(match pipe {
        true => "named pipes (npipe://) exist only on Windows",
        false => "no unix sockets on this platform",
    })
}

/// The requests sent again on another connection (twice at most). reqwest (hyper) already
/// sends again a request that had not started on a kept-alive connection found closed. This
/// adds, as the Go client does, two failures on a connection the engine closed (Podman closes
/// idle ones after 5 s) as the request went out: a broken pipe, the request written to a
/// connection already closed, which the engine cannot have seen (any method, when its body can
/// be sent again: not a stream); and a close or reset before any byte of an answer, which the
/// engine may have seen, for a `GET` or `HEAD`, which change nothing. Not when the ssh of an
/// `ssh://` engine has just failed: another would fail the same way.
fn retry_policy(ssh: Option<Arc<Failures>>) -> reqwest::retry::Builder {
    reqwest::retry::for_host(AnyHost)
        .no_budget()
        .max_retries_per_request(2)
        .classify_fn(move |attempt| {
            if ssh.as_ref().is_some_and(|ssh| ssh.pending()) {
                return attempt.success();
            }
            let idempotent = matches!(
                *attempt.method(),
                reqwest::Method::GET | reqwest::Method::HEAD
            );
            match attempt.error().and_then(closed) {
                Some(true) => attempt.retryable(),
                Some(false) if idempotent => attempt.retryable(),
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

/// Whether a request failed on a closed connection before its answer began (reqwest asks the
/// classifier only about those): `Some(true)` when writing found it closed (nothing reached the
/// engine), `Some(false)` when it closed or was reset with no byte of an answer.
fn closed(error: &(dyn std::error::Error + 'static)) -> Option<bool> {
    if find_cause::<hyper::Error>(error).is_some_and(hyper::Error::is_incomplete_message) {
        return Some(false);
    }
    use io::ErrorKind::*;
    match find_cause::<io::Error>(error)?.kind() {
        BrokenPipe => Some(true),
        ConnectionReset | ConnectionAborted | UnexpectedEof => Some(false),
        _ => None,
    }
}

impl Wire {
    /// The typed error of a failed exchange.
    fn error(&self, error: reqwest::Error) -> Error {
        // The URL can carry query values the user would not show (build arguments).
        let error = error.without_url();
        let host = self.host.to_string();
        // What ssh said when it ended without an answer.
        if let Some(failed) = self.relay.as_ref().and_then(|r| r.failures().take(&host)) {
            return failed;
        }
        #[cfg(feature = "tls")]
        if let Some(tls) = find_cause::<rustls::Error>(&error) {
            let message = crate::tls::describe(tls);
            return Error::Tls {
                host,
                message,
                source: error.into(),
            };
        }
        if error.is_connect() && error.is_timeout() {
            return self.timeout(TimeoutKind::Connect, self.connect_timeout);
        }
        let kind = find_cause::<io::Error>(&error).map(io::Error::kind);
        let kind = kind.filter(|_| error.is_connect());
        let source = error.into();
        match kind {
            Some(io::ErrorKind::ConnectionRefused) => Error::ConnectionRefused { host, source },
            Some(io::ErrorKind::NotFound) => Error::SocketNotFound { host, source },
            Some(io::ErrorKind::PermissionDenied) => Error::PermissionDenied { host, source },
            _ => Error::Transport { host, source },
        }
    }

    fn timeout(&self, kind: TimeoutKind, after: Duration) -> Error {
        let host = self.host.to_string();
        Error::Timeout { host, kind, after }
    }

    pub(crate) fn upgrade_error(&self, message: impl Into<String>) -> Error {
        let (host, message) = (self.host.to_string(), message.into());
        Error::Upgrade { host, message }
    }
}

/// The first error of type `T` in the chain of `error`, looking inside `io::Error`s too (whose
/// `source` skips the error they wrap).
fn find_cause<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next = Some(error);
    while let Some(current) = next {
        let inner = current
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref);
        if let Some(found) = current.downcast_ref::<T>().or_else(|| find_cause(inner?)) {
            return Some(found);
        }
        next = current.source();
    }
    None
}

/// A response whose head has arrived.
pub(crate) struct Incoming {
    response: reqwest::Response,
    wire: Arc<Wire>,
    /// The idle limits of this body read whole, and read as a stream.
    idle: Option<Duration>,
    stream_idle: Option<Duration>,
}

impl Incoming {
    pub(crate) fn status(&self) -> u16 {
        self.response.status().as_u16()
    }

    /// The answer's headers.
    pub(crate) fn headers(&self) -> &HeaderMap {
        self.response.headers()
    }

    /// What the connection needs while it lives (the relay of an `ssh://` engine).
    pub(crate) fn wire(&self) -> Arc<Wire> {
        self.wire.clone()
    }

    /// The whole body, at most the client's limit ([`Error::BodyTooLarge`] beyond it).
    pub(crate) fn bytes(self) -> impl Future<Output = Result<Bytes, Error>> + Send {
        // (The response moves into the one future that reads it, not into one per layer.)
        let (wire, limit) = (self.wire.clone(), self.wire.max_body);
        self.collect(limit).map(move |read| match read? {
            (_, true) => Err(Error::BodyTooLarge {
                host: wire.host.to_string(),
                limit,
            }),
            (bytes, false) => Ok(bytes),
        })
    }

    /// The first `limit` bytes of the body, for an error's message: what could be read.
    pub(crate) async fn prefix(self, limit: u64) -> Bytes {
        self.collect(limit)
            .await
            .map(|(bytes, _)| bytes)
            .unwrap_or_default()
    }

    /// Reads the body, up to `limit` bytes; says whether there was more. The bytes of a body
    /// that came in one piece are not copied.
    ///
    /// (Not an `async fn`: that would hold `self` twice, as its argument and as its local.)
    #[allow(clippy::manual_async_fn)]
    fn collect(mut self, limit: u64) -> impl Future<Output = Result<(Bytes, bool), Error>> + Send {
        async move {
            let declared = self.response.content_length();
            if declared.is_some_and(|length| length > limit) {
                return Ok((Bytes::new(), true));
            }
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let Some(first) = self.chunk().await? else {
                return Ok((Bytes::new(), false));
            };
            let Some(mut piece) = self.chunk().await? else {
                return Ok((first.slice(..first.len().min(limit)), first.len() > limit));
            };
            let expected = declared.map_or(0, |n| usize::try_from(n).unwrap_or(0));
            let capacity = expected.min(limit).max(first.len() + piece.len());
            let mut all = BytesMut::with_capacity(capacity);
            all.extend_from_slice(&first);
            loop {
                let room = limit.saturating_sub(all.len());
                all.extend_from_slice(&piece[..piece.len().min(room)]);
                if piece.len() > room {
                    return Ok((all.freeze(), true));
                }
                match self.chunk().await? {
                    Some(next) => piece = next,
                    None => return Ok((all.freeze(), false)),
                }
            }
        }
    }

    /// The next piece of the body, within the idle timeout.
    async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        let read = self.response.chunk();
        let read = match self.idle {
            None => read.await,
            // (Boxed: the timer stays out of the future of every body read whole.)
            Some(idle) => Box::pin(tokio::time::timeout(idle, read))
                .await
                .map_err(|_| self.wire.timeout(TimeoutKind::Body, idle))?,
        };
        read.map_err(|e| self.wire.error(e))
    }

    /// The body as a stream of chunks, of any size, within the idle timeout if the client has
    /// one.
    pub(crate) fn stream(self) -> BodyStream {
        BodyStream {
            inner: Source::new(Box::pin(self.response.bytes_stream())),
            wire: self.wire,
            idle: self.stream_idle,
            timer: None,
            armed: false,
            done: false,
        }
    }

    /// The connection, switched to the protocol the engine answered `101` with.
    pub(crate) async fn upgrade(self) -> Result<reqwest::Upgraded, Error> {
        let upgraded = self.response.upgrade().await;
        upgraded.map_err(|e| self.wire.upgrade_error(e.to_string()))
    }
}

/// A response body read as a stream: errors typed and naming the engine, and a pause longer
/// than the idle timeout (when there is one) an [`Error::Timeout`] that ends it.
pub(crate) struct BodyStream {
    inner: Source,
    wire: Arc<Wire>,
    idle: Option<Duration>,
    /// Made on the first wait, then reset; `armed` while it counts the current wait.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
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
        if let Poll::Ready(item) = this.inner.poll_next(cx, &this.wire) {
            this.armed = false;
            this.done = !matches!(item, Some(Ok(_)));
            return Poll::Ready(item);
        }
        let Some(idle) = this.idle else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::now() + idle;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !std::mem::replace(&mut this.armed, true) {
            timer.as_mut().reset(deadline);
        }
        std::task::ready!(timer.as_mut().poll(cx));
        this.done = true;
        Poll::Ready(Some(Err(this.wire.timeout(TimeoutKind::Body, idle))))
    }
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Where a body stream's chunks come from: the body itself, or, for a stream made outside the
/// tasks of a multi-thread runtime (in the future its `block_on` runs: the body of
/// `#[tokio::main]`, or a call of the blocking client), a task that reads it ahead. There, each
/// read of the body would wake a worker to read the connection, then wake the reader's thread
/// again; the reading task keeps to the workers, and the reader is woken once per chunk at most.
enum Source {
    Body(Chunks),
    Ahead {
        /// The body's items, then its end (`None`): a queue closed without it was cut.
        chunks: tokio::sync::mpsc::Receiver<Option<reqwest::Result<Bytes>>>,
        /// (Ended with the stream: it may be waiting on a connection with nothing to send.)
        _reader: tokio_util::task::AbortOnDropHandle<()>,
    },
}

impl Source {
    fn new(mut body: Chunks) -> Source {
        use tokio::runtime::{Handle, RuntimeFlavor};
        let outside = tokio::task::try_id().is_none()
            && Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread);
        if !outside {
            return Source::Body(body);
        }
        // Up to three chunks ahead (two in the queue, one waiting for room). A chunk holds a read
        // buffer of the connection's while it waits (up to about 400 KiB), so after a big one
        // (64 KiB or more) the task reads on once the queue is empty.
        let (tx, chunks) = tokio::sync::mpsc::channel(2);
        let reader = tokio::spawn(async move {
            loop {
                let item = futures::StreamExt::next(&mut body).await;
                let end = item.is_none();
                let big = matches!(&item, Some(Ok(chunk)) if chunk.len() >= 64 << 10);
                if tx.send(item).await.is_err() || end {
                    break;
                }
                if big {
                    drop(tx.reserve_many(tx.max_capacity()).await);
                }
            }
        });
        let _reader = tokio_util::task::AbortOnDropHandle::new(reader);
        Source::Ahead { chunks, _reader }
    }

    fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        wire: &Wire,
    ) -> Poll<Option<Result<Bytes, Error>>> {
        let item = match self {
            Source::Body(body) => std::task::ready!(body.as_mut().poll_next(cx)),
            Source::Ahead { chunks, .. } => match std::task::ready!(chunks.poll_recv(cx)) {
                Some(item) => item,
                // (Its runtime shut down: the body is not whole.)
                None => {
                    let cut = "the runtime reading the response body shut down before its end";
                    return Poll::Ready(Some(Err(Error::Transport {
                        host: wire.host.to_string(),
                        source: cut.into(),
                    })));
                }
            },
        };
        Poll::Ready(item.map(|item| item.map_err(|e| wire.error(e))))
    }
}

/// What the transport knows of an upload as it goes: whether it has ended, and since when a
/// chunk handed to hyper waits for hyper to ask for the next (hyper asks once it can write
/// more: this is how long the engine has not read).
#[derive(Default)]
struct UploadWatch {
    state: Mutex<(bool, Option<Instant>)>,
    ended: tokio::sync::Notify,
}

impl UploadWatch {
    fn state(&self) -> std::sync::MutexGuard<'_, (bool, Option<Instant>)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn end(&self) {
        if !std::mem::replace(&mut self.state().0, true) {
            self.ended.notify_one();
        }
    }

    /// Whether the engine has not taken more of the upload for `idle`.
    fn stalled_for(&self, idle: Duration) -> bool {
        self.state().1.is_some_and(|at| at.elapsed() >= idle)
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
        self.watch.state().1 = None;
        let poll = self.inner.as_mut().poll_next(cx);
        match &poll {
            Poll::Ready(Some(Ok(_))) => self.watch.state().1 = Some(Instant::now()),
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

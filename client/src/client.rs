use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Notify;

use crate::config::{DockerBuilder, Host};
use crate::error::TimeoutKind;
use crate::runtime::{Request, Response};
use crate::{Error, TlsConfig, API_VERSION};

/// The default address of a local engine's unix socket.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The `User-Agent` of every request: the crate and its version.
pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A client of one Docker Engine. Cheap to clone and safe to share between tasks: clones share
/// one pool of kept-alive connections.
///
/// ```no_run
/// # async fn example() -> Result<(), docker_client::Error> {
/// use docker_client::Docker;
///
/// // Where the docker CLI would go: DOCKER_HOST, a context, else /var/run/docker.sock.
/// let docker = Docker::from_env()?
///     // Speak the engine's version when it is older than this client's.
///     .negotiate_version()
///     .await?;
/// println!("API {}", docker.api_version());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Docker {
    shared: Arc<Shared>,
    /// `{base path}/v{version}`: the start of every request's path.
    prefix: Arc<str>,
    /// The API version in every request's path, without the `v`.
    version: Arc<str>,
    /// Set by the user (builder, `DOCKER_API_VERSION`, [`Docker::with_api_version`]):
    /// negotiation keeps it.
    pinned: bool,
    header_timeout: Option<Duration>,
}

/// What all clones share.
#[derive(Debug)]
struct Shared {
    http: reqwest::Client,
    /// Scheme and authority requests go to (`http://localhost` over a unix socket), parsed
    /// once: each request's URL is a copy with its path and query set.
    base_url: reqwest::Url,
    /// The path prefix of a `tcp://host:port/prefix` address; empty for most.
    base_path: Box<str>,
    /// Where the engine is, for error messages (`unix:///var/run/docker.sock`).
    host: Box<str>,
    connect_timeout: Duration,
}

impl Docker {
    /// A client configured like the `docker` CLI: `DOCKER_HOST`, else the current context
    /// (`DOCKER_CONTEXT`, else `currentContext` of `~/.docker/config.json`), else the local
    /// socket `/var/run/docker.sock`; TLS from `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` (or
    /// the context); `DOCKER_API_VERSION` pins the API version. See
    /// [`DockerBuilder::from_env_vars`] for the details.
    pub fn from_env() -> Result<Self, Error> {
        DockerBuilder::from_env()?.build()
    }

    /// A builder of a client configured in code.
    pub fn builder() -> DockerBuilder {
        DockerBuilder::new()
    }

    /// A client of the engine at `host`: `unix:///path/to/socket`, `tcp://host:port`,
    /// `http://host:port`, `https://host:port` (TLS, verified against the platform's
    /// certificate authorities), or `npipe:////./pipe/name` on Windows.
    pub fn connect(host: &str) -> Result<Self, Error> {
        DockerBuilder::new().host(host).build()
    }

    /// A client of the engine listening on the unix socket at `path`.
    pub fn connect_unix(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        build(
            Host::Unix(path.to_owned()),
            format!("unix://{}", path.display()),
            None,
            crate::config::DEFAULT_CONNECT_TIMEOUT,
            None,
            None,
        )
    }

    /// The same client (sharing its connections), sending requests for another API version
    /// (`"1.41"`). [`Docker::negotiate_version`] keeps it.
    pub fn with_api_version(&self, version: &str) -> Self {
        let version = version.trim_start_matches('v');
        Docker {
            prefix: format!("{}/v{version}", self.shared.base_path).into(),
            version: version.into(),
            pinned: true,
            ..self.clone()
        }
    }

    /// The same client (sharing its connections) with another response-header timeout; see
    /// [`DockerBuilder::header_timeout`].
    pub fn with_header_timeout(&self, timeout: Option<Duration>) -> Self {
        Docker {
            header_timeout: timeout,
            ..self.clone()
        }
    }

    /// Asks the engine which API version it speaks (`GET /_ping`, header `API-Version`) and
    /// returns a client (sharing this one's connections) that speaks the lower of that and
    /// this client's, as the Go client does. A version the user pinned is kept as it is.
    pub async fn negotiate_version(&self) -> Result<Docker, Error> {
        if self.pinned {
            return Ok(self.clone());
        }
        // `/_ping` without a version prefix: an engine refuses a prefix newer than its own.
        let unversioned = Docker {
            prefix: self.shared.base_path.as_ref().into(),
            ..self.clone()
        };
        let ping = unversioned.system_ping().await?;
        // An engine that sends no version is older than 1.25 (the Go client assumes 1.24).
        let engine = ping
            .api_version
            .as_deref()
            .map(|v| v.trim().trim_start_matches('v'))
            .filter(|v| !v.is_empty())
            .unwrap_or("1.24");
        if version_less(engine, &self.version) {
            Ok(Docker {
                prefix: format!("{}/v{engine}", self.shared.base_path).into(),
                version: engine.into(),
                ..self.clone()
            })
        } else {
            Ok(self.clone())
        }
    }

    /// The API version in the path of every request.
    pub fn api_version(&self) -> &str {
        &self.version
    }

    /// The engine address (`unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`).
    pub fn host(&self) -> &str {
        &self.shared.host
    }

    /// The response-header timeout, if any.
    pub fn header_timeout(&self) -> Option<Duration> {
        self.header_timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.shared.connect_timeout
    }

    /// Sends a request. Statuses of 400 and above, and redirects, are errors.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, Error> {
        let url = self.url(&request);
        let method = match request.method {
            "GET" => reqwest::Method::GET,
            "POST" => reqwest::Method::POST,
            "DELETE" => reqwest::Method::DELETE,
            "PUT" => reqwest::Method::PUT,
            "HEAD" => reqwest::Method::HEAD,
            other => reqwest::Method::from_bytes(other.as_bytes())
                .map_err(|_| Error::InvalidArgument(format!("bad method {other}")))?,
        };
        let mut builder = self.shared.http.request(method, url);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        let mut body_sent = None;
        if let Some((body, content_type)) = request.body {
            // A streamed body (a build context, an image) may take long to upload: the
            // header timeout starts once it has been sent.
            let body = match self.header_timeout {
                Some(_) if body.as_bytes().is_none() => {
                    let done = Arc::new(Notify::new());
                    body_sent = Some(done.clone());
                    reqwest::Body::wrap(NotifyAtEnd { inner: body, done })
                }
                _ => body,
            };
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body);
        }
        let send = builder.send();
        let response = match self.header_timeout {
            None => send.await,
            Some(limit) => {
                let mut send = std::pin::pin!(send);
                let early = match body_sent {
                    Some(done) => tokio::select! {
                        biased;
                        response = &mut send => Some(response),
                        () = done.notified() => None,
                    },
                    None => None,
                };
                match early {
                    Some(response) => response,
                    None => {
                        tokio::time::timeout(limit, send)
                            .await
                            .map_err(|_| Error::Timeout {
                                host: self.host().to_owned(),
                                kind: TimeoutKind::ResponseHeaders,
                                after: limit,
                            })?
                    }
                }
            }
        };
        let response = response.map_err(|e| self.classify(e))?;
        Response::check(response, &self.shared.host).await
    }

    /// The URL of a request: base, prefix, path and query. The base is parsed once; the
    /// path and query were encoded by the generated code.
    fn url(&self, request: &Request) -> reqwest::Url {
        let mut url = self.shared.base_url.clone();
        if self.prefix.is_empty() {
            url.set_path(&request.path);
        } else {
            let mut path = String::with_capacity(self.prefix.len() + request.path.len());
            path.push_str(&self.prefix);
            path.push_str(&request.path);
            url.set_path(&path);
        }
        if !request.query.is_empty() {
            let mut query = form_urlencoded::Serializer::new(String::with_capacity(64));
            for (key, value) in &request.query {
                query.append_pair(key, value);
            }
            url.set_query(Some(&query.finish()));
        }
        url
    }

    /// A readable error for a failure to send a request or read its response headers.
    fn classify(&self, error: reqwest::Error) -> Error {
        let host = self.host().to_owned();
        if let Some(tls) = find_cause::<rustls::Error>(&error) {
            return Error::Tls {
                host,
                message: crate::tls::describe(tls),
                source: error,
            };
        }
        if error.is_connect() {
            if error.is_timeout() {
                return Error::Timeout {
                    host,
                    kind: TimeoutKind::Connect,
                    after: self.shared.connect_timeout,
                };
            }
            match find_cause::<std::io::Error>(&error).map(std::io::Error::kind) {
                Some(std::io::ErrorKind::ConnectionRefused) => {
                    return Error::ConnectionRefused {
                        host,
                        source: error,
                    }
                }
                Some(std::io::ErrorKind::NotFound) => {
                    return Error::SocketNotFound {
                        host,
                        source: error,
                    }
                }
                Some(std::io::ErrorKind::PermissionDenied) => {
                    return Error::PermissionDenied {
                        host,
                        source: error,
                    }
                }
                Some(std::io::ErrorKind::TimedOut) => {
                    return Error::Timeout {
                        host,
                        kind: TimeoutKind::Connect,
                        after: self.shared.connect_timeout,
                    }
                }
                _ => {}
            }
        }
        Error::transport(&host, error)
    }
}

/// The first error of type `T` in the chain of `error`, looking inside `io::Error`s too (whose
/// `source` skips the error they wrap).
fn find_cause<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next: Option<&'a (dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(found) = find_cause::<T>(inner) {
                    return Some(found);
                }
            }
        }
        next = current.source();
    }
    None
}

/// `a < b` for API versions (`1.41` < `1.43`), part by part as numbers.
fn version_less(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(a) < parts(b)
}

/// A request body that says when it has been read to its end.
struct NotifyAtEnd {
    inner: reqwest::Body,
    done: Arc<Notify>,
}

impl http_body::Body for NotifyAtEnd {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, reqwest::Error>>> {
        let poll = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(poll, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.done.notify_one();
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for NotifyAtEnd {
    fn drop(&mut self) {
        self.done.notify_one();
    }
}

/// Builds the client of a parsed address (see [`DockerBuilder::build`]).
pub(crate) fn build(
    host: Host,
    display: String,
    tls: Option<TlsConfig>,
    connect_timeout: Duration,
    header_timeout: Option<Duration>,
    pinned: Option<String>,
) -> Result<Docker, Error> {
    let builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        // The engine never redirects a valid request; following one could leave the path an
        // argument was meant to stay inside.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        // reqwest's retry of protocol NACKs is for HTTP/2; without it no request is copied
        // before it is sent.
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .http1_only()
        .no_proxy()
        .pool_idle_timeout(Duration::from_secs(60));
    let (builder, base, base_path) = match host {
        #[cfg(unix)]
        Host::Unix(path) => (
            builder
                .unix_socket(path)
                .tls_backend_preconfigured(crate::tls::plain_client_config()),
            "http://localhost".to_owned(),
            String::new(),
        ),
        #[cfg(not(unix))]
        Host::Unix(_) => {
            return Err(Error::Config(format!(
                "{display}: unix sockets are not supported on this platform"
            )))
        }
        #[cfg(windows)]
        Host::NamedPipe(pipe) => (
            builder
                .windows_named_pipe(pipe)
                .tls_backend_preconfigured(crate::tls::plain_client_config()),
            "http://localhost".to_owned(),
            String::new(),
        ),
        #[cfg(not(windows))]
        Host::NamedPipe(_) => {
            return Err(Error::Config(format!(
                "{display}: named pipes (npipe://) exist only on Windows"
            )))
        }
        Host::Tcp {
            host,
            port,
            path,
            https,
        } => {
            let tls = match tls {
                Some(tls) => Some(tls),
                None if https => Some(TlsConfig::new()),
                None => None,
            };
            let port = port.unwrap_or(if tls.is_some() { 2376 } else { 2375 });
            match tls {
                Some(tls) => (
                    builder.tls_backend_preconfigured(tls.client_config()?),
                    format!("https://{host}:{port}"),
                    path,
                ),
                None => (
                    builder.tls_backend_preconfigured(crate::tls::plain_client_config()),
                    format!("http://{host}:{port}"),
                    path,
                ),
            }
        }
    };
    let http = builder
        .build()
        .map_err(|e| Error::Config(format!("{display}: cannot build the HTTP client: {e}")))?;
    let base_url = reqwest::Url::parse(&base)
        .map_err(|e| Error::Config(format!("{display}: not a usable address ({e})")))?;
    let version = pinned.clone().unwrap_or_else(|| API_VERSION.to_owned());
    Ok(Docker {
        prefix: format!("{base_path}/v{version}").into(),
        shared: Arc::new(Shared {
            http,
            base_url,
            base_path: base_path.into(),
            host: display.into(),
            connect_timeout,
        }),
        version: version.into(),
        pinned: pinned.is_some(),
        header_timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_less("1.9", "1.41"));
        assert!(version_less("1.41", "1.43"));
        assert!(!version_less("1.43", "1.43"));
        assert!(!version_less("1.45", "1.43"));
        assert!(version_less("1.43", "2.0"));
    }
}

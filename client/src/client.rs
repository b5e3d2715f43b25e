use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::{DockerBuilder, Host};
use crate::error::TimeoutKind;
use crate::runtime::{Request, Response};
use crate::transport::{Dialer, Outgoing, Tls, Transport};
use crate::{Body, Error, TlsConfig, API_VERSION};

/// The default address of a local engine's unix socket.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// The `Host` header over a unix socket or named pipe, which have no host name: the one the
/// docker CLI (the Go client) sends.
const SOCKET_HOST: &str = "api.moby.localhost";

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
    transport: Arc<Transport>,
    /// The path prefix of a `tcp://host:port/prefix` address; empty for most.
    base_path: Box<str>,
    /// Where the engine is, for error messages (`unix:///var/run/docker.sock`).
    host: Arc<str>,
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
        self.shared.transport.connect_timeout()
    }

    /// Sends a request. Statuses of 400 and above, and redirects, are errors.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, Error> {
        if !request.method.bytes().all(is_token) || request.method.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "bad method {:?}",
                request.method
            )));
        }
        let target = self.target(&request)?;
        for (name, value) in &request.headers {
            if name.is_empty() || !name.bytes().all(is_token) || !value.bytes().all(is_field_byte) {
                return Err(Error::InvalidArgument(format!(
                    "header `{name}`: the value has characters a header cannot carry"
                )));
            }
        }
        let mut body_sent = None;
        let (body, content_type) = match request.body {
            Some((mut body, content_type)) => {
                // A streamed body (a build context, an image) may take long to upload: the
                // header timeout starts once it has been sent.
                if self.header_timeout.is_some() && body.is_stream() {
                    let sent = Arc::new(Notify::new());
                    body.notify_when_sent(sent.clone());
                    body_sent = Some(sent);
                }
                (body, Some(content_type))
            }
            None => (Body::empty(), None),
        };
        let outgoing = Outgoing {
            method: request.method,
            target,
            headers: request.headers,
            content_type,
            body,
        };

        let send = self.shared.transport.send(outgoing);
        let response =
            match self.header_timeout {
                None => send.await?,
                Some(limit) => {
                    let mut send = std::pin::pin!(send);
                    let early = match body_sent {
                        Some(sent) => tokio::select! {
                            biased;
                            response = &mut send => Some(response),
                            () = sent.notified() => None,
                        },
                        None => None,
                    };
                    match early {
                        Some(response) => response?,
                        None => tokio::time::timeout(limit, send).await.map_err(|_| {
                            Error::Timeout {
                                host: self.host().to_owned(),
                                kind: TimeoutKind::ResponseHeaders,
                                after: limit,
                            }
                        })??,
                    }
                }
            };
        Response::check(response, &self.shared.host).await
    }

    /// The request target: prefix, path and query. The path was encoded by the generated
    /// code; the query is form-encoded here.
    fn target(&self, request: &Request) -> Result<String, Error> {
        let mut target = String::with_capacity(self.prefix.len() + request.path.len() + 64);
        target.push_str(&self.prefix);
        target.push_str(&request.path);
        if !request.query.is_empty() {
            target.push('?');
            let start = target.len();
            let mut query = form_urlencoded::Serializer::for_suffix(target, start);
            for (key, value) in &request.query {
                query.append_pair(key, value);
            }
            target = query.finish();
        }
        // Visible ASCII only (RFC 9112 3.2): no spaces, line breaks or other bytes that would
        // end the request line.
        if !target.starts_with('/') || !target.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidArgument(format!(
                "{} {}: not a valid request path",
                request.method, request.path
            )));
        }
        Ok(target)
    }
}

/// A byte of an HTTP token (a method, a header name; RFC 9110 5.6.2).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A byte a header value may hold (RFC 9110 5.5): anything but control characters, tab aside.
fn is_field_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// `a < b` for API versions (`1.41` < `1.43`), part by part as numbers.
fn version_less(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    parts(a) < parts(b)
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
    let (dialer, authority, base_path) = match host {
        #[cfg(unix)]
        Host::Unix(path) => (Dialer::Unix(path), SOCKET_HOST.to_owned(), String::new()),
        #[cfg(not(unix))]
        Host::Unix(_) => {
            return Err(Error::Config(format!(
                "{display}: unix sockets are not supported on this platform"
            )))
        }
        #[cfg(windows)]
        Host::NamedPipe(pipe) => (
            Dialer::NamedPipe(pipe),
            SOCKET_HOST.to_owned(),
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
            // `[::1]` in the address and the Host header; `::1` to connect and to verify.
            let bare = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let tls = match tls {
                None => None,
                Some(tls) => {
                    let server_name = rustls_pki_types::ServerName::try_from(bare.clone())
                        .map_err(|e| {
                            Error::Config(format!("{display}: not a TLS server name ({e})"))
                        })?;
                    Some(Tls {
                        connector: tokio_rustls::TlsConnector::from(Arc::new(tls.client_config()?)),
                        server_name,
                    })
                }
            };
            (
                Dialer::Tcp {
                    host: bare,
                    port,
                    tls,
                },
                format!("{host}:{port}"),
                path,
            )
        }
    };
    if !authority.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Config(format!("{display}: not a usable address")));
    }
    let host: Arc<str> = display.into();
    let version = pinned.clone().unwrap_or_else(|| API_VERSION.to_owned());
    Ok(Docker {
        prefix: format!("{base_path}/v{version}").into(),
        shared: Arc::new(Shared {
            transport: Arc::new(Transport::new(
                dialer,
                host.clone(),
                authority,
                connect_timeout,
            )),
            base_path: base_path.into(),
            host,
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

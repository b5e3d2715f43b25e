use std::fmt;
use std::time::Duration;

use bytes::Bytes;

/// An error of the client. Every failure is one of these; none panics. A `host` is the engine
/// address the client tried.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The engine answered with an error status.
    Api {
        /// The HTTP status code.
        status: u16,
        /// The engine's `message`, or the body's text when it sent no JSON message.
        message: String,
    },
    /// A response did not decode into the type the API declares.
    Decode {
        /// The HTTP status code of the response.
        status: u16,
        /// What did not match, with the JSON path where it happened.
        message: String,
        /// The raw body, for a bug report or a spec correction.
        body: Bytes,
    },
    /// An error message inside a stream of JSON messages (pull, build, push, load), with its
    /// `errorDetail` when it has one.
    Stream {
        /// What went wrong, in words.
        message: String,
        /// The message's `errorDetail`, as the engine sent it.
        detail: Option<serde_json::Value>,
    },
    /// The request could not be sent or the response could not be read.
    Transport {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A container's multiplexed output stream is malformed, or the engine reported an error in it.
    Frame(FrameError),
    /// A connection could not be upgraded for attach or exec (the engine answered without
    /// switching protocols, or the upgrade failed).
    Upgrade {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// What went wrong, in words.
        message: String,
    },
    /// Reading or writing an attached (upgraded) connection failed.
    Io {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: std::io::Error,
    },
    /// An argument cannot be sent (a value that does not encode, or an empty path parameter).
    InvalidArgument(String),
    /// The client's configuration is invalid (an unusable `DOCKER_HOST`, for example).
    Config(String),
    /// The blocking client was called from inside an async runtime, where waiting for an
    /// answer would block the runtime's thread: nothing was sent.
    Blocking(&'static str),
    /// The request uses an operation, parameter or body field that the engine's API version
    /// does not have (see [`crate::compat`]); it was not sent.
    RequiresApiVersion {
        /// What the request uses.
        item: crate::version::ApiItem,
        /// The first API version that has it.
        required: crate::ApiVersion,
        /// The engine's (negotiated) API version.
        engine: crate::ApiVersion,
    },
    /// Nothing listens at the engine's address: the connection was refused.
    ConnectionRefused {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The engine's unix socket (or named pipe) does not exist.
    SocketNotFound {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The operating system denied access to the engine's socket.
    PermissionDenied {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// TLS with the engine failed: a certificate that is not trusted or not valid for the host,
    /// a client certificate the engine requires or rejects, an engine that does not speak TLS.
    Tls {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// What went wrong, in words.
        message: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An answer read whole (a JSON document, an error) is larger than the client's limit
    /// ([`DockerBuilder::max_body_size`](crate::DockerBuilder::max_body_size)).
    BodyTooLarge {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The engine did not accept the connection, send a response's headers, send more of a
    /// body or take more of an upload, in time.
    Timeout {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// Which wait ran out, after its configured limit.
        kind: TimeoutKind,
        /// How long the client waited.
        after: Duration,
    },
    /// The `ssh` program of an `ssh://` engine did not reach the engine: it is not installed,
    /// the host key is unknown or changed, the login was refused, the host is unreachable, or
    /// `docker` failed (or is missing) on the remote host.
    Ssh {
        /// The engine's address, as configured (`ssh://user@host`).
        host: String,
        /// What went wrong, as far as ssh's exit and its messages tell.
        kind: SshErrorKind,
        /// What ssh said on its standard error (its last 4 KiB), with its exit status; or why it
        /// could not be started.
        message: String,
    },
    /// A file or directory on this machine could not be read or written: a source or
    /// destination of a copy, or a build context.
    LocalIo {
        /// The path on this machine.
        path: std::path::PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// Which of the client's timeouts ran out (see [`DockerBuilder`](crate::DockerBuilder) for
/// what each covers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Connecting (including the TLS handshake).
    Connect,
    /// Waiting for the response's status line and headers.
    ResponseHeaders,
    /// Waiting for more of a response body.
    Body,
    /// Waiting for the engine to take more of a request body (an upload).
    Upload,
}

/// Why the `ssh` program of an `ssh://` engine failed ([`Error::Ssh`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SshErrorKind {
    /// The `ssh` program could not be started (not installed, or not on `PATH`).
    NotInstalled,
    /// ssh refused the host: its key is not in the known hosts (with strict checking, or no
    /// terminal to ask on), or it changed.
    HostKey,
    /// The host refused every key (or other method) ssh offered.
    Authentication,
    /// ssh could not reach the host: a name that does not resolve, a connection refused or
    /// timed out.
    Unreachable,
    /// `docker` is not installed (or not on `PATH`) on the remote host.
    DockerMissing,
    /// ssh or the remote `docker system dial-stdio` ended without an answer for another reason
    /// (the remote engine's socket missing, for example): the message says which.
    Other,
}

impl fmt::Display for SshErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SshErrorKind::NotInstalled => "the ssh program could not be started",
            SshErrorKind::HostKey => "the host key is not known or has changed",
            SshErrorKind::Authentication => "the host refused the login",
            SshErrorKind::Unreachable => "the host cannot be reached",
            SshErrorKind::DockerMissing => "docker is not installed on the remote host",
            SshErrorKind::Other => "no answer through ssh",
        })
    }
}

/// A malformed multiplexed stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// A frame header names a stream other than stdin (0), stdout (1), stderr (2) or the
    /// systemerr stream (3) the engine uses for its own errors.
    BadStreamType(u8),
    /// The stream ended inside a frame.
    Truncated,
    /// The engine reported an error on its systemerr stream (3).
    Engine(String),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::BadStreamType(t) => {
                write!(f, "bad stream type {t} in a multiplexed frame header")
            }
            FrameError::Truncated => f.write_str("the stream ended inside a multiplexed frame"),
            FrameError::Engine(message) => write!(f, "engine error in the stream: {message}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl Error {
    /// The HTTP status of an error answered by the engine.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The engine's error message, when it sent one.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } | Error::Stream { message, .. } => Some(message),
            _ => None,
        }
    }

    /// `404 Not Found`: no such container, image, network, ...
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// `409 Conflict`: a name in use, a container that is running, ...
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// `400 Bad Request`: a parameter the engine rejects.
    pub fn is_bad_request(&self) -> bool {
        self.status() == Some(400)
    }

    /// `401 Unauthorized` or `403 Forbidden`.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// `503 Service Unavailable`: for example a swarm operation on a node that is not in a swarm.
    pub fn is_unavailable(&self) -> bool {
        self.status() == Some(503)
    }

    /// The engine is older than the API version the client asked for
    /// ("client version 1.43 is too new. Maximum supported API version is 1.41").
    pub fn is_version_too_new(&self) -> bool {
        match self {
            Error::Api {
                status: 400,
                message,
            } => message.contains("is too new"),
            _ => false,
        }
    }

    /// Nothing listened at the engine's address.
    pub fn is_connection_refused(&self) -> bool {
        matches!(self, Error::ConnectionRefused { .. })
    }

    /// The engine's socket does not exist.
    pub fn is_socket_not_found(&self) -> bool {
        matches!(self, Error::SocketNotFound { .. })
    }

    /// Access to the engine's socket was denied.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Error::PermissionDenied { .. })
    }

    /// TLS with the engine failed.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Tls { .. })
    }

    /// One of the client's timeouts ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Why the `ssh` program of an `ssh://` engine failed, when it did.
    pub fn ssh_kind(&self) -> Option<SshErrorKind> {
        match self {
            Error::Ssh { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    pub(crate) fn local(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::LocalIo {
            path: path.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, message } => write!(f, "engine answered {status}: {message}"),
            Error::Decode {
                status,
                message,
                body,
            } => {
                const SHOWN: usize = 512;
                let text = String::from_utf8_lossy(&body[..body.len().min(SHOWN)]);
                let more = if body.len() > SHOWN { "..." } else { "" };
                write!(
                    f,
                    "cannot decode the engine's {status} response: {message}; body: {text}{more}"
                )
            }
            Error::Stream { message, .. } => {
                write!(f, "engine reported an error in the stream: {message}")
            }
            Error::Transport { host, source } => {
                write!(f, "cannot talk to the engine at {host}: {source}")?;
                let mut cause = source.source();
                while let Some(inner) = cause {
                    write!(f, ": {inner}")?;
                    cause = inner.source();
                }
                Ok(())
            }
            Error::Frame(e) => write!(f, "cannot read the container's output: {e}"),
            Error::Upgrade { host, message } => {
                write!(f, "cannot attach to the engine at {host}: {message}")
            }
            Error::Io { host, source } => {
                write!(f, "attached connection to {host} failed: {source}")
            }
            Error::InvalidArgument(message) => write!(f, "invalid argument: {message}"),
            Error::Config(message) => write!(f, "invalid configuration: {message}"),
            Error::Blocking(message) => f.write_str(message),
            Error::RequiresApiVersion {
                item,
                required,
                engine,
            } => write!(
                f,
                "{item} requires API version {required}, but the engine's API version is \
                 {engine}; the request was not sent"
            ),
            Error::ConnectionRefused { host, .. } => write!(
                f,
                "cannot connect to the engine at {host}: connection refused \
                 (is the engine running and listening there?)"
            ),
            Error::SocketNotFound { host, .. } => write!(
                f,
                "cannot connect to the engine at {host}: the socket does not exist \
                 (is the engine running? is DOCKER_HOST right?)"
            ),
            Error::PermissionDenied { host, .. } => write!(
                f,
                "cannot connect to the engine at {host}: permission denied \
                 (this user may not open the socket; on Linux, membership of its group, \
                 usually `docker`, gives access)"
            ),
            Error::Tls { host, message, .. } => {
                write!(f, "TLS with the engine at {host} failed: {message}")
            }
            Error::BodyTooLarge { host, limit } => write!(
                f,
                "the answer of the engine at {host} is larger than the client's limit of \
                 {limit} bytes (DockerBuilder::max_body_size)"
            ),
            Error::Timeout { host, kind, after } => {
                let what = match kind {
                    TimeoutKind::Connect => "accept the connection",
                    TimeoutKind::ResponseHeaders => "send the response headers",
                    TimeoutKind::Body => "send more of the response body",
                    TimeoutKind::Upload => "take more of the request body",
                };
                write!(f, "the engine at {host} did not {what} within {after:?}")
            }
            Error::Ssh {
                host,
                kind,
                message,
            } => write!(
                f,
                "cannot reach the engine at {host} over ssh: {kind}: {message}"
            ),
            Error::LocalIo { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. }
            | Error::ConnectionRefused { source, .. }
            | Error::SocketNotFound { source, .. }
            | Error::PermissionDenied { source, .. }
            | Error::Tls { source, .. } => Some(source.as_ref()),
            Error::Frame(e) => Some(e),
            Error::Io { source, .. } | Error::LocalIo { source, .. } => Some(source),
            _ => None,
        }
    }
}

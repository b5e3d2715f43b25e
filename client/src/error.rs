use std::fmt;
use std::time::Duration;

use bytes::Bytes;

/// An error of the client. Every failure is one of these; none panics. A `host` is the engine
/// address the client tried.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine answered with an error status.
    #[error("engine answered {status}: {message}")]
    Api {
        /// The HTTP status code.
        status: u16,
        /// The engine's `message`, or the body's text when it sent no JSON message.
        message: String,
    },
    /// A response did not decode into the type the API declares.
    #[error(
        "cannot decode the engine's {status} response: {message}; body: {}",
        shown(body)
    )]
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
    #[error("engine reported an error in the stream: {message}")]
    Stream {
        /// What went wrong, in words.
        message: String,
        /// The message's `errorDetail`, as the engine sent it.
        detail: Option<serde_json::Value>,
    },
    /// The request could not be sent or the response could not be read.
    #[error("cannot talk to the engine at {host}: {}", chain(&**source))]
    Transport {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A container's multiplexed output stream is malformed, or the engine reported an error in it.
    #[error("cannot read the container's output: {0}")]
    Frame(#[source] FrameError),
    /// A connection could not be upgraded for attach or exec (the engine answered without
    /// switching protocols, or the upgrade failed).
    #[error("cannot attach to the engine at {host}: {message}")]
    Upgrade {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// What went wrong, in words.
        message: String,
    },
    /// Reading or writing an attached (upgraded) connection failed.
    #[error("attached connection to {host} failed: {source}")]
    Io {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: std::io::Error,
    },
    /// An argument cannot be sent (a value that does not encode, or an empty path parameter).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The client's configuration is invalid (an unusable `DOCKER_HOST`, for example).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The blocking client was called from inside an async runtime, where waiting for an
    /// answer would block the runtime's thread: nothing was sent.
    #[error("{0}")]
    Blocking(&'static str),
    /// The request uses an operation, parameter or body field that the engine's API version
    /// does not have (see [`crate::compat`]); it was not sent.
    #[error(
        "{item} requires API version {required}, but the engine's API version is {engine}; \
         the request was not sent"
    )]
    RequiresApiVersion {
        /// What the request uses.
        item: crate::version::ApiItem,
        /// The first API version that has it.
        required: crate::ApiVersion,
        /// The engine's (negotiated) API version.
        engine: crate::ApiVersion,
    },
    /// Nothing listens at the engine's address: the connection was refused.
    #[error(
        "cannot connect to the engine at {host}: connection refused \
         (is the engine running and listening there?)"
    )]
    ConnectionRefused {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The engine's unix socket (or named pipe) does not exist.
    #[error(
        "cannot connect to the engine at {host}: the socket does not exist \
         (is the engine running? is DOCKER_HOST right?)"
    )]
    SocketNotFound {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The operating system denied access to the engine's socket.
    #[error(
        "cannot connect to the engine at {host}: permission denied \
         (this user may not open the socket; on Linux, membership of its group, \
         usually `docker`, gives access)"
    )]
    PermissionDenied {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The error underneath.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// TLS with the engine failed: a certificate that is not trusted or not valid for the host,
    /// a client certificate the engine requires or rejects, an engine that does not speak TLS.
    #[error("TLS with the engine at {host} failed: {message}")]
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
    #[error(
        "the answer of the engine at {host} is larger than the client's limit of {limit} bytes \
         (DockerBuilder::max_body_size)"
    )]
    BodyTooLarge {
        /// The engine's address, as configured (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        host: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The engine did not accept the connection, send a response's headers, send more of a
    /// body or take more of an upload, in time.
    #[error("the engine at {host} did not {} within {after:?}", kind.waited_for())]
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
    #[error("cannot reach the engine at {host} over ssh: {kind}: {message}")]
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
    #[error("{}: {source}", path.display())]
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

impl TimeoutKind {
    /// What the engine did not do in time, for [`Error::Timeout`]'s message.
    fn waited_for(self) -> &'static str {
        match self {
            TimeoutKind::Connect => "accept the connection",
            TimeoutKind::ResponseHeaders => "send the response headers",
            TimeoutKind::Body => "send more of the response body",
            TimeoutKind::Upload => "take more of the request body",
        }
    }
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A frame header names a stream other than stdin (0), stdout (1), stderr (2) or the
    /// systemerr stream (3) the engine uses for its own errors.
    #[error("bad stream type {0} in a multiplexed frame header")]
    BadStreamType(u8),
    /// The stream ended inside a frame.
    #[error("the stream ended inside a multiplexed frame")]
    Truncated,
    /// The engine reported an error on its systemerr stream (3).
    #[error("engine error in the stream: {0}")]
    Engine(String),
}

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

/// The start of a body that did not decode, as text: at most 512 bytes, `...` after a longer one.
fn shown(body: &[u8]) -> String {
    const SHOWN: usize = 512;
    let more = if body.len() > SHOWN { "..." } else { "" };
    format!(
        "{}{more}",
        String::from_utf8_lossy(&body[..body.len().min(SHOWN)])
    )
}

/// An error and its causes, each after a `: `.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let causes = std::iter::successors(Some(error), |cause| cause.source());
    causes
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

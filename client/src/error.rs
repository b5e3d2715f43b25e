use std::fmt;

use bytes::Bytes;

/// An error of the client. Every failure is one of these; none panics.
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
        status: u16,
        /// What did not match, with the JSON path where it happened.
        message: String,
        /// The raw body, for a bug report or a spec correction.
        body: Bytes,
    },
    /// An error message inside a stream of JSON messages (pull, build, push, load).
    Stream {
        message: String,
        /// The message's `errorDetail`, when it has one.
        detail: Option<serde_json::Value>,
    },
    /// The request could not be sent or the response could not be read.
    Transport {
        /// The engine address the client tried.
        host: String,
        source: reqwest::Error,
    },
    /// A container's multiplexed output stream is malformed, or the engine reported an error in it.
    Frame(crate::output::FrameError),
    /// A connection could not be upgraded for attach or exec (the engine answered without
    /// switching protocols, or the upgrade failed).
    Upgrade { host: String, message: String },
    /// Reading or writing an attached (upgraded) connection failed.
    Io {
        host: String,
        source: std::io::Error,
    },
    /// An argument cannot be sent (a value that does not encode, or an empty path parameter).
    InvalidArgument(String),
    /// The client's configuration is invalid (an unusable `DOCKER_HOST`, for example).
    Config(String),
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

    pub(crate) fn transport(host: &str, source: reqwest::Error) -> Self {
        Error::Transport {
            host: host.to_owned(),
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
                let mut cause = std::error::Error::source(source);
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
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            Error::Frame(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

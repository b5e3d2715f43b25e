#![doc = include_str!("../README.md")]

mod attach;
mod auth;
mod body;
mod client;
pub mod compat;
mod config;
mod error;
#[rustfmt::skip]
mod generated;
pub mod output;
pub mod runtime;
mod stream;
mod tls;
mod transport;
mod version;
pub mod workflows;

pub use attach::{AttachInput, Attached};
pub use auth::{
    image_registry, registry_key, CredentialSource, CredentialStore, RegistryAuth, DOCKER_HUB,
};
pub use body::Body;
pub use client::{Docker, DEFAULT_SOCKET, USER_AGENT};
pub use config::{DockerBuilder, Host, DEFAULT_CONNECT_TIMEOUT, DEFAULT_HOST};
pub use error::{Error, TimeoutKind};
pub use generated::{models, options, API_VERSION, OPERATIONS};
pub use output::{LogOutput, OutputStream};
pub use stream::{ByteStream, JsonStream};
pub use tls::TlsConfig;
pub use version::{ApiVersion, ParseApiVersionError};

/// The repository's README, whose examples are compiled as doc tests (the crate's own README
/// is its front page above).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct RepositoryReadme;

/// The outcome of an operation that documents `304 Not Modified` as a success: starting a
/// container that runs already, or stopping one that is stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// The operation did what was asked.
    Done(T),
    /// The object was already in the requested state.
    NotModified,
}

/// An operation of the API, as listed in [`OPERATIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The spec's operation id, e.g. `ContainerList`.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template below the version prefix, e.g. `/containers/{id}/json`.
    pub path: &'static str,
}

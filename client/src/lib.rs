#![doc = include_str!("../README.md")]
#![doc = include_str!("generated/operations.md")]
#![warn(missing_docs)]

mod api_history;
mod attach;
mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
mod body;
mod builder;
mod cli_config;
mod client;
pub mod compat;
mod error;
#[rustfmt::skip]
mod generated;
mod host;
pub mod output;
mod request;
mod runtime;
mod ssh;
pub mod stream;
mod tls;
mod transport;
mod version;
pub mod workflows;

/// The HTTP library of the client, for [`DockerBuilder::reqwest`].
pub use reqwest;

pub use attach::{AttachInput, Attached, Upgraded};
pub use auth::{
    image_registry, registry_key, CredentialSource, CredentialStore, RegistryAuth, DOCKER_HUB,
};
pub use body::Body;
pub use builder::{DockerBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE};
pub use client::Docker;
pub use error::{Error, SshErrorKind, TimeoutKind};
pub use generated::history::API_VERSION;
pub use generated::{models, options, requests, OPERATIONS};
pub use host::{Host, DEFAULT_HOST, DEFAULT_SOCKET};
pub use output::{LogOutput, OutputStream};
pub use stream::{ByteStream, JsonStream};
pub use tls::TlsConfig;
pub use transport::USER_AGENT;
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

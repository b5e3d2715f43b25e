//! A client for the Docker Engine API.
//!
//! Every operation of the API is a method of [`Docker`], named after its operation id
//! (`ContainerList` is [`Docker::container_list`]). Optional parameters are in an options
//! struct per operation ([`options`]), the API's types in [`models`].
//!
//! ```no_run
//! # async fn example() -> Result<(), docker_client::Error> {
//! use docker_client::{options::ContainerListOptions, Docker};
//!
//! let docker = Docker::from_env()?;
//! let options = ContainerListOptions { all: Some(true), ..Default::default() };
//! for container in docker.container_list(&options).await? {
//!     println!("{:?} {:?}", container.id, container.names);
//! }
//! # Ok(())
//! # }
//! ```

mod attach;
mod auth;
mod body;
mod builder;
mod cli_config;
mod client;
mod error;
#[rustfmt::skip]
mod generated;
mod host;
pub mod output;
mod runtime;
pub mod stream;
mod tls;
mod transport;
mod version;

/// The HTTP library of the client, for [`DockerBuilder::reqwest`].
pub use reqwest;

pub use attach::{AttachInput, Attached, Upgraded};
pub use auth::{
    image_registry, registry_key, CredentialSource, CredentialStore, RegistryAuth, DOCKER_HUB,
};
pub use body::Body;
pub use builder::{DockerBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE};
pub use client::Docker;
pub use error::{Error, TimeoutKind};
pub use generated::{models, options, API_VERSION, OPERATIONS};
pub use host::{Host, DEFAULT_HOST, DEFAULT_SOCKET};
pub use output::{LogOutput, OutputStream};
pub use stream::{ByteStream, JsonStream};
pub use tls::TlsConfig;
pub use transport::USER_AGENT;
pub use version::{ApiVersion, ParseApiVersionError};

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

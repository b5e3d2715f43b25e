//! A build without the `tls` feature: the transport talks plain HTTP only, and a client that
//! needs TLS is not built.

use super::TlsConfig;
use crate::error::Error;

/// What the transport is handed for TLS: nothing.
#[derive(Debug)]
pub(crate) struct ClientConfig;

/// The error that says TLS cannot be had.
pub(super) fn client_config(_: &TlsConfig) -> Result<ClientConfig, Error> {
    Err(Error::Config(
        "TLS is asked for, but this docker-client is built without its `tls` feature".to_owned(),
    ))
}

/// Nothing: no HTTPS proxy can be reached either.
pub(crate) fn plain_client_config(_platform_roots: bool) -> Result<ClientConfig, Error> {
    Ok(ClientConfig)
}

/// reqwest as it is (with no TLS of its own, unless another crate of the program turns on one
/// of its TLS features).
pub(crate) fn install(builder: reqwest::ClientBuilder, _: ClientConfig) -> reqwest::ClientBuilder {
    builder
}

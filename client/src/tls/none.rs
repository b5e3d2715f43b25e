//! A build without the `tls` feature: the transport talks plain HTTP only, and a client that
//! needs TLS is not built.

use super::TlsConfig;
use crate::error::Error;

/// reqwest as it is (with no TLS of its own, unless another crate of the program turns on one
/// of its TLS features); with TLS settings, the error that says TLS cannot be had.
pub(crate) fn install(
    builder: reqwest::ClientBuilder,
    tls: Option<&TlsConfig>,
    _tcp: bool,
) -> Result<reqwest::ClientBuilder, Error> {
    match tls {
        Some(_) => Err(Error::Config(
            "TLS is asked for, but this docker-client is built without its `tls` feature \
             (turn it on: `docker-client = { version = \"0.1\", features = [\"tls\"] }`)"
                .to_owned(),
        )),
        None => Ok(builder),
    }
}

//! TLS to an engine on `tcp://` or `https://`: the settings ([`TlsConfig`]), and the backend
//! that turns them into the transport's configuration: rustls on the ring provider with the
//! `tls` feature; without it, an error that says TLS cannot be had (the settings still parse,
//! from the environment, a context or the builder).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Error;

#[cfg_attr(feature = "tls", path = "tls/rustls.rs")]
#[cfg_attr(not(feature = "tls"), path = "tls/none.rs")]
mod backend;

#[cfg(feature = "tls")]
pub(crate) use backend::describe;
pub(crate) use backend::install;

/// How the client talks TLS to the engine: which certificate authorities it trusts, and which
/// client certificate it shows. The engine's certificate is verified unless
/// [`TlsConfig::danger_accept_invalid_certs`] says otherwise.
///
/// ```no_run
/// # fn example() -> Result<(), docker_client::Error> {
/// use docker_client::{Docker, TlsConfig};
///
/// // The files the docker CLI reads from DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem.
/// let tls = TlsConfig::from_cert_dir("/home/me/.docker/machine")?;
/// let docker = Docker::builder().host("tcp://10.0.0.5:2376").tls(tls).build()?;
/// # Ok(()) }
/// ```
///
/// `Debug` shows where the material came from, never the private key.
///
/// Connecting with TLS needs the crate's `tls` feature (off by default): without it,
/// [`DockerBuilder::build`](crate::DockerBuilder::build) fails with [`Error::Config`].
#[derive(Clone, Debug, Default)]
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub struct TlsConfig {
    /// PEM certificates of the trusted authorities; the platform's roots when `None`.
    ca: Option<Pem>,
    /// PEM client certificate chain and private key.
    identity: Option<(Pem, Pem)>,
    /// Skip verifying the engine's certificate (`--tls` without `--tlsverify`).
    insecure: bool,
}

/// PEM text and where it came from, for error messages; `Debug` shows only where.
#[derive(Clone)]
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
struct Pem {
    bytes: Arc<[u8]>,
    origin: String,
}

impl fmt::Debug for Pem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.origin, f)
    }
}

impl Pem {
    fn from_file(path: &Path) -> Result<Pem, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        Ok(Pem::from_bytes(bytes, &path.display().to_string()))
    }

    fn from_bytes(bytes: impl Into<Vec<u8>>, origin: &str) -> Pem {
        Pem {
            bytes: bytes.into().into(),
            origin: origin.to_owned(),
        }
    }
}

impl TlsConfig {
    /// TLS that trusts the platform's certificate authorities and shows no client certificate.
    pub fn new() -> Self {
        TlsConfig::default()
    }

    /// The files the docker CLI reads from `DOCKER_CERT_PATH` when TLS is on: `ca.pem`, the
    /// authority that signed the engine's certificate, which must exist (as for the CLI, whose
    /// error this is: "open .../ca.pem: no such file or directory"); `cert.pem` and `key.pem`,
    /// the client certificate, each left out when it does not exist. A certificate without its
    /// key, or a key without its certificate, is an error. Only `ca.pem`'s authorities are
    /// trusted, not the platform's.
    pub fn from_cert_dir(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        TlsConfig::new()
            .ca_file(dir.join("ca.pem"))?
            .client_cert_in(dir)
    }

    /// The TLS files of a context (`contexts/tls/<id>/docker/`): each one when it exists.
    pub(crate) fn from_context_dir(dir: &Path) -> Result<Self, Error> {
        let ca = dir.join("ca.pem");
        let tls = if ca.is_file() {
            TlsConfig::new().ca_file(ca)?
        } else {
            TlsConfig::new()
        };
        tls.client_cert_in(dir)
    }

    /// `cert.pem` and `key.pem` in `dir`, when they exist.
    fn client_cert_in(self, dir: &Path) -> Result<Self, Error> {
        let existing = |name: &str| -> Option<PathBuf> {
            let path = dir.join(name);
            path.is_file().then_some(path)
        };
        let (has, lacks) = match (existing("cert.pem"), existing("key.pem")) {
            (Some(cert), Some(key)) => return self.client_cert_files(cert, key),
            (None, None) => return Ok(self),
            (Some(_), None) => ("cert.pem", "key.pem"),
            (None, Some(_)) => ("key.pem", "cert.pem"),
        };
        let message = format!("{} holds {has} but no {lacks}", dir.display());
        Err(Error::Config(message))
    }

    /// Trusts only the certificate authorities in this PEM text (`ca.pem`), not the platform's.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca = Some(Pem::from_bytes(pem, "CA certificate"));
        self
    }

    /// Trusts only the certificate authorities in this PEM file, not the platform's.
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Result<Self, Error> {
        self.ca = Some(Pem::from_file(path.as_ref())?);
        Ok(self)
    }

    /// Shows this client certificate (PEM chain) with its PEM private key.
    pub fn client_cert_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        self.identity = Some((
            Pem::from_bytes(cert, "client certificate"),
            Pem::from_bytes(key, "client key"),
        ));
        self
    }

    /// Shows the client certificate in `cert` with the private key in `key` (PEM files).
    pub fn client_cert_files(
        mut self,
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, Error> {
        self.identity = Some((
            Pem::from_file(cert.as_ref())?,
            Pem::from_file(key.as_ref())?,
        ));
        Ok(self)
    }

    /// Accepts any certificate from the engine: the connection is encrypted but anyone in
    /// between can read it. The docker CLI's `--tls` without `--tlsverify` (`DOCKER_TLS`) or a
    /// context's `SkipTLSVerify`.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.insecure = accept;
        self
    }

    /// Whether the engine's certificate is verified.
    pub fn verifies_server(&self) -> bool {
        !self.insecure
    }

    /// Whether a client certificate is shown.
    pub fn has_client_cert(&self) -> bool {
        self.identity.is_some()
    }
}

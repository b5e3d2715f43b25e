//! TLS to an engine on `tcp://` or `https://`: rustls with the ring provider, no OpenSSL.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::error::Error;

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
#[derive(Clone, Debug, Default)]
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

    fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, Error> {
        let origin = &self.origin;
        let certs = CertificateDer::pem_slice_iter(&self.bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("{origin}: not a PEM certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::Config(format!("{origin}: holds no PEM certificate")));
        }
        Ok(certs)
    }

    fn private_key(&self) -> Result<PrivateKeyDer<'static>, Error> {
        // The error names the file only: the parser's message could quote key material.
        PrivateKeyDer::from_pem_slice(&self.bytes).map_err(|_| {
            Error::Config(format!(
                "{}: holds no PEM private key (PKCS#8, PKCS#1 or SEC1)",
                self.origin
            ))
        })
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

    /// The rustls configuration. Every PEM problem is reported here, naming the file.
    pub(crate) fn client_config(&self) -> Result<ClientConfig, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = config_builder(provider.clone())?;
        let builder = if self.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        } else if let Some(ca) = &self.ca {
            let mut roots = RootCertStore::empty();
            for cert in ca.certificates()? {
                roots.add(cert).map_err(|e| {
                    Error::Config(format!("{}: unusable CA certificate: {e}", ca.origin))
                })?;
            }
            builder.with_root_certificates(roots)
        } else {
            let verifier = rustls_platform_verifier::Verifier::new(provider).map_err(|e| {
                Error::Config(format!(
                    "TLS: cannot load the platform's certificate authorities: {e}"
                ))
            })?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
        };
        match &self.identity {
            None => Ok(builder.with_no_client_auth()),
            Some((cert, key)) => builder
                .with_client_auth_cert(cert.certificates()?, key.private_key()?)
                .map_err(|e| {
                    Error::Config(format!(
                        "client certificate {} with key {}: {e}",
                        cert.origin, key.origin
                    ))
                }),
        }
    }
}

/// The rustls configuration of an engine reached without TLS: used only if an HTTPS proxy
/// stands between (TCP engines), against the platform's authorities when they can be loaded;
/// sockets and pipes never use it.
pub(crate) fn plain_client_config(platform_roots: bool) -> Result<ClientConfig, Error> {
    if platform_roots {
        if let Ok(config) = TlsConfig::new().client_config() {
            return Ok(config);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = config_builder(provider)?.with_root_certificates(RootCertStore::empty());
    Ok(builder.with_no_client_auth())
}

/// A rustls configuration on `provider`, with its safe protocol versions.
fn config_builder(
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ConfigBuilder<ClientConfig, rustls::WantsVerifier>, Error> {
    let builder = ClientConfig::builder_with_provider(provider);
    let builder = builder.with_safe_default_protocol_versions();
    builder.map_err(|e| Error::Config(format!("TLS: {e}")))
}

/// Accepts any server certificate, but still checks the handshake's signatures.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A readable account of a TLS failure.
pub(crate) fn describe(error: &rustls::Error) -> String {
    use rustls::{AlertDescription as Alert, CertificateError as Cert, Error as E};
    let text = match error {
        E::InvalidCertificate(Cert::UnknownIssuer) => {
            "the engine's certificate is not signed by a trusted certificate authority (check ca.pem)"
        }
        E::InvalidCertificate(Cert::NotValidForName)
        | E::InvalidCertificate(Cert::NotValidForNameContext { .. }) => {
            "the engine's certificate is not valid for this host name"
        }
        E::InvalidCertificate(Cert::Expired)
        | E::InvalidCertificate(Cert::ExpiredContext { .. }) => "the engine's certificate has expired",
        E::InvalidCertificate(other) => {
            return format!("the engine's certificate is invalid: {other:?}")
        }
        E::AlertReceived(Alert::CertificateRequired) => {
            "the engine requires a client certificate and none was sent (cert.pem, key.pem)"
        }
        E::AlertReceived(
            alert @ (Alert::BadCertificate
            | Alert::UnknownCA
            | Alert::UnsupportedCertificate
            | Alert::CertificateUnknown
            | Alert::CertificateRevoked
            | Alert::CertificateExpired
            | Alert::AccessDenied),
        ) => return format!("the engine rejected the client certificate (TLS alert: {alert:?})"),
        E::InvalidMessage(_) => "the engine did not answer with TLS (is it listening without --tls?)",
        other => return other.to_string(),
    };
    text.to_owned()
}

//! TLS with rustls on the ring provider: the client's own configuration, handed to reqwest
//! ready-made.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::ClientConfig;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use super::{Pem, TlsConfig};
use crate::error::Error;

impl Pem {
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

/// The rustls configuration of `tls`. Every PEM problem is reported here, naming the file.
fn client_config(tls: &TlsConfig) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = config_builder(provider.clone())?;
    let builder = if tls.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
    } else if let Some(ca) = &tls.ca {
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
    match &tls.identity {
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

/// The rustls configuration of an engine reached without TLS: used only if an HTTPS proxy
/// stands between (TCP engines), against the platform's authorities when they can be loaded;
/// sockets and pipes never use it.
fn plain_client_config(platform_roots: bool) -> Result<ClientConfig, Error> {
    if platform_roots {
        if let Ok(config) = client_config(&TlsConfig::new()) {
            return Ok(config);
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = config_builder(provider)?.with_root_certificates(RootCertStore::empty());
    Ok(builder.with_no_client_auth())
}

/// Hands reqwest, ready-made, the rustls configuration of `tls`; without TLS settings, the one
/// an HTTPS proxy would need (of a TCP engine, `tcp`).
pub(crate) fn install(
    builder: reqwest::ClientBuilder,
    tls: Option<&TlsConfig>,
    tcp: bool,
) -> Result<reqwest::ClientBuilder, Error> {
    let config = match tls {
        Some(tls) => client_config(tls)?,
        None => plain_client_config(tcp)?,
    };
    Ok(builder.tls_backend_preconfigured(config))
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

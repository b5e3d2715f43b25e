//! TLS and plain TCP against the real test engines: v26 listens on `DOCKER_TLS_HOST` with
//! `--tlsverify` (certificates in `DOCKER_TLS_CERTS`: ca.pem, cert.pem, key.pem, made by
//! `tests/engine/engine.sh`), v20 on a plain `DOCKER_TCP_HOST_V20`. The wrong certificates are
//! made here with rcgen.

mod connect_support;

use connect_support::{engine_var, Scratch};
use docker_client::{ApiVersion, Docker, DockerBuilder, Error, TlsConfig};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

fn tls_host() -> String {
    engine_var("DOCKER_TLS_HOST")
}

fn certs() -> std::path::PathBuf {
    engine_var("DOCKER_TLS_CERTS").into()
}

/// A certificate authority the engine has never seen, and a client certificate it signed.
struct ForeignPki {
    ca_pem: String,
    client_cert_pem: String,
    client_key_pem: String,
}

fn foreign_pki() -> ForeignPki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "not the engine's CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let client_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "intruder");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let client_cert = params.signed_by(&client_key, &issuer).unwrap();
    ForeignPki {
        ca_pem: ca_cert.pem(),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

fn tls_message(error: &Error) -> &str {
    match error {
        Error::Tls { message, .. } => message,
        other => panic!("expected Error::Tls, got {other:?} ({other})"),
    }
}

#[tokio::test]
async fn a_good_client_certificate_reaches_the_tls_engine() {
    let docker = Docker::builder()
        .host(tls_host())
        .tls(TlsConfig::from_cert_dir(certs()).unwrap())
        .build()
        .unwrap();
    assert_eq!(
        docker.system_ping().await.expect("ping over TLS").body,
        "OK"
    );
    let version = docker.system_version().await.expect("version over TLS");
    // The v26 engine, as its unix socket knows it.
    let v26 = Docker::connect(&engine_var("DOCKER_HOST"))
        .unwrap()
        .system_version()
        .await
        .expect("version over the unix socket");
    assert_eq!(version.version, v26.version);

    // The same from PEM bytes held in memory.
    let read = |name: &str| std::fs::read(certs().join(name)).unwrap();
    let docker = Docker::builder()
        .host(tls_host())
        .tls(
            TlsConfig::new()
                .ca_pem(read("ca.pem"))
                .client_cert_pem(read("cert.pem"), read("key.pem")),
        )
        .build()
        .unwrap();
    assert_eq!(
        docker.system_ping().await.expect("ping over TLS").body,
        "OK"
    );
}

#[tokio::test]
async fn docker_tls_verify_and_docker_cert_path_reach_the_tls_engine() {
    let docker = DockerBuilder::from_env_vars([
        ("DOCKER_HOST", tls_host()),
        ("DOCKER_TLS_VERIFY", "1".to_owned()),
        ("DOCKER_CERT_PATH", certs().display().to_string()),
    ])
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(docker.host(), tls_host());
    assert_eq!(
        docker.system_ping().await.expect("ping over TLS").body,
        "OK"
    );
}

#[tokio::test]
async fn a_context_with_tls_material_reaches_the_tls_engine() {
    let scratch = Scratch::new("tls-ctx");
    // sha256("secure-engine")
    let id = "090f560a24aec4e7afb7654ee2db7e34e1c6d3b51234f7030cef6b7344c395d9";
    scratch.write(
        &format!("contexts/meta/{id}/meta.json"),
        format!(
            r#"{{"Name":"secure-engine","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{}","SkipTLSVerify":false}}}}}}"#,
            tls_host()
        ),
    );
    for file in ["ca.pem", "cert.pem", "key.pem"] {
        scratch.write(
            &format!("contexts/tls/{id}/docker/{file}"),
            std::fs::read(certs().join(file)).unwrap(),
        );
    }
    scratch.write("config.json", r#"{"currentContext":"secure-engine"}"#);
    let docker =
        DockerBuilder::from_env_vars([("DOCKER_CONFIG", scratch.path().to_str().unwrap())])
            .unwrap()
            .build()
            .unwrap();
    assert_eq!(
        docker
            .system_ping()
            .await
            .expect("ping through the context")
            .body,
        "OK"
    );
}

#[tokio::test]
async fn no_client_certificate_fails_with_a_clear_tls_error() {
    let docker = Docker::builder()
        .host(tls_host())
        .tls(TlsConfig::new().ca_file(certs().join("ca.pem")).unwrap())
        .build()
        .unwrap();
    let error = docker.system_ping().await.unwrap_err();
    eprintln!("{error}");
    assert!(error.is_tls(), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&tls_host()), "{message}");
    assert!(
        tls_message(&error).contains("client certificate"),
        "{message}"
    );
}

#[tokio::test]
async fn a_client_certificate_of_another_ca_fails_with_a_clear_tls_error() {
    let foreign = foreign_pki();
    let docker = Docker::builder()
        .host(tls_host())
        .tls(
            TlsConfig::new()
                .ca_file(certs().join("ca.pem"))
                .unwrap()
                .client_cert_pem(foreign.client_cert_pem, foreign.client_key_pem),
        )
        .build()
        .unwrap();
    let error = docker.system_ping().await.unwrap_err();
    eprintln!("{error}");
    assert!(error.is_tls(), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&tls_host()), "{message}");
    assert!(
        tls_message(&error).contains("rejected the client certificate"),
        "{message}"
    );
}

#[tokio::test]
async fn the_engine_certificate_is_verified_by_default() {
    // Trusting another CA: the engine's certificate does not verify, whatever the client shows.
    let foreign = foreign_pki();
    let read = |name: &str| std::fs::read(certs().join(name)).unwrap();
    let docker = Docker::builder()
        .host(tls_host())
        .tls(
            TlsConfig::new()
                .ca_pem(foreign.ca_pem)
                .client_cert_pem(read("cert.pem"), read("key.pem")),
        )
        .build()
        .unwrap();
    let error = docker.system_ping().await.unwrap_err();
    eprintln!("{error}");
    assert!(error.is_tls(), "{error:?}");
    assert!(
        tls_message(&error).contains("not signed by a trusted certificate authority"),
        "{error}"
    );

    // The platform's roots do not know the test CA either.
    let docker = Docker::builder()
        .host(tls_host())
        .tls(TlsConfig::new().client_cert_pem(read("cert.pem"), read("key.pem")))
        .build()
        .unwrap();
    let error = docker.system_ping().await.unwrap_err();
    eprintln!("{error}");
    assert!(error.is_tls(), "{error:?}");

    // Only an explicit opt-out skips the check (the CLI's --tls without --tlsverify).
    let docker = Docker::builder()
        .host(tls_host())
        .tls(
            TlsConfig::new()
                .client_cert_pem(read("cert.pem"), read("key.pem"))
                .danger_accept_invalid_certs(true),
        )
        .build()
        .unwrap();
    assert_eq!(
        docker.system_ping().await.expect("unverified TLS").body,
        "OK"
    );
}

#[tokio::test]
async fn plain_tcp_reaches_the_engine_on_a_second_loopback_port() {
    let host = engine_var("DOCKER_TCP_HOST_V20");
    assert!(host.starts_with("tcp://127.0.0.1:"), "{host}");
    assert_ne!(host, tls_host());
    let docker = Docker::connect(&host)
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();
    assert_eq!(docker.api_version(), ApiVersion::new(1, 41));
    let version = docker
        .system_version()
        .await
        .expect("version over plain TCP");
    assert_eq!(version.api_version.as_deref(), Some("1.41"));

    // The same through DOCKER_HOST with http://.
    let http = host.replace("tcp://", "http://");
    let docker = DockerBuilder::from_env_vars([("DOCKER_HOST", http.as_str())])
        .unwrap()
        .build()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();
    assert_eq!(docker.host(), http);
    assert_eq!(docker.system_ping().await.unwrap().body, "OK");
}

#[tokio::test]
async fn tls_to_a_plain_port_is_a_tls_error() {
    let host = engine_var("DOCKER_TCP_HOST_V20");
    let docker = Docker::builder()
        .host(host.clone())
        .tls(TlsConfig::from_cert_dir(certs()).unwrap())
        .build()
        .unwrap();
    let error = docker.system_ping().await.unwrap_err();
    eprintln!("{error}");
    assert!(error.is_tls(), "{error:?}");
    assert!(error.to_string().contains(&host), "{error}");
}

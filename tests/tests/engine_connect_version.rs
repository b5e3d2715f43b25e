//! API version negotiation against the real test engines: Docker 20.10 (`DOCKER_HOST_V20`, API
//! 1.41) and the engine at `DOCKER_HOST` (Docker 26.1, API 1.45).

mod connect_support;

use connect_support::engine_var;
use docker_client::{ApiVersion, Docker};
use docker_client_tests::engine::no_unknown_enum;

#[tokio::test]
async fn against_the_20_10_engine_the_first_request_negotiates() {
    let docker = Docker::connect(&engine_var("DOCKER_HOST_V20")).unwrap();
    let info = docker
        .system_info()
        .await
        .expect("info, negotiated on first use");
    assert_eq!(docker.api_version(), ApiVersion::new(1, 41));
    let version = docker.system_version().await.expect("version");
    assert_eq!(info.server_version, version.version);
    assert_eq!(version.api_version.as_deref(), Some("1.41"));
    let negotiated = docker.negotiate_version().await.expect("already settled");
    assert_eq!(negotiated.api_version(), ApiVersion::new(1, 41));
}

#[tokio::test]
async fn against_a_newer_engine_negotiation_keeps_the_client_version() {
    let docker = Docker::connect(&engine_var("DOCKER_HOST")).unwrap();
    let negotiated = docker
        .negotiate_version()
        .await
        .expect("negotiate with the 26 engine");
    assert_eq!(
        negotiated.api_version().to_string(),
        docker_client::API_VERSION
    );
    negotiated.system_info().await.expect("info");
}

#[tokio::test(flavor = "multi_thread")]
async fn engine_20_10_rejects_api_1_43() {
    let docker = Docker::connect(&engine_var("DOCKER_HOST_V20"))
        .unwrap()
        .with_api_version(ApiVersion::new(1, 43));
    let err = docker
        .system_version()
        .await
        .expect_err("Docker 20.10 does not serve /v1.43");
    assert!(err.is_version_too_new(), "{err:?}");
    assert!(err.is_bad_request());
    // Ping is not versioned by the engine's middleware the same way: it answers either way.
    let err = docker.system_info().await.expect_err("/v1.43/info");
    assert!(err.is_version_too_new(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn engine_20_10_serves_api_1_41() {
    let docker = Docker::connect(&engine_var("DOCKER_HOST_V20"))
        .unwrap()
        .with_api_version(ApiVersion::new(1, 41));
    assert_eq!(docker.api_version(), ApiVersion::new(1, 41));
    let version = docker.system_version().await.expect("/v1.41/version");
    no_unknown_enum(&version);
    assert_eq!(version.api_version.as_deref(), Some("1.41"));
    let info = docker.system_info().await.expect("/v1.41/info");
    no_unknown_enum(&info);
    assert_eq!(info.server_version, version.version);
    let ping = docker.system_ping().await.expect("/v1.41/_ping");
    assert_eq!(ping.body, "OK");
    assert_eq!(ping.api_version.as_deref(), Some("1.41"));
    let images = docker.image_list().await.expect("/v1.41/images/json");
    for image in &images {
        no_unknown_enum(image);
    }
}

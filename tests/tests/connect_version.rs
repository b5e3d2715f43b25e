//! API versions: 1.43 by default, pinned on request, negotiated down to an older engine.

mod connect_support;

use connect_support::{Behavior, TcpMock};
use docker_client::{ApiVersion, Docker, DockerBuilder};
use docker_client_tests::mock::{MockEngine, MockResponse};

#[tokio::test]
async fn requests_carry_1_43_unless_pinned() {
    let engine = MockEngine::respond_with(MockResponse::json(200, &serde_json::json!({})));
    let docker = engine.docker();
    assert_eq!(docker.api_version(), ApiVersion::new(1, 43));
    docker.system_version().await.unwrap();
    docker
        .with_api_version(ApiVersion::new(1, 41))
        .system_version()
        .await
        .unwrap();
    let host = format!("unix://{}", engine.socket_path().display());
    let pinned = Docker::builder()
        .host(host.clone())
        .api_version(ApiVersion::new(1, 40))
        .build()
        .unwrap();
    assert_eq!(pinned.api_version(), ApiVersion::new(1, 40));
    pinned.system_version().await.unwrap();
    let from_env = DockerBuilder::from_env_vars([
        ("DOCKER_HOST", host.as_str()),
        ("DOCKER_API_VERSION", "1.39"),
    ])
    .unwrap()
    .build()
    .unwrap();
    from_env.system_version().await.unwrap();
    let paths: Vec<String> = engine.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/v1.43/version",
            "/v1.41/version",
            "/v1.40/version",
            "/v1.39/version"
        ]
    );
}

#[tokio::test]
async fn negotiation_takes_the_lower_version_from_an_unversioned_ping() {
    let older = TcpMock::start(Behavior::Ping("1.41")).await;
    let docker = Docker::connect(&older.address).unwrap();
    let clone = docker.clone();
    let negotiated = docker.negotiate_version().await.unwrap();
    assert_eq!(negotiated.api_version(), ApiVersion::new(1, 41));
    assert_eq!(
        (docker.api_version(), clone.api_version()),
        (ApiVersion::new(1, 41), ApiVersion::new(1, 41)),
        "settled for the client and its clones"
    );

    let newer = TcpMock::start(Behavior::Ping("1.47")).await;
    let docker = Docker::connect(&newer.address).unwrap();
    assert_eq!(
        docker.negotiate_version().await.unwrap().api_version(),
        ApiVersion::new(1, 43)
    );

    // A version the user pinned is kept, as the Go client does with DOCKER_API_VERSION.
    let pinned = Docker::connect(&older.address)
        .unwrap()
        .with_api_version(ApiVersion::new(1, 42));
    assert_eq!(
        pinned.negotiate_version().await.unwrap().api_version(),
        ApiVersion::new(1, 42)
    );

    // The ping carries no version prefix: an engine would refuse one newer than its own.
    let engine = MockEngine::respond_with(
        MockResponse::bytes(200, "text/plain", "OK").header("Api-Version", "1.41"),
    );
    let negotiated = engine
        .negotiating_docker()
        .negotiate_version()
        .await
        .unwrap();
    assert_eq!(negotiated.api_version(), ApiVersion::new(1, 41));
    negotiated.system_version().await.ok();
    let paths: Vec<String> = engine.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/_ping", "/v1.41/version"]);
}

//! Operations that need a registry against the real test engine: each must fail with a typed
//! error, never hang or decode garbage. Also the session endpoint's HTTP/2 upgrade.
//!
//! The test engines have no network: their HTTP(S) proxy is a closed loopback port, so every
//! registry request fails at once. The tests assert the typed error and its status, not the
//! engine's wording of it. Run with the test engines up: `eval "$(tests/engine/engine.sh start)"`.

// Options structs gain fields at later API versions, and this suite compiles against clients
// generated for them too (`cargo xtask test-api-version`): `..Default::default()` stays where
// every field of this version is set.
#![allow(clippy::needless_update)]

use docker_client::models;
use std::time::Duration;

use docker_client::options::{
    ImageCreateOptions, ImagePushOptions, PluginPullOptions, SessionOptions,
};
use docker_client::Error;
use docker_client_tests::engine::{expect_api_error, TestEngine};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn credentials() -> models::AuthConfig {
    models::AuthConfig {
        username: Some("dct-user".to_owned()),
        password: Some("dct-password".to_owned()),
        serveraddress: Some("https://index.docker.io/v1/".to_owned()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn image_search_needs_a_registry() {
    let t = TestEngine::start().await;
    let message = expect_api_error("search", t.docker.image_search("busybox").await, &[500]);
    assert!(!message.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn image_pull_needs_a_registry() {
    let t = TestEngine::start().await;
    let result = t
        .docker
        .image_create()
        .options(ImageCreateOptions {
            from_image: Some("busybox".to_owned()),
            tag: Some("1.36".to_owned()),
            ..Default::default()
        })
        .await;
    // The engine fails before it starts the stream: an API error, not a stream item.
    let message = expect_api_error("pull", result, &[500]);
    assert!(!message.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn image_push_needs_a_registry() {
    let t = TestEngine::start().await;
    let reference = format!("{}:push", t.run);
    t.remove_image_later(&reference);
    docker_client_tests::engine::import_busybox(&t.docker, &t.run, "push", &[]).await;
    // The engine starts the stream, then reports the failure inside it.
    let mut stream = t
        .docker
        .image_push(&t.run, &credentials())
        .options(ImagePushOptions {
            tag: Some("push".to_owned()),
            ..Default::default()
        })
        .await
        .expect("the push starts");
    let mut statuses = Vec::new();
    let mut failure = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(message) => statuses.extend(message.status),
            Err(e) => failure = Some(e),
        }
    }
    assert!(
        statuses
            .iter()
            .any(|s| s.contains("The push refers to repository")),
        "{statuses:?}"
    );
    match failure {
        Some(Error::Stream { message, detail }) => {
            assert!(!message.is_empty());
            assert!(detail.is_some_and(|d| d["message"].is_string()));
        }
        other => panic!("expected a stream error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn distribution_inspect_needs_a_registry() {
    let t = TestEngine::start().await;
    let message = expect_api_error(
        "distribution inspect",
        t.docker.distribution_inspect("busybox:latest").await,
        &[401, 403, 500],
    );
    assert!(!message.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn system_auth_needs_a_registry() {
    let t = TestEngine::start().await;
    let err = t
        .docker
        .system_auth()
        .auth_config(credentials())
        .await
        .expect_err("log in to an unreachable registry");
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert!(
        err.is_unauthorized() || err.status() == Some(500),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_pull_needs_a_registry() {
    let t = TestEngine::start().await;
    let message = expect_api_error(
        "plugin pull",
        t.docker
            .plugin_pull("vieux/sshfs:latest")
            .body(vec![])
            .options(PluginPullOptions {
                name: Some(format!("{}-sshfs:latest", t.run)),
                ..Default::default()
            })
            .await,
        &[500],
    );
    assert!(!message.is_empty());
    // Nothing was installed.
    let plugins = t.docker.plugin_list().await.expect("list");
    assert!(plugins.iter().all(|p| !p.name.contains(&t.run)));
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_privileges_of_an_unreachable_plugin() {
    let t = TestEngine::start().await;
    // Docker swallows the registry failure here and answers 200 with no privileges.
    let privileges = t
        .docker
        .get_plugin_privileges("vieux/sshfs:latest")
        .await
        .expect("GET /plugins/privileges");
    assert_eq!(privileges, vec![]);
}

#[tokio::test(flavor = "multi_thread")]
async fn session_upgrades_to_http2() {
    let t = TestEngine::start().await;
    // The session endpoint (BuildKit's) switches the connection to HTTP/2 (h2c) for gRPC.
    let mut connection = t
        .docker
        .session(&format!("{}-session", t.run))
        .options(SessionOptions {
            x_docker_expose_session_name: Some(t.name("session")),
            x_docker_expose_session_sharedkey: Some(t.run.clone()),
            ..Default::default()
        })
        .await
        .expect("POST /session upgrades");
    // The engine is the HTTP/2 client of the session (it calls the gRPC services the session
    // exposes): it sends the client preface, then a SETTINGS frame (type 4).
    let mut preface = [0u8; 24];
    tokio::time::timeout(Duration::from_secs(10), connection.read_exact(&mut preface))
        .await
        .expect("the engine speaks HTTP/2")
        .expect("read the preface");
    assert_eq!(&preface, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    let mut frame = [0u8; 9];
    tokio::time::timeout(Duration::from_secs(10), connection.read_exact(&mut frame))
        .await
        .expect("the engine sends its settings")
        .expect("read a frame header");
    assert_eq!(frame[3], 4, "a SETTINGS frame: {frame:?}");
    connection.shutdown().await.ok();
}

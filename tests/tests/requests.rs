//! The shape of the generated requests: required parameters are arguments, optional ones are
//! setters (or a whole options struct), the request is sent when awaited or by `send`, and an
//! optional body is a setter too.

use std::collections::HashMap;

use docker_client::models::{AuthConfig, ContainerCreateBody};
use docker_client::options::{ContainerListOptions, ContainerLogsOptions};
use docker_client_tests::mock::{MockEngine, MockResponse, RecordedRequest};
use serde_json::json;

/// The one request the engine received.
fn only(engine: &MockEngine) -> RecordedRequest {
    let mut requests = engine.take_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.remove(0)
}

fn sorted_query(request: &RecordedRequest) -> Vec<(String, String)> {
    let mut query = request.query.clone();
    query.sort();
    query
}

#[tokio::test]
async fn setters_send_what_the_options_struct_sends() {
    let engine = MockEngine::respond_with(MockResponse::json(200, &json!([])));
    let docker = engine.docker();
    let filters = HashMap::from([("status".to_owned(), vec!["paused".to_owned()])]);

    // Setters take anything that converts: no `Some(..)`, no `&Default::default()`.
    let listed = docker
        .container_list()
        .all(true)
        .limit(3)
        .filters(filters.clone())
        .await
        .unwrap();
    assert!(listed.is_empty());
    let by_setters = only(&engine);

    let options = ContainerListOptions {
        all: Some(true),
        limit: Some(3),
        filters: Some(filters),
        ..Default::default()
    };
    docker.container_list().options(options).await.unwrap();
    let by_options = only(&engine);

    assert_eq!(by_setters.path, by_options.path);
    assert_eq!(sorted_query(&by_setters), sorted_query(&by_options));
    assert_eq!(by_setters.query_values("all"), ["true"]);
    assert_eq!(by_setters.query_values("limit"), ["3"]);
    assert_eq!(
        by_setters.query_values("filters"),
        [r#"{"status":["paused"]}"#]
    );

    // Nothing set: no query at all.
    docker.container_list().await.unwrap();
    assert!(only(&engine).query.is_empty());
}

#[tokio::test]
async fn options_replace_what_was_set_before_and_setters_after_them_add() {
    let engine = MockEngine::respond_with(MockResponse::chunked(
        200,
        "application/vnd.docker.multiplexed-stream",
        b"",
        1,
    ));
    let docker = engine.docker();
    let options = ContainerLogsOptions {
        stdout: Some(true),
        ..Default::default()
    };
    docker
        .container_logs("web")
        .tail("10")
        .options(options)
        .stderr(true)
        .await
        .unwrap();
    let request = only(&engine);
    assert_eq!(
        request.path,
        format!("/v{}/containers/web/logs", docker_client::API_VERSION)
    );
    assert_eq!(
        sorted_query(&request),
        [
            ("stderr".to_owned(), "true".to_owned()),
            ("stdout".to_owned(), "true".to_owned())
        ]
    );
}

#[tokio::test]
async fn send_is_the_same_as_await_and_nothing_is_sent_before() {
    let engine = MockEngine::respond_with(MockResponse::json(
        201,
        &json!({"Id": "abc", "Warnings": []}),
    ));
    let docker = engine.docker();
    let body = ContainerCreateBody {
        image: Some("busybox".to_owned()),
        ..Default::default()
    };
    let request = docker.container_create(body.clone()).name("web");
    // A request is a value: building it sends nothing.
    assert!(engine.requests().is_empty());
    let created = request.send().await.unwrap();
    assert_eq!(created.id, "abc");
    let sent = only(&engine);
    assert_eq!(sent.query_values("name"), ["web"]);
    assert_eq!(sent.json(), Some(json!({"Image": "busybox"})));

    // The request can be kept and awaited later, as any `IntoFuture`.
    let later = docker.container_create(body).name("web");
    let created = std::future::IntoFuture::into_future(later).await.unwrap();
    assert_eq!(created.id, "abc");
    assert_eq!(only(&engine).json(), Some(json!({"Image": "busybox"})));
}

#[tokio::test]
async fn an_optional_body_is_a_setter() {
    let engine = MockEngine::respond_with(MockResponse::json(
        200,
        &json!({"Status": "Login Succeeded"}),
    ));
    let docker = engine.docker();
    // Without the setter, no body and no content type.
    docker.system_auth().await.unwrap();
    let without = only(&engine);
    assert!(without.body.is_empty());
    assert_eq!(without.header("content-type"), None);

    let auth = AuthConfig {
        username: Some("hannibal".to_owned()),
        ..Default::default()
    };
    docker.system_auth().auth_config(auth).await.unwrap();
    let with = only(&engine);
    assert_eq!(with.header("content-type"), Some("application/json"));
    assert_eq!(with.json(), Some(json!({"username": "hannibal"})));
}

/// A request's whole future, which awaiting a generated request boxes once, stays within the
/// size the allocator serves from its per-thread cache (glibc's: 1 KiB): the request is handed
/// to reqwest before the future is polled and held once, and the rare paths (the version's
/// negotiation, an older engine's probes, the header timeout, an error's body) are boxed.
#[test]
fn a_requests_future_stays_small() {
    let docker = docker_client::Docker::connect_unix("/nonexistent/docker.sock").unwrap();
    let ping = docker.system_ping().send();
    let logs = docker.container_logs("app").stdout(true).send();
    let list = docker.container_list().all(true).send();
    let sizes = [
        ("system_ping", std::mem::size_of_val(&ping)),
        ("container_logs", std::mem::size_of_val(&logs)),
        ("container_list", std::mem::size_of_val(&list)),
    ];
    for (name, size) in sizes {
        assert!(size <= 1024, "{name}: a future of {size} bytes");
    }
}

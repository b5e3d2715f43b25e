//! Every operation of the API, called against the mock engine: the request the client sends
//! (method, path, query, headers, body) and the decoding of a plausible answer.
//!
//! The table in [`cases`] has at least one case per operation of [`OPERATIONS`]; the test fails
//! when an operation is added or removed without updating it.

#![recursion_limit = "256"]

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use docker_client::options::*;
use docker_client::{
    models, Body, Docker, Error, JsonStream, LogOutput, Outcome, OutputStream, API_VERSION,
    OPERATIONS,
};
use docker_client_tests::mock::{multiplexed, MockEngine, MockResponse, RecordedRequest};
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type Call = Box<dyn FnOnce(Docker) -> Pin<Box<dyn Future<Output = Check>>>>;

include!("operations_support/harness.rs");

impl Case {
    fn call<F, Fut>(mut self, call: F) -> Self
    where
        F: FnOnce(Docker) -> Fut + 'static,
        Fut: Future<Output = Check> + 'static,
    {
        self.call = Some(Box::new(move |docker| Box::pin(call(docker))));
        self
    }
}

/// Runs one case against a fresh mock engine; returns what went wrong.
async fn run(mut case: Case) -> Vec<String> {
    let mut failures = Vec::new();
    let engine = MockEngine::respond_with(case.response.clone());
    let Some(call) = case.call.take() else {
        return vec!["the case calls nothing".to_owned()];
    };
    match tokio::time::timeout(Duration::from_secs(20), call(engine.docker())).await {
        Err(_) => failures.push("the call did not finish in 20s".to_owned()),
        Ok(Err(message)) => failures.push(format!("result: {message}")),
        Ok(Ok(())) => {}
    }
    // A hijacked connection is recorded when it ends, maybe a little after the call returns.
    let requests = engine.wait_for_requests(1, Duration::from_secs(5)).await;
    match requests.as_slice() {
        [request] => failures.extend(check_request(&case, request)),
        _ => failures.push(format!(
            "expected 1 request, the engine received {}: {:?}",
            requests.len(),
            requests
                .iter()
                .map(|r| format!("{} {}", r.method, r.target))
                .collect::<Vec<_>>()
        )),
    }
    failures
}

/// Reads a container's output: the stream of each piece, with consecutive pieces of one stream
/// joined (a frame may arrive in several pieces).
async fn output(stream: OutputStream) -> Result<Vec<(&'static str, String)>, String> {
    let pieces: Vec<LogOutput> = stream.map_err(fail).try_collect().await?;
    let mut joined: Vec<(&'static str, String)> = Vec::new();
    for piece in pieces {
        let kind = match &piece {
            LogOutput::StdIn(_) => "stdin",
            LogOutput::StdOut(_) => "stdout",
            LogOutput::StdErr(_) => "stderr",
            LogOutput::Console(_) => "console",
        };
        let text = String::from_utf8_lossy(piece.bytes()).into_owned();
        match joined.last_mut() {
            Some((last, joined_text)) if *last == kind => joined_text.push_str(&text),
            _ => joined.push((kind, text)),
        }
    }
    Ok(joined)
}

/// Reads every item of a stream of JSON values.
async fn items<T: DeserializeOwned>(stream: JsonStream<T>) -> Result<Vec<T>, String> {
    stream.map_err(fail).try_collect().await
}

include!("operations_support/table.rs");

// ------------------------------------------------------------------------------------------
// The tests.

/// Every operation: the request sent and the answer decoded.
#[tokio::test]
async fn every_operation_sends_the_documented_request_and_decodes_the_answer() {
    let cases = cases();
    let covered: BTreeSet<&str> = cases.iter().map(|c| c.id).collect();
    let all: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.id).collect();
    assert_eq!(all.len(), OPERATIONS.len(), "OPERATIONS lists an id twice");

    let mut report = Vec::new();
    let count = cases.len();
    for case in cases {
        let label = case.label();
        for failure in run(case).await {
            report.push(format!("{label}: {failure}"));
        }
    }
    let missing: Vec<_> = all.difference(&covered).collect();
    let unknown: Vec<_> = covered.difference(&all).collect();
    if !missing.is_empty() {
        report.push(format!("operations without a case: {missing:?}"));
    }
    if !unknown.is_empty() {
        report.push(format!(
            "cases of operations that OPERATIONS does not list: {unknown:?}"
        ));
    }
    assert!(
        report.is_empty(),
        "{} problem(s) in {count} cases of {} operations:\n  {}",
        report.len(),
        all.len(),
        report.join("\n  ")
    );
}

// ------------------------------------------------------------------------------------------
// Errors.

#[tokio::test]
async fn an_error_status_is_an_api_error_with_the_engines_message() {
    let engine = MockEngine::respond_with(MockResponse::error(404, "No such container: x"));
    let error = engine
        .docker()
        .container_inspect("x")
        .await
        .expect_err("a 404 is an error");
    assert!(
        matches!(&error, Error::Api { status: 404, message } if message == "No such container: x"),
        "{error:?}"
    );
    assert!(error.is_not_found());
    assert!(!error.is_conflict() && !error.is_bad_request() && !error.is_version_too_new());
    assert_eq!(error.status(), Some(404));
    assert_eq!(error.message(), Some("No such container: x"));
    assert_eq!(
        error.to_string(),
        "engine answered 404: No such container: x"
    );
    assert_eq!(
        engine.requests()[0].path,
        format!("/v{API_VERSION}/containers/x/json")
    );
}

#[tokio::test]
async fn an_error_without_a_json_message_keeps_the_bodys_text() {
    let engine = MockEngine::respond_with(MockResponse::bytes(
        500,
        "text/plain",
        "  internal failure\n",
    ));
    let error = engine
        .docker()
        .system_info()
        .await
        .expect_err("a 500 is an error");
    assert!(
        matches!(&error, Error::Api { status: 500, message } if message == "internal failure"),
        "{error:?}"
    );

    let engine = MockEngine::respond_with(MockResponse::error(
        409,
        "Conflict. The container name \"/web\" is already in use",
    ));
    let error = engine
        .docker()
        .container_create(Default::default())
        .await
        .expect_err("a 409 is an error");
    assert!(error.is_conflict(), "{error:?}");
}

#[tokio::test]
async fn an_engine_older_than_the_client_is_recognized() {
    let engine = MockEngine::respond_with(MockResponse::error(
        400,
        "client version 1.43 is too new. Maximum supported API version is 1.41",
    ));
    let error = engine
        .docker()
        .system_version()
        .await
        .expect_err("a 400 is an error");
    assert!(error.is_version_too_new(), "{error:?}");
    assert!(error.is_bad_request());
    assert_eq!(
        error.message(),
        Some("client version 1.43 is too new. Maximum supported API version is 1.41")
    );

    let engine = MockEngine::respond_with(MockResponse::error(400, "invalid filter 'colour'"));
    let error = engine
        .docker()
        .system_version()
        .await
        .expect_err("a 400 is an error");
    assert!(
        error.is_bad_request() && !error.is_version_too_new(),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_body_that_does_not_decode_is_a_decode_error_with_the_raw_body() {
    let bodies: [&[u8]; 6] = [
        b"{\"Id\": \"4fa6e0f0c678\", \"State\": {\"Status\": \"running\"",
        b"{\"Id\": 5}",
        b"\"a string\"",
        b"",
        b"<html>502 Bad Gateway</html>",
        b"\xff\xfe{\x00",
    ];
    for body in bodies {
        let engine = MockEngine::respond_with(MockResponse::bytes(200, "application/json", body));
        let result = engine.docker().container_inspect("web").await;
        match result {
            Err(Error::Decode {
                status,
                message,
                body: raw,
            }) => {
                assert_eq!(status, 200);
                assert_eq!(&raw[..], body, "the error carries the body as received");
                assert!(!message.is_empty());
            }
            other => panic!(
                "{:?}: expected Error::Decode, got {other:?}",
                String::from_utf8_lossy(body)
            ),
        }
    }

    // The JSON path of the mismatch is in the message.
    let engine =
        MockEngine::respond_with(MockResponse::json(200, &json!({"State": {"Pid": "one"}})));
    let error = engine
        .docker()
        .container_inspect("web")
        .await
        .expect_err("a string is not a pid");
    assert!(
        matches!(&error, Error::Decode { message, .. } if message.contains("State.Pid")),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("\"Pid\": \"one\"")
            || error.to_string().contains("\"Pid\":\"one\""),
        "{error}"
    );

    // A required field missing from a list item.
    let engine = MockEngine::respond_with(MockResponse::json(200, &json!([{"Id": IMAGE_ID}])));
    let error = engine
        .docker()
        .image_list()
        .await
        .expect_err("Created is required");
    assert!(
        matches!(&error, Error::Decode { message, .. } if message.contains("[0]")),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_error_message_in_a_stream_is_a_stream_error_item() {
    let engine = MockEngine::respond_with(MockResponse::ndjson(
        &[
            json!({"status": "Pulling from library/busybox", "id": "latest"}),
            json!({"errorDetail": {"message": "boom"}, "error": "boom"}),
        ],
        9,
    ));
    let options = ImageCreateOptions {
        from_image: Some("busybox".into()),
        tag: Some("latest".into()),
        ..Default::default()
    };
    let stream = engine
        .docker()
        .image_create()
        .options(options)
        .await
        .expect("the request succeeds");
    let results: Vec<Result<models::CreateImageInfo, Error>> =
        futures::StreamExt::collect(stream).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(
        results[0]
            .as_ref()
            .expect("a progress message")
            .status
            .as_deref(),
        Some("Pulling from library/busybox")
    );
    match &results[1] {
        Err(error @ Error::Stream { message, detail }) => {
            assert_eq!(message, "boom");
            assert_eq!(detail, &Some(json!({"message": "boom"})));
            assert_eq!(error.message(), Some("boom"));
            assert_eq!(error.status(), None);
        }
        other => panic!("expected Error::Stream, got {other:?}"),
    }

    // A build error, the same way.
    let engine = MockEngine::respond_with(MockResponse::ndjson(
        &[
            json!({"stream": "Step 1/2 : FROM busybox\n"}),
            json!({"errorDetail": {"code": 1, "message": "The command '/bin/sh -c false' returned a non-zero code: 1"},
                   "error": "The command '/bin/sh -c false' returned a non-zero code: 1"}),
        ],
        50,
    ));
    let stream = engine
        .docker()
        .image_build()
        .await
        .expect("the request succeeds");
    let results: Vec<_> = futures::StreamExt::collect::<Vec<_>>(stream).await;
    assert!(results[0].is_ok(), "{results:?}");
    assert!(
        matches!(&results[1], Err(Error::Stream { detail: Some(detail), .. }) if detail["code"] == json!(1)),
        "{results:?}"
    );
}

#[tokio::test]
async fn a_broken_stream_ends_with_a_decode_error() {
    // A line that is not JSON: a decode error, then the end.
    let engine = MockEngine::respond_with(MockResponse::chunked(
        200,
        "application/json",
        b"{\"status\":\"a\"}\n{not json}\n{\"status\":\"b\"}\n",
        4,
    ));
    let stream = engine
        .docker()
        .image_create()
        .await
        .expect("the request succeeds");
    let results: Vec<_> = futures::StreamExt::collect::<Vec<_>>(stream).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    assert!(
        matches!(&results[1], Err(Error::Decode { .. })),
        "{results:?}"
    );

    // A stream cut inside a message.
    let engine = MockEngine::respond_with(MockResponse::chunked(
        200,
        "application/json",
        b"{\"status\":\"a\"}\n{\"status\":",
        5,
    ));
    let stream = engine
        .docker()
        .image_create()
        .await
        .expect("the request succeeds");
    let results: Vec<_> = futures::StreamExt::collect::<Vec<_>>(stream).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(
        matches!(&results[1], Err(Error::Decode { body, .. }) if &body[..] == b"{\"status\":"),
        "{results:?}"
    );

    // Values that are not separated by newlines are still read one by one.
    let engine = MockEngine::respond_with(MockResponse::chunked(
        200,
        "application/json",
        b"{\"status\":\"a\"}{\"status\":\"b\"} {\"status\":\"c\"}",
        3,
    ));
    let stream = engine
        .docker()
        .image_create()
        .await
        .expect("the request succeeds");
    let statuses: Vec<String> = items(stream)
        .await
        .expect("three messages")
        .into_iter()
        .map(|m| m.status.unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["a", "b", "c"]);
}

#[tokio::test]
async fn path_parameters_that_cannot_be_one_segment_are_refused_before_sending() {
    let engine = MockEngine::respond_with(MockResponse::json(200, &json!({})));
    let docker = engine.docker();
    for value in ["", ".", ".."] {
        let error = docker.container_inspect(value).await.expect_err("refused");
        assert!(
            matches!(&error, Error::InvalidArgument(m) if m.contains("`id`")),
            "{value:?}: {error:?}"
        );
        let error = docker.image_delete(value).await.expect_err("refused");
        assert!(
            matches!(&error, Error::InvalidArgument(m) if m.contains("`name`")),
            "{value:?}: {error:?}"
        );
        let error = docker.volume_inspect(value).await.expect_err("refused");
        assert!(
            matches!(error, Error::InvalidArgument(_)),
            "{value:?}: {error:?}"
        );
        let error = docker.exec_resize(value, 1, 1).await.expect_err("refused");
        assert!(
            matches!(error, Error::InvalidArgument(_)),
            "{value:?}: {error:?}"
        );
        let error = docker.plugin_push(value).await.expect_err("refused");
        assert!(
            matches!(error, Error::InvalidArgument(_)),
            "{value:?}: {error:?}"
        );
    }
    assert_eq!(engine.requests(), Vec::new(), "nothing was sent");

    // Anything else is one segment, percent-encoded but for RFC 3986's unreserved characters.
    for (value, encoded) in [
        ("...", "..."),
        ("../x", "..%2Fx"),
        ("./x", ".%2Fx"),
        ("a b/c:d@e", "a%20b%2Fc%3Ad%40e"),
        ("A-z_0.9~", "A-z_0.9~"),
    ] {
        docker.container_inspect(value).await.expect("sent");
        let sent = engine.take_requests().pop().expect("a request");
        assert_eq!(
            sent.path,
            format!("/v{API_VERSION}/containers/{encoded}/json")
        );
    }
}

// ------------------------------------------------------------------------------------------
// The mock engine itself.

async fn raw_exchange(engine: &MockEngine, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::UnixStream::connect(engine.socket_path())
        .await
        .expect("connect");
    stream.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the mock closes the connection")
        .expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_mock_rejects_malformed_requests_and_keeps_serving() {
    let engine = MockEngine::respond_with(MockResponse::json(200, &json!({"ok": true})));
    for garbage in [
        &b"\x00\x01\x02 not http\r\n\r\n"[..],
        b"GET /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"GET /x HTTP/1.0\r\n\r\n",
    ] {
        let answer = raw_exchange(&engine, garbage).await;
        assert!(
            answer.starts_with("HTTP/1.1 400 "),
            "{garbage:?} -> {answer:?}"
        );
    }
    // A connection closed in the middle of a request is no problem either.
    drop(
        tokio::net::UnixStream::connect(engine.socket_path())
            .await
            .expect("connect"),
    );

    // A chunked body with an extension and a trailer, then a second request on the connection.
    let answer = raw_exchange(
        &engine,
        b"POST /v1.43/x?a=1&b=%7B%7D&c=x+y HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\n\
          5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n\
          GET /second HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 2, "{answer}");
    let requests = engine.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].body, b"hello world");
    assert!(requests[0].chunked);
    assert_eq!(requests[0].path, "/v1.43/x");
    assert_eq!(
        requests[0].query,
        vec![
            ("a".into(), "1".into()),
            ("b".into(), "{}".into()),
            ("c".into(), "x y".into())
        ]
    );
    assert_eq!(requests[1].target, "/second");

    // The client still gets answers.
    let engine_path = engine.socket_path().to_owned();
    assert!(engine_path.exists());
    engine.docker().swarm_inspect().await.expect("served");
    drop(engine);
    assert!(!engine_path.exists(), "the socket is removed on drop");
}

#[tokio::test]
async fn one_client_sends_several_requests() {
    let engine = MockEngine::start(|request| {
        if request.path.ends_with("/_ping") {
            MockResponse::bytes(200, "text/plain", "OK")
        } else {
            MockResponse::error(404, &format!("page not found: {}", request.path))
        }
    });
    let docker = engine.docker();
    for _ in 0..3 {
        assert_eq!(docker.system_ping().await.expect("pong").body, "OK");
    }
    let error = docker.system_info().await.expect_err("not found");
    assert_eq!(
        error.message(),
        Some(format!("page not found: /v{API_VERSION}/info").as_str())
    );
    // An older API version is in the path when asked for.
    let older = docker.with_api_version("1.41".parse().expect("a version"));
    let error = older.system_info().await.expect_err("not found");
    assert_eq!(error.message(), Some("page not found: /v1.41/info"));
    let paths: Vec<String> = engine.take_requests().into_iter().map(|r| r.path).collect();
    // Pings go without a version prefix, which an older engine would refuse.
    assert_eq!(
        paths,
        ["/_ping", "/_ping", "/_ping", "/v1.43/info", "/v1.41/info"]
    );
    assert!(engine.requests().is_empty());
}

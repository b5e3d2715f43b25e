//! Timeouts: connecting and waiting for response headers are limited; a body streaming after
//! its headers (`events`, `logs?follow=1`) never is.

mod connect_support;

use std::time::{Duration, Instant};

use connect_support::{Behavior, TcpMock};
use docker_client::{models, Body, Docker, Error, TimeoutKind};
use futures::StreamExt;

#[tokio::test]
async fn an_engine_that_never_answers_fails_within_the_header_timeout() {
    let mock = TcpMock::start(Behavior::Silent).await;
    let limit = Duration::from_millis(300);
    let docker = Docker::builder()
        .host(mock.address.clone())
        .header_timeout(Some(limit))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = docker.system_ping().await.unwrap_err();
    let elapsed = started.elapsed();
    match &error {
        Error::Timeout { host, kind, after } => {
            assert_eq!(host, &mock.address);
            assert_eq!(*kind, TimeoutKind::ResponseHeaders);
            assert_eq!(*after, limit);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(error.is_timeout());
    assert!(
        elapsed >= limit && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&mock.address) && message.contains("response headers"),
        "{message}"
    );
    assert_eq!(mock.requests(), 1);

    // Without a header timeout (the default) the client would wait: a per-client override.
    assert_eq!(
        Docker::connect(&mock.address).unwrap().header_timeout(),
        None
    );
}

#[tokio::test]
async fn a_body_trickling_after_its_headers_outlives_the_header_timeout() {
    // Headers at once, then ten events 100 ms apart: the stream lasts 5x the header timeout.
    let mock = TcpMock::start(Behavior::Trickle {
        interval: Duration::from_millis(100),
        count: 10,
    })
    .await;
    let limit = Duration::from_millis(200);
    let docker = Docker::builder()
        .host(mock.address.clone())
        .header_timeout(Some(limit))
        .build()
        .unwrap();
    let started = Instant::now();
    let events: Vec<models::EventMessage> = docker
        .system_events()
        .await
        .expect("headers in time")
        .map(|event| event.expect("an event"))
        .collect()
        .await;
    assert_eq!(events.len(), 10);
    assert!(started.elapsed() >= limit * 4, "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_streamed_upload_longer_than_the_header_timeout_is_not_cut() {
    // The header timeout counts from the end of the request body: a slow upload (a large
    // build context) is not a slow engine.
    let mock = TcpMock::start(Behavior::ReadBodyThenOk).await;
    let limit = Duration::from_millis(200);
    let docker = Docker::builder()
        .host(mock.address.clone())
        .header_timeout(Some(limit))
        .build()
        .unwrap();
    let chunks = futures::stream::iter(0..6).then(|i| async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'a' + i as u8; 1000]))
    });
    let started = Instant::now();
    let stream = docker
        .image_load()
        .images_tarball(Body::from_stream(chunks))
        .await
        .expect("the upload is not cut by the header timeout");
    drop(stream);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_connect_timeout_is_its_own_error() {
    // A listener whose accept queue is full: the kernel drops further SYNs, so connecting
    // hangs until the client gives up.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let address = listener.local_addr().unwrap();
    let mut held = Vec::new();
    let mut filled = false;
    for _ in 0..16 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            Ok(Ok(stream)) => held.push(stream),
            _ => {
                filled = true;
                break;
            }
        }
    }
    assert!(filled, "the accept queue never filled");
    let limit = Duration::from_millis(300);
    let docker = Docker::builder()
        .host(format!("tcp://{address}"))
        .connect_timeout(limit)
        .build()
        .unwrap();
    let started = Instant::now();
    let error = docker.system_ping().await.unwrap_err();
    match &error {
        Error::Timeout { kind, after, .. } => {
            assert_eq!(*kind, TimeoutKind::Connect);
            assert_eq!(*after, limit);
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(error.to_string().contains(&address.to_string()), "{error}");
    drop(listener);
}

#[tokio::test]
async fn the_connect_timeout_covers_the_tls_handshake() {
    // Accepts connections and never says a word: the TLS handshake waits for its answer.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let limit = Duration::from_millis(300);
    let docker = Docker::builder()
        .host(format!("tcp://{address}"))
        .tls(docker_client::TlsConfig::new().danger_accept_invalid_certs(true))
        .connect_timeout(limit)
        .build()
        .unwrap();
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(10), docker.system_ping())
        .await
        .expect("the connect timeout ends the handshake")
        .unwrap_err();
    match &error {
        Error::Timeout { kind, after, host } => {
            assert_eq!(*kind, TimeoutKind::Connect);
            assert_eq!(*after, limit);
            assert_eq!(host, &format!("tcp://{address}"));
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= limit, "{:?}", started.elapsed());
}

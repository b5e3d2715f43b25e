//! `/_ping` round trips over the engine's unix socket: the client, sequential and with 32
//! concurrent tasks, beside the limit, a raw keep-alive loop writing the same request bytes on
//! one `UnixStream`.
//!
//! ```sh
//! eval "$(tests/engine/engine.sh start v26)"     # DOCKER_HOST=unix://...
//! cargo bench -p docker-client --bench ping      # PING_BENCH_SECS=3 per case by default
//! ```

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use docker_client::Docker;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TASKS: usize = 32;

fn main() {
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    let Some(socket) = host.strip_prefix("unix://").map(str::to_owned) else {
        eprintln!(
            "DOCKER_HOST={host:?}: the benchmark needs an engine on a unix socket; start one with \
             `eval \"$(tests/engine/engine.sh start v26)\"`"
        );
        std::process::exit(2);
    };
    let secs: f64 = std::env::var("PING_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let span = Duration::from_secs_f64(secs);
    let request = format!(
        "GET /v{}/_ping HTTP/1.1\r\nuser-agent: {}\r\naccept: */*\r\nhost: localhost\r\n\r\n",
        docker_client::API_VERSION,
        docker_client::USER_AGENT
    );
    println!("/_ping over {socket}, {secs} s per case");
    if let Ok(only) = std::env::var("PING_BENCH_PROFILE") {
        // One case, sequentially, for a profiler: `client` (default) or `hyper`.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        if only == "hyper" {
            let rate = runtime.block_on(bare_hyper(socket, span));
            println!("bare hyper, sequential, current-thread runtime: {rate:.0} req/s");
            return;
        }
        let docker = Docker::connect(&host).expect("a client");
        let rate = runtime.block_on(client_sequential(docker, span));
        println!("client, sequential, current-thread runtime: {rate:.0} req/s");
        return;
    }

    let raw = raw_std(&socket, request.as_bytes(), span);
    report("raw std UnixStream, sequential (the limit)", raw, raw);

    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let raw_tokio = current.block_on(raw_tokio(socket.clone(), request.clone(), span));
    report("raw tokio UnixStream, sequential", raw_tokio, raw);

    let bare = current.block_on(bare_hyper(socket.clone(), span));
    report(
        "bare hyper http1 connection, current-thread runtime",
        bare,
        raw,
    );

    // One client per runtime: a pooled connection is driven by the runtime that opened it.
    let docker = Docker::connect(&host).expect("a client");
    let seq_current = current.block_on(client_sequential(docker, span));
    report(
        "client, sequential, current-thread runtime",
        seq_current,
        raw,
    );
    let docker = Docker::connect(&host).expect("a client");
    let seq_multi = multi.block_on(client_sequential(docker.clone(), span));
    report("client, sequential, multi-thread runtime", seq_multi, raw);

    let raw_concurrent = multi.block_on(raw_concurrent(&socket, &request, span));
    report(
        &format!("raw tokio, {TASKS} tasks with a connection each"),
        raw_concurrent,
        raw,
    );
    let concurrent = multi.block_on(client_concurrent(docker, span));
    report(
        &format!("client, {TASKS} concurrent tasks, multi-thread runtime"),
        concurrent,
        raw,
    );
    println!(
        "client {TASKS} tasks vs raw {TASKS} connections: {:.2}x",
        concurrent / raw_concurrent
    );
}

fn report(what: &str, rate: f64, limit: f64) {
    println!(
        "{what:<55} {rate:>9.0} req/s  {:>6.1} us/req  {:.2}x raw",
        1e6 / rate,
        rate / limit
    );
}

/// Reads one HTTP response with a `Content-Length` body from `buffer` + `read`.
fn response_len(buffer: &[u8]) -> Option<usize> {
    let end = buffer.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buffer[..end]).ok()?;
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    (buffer.len() >= end + length).then_some(end + length)
}

fn raw_std(socket: &str, request: &[u8], span: Duration) -> f64 {
    let mut stream = std::os::unix::net::UnixStream::connect(socket).expect("connect");
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let mut once = || {
        stream.write_all(request).unwrap();
        buffer.clear();
        loop {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the engine closed the connection");
            buffer.extend_from_slice(&chunk[..n]);
            if let Some(len) = response_len(&buffer) {
                assert_eq!(len, buffer.len());
                assert!(buffer.starts_with(b"HTTP/1.1 200"));
                break;
            }
        }
    };
    for _ in 0..200 {
        once();
    }
    timed(span, once)
}

fn timed(span: Duration, mut once: impl FnMut()) -> f64 {
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < span {
        for _ in 0..16 {
            once();
        }
        count += 16;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

async fn raw_tokio_loop(socket: String, request: String, deadline: Instant) -> u64 {
    let mut stream = tokio::net::UnixStream::connect(&socket)
        .await
        .expect("connect");
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let mut count = 0;
    while Instant::now() < deadline {
        stream.write_all(request.as_bytes()).await.unwrap();
        buffer.clear();
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the engine closed the connection");
            buffer.extend_from_slice(&chunk[..n]);
            if response_len(&buffer).is_some() {
                break;
            }
        }
        count += 1;
    }
    count
}

async fn raw_tokio(socket: String, request: String, span: Duration) -> f64 {
    let started = Instant::now();
    let count = raw_tokio_loop(socket, request, started + span).await;
    count as f64 / started.elapsed().as_secs_f64()
}

async fn raw_concurrent(socket: &str, request: &str, span: Duration) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            tokio::spawn(raw_tokio_loop(
                socket.to_owned(),
                request.to_owned(),
                started + span,
            ))
        })
        .collect();
    let mut count = 0;
    for task in tasks {
        count += task.await.unwrap();
    }
    count as f64 / started.elapsed().as_secs_f64()
}

async fn client_loop(docker: Docker, deadline: Instant) -> u64 {
    let mut count = 0;
    while Instant::now() < deadline {
        let ping = docker.system_ping().await.expect("ping");
        debug_assert_eq!(ping.body, "OK");
        count += 1;
    }
    count
}

async fn client_sequential(docker: Docker, span: Duration) -> f64 {
    client_loop(docker.clone(), Instant::now() + Duration::from_millis(200)).await;
    let started = Instant::now();
    let count = client_loop(docker, started + span).await;
    count as f64 / started.elapsed().as_secs_f64()
}

async fn client_concurrent(docker: Docker, span: Duration) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| tokio::spawn(client_loop(docker.clone(), started + span)))
        .collect();
    let mut count = 0;
    for task in tasks {
        count += task.await.unwrap();
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// hyper's HTTP/1.1 client on one connection, its connection task spawned: what remains of
/// the client's cost without reqwest's layers and pool.
async fn bare_hyper(socket: String, span: Duration) -> f64 {
    use http_body_util::{BodyExt, Empty};
    let stream = tokio::net::UnixStream::connect(&socket)
        .await
        .expect("connect");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(connection);
    let path = format!("/v{}/_ping", docker_client::API_VERSION);
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < span {
        sender.ready().await.expect("ready");
        let request = hyper::Request::get(path.as_str())
            .header("host", "localhost")
            .header("user-agent", docker_client::USER_AGENT)
            .body(Empty::<bytes::Bytes>::new())
            .unwrap();
        let response = sender.send_request(request).await.expect("send");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        debug_assert_eq!(&body[..], b"OK");
        count += 1;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

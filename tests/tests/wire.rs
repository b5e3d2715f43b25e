//! The wire against an engine that misbehaves on purpose: bodies that never end or stall,
//! uploads it stops reading, `101`s nobody asked for, versions that are not versions,
//! connections it closes under the client, and what the client sets on its connections.

mod connect_support;

use std::future::{Future, IntoFuture};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connect_support::Scratch;
use docker_client::options::ContainerListOptions;
use docker_client::{
    ApiVersion, Body, Docker, Error, LogOutput, TimeoutKind, DEFAULT_MAX_BODY_SIZE,
};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

/// An engine on a unix socket whose every connection runs a script.
struct RawEngine {
    host: String,
    connections: Arc<AtomicUsize>,
    /// `METHOD target` of every request head read, in order.
    heads: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
    _dir: Scratch,
}

/// One connection of a [`RawEngine`].
struct Conn {
    stream: UnixStream,
    buf: Vec<u8>,
    heads: Arc<Mutex<Vec<String>>>,
    /// 0 for the engine's first connection, 1 for the next...
    number: usize,
}

impl Conn {
    /// Reads a request head; `None` when the client closed the connection first.
    async fn head(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end + 4]).into_owned();
                self.buf.drain(..end + 4);
                let line: Vec<&str> = head.lines().next()?.split(' ').collect();
                self.heads
                    .lock()
                    .unwrap()
                    .push(format!("{} {}", line[0], line[1]));
                return Some(head);
            }
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    async fn write(&mut self, bytes: impl AsRef<[u8]>) -> bool {
        self.stream.write_all(bytes.as_ref()).await.is_ok()
    }

    /// `200 OK` with a JSON body.
    async fn json(&mut self, body: &str) -> bool {
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.write(answer).await
    }
}

impl RawEngine {
    async fn start<F, Fut>(script: F) -> RawEngine
    where
        F: Fn(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let dir = Scratch::new("wire");
        let socket = dir.path().join("engine.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (count, recorded) = (connections.clone(), heads.clone());
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let number = count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(script(Conn {
                    stream,
                    buf: Vec::new(),
                    heads: recorded.clone(),
                    number,
                }));
            }
        });
        RawEngine {
            host: format!("unix://{}", socket.display()),
            connections,
            heads,
            server,
            _dir: dir,
        }
    }

    /// A client whose API version is pinned: it sends no `/_ping` of its own.
    fn docker(&self) -> Docker {
        self.builder().build().unwrap()
    }

    fn builder(&self) -> docker_client::DockerBuilder {
        let own = docker_client::API_VERSION.parse().unwrap();
        Docker::builder().host(self.host.clone()).api_version(own)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for RawEngine {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A future that must end within 10 s.
async fn within<T>(what: &str, future: impl IntoFuture<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not end within 10 s"))
}

/// The followed logs of `engine`, once their first frame has come.
async fn followed_past_a_frame(engine: &RawEngine) -> docker_client::OutputStream {
    let docker = engine.docker();
    let mut logs = docker.container_logs("c").follow(true).await.unwrap();
    assert!(within("a frame", logs.next()).await.unwrap().is_ok());
    logs
}

fn list() -> ContainerListOptions {
    ContainerListOptions::default()
}

/// A chunked body that never ends: 1 MiB chunks of `x`, then more.
async fn endless_chunks(mut conn: Conn, status: &str) {
    conn.head().await;
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    if !conn.write(head).await {
        return;
    }
    let chunk = format!("100000\r\n{}\r\n", "x".repeat(1 << 20));
    while conn.write(&chunk).await {}
}

#[tokio::test]
async fn an_answer_that_never_ends_is_cut_at_the_limit() {
    let engine = RawEngine::start(|conn| endless_chunks(conn, "200 OK")).await;
    assert_eq!(engine.docker().max_body_size(), DEFAULT_MAX_BODY_SIZE);
    assert_eq!(DEFAULT_MAX_BODY_SIZE, 256 << 20);
    let limit = 8 << 20;
    let docker = engine.builder().max_body_size(limit).build().unwrap();
    assert_eq!(docker.max_body_size(), limit);
    let error = within("the list", docker.container_list().options(list()))
        .await
        .unwrap_err();
    match &error {
        Error::BodyTooLarge { host, limit: l } => {
            assert_eq!(host, &engine.host);
            assert_eq!(*l, limit);
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(&engine.host) && message.contains("8388608 bytes"),
        "{message}"
    );

    // The same with the default limit: the client stops at 256 MiB, not at 2 GiB.
    let error = within("the list", engine.docker().container_list().options(list()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit, .. } if limit == DEFAULT_MAX_BODY_SIZE),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_reading() {
    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
        // Declares 1 GiB, sends a few bytes, then waits: only the declaration can end this.
        conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n[")
            .await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    })
    .await;
    let docker = engine.builder().max_body_size(1 << 20).build().unwrap();
    let error = within("the list", docker.container_list().options(list()))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::BodyTooLarge { .. }), "{error:?}");
}

#[tokio::test]
async fn streams_are_not_limited() {
    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
        let size = 4 << 20;
        conn.write(format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nContent-Length: {size}\r\n\r\n"
        ))
        .await;
        conn.write(vec![b't'; size]).await;
    })
    .await;
    let docker = engine.builder().max_body_size(1 << 20).build().unwrap();
    let archive = docker.container_export("c").await.unwrap();
    assert_eq!(archive.collect_bytes().await.unwrap().len(), 4 << 20);
}

/// Log frames of 64 KiB without end, counting the bytes written into `written`; `closed` is
/// set when a write fails (the client went away).
async fn endless_frames(
    mut conn: Conn,
    written: Arc<AtomicUsize>,
    closed: Arc<tokio::sync::Notify>,
) {
    conn.head().await;
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n";
    let mut frame = vec![1, 0, 0, 0];
    frame.extend_from_slice(&(64u32 << 10).to_be_bytes());
    frame.resize(8 + (64 << 10), b'l');
    if conn.write(head).await {
        while conn.write(&frame).await {
            written.fetch_add(frame.len(), Ordering::SeqCst);
        }
    }
    closed.notify_one();
}

// The body of a multi-thread runtime's `block_on` (of `#[tokio::main]`) is no task of the
// runtime: a stream read there is read ahead by a task, a few chunks at most.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_read_outside_the_runtimes_tasks_is_read_ahead_a_little() {
    assert!(
        tokio::task::try_id().is_none(),
        "the test's body is no task"
    );
    // Every byte, in order.
    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
        let mut body = Vec::new();
        for i in 0..2000u32 {
            let payload = format!("line {i}\n");
            body.extend_from_slice(&[1 + (i % 2) as u8, 0, 0, 0]);
            body.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            body.extend_from_slice(payload.as_bytes());
        }
        conn.write(format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nContent-Length: {}\r\n\r\n",
            body.len()
        ))
        .await;
        for piece in body.chunks(777) {
            conn.write(piece).await;
        }
    })
    .await;
    let docker = engine.docker();
    let logs = docker.container_logs("c").stdout(true).stderr(true);
    let (stdout, stderr) = within("the logs", logs.await.unwrap().collect_output())
        .await
        .unwrap();
    let expected = |parity| {
        (0..2000u32)
            .filter(|i| i % 2 == parity)
            .map(|i| format!("line {i}\n"))
            .collect::<String>()
    };
    assert_eq!(String::from_utf8(stdout).unwrap(), expected(0));
    assert_eq!(String::from_utf8(stderr).unwrap(), expected(1));

    // Not far ahead of a reader that waits: the engine is held back by the socket's buffer,
    // the HTTP layer's and the few chunks read ahead, a few MiB at most.
    let written = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(tokio::sync::Notify::new());
    let (count, notify) = (written.clone(), closed.clone());
    let engine =
        RawEngine::start(move |conn| endless_frames(conn, count.clone(), notify.clone())).await;
    let logs = followed_past_a_frame(&engine).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ahead = written.load(Ordering::SeqCst);
    assert!(ahead < 8 << 20, "{ahead} bytes written ahead of the reader");
    // Dropped, the stream lets go of its connection: the engine's next write fails.
    drop(logs);
    within("the engine seeing the reader gone", closed.notified()).await;
    // So does one dropped while it waits for the engine, which has nothing more to send.
    let closed = Arc::new(tokio::sync::Notify::new());
    let notify = closed.clone();
    let engine = RawEngine::start(move |mut conn| {
        let notify = notify.clone();
        async move {
            conn.head().await;
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n\x01\0\0\0\0\0\0\x03hi\n").await;
            // (Reads end when the client closes the connection.)
            let mut rest = Vec::new();
            let _ = conn.stream.read_to_end(&mut rest).await;
            notify.notify_one();
        }
    })
    .await;
    let logs = followed_past_a_frame(&engine).await;
    drop(logs);
    within("the engine seeing the idle reader gone", closed.notified()).await;

    // The idle timeout still ends a stream that pauses.
    let pause = Duration::from_millis(600);
    let engine = RawEngine::start(move |conn| event_after(conn, pause)).await;
    let idle = Duration::from_millis(200);
    let _rest = cut_by_the_idle_timeout(&engine.docker(), idle).await;
}

// There too, a stream whose chunks grow big (a bulk transfer arriving faster than it is read),
// which the reading task reads on only once its queue is empty: every byte comes out in order,
// and the stream dropped past a big chunk lets go of its connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_big_chunks_read_outside_the_runtimes_tasks_comes_out_whole() {
    assert!(
        tokio::task::try_id().is_none(),
        "the test's body is no task"
    );
    // Chunks of 1,000 bytes, then of 256 KiB, then of 1,000 again; byte `i` is `i % 251`.
    let sizes = [vec![1000; 50], vec![256 << 10; 32], vec![1000; 50]].concat();
    let total: usize = sizes.iter().sum();
    let byte = |i: usize| (i % 251) as u8;
    let closed = Arc::new(tokio::sync::Notify::new());
    let notify = closed.clone();
    let engine = RawEngine::start(move |mut conn| {
        let (sizes, notify) = (sizes.clone(), notify.clone());
        async move {
            conn.head().await;
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n";
            let mut sent = conn.write(head).await;
            let mut at = 0;
            // The first connection's body ends; the second's goes on until the client goes.
            let count = if conn.number == 0 { sizes.len() } else { usize::MAX };
            for size in sizes.iter().copied().cycle().take(count) {
                let mut chunk = format!("{size:x}\r\n").into_bytes();
                chunk.extend((at..at + size).map(byte));
                chunk.extend_from_slice(b"\r\n");
                sent = sent && conn.write(&chunk).await;
                at += size;
                if !sent {
                    notify.notify_one();
                    return;
                }
            }
            conn.write("0\r\n\r\n").await;
        }
    })
    .await;
    let docker = engine.docker();
    let mut body = docker.container_export("c").await.unwrap();
    // (A moment for the engine to fill the socket: the connection's reads then fill its read
    // buffer, which grows, and so do the chunks.)
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (mut read, mut biggest) = (Vec::with_capacity(total), 0);
    while let Some(chunk) = within("a chunk", body.next()).await {
        let chunk = chunk.unwrap();
        biggest = biggest.max(chunk.len());
        read.extend_from_slice(&chunk);
    }
    assert!(
        biggest >= 64 << 10,
        "no chunk of 64 KiB came: {biggest} bytes at most"
    );
    assert_eq!(read.len(), total);
    assert!(
        read.iter().enumerate().all(|(i, b)| *b == byte(i)),
        "bytes out of order"
    );

    // Dropped past a big chunk, the stream closes its connection: the engine's write fails.
    let mut body = docker.container_export("c").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut biggest = 0;
    while biggest < 64 << 10 {
        biggest = biggest.max(within("a chunk", body.next()).await.unwrap().unwrap().len());
    }
    within("a chunk after a big one", body.next())
        .await
        .unwrap()
        .unwrap();
    drop(body);
    within("the engine seeing the reader gone", closed.notified()).await;
}

// A stream read ahead by a task whose runtime then shuts down: what was read comes out, then
// an error, not an end as if the body were whole.
#[test]
fn a_stream_read_ahead_whose_runtime_shuts_down_ends_with_an_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (engine, mut logs) = runtime.block_on(async {
        let written = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(tokio::sync::Notify::new());
        let engine =
            RawEngine::start(move |conn| endless_frames(conn, written.clone(), closed.clone()))
                .await;
        let docker = engine.docker();
        let logs = docker.container_logs("c").follow(true).await.unwrap();
        (engine, logs)
    });
    assert!(runtime.block_on(logs.next()).unwrap().is_ok());
    runtime.shutdown_timeout(Duration::from_secs(5));
    let rest: Vec<_> = futures::executor::block_on(logs.collect());
    let (last, before) = rest.split_last().expect("an error at least");
    assert!(before.iter().all(Result::is_ok), "{before:?}");
    // (Which comes first is a race of the shutdown: the reading task sees its queue closed, or
    // it was reading as the connection's task was dropped and passes on the body's cut.)
    match last {
        Err(Error::Transport { host, .. }) => assert_eq!(host, &engine.host),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_error_answer_is_read_a_little_and_its_message_bounded() {
    // An error whose body never ends: the client reads 64 KiB of it at most.
    let engine = RawEngine::start(|conn| endless_chunks(conn, "500 Internal Server Error")).await;
    let error = within("the list", engine.docker().container_list().options(list()))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    let message = error.message().unwrap();
    assert!(message.len() <= 4 * 1024 + 3, "{}", message.len());
    assert!(message.starts_with("xxxx") && message.ends_with('…'));

    // A JSON message of 1 MiB: a few KiB of it.
    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
        let body = serde_json::json!({ "message": "é".repeat(1 << 19) }).to_string();
        conn.write(format!(
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ))
        .await;
    })
    .await;
    let error = engine.docker().container_inspect("x").await.unwrap_err();
    assert!(error.is_not_found());
    let message = error.message().unwrap();
    assert!(message.len() <= 4 * 1024 + 3, "{}", message.len());
    assert!(error.to_string().len() < 5 * 1024);
}

#[tokio::test]
async fn a_101_nobody_asked_for_is_an_error() {
    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
        conn.write(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n[]",
        )
        .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let error = within("the list", engine.docker().container_list().options(list()))
        .await
        .unwrap_err();
    match &error {
        Error::Upgrade { host, message } => {
            assert_eq!(host, &engine.host);
            assert!(message.contains("did not ask"), "{message}");
        }
        other => panic!("expected Error::Upgrade, got {other:?}"),
    }
}

#[tokio::test]
async fn bytes_right_behind_a_101_head_are_the_first_output() {
    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
        // The head and the first frame in one write: they arrive in one read.
        let mut answer = b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n".to_vec();
        answer.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 6]);
        answer.extend_from_slice(b"first\n");
        answer.extend_from_slice(&[2, 0, 0, 0, 0, 0, 0, 7]);
        answer.extend_from_slice(b"second\n");
        conn.write(answer).await;
        let _ = conn.stream.shutdown().await;
    })
    .await;
    let attached = engine.docker().container_attach("c").await.unwrap();
    let output: Vec<LogOutput> = within("the output", attached.output.collect::<Vec<_>>())
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        output,
        [
            LogOutput::StdOut("first\n".into()),
            LogOutput::StdErr("second\n".into())
        ]
    );
}

/// Answers the head of a list at once, then nothing for a minute.
async fn stall_after_head(mut conn: Conn) {
    conn.head().await;
    conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[")
        .await;
    tokio::time::sleep(Duration::from_secs(60)).await;
}

#[tokio::test]
async fn a_body_that_stalls_after_its_head_is_bounded() {
    let engine = RawEngine::start(stall_after_head).await;
    // The header timeout stands in for the idle timeout of a body read whole...
    let limit = Duration::from_millis(300);
    let docker = engine
        .builder()
        .header_timeout(Some(limit))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = within("the list", docker.container_list().options(list()))
        .await
        .unwrap_err();
    match &error {
        Error::Timeout { host, kind, after } => {
            assert_eq!(host, &engine.host);
            assert_eq!(*kind, TimeoutKind::Body);
            assert_eq!(*after, limit);
        }
        other => panic!("expected a body timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= limit);
    assert!(
        error.to_string().contains("send more of the response body"),
        "{error}"
    );
    // ...and the idle timeout, when set, is the bound.
    let idle = Duration::from_millis(200);
    let docker = engine
        .builder()
        .header_timeout(Some(Duration::from_secs(30)))
        .idle_timeout(Some(idle))
        .build()
        .unwrap();
    assert_eq!(docker.idle_timeout(), Some(idle));
    let error = within("the list", docker.container_list().options(list()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Timeout { kind: TimeoutKind::Body, after, .. } if after == idle),
        "{error:?}"
    );
    // Per clone, too.
    let error = within(
        "the list",
        engine
            .docker()
            .with_idle_timeout(Some(idle))
            .container_list()
            .options(list()),
    )
    .await
    .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

/// Sends the head of a stream at once, then one event after `pause`, then ends.
async fn event_after(mut conn: Conn, pause: Duration) {
    conn.head().await;
    conn.write(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await;
    tokio::time::sleep(pause).await;
    let line = "{\"Type\":\"container\",\"Action\":\"start\"}\n";
    conn.write(format!("{:x}\r\n{line}\r\n0\r\n\r\n", line.len()))
        .await;
}

/// The events of `docker` with the idle timeout `idle`, from an engine that pauses longer:
/// the first item is a body timeout after `idle`. The rest of the stream is returned.
async fn cut_by_the_idle_timeout(docker: &Docker, idle: Duration) -> impl futures::Stream + Unpin {
    let mut events = docker
        .with_idle_timeout(Some(idle))
        .system_events()
        .await
        .unwrap();
    let error = within("the events", events.next())
        .await
        .expect("an item")
        .unwrap_err();
    assert!(
        matches!(error, Error::Timeout { kind: TimeoutKind::Body, after, .. } if after == idle),
        "{error:?}"
    );
    events
}

#[tokio::test]
async fn streams_pause_freely_unless_the_idle_timeout_is_set() {
    let pause = Duration::from_millis(600);
    let engine = RawEngine::start(move |conn| event_after(conn, pause)).await;
    // A header timeout shorter than the pause does not cut a stream.
    let docker = engine
        .builder()
        .header_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let events: Vec<_> = docker.system_events().await.unwrap().collect().await;
    assert_eq!(events.len(), 1);
    assert!(events[0].is_ok(), "{events:?}");
    // An idle timeout shorter than the pause does.
    let idle = Duration::from_millis(200);
    let mut events = cut_by_the_idle_timeout(&docker, idle).await;
    assert!(within("the end", events.next()).await.is_none());
}

#[tokio::test]
async fn a_wait_answers_when_the_container_stops_whatever_the_header_timeout() {
    // The engine sends the head of a wait at once, and its body when the container exits.
    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
        conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        let body = "{\"StatusCode\":3}\n";
        conn.write(format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len()))
            .await;
    })
    .await;
    let docker = engine
        .builder()
        .header_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let exit = docker.container_wait("c").await.unwrap();
    assert_eq!(exit.status_code, 3);
}

#[tokio::test]
async fn an_upload_the_engine_stops_reading_is_bounded() {
    // Reads the head of the request, then none of its body.
    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(conn);
    })
    .await;
    let limit = Duration::from_millis(300);
    let docker = engine
        .builder()
        .header_timeout(Some(limit))
        .build()
        .unwrap();
    // An endless upload, always ready with more.
    let chunk = bytes::Bytes::from(vec![b'u'; 64 * 1024]);
    let endless = futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
    let started = Instant::now();
    let error = within(
        "the upload",
        docker
            .image_load()
            .images_tarball(Body::from_stream(endless)),
    )
    .await
    .unwrap_err();
    match &error {
        Error::Timeout { kind, after, host } => {
            assert_eq!(*kind, TimeoutKind::Upload);
            assert_eq!(*after, limit);
            assert_eq!(host, &engine.host);
        }
        other => panic!("expected an upload timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= limit);
    assert!(error.to_string().contains("take more of the request body"));
}

#[tokio::test]
async fn an_api_version_from_the_engine_must_be_major_dot_minor() {
    for bad in ["1.40/../../containers/x", "latest", "1.40.1", "1.4a"] {
        let engine = RawEngine::start(move |mut conn| async move {
            while conn.head().await.is_some() {
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nApi-Version: {bad}\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK"
                );
                if !conn.write(answer).await {
                    return;
                }
            }
        })
        .await;
        let negotiating = Docker::builder().host(engine.host.clone()).build().unwrap();
        let error = negotiating.negotiate_version().await.unwrap_err();
        match &error {
            Error::Decode { message, .. } => {
                assert!(message.contains("API-Version"), "{message}")
            }
            other => panic!("{bad:?}: expected a decode error, got {other:?}"),
        }
        assert_eq!(engine.heads(), ["GET /_ping"], "{bad:?}");
    }
    // From the user: typed, so nothing else can be given.
    assert!("1.43/../../x".parse::<ApiVersion>().is_err());
}

#[test]
fn a_request_on_a_connection_the_engine_closed_unseen_goes_again() {
    // The engine on a runtime of its own; the client on one thread, which it blocks below.
    let engine_runtime = tokio::runtime::Runtime::new().unwrap();
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The first connection answers once and closes a little later (as Podman closes idle
    // connections); the next answers everything.
    let engine = engine_runtime.block_on(RawEngine::start(|mut conn| async move {
        while conn.head().await.is_some() {
            if !conn.json("{}").await {
                return;
            }
            if conn.number == 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                return;
            }
        }
    }));
    let docker = client_runtime.block_on(async { engine.docker() });
    client_runtime
        .block_on(docker.container_start("c").send())
        .unwrap();
    // The engine's close arrives while the client's thread is busy: the pool still holds the
    // connection as open when the next request takes it, and the request fails on it before
    // a byte of it is written.
    std::thread::sleep(Duration::from_millis(300));
    // A POST: sent again only because the engine cannot have seen it.
    client_runtime
        .block_on(docker.container_start("c").send())
        .unwrap();
    assert_eq!(engine.connections(), 2);
    assert_eq!(
        engine.heads(),
        [
            "POST /v1.43/containers/c/start",
            "POST /v1.43/containers/c/start"
        ]
    );
    drop(docker);
    drop(client_runtime);
    drop(engine);
}

#[tokio::test]
async fn a_get_whose_connection_is_reset_without_an_answer_goes_again() {
    // The first connection reads a request and closes with a byte of it unread: a reset.
    let engine = RawEngine::start(|mut conn| async move {
        if conn.number == 0 {
            let mut first = [0u8; 1];
            let _ = conn.stream.read_exact(&mut first).await;
            conn.heads.lock().unwrap().push("(reset)".to_owned());
            return;
        }
        while conn.head().await.is_some() {
            if !conn.json("[]").await {
                return;
            }
        }
    })
    .await;
    assert!(engine
        .docker()
        .container_list()
        .options(list())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(engine.heads(), ["(reset)", "GET /v1.43/containers/json"]);
}

#[tokio::test]
async fn a_get_whose_connection_closes_without_an_answer_goes_again_a_post_does_not() {
    // The first connection reads a request and closes without a word; the next answer.
    let engine = RawEngine::start(|mut conn| async move {
        while conn.head().await.is_some() {
            if conn.number == 0 {
                return;
            }
            if !conn.json("[]").await {
                return;
            }
        }
    })
    .await;
    let containers = engine
        .docker()
        .container_list()
        .options(list())
        .await
        .unwrap();
    assert!(containers.is_empty());
    assert_eq!(engine.connections(), 2);
    assert_eq!(
        engine.heads(),
        ["GET /v1.43/containers/json", "GET /v1.43/containers/json"]
    );

    let engine = RawEngine::start(|mut conn| async move {
        conn.head().await;
    })
    .await;
    let error = engine.docker().container_start("c").await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.to_string().contains(&engine.host), "{error}");
    assert_eq!(engine.heads(), ["POST /v1.43/containers/c/start"]);
}

#[tokio::test]
async fn the_reqwest_hook_adjusts_what_the_client_does_not_set_and_cannot_break_the_wire() {
    let engine = RawEngine::start(|mut conn| async move {
        while let Some(head) = conn.head().await {
            let agent = head
                .lines()
                .find_map(|l| l.strip_prefix("user-agent: "))
                .unwrap_or("none")
                .to_owned();
            if !conn
                .json(&serde_json::json!([{ "Id": agent }]).to_string())
                .await
            {
                return;
            }
        }
    })
    .await;
    let docker = engine
        .builder()
        .reqwest(|builder| {
            builder
                .user_agent("custom-agent/1")
                // None of these can take the wire away from the client.
                .unix_socket("/nonexistent/docker.sock")
                .connect_timeout(Duration::from_nanos(1))
        })
        .build()
        .unwrap();
    let containers = docker.container_list().options(list()).await.unwrap();
    assert_eq!(containers[0].id.as_deref(), Some("custom-agent/1"));
    assert_eq!(
        docker.connect_timeout(),
        docker_client::DEFAULT_CONNECT_TIMEOUT
    );
    assert!(format!("{:?}", engine.builder().reqwest(|b| b)).contains("<hook>"));
}

/// The timer of the kernel's TCP socket from `local` to `remote` (IPv4): its `tr:tm->when`
/// field in `/proc/net/tcp`, the timer kind and its clock ticks. (The remote address tells the
/// socket from closed ones of earlier tests that had the same local port.)
#[cfg(target_os = "linux")]
fn tcp_timer(local: std::net::SocketAddr, remote: std::net::SocketAddr) -> Option<(u32, u64)> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    // Little-endian hex of an address, as the kernel prints it.
    let hex = |address: std::net::SocketAddr| match address.ip() {
        std::net::IpAddr::V4(ip) => Some(format!(
            "{:08X}:{:04X}",
            u32::from_le_bytes(ip.octets()),
            address.port()
        )),
        std::net::IpAddr::V6(_) => None,
    };
    let (local, remote) = (hex(local)?, hex(remote)?);
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(1) != Some(&local.as_str()) || fields.get(2) != Some(&remote.as_str()) {
            return None;
        }
        let (kind, when) = fields.get(5)?.split_once(':')?;
        Some((
            u32::from_str_radix(kind, 16).ok()?,
            u64::from_str_radix(when, 16).ok()?,
        ))
    })
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn tcp_connections_have_keep_alive_every_30_seconds() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (peer, seen) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut stream, client) = listener.accept().await.unwrap();
        let _ = peer.send(client);
        let mut buf = vec![0u8; 4096];
        let _ = stream.read(&mut buf).await;
        let answer = "HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\nContent-Length: 2\r\n\r\nOK";
        let _ = stream.write_all(answer.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let docker = Docker::connect(&format!("tcp://{address}")).unwrap();
    docker.system_ping().await.unwrap();
    let client = seen.await.unwrap();
    // The idle connection waits in the pool with its keep-alive timer (kind 2) running, due
    // in at most 30 s (3,000 ticks of the kernel's 100 Hz clock).
    let (kind, when) = tcp_timer(client, address).expect("the client's socket in /proc/net/tcp");
    assert_eq!(kind, 2, "keep-alive timer");
    assert!((2_000..=3_000).contains(&when), "{when} ticks");
}

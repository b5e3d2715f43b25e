//! Helpers of the connection tests (`connect*.rs`): the engines' addresses from the
//! environment `cargo xtask test` sets up, a scratch directory, and a TCP mock server that
//! counts connections and can misbehave on purpose.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// An environment variable `tests/engine/engine.sh start` exports. Missing is a failure, not a
/// skip: these tests run through `cargo xtask test`.
pub fn engine_var(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "{name} is not set: run the tests with `cargo xtask test`, or start the test engines \
             with `eval \"$(tests/engine/engine.sh start)\"` first"
        ),
    }
}

/// A fresh directory under the system's temp dir, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dc-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch directory");
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `relative`, creating directories.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).expect("create directories");
        std::fs::write(&path, contents).expect("write a scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How the TCP mock answers each request.
#[derive(Clone, Copy, Debug)]
pub enum Behavior {
    /// `200 OK` with body `OK`, `Api-Version: <version>`, kept alive.
    Ping(&'static str),
    /// Like `Ping`, then closes the connection, without saying so in a header: a server that
    /// drops idle connections.
    PingThenClose,
    /// `GET .../events`: like `Trickle`; anything else: like `Ping`.
    EventsOrPing { interval: Duration, count: usize },
    /// Reads the request and never answers.
    Silent,
    /// Sends the headers of a chunked `application/json` response at once, then one event
    /// line every `interval`, `count` times, then ends the body.
    Trickle { interval: Duration, count: usize },
    /// Reads the whole (chunked or sized) request body, then answers `200 {}`.
    ReadBodyThenOk,
}

/// A plain-HTTP server on a loopback port.
pub struct TcpMock {
    pub address: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    server: JoinHandle<()>,
}

impl TcpMock {
    pub async fn start(behavior: Behavior) -> TcpMock {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = format!("tcp://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (c, r) = (connections.clone(), requests.clone());
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                c.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, behavior, r.clone()));
            }
        });
        TcpMock {
            address,
            connections,
            requests,
            server,
        }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Requests read so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for TcpMock {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(mut stream: TcpStream, behavior: Behavior, requests: Arc<AtomicUsize>) {
    let mut buffer = Vec::new();
    loop {
        let Some((head_len, content_length, chunked)) = read_head(&mut stream, &mut buffer).await
        else {
            return;
        };
        requests.fetch_add(1, Ordering::SeqCst);
        let events = buffer.starts_with(b"GET ")
            && buffer
                .split(|&b| b == b' ')
                .nth(1)
                .is_some_and(|target| target.ends_with(b"/events"));
        buffer.drain(..head_len);
        let behavior = match behavior {
            Behavior::EventsOrPing { interval, count } if events => {
                Behavior::Trickle { interval, count }
            }
            Behavior::EventsOrPing { .. } => Behavior::Ping("1.43"),
            other => other,
        };
        match behavior {
            Behavior::PingThenClose => {
                let answer = "HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\n\
                              Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
                let _ = stream.write_all(answer.as_bytes()).await;
                return;
            }
            Behavior::EventsOrPing { .. } => unreachable!("resolved above"),
            Behavior::Ping(version) => {
                buffer.clear();
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nApi-Version: {version}\r\nContent-Type: text/plain\r\n\
                     Content-Length: 2\r\n\r\nOK"
                );
                if stream.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
            Behavior::Silent => {
                // Hold the connection open without a word until the client gives up.
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
            Behavior::Trickle { interval, count } => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                            Transfer-Encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for i in 0..count {
                    tokio::time::sleep(interval).await;
                    let line = format!(
                        "{{\"Type\":\"container\",\"Action\":\"tick\",\"Actor\":{{\"ID\":\"{i}\"}}}}\n"
                    );
                    let chunk = format!("{:x}\r\n{line}\r\n", line.len());
                    if stream.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
                let _ = stream.write_all(b"0\r\n\r\n").await;
                buffer.clear();
            }
            Behavior::ReadBodyThenOk => {
                if chunked {
                    while !ends_chunked_body(&buffer) {
                        if !read_more(&mut stream, &mut buffer).await {
                            return;
                        }
                    }
                } else {
                    while buffer.len() < content_length {
                        if !read_more(&mut stream, &mut buffer).await {
                            return;
                        }
                    }
                }
                buffer.clear();
                let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                              Content-Length: 2\r\n\r\n{}";
                if stream.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn ends_chunked_body(buffer: &[u8]) -> bool {
    buffer.ends_with(b"0\r\n\r\n")
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

/// Reads until a request head is complete: its length, Content-Length, and whether chunked.
async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<(usize, usize, bool)> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let content_length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let chunked = head.contains("transfer-encoding: chunked");
            return Some((end + 4, content_length, chunked));
        }
        if !read_more(stream, buffer).await {
            return None;
        }
    }
}

/// The effective user id of this process, from `/proc/self/status`.
pub fn euid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("an Uid line")
}

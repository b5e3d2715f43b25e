//! A mock engine on a unix socket: a minimal HTTP/1.1 responder with keep-alive that serves
//! a container's logs and export from pre-built buffers, as fast as it can write them.

use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

use crate::peers::Res;

const MIB: usize = 1 << 20;
/// A log frame, header included.
const FRAME: usize = 32 * 1024;
const HEADER: usize = 8;

/// The answers' bodies: each a number of copies of one chunk of the chunked encoding.
struct Bodies {
    logs_chunk: Bytes,
    logs_chunks: usize,
    export_chunk: Bytes,
    export_chunks: usize,
}

/// The payload bytes of `mib` MiB of log frames.
pub fn logs_payload(mib: usize) -> u64 {
    (mib * MIB / FRAME * (FRAME - HEADER)) as u64
}

/// One chunk of the chunked encoding (`size\r\n data \r\n`) holding `data`.
fn chunk(data: &[u8]) -> Bytes {
    let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(b"\r\n");
    Bytes::from(chunk)
}

/// Serves on `socket` until killed: `LOGS_MIB` MiB of stdout frames for
/// `/containers/{id}/logs`, `EXPORT_MIB` MiB for `/containers/{id}/export` and `/containers/{id}/archive`.
pub fn serve(socket: &str, logs_mib: usize, export_mib: usize) -> Res<()> {
    // One MiB of frames: 8-byte header [1, 0, 0, 0, length as big-endian u32], then 'x'
    // ending in '\n'.
    let mut frames = Vec::with_capacity(MIB);
    for _ in 0..MIB / FRAME {
        frames.extend_from_slice(&[1, 0, 0, 0]);
        frames.extend_from_slice(&((FRAME - HEADER) as u32).to_be_bytes());
        frames.resize(frames.len() + FRAME - HEADER - 1, b'x');
        frames.push(b'\n');
    }
    let bodies = Arc::new(Bodies {
        logs_chunk: chunk(&frames),
        logs_chunks: logs_mib,
        export_chunk: chunk(&vec![b't'; MIB]),
        export_chunks: export_mib,
    });
    let _ = std::fs::remove_file(socket);
    // One thread: the mock should take as little of the machine's two cores as it can.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = UnixListener::bind(socket)?;
        loop {
            let (stream, _) = listener.accept().await?;
            let bodies = bodies.clone();
            tokio::spawn(async move {
                // (A client closing its connection ends it; nothing to report.)
                let _ = connection(stream, &bodies).await;
            });
        }
    })
}

/// Answers the requests of one connection, one after the other.
async fn connection(mut stream: UnixStream, bodies: &Bodies) -> std::io::Result<()> {
    let mut buffer = Vec::with_capacity(8192);
    let mut read = [0u8; 8192];
    loop {
        let end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = stream.read(&mut read).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&read[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        buffer.drain(..end);
        let target = head.split(' ').nth(1).unwrap_or("/");
        let path = target.split('?').next().unwrap_or(target);
        match route(path) {
            Route::Ping => {
                let answer = "HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\nContent-Type: text/plain; \
                              charset=utf-8\r\nContent-Length: 2\r\n\r\nOK";
                stream.write_all(answer.as_bytes()).await?;
            }
            Route::Logs => {
                let head = "application/vnd.docker.multiplexed-stream";
                streamed(&mut stream, head, &bodies.logs_chunk, bodies.logs_chunks).await?;
            }
            Route::Export => {
                let head = "application/x-tar";
                streamed(
                    &mut stream,
                    head,
                    &bodies.export_chunk,
                    bodies.export_chunks,
                )
                .await?;
            }
            Route::Unknown => {
                let body = r#"{"message":"no such path"}"#;
                let answer = format!(
                    "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(answer.as_bytes()).await?;
            }
        }
    }
}

/// A `200` with a chunked body of `count` copies of `chunk`.
async fn streamed(
    stream: &mut UnixStream,
    content_type: &str,
    chunk: &[u8],
    count: usize,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await?;
    for _ in 0..count {
        stream.write_all(chunk).await?;
    }
    stream.write_all(b"0\r\n\r\n").await
}

enum Route {
    Ping,
    Logs,
    Export,
    Unknown,
}

/// What a request path asks for, with or without a `/v1.xx` prefix.
fn route(path: &str) -> Route {
    let path = match path.strip_prefix("/v") {
        Some(rest) => match rest.find('/') {
            Some(at) if rest[..at].chars().all(|c| c.is_ascii_digit() || c == '.') => &rest[at..],
            _ => path,
        },
        None => path,
    };
    if path == "/_ping" {
        return Route::Ping;
    }
    let container = path
        .strip_prefix("/containers/")
        .and_then(|rest| rest.split_once('/'));
    match container {
        Some((id, "logs")) if !id.is_empty() => Route::Logs,
        // (`archive`: bollard 0.15 has no container export; it reads this instead.)
        Some((id, "export" | "archive")) if !id.is_empty() => Route::Export,
        _ => Route::Unknown,
    }
}

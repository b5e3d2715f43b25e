//! End to end: `container_logs` over a unix socket from a local server that streams 1 GiB of
//! multiplexed frames (17 B to 64 KiB), read through the client's demultiplexed output stream.
//!
//! `cargo bench -p docker-client --bench logs`

use std::time::Instant;

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;

const TOTAL: usize = 1 << 30;

#[tokio::main]
async fn main() {
    let frames = bytes::Bytes::from(common::frames(TOTAL));
    let len = frames.len();
    let dir = std::env::temp_dir().join(format!("docker-client-logs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let socket = dir.join("engine.sock");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind");
    let served = frames.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let body = served.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });

    let docker = docker_client::Docker::connect_unix(&socket).expect("client");
    let options = docker_client::options::ContainerLogsOptions {
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    };
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let mut output = docker
            .container_logs("bench")
            .options(options.clone())
            .await
            .expect("logs");
        let mut received = 0usize;
        while let Some(piece) = output.next().await {
            received += piece.expect("piece").bytes().len();
        }
        best = best.min(start.elapsed().as_secs_f64());
        assert!(received > 0 && received < len);
    }
    println!(
        "logs over a unix socket: {:.2} GB/s (best of 3, {:.2} GiB of frames)",
        len as f64 / best / 1e9,
        len as f64 / (1u64 << 30) as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

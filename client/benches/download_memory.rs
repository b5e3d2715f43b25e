//! Peak memory while downloading a 512 MiB archive (`container_export`) through the client over
//! a unix socket. The server generates the bytes as it sends them, so the process's peak
//! resident memory (VmHWM) is the client's streaming footprint plus the runtime.
//!
//! `cargo bench -p docker-client --bench download_memory`

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOTAL: usize = 512 << 20;
const BLOCK: usize = 64 * 1024;

fn resident_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = std::env::temp_dir().join(format!("docker-client-mem-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let socket = dir.join("engine.sock");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind");
    tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nContent-Length: {TOTAL}\r\n\r\n"
        );
        let _ = stream.write_all(head.as_bytes()).await;
        let block = vec![b't'; BLOCK];
        for _ in 0..TOTAL / BLOCK {
            if stream.write_all(&block).await.is_err() {
                return;
            }
        }
    });

    let before = resident_kib("VmRSS:");
    let docker = docker_client::Docker::connect_unix(&socket).expect("client");
    let mut archive = docker.container_export("bench").await.expect("export");
    let mut received = 0usize;
    while let Some(chunk) = archive.next().await {
        received += chunk.expect("chunk").len();
    }
    assert_eq!(received, TOTAL);
    let peak = resident_kib("VmHWM:");
    println!(
        "downloaded {} MiB: peak resident memory {:.1} MiB (resident before the download {:.1} MiB)",
        received >> 20,
        peak as f64 / 1024.0,
        before as f64 / 1024.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}

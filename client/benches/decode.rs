//! End to end: JSON answers read whole and decoded into the models, over a unix socket from a
//! local server: `container_inspect` (one engine fixture, 4.6 KiB) and `container_list` of
//! 2,000 containers (1.8 MiB). Prints the median time per call over rounds, and its range.
//!
//! `cargo bench -p docker-client --bench decode`

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/engine");
const CONTAINERS: usize = 2000;
const ROUNDS: usize = 7;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let inspect = std::fs::read(format!("{FIXTURES}/container_inspect.json")).expect("fixture");
    let list = std::fs::read_to_string(format!("{FIXTURES}/container_list.json")).expect("fixture");
    let one = list.trim().trim_start_matches('[').trim_end_matches(']');
    let list = format!("[{}]", vec![one; CONTAINERS].join(",")).into_bytes();
    let dir =
        std::env::temp_dir().join(format!("docker-client-decode-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let socket = dir.join("engine.sock");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind");
    let (inspect_body, list_body) = (inspect.clone(), list.clone());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (inspect, list) = (inspect_body.clone(), list_body.clone());
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                        continue;
                    };
                    let head: Vec<u8> = request.drain(..end + 4).collect();
                    let body = match head.windows(16).any(|w| w == b"/containers/json") {
                        true => &list,
                        false => &inspect,
                    };
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    if stream.write_all(answer.as_bytes()).await.is_err()
                        || stream.write_all(body).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });

    let docker = docker_client::Docker::connect_unix(&socket)
        .expect("client")
        .with_api_version(docker_client::ApiVersion::new(1, 43));
    let mut inspect_times = Vec::new();
    let mut list_times = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..200 {
            let answer = docker.container_inspect("bench").await.expect("inspect");
            assert!(answer.id.is_some());
        }
        inspect_times.push(start.elapsed().as_secs_f64() / 200.0);
        let start = Instant::now();
        for _ in 0..5 {
            let answer = docker.container_list().all(true).await.expect("list");
            assert_eq!(answer.len(), CONTAINERS);
        }
        list_times.push(start.elapsed().as_secs_f64() / 5.0);
    }
    report(
        "container_inspect (4.6 KiB)",
        &mut inspect_times,
        inspect.len(),
    );
    report(
        "container_list (2,000 containers)",
        &mut list_times,
        list.len(),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn report(name: &str, times: &mut [f64], bytes: usize) {
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{name}: {:.1} us per call [{:.1}..{:.1}], {:.0} MB/s ({} rounds, {} bytes)",
        median * 1e6,
        times[0] * 1e6,
        times[times.len() - 1] * 1e6,
        bytes as f64 / median / 1e6,
        times.len(),
        bytes
    );
}

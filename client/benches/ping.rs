//! `/_ping` round trips over the engine's unix socket: the client, sequential and with 32
//! concurrent tasks, beside the limit, a raw keep-alive loop writing the same request bytes on
//! one `UnixStream`, blocking and on tokio.
//!
//! ```sh
//! eval "$(tests/engine/engine.sh start v26)"     # DOCKER_HOST=unix://...
//! cargo bench -p docker-client --bench ping      # PING_BENCH_ROUNDS=7, PING_BENCH_SECS=1
//! ```
//!
//! The cases take turns for `PING_BENCH_ROUNDS` rounds of `PING_BENCH_SECS` each;
//! `PING_BENCH_VERBOSE=1` prints every round. `PING_BENCH_PROFILE=<case>` runs one case alone,
//! for `perf` or `valgrind`: `raw-std`, `raw-tokio`, `client`, `raw-32` or `client-32`, on a current-thread runtime unless `PING_BENCH_RUNTIME=multi`.

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
    let secs: f64 = env_or("PING_BENCH_SECS", 1.0);
    let rounds: usize = env_or("PING_BENCH_ROUNDS", 7);
    let span = Duration::from_secs_f64(secs);
    let request = format!(
        "GET /v{}/_ping HTTP/1.1\r\nuser-agent: {}\r\nhost: api.moby.localhost\r\n\r\n",
        docker_client::API_VERSION,
        docker_client::USER_AGENT
    );
    let current = if std::env::var("PING_BENCH_RUNTIME").as_deref() == Ok("multi") {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    }
    .enable_all()
    .build()
    .unwrap();
    if let Ok(only) = std::env::var("PING_BENCH_PROFILE") {
        // One case, for a profiler.
        let rate = match only.as_str() {
            "raw-std" => raw_std(&socket, request.as_bytes(), span),
            "raw-tokio" => current.block_on(raw_tokio(socket, request, span)),
            "raw-32" => current.block_on(raw_concurrent(&socket, &request, span)),
            "client-32" => {
                let docker = Docker::connect(&host).expect("a client");
                current.block_on(client_concurrent(docker, span))
            }
            _ => {
                let docker = Docker::connect(&host).expect("a client");
                current.block_on(client_sequential(docker, span))
            }
        };
        println!("{only}: {rate:.0} req/s");
        return;
    }

    // The cases take turns, round after round, so that a slower spell of the machine weighs
    // on all of them alike; each figure is the median of its rounds, and each ratio the median
    // of the ratios to the raw loop of the same round.
    println!("/_ping over {socket}: {rounds} rounds of {secs} s per case");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // One client per runtime: a runtime's sockets are registered with its own reactor.
    let on_current = Docker::connect(&host).expect("a client");
    let on_multi = Docker::connect(&host).expect("a client");
    let cases: [(&str, &dyn Fn() -> f64); 7] = [
        ("raw std UnixStream (the limit)", &|| {
            raw_std(&socket, request.as_bytes(), span)
        }),
        ("raw tokio UnixStream", &|| {
            current.block_on(raw_tokio(socket.clone(), request.clone(), span))
        }),
        ("client, current-thread runtime", &|| {
            current.block_on(client_sequential(on_current.clone(), span))
        }),
        ("client, multi-thread runtime, in a task", &|| {
            let task = multi.spawn(client_sequential(on_multi.clone(), span));
            multi.block_on(task).unwrap()
        }),
        ("client, multi-thread runtime, block_on", &|| {
            multi.block_on(client_sequential(on_multi.clone(), span))
        }),
        ("raw tokio, 32 tasks, a connection each", &|| {
            multi.block_on(raw_concurrent(&socket, &request, span))
        }),
        ("client, 32 tasks, multi-thread runtime", &|| {
            multi.block_on(client_concurrent(on_multi.clone(), span))
        }),
    ];
    let mut rates = vec![Vec::new(); cases.len()];
    // The benchmark process's CPU time per request (both runtimes' threads included, the
    // engine's not): steadier than the rates when the machine is noisy.
    let mut cpu = vec![Vec::new(); cases.len()];
    let verbose = std::env::var_os("PING_BENCH_VERBOSE").is_some();
    for round in 0..rounds {
        // Each round starts at another case, so that no case always runs right after another.
        for step in 0..cases.len() {
            let case = (round + step) % cases.len();
            let (started, cpu_before) = (Instant::now(), cpu_seconds());
            let rate = (cases[case].1)();
            if let (Some(before), Some(after)) = (cpu_before, cpu_seconds()) {
                // (The requests of the warm-up included, at the same rate.)
                let requests = rate * started.elapsed().as_secs_f64();
                cpu[case].push((after - before) * 1e6 / requests);
            }
            rates[case].push(rate);
        }
        if verbose {
            let round: Vec<String> = rates
                .iter()
                .map(|r| format!("{:>6.0}", r[r.len() - 1]))
                .collect();
            println!("round: {}", round.join(" "));
        }
    }
    println!(
        "{:<40} {:>12} {:>10} {:>9} {:>15} {:>13}",
        "case (median of rounds)", "req/s", "us/req", "x raw", "x raw, range", "CPU us/req"
    );
    for (case, (label, _)) in cases.iter().enumerate() {
        if case == 5 {
            println!("concurrent:");
        } else if case == 0 {
            println!("sequential:");
        }
        let ratios: Vec<f64> = (0..rounds).map(|r| rates[case][r] / rates[0][r]).collect();
        let low = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
        let high = ratios.iter().cloned().fold(0.0, f64::max);
        let rate = median(&rates[case]);
        println!(
            "  {label:<38} {rate:>12.0} {:>10.1} {:>8.2}x {low:>7.2}-{high:.2}x {:>13}",
            1e6 / rate,
            median(&ratios),
            if cpu[case].is_empty() {
                "-".to_owned()
            } else {
                format!("{:.1}", median(&cpu[case]))
            },
        );
    }
}

/// User and system CPU time of this process so far, from `/proc/self/stat` (Linux), in
/// seconds: whole clock ticks of 10 ms, fine over rounds of a second.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name in parentheses: state, then 10 fields, then utime and stime.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
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

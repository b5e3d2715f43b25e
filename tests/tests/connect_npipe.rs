//! `npipe://` hosts: the client against a mock engine on a Windows named pipe.
//!
//! Windows only. On Linux, `cargo xtask test-windows` runs it under Wine (see the README).

#![cfg(windows)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use docker_client::{ApiVersion, Docker};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::windows::named_pipe::{NamedPipeServer, ServerOptions};

/// A mock engine on the pipe `\\.\pipe\<name>` answering `/_ping`; counts its connections.
struct PipeMock {
    /// The address as `DOCKER_HOST` holds it.
    host: String,
    connections: Arc<AtomicUsize>,
}

impl PipeMock {
    fn start(name: &str) -> PipeMock {
        let path = format!(r"\\.\pipe\{name}");
        // The first instance exists before the client may connect.
        let first = ServerOptions::new()
            .first_pipe_instance(true)
            .create(&path)
            .expect("create the named pipe");
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            let mut server = first;
            loop {
                if server.connect().await.is_err() {
                    return;
                }
                let connected = server;
                server = match ServerOptions::new().create(&path) {
                    Ok(next) => next,
                    Err(_) => return,
                };
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(answer_pings(connected));
            }
        });
        PipeMock {
            host: format!("npipe:////./pipe/{name}"),
            connections,
        }
    }
}

/// Answers each request on the connection: `200 OK` for `/_ping` with `Host:
/// api.moby.localhost`, else `404`.
async fn answer_pings(mut pipe: NamedPipeServer) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match pipe.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        buffer.drain(..end);
        // Over a pipe there is no host name: the Go client's stand-in, as the CLI sends.
        let host_ok = head
            .to_ascii_lowercase()
            .contains("\r\nhost: api.moby.localhost\r\n");
        let ping = head.starts_with("GET /_ping ") || head.starts_with("GET /v1.43/_ping ");
        let answer = if ping && host_ok {
            "HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\nContent-Type: text/plain\r\n\
             Content-Length: 2\r\n\r\nOK"
        } else {
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\
             Content-Length: 24\r\n\r\n{\"message\":\"not found\"}\n"
        };
        if pipe.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn npipe_hosts_reach_an_engine_on_a_named_pipe_and_keep_the_connection() {
    let mock = PipeMock::start(&format!("docker-client-test-{}", std::process::id()));
    let docker = Docker::connect(&mock.host).expect("an npipe client");
    assert_eq!(docker.host(), mock.host);
    for _ in 0..3 {
        let ping = docker.system_ping().await.expect("a ping over the pipe");
        assert_eq!(ping.body, "OK");
        assert_eq!(ping.api_version.as_deref(), Some("1.43"));
        // (hyper puts the connection back in the pool from a task of its own.)
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let negotiated = docker.negotiate_version().await.expect("negotiation");
    assert_eq!(negotiated.api_version(), ApiVersion::new(1, 43));
    let error = docker
        .container_inspect("nothing")
        .await
        .expect_err("the mock knows no containers");
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(
        mock.connections.load(Ordering::SeqCst),
        1,
        "every request went over one kept-alive connection"
    );
}

#[tokio::test]
async fn a_missing_pipe_is_its_own_error_naming_the_host() {
    let host = "npipe:////./pipe/docker-client-test-no-such-pipe";
    let docker = Docker::connect(host).expect("an npipe client");
    let error = docker
        .system_ping()
        .await
        .expect_err("nothing listens there");
    assert!(error.is_socket_not_found(), "{error:?}");
    assert!(error.to_string().contains(host), "{error}");
}

#[tokio::test]
async fn a_pipe_whose_instances_are_all_busy_is_waited_for() {
    use tokio::net::windows::named_pipe::ClientOptions;
    let name = format!("docker-client-busy-{}", std::process::id());
    let path = format!(r"\\.\pipe\{name}");
    // One instance, taken by another client: the pipe is busy.
    let first = ServerOptions::new()
        .first_pipe_instance(true)
        .create(&path)
        .expect("create the named pipe");
    let blocker = ClientOptions::new().open(&path).expect("take the instance");
    first.connect().await.expect("the blocker connects");
    let busy = ClientOptions::new().open(&path).unwrap_err();
    assert_eq!(busy.raw_os_error(), Some(231), "{busy:?}");
    // A free instance a little later.
    let server_path = path.clone();
    let opened = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let next = ServerOptions::new().create(&server_path).unwrap();
        next.connect().await.unwrap();
        answer_pings(next).await;
    });
    let docker = Docker::connect(&format!("npipe:////./pipe/{name}")).unwrap();
    let started = std::time::Instant::now();
    let ping = docker
        .system_ping()
        .await
        .expect("a ping once an instance is free");
    assert_eq!(ping.body, "OK");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    drop((blocker, first, docker));
    opened.abort();
}

/// An `ssh://` engine on Windows: the relay listens on a named pipe of its own, and each
/// connection to it starts the "ssh" program (here a stand-in that answers pings over its
/// standard input and output, as `docker system dial-stdio` would carry an engine's answers).
#[tokio::test(flavor = "multi_thread")]
async fn an_ssh_engine_is_reached_through_a_relay_on_a_named_pipe() {
    let docker = docker_client::DockerBuilder::new()
        .host("ssh://me@engine.example:2222")
        .ssh_program(env!("CARGO_BIN_EXE_stdio-ping"))
        .build()
        .expect("an ssh client");
    for _ in 0..3 {
        let pong = docker.system_ping().await.expect("ping through the relay");
        assert_eq!(pong.api_version.as_deref(), Some("1.45"));
    }
    let missing = docker_client::DockerBuilder::new()
        .host("ssh://me@engine.example")
        .ssh_program(r"C:\nonexistent\ssh.exe")
        .build()
        .expect("an ssh client");
    let error = missing.system_ping().await.expect_err("no such program");
    assert_eq!(
        error.ssh_kind(),
        Some(docker_client::SshErrorKind::NotInstalled),
        "{error}"
    );
}

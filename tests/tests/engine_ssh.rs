//! `ssh://` engines for real (issue 14): a private sshd from Debian's openssh-server on a
//! loopback port, whose logins run `docker system dial-stdio` (the docker CLI of bookworm's
//! docker.io) against the v26 test engine, whose socket the address's path names. Ping, a
//! container run with its logs, exec with standard input (an upgrade over the relay), and the
//! typed errors of a refused key, an unknown host key and a remote host without docker.
//!
//! Run with `cargo xtask test`, or with the test engines up and openssh-server installed:
//! `eval "$(tests/engine/engine.sh start)" && cargo test -p docker-client-tests --features engine --test engine_ssh`.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use docker_client::options::ContainerLogsOptions;
use docker_client::{models, Docker, DockerBuilder, Error, LogOutput, SshErrorKind};
use docker_client_tests::engine::{required_env, socket_path, TestEngine, HOW_TO_START};
use docker_client_tests::ssh::{Key, Sshd};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

// --- Helpers (every call of an operation goes through these) ---------------------------------

/// The test engine (for the test's names, labels and cleanup) and a private sshd in a
/// directory of this test's.
async fn setup(name: &str) -> (TestEngine, Sshd) {
    for variable in ["DOCKER_HOST", "BUSYBOX_ROOTFS_TAR"] {
        if std::env::var(variable).map_or(true, |v| v.is_empty()) {
            panic!("{variable} is not set: {HOW_TO_START}");
        }
    }
    let t = TestEngine::start().await;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sshd-{name}"));
    let sshd = tokio::task::spawn_blocking(move || Sshd::start(&dir))
        .await
        .expect("sshd");
    (t, sshd)
}

/// The path of the engine's socket, which the `ssh://` address carries.
fn engine_socket() -> String {
    let socket = socket_path(&required_env("DOCKER_HOST"));
    socket.display().to_string()
}

/// A client of the test engine through `sshd`, logging in with `key`.
fn ssh_client(sshd: &Sshd, key: Key, known_host: bool) -> Docker {
    DockerBuilder::new()
        .host(sshd.url(&engine_socket()))
        .ssh_options(sshd.options(key, known_host))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| panic!("an ssh client: {e}"))
}

/// Awaits `future`, failing the test after `secs` seconds instead of hanging.
async fn within<T>(secs: u64, what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {secs} s: {what}"))
}

async fn ping(docker: &Docker) -> Result<models::SystemPingResponse, Error> {
    docker.system_ping().await
}

/// Creates (through `docker`) a container of the test's, removed when the test ends, and
/// starts it.
async fn run(t: &TestEngine, docker: &Docker, cmd: &[&str]) -> String {
    let body = t.container_body(cmd);
    let options = docker_client::options::ContainerCreateOptions {
        name: Some(t.name("ssh")),
        ..Default::default()
    };
    let created = docker
        .container_create(body)
        .options(options)
        .await
        .expect("create a container over ssh");
    t.remove_container_later(&created.id);
    docker
        .container_start(&created.id)
        .await
        .expect("start a container over ssh");
    created.id
}

/// The exit code of the container, once it has ended.
async fn wait(docker: &Docker, id: &str) -> i64 {
    let answer = within(30, "container wait", docker.container_wait(id).send())
        .await
        .expect("wait over ssh");
    answer.status_code
}

/// Stdout and stderr of the container's logs.
async fn logs(docker: &Docker, id: &str) -> (String, String) {
    let options = ContainerLogsOptions {
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    };
    let mut output = docker
        .container_logs(id)
        .options(options)
        .await
        .expect("logs");
    let (mut out, mut err) = (String::new(), String::new());
    while let Some(piece) = within(30, "logs", output.next()).await {
        match piece.expect("a piece of the logs") {
            LogOutput::StdOut(bytes) => out.push_str(&String::from_utf8_lossy(&bytes)),
            LogOutput::StdErr(bytes) => err.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("unexpected output {other:?}"),
        }
    }
    (out, err)
}

/// The error of a ping through `sshd` with `key`.
async fn ping_error(sshd: &Sshd, key: Key, known_host: bool) -> Error {
    let docker = ssh_client(sshd, key, known_host);
    let answer = within(60, "a ping that fails", ping(&docker)).await;
    answer.expect_err("the ping should fail")
}

/// The error names the engine's address and quotes ssh.
fn assert_names_host_and_says(error: &Error, sshd: &Sshd, said: &str) {
    let text = error.to_string();
    assert!(
        text.contains(&format!("127.0.0.1:{}", sshd.port)),
        "the error names the host: {text}"
    );
    assert!(
        text.contains(said),
        "the error quotes ssh ({said:?}): {text}"
    );
    assert!(
        !text.contains("BEGIN OPENSSH PRIVATE KEY"),
        "no key material: {text}"
    );
}

// --- Tests -------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn ping_and_version_over_ssh() {
    let (_t, sshd) = setup("ping").await;
    let docker = ssh_client(&sshd, Key::Authorized, true);
    assert_eq!(docker.host(), sshd.url(&engine_socket()));
    let docker = within(60, "negotiate", docker.negotiate_version())
        .await
        .unwrap_or_else(|e| panic!("negotiate over ssh: {e}; sshd: {}", sshd.log()));
    let pong = ping(&docker).await.expect("ping over ssh");
    assert!(pong.api_version.is_some(), "{pong:?}");
    let version = docker.system_version().await.expect("version over ssh");
    assert_eq!(
        version.api_version.as_deref(),
        Some("1.45"),
        "the v26 engine answers: {version:?}"
    );
    // Many requests, a few connections: the relay's connections are pooled. (A pause lets
    // hyper put the last answer's connection back in the pool, from a task of its own.)
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        ping(&docker).await.expect("ping over ssh");
    }
    let logins = sshd.log().matches("Accepted publickey").count();
    assert!(
        (1..=3).contains(&logins),
        "{logins} logins for 23 requests: {}",
        sshd.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_container_runs_with_its_logs_over_ssh() {
    let (t, sshd) = setup("logs").await;
    let docker = ssh_client(&sshd, Key::Authorized, true)
        .negotiate_version()
        .await
        .expect("negotiate over ssh");
    let id = run(&t, &docker, &["sh", "-c", "echo out; echo err >&2; exit 7"]).await;
    assert_eq!(wait(&docker, &id).await, 7);
    let (out, err) = logs(&docker, &id).await;
    assert_eq!((out.as_str(), err.as_str()), ("out\n", "err\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_with_stdin_over_ssh() {
    let (t, sshd) = setup("exec").await;
    let docker = ssh_client(&sshd, Key::Authorized, true)
        .negotiate_version()
        .await
        .expect("negotiate over ssh");
    let id = run(&t, &docker, &["sleep", "300"]).await;
    let exec = docker
        .container_exec(
            &id,
            models::ExecConfig {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(
                    ["sh", "-c", "cat; echo bye >&2; exit 3"]
                        .map(str::to_owned)
                        .to_vec(),
                ),
                ..Default::default()
            },
        )
        .await
        .expect("exec create over ssh");
    let start = models::ExecStartConfig {
        detach: Some(false),
        tty: Some(false),
        ..Default::default()
    };
    // Attached through a client of its own, dropped at once: the session keeps its relay.
    let attaching = ssh_client(&sshd, Key::Authorized, true).with_api_version(docker.api_version());
    let mut attached = within(
        30,
        "exec start",
        attaching
            .exec_start(&exec.id)
            .exec_start_config(start)
            .send(),
    )
    .await
    .expect("exec start over ssh (upgraded)");
    drop(attaching);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let big = "0123456789abcdef".repeat(16 * 1024);
    attached
        .input
        .write_all(big.as_bytes())
        .await
        .expect("stdin");
    // Closing the input goes through the relay, ssh and dial-stdio to the engine: cat ends.
    attached.input.shutdown().await.expect("close stdin");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    while let Some(piece) = within(30, "exec output", attached.output.next()).await {
        match piece.expect("exec output") {
            LogOutput::StdOut(bytes) => out.extend_from_slice(&bytes),
            LogOutput::StdErr(bytes) => err.extend_from_slice(&bytes),
            other => panic!("unexpected output {other:?}"),
        }
    }
    assert_eq!(out.len(), big.len());
    assert!(out == big.as_bytes(), "stdout is stdin");
    assert_eq!(err, b"bye\n");
    let code = within(30, "the exec's exit code", async {
        loop {
            let inspect = docker.exec_inspect(&exec.id).await.expect("exec inspect");
            if inspect.running == Some(false) {
                break inspect.exit_code;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert_eq!(code, Some(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_key_is_an_authentication_error_with_what_ssh_said() {
    let (_t, sshd) = setup("refused").await;
    let error = ping_error(&sshd, Key::Refused, true).await;
    assert_eq!(
        error.ssh_kind(),
        Some(SshErrorKind::Authentication),
        "{error}"
    );
    assert_names_host_and_says(&error, &sshd, "Permission denied (publickey)");
    assert!(matches!(error, Error::Ssh { .. }), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_host_key_is_a_host_key_error() {
    let (_t, sshd) = setup("hostkey").await;
    let error = ping_error(&sshd, Key::Authorized, false).await;
    assert_eq!(error.ssh_kind(), Some(SshErrorKind::HostKey), "{error}");
    assert_names_host_and_says(&error, &sshd, "Host key verification failed");
    // No login was tried.
    assert_eq!(sshd.log().matches("Accepted publickey").count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_host_without_docker_is_named_so() {
    let (_t, sshd) = setup("nodocker").await;
    let error = ping_error(&sshd, Key::NoDocker, true).await;
    assert_eq!(
        error.ssh_kind(),
        Some(SshErrorKind::DockerMissing),
        "{error}"
    );
    assert_names_host_and_says(&error, &sshd, "not found");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_socket_that_does_not_exist_fails_with_dial_stdios_message() {
    let (_t, sshd) = setup("nosocket").await;
    let docker = DockerBuilder::new()
        .host(sshd.url("/nonexistent/docker.sock"))
        .ssh_options(sshd.options(Key::Authorized, true))
        .build()
        .expect("an ssh client");
    let error = within(60, "a ping that fails", ping(&docker))
        .await
        .expect_err("no engine there");
    assert_eq!(error.ssh_kind(), Some(SshErrorKind::Other), "{error}");
    assert_names_host_and_says(&error, &sshd, "/nonexistent/docker.sock");
}

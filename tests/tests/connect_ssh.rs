//! `ssh://` addresses without an sshd (issue 14): how they parse (as the docker CLI reads
//! them), contexts that hold one, and the relay with stand-ins for `ssh` (small scripts given
//! as `ssh_program`) that answer HTTP, flood their standard error, die, or are missing. The
//! relay with the real ssh and sshd is `engine_ssh`.
#![cfg(unix)]

mod connect_support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use connect_support::Scratch;
use docker_client::{Docker, DockerBuilder, Error, Host, SshErrorKind};

fn config_message(error: Error) -> String {
    match error {
        Error::Config(message) => message,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

// --- Parsing -----------------------------------------------------------------------------------

#[test]
fn ssh_addresses_parse_as_the_cli_reads_them() {
    let ssh = |user: Option<&str>, host: &str, port: Option<u16>, path: &str| Host::Ssh {
        user: user.map(str::to_owned),
        host: host.to_owned(),
        port,
        path: path.to_owned(),
    };
    for (text, parsed) in [
        (
            "ssh://me@engine.example:2222/var/run/docker.sock",
            ssh(
                Some("me"),
                "engine.example",
                Some(2222),
                "/var/run/docker.sock",
            ),
        ),
        (
            "ssh://engine.example",
            ssh(None, "engine.example", None, ""),
        ),
        (
            "ssh://engine.example/",
            ssh(None, "engine.example", None, ""),
        ),
        ("ssh://me@[::1]:22", ssh(Some("me"), "::1", Some(22), "")),
        ("SSH://me@10.0.0.5", ssh(Some("me"), "10.0.0.5", None, "")),
    ] {
        assert_eq!(Host::parse(text).unwrap(), parsed, "{text}");
    }
    assert_eq!(
        Host::parse("ssh://me@[::1]:22/run/docker.sock")
            .unwrap()
            .to_string(),
        "ssh://me@[::1]:22/run/docker.sock"
    );
}

#[test]
fn invalid_ssh_addresses_are_config_errors() {
    for (value, why) in [
        ("ssh://", "no host"),
        ("ssh://me@", "no host"),
        ("ssh://@engine", "empty user"),
        ("ssh://engine:port", "invalid port"),
        ("ssh://engine?x=1", "query"),
        ("ssh://engine/sock#f", "query"),
        ("ssh://-oProxyCommand=touch%20x", "invalid host"),
        ("ssh://-l@engine", "invalid user"),
        ("ssh://me@engine/run/docker.sock;reboot", "socket path"),
        ("ssh://me@engine/run/$(reboot)", "socket path"),
    ] {
        let message = config_message(Host::parse(value).unwrap_err());
        assert!(message.contains(why), "{value}: {message}");
        assert!(message.contains(&format!("{value:?}")), "{message}");
    }
    // A password is refused without being repeated.
    let message = config_message(Docker::connect("ssh://me:s3cret@engine").unwrap_err());
    assert!(message.contains("password"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

#[test]
fn a_context_can_name_an_ssh_engine() {
    let scratch = Scratch::new("ssh-ctx");
    // sha256("remote"): the context's directory in the store.
    let id = "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a";
    scratch.write(
        &format!("config/contexts/meta/{id}/meta.json"),
        r#"{"Name":"remote","Metadata":{},
            "Endpoints":{"docker":{"Host":"ssh://me@engine.example:2222","SkipTLSVerify":false}}}"#,
    );
    scratch.write("config/config.json", r#"{"currentContext":"remote"}"#);
    let config = scratch.path().join("config");
    let builder =
        DockerBuilder::from_env_vars([("DOCKER_CONFIG", config.to_str().unwrap())]).unwrap();
    assert_eq!(builder.get_host(), "ssh://me@engine.example:2222");
    assert!(builder.get_tls().is_none());
    let docker = builder.build().expect("a client of an ssh engine");
    assert_eq!(docker.host(), "ssh://me@engine.example:2222");
}

// --- The relay, with stand-ins for ssh -----------------------------------------------------------

/// A stand-in for `ssh` in `scratch`: a bash script running `body`, after it has noted its
/// arguments (one line per start in `args`) and its process id (in `pids`).
fn fake_ssh(scratch: &Scratch, body: &str) -> PathBuf {
    let dir = scratch.path().display().to_string();
    let script = format!(
        "#!/bin/bash\nprintf '%s\\n' \"$*\" >> {dir}/args\necho $$ >> {dir}/pids\n{body}\n"
    );
    let path = scratch.write("ssh", script);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Answers every request (without a body) on its standard input with `200 OK`, keeping the
/// connection, as `docker system dial-stdio` would carry an engine's answers.
const SERVE_PINGS: &str = r#"
while IFS= read -r line; do
  line=${line%$'\r'}
  if [ -z "$line" ]; then
    printf 'HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nOK'
  fi
done"#;

fn client(program: &Path) -> Docker {
    DockerBuilder::new()
        .host("ssh://me@engine.example:2222/var/run/docker.sock")
        .ssh_program(program)
        .build()
        .expect("an ssh client")
}

fn lines(scratch: &Scratch, file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(scratch.path().join(file)).unwrap_or_default();
    text.lines().map(str::to_owned).collect()
}

async fn within<T>(secs: u64, what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {secs} s: {what}"))
}

/// Lets the connection of the last answer back into the pool (hyper puts it back from a task of
/// its own; a request sent before that opens another connection).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(20)).await;
}

fn alive(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_connection_runs_ssh_with_the_clis_arguments_and_is_pooled() {
    let scratch = Scratch::new("ssh-pool");
    let docker = client(&fake_ssh(&scratch, SERVE_PINGS));
    for _ in 0..5 {
        let pong = within(10, "ping", docker.system_ping().send())
            .await
            .expect("ping");
        assert_eq!(pong.api_version.as_deref(), Some("1.45"));
        settle().await;
    }
    assert_eq!(
        lines(&scratch, "args"),
        [
            "-o ConnectTimeout=30 -o BatchMode=yes -T -l me -p 2222 -- engine.example docker \
          --host=unix:///var/run/docker.sock system dial-stdio"
        ],
        "one ssh for five sequential requests"
    );
    // Concurrent requests: one ssh per connection.
    let pings = (0..4).map(|_| docker.system_ping().send());
    for pong in within(10, "pings", futures::future::join_all(pings)).await {
        pong.expect("a concurrent ping");
    }
    let started = lines(&scratch, "pids").len();
    assert!((2..=4).contains(&started), "{started} ssh processes");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_clone_dropped_stops_every_ssh() {
    let scratch = Scratch::new("ssh-drop");
    let docker = client(&fake_ssh(&scratch, SERVE_PINGS));
    let clone = docker.clone();
    within(10, "ping", docker.system_ping().send())
        .await
        .expect("ping");
    let pids = lines(&scratch, "pids");
    assert_eq!(pids.len(), 1);
    drop(docker);
    settle().await;
    // The clone keeps the relay: its pooled connection still works, on the same ssh.
    within(10, "ping", clone.system_ping().send())
        .await
        .expect("ping");
    assert!(alive(&pids[0]));
    assert_eq!(lines(&scratch, "pids").len(), 1);
    drop(clone);
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(&pids[0]) {
        assert!(
            Instant::now() < deadline,
            "ssh {} outlives the client",
            pids[0]
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_ssh_is_its_own_error() {
    let docker = client(Path::new("/nonexistent/bin/ssh"));
    let error = within(10, "ping", docker.system_ping().send())
        .await
        .expect_err("no ssh");
    assert_eq!(
        error.ssh_kind(),
        Some(SshErrorKind::NotInstalled),
        "{error}"
    );
    let text = error.to_string();
    assert!(text.contains("/nonexistent/bin/ssh"), "{text}");
    assert!(text.contains("ssh://me@engine.example:2222"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_ssh_is_not_started_again_and_its_flood_of_messages_is_cut() {
    let scratch = Scratch::new("ssh-flood");
    // 1 MiB on stderr (far more than a pipe holds: undrained, ssh would block), then failing.
    let program = fake_ssh(
        &scratch,
        "head -c 1048576 /dev/zero | tr '\\0' 'x' >&2; echo >&2; echo 'final words' >&2; exit 255",
    );
    let docker = client(&program);
    let error = within(20, "ping", docker.system_ping().send())
        .await
        .expect_err("ssh fails");
    let Error::Ssh { kind, message, .. } = &error else {
        panic!("expected Error::Ssh, got {error:?}");
    };
    assert_eq!(*kind, SshErrorKind::Other);
    assert!(message.len() <= 4200, "{} bytes", message.len());
    assert!(
        message.ends_with("final words (ssh exited with status 255)"),
        "{message}"
    );
    // A GET that failed on a closed connection is sent again, but not after ssh failed.
    assert_eq!(lines(&scratch, "pids").len(), 1);
    // The next request starts another ssh, and fails the same way.
    let again = within(20, "ping", docker.system_ping().send())
        .await
        .expect_err("ssh fails");
    assert_eq!(again.ssh_kind(), Some(SshErrorKind::Other));
    assert_eq!(lines(&scratch, "pids").len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chatty_ssh_that_works_is_never_blocked_by_its_messages() {
    let scratch = Scratch::new("ssh-chatty");
    let body = format!("head -c 1048576 /dev/zero | tr '\\0' 'x' >&2\n{SERVE_PINGS}");
    let docker = client(&fake_ssh(&scratch, &body));
    within(20, "ping", docker.system_ping().send())
        .await
        .expect("ping");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ssh_killed_mid_request_fails_the_request_without_a_hang() {
    let scratch = Scratch::new("ssh-killed");
    let program = fake_ssh(&scratch, "read -r line; kill -9 $$");
    let docker = client(&program);
    let error = within(20, "ping", docker.system_ping().send())
        .await
        .expect_err("ssh died");
    assert_eq!(error.ssh_kind(), Some(SshErrorKind::Other), "{error}");
    let text = error.to_string();
    assert!(text.contains("signal"), "{text}");
    assert!(text.contains("ssh://me@engine.example:2222"), "{text}");
}

//! Connecting like the docker CLI: `DOCKER_HOST` in every form, contexts, TLS variables,
//! readable connection errors, the `User-Agent`, and one pooled client shared by clones.

mod connect_support;

use std::time::Duration;

use connect_support::{euid, Behavior, Scratch, TcpMock};
use docker_client::{ApiVersion, Docker, DockerBuilder, Error, Host, DEFAULT_HOST};
use docker_client_tests::mock::{MockEngine, MockResponse};

fn config_message(error: Error) -> String {
    match error {
        Error::Config(message) => message,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn every_docker_host_form_the_cli_accepts_parses() {
    assert_eq!(
        Host::parse("unix:///var/run/docker.sock").unwrap(),
        Host::Unix("/var/run/docker.sock".into())
    );
    // Like the CLI, `unix://` alone is the default socket.
    assert_eq!(
        Host::parse("unix://").unwrap(),
        Host::Unix("/var/run/docker.sock".into())
    );
    let tcp = |host: &str, port: Option<u16>, path: &str, https: bool| Host::Tcp {
        host: host.into(),
        port,
        path: path.into(),
        https,
    };
    assert_eq!(
        Host::parse("tcp://10.0.0.5:2376").unwrap(),
        tcp("10.0.0.5", Some(2376), "", false)
    );
    assert_eq!(
        Host::parse("tcp://engine.example").unwrap(),
        tcp("engine.example", None, "", false)
    );
    assert_eq!(
        Host::parse("tcp://:2375").unwrap(),
        tcp("localhost", Some(2375), "", false)
    );
    assert_eq!(
        Host::parse("http://127.0.0.1:2375/").unwrap(),
        tcp("127.0.0.1", Some(2375), "", false)
    );
    assert_eq!(
        Host::parse("https://[::1]:2376/prefix/").unwrap(),
        tcp("[::1]", Some(2376), "/prefix", true)
    );
    assert_eq!(
        Host::parse("npipe:////./pipe/docker_engine").unwrap(),
        Host::NamedPipe(r"\\.\pipe\docker_engine".into())
    );
    assert_eq!(
        Host::parse("tcp://10.0.0.5:2376").unwrap().to_string(),
        "tcp://10.0.0.5:2376"
    );
}

#[test]
fn invalid_docker_host_values_are_config_errors_naming_the_value() {
    for (value, why) in [
        ("/var/run/docker.sock", "no scheme"),
        ("tcp://", "no host or port"),
        ("tcp://host:port", "invalid port"),
        ("tcp://host:99999", "invalid port"),
        ("tcp://host:0", "invalid port"),
        ("tcp://::1:2375", "without [brackets]"),
        ("tcp://user:pw@host:2375", "user information"),
        ("fd://", "only the engine"),
        ("gopher://host:70", "unknown scheme"),
        ("unix://relative/path", "absolute"),
    ] {
        let message = config_message(Host::parse(value).unwrap_err());
        assert!(message.contains(&format!("{value:?}")), "{message}");
        assert!(message.contains(why), "{value}: {message}");
        // The same through the client constructors and the environment.
        let message = config_message(Docker::connect(value).unwrap_err());
        assert!(message.contains(&format!("{value:?}")), "{message}");
        let message = config_message(
            DockerBuilder::from_env_vars(vars(&[("DOCKER_HOST", value)])).unwrap_err(),
        );
        assert!(
            message.contains("DOCKER_HOST") && message.contains(&format!("{value:?}")),
            "{message}"
        );
    }
    #[cfg(not(windows))]
    {
        let message =
            config_message(Docker::connect("npipe:////./pipe/docker_engine").unwrap_err());
        assert!(message.contains("only on Windows"), "{message}");
    }
}

#[test]
fn without_configuration_the_client_uses_the_local_socket() {
    let builder = DockerBuilder::from_env_vars(Vec::<(String, String)>::new()).unwrap();
    assert_eq!(builder.get_host(), DEFAULT_HOST);
    assert!(builder.get_tls().is_none());
    let docker = builder.build().unwrap();
    assert_eq!(docker.host(), "unix:///var/run/docker.sock");
    assert_eq!(docker.api_version().to_string(), docker_client::API_VERSION);
    assert_eq!(docker.api_version(), ApiVersion::new(1, 43));
}

#[test]
fn docker_host_and_tls_variables_resolve_like_the_cli() {
    let scratch = Scratch::new("env");
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let certs = scratch.path().join("certs");
    std::fs::create_dir_all(&certs).unwrap();

    let b = DockerBuilder::from_env_vars(vars(&[("DOCKER_HOST", "tcp://127.0.0.1:2375")])).unwrap();
    assert_eq!(b.get_host(), "tcp://127.0.0.1:2375");
    assert!(
        b.get_tls().is_none(),
        "tcp:// without TLS variables is plain HTTP"
    );

    // DOCKER_TLS_VERIFY and DOCKER_TLS need ca.pem, as for the CLI ("open .../ca.pem: no such
    // file or directory"): not the platform's authorities, and not no verification at all.
    let cert_path = certs.to_str().unwrap();
    let ca = certs.join("ca.pem").display().to_string();
    for (name, value) in [
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_TLS", "1"),
        ("DOCKER_TLS_VERIFY", "0"),
    ] {
        let message = config_message(
            DockerBuilder::from_env_vars(vars(&[
                ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
                (name, value),
                ("DOCKER_CERT_PATH", cert_path),
            ]))
            .unwrap_err(),
        );
        assert!(
            message.contains("DOCKER_CERT_PATH") && message.contains(&ca),
            "{name}: {message}"
        );
        assert!(message.contains("No such file"), "{message}");
    }
    // Without DOCKER_CERT_PATH, in the config directory.
    let home_ca = home.join(".docker").join("ca.pem").display().to_string();
    let message = config_message(
        DockerBuilder::from_env_vars(vars(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS", "1"),
            ("HOME", home.to_str().unwrap()),
        ]))
        .unwrap_err(),
    );
    assert!(message.contains(&home_ca), "{message}");

    // DOCKER_TLS_VERIFY (any non-empty value, as for the CLI) turns TLS on, verified.
    std::fs::write(
        certs.join("ca.pem"),
        include_str!("connect_support/unused-ca.pem"),
    )
    .unwrap();
    for value in ["1", "true", "0"] {
        let b = DockerBuilder::from_env_vars(vars(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", value),
            ("DOCKER_CERT_PATH", cert_path),
        ]))
        .unwrap();
        let tls = b.get_tls().expect("TLS on");
        assert!(tls.verifies_server());
        assert!(format!("{tls:?}").contains(&ca), "{tls:?}");
        assert!(
            !tls.has_client_cert(),
            "no cert.pem/key.pem in the directory"
        );
        b.build().expect("a client trusting ca.pem");
    }
    // An empty value is unset.
    let b = DockerBuilder::from_env_vars(vars(&[
        ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
        ("DOCKER_TLS_VERIFY", ""),
    ]))
    .unwrap();
    assert!(b.get_tls().is_none());

    // DOCKER_TLS alone: TLS without verifying the engine (the CLI's --tls).
    let b = DockerBuilder::from_env_vars(vars(&[
        ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
        ("DOCKER_TLS", "1"),
        ("DOCKER_CERT_PATH", cert_path),
    ]))
    .unwrap();
    assert!(!b.get_tls().expect("TLS on").verifies_server());

    // https:// is TLS, verified, even without the variables.
    let b =
        DockerBuilder::from_env_vars(vars(&[("DOCKER_HOST", "https://127.0.0.1:2376")])).unwrap();
    assert!(b.get_tls().expect("TLS on").verifies_server());

    // Certificates default to the config directory (~/.docker) when DOCKER_CERT_PATH is unset.
    let docker_dir = home.join(".docker");
    std::fs::create_dir_all(&docker_dir).unwrap();
    std::fs::write(
        docker_dir.join("ca.pem"),
        include_str!("connect_support/unused-ca.pem"),
    )
    .unwrap();
    std::fs::write(docker_dir.join("cert.pem"), "not read yet").unwrap();
    let message = config_message(
        DockerBuilder::from_env_vars(vars(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("HOME", home.to_str().unwrap()),
        ]))
        .unwrap_err(),
    );
    assert!(message.contains("cert.pem but no key.pem"), "{message}");

    // A DOCKER_CERT_PATH that does not exist is named.
    let message = config_message(
        DockerBuilder::from_env_vars(vars(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", "/nonexistent/certs"),
        ]))
        .unwrap_err(),
    );
    assert!(
        message.contains("DOCKER_CERT_PATH") && message.contains("/nonexistent/certs"),
        "{message}"
    );

    // A ca.pem that is not PEM is named when the client is built.
    std::fs::write(certs.join("ca.pem"), "garbage").unwrap();
    let message = config_message(
        DockerBuilder::from_env_vars(vars(&[
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", cert_path),
        ]))
        .unwrap()
        .build()
        .unwrap_err(),
    );
    assert!(
        message.contains(&certs.join("ca.pem").display().to_string()),
        "{message}"
    );
}

#[test]
fn docker_api_version_pins_the_version() {
    let docker = DockerBuilder::from_env_vars(vars(&[
        ("DOCKER_HOST", "tcp://127.0.0.1:2375"),
        ("DOCKER_API_VERSION", "1.41"),
    ]))
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(docker.api_version(), ApiVersion::new(1, 41));
    for bad in ["latest", "1", "1.x", "1.41.2", "1.43/../../x"] {
        let message = config_message(
            DockerBuilder::from_env_vars(vars(&[("DOCKER_API_VERSION", bad)])).unwrap_err(),
        );
        assert!(
            message.contains("DOCKER_API_VERSION") && message.contains(&format!("{bad:?}")),
            "{message}"
        );
    }
}

/// A context store like `docker context create` writes, in a scratch DOCKER_CONFIG.
fn context_store(scratch: &Scratch, current: Option<&str>) {
    // sha256("remote") and sha256("secure-engine"), as `sha256sum` computes them: the CLI's
    // directory names.
    let remote = "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a";
    let secure = "090f560a24aec4e7afb7654ee2db7e34e1c6d3b51234f7030cef6b7344c395d9";
    scratch.write(
        &format!("config/contexts/meta/{remote}/meta.json"),
        r#"{"Name":"remote","Metadata":{"Description":"plain"},
            "Endpoints":{"docker":{"Host":"tcp://192.0.2.10:2375","SkipTLSVerify":false}}}"#,
    );
    scratch.write(
        &format!("config/contexts/meta/{secure}/meta.json"),
        r#"{"Name":"secure-engine","Metadata":{},
            "Endpoints":{"docker":{"Host":"tcp://192.0.2.11:2376","SkipTLSVerify":true}}}"#,
    );
    scratch.write(
        &format!("config/contexts/tls/{secure}/docker/ca.pem"),
        include_str!("connect_support/unused-ca.pem"),
    );
    let config = match current {
        Some(name) => format!(r#"{{"auths":{{}},"currentContext":"{name}"}}"#),
        None => "{}".to_owned(),
    };
    scratch.write("config/config.json", config);
}

#[test]
fn contexts_resolve_through_the_context_store() {
    let scratch = Scratch::new("ctx");
    context_store(&scratch, Some("remote"));
    let config = scratch.path().join("config");
    let config = config.to_str().unwrap();

    // currentContext of config.json.
    let b = DockerBuilder::from_env_vars(vars(&[("DOCKER_CONFIG", config)])).unwrap();
    assert_eq!(b.get_host(), "tcp://192.0.2.10:2375");
    assert!(b.get_tls().is_none());

    // DOCKER_CONTEXT wins over currentContext; its TLS material and SkipTLSVerify apply.
    let b = DockerBuilder::from_env_vars(vars(&[
        ("DOCKER_CONFIG", config),
        ("DOCKER_CONTEXT", "secure-engine"),
    ]))
    .unwrap();
    assert_eq!(b.get_host(), "tcp://192.0.2.11:2376");
    let tls = b.get_tls().expect("the context has TLS material");
    assert!(!tls.verifies_server(), "SkipTLSVerify");
    assert!(format!("{tls:?}").contains("ca.pem"), "{tls:?}");
    let docker = b.build().unwrap();
    assert_eq!(docker.host(), "tcp://192.0.2.11:2376");

    // DOCKER_HOST wins over any context, as for the CLI.
    let b = DockerBuilder::from_env_vars(vars(&[
        ("DOCKER_CONFIG", config),
        ("DOCKER_CONTEXT", "secure-engine"),
        ("DOCKER_HOST", "unix:///run/other.sock"),
    ]))
    .unwrap();
    assert_eq!(b.get_host(), "unix:///run/other.sock");

    // "default" is the environment's engine.
    let b = DockerBuilder::from_env_vars(vars(&[
        ("DOCKER_CONFIG", config),
        ("DOCKER_CONTEXT", "default"),
    ]))
    .unwrap();
    assert_eq!(b.get_host(), DEFAULT_HOST);

    // The config dir defaults to ~/.docker.
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::rename(scratch.path().join("config"), home.join(".docker")).unwrap();
    let b = DockerBuilder::from_env_vars(vars(&[("HOME", home.to_str().unwrap())])).unwrap();
    assert_eq!(b.get_host(), "tcp://192.0.2.10:2375");
}

#[test]
fn broken_contexts_are_config_errors_naming_them() {
    let scratch = Scratch::new("ctx-bad");
    context_store(&scratch, Some("gone"));
    let config = scratch.path().join("config");
    let config_str = config.to_str().unwrap();

    let message = config_message(
        DockerBuilder::from_env_vars(vars(&[("DOCKER_CONFIG", config_str)])).unwrap_err(),
    );
    assert!(
        message.contains("context \"gone\"")
            && message.contains("currentContext")
            && message.contains("does not exist"),
        "{message}"
    );

    let message = config_message(
        DockerBuilder::from_env_vars(vars(&[
            ("DOCKER_CONFIG", config_str),
            ("DOCKER_CONTEXT", "nope"),
        ]))
        .unwrap_err(),
    );
    assert!(
        message.contains("\"nope\"") && message.contains("DOCKER_CONTEXT"),
        "{message}"
    );

    scratch.write("config/config.json", "{ not json");
    let message = config_message(
        DockerBuilder::from_env_vars(vars(&[("DOCKER_CONFIG", config_str)])).unwrap_err(),
    );
    assert!(message.contains("config.json"), "{message}");

    let remote = "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a";
    scratch.write(
        &format!("config/contexts/meta/{remote}/meta.json"),
        r#"{"Name":"remote","Endpoints":{"docker":{"Host":"bogus-host"}}}"#,
    );
    scratch.write("config/config.json", "{}");
    let message = config_message(
        DockerBuilder::from_env_vars(vars(&[
            ("DOCKER_CONFIG", config_str),
            ("DOCKER_CONTEXT", "remote"),
        ]))
        .unwrap_err(),
    );
    assert!(
        message.contains("\"remote\"") && message.contains("\"bogus-host\""),
        "{message}"
    );
}

#[tokio::test]
async fn user_agent_names_the_crate_and_its_version() {
    let engine = MockEngine::respond_with(MockResponse::bytes(200, "text/plain", "OK"));
    let docker = engine.docker();
    docker.system_ping().await.expect("ping the mock");
    docker.system_ping().await.expect("ping the mock again");
    let requests = engine.requests();
    let agent = requests[0].header("user-agent").expect("a User-Agent");
    assert_eq!(
        agent,
        format!("docker-client/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(agent, docker_client::USER_AGENT);
    // A ping goes without a version prefix, which an older engine would refuse.
    assert_eq!(requests[0].path, "/_ping");
    // Over a socket there is no host name: the Go client's stand-in, as the CLI sends, once in
    // every request.
    for request in &requests {
        let hosts = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("host"));
        assert_eq!(hosts.count(), 1, "{:?}", request.headers);
        assert_eq!(request.header("host"), Some("api.moby.localhost"));
    }
}

#[tokio::test]
async fn a_missing_socket_is_its_own_error_naming_the_host() {
    let scratch = Scratch::new("nosock");
    let socket = scratch.path().join("docker.sock");
    let docker = Docker::connect_unix(&socket).unwrap();
    let error = docker.system_ping().await.unwrap_err();
    assert!(error.is_socket_not_found(), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("unix://{}", socket.display())),
        "{message}"
    );
    assert!(message.contains("socket does not exist"), "{message}");
}

#[tokio::test]
async fn connection_refused_is_its_own_error_naming_the_host() {
    // A socket file nobody listens on.
    let scratch = Scratch::new("refused");
    let socket = scratch.path().join("docker.sock");
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let error = Docker::connect_unix(&socket)
        .unwrap()
        .system_ping()
        .await
        .unwrap_err();
    assert!(error.is_connection_refused(), "{error:?}");
    assert!(
        error.to_string().contains(&socket.display().to_string()),
        "{error}"
    );

    // A loopback port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let host = format!("tcp://127.0.0.1:{port}");
    let error = Docker::connect(&host)
        .unwrap()
        .system_ping()
        .await
        .unwrap_err();
    assert!(error.is_connection_refused(), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&host) && message.contains("connection refused"),
        "{message}"
    );
}

/// Permission to the socket is denied: as root (which may open any socket) the check runs
/// in a child process of this test binary that `setpriv` turns into `nobody`.
#[tokio::test]
async fn permission_denied_is_its_own_error_naming_the_host() {
    if let Ok(socket) = std::env::var("DOCKER_CLIENT_TEST_DENIED_SOCKET") {
        let error = Docker::connect_unix(&socket)
            .unwrap()
            .system_ping()
            .await
            .unwrap_err();
        assert!(error.is_permission_denied(), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains(&socket) && message.contains("permission denied"),
            "{message}"
        );
        return;
    }
    let scratch = Scratch::new("denied");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let socket = scratch.path().join("docker.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600)).unwrap();
    if euid() != 0 {
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o000)).unwrap();
        let error = Docker::connect_unix(&socket)
            .unwrap()
            .system_ping()
            .await
            .unwrap_err();
        assert!(error.is_permission_denied(), "{error:?}");
        return;
    }
    // A copy of this test binary that `nobody` may run, wherever the build directory is.
    let exe = scratch.path().join("connect-test");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = tokio::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&exe)
        .current_dir(scratch.path())
        .args([
            "--exact",
            "permission_denied_is_its_own_error_naming_the_host",
            "--nocapture",
        ])
        .env("DOCKER_CLIENT_TEST_DENIED_SOCKET", &socket)
        .output()
        .await
        .expect("run setpriv (util-linux)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the check as user nobody failed:\n{stdout}\n{stderr}"
    );
}

/// Lets the connection of the last answer back into the pool: hyper puts it back from a task of
/// its own once the connection is ready for another request, and a request sent before that
/// opens another connection (on a loaded machine, say).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(20)).await;
}

#[tokio::test]
async fn clones_share_one_pool_of_kept_alive_connections() {
    let mock = TcpMock::start(Behavior::Ping("1.43")).await;
    let docker = Docker::connect(&mock.address).unwrap();
    for _ in 0..20 {
        let clone = docker.clone();
        assert_eq!(clone.system_ping().await.unwrap().body, "OK");
        settle().await;
    }
    assert_eq!(mock.requests(), 20);
    assert_eq!(
        mock.connections(),
        1,
        "sequential requests reuse one connection"
    );

    // 32 tasks at once, each with its own clone: at most one connection each, and all of
    // them back in the pool afterwards.
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let docker = docker.clone();
            tokio::spawn(async move { docker.system_ping().await.map(|p| p.body) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), "OK");
    }
    let after_burst = mock.connections();
    assert!(after_burst <= 33, "{after_burst} connections for 32 tasks");
    for _ in 0..10 {
        docker.system_ping().await.unwrap();
        settle().await;
    }
    assert_eq!(
        mock.connections(),
        after_burst,
        "pooled connections are reused"
    );

    // Other versions and timeouts share the pool too.
    docker
        .with_api_version(ApiVersion::new(1, 41))
        .system_ping()
        .await
        .unwrap();
    docker
        .with_header_timeout(Some(Duration::from_secs(5)))
        .system_ping()
        .await
        .unwrap();
    assert_eq!(mock.connections(), after_burst);
}

#[tokio::test]
async fn an_idle_connection_the_engine_closed_is_replaced() {
    let mock = TcpMock::start(Behavior::PingThenClose).await;
    let docker = Docker::connect(&mock.address).unwrap();
    for _ in 0..3 {
        assert_eq!(docker.system_ping().await.unwrap().body, "OK");
        // The engine's close reaches the client before the next request.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(mock.requests(), 3);
    assert_eq!(mock.connections(), 3, "each closed connection was replaced");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_dropped_half_read_closes_its_connection_and_others_go_on() {
    use futures::StreamExt;
    let mock = TcpMock::start(Behavior::EventsOrPing {
        interval: Duration::from_millis(20),
        count: 500,
    })
    .await;
    let docker = Docker::connect(&mock.address).unwrap();
    docker.system_ping().await.unwrap();
    assert_eq!(mock.connections(), 1);

    // A stream read on another task while this one sends requests: each drives its own
    // connection. The stream takes the pooled one; the pings, sent once it has, open another.
    let events = docker.clone();
    let (streaming, started) = tokio::sync::oneshot::channel();
    let reader = tokio::spawn(async move {
        let mut stream = events.system_events().await.unwrap();
        let mut streaming = Some(streaming);
        for _ in 0..3 {
            stream
                .next()
                .await
                .expect("an event")
                .expect("a decodable event");
            if let Some(streaming) = streaming.take() {
                streaming.send(()).unwrap();
            }
        }
        // Dropped with most of its body unread.
    });
    started.await.unwrap();
    for _ in 0..5 {
        docker.system_ping().await.unwrap();
        settle().await;
    }
    reader.await.unwrap();
    assert_eq!(
        mock.connections(),
        2,
        "the stream had a connection of its own"
    );

    // The half-read connection is not reused: it still carries the rest of the stream.
    for _ in 0..5 {
        assert_eq!(docker.system_ping().await.unwrap().body, "OK");
        settle().await;
    }
    assert_eq!(
        mock.connections(),
        2,
        "the ping connection is still the pooled one"
    );
}

#[test]
fn the_client_is_send_sync_and_cheap_to_clone() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Docker>();
    assert!(
        std::mem::size_of::<Docker>() <= 64,
        "{}",
        std::mem::size_of::<Docker>()
    );
}

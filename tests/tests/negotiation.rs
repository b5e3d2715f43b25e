//! Negotiation on first use, and what the client does for an engine older than its API version:
//! refusals before sending, the adjustments `spec/compat.yaml` chose, and output read by the
//! TTY setting below API 1.42. Against mock engines that answer `/_ping` with `API-Version`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use docker_client::compat::ApiItem;
use docker_client::options::{ContainerLogsOptions, ContainerStopOptions, ImageListOptions};
use docker_client::{models, ApiVersion, DockerBuilder, Error, LogOutput};
use docker_client_tests::mock::{multiplexed, MockEngine, MockResponse, RecordedRequest};
use futures::StreamExt;

const RAW: &str = "application/vnd.docker.raw-stream";

/// An engine speaking API `version`: `/_ping` says so, `/containers/{id}/json` says whether
/// the container has a TTY (`tty`), anything else is answered by `answer`.
fn engine_at(
    version: &'static str,
    tty: bool,
    answer: impl Fn(&RecordedRequest) -> MockResponse + Send + Sync + 'static,
) -> MockEngine {
    MockEngine::start(move |request| {
        if request.path == "/_ping" {
            MockResponse::bytes(200, "text/plain", "OK").header("Api-Version", version)
        } else if request.path.ends_with("/json") && request.path.contains("/containers/c1/") {
            MockResponse::json(
                200,
                &serde_json::json!({ "Id": "c1", "Config": { "Tty": tty } }),
            )
        } else {
            answer(request)
        }
    })
}

fn empty_json(_: &RecordedRequest) -> MockResponse {
    MockResponse::json(200, &serde_json::json!({}))
}

fn paths(engine: &MockEngine) -> Vec<String> {
    engine.requests().into_iter().map(|r| r.path).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_request_settles_the_version_once_for_the_client_and_its_clones() {
    let engine = engine_at("1.41", false, empty_json);
    let docker = engine.negotiating_docker();
    assert_eq!(
        docker.api_version(),
        ApiVersion::new(1, 43),
        "not settled yet"
    );
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let docker = docker.clone();
            tokio::spawn(async move { docker.system_info().await.map(drop) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("info");
    }
    docker.system_info().await.expect("info");
    assert_eq!(docker.api_version(), ApiVersion::new(1, 41));
    let paths = paths(&engine);
    assert_eq!(paths[0], "/_ping", "{paths:?}");
    assert_eq!(paths[1..], ["/v1.41/info"; 9], "one ping in all: {paths:?}");

    // Another client of the same engine settles its own.
    let other = engine.negotiating_docker();
    other.system_version().await.expect("version");
    assert_eq!(paths_after(&engine, 10), ["/_ping", "/v1.41/version"]);
}

fn paths_after(engine: &MockEngine, skip: usize) -> Vec<String> {
    paths(engine).into_iter().skip(skip).collect()
}

#[tokio::test]
async fn a_newer_engine_is_spoken_to_in_the_clients_version() {
    let engine = engine_at("1.51", false, empty_json);
    let docker = engine.negotiating_docker();
    docker.system_info().await.expect("info");
    assert_eq!(docker.api_version(), ApiVersion::new(1, 43));
    assert_eq!(paths(&engine), ["/_ping", "/v1.43/info"]);
}

#[tokio::test]
async fn a_ping_settles_the_version_itself_and_goes_unversioned() {
    let engine = engine_at("1.41", false, empty_json);
    let docker = engine.negotiating_docker();
    assert_eq!(docker.system_ping().await.unwrap().body, "OK");
    assert_eq!(docker.api_version(), ApiVersion::new(1, 41));
    docker.system_info().await.expect("info");
    assert_eq!(paths(&engine), ["/_ping", "/v1.41/info"]);
}

#[tokio::test]
async fn a_failed_ping_settles_nothing_and_the_next_request_tries_again() {
    let pings = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&pings);
    let engine = MockEngine::start(move |request| {
        if request.path != "/_ping" {
            return MockResponse::json(200, &serde_json::json!({}));
        }
        if counted.fetch_add(1, Ordering::SeqCst) == 0 {
            MockResponse::error(500, "starting up")
        } else {
            MockResponse::bytes(200, "text/plain", "OK").header("Api-Version", "1.42")
        }
    });
    let docker = engine.negotiating_docker();
    let error = docker.system_info().await.expect_err("the ping failed");
    assert_eq!(error.status(), Some(500), "{error:?}");
    assert_eq!(error.message(), Some("starting up"));
    docker.system_info().await.expect("info");
    assert_eq!(docker.api_version(), ApiVersion::new(1, 42));
    assert_eq!(paths(&engine), ["/_ping", "/_ping", "/v1.42/info"]);
}

#[tokio::test]
async fn a_pinned_version_is_kept_and_checked() {
    let engine = engine_at("1.45", false, empty_json);
    let host = format!("unix://{}", engine.socket_path().display());
    let pinned = DockerBuilder::from_env_vars([
        ("DOCKER_HOST", host.as_str()),
        ("DOCKER_API_VERSION", "1.41"),
    ])
    .unwrap()
    .build()
    .unwrap();
    let error = pinned.volume_update("v", 1).await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::RequiresApiVersion { item: ApiItem::Operation("VolumeUpdate"), required, engine }
                if *required == ApiVersion::new(1, 42) && *engine == ApiVersion::new(1, 41)
        ),
        "{error:?}"
    );
    pinned.system_info().await.expect("info");
    assert_eq!(
        pinned.negotiate_version().await.unwrap().api_version(),
        ApiVersion::new(1, 41)
    );
    assert_eq!(paths(&engine), ["/v1.41/info"], "no ping, no update");
}

#[tokio::test]
async fn what_the_engines_version_lacks_is_refused_before_sending() {
    let engine = engine_at("1.41", false, |_| {
        MockResponse::json(201, &serde_json::json!({ "Id": "x", "Warnings": [] }))
    });
    let docker = engine.negotiating_docker();

    // A query parameter.
    let options = ContainerStopOptions {
        signal: Some("SIGKILL".to_owned()),
        ..Default::default()
    };
    let error = docker
        .container_stop("c1")
        .options(options)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "parameter `signal` of `ContainerStop` requires API version 1.42, but the engine's \
         API version is 1.41; the request was not sent"
    );

    // A body field, deep in the body: its path names the list item.
    let body = models::ContainerCreateBody {
        image: Some("busybox".to_owned()),
        host_config: Some(models::HostConfig {
            mounts: Some(vec![
                models::Mount::default(),
                models::Mount {
                    bind_options: Some(models::MountBindOptions {
                        create_mountpoint: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            ]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let error = docker.container_create(body).await.unwrap_err();
    match &error {
        Error::RequiresApiVersion {
            item: ApiItem::BodyField { operation, path },
            required,
            ..
        } => {
            assert_eq!(*operation, "ContainerCreate");
            assert_eq!(
                path.to_string(),
                "HostConfig.Mounts[1].BindOptions.CreateMountpoint"
            );
            assert_eq!(*required, ApiVersion::new(1, 42));
        }
        other => panic!("expected a refused body field, got {other:?}"),
    }

    // A field of a map's values (`EndpointsConfig` is keyed by network).
    let body = models::ContainerCreateBody {
        networking_config: Some(models::NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                "net".to_owned(),
                models::EndpointSettings {
                    mac_address: Some("02:42:ac:11:00:02".to_owned()),
                    ..Default::default()
                },
            )])),
        }),
        ..Default::default()
    };
    let error = docker.container_create(body).await.unwrap_err();
    assert!(
        error.to_string().starts_with(
            "body field `NetworkingConfig.EndpointsConfig[\"net\"].MacAddress` of \
             `ContainerCreate` requires API version 1.44"
        ),
        "{error}"
    );

    // Nothing of them was sent: the ping settled the version, and that is all.
    assert_eq!(paths(&engine), ["/_ping"]);

    // Newer fields left unset never count: this body has dozens.
    let plain = models::ContainerCreateBody {
        image: Some("busybox".to_owned()),
        host_config: Some(models::HostConfig::default()),
        ..Default::default()
    };
    docker.container_create(plain).await.expect("create");
    assert_eq!(paths_after(&engine, 1), ["/v1.41/containers/create"]);
}

#[tokio::test]
async fn adjustments_for_older_engines_follow_compat_yaml() {
    let engine = engine_at("1.41", false, |request| {
        if request.path.ends_with("/images/json") {
            MockResponse::json(200, &serde_json::json!([]))
        } else {
            MockResponse::json(201, &serde_json::json!({ "Id": "x", "Warning": "" }))
        }
    });
    let docker = engine.negotiating_docker();

    // `shared-size` (1.42) is left out of an image list.
    let options = ImageListOptions {
        all: Some(true),
        shared_size: Some(true),
        ..Default::default()
    };
    docker
        .image_list()
        .options(options.clone())
        .await
        .expect("list");

    // An exec's `ConsoleSize` (1.42) is left out; other fields stay.
    let exec = models::ExecConfig {
        console_size: Some(vec![24, 80]),
        cmd: Some(vec!["true".to_owned()]),
        ..Default::default()
    };
    docker.container_exec("c1", exec).await.expect("exec");

    // `HostConfig.ConsoleSize` of a create is sent as it is: 1.41 engines read it.
    let create = models::ContainerCreateBody {
        host_config: Some(models::HostConfig {
            console_size: Some(vec![24, 80]),
            ..Default::default()
        }),
        ..Default::default()
    };
    docker.container_create(create).await.expect("create");

    // A network created below 1.44 asks the engine to refuse duplicate names, unless the
    // request says otherwise.
    let network = models::NetworkCreateRequest {
        name: "net".to_owned(),
        ..Default::default()
    };
    docker
        .network_create(network.clone())
        .await
        .expect("network");
    let not_checked = models::NetworkCreateRequest {
        name: "net".to_owned(),
        check_duplicate: Some(false),
        ..Default::default()
    };
    docker
        .network_create(not_checked.clone())
        .await
        .expect("network");

    let requests = engine.requests();
    let list = &requests[1];
    assert_eq!(list.path, "/v1.41/images/json");
    assert_eq!(list.query_values("all"), ["true"]);
    assert!(
        list.query_values("shared-size").is_empty(),
        "{:?}",
        list.query
    );
    let exec = requests[2].json().unwrap();
    assert_eq!(exec, serde_json::json!({ "Cmd": ["true"] }));
    let create = requests[3].json().unwrap();
    assert_eq!(
        create["HostConfig"]["ConsoleSize"],
        serde_json::json!([24, 80])
    );
    assert_eq!(requests[4].json().unwrap()["CheckDuplicate"], true);
    assert_eq!(requests[5].json().unwrap()["CheckDuplicate"], false);

    // The client's own version needs no adjusting but for rules that reach above it: the
    // duplicate check holds up to 1.44.
    let own = engine_at("1.43", false, empty_json);
    let docker = own.negotiating_docker();
    docker.image_list().options(options.clone()).await.ok();
    docker.network_create(network.clone()).await.ok();
    let requests = own.requests();
    assert_eq!(requests[1].query_values("shared-size"), ["true"]);
    assert_eq!(requests[2].json().unwrap()["CheckDuplicate"], true);
}

/// Reads a whole output as `(stdout, stderr, console)`.
async fn collect(mut output: docker_client::OutputStream) -> (String, String, String) {
    let (mut out, mut err, mut console) = (String::new(), String::new(), String::new());
    while let Some(piece) = output.next().await {
        let piece = piece.expect("output");
        let text = String::from_utf8_lossy(piece.bytes()).into_owned();
        match piece {
            LogOutput::StdOut(_) => out.push_str(&text),
            LogOutput::StdErr(_) => err.push_str(&text),
            LogOutput::Console(_) => console.push_str(&text),
            LogOutput::StdIn(_) => {}
        }
    }
    (out, err, console)
}

fn all_output() -> ContainerLogsOptions {
    ContainerLogsOptions {
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    }
}

#[tokio::test]
async fn below_1_42_output_labelled_raw_is_read_by_the_tty_setting() {
    // An engine that labels every output stream `raw-stream`, as those of API 1.41 do.
    let frames = multiplexed(&[(1, "out\n"), (2, "err\n")]);
    let answer = move |request: &RecordedRequest| {
        if request.path.ends_with("/logs") {
            MockResponse::bytes(200, RAW, frames.clone())
        } else {
            MockResponse::upgrade("tcp", frames.clone()).header("Content-Type", RAW)
        }
    };
    let engine = engine_at("1.41", false, answer.clone());
    let docker = engine.negotiating_docker();

    // Logs and attach: the container has no TTY, as its inspect says.
    let logs = docker
        .container_logs("c1")
        .options(all_output())
        .await
        .expect("logs");
    assert!(logs.is_multiplexed());
    assert_eq!(
        collect(logs).await,
        ("out\n".into(), "err\n".into(), String::new())
    );
    let attach = docker.container_attach("c1").await.expect("attach");
    assert_eq!(
        collect(attach.output).await,
        ("out\n".into(), "err\n".into(), String::new())
    );
    drop(attach.input);
    // An exec start says it in its body: no TTY asked for, none read.
    let start = models::ExecStartConfig::default();
    let exec = docker
        .exec_start("e1")
        .exec_start_config(start)
        .await
        .expect("exec");
    assert_eq!(
        collect(exec.output).await,
        ("out\n".into(), "err\n".into(), String::new())
    );
    drop(exec.input);
    // (Hijacked connections are recorded when they end.)
    let requests = engine.wait_for_requests(6, Duration::from_secs(10)).await;
    let paths: Vec<String> = requests.into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/_ping",
            "/v1.41/containers/c1/json",
            "/v1.41/containers/c1/logs",
            "/v1.41/containers/c1/json",
            "/v1.41/containers/c1/attach",
            "/v1.41/exec/e1/start",
        ]
    );

    // With a TTY, the same label is right: console output, as it comes.
    let tty_engine = engine_at("1.41", true, move |_| {
        MockResponse::bytes(200, RAW, "plain text\r\n")
    });
    let docker = tty_engine.negotiating_docker();
    let logs = docker
        .container_logs("c1")
        .options(all_output())
        .await
        .expect("logs");
    assert!(!logs.is_multiplexed());
    assert_eq!(collect(logs).await.2, "plain text\r\n");

    // From API 1.42, the label is trusted and nothing is inspected.
    let newer = engine_at("1.43", false, answer);
    let docker = newer.negotiating_docker();
    let logs = docker
        .container_logs("c1")
        .options(all_output())
        .await
        .expect("logs");
    assert!(!logs.is_multiplexed(), "labelled raw at 1.43: raw");
    assert_eq!(paths_after(&newer, 1), ["/v1.43/containers/c1/logs"]);
}

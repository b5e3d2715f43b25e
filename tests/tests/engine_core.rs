//! The core a user needs, against every engine of the harness (Docker 20.10, 26.1, 28.5 and
//! Podman 4.3), with the client as a user gets it: `Docker::from_env()`.
//!
//! `cargo xtask test` runs this suite once per engine with `DOCKER_HOST` pointing at it. Every
//! assertion about an engine is about what that engine says of itself (`/version`, `/_ping`);
//! where an engine cannot do something (Podman: plugins, swarm), the test asserts the typed
//! error it answers with.

use std::collections::HashMap;
use std::future::IntoFuture;
use std::time::Duration;

use docker_client::models;
use docker_client::options::{
    ContainerAttachOptions, ContainerListOptions, ContainerLogsOptions, ContainerStatsOptions,
    SystemEventsOptions, VolumeListOptions,
};
use docker_client::{Error, LogOutput, OutputStream};
use docker_client_tests::engine::{no_unknown_enum, unix_now, TestEngine, BUSYBOX, LABEL};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

/// Awaits `future`, failing the test after `secs` seconds instead of hanging.
async fn within<T>(secs: u64, what: &str, future: impl IntoFuture<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {secs} s: {what}"))
}

/// A whole output stream, as `(stdout, stderr, console)` text.
async fn output(what: &str, mut stream: OutputStream) -> (String, String, String) {
    within(60, what, async {
        let (mut out, mut err, mut console) = (String::new(), String::new(), String::new());
        while let Some(piece) = stream.next().await {
            let piece = piece.unwrap_or_else(|e| panic!("{what}: {e}"));
            let text = String::from_utf8_lossy(piece.bytes()).into_owned();
            match piece {
                LogOutput::StdOut(_) => out.push_str(&text),
                LogOutput::StdErr(_) => err.push_str(&text),
                LogOutput::Console(_) => console.push_str(&text),
                LogOutput::StdIn(_) => {}
            }
        }
        (out, err, console)
    })
    .await
}

async fn wait_exit(t: &TestEngine, id: &str) -> i64 {
    within(60, "the container exits", async {
        t.docker
            .container_wait(id)
            .await
            .unwrap_or_else(|e| panic!("wait for {id}: {e}"))
            .status_code
    })
    .await
}

/// A busybox container body running `script` with `sh -c`, network `none`, the test's label.
fn script(t: &TestEngine, script: &str) -> models::ContainerCreateBody {
    t.container_body(&["sh", "-c", script])
}

fn all_output() -> ContainerLogsOptions {
    ContainerLogsOptions {
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    }
}

// --- System ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn ping_version_and_info() {
    let t = TestEngine::from_env().await;
    let ping = t.docker.system_ping().await.expect("GET /_ping");
    assert_eq!(ping.body, "OK");
    let version = t.docker.system_version().await.expect("GET /version");
    no_unknown_enum(&version);
    assert_eq!(ping.api_version, version.api_version);
    assert_eq!(version.os.as_deref(), Some("linux"));
    let info = t.docker.system_info().await.expect("GET /info");
    no_unknown_enum(&info);
    assert_eq!(info.server_version, version.version);
    assert_eq!(info.os_type.as_deref(), Some("linux"));
    assert!(info.images.unwrap_or(0) >= 1, "busybox is there");
    assert!(info.ncpu.unwrap_or(0) >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn disk_usage() {
    let t = TestEngine::from_env().await;
    let id = t.create_container("df", &script(&t, "true")).await;
    let usage = t.docker.system_data_usage().await.expect("GET /system/df");
    no_unknown_enum(&usage);
    let images = usage.images.expect("Images");
    assert!(!images.is_empty());
    let containers = usage.containers.expect("Containers");
    assert!(
        containers.iter().any(|c| c.id.as_deref() == Some(&id)),
        "{containers:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn events_of_a_container() {
    let t = TestEngine::from_env().await;
    let since = unix_now() - 1;
    let id = t.create_container("events", &script(&t, "true")).await;
    t.docker.container_start(&id).await.expect("start");
    assert_eq!(wait_exit(&t, &id).await, 0);
    let until = unix_now() + 1;
    let options = SystemEventsOptions {
        since: Some(since.to_string()),
        until: Some(until.to_string()),
        filters: Some(HashMap::from([("container".to_owned(), vec![id.clone()])])),
    };
    // The engine replays the events between `since` and `until`, then ends the stream.
    let events: Vec<models::EventMessage> = within(30, "the bounded events stream", async {
        let stream = t
            .docker
            .system_events()
            .options(options)
            .await
            .expect("GET /events");
        stream.map(|e| e.expect("an event")).collect().await
    })
    .await;
    let actions: Vec<&str> = events.iter().filter_map(|e| e.action.as_deref()).collect();
    for expected in ["create", "start"] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    for event in &events {
        assert_eq!(event.r#type, Some(models::EventMessageType::Container));
        let actor = event.actor.as_ref().expect("Actor");
        assert_eq!(actor.id.as_deref(), Some(id.as_str()));
    }
}

// --- Images ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn images_list_and_inspect() {
    let t = TestEngine::from_env().await;
    let images = t.docker.image_list().await.expect("GET /images/json");
    // Podman names it docker.io/library/busybox:latest.
    let busybox = images
        .iter()
        .find(|i| i.repo_tags.iter().any(|tag| tag.ends_with(BUSYBOX)))
        .unwrap_or_else(|| panic!("busybox in {images:?}"));
    for image in &images {
        no_unknown_enum(image);
    }
    let inspect = t
        .docker
        .image_inspect(BUSYBOX)
        .await
        .expect("GET /images/busybox:latest/json");
    no_unknown_enum(&inspect);
    assert_eq!(inspect.id.as_deref(), Some(busybox.id.as_str()));
    let config = inspect.config.expect("Config");
    assert_eq!(config.cmd, Some(vec!["sh".to_owned()]));
    let missing = t.docker.image_inspect("dct-no-such-image:latest").await;
    assert!(
        matches!(&missing, Err(e) if e.is_not_found()),
        "{missing:?}"
    );
}

// --- Containers --------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn container_lifecycle() {
    let t = TestEngine::from_env().await;
    let body = script(&t, "echo out; echo err >&2; exit 3");
    let id = t.create_container("life", &body).await;
    let created = t.docker.container_inspect(&id).await.expect("inspect");
    no_unknown_enum(&created);
    assert_eq!(
        created.name.as_deref(),
        Some(format!("/{}", t.name("life")).as_str())
    );
    if t.version.podman {
        // The evidence of a correction (Health.Status "").
        let path = format!("/containers/{id}/json");
        t.capture_per_engine("container_inspect", "GET", &path, None)
            .await;
    }
    let state = created.state.expect("State");
    assert_eq!(state.status, Some(models::ContainerStateStatus::Created));

    // A container that never ran has no changes: the engines answer `null`.
    let changes = t.docker.container_changes(&id).await.expect("changes");
    assert!(changes.is_empty(), "{changes:?}");

    t.docker.container_start(&id).await.expect("start");
    assert_eq!(wait_exit(&t, &id).await, 3);
    let exited = t.docker.container_inspect(&id).await.expect("inspect");
    let state = exited.state.expect("State");
    assert_eq!(state.status, Some(models::ContainerStateStatus::Exited));
    assert_eq!(state.exit_code, Some(3));

    let logs = t
        .docker
        .container_logs(&id)
        .options(all_output())
        .await
        .expect("logs");
    let (out, err, console) = output("logs", logs).await;
    assert_eq!(
        (out.as_str(), err.as_str(), console.as_str()),
        ("out\n", "err\n", "")
    );

    let listed = t
        .docker
        .container_list()
        .options(ContainerListOptions {
            all: Some(true),
            filters: Some(t.label_filter()),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].id.as_deref(), Some(id.as_str()));
    assert_eq!(
        listed[0].labels.as_ref().and_then(|l| l.get(LABEL)),
        Some(&t.run)
    );
    no_unknown_enum(&listed[0]);

    // Whatever the process changed, the list decodes.
    t.docker.container_changes(&id).await.expect("changes");

    t.docker.container_delete(&id).await.expect("remove");
    let gone = t.docker.container_inspect(&id).await;
    assert!(matches!(&gone, Err(e) if e.is_not_found()), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tty_logs_are_console_output() {
    let t = TestEngine::from_env().await;
    let body = models::ContainerCreateBody {
        tty: Some(true),
        ..script(&t, "echo out; echo err >&2")
    };
    let id = t.create_container("tty-logs", &body).await;
    t.docker.container_start(&id).await.expect("start");
    assert_eq!(wait_exit(&t, &id).await, 0);
    let logs = t
        .docker
        .container_logs(&id)
        .options(all_output())
        .await
        .expect("logs");
    let (out, err, console) = output("tty logs", logs).await;
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    assert_eq!(console, "out\r\nerr\r\n");
}

fn attach_options() -> ContainerAttachOptions {
    ContainerAttachOptions {
        stream: Some(true),
        stdin: Some(true),
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    }
}

/// Attaches before the start, writes standard input, and reads what `cat` echoes.
async fn attach_and_echo(t: &TestEngine, tty: bool) -> (String, String, String) {
    let body = models::ContainerCreateBody {
        tty: Some(tty),
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        open_stdin: Some(true),
        stdin_once: Some(true),
        ..script(t, "cat; echo done >&2")
    };
    let id = t
        .create_container(if tty { "attach-tty" } else { "attach" }, &body)
        .await;
    let mut attached = within(
        30,
        "attach",
        t.docker.container_attach(&id).options(attach_options()),
    )
    .await
    .expect("attach");
    t.docker.container_start(&id).await.expect("start");
    attached.input.write_all(b"hello\n").await.expect("stdin");
    if tty {
        // A terminal ends the input with ^D, not with closing it.
        attached.input.write_all(b"\x04").await.expect("stdin");
    } else {
        attached.input.shutdown().await.expect("close stdin");
    }
    let result = output("attached output", attached.output).await;
    assert_eq!(wait_exit(t, &id).await, 0);
    result
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_without_a_tty_keeps_stdout_and_stderr_apart() {
    let t = TestEngine::from_env().await;
    let (out, err, console) = attach_and_echo(&t, false).await;
    assert_eq!(
        (out.as_str(), err.as_str(), console.as_str()),
        ("hello\n", "done\n", "")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_with_a_tty_is_console_output() {
    let t = TestEngine::from_env().await;
    let (out, err, console) = attach_and_echo(&t, true).await;
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    // The terminal echoes the input, then cat writes it back; then the script's stderr.
    assert!(console.contains("hello\r\n"), "{console:?}");
    assert!(console.ends_with("done\r\n"), "{console:?}");
}

/// Runs `sh -c script` as an exec in a running container and returns its output and exit code.
async fn exec(
    t: &TestEngine,
    id: &str,
    script: &str,
    tty: bool,
) -> ((String, String, String), i64) {
    let config = models::ExecConfig {
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(tty),
        cmd: Some(vec!["sh".into(), "-c".into(), script.into()]),
        ..Default::default()
    };
    let exec = t.docker.container_exec(id, config).await.expect("exec");
    let start = models::ExecStartConfig {
        tty: Some(tty),
        ..Default::default()
    };
    let attached = within(
        30,
        "exec start",
        t.docker.exec_start(&exec.id).exec_start_config(start),
    )
    .await
    .expect("exec start");
    let result = output("exec output", attached.output).await;
    let inspect = within(30, "the exec's exit code", async {
        loop {
            let inspect = t.docker.exec_inspect(&exec.id).await.expect("exec inspect");
            if inspect.running == Some(false) && inspect.exit_code.is_some() {
                break inspect;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    no_unknown_enum(&inspect);
    (result, inspect.exit_code.unwrap_or(-1))
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_without_a_tty_keeps_stdout_and_stderr_apart() {
    let t = TestEngine::from_env().await;
    let id = t.run_container("exec", &["sleep", "300"]).await;
    let ((out, err, console), code) = exec(&t, &id, "echo out; echo err >&2; exit 4", false).await;
    assert_eq!(
        (out.as_str(), err.as_str(), console.as_str()),
        ("out\n", "err\n", "")
    );
    assert_eq!(code, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_with_a_tty_is_console_output() {
    let t = TestEngine::from_env().await;
    let id = t.run_container("exec-tty", &["sleep", "300"]).await;
    let ((out, err, console), code) = exec(&t, &id, "echo out; echo err >&2; exit 5", true).await;
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    assert_eq!(console, "out\r\nerr\r\n");
    assert_eq!(code, 5);
}

// --- Stats -------------------------------------------------------------------------------------

fn check_sample(sample: &models::ContainerStatsResponse) {
    no_unknown_enum(sample);
    assert!(
        sample.read.as_deref().is_some_and(|r| r.len() >= 20),
        "{sample:?}"
    );
    let cpu = sample.cpu_stats.as_ref().expect("cpu_stats");
    let usage = cpu.cpu_usage.as_ref().expect("cpu_usage");
    assert!(usage.total_usage.unwrap_or(0) > 0, "{sample:?}");
    let memory = sample.memory_stats.as_ref().expect("memory_stats");
    assert!(memory.usage.unwrap_or(0) > 0, "{sample:?}");
    let pids = sample.pids_stats.as_ref().expect("pids_stats");
    assert!(pids.current.unwrap_or(0) >= 1, "{sample:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_one_shot_and_streamed() {
    let t = TestEngine::from_env().await;
    let id = t.run_container("stats", &["sleep", "300"]).await;
    let one_shot = ContainerStatsOptions {
        stream: Some(false),
        one_shot: Some(true),
    };
    let samples: Vec<models::ContainerStatsResponse> = within(30, "one-shot stats", async {
        let stream = t
            .docker
            .container_stats(&id)
            .options(one_shot)
            .await
            .expect("stats");
        stream.map(|s| s.expect("a sample")).collect().await
    })
    .await;
    assert_eq!(samples.len(), 1, "{samples:?}");
    check_sample(&samples[0]);

    let mut stream = t.docker.container_stats(&id).await.expect("stats stream");
    for n in 0..2 {
        let sample = within(30, "a streamed sample", stream.next())
            .await
            .unwrap_or_else(|| panic!("the stream ended after {n} samples"))
            .expect("a sample");
        check_sample(&sample);
    }
    drop(stream);

    // The engines' own bytes, replayed strictly by tests/tests/fixtures.rs. (Podman's samples
    // carry fields of its own, so its answers are not evidence for the spec.)
    if !t.version.podman {
        let path = format!("/containers/{id}/stats?stream=false&one-shot=true");
        t.capture_per_engine("container_stats", "GET", &path, None)
            .await;
        let path = format!("/containers/{id}/stats?stream=true");
        t.capture_lines_per_engine("container_stats_stream", &path, 2)
            .await;
    }
}

// --- Volumes and networks ----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn volumes() {
    let t = TestEngine::from_env().await;
    let name = t.name("vol");
    let created = t
        .docker
        .volume_create(models::VolumeCreateOptions {
            name: Some(name.clone()),
            labels: Some(t.labels()),
            ..Default::default()
        })
        .await
        .expect("create a volume");
    t.remove_volume_later(&name);
    no_unknown_enum(&created);
    assert_eq!(created.name, name);
    assert_eq!(created.labels.get(LABEL), Some(&t.run));
    let inspected = t.docker.volume_inspect(&name).await.expect("inspect");
    assert_eq!(inspected.name, name);
    let listed = t
        .docker
        .volume_list()
        .options(VolumeListOptions {
            filters: Some(t.label_filter()),
        })
        .await
        .expect("list volumes");
    let names: Vec<String> = listed
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, std::slice::from_ref(&name));
    t.docker
        .volume_delete(&name)
        .await
        .expect("remove the volume");
    let gone = t.docker.volume_inspect(&name).await;
    assert!(matches!(&gone, Err(e) if e.is_not_found()), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn networks_list() {
    let t = TestEngine::from_env().await;
    let networks = t.docker.network_list().await.expect("GET /networks");
    assert!(!networks.is_empty());
    for network in &networks {
        no_unknown_enum(network);
        assert!(
            network.name.is_some() && network.id.is_some(),
            "{network:?}"
        );
    }
    let first = networks[0].id.clone().unwrap();
    let inspected = t
        .docker
        .network_inspect(&first)
        .await
        .expect("inspect a network");
    assert_eq!(inspected.id.as_deref(), Some(first.as_str()));
}

// --- What an engine cannot do ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn plugins_and_swarm_answer_or_fail_typed() {
    let t = TestEngine::from_env().await;
    let plugins = t.docker.plugin_list().await;
    let swarm = t.docker.swarm_inspect().await;
    if t.version.podman {
        // Podman serves neither: 404 for the paths it does not know.
        for (what, error) in [
            ("plugins", plugins.map(drop).unwrap_err()),
            ("swarm", swarm.map(drop).unwrap_err()),
        ] {
            assert!(
                matches!(error, Error::Api { status: 404, .. }),
                "{what}: {error:?}"
            );
        }
    } else {
        plugins.expect("plugins");
        // The engine is not in a swarm: 503.
        let error = swarm.expect_err("not in a swarm");
        assert!(error.is_unavailable(), "{error:?}");
    }
}

//! Container operations against the real test engine: the lifecycle, processes, logs, stats,
//! filesystem (changes, export, archives), exec, attach, TTY resize and prune.
//!
//! Every container uses network `none`. Run with the test engines up:
//! `eval "$(tests/engine/engine.sh start)"`, then `cargo test -p docker-client-tests --features engine`.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use docker_client::models;
use docker_client::options::{
    ContainerAttachOptions, ContainerAttachWebsocketOptions, ContainerDeleteOptions,
    ContainerInspectOptions, ContainerKillOptions, ContainerListOptions, ContainerLogsOptions,
    ContainerPruneOptions, ContainerRestartOptions, ContainerStatsOptions, ContainerStopOptions,
    ContainerTopOptions, ContainerWaitOptions, PutContainerArchiveOptions,
};
use docker_client::Outcome;
use docker_client_tests::engine::{
    eventually, expect_api_error, no_unknown_enum, output_text, read_all, tar_of, untar,
    urlencode_query_value, websocket_payloads, TestEngine, LABEL,
};
use futures::StreamExt;
use tokio::io::AsyncReadExt;

fn status_of(inspect: &models::ContainerInspectResponse) -> models::ContainerStateStatus {
    inspect
        .state
        .as_ref()
        .and_then(|s| s.status.clone())
        .expect("State.Status")
}

async fn inspect(t: &TestEngine, id: &str) -> models::ContainerInspectResponse {
    let inspect = t
        .docker
        .container_inspect(id)
        .await
        .unwrap_or_else(|e| panic!("inspect {id}: {e}"));
    no_unknown_enum(&inspect);
    inspect
}

#[tokio::test(flavor = "multi_thread")]
async fn create_start_inspect_and_list() {
    let t = TestEngine::start().await;
    let mut body = t.container_body(&["sleep", "300"]);
    body.env = Some(vec!["DCT=1".to_owned()]);
    body.working_dir = Some("/tmp".to_owned());
    let host = body.host_config.as_mut().unwrap();
    host.memory = Some(64 * 1024 * 1024);
    host.pids_limit = Some(64);
    host.readonly_rootfs = Some(false);
    host.tmpfs = Some(HashMap::from([(
        "/scratch".to_owned(),
        "size=1m".to_owned(),
    )]));
    host.restart_policy = Some(models::RestartPolicy {
        name: Some(models::RestartPolicyName::No),
        maximum_retry_count: None,
    });
    let id = t.create_container("main", &body).await;

    let created = inspect(&t, &id).await;
    assert_eq!(status_of(&created), models::ContainerStateStatus::Created);
    assert_eq!(
        created.name.as_deref(),
        Some(format!("/{}", t.name("main")).as_str())
    );
    let host = created.host_config.as_ref().expect("HostConfig");
    assert_eq!(host.network_mode.as_deref(), Some("none"));
    assert_eq!(host.memory, Some(64 * 1024 * 1024));
    assert_eq!(host.init, Some(true));
    let config = created.config.as_ref().expect("Config");
    assert!(config.env.as_ref().unwrap().contains(&"DCT=1".to_owned()));
    assert_eq!(config.labels.as_ref().unwrap().get(LABEL), Some(&t.run));

    let started = t.docker.container_start(&id).await.expect("start");
    assert_eq!(started, Outcome::Done(()));
    let again = t
        .docker
        .container_start(&id)
        .await
        .expect("start a running container");
    assert_eq!(again, Outcome::NotModified);

    let running = inspect(&t, &id).await;
    assert_eq!(status_of(&running), models::ContainerStateStatus::Running);
    assert!(running.state.as_ref().unwrap().pid.unwrap_or(0) > 0);
    let networks = running
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .expect("NetworkSettings.Networks");
    assert_eq!(networks.keys().collect::<Vec<_>>(), vec!["none"]);
    t.capture(
        "container_inspect",
        "GET",
        &format!("/containers/{id}/json"),
        None,
    )
    .await;

    let sized = t
        .docker
        .container_inspect(&id)
        .options(ContainerInspectOptions { size: Some(true) })
        .await
        .expect("inspect with sizes");
    assert!(sized.size_root_fs.unwrap_or(0) > 0);

    let mut filters = t.label_filter();
    filters.insert("status".to_owned(), vec!["running".to_owned()]);
    filters.insert("name".to_owned(), vec![t.name("main")]);
    let list = t
        .docker
        .container_list()
        .options(ContainerListOptions {
            filters: Some(filters),
            size: Some(true),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(list.len(), 1, "{list:?}");
    let summary = &list[0];
    no_unknown_enum(summary);
    assert_eq!(summary.id.as_deref(), Some(id.as_str()));
    assert_eq!(summary.names, Some(vec![format!("/{}", t.name("main"))]));
    assert_eq!(summary.image.as_deref(), Some("busybox:latest"));
    // A string before API 1.48, an enum after: both show as the engine's word.
    let state = summary.state.as_ref().map(ToString::to_string);
    assert_eq!(state.as_deref(), Some("running"));
    assert_eq!(
        summary
            .host_config
            .as_ref()
            .and_then(|h| h.network_mode.as_deref()),
        Some("none")
    );
    let filter = serde_json::to_string(&t.label_filter()).unwrap();
    t.capture(
        "container_list",
        "GET",
        &format!(
            "/containers/json?all=1&size=1&filters={}",
            urlencode_query_value(&filter)
        ),
        None,
    )
    .await;

    let exited = t
        .docker
        .container_list()
        .options(ContainerListOptions {
            all: Some(true),
            limit: Some(5),
            filters: Some(HashMap::from([
                ("label".to_owned(), vec![format!("{LABEL}={}", t.run)]),
                ("status".to_owned(), vec!["exited".to_owned()]),
            ])),
            ..Default::default()
        })
        .await
        .expect("list exited");
    assert!(exited.is_empty(), "{exited:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_unpause_rename_and_update() {
    let t = TestEngine::start().await;
    let id = t.run_container("pause", &["sleep", "300"]).await;

    t.docker.container_pause(&id).await.expect("pause");
    assert_eq!(
        status_of(&inspect(&t, &id).await),
        models::ContainerStateStatus::Paused
    );
    let mut filters = t.label_filter();
    filters.insert("status".to_owned(), vec!["paused".to_owned()]);
    let paused = t
        .docker
        .container_list()
        .options(ContainerListOptions {
            filters: Some(filters),
            ..Default::default()
        })
        .await
        .expect("list paused");
    assert_eq!(paused.len(), 1);
    t.docker.container_unpause(&id).await.expect("unpause");
    assert_eq!(
        status_of(&inspect(&t, &id).await),
        models::ContainerStateStatus::Running
    );
    let err = t
        .docker
        .container_unpause(&id)
        .await
        .expect_err("not paused");
    assert!(err.is_conflict() || err.status() == Some(500), "{err:?}");

    let new_name = t.name("renamed");
    t.docker
        .container_rename(&id, &new_name)
        .await
        .expect("rename");
    assert_eq!(
        inspect(&t, &id).await.name.as_deref(),
        Some(format!("/{new_name}").as_str())
    );
    let taken = t.run_container("other", &["sleep", "300"]).await;
    let err = t
        .docker
        .container_rename(&taken, &new_name)
        .await
        .expect_err("the name is taken");
    assert!(err.is_conflict(), "{err:?}");

    let update = models::ContainerUpdateBody {
        memory: Some(96 * 1024 * 1024),
        memory_swap: Some(-1),
        pids_limit: Some(100),
        cpu_shares: Some(512),
        restart_policy: Some(models::RestartPolicy {
            name: Some(models::RestartPolicyName::UnlessStopped),
            maximum_retry_count: None,
        }),
        ..Default::default()
    };
    let updated = t
        .docker
        .container_update(&id, update.clone())
        .await
        .expect("update");
    no_unknown_enum(&updated);
    let host = inspect(&t, &id).await.host_config.expect("HostConfig");
    assert_eq!(host.memory, Some(96 * 1024 * 1024));
    assert_eq!(host.pids_limit, Some(100));
    assert_eq!(host.cpu_shares, Some(512));
    assert_eq!(
        host.restart_policy.and_then(|p| p.name),
        Some(models::RestartPolicyName::UnlessStopped)
    );
    let missing = t
        .docker
        .container_update("dct-no-such-container", update)
        .await
        .expect_err("no such container");
    assert!(missing.is_not_found(), "{missing:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_restart_stop_wait_and_delete() {
    let t = TestEngine::start().await;
    let id = t.run_container("stop", &["sleep", "300"]).await;

    let pid_before = inspect(&t, &id).await.state.unwrap().pid;
    t.docker
        .container_restart(&id)
        .options(ContainerRestartOptions {
            t: Some(5),
            ..Default::default()
        })
        .await
        .expect("restart");
    let restarted = inspect(&t, &id).await;
    assert_eq!(status_of(&restarted), models::ContainerStateStatus::Running);
    assert_ne!(restarted.state.unwrap().pid, pid_before);

    let err = t
        .docker
        .container_delete(&id)
        .await
        .expect_err("a running container is not removed without force");
    assert!(err.is_conflict(), "{err:?}");

    let stopped = t
        .docker
        .container_stop(&id)
        .options(ContainerStopOptions {
            t: Some(5),
            signal: Some("SIGTERM".to_owned()),
        })
        .await
        .expect("stop");
    assert_eq!(stopped, Outcome::Done(()));
    let exited = inspect(&t, &id).await;
    assert_eq!(status_of(&exited), models::ContainerStateStatus::Exited);
    let again = t
        .docker
        .container_stop(&id)
        .await
        .expect("stop a stopped container");
    assert_eq!(again, Outcome::NotModified);

    t.docker.container_start(&id).await.expect("start again");
    // Wait for the next exit while the container is killed.
    let waiter = {
        let docker = t.docker.clone();
        let id = id.clone();
        tokio::spawn(async move {
            docker
                .container_wait(&id)
                .options(ContainerWaitOptions {
                    condition: Some(models::ContainerWaitCondition::NextExit),
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    t.docker
        .container_kill(&id)
        .options(ContainerKillOptions {
            signal: Some("SIGKILL".to_owned()),
        })
        .await
        .expect("kill");
    let waited = tokio::time::timeout(Duration::from_secs(20), waiter)
        .await
        .expect("the wait ends")
        .unwrap()
        .expect("wait");
    no_unknown_enum(&waited);
    assert_eq!(waited.status_code, 137);
    let err = t
        .docker
        .container_kill(&id)
        .await
        .expect_err("kill a stopped container");
    assert!(err.is_conflict(), "{err:?}");

    t.docker
        .container_delete(&id)
        .options(ContainerDeleteOptions {
            v: Some(true),
            ..Default::default()
        })
        .await
        .expect("delete");
    let gone = t.docker.container_inspect(&id).await.expect_err("deleted");
    assert!(gone.is_not_found(), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_an_exit_code() {
    let t = TestEngine::start().await;
    let id = t.run_container("exit7", &["sh", "-c", "exit 7"]).await;
    let waited = t.docker.container_wait(&id).await.expect("wait");
    assert_eq!(waited.status_code, 7);
    let state = inspect(&t, &id).await.state.unwrap();
    assert_eq!(state.exit_code, Some(7));
    assert_eq!(state.status, Some(models::ContainerStateStatus::Exited));
}

#[tokio::test(flavor = "multi_thread")]
async fn top_logs_and_stats() {
    let t = TestEngine::start().await;
    let id = t
        .run_container(
            "logs",
            &[
                "sh",
                "-c",
                // The pause orders the lines in the log file (stdout and stderr are copied
                // separately), so that line-3 is the last one.
                "echo to-stdout; echo to-stderr >&2; usleep 300000; echo line-3; exec sleep 300",
            ],
        )
        .await;

    let top = eventually("sleep to run", Duration::from_secs(10), || async {
        let top = t.docker.container_top(&id).await.expect("top");
        let processes = top.processes.clone().unwrap_or_default();
        processes
            .iter()
            .any(|p| p.last().is_some_and(|command| command == "sleep 300"))
            .then_some(top)
    })
    .await;
    assert!(top.titles.unwrap().contains(&"PID".to_owned()));
    let custom = t
        .docker
        .container_top(&id)
        .options(ContainerTopOptions {
            ps_args: Some("-o pid,comm".to_owned()),
        })
        .await
        .expect("top with ps_args");
    assert_eq!(
        custom.titles,
        Some(vec!["PID".to_owned(), "COMMAND".to_owned()])
    );
    t.capture(
        "container_top",
        "GET",
        &format!("/containers/{id}/top"),
        None,
    )
    .await;

    let (stdout, stderr) = output_text(
        t.docker
            .container_logs(&id)
            .options(ContainerLogsOptions {
                stdout: Some(true),
                stderr: Some(true),
                ..Default::default()
            })
            .await
            .expect("logs"),
    )
    .await;
    assert_eq!(stdout, "to-stdout\nline-3\n");
    assert_eq!(stderr, "to-stderr\n");
    let (tail, _) = output_text(
        t.docker
            .container_logs(&id)
            .options(ContainerLogsOptions {
                stdout: Some(true),
                tail: Some("1".to_owned()),
                timestamps: Some(true),
                until: Some(docker_client_tests::engine::unix_now() + 5),
                ..Default::default()
            })
            .await
            .expect("logs with tail"),
    )
    .await;
    assert!(tail.ends_with(" line-3\n"), "{tail:?}");
    assert!(tail.starts_with("20"), "a timestamp: {tail:?}");

    // stream=false: one sample, taken over a second (so `precpu_stats` is filled in).
    let mut stats = t
        .docker
        .container_stats(&id)
        .options(ContainerStatsOptions {
            stream: Some(false),
            ..Default::default()
        })
        .await
        .expect("stats");
    let sample = stats
        .next()
        .await
        .expect("one sample")
        .expect("a stats sample");
    assert!(
        stats.next().await.is_none(),
        "stream=false gives one sample"
    );
    no_unknown_enum(&sample);
    assert_eq!(sample.id.as_deref(), Some(id.as_str()));
    assert_eq!(sample.name, Some(format!("/{}", t.name("logs"))));
    assert!(sample.memory_stats.is_some(), "{sample:?}");
    let precpu = sample.precpu_stats.as_ref().expect("precpu_stats");
    assert!(precpu.cpu_usage.is_some(), "{sample:?}");

    // one-shot: at once, without the previous CPU sample; the engine leaves out id and name.
    let mut stats = t
        .docker
        .container_stats(&id)
        .options(ContainerStatsOptions {
            stream: Some(false),
            one_shot: Some(true),
        })
        .await
        .expect("one-shot stats");
    let sample = stats
        .next()
        .await
        .expect("one sample")
        .expect("a stats sample");
    assert!(
        stats.next().await.is_none(),
        "stream=false gives one sample"
    );
    let pids = sample.pids_stats.as_ref().expect("pids_stats");
    assert!(pids.current.unwrap_or(0) >= 1, "{sample:?}");
    let cpu = sample.cpu_stats.as_ref().and_then(|c| c.cpu_usage.as_ref());
    assert!(
        cpu.and_then(|c| c.total_usage).unwrap_or(0) > 0,
        "{sample:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_export_and_archives() {
    let t = TestEngine::start().await;
    let id = t
        .run_container(
            "files",
            &[
                "sh",
                "-c",
                "mkdir /made && echo made > /made/file && rm /bin/vi && exec sleep 300",
            ],
        )
        .await;
    let changes = eventually(
        "the container's changes",
        Duration::from_secs(10),
        || async {
            let changes = t.docker.container_changes(&id).await.expect("changes");
            // The shell makes the file before it removes vi: wait for the last step too.
            let has = |path: &str| changes.iter().any(|c| c.path == path);
            (has("/made/file") && has("/bin/vi")).then_some(changes)
        },
    )
    .await;
    let kind_of = |path: &str| changes.iter().find(|c| c.path == path).map(|c| c.kind);
    assert_eq!(kind_of("/made"), Some(1), "added: {changes:?}");
    assert_eq!(kind_of("/bin"), Some(0), "modified: {changes:?}");
    assert_eq!(kind_of("/bin/vi"), Some(2), "deleted: {changes:?}");
    t.capture(
        "container_changes",
        "GET",
        &format!("/containers/{id}/changes"),
        None,
    )
    .await;

    let exported = read_all(t.docker.container_export(&id).await.expect("export")).await;
    let exported = untar(&exported);
    assert!(exported.iter().any(|(path, _)| path == "bin/busybox"));
    assert!(exported
        .iter()
        .any(|(path, contents)| path == "made/file" && contents == b"made\n"));

    let archive = tar_of(&[("put/hello.txt", b"hello archive\n")]);
    t.docker
        .put_container_archive(&id, "/tmp", archive)
        .await
        .expect("put an archive");
    let info = t
        .docker
        .container_archive_info(&id, "/tmp/put/hello.txt")
        .await
        .expect("HEAD archive");
    let stat = info
        .x_docker_container_path_stat
        .expect("X-Docker-Container-Path-Stat");
    let stat: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(stat.as_bytes())
            .expect("base64"),
    )
    .expect("JSON");
    assert_eq!(stat["name"], "hello.txt");
    assert_eq!(stat["size"], 14);
    let fetched = read_all(
        t.docker
            .container_archive(&id, "/tmp/put")
            .await
            .expect("GET archive"),
    )
    .await;
    let fetched = untar(&fetched);
    assert!(
        fetched
            .iter()
            .any(|(path, contents)| path == "put/hello.txt" && contents == b"hello archive\n"),
        "{:?}",
        fetched.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );

    let missing = t
        .docker
        .container_archive_info(&id, "/no/such/path")
        .await
        .expect_err("no such path");
    assert!(missing.is_not_found(), "{missing:?}");
    let missing = t
        .docker
        .container_archive(&id, "/no/such/path")
        .await
        .expect_err("no such path");
    assert!(missing.is_not_found(), "{missing:?}");
    let not_a_dir = t
        .docker
        .put_container_archive(&id, "/made/file", tar_of(&[("x", b"x")]))
        .options(PutContainerArchiveOptions {
            no_overwrite_dir_non_dir: Some("true".to_owned()),
            ..Default::default()
        })
        .await
        .expect_err("not a directory");
    // The spec documents 400 "not a directory"; Docker 26 answers 500.
    assert!(!not_a_dir.message().unwrap_or_default().is_empty());
    assert!(
        matches!(not_a_dir.status(), Some(400 | 500)),
        "{not_a_dir:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_create_start_and_inspect() {
    let t = TestEngine::start().await;
    let id = t.run_container("exec", &["sleep", "300"]).await;

    let exec = t
        .docker
        .container_exec(
            &id,
            models::ExecConfig {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(vec![
                    "sh".to_owned(),
                    "-c".to_owned(),
                    "echo out $DCT_EXEC; echo err >&2; exit 3".to_owned(),
                ]),
                env: Some(vec!["DCT_EXEC=yes".to_owned()]),
                working_dir: Some("/tmp".to_owned()),
                ..Default::default()
            },
        )
        .await
        .expect("exec create");
    let before = t.docker.exec_inspect(&exec.id).await.expect("exec inspect");
    no_unknown_enum(&before);
    assert_eq!(before.running, Some(false));
    assert_eq!(before.container_id.as_deref(), Some(id.as_str()));
    let (stdout, stderr) = output_text(
        t.docker
            .exec_start(&exec.id)
            .exec_start_config(models::ExecStartConfig {
                detach: Some(false),
                tty: Some(false),
                ..Default::default()
            })
            .await
            .expect("exec start")
            .output,
    )
    .await;
    assert_eq!(stdout, "out yes\n");
    assert_eq!(stderr, "err\n");
    let after = t.docker.exec_inspect(&exec.id).await.expect("exec inspect");
    assert_eq!(after.exit_code, Some(3));
    assert_eq!(after.running, Some(false));
    let process = after.process_config.expect("ProcessConfig");
    assert_eq!(process.entrypoint.as_deref(), Some("sh"));
    t.capture(
        "exec_inspect",
        "GET",
        &format!("/exec/{}/json", exec.id),
        None,
    )
    .await;

    // Detached: the engine answers at once and the command runs on.
    let detached = t
        .docker
        .container_exec(
            &id,
            models::ExecConfig {
                cmd: Some(vec!["sh".to_owned(), "-c".to_owned(), "sleep 1".to_owned()]),
                ..Default::default()
            },
        )
        .await
        .expect("exec create");
    let (stdout, stderr) = output_text(
        t.docker
            .exec_start(&detached.id)
            .exec_start_config(models::ExecStartConfig {
                detach: Some(true),
                ..Default::default()
            })
            .await
            .expect("exec start detached")
            .output,
    )
    .await;
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
    let running = t.docker.exec_inspect(&detached.id).await.expect("inspect");
    assert_eq!(running.running, Some(true));
    assert!(running.pid.unwrap_or(0) > 0);

    // A TTY exec can be resized.
    let tty = t
        .docker
        .container_exec(
            &id,
            models::ExecConfig {
                tty: Some(true),
                attach_stdout: Some(true),
                cmd: Some(vec![
                    "sh".to_owned(),
                    "-c".to_owned(),
                    "sleep 2; stty size".to_owned(),
                ]),
                ..Default::default()
            },
        )
        .await
        .expect("exec create with a TTY");
    let docker = t.docker.clone();
    let tty_id = tty.id.clone();
    let started = tokio::spawn(async move {
        let attached = docker
            .exec_start(&tty_id)
            .exec_start_config(models::ExecStartConfig {
                tty: Some(true),
                ..Default::default()
            })
            .await
            .expect("exec start with a TTY");
        assert!(!attached.output.is_multiplexed());
        output_text(attached.output).await.0
    });
    eventually("the TTY exec to run", Duration::from_secs(10), || async {
        let inspect = t.docker.exec_inspect(&tty.id).await.expect("inspect");
        (inspect.running == Some(true)).then_some(())
    })
    .await;
    t.docker
        .exec_resize(&tty.id, 33, 101)
        .await
        .expect("exec resize");
    let output = tokio::time::timeout(Duration::from_secs(20), started)
        .await
        .expect("the TTY exec ends")
        .unwrap();
    assert_eq!(output.trim(), "33 101");

    let missing = t
        .docker
        .exec_inspect("dct-no-such-exec")
        .await
        .expect_err("no such exec");
    assert!(missing.is_not_found(), "{missing:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn resize_a_tty_container() {
    let t = TestEngine::start().await;
    let mut body = t.container_body(&["sh", "-c", "sleep 2; stty size; sleep 300"]);
    body.tty = Some(true);
    body.open_stdin = Some(true);
    let id = t.create_container("tty", &body).await;
    t.docker.container_start(&id).await.expect("start");
    t.docker
        .container_resize(&id, 24, 132)
        .await
        .expect("resize");
    let logs = eventually("stty to print", Duration::from_secs(15), || async {
        let logs = t
            .docker
            .container_logs(&id)
            .options(ContainerLogsOptions {
                stdout: Some(true),
                ..Default::default()
            })
            .await
            .expect("logs");
        // A TTY container's logs are raw, not multiplexed.
        assert!(!logs.is_multiplexed());
        let (text, _) = output_text(logs).await;
        (!text.trim().is_empty()).then_some(text)
    })
    .await;
    assert_eq!(logs.trim(), "24 132");
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_reads_the_output() {
    let t = TestEngine::start().await;
    let id = t
        .run_container(
            "attach",
            &["sh", "-c", "echo attached-out; echo attached-err >&2"],
        )
        .await;
    t.docker.container_wait(&id).await.expect("wait");
    let (stdout, stderr) = output_text(
        t.docker
            .container_attach(&id)
            .options(ContainerAttachOptions {
                logs: Some(true),
                stream: Some(false),
                stdout: Some(true),
                stderr: Some(true),
                ..Default::default()
            })
            .await
            .expect("attach")
            .output,
    )
    .await;
    assert_eq!(stdout, "attached-out\n");
    assert_eq!(stderr, "attached-err\n");

    // Over a websocket the output comes in frames, stdout and stderr together.
    let mut socket = t
        .docker
        .container_attach_websocket(&id)
        .options(ContainerAttachWebsocketOptions {
            logs: Some(true),
            stream: Some(false),
            stdout: Some(true),
            stderr: Some(true),
            ..Default::default()
        })
        .await
        .expect("attach over a websocket");
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut bytes))
        .await
        .expect("the websocket closes after the logs")
        .expect("read the websocket");
    let text: String = websocket_payloads(&bytes)
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    assert!(text.contains("attached-out\n"), "{text:?}");
    assert!(text.contains("attached-err\n"), "{text:?}");

    let missing = expect_api_error(
        "attach to no container",
        t.docker.container_attach("dct-no-such-container").await,
        &[404],
    );
    assert!(!missing.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_stopped_containers() {
    let t = TestEngine::start().await;
    let stopped = t.run_container("exited", &["true"]).await;
    t.docker.container_wait(&stopped).await.expect("wait");
    let running = t.run_container("running", &["sleep", "300"]).await;
    let pruned = t
        .docker
        .container_prune()
        .options(ContainerPruneOptions {
            filters: Some(t.label_filter()),
        })
        .await
        .expect("prune");
    no_unknown_enum(&pruned);
    assert_eq!(pruned.containers_deleted, Some(vec![stopped.clone()]));
    assert!(t
        .docker
        .container_inspect(&stopped)
        .await
        .unwrap_err()
        .is_not_found());
    assert_eq!(
        status_of(&inspect(&t, &running).await),
        models::ContainerStateStatus::Running
    );
}

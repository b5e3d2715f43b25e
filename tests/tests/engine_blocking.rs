//! The blocking client (`docker_client::blocking`) against the real test engine: a container
//! run with its output and its logs, exec with standard input through the `Write` half, and a
//! JSON stream (events) as an iterator, and an image built from a directory.
//!
//! Run with `cargo xtask test`, or with the test engines up:
//! `eval "$(tests/engine/engine.sh start)" && cargo test -p docker-client-tests --features engine --test engine_blocking`.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use docker_client::blocking;
use docker_client::options::{ContainerLogsOptions, SystemEventsOptions};
use docker_client::{models, LogOutput};
use docker_client_tests::engine::{unix_now, TestEngine, BUSYBOX, HOW_TO_START, LABEL};

/// The test engine (set up on a runtime of the test's, which stays out of the blocking calls)
/// and a blocking client of it, or a failure (never a skip) telling how to run these tests.
fn engine() -> (tokio::runtime::Runtime, TestEngine, blocking::Docker) {
    for name in ["DOCKER_HOST", "BUSYBOX_ROOTFS_TAR"] {
        if std::env::var(name).map_or(true, |v| v.is_empty()) {
            panic!("{name} is not set: {HOW_TO_START}");
        }
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the test's setup");
    let engine = runtime.block_on(TestEngine::start());
    let docker = blocking::Docker::from_async(engine.docker.clone()).expect("a blocking client");
    // The recording relay runs on the setup runtime: bound first, it is dropped last.
    (runtime, engine, docker)
}

/// Runs `f` on a thread of its own, failing the test after `secs` seconds instead of hanging.
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    result
        .recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("timed out after {secs} s: {what}"))
}

#[test]
fn run_a_container_and_read_its_logs() {
    let (_runtime, t, docker) = engine();
    let name = t.name("run");
    let run = {
        let (docker, name, label) = (docker.clone(), name.clone(), t.run.clone());
        within(60, "run", move || {
            docker
                .run(BUSYBOX)
                .map(|r| {
                    r.cmd(["sh", "-c", "echo out; echo err >&2; exit 4"])
                        .name(name)
                        .label(LABEL, label)
                        .network("none")
                })
                .send()
                .expect("run")
        })
    };
    t.remove_container_later(&run.id);
    assert_eq!(run.status.code, 4);
    assert_eq!(run.stdout_text(), "out\n");
    assert_eq!(run.stderr_text(), "err\n");

    let id = run.id.clone();
    let pieces: Vec<LogOutput> = within(30, "logs", move || {
        docker
            .container_logs(&id)
            .options(ContainerLogsOptions {
                stdout: Some(true),
                stderr: Some(true),
                ..Default::default()
            })
            .send()
            .expect("logs")
            .collect::<Result<_, _>>()
            .expect("the log pieces")
    });
    let stdout: Vec<u8> = pieces
        .iter()
        .filter(|p| matches!(p, LogOutput::StdOut(_)))
        .flat_map(|p| p.bytes().to_vec())
        .collect();
    let stderr: Vec<u8> = pieces
        .iter()
        .filter(|p| matches!(p, LogOutput::StdErr(_)))
        .flat_map(|p| p.bytes().to_vec())
        .collect();
    assert_eq!(stdout, b"out\n", "{pieces:?}");
    assert_eq!(stderr, b"err\n", "{pieces:?}");
}

#[test]
fn exec_with_stdin_through_the_write_half() {
    let (_runtime, t, docker) = engine();
    let id = {
        let (docker, body, name) = (
            docker.clone(),
            t.container_body(&["sleep", "60"]),
            t.name("exec"),
        );
        within(30, "create and start", move || {
            let created = docker
                .container_create(body)
                .name(name)
                .send()
                .expect("create");
            docker.container_start(&created.id).send().expect("start");
            created.id
        })
    };
    t.remove_container_later(&id);
    let (stdout, stderr, code) = within(60, "exec", move || {
        let exec = docker
            .container_exec(
                &id,
                models::ExecConfig {
                    attach_stdin: Some(true),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    cmd: Some(vec![
                        "sh".to_owned(),
                        "-c".to_owned(),
                        "cat; echo oops >&2; exit 3".to_owned(),
                    ]),
                    ..Default::default()
                },
            )
            .send()
            .expect("exec create");
        let mut attached = docker
            .exec_start(&exec.id)
            .exec_start_config(models::ExecStartConfig {
                detach: Some(false),
                tty: Some(false),
                ..Default::default()
            })
            .send()
            .expect("exec start");
        assert!(attached.output.is_multiplexed());
        attached
            .input
            .write_all(b"hello exec\n")
            .expect("write stdin");
        attached.input.flush().expect("flush stdin");
        attached.input.shutdown().expect("close stdin");
        let (stdout, stderr) = attached.output.collect_output().expect("the output");
        let mut code = None;
        for _ in 0..100 {
            let inspect = docker.exec_inspect(&exec.id).send().expect("exec inspect");
            if inspect.running == Some(false) {
                code = inspect.exit_code;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        (stdout, stderr, code)
    });
    assert_eq!(stdout, b"hello exec\n");
    assert_eq!(stderr, b"oops\n");
    assert_eq!(code, Some(3));
}

#[test]
fn events_are_an_iterator() {
    let (_runtime, t, docker) = engine();
    let since = unix_now() - 1;
    let run = {
        let (docker, label) = (docker.clone(), t.run.clone());
        within(60, "run", move || {
            docker
                .run(BUSYBOX)
                .map(|r| r.cmd(["true"]).label(LABEL, label).network("none"))
                .send()
                .expect("run")
        })
    };
    t.remove_container_later(&run.id);
    let until = unix_now() + 1;
    let filters = t.label_filter();
    let actions: Vec<String> = within(30, "events", move || {
        docker
            .system_events()
            .options(SystemEventsOptions {
                since: Some(since.to_string()),
                until: Some(until.to_string()),
                filters: Some(filters),
            })
            .send()
            .expect("events")
            .map(|event| event.expect("an event").action.unwrap_or_default())
            .collect()
    });
    for action in ["create", "start", "die"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[test]
fn build_an_image_from_a_directory() {
    let (_runtime, t, docker) = engine();
    let dir = tempfile::tempdir().expect("a context directory");
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {BUSYBOX}\nCOPY hello.txt /hello.txt\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("hello.txt"),
        "built by the blocking client\n",
    )
    .unwrap();
    let tag = format!("{}-blocking:built", t.run);
    t.remove_image_later(&tag);
    let (context, label, tagged) = (dir.path().to_owned(), t.run.clone(), tag.clone());
    let built = within(120, "build", move || {
        docker
            .build_image(context)
            .map(|b| b.tag(&tagged).network("none").label(LABEL, label))
            .send()
            .expect("build")
    });
    assert!(
        built
            .image_id
            .as_deref()
            .is_some_and(|id| id.starts_with("sha256:")),
        "{built:?}"
    );
    assert!(built.log.contains("COPY hello.txt"), "{}", built.log);
}

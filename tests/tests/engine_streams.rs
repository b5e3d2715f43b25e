//! Streams and hijacked I/O against the real test engine (issue 5): container logs
//! demultiplexed into stdout and stderr, TTY output passed through raw, attach and exec with
//! standard input over the upgraded connection, the stats and events streams, the JSON progress
//! of import, load and build, and tar bodies streamed both ways.
//!
//! Run with `cargo xtask test`, or with the test engines up:
//! `eval "$(tests/engine/engine.sh start)" && cargo test -p docker-client-tests --features engine --test engine_streams`.

use std::collections::{BTreeMap, HashMap};
use std::future::IntoFuture;
use std::time::Duration;

use bytes::Bytes;
use docker_client::models;
use docker_client::options::{
    ContainerAttachOptions, ContainerLogsOptions, ContainerStatsOptions, ImageBuildOptions,
    ImageCreateOptions, SystemEventsOptions,
};
use docker_client::{Body, Docker, Error, LogOutput, OutputStream};
use docker_client_tests::engine::{
    direct_client, no_unknown_enum, unix_now, TestEngine, BUSYBOX, HOW_TO_START,
};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

// --- Helpers ---------------------------------------------------------------------------------

/// The test engine, or a failure (never a skip) telling how to run these tests.
async fn engine() -> TestEngine {
    for name in ["DOCKER_HOST", "BUSYBOX_ROOTFS_TAR"] {
        if std::env::var(name).map_or(true, |v| v.is_empty()) {
            panic!("{name} is not set: {HOW_TO_START}");
        }
    }
    TestEngine::start().await
}

/// Awaits `future`, failing the test after `secs` seconds instead of hanging.
async fn within<T>(secs: u64, what: &str, future: impl IntoFuture<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {secs} s: {what}"))
}

/// Which stream a piece of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    StdIn,
    StdOut,
    StdErr,
    Console,
}

fn kind(piece: &LogOutput) -> Kind {
    match piece {
        LogOutput::StdIn(_) => Kind::StdIn,
        LogOutput::StdOut(_) => Kind::StdOut,
        LogOutput::StdErr(_) => Kind::StdErr,
        LogOutput::Console(_) => Kind::Console,
    }
}

/// Reads a whole output stream into its pieces.
async fn pieces(what: &str, mut output: OutputStream) -> Vec<LogOutput> {
    within(60, what, async {
        let mut all = Vec::new();
        while let Some(piece) = output.next().await {
            all.push(piece.unwrap_or_else(|e| panic!("{what}: {e}")));
        }
        all
    })
    .await
}

/// The output as runs of one stream each: consecutive pieces of the same kind joined (a frame
/// may arrive in several pieces).
fn runs(pieces: &[LogOutput]) -> Vec<(Kind, String)> {
    let mut runs: Vec<(Kind, String)> = Vec::new();
    for piece in pieces {
        let text = String::from_utf8_lossy(piece.bytes());
        match runs.last_mut() {
            Some((k, joined)) if *k == kind(piece) => joined.push_str(&text),
            _ => runs.push((kind(piece), text.into_owned())),
        }
    }
    runs
}

/// The lines of output of one kind, joined.
fn text_of(pieces: &[LogOutput], wanted: Kind) -> String {
    pieces
        .iter()
        .filter(|p| kind(p) == wanted)
        .map(|p| String::from_utf8_lossy(p.bytes()).into_owned())
        .collect()
}

/// Waits for a container to stop and returns its exit code.
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

async fn start(t: &TestEngine, id: &str) {
    t.docker
        .container_start(id)
        .await
        .unwrap_or_else(|e| panic!("start {id}: {e}"));
}

/// Parses Docker's RFC 3339 UTC timestamp (`2024-05-01T12:34:56.123456789Z`) into seconds
/// since the epoch and nanoseconds; `None` when it is not one.
fn parse_rfc3339(text: &str) -> Option<(i64, u32)> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let nanos = match b[19] {
        b'Z' if b.len() == 20 => 0,
        b'.' => {
            let fraction = &text[20..text.len() - 1];
            if fraction.is_empty() || fraction.len() > 9 {
                return None;
            }
            let value = digits(20..text.len() - 1)?;
            (value * 10i64.pow(9 - fraction.len() as u32)) as u32
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hour * 3600 + minute * 60 + second, nanos))
}

/// A tar archive of directories (paths ending in `/`) and files, as `tar` writes them.
fn tar_tree(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, contents, mode) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(1_700_000_000);
        header.set_mode(*mode);
        header.set_uid(0);
        header.set_gid(0);
        if path.ends_with('/') {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            header.set_cksum();
            builder
                .append_data(&mut header, path, std::io::empty())
                .unwrap_or_else(|e| panic!("tar {path}: {e}"));
        } else {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(contents.len() as u64);
            header.set_cksum();
            builder
                .append_data(&mut header, path, *contents)
                .unwrap_or_else(|e| panic!("tar {path}: {e}"));
        }
    }
    builder.into_inner().expect("finish a tar archive")
}

/// What a tar archive holds: each entry's path (without a trailing `/`), type, mode and, for
/// regular files, contents.
fn unpack(bytes: &[u8]) -> BTreeMap<String, (tar::EntryType, u32, Vec<u8>)> {
    let mut archive = tar::Archive::new(bytes);
    let mut entries = BTreeMap::new();
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.expect("a tar entry");
        let path = entry
            .path()
            .expect("a tar path")
            .to_string_lossy()
            .into_owned();
        let path = path
            .trim_start_matches("./")
            .trim_end_matches('/')
            .to_owned();
        let header = entry.header();
        let (kind, mode) = (header.entry_type(), header.mode().expect("a mode") & 0o7777);
        let mut contents = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut contents).expect("a tar entry's contents");
        entries.insert(path, (kind, mode, contents));
    }
    entries
}

// --- Logs ------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn logs_keep_stdout_and_stderr_apart_and_in_order() {
    let t = engine().await;
    // The pauses keep the engine's two copiers (one per pipe) from reordering the lines.
    let script = "echo out1; usleep 200000; echo err1 >&2; usleep 200000; echo out2";
    let id = t.run_container("logs", &["sh", "-c", script]).await;
    assert_eq!(wait_exit(&t, &id).await, 0);

    let both = ContainerLogsOptions {
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    };
    let output = t
        .docker
        .container_logs(&id)
        .options(both.clone())
        .await
        .expect("GET logs");
    assert!(
        output.is_multiplexed(),
        "a container without a TTY multiplexes its output"
    );
    let all = pieces("logs", output).await;
    assert_eq!(
        runs(&all),
        vec![
            (Kind::StdOut, "out1\n".to_owned()),
            (Kind::StdErr, "err1\n".to_owned()),
            (Kind::StdOut, "out2\n".to_owned()),
        ],
        "pieces: {all:?}"
    );

    // Only stdout, then only stderr.
    let stdout_only = ContainerLogsOptions {
        stdout: Some(true),
        ..Default::default()
    };
    let output = t
        .docker
        .container_logs(&id)
        .options(stdout_only)
        .await
        .expect("GET logs");
    let all = pieces("stdout logs", output).await;
    assert_eq!(runs(&all), vec![(Kind::StdOut, "out1\nout2\n".to_owned())]);
    let stderr_only = ContainerLogsOptions {
        stderr: Some(true),
        ..Default::default()
    };
    let output = t
        .docker
        .container_logs(&id)
        .options(stderr_only)
        .await
        .expect("GET logs");
    let all = pieces("stderr logs", output).await;
    assert_eq!(runs(&all), vec![(Kind::StdErr, "err1\n".to_owned())]);

    // `collect_output` splits the same way.
    let output = t
        .docker
        .container_logs(&id)
        .options(both.clone())
        .await
        .expect("GET logs");
    let (stdout, stderr) = within(60, "collect logs", output.collect_output())
        .await
        .expect("collect logs");
    assert_eq!(stdout, b"out1\nout2\n");
    assert_eq!(stderr, b"err1\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_follow_streams_until_the_container_exits() {
    let t = engine().await;
    let script = "echo first; sleep 2; echo second >&2; sleep 1; echo last";
    let id = t.run_container("follow", &["sh", "-c", script]).await;
    let options = ContainerLogsOptions {
        follow: Some(true),
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    };
    let mut output = t
        .docker
        .container_logs(&id)
        .options(options)
        .await
        .expect("GET logs?follow");

    // The first line arrives while the container still runs: the output is streamed.
    let first = within(30, "the first line", output.next())
        .await
        .expect("a first piece")
        .expect("a first piece");
    assert_eq!(first, LogOutput::StdOut(Bytes::from_static(b"first\n")));
    let state = t
        .docker
        .container_inspect(&id)
        .await
        .expect("inspect")
        .state
        .expect("State");
    assert_eq!(
        state.running,
        Some(true),
        "the container runs while its logs stream"
    );

    // The stream then ends by itself when the container exits.
    let rest = pieces("the followed logs", output).await;
    assert_eq!(
        runs(&rest),
        vec![
            (Kind::StdErr, "second\n".to_owned()),
            (Kind::StdOut, "last\n".to_owned()),
        ]
    );
    let state = t
        .docker
        .container_inspect(&id)
        .await
        .expect("inspect")
        .state
        .expect("State");
    assert_eq!(
        state.running,
        Some(false),
        "follow ended because the container did"
    );
    assert_eq!(state.exit_code, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_since_until_timestamps_and_tail() {
    let t = engine().await;
    let script = "echo early; echo middle; sleep 3; echo late";
    let id = t.run_container("tail", &["sh", "-c", script]).await;
    assert_eq!(wait_exit(&t, &id).await, 0);
    let logs = |options: ContainerLogsOptions| {
        let docker = t.docker.clone();
        let id = id.clone();
        async move {
            let options = ContainerLogsOptions {
                stdout: Some(true),
                stderr: Some(true),
                ..options
            };
            let output = docker
                .container_logs(&id)
                .options(options)
                .await
                .expect("GET logs");
            text_of(&pieces("logs", output).await, Kind::StdOut)
        }
    };

    // Timestamps: every line starts with an RFC 3339 (nanosecond, UTC) time and a space.
    let stamped = logs(ContainerLogsOptions {
        timestamps: Some(true),
        ..Default::default()
    })
    .await;
    let lines: Vec<(i64, u32, &str)> = stamped
        .lines()
        .map(|line| {
            let (stamp, text) = line.split_once(' ').unwrap_or_else(|| panic!("{line:?}"));
            let (secs, nanos) = parse_rfc3339(stamp)
                .unwrap_or_else(|| panic!("not an RFC 3339 timestamp: {stamp:?} in {line:?}"));
            (secs, nanos, text)
        })
        .collect();
    let texts: Vec<&str> = lines.iter().map(|l| l.2).collect();
    assert_eq!(texts, ["early", "middle", "late"]);
    let now = unix_now();
    for (secs, _, text) in &lines {
        assert!(
            (now - 120..=now + 5).contains(secs),
            "{text} logged at {secs}, now {now}"
        );
    }
    let (early, late) = (lines[0].0, lines[2].0);
    assert!(
        late >= early + 2,
        "3 s between early ({early}) and late ({late})"
    );

    // Without timestamps the lines are bare.
    assert_eq!(logs(Default::default()).await, "early\nmiddle\nlate\n");

    // tail: the last lines only.
    let tail = |n: &str| ContainerLogsOptions {
        tail: Some(n.to_owned()),
        ..Default::default()
    };
    assert_eq!(logs(tail("1")).await, "late\n");
    assert_eq!(logs(tail("2")).await, "middle\nlate\n");
    assert_eq!(logs(tail("all")).await, "early\nmiddle\nlate\n");

    // since / until (whole seconds): `late` is at least 2 s after `early` and `middle`.
    let until = ContainerLogsOptions {
        until: Some(early + 1),
        ..Default::default()
    };
    assert_eq!(logs(until).await, "early\nmiddle\n");
    let since = ContainerLogsOptions {
        since: Some(late),
        ..Default::default()
    };
    assert_eq!(logs(since).await, "late\n");
    let window = ContainerLogsOptions {
        since: Some(early - 1),
        until: Some(early + 1),
        timestamps: Some(true),
        ..Default::default()
    };
    let window = logs(window).await;
    let texts: Vec<&str> = window
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|l| l.1)
        .collect();
    assert_eq!(texts, ["early", "middle"], "{window:?}");
    // (The engine applies `tail` to the whole log before `since`/`until`: `tail=1` with a
    // window that excludes the last line gives nothing.)
    let tail_then_window = ContainerLogsOptions {
        until: Some(early + 1),
        tail: Some("1".to_owned()),
        ..Default::default()
    };
    assert_eq!(logs(tail_then_window).await, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn tty_logs_are_raw_console_chunks() {
    let t = engine().await;
    let body = models::ContainerCreateBody {
        tty: Some(true),
        ..t.container_body(&[
            "sh",
            "-c",
            "echo out1; echo err1 >&2; printf '\\001\\002\\003'",
        ])
    };
    let id = t.create_container("tty", &body).await;
    start(&t, &id).await;
    assert_eq!(wait_exit(&t, &id).await, 0);
    let options = ContainerLogsOptions {
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    };
    let output = t
        .docker
        .container_logs(&id)
        .options(options)
        .await
        .expect("GET logs");
    assert!(!output.is_multiplexed(), "TTY output is raw");
    let all = pieces("TTY logs", output).await;
    assert!(!all.is_empty());
    assert!(
        all.iter().all(|p| kind(p) == Kind::Console),
        "every piece of a TTY's output is console output: {all:?}"
    );
    let console: Vec<u8> = all.iter().flat_map(|p| p.bytes().to_vec()).collect();
    // The terminal turned each "\n" into "\r\n", and bytes that look like frame headers pass
    // through untouched.
    assert_eq!(console, b"out1\r\nerr1\r\n\x01\x02\x03");
}

// --- Attach and exec with standard input -----------------------------------------------------

/// A container running `cat` with its standard input open, closed after the first attach.
fn cat_body(t: &TestEngine) -> models::ContainerCreateBody {
    models::ContainerCreateBody {
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        open_stdin: Some(true),
        stdin_once: Some(true),
        ..t.container_body(&["cat"])
    }
}

fn attach_all() -> ContainerAttachOptions {
    ContainerAttachOptions {
        stream: Some(true),
        stdin: Some(true),
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_before_start_echoes_stdin_through_cat() {
    let t = engine().await;
    let id = t.create_container("attach", &cat_body(&t)).await;
    let mut attached = within(
        30,
        "attach",
        t.docker.container_attach(&id).options(attach_all()),
    )
    .await
    .expect("POST attach (upgraded)");
    assert!(attached.output.is_multiplexed());
    start(&t, &id).await;

    attached
        .input
        .write_all(b"hello\n")
        .await
        .expect("write stdin");
    attached
        .input
        .write_all(b"second line, no newline")
        .await
        .expect("write stdin");
    attached.input.shutdown().await.expect("close stdin");
    let all = pieces("attached output", attached.output).await;
    assert_eq!(
        runs(&all),
        vec![(Kind::StdOut, "hello\nsecond line, no newline".to_owned())],
        "{all:?}"
    );
    // Closing stdin ended `cat`, and with it the container.
    assert_eq!(wait_exit(&t, &id).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn attach_after_start_echoes_stdin_through_cat() {
    let t = engine().await;
    let body = models::ContainerCreateBody {
        // stderr too: `cat` reads its input, then the script reports on stderr.
        cmd: Some(vec![
            "sh".to_owned(),
            "-c".to_owned(),
            "cat; echo done >&2".to_owned(),
        ]),
        ..cat_body(&t)
    };
    let id = t.create_container("attach-late", &body).await;
    start(&t, &id).await;
    let mut attached = within(
        30,
        "attach",
        t.docker.container_attach(&id).options(attach_all()),
    )
    .await
    .expect("POST attach (upgraded)");
    // 64 KiB and more: several frames, several writes.
    let big: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let writer = async {
        attached
            .input
            .write_all(b"hello\n")
            .await
            .expect("write stdin");
        attached.input.write_all(&big).await.expect("write stdin");
        attached.input.shutdown().await.expect("close stdin");
    };
    let reader = pieces("attached output", attached.output);
    let ((), all) = tokio::join!(writer, reader);
    let stdout = text_of(&all, Kind::StdOut);
    assert_eq!(stdout.len(), 6 + big.len());
    assert!(stdout.starts_with("hello\n"));
    assert_eq!(&stdout.as_bytes()[6..], &big[..]);
    assert_eq!(text_of(&all, Kind::StdErr), "done\n");
    assert_eq!(wait_exit(&t, &id).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_with_stdin_and_its_exit_code() {
    let t = engine().await;
    let id = t.run_container("exec", &["sleep", "300"]).await;
    exec_cat_then_exit_3(&t.docker, &id).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_with_stdin_straight_to_the_engine_socket() {
    // The same, without the tests' recording relay between the client and the engine: the
    // client's own connection is upgraded and half-closed.
    let t = engine().await;
    let id = t.run_container("exec-direct", &["sleep", "300"]).await;
    exec_cat_then_exit_3(&direct_client(), &id).await;
}

/// Execs `cat` with stdin in the container, checks its output, and that it exited with 3.
async fn exec_cat_then_exit_3(docker: &Docker, id: &str) {
    let exec = docker
        .container_exec(
            id,
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
        .await
        .expect("POST exec");
    let start = models::ExecStartConfig {
        detach: Some(false),
        tty: Some(false),
        ..Default::default()
    };
    let mut attached = within(
        30,
        "exec start",
        docker.exec_start(&exec.id).exec_start_config(start),
    )
    .await
    .expect("POST exec start (upgraded)");
    assert!(attached.output.is_multiplexed());
    attached
        .input
        .write_all(b"hello exec\n")
        .await
        .expect("write stdin");
    attached.input.shutdown().await.expect("close stdin");
    let all = pieces("exec output", attached.output).await;
    // The engine copies stdout and stderr from two pipes concurrently, so their relative order
    // is not kept here (the logs test keeps it with pauses); each stream's bytes are.
    assert_eq!(text_of(&all, Kind::StdOut), "hello exec\n", "{all:?}");
    assert_eq!(text_of(&all, Kind::StdErr), "oops\n", "{all:?}");
    assert!(
        all.iter()
            .all(|p| matches!(kind(p), Kind::StdOut | Kind::StdErr)),
        "{all:?}"
    );

    // The output ends when the process does; the exit code is then in the exec's state.
    let inspect = within(30, "the exec's exit code", async {
        loop {
            let inspect = docker.exec_inspect(&exec.id).await.expect("GET exec json");
            if inspect.running == Some(false) {
                break inspect;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert_eq!(inspect.exit_code, Some(3));
    assert_eq!(inspect.container_id.as_deref(), Some(id));
}

#[tokio::test(flavor = "multi_thread")]
async fn detached_exec_has_no_input_and_no_output() {
    let t = engine().await;
    let id = t.run_container("exec-detached", &["sleep", "300"]).await;
    let config = models::ExecConfig {
        attach_stdout: Some(true),
        cmd: Some(vec!["sh".into(), "-c".into(), "echo unseen; exit 2".into()]),
        ..Default::default()
    };
    let exec = t
        .docker
        .container_exec(&id, config)
        .await
        .expect("POST exec");
    let start = models::ExecStartConfig {
        detach: Some(true),
        ..Default::default()
    };
    // The engine answers at once without upgrading: no stdin to write, an empty output.
    let mut attached = within(
        30,
        "exec start",
        t.docker.exec_start(&exec.id).exec_start_config(start),
    )
    .await
    .expect("POST exec start (detached)");
    let write = attached.input.write_all(b"x").await;
    assert_eq!(
        write.expect_err("no stdin").kind(),
        std::io::ErrorKind::NotConnected
    );
    assert!(pieces("detached exec output", attached.output)
        .await
        .is_empty());
    let inspect = within(30, "the exec's exit code", async {
        loop {
            let inspect = t
                .docker
                .exec_inspect(&exec.id)
                .await
                .expect("GET exec json");
            if inspect.running == Some(false) && inspect.exit_code.is_some() {
                break inspect;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert_eq!(inspect.exit_code, Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_with_a_tty_is_raw_and_resizes() {
    let t = engine().await;
    let id = t.run_container("exec-tty", &["sleep", "300"]).await;
    let exec = t
        .docker
        .container_exec(
            &id,
            models::ExecConfig {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(true),
                console_size: Some(vec![30, 100]),
                // Read a line, so that the resize happens while the exec runs.
                cmd: Some(vec![
                    "sh".to_owned(),
                    "-c".to_owned(),
                    "stty size; read line; stty size; echo got $line; exit 5".to_owned(),
                ]),
                ..Default::default()
            },
        )
        .await
        .expect("POST exec");
    let start = models::ExecStartConfig {
        detach: Some(false),
        tty: Some(true),
        console_size: Some(vec![30, 100]),
    };
    let mut attached = within(
        30,
        "exec start",
        t.docker.exec_start(&exec.id).exec_start_config(start),
    )
    .await
    .expect("POST exec start (upgraded)");
    assert!(
        !attached.output.is_multiplexed(),
        "a TTY exec's output is raw"
    );
    let mut console = String::new();
    within(30, "the first size", async {
        while !console.contains("30 100") {
            let piece = attached
                .output
                .next()
                .await
                .expect("output")
                .expect("output");
            assert_eq!(kind(&piece), Kind::Console);
            console.push_str(&String::from_utf8_lossy(piece.bytes()));
        }
    })
    .await;
    t.docker
        .exec_resize(&exec.id, 40, 120)
        .await
        .expect("POST exec resize");
    attached
        .input
        .write_all(b"hi\r")
        .await
        .expect("write stdin");
    let rest = pieces("exec output", attached.output).await;
    assert!(rest.iter().all(|p| kind(p) == Kind::Console), "{rest:?}");
    console.push_str(&text_of(&rest, Kind::Console));
    assert!(
        console.contains("40 120"),
        "the resize reached the TTY: {console:?}"
    );
    assert!(console.contains("got hi"), "{console:?}");
    let inspect = within(30, "the exec's exit code", async {
        loop {
            let inspect = t
                .docker
                .exec_inspect(&exec.id)
                .await
                .expect("GET exec json");
            if inspect.running == Some(false) {
                break inspect;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert_eq!(inspect.exit_code, Some(5));
}

// --- Stats and events ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn stats_stream_yields_several_items() {
    let t = engine().await;
    let id = t.run_container("stats", &["sleep", "300"]).await;
    let options = ContainerStatsOptions {
        stream: Some(true),
        ..Default::default()
    };
    let stream = t
        .docker
        .container_stats(&id)
        .options(options)
        .await
        .expect("GET stats");
    let items: Vec<models::ContainerStatsResponse> = within(60, "three stats", async {
        stream
            .take(3)
            .map(|item| item.expect("a stats item"))
            .collect()
            .await
    })
    .await;
    assert_eq!(items.len(), 3);
    let mut reads = Vec::new();
    for item in &items {
        no_unknown_enum(item);
        assert_eq!(item.id.as_deref(), Some(id.as_str()), "{item:?}");
        assert!(item.cpu_stats.is_some(), "{item:?}");
        assert!(item.memory_stats.is_some(), "{item:?}");
        reads.push(item.read.clone().expect("read"));
    }
    reads.dedup();
    assert_eq!(reads.len(), 3, "three distinct samples: {reads:?}");
    // Dropping the stream closed the connection; the engine still answers.
    t.docker.container_inspect(&id).await.expect("inspect");
}

#[tokio::test(flavor = "multi_thread")]
async fn events_stream_sees_create_start_and_die() {
    let t = engine().await;
    let name = t.name("events");
    let options = SystemEventsOptions {
        since: Some(unix_now().to_string()),
        filters: Some(HashMap::from([
            ("container".to_owned(), vec![name.clone()]),
            ("type".to_owned(), vec!["container".to_owned()]),
        ])),
        ..Default::default()
    };
    // A live stream (no `until`): it is open before the container exists.
    let mut events = t
        .docker
        .system_events()
        .options(options)
        .await
        .expect("GET /events");
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(event) = events.next().await {
            let event = event.expect("an event");
            no_unknown_enum(&event);
            let done = event.action.as_deref() == Some("die");
            seen.push(event);
            if done {
                break;
            }
        }
        seen
    });
    let id = t.run_container("events", &["sh", "-c", "exit 7"]).await;
    assert_eq!(wait_exit(&t, &id).await, 7);
    let seen = within(30, "the die event", watcher)
        .await
        .expect("the watcher");
    let actions: Vec<&str> = seen.iter().filter_map(|e| e.action.as_deref()).collect();
    let position = |action: &str| {
        actions
            .iter()
            .position(|a| *a == action)
            .unwrap_or_else(|| panic!("no {action} event in {actions:?}"))
    };
    assert!(position("create") < position("start"), "{actions:?}");
    assert!(position("start") < position("die"), "{actions:?}");
    for event in &seen {
        assert_eq!(event.r#type, Some(models::EventMessageType::Container));
        let actor = event.actor.as_ref().expect("Actor");
        assert_eq!(actor.id.as_deref(), Some(id.as_str()));
        let attributes = actor.attributes.as_ref().expect("Attributes");
        assert_eq!(attributes.get("name"), Some(&name));
        assert!(event.time_nano.unwrap_or(0) > 0);
    }
    let die = seen.last().expect("die");
    let attributes = die
        .actor
        .as_ref()
        .and_then(|a| a.attributes.as_ref())
        .expect("attributes");
    assert_eq!(attributes.get("exitCode").map(String::as_str), Some("7"));
}

// --- Images: import, save, load, build, pull ------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn import_then_save_then_load_gives_the_same_image() {
    let t = engine().await;
    let repo = t.name("imported");
    let reference = format!("{repo}:v1");
    t.remove_image_later(&reference);

    // Import the root filesystem, streamed from the file.
    let path = std::env::var("BUSYBOX_ROOTFS_TAR").expect("BUSYBOX_ROOTFS_TAR");
    let file = tokio::fs::File::open(&path)
        .await
        .expect("open the busybox rootfs");
    let options = ImageCreateOptions {
        from_src: Some("-".to_owned()),
        repo: Some(repo.clone()),
        tag: Some("v1".to_owned()),
        // Two changes: the engine wants one `changes` key each (a comma-joined value would
        // silently drop the second).
        changes: Some(vec![
            r#"CMD ["sh"]"#.to_owned(),
            "ENV IMPORTED=yes".to_owned(),
        ]),
        message: Some("imported by the stream tests".to_owned()),
        ..Default::default()
    };
    let progress = t
        .docker
        .image_create()
        .input_image(Body::from_reader(file))
        .options(options)
        .await
        .expect("POST /images/create?fromSrc=-");
    let progress: Vec<models::CreateImageInfo> = within(120, "the import", async {
        progress
            .map(|m| m.expect("an import message"))
            .collect()
            .await
    })
    .await;
    let imported = progress
        .iter()
        .filter_map(|m| m.status.as_deref())
        .find(|s| s.starts_with("sha256:"))
        .unwrap_or_else(|| panic!("no image id in the import's messages: {progress:?}"))
        .to_owned();
    let inspect = t
        .docker
        .image_inspect(&reference)
        .await
        .expect("inspect the import");
    assert_eq!(inspect.id.as_deref(), Some(imported.as_str()));
    let config = inspect.config.expect("Config");
    assert_eq!(
        config.cmd,
        Some(vec!["sh".to_owned()]),
        "the CMD change was applied"
    );
    assert_eq!(
        config.env,
        Some(vec!["IMPORTED=yes".to_owned()]),
        "the ENV change was applied"
    );
    assert_eq!(
        inspect.comment.as_deref(),
        Some("imported by the stream tests")
    );

    // Save: a tar of the image, streamed back.
    let saved = t
        .docker
        .image_get(&reference)
        .await
        .expect("GET /images/{name}/get");
    let saved = within(120, "the save", saved.collect_bytes())
        .await
        .expect("the saved tar");
    let entries = unpack(&saved);
    assert!(
        entries.contains_key("manifest.json"),
        "{:?}",
        entries.keys()
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&entries["manifest.json"].2).expect("manifest.json");
    assert_eq!(
        manifest[0]["RepoTags"][0].as_str(),
        Some(reference.as_str())
    );

    // Delete the image, then load it back from the saved tar.
    let deleted = t
        .docker
        .image_delete(&reference)
        .await
        .expect("delete the image");
    assert!(
        deleted
            .iter()
            .any(|d| d.deleted.as_deref() == Some(imported.as_str())),
        "{deleted:?}"
    );
    let gone = t.docker.image_inspect(&imported).await;
    assert!(matches!(&gone, Err(e) if e.is_not_found()), "{gone:?}");

    let loaded = t
        .docker
        .image_load()
        .images_tarball(Body::from(saved))
        .await
        .expect("POST /images/load");
    let loaded: Vec<models::BuildInfo> = within(120, "the load", async {
        loaded.map(|m| m.expect("a load message")).collect().await
    })
    .await;
    let text: String = loaded.iter().filter_map(|m| m.stream.clone()).collect();
    assert!(
        text.contains(&format!("Loaded image: {reference}")),
        "{loaded:?}"
    );
    let reloaded = t
        .docker
        .image_inspect(&reference)
        .await
        .expect("inspect the loaded image");
    assert_eq!(
        reloaded.id.as_deref(),
        Some(imported.as_str()),
        "the same image id"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn build_from_a_tar_context_streams_its_output() {
    let t = engine().await;
    let tag = format!("{}:latest", t.name("built"));
    t.remove_image_later(&tag);
    let dockerfile =
        format!("FROM {BUSYBOX}\nCOPY hello.txt /hello.txt\nRUN echo built > /built\n");
    let context = tar_tree(&[
        ("Dockerfile", dockerfile.as_bytes(), 0o644),
        ("hello.txt", b"hello from the context\n", 0o644),
    ]);
    let options = ImageBuildOptions {
        t: Some(tag.clone()),
        rm: Some(true),
        forcerm: Some(true),
        networkmode: Some("none".to_owned()),
        version: Some(models::ImageBuildVersion::T1),
        ..Default::default()
    };
    let stream = t
        .docker
        .image_build()
        .input_stream(Body::from(context))
        .options(options)
        .await
        .expect("POST /build");
    let messages: Vec<models::BuildInfo> = within(120, "the build", async {
        stream.map(|m| m.expect("a build message")).collect().await
    })
    .await;
    let text: String = messages.iter().filter_map(|m| m.stream.clone()).collect();
    assert!(text.contains("Step 1/3 : FROM busybox:latest"), "{text}");
    assert!(
        text.contains("Step 3/3 : RUN echo built > /built"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Successfully tagged {tag}")),
        "{text}"
    );
    let id = messages
        .iter()
        .find_map(|m| m.aux.as_ref().and_then(|aux| aux.id.clone()))
        .unwrap_or_else(|| panic!("no aux message with the image id: {messages:?}"));
    assert!(id.starts_with("sha256:"), "{id}");

    let image = t
        .docker
        .image_inspect(&tag)
        .await
        .expect("the built image exists");
    assert_eq!(image.id.as_deref(), Some(id.as_str()));
    assert!(image.repo_tags.unwrap_or_default().contains(&tag));

    // The image holds what the build put there.
    let body = models::ContainerCreateBody {
        image: Some(tag.clone()),
        ..t.container_body(&["cat", "/hello.txt", "/built"])
    };
    let container = t.create_container("built", &body).await;
    start(&t, &container).await;
    assert_eq!(wait_exit(&t, &container).await, 0);
    let options = ContainerLogsOptions {
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    };
    let output = t
        .docker
        .container_logs(&container)
        .options(options)
        .await
        .expect("logs");
    let (stdout, stderr) = output.collect_output().await.expect("logs");
    assert_eq!(
        String::from_utf8_lossy(&stdout),
        "hello from the context\nbuilt\n"
    );
    assert!(stderr.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_build_step_is_a_stream_error_item() {
    let t = engine().await;
    let tag = format!("{}:latest", t.name("fails"));
    t.remove_image_later(&tag);
    let dockerfile = format!("FROM {BUSYBOX}\nRUN echo about to fail; exit 42\n");
    let context = tar_tree(&[("Dockerfile", dockerfile.as_bytes(), 0o644)]);
    let options = ImageBuildOptions {
        t: Some(tag.clone()),
        rm: Some(true),
        forcerm: Some(true),
        networkmode: Some("none".to_owned()),
        version: Some(models::ImageBuildVersion::T1),
        ..Default::default()
    };
    // The engine answers 200 and starts streaming; the failure comes as an error message.
    let stream = t
        .docker
        .image_build()
        .input_stream(Body::from(context))
        .options(options)
        .await
        .expect("POST /build answers 200 before the step fails");
    let items: Vec<Result<models::BuildInfo, Error>> =
        within(120, "the build", stream.collect()).await;
    let text: String = items
        .iter()
        .filter_map(|m| m.as_ref().ok().and_then(|m| m.stream.clone()))
        .collect();
    assert!(
        text.contains("about to fail"),
        "the step's output came first: {text}"
    );
    let last = items.last().expect("some messages");
    match last {
        Err(Error::Stream { message, detail }) => {
            assert!(!message.is_empty());
            let detail = detail.as_ref().expect("errorDetail");
            assert_eq!(detail["code"], 42, "{detail}");
        }
        other => panic!("expected an Error::Stream item last, got {other:?}"),
    }
    let errors = items.iter().filter(|m| m.is_err()).count();
    assert_eq!(errors, 1, "one error item: {items:?}");
    let missing = t.docker.image_inspect(&tag).await;
    assert!(
        matches!(&missing, Err(e) if e.is_not_found()),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_of_an_unreachable_image_is_a_typed_error() {
    let t = engine().await;
    let options = ImageCreateOptions {
        from_image: Some("registry.invalid/none".to_owned()),
        tag: Some("latest".to_owned()),
        ..Default::default()
    };
    // The engine's proxy is a closed port: resolving the image fails before any progress, and
    // the engine answers with an error status rather than a 200 stream.
    let result = within(60, "the pull", async {
        match t.docker.image_create().options(options).await {
            Ok(stream) => Ok(stream.collect::<Vec<_>>().await),
            Err(e) => Err(e),
        }
    })
    .await;
    match result {
        Err(Error::Api { status, message }) => {
            assert_eq!(status, 500, "{message}");
            assert!(!message.is_empty());
        }
        Ok(items) => panic!("expected Error::Api from the call, got a stream of {items:?}"),
        Err(other) => panic!("expected Error::Api, got {other:?}"),
    }
}

// --- Tar bodies ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn archive_put_then_get_round_trips_a_file_tree() {
    let t = engine().await;
    let id = t
        .create_container("archive", &t.container_body(&["true"]))
        .await;

    let text = b"a small text file\nwith two lines\n".to_vec();
    // Every byte value, and more than one tar block and one read buffer.
    let binary: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let archive = tar_tree(&[
        ("tree/", b"", 0o755),
        ("tree/notes.txt", &text, 0o644),
        ("tree/sub/", b"", 0o700),
        ("tree/sub/data.bin", &binary, 0o600),
    ]);
    // Streamed in small chunks from a `Stream` of bytes.
    let chunks: Vec<Result<Bytes, std::io::Error>> = archive
        .chunks(4096)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    t.docker
        .put_container_archive(
            &id,
            "/tmp",
            Body::from_stream(futures::stream::iter(chunks)),
        )
        .options(Default::default())
        .await
        .expect("PUT archive");

    let back = t
        .docker
        .container_archive(&id, "/tmp/tree")
        .await
        .expect("GET archive");
    let back = within(60, "the archive", back.collect_bytes())
        .await
        .expect("the archive");
    let sent = unpack(&archive);
    let got = unpack(&back);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        sent.keys().collect::<Vec<_>>(),
        "the same entries"
    );
    for (path, (kind, mode, contents)) in &sent {
        let (got_kind, got_mode, got_contents) = &got[path];
        assert_eq!(got_kind, kind, "{path}");
        assert_eq!(got_mode, mode, "{path}");
        assert!(got_contents == contents, "{path}: the contents differ");
    }
    assert_eq!(got["tree/sub/data.bin"].2.len(), binary.len());

    // A single file comes back alone, and a missing path is a 404.
    let one = t
        .docker
        .container_archive(&id, "/tmp/tree/notes.txt")
        .await
        .expect("GET archive of a file");
    let one = unpack(&one.collect_bytes().await.expect("the archive"));
    assert_eq!(one.len(), 1);
    assert_eq!(one["notes.txt"].2, text);
    let missing = t.docker.container_archive(&id, "/tmp/none").await;
    assert!(
        matches!(&missing, Err(e) if e.is_not_found()),
        "{missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn export_streams_the_container_filesystem() {
    let t = engine().await;
    let id = t
        .create_container(
            "export",
            &t.container_body(&["sh", "-c", "echo x > /tmp/x"]),
        )
        .await;
    start(&t, &id).await;
    assert_eq!(wait_exit(&t, &id).await, 0);
    let mut stream = t.docker.container_export(&id).await.expect("GET export");
    let mut bytes = Vec::new();
    let mut chunks = 0;
    within(60, "the export", async {
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk.expect("a chunk"));
            chunks += 1;
        }
    })
    .await;
    assert!(chunks > 1, "streamed in chunks");
    let entries = unpack(&bytes);
    assert_eq!(entries["tmp/x"].2, b"x\n");
    assert!(
        entries.contains_key("bin/busybox"),
        "{:?}",
        entries.keys().take(10).collect::<Vec<_>>()
    );
}

#[test]
fn parses_rfc3339() {
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
    assert_eq!(
        parse_rfc3339("2024-02-29T12:34:56.123456789Z"),
        Some((1_709_210_096, 123_456_789))
    );
    assert_eq!(
        parse_rfc3339("2000-03-01T00:00:00.5Z"),
        Some((951_868_800, 500_000_000))
    );
    assert_eq!(parse_rfc3339("2024-02-29 12:34:56Z"), None);
    assert_eq!(parse_rfc3339("2024-02-29T12:34:56+01:00"), None);
}

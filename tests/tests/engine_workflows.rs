//! The workflows against the real test engine: `run`, copies to and from containers, and
//! image builds from a directory. Pulls and pushes are in `engine_workflows_registry.rs`.
//!
//! Every container uses network `none`. Run with the test engines up:
//! `tests/engine/engine.sh start && source target/engine-state/env`.

use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

use docker_client::workflows::{PullPolicy, Run};
use docker_client::{Error, LogOutput};
use docker_client_tests::engine::{eventually, TestEngine, BUSYBOX, LABEL};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

/// A busybox run on network `none`, labelled for the test's cleanup.
fn busybox(t: &TestEngine) -> Run {
    t.docker
        .run(BUSYBOX)
        .network("none")
        .label(LABEL, t.run.clone())
}

async fn exists(t: &TestEngine, id: &str) -> bool {
    match t.docker.container_inspect(id).await {
        Ok(_) => true,
        Err(e) if e.is_not_found() => false,
        Err(e) => panic!("inspect {id}: {e}"),
    }
}

async fn running(t: &TestEngine, id: &str) -> bool {
    let inspect = t
        .docker
        .container_inspect(id)
        .await
        .unwrap_or_else(|e| panic!("inspect {id}: {e}"));
    inspect.state.and_then(|s| s.running).unwrap_or(false)
}

/// The ordering that loses output when it is wrong: a container that prints and exits at
/// once. Attached before it starts, every byte arrives, every time.
#[tokio::test(flavor = "multi_thread")]
async fn run_gets_all_output_of_a_container_that_exits_at_once() {
    let t = TestEngine::start().await;
    const RUNS: usize = 40;
    for i in 0..RUNS {
        let out = busybox(&t)
            .cmd(["sh", "-c", "echo out; echo err >&2; exit 3"])
            .remove(true)
            .output()
            .await
            .unwrap_or_else(|e| panic!("run {i}: {e}"));
        assert_eq!(
            (out.stdout_text(), out.stderr_text(), out.status.code),
            ("out\n".to_owned(), "err\n".to_owned(), 3),
            "run {i} of {RUNS}"
        );
        assert!(!out.success());
        assert!(!exists(&t, &out.id).await, "run {i}: removed");
    }
    // Output larger than one frame, written as fast as the process can.
    let out = busybox(&t)
        .cmd(["seq", "1", "20000"])
        .remove(true)
        .output()
        .await
        .expect("run seq");
    let expected: String = (1..=20000).map(|n| format!("{n}\n")).collect();
    assert_eq!(out.stdout_text(), expected);
    assert!(out.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn run_without_remove_keeps_the_container() {
    let t = TestEngine::start().await;
    let name = t.name("kept");
    let out = busybox(&t)
        .name(&name)
        .cmd(["sh", "-c", "echo $GREETING from $(pwd) as $(id -u); exit 0"])
        .env("GREETING", "hello")
        .working_dir("/tmp")
        .user("1000")
        .output()
        .await
        .expect("run");
    t.remove_container_later(&out.id);
    assert_eq!(out.stdout_text(), "hello from /tmp as 1000\n");
    assert!(out.success());
    let inspect = t
        .docker
        .container_inspect(&name)
        .await
        .expect("the container is kept");
    assert_eq!(inspect.state.unwrap().exit_code, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn run_feeds_stdin_and_reads_a_tty() {
    let t = TestEngine::start().await;
    let out = busybox(&t)
        .cmd(["sh", "-c", "tr a-z A-Z; echo done >&2"])
        .stdin(&b"first line\nsecond line\n"[..])
        .remove(true)
        .output()
        .await
        .expect("run with stdin");
    assert_eq!(out.stdout_text(), "FIRST LINE\nSECOND LINE\n");
    assert_eq!(out.stderr_text(), "done\n");

    // A TTY: one console stream, with the terminal's line endings.
    let out = busybox(&t)
        .cmd(["sh", "-c", "echo on-the-tty; echo also >&2; test -t 1"])
        .tty(true)
        .remove(true)
        .output()
        .await
        .expect("run with a TTY");
    assert_eq!(out.stdout_text(), "on-the-tty\r\nalso\r\n");
    assert!(out.stderr.is_empty());
    assert!(out.success(), "stdout is a terminal");
}

#[tokio::test(flavor = "multi_thread")]
async fn run_interactive_streams_both_ways() {
    let t = TestEngine::start().await;
    let mut running = busybox(&t)
        .cmd([
            "sh",
            "-c",
            "while read line; do echo \"got $line\"; done; exit 5",
        ])
        .interactive(true)
        .remove(true)
        .start()
        .await
        .expect("start");
    let input = running.input().expect("stdin is open");
    input.write_all(b"one\n").await.unwrap();
    input.flush().await.unwrap();
    let first = running.next().await.expect("an answer").expect("output");
    assert_eq!(first, LogOutput::StdOut("got one\n".into()));
    let mut input = running.take_input().unwrap();
    input.write_all(b"two\n").await.unwrap();
    input.shutdown().await.unwrap();
    let rest = running.output().await.expect("the rest");
    assert_eq!(rest.stdout_text(), "got two\n");
    assert_eq!(rest.status.code, 5);
    assert!(!exists(&t, &rest.id).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn run_detached_and_auto_removed() {
    let t = TestEngine::start().await;
    let id = busybox(&t)
        .cmd(["sleep", "300"])
        .init(true)
        .detach()
        .await
        .expect("detach");
    t.remove_container_later(&id);
    assert!(running(&t, &id).await);

    // `docker run -d --rm`: the engine removes it once it exits.
    let id = busybox(&t)
        .cmd(["sh", "-c", "sleep 0.2"])
        .remove(true)
        .detach()
        .await
        .expect("detach with remove");
    t.remove_container_later(&id);
    eventually("the auto-removal", Duration::from_secs(20), || async {
        (!exists(&t, &id).await).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_run_kills_and_removes_its_container() {
    let t = TestEngine::start().await;
    for remove in [true, false] {
        let name = t.name(if remove { "removed" } else { "killed" });
        let run = busybox(&t)
            .name(&name)
            .cmd(["sleep", "300"])
            .init(true)
            .remove(remove)
            .output();
        let cancelled = tokio::time::timeout(Duration::from_secs(2), run).await;
        assert!(cancelled.is_err(), "the run was still going");
        assert!(exists(&t, &name).await || remove);
        if remove {
            eventually("the removal", Duration::from_secs(20), || async {
                (!exists(&t, &name).await).then_some(())
            })
            .await;
        } else {
            t.remove_container_later(&name);
            eventually("the kill", Duration::from_secs(20), || async {
                (!running(&t, &name).await).then_some(())
            })
            .await;
            let state = t
                .docker
                .container_inspect(&name)
                .await
                .unwrap()
                .state
                .unwrap();
            assert_eq!(state.exit_code, Some(137), "killed");
        }
    }

    // A `Running` dropped before its exit was read does the same.
    let running = busybox(&t)
        .cmd(["sleep", "300"])
        .init(true)
        .remove(true)
        .start()
        .await
        .expect("start");
    let id = running.id().to_owned();
    drop(running);
    eventually("the removal", Duration::from_secs(20), || async {
        (!exists(&t, &id).await).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn run_streams_output_as_it_comes() {
    let t = TestEngine::start().await;
    let mut running = busybox(&t)
        .cmd([
            "sh",
            "-c",
            "for i in 1 2 3; do echo line $i; echo warn $i >&2; done; exit 1",
        ])
        .remove(true)
        .start()
        .await
        .expect("start");
    let (mut stdout, mut stderr) = (String::new(), String::new());
    while let Some(piece) = running.next().await {
        match piece.expect("output") {
            LogOutput::StdOut(b) => stdout.push_str(&String::from_utf8_lossy(&b)),
            LogOutput::StdErr(b) => stderr.push_str(&String::from_utf8_lossy(&b)),
            other => panic!("unexpected {other:?}"),
        }
    }
    let id = running.id().to_owned();
    let status = running.wait().await.expect("wait");
    assert_eq!(stdout, "line 1\nline 2\nline 3\n");
    assert_eq!(stderr, "warn 1\nwarn 2\nwarn 3\n");
    assert_eq!(status.code, 1);
    assert!(!exists(&t, &id).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn run_pulls_only_a_missing_image() {
    let t = TestEngine::start().await;
    // Present: no pull (a pull would fail, the engines reach no registry).
    let out = busybox(&t)
        .cmd(["true"])
        .pull(PullPolicy::Missing)
        .remove(true)
        .output()
        .await
        .expect("no pull of a present image");
    assert!(out.success());

    let missing = format!("{}-missing:v1", t.run);
    let never = t
        .docker
        .run(&missing)
        .network("none")
        .pull(PullPolicy::Never)
        .output()
        .await
        .expect_err("never pull");
    assert!(never.is_not_found(), "{never:?}");

    // Missing and its registry unreachable: the pull's typed error, and no container left.
    let failed = t
        .docker
        .run(&missing)
        .network("none")
        .label(LABEL, t.run.clone())
        .output()
        .await
        .expect_err("the registry is unreachable");
    assert!(
        matches!(failed, Error::Api { .. } | Error::Stream { .. }),
        "{failed:?}"
    );
    let left = t
        .docker
        .container_list()
        .options(docker_client::options::ContainerListOptions {
            all: Some(true),
            filters: Some(t.label_filter()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");

    // A command that cannot start is an error; with `remove`, nothing is left either.
    let e = busybox(&t)
        .cmd(["/no/such/program"])
        .remove(true)
        .output()
        .await
        .expect_err("no such program");
    assert!(matches!(e, Error::Api { .. }), "{e:?}");
    let left = t
        .docker
        .container_list()
        .options(docker_client::options::ContainerListOptions {
            all: Some(true),
            filters: Some(t.label_filter()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(left.is_empty(), "{left:?}");
}

// --- copy -----------------------------------------------------------------------------------

/// A tree with a nested file, an executable, an empty directory and two symbolic links.
/// The process's umask, as the mode of a new file shows it.
fn umask() -> u32 {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), "").unwrap();
    !std::fs::metadata(dir.path().join("f"))
        .unwrap()
        .permissions()
        .mode()
        & 0o666
}

fn make_tree(root: &Path) {
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::write(root.join("a.txt"), "alpha\n").unwrap();
    std::fs::write(root.join("sub/deeper/b.txt"), "beta\n").unwrap();
    std::fs::write(root.join("run.sh"), "#!/bin/sh\necho run\n").unwrap();
    std::fs::set_permissions(root.join("run.sh"), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::set_permissions(
        root.join("sub/deeper/b.txt"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    symlink("sub/deeper/b.txt", root.join("link")).unwrap();
    symlink("/nowhere/at/all", root.join("dangling")).unwrap();
}

/// `(path, kind and mode, contents or link target)` of every entry under `root`, sorted.
fn describe(root: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for entry in walk(root) {
        let rel = entry
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let meta = std::fs::symlink_metadata(&entry).unwrap();
        let (kind, content) = if meta.file_type().is_symlink() {
            (
                "link".to_owned(),
                std::fs::read_link(&entry)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            )
        } else if meta.is_dir() {
            (
                format!("dir {:o}", meta.permissions().mode() & 0o7777),
                String::new(),
            )
        } else {
            (
                format!("file {:o}", meta.permissions().mode() & 0o7777),
                std::fs::read_to_string(&entry).unwrap(),
            )
        };
        out.push((rel, kind, content));
    }
    out.sort();
    out
}

fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let is_dir = std::fs::symlink_metadata(&path).unwrap().is_dir();
        all.push(path.clone());
        if is_dir {
            all.extend(walk(&path));
        }
    }
    all
}

/// `(mode, uid, link target)` of each entry of the container's filesystem, by path.
async fn container_files(
    t: &TestEngine,
    container: &str,
) -> std::collections::HashMap<String, (u32, u64, Option<String>)> {
    let bytes = docker_client_tests::engine::read_all(
        t.docker.container_export(container).await.expect("export"),
    )
    .await;
    let mut archive = tar::Archive::new(&bytes[..]);
    let mut files = std::collections::HashMap::new();
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let path = entry
            .path()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches('/')
            .to_owned();
        let header = entry.header();
        let link = entry
            .link_name()
            .unwrap()
            .map(|l| l.to_string_lossy().into_owned());
        files.insert(
            path,
            (header.mode().unwrap() & 0o7777, header.uid().unwrap(), link),
        );
    }
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_a_directory_and_files_both_ways() {
    let t = TestEngine::start().await;
    let host = tempfile::tempdir().unwrap();
    let tree = host.path().join("tree");
    make_tree(&tree);
    let id = t
        .create_container("copy", &t.container_body(&["sleep", "300"]))
        .await;

    // Into an existing directory: it keeps its name.
    t.docker
        .copy_to_container(&id, &tree, "/tmp")
        .await
        .expect("copy the tree to /tmp");
    // To a path that does not exist: the copy gets that name.
    t.docker
        .copy_to_container(&id, &tree, "/srv/copy")
        .await
        .expect_err("/srv does not exist in busybox");
    t.docker
        .copy_to_container(&id, &tree, "/tmp/renamed")
        .await
        .expect("copy the tree as /tmp/renamed");
    // A directory's contents, into an existing directory.
    t.docker
        .copy_to_container(&id, tree.join("."), "/home")
        .await
        .expect("copy the contents to /home");
    // A file, to a new name and into a directory.
    t.docker
        .copy_to_container(&id, tree.join("run.sh"), "/usr/bin/tool")
        .await
        .expect("copy a file as a new name");
    t.docker
        .copy_to_container(&id, tree.join("a.txt"), "/etc/")
        .await
        .expect("copy a file into a directory");
    // Over an existing file.
    std::fs::write(host.path().join("passwd"), "replaced\n").unwrap();
    t.docker
        .copy_to_container(&id, host.path().join("passwd"), "/etc/passwd")
        .await
        .expect("replace a file");

    // Back to this machine, into a fresh directory per case.
    let back = host.path().join("back");
    std::fs::create_dir(&back).unwrap();
    t.docker
        .copy_from_container(&id, "/tmp/tree", &back)
        .await
        .expect("copy /tmp/tree back");
    assert_eq!(describe(&back.join("tree")), describe(&tree));
    t.docker
        .copy_from_container(&id, "/tmp/renamed", back.join("renamed"))
        .await
        .expect("copy /tmp/renamed back as a new name");
    assert_eq!(describe(&back.join("renamed")), describe(&tree));
    std::fs::create_dir(back.join("contents")).unwrap();
    t.docker
        .copy_from_container(&id, "/home/.", back.join("contents"))
        .await
        .expect("copy the contents of /home back");
    assert_eq!(describe(&back.join("contents")), describe(&tree));
    t.docker
        .copy_from_container(&id, "/usr/bin/tool", back.join("tool"))
        .await
        .expect("copy a file back as a new name");
    t.docker
        .copy_from_container(&id, "/etc/a.txt", &back)
        .await
        .expect("copy a file back into a directory");
    t.docker
        .copy_from_container(&id, "/etc/passwd", back.join("a.txt"))
        .await
        .expect("copy a file back over a file");
    // A link is copied as a link, not followed.
    t.docker
        .copy_from_container(&id, "/tmp/tree/link", back.join("link-copy"))
        .await
        .expect("copy a link back");
    assert_eq!(
        std::fs::read_link(back.join("link-copy")).unwrap(),
        Path::new("sub/deeper/b.txt")
    );
    let tool = std::fs::symlink_metadata(back.join("tool")).unwrap();
    assert_eq!(tool.permissions().mode() & 0o7777, 0o750);
    assert_eq!(
        std::fs::read_to_string(back.join("tool")).unwrap(),
        "#!/bin/sh\necho run\n"
    );
    assert_eq!(
        std::fs::read_to_string(back.join("a.txt")).unwrap(),
        "replaced\n"
    );
    // In the container: modes, owners (this machine's, as `docker cp` keeps them) and links.
    let files = container_files(&t, &id).await;
    let uid = std::fs::metadata(&tree).unwrap().uid() as u64;
    assert_eq!(files["tmp/tree/run.sh"], (0o750, uid, None));
    assert_eq!(files["tmp/tree/sub/deeper/b.txt"], (0o600, uid, None));
    assert_eq!(files["usr/bin/tool"], (0o750, uid, None));
    assert_eq!(files["etc/a.txt"].0, 0o644 & !umask());
    assert_eq!(
        files["tmp/renamed/link"].2.as_deref(),
        Some("sub/deeper/b.txt")
    );
    assert_eq!(files["home/dangling"].2.as_deref(), Some("/nowhere/at/all"));

    // What cannot be done fails with a typed error, and writes nothing.
    let e = t
        .docker
        .copy_to_container(&id, tree.join("a.txt"), "/no/such/dir/")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let e = t
        .docker
        .copy_to_container(&id, &tree, "/etc/passwd")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let e = t
        .docker
        .copy_to_container(&id, host.path().join("missing"), "/tmp")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::LocalIo { .. }), "{e:?}");
    let e = t
        .docker
        .copy_from_container(&id, "/no/such/file", &back)
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let e = t
        .docker
        .copy_from_container(&id, "/tmp/tree", back.join("a.txt"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let e = t
        .docker
        .copy_to_container(&format!("{}-nothing", t.run), &tree, "/tmp")
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_streams_a_large_file() {
    let t = TestEngine::start().await;
    let host = tempfile::tempdir().unwrap();
    let big = host.path().join("big.bin");
    // 48 MiB, not repetitive, written in pieces.
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..(48 * 1024 * 1024 / 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            file.write_all(&x.to_le_bytes()).unwrap();
        }
    }
    let id = t
        .create_container("big", &t.container_body(&["sleep", "300"]))
        .await;
    t.docker
        .copy_to_container(&id, &big, "/tmp/big.bin")
        .await
        .expect("copy 48 MiB in");
    t.docker
        .copy_from_container(&id, "/tmp/big.bin", host.path().join("back.bin"))
        .await
        .expect("copy 48 MiB out");
    assert!(std::fs::read(&big).unwrap() == std::fs::read(host.path().join("back.bin")).unwrap());
}

// --- build ----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn build_sends_the_context_the_dockerignore_keeps() {
    let t = TestEngine::start().await;
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path();
    let write = |path: &str, text: &str| {
        let path = ctx.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("Dockerfile", "FROM busybox:latest\nCOPY . /ctx/\n");
    write(
        ".dockerignore",
        "# nothing of this is sent\n\
         *.log\n\
         !keep.log\n\
         /secret\n\
         **/*.tmp\n\
         docs\n\
         !docs/README.md\n\
         Dockerfile\n\
         .dockerignore\n",
    );
    write("a.log", "no");
    write("keep.log", "yes");
    write("src/main.rs", "fn main() {}");
    write("src/x.tmp", "no");
    write("deep/er/y.tmp", "no");
    write("secret/key", "no");
    write("docs/guide.md", "no");
    write("docs/README.md", "yes");
    write("bin/tool", "#!/bin/sh\n");
    std::fs::set_permissions(ctx.join("bin/tool"), std::fs::Permissions::from_mode(0o751)).unwrap();
    symlink("src/main.rs", ctx.join("link")).unwrap();

    let tag = format!("{}:built", t.run);
    t.remove_image_later(&tag);
    let built = t
        .docker
        .build_image(ctx)
        .tag(&tag)
        .network("none")
        .label(LABEL, t.run.clone())
        .anonymous()
        .send()
        .await
        .expect("build");
    assert!(
        built
            .image_id
            .as_deref()
            .is_some_and(|id| id.starts_with("sha256:")),
        "{built:?}"
    );
    assert!(built.log.contains("COPY . /ctx/"), "{}", built.log);

    let out = t
        .docker
        .run(&tag)
        .network("none")
        .cmd([
            "sh",
            "-c",
            "cd /ctx && find . | sort && stat -c '%a %u' bin/tool && readlink link",
        ])
        .remove(true)
        .output()
        .await
        .expect("run the built image");
    // The Dockerfile and .dockerignore were sent (the build read them), and the engine left
    // them out of the context's files itself, as the rules say.
    assert_eq!(
        out.stdout_text(),
        ".\n./bin\n./bin/tool\n./deep\n./deep/er\n./docs\n\
         ./docs/README.md\n./keep.log\n./link\n./src\n./src/main.rs\n751 0\nsrc/main.rs\n",
        "{}",
        out.stderr_text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_build_step_is_a_stream_error() {
    let t = TestEngine::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Build.file"),
        "FROM busybox:latest\nRUN echo about to fail && exit 7\n",
    )
    .unwrap();
    let e = t
        .docker
        .build_image(dir.path())
        .dockerfile("Build.file")
        .network("none")
        .label(LABEL, t.run.clone())
        .send()
        .await
        .expect_err("the RUN step fails");
    match e {
        Error::Stream { message, .. } => assert!(message.contains("7"), "{message}"),
        other => panic!("expected a stream error, got {other:?}"),
    }

    let e = t
        .docker
        .build_image(dir.path().join("missing"))
        .send()
        .await
        .expect_err("no such context");
    assert!(matches!(e, Error::LocalIo { .. }), "{e:?}");
    let e = t
        .docker
        .build_image(dir.path())
        .dockerfile("../Dockerfile")
        .send()
        .await
        .expect_err("a Dockerfile outside the context");
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn build_progress_streams_messages() {
    let t = TestEngine::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM busybox:latest\nRUN echo built-here\n",
    )
    .unwrap();
    let tag = format!("{}:streamed", t.run);
    t.remove_image_later(&tag);
    let mut stream = t
        .docker
        .build_image(dir.path())
        .tag(&tag)
        .network("none")
        .stream()
        .await
        .expect("build");
    let mut log = String::new();
    while let Some(message) = stream.next().await {
        log.push_str(
            message
                .expect("a build message")
                .stream
                .as_deref()
                .unwrap_or(""),
        );
    }
    assert!(log.contains("built-here"), "{log}");
    assert!(stream.progress().messages() > 2);
    t.docker.image_inspect(&tag).await.expect("the tag exists");
}

//! Image operations against the real test engine: import, inspect, history, tag, list, save and
//! load, delete, prune, build and commit.
//!
//! Run with the test engines up: `eval "$(tests/engine/engine.sh start)"`, then `cargo test -p docker-client-tests --features engine`.

// Options structs gain fields at later API and this suite compiles against clients
// generated for them too (`cargo xtask test-api-version`): `..Default::default()` stays where
// every field of this version is set.
#![allow(clippy::needless_update)]

use std::collections::HashMap;

use docker_client::models;
use docker_client::options::{
    BuildPruneOptions, ImageBuildOptions, ImageCommitOptions, ImageDeleteOptions,
    ImageGetAllOptions, ImageListOptions, ImagePruneOptions, ImageTagOptions,
};
use docker_client_tests::engine::{
    import_busybox, no_unknown_enum, read_all, tar_of, untar, urlencode_query_value, TestEngine,
    LABEL,
};
use futures::StreamExt;

fn filters(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (key, value) in pairs {
        map.entry(key.to_string())
            .or_default()
            .push(value.to_string());
    }
    map
}

#[tokio::test(flavor = "multi_thread")]
async fn import_applies_every_change() {
    let t = TestEngine::start().await;
    let reference = format!("{}:imported", t.run);
    t.remove_image_later(&reference);
    let id = import_busybox(
        &t.docker,
        &t.run,
        "imported",
        &["ENV DCT_IMPORTED=yes", "WORKDIR /tmp"],
    )
    .await;
    let image = t.docker.image_inspect(&reference).await.expect("inspect");
    no_unknown_enum(&image);
    assert_eq!(image.id.as_deref(), Some(id.as_str()));
    let config = image.config.expect("Config");
    assert_eq!(config.cmd, Some(vec!["sh".to_owned()]));
    assert!(
        config
            .env
            .unwrap_or_default()
            .contains(&"DCT_IMPORTED=yes".to_owned()),
        "each `changes` value is applied"
    );
    assert_eq!(config.working_dir.as_deref(), Some("/tmp"));
}

#[tokio::test(flavor = "multi_thread")]
async fn inspect_history_tag_list_and_delete() {
    let t = TestEngine::start().await;
    let repo = t.run.clone();
    let first = format!("{repo}:v1");
    let second = format!("{repo}:v2");
    t.remove_image_later(&first);
    t.remove_image_later(&second);
    let id = import_busybox(&t.docker, &repo, "v1", &[]).await;

    let image = t.docker.image_inspect(&first).await.expect("inspect");
    no_unknown_enum(&image);
    assert_eq!(image.id.as_deref(), Some(id.as_str()));
    assert_eq!(image.repo_tags, Some(vec![first.clone()]));
    assert_eq!(image.os.as_deref(), Some("linux"));
    assert!(image.size.unwrap_or(0) > 1_000_000);
    let root_fs = image.root_fs.expect("RootFS");
    assert_eq!(root_fs.r#type, "layers");
    assert_eq!(root_fs.layers.unwrap_or_default().len(), 1);
    t.capture(
        "image_inspect",
        "GET",
        &format!("/images/{first}/json"),
        None,
    )
    .await;

    let history = t.docker.image_history(&first).await.expect("history");
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].id, id);
    assert_eq!(history[0].tags, vec![first.clone()]);
    assert!(history[0].size > 0);
    t.capture(
        "image_history",
        "GET",
        &format!("/images/{first}/history"),
        None,
    )
    .await;

    t.docker
        .image_tag(&first)
        .options(ImageTagOptions {
            repo: Some(repo.clone()),
            tag: Some("v2".to_owned()),
        })
        .await
        .expect("tag");
    let list = t
        .docker
        .image_list()
        .options(ImageListOptions {
            filters: Some(filters(&[("reference", &format!("{repo}:*"))])),
            ..Default::default()
        })
        .await
        .expect("list by reference");
    assert_eq!(list.len(), 1, "one image with two tags: {list:?}");
    let summary = &list[0];
    no_unknown_enum(summary);
    assert_eq!(summary.id, id);
    let mut tags = summary.repo_tags.clone();
    tags.sort();
    assert_eq!(tags, vec![first.clone(), second.clone()]);
    assert!(summary.size > 0);
    let filter = serde_json::to_string(&filters(&[("reference", &format!("{repo}:*"))])).unwrap();
    t.capture(
        "image_list",
        "GET",
        &format!("/images/json?filters={}", urlencode_query_value(&filter)),
        None,
    )
    .await;

    let with_digests = t
        .docker
        .image_list()
        .options(ImageListOptions {
            all: Some(true),
            digests: Some(true),
            shared_size: Some(true),
            filters: Some(filters(&[("before", &first)])),
            ..Default::default()
        })
        .await
        .expect("list with every option");
    assert!(
        with_digests.iter().all(|i| i.id != id),
        "`before` excludes the image itself"
    );

    let untagged = t.docker.image_delete(&second).await.expect("untag v2");
    assert_eq!(untagged.len(), 1);
    assert_eq!(untagged[0].untagged.as_deref(), Some(second.as_str()));
    let deleted = t.docker.image_delete(&first).await.expect("delete v1");
    assert!(deleted
        .iter()
        .any(|d| d.untagged.as_deref() == Some(first.as_str())));
    assert!(deleted
        .iter()
        .any(|d| d.deleted.as_deref() == Some(id.as_str())));
    let gone = t.docker.image_inspect(&first).await.expect_err("deleted");
    assert!(gone.is_not_found(), "{gone:?}");
    let gone = t
        .docker
        .image_delete(&first)
        .await
        .expect_err("deleted twice");
    assert!(gone.is_not_found(), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn save_and_load() {
    let t = TestEngine::start().await;
    let first = format!("{}:saved", t.run);
    let second = format!("{}:other", t.run);
    t.remove_image_later(&first);
    t.remove_image_later(&second);
    let id = import_busybox(&t.docker, &t.run, "saved", &[]).await;
    import_busybox(&t.docker, &t.run, "other", &["ENV OTHER=1"]).await;

    let one = read_all(
        t.docker
            .image_get(&first)
            .await
            .expect("GET /images/{name}/get"),
    )
    .await;
    let files = untar(&one);
    let manifest = files
        .iter()
        .find(|(path, _)| path == "manifest.json")
        .expect("manifest.json in the saved tar");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.1).unwrap();
    assert_eq!(manifest[0]["RepoTags"][0], first.as_str());

    let both = read_all(
        t.docker
            .image_get_all()
            .options(ImageGetAllOptions {
                names: Some(vec![first.clone(), second.clone()]),
                ..Default::default()
            })
            .await
            .expect("GET /images/get"),
    )
    .await;
    let files = untar(&both);
    let manifest = files
        .iter()
        .find(|(path, _)| path == "manifest.json")
        .expect("manifest.json in the saved tar");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.1).unwrap();
    assert_eq!(manifest.as_array().map(Vec::len), Some(2), "{manifest}");

    t.docker
        .image_delete(&first)
        .await
        .expect("delete before loading");
    let mut messages = t
        .docker
        .image_load()
        .images_tarball(one)
        .await
        .expect("POST /images/load");
    let mut text = String::new();
    while let Some(message) = messages.next().await {
        let message = message.expect("a load message");
        no_unknown_enum(&message);
        text.push_str(message.stream.as_deref().unwrap_or(""));
    }
    assert!(text.contains(&format!("Loaded image: {first}")), "{text}");
    let image = t.docker.image_inspect(&first).await.expect("loaded image");
    assert_eq!(image.id.as_deref(), Some(id.as_str()));

    // A broken archive is reported inside the stream or as a status, either way a typed error.
    let result = t
        .docker
        .image_load()
        .images_tarball(b"not a tar".to_vec())
        .await;
    match result {
        Err(e) => assert!(e.status().is_some(), "{e:?}"),
        Ok(mut stream) => {
            let mut error = None;
            while let Some(item) = stream.next().await {
                if let Err(e) = item {
                    error = Some(e);
                }
            }
            let error = error.expect("loading garbage fails");
            assert!(
                matches!(error, docker_client::Error::Stream { .. }),
                "{error:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_dangling_images() {
    let t = TestEngine::start().await;
    // No repository: the imported image is dangling from the start. The label keeps the prune
    // to this test's image.
    let label = format!("LABEL {LABEL}={}", t.run);
    let id = import_busybox(&t.docker, "", "", &[&label]).await;
    t.remove_image_later(&id);
    let image = t.docker.image_inspect(&id).await.expect("inspect");
    assert_eq!(image.repo_tags, Some(vec![]));
    let labels = image.config.and_then(|c| c.labels).unwrap_or_default();
    assert_eq!(labels.get(LABEL), Some(&t.run), "the LABEL change applies");

    let mut filters = t.label_filter();
    filters.insert("dangling".to_owned(), vec!["true".to_owned()]);
    let pruned = t
        .docker
        .image_prune()
        .options(ImagePruneOptions {
            filters: Some(filters),
        })
        .await
        .expect("prune");
    let deleted: Vec<&str> = pruned
        .images_deleted
        .iter()
        .flatten()
        .filter_map(|d| d.deleted.as_deref())
        .collect();
    assert_eq!(deleted, vec![id.as_str()], "{pruned:?}");
    // Its only layer is shared with busybox:latest, so nothing is reclaimed.
    assert_eq!(pruned.space_reclaimed, Some(0));
    assert!(t
        .docker
        .image_inspect(&id)
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test(flavor = "multi_thread")]
async fn build_from_a_tar_context() {
    let t = TestEngine::start().await;
    let reference = format!("{}:built", t.run);
    t.remove_image_later(&reference);
    let dockerfile = b"FROM busybox:latest\n\
        COPY hello.txt /hello.txt\n\
        RUN cp /hello.txt /copied.txt && echo built-by-run > /run.txt\n\
        ARG GREETING=none\n\
        ENV GREETING=$GREETING\n\
        CMD [\"cat\", \"/copied.txt\"]\n";
    let context = tar_of(&[
        ("Dockerfile", dockerfile),
        ("hello.txt", b"hello from the context\n"),
    ]);
    let options = ImageBuildOptions {
        t: Some(reference.clone()),
        // The classic builder: it builds FROM a local image without asking a registry.
        version: Some(models::ImageBuildVersion::T1),
        networkmode: Some("none".to_owned()),
        rm: Some(true),
        forcerm: Some(true),
        buildargs: Some(HashMap::from([("GREETING".to_owned(), "hi".to_owned())])),
        labels: Some(t.labels()),
        ..Default::default()
    };
    let mut messages = t
        .docker
        .image_build()
        .input_stream(context)
        .options(options)
        .await
        .expect("POST /build");
    let mut output = String::new();
    let mut image_id = None;
    while let Some(message) = messages.next().await {
        let message = message.unwrap_or_else(|e| panic!("build failed: {e}\n{output}"));
        no_unknown_enum(&message);
        if let Some(aux) = message.aux {
            image_id = aux.id;
        }
        output.push_str(message.stream.as_deref().unwrap_or(""));
    }
    assert!(
        output.contains("Step 1/7 : FROM busybox:latest"),
        "{output}"
    );
    assert!(
        output.contains(&format!("Successfully tagged {reference}")),
        "{output}"
    );
    let image_id = image_id.expect("the build reports the image id");

    let image = t.docker.image_inspect(&reference).await.expect("inspect");
    assert_eq!(image.id.as_deref(), Some(image_id.as_str()));
    let config = image.config.expect("Config");
    assert_eq!(
        config.cmd,
        Some(vec!["cat".to_owned(), "/copied.txt".to_owned()])
    );
    assert!(config
        .env
        .unwrap_or_default()
        .contains(&"GREETING=hi".to_owned()));
    assert_eq!(config.labels.unwrap_or_default().get(LABEL), Some(&t.run));
    let history = t.docker.image_history(&reference).await.expect("history");
    assert!(history.len() >= 6, "{history:?}");

    // A Dockerfile error comes back in the stream as a typed error.
    let broken = tar_of(&[("Dockerfile", b"FROM busybox:latest\nRUN exit 3\n")]);
    let mut messages = t
        .docker
        .image_build()
        .input_stream(broken)
        .options(ImageBuildOptions {
            version: Some(models::ImageBuildVersion::T1),
            networkmode: Some("none".to_owned()),
            rm: Some(true),
            forcerm: Some(true),
            labels: Some(t.labels()),
            ..Default::default()
        })
        .await
        .expect("POST /build");
    let mut error = None;
    while let Some(message) = messages.next().await {
        if let Err(e) = message {
            error = Some(e);
        }
    }
    match error {
        Some(docker_client::Error::Stream { message, .. }) => assert!(!message.is_empty()),
        other => panic!("expected a stream error, got {other:?}"),
    }

    let pruned = t
        .docker
        .build_prune()
        .options(BuildPruneOptions {
            all: Some(true),
            ..Default::default()
        })
        .await
        .expect("POST /build/prune");
    no_unknown_enum(&pruned);
    assert!(pruned.space_reclaimed.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn commit_a_container() {
    let t = TestEngine::start().await;
    let id = t
        .run_container(
            "commit",
            &["sh", "-c", "echo committed > /state.txt && sleep 300"],
        )
        .await;
    // Wait for the file the container writes.
    docker_client_tests::engine::eventually(
        "the container to write /state.txt",
        std::time::Duration::from_secs(10),
        || async {
            t.docker
                .container_archive_info(&id, "/state.txt")
                .await
                .ok()
        },
    )
    .await;
    let reference = format!("{}:committed", t.run);
    t.remove_image_later(&reference);
    let config = models::ContainerConfig {
        cmd: Some(vec!["cat".to_owned(), "/state.txt".to_owned()]),
        labels: Some(t.labels()),
        ..Default::default()
    };
    let committed = t
        .docker
        .image_commit()
        .container_config(config)
        .options(ImageCommitOptions {
            container: Some(id.clone()),
            repo: Some(t.run.clone()),
            tag: Some("committed".to_owned()),
            comment: Some("made by a test".to_owned()),
            author: Some("docker-client tests".to_owned()),
            pause: Some(true),
            changes: Some("ENV COMMITTED=1".to_owned()),
        })
        .await
        .expect("POST /commit");
    assert!(committed.id.starts_with("sha256:"), "{committed:?}");
    let image = t.docker.image_inspect(&reference).await.expect("inspect");
    assert_eq!(image.id.as_deref(), Some(committed.id.as_str()));
    assert_eq!(image.comment.as_deref(), Some("made by a test"));
    assert_eq!(image.author.as_deref(), Some("docker-client tests"));
    let config = image.config.expect("Config");
    assert_eq!(
        config.cmd,
        Some(vec!["cat".to_owned(), "/state.txt".to_owned()])
    );
    assert!(config
        .env
        .unwrap_or_default()
        .contains(&"COMMITTED=1".to_owned()));
    let history = t.docker.image_history(&reference).await.expect("history");
    assert_eq!(history[0].comment, "made by a test");
    t.docker
        .image_delete(&reference)
        .options(ImageDeleteOptions {
            force: Some(true),
            noprune: Some(false),
            ..Default::default()
        })
        .await
        .expect("delete the committed image");
}

//! Pulls and pushes against a private registry with htpasswd authentication on a loopback port
//! (`tests/src/registry.rs`), with their progress; `run` pulling a missing image with the
//! credentials of a docker CLI config; and the progress of an image load.
//!
//! Run with the test engines up: `tests/engine/engine.sh start && source target/engine-state/env`.

use docker_client::options::ImageTagOptions;
use docker_client::workflows::{LayerPhase, ProgressStream};
use docker_client::{Body, Error, RegistryAuth};
use docker_client_tests::engine::{TestEngine, BUSYBOX, LABEL};
use docker_client_tests::registry::TestRegistry;
use futures::StreamExt;

async fn tag(t: &TestEngine, source: &str, reference: &str) {
    let (repo, tag) = reference.rsplit_once(':').unwrap();
    t.docker
        .image_tag(source)
        .options(ImageTagOptions {
            repo: Some(repo.to_owned()),
            tag: Some(tag.to_owned()),
        })
        .await
        .unwrap_or_else(|e| panic!("tag {source} as {reference}: {e}"));
    t.remove_image_later(reference);
}

async fn untag(t: &TestEngine, reference: &str) {
    t.docker
        .image_delete(reference)
        .await
        .unwrap_or_else(|e| panic!("delete {reference}: {e}"));
}

async fn image_exists(t: &TestEngine, reference: &str) -> bool {
    match t.docker.image_inspect(reference).await {
        Ok(_) => true,
        Err(e) if e.is_not_found() => false,
        Err(e) => panic!("inspect {reference}: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn push_and_pull_with_credentials_and_progress() {
    let t = TestEngine::start().await;
    let registry = TestRegistry::start("push-pull");
    let reference = format!("{}/{}/busybox:v1", registry.address, t.run);
    tag(&t, BUSYBOX, &reference).await;
    let credentials = RegistryAuth::from_json(&registry.config_json()).unwrap();

    // Without credentials the registry refuses the push: an error item of the stream.
    let refused = t
        .docker
        .push(&reference)
        .anonymous()
        .send()
        .await
        .unwrap_err();
    match &refused {
        Error::Stream { message, .. } => {
            assert!(message.contains("no basic auth credentials"), "{message}")
        }
        other => panic!("expected a stream error, got {other:?}"),
    }

    let mut push = t
        .docker
        .push(&reference)
        .credentials(credentials.clone())
        .stream()
        .await
        .expect("push");
    let mut updates = 0;
    while let Some(message) = push.next().await {
        message.expect("a push message");
        let p = push.progress();
        assert!(p.transferred() <= p.total().max(p.transferred()));
        updates += 1;
    }
    let pushed = push.progress().clone();
    assert!(updates > 2);
    assert_eq!(pushed.layers().len(), 1, "{pushed:?}");
    assert!(pushed.is_done(), "{pushed:?}");
    assert!(pushed.total() > 100_000, "{pushed:?}");
    assert_eq!(pushed.transferred(), pushed.total());
    assert_eq!(pushed.layers()[0].status, "Pushed");

    // Gone here, pulled back with the same credentials.
    untag(&t, &reference).await;
    assert!(!image_exists(&t, &reference).await);
    let refused = t
        .docker
        .pull(&reference)
        .anonymous()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(refused, Error::Api { .. } | Error::Stream { .. }),
        "{refused:?}"
    );
    let pulled = t
        .docker
        .pull(&reference)
        .credentials(credentials.clone())
        .send()
        .await
        .expect("pull");
    assert!(image_exists(&t, &reference).await);
    // The image is in the engine already (as busybox): the pull names it, and moves nothing.
    assert!(pulled.layers().is_empty(), "{pulled:?}");
    assert_eq!(pulled.total(), 0);
    assert!(pulled.is_done());
    assert!(
        pulled
            .status()
            .is_some_and(|s| s.contains("Downloaded newer image")),
        "{pulled:?}"
    );
}

/// A pull that moves bytes: an image whose layer the engine does not have.
#[tokio::test(flavor = "multi_thread")]
async fn pull_progress_counts_the_bytes_of_new_layers() {
    let t = TestEngine::start().await;
    let registry = TestRegistry::start("progress");
    let credentials = RegistryAuth::from_json(&registry.config_json()).unwrap();

    // An image with a layer of its own: 3 MiB that do not compress.
    let ctx = registry.scratch().join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    let mut noise = Vec::with_capacity(3 << 20);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d ^ t.run.len() as u64;
    while noise.len() < 3 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(ctx.join("noise.bin"), &noise).unwrap();
    std::fs::write(ctx.join("run"), &t.run).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM busybox:latest\nCOPY noise.bin run /\n",
    )
    .unwrap();
    let reference = format!("{}/{}/noise:v1", registry.address, t.run);
    t.remove_image_later(&reference);
    t.docker
        .build_image(&ctx)
        .tag(&reference)
        .network("none")
        .label(LABEL, t.run.clone())
        .send()
        .await
        .expect("build");
    let pushed = t
        .docker
        .push(&reference)
        .credentials(credentials.clone())
        .send()
        .await
        .expect("push");
    assert_eq!(pushed.layers().len(), 2, "{pushed:?}");
    assert!(pushed.transferred() >= 3 << 20, "{pushed:?}");

    // Without the image and its layer, the pull downloads and extracts it.
    untag(&t, &reference).await;
    let mut pull = t
        .docker
        .pull(&reference)
        .credentials(credentials)
        .stream()
        .await
        .expect("pull");
    let mut seen_partial = false;
    while let Some(message) = pull.next().await {
        message.expect("a pull message");
        let p = pull.progress();
        seen_partial |= p.transferred() > 0 && p.transferred() < p.total();
    }
    let p = pull.progress();
    assert!(p.is_done(), "{p:?}");
    let new = p
        .layers()
        .iter()
        .find(|l| l.status == "Pull complete")
        .expect("a layer pulled");
    assert!(new.total.unwrap() >= 3 << 20, "{new:?}");
    assert_eq!(new.transferred, new.total.unwrap());
    assert_eq!(new.extracted, new.total.unwrap());
    assert_eq!(new.phase, LayerPhase::Done);
    assert!(p.layers().iter().any(|l| l.status == "Already exists"));
    assert_eq!(p.transferred(), p.total());
    assert!(
        seen_partial,
        "a byte count between nothing and everything: {p:?}"
    );
}

/// `run` of an image that is not there pulls it, with the credentials of the docker CLI's
/// config (`DOCKER_CONFIG`), then runs it.
#[tokio::test(flavor = "multi_thread")]
async fn run_pulls_a_missing_image_with_the_configs_credentials() {
    let t = TestEngine::start().await;
    let registry = TestRegistry::start("run");
    let reference = format!("{}/{}/busybox:run", registry.address, t.run);
    tag(&t, BUSYBOX, &reference).await;
    t.docker
        .push(&reference)
        .auth(registry.auth())
        .send()
        .await
        .expect("push");
    untag(&t, &reference).await;

    let config = registry.scratch().join("docker-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.json"), registry.config_json()).unwrap();
    // Only this test of this binary reads the docker CLI's config from the environment.
    std::env::set_var("DOCKER_CONFIG", &config);
    let out = t
        .docker
        .run(&reference)
        .cmd(["echo", "pulled and ran"])
        .network("none")
        .remove(true)
        .output()
        .await
        .expect("run pulls the image");
    assert_eq!(out.stdout_text(), "pulled and ran\n");
    assert!(image_exists(&t, &reference).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn load_progress_counts_the_layers_loaded() {
    let t = TestEngine::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.bin"), vec![7u8; 1 << 20]).unwrap();
    std::fs::write(dir.path().join("run"), &t.run).unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM busybox:latest\nCOPY data.bin run /\n",
    )
    .unwrap();
    let reference = format!("{}:load", t.run);
    t.remove_image_later(&reference);
    t.docker
        .build_image(dir.path())
        .tag(&reference)
        .network("none")
        .send()
        .await
        .expect("build");
    let saved = dir.path().join("image.tar");
    let mut bytes = t.docker.image_get(&reference).await.expect("save");
    let mut file = tokio::fs::File::create(&saved).await.unwrap();
    while let Some(chunk) = bytes.next().await {
        tokio::io::AsyncWriteExt::write_all(&mut file, &chunk.unwrap())
            .await
            .unwrap();
    }
    drop(file);
    untag(&t, &reference).await;

    let body = Body::from_reader(tokio::fs::File::open(&saved).await.unwrap());
    let load = t
        .docker
        .image_load()
        .images_tarball(body)
        .quiet(false)
        .await
        .expect("load");
    let progress = ProgressStream::new(load).finish().await.expect("load");
    assert_eq!(progress.layers().len(), 1, "{progress:?}");
    assert!(progress.total() >= 1 << 20, "{progress:?}");
    assert_eq!(progress.transferred(), progress.total());
    assert!(progress.is_done());
    assert!(image_exists(&t, &reference).await);
}

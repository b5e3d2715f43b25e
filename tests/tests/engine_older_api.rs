//! An engine older than the client's API version, with the client as a user gets it
//! (`Docker::from_env()`, no version pinned): Docker 20.10 and Podman 4.3, both at API 1.41.
//!
//! `cargo xtask test` runs this suite against those two engines, with `DOCKER_HOST` pointing at
//! each. The client settles the version with one `/_ping` on first use; what version 1.41
//! lacks is refused before anything is sent, or adjusted as `spec/compat.yaml` chose. (Output
//! of logs, attach and exec below API 1.42, read by the TTY setting, is `engine_core`'s.)

use std::collections::HashMap;

use docker_client::compat::ApiItem;
use docker_client::models;
use docker_client::options::{
    ContainerCreateOptions, ContainerStopOptions, ImageListOptions, SystemDataUsageOptions,
};
use docker_client::{ApiVersion, Error};
use docker_client_tests::engine::TestEngine;

const V1_41: ApiVersion = ApiVersion::new(1, 41);

/// Checks that `result` is the refusal of `item` (as displayed), which needs `required`.
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, Error>,
    item: &str,
    required: ApiVersion,
) -> ApiItem {
    match result {
        Err(error @ Error::RequiresApiVersion { .. }) => {
            let message = error.to_string();
            let Error::RequiresApiVersion {
                item: refused,
                required: needs,
                engine,
            } = error
            else {
                unreachable!()
            };
            assert_eq!(refused.to_string(), item);
            assert_eq!((needs, engine), (required, V1_41));
            assert!(
                message.contains(item) && message.contains("was not sent"),
                "{message}"
            );
            refused
        }
        other => panic!("expected the refusal of {item}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn from_env_settles_the_engines_version_on_first_use_for_every_clone() {
    let t = TestEngine::from_env().await;
    let clone = t.docker.clone();
    // Before the first request: the version the client asks for.
    assert_eq!(
        t.docker.api_version().to_string(),
        docker_client::API_VERSION
    );
    let version = t.docker.system_version().await.expect("GET /version");
    assert_eq!(version.api_version.as_deref(), Some("1.41"));
    assert_eq!(t.docker.api_version(), V1_41);
    assert_eq!(clone.api_version(), V1_41, "clones share the outcome");
    t.docker.system_info().await.expect("GET /v1.41/info");
    assert_eq!(
        t.docker.negotiate_version().await.unwrap().api_version(),
        V1_41
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operation_newer_than_the_engine_is_refused() {
    let t = TestEngine::from_env().await;
    let result = t.docker.volume_update("any", 0).await;
    let item = assert_refused(result, "operation `VolumeUpdate`", ApiVersion::new(1, 42));
    assert_eq!(item, ApiItem::Operation("VolumeUpdate"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_parameter_newer_than_the_engine_is_refused_and_nothing_is_sent() {
    let t = TestEngine::from_env().await;
    let id = t.run_container("stop-signal", &["sleep", "300"]).await;
    let signal = ContainerStopOptions {
        signal: Some("SIGKILL".to_owned()),
        ..Default::default()
    };
    let result = t.docker.container_stop(&id).options(signal).await;
    assert_refused(
        result,
        "parameter `signal` of `ContainerStop`",
        ApiVersion::new(1, 42),
    );
    let inspect = t.docker.container_inspect(&id).await;
    let state = inspect.expect("inspect").state.expect("State");
    assert_eq!(state.running, Some(true), "the stop was not sent");

    let by_type = SystemDataUsageOptions {
        r#type: Some(vec![models::SystemDataUsageTypeItem::Container]),
    };
    let result = t.docker.system_data_usage().options(by_type).await;
    assert_refused(
        result,
        "parameter `type` of `SystemDataUsage`",
        ApiVersion::new(1, 42),
    );
    // Without the newer parameter, the same operations go through.
    t.docker
        .container_stop(&id)
        .await
        .expect("stop without a signal");
    t.docker.system_data_usage().await.expect("GET /system/df");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_field_newer_than_the_engine_is_refused_unset_ones_never() {
    let t = TestEngine::from_env().await;
    let name = t.name("annotated");
    let create = ContainerCreateOptions {
        name: Some(name.clone()),
        ..Default::default()
    };
    let mut body = t.container_body(&["true"]);
    let host_config = body.host_config.get_or_insert_with(Default::default);
    host_config.annotations = Some(HashMap::from([("a".to_owned(), "b".to_owned())]));
    let result = t
        .docker
        .container_create(body)
        .options(create.clone())
        .await;
    assert_refused(
        result,
        "body field `HostConfig.Annotations` of `ContainerCreate`",
        ApiVersion::new(1, 43),
    );
    let inspect = t.docker.container_inspect(&name).await;
    assert!(
        inspect.as_ref().is_err_and(Error::is_not_found),
        "nothing was created: {inspect:?}"
    );

    // A newer field deep in the body, its path named.
    let mut body = t.container_body(&["true"]);
    let host_config = body.host_config.get_or_insert_with(Default::default);
    host_config.mounts = Some(vec![models::Mount {
        target: Some("/mnt".to_owned()),
        source: Some("/tmp".to_owned()),
        r#type: Some(models::MountType::Bind),
        bind_options: Some(models::MountBindOptions {
            create_mountpoint: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    }]);
    let result = t
        .docker
        .container_create(body)
        .options(create.clone())
        .await;
    assert_refused(
        result,
        "body field `HostConfig.Mounts[0].BindOptions.CreateMountpoint` of `ContainerCreate`",
        ApiVersion::new(1, 42),
    );

    // The fields of version 1.43 left unset (as the body of every create has them) pass.
    let id = t
        .create_container("plain", &t.container_body(&["true"]))
        .await;
    assert!(!id.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn what_compat_yaml_drops_for_older_engines_is_left_out() {
    let t = TestEngine::from_env().await;
    // `shared-size` (API 1.42) is dropped: the list comes back without the sizes.
    let shared_size = ImageListOptions {
        shared_size: Some(true),
        ..Default::default()
    };
    let images = t
        .docker
        .image_list()
        .options(shared_size.clone())
        .await
        .expect("image list");
    assert!(!images.is_empty(), "busybox is there");

    // An exec's `ConsoleSize` (API 1.42) is dropped: the exec runs.
    let id = t.run_container("console-size", &["sleep", "300"]).await;
    let config = models::ExecConfig {
        attach_stdout: Some(true),
        console_size: Some(vec![24, 80]),
        cmd: Some(vec!["true".to_owned()]),
        ..Default::default()
    };
    let exec = t.docker.container_exec(&id, config).await.expect("exec");
    assert!(!exec.id.is_empty());
}

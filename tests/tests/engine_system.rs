//! System operations against the real test engine: ping, version, info, disk usage, events.
//! Each assertion about the engine's version is about what the engine itself says.
//!
//! Run with the test engines up: `eval "$(tests/engine/engine.sh start)"`, then `cargo test -p docker-client-tests --features engine`.

use std::collections::HashMap;
use std::time::Duration;

use docker_client::models;
use docker_client::options::{SystemDataUsageOptions, SystemEventsOptions};
use docker_client_tests::engine::{api_at_least, no_unknown_enum, unix_now, TestEngine};
use futures::StreamExt;

#[tokio::test(flavor = "multi_thread")]
async fn ping() {
    let t = TestEngine::start().await;
    let ping = t.docker.system_ping().await.expect("GET /_ping");
    assert_eq!(ping.body, "OK");
    // The engine's API version, as /version says it.
    let api = Some(t.version.api_version.as_str());
    assert_eq!(ping.api_version.as_deref(), api);
    assert_eq!(ping.docker_experimental.as_deref(), Some("false"));
    let head = t.docker.system_ping_head().await.expect("HEAD /_ping");
    assert_eq!(head.api_version.as_deref(), api);
    assert_eq!(head.body, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn version() {
    let t = TestEngine::start().await;
    let version = t.docker.system_version().await.expect("GET /version");
    no_unknown_enum(&version);
    // The API version /_ping announces; the engine serves the client's version.
    let ping = t.docker.system_ping().await.expect("GET /_ping");
    let api = version.api_version.clone().expect("ApiVersion");
    assert_eq!(ping.api_version.as_deref(), Some(api.as_str()));
    let min = version.min_api_version.clone().expect("MinAPIVersion");
    assert!(api_at_least(&api, docker_client::API_VERSION), "{api}");
    assert!(api_at_least(docker_client::API_VERSION, &min), "{min}");
    assert_eq!(version.os.as_deref(), Some("linux"));
    let components = version.components.expect("Components");
    let names: Vec<&str> = components.iter().map(|c| c.name.as_str()).collect();
    for expected in ["Engine", "containerd", "runc", "docker-init"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    // The engine component is the engine itself.
    let engine = components.iter().find(|c| c.name == "Engine").unwrap();
    assert_eq!(Some(&engine.version), version.version.as_ref());
    t.capture("system_version", "GET", "/version", None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn info() {
    let t = TestEngine::start().await;
    let info = t.docker.system_info().await.expect("GET /info");
    no_unknown_enum(&info);
    assert_eq!(info.os_type.as_deref(), Some("linux"));
    assert!(info.images.unwrap_or(0) >= 1, "busybox is there");
    assert_eq!(
        info.server_version.as_deref(),
        Some(t.version.version.as_str())
    );
    assert!(info.ncpu.unwrap_or(0) >= 1);
    assert!(info.mem_total.unwrap_or(0) > 0);
    assert!(info.driver.is_some());
    let runtimes = info.runtimes.expect("Runtimes");
    assert!(runtimes.contains_key("runc"), "{runtimes:?}");
    t.capture("system_info", "GET", "/info", None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn disk_usage() {
    let t = TestEngine::start().await;
    let id = t.run_container("df", &["sleep", "300"]).await;
    let volume = t
        .docker
        .volume_create(models::VolumeCreateOptions {
            name: Some(t.name("df")),
            labels: Some(t.labels()),
            ..Default::default()
        })
        .await
        .expect("create a volume");
    t.remove_volume_later(&volume.name);

    let all = t.docker.system_data_usage().await.expect("GET /system/df");
    no_unknown_enum(&all);
    assert!(all.layers_size.unwrap_or(0) > 0);
    let images = all.images.expect("Images");
    assert!(images
        .iter()
        .any(|i| i.repo_tags.iter().any(|tag| tag == "busybox:latest")));
    let containers = all.containers.expect("Containers");
    assert!(containers
        .iter()
        .any(|c| c.id.as_deref() == Some(id.as_str())));
    let volumes = all.volumes.expect("Volumes");
    assert!(volumes.iter().any(|v| v.name == volume.name));
    assert!(all.build_cache.is_some());

    let only_volumes = t
        .docker
        .system_data_usage()
        .options(SystemDataUsageOptions {
            r#type: Some(vec![models::SystemDataUsageTypeItem::Volume]),
        })
        .await
        .expect("GET /system/df?type=volume");
    assert!(only_volumes.volumes.is_some());
    assert!(only_volumes.images.unwrap_or_default().is_empty());
    assert!(only_volumes.containers.unwrap_or_default().is_empty());
    t.capture("system_df", "GET", "/system/df", None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_while_a_container_starts() {
    let t = TestEngine::start().await;
    let since = unix_now() - 1;
    let id = t.run_container("events", &["sleep", "300"]).await;
    let until = unix_now() + 1;
    // The engine replays the events between `since` and `until`, then ends the stream.
    let options = SystemEventsOptions {
        since: Some(since.to_string()),
        until: Some(until.to_string()),
        filters: Some(HashMap::from([
            ("container".to_owned(), vec![id.clone()]),
            ("type".to_owned(), vec!["container".to_owned()]),
        ])),
    };
    let events = tokio::time::timeout(Duration::from_secs(30), async {
        let stream = t
            .docker
            .system_events()
            .options(options)
            .await
            .expect("GET /events");
        stream
            .map(|e| e.expect("an event"))
            .collect::<Vec<_>>()
            .await
    })
    .await
    .expect("the bounded events stream ends");
    for event in &events {
        no_unknown_enum(event);
        assert_eq!(event.r#type, Some(models::EventMessageType::Container));
        assert_eq!(event.scope, Some(models::EventMessageScope::Local));
        let actor = event.actor.as_ref().expect("Actor");
        assert_eq!(actor.id.as_deref(), Some(id.as_str()));
        assert!(event.time_nano.unwrap_or(0) > 0);
    }
    let actions: Vec<&str> = events.iter().filter_map(|e| e.action.as_deref()).collect();
    assert!(actions.contains(&"create"), "{actions:?}");
    assert!(actions.contains(&"start"), "{actions:?}");
    let create = events
        .iter()
        .find(|e| e.action.as_deref() == Some("create"))
        .unwrap();
    let attributes = create.actor.as_ref().unwrap().attributes.as_ref().unwrap();
    assert_eq!(
        attributes.get("image").map(String::as_str),
        Some("busybox:latest")
    );
    assert_eq!(attributes.get("name"), Some(&t.name("events")));
}

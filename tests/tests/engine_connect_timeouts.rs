//! Timeouts against the real test engine at `DOCKER_HOST`: a body streaming after its headers
//! (`events`) is never cut by the header timeout.

mod connect_support;

use std::time::Duration;

use connect_support::engine_var;
use docker_client::options::SystemEventsOptions;
use docker_client::{models, Docker};
use futures::StreamExt;

#[tokio::test]
async fn the_real_events_stream_outlives_the_header_timeout() {
    let limit = Duration::from_millis(300);
    let host = engine_var("DOCKER_HOST");
    let docker = Docker::builder()
        .host(host)
        .header_timeout(Some(limit))
        .build()
        .unwrap();
    let name = format!("dc-timeout-{}", std::process::id());
    let mut filters = std::collections::HashMap::new();
    filters.insert("volume".to_owned(), vec![name.clone()]);
    let options = SystemEventsOptions {
        filters: Some(filters),
        ..Default::default()
    };
    let mut events = docker
        .system_events()
        .options(options)
        .await
        .expect("events headers");
    // Wait well past the header timeout with the stream open, then make an event.
    tokio::time::sleep(limit * 4).await;
    let volume = models::VolumeCreateOptions {
        name: Some(name.clone()),
        ..Default::default()
    };
    docker.volume_create(volume).await.expect("create a volume");
    let event = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("an event within 10 s")
        .expect("the stream is open")
        .expect("a decodable event");
    assert_eq!(event.action.as_deref(), Some("create"));
    docker
        .volume_delete(&name)
        .await
        .expect("remove the volume");
}

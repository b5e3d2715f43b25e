//! Volume and network operations against the real test engine.
//!
//! The networks are internal bridges, and the only container attached to them is never started,
//! so no traffic ever reaches them. Run with the test engines up:
//! `eval "$(tests/engine/engine.sh start)"`, then `cargo test -p docker-client-tests --features engine`.

use std::collections::HashMap;

use docker_client::models;
use docker_client::options::{
    ContainerDeleteOptions, NetworkInspectOptions, NetworkListOptions, NetworkPruneOptions,
    VolumeDeleteOptions, VolumeListOptions, VolumePruneOptions,
};
use docker_client_tests::engine::{
    expect_api_error, no_unknown_enum, output_text, urlencode_query_value, Given, TestEngine,
};

#[tokio::test(flavor = "multi_thread")]
async fn volume_create_inspect_list_use_and_delete() {
    let t = TestEngine::start().await;
    let name = t.name("data");
    t.remove_volume_later(&name);
    let volume = t
        .docker
        .volume_create(models::VolumeCreateOptions {
            name: Some(name.clone()),
            driver: Some("local".to_owned()),
            labels: Some(t.labels()),
            ..Default::default()
        })
        .await
        .expect("create");
    no_unknown_enum(&volume);
    assert_eq!(volume.name, name);
    assert_eq!(volume.driver, "local");
    assert_eq!(volume.scope, models::VolumeScope::Local);
    assert!(volume.options.is_empty(), "{volume:?}");
    assert_eq!(volume.labels, t.labels());

    let inspected = t.docker.volume_inspect(&name).await.expect("inspect");
    assert_eq!(inspected.name, name);
    assert!(inspected.mountpoint.ends_with("/_data"), "{inspected:?}");
    assert!(inspected.created_at.is_some());
    t.capture("volume_inspect", "GET", &format!("/volumes/{name}"), None)
        .await;

    let list = t
        .docker
        .volume_list()
        .options(VolumeListOptions {
            filters: Some(t.label_filter()),
        })
        .await
        .expect("list");
    no_unknown_enum(&list);
    let names: Vec<&str> = list
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(names, vec![name.as_str()]);
    let filter = serde_json::to_string(&t.label_filter()).unwrap();
    t.capture(
        "volume_list",
        "GET",
        &format!("/volumes?filters={}", urlencode_query_value(&filter)),
        None,
    )
    .await;

    // A container writes to the volume and another reads it back.
    let mut body = t.container_body(&["sh", "-c", "echo in-the-volume > /data/file"]);
    body.host_config.as_mut().unwrap().binds = Some(vec![format!("{name}:/data")]);
    let writer = t.create_container("writer", &body).await;
    t.docker
        .container_start(&writer)
        .await
        .expect("start the writer");
    let waited = t.docker.container_wait(&writer).await.expect("wait");
    assert_eq!(waited.status_code, 0);
    let mut body = t.container_body(&["cat", "/data/file"]);
    body.host_config.as_mut().unwrap().mounts = Some(vec![models::Mount {
        target: Some("/data".to_owned()),
        source: Some(name.clone()),
        r#type: Some(models::MountType::Volume),
        read_only: Some(true),
        ..Default::default()
    }]);
    let reader = t.create_container("reader", &body).await;
    t.docker
        .container_start(&reader)
        .await
        .expect("start the reader");
    t.docker.container_wait(&reader).await.expect("wait");
    let (stdout, _) = output_text(
        t.docker
            .container_logs(&reader)
            .options(docker_client::options::ContainerLogsOptions {
                stdout: Some(true),
                ..Default::default()
            })
            .await
            .expect("logs"),
    )
    .await;
    assert_eq!(stdout, "in-the-volume\n");
    let mounts = t
        .docker
        .container_inspect(&reader)
        .await
        .expect("inspect")
        .mounts
        .expect("Mounts");
    assert_eq!(mounts.len(), 1);
    assert_eq!(mounts[0].name.as_deref(), Some(name.as_str()));
    assert_eq!(mounts[0].rw, Some(false));

    let in_use = t
        .docker
        .volume_delete(&name)
        .await
        .expect_err("a volume in use is not removed");
    assert!(in_use.is_conflict(), "{in_use:?}");
    let everything = ContainerDeleteOptions {
        force: Some(true),
        ..Default::default()
    };
    for id in [&writer, &reader] {
        t.docker
            .container_delete(id)
            .options(everything.clone())
            .await
            .expect("delete the container");
    }
    t.docker
        .volume_delete(&name)
        .options(VolumeDeleteOptions { force: Some(false) })
        .await
        .expect("delete");
    let gone = t.docker.volume_inspect(&name).await.expect_err("deleted");
    assert!(gone.is_not_found(), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn volume_update_needs_a_cluster_volume() {
    let t = TestEngine::start().await;
    let name = t.name("local");
    t.remove_volume_later(&name);
    t.docker
        .volume_create(models::VolumeCreateOptions {
            name: Some(name.clone()),
            labels: Some(t.labels()),
            ..Default::default()
        })
        .await
        .expect("create");
    // Only cluster (CSI) volumes can be updated, and only in a swarm: outside one the engine
    // answers 503; in one (the swarm test may run meanwhile) there is no such cluster volume.
    let message = expect_api_error(
        "update a local volume",
        t.docker
            .volume_update(&name, 1)
            .body(models::VolumeUpdateBody::default())
            .await,
        &[503, 404],
    );
    assert!(!message.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn volume_prune() {
    let t = TestEngine::start().await;
    let unused = t.name("unused");
    let used = t.name("used");
    for name in [&unused, &used] {
        t.remove_volume_later(name);
        t.docker
            .volume_create(models::VolumeCreateOptions {
                name: Some(name.clone()),
                labels: Some(t.labels()),
                ..Default::default()
            })
            .await
            .expect("create");
    }
    let mut body = t.container_body(&["true"]);
    body.host_config.as_mut().unwrap().binds = Some(vec![format!("{used}:/data")]);
    t.create_container("user", &body).await;
    // Since API 1.42 prune removes only anonymous volumes unless `all` is set.
    let mut filters = t.label_filter();
    filters.insert("all".to_owned(), vec!["true".to_owned()]);
    let pruned = t
        .docker
        .volume_prune()
        .options(VolumePruneOptions {
            filters: Some(filters),
        })
        .await
        .expect("prune");
    no_unknown_enum(&pruned);
    assert_eq!(pruned.volumes_deleted, Some(vec![unused.clone()]));
    assert!(pruned.space_reclaimed.is_some());
    assert!(t.docker.volume_inspect(&used).await.is_ok());
}

fn internal_bridge(t: &TestEngine, what: &str) -> models::NetworkCreateRequest {
    models::NetworkCreateRequest {
        name: t.name(what),
        driver: Some("bridge".to_owned()),
        internal: Some(true),
        labels: Some(t.labels()),
        options: Some(HashMap::from([(
            "com.docker.network.bridge.enable_ip_masquerade".to_owned(),
            "false".to_owned(),
        )])),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn network_create_inspect_list_connect_and_delete() {
    let t = TestEngine::start().await;
    let home = t
        .docker
        .network_create(internal_bridge(&t, "home"))
        .await
        .expect("create");
    let home_id = home.id.clone().given("Id");
    t.remove_network_later(&home_id);
    no_unknown_enum(&home);
    let other = t
        .docker
        .network_create(models::NetworkCreateRequest {
            attachable: Some(true),
            ipam: Some(models::Ipam {
                driver: Some("default".to_owned()),
                config: Some(vec![models::IpamConfig {
                    subnet: Some("10.231.77.0/28".to_owned()),
                    gateway: Some("10.231.77.1".to_owned()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..internal_bridge(&t, "other")
        })
        .await
        .expect("create with IPAM");
    let other_id = other.id.clone().given("Id");
    t.remove_network_later(&other_id);

    let duplicate = t
        .docker
        .network_create(internal_bridge(&t, "home"))
        .await
        .expect_err("the name is taken");
    assert!(duplicate.is_conflict(), "{duplicate:?}");

    let inspected = t
        .docker
        .network_inspect(&other_id)
        .options(NetworkInspectOptions {
            verbose: Some(true),
            scope: Some("local".to_owned()),
        })
        .await
        .expect("inspect");
    no_unknown_enum(&inspected);
    assert_eq!(inspected.name, Some(t.name("other")));
    assert_eq!(inspected.driver.as_deref(), Some("bridge"));
    assert_eq!(inspected.internal, Some(true));
    assert_eq!(inspected.attachable, Some(true));
    let ipam = inspected.ipam.clone().expect("IPAM");
    assert_eq!(
        ipam.config.unwrap()[0].subnet.as_deref(),
        Some("10.231.77.0/28")
    );
    t.capture(
        "network_inspect",
        "GET",
        &format!("/networks/{other_id}"),
        None,
    )
    .await;

    let list = t
        .docker
        .network_list()
        .options(NetworkListOptions {
            filters: Some(HashMap::from([
                ("label".to_owned(), t.label_filter()["label"].clone()),
                ("driver".to_owned(), vec!["bridge".to_owned()]),
            ])),
        })
        .await
        .expect("list");
    let mut names: Vec<String> = list.iter().filter_map(|n| n.name.clone()).collect();
    names.sort();
    assert_eq!(names, vec![t.name("home"), t.name("other")]);
    let filter = serde_json::to_string(&t.label_filter()).unwrap();
    t.capture(
        "network_list",
        "GET",
        &format!("/networks?filters={}", urlencode_query_value(&filter)),
        None,
    )
    .await;

    // A container on `home`, never started: connecting it moves no packet.
    let mut body = t.container_body(&["true"]);
    body.host_config.as_mut().unwrap().network_mode = Some(t.name("home"));
    let container = t.create_container("attached", &body).await;
    t.docker
        .network_connect(
            &other_id,
            models::NetworkConnectRequest {
                container: Some(container.clone()),
                endpoint_config: Some(models::EndpointSettings {
                    aliases: Some(vec!["dct-alias".to_owned()]),
                    ipam_config: Some(models::EndpointIpamConfig {
                        i_pv4_address: Some("10.231.77.9".to_owned()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            },
        )
        .await
        .expect("connect");
    let networks = t
        .docker
        .container_inspect(&container)
        .await
        .expect("inspect the container")
        .network_settings
        .and_then(|n| n.networks)
        .expect("Networks");
    let mut attached: Vec<&String> = networks.keys().collect();
    attached.sort();
    assert_eq!(attached, vec![&t.name("home"), &t.name("other")]);
    let endpoint = &networks[&t.name("other")];
    assert!(endpoint
        .aliases
        .as_ref()
        .is_some_and(|a| a.contains(&"dct-alias".to_owned())));

    t.docker
        .network_disconnect(
            &other_id,
            models::NetworkDisconnectRequest {
                container: Some(container.clone()),
                force: Some(false),
            },
        )
        .await
        .expect("disconnect");
    let networks = t
        .docker
        .container_inspect(&container)
        .await
        .expect("inspect the container")
        .network_settings
        .and_then(|n| n.networks)
        .expect("Networks");
    assert_eq!(networks.keys().collect::<Vec<_>>(), vec![&t.name("home")]);

    t.docker.network_delete(&other_id).await.expect("delete");
    let gone = t
        .docker
        .network_inspect(&other_id)
        .await
        .expect_err("deleted");
    assert!(gone.is_not_found(), "{gone:?}");
    let gone = t
        .docker
        .network_delete(&other_id)
        .await
        .expect_err("deleted");
    assert!(gone.is_not_found(), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn network_prune() {
    let t = TestEngine::start().await;
    let unused = t
        .docker
        .network_create(internal_bridge(&t, "unused"))
        .await
        .expect("create");
    let unused = unused.id.given("Id");
    t.remove_network_later(&unused);
    // Prune removes networks without endpoints: the label keeps it to this test's network.
    let pruned = t
        .docker
        .network_prune()
        .options(NetworkPruneOptions {
            filters: Some(t.label_filter()),
        })
        .await
        .expect("prune");
    no_unknown_enum(&pruned);
    assert_eq!(pruned.networks_deleted, Some(vec![t.name("unused")]));
    let gone = t.docker.network_inspect(&unused).await.expect_err("pruned");
    assert!(gone.is_not_found(), "{gone:?}");
}

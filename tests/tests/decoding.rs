//! The lenient decoding rules of the models: what engines really send decodes, and what the
//! client sends holds only what was set.

use std::collections::HashMap;
use std::str::FromStr;

use docker_client::models::{
    self, ContainerConfig, ContainerState, ContainerStateStatus, ContainerSummary, HostConfig,
    ImageSummary, PortBinding, Reachability, RestartPolicy, RestartPolicyName, Volume,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

fn decode<T: DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value.clone()) {
        Ok(decoded) => decoded,
        Err(e) => panic!(
            "{value} does not decode into {}: {e}",
            std::any::type_name::<T>()
        ),
    }
}

fn encode(value: &impl Serialize) -> Value {
    serde_json::to_value(value).expect("a model encodes")
}

fn image_summary() -> Value {
    json!({
        "Id": "sha256:ec3f0931a6e6b6855d76b2d7b0be30e81860baccd891b2e243280bf1cd8ad710",
        "ParentId": "",
        "RepoTags": ["busybox:latest"],
        "RepoDigests": ["busybox@sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74"],
        "Created": 1_684_527_568,
        "Size": 4_261_574,
        "SharedSize": 0,
        "Labels": {"org.opencontainers.image.version": "1.36.1"},
        "Containers": 2
    })
}

// ------------------------------------------------------------------------------------------
// Unknown and missing fields.

#[test]
fn unknown_fields_are_ignored() {
    let mut value = image_summary();
    value["Manifests"] = json!([{"ID": "sha256:abc", "Kind": "image"}]);
    value["Descriptor"] = json!({"mediaType": "application/vnd.oci.image.index.v1+json"});
    value["SomeFlag"] = json!(true);
    let image: ImageSummary = decode(value);
    assert_eq!(image.repo_tags, ["busybox:latest"]);

    let state: ContainerState =
        decode(json!({"Status": "running", "Health": null, "FutureField": {"a": [1, 2]}}));
    assert_eq!(state.status, Some(ContainerStateStatus::Running));
    assert_eq!(state.health, None);
}

#[test]
fn absent_optional_fields_are_none_and_not_sent() {
    let summary: ContainerSummary = decode(json!({"Id": "4fa6e0f0c678"}));
    assert_eq!(summary.id.as_deref(), Some("4fa6e0f0c678"));
    assert_eq!(summary.names, None);
    assert_eq!(summary.ports, None);
    assert_eq!(summary.labels, None);
    assert_eq!(summary.size_rw, None);
    assert_eq!(encode(&summary), json!({"Id": "4fa6e0f0c678"}));

    // A body built by the client holds only the fields that were set.
    let config = ContainerConfig {
        image: Some("busybox".into()),
        tty: Some(false),
        ..Default::default()
    };
    let encoded = encode(&config);
    assert_eq!(encoded, json!({"Image": "busybox", "Tty": false}));
    for key in [
        "Cmd",
        "Env",
        "ExposedPorts",
        "Volumes",
        "Labels",
        "Healthcheck",
        "User",
    ] {
        assert!(encoded.get(key).is_none(), "{key} is sent: {encoded}");
    }
    assert_eq!(encode(&HostConfig::default()), json!({}));
    assert_eq!(encode(&RestartPolicy::default()), json!({}));
}

#[test]
fn explicit_null_optional_fields_are_none() {
    let state: ContainerState = decode(json!({"Status": null, "Pid": null, "Error": null}));
    assert_eq!(state, ContainerState::default());
    assert_eq!(encode(&state), json!({}));
}

#[test]
fn a_missing_required_field_is_an_error() {
    let mut value = image_summary();
    value.as_object_mut().expect("an object").remove("Id");
    let error = serde_json::from_value::<ImageSummary>(value).expect_err("Id is required");
    assert!(error.to_string().contains("Id"), "{error}");
}

// ------------------------------------------------------------------------------------------
// Required lists and maps.

#[test]
fn required_lists_and_maps_accept_null() {
    let mut value = image_summary();
    value["RepoTags"] = Value::Null;
    value["RepoDigests"] = Value::Null;
    value["Labels"] = Value::Null;
    let image: ImageSummary = decode(value);
    assert!(image.repo_tags.is_empty());
    assert!(image.repo_digests.is_empty());
    assert!(image.labels.is_empty());
    // They are sent as empty, never as null.
    let encoded = encode(&image);
    assert_eq!(encoded["RepoTags"], json!([]));
    assert_eq!(encoded["Labels"], json!({}));
}

#[test]
fn required_lists_and_maps_accept_missing() {
    let mut value = image_summary();
    let object = value.as_object_mut().expect("an object");
    object.remove("RepoTags");
    object.remove("RepoDigests");
    object.remove("Labels");
    let image: ImageSummary = decode(value);
    assert!(image.repo_tags.is_empty() && image.repo_digests.is_empty() && image.labels.is_empty());

    let volume: Volume = decode(json!({
        "Name": "data", "Driver": "local", "Mountpoint": "/var/lib/docker/volumes/data/_data",
        "Scope": "local", "Labels": null
    }));
    assert!(volume.labels.is_empty());
    assert!(volume.options.is_empty());
    assert_eq!(volume.scope, models::VolumeScope::Local);
}

// ------------------------------------------------------------------------------------------
// String enums.

#[test]
fn declared_enum_values_decode_into_their_variants() {
    for (text, status) in [
        ("created", ContainerStateStatus::Created),
        ("running", ContainerStateStatus::Running),
        ("paused", ContainerStateStatus::Paused),
        ("restarting", ContainerStateStatus::Restarting),
        ("removing", ContainerStateStatus::Removing),
        ("exited", ContainerStateStatus::Exited),
        ("dead", ContainerStateStatus::Dead),
        // Added by a spec correction (Podman sends them).
        ("stopping", ContainerStateStatus::Stopping),
        ("stopped", ContainerStateStatus::Stopped),
    ] {
        let state: ContainerState = decode(json!({"Status": text}));
        assert_eq!(state.status.as_ref(), Some(&status), "{text}");
        assert_eq!(status.as_str(), text);
        assert_eq!(status.to_string(), text);
        assert_eq!(ContainerStateStatus::from_str(text), Ok(status.clone()));
        assert_eq!(encode(&state), json!({"Status": text}));
    }
}

#[test]
fn undeclared_enum_values_are_kept_as_unknown_and_round_trip() {
    let state: ContainerState = decode(json!({"Status": "hibernating"}));
    let status = state.status.clone().expect("a status");
    assert_eq!(status, ContainerStateStatus::Unknown("hibernating".into()));
    assert_eq!(status.as_str(), "hibernating");
    assert_eq!(status.to_string(), "hibernating");
    assert_eq!("hibernating".parse::<ContainerStateStatus>(), Ok(status));
    assert_eq!(encode(&state), json!({"Status": "hibernating"}));

    // Matching is exact: another case is another value.
    assert_eq!(
        ContainerStateStatus::from("Running"),
        ContainerStateStatus::Unknown("Running".into())
    );
    // An enum value is a string; anything else is an error.
    assert!(serde_json::from_value::<ContainerState>(json!({"Status": 3})).is_err());
}

#[test]
fn the_empty_enum_value_has_its_own_variant() {
    let policy: RestartPolicy = decode(json!({"Name": "", "MaximumRetryCount": 0}));
    assert_eq!(policy.name, Some(RestartPolicyName::Empty));
    assert_eq!(policy.maximum_retry_count, Some(0));
    assert_eq!(RestartPolicyName::Empty.as_str(), "");
    assert_eq!(RestartPolicyName::Empty.to_string(), "");
    assert_eq!(
        "".parse::<RestartPolicyName>(),
        Ok(RestartPolicyName::Empty)
    );
    assert_eq!(RestartPolicyName::default(), RestartPolicyName::Empty);
    assert_eq!(encode(&policy), json!({"Name": "", "MaximumRetryCount": 0}));

    for (text, name) in [
        ("no", RestartPolicyName::No),
        ("always", RestartPolicyName::Always),
        ("unless-stopped", RestartPolicyName::UnlessStopped),
        ("on-failure", RestartPolicyName::OnFailure),
    ] {
        assert_eq!(text.parse::<RestartPolicyName>(), Ok(name.clone()));
        assert_eq!(name.to_string(), text);
    }

    // The engine's "" isolation on Linux.
    let host: HostConfig = decode(json!({"Isolation": ""}));
    assert_eq!(host.isolation, Some(models::HostConfigIsolation::Empty));
}

#[test]
fn an_enum_value_named_unknown_is_not_the_catch_all() {
    let status: models::ManagerStatus = decode(json!({"Reachability": "unknown", "Leader": false}));
    assert_eq!(status.reachability, Some(Reachability::UnknownValue));
    assert_eq!(Reachability::UnknownValue.to_string(), "unknown");
    assert_eq!(
        "flapping".parse::<Reachability>(),
        Ok(Reachability::Unknown("flapping".into()))
    );
    assert_eq!(encode(&status)["Reachability"], json!("unknown"));
}

#[test]
fn enums_in_query_parameters_use_the_wire_value() {
    assert_eq!(
        models::ContainerWaitCondition::NextExit.to_string(),
        "next-exit"
    );
    assert_eq!(
        models::ContainerWaitCondition::NotRunning.to_string(),
        "not-running"
    );
    assert_eq!(models::ImageBuildVersion::T2.to_string(), "2");
    assert_eq!(
        models::SystemDataUsageTypeItem::BuildCache.to_string(),
        "build-cache"
    );
    assert_eq!(
        models::ServiceUpdateRegistryAuthFrom::PreviousSpec.to_string(),
        "previous-spec"
    );
}

// ------------------------------------------------------------------------------------------
// Sets encoded as maps of empty objects.

#[test]
fn sets_decode_from_maps_of_empty_objects() {
    let config: ContainerConfig = decode(json!({
        "ExposedPorts": {"80/tcp": {}, "443/tcp": {}, "53/udp": {}},
        "Volumes": {"/data": {}}
    }));
    let mut ports = config.exposed_ports.clone().expect("ports");
    ports.sort();
    assert_eq!(ports, ["443/tcp", "53/udp", "80/tcp"]);
    assert_eq!(config.volumes, Some(vec!["/data".to_owned()]));

    // The values are not looked at.
    let config: ContainerConfig =
        decode(json!({"ExposedPorts": {"80/tcp": null, "81/tcp": {"x": 1}}}));
    assert_eq!(config.exposed_ports.map(|p| p.len()), Some(2));
}

#[test]
fn sets_encode_as_maps_of_empty_objects() {
    let config = ContainerConfig {
        exposed_ports: Some(vec!["80/tcp".into(), "443/tcp".into()]),
        volumes: Some(vec!["/data".into()]),
        ..Default::default()
    };
    assert_eq!(
        encode(&config),
        json!({"ExposedPorts": {"80/tcp": {}, "443/tcp": {}}, "Volumes": {"/data": {}}})
    );
    let empty = ContainerConfig {
        exposed_ports: Some(Vec::new()),
        ..Default::default()
    };
    assert_eq!(encode(&empty), json!({"ExposedPorts": {}}));

    // And back.
    let decoded: ContainerConfig = decode(encode(&config));
    let mut ports = decoded.exposed_ports.expect("ports");
    ports.sort();
    assert_eq!(ports, ["443/tcp", "80/tcp"]);
}

#[test]
fn a_null_or_missing_set_is_none() {
    let config: ContainerConfig = decode(json!({"ExposedPorts": null, "Volumes": null}));
    assert_eq!(config.exposed_ports, None);
    assert_eq!(config.volumes, None);
    let config: ContainerConfig = decode(json!({}));
    assert_eq!(config.exposed_ports, None);
    assert_eq!(encode(&config), json!({}));
}

#[test]
fn port_maps_keep_null_bindings() {
    let host: HostConfig = decode(json!({
        "PortBindings": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": null}
    }));
    let bindings = host.port_bindings.clone().expect("bindings");
    assert_eq!(bindings["443/tcp"], None);
    assert_eq!(
        bindings["80/tcp"],
        Some(vec![PortBinding {
            host_ip: Some("0.0.0.0".into()),
            host_port: Some("8080".into()),
        }])
    );
    assert_eq!(encode(&host)["PortBindings"]["443/tcp"], Value::Null);

    let map: models::PortMap = HashMap::from([("22/tcp".to_owned(), None)]);
    assert_eq!(encode(&map), json!({"22/tcp": null}));
}

// ------------------------------------------------------------------------------------------
// Integers.

#[test]
fn integers_without_a_format_are_64_bit() {
    // `Pid` and `ExitCode` are `type: integer` without a format.
    let state: ContainerState =
        decode(json!({"Pid": 4_294_967_296i64, "ExitCode": -2_147_483_649i64}));
    assert_eq!(state.pid, Some(4_294_967_296));
    assert_eq!(state.exit_code, Some(-2_147_483_649));
    assert_eq!(
        encode(&state),
        json!({"Pid": 4_294_967_296i64, "ExitCode": -2_147_483_649i64})
    );

    let info: models::SystemInfo =
        decode(json!({"MemTotal": 1_099_511_627_776i64, "NCPU": 256, "NFd": 70_000}));
    assert_eq!(info.mem_total, Some(1_099_511_627_776));
    assert_eq!(info.ncpu, Some(256));
}

#[test]
fn minus_one_sizes_decode() {
    let mut value = image_summary();
    value["SharedSize"] = json!(-1);
    value["Containers"] = json!(-1);
    value["Size"] = json!(-1);
    let image: ImageSummary = decode(value);
    assert_eq!(image.shared_size, -1);
    assert_eq!(image.containers, -1);
    assert_eq!(image.size, -1);

    let update: models::ContainerUpdateBody = decode(json!({"MemorySwap": -1, "PidsLimit": -1}));
    assert_eq!(update.memory_swap, Some(-1));
    assert_eq!(update.pids_limit, Some(-1));
}

#[test]
fn sized_integers_are_checked() {
    let port: models::Port = decode(json!({"PrivatePort": 65535, "Type": "tcp"}));
    assert_eq!(port.private_port, 65535);
    assert_eq!(port.r#type, models::PortType::Tcp);
    assert!(
        serde_json::from_value::<models::Port>(json!({"PrivatePort": 65536, "Type": "tcp"}))
            .is_err()
    );
    assert!(
        serde_json::from_value::<models::Port>(json!({"PrivatePort": -1, "Type": "tcp"})).is_err()
    );
    // A float is not an integer.
    assert!(serde_json::from_value::<ContainerState>(json!({"Pid": 1.5})).is_err());
}

// ------------------------------------------------------------------------------------------
// Whole documents.

#[test]
fn a_realistic_summary_round_trips() {
    let value = json!({
        "Id": "4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2",
        "Names": ["/web"],
        "Image": "nginx:latest",
        "ImageID": "sha256:ec3f0931a6e6b6855d76b2d7b0be30e81860baccd891b2e243280bf1cd8ad710",
        "Command": "/docker-entrypoint.sh nginx -g 'daemon off;'",
        "Created": 1_688_205_600,
        "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}, {"PrivatePort": 443, "Type": "tcp"}],
        "Labels": {"com.example.vendor": "Acme"},
        "State": "running",
        "Status": "Up 2 hours",
        "HostConfig": {"NetworkMode": "default"},
        "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.17.0.2", "IPPrefixLen": 16}}},
        "Mounts": [{"Type": "volume", "Name": "data", "Destination": "/data", "RW": true}]
    });
    let summary: ContainerSummary = decode(value.clone());
    assert_eq!(encode(&summary), value);
}

// ------------------------------------------------------------------------------------------
// Whole responses.

#[tokio::test]
async fn a_null_list_or_map_response_is_empty() {
    // Docker and Podman answer `200 null` for the changes of an unchanged container.
    use docker_client_tests::mock::{MockEngine, MockResponse};
    let engine = MockEngine::respond_with(MockResponse::json(200, &Value::Null));
    let docker = engine.docker();
    let changes = docker.container_changes("abc").await.expect("null changes");
    assert!(changes.is_empty());
    let images = docker.image_list().await.expect("a null list");
    assert!(images.is_empty());
    // An object type still refuses `null`: only lists and maps have an empty value.
    let error = docker.container_inspect("abc").await;
    assert!(
        matches!(error, Err(docker_client::Error::Decode { status: 200, .. })),
        "{error:?}"
    );

    let engine = MockEngine::respond_with(MockResponse::json(
        200,
        &json!([{"Path": "/tmp", "Kind": 1}]),
    ));
    let changes = engine.docker().container_changes("abc").await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].path, "/tmp");
}

//! Replays the engine responses saved under `tests/fixtures/engine/` through the generated
//! models, so the models stay checked against what Docker really sends where no engine runs.
//!
//! Each fixture is a raw response body of Docker Engine 26.1.5 at `/v1.43`, unless its name ends
//! with another engine (`_v20`: Docker 20.10.24 at `/v1.41`, `_v28`: Docker 28.5.2 at `/v1.43`,
//! `_podman`: Podman 4.3.1 at `/v1.41`). The engine tests capture them with
//! `DOCKER_CLIENT_CAPTURE_FIXTURES=1` (or they were saved by hand, as the evidence of a spec
//! correction). Every file must be in [`FIXTURES`], with the type it decodes into.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::path::Path;

use docker_client::models;
use docker_client_tests::engine::{coverage, fixtures_dir};
use serde::de::DeserializeOwned;
use serde::Serialize;

type Check = fn(&[u8]) -> Result<(), String>;

/// Every fixture, and how it is checked.
const FIXTURES: &[(&str, Check)] = &[
    // System
    ("system_version.json", json::<models::SystemVersion>),
    ("system_info.json", json::<models::SystemInfo>),
    ("system_df.json", json::<models::SystemDataUsageResponse>),
    // Images
    ("image_inspect.json", json::<models::ImageInspect>),
    (
        "image_history.json",
        json::<Vec<models::ImageHistoryResponseItem>>,
    ),
    ("image_list.json", json::<Vec<models::ImageSummary>>),
    (
        "image_create_comma_joined_changes.image_inspect.json",
        json::<models::ImageInspect>,
    ),
    (
        "image_get_all_comma_joined_names.error.json",
        json::<models::ErrorResponse>,
    ),
    // Containers
    (
        "container_inspect.json",
        json::<models::ContainerInspectResponse>,
    ),
    ("container_list.json", json::<Vec<models::ContainerSummary>>),
    ("container_top.json", json::<models::ContainerTopResponse>),
    (
        "container_changes.json",
        json::<Vec<models::FilesystemChange>>,
    ),
    ("exec_inspect.json", json::<models::ExecInspectResponse>),
    (
        "container_inspect_podman.json",
        json::<models::ContainerInspectResponse>,
    ),
    // Stats samples of Docker 20.10 (at /v1.41), 26.1 and 28.5 (at /v1.43): one-shot, streamed.
    (
        "container_stats_v20.json",
        json::<models::ContainerStatsResponse>,
    ),
    (
        "container_stats_v26.json",
        json::<models::ContainerStatsResponse>,
    ),
    (
        "container_stats_v28.json",
        json::<models::ContainerStatsResponse>,
    ),
    (
        "container_stats_stream_v20.json",
        stream::<models::ContainerStatsResponse>,
    ),
    (
        "container_stats_stream_v26.json",
        stream::<models::ContainerStatsResponse>,
    ),
    (
        "container_stats_stream_v28.json",
        stream::<models::ContainerStatsResponse>,
    ),
    // Volumes and networks
    ("volume_inspect.json", json::<models::Volume>),
    ("volume_list.json", json::<models::VolumeListResponse>),
    ("network_inspect.json", json::<models::Network>),
    ("network_list.json", json::<Vec<models::Network>>),
    // Plugins
    ("plugin_inspect.json", json::<models::Plugin>),
    ("plugin_inspect_minimal_config.json", json::<models::Plugin>),
    ("plugin_list.json", json::<Vec<models::Plugin>>),
    ("plugin_push_stream.json", stream::<models::PushImageInfo>),
    ("plugin_delete.response.json", empty_body),
    // Swarm
    ("swarm_inspect.json", json::<models::Swarm>),
    ("node_inspect.json", json::<models::Node>),
    ("node_list.json", json::<Vec<models::Node>>),
    ("secret_create.json", json::<models::SecretCreateResponse>),
    ("secret_inspect.json", json::<models::Secret>),
    ("config_inspect.json", json::<models::Config>),
    ("service_inspect.json", json::<models::Service>),
    ("service_list.json", json::<Vec<models::Service>>),
    ("service_inspect_updated.json", json::<models::Service>),
    ("task_inspect.json", json::<models::Task>),
    ("task_list.json", json::<Vec<models::Task>>),
];

/// Decodes one JSON value into `T`, strictly: the whole body, with the path of any mismatch,
/// and no enum value the spec does not declare.
fn json<T: DeserializeOwned + Serialize + Debug>(bytes: &[u8]) -> Result<(), String> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(deserializer)
        .map_err(|e| format!("at {}: {}", e.path(), e.inner()))?;
    no_unknown(&value)?;
    // The decoded value encodes again (what a client sends back, as in an update, must work).
    let again = serde_json::to_value(&value).map_err(|e| format!("re-encoding: {e}"))?;
    let raw: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let mut dropped = BTreeSet::new();
    dropped_keys(&raw, &again, "", &mut dropped);
    let type_name = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("?");
    let unexpected: Vec<&String> = dropped
        .iter()
        .filter(|path| {
            !OUTSIDE_1_43
                .iter()
                .any(|(ty, key, _)| *ty == type_name && key == path)
        })
        .collect();
    if !unexpected.is_empty() {
        return Err(format!(
            "{type_name} does not keep these keys of the engine's answer (a wrong or missing \
             property in the spec?): {unexpected:?}"
        ));
    }
    Ok(())
}

/// Keys the engines send at `/v1.43` that the v1.43 spec rightly lacks: fields of later API
/// versions that Docker 26 does not hide from older clients, and of earlier ones that Podman
/// (API 1.41) still sends.
const OUTSIDE_1_43: &[(&str, &str, &str)] = &[
    (
        "SystemInfo",
        ".CDISpecDirs",
        "added in API 1.44 (Container Device Interface spec dirs)",
    ),
    (
        "ContainerInspectResponse",
        ".HostConfig.KernelMemory",
        "removed in API 1.42 (kernel memory limits); Podman sends it",
    ),
];

/// The paths of the non-null values in `raw` that `again` (the decoded value, encoded again)
/// lost: keys the model does not declare.
fn dropped_keys(
    raw: &serde_json::Value,
    again: &serde_json::Value,
    at: &str,
    out: &mut BTreeSet<String>,
) {
    use serde_json::Value;
    match (raw, again) {
        (Value::Object(raw), Value::Object(again)) => {
            for (key, value) in raw {
                let path = format!("{at}.{key}");
                match again.get(key) {
                    Some(inner) => dropped_keys(value, inner, &path, out),
                    None if value.is_null() => {}
                    None => {
                        out.insert(path);
                    }
                }
            }
        }
        (Value::Array(raw), Value::Array(again)) => {
            for (value, inner) in raw.iter().zip(again) {
                dropped_keys(value, inner, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

/// Decodes a stream of JSON values, each into `T` unless it is an `{"error": ...}` message.
fn stream<T: DeserializeOwned + Serialize + Debug>(bytes: &[u8]) -> Result<(), String> {
    let mut count = 0;
    for value in serde_json::Deserializer::from_slice(bytes).into_iter::<serde_json::Value>() {
        let value = value.map_err(|e| format!("message {count}: {e}"))?;
        if value.get("error").is_none() {
            let raw = serde_json::to_vec(&value).unwrap();
            json::<T>(&raw).map_err(|e| format!("message {count}: {e}"))?;
        }
        count += 1;
    }
    if count == 0 {
        return Err("an empty stream".to_owned());
    }
    Ok(())
}

/// A saved response transcript (`{"status": ..., "headers": ..., "body": ""}`) of a response
/// whose body is empty.
fn empty_body(bytes: &[u8]) -> Result<(), String> {
    let transcript: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    match transcript["body"].as_str() {
        Some("") => Ok(()),
        other => Err(format!("expected an empty body, found {other:?}")),
    }
}

fn no_unknown<T: Debug>(value: &T) -> Result<(), String> {
    let text = format!("{value:#?}");
    match text.find("Unknown(") {
        Some(at) => {
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            Err(format!(
                "an enum value the spec does not declare: {}",
                &text[at..end]
            ))
        }
        None => Ok(()),
    }
}

#[test]
fn every_fixture_decodes_into_its_model() {
    let dir = fixtures_dir();
    let mut failures = Vec::new();
    for (name, check) in FIXTURES {
        let path = dir.join(name);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        if let Err(e) = check(&bytes) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures that do not decode:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_fixture_is_in_the_table() {
    let listed: BTreeSet<&str> = FIXTURES.iter().map(|(name, _)| *name).collect();
    assert_eq!(listed.len(), FIXTURES.len(), "a fixture is listed twice");
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/engine")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.ends_with(".json"))
        .collect();
    let unlisted: Vec<&String> = on_disk
        .iter()
        .filter(|name| !listed.contains(name.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "fixtures missing from FIXTURES: {unlisted:?}"
    );
}

#[test]
fn the_coverage_table_lists_every_operation_once() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/engine-coverage.md");
    let table = std::fs::read_to_string(&path).expect("docs/engine-coverage.md");
    assert!(
        table.contains(coverage::REFRESH),
        "the table documents its refresh command"
    );
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| {
            l.starts_with("| ")
                && l.split('|')
                    .nth(1)
                    .is_some_and(|c| c.trim().parse::<usize>().is_ok())
        })
        .collect();
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|l| l.split('`').nth(1).map(str::to_owned))
        .collect();
    let expected: Vec<String> = docker_client::OPERATIONS
        .iter()
        .map(|op| op.id.to_owned())
        .collect();
    let mut sorted_ids = ids.clone();
    sorted_ids.sort();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    assert_eq!(
        sorted_ids,
        sorted_expected,
        "the table's operations are the client's OPERATIONS: refresh it with `{}`",
        coverage::REFRESH
    );
    let exercised = coverage::exercised_in(&table).len();
    assert!(
        table.contains(&format!("**{exercised} of {}**", expected.len())),
        "the summary matches the rows"
    );
}

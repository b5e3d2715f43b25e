//! Swarm mode on a single node advertising 127.0.0.1, against the real test engine: the swarm,
//! its node, secrets, configs, a service with its task and logs, and leaving.
//!
//! One test function does it all, so that nothing else in this binary runs while the engine is
//! in a swarm. The service's task runs busybox on an internal overlay network (no way out of
//! the node; the engine runs with `--bridge=none`, and a swarm task cannot use network mode
//! `none`). Run with the test engines up: `eval "$(tests/engine/engine.sh start)"`.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use docker_client::models;
use docker_client::options::{
    ConfigListOptions, NodeDeleteOptions, NodeListOptions, SecretListOptions,
    ServiceInspectOptions, ServiceListOptions, ServiceLogsOptions, SwarmLeaveOptions,
    SwarmUpdateOptions, TaskListOptions, TaskLogsOptions,
};
use docker_client_tests::engine::{
    direct_client, eventually, expect_api_error, no_unknown_enum, output_text, Given, TestEngine,
    LABEL,
};

/// A free loopback port for the swarm's listen address.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().unwrap().port()
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// An update with a version the object no longer has (something else updated it meanwhile).
fn out_of_sequence(err: &docker_client::Error) -> bool {
    err.message().is_some_and(|m| m.contains("out of sequence"))
}

fn filter(key: &str, value: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(key.to_owned(), vec![value.to_owned()])])
}

#[tokio::test(flavor = "multi_thread")]
async fn swarm_on_a_single_node() {
    let t = TestEngine::start().await;
    let direct = direct_client();
    // A swarm left over by an interrupted run would make init fail.
    if direct.swarm_inspect().await.is_ok() {
        direct
            .swarm_leave()
            .options(SwarmLeaveOptions { force: Some(true) })
            .await
            .expect("leave a leftover swarm");
    }
    let had_gwbridge = direct.network_inspect("docker_gwbridge").await.is_ok();
    let result = tokio::time::timeout(Duration::from_secs(120), swarm_flow(&t)).await;
    // Leave whatever happened; then remove the bridge swarm mode made.
    let left = direct
        .swarm_leave()
        .options(SwarmLeaveOptions { force: Some(true) })
        .await;
    if !had_gwbridge {
        let _ = direct.network_delete("docker_gwbridge").await;
    }
    result.expect("the swarm flow takes less than two minutes");
    let err = left.expect_err("the flow left the swarm already");
    assert!(err.is_unavailable(), "{err:?}");
}

async fn swarm_flow(t: &TestEngine) {
    let docker = &t.docker;
    let err = docker
        .swarm_inspect()
        .await
        .expect_err("not in a swarm yet");
    assert!(err.is_unavailable(), "{err:?}");

    // --- The swarm ---------------------------------------------------------------------------
    let listen = format!("127.0.0.1:{}", free_port());
    let node_id = docker
        .swarm_init(models::SwarmInitRequest {
            listen_addr: Some(listen.clone()),
            advertise_addr: Some("127.0.0.1".to_owned()),
            data_path_addr: Some("127.0.0.1".to_owned()),
            spec: Some(models::SwarmSpec {
                labels: Some(t.labels()),
                orchestration: Some(models::SwarmSpecOrchestration {
                    task_history_retention_limit: Some(2),
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .expect("init");
    assert!(!node_id.is_empty());
    let swarm = docker.swarm_inspect().await.expect("inspect");
    no_unknown_enum(&swarm);
    let spec = swarm.spec.clone().expect("Spec");
    assert_eq!(spec.labels.as_ref(), Some(&t.labels()));
    assert_eq!(
        spec.orchestration
            .as_ref()
            .and_then(|o| o.task_history_retention_limit),
        Some(2)
    );
    let tokens = swarm.join_tokens.clone().expect("JoinTokens");
    let worker_token = tokens.worker.expect("a worker token");
    assert!(worker_token.starts_with("SWMTKN-"));
    t.capture("swarm_inspect", "GET", "/swarm", None).await;

    let key = docker.swarm_unlockkey().await.expect("unlock key");
    assert_eq!(
        key.unlock_key.as_deref().unwrap_or(""),
        "",
        "no autolock yet"
    );

    let mut locked = spec.clone();
    locked.encryption_config = Some(models::SwarmSpecEncryptionConfig {
        auto_lock_managers: Some(true),
    });
    let mut attempts = 0;
    let version = loop {
        let version = docker
            .swarm_inspect()
            .await
            .expect("inspect")
            .version
            .and_then(|v| v.index)
            .expect("Version") as i64;
        let options = SwarmUpdateOptions {
            rotate_worker_token: Some(true),
            ..Default::default()
        };
        match docker
            .swarm_update(version, locked.clone())
            .options(options)
            .await
        {
            Ok(()) => break version,
            Err(e) if attempts < 20 && out_of_sequence(&e) => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("update the swarm: {e}"),
        }
    };
    let swarm = docker.swarm_inspect().await.expect("inspect");
    assert_eq!(
        swarm
            .spec
            .as_ref()
            .and_then(|s| s.encryption_config.as_ref())
            .and_then(|e| e.auto_lock_managers),
        Some(true)
    );
    assert_ne!(
        swarm.join_tokens.and_then(|t| t.worker).as_deref(),
        Some(worker_token.as_str()),
        "the worker token was rotated"
    );
    let stale = docker
        .swarm_update(version, spec)
        .await
        .expect_err("an update with a stale version");
    assert!(matches!(stale.status(), Some(400 | 500)), "{stale:?}");
    let key = docker.swarm_unlockkey().await.expect("unlock key");
    let key = key.unlock_key.expect("UnlockKey");
    assert!(key.starts_with("SWMKEY-"), "{key}");
    // Unlocking needs a locked swarm (a restarted manager): this one runs.
    let message = expect_api_error(
        "unlock a swarm that is not locked",
        docker
            .swarm_unlock(models::SwarmUnlockRequest {
                unlock_key: Some(key),
            })
            .await,
        &[409],
    );
    assert!(!message.is_empty());
    let message = expect_api_error(
        "join while in a swarm",
        docker
            .swarm_join(models::SwarmJoinRequest {
                listen_addr: listen.clone(),
                advertise_addr: Some("127.0.0.1".to_owned()),
                data_path_addr: None,
                remote_addrs: vec![listen.clone()],
                join_token: worker_token,
            })
            .await,
        &[503],
    );
    assert!(!message.is_empty());

    // --- The node ----------------------------------------------------------------------------
    let nodes = docker
        .node_list()
        .options(NodeListOptions {
            filters: Some(filter("role", "manager")),
        })
        .await
        .expect("list nodes");
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].id.as_deref(), Some(node_id.as_str()));
    t.capture("node_list", "GET", "/nodes", None).await;
    let node = docker
        .node_inspect(&node_id)
        .await
        .expect("inspect the node");
    no_unknown_enum(&node);
    assert_eq!(
        node.status.as_ref().and_then(|s| s.state.clone()),
        Some(models::NodeState::Ready)
    );
    let manager = node.manager_status.clone().expect("ManagerStatus");
    assert_eq!(manager.leader, Some(true));
    assert_eq!(manager.addr.as_deref(), Some(listen.as_str()));
    t.capture("node_inspect", "GET", &format!("/nodes/{node_id}"), None)
        .await;
    // Right after init the manager still updates its node (status, description), which bumps
    // the node's version: an update with a version just read can come "out of sequence".
    let mut attempts = 0;
    loop {
        let node = docker
            .node_inspect(&node_id)
            .await
            .expect("inspect the node");
        let mut node_spec = node.spec.clone().expect("Spec");
        node_spec.labels = Some(t.labels());
        let version = node.version.and_then(|v| v.index).unwrap() as i64;
        match docker.node_update(&node_id, version).body(node_spec).await {
            Ok(()) => break,
            Err(e) if attempts < 20 && out_of_sequence(&e) => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("update the node: {e}"),
        }
    }
    let node = docker
        .node_inspect(&node_id)
        .await
        .expect("inspect the node");
    assert_eq!(node.spec.and_then(|s| s.labels), Some(t.labels()));
    let message = expect_api_error(
        "remove the only manager",
        docker
            .node_delete(&node_id)
            .options(NodeDeleteOptions { force: Some(false) })
            .await,
        &[400, 412, 500],
    );
    assert!(!message.is_empty());

    // --- Secrets and configs -----------------------------------------------------------------
    let secret_name = t.name("secret");
    let secret = docker
        .secret_create()
        .body(models::SecretCreateBody {
            name: Some(secret_name.clone()),
            labels: Some(t.labels()),
            data: Some(b64("the secret value\n")),
            ..Default::default()
        })
        .await
        .expect("create a secret");
    let secrets = docker
        .secret_list()
        .options(SecretListOptions {
            filters: Some(filter("name", &secret_name)),
        })
        .await
        .expect("list secrets");
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0].id.as_deref(), Some(secret.id.as_str()));
    let inspected = docker.secret_inspect(&secret.id).await.expect("inspect");
    no_unknown_enum(&inspected);
    let mut secret_spec = inspected.spec.clone().expect("Spec");
    assert_eq!(
        secret_spec.data, None,
        "the engine never returns a secret's data"
    );
    t.capture(
        "secret_inspect",
        "GET",
        &format!("/secrets/{}", secret.id),
        None,
    )
    .await;
    let mut labels = t.labels();
    labels.insert("dct.updated".to_owned(), "yes".to_owned());
    secret_spec.labels = Some(labels.clone());
    docker
        .secret_update(
            &secret.id,
            inspected.version.and_then(|v| v.index).unwrap() as i64,
        )
        .body(secret_spec)
        .await
        .expect("update the secret's labels");
    let updated = docker.secret_inspect(&secret.id).await.expect("inspect");
    assert_eq!(updated.spec.and_then(|s| s.labels), Some(labels.clone()));

    let config_name = t.name("config");
    let config = docker
        .config_create()
        .body(models::ConfigCreateBody {
            name: Some(config_name.clone()),
            labels: Some(t.labels()),
            data: Some(b64("the config value\n")),
            ..Default::default()
        })
        .await
        .expect("create a config");
    let configs = docker
        .config_list()
        .options(ConfigListOptions {
            filters: Some(filter("name", &config_name)),
        })
        .await
        .expect("list configs");
    assert_eq!(configs.len(), 1);
    let inspected = docker.config_inspect(&config.id).await.expect("inspect");
    no_unknown_enum(&inspected);
    let mut config_spec = inspected.spec.clone().expect("Spec");
    assert_eq!(config_spec.data, Some(b64("the config value\n")));
    t.capture(
        "config_inspect",
        "GET",
        &format!("/configs/{}", config.id),
        None,
    )
    .await;
    config_spec.labels = Some(labels.clone());
    docker
        .config_update(
            &config.id,
            inspected.version.and_then(|v| v.index).unwrap() as i64,
        )
        .body(config_spec)
        .await
        .expect("update the config's labels");
    let updated = docker.config_inspect(&config.id).await.expect("inspect");
    assert_eq!(updated.spec.and_then(|s| s.labels), Some(labels));
    if let Some(bytes) = t
        .capture(
            "secret_create",
            "POST",
            "/secrets/create",
            Some(
                serde_json::json!({ "Name": t.name("fixture"), "Data": b64("x") })
                    .to_string()
                    .as_bytes(),
            ),
        )
        .await
    {
        let created: models::SecretCreateResponse = serde_json::from_slice(&bytes).unwrap();
        docker.secret_delete(&created.id).await.expect("delete");
    }

    // --- A service, its task and logs --------------------------------------------------------
    // An internal overlay network (no way out of the node) for the task, so that the task lists
    // its network attachment.
    let overlay = docker
        .network_create(models::NetworkCreateRequest {
            name: t.name("overlay"),
            driver: Some("overlay".to_owned()),
            internal: Some(true),
            labels: Some(t.labels()),
            ..Default::default()
        })
        .await
        .expect("create an internal overlay network");
    let overlay_id = overlay.id.clone().given("Id");
    t.remove_network_later(&overlay_id);
    let service_name = t.name("service");
    let task_template = models::TaskSpec {
        container_spec: Some(models::TaskSpecContainerSpec {
            image: Some("busybox:latest".to_owned()),
            command: Some(vec!["sh".to_owned(), "-c".to_owned()]),
            args: Some(vec!["echo hello-from-the-task; exec sleep 300".to_owned()]),
            labels: Some(t.labels()),
            init: Some(true),
            stop_grace_period: Some(1_000_000_000),
            secrets: Some(vec![models::TaskSpecContainerSpecSecretsItem {
                secret_id: Some(secret.id.clone()),
                secret_name: Some(secret_name.clone()),
                file: Some(models::TaskSpecContainerSpecSecretsItemFile {
                    name: Some("the-secret".to_owned()),
                    uid: Some("0".to_owned()),
                    gid: Some("0".to_owned()),
                    mode: Some(0o400),
                }),
            }]),
            configs: Some(vec![models::TaskSpecContainerSpecConfigsItem {
                config_id: Some(config.id.clone()),
                config_name: Some(config_name.clone()),
                file: Some(models::TaskSpecContainerSpecConfigsItemFile {
                    name: Some("/the-config".to_owned()),
                    uid: Some("0".to_owned()),
                    gid: Some("0".to_owned()),
                    mode: Some(0o444),
                }),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        restart_policy: Some(models::TaskSpecRestartPolicy {
            condition: Some(models::TaskSpecRestartPolicyCondition::None),
            ..Default::default()
        }),
        networks: Some(vec![models::NetworkAttachmentConfig {
            target: Some(overlay_id.clone()),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let created = docker
        .service_create(models::ServiceCreateBody {
            name: Some(service_name.clone()),
            labels: Some(t.labels()),
            task_template: Some(task_template),
            mode: Some(models::ServiceSpecMode {
                replicated: Some(models::ServiceSpecModeReplicated { replicas: Some(1) }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .options(Default::default())
        .await
        .expect("create a service");
    no_unknown_enum(&created);
    let service_id = created.id.clone().expect("ID");

    let task = eventually(
        "the service's task to run",
        Duration::from_secs(60),
        || async {
            let tasks = docker
                .task_list()
                .options(TaskListOptions {
                    filters: Some(HashMap::from([
                        ("service".to_owned(), vec![service_id.clone()]),
                        ("desired-state".to_owned(), vec!["running".to_owned()]),
                    ])),
                })
                .await
                .expect("list tasks");
            tasks.into_iter().find(|task| {
                task.status.as_ref().and_then(|s| s.state.clone())
                    == Some(models::TaskState::Running)
            })
        },
    )
    .await;
    no_unknown_enum(&task);
    let task_id = task.id.clone().expect("ID");
    let inspected = docker
        .task_inspect(&task_id)
        .await
        .expect("inspect the task");
    no_unknown_enum(&inspected);
    assert_eq!(inspected.service_id.as_deref(), Some(service_id.as_str()));
    assert_eq!(inspected.node_id.as_deref(), Some(node_id.as_str()));
    // The task's attachment to the overlay network, with its address there.
    let attachments = inspected.networks_attachments.clone().unwrap_or_default();
    let attachment = attachments
        .iter()
        .find(|a| a.network.as_ref().and_then(|n| n.id.as_deref()) == Some(&overlay_id))
        .unwrap_or_else(|| panic!("the overlay network in {attachments:?}"));
    let network = attachment.network.clone().unwrap();
    let network_spec = network.spec.expect("the network's Spec");
    assert_eq!(network_spec.name, Some(t.name("overlay")));
    assert_eq!(network_spec.internal, Some(true));
    assert_eq!(
        network.driver_state.map(|d| d.name),
        Some("overlay".to_owned())
    );
    let addresses = attachment.addresses.clone().unwrap_or_default();
    assert!(
        addresses.len() == 1 && addresses[0].contains('/'),
        "{addresses:?}"
    );
    t.capture("task_inspect", "GET", &format!("/tasks/{task_id}"), None)
        .await;
    t.capture(
        "task_list",
        "GET",
        &format!("/tasks?filters=%7B%22service%22%3A%5B%22{service_id}%22%5D%7D"),
        None,
    )
    .await;

    // The secret and the config are in the task's container.
    let container = inspected
        .status
        .and_then(|s| s.container_status)
        .and_then(|c| c.container_id)
        .expect("the task's container");
    t.remove_container_later(&container);
    let exec = docker
        .container_exec(
            &container,
            models::ExecConfig {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(vec![
                    "cat".to_owned(),
                    "/run/secrets/the-secret".to_owned(),
                    "/the-config".to_owned(),
                ]),
                ..Default::default()
            },
        )
        .await
        .expect("exec in the task's container");
    let (stdout, stderr) = output_text(
        docker
            .exec_start(&exec.id)
            .exec_start_config(models::ExecStartConfig::default())
            .await
            .expect("exec start")
            .output,
    )
    .await;
    assert_eq!(stdout, "the secret value\nthe config value\n", "{stderr}");

    let logs = eventually("the task's logs", Duration::from_secs(20), || async {
        let (stdout, _) = output_text(
            docker
                .task_logs(&task_id)
                .options(TaskLogsOptions {
                    stdout: Some(true),
                    stderr: Some(true),
                    ..Default::default()
                })
                .await
                .expect("task logs"),
        )
        .await;
        stdout.contains("hello-from-the-task").then_some(stdout)
    })
    .await;
    assert_eq!(logs, "hello-from-the-task\n");
    let (logs, _) = output_text(
        docker
            .service_logs(&service_id)
            .options(ServiceLogsOptions {
                stdout: Some(true),
                details: Some(true),
                timestamps: Some(true),
                tail: Some("all".to_owned()),
                ..Default::default()
            })
            .await
            .expect("service logs"),
    )
    .await;
    assert!(logs.contains("hello-from-the-task"), "{logs}");

    let service = docker
        .service_inspect(&service_id)
        .options(ServiceInspectOptions {
            insert_defaults: Some(true),
        })
        .await
        .expect("inspect the service");
    no_unknown_enum(&service);
    let mut spec = service.spec.clone().expect("Spec");
    assert_eq!(spec.name.as_deref(), Some(service_name.as_str()));
    t.capture(
        "service_inspect",
        "GET",
        &format!("/services/{service_id}?insertDefaults=true"),
        None,
    )
    .await;
    let services = docker
        .service_list()
        .options(ServiceListOptions {
            filters: Some(filter("label", &format!("{LABEL}={}", t.run))),
            status: Some(true),
        })
        .await
        .expect("list services");
    assert_eq!(services.len(), 1);
    let status = services[0].service_status.clone().expect("ServiceStatus");
    assert_eq!(status.desired_tasks, Some(1));
    t.capture("service_list", "GET", "/services?status=true", None)
        .await;

    let mut labels = spec.labels.clone().unwrap_or_default();
    labels.insert("dct.updated".to_owned(), "yes".to_owned());
    spec.labels = Some(labels.clone());
    let update = models::ServiceUpdateBody {
        name: spec.name.clone(),
        labels: spec.labels.clone(),
        task_template: spec.task_template.clone(),
        mode: spec.mode.clone(),
        update_config: spec.update_config.clone(),
        rollback_config: spec.rollback_config.clone(),
        networks: spec.networks.clone(),
        endpoint_spec: spec.endpoint_spec.clone(),
    };
    let updated = docker
        .service_update(
            &service_id,
            service.version.and_then(|v| v.index).unwrap() as i64,
            update,
        )
        .options(Default::default())
        .await
        .expect("update the service");
    no_unknown_enum(&updated);
    let service = docker
        .service_inspect(&service_id)
        .await
        .expect("inspect the service");
    no_unknown_enum(&service);
    assert_eq!(service.spec.and_then(|s| s.labels), Some(labels));
    // The spec before the update.
    let previous = service.previous_spec.expect("PreviousSpec");
    assert_eq!(previous.name.as_deref(), Some(service_name.as_str()));
    assert_eq!(previous.labels, Some(t.labels()));
    t.capture(
        "service_inspect_updated",
        "GET",
        &format!("/services/{service_id}"),
        None,
    )
    .await;

    let in_use = expect_api_error(
        "delete a secret a service uses",
        docker.secret_delete(&secret.id).await,
        &[400, 409, 500],
    );
    assert!(!in_use.is_empty());
    docker
        .service_delete(&service_id)
        .await
        .expect("delete the service");
    let gone = docker
        .service_inspect(&service_id)
        .await
        .expect_err("deleted");
    assert!(gone.is_not_found(), "{gone:?}");
    // The task's container goes away with the service; then the secret and config are free.
    eventually(
        "the task's container to go",
        Duration::from_secs(30),
        || async {
            docker
                .container_inspect(&container)
                .await
                .is_err()
                .then_some(())
        },
    )
    .await;
    docker
        .secret_delete(&secret.id)
        .await
        .expect("delete the secret");
    docker
        .config_delete(&config.id)
        .await
        .expect("delete the config");
    assert!(docker
        .secret_inspect(&secret.id)
        .await
        .unwrap_err()
        .is_not_found());
    assert!(docker
        .config_inspect(&config.id)
        .await
        .unwrap_err()
        .is_not_found());

    // --- Leaving -----------------------------------------------------------------------------
    let message = expect_api_error(
        "leave as the last manager without force",
        docker.swarm_leave().await,
        &[503],
    );
    assert!(!message.is_empty());
    docker
        .swarm_leave()
        .options(SwarmLeaveOptions { force: Some(true) })
        .await
        .expect("leave");
    let err = docker.swarm_inspect().await.expect_err("left");
    assert!(err.is_unavailable(), "{err:?}");
}

//! Plugin operations against the real test engine, with a managed plugin built locally (its
//! process is a tiny static program that listens on the plugin socket). Operations that need a
//! registry answer with typed errors.
//!
//! Run with the test engines up: `eval "$(tests/engine/engine.sh start)"`, then `cargo test -p docker-client-tests --features engine`.

use std::collections::HashMap;

use docker_client::options::{
    PluginDeleteOptions, PluginDisableOptions, PluginEnableOptions, PluginListOptions,
};
use docker_client_tests::engine::{expect_api_error, no_unknown_enum, plugin_context, TestEngine};
use futures::StreamExt;

#[tokio::test(flavor = "multi_thread")]
async fn plugin_lifecycle() {
    let t = TestEngine::start().await;
    let name = format!("{}-plugin:latest", t.run);
    t.remove_plugin_later(&name);

    let before = t.docker.plugin_list().await.expect("list");
    assert!(before.iter().all(|p| p.name != name));

    t.docker
        .plugin_create(&name)
        .tar_context(plugin_context())
        .await
        .expect("create");
    let plugin = t.docker.plugin_inspect(&name).await.expect("inspect");
    no_unknown_enum(&plugin);
    assert_eq!(plugin.name, name);
    assert!(!plugin.enabled);
    assert_eq!(plugin.config.description, "docker-client test plugin");
    assert_eq!(
        plugin.config.entrypoint,
        vec!["/sockd", "/run/docker/plugins/p.sock"]
    );
    assert_eq!(plugin.settings.env, vec!["DEBUG=0"]);
    let id = plugin.id.clone().expect("Id");
    t.capture(
        "plugin_inspect",
        "GET",
        &format!("/plugins/{name}/json"),
        None,
    )
    .await;

    t.docker
        .plugin_set(&name)
        .body(vec!["DEBUG=1".to_owned()])
        .await
        .expect("set");
    let plugin = t.docker.plugin_inspect(&id).await.expect("inspect by id");
    assert_eq!(plugin.settings.env, vec!["DEBUG=1"]);
    let message = expect_api_error(
        "set a setting the plugin does not declare",
        t.docker
            .plugin_set(&name)
            .body(vec!["NOPE=1".to_owned()])
            .await,
        &[400, 500],
    );
    assert!(!message.is_empty());

    t.docker
        .plugin_enable(&name)
        .options(PluginEnableOptions { timeout: Some(10) })
        .await
        .expect("enable");
    assert!(t.docker.plugin_inspect(&name).await.unwrap().enabled);
    let enabled = t
        .docker
        .plugin_list()
        .options(PluginListOptions {
            filters: Some(HashMap::from([
                ("enabled".to_owned(), vec!["true".to_owned()]),
                ("capability".to_owned(), vec!["volumedriver".to_owned()]),
            ])),
        })
        .await
        .expect("list enabled volume drivers");
    assert!(enabled.iter().any(|p| p.name == name), "{enabled:?}");
    t.capture("plugin_list", "GET", "/plugins", None).await;

    let in_use = expect_api_error(
        "delete an enabled plugin",
        t.docker.plugin_delete(&name).await,
        &[409, 500],
    );
    assert!(!in_use.is_empty());

    t.docker
        .plugin_disable(&name)
        .options(PluginDisableOptions { force: Some(false) })
        .await
        .expect("disable");
    assert!(!t.docker.plugin_inspect(&name).await.unwrap().enabled);
    let message = expect_api_error(
        "disable a disabled plugin",
        t.docker.plugin_disable(&name).await,
        &[409],
    );
    assert!(!message.is_empty());

    // Push needs a registry: the engine starts answering, then reports the failure in the stream.
    let mut pushed = t.docker.plugin_push(&name).await.expect("push starts");
    let mut failure = None;
    while let Some(message) = pushed.next().await {
        match message {
            Ok(message) => no_unknown_enum(&message),
            Err(e) => failure = Some(e),
        }
    }
    match failure {
        Some(docker_client::Error::Stream { message, .. }) => assert!(!message.is_empty()),
        other => panic!("expected a stream error from push, got {other:?}"),
    }
    // Upgrade pulls the new version: with no registry, a typed error.
    let message = expect_api_error(
        "upgrade from a registry",
        t.docker
            .plugin_upgrade(&name, &format!("{}-plugin:v2", t.run))
            .body(vec![])
            .options(Default::default())
            .await,
        &[500],
    );
    assert!(!message.is_empty());

    t.docker
        .plugin_delete(&name)
        .options(PluginDeleteOptions { force: Some(false) })
        .await
        .expect("delete");
    let gone = t.docker.plugin_inspect(&name).await.expect_err("deleted");
    assert!(gone.is_not_found(), "{gone:?}");
}

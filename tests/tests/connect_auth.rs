//! Registry credentials: read from config.json like the CLI, sent as base64url JSON, and never
//! shown in `Debug`, `Display` or error messages.

mod connect_support;

use std::collections::HashMap;

use base64::Engine;
use connect_support::Scratch;
use docker_client::options::{ImageBuildOptions, ImageCreateOptions};
use docker_client::{
    image_registry, models::AuthConfig, registry_key, CredentialSource, CredentialStore,
    RegistryAuth, TlsConfig, DOCKER_HUB,
};
use docker_client_tests::mock::{MockEngine, MockResponse};
use futures::StreamExt;

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn config_json() -> String {
    serde_json::json!({
        "auths": {
            "https://index.docker.io/v1/": {"auth": b64("hubuser:hub-pass-s3cret")},
            "https://ghcr.io": {"auth": b64("octo:ghcr-pass-s3cret"), "email": "octo@example.com"},
            "localhost:5000": {"identitytoken": "local-token-s3cret"},
            "registry.example:443": {"username": "old", "password": "old-format-s3cret"},
            "empty.example": {}
        },
        "currentContext": "default"
    })
    .to_string()
}

#[test]
fn registry_names_normalise_like_the_cli() {
    for hub in [
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
        "https://index.docker.io/v1/",
        "https://index.docker.io/v1",
        "http://index.docker.io",
    ] {
        assert_eq!(registry_key(hub), DOCKER_HUB, "{hub}");
    }
    assert_eq!(registry_key("https://ghcr.io/v2/"), "ghcr.io");
    assert_eq!(registry_key("localhost:5000"), "localhost:5000");
    assert_eq!(image_registry("busybox"), "docker.io");
    assert_eq!(image_registry("library/busybox:1.36"), "docker.io");
    assert_eq!(image_registry("ghcr.io/acme/app:1.0"), "ghcr.io");
    assert_eq!(image_registry("localhost:5000/app"), "localhost:5000");
    assert_eq!(image_registry("localhost/app"), "localhost");
}

#[test]
fn credentials_come_from_the_auths_entries() {
    let auth = RegistryAuth::from_json(&config_json()).unwrap();
    for hub in ["docker.io", "index.docker.io", DOCKER_HUB] {
        let found = auth.get(hub).unwrap().expect("Docker Hub credentials");
        assert_eq!(found.username.as_deref(), Some("hubuser"));
        assert_eq!(found.password.as_deref(), Some("hub-pass-s3cret"));
        assert_eq!(found.serveraddress.as_deref(), Some(DOCKER_HUB));
    }
    assert_eq!(
        auth.for_image("busybox:latest")
            .unwrap()
            .unwrap()
            .username
            .as_deref(),
        Some("hubuser")
    );
    // A key with a scheme matches the bare host name.
    let ghcr = auth.for_image("ghcr.io/acme/app:1.0").unwrap().unwrap();
    assert_eq!(ghcr.username.as_deref(), Some("octo"));
    assert_eq!(ghcr.password.as_deref(), Some("ghcr-pass-s3cret"));
    // `email` is deprecated and never sent, whatever config.json says.
    assert_eq!(ghcr.email, None);
    assert_eq!(ghcr.serveraddress.as_deref(), Some("ghcr.io"));
    // An identity token instead of a password.
    let local = auth.get("localhost:5000").unwrap().unwrap();
    assert_eq!(local.identitytoken.as_deref(), Some("local-token-s3cret"));
    assert_eq!(local.password, None);
    // The old username/password fields.
    let old = auth.get("registry.example:443").unwrap().unwrap();
    assert_eq!(old.password.as_deref(), Some("old-format-s3cret"));
    // No entry, or an entry without a secret: no credentials.
    assert_eq!(auth.get("quay.io").unwrap(), None);
    assert_eq!(auth.get("empty.example").unwrap(), None);
    assert_eq!(auth.source("quay.io"), CredentialSource::ConfigFile);
    // The map for X-Registry-Config.
    let all = auth.all().unwrap();
    let mut keys: Vec<&str> = all.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "ghcr.io",
            DOCKER_HUB,
            "localhost:5000",
            "registry.example:443"
        ]
    );
    // Through the trait, for code that takes any store.
    let store: &dyn CredentialStore = &auth;
    assert!(store.credentials("ghcr.io").unwrap().is_some());
}

#[test]
fn credentials_come_from_docker_config_or_home() {
    let scratch = Scratch::new("auth-file");
    let path = scratch.write("config.json", config_json());
    let auth = RegistryAuth::from_file(&path).unwrap();
    assert!(auth.get("ghcr.io").unwrap().is_some());
    // A missing file has no credentials; a broken one is an error naming it.
    let none = RegistryAuth::from_file(scratch.path().join("absent.json")).unwrap();
    assert_eq!(none.get("ghcr.io").unwrap(), None);
    let broken = scratch.write("broken.json", "{\"auths\": [");
    let error = RegistryAuth::from_file(&broken).unwrap_err();
    assert!(
        error.to_string().contains(&broken.display().to_string()),
        "{error}"
    );
}

#[test]
fn credential_helpers_are_run_like_the_cli() {
    let scratch = Scratch::new("helpers");
    let helper = "#!/bin/sh\n\
        [ \"$1\" = get ] || exit 2\n\
        read -r server\n\
        case \"$server\" in\n\
          ghcr.io) echo '{\"ServerURL\":\"ghcr.io\",\"Username\":\"octo\",\"Secret\":\"helper-pass-s3cret\"}' ;;\n\
          https://index.docker.io/v1/) echo '{\"ServerURL\":\"hub\",\"Username\":\"<token>\",\"Secret\":\"helper-token-s3cret\"}' ;;\n\
          broken.example) echo 'panic: helper-leak-s3cret'; exit 3 ;;\n\
          *) echo 'credentials not found in native keychain'; exit 1 ;;\n\
        esac\n";
    let path = scratch.write("bin/docker-credential-fake", helper);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = serde_json::json!({
        "auths": {"quay.io": {"auth": b64("q:quay-pass-s3cret")}},
        "credsStore": "fake",
        "credHelpers": {"quay.io": ""}
    });
    let auth = RegistryAuth::from_json(&config.to_string())
        .unwrap()
        .helper_dir(scratch.path().join("bin"));
    assert_eq!(
        auth.source("ghcr.io"),
        CredentialSource::Helper("fake".into())
    );
    let ghcr = auth.get("ghcr.io").unwrap().unwrap();
    assert_eq!(ghcr.username.as_deref(), Some("octo"));
    assert_eq!(ghcr.password.as_deref(), Some("helper-pass-s3cret"));
    let hub = auth.get("docker.io").unwrap().unwrap();
    assert_eq!(hub.identitytoken.as_deref(), Some("helper-token-s3cret"));
    assert_eq!(hub.username, None);
    assert_eq!(auth.get("nothing.example").unwrap(), None);
    let error = auth.get("broken.example").unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("docker-credential-fake"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

/// A helper that answers only once a file exists: under `get_async`, the task that creates it
/// runs on the same single thread while the helper waits. A blocking call would not let it, and
/// the helper gives up after 10 s.
#[tokio::test(flavor = "current_thread")]
async fn async_lookups_run_helpers_off_the_runtime_thread() {
    let scratch = Scratch::new("helper-async");
    let gate = scratch.path().join("gate");
    let helper = format!(
        "#!/bin/sh\n\
         read -r server\n\
         i=0; while [ ! -e '{gate}' ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done\n\
         [ -e '{gate}' ] || exit 4\n\
         echo '{{\"ServerURL\":\"x\",\"Username\":\"octo\",\"Secret\":\"async-s3cret\"}}'\n",
        gate = gate.display()
    );
    let path = scratch.write("bin/docker-credential-gated", helper);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let auth = RegistryAuth::from_json(r#"{"credsStore": "gated"}"#)
        .unwrap()
        .helper_dir(scratch.path().join("bin"));

    let opener = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        std::fs::write(gate, b"").unwrap();
    });
    let found = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        auth.for_image_async("ghcr.io/acme/app"),
    )
    .await
    .expect("the helper ran while the runtime's one thread went on")
    .unwrap()
    .expect("credentials");
    assert_eq!(found.password.as_deref(), Some("async-s3cret"));
    opener.await.unwrap();

    // Config-file credentials need no helper, and come back the same way.
    let plain = RegistryAuth::from_json(&config_json()).unwrap();
    assert_eq!(
        plain.get_async("ghcr.io").await.unwrap(),
        plain.get("ghcr.io").unwrap()
    );
    assert_eq!(
        plain.all_async().await.unwrap().len(),
        plain.all().unwrap().len()
    );
}

#[tokio::test]
async fn credentials_travel_as_base64url_json_headers() {
    let engine = MockEngine::respond_with(MockResponse::ndjson(
        &[serde_json::json!({"status": "ok"})],
        64,
    ));
    let docker = engine.docker();
    let credentials = RegistryAuth::from_json(&config_json()).unwrap();
    let auth = credentials.for_image("ghcr.io/acme/app:1.0").unwrap();
    let options = ImageCreateOptions {
        from_image: Some("ghcr.io/acme/app".into()),
        tag: Some("1.0".into()),
        x_registry_auth: auth.clone(),
        ..Default::default()
    };
    let mut stream = docker.image_create().options(options).await.unwrap();
    while stream.next().await.is_some() {}
    let build = ImageBuildOptions {
        x_registry_config: Some(credentials.all().unwrap()),
        ..Default::default()
    };
    let mut stream = docker.image_build().options(build).await.unwrap();
    while stream.next().await.is_some() {}

    let requests = engine.requests();
    let decode = |value: &str| -> serde_json::Value {
        let json = base64::engine::general_purpose::URL_SAFE
            .decode(value)
            .expect("base64url");
        serde_json::from_slice(&json).expect("JSON")
    };
    let header = requests[0]
        .header("x-registry-auth")
        .expect("X-Registry-Auth");
    assert_eq!(
        decode(header),
        serde_json::json!({
            "username": "octo",
            "password": "ghcr-pass-s3cret",
            "serveraddress": "ghcr.io"
        })
    );
    let back: AuthConfig = serde_json::from_value(decode(header)).unwrap();
    assert_eq!(Some(back), auth);
    let header = requests[1]
        .header("x-registry-config")
        .expect("X-Registry-Config");
    let map: HashMap<String, AuthConfig> = serde_json::from_value(decode(header)).unwrap();
    assert_eq!(map, credentials.all().unwrap());
}

#[tokio::test]
async fn secrets_never_appear_in_debug_display_or_errors() {
    const SECRETS: [&str; 4] = [
        "hub-pass-s3cret",
        "ghcr-pass-s3cret",
        "local-token-s3cret",
        "old-format-s3cret",
    ];
    let assert_clean = |what: &str, text: &str| {
        assert!(!text.contains("s3cret"), "{what} shows a secret: {text}");
        for secret in SECRETS {
            assert!(
                !text.contains(&b64(secret)[..12]),
                "{what} shows encoded {secret}: {text}"
            );
        }
        assert!(
            !text.contains(&b64("hubuser:hub-pass-s3cret")),
            "{what}: {text}"
        );
    };
    let credentials = RegistryAuth::from_json(&config_json()).unwrap();
    assert_clean("RegistryAuth Debug", &format!("{credentials:?}"));
    for registry in [
        "docker.io",
        "ghcr.io",
        "localhost:5000",
        "registry.example:443",
    ] {
        let auth = credentials.get(registry).unwrap().unwrap();
        assert_clean("AuthConfig Debug", &format!("{auth:?}"));
        assert_clean("AuthConfig Debug", &format!("{auth:#?}"));
    }
    let all = credentials.all().unwrap();
    assert_clean("X-Registry-Config map Debug", &format!("{all:?}"));

    // A malformed entry: the error names the entry, not its content.
    for bad in ["!!not-base64-s3cret!!", &b64("no-colon-s3cret")] {
        let config = serde_json::json!({"auths": {"bad.example": {"auth": bad}}});
        let error = RegistryAuth::from_json(&config.to_string())
            .unwrap()
            .get("bad.example")
            .unwrap_err();
        let shown = format!("{error} / {error:?}");
        assert!(shown.contains("bad.example"), "{shown}");
        assert_clean("auth error", &shown);
        assert!(!shown.contains(bad), "{shown}");
    }
    // A config file that is not JSON: serde's message names a position, not the text.
    let error =
        RegistryAuth::from_json("{\"auths\": {\"x\": {\"auth\": \"tail-s3cret\" oops").unwrap_err();
    assert_clean("config parse error", &format!("{error} / {error:?}"));

    // A request the engine refuses: the error does not echo the credentials.
    let engine = MockEngine::respond_with(MockResponse::error(
        401,
        "unauthorized: authentication required",
    ));
    let options = ImageCreateOptions {
        from_image: Some("ghcr.io/acme/app".into()),
        x_registry_auth: credentials.get("ghcr.io").unwrap(),
        ..Default::default()
    };
    let error = engine
        .docker()
        .image_create()
        .options(options.clone())
        .await
        .unwrap_err();
    assert!(error.is_unauthorized());
    assert_clean("API error", &format!("{error} / {error:?}"));

    // The options that carry the credentials, and the client that sent them.
    assert_clean("ImageCreateOptions Debug", &format!("{options:?}"));
    let build = ImageBuildOptions {
        x_registry_config: Some(all.clone()),
        ..Default::default()
    };
    assert_clean("ImageBuildOptions Debug", &format!("{build:?}"));
    assert_clean("Docker Debug", &format!("{:?}", engine.docker()));

    // TLS keys: Debug names where the key came from, never its text; a bad key's error neither.
    let key = "-----BEGIN PRIVATE KEY-----\nTUlJQ-key-s3cret-material\n-----END PRIVATE KEY-----\n";
    let tls = TlsConfig::new().client_cert_pem(include_str!("connect_support/unused-ca.pem"), key);
    assert_clean("TlsConfig Debug", &format!("{tls:?}"));
    let error = docker_client::Docker::builder()
        .host("tcp://127.0.0.1:2376")
        .tls(tls)
        .build()
        .unwrap_err();
    assert_clean("TLS key error", &format!("{error} / {error:?}"));
    assert!(error.to_string().contains("client key"), "{error}");
}

/// A secret known to the test: in no message, no `Debug`, neither as it is nor in base64.
const KNOWN: &str = "K7-kn0wn-s3cret-Q9";

fn assert_never_shown(what: &str, text: &str) {
    let forms = [
        KNOWN.to_owned(),
        b64(KNOWN),
        b64(&format!("user:{KNOWN}")),
        base64::engine::general_purpose::URL_SAFE.encode(KNOWN),
        // A fragment, for encodings that shift it.
        KNOWN[3..12].to_owned(),
    ];
    for form in forms {
        assert!(!text.contains(&form), "{what} shows {form:?}: {text}");
    }
}

/// The message and the `Debug` of an error.
fn shown(error: &docker_client::Error) -> String {
    format!("{error} / {error:?}")
}

#[test]
fn no_config_json_value_reaches_an_error() {
    let user_pass = b64(&format!("user:{KNOWN}"));
    let not_utf8 = base64::engine::general_purpose::STANDARD
        .encode([&[0xff, 0xfe][..], KNOWN.as_bytes()].concat());
    let documents = [
        // Values of the wrong type: serde would quote them.
        format!(r#"{{"auths":{{"r":"{user_pass}"}}}}"#),
        format!(r#"{{"auths":{{"r":{{"auth":["{user_pass}"]}}}}}}"#),
        format!(r#"{{"auths":{{"r":{{"auth":{{"x":"{KNOWN}"}}}}}}}}"#),
        format!(r#"{{"auths":{{"r":{{"auth":7,"password":"{KNOWN}"}}}}}}"#),
        format!(r#"{{"auths":{{"r":{{"password":["{KNOWN}"]}}}}}}"#),
        format!(r#"{{"auths":{{"r":{{"password":{{"p":"{KNOWN}"}}}}}}}}"#),
        format!(r#"{{"auths":{{"r":{{"identitytoken":["{KNOWN}"]}}}}}}"#),
        format!(r#"{{"auths":{{"r":{{"registrytoken":{{"t":"{KNOWN}"}}}}}}}}"#),
        format!(r#"{{"auths":["{user_pass}"]}}"#),
        format!(r#"{{"credsStore":{{"x":"{KNOWN}"}}}}"#),
        format!(r#"{{"credHelpers":{{"r":["{KNOWN}"]}}}}"#),
        format!(r#"{{"currentContext":["{KNOWN}"]}}"#),
        // Text that is not JSON around a secret.
        format!(r#"{{"auths":{{"r":{{"auth":"{user_pass}" oops"#),
        format!(r#"{{"auths":{{"r":{{"auth":"{user_pass}"#),
        format!(r#"{{"auths":{{"r":{{"password":"{KNOWN}\q"}}}}}}"#),
        format!("{{\"auths\":{{\"r\":{{\"password\":\"{KNOWN}\u{1}\"}}}}}}"),
        format!(r#"{{"auths":{{"r":{{"password":"{KNOWN}"}}}}}} {KNOWN}"#),
    ];
    let scratch = Scratch::new("no-secret");
    for (i, document) in documents.iter().enumerate() {
        let error = RegistryAuth::from_json(document).unwrap_err();
        assert_never_shown(&format!("document {i} (from_json)"), &shown(&error));
        let path = scratch.write(&format!("{i}/config.json"), document);
        let error = RegistryAuth::from_file(&path).unwrap_err();
        assert_never_shown(&format!("document {i} (from_file)"), &shown(&error));
        assert!(
            shown(&error).contains(&path.display().to_string()),
            "{}",
            shown(&error)
        );
        // The engine is looked for through the same file (its currentContext).
        let error = docker_client::DockerBuilder::from_env_vars([(
            "DOCKER_CONFIG",
            path.parent().unwrap().to_str().unwrap(),
        )])
        .unwrap_err();
        assert_never_shown(&format!("document {i} (from_env_vars)"), &shown(&error));
    }

    // `auth` values that are malformed: named by their entry, never quoted.
    for auth in [
        format!("!!{KNOWN}!!"),
        b64(KNOWN),
        not_utf8,
        format!("{user_pass}{KNOWN}"),
    ] {
        let document = serde_json::json!({ "auths": { "bad.example": { "auth": auth } } });
        let credentials = RegistryAuth::from_json(&document.to_string()).unwrap();
        assert_never_shown("RegistryAuth Debug", &format!("{credentials:?}"));
        let error = credentials.get("bad.example").unwrap_err();
        assert_never_shown("a malformed auth", &shown(&error));
        assert!(shown(&error).contains("bad.example"), "{}", shown(&error));
        let error = credentials.all().unwrap_err();
        assert_never_shown("a malformed auth, all", &shown(&error));
    }

    // Credentials that decode: in no Debug.
    for entry in [
        serde_json::json!({ "auth": user_pass }),
        serde_json::json!({ "username": "user", "password": KNOWN }),
        serde_json::json!({ "identitytoken": KNOWN }),
        serde_json::json!({ "registrytoken": KNOWN }),
    ] {
        let document = serde_json::json!({ "auths": { "ok.example": entry } });
        let credentials = RegistryAuth::from_json(&document.to_string()).unwrap();
        assert_never_shown("RegistryAuth Debug", &format!("{credentials:?}"));
        let auth = credentials.get("ok.example").unwrap().expect("credentials");
        assert_never_shown("AuthConfig Debug", &format!("{auth:?} {auth:#?}"));
    }
}

#[test]
fn no_credential_helper_answer_reaches_an_error() {
    let scratch = Scratch::new("helper-secret");
    let script = format!(
        "#!/bin/sh\n\
         read -r server\n\
         case \"$server\" in\n\
           wrong-type.example) echo '{{\"Username\":\"u\",\"Secret\":[\"{KNOWN}\"]}}' ;;\n\
           not-json.example) echo '{KNOWN} is not JSON' ;;\n\
           fails.example) echo '{KNOWN}'; echo '{KNOWN}' >&2; exit 5 ;;\n\
           truncated.example) printf '{{\"Username\":\"u\",\"Secret\":\"{KNOWN}' ;;\n\
         esac\n"
    );
    let path = scratch.write("bin/docker-credential-leaky", script);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let credentials = RegistryAuth::from_json(r#"{"credsStore":"leaky"}"#)
        .unwrap()
        .helper_dir(scratch.path().join("bin"));
    for registry in [
        "wrong-type.example",
        "not-json.example",
        "fails.example",
        "truncated.example",
    ] {
        let error = credentials.get(registry).unwrap_err();
        assert_never_shown(registry, &shown(&error));
        assert!(
            shown(&error).contains("docker-credential-leaky"),
            "{}",
            shown(&error)
        );
    }
}

#[test]
fn no_tls_key_reaches_an_error_or_debug() {
    let scratch = Scratch::new("key-secret");
    let cert = include_str!("connect_support/unused-ca.pem");
    let pem_key = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        b64(&format!("{KNOWN}{KNOWN}{KNOWN}"))
    );
    for (i, key) in [
        pem_key.clone(),
        format!("{KNOWN}\n"),
        format!("-----BEGIN PRIVATE KEY-----\n{KNOWN}\n"),
        format!("-----BEGIN RSA PRIVATE KEY-----\n{KNOWN}!!\n-----END RSA PRIVATE KEY-----\n"),
    ]
    .iter()
    .enumerate()
    {
        let tls = TlsConfig::new().client_cert_pem(cert, key.as_str());
        assert_never_shown("TlsConfig Debug", &format!("{tls:?}"));
        let error = docker_client::Docker::builder()
            .host("tcp://127.0.0.1:2376")
            .tls(tls)
            .build()
            .unwrap_err();
        assert_never_shown(&format!("key {i}"), &shown(&error));

        // The same from files, as DOCKER_CERT_PATH holds them.
        scratch.write(&format!("{i}/ca.pem"), cert);
        scratch.write(&format!("{i}/cert.pem"), cert);
        scratch.write(&format!("{i}/key.pem"), key);
        let dir = scratch.path().join(i.to_string());
        let builder = docker_client::DockerBuilder::from_env_vars([
            ("DOCKER_HOST", "tcp://127.0.0.1:2376"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", dir.to_str().unwrap()),
        ])
        .unwrap();
        assert_never_shown("DockerBuilder Debug", &format!("{builder:?}"));
        let error = builder.build().unwrap_err();
        assert_never_shown(&format!("key file {i}"), &shown(&error));
        assert!(shown(&error).contains("key.pem"), "{}", shown(&error));
    }
}

#[tokio::test]
async fn no_credential_sent_reaches_an_error() {
    // An engine that closes every connection without answering.
    let engine = MockEngine::start(|_| MockResponse::status(200));
    drop(engine);
    let scratch = Scratch::new("closed-engine");
    let socket = scratch.path().join("docker.sock");
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            use tokio::io::AsyncReadExt;
            let mut buf = vec![0u8; 64 * 1024];
            let _ = stream.read(&mut buf).await;
        }
    });
    let docker = docker_client::Docker::connect_unix(&socket).unwrap();
    let auth = AuthConfig {
        username: Some("user".into()),
        password: Some(KNOWN.into()),
        serveraddress: Some("ghcr.io".into()),
        ..Default::default()
    };
    let options = ImageCreateOptions {
        from_image: Some("ghcr.io/acme/app".into()),
        x_registry_auth: Some(auth.clone()),
        ..Default::default()
    };
    assert_never_shown("ImageCreateOptions Debug", &format!("{options:?}"));
    let error = docker.image_create().options(options).await.unwrap_err();
    assert_never_shown("a failed image_create", &shown(&error));
    // Build arguments travel in the query: a failed request does not show its URL.
    let build = ImageBuildOptions {
        buildargs: Some(HashMap::from([("TOKEN".to_owned(), KNOWN.to_owned())])),
        x_registry_config: Some(HashMap::from([("ghcr.io".to_owned(), auth)])),
        ..Default::default()
    };
    let error = docker.image_build().options(build).await.unwrap_err();
    assert_never_shown("a failed image_build", &shown(&error));
}

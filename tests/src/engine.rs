//! Access to the real test engines started by `tests/engine/engine.sh`, for the engine tests
//! (`tests/tests/engine_*.rs`).
//!
//! - [`TestEngine::start`] connects to the engine named by `DOCKER_HOST` (and fails, never skips,
//!   when it is not set), makes sure `busybox:latest` is there (importing it from
//!   `BUSYBOX_ROOTFS_TAR` through the client's own `image_create` when it is not), and gives the
//!   test a unique name and label for everything it creates. Dropping it removes what the test
//!   created, also when the test failed. [`TestEngine::from_env`] does the same with the client
//!   a user gets from `Docker::from_env()`.
//! - `cargo xtask test` runs the engine tests once per engine, with `DOCKER_HOST` pointing at it;
//!   [`engine_name`] tells which one it is (`v26`, `v28`, `v20`, `podman`).
//! - The test's client talks to the engine through a small recording relay on a private unix
//!   socket: each request is passed on as it is (plus `Connection: close`) and its method, path
//!   and status are appended to `target/engine-coverage/`. [`coverage`] turns those records into
//!   `docs/engine-coverage.md`, so the table says what the engine really answered.
//! - Helpers to read container output, build and read tar archives, read websocket frames, and
//!   check that decoded values hold no enum value the spec does not declare.
//! - [`TestEngine::capture`] saves raw engine responses as the fixtures that
//!   `tests/tests/fixtures.rs` replays (with `DOCKER_CLIENT_CAPTURE_FIXTURES=1`).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use docker_client::models;
use docker_client::options::{
    ContainerCreateOptions, ContainerDeleteOptions, ContainerListOptions, ImageCreateOptions,
    ImageDeleteOptions, NetworkListOptions, PluginDeleteOptions, VolumeDeleteOptions,
    VolumeListOptions,
};
use docker_client::{Docker, Error};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

/// What to do when the engine tests find no engine.
pub const HOW_TO_START: &str = "the engine tests need the throwaway test engines: start them \
     with `eval \"$(tests/engine/engine.sh start)\"` in this shell and run the tests again \
     (or run every test, engines included, with `cargo xtask test`)";

/// The label every object a test creates carries; its value is the test's [`TestEngine::run`].
pub const LABEL: &str = "dev.docker-client-tests.run";

/// The image the tests run: busybox, imported from `BUSYBOX_ROOTFS_TAR`.
pub const BUSYBOX: &str = "busybox:latest";

/// An environment variable the engine tests need; panics with [`HOW_TO_START`] when unset.
pub fn required_env(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!("{name} is not set: {HOW_TO_START}"),
    }
}

/// The socket path of a `unix://` engine address.
pub fn socket_path(host: &str) -> PathBuf {
    match host.strip_prefix("unix://") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => panic!("the test engine address {host:?} is not unix:///path: {HOW_TO_START}"),
    }
}

/// A client of the engine at `DOCKER_HOST`, unrecorded (for setup and cleanup).
pub fn direct_client() -> Docker {
    let host = required_env("DOCKER_HOST");
    Docker::connect(&host).unwrap_or_else(|e| panic!("DOCKER_HOST={host}: {e}"))
}

/// [`direct_client`] at the lower of the client's and the engine's API version, so that setup
/// and cleanup work on an engine older than the client (Docker 20.10).
pub async fn negotiated_direct_client() -> Docker {
    let direct = direct_client();
    match direct.negotiate_version().await {
        Ok(negotiated) => negotiated,
        Err(e) => panic!(
            "the test engine at {} does not answer ({e}): {HOW_TO_START}",
            direct.host()
        ),
    }
}

/// A value that some API versions declare required (`T`) and others optional (`Option<T>`),
/// such as the `Id` of a created network: the tests read it the same way at every version.
pub trait Given<T> {
    /// The value; panics naming `what` when it is absent.
    fn given(self, what: &str) -> T;
}

impl<T> Given<T> for Option<T> {
    fn given(self, what: &str) -> T {
        self.unwrap_or_else(|| panic!("{what} is missing"))
    }
}

impl Given<String> for String {
    fn given(self, _what: &str) -> String {
        self
    }
}

/// Which of the harness's engines `DOCKER_HOST` names: `v20`, `v28` or `podman` when it equals
/// `DOCKER_HOST_V20`, `DOCKER_HOST_V28` or `DOCKER_HOST_PODMAN`, else `v26` (the harness's
/// `DOCKER_HOST`).
pub fn engine_name() -> String {
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    for (name, variable) in [
        ("v20", "DOCKER_HOST_V20"),
        ("v28", "DOCKER_HOST_V28"),
        ("podman", "DOCKER_HOST_PODMAN"),
    ] {
        if std::env::var(variable).is_ok_and(|value| !value.is_empty() && value == host) {
            return name.to_owned();
        }
    }
    "v26".to_owned()
}

/// What the engine says about itself: `GET /version`.
#[derive(Debug, Clone)]
pub struct EngineVersion {
    /// Its version (`26.1.5+dfsg1`, `4.3.1`).
    pub version: String,
    /// The newest API version it serves (`1.45`).
    pub api_version: String,
    /// The oldest API version it serves (`1.24`).
    pub min_api_version: String,
    /// Whether it is Podman's Docker-compatible service rather than a Docker Engine.
    pub podman: bool,
}

impl EngineVersion {
    /// Whether the engine serves API `version` (`"1.44"`): its API version is at least that.
    pub fn serves(&self, version: &str) -> bool {
        api_at_least(&self.api_version, version)
    }
}

/// Whether API version `a` is at least `b` (`"1.45"` >= `"1.44"`), compared as numbers.
pub fn api_at_least(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> (u32, u32) {
        let mut parts = v.split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    };
    parse(a) >= parse(b)
}

async fn engine_version(docker: &Docker) -> EngineVersion {
    let version = docker
        .system_version()
        .await
        .unwrap_or_else(|e| panic!("GET /version of the test engine: {e}"));
    let podman = version
        .components
        .iter()
        .flatten()
        .any(|c| c.name.contains("Podman"));
    EngineVersion {
        version: version.version.unwrap_or_default(),
        api_version: version.api_version.unwrap_or_default(),
        min_api_version: version.min_api_version.unwrap_or_default(),
        podman,
    }
}

/// The name of the running test, from its thread (libtest names each test's thread after it),
/// prefixed with the test binary's name: `engine_containers::lifecycle`.
pub fn current_test() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| match stem.rsplit_once('-') {
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_owned(),
            _ => stem,
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("main");
    format!("{binary}::{test}")
}

/// Seconds since the epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What a test created, removed when the test ends.
#[derive(Default)]
struct Created {
    containers: Vec<String>,
    images: Vec<String>,
    volumes: Vec<String>,
    networks: Vec<String>,
    plugins: Vec<String>,
}

/// One test's connection to the engine: a recorded client, a unique name, and cleanup.
pub struct TestEngine {
    /// The client the test exercises; its requests are recorded for the coverage table (not
    /// that of [`TestEngine::from_env`], which is `Docker::from_env()` itself).
    pub docker: Docker,
    /// Which engine this is: `v26`, `v28`, `v20` or `podman` ([`engine_name`]).
    pub engine: String,
    /// What the engine says it is.
    pub version: EngineVersion,
    /// A unique, lower-case token for this test run: the prefix of every name the test gives,
    /// and the value of [`LABEL`] on everything it creates.
    pub run: String,
    /// The test's name, `binary::function`.
    pub test: String,
    created: Mutex<Created>,
    relay: Option<Relay>,
}

impl TestEngine {
    /// Connects to the engine at `DOCKER_HOST` through a recording relay, and makes sure
    /// `busybox:latest` is there. Panics (the test fails) when there is no engine.
    pub async fn start() -> TestEngine {
        let host = required_env("DOCKER_HOST");
        let upstream = socket_path(&host);
        let test = current_test();
        let engine = engine_name();
        let relay = Relay::start(upstream, test.clone(), engine.clone()).await;
        let docker = Docker::connect_unix(&relay.path)
            .unwrap_or_else(|e| panic!("cannot connect to the recording relay: {e}"));
        TestEngine::new(docker, test, engine, Some(relay)).await
    }

    /// Like [`TestEngine::start`], with the client a user gets from `Docker::from_env()`
    /// (`DOCKER_HOST`, `DOCKER_API_VERSION`, ...), unrecorded.
    pub async fn from_env() -> TestEngine {
        required_env("DOCKER_HOST");
        let docker = Docker::from_env().unwrap_or_else(|e| panic!("Docker::from_env(): {e}"));
        TestEngine::new(docker, current_test(), engine_name(), None).await
    }

    async fn new(docker: Docker, test: String, engine: String, relay: Option<Relay>) -> Self {
        let direct = negotiated_direct_client().await;
        let version = engine_version(&direct).await;
        ensure_busybox(&direct).await;
        TestEngine {
            docker,
            engine,
            version,
            run: unique_token(&test),
            test,
            created: Mutex::new(Created::default()),
            relay,
        }
    }

    /// A unique name for an object of this test: `<run>-<what>`.
    pub fn name(&self, what: &str) -> String {
        format!("{}-{what}", self.run)
    }

    /// The labels of everything this test creates.
    pub fn labels(&self) -> HashMap<String, String> {
        HashMap::from([(LABEL.to_owned(), self.run.clone())])
    }

    /// A `filters` value selecting what this test labelled.
    pub fn label_filter(&self) -> HashMap<String, Vec<String>> {
        HashMap::from([("label".to_owned(), vec![format!("{LABEL}={}", self.run)])])
    }

    /// Removes this container (forcibly, with its anonymous volumes) when the test ends.
    pub fn remove_container_later(&self, id: &str) {
        self.created.lock().unwrap().containers.push(id.to_owned());
    }

    /// Removes this image reference (forcibly) when the test ends.
    pub fn remove_image_later(&self, reference: &str) {
        self.created
            .lock()
            .unwrap()
            .images
            .push(reference.to_owned());
    }

    /// Removes this volume when the test ends.
    pub fn remove_volume_later(&self, name: &str) {
        self.created.lock().unwrap().volumes.push(name.to_owned());
    }

    /// Removes this network when the test ends.
    pub fn remove_network_later(&self, id: &str) {
        self.created.lock().unwrap().networks.push(id.to_owned());
    }

    /// Removes this plugin (forcibly) when the test ends.
    pub fn remove_plugin_later(&self, name: &str) {
        self.created.lock().unwrap().plugins.push(name.to_owned());
    }

    /// The body of a busybox container running `cmd` with network `none`, the test's label,
    /// and `init` (so that `SIGTERM` stops it at once).
    pub fn container_body(&self, cmd: &[&str]) -> models::ContainerCreateBody {
        models::ContainerCreateBody {
            image: Some(BUSYBOX.to_owned()),
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
            labels: Some(self.labels()),
            host_config: Some(models::HostConfig {
                network_mode: Some("none".to_owned()),
                init: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Creates a container named `<run>-<what>` from `body`, removed when the test ends.
    pub async fn create_container(&self, what: &str, body: &models::ContainerCreateBody) -> String {
        let name = self.name(what);
        let options = ContainerCreateOptions {
            name: Some(name.clone()),
            ..Default::default()
        };
        let created = self
            .docker
            .container_create(body.clone())
            .options(options)
            .await
            .unwrap_or_else(|e| panic!("create container {name}: {e}"));
        self.remove_container_later(&created.id);
        created.id
    }

    /// Creates and starts a busybox container running `cmd` (see [`Self::container_body`]).
    pub async fn run_container(&self, what: &str, cmd: &[&str]) -> String {
        let id = self.create_container(what, &self.container_body(cmd)).await;
        self.docker
            .container_start(&id)
            .await
            .unwrap_or_else(|e| panic!("start container {what}: {e}"));
        id
    }

    /// Saves a raw response of the v26 engine as a fixture under
    /// `tests/fixtures/engine/<name>.json`, when `DOCKER_CLIENT_CAPTURE_FIXTURES=1` (it does
    /// nothing otherwise, or against another engine, and returns `None`). The response is read
    /// with a plain HTTP/1.0 request, bypassing the client, so the fixture holds the engine's
    /// bytes.
    pub async fn capture(
        &self,
        name: &str,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Option<Vec<u8>> {
        if self.engine != "v26" {
            return None;
        }
        self.capture_as(name, method, path, body).await
    }

    /// Like [`TestEngine::capture`], against any engine, as `<name>_<engine>.json`.
    pub async fn capture_per_engine(
        &self,
        name: &str,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Option<Vec<u8>> {
        let name = format!("{name}_{}", self.engine);
        self.capture_as(&name, method, path, body).await
    }

    /// Like [`TestEngine::capture_per_engine`] for a stream that does not end: saves its first
    /// `lines` lines (JSON messages, one a line).
    pub async fn capture_lines_per_engine(&self, name: &str, path: &str, lines: usize) {
        if std::env::var("DOCKER_CLIENT_CAPTURE_FIXTURES").as_deref() != Ok("1") {
            return;
        }
        let socket = socket_path(&required_env("DOCKER_HOST"));
        let mut conn = UnixStream::connect(&socket)
            .await
            .unwrap_or_else(|e| panic!("connect {}: {e}", socket.display()));
        let request = format!(
            "GET /v{}{path} HTTP/1.0\r\nHost: localhost\r\n\r\n",
            self.capture_version()
        );
        conn.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        let mut chunk = [0u8; 16384];
        let body = loop {
            let n = tokio::time::timeout(Duration::from_secs(30), conn.read(&mut chunk))
                .await
                .unwrap_or_else(|_| panic!("capture {name}: no {lines} lines in 30 s"))
                .unwrap();
            assert!(
                n > 0,
                "capture {name}: the stream ended before {lines} lines"
            );
            response.extend_from_slice(&chunk[..n]);
            if let Some(head) = find(&response, b"\r\n\r\n") {
                let body = &response[head + 4..];
                if body.iter().filter(|b| **b == b'\n').count() >= lines {
                    break body.to_vec();
                }
            }
        };
        let end = body
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(lines - 1)
            .map_or(body.len(), |(i, _)| i + 1);
        let file = fixtures_dir().join(format!("{name}_{}.json", self.engine));
        std::fs::write(&file, &body[..end])
            .unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
        eprintln!("captured {}", file.display());
    }

    /// The API version of raw captures: the lower of the client's and the engine's.
    fn capture_version(&self) -> &str {
        if api_at_least(&self.version.api_version, docker_client::API_VERSION) {
            docker_client::API_VERSION
        } else {
            self.version.api_version.as_str()
        }
    }

    async fn capture_as(
        &self,
        name: &str,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Option<Vec<u8>> {
        if std::env::var("DOCKER_CLIENT_CAPTURE_FIXTURES").as_deref() != Ok("1") {
            return None;
        }
        let (status, bytes) = raw_request_at(self.capture_version(), method, path, body).await;
        assert!(
            status < 300,
            "capture {name}: {method} {path} answered {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let file = fixtures_dir().join(format!("{name}.json"));
        std::fs::create_dir_all(fixtures_dir()).unwrap();
        std::fs::write(&file, redact_swarm_tokens(&bytes))
            .unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
        eprintln!("captured {}", file.display());
        Some(bytes)
    }
}

impl Drop for TestEngine {
    fn drop(&mut self) {
        let created = std::mem::take(&mut *self.created.lock().unwrap_or_else(|e| e.into_inner()));
        let run = self.run.clone();
        if let Some(relay) = &self.relay {
            relay.stop();
        }
        // The cleanup runs on its own thread and runtime, with an unrecorded client, so that it
        // works from any runtime (or while unwinding) and does not count as coverage.
        let cleaner = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for cleanup");
            runtime.block_on(cleanup(created, run));
        });
        if cleaner.join().is_err() {
            eprintln!("warning: cleanup of test objects panicked");
        }
    }
}

/// Removes what a test created: its tracked objects, then whatever still carries its label.
async fn cleanup(created: Created, run: String) {
    let docker = negotiated_direct_client().await;
    let label = HashMap::from([("label".to_owned(), vec![format!("{LABEL}={run}")])]);
    let mut containers = created.containers;
    if let Ok(list) = docker
        .container_list()
        .options(ContainerListOptions {
            all: Some(true),
            filters: Some(label.clone()),
            ..Default::default()
        })
        .await
    {
        containers.extend(list.into_iter().filter_map(|c| c.id));
    }
    let force = ContainerDeleteOptions {
        force: Some(true),
        v: Some(true),
        ..Default::default()
    };
    for id in containers {
        let _ = docker.container_delete(&id).options(force.clone()).await;
    }
    for name in created.plugins {
        let _ = docker
            .plugin_delete(&name)
            .options(PluginDeleteOptions { force: Some(true) })
            .await;
    }
    let mut volumes = created.volumes;
    if let Ok(list) = docker
        .volume_list()
        .options(VolumeListOptions {
            filters: Some(label.clone()),
        })
        .await
    {
        volumes.extend(list.volumes.unwrap_or_default().into_iter().map(|v| v.name));
    }
    for name in volumes {
        let _ = docker
            .volume_delete(&name)
            .options(VolumeDeleteOptions { force: Some(true) })
            .await;
    }
    let mut networks = created.networks;
    if let Ok(list) = docker
        .network_list()
        .options(NetworkListOptions {
            filters: Some(label),
        })
        .await
    {
        networks.extend(list.into_iter().filter_map(|n| n.id));
    }
    for id in networks {
        let _ = docker.network_delete(&id).await;
    }
    let delete = ImageDeleteOptions {
        force: Some(true),
        ..Default::default()
    };
    for reference in created.images {
        let _ = docker
            .image_delete(&reference)
            .options(delete.clone())
            .await;
    }
}

/// A unique token per test: `dct-<test function>-<pid>-<n>`, lower case, at most 48 bytes.
fn unique_token(test: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let function = test.rsplit("::").next().unwrap_or(test);
    let mut short: String = function
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    short.truncate(24);
    let short = short.trim_matches('-');
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("dct-{short}-{}-{n}", std::process::id())
}

/// Makes sure `busybox:latest` exists, importing it with the client when it does not.
async fn ensure_busybox(docker: &Docker) {
    static IMPORT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _guard = IMPORT.lock().await;
    match docker.image_inspect(BUSYBOX).await {
        Ok(_) => {}
        Err(e) if e.is_not_found() => {
            import_busybox(docker, "busybox", "latest", &[]).await;
        }
        Err(e) => panic!("inspect {BUSYBOX}: {e}"),
    }
}

/// The busybox root filesystem tar from `BUSYBOX_ROOTFS_TAR`.
pub fn busybox_rootfs() -> Vec<u8> {
    let path = required_env("BUSYBOX_ROOTFS_TAR");
    std::fs::read(&path).unwrap_or_else(|e| panic!("read BUSYBOX_ROOTFS_TAR={path}: {e}"))
}

/// Imports the busybox root filesystem as `repo:tag` with `POST /images/create?fromSrc=-`,
/// applying `CMD ["sh"]` and `changes`. Returns the image id the engine reports.
pub async fn import_busybox(docker: &Docker, repo: &str, tag: &str, changes: &[&str]) -> String {
    let mut all = vec![r#"CMD ["sh"]"#.to_owned()];
    all.extend(changes.iter().map(|c| c.to_string()));
    let options = ImageCreateOptions {
        from_src: Some("-".to_owned()),
        repo: (!repo.is_empty()).then(|| repo.to_owned()),
        tag: (!tag.is_empty()).then(|| tag.to_owned()),
        changes: Some(all),
        ..Default::default()
    };
    let mut stream = docker
        .image_create()
        .input_image(busybox_rootfs())
        .options(options)
        .await
        .unwrap_or_else(|e| panic!("import busybox as {repo}:{tag}: {e}"));
    let mut id = None;
    while let Some(message) = stream.next().await {
        let message = message.unwrap_or_else(|e| panic!("import busybox as {repo}:{tag}: {e}"));
        no_unknown_enum(&message);
        if let Some(status) = message.status {
            if status.starts_with("sha256:") {
                id = Some(status);
            }
        }
    }
    id.unwrap_or_else(|| panic!("the import of {repo}:{tag} reported no image id"))
}

/// Panics when a decoded value holds an enum value the spec does not declare: the generated
/// enums keep those as `Unknown(..)` rather than failing, and the engine tests want to know.
pub fn no_unknown_enum<T: std::fmt::Debug>(value: &T) {
    let text = format!("{value:#?}");
    if let Some(at) = text.find("Unknown(") {
        // The field (the line of the match, or the one before when the value is on its own
        // line) and the value (up to the closing parenthesis).
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let start = if text[line_start..at].trim().is_empty() {
            text[..line_start.saturating_sub(1)]
                .rfind('\n')
                .map_or(0, |i| i + 1)
        } else {
            line_start
        };
        let end = text[at..].find(')').map_or(text.len(), |i| at + i + 1);
        let shown: Vec<&str> = text[start..end].split_whitespace().collect();
        panic!(
            "the engine sent an enum value the spec does not declare: {}\nin {}",
            shown.join(" "),
            std::any::type_name::<T>()
        );
    }
}

/// Reads a whole byte stream.
pub async fn read_all(stream: docker_client::ByteStream) -> Vec<u8> {
    stream
        .collect_bytes()
        .await
        .unwrap_or_else(|e| panic!("read a response stream: {e}"))
        .to_vec()
}

/// The whole output of a container or exec, as text: `(stdout, stderr)` (a TTY's console
/// output counts as stdout).
pub async fn output_text(output: docker_client::OutputStream) -> (String, String) {
    let (stdout, stderr) = output
        .collect_output()
        .await
        .unwrap_or_else(|e| panic!("read a container's output: {e}"));
    (
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// The payloads of the server-to-client frames of a websocket stream (unmasked frames; a close
/// frame ends it).
pub fn websocket_payloads(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut payloads = Vec::new();
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0x0f;
        let masked = bytes[1] & 0x80 != 0;
        let (len, mut at) = match bytes[1] & 0x7f {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => {
                let mut len = [0u8; 8];
                len.copy_from_slice(&bytes[2..10]);
                (u64::from_be_bytes(len) as usize, 10)
            }
            len => (len as usize, 2),
        };
        let mut mask = [0u8; 4];
        if masked {
            mask.copy_from_slice(&bytes[at..at + 4]);
            at += 4;
        }
        assert!(bytes.len() >= at + len, "a websocket frame is cut short");
        let mut payload = bytes[at..at + len].to_vec();
        if masked {
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= mask[i % 4];
            }
        }
        bytes = &bytes[at + len..];
        match opcode {
            0x8 => break,
            0x0..=0x2 => payloads.push(payload),
            _ => {}
        }
    }
    payloads
}

/// A tar archive of `(path, contents)` files.
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, contents) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o755);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        builder
            .append_data(&mut header, path, *contents)
            .unwrap_or_else(|e| panic!("tar {path}: {e}"));
    }
    builder.into_inner().expect("finish a tar archive")
}

/// The `(path, contents)` of the regular files in a tar archive.
pub fn untar(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(bytes);
    let mut files = Vec::new();
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.expect("a tar entry");
        let path = entry
            .path()
            .expect("a tar path")
            .to_string_lossy()
            .into_owned();
        let mut contents = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut contents).expect("a tar entry's contents");
        files.push((path, contents));
    }
    files
}

/// Polls `check` every 100 ms until it returns `Some`, for at most `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asserts that a result is an [`Error::Api`] with one of `statuses`, and returns its message.
pub fn expect_api_error<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, Error>,
    statuses: &[u16],
) -> String {
    match result {
        Err(Error::Api { status, message }) if statuses.contains(&status) => message,
        other => panic!("{what}: expected an API error with status {statuses:?}, got {other:?}"),
    }
}

/// The directory of the saved engine responses.
/// A query parameter's value, URL-encoded.
pub fn urlencode_query_value(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/engine")
}

/// One request over a fresh connection to the engine at `DOCKER_HOST`, in HTTP/1.0 (so the body
/// is not chunked), at the client's API version: the status and the raw body.
pub async fn raw_request(method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
    raw_request_at(docker_client::API_VERSION, method, path, body).await
}

/// [`raw_request`] at API `version`.
pub async fn raw_request_at(
    version: &str,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> (u16, Vec<u8>) {
    let socket = socket_path(&required_env("DOCKER_HOST"));
    let mut conn = UnixStream::connect(&socket)
        .await
        .unwrap_or_else(|e| panic!("connect {}: {e}", socket.display()));
    let mut request = format!("{method} /v{version}{path} HTTP/1.0\r\nHost: localhost\r\n");
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    if let Some(body) = body {
        conn.write_all(body).await.unwrap();
    }
    let mut response = Vec::new();
    conn.read_to_end(&mut response).await.unwrap();
    let head_end = find(&response, b"\r\n\r\n").expect("an HTTP response head") + 4;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut headers);
    parsed
        .parse(&response[..head_end])
        .expect("an HTTP response");
    (parsed.code.unwrap_or(0), response[head_end..].to_vec())
}

/// The bytes with the secret part of swarm join tokens and unlock keys (`SWMTKN-1-...`,
/// `SWMKEY-1-...`) replaced by `x`, for fixtures.
pub fn redact_swarm_tokens(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for prefix in [&b"SWMTKN-1-"[..], &b"SWMKEY-1-"[..]] {
        let mut at = 0;
        while let Some(i) = find(&out[at..], prefix) {
            let mut j = at + i + prefix.len();
            while j < out.len()
                && (out[j].is_ascii_alphanumeric()
                    || out[j] == b'-'
                    || out[j] == b'+'
                    || out[j] == b'/')
            {
                if out[j] != b'-' {
                    out[j] = b'x';
                }
                j += 1;
            }
            at = j;
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// --- The recording relay ---------------------------------------------------------------------

/// Where the relay appends its records: `target/engine-coverage/` (or
/// `DOCKER_CLIENT_COVERAGE_DIR`).
pub fn coverage_dir() -> PathBuf {
    match std::env::var_os("DOCKER_CLIENT_COVERAGE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/engine-coverage"),
    }
}

/// One request the relay saw.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallRecord {
    /// The test that sent it, `binary::function`.
    pub test: String,
    /// Which engine it went to (`v26`).
    pub engine: String,
    pub method: String,
    /// The request target as sent: `/v1.43/containers/abc/json?size=1`.
    pub target: String,
    /// The engine's status; 0 when it answered none.
    pub status: u16,
}

fn record(call: &CallRecord) {
    static WRITE: Mutex<()> = Mutex::new(());
    let _guard = WRITE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = coverage_dir();
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("calls-{}.jsonl", std::process::id()));
    let mut line = serde_json::to_vec(call).expect("a call record");
    line.push(b'\n');
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
    {
        Ok(mut f) => {
            let _ = f.write_all(&line);
        }
        Err(e) => eprintln!("warning: cannot record a call in {}: {e}", file.display()),
    }
}

/// A unix socket in front of an engine, passing each connection's bytes through and recording
/// each request. Every request is sent with `Connection: close`, so a connection carries one
/// request and the relay needs to read only its head and the response's status line.
struct Relay {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(upstream: PathBuf, test: String, engine: String) -> Relay {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("dct-{}-{n}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)
            .unwrap_or_else(|e| panic!("bind the relay socket {}: {e}", path.display()));
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let test = test.clone();
                let engine = engine.clone();
                tokio::spawn(async move {
                    if let Err(e) = relay_one(conn, &upstream, &test, &engine).await {
                        eprintln!("relay: {e}");
                    }
                });
            }
        });
        Relay { path, task }
    }

    fn stop(&self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn relay_one(
    client: UnixStream,
    upstream: &Path,
    test: &str,
    engine: &str,
) -> std::io::Result<()> {
    let mut client = client;
    let mut buffer = Vec::with_capacity(8192);
    let head_end = loop {
        if let Some(i) = find(&buffer, b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(()); // an idle connection, closed without a request
        }
        buffer.extend_from_slice(&chunk[..n]);
        if buffer.len() > 1 << 20 {
            return Err(std::io::Error::other("a request head over 1 MiB"));
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 100];
    let mut request = httparse::Request::new(&mut headers);
    request
        .parse(&buffer[..head_end])
        .map_err(std::io::Error::other)?;
    let method = request.method.unwrap_or("?").to_owned();
    let target = request.path.unwrap_or("?").to_owned();
    let upgrade = request
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("upgrade"));
    let mut head = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("connection") {
            continue;
        }
        head.extend_from_slice(header.name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(header.value);
        head.extend_from_slice(b"\r\n");
    }
    // `close` also when the client asks to upgrade: an engine that answers such a request
    // without switching protocols (a detached exec start) must not leave the connection open
    // for the client's next request, which the relay would pass on unrecorded.
    if upgrade {
        head.extend_from_slice(b"Connection: Upgrade, close\r\n");
    } else {
        head.extend_from_slice(b"Connection: close\r\n");
    }
    head.extend_from_slice(b"\r\n");

    let mut call = CallRecord {
        test: test.to_owned(),
        engine: engine.to_owned(),
        method,
        target,
        status: 0,
    };
    let mut engine_conn = match UnixStream::connect(upstream).await {
        Ok(conn) => conn,
        Err(e) => {
            record(&call);
            return Err(e);
        }
    };
    // The engine may answer (and close) before it reads a request body: keep going to pass its
    // answer on.
    if engine_conn.write_all(&head).await.is_ok() {
        let _ = engine_conn.write_all(&buffer[head_end..]).await;
    }
    let (mut client_read, mut client_write) = client.into_split();
    let (mut engine_read, mut engine_write) = engine_conn.into_split();
    let upload = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut engine_write).await;
        // The client hung up (or finished): tell the engine, which ends a streaming response.
        let _ = engine_write.shutdown().await;
    });
    let mut first = Vec::new();
    let mut recorded = false;
    loop {
        let mut chunk = vec![0u8; 16384];
        let n = engine_read.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        if recorded {
            client_write.write_all(&chunk[..n]).await?;
            continue;
        }
        first.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&first, b"\r\n") {
            let line = String::from_utf8_lossy(&first[..end]);
            call.status = line
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            record(&call);
            recorded = true;
            client_write.write_all(&first).await?;
            tokio::io::copy(&mut engine_read, &mut client_write).await?;
            break;
        }
    }
    if !recorded {
        record(&call);
        client_write.write_all(&first).await?;
    }
    let _ = client_write.shutdown().await;
    upload.abort();
    Ok(())
}

// --- The coverage table --------------------------------------------------------------------

/// Turns the relay's records into `docs/engine-coverage.md`.
pub mod coverage {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use docker_client::{OperationInfo, OPERATIONS};

    use super::CallRecord;

    /// The command that refreshes the table (documented at its top).
    pub const REFRESH: &str = "cargo run -p docker-client-tests --bin engine-coverage -- --run";

    /// Reads every `*.jsonl` record file in `dir`.
    pub fn read_records(dir: &Path) -> Vec<CallRecord> {
        let mut records = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return records;
        };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            if file.extension().is_some_and(|e| e == "jsonl") {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    match serde_json::from_str(line) {
                        Ok(record) => records.push(record),
                        Err(e) => eprintln!("skipping a bad record in {}: {e}", file.display()),
                    }
                }
            }
        }
        records
    }

    /// The operation a request was for: its method and path (below the version prefix) matched
    /// against the operations' templates, preferring the template with more literal segments.
    pub fn operation_of(method: &str, target: &str) -> Option<&'static OperationInfo> {
        let path = target.split('?').next().unwrap_or(target);
        let path = match path.strip_prefix("/v") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
                &rest[rest.find('/').unwrap_or(rest.len())..]
            }
            _ => path,
        };
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        OPERATIONS
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method))
            .filter_map(|op| {
                let template: Vec<&str> = op.path.split('/').skip(1).collect();
                if template.len() != segments.len() {
                    return None;
                }
                let mut literal = 0;
                for (t, s) in template.iter().zip(&segments) {
                    if t.starts_with('{') {
                        if s.is_empty() {
                            return None;
                        }
                    } else if t == s {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, op))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, op)| op)
    }

    /// What the engine tests did with one operation.
    #[derive(Debug, Default)]
    pub struct Exercised {
        pub statuses: BTreeSet<u16>,
        pub tests: BTreeSet<String>,
    }

    impl Exercised {
        /// Whether the engine answered at least once with success (1xx, 2xx or 304).
        pub fn succeeded(&self) -> bool {
            self.statuses.iter().any(|s| *s < 300 || *s == 304)
        }
    }

    /// The operations the records show, by id, from the engine `engine` only.
    pub fn tally(records: &[CallRecord], engine: &str) -> BTreeMap<&'static str, Exercised> {
        let mut by_op: BTreeMap<&'static str, Exercised> = BTreeMap::new();
        for record in records.iter().filter(|r| r.engine == engine) {
            if let Some(op) = operation_of(&record.method, &record.target) {
                let entry = by_op.entry(op.id).or_default();
                entry.statuses.insert(record.status);
                entry.tests.insert(record.test.clone());
            }
        }
        by_op
    }

    /// Why an operation can only fail against the single, offline test node; the tests assert
    /// that it fails with a typed error.
    pub const ONLY_ERRORS: &[(&str, &str)] = &[
        ("DistributionInspect", "needs a registry"),
        ("ImageSearch", "needs a registry"),
        ("NodeDelete", "a single node cannot remove itself"),
        ("PluginPull", "needs a registry"),
        ("PluginUpgrade", "needs a registry"),
        ("SwarmJoin", "needs a second swarm"),
        ("SwarmUnlock", "needs a locked swarm (a restarted manager)"),
        ("SystemAuth", "needs a registry"),
        ("VolumeUpdate", "needs a cluster (CSI) volume"),
    ];

    /// The Markdown table of the requests to the v26 engine (`DOCKER_HOST` of
    /// `tests/engine/engine.sh`). `engine` describes that engine.
    pub fn render(records: &[CallRecord], engine: &str) -> String {
        let by_op = tally(records, "v26");
        let total = OPERATIONS.len();
        let exercised = OPERATIONS
            .iter()
            .filter(|op| by_op.contains_key(op.id))
            .count();
        let succeeded = OPERATIONS
            .iter()
            .filter(|op| by_op.get(op.id).is_some_and(Exercised::succeeded))
            .count();
        let mut out = String::new();
        out.push_str("# Engine coverage\n\n");
        out.push_str(&format!(
            "Generated; do not edit. Refresh with the test engines running \
             (`eval \"$(tests/engine/engine.sh start)\"`):\n\n\
             ```sh\n{REFRESH}\n```\n\n\
             It runs every `tests/tests/engine_*.rs` suite (their clients send each request \
             through a recording relay in front of the engine) and rewrites this file from the \
             requests the engine answered, with the statuses it answered.\n\n"
        ));
        out.push_str(&format!(
            "**{exercised} of {total}** operations were exercised against {engine} at \
             `/v{}`: {succeeded} answered with success, and {} only with the error a single \
             offline node gives, which the test asserts as a typed `Error` (the reason is in \
             the table).\n\n",
            docker_client::API_VERSION,
            exercised - succeeded
        ));
        out.push_str("| # | Operation | Request | Exercised | Statuses seen | Tests |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for (i, op) in OPERATIONS.iter().enumerate() {
            let (mark, statuses, tests) = match by_op.get(op.id) {
                Some(e) => (
                    if e.succeeded() {
                        "yes".to_owned()
                    } else {
                        let why = ONLY_ERRORS
                            .iter()
                            .find(|(id, _)| *id == op.id)
                            .map_or("expected", |(_, why)| why);
                        format!("error asserted ({why})")
                    },
                    e.statuses
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    e.tests
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join("<br>"),
                ),
                None => ("**no**".to_owned(), String::new(), String::new()),
            };
            out.push_str(&format!(
                "| {} | `{}` | `{} {}` | {mark} | {statuses} | {tests} |\n",
                i + 1,
                op.id,
                op.method,
                op.path
            ));
        }
        out
    }

    /// The operation ids a rendered table marks as exercised.
    pub fn exercised_in(markdown: &str) -> BTreeSet<String> {
        markdown
            .lines()
            .filter(|l| l.starts_with("| ") && !l.contains("| **no** |"))
            .filter_map(|l| l.split('`').nth(1).map(str::to_owned))
            .collect()
    }
}

// --- A plugin that enables ------------------------------------------------------------------

/// C source of a tiny plugin process: it listens on the plugin socket (all the engine checks
/// before it marks a plugin enabled) and exits on `SIGTERM`.
const PLUGIN_SOCKET_SERVER: &str = r#"
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
static void quit(int sig) { (void)sig; _exit(0); }
int main(int argc, char **argv) {
    struct sockaddr_un a;
    int s;
    signal(SIGTERM, quit);
    signal(SIGINT, quit);
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, argc > 1 ? argv[1] : "/run/docker/plugins/p.sock", sizeof a.sun_path - 1);
    unlink(a.sun_path);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) return 1;
    for (;;) { int c = accept(s, 0, 0); if (c >= 0) close(c); }
}
"#;

/// The tar context of a managed plugin (`config.json` and `rootfs/`) whose process is a static
/// program compiled from [`PLUGIN_SOCKET_SERVER`] with `cc -static`.
pub fn plugin_context() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("dct-plugin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("sockd.c");
    let binary = dir.join("sockd");
    std::fs::write(&source, PLUGIN_SOCKET_SERVER).unwrap();
    let output = std::process::Command::new("cc")
        .args(["-static", "-Os", "-o"])
        .arg(&binary)
        .arg(&source)
        .output()
        .unwrap_or_else(|e| {
            panic!("the plugin test compiles a tiny static program with `cc`: {e}")
        });
    assert!(
        output.status.success(),
        "cc -static failed (the plugin test needs a C compiler and a static libc, libc6-dev): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let program = std::fs::read(&binary).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let config = serde_json::json!({
        "Description": "docker-client test plugin",
        "Documentation": "https://example.invalid/docker-client-tests",
        "Entrypoint": ["/sockd", "/run/docker/plugins/p.sock"],
        "Interface": { "Types": ["docker.volumedriver/1.0"], "Socket": "p.sock" },
        "Network": { "Type": "none" },
        "Env": [{ "Name": "DEBUG", "Description": "debug level", "Settable": ["value"], "Value": "0" }],
        "Linux": { "Capabilities": [], "AllowAllDevices": false, "Devices": [] },
        "Mounts": [],
        "PropagatedMount": "",
        "WorkDir": "",
        "Args": { "Name": "", "Description": "", "Settable": [], "Value": [] }
    });
    let config = serde_json::to_vec_pretty(&config).unwrap();
    tar_of(&[("config.json", &config), ("rootfs/sockd", &program)])
}

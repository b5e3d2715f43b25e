//! A private image registry for the pull and push tests: Debian's `docker-registry`
//! (distribution 2.8), fetched by `tests/registry/registry.sh fetch`, started on a free
//! loopback port with htpasswd authentication and a scratch storage directory, and stopped
//! when the [`TestRegistry`] is dropped.
//!
//! The test engines reach it although their HTTP proxy is a closed port: Go's proxy rules never
//! proxy loopback addresses, and engines treat registries on 127.0.0.0/8 as insecure (plain
//! HTTP allowed) without configuration.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use docker_client::models::AuthConfig;

/// A running registry.
pub struct TestRegistry {
    /// `127.0.0.1:<port>`: the host part of the image references it holds.
    pub address: String,
    /// The one user htpasswd knows.
    pub user: String,
    /// Its password.
    pub password: String,
    child: Child,
    dir: PathBuf,
}

/// The registry binary: `DOCKER_REGISTRY_BIN`, else the one `registry.sh fetch` unpacks
/// (fetching it the first time).
fn registry_binary() -> PathBuf {
    if let Ok(bin) = std::env::var("DOCKER_REGISTRY_BIN") {
        if !bin.is_empty() {
            return PathBuf::from(bin);
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("registry/registry.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("fetch")
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    assert!(
        output.status.success(),
        "{} fetch failed: the pull and push tests need Debian's docker-registry package",
        script.display()
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

impl TestRegistry {
    /// Starts a registry; panics (the test fails) when it cannot.
    pub fn start(name: &str) -> TestRegistry {
        let binary = registry_binary();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let address = format!("127.0.0.1:{port}");
        let dir = std::env::temp_dir().join(format!("dct-registry-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let user = "dct-user".to_owned();
        let password = format!("pw-{name}-{port}");
        let hash = bcrypt::hash(&password, 4).expect("bcrypt");
        std::fs::write(dir.join("htpasswd"), format!("{user}:{hash}\n")).unwrap();
        let config = format!(
            "version: 0.1\n\
             log:\n  level: error\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {data}\n  delete:\n    enabled: true\n\
             http:\n  addr: {address}\n  secret: dct-registry-test-secret\n\
             auth:\n  htpasswd:\n    realm: dct-registry\n    path: {htpasswd}\n",
            data = dir.join("data").display(),
            htpasswd = dir.join("htpasswd").display(),
        );
        std::fs::write(dir.join("config.yml"), config).unwrap();
        let log = std::fs::File::create(dir.join("registry.log")).unwrap();
        let child = Command::new(&binary)
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut registry = TestRegistry {
            address,
            user,
            password,
            child,
            dir,
        };
        registry.wait_ready();
        registry
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if std::net::TcpStream::connect(&self.address).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the registry exited ({status}): {}",
                    std::fs::read_to_string(self.dir.join("registry.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the registry did not listen on {} within 20 s",
                self.address
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its credentials, as the engine takes them.
    pub fn auth(&self) -> AuthConfig {
        AuthConfig {
            username: Some(self.user.clone()),
            password: Some(self.password.clone()),
            serveraddress: Some(self.address.clone()),
            ..Default::default()
        }
    }

    /// A docker CLI `config.json` with its credentials in `auths`.
    pub fn config_json(&self) -> String {
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.user, self.password));
        serde_json::json!({ "auths": { &self.address: { "auth": auth } } }).to_string()
    }

    /// A scratch directory that lives as long as the registry.
    pub fn scratch(&self) -> &Path {
        &self.dir
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

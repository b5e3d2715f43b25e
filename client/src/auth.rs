//! Registry credentials as the docker CLI keeps them: `auths` entries of `config.json`
//! (`$DOCKER_CONFIG`, default `~/.docker`), and credential helpers (`credsStore`,
//! `credHelpers`).
//!
//! ```no_run
//! # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
//! use docker_client::RegistryAuth;
//!
//! let credentials = RegistryAuth::from_env()?;
//! // Option<models::AuthConfig>; a credential helper runs on tokio's blocking pool.
//! let auth = credentials.for_image_async("ghcr.io/acme/app:1.0").await?;
//! // `auth` goes to X-Registry-Auth of image_create / image_push, as base64url JSON.
//! # Ok(()) }
//! ```
//!
//! Secrets stay out of `Debug` output and of error messages.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use serde::Deserialize;

use crate::cli_config::{config_dir, ConfigFile};
use crate::error::Error;
use crate::generated::models::AuthConfig;

/// The key of Docker Hub in `config.json` and in `X-Registry-Auth`'s `serveraddress`.
pub const DOCKER_HUB: &str = "https://index.docker.io/v1/";

/// Where the credentials of a registry come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// The `auths` entries of `config.json`.
    ConfigFile,
    /// The credential helper program `docker-credential-<name>`, named by `credHelpers` for
    /// this registry or by `credsStore` for all.
    Helper(String),
}

/// Something that knows registry credentials. [`RegistryAuth`] is the docker CLI's; implement
/// this for another store (a secrets manager, a test double).
pub trait CredentialStore: Send + Sync {
    /// The credentials for `registry` (`docker.io`, `ghcr.io`, `localhost:5000`, or a
    /// `config.json` key such as `https://index.docker.io/v1/`), or `None` when there are none.
    fn credentials(&self, registry: &str) -> Result<Option<AuthConfig>, Error>;
}

/// Registry credentials read from the docker CLI's `config.json`.
#[derive(Debug, Clone, Default)]
pub struct RegistryAuth {
    file: ConfigFile,
    /// The file read, for error messages.
    origin: String,
    /// Where helper programs are looked up instead of `PATH`.
    helper_dir: Option<PathBuf>,
}

impl RegistryAuth {
    /// `config.json` in `DOCKER_CONFIG`, else in `~/.docker`; no credentials when it does not
    /// exist.
    pub fn from_env() -> Result<Self, Error> {
        match config_dir(&|name| std::env::var(name).ok()) {
            Some(dir) => RegistryAuth::from_file(dir.join("config.json")),
            None => Ok(RegistryAuth::default()),
        }
    }

    /// The credentials in this `config.json`; none when it does not exist.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        Ok(RegistryAuth {
            file: ConfigFile::load(path)?,
            origin: path.display().to_string(),
            helper_dir: None,
        })
    }

    /// The credentials in this `config.json` text.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        Ok(RegistryAuth {
            file: ConfigFile::parse(text.as_bytes(), "config.json")?,
            origin: "config.json".to_owned(),
            helper_dir: None,
        })
    }

    /// Runs credential helpers from this directory rather than from `PATH`.
    pub fn helper_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.helper_dir = Some(dir.into());
        self
    }

    /// Where the credentials of `registry` come from: a helper named in `credHelpers` for it,
    /// else the `credsStore` helper, else the `auths` entries.
    pub fn source(&self, registry: &str) -> CredentialSource {
        let key = registry_key(registry);
        let host = hostname(&key);
        let helper = self
            .file
            .cred_helpers
            .iter()
            .find(|(k, _)| registry_key(k) == key || k.as_str() == host)
            .map(|(_, helper)| helper.clone())
            .or_else(|| self.file.creds_store.clone())
            .filter(|helper| !helper.is_empty());
        match helper {
            Some(helper) => CredentialSource::Helper(helper),
            None => CredentialSource::ConfigFile,
        }
    }

    /// The credentials for `registry`, with `serveraddress` set to its key
    /// (`https://index.docker.io/v1/` for Docker Hub), or `None`. A helper is a program run
    /// here and now, blocking the thread: async code calls [`RegistryAuth::get_async`].
    pub fn get(&self, registry: &str) -> Result<Option<AuthConfig>, Error> {
        match self.source(registry) {
            CredentialSource::ConfigFile => self.lookup_auths(registry),
            CredentialSource::Helper(helper) => self.run_helper(&helper, registry),
        }
    }

    /// The credentials for the registry of an image reference (`busybox` and `user/app` are
    /// on Docker Hub; `ghcr.io/acme/app:1.0` and `localhost:5000/app` name theirs).
    pub fn for_image(&self, image: &str) -> Result<Option<AuthConfig>, Error> {
        self.get(image_registry(image))
    }

    /// [`RegistryAuth::get`] for async code: a credential helper (a program that may prompt
    /// for a keychain or ask a server) runs on tokio's blocking pool, not on the task's thread.
    pub async fn get_async(&self, registry: &str) -> Result<Option<AuthConfig>, Error> {
        if self.source(registry) == CredentialSource::ConfigFile {
            return self.get(registry);
        }
        let (this, registry) = (self.clone(), registry.to_owned());
        tokio::task::spawn_blocking(move || this.get(&registry))
            .await
            .map_err(|e| Error::Config(format!("the credential helper's task failed: {e}")))?
    }

    /// [`RegistryAuth::for_image`] for async code; see [`RegistryAuth::get_async`].
    pub async fn for_image_async(&self, image: &str) -> Result<Option<AuthConfig>, Error> {
        self.get_async(image_registry(image)).await
    }

    /// [`RegistryAuth::all`] for async code; see [`RegistryAuth::get_async`].
    pub async fn all_async(&self) -> Result<HashMap<String, AuthConfig>, Error> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.all())
            .await
            .map_err(|e| Error::Config(format!("the credential helpers' task failed: {e}")))?
    }

    /// Every registry's credentials of the `auths` entries, keyed by registry, for
    /// `X-Registry-Config` of a build. Helpers are asked only for registries that have an
    /// entry.
    pub fn all(&self) -> Result<HashMap<String, AuthConfig>, Error> {
        let mut all = HashMap::new();
        for key in self.file.auths.keys().chain(self.file.cred_helpers.keys()) {
            if let Some(auth) = self.get(key)? {
                all.insert(registry_key(key), auth);
            }
        }
        Ok(all)
    }

    fn lookup_auths(&self, registry: &str) -> Result<Option<AuthConfig>, Error> {
        let key = registry_key(registry);
        // The entry of the key, else the first (by name) of those of the same registry.
        let auths = &self.file.auths;
        let entry = auths.get_key_value(&key).or_else(|| {
            let same = auths.iter().filter(|(k, _)| registry_key(k) == key);
            same.min_by_key(|(k, _)| *k)
        });
        let Some((entry_key, entry)) = entry else {
            return Ok(None);
        };
        let (mut username, mut password) = (entry.username.clone(), entry.password.clone());
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            // Messages name the entry, never its content.
            let bad = |why: &str| {
                Error::Config(format!(
                    "{}: the `auth` of auths[{entry_key:?}] {why}",
                    self.origin
                ))
            };
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(auth.trim()))
                .map_err(|_| bad("is not base64"))?;
            let decoded = String::from_utf8(decoded).map_err(|_| bad("is not UTF-8"))?;
            let (user, pass) = decoded
                .split_once(':')
                .ok_or_else(|| bad("is not base64 of user:password"))?;
            username = Some(user.to_owned());
            password = Some(pass.to_owned());
        }
        let auth = AuthConfig {
            username,
            password,
            serveraddress: Some(key),
            identitytoken: entry.identitytoken.clone().filter(|t| !t.is_empty()),
            registrytoken: entry.registrytoken.clone().filter(|t| !t.is_empty()),
            // `email` is deprecated since API 1.23 and gone from the spec in 1.55: never sent.
            ..AuthConfig::default()
        };
        let has_secret =
            auth.password.is_some() || auth.identitytoken.is_some() || auth.registrytoken.is_some();
        Ok(has_secret.then_some(auth))
    }

    /// `docker-credential-<helper> get`, the server address on standard input, JSON
    /// `{"ServerURL", "Username", "Secret"}` on standard output.
    fn run_helper(&self, helper: &str, registry: &str) -> Result<Option<AuthConfig>, Error> {
        #[derive(Default, Deserialize)]
        #[serde(rename_all = "PascalCase", default)]
        struct HelperAnswer {
            username: String,
            secret: String,
        }
        let key = registry_key(registry);
        let program = format!("docker-credential-{helper}");
        // (On `PATH` without a directory.)
        let path = self.helper_dir.clone().unwrap_or_default().join(&program);
        let failed =
            |why: String| Error::Config(format!("credential helper {program} for {key}: {why}"));
        let mut child = Command::new(&path)
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| failed(format!("cannot run it: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(key.as_bytes())
                .map_err(|e| failed(format!("cannot write to it: {e}")))?;
        }
        let output = child
            .wait_with_output()
            .map_err(|e| failed(format!("cannot read its answer: {e}")))?;
        if !output.status.success() {
            // Its output is not shown: a helper may print anything, secrets included.
            if String::from_utf8_lossy(&output.stdout).contains("credentials not found") {
                return Ok(None);
            }
            return Err(failed(format!("it failed ({})", output.status)));
        }
        let answer: HelperAnswer = serde_json::from_slice(&output.stdout)
            .map_err(|_| failed("its answer is not the expected JSON".to_owned()))?;
        if answer.secret.is_empty() {
            return Ok(None);
        }
        let mut auth = AuthConfig {
            serveraddress: Some(key),
            ..Default::default()
        };
        if answer.username == "<token>" {
            auth.identitytoken = Some(answer.secret);
        } else {
            auth.username = Some(answer.username);
            auth.password = Some(answer.secret);
        }
        Ok(Some(auth))
    }
}

impl CredentialStore for RegistryAuth {
    fn credentials(&self, registry: &str) -> Result<Option<AuthConfig>, Error> {
        self.get(registry)
    }
}

/// The key a registry has in `config.json`: [`DOCKER_HUB`] for every name of Docker Hub
/// (`docker.io`, `index.docker.io`, `registry-1.docker.io`, `https://index.docker.io/v1/`), the
/// host name (with port) for others (`https://ghcr.io/v2/` → `ghcr.io`).
pub fn registry_key(registry: &str) -> String {
    let host = hostname(registry);
    match host.to_ascii_lowercase().as_str() {
        ""
        | "docker.io"
        | "index.docker.io"
        | "registry-1.docker.io"
        | "registry.hub.docker.com" => DOCKER_HUB.to_owned(),
        _ => host.to_owned(),
    }
}

/// The host name (with port) of a registry address: no scheme, no path.
fn hostname(registry: &str) -> &str {
    let rest = registry
        .strip_prefix("https://")
        .or_else(|| registry.strip_prefix("http://"))
        .unwrap_or(registry);
    rest.split('/').next().unwrap_or(rest)
}

/// The registry of an image reference: its first component when that is a host name (holds
/// `.` or `:`, or is `localhost`), else `docker.io`.
pub fn image_registry(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

//! Where the engine is and how to reach it, resolved like the docker CLI: `DOCKER_HOST`,
//! contexts, `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH`, `DOCKER_API_VERSION`; or set in code.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::{Docker, Error, TlsConfig};

/// The default address of a local engine.
#[cfg(not(windows))]
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// The default address of a local engine.
#[cfg(windows)]
pub const DEFAULT_HOST: &str = "npipe:////./pipe/docker_engine";

/// How long connecting (with the TLS handshake) may take, unless configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// An engine address in `DOCKER_HOST` syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Host {
    /// `unix:///var/run/docker.sock`.
    Unix(PathBuf),
    /// `tcp://host:port`, `http://host:port` or `https://host:port`, with an optional path
    /// prefix (`tcp://host:2375/prefix`).
    Tcp {
        /// A name, an IPv4 address, or an IPv6 address in brackets.
        host: String,
        /// `None` when the address has none: 2376 with TLS, else 2375, as the CLI does.
        port: Option<u16>,
        /// Prepended to every request path; empty, or starting with `/`.
        path: String,
        /// `https://`: TLS even without TLS settings.
        https: bool,
    },
    /// `npipe:////./pipe/docker_engine` (Windows).
    NamedPipe(String),
}

impl Host {
    /// Parses an address as `DOCKER_HOST` holds it. The error names the value.
    pub fn parse(value: &str) -> Result<Host, Error> {
        let invalid = |why: &str| Error::Config(format!("engine address {value:?} {why}"));
        let (scheme, rest) = value.split_once("://").ok_or_else(|| {
            invalid("has no scheme: use unix://, tcp://, http://, https:// or npipe://")
        })?;
        match scheme.to_ascii_lowercase().as_str() {
            "unix" => {
                let path = if rest.is_empty() {
                    DEFAULT_HOST
                        .strip_prefix("unix://")
                        .unwrap_or("/var/run/docker.sock")
                } else {
                    rest
                };
                if !path.starts_with('/') {
                    return Err(invalid("is not an absolute socket path"));
                }
                Ok(Host::Unix(PathBuf::from(path)))
            }
            "npipe" => {
                let pipe = if rest.is_empty() {
                    "//./pipe/docker_engine"
                } else {
                    rest
                };
                Ok(Host::NamedPipe(pipe.replace('/', "\\")))
            }
            scheme @ ("tcp" | "http" | "https") => {
                let (authority, path) = match rest.find('/') {
                    Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
                    None => (rest, ""),
                };
                if authority.contains('@') {
                    return Err(invalid("holds user information, which the engine ignores"));
                }
                if path.contains(['?', '#']) {
                    return Err(invalid("has a query or fragment"));
                }
                let (host, port) = split_host_port(authority).map_err(|why| invalid(&why))?;
                Ok(Host::Tcp {
                    host: if host.is_empty() {
                        "localhost".to_owned()
                    } else {
                        host.to_owned()
                    },
                    port,
                    path: path.to_owned(),
                    https: scheme == "https",
                })
            }
            "ssh" | "fd" => Err(invalid(&format!(
                "uses {scheme}://, which this client does not support"
            ))),
            _ => Err(invalid(
                "has an unknown scheme: use unix://, tcp://, http://, https:// or npipe://",
            )),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Unix(path) => write!(f, "unix://{}", path.display()),
            Host::Tcp {
                host,
                port,
                path,
                https,
            } => {
                let scheme = if *https { "https" } else { "tcp" };
                write!(f, "{scheme}://{host}")?;
                if let Some(port) = port {
                    write!(f, ":{port}")?;
                }
                write!(f, "{path}")
            }
            Host::NamedPipe(pipe) => write!(f, "npipe://{}", pipe.replace('\\', "/")),
        }
    }
}

/// `host:port`, `[v6]:port`, `host`, `:port`.
fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| "has an unclosed '[' in its address".to_owned())?;
        let after = &rest[end + 1..];
        let host = &authority[..end + 2];
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err("has text after the IPv6 address".to_owned()),
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => {
                return Err("has an IPv6 address without [brackets]".to_owned())
            }
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => return Err(format!("has an invalid port {port:?}")),
        },
    };
    if host.is_empty() && port.is_none() {
        return Err("names no host or port".to_owned());
    }
    if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '\\') {
        return Err("has an invalid host name".to_owned());
    }
    Ok((host, port))
}

/// Configuration of a [`Docker`] client: where the engine is, TLS, timeouts, API version.
///
/// ```no_run
/// # fn example() -> Result<(), docker_client::Error> {
/// use std::time::Duration;
/// use docker_client::{Docker, DockerBuilder, TlsConfig};
///
/// // Like the CLI, then with a limit on how long the engine may take to answer.
/// let docker = DockerBuilder::from_env()?
///     .header_timeout(Some(Duration::from_secs(60)))
///     .build()?;
///
/// // Or all in code.
/// let docker = Docker::builder()
///     .host("tcp://127.0.0.1:2376")
///     .tls(TlsConfig::new().ca_file("ca.pem")?.client_cert_files("cert.pem", "key.pem")?)
///     .connect_timeout(Duration::from_secs(5))
///     .api_version("1.41")
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct DockerBuilder {
    host: Option<String>,
    tls: Option<TlsConfig>,
    connect_timeout: Option<Duration>,
    header_timeout: Option<Duration>,
    api_version: Option<String>,
}

impl DockerBuilder {
    /// The defaults: the local engine ([`DEFAULT_HOST`]), no TLS, a 30 s connect timeout, no
    /// response-header timeout, API version [`crate::API_VERSION`].
    pub fn new() -> Self {
        DockerBuilder::default()
    }

    /// The configuration the docker CLI would use, from the process's environment: see
    /// [`DockerBuilder::from_env_vars`].
    pub fn from_env() -> Result<Self, Error> {
        resolve(&|name| std::env::var(name).ok())
    }

    /// The configuration the docker CLI would use with these environment variables:
    ///
    /// 1. `DOCKER_HOST` when set (with `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and `DOCKER_CERT_PATH`);
    /// 2. else the context named by `DOCKER_CONTEXT`, else `currentContext` of
    ///    `$DOCKER_CONFIG/config.json` (default `~/.docker`), read from the context store
    ///    (`contexts/meta/<sha256 of the name>/meta.json`, TLS files in
    ///    `contexts/tls/<sha256>/docker/`);
    /// 3. else the local engine, again with the TLS variables.
    ///
    /// TLS is on when `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is non-empty (any value, as for the
    /// CLI) or the address is `https://`; the engine's certificate is verified unless only
    /// `DOCKER_TLS` is set. Certificates come from `DOCKER_CERT_PATH`, else the config
    /// directory (`ca.pem`, `cert.pem`, `key.pem`, each when present). `DOCKER_API_VERSION`
    /// pins the API version. An invalid value is an [`Error::Config`] naming it.
    pub fn from_env_vars<I, K, V>(vars: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        resolve(&|name| vars.get(name).cloned())
    }

    /// The engine's address: `unix:///path`, `tcp://host:port`, `http://host:port`,
    /// `https://host:port`, or `npipe:////./pipe/name` on Windows.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Talks TLS to a `tcp://` engine.
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Talks plain HTTP to a `tcp://` engine (undoes [`DockerBuilder::tls`]).
    pub fn no_tls(mut self) -> Self {
        self.tls = None;
        self
    }

    /// How long connecting, with the TLS handshake, may take (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long the engine may take to send a response's headers, counted from when the
    /// request (with its body, for a streamed upload) has been sent; `None` (the default) waits
    /// as long as the engine takes. The body that follows the headers is never timed, so
    /// `logs?follow=1` and `events` streams run as long as they need. Some operations
    /// answer only when done (`commit`, `stop` with a long grace period, prunes): give them
    /// a client with a longer limit ([`Docker::with_header_timeout`]).
    pub fn header_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Sends this API version (`"1.41"`) instead of [`crate::API_VERSION`];
    /// [`Docker::negotiate_version`] keeps it.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The configured engine address.
    pub fn get_host(&self) -> &str {
        self.host.as_deref().unwrap_or(DEFAULT_HOST)
    }

    /// The configured TLS, if any.
    pub fn get_tls(&self) -> Option<&TlsConfig> {
        self.tls.as_ref()
    }

    /// The pinned API version, if any.
    pub fn get_api_version(&self) -> Option<&str> {
        self.api_version.as_deref()
    }

    /// The client. Fails with [`Error::Config`] on an invalid address, API version or TLS
    /// material; it does not connect yet.
    pub fn build(self) -> Result<Docker, Error> {
        let display = self.get_host().to_owned();
        let host = Host::parse(&display)?;
        let pinned = match &self.api_version {
            Some(version) => Some(
                parse_api_version(version)
                    .map_err(|why| Error::Config(format!("API version {version:?} {why}")))?,
            ),
            None => None,
        };
        crate::client::build(
            host,
            display,
            self.tls,
            self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            self.header_timeout,
            pinned,
        )
    }
}

/// `1.41` or `v1.41` → `1.41`.
pub(crate) fn parse_api_version(version: &str) -> Result<String, &'static str> {
    let version = version.strip_prefix('v').unwrap_or(version);
    let mut parts = version.split('.');
    let ok =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if ok(parts.next()) && ok(parts.next()) && parts.next().is_none() {
        Ok(version.to_owned())
    } else {
        Err("is not of the form 1.43")
    }
}

/// `config.json` of the docker CLI: the parts this client reads.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct ConfigFile {
    #[serde(rename = "currentContext", default)]
    pub current_context: Option<String>,
    #[serde(default)]
    pub auths: HashMap<String, crate::auth::AuthEntry>,
    #[serde(rename = "credsStore", default)]
    pub creds_store: Option<String>,
    #[serde(rename = "credHelpers", default)]
    pub cred_helpers: HashMap<String, String>,
}

impl ConfigFile {
    /// Reads `path`; a file that does not exist is an empty configuration.
    pub(crate) fn load(path: &Path) -> Result<ConfigFile, Error> {
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(e) => {
                return Err(Error::Config(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        ConfigFile::parse(&text, &path.display().to_string())
    }

    pub(crate) fn parse(text: &[u8], origin: &str) -> Result<ConfigFile, Error> {
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(ConfigFile::default());
        }
        // serde_json's message names a line and column, never the text: no secret leaks.
        serde_json::from_slice(text)
            .map_err(|e| Error::Config(format!("{origin} is not a valid docker config file: {e}")))
    }
}

/// The docker CLI's configuration directory: `DOCKER_CONFIG`, else `~/.docker`.
pub(crate) fn config_dir(var: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    if let Some(dir) = set("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir));
    }
    let home = if cfg!(windows) {
        set("USERPROFILE")
    } else {
        set("HOME")
    };
    home.map(|home| Path::new(&home).join(".docker"))
}

fn resolve(var: &dyn Fn(&str) -> Option<String>) -> Result<DockerBuilder, Error> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    let dir = config_dir(var);
    // The CLI: DOCKER_HOST wins over any context, then DOCKER_CONTEXT, then currentContext.
    let context = if set("DOCKER_HOST").is_some() {
        None
    } else if let Some(name) = set("DOCKER_CONTEXT") {
        Some((name, "DOCKER_CONTEXT".to_owned()))
    } else if let Some(dir) = &dir {
        let file = dir.join("config.json");
        ConfigFile::load(&file)?
            .current_context
            .filter(|name| !name.is_empty())
            .map(|name| (name, format!("currentContext of {}", file.display())))
    } else {
        None
    };
    let mut builder = match context {
        Some((name, from)) if name != "default" => {
            let dir = dir.ok_or_else(|| {
                Error::Config(format!(
                    "context {name:?} ({from}): no config directory (set DOCKER_CONFIG or HOME)"
                ))
            })?;
            from_context(&dir, &name, &from)?
        }
        _ => default_endpoint(&set, dir.as_deref())?,
    };
    if let Some(version) = set("DOCKER_API_VERSION") {
        parse_api_version(&version)
            .map_err(|why| Error::Config(format!("DOCKER_API_VERSION {version:?} {why}")))?;
        builder.api_version = Some(version);
    }
    Ok(builder)
}

/// The `default` context: `DOCKER_HOST` (else the local engine) and the TLS variables.
fn default_endpoint(
    set: &dyn Fn(&str) -> Option<String>,
    config_dir: Option<&Path>,
) -> Result<DockerBuilder, Error> {
    let host = set("DOCKER_HOST").unwrap_or_else(|| DEFAULT_HOST.to_owned());
    let parsed = Host::parse(&host)
        .map_err(|e| Error::Config(format!("DOCKER_HOST: {}", config_message(e))))?;
    let verify = set("DOCKER_TLS_VERIFY").is_some();
    let tls_only = set("DOCKER_TLS").is_some();
    let https = matches!(parsed, Host::Tcp { https: true, .. });
    let mut builder = DockerBuilder::new().host(host);
    if (verify || tls_only || https) && matches!(parsed, Host::Tcp { .. }) {
        let tls = match set("DOCKER_CERT_PATH") {
            Some(dir) => TlsConfig::from_cert_dir(&dir)
                .map_err(|e| Error::Config(format!("DOCKER_CERT_PATH: {}", config_message(e))))?,
            None => match config_dir {
                Some(dir) if dir.is_dir() => TlsConfig::from_cert_dir(dir)?,
                _ => TlsConfig::new(),
            },
        };
        builder = builder.tls(tls.danger_accept_invalid_certs(tls_only && !verify));
    }
    Ok(builder)
}

fn config_message(error: Error) -> String {
    match error {
        Error::Config(message) => message,
        other => other.to_string(),
    }
}

/// The hex sha256 of a context name: its directory in the context store.
pub(crate) fn context_id(name: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A context's `meta.json`: the parts this client reads.
#[derive(Deserialize)]
struct ContextMeta {
    #[serde(rename = "Endpoints", default)]
    endpoints: HashMap<String, EndpointMeta>,
}

#[derive(Deserialize)]
struct EndpointMeta {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

/// A named context from the context store under `config_dir`.
fn from_context(config_dir: &Path, name: &str, from: &str) -> Result<DockerBuilder, Error> {
    let id = context_id(name);
    let meta_path = config_dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = std::fs::read(&meta_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Config(format!(
                "context {name:?} ({from}) does not exist: {} is missing",
                meta_path.display()
            ))
        } else {
            Error::Config(format!(
                "context {name:?}: cannot read {}: {e}",
                meta_path.display()
            ))
        }
    })?;
    let meta: ContextMeta = serde_json::from_slice(&text).map_err(|e| {
        Error::Config(format!(
            "context {name:?}: {} is not a valid context: {e}",
            meta_path.display()
        ))
    })?;
    let endpoint = meta.endpoints.get("docker").ok_or_else(|| {
        Error::Config(format!(
            "context {name:?} ({}) has no docker endpoint",
            meta_path.display()
        ))
    })?;
    let host = endpoint
        .host
        .clone()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| DEFAULT_HOST.to_owned());
    let parsed = Host::parse(&host)
        .map_err(|e| Error::Config(format!("context {name:?}: {}", config_message(e))))?;
    let mut builder = DockerBuilder::new().host(host);
    if let Host::Tcp { https, .. } = parsed {
        let tls_dir = config_dir
            .join("contexts")
            .join("tls")
            .join(&id)
            .join("docker");
        let tls =
            if tls_dir.is_dir() {
                Some(TlsConfig::from_cert_dir(&tls_dir).map_err(|e| {
                    Error::Config(format!("context {name:?}: {}", config_message(e)))
                })?)
            } else if endpoint.skip_tls_verify || https {
                Some(TlsConfig::new())
            } else {
                None
            };
        if let Some(tls) = tls {
            builder = builder.tls(tls.danger_accept_invalid_certs(endpoint.skip_tls_verify));
        }
    }
    Ok(builder)
}

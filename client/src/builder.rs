//! Making a client: in code with [`DockerBuilder`], or as the docker CLI would.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::client::Docker;
use crate::error::Error;
use crate::host::{locate, Host, DEFAULT_HOST};
use crate::ssh::SshSettings;
use crate::tls::TlsConfig;
use crate::transport::{Hook, Timeouts, Transport, Wiring};
use crate::version::ApiVersion;

/// How long connecting (with the TLS handshake) may take, unless configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer read whole into memory (a JSON document, a text), unless configured:
/// 256 MiB. The largest real answers are lists (`containers/json?all=1`, `images/json`,
/// `tasks`, `system/df`), a few KiB per object: 256 MiB holds about 100,000 of them, more
/// than an engine or a swarm keeps; an engine that sends more (or never ends) gets an
/// [`Error::BodyTooLarge`] rather than the client's memory. Streams (logs, events, exports,
/// progress) are not read whole and have no such limit.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 256 << 20;

/// Configuration of a [`Docker`] client: where the engine is, TLS, timeouts, API version, the
/// largest answer read whole, and anything else reqwest offers.
///
/// ```no_run
/// # fn example() -> Result<(), docker_client::Error> {
/// use std::time::Duration;
/// use docker_client::{ApiVersion, Docker, DockerBuilder, TlsConfig};
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
///     .api_version(ApiVersion::new(1, 41))
///     .build()?;
/// # Ok(()) }
/// ```
///
/// # Timeouts
///
/// | wait | default | covers |
/// | --- | --- | --- |
/// | [connect](DockerBuilder::connect_timeout) | 30 s | opening a connection: the TCP or socket connect and the TLS handshake |
/// | [response headers](DockerBuilder::header_timeout) | none | from the end of the request (for a streamed upload, from when it has all been sent) to the response's status line and headers |
/// | [idle](DockerBuilder::idle_timeout) | none | the longest pause between two reads of a response body, or two writes of an upload (the engine not taking more) |
///
/// When the idle timeout is not set, the header timeout stands in for it on bodies read whole
/// (JSON answers, errors) and on uploads; the bodies of streams (events, logs, stats,
/// progress, build output, exports) and the wait of `container_wait` are then not timed, so
/// `logs?follow=1` and `events` run as long as they need. There is no total timeout. An
/// attached (upgraded) connection is not timed. Some operations answer only when done
/// (`commit`, `stop` with a long grace period, prunes): give them a client with a longer header
/// timeout ([`Docker::with_header_timeout`]). Each wait that runs out is an
/// [`Error::Timeout`] saying which.
#[derive(Clone, Debug, Default)]
pub struct DockerBuilder {
    address: Option<Address>,
    tls: Option<TlsConfig>,
    connect_timeout: Option<Duration>,
    timeouts: Timeouts,
    api_version: Option<ApiVersion>,
    max_body_size: Option<u64>,
    /// (Named so in `Debug`, as the method that sets it.)
    reqwest: Option<Hook>,
    ssh: SshSettings,
}

/// Where the engine is, as given.
#[derive(Clone, Debug)]
enum Address {
    /// In `DOCKER_HOST` syntax.
    Text(String),
    /// A unix socket's path ([`Docker::connect_unix`]), which need not be UTF-8.
    Socket(PathBuf),
}

impl DockerBuilder {
    /// The defaults: the local engine ([`DEFAULT_HOST`]), no TLS, a 30 s connect timeout, no
    /// header or idle timeout, API version [`crate::API_VERSION`], answers read whole up to
    /// [`DEFAULT_MAX_BODY_SIZE`].
    pub fn new() -> Self {
        DockerBuilder::default()
    }

    /// The configuration the docker CLI would use, from the process's environment: see
    /// [`DockerBuilder::from_env_vars`].
    pub fn from_env() -> Result<Self, Error> {
        DockerBuilder::located(&|name| std::env::var(name).ok())
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
    /// TLS is on for a TCP engine when `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is non-empty (any
    /// value, as for the CLI), or the address is `https://`; the engine's certificate is
    /// verified unless only `DOCKER_TLS` is set. The TLS variables read `ca.pem` (which must
    /// exist, as for the CLI), `cert.pem` and `key.pem` from `DOCKER_CERT_PATH`, else the
    /// config directory ([`TlsConfig::from_cert_dir`]); `https://` alone trusts the platform's
    /// authorities. `DOCKER_API_VERSION` pins the API version. An invalid value is an
    /// [`Error::Config`] naming it.
    pub fn from_env_vars<I, K, V>(vars: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars = vars.into_iter().map(|(k, v)| (k.into(), v.into()));
        let vars: HashMap<String, String> = vars.collect();
        DockerBuilder::located(&|name| vars.get(name).cloned())
    }

    fn located(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let located = locate(var)?;
        Ok(DockerBuilder {
            address: Some(Address::Text(located.host)),
            tls: located.tls,
            api_version: located.api_version,
            ..DockerBuilder::default()
        })
    }

    /// The engine's address: `unix:///path`, `tcp://host:port`, `http://host:port`,
    /// `https://host:port`, `ssh://[user@]host[:port][/socket/path]` (see
    /// [`DockerBuilder::ssh_options`]), or `npipe:////./pipe/name` on Windows.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.address = Some(Address::Text(host.into()));
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
    /// as long as the engine takes. See [the table](DockerBuilder#timeouts).
    pub fn header_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.header = timeout;
        self
    }

    /// The longest pause between two reads of a response body, or two writes of an upload;
    /// `None` (the default) lets the header timeout stand in for it on bodies read whole and
    /// uploads, and leaves streams untimed. Set, it times streams too: an `events` stream
    /// quiet for longer ends with an [`Error::Timeout`]. See [the table](DockerBuilder#timeouts).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.idle = timeout;
        self
    }

    /// Pins the API version: requests carry it instead of settling one with the engine on first
    /// use (see [`Docker`](crate::Docker#api-versions)).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    /// The largest answer read whole into memory, in bytes (default
    /// [`DEFAULT_MAX_BODY_SIZE`]); a larger one is an [`Error::BodyTooLarge`].
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// Adjusts the reqwest client with what reqwest offers and this builder does not: a proxy
    /// in code (`.proxy(reqwest::Proxy::https("http://proxy:3128")?)`), pool settings, a local
    /// address, DNS overrides, a connector layer, another `User-Agent`. `reqwest` is
    /// re-exported as [`crate::reqwest`], the version the client uses.
    ///
    /// The hook runs on a builder on which the client has set the `User-Agent`, TCP keep-alive
    /// (30 s, as the Go client) and, for a loopback engine, no proxy (the environment's
    /// `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` apply to other TCP engines); the hook may
    /// change these. After the hook the client sets what the wire needs, which the hook cannot
    /// change: the unix socket or named pipe, the TLS configuration (a [`TlsConfig`]; reqwest's
    /// own TLS settings, such as `add_root_certificate`, do not apply), the connect timeout,
    /// HTTP/1.1 only, no redirects, and its retry policy. Proxies never apply to sockets and
    /// pipes. A second call replaces the first hook.
    pub fn reqwest<F>(mut self, hook: F) -> Self
    where
        F: Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    {
        self.reqwest = Some(Hook(Arc::new(hook)));
        self
    }

    /// The options given to `ssh` for an `ssh://` engine, before the destination: a key
    /// (`["-i", "/home/me/.ssh/engine"]`), a configuration file (`["-F", "ssh_config"]`),
    /// `-o` settings. The client adds `-o ConnectTimeout=` (the connect timeout, in seconds) and
    /// `-o BatchMode=yes` unless these options name them, and `-T`: ssh never waits for a
    /// password or a passphrase, which a library has no terminal to ask on (keys come from
    /// the files ssh reads and from its agent). A second call replaces the first.
    pub fn ssh_options<I, S>(mut self, options: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.ssh.options = options.into_iter().map(Into::into).collect();
        self
    }

    /// The program started instead of `ssh` (found on `PATH`; `ssh.exe` on Windows) for each
    /// connection to an `ssh://` engine. It gets ssh's arguments, ending with `-- host docker
    /// [--host=unix:///path] system dial-stdio`, and must carry the engine's HTTP over its
    /// standard input and output.
    pub fn ssh_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.ssh.program = Some(program.into());
        self
    }

    /// The configured engine address.
    pub fn get_host(&self) -> String {
        match &self.address {
            None => DEFAULT_HOST.to_owned(),
            Some(Address::Text(text)) => text.clone(),
            Some(Address::Socket(path)) => format!("unix://{}", path.display()),
        }
    }

    /// The configured TLS, if any.
    pub fn get_tls(&self) -> Option<&TlsConfig> {
        self.tls.as_ref()
    }

    /// The pinned API version, if any.
    pub fn get_api_version(&self) -> Option<ApiVersion> {
        self.api_version
    }

    /// The client. Fails with [`Error::Config`] on an invalid address or TLS material; it does
    /// not connect yet.
    pub fn build(self) -> Result<Docker, Error> {
        let display = self.get_host();
        let mut host = match self.address {
            Some(Address::Socket(path)) => Host::Unix(path),
            _ => Host::parse(&display)?,
        };
        let tls = match &mut host {
            // `https://` alone: TLS against the platform's authorities.
            Host::Tcp { https, .. } => {
                let tls = self.tls.or_else(|| https.then(TlsConfig::new));
                *https = tls.is_some();
                tls
            }
            // (Sockets, pipes and ssh take no TLS.)
            _ => None,
        };
        let transport = Transport::new(Wiring {
            host,
            display,
            tls,
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            timeouts: self.timeouts,
            max_body: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY_SIZE),
            hook: self.reqwest,
            ssh: self.ssh,
        })?;
        let version = self.api_version.unwrap_or(crate::generated::history::OWN);
        Ok(Docker::new(transport, version, self.api_version.is_some()))
    }
}

/// The ways to make a client.
impl Docker {
    /// A client configured like the `docker` CLI: `DOCKER_HOST`, else the current context
    /// (`DOCKER_CONTEXT`, else `currentContext` of `~/.docker/config.json`), else the local
    /// socket `/var/run/docker.sock`; TLS from `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` (or
    /// the context); `DOCKER_API_VERSION` pins the API version. See
    /// [`DockerBuilder::from_env_vars`] for the details.
    pub fn from_env() -> Result<Self, Error> {
        DockerBuilder::from_env()?.build()
    }

    /// A builder of a client configured in code.
    pub fn builder() -> DockerBuilder {
        DockerBuilder::new()
    }

    /// A client of the engine at `host`: `unix:///path/to/socket`, `tcp://host:port`,
    /// `http://host:port`, `https://host:port` (TLS, verified against the platform's
    /// certificate authorities), `ssh://[user@]host[:port][/socket/path]` (the system `ssh`
    /// with its own configuration and agent; see [`DockerBuilder::ssh_options`]), or
    /// `npipe:////./pipe/name` on Windows.
    pub fn connect(host: &str) -> Result<Self, Error> {
        DockerBuilder::new().host(host).build()
    }

    /// A client of the engine listening on the unix socket at `path`.
    pub fn connect_unix(path: impl AsRef<Path>) -> Result<Self, Error> {
        DockerBuilder {
            address: Some(Address::Socket(path.as_ref().to_owned())),
            ..DockerBuilder::default()
        }
        .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `built` is a client when the feature `name` is on (`on`), else a configuration error
    /// that names the feature.
    fn built_with_feature(on: bool, name: &str, built: Result<Docker, Error>) {
        match built {
            Ok(_) if on => {}
            Err(Error::Config(message)) if !on => {
                assert!(message.contains(&format!("`{name}` feature")), "{message}")
            }
            Ok(_) => panic!("a client that needs the `{name}` feature was built without it"),
            Err(other) => panic!("{other}"),
        }
    }

    /// TLS, asked for by an `https://` address or by the builder, needs the `tls` feature.
    #[test]
    fn tls_needs_the_tls_feature() {
        let tls = cfg!(feature = "tls");
        let https = Docker::builder().host("https://10.0.0.5:2376").build();
        built_with_feature(tls, "tls", https);
        let insecure = TlsConfig::new().danger_accept_invalid_certs(true);
        let tcp = Docker::builder().host("tcp://10.0.0.5:2376").tls(insecure);
        built_with_feature(tls, "tls", tcp.build());
        // Plain TCP needs no TLS in any build.
        Docker::builder()
            .host("tcp://10.0.0.5:2375")
            .build()
            .unwrap();
    }

    /// An `ssh://` engine needs the `ssh` feature (building its client starts no ssh yet).
    #[test]
    fn ssh_needs_the_ssh_feature() {
        let ssh = Docker::builder().host("ssh://me@engine.example").build();
        built_with_feature(cfg!(feature = "ssh"), "ssh", ssh);
    }

    /// A client on a socket talks to its engine in every build, with or without TLS.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_socket_engine_is_reached_in_every_build() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir =
            std::env::temp_dir().join(format!("docker-client-builder-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("engine.sock");
        let _ = std::fs::remove_file(&socket);
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let engine = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = stream.read(&mut buf).await.unwrap();
                assert!(n > 0, "the request ended early");
                request.extend_from_slice(&buf[..n]);
            }
            let answer = "HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\nContent-Length: 2\r\n\r\nOK";
            stream.write_all(answer.as_bytes()).await.unwrap();
            String::from_utf8(request).unwrap()
        });
        let docker = Docker::connect_unix(&socket).unwrap();
        let ping = docker.system_ping().await.unwrap();
        assert_eq!(ping.body, "OK");
        let request = engine.await.unwrap();
        assert!(request.starts_with("GET /_ping HTTP/1.1\r\n"), "{request}");
        assert!(
            request.contains("host: api.moby.localhost\r\n"),
            "{request}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::runtime::{Request, Response};
use crate::{Error, API_VERSION};

/// The default address of a local engine.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// A client of one Docker Engine. Cheap to clone and safe to share between tasks: clones share
/// one connection pool.
#[derive(Clone, Debug)]
pub struct Docker {
    http: reqwest::Client,
    /// Scheme and authority requests are sent to (`http://localhost` over a unix socket).
    base: Arc<str>,
    /// Where the engine is, for error messages (`unix:///var/run/docker.sock`).
    host: Arc<str>,
    /// The API version in every request's path, without the `v`.
    version: Arc<str>,
}

impl Docker {
    /// A client configured like the `docker` CLI: `DOCKER_HOST` when set, else the local unix
    /// socket `/var/run/docker.sock`.
    pub fn from_env() -> Result<Self, Error> {
        match std::env::var("DOCKER_HOST") {
            Ok(host) if !host.is_empty() => Docker::connect(&host),
            _ => Docker::connect_unix(DEFAULT_SOCKET),
        }
    }

    /// A client of the engine at `host`: `unix:///path/to/socket`, `tcp://host:port` or
    /// `http://host:port`.
    pub fn connect(host: &str) -> Result<Self, Error> {
        if let Some(path) = host.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(Error::Config(format!(
                    "DOCKER_HOST {host:?} names no socket path"
                )));
            }
            Docker::connect_unix(path)
        } else if let Some(address) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            let address = address.trim_end_matches('/');
            if address.is_empty() || address.contains('/') {
                return Err(Error::Config(format!(
                    "DOCKER_HOST {host:?} is not host:port"
                )));
            }
            let http = builder().build().map_err(|e| Error::transport(host, e))?;
            Ok(Docker::with_client(
                http,
                format!("http://{address}"),
                host.to_owned(),
            ))
        } else {
            Err(Error::Config(format!(
                "DOCKER_HOST {host:?} is not supported: use unix://, tcp:// or http://"
            )))
        }
    }

    /// A client of the engine listening on the unix socket at `path`.
    pub fn connect_unix(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path: PathBuf = path.as_ref().to_owned();
        let host = format!("unix://{}", path.display());
        let http = builder()
            .unix_socket(path)
            .build()
            .map_err(|e| Error::transport(&host, e))?;
        Ok(Docker::with_client(
            http,
            "http://localhost".to_owned(),
            host,
        ))
    }

    fn with_client(http: reqwest::Client, base: String, host: String) -> Self {
        Docker {
            http,
            base: base.into(),
            host: host.into(),
            version: API_VERSION.into(),
        }
    }

    /// The same client, sending requests for another API version (`"1.41"`).
    pub fn with_api_version(&self, version: &str) -> Self {
        Docker {
            version: version.trim_start_matches('v').into(),
            ..self.clone()
        }
    }

    /// The API version in the path of every request.
    pub fn api_version(&self) -> &str {
        &self.version
    }

    /// The engine address, as given (`unix:///var/run/docker.sock`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Sends a request. Statuses of 400 and above, and redirects, are errors.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, Error> {
        let url = request.url(&self.base, &self.version);
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::InvalidArgument(format!("bad method {}", request.method)))?;
        let mut builder = self.http.request(method, url);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        if let Some((body, content_type)) = request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body);
        }
        let response = builder
            .send()
            .await
            .map_err(|e| Error::transport(&self.host, e))?;
        Response::check(response, &self.host).await
    }
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!(
            env!("CARGO_PKG_NAME"),
            "/",
            env!("CARGO_PKG_VERSION")
        ))
        // The engine never redirects a valid request; following one could leave the path an
        // argument was meant to stay inside.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(30))
        .http1_only()
        .no_proxy()
}

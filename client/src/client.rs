//! The client: a transport to one engine, and the API version every request's path starts
//! with.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;

use crate::error::Error;
use crate::runtime::{Request, Response};
use crate::transport::Transport;
use crate::version::ApiVersion;

/// A client of one Docker Engine. Cheap to clone and safe to share between tasks: clones share
/// one pool of kept-alive connections.
///
/// ```no_run
/// # async fn example() -> Result<(), docker_client::Error> {
/// use docker_client::Docker;
///
/// // Where the docker CLI would go: DOCKER_HOST, a context, else /var/run/docker.sock.
/// let docker = Docker::from_env()?
///     // Speak the engine's version when it is older than this client's.
///     .negotiate_version()
///     .await?;
/// println!("API {}", docker.api_version());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Docker {
    transport: Transport,
    api: Arc<Api>,
}

/// The API version of a client and of its clones.
#[derive(Debug)]
struct Api {
    /// Set by the user (builder, `DOCKER_API_VERSION`, [`Docker::with_api_version`]):
    /// negotiation keeps it.
    pinned: bool,
    /// The version requests carry unless one is settled.
    requested: Speaking,
    /// A version settled once for this client and all its clones, which requests carry from
    /// then on. (Nothing settles one yet: [`Docker::negotiate_version`] makes another client.)
    settled: OnceLock<Speaking>,
}

/// An API version and the path prefix that says it.
#[derive(Debug)]
struct Speaking {
    version: ApiVersion,
    /// `/v1.43`.
    prefix: Box<str>,
}

impl Speaking {
    fn new(version: ApiVersion) -> Speaking {
        Speaking {
            version,
            prefix: format!("/v{version}").into(),
        }
    }
}

impl Api {
    fn new(version: ApiVersion, pinned: bool) -> Arc<Api> {
        Arc::new(Api {
            pinned,
            requested: Speaking::new(version),
            settled: OnceLock::new(),
        })
    }

    fn speaking(&self) -> &Speaking {
        self.settled.get().unwrap_or(&self.requested)
    }
}

impl Docker {
    /// A client on `transport` speaking `version`.
    pub(crate) fn new(transport: Transport, version: ApiVersion, pinned: bool) -> Docker {
        Docker {
            transport,
            api: Api::new(version, pinned),
        }
    }

    /// The same client (sharing its connections), sending requests for another API version.
    /// [`Docker::negotiate_version`] keeps it.
    pub fn with_api_version(&self, version: ApiVersion) -> Docker {
        Docker {
            transport: self.transport.clone(),
            api: Api::new(version, true),
        }
    }

    /// The same client (sharing its connections) with another response-header timeout; see
    /// [`DockerBuilder`](crate::DockerBuilder) for what it covers.
    pub fn with_header_timeout(&self, timeout: Option<Duration>) -> Docker {
        let mut docker = self.clone();
        docker.transport.timeouts.header = timeout;
        docker
    }

    /// The same client (sharing its connections) with another idle timeout; see
    /// [`DockerBuilder`](crate::DockerBuilder) for what it covers.
    pub fn with_idle_timeout(&self, timeout: Option<Duration>) -> Docker {
        let mut docker = self.clone();
        docker.transport.timeouts.idle = timeout;
        docker
    }

    /// Asks the engine which API version it speaks (`GET /_ping`, header `API-Version`) and
    /// returns a client (sharing this one's connections) that speaks the lower of that and
    /// this client's, as the Go client does. A version the user pinned is kept as it is. An
    /// `API-Version` that is not `MAJOR.MINOR` is an [`Error::Decode`].
    pub async fn negotiate_version(&self) -> Result<Docker, Error> {
        if self.api.pinned {
            return Ok(self.clone());
        }
        let engine = self.engine_version().await?;
        if engine < self.api_version() {
            Ok(Docker {
                transport: self.transport.clone(),
                api: Api::new(engine, false),
            })
        } else {
            Ok(self.clone())
        }
    }

    /// The engine's API version, from a `/_ping` without a version prefix: an engine refuses a
    /// prefix newer than its own.
    async fn engine_version(&self) -> Result<ApiVersion, Error> {
        let request = Request::new("SystemPing", "GET", "/_ping".to_owned());
        let outgoing = request.into_outgoing("");
        let ping = Response::new(self.transport.send(outgoing).await?);
        if !ping.is_success() {
            return Err(ping.into_error().await);
        }
        let status = ping.status();
        let version = match ping.header("Api-Version").filter(|v| !v.trim().is_empty()) {
            // An engine that sends none is older than 1.25 (the Go client assumes 1.24).
            None => ApiVersion::new(1, 24),
            Some(text) => text.trim().parse().map_err(|e| Error::Decode {
                status,
                message: format!("the engine's API-Version header: {e}"),
                body: Bytes::new(),
            })?,
        };
        ping.unit().await?;
        Ok(version)
    }

    /// The API version in the path of every request.
    pub fn api_version(&self) -> ApiVersion {
        self.api.speaking().version
    }

    /// The engine address (`unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`).
    pub fn host(&self) -> &str {
        &self.transport.wire.host
    }

    /// The response-header timeout, if any.
    pub fn header_timeout(&self) -> Option<Duration> {
        self.transport.timeouts.header
    }

    /// The idle timeout, if any.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.transport.timeouts.idle
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.transport.wire.connect_timeout
    }

    /// The largest answer read whole, in bytes.
    pub fn max_body_size(&self) -> u64 {
        self.transport.wire.max_body
    }

    /// Sends a request. Statuses of 400 and above, and redirects, are errors.
    pub(crate) async fn send(&self, request: Request) -> Result<Response, Error> {
        let outgoing = request.into_outgoing(&self.api.speaking().prefix);
        let response = Response::new(self.transport.send(outgoing).await?);
        if response.is_success() {
            Ok(response)
        } else {
            Err(response.into_error().await)
        }
    }
}

impl std::fmt::Debug for Docker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // (Not the reqwest client: its proxies may hold credentials.)
        let wire = &self.transport.wire;
        f.debug_struct("Docker")
            .field("host", &wire.host)
            .field("api_version", &self.api_version())
            .field("pinned", &self.api.pinned)
            .field("timeouts", &self.transport.timeouts)
            .finish_non_exhaustive()
    }
}

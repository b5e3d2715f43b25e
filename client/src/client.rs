//! The client: a transport to one engine, and the API version every request's path starts
//! with.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::{self, Either};
use futures::FutureExt;
use tokio::sync::OnceCell;

use crate::compat;
use crate::error::Error;
use crate::request::{decode, Request, Response};
use crate::transport::Transport;
use crate::version::ApiVersion;

/// A client of one Docker Engine. Cheap to clone and safe to share between tasks: clones share
/// one pool of kept-alive connections, and the API version settled with the engine.
///
/// ```no_run
/// # async fn example() -> Result<(), docker_client::Error> {
/// use docker_client::Docker;
///
/// // Where the docker CLI would go: DOCKER_HOST, a context, else /var/run/docker.sock.
/// let docker = Docker::from_env()?;
/// // The first request settles the API version: the engine's when it is older than the
/// // client's (one `/_ping`, shared by clones), unless DOCKER_API_VERSION pins one.
/// let info = docker.system_info().await?;
/// println!("{:?} at API {}", info.server_version, docker.api_version());
/// # Ok(()) }
/// ```
///
/// # API versions
///
/// To an engine older than the client's API version ([`crate::API_VERSION`]), a request using
/// an operation, query parameter or body field that the engine's version lacks fails with
/// [`Error::RequiresApiVersion`] before anything is sent; fields left unset never count. Some
/// requests are adjusted instead, as the Go client does (an image list's `shared-size` is left
/// out below 1.42, a network created below 1.44 asks the engine to refuse duplicate names): the
/// choices are data, `spec/compat.yaml`, listed in [`crate::compat`]. Below API 1.42, whose
/// engines label all container output `raw-stream`, logs, attach and exec output is read by the
/// TTY setting: an exec start's own, or the container's (one inspect). Answers decode into this
/// version's types; what an older engine leaves out is `None`.
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
    /// The version settled with the engine on first use (or by [`Docker::negotiate_version`]),
    /// once for this client and all its clones; requests carry it from then on.
    settled: OnceCell<Speaking>,
}

/// An API version and the path prefix that says it.
#[derive(Debug)]
struct Speaking {
    version: ApiVersion,
    /// `/v1.43`.
    prefix: Box<str>,
    /// Whether requests may use what the version lacks, or need adjusting for it: it is older
    /// than the client's own (or than a rule of `spec/compat.yaml` applies below).
    older: bool,
}

impl Speaking {
    fn new(version: ApiVersion) -> Speaking {
        Speaking {
            version,
            prefix: format!("/v{version}").into(),
            older: version < compat::checked_below(),
        }
    }
}

impl Api {
    fn speaking(&self) -> &Speaking {
        self.settled.get().unwrap_or(&self.requested)
    }

    /// The version to speak when it needs no negotiation: pinned, or settled.
    fn ready(&self) -> Option<&Speaking> {
        match self.pinned {
            true => Some(&self.requested),
            false => self.settled.get(),
        }
    }
}

/// The first API version whose engines label output streams by the TTY setting.
const LABELLED_STREAMS: ApiVersion = ApiVersion::new(1, 42);

impl Docker {
    /// A client on `transport` speaking `version`.
    pub(crate) fn new(transport: Transport, version: ApiVersion, pinned: bool) -> Docker {
        let api = Api {
            pinned,
            requested: Speaking::new(version),
            settled: OnceCell::new(),
        };
        Docker {
            transport,
            api: Arc::new(api),
        }
    }

    /// The same client (sharing its connections), sending requests for another API version,
    /// which negotiation keeps; requests are still checked against it.
    pub fn with_api_version(&self, version: ApiVersion) -> Docker {
        Docker::new(self.transport.clone(), version, true)
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

    /// Settles the API version with the engine now rather than on first use: asks the engine
    /// which version it speaks (`GET /_ping`, header `API-Version`) and speaks the lower of that
    /// and this client's from then on, as the Go client does; clones share the outcome. A
    /// version the user pinned is kept as it is. An `API-Version` that is not `MAJOR.MINOR` is an
    /// [`Error::Decode`]. Returns the client (a clone sharing this one's connections).
    pub async fn negotiate_version(&self) -> Result<Docker, Error> {
        self.speaking_now().await?;
        Ok(self.clone())
    }

    /// The version to speak: the pinned one, else the one settled with the engine, settling it
    /// with one `/_ping` on first use (concurrent first uses wait for the same one; a failed
    /// ping settles nothing).
    async fn speaking_now(&self) -> Result<&Speaking, Error> {
        if let Some(ready) = self.api.ready() {
            return Ok(ready);
        }
        self.api
            .settled
            .get_or_try_init(|| async { Ok(self.speaking_to(self.engine_version().await?)) })
            .await
    }

    /// The engine's API version, from a `/_ping` without a version prefix: an engine refuses a
    /// prefix newer than its own.
    async fn engine_version(&self) -> Result<ApiVersion, Error> {
        let request = Request::new("SystemPing", "GET", "/_ping".to_owned());
        let ping = self.send_at(request, "").await?;
        // An engine that sends none is older than 1.25 (the Go client assumes 1.24).
        let version = announced_version(&ping).unwrap_or(Ok(ApiVersion::new(1, 24)))?;
        ping.bytes().await?;
        Ok(version)
    }

    /// What the client speaks to an engine of version `engine`: the lower of the two.
    fn speaking_to(&self, engine: ApiVersion) -> Speaking {
        Speaking::new(engine.min(self.api.requested.version))
    }

    /// The API version in the path of every request: the pinned one, else the one settled
    /// with the engine, else (before the first request) the one the client asks for.
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
    ///
    /// Settles the API version first (see [`Docker::negotiate_version`]). To an older engine,
    /// a request using what its version lacks is refused before anything is sent, or adjusted
    /// as `spec/compat.yaml` chose; below API 1.42 container output is read by its TTY setting,
    /// which the engines of those versions do not label.
    ///
    /// Once the version is settled and is not older than the client's, the request goes out at
    /// once, and its future is reqwest's and little more; the rest (the negotiation, the checks
    /// and probes for an older engine) is in a boxed future of its own.
    pub(crate) fn send(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        let ping = matches!(request.operation(), "SystemPing" | "SystemPingHead");
        // A ping goes without a version prefix, which an engine older than the client would
        // refuse, as the Go client sends it.
        let prefix = match ping {
            true => Some(""),
            false => self.api.ready().filter(|s| !s.older).map(|s| &*s.prefix),
        };
        match prefix {
            Some(prefix) => {
                // (A combinator rather than an `async` block, which would hold the future twice.)
                Either::Left(self.send_at(request, prefix).map(move |response| {
                    let response = response?;
                    if ping {
                        self.settle_from(&response);
                    }
                    Ok(response)
                }))
            }
            None => Either::Right(Box::pin(self.send_fitted(request))),
        }
    }

    /// Sends a request once the version is settled, fitting it to an older engine.
    async fn send_fitted(&self, mut request: Request) -> Result<Response, Error> {
        let speaking = self.speaking_now().await?;
        let mut tty = None;
        if speaking.older {
            request.fit(speaking.version)?;
            if speaking.version < LABELLED_STREAMS {
                tty = self.tty_of(TtyProbe::of(&request), speaking).await?;
            }
        }
        let response = self.send_at(request, &speaking.prefix).await?;
        Ok(response.with_tty(tty))
    }

    /// A ping's `API-Version` settles the version when none is.
    fn settle_from(&self, ping: &Response) {
        if !self.api.pinned && !self.api.settled.initialized() {
            if let Some(Ok(engine)) = announced_version(ping) {
                // (Settled meanwhile by another request: that one stays.)
                let _ = self.api.settled.set(self.speaking_to(engine));
            }
        }
    }

    /// Sends a request after the version's `prefix`: it goes out before the future is polled,
    /// which holds no copy of it.
    fn send_at(
        &self,
        request: Request,
        prefix: &str,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        let sent = match self.transport.send(request.into_outgoing(prefix)) {
            Ok(sent) => sent,
            Err(e) => return Either::Left(future::ready(Err(e))),
        };
        // (Combinators rather than an `async` block, which would hold the future twice.)
        Either::Right(sent.then(|incoming| match incoming.map(Response::new) {
            Ok(response) if response.is_success() => Either::Left(future::ready(Ok(response))),
            // (Boxed: the reading of an error's body stays out of every request's future.)
            Ok(response) => Either::Right(Box::pin(response.into_error()).map(Err)),
            Err(e) => Either::Left(future::ready(Err(e))),
        }))
    }

    /// Whether the process whose output `probe` asks about has a TTY, reading the container's
    /// configuration when that is what it takes.
    async fn tty_of(&self, probe: TtyProbe, speaking: &Speaking) -> Result<Option<bool>, Error> {
        let container = match probe {
            TtyProbe::None => return Ok(None),
            TtyProbe::Known(tty) => return Ok(Some(tty)),
            TtyProbe::Container(id) => id,
        };
        let path = format!("/containers/{container}/json");
        let inspect = Request::new("ContainerInspect", "GET", path);
        let (status, body) = self
            .send_at(inspect, &speaking.prefix)
            .await?
            .bytes()
            .await?;
        let config: serde_json::Value = decode(status, body)?;
        let tty = config
            .pointer("/Config/Tty")
            .and_then(serde_json::Value::as_bool);
        Ok(Some(tty.unwrap_or(false)))
    }
}

/// The `API-Version` a ping's answer announces, when it has one; one that is not `MAJOR.MINOR`
/// is an [`Error::Decode`].
fn announced_version(ping: &Response) -> Option<Result<ApiVersion, Error>> {
    let text = ping
        .header("Api-Version")
        .filter(|v| !v.trim().is_empty())?;
    Some(text.trim().parse().map_err(|e| Error::Decode {
        status: ping.status(),
        message: format!("the engine's API-Version header: {e}"),
        body: Bytes::new(),
    }))
}

/// How to learn whether the output a request reads is a TTY's.
enum TtyProbe {
    /// The request reads no output.
    None,
    /// The request says.
    Known(bool),
    /// From the configuration of this container (its id as a request path encodes it).
    Container(String),
}

impl TtyProbe {
    /// An exec start says it in its body (the engine multiplexes unless it asks for a TTY);
    /// logs and attach read the container's configuration.
    fn of(request: &Request) -> TtyProbe {
        // `/containers/{id}/logs`
        let container = request.path().split('/').nth(2);
        match (request.operation(), container) {
            ("ExecStart", _) => TtyProbe::Known(request.json_body_bool("Tty").unwrap_or(false)),
            ("ContainerLogs" | "ContainerAttach", Some(id)) => TtyProbe::Container(id.to_owned()),
            _ => TtyProbe::None,
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

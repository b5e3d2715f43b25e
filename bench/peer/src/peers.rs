//! The three clients behind one interface: the project's client, bollard, and bare reqwest.

use std::error::Error;

use futures::StreamExt;

pub type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// The API version in the paths bare reqwest asks for: the one the client settles on with a
/// 26.1 engine (and with the mock), and bollard 0.15's default.
const PREFIX: &str = "http://localhost/v1.43";
const PING_URL: &str = "http://localhost/v1.43/_ping";
/// The ping of bare reqwest with the client's wire settings: the version-less ping the client
/// sends.
const WIRED_PING_URL: &str = "http://localhost/_ping";

/// The container the logs and export requests name (the mock answers for any).
pub const CONTAINER: &str = "bench";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Client,
    Bollard,
    Reqwest,
}

pub const KINDS: [Kind; 3] = [Kind::Client, Kind::Bollard, Kind::Reqwest];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Client => "client",
            Kind::Bollard => "bollard",
            Kind::Reqwest => "reqwest",
        }
    }

    pub fn parse(name: &str) -> Res<Kind> {
        KINDS
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| format!("unknown client {name:?}: client, bollard or reqwest").into())
    }

    /// The clients in the order of round `round`: each leads one round in three.
    pub fn rotated(round: usize) -> [Kind; 3] {
        let mut order = KINDS;
        order.rotate_left(round % 3);
        order
    }
}

/// A connected client of one kind; cheap to clone, clones share connections.
#[derive(Clone)]
pub enum Peer {
    Client(docker_client::Docker),
    Bollard(bollard::Docker),
    /// Bare reqwest, and the URL of its ping.
    Reqwest(reqwest::Client, &'static str),
}

impl Peer {
    /// A client of the engine at the unix socket `sock`. Call it inside a runtime: the
    /// connections it opens live on that runtime.
    pub fn new(kind: Kind, sock: &str) -> Res<Peer> {
        Ok(match kind {
            Kind::Client => Peer::Client(docker_client::Docker::connect_unix(sock)?),
            Kind::Bollard => Peer::Bollard(bollard::Docker::connect_with_unix(
                sock,
                120,
                bollard::API_DEFAULT_VERSION,
            )?),
            Kind::Reqwest => Peer::Reqwest(reqwest_builder(sock).build()?, PING_URL),
        })
    }

    /// Bare reqwest with the settings the client gives reqwest for a socket: its User-Agent and
    /// `Host` headers, TCP keep-alive, no proxy, HTTP/1.1 only, no redirects, and a retry
    /// policy for every host (here one that never retries). The difference
    /// between this and plain bare reqwest is what those settings cost in reqwest; the
    /// difference between the client and this is the client's own layer.
    pub fn reqwest_wired(sock: &str) -> Res<Peer> {
        let retry = reqwest::retry::for_host("localhost")
            .no_budget()
            .max_retries_per_request(2)
            .classify_fn(|attempt| attempt.success());
        let host = reqwest::header::HeaderValue::from_static("api.moby.localhost");
        let builder = reqwest_builder(sock)
            .default_headers([(reqwest::header::HOST, host)].into_iter().collect())
            .user_agent(docker_client::USER_AGENT)
            .tcp_keepalive(std::time::Duration::from_secs(30))
            .no_proxy()
            .http1_only()
            .redirect(reqwest::redirect::Policy::none())
            .retry(retry);
        Ok(Peer::Reqwest(builder.build()?, WIRED_PING_URL))
    }

    /// `GET /_ping`, its answer read whole.
    pub async fn ping(&self) -> Res<()> {
        match self {
            Peer::Client(docker) => {
                docker.system_ping().await?;
            }
            Peer::Bollard(docker) => {
                docker.ping().await?;
            }
            Peer::Reqwest(client, url) => {
                client
                    .get(*url)
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
            }
        }
        Ok(())
    }

    /// A container's stdout logs (not followed), read to the end. Returns the bytes read: the
    /// payloads for the client and bollard, which demultiplex the frames; the whole body,
    /// frame headers included, for bare reqwest.
    pub async fn logs(&self) -> Res<u64> {
        let mut total = 0u64;
        match self {
            Peer::Client(docker) => {
                let mut output = docker
                    .container_logs(CONTAINER)
                    .stdout(true)
                    .follow(false)
                    .await?;
                while let Some(piece) = output.next().await {
                    total += piece?.bytes().len() as u64;
                }
            }
            Peer::Bollard(docker) => {
                let options = bollard::container::LogsOptions {
                    stdout: true,
                    follow: false,
                    tail: "all",
                    ..Default::default()
                };
                let mut output = docker.logs(CONTAINER, Some(options));
                while let Some(piece) = output.next().await {
                    total += piece?.into_bytes().len() as u64;
                }
            }
            Peer::Reqwest(client, _) => {
                let url = format!("{PREFIX}/containers/{CONTAINER}/logs?stdout=true&follow=false");
                total = read_body(client, &url).await?;
            }
        }
        Ok(total)
    }
}

/// `GET url` with bare reqwest, the body read as a stream and counted.
pub async fn read_body(client: &reqwest::Client, url: &str) -> Res<u64> {
    let mut body = client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .bytes_stream();
    let mut total = 0u64;
    while let Some(chunk) = body.next().await {
        total += chunk?.len() as u64;
    }
    Ok(total)
}

/// A plain reqwest client builder on the socket `sock`.
pub fn reqwest_builder(sock: &str) -> reqwest::ClientBuilder {
    // With the client's `tls`, this reqwest has rustls without a crypto provider: it needs a
    // process default (the client itself brings its own).
    #[cfg(feature = "tls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().unix_socket(sock)
}

//! The HTTP/1.1 transport: opening connections to the engine (unix socket, TCP, TLS over TCP,
//! named pipe), keeping them alive in a pool, and sending a request on one of them.
//!
//! The task that sends a request writes it and reads the response on the connection itself
//! (see `http1`): no task runs beside a connection, so a request costs no hand-over between
//! tasks (or threads, on a multi-thread runtime). The pool hands out the most recently used
//! idle connection first and takes a connection back once its response body has been read to
//! the end; a connection whose body was dropped half-read, or which was upgraded (attach,
//! exec), never returns.

mod http1;

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::error::TimeoutKind;
use crate::Error;
use http1::{Connection, Framing, Retry};
pub(crate) use http1::{Head, Outgoing};

/// How long an idle connection stays in the pool.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How many idle connections the pool keeps; more are closed when they come back.
const MAX_IDLE: usize = 32;

/// Where connections go.
#[derive(Debug)]
pub(crate) enum Dialer {
    /// A unix socket.
    #[cfg(unix)]
    Unix(std::path::PathBuf),
    /// TCP, with TLS when there is a connector. `host` has no brackets around an IPv6 address.
    Tcp {
        host: String,
        port: u16,
        tls: Option<Tls>,
    },
    /// A Windows named pipe (`\\.\pipe\docker_engine`).
    #[cfg(windows)]
    NamedPipe(String),
}

/// TLS over a TCP connection.
pub(crate) struct Tls {
    pub(crate) connector: tokio_rustls::TlsConnector,
    pub(crate) server_name: rustls_pki_types::ServerName<'static>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

/// Connections to one engine.
pub(crate) struct Transport {
    dialer: Dialer,
    /// The engine address, for error messages (`unix:///var/run/docker.sock`).
    host: Arc<str>,
    /// The `Host` header of every request.
    authority: Box<str>,
    connect_timeout: Duration,
    /// Idle connections, the most recently used last.
    idle: Mutex<Vec<Idle>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle.lock().map(|idle| idle.len()).unwrap_or(0);
        f.debug_struct("Transport")
            .field("dialer", &self.dialer)
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_connections", &idle)
            .finish()
    }
}

/// A connection waiting in the pool.
struct Idle {
    conn: Connection,
    /// When it went idle.
    since: Instant,
}

impl Transport {
    pub(crate) fn new(
        dialer: Dialer,
        host: Arc<str>,
        authority: String,
        connect_timeout: Duration,
    ) -> Self {
        Transport {
            dialer,
            host,
            authority: authority.into(),
            connect_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The time allowed to open a connection (the TLS handshake included).
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Sends `request` on an idle connection, else on a new one, and returns the response once
    /// its head has arrived.
    pub(crate) async fn send(
        self: &Arc<Self>,
        mut request: Outgoing,
    ) -> Result<(Head, ResponseBody), Error> {
        loop {
            let (mut conn, reused) = match self.checkout() {
                Some(conn) => (conn, true),
                // Boxed: connecting (a TLS handshake above all) takes a large future, which
                // would otherwise make every request's future as large.
                None => (Box::pin(self.connect()).await?, false),
            };
            match conn.send(&mut request, &self.authority).await {
                Ok((head, framing, keep_alive)) => {
                    return Ok(self.response(conn, head, framing, keep_alive))
                }
                // A kept-alive connection the engine closed as the request went out: the
                // request goes again on another connection when that cannot do harm, as the
                // Go client does: when the engine saw none of it, or when it asked for
                // something without changing anything.
                Err(error) => {
                    let again = reused
                        && match error.retry {
                            Retry::Unsent => true,
                            Retry::Unanswered => {
                                request.is_idempotent() && request.body.bytes().is_some()
                            }
                            Retry::No => false,
                        };
                    if !again {
                        return Err(transport_error(&self.host, error.error));
                    }
                }
            }
        }
    }

    /// The most recently used idle connection that is still open.
    fn checkout(&self) -> Option<Connection> {
        loop {
            let Idle { mut conn, since } = self.lock_idle().pop()?;
            // (Checked outside the lock: it reads the socket.)
            if since.elapsed() < IDLE_TIMEOUT && conn.is_open() {
                return Some(conn);
            }
        }
    }

    /// Takes a connection back once its response has been read.
    fn checkin(&self, mut conn: Connection) {
        conn.rest();
        let now = Instant::now();
        let mut idle = self.lock_idle();
        // The oldest are first: drop those that have waited too long.
        let expired = idle
            .iter()
            .take_while(|idle| now.duration_since(idle.since) >= IDLE_TIMEOUT)
            .count();
        idle.drain(..expired);
        if idle.len() < MAX_IDLE {
            idle.push(Idle { conn, since: now });
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Idle>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn response(
        self: &Arc<Self>,
        conn: Connection,
        head: Head,
        framing: Framing,
        keep_alive: bool,
    ) -> (Head, ResponseBody) {
        let upgraded = head.status() == 101;
        let mut body = ResponseBody {
            conn: Some(conn),
            framing,
            keep_alive,
            upgraded,
            transport: self.clone(),
        };
        body.release_at_end();
        (head, body)
    }

    /// Opens a new connection, within the connect timeout (which includes the TLS handshake).
    async fn connect(&self) -> Result<Connection, Error> {
        let stream = tokio::time::timeout(self.connect_timeout, self.dial())
            .await
            .map_err(|_| self.connect_timeout_error())?
            .map_err(|e| self.connect_error(e))?;
        Ok(Connection::new(stream))
    }

    async fn dial(&self) -> io::Result<Stream> {
        match &self.dialer {
            #[cfg(unix)]
            Dialer::Unix(path) => Ok(Box::new(tokio::net::UnixStream::connect(path).await?)),
            Dialer::Tcp { host, port, tls } => {
                let tcp = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                // Requests are small and answered one at a time: send them at once.
                tcp.set_nodelay(true)?;
                match tls {
                    None => Ok(Box::new(tcp)),
                    Some(tls) => {
                        let stream = tls.connector.connect(tls.server_name.clone(), tcp).await?;
                        Ok(Box::new(stream))
                    }
                }
            }
            #[cfg(windows)]
            Dialer::NamedPipe(name) => Ok(Box::new(open_pipe(name).await?)),
        }
    }

    fn connect_timeout_error(&self) -> Error {
        Error::Timeout {
            host: self.host.to_string(),
            kind: TimeoutKind::Connect,
            after: self.connect_timeout,
        }
    }

    /// A readable error for a connection that could not be opened.
    fn connect_error(&self, error: io::Error) -> Error {
        let host = self.host.to_string();
        if let Some(tls) = find_cause::<rustls::Error>(&error) {
            let message = crate::tls::describe(tls);
            return Error::Tls {
                host,
                message,
                source: error.into(),
            };
        }
        match error.kind() {
            io::ErrorKind::ConnectionRefused => Error::ConnectionRefused {
                host,
                source: error.into(),
            },
            io::ErrorKind::NotFound => Error::SocketNotFound {
                host,
                source: error.into(),
            },
            io::ErrorKind::PermissionDenied => Error::PermissionDenied {
                host,
                source: error.into(),
            },
            io::ErrorKind::TimedOut => self.connect_timeout_error(),
            _ => Error::transport(&host, error),
        }
    }
}

/// The error of a failure on an open connection: TLS (a client certificate the engine rejects
/// shows only once the first request is sent), else a transport error.
pub(crate) fn transport_error(host: &str, error: io::Error) -> Error {
    if let Some(tls) = find_cause::<rustls::Error>(&error) {
        let message = crate::tls::describe(tls);
        return Error::Tls {
            host: host.to_owned(),
            message,
            source: error.into(),
        };
    }
    Error::transport(host, error)
}

/// The first error of type `T` in the chain of `error`, looking inside `io::Error`s too (whose
/// `source` skips the error they wrap).
fn find_cause<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next: Option<&'a (dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = next {
        if let Some(found) = current.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(io) = current.downcast_ref::<io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(found) = find_cause::<T>(inner) {
                    return Some(found);
                }
            }
        }
        next = current.source();
    }
    None
}

/// Opens a named pipe, waiting while all its instances are busy.
#[cfg(windows)]
async fn open_pipe(name: &str) -> io::Result<tokio::net::windows::named_pipe::NamedPipeClient> {
    /// Windows' `ERROR_PIPE_BUSY`.
    const PIPE_BUSY: i32 = 231;
    loop {
        match tokio::net::windows::named_pipe::ClientOptions::new().open(name) {
            Err(e) if e.raw_os_error() == Some(PIPE_BUSY) => {}
            result => return result,
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A response body: read from its connection, which goes back to the pool once the body has
/// been read to the end.
pub(crate) struct ResponseBody {
    /// `None` once given back, or after an error.
    conn: Option<Connection>,
    framing: Framing,
    /// Whether the connection may carry another request after this response.
    keep_alive: bool,
    /// A `101 Switching Protocols`: the connection is the caller's, for another protocol.
    upgraded: bool,
    transport: Arc<Transport>,
}

impl ResponseBody {
    /// The next piece of the body; `None` at its end.
    pub(crate) fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Bytes>>> {
        let Some(conn) = &mut self.conn else {
            return Poll::Ready(None);
        };
        // (An upgraded connection's framing is `Empty`: its bytes are not the body's.)
        let poll = conn.poll_body(cx, &mut self.framing);
        match &poll {
            Poll::Ready(Some(Ok(_))) | Poll::Ready(None) => self.release_at_end(),
            // A connection that failed mid-body is not reused.
            Poll::Ready(Some(Err(_))) => {
                self.conn = None;
                self.framing = Framing::Empty;
            }
            Poll::Pending => {}
        }
        poll
    }

    /// The whole body.
    pub(crate) async fn collect(mut self) -> io::Result<Bytes> {
        use futures::TryStreamExt;
        let Some(first) = self.try_next().await? else {
            return Ok(Bytes::new());
        };
        let Some(second) = self.try_next().await? else {
            // The usual case: the body came in one read.
            return Ok(first);
        };
        let mut all = BytesMut::from(first);
        all.extend_from_slice(&second);
        while let Some(piece) = self.try_next().await? {
            all.extend_from_slice(&piece);
        }
        Ok(all.freeze())
    }

    /// The upgraded connection of a `101 Switching Protocols`: its stream, and what the
    /// engine sent after the response head.
    pub(crate) fn into_upgraded(mut self) -> Option<(Stream, Bytes)> {
        if !self.upgraded {
            return None;
        }
        self.conn.take().map(Connection::into_upgraded)
    }

    /// Gives the connection back to the pool if the body has ended.
    fn release_at_end(&mut self) {
        if self.framing != Framing::Empty || self.upgraded {
            return;
        }
        if let Some(conn) = self.conn.take() {
            if self.keep_alive && conn.is_clean() {
                self.transport.checkin(conn);
            }
        }
    }
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody")
            .field("framing", &self.framing)
            .field("keep_alive", &self.keep_alive)
            .field("upgraded", &self.upgraded)
            .finish_non_exhaustive()
    }
}

impl futures::Stream for ResponseBody {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_data(cx)
    }
}

/// An open connection: a unix socket, TCP, TLS over TCP or a named pipe.
pub(crate) type Stream = Box<dyn Io>;

/// What a connection is read and written through.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

//! The HTTP/1.1 transport: opening connections to the engine (unix socket, TCP, TLS over TCP,
//! named pipe), keeping them alive in a pool, and sending a request on one of them.
//!
//! Each connection is a `hyper` HTTP/1.1 connection driven by the task that uses it: the one
//! sending a request, then the one reading its response body. No task of its own runs beside
//! it, so a request costs no hand-over between tasks (or threads, on a multi-thread runtime).
//! The pool hands out the most recently used idle connection first and takes a connection back
//! once its response body has been read to the end; a connection whose body was dropped
//! half-read, or which was upgraded (attach, exec), never returns.

mod machine;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::error::TimeoutKind;
use crate::{Body, Error};
use machine::Machine;

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
    connect_timeout: Duration,
    /// Idle connections, the most recently used last.
    idle: Mutex<Vec<Conn>>,
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

/// One HTTP/1.1 connection: the handle requests go in by, and the state machine that reads
/// and writes the socket, driven by whoever waits on the connection.
struct Conn {
    sender: SendRequest<Body>,
    machine: Machine,
    /// When it last went idle.
    since: Instant,
}

impl Conn {
    /// Waits until the connection can take a request; false when it has closed.
    async fn ready(&mut self) -> bool {
        std::future::poll_fn(|cx| {
            self.machine
                .drive_for(cx, |quiet| self.sender.poll_ready(quiet))
        })
        .await
        .is_ok()
    }

    /// Polls `future` (a response of this connection) while driving the connection.
    async fn driving<F: Future>(&mut self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| {
            self.machine
                .drive_for(cx, |quiet| future.as_mut().poll(quiet))
        })
        .await
    }
}

impl Transport {
    pub(crate) fn new(dialer: Dialer, host: Arc<str>, connect_timeout: Duration) -> Self {
        Transport {
            dialer,
            host,
            connect_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// The time allowed to open a connection (the TLS handshake included).
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Sends `request` on an idle connection, else on a new one, and returns the response once
    /// its headers have arrived.
    pub(crate) async fn send(
        self: &Arc<Self>,
        mut request: http::Request<Body>,
    ) -> Result<http::Response<ResponseBody>, Error> {
        while let Some(mut conn) = self.checkout() {
            if !conn.ready().await {
                // Closed while idle (the engine went away, or closed it).
                continue;
            }
            // Handing the request over wakes the machine; it is driven right after.
            conn.machine.begin();
            let sent = conn.sender.try_send_request(request);
            match conn.driving(sent).await {
                Ok(response) => return Ok(self.response(conn, response)),
                Err(mut error) => match error.take_message() {
                    // The connection closed before the request went out: another one may take
                    // it, as nothing of it was sent.
                    Some(unsent) => request = unsent,
                    None => return Err(self.error(error.into_error())),
                },
            }
        }
        // Boxed: connecting (a TLS handshake above all) takes a large future, which would
        // otherwise make every request's future as large.
        let mut conn = Box::pin(self.connect()).await?;
        conn.machine.begin();
        let sent = conn.sender.send_request(request);
        match conn.driving(sent).await {
            Ok(response) => Ok(self.response(conn, response)),
            Err(error) => Err(self.error(error)),
        }
    }

    /// The most recently used idle connection that is still open.
    fn checkout(&self) -> Option<Conn> {
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Some(conn) = idle.pop() {
            if !conn.machine.finished() && conn.since.elapsed() < IDLE_TIMEOUT {
                return Some(conn);
            }
        }
        None
    }

    /// Takes a connection back once its response has been read.
    fn checkin(&self, mut conn: Conn) {
        if conn.machine.finished() || conn.sender.is_closed() {
            return;
        }
        conn.machine.rest();
        let now = Instant::now();
        conn.since = now;
        let mut idle = self
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // The oldest are first: drop those that have waited too long.
        let expired = idle
            .iter()
            .take_while(|conn| now.duration_since(conn.since) >= IDLE_TIMEOUT)
            .count();
        idle.drain(..expired);
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }

    fn response(
        self: &Arc<Self>,
        conn: Conn,
        response: http::Response<Incoming>,
    ) -> http::Response<ResponseBody> {
        let conn = if response.status() == http::StatusCode::SWITCHING_PROTOCOLS {
            // An upgraded connection belongs to the caller from now on; its state machine must
            // still run to its end for the upgrade to complete.
            conn.machine.spawn();
            None
        } else {
            Some(conn)
        };
        response.map(|incoming| {
            let mut body = ResponseBody {
                incoming,
                conn,
                transport: self.clone(),
            };
            if body.incoming.is_end_stream() {
                body.release();
            }
            body
        })
    }

    /// Opens a new connection, within the connect timeout (which includes the TLS handshake).
    async fn connect(&self) -> Result<Conn, Error> {
        let stream = tokio::time::timeout(self.connect_timeout, self.dial())
            .await
            .map_err(|_| self.connect_timeout_error())?
            .map_err(|e| self.connect_error(e))?;
        let (sender, connection) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.error(e))?;
        Ok(Conn {
            sender,
            machine: Machine::new(connection.with_upgrades()),
            since: Instant::now(),
        })
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

    /// A readable error for a request that failed on an open connection.
    fn error(&self, error: hyper::Error) -> Error {
        transport_error(&self.host, error)
    }
}

/// The error of a failure on an open connection: TLS (a client certificate the engine rejects
/// shows only once the first request is sent), else a transport error.
pub(crate) fn transport_error(host: &str, error: hyper::Error) -> Error {
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

/// A response body: drives its connection while it is read, and gives the connection back to
/// the pool once read to the end.
pub(crate) struct ResponseBody {
    incoming: Incoming,
    /// `None` once given back, after an error, or for an upgraded connection.
    conn: Option<Conn>,
    transport: Arc<Transport>,
}

impl ResponseBody {
    fn release(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.transport.checkin(conn);
        }
    }
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody")
            .field("incoming", &self.incoming)
            .finish_non_exhaustive()
    }
}

impl HttpBody for ResponseBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        let incoming = &mut this.incoming;
        let poll = match &mut this.conn {
            Some(conn) => conn
                .machine
                .drive_for(cx, |quiet| Pin::new(&mut *incoming).poll_frame(quiet)),
            None => Pin::new(incoming).poll_frame(cx),
        };
        match &poll {
            Poll::Ready(None) => this.release(),
            Poll::Ready(Some(Ok(_))) if this.incoming.is_end_stream() => this.release(),
            // A connection that failed mid-body is not reused.
            Poll::Ready(Some(Err(_))) => this.conn = None,
            _ => {}
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

/// An open connection: a unix socket, TCP, TLS over TCP or a named pipe.
type Stream = Box<dyn Io>;

/// What a connection is read and written through.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

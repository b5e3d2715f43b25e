//! A client without async, for command-line tools and scripts: the same operations and
//! workflows as [`crate::Docker`], each call waiting for its answer.
//!
//! ```no_run
//! # fn main() -> Result<(), docker_client::Error> {
//! let docker = docker_client::blocking::Docker::from_env()?;
//! for container in docker.container_list().all(true).send()? {
//!     println!("{:?}", container.id);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The client owns a small tokio runtime (one worker thread), shared by its clones, and runs
//! the async client on it. Streams become iterators ([`JsonIter`], [`OutputIter`]), byte
//! streams [`std::io::Read`]ers ([`ByteReader`]), attach and exec give [`Read`](std::io::Read)
//! and [`Write`](std::io::Write) halves ([`Attached`]).
//!
//! Called from inside an async runtime, where waiting would block the runtime's thread, every
//! call fails with [`Error::Blocking`] instead.

use std::future::IntoFuture;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use tokio::io::AsyncWriteExt;

use crate::workflows::{BuildImage, Built, Progress, Pull, Push, Run, RunOutput};
use crate::{ApiVersion, Error, LogOutput};

const IN_RUNTIME: &str = "the blocking client was called from inside an async runtime, where \
                          waiting would block it: use the async client (docker_client::Docker) \
                          there";

/// A blocking client of a Docker engine. Cheap to clone: clones share the connection pool and
/// the runtime.
#[derive(Clone)]
pub struct Docker {
    pub(crate) inner: crate::Docker,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Docker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Docker")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl Docker {
    /// A blocking client configured from the environment, as [`crate::Docker::from_env`].
    ///
    /// # Errors
    ///
    /// [`crate::Docker::from_env`]'s, or [`Error::Blocking`] inside an async runtime.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_async(crate::Docker::from_env()?)
    }

    /// A blocking client of the engine at `host`, as [`crate::Docker::connect`].
    ///
    /// # Errors
    ///
    /// [`crate::Docker::connect`]'s, or [`Error::Blocking`] inside an async runtime.
    pub fn connect(host: &str) -> Result<Self, Error> {
        Self::from_async(crate::Docker::connect(host)?)
    }

    /// A blocking client running `docker` (configured with [`crate::DockerBuilder`], for
    /// example) on a runtime of its own.
    ///
    /// # Errors
    ///
    /// [`Error::Blocking`] inside an async runtime, or an [`Error::Config`] when the runtime
    /// cannot be started.
    pub fn from_async(docker: crate::Docker) -> Result<Self, Error> {
        check_outside_runtime()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("docker-client-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Config(format!("cannot start the blocking client's runtime: {e}"))
            })?;
        Ok(Docker {
            inner: docker,
            runtime: Arc::new(runtime),
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &crate::Docker {
        &self.inner
    }

    /// The API version the client speaks.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.api_version()
    }

    /// The engine's address, as configured.
    pub fn host(&self) -> &str {
        self.inner.host()
    }

    /// A client that speaks the engine's API version (or the client's, when older), as
    /// [`crate::Docker::negotiate_version`].
    ///
    /// # Errors
    ///
    /// The ping's, or [`Error::Blocking`].
    pub fn negotiate_version(&self) -> Result<Docker, Error> {
        let inner = self.block_on(self.inner.negotiate_version())?;
        Ok(Docker {
            inner,
            runtime: self.runtime.clone(),
        })
    }

    /// Runs `future` (of the async client, usually) to its end on the client's runtime.
    ///
    /// # Errors
    ///
    /// The future's, or [`Error::Blocking`] inside an async runtime.
    pub fn block_on<F, T>(&self, future: F) -> Result<T, Error>
    where
        F: IntoFuture<Output = Result<T, Error>>,
    {
        check_outside_runtime()?;
        self.runtime.block_on(future.into_future())
    }

    #[inline]
    pub(crate) fn request<B>(&self, inner: B) -> Request<'_, B> {
        Request {
            docker: self,
            inner,
        }
    }

    /// Runs a container to its end, collecting its output: [`Run`] configured by `configure`,
    /// as [`Run::output`].
    ///
    /// # Errors
    ///
    /// [`Run::output`]'s, or [`Error::Blocking`].
    pub fn run(&self, image: impl Into<String>) -> Request<'_, Run> {
        self.request(self.inner.run(image))
    }

    /// Pulls an image, as [`crate::Docker::pull`]: set its options with [`Request::map`], then
    /// [`send`](Request::send) it.
    pub fn pull(&self, image: impl Into<String>) -> Request<'_, Pull> {
        self.request(self.inner.pull(image))
    }

    /// Pushes an image, as [`crate::Docker::push`]: set its options with [`Request::map`], then
    /// [`send`](Request::send) it.
    pub fn push(&self, image: impl Into<String>) -> Request<'_, Push> {
        self.request(self.inner.push(image))
    }

    /// Builds an image from a directory of this machine, as [`crate::Docker::build_image`]: set
    /// its options with [`Request::map`], then [`send`](Request::send) it.
    pub fn build_image(&self, context: impl Into<PathBuf>) -> Request<'_, BuildImage> {
        self.request(self.inner.build_image(context))
    }

    /// Copies a file or directory of this machine into a container, as
    /// [`crate::Docker::copy_to_container`].
    ///
    /// # Errors
    ///
    /// [`crate::Docker::copy_to_container`]'s, or [`Error::Blocking`].
    pub fn copy_to_container(
        &self,
        container: &str,
        src: impl AsRef<Path>,
        dest: &str,
    ) -> Result<(), Error> {
        self.block_on(self.inner.copy_to_container(container, src, dest))
    }

    /// Copies a file or directory of a container to this machine, as
    /// [`crate::Docker::copy_from_container`].
    ///
    /// # Errors
    ///
    /// [`crate::Docker::copy_from_container`]'s, or [`Error::Blocking`].
    pub fn copy_from_container(
        &self,
        container: &str,
        src: &str,
        dest: impl AsRef<Path>,
    ) -> Result<(), Error> {
        self.block_on(self.inner.copy_from_container(container, src, dest))
    }
}

fn check_outside_runtime() -> Result<(), Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::Blocking(IN_RUNTIME));
    }
    Ok(())
}

/// A request of the blocking client: the async request inside, with the same setters; [`send`]
/// runs it and waits for its answer.
///
/// [`send`]: Request::send
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'a, B> {
    docker: &'a Docker,
    inner: B,
}

impl<'a, B> Request<'a, B> {
    /// Changes the async request inside: any of its setters, for example.
    #[inline]
    pub fn map(self, f: impl FnOnce(B) -> B) -> Self {
        Request {
            docker: self.docker,
            inner: f(self.inner),
        }
    }

    /// The async request inside.
    pub fn into_inner(self) -> B {
        self.inner
    }

    #[inline]
    pub(crate) fn run<T>(self) -> Result<T, Error>
    where
        B: IntoFuture<Output = Result<T, Error>>,
    {
        self.docker.block_on(self.inner)
    }

    #[inline]
    pub(crate) fn runtime(&self) -> Arc<tokio::runtime::Runtime> {
        self.docker.runtime.clone()
    }
}

impl Request<'_, Run> {
    /// Runs the container to its end and collects its output, as [`Run::output`].
    ///
    /// # Errors
    ///
    /// [`Run::output`]'s, or [`Error::Blocking`].
    pub fn send(self) -> Result<RunOutput, Error> {
        self.docker.block_on(self.inner.output())
    }

    /// Creates and starts the container and returns its id without waiting, as
    /// [`Run::detach`].
    ///
    /// # Errors
    ///
    /// [`Run::detach`]'s, or [`Error::Blocking`].
    pub fn detach(self) -> Result<String, Error> {
        self.docker.block_on(self.inner.detach())
    }
}

impl Request<'_, Pull> {
    /// Pulls the image to its end, as [`Pull::send`].
    ///
    /// # Errors
    ///
    /// [`Pull::send`]'s, or [`Error::Blocking`].
    pub fn send(self) -> Result<Progress, Error> {
        self.docker.block_on(self.inner.send())
    }
}

impl Request<'_, Push> {
    /// Pushes the image to its end, as [`Push::send`].
    ///
    /// # Errors
    ///
    /// [`Push::send`]'s, or [`Error::Blocking`].
    pub fn send(self) -> Result<Progress, Error> {
        self.docker.block_on(self.inner.send())
    }
}

impl Request<'_, BuildImage> {
    /// Builds the image to its end, as [`BuildImage::send`].
    ///
    /// # Errors
    ///
    /// [`BuildImage::send`]'s, or [`Error::Blocking`].
    pub fn send(self) -> Result<Built, Error> {
        self.docker.block_on(self.inner.send())
    }
}

fn next_on<S: futures::Stream + Unpin>(
    runtime: &tokio::runtime::Runtime,
    stream: &mut S,
) -> Option<Result<S::Item, Error>> {
    if let Err(e) = check_outside_runtime() {
        return Some(Err(e));
    }
    runtime.block_on(stream.next()).map(Ok)
}

/// A stream of JSON values as an iterator: [`crate::JsonStream`] of the blocking client.
pub struct JsonIter<T> {
    stream: crate::JsonStream<T>,
    runtime: Arc<tokio::runtime::Runtime>,
    done: bool,
}

impl<T> JsonIter<T> {
    pub(crate) fn new(stream: crate::JsonStream<T>, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        JsonIter {
            stream,
            runtime,
            done: false,
        }
    }
}

impl<T: DeserializeOwned> Iterator for JsonIter<T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = next_on(&self.runtime, &mut self.stream).map(|r| r.and_then(|item| item));
        // A runtime error ends the iteration: it is not the stream's own.
        if item
            .as_ref()
            .is_none_or(|r| matches!(r, Err(Error::Blocking(_))))
        {
            self.done = true;
        }
        item
    }
}

impl<T> std::fmt::Debug for JsonIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonIter")
            .field("stream", &self.stream)
            .finish()
    }
}

/// A container's output as an iterator of its pieces: [`crate::OutputStream`] of the blocking
/// client.
pub struct OutputIter {
    stream: crate::OutputStream,
    runtime: Arc<tokio::runtime::Runtime>,
    done: bool,
}

impl OutputIter {
    pub(crate) fn new(stream: crate::OutputStream, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        OutputIter {
            stream,
            runtime,
            done: false,
        }
    }

    /// Whether the output is multiplexed (the process has no TTY), as
    /// [`crate::OutputStream::is_multiplexed`].
    pub fn is_multiplexed(&self) -> bool {
        self.stream.is_multiplexed()
    }

    /// Reads the output to its end: standard output (or the TTY's output), then standard
    /// error.
    ///
    /// # Errors
    ///
    /// The first error of the stream.
    pub fn collect_output(self) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        for piece in self {
            match piece? {
                LogOutput::StdErr(b) => stderr.extend_from_slice(&b),
                other => stdout.extend_from_slice(other.bytes()),
            }
        }
        Ok((stdout, stderr))
    }
}

impl Iterator for OutputIter {
    type Item = Result<LogOutput, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = next_on(&self.runtime, &mut self.stream).map(|r| r.and_then(|item| item));
        if item
            .as_ref()
            .is_none_or(|r| matches!(r, Err(Error::Blocking(_))))
        {
            self.done = true;
        }
        item
    }
}

impl std::fmt::Debug for OutputIter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputIter")
            .field("stream", &self.stream)
            .finish()
    }
}

/// A byte stream as a [`std::io::Read`]er: [`crate::ByteStream`] of the blocking client.
pub struct ByteReader {
    stream: crate::ByteStream,
    runtime: Arc<tokio::runtime::Runtime>,
    chunk: Bytes,
    done: bool,
}

impl ByteReader {
    pub(crate) fn new(stream: crate::ByteStream, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        ByteReader {
            stream,
            runtime,
            chunk: Bytes::new(),
            done: false,
        }
    }
}

impl ByteReader {
    /// Reads the stream to its end.
    ///
    /// # Errors
    ///
    /// The first error of the stream.
    pub fn collect_bytes(self) -> Result<Bytes, Error> {
        check_outside_runtime()?;
        self.runtime.block_on(self.stream.collect_bytes())
    }
}

impl io::Read for ByteReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() && !self.done && !buf.is_empty() {
            match next_on(&self.runtime, &mut self.stream) {
                None => self.done = true,
                Some(Ok(Ok(chunk))) => self.chunk = chunk,
                Some(Ok(Err(e)) | Err(e)) => return Err(io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        self.chunk.advance(n);
        Ok(n)
    }
}

impl std::fmt::Debug for ByteReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteReader")
            .field("stream", &self.stream)
            .finish()
    }
}

/// An attached container or exec of the blocking client: its output as an iterator, its
/// standard input as a [`std::io::Write`]r. The halves can be used from different threads.
#[derive(Debug)]
pub struct Attached {
    /// The output, demultiplexed unless the process has a TTY.
    pub output: OutputIter,
    /// The standard input: [`AttachInput::shutdown`] it to end the process's standard input.
    pub input: AttachInput,
}

impl Attached {
    pub(crate) fn new(attached: crate::Attached, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        Attached {
            output: OutputIter::new(attached.output, runtime.clone()),
            input: AttachInput {
                inner: attached.input,
                runtime,
            },
        }
    }
}

/// Runs one I/O call of a connection on the client's runtime (never from inside a runtime).
fn block_io<T>(
    runtime: &tokio::runtime::Runtime,
    call: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    check_outside_runtime().map_err(io::Error::other)?;
    runtime.block_on(call)
}

/// The write half of an attached connection of the blocking client: the process's standard
/// input.
pub struct AttachInput {
    inner: crate::AttachInput,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl AttachInput {
    /// Closes the process's standard input (the write side of the connection); the output can
    /// still be read.
    ///
    /// # Errors
    ///
    /// The connection's.
    pub fn shutdown(&mut self) -> io::Result<()> {
        block_io(&self.runtime, self.inner.shutdown())
    }
}

impl io::Write for AttachInput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        block_io(&self.runtime, self.inner.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        block_io(&self.runtime, self.inner.flush())
    }
}

impl std::fmt::Debug for AttachInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachInput")
            .field("inner", &self.inner)
            .finish()
    }
}

/// A connection upgraded to another protocol (WebSocket attach, the session endpoint), as
/// [`std::io::Read`] and [`std::io::Write`].
pub struct Upgraded {
    inner: crate::runtime::Upgraded,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl Upgraded {
    pub(crate) fn new(
        inner: crate::runtime::Upgraded,
        runtime: Arc<tokio::runtime::Runtime>,
    ) -> Self {
        Upgraded { inner, runtime }
    }

    /// Closes the write side of the connection; what the engine sends can still be read.
    ///
    /// # Errors
    ///
    /// The connection's.
    pub fn shutdown(&mut self) -> io::Result<()> {
        block_io(&self.runtime, self.inner.shutdown())
    }
}

impl io::Read for Upgraded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use tokio::io::AsyncReadExt;
        block_io(&self.runtime, self.inner.read(buf))
    }
}

impl io::Write for Upgraded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        block_io(&self.runtime, self.inner.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        block_io(&self.runtime, self.inner.flush())
    }
}

impl std::fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upgraded").finish_non_exhaustive()
    }
}

/// What an async answer becomes in the blocking client: the same value, or a stream made an
/// iterator or reader.
pub(crate) trait Unblock<T> {
    fn unblock(value: T, runtime: Arc<tokio::runtime::Runtime>) -> Self;
}

impl<T> Unblock<crate::JsonStream<T>> for JsonIter<T> {
    fn unblock(value: crate::JsonStream<T>, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        JsonIter::new(value, runtime)
    }
}

impl Unblock<crate::OutputStream> for OutputIter {
    fn unblock(value: crate::OutputStream, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        OutputIter::new(value, runtime)
    }
}

impl Unblock<crate::ByteStream> for ByteReader {
    fn unblock(value: crate::ByteStream, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        ByteReader::new(value, runtime)
    }
}

impl Unblock<crate::Attached> for Attached {
    fn unblock(value: crate::Attached, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        Attached::new(value, runtime)
    }
}

impl Unblock<crate::runtime::Upgraded> for Upgraded {
    fn unblock(value: crate::runtime::Upgraded, runtime: Arc<tokio::runtime::Runtime>) -> Self {
        Upgraded::new(value, runtime)
    }
}

impl<'a, B> Request<'a, B> {
    /// Runs the request and makes its streamed answer blocking.
    #[inline]
    pub(crate) fn run_unblocked<T, U: Unblock<T>>(self) -> Result<U, Error>
    where
        B: IntoFuture<Output = Result<T, Error>>,
    {
        let runtime = self.runtime();
        self.run().map(|value| U::unblock(value, runtime))
    }
}

//! `docker run`: create (pulling the image when it is missing), attach, start, stream or
//! collect the output, wait, and remove when asked.

use std::collections::HashMap;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWriteExt};
use tokio::task::JoinHandle;

use super::{calls, split_reference, Credentials, ProgressStream};
use crate::auth::CredentialStore;
use crate::models::{AuthConfig, ContainerCreateBody, HostConfig};
use crate::{AttachInput, Docker, Error, LogOutput, OutputStream};

impl Docker {
    /// Runs a container from `image`, like `docker run`. Set it up with the [`Run`]
    /// builder, then:
    ///
    /// - [`Run::output`]: runs it to the end and collects its output and exit code;
    /// - [`Run::start`]: a [`Running`] container whose output is a stream (and whose
    ///   standard input is a writer, with [`Run::interactive`]);
    /// - [`Run::detach`]: starts it and returns its id, like `docker run -d`.
    ///
    /// The image is pulled when it is missing ([`PullPolicy`]), with the credentials of the
    /// docker CLI's `config.json`. The client attaches to the container's output before it
    /// starts it, so a container that prints and exits at once loses nothing. A non-zero exit
    /// code is a value ([`ExitStatus`]), not an error.
    ///
    /// ```no_run
    /// # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
    /// let out = docker
    ///     .run("busybox")
    ///     .cmd(["sh", "-c", "echo hello; echo oops >&2; exit 3"])
    ///     .remove(true)
    ///     .output()
    ///     .await?;
    /// assert_eq!(out.status.code, 3);
    /// assert_eq!(out.stdout, b"hello\n");
    /// assert_eq!(out.stderr, b"oops\n");
    /// # Ok(()) }
    /// ```
    ///
    /// # Cancellation
    ///
    /// Dropping the future of [`Run::output`] or [`Run::start`], or a [`Running`] container
    /// before its exit was read, cleans up: the container is killed, and removed (with its
    /// anonymous volumes) when [`Run::remove`] asked for it. The clean-up is a task spawned
    /// on the tokio runtime of the drop, so it happens as long as that runtime keeps running;
    /// [`Running::detach`] lets the container go on instead.
    pub fn run(&self, image: impl Into<String>) -> Run {
        Run {
            docker: self.clone(),
            body: ContainerCreateBody {
                image: Some(image.into()),
                ..Default::default()
            },
            name: None,
            platform: None,
            remove: false,
            pull: PullPolicy::default(),
            credentials: Credentials::default(),
            stdin: None,
            interactive: false,
        }
    }
}

/// When [`Docker::run`] pulls the image, as `docker run --pull`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PullPolicy {
    /// When the engine does not have it (`missing`, the default).
    #[default]
    Missing,
    /// Before every run (`always`).
    Always,
    /// Never: a missing image is an error (`never`).
    Never,
}

/// A container run being set up; see [`Docker::run`].
#[must_use = "a run does nothing until it is awaited, started or detached"]
pub struct Run {
    docker: Docker,
    body: ContainerCreateBody,
    name: Option<String>,
    platform: Option<String>,
    remove: bool,
    pull: PullPolicy,
    credentials: Credentials,
    /// In a mutex only to make the builder `Sync` (its futures `Send`); never contended.
    stdin: Option<std::sync::Mutex<Pin<Box<dyn AsyncRead + Send>>>>,
    interactive: bool,
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("body", &self.body)
            .field("name", &self.name)
            .field("platform", &self.platform)
            .field("remove", &self.remove)
            .field("pull", &self.pull)
            .field("credentials", &self.credentials)
            .field("stdin", &self.stdin.as_ref().map(|_| ".."))
            .field("interactive", &self.interactive)
            .finish()
    }
}

fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

impl Run {
    /// The command and its arguments (default: the image's `CMD`).
    pub fn cmd<I, S>(mut self, cmd: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.body.cmd = Some(strings(cmd));
        self
    }

    /// The entry point (`--entrypoint`; default: the image's).
    pub fn entrypoint<I, S>(mut self, entrypoint: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.body.entrypoint = Some(strings(entrypoint));
        self
    }

    /// Sets an environment variable (`-e KEY=VALUE`).
    pub fn env(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let var = format!("{}={}", key.as_ref(), value.as_ref());
        self.body.env.get_or_insert_with(Vec::new).push(var);
        self
    }

    /// The container's name (`--name`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The working directory of the command (`-w`).
    pub fn working_dir(mut self, dir: impl Into<String>) -> Self {
        self.body.working_dir = Some(dir.into());
        self
    }

    /// The user the command runs as (`-u`, `name`, `uid` or `uid:gid`).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.body.user = Some(user.into());
        self
    }

    /// Adds a label (`-l KEY=VALUE`).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.body
            .labels
            .get_or_insert_with(HashMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// The network mode (`--network`: `none`, `host`, `bridge`, a network's name).
    pub fn network(mut self, mode: impl Into<String>) -> Self {
        self.host_config_mut().network_mode = Some(mode.into());
        self
    }

    /// Runs an init process as PID 1 (`--init`), which forwards signals and reaps zombies.
    pub fn init(mut self, init: bool) -> Self {
        self.host_config_mut().init = Some(init);
        self
    }

    /// Gives the container a TTY (`-t`): its output is one console stream
    /// ([`LogOutput::Console`], counted as stdout by [`RunOutput`]).
    pub fn tty(mut self, tty: bool) -> Self {
        self.body.tty = Some(tty);
        self
    }

    /// Removes the container once it exited (`--rm`), with its anonymous volumes.
    pub fn remove(mut self, remove: bool) -> Self {
        self.remove = remove;
        self
    }

    /// When to pull the image (default [`PullPolicy::Missing`]).
    pub fn pull(mut self, policy: PullPolicy) -> Self {
        self.pull = policy;
        self
    }

    /// The platform of the image (`--platform`, `os[/arch[/variant]]`).
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.platform = Some(platform.into());
        self
    }

    /// Asks this store for the credentials of a pull, rather than the docker CLI's config.
    pub fn credentials(mut self, store: impl CredentialStore + 'static) -> Self {
        self.credentials = Credentials::Store(Arc::new(store));
        self
    }

    /// Pulls with these credentials.
    pub fn auth(mut self, auth: AuthConfig) -> Self {
        self.credentials = Credentials::Fixed(Box::new(auth));
        self
    }

    /// Feeds the container's standard input from `reader`, then closes it (`-i` with input
    /// piped in). The container sees the end of its input when the reader ends.
    pub fn stdin(mut self, reader: impl AsyncRead + Send + 'static) -> Self {
        self.stdin = Some(std::sync::Mutex::new(Box::pin(reader)));
        self
    }

    /// Keeps the container's standard input open for [`Running::input`] (`-i`). With
    /// [`Run::output`] and no [`Run::stdin`], the input is closed at once.
    pub fn interactive(mut self, interactive: bool) -> Self {
        self.interactive = interactive;
        self
    }

    /// Changes anything of the container's configuration, for what the builder has no method
    /// for.
    ///
    /// ```no_run
    /// # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
    /// let out = docker
    ///     .run("busybox")
    ///     .cmd(["hostname"])
    ///     .configure(|body| body.hostname = Some("box".to_owned()))
    ///     .host_config(|host| host.memory = Some(64 << 20))
    ///     .output()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn configure(mut self, change: impl FnOnce(&mut ContainerCreateBody)) -> Self {
        change(&mut self.body);
        self
    }

    /// Changes anything of the container's host configuration (mounts, limits, ...).
    pub fn host_config(mut self, change: impl FnOnce(&mut HostConfig)) -> Self {
        change(self.host_config_mut());
        self
    }

    fn host_config_mut(&mut self) -> &mut HostConfig {
        self.body
            .host_config
            .get_or_insert_with(HostConfig::default)
    }

    fn image(&self) -> &str {
        self.body.image.as_deref().unwrap_or_default()
    }

    fn tty_set(&self) -> bool {
        self.body.tty == Some(true)
    }

    /// Runs the container to its end: its whole output and exit status.
    pub async fn output(self) -> Result<RunOutput, Error> {
        self.start().await?.output().await
    }

    /// Creates, attaches to and starts the container: read its output from the [`Running`]
    /// stream, then [`Running::wait`] for its exit.
    pub async fn start(mut self) -> Result<Running, Error> {
        let stdin = self
            .stdin
            .take()
            .map(|reader| reader.into_inner().unwrap_or_else(|e| e.into_inner()));
        let open_stdin = stdin.is_some() || self.interactive;
        self.body.attach_stdout = Some(true);
        self.body.attach_stderr = Some(true);
        if open_stdin {
            self.body.attach_stdin = Some(true);
            self.body.open_stdin = Some(true);
            self.body.stdin_once = Some(true);
        }
        let tty = self.tty_set();
        let id = self.create().await?;
        let mut cleanup = Cleanup {
            docker: self.docker.clone(),
            id: id.clone(),
            remove: self.remove,
            armed: true,
            spawn: |docker, id, remove| drop(tokio::spawn(clean(docker, id, remove))),
        };
        // Attached before it starts: nothing the container writes is lost.
        let attached = match calls::attach(&self.docker, &id, open_stdin).await {
            Ok(attached) => attached,
            Err(e) => return Err(cleanup.now_with(e).await),
        };
        if let Err(e) = calls::start(&self.docker, &id).await {
            return Err(cleanup.now_with(e).await);
        }
        let mut input = attached.input;
        let mut stdin_task = None;
        let input = match stdin {
            Some(mut reader) => {
                stdin_task = Some(tokio::spawn(async move {
                    tokio::io::copy(&mut reader, &mut input).await?;
                    input.shutdown().await
                }));
                None
            }
            None if self.interactive => Some(input),
            None => None,
        };
        Ok(Running {
            docker: self.docker,
            id,
            output: attached.output.with_tty(tty),
            input,
            stdin_task,
            remove: self.remove,
            cleanup,
        })
    }

    /// Creates and starts the container, and returns its id without waiting, like
    /// `docker run -d`. With [`Run::remove`], the engine removes the container when it exits
    /// (`AutoRemove`).
    pub async fn detach(mut self) -> Result<String, Error> {
        if self.remove {
            self.host_config_mut().auto_remove = Some(true);
        }
        let id = self.create().await?;
        let mut cleanup = Cleanup {
            docker: self.docker.clone(),
            id: id.clone(),
            remove: self.remove,
            armed: true,
            spawn: |docker, id, remove| drop(tokio::spawn(clean(docker, id, remove))),
        };
        if let Err(e) = calls::start(&self.docker, &id).await {
            return Err(cleanup.now_with(e).await);
        }
        cleanup.armed = false;
        Ok(id)
    }

    /// Creates the container, pulling its image as the policy says.
    async fn create(&self) -> Result<String, Error> {
        if self.pull == PullPolicy::Always {
            self.pull_image().await?;
        }
        let create = || {
            calls::create(
                &self.docker,
                &self.body,
                self.name.as_deref(),
                self.platform.as_deref(),
            )
        };
        match create().await {
            Ok(created) => Ok(created.id),
            // The docker CLI pulls on any "not found" of a create, which names the image.
            Err(e) if e.is_not_found() && self.pull == PullPolicy::Missing => {
                self.pull_image().await?;
                Ok(create().await?.id)
            }
            Err(e) => Err(e),
        }
    }

    async fn pull_image(&self) -> Result<(), Error> {
        let image = self.image();
        let auth = self.credentials.for_image(image).await?;
        let (repository, tag) = split_reference(image);
        let stream = calls::pull(
            &self.docker,
            repository,
            tag,
            self.platform.as_deref(),
            auth,
        )
        .await?;
        ProgressStream::new(stream).finish().await.map(drop)
    }
}

/// How a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitStatus {
    /// The exit code of its main process (`137` when it was killed, as by `SIGKILL`).
    pub code: i64,
    /// An error the engine reported while waiting for it, if any.
    pub error: Option<String>,
}

impl ExitStatus {
    /// Whether the code is 0 and the engine reported no error.
    pub fn success(&self) -> bool {
        self.code == 0 && self.error.is_none()
    }
}

/// What a container run to its end left: its id, exit status and output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// The container's id (gone from the engine when it was removed).
    pub id: String,
    /// How it ended.
    pub status: ExitStatus,
    /// Its standard output (with a TTY, the whole console).
    pub stdout: Vec<u8>,
    /// Its standard error (empty with a TTY).
    pub stderr: Vec<u8>,
}

impl RunOutput {
    /// Whether it exited with code 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The standard output as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The standard error as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// A started container: a stream of its output, its standard input when
/// [`Run::interactive`], and its exit with [`Running::wait`] or [`Running::output`].
///
/// Dropped before its exit was read, it kills the container (and removes it when
/// [`Run::remove`] asked for it); [`Running::detach`] lets it run instead.
///
/// ```no_run
/// # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
/// use docker_client::LogOutput;
/// use futures::StreamExt;
///
/// let mut running = docker.run("busybox").cmd(["ping", "-c", "3", "127.0.0.1"]).start().await?;
/// while let Some(piece) = running.next().await {
///     if let LogOutput::StdOut(bytes) = piece? {
///         print!("{}", String::from_utf8_lossy(&bytes));
///     }
/// }
/// let status = running.wait().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Running {
    docker: Docker,
    id: String,
    output: OutputStream,
    input: Option<AttachInput>,
    stdin_task: Option<JoinHandle<std::io::Result<()>>>,
    remove: bool,
    cleanup: Cleanup,
}

impl Running {
    /// The container's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The container's standard input, with [`Run::interactive`] (and no [`Run::stdin`]):
    /// write to it, and shut it down (`AsyncWriteExt::shutdown`) to close it.
    pub fn input(&mut self) -> Option<&mut AttachInput> {
        self.input.as_mut()
    }

    /// Takes the standard input, to write it from another task.
    pub fn take_input(&mut self) -> Option<AttachInput> {
        self.input.take()
    }

    /// Reads the rest of the output (dropping it), waits for the container to exit, and
    /// removes it when asked.
    pub async fn wait(self) -> Result<ExitStatus, Error> {
        self.finish(false).await.map(|out| out.status)
    }

    /// Reads the rest of the output, waits for the container to exit, and removes it when
    /// asked.
    pub async fn output(self) -> Result<RunOutput, Error> {
        self.finish(true).await
    }

    /// Stops following the container and lets it run; its id.
    pub fn detach(mut self) -> String {
        self.cleanup.armed = false;
        self.id.clone()
    }

    async fn finish(mut self, keep: bool) -> Result<RunOutput, Error> {
        match self.finish_inner(keep).await {
            Ok(out) => Ok(out),
            Err(e) => Err(self.cleanup.now_with(e).await),
        }
    }

    async fn finish_inner(&mut self, keep: bool) -> Result<RunOutput, Error> {
        if let Some(mut input) = self.input.take() {
            // Nobody else can write to it any more: close it, so the container sees the end.
            let _ = input.shutdown().await;
        }
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        while let Some(piece) = self.output.next().await {
            match piece? {
                LogOutput::StdErr(bytes) if keep => stderr.extend_from_slice(&bytes),
                LogOutput::StdOut(bytes) | LogOutput::Console(bytes) if keep => {
                    stdout.extend_from_slice(&bytes)
                }
                _ => {}
            }
        }
        if let Some(task) = self.stdin_task.take() {
            // A container may exit without reading all of its input: the rest is dropped.
            task.abort();
        }
        let waited = calls::wait(&self.docker, &self.id).await?;
        if self.remove {
            calls::remove(&self.docker, &self.id, true).await?;
        }
        self.cleanup.armed = false;
        Ok(RunOutput {
            id: self.id.clone(),
            status: ExitStatus {
                code: waited.status_code,
                error: waited
                    .error
                    .and_then(|e| e.message)
                    .filter(|m| !m.is_empty()),
            },
            stdout,
            stderr,
        })
    }
}

impl Stream for Running {
    type Item = Result<LogOutput, Error>;

    /// The container's output, until it exits.
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.output.poll_next_unpin(cx)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = self.stdin_task.take() {
            task.abort();
        }
    }
}

/// Kills (and removes, when asked) a container whose run did not end normally: on an error,
/// or when dropped armed (a cancelled future).
#[derive(Debug)]
struct Cleanup {
    docker: Docker,
    id: String,
    remove: bool,
    armed: bool,
    /// Spawns [`clean`] on the current runtime. A function made where the run starts, so that
    /// the clean-up's code (the whole request path) is compiled only into programs that run
    /// containers, not into every build of this crate.
    spawn: fn(Docker, String, bool),
}

impl Cleanup {
    /// Cleans up now, and returns the error that made it necessary.
    async fn now_with(&mut self, error: Error) -> Error {
        if std::mem::take(&mut self.armed) {
            clean(self.docker.clone(), self.id.clone(), self.remove).await;
        }
        error
    }
}

async fn clean(docker: Docker, id: String, remove: bool) {
    // Best effort: the container may have exited or gone already.
    if remove {
        let _ = calls::remove(&docker, &id, true).await;
    } else {
        let _ = calls::kill(&docker, &id).await;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.armed && tokio::runtime::Handle::try_current().is_ok() {
            (self.spawn)(self.docker.clone(), self.id.clone(), self.remove);
        }
    }
}

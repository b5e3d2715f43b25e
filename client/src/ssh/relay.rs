//! The relay of an `ssh://` engine (the `ssh` feature): a socket (or named pipe) of the
//! client's own, each connection to it served by an `ssh` process.

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use super::{Failures, SshSettings};
use crate::error::{Error, SshErrorKind};
use crate::host::Host;

/// The most of ssh's standard error kept for a message.
const STDERR_KEPT: usize = 4096;

/// How long the relay waits, once ssh has ended or its output has, for the rest (its exit,
/// its last output, its last messages): a background process that ssh leaves (a shared
/// connection's master) may hold its output open.
const GRACE: Duration = Duration::from_secs(2);

/// The command each connection runs.
#[derive(Debug)]
struct SshCommand {
    program: OsString,
    args: Vec<OsString>,
}

impl SshCommand {
    /// `ssh [options] -o ConnectTimeout=N -o BatchMode=yes -T [-l user] [-p port] -- host
    /// docker [--host=unix://path] system dial-stdio`. The client adds `ConnectTimeout` (its
    /// connect timeout, which is 30 s by default as for the CLI) and `BatchMode=yes` unless the
    /// options set them: a library has no terminal to ask a password or a passphrase on, and
    /// ssh must fail rather than wait for one (the CLI starts ssh without a controlling
    /// terminal for the same reason). `None` for an address that is not `ssh://`.
    fn new(target: &Host, settings: &SshSettings, connect_timeout: Duration) -> Option<SshCommand> {
        let Host::Ssh {
            user,
            host,
            port,
            path,
        } = target
        else {
            return None;
        };
        let program = match &settings.program {
            Some(program) => program.clone().into_os_string(),
            None => OsString::from("ssh"),
        };
        let sets = |name: &str| {
            let name = name.to_ascii_lowercase();
            settings
                .options
                .iter()
                .any(|o| o.to_ascii_lowercase().contains(&name))
        };
        let mut args: Vec<OsString> = settings.options.iter().map(OsString::from).collect();
        if !sets("ConnectTimeout") {
            let seconds = connect_timeout.as_secs_f64().ceil().max(1.0);
            args.push("-o".into());
            args.push(format!("ConnectTimeout={seconds}").into());
        }
        if !sets("BatchMode") {
            args.push("-o".into());
            args.push("BatchMode=yes".into());
        }
        if !settings.options.iter().any(|o| o == "-T") {
            args.push("-T".into());
        }
        if let Some(user) = user {
            args.push("-l".into());
            args.push(user.into());
        }
        if let Some(port) = port {
            args.push("-p".into());
            args.push(port.to_string().into());
        }
        args.push("--".into());
        args.push(host.into());
        args.push("docker".into());
        if !path.is_empty() {
            args.push(format!("--host=unix://{path}").into());
        }
        args.push("system".into());
        args.push("dial-stdio".into());
        Some(SshCommand { program, args })
    }

    fn spawn(&self) -> io::Result<tokio::process::Child> {
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // No console window for ssh.exe.
        #[cfg(windows)]
        command.creation_flags(0x0800_0000);
        command.spawn()
    }
}

/// What only the relay writes into [`Failures`].
impl Failures {
    fn record(&self, kind: SshErrorKind, message: String) {
        *self.lock() = Some((kind, message));
    }

    fn clear(&self) {
        self.lock().take();
    }
}

/// The relay of one client (and its clones). Dropping it stops it.
pub(crate) struct Relay {
    /// Where reqwest connects: a unix socket's path, or a named pipe's name.
    address: PathBuf,
    failures: Arc<Failures>,
    /// Dropped to stop the relay.
    _stop: watch::Sender<()>,
    /// The private directory of the socket, removed on drop.
    #[cfg(unix)]
    dir: PathBuf,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// Where reqwest connects.
    pub(crate) fn address(&self) -> PathBuf {
        self.address.clone()
    }

    /// How its ssh processes last failed.
    pub(crate) fn failures(&self) -> &Arc<Failures> {
        &self.failures
    }

    /// The relay of an `ssh://` engine (`None` for another address): opens its socket and
    /// starts serving it. `display` names the engine in errors.
    pub(crate) fn start(
        target: &Host,
        settings: &SshSettings,
        connect_timeout: Duration,
        display: &str,
    ) -> Result<Option<Relay>, Error> {
        let Some(command) = SshCommand::new(target, settings, connect_timeout) else {
            return Ok(None);
        };
        let command = Arc::new(command);
        let failures = Arc::new(Failures::default());
        let shared = failures.clone();
        let (stop, stopped) = watch::channel(());
        let failed =
            |e: io::Error| Error::Config(format!("{display}: cannot start the ssh relay: {e}"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed)?;
        // The socket is opened here, in the relay's runtime (entered, not run: this may be
        // called from another runtime's task), so requests may go as soon as this returns; the
        // relay's thread then runs that runtime.
        let opened = {
            let _inside = runtime.enter();
            Listener::open(display)
        };
        let listener = match opened {
            Ok(listener) => listener,
            Err(e) => {
                // (Dropped without waiting: a runtime may not wait inside another's task.)
                runtime.shutdown_background();
                return Err(e);
            }
        };
        let place = listener.place();
        std::thread::Builder::new()
            .name("docker-ssh-relay".to_owned())
            .spawn(move || runtime.block_on(serve(listener, command, shared, stopped)))
            .map_err(failed)?;
        Ok(Some(Relay {
            address: place.0,
            failures,
            _stop: stop,
            #[cfg(unix)]
            dir: place.1,
        }))
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        // The thread sees the sender gone, kills its ssh processes and ends; the socket goes
        // now, so that nothing connects to a relay that is stopping.
        #[cfg(unix)]
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Accepts connections until the relay stops; then stops every connection's ssh and waits for
/// them (briefly), so that none outlives the client.
async fn serve(
    mut listener: Listener,
    command: Arc<SshCommand>,
    failures: Arc<Failures>,
    mut stop: watch::Receiver<()>,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok(stream) => {
                    let (command, failures) = (command.clone(), failures.clone());
                    connections.spawn(connect(stream, command, failures, stop.clone()));
                }
                // (Too many open files, for one: the next may work.)
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            // (Finished connections, collected as they go.)
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

/// How a connection's ssh ended, as the relay saw it.
enum Ended {
    /// Its output ended (and it exited, or was given up on).
    Output(Option<std::process::ExitStatus>),
    /// It exited (its output drained).
    Exited(Option<std::process::ExitStatus>),
    /// The relay is stopping.
    Stopped,
}

/// One connection: its own ssh, whose output goes to the client and the client's bytes to its
/// input. A half-close by the client (an attached process's input closed) closes ssh's input.
async fn connect<S>(
    stream: S,
    command: Arc<SshCommand>,
    failures: Arc<Failures>,
    mut stop: watch::Receiver<()>,
) where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let program = command.program.to_string_lossy();
            let kind = match e.kind() {
                io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied => {
                    SshErrorKind::NotInstalled
                }
                _ => SshErrorKind::Other,
            };
            failures.record(kind, format!("cannot start {program}: {e}"));
            return;
        }
    };
    let (Some(mut input), Some(mut output), Some(errors)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return;
    };
    let said = Arc::new(Mutex::new(Tail::default()));
    let drain = tokio::spawn(read_stderr(errors, said.clone()));
    let (mut from_client, mut to_client) = tokio::io::split(stream);
    let upload = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_client, &mut input).await;
        // (Dropping `input` closes ssh's standard input.)
    });
    let mut answered = false;
    let download = async {
        let mut buffer = vec![0; 16 * 1024];
        loop {
            match output.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if !answered {
                        answered = true;
                        failures.clear();
                    }
                    if to_client.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
    };
    let ended = {
        tokio::pin!(download);
        let ended = tokio::select! {
            () = &mut download => Ended::Output(None),
            status = child.wait() => Ended::Exited(status.ok()),
            _ = stop.changed() => Ended::Stopped,
        };
        match ended {
            Ended::Output(_) => Ended::Output(
                tokio::time::timeout(GRACE, child.wait())
                    .await
                    .ok()
                    .and_then(Result::ok),
            ),
            Ended::Exited(status) => {
                let _ = tokio::time::timeout(GRACE, &mut download).await;
                Ended::Exited(status)
            }
            Ended::Stopped => Ended::Stopped,
        }
    };
    let status = match ended {
        Ended::Output(status) | Ended::Exited(status) => status,
        Ended::Stopped => None,
    };
    if !answered && !matches!(ended, Ended::Stopped) {
        // What ssh said, before the client sees the connection close.
        let _ = tokio::time::timeout(GRACE, drain).await;
        let said = std::mem::take(&mut *said.lock().unwrap_or_else(|e| e.into_inner()));
        let (kind, message) = describe(status, &said.text());
        failures.record(kind, message);
    }
    // Only now may the client see the end: a failure is on record when it looks.
    let _ = to_client.shutdown().await;
    drop(to_client);
    upload.abort();
    let _ = child.start_kill();
    let _ = tokio::time::timeout(GRACE, child.wait()).await;
}

/// Reads ssh's standard error to its end, keeping the last [`STDERR_KEPT`] bytes.
async fn read_stderr(mut errors: tokio::process::ChildStderr, said: Arc<Mutex<Tail>>) {
    let mut buffer = [0; 1024];
    while let Ok(n @ 1..) = errors.read(&mut buffer).await {
        said.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(&buffer[..n]);
    }
}

/// The last bytes of a stream.
#[derive(Default)]
struct Tail {
    bytes: std::collections::VecDeque<u8>,
    cut: bool,
}

impl Tail {
    fn push(&mut self, bytes: &[u8]) {
        self.bytes.extend(bytes);
        let excess = self.bytes.len().saturating_sub(STDERR_KEPT);
        if excess > 0 {
            self.bytes.drain(..excess);
            self.cut = true;
        }
    }

    /// As text: control characters but line ends replaced, lines trimmed, empty ones left out.
    fn text(&self) -> String {
        let (front, back) = self.bytes.as_slices();
        let raw = String::from_utf8_lossy(&[front, back].concat()).into_owned();
        let clean: String = raw
            .chars()
            .map(|c| match c {
                '\n' => '\n',
                c if c.is_control() => ' ',
                c => c,
            })
            .collect();
        let mut lines: Vec<&str> = clean
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if self.cut && lines.len() > 1 {
            // (Its first line is cut.)
            lines.remove(0);
        }
        lines.join("\n")
    }
}

/// What an ssh that ended without an answer means, from its exit status and its messages.
fn describe(status: Option<std::process::ExitStatus>, said: &str) -> (SshErrorKind, String) {
    let code = status.and_then(|s| s.code());
    let lower = said.to_ascii_lowercase();
    let has = |text: &str| lower.contains(text);
    let kind = if has("host key verification failed")
        || has("remote host identification has changed")
        || has("no matching host key")
    {
        SshErrorKind::HostKey
    } else if has("permission denied (") || has("too many authentication failures") {
        SshErrorKind::Authentication
    } else if has("could not resolve hostname")
        || has("connection refused")
        || has("connection timed out")
        || has("no route to host")
        || has("network is unreachable")
        || has("operation timed out")
    {
        SshErrorKind::Unreachable
    } else if code == Some(127)
        || (has("docker") && (has("not found") || has("no such file")))
            && !has("daemon")
            && !has(".sock")
    {
        SshErrorKind::DockerMissing
    } else {
        SshErrorKind::Other
    };
    let exit = match status {
        Some(status) => match status.code() {
            Some(code) => format!("ssh exited with status {code}"),
            None => format!("ssh ended: {status}"),
        },
        None => "ssh ended".to_owned(),
    };
    let message = match said {
        "" => format!("{exit} without an answer and without a message"),
        said => format!("{said} ({exit})"),
    };
    (kind, message)
}

/// The relay's socket: a unix socket in a fresh directory only this user may enter, under
/// `$XDG_RUNTIME_DIR` (else the temporary directory).
#[cfg(unix)]
struct Listener {
    address: PathBuf,
    dir: PathBuf,
    socket: tokio::net::UnixListener,
}

/// Where a relay listens: its address, and the directory to remove.
#[cfg(unix)]
type Place = (PathBuf, PathBuf);

#[cfg(unix)]
impl Listener {
    /// Opens the socket (in the relay's runtime, entered).
    fn open(display: &str) -> Result<Listener, Error> {
        use std::os::unix::fs::DirBuilderExt;
        let failed = |what: &str, e: io::Error| {
            Error::Config(format!(
                "{display}: cannot open the ssh relay's socket: {what}: {e}"
            ))
        };
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute() && dir.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let mut tries = 0;
        let dir = loop {
            let dir = base.join(format!(
                "docker-client-ssh-{}-{}",
                std::process::id(),
                random_hex()?
            ));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(e) => return Err(failed(&base.display().to_string(), e)),
            }
        };
        let address = dir.join("relay.sock");
        match tokio::net::UnixListener::bind(&address) {
            Ok(socket) => Ok(Listener {
                address,
                dir,
                socket,
            }),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err(failed(&address.display().to_string(), e))
            }
        }
    }

    fn place(&self) -> Place {
        (self.address.clone(), self.dir.clone())
    }

    async fn accept(&mut self) -> io::Result<tokio::net::UnixStream> {
        self.socket.accept().await.map(|(stream, _)| stream)
    }
}

/// The relay's named pipe, with a name no one can guess. A named pipe rather than a loopback
/// TCP port: any local user may connect to a port (and reach the engine with this user's ssh
/// keys), while a named pipe's default access list lets only its creator, the administrators
/// and the system write to it; remote clients are refused.
#[cfg(windows)]
struct Listener {
    name: OsString,
    /// The instance the next client connects to.
    next: tokio::net::windows::named_pipe::NamedPipeServer,
}

/// Where a relay listens: the pipe's name.
#[cfg(windows)]
type Place = (PathBuf,);

#[cfg(windows)]
impl Listener {
    /// Creates the pipe's first instance (in the relay's runtime, entered).
    fn open(display: &str) -> Result<Listener, Error> {
        let name = format!(
            r"\\.\pipe\docker-client-ssh-{}-{}",
            std::process::id(),
            random_hex()?
        );
        let next = tokio::net::windows::named_pipe::ServerOptions::new()
            .first_pipe_instance(true)
            .reject_remote_clients(true)
            .create(&name)
            .map_err(|e| {
                Error::Config(format!("{display}: cannot open the ssh relay's pipe: {e}"))
            })?;
        Ok(Listener {
            name: name.into(),
            next,
        })
    }

    fn place(&self) -> Place {
        (PathBuf::from(&self.name),)
    }

    /// The connected instance; a new one waits for the next client.
    async fn accept(&mut self) -> io::Result<tokio::net::windows::named_pipe::NamedPipeServer> {
        self.next.connect().await?;
        let next = tokio::net::windows::named_pipe::ServerOptions::new()
            .reject_remote_clients(true)
            .create(&self.name)?;
        Ok(std::mem::replace(&mut self.next, next))
    }
}

/// 16 random hex digits, for a name no one else picks.
fn random_hex() -> Result<String, Error> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Config("no randomness for the ssh relay's name".to_owned()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(user: Option<&str>, port: Option<u16>, path: &str) -> Host {
        Host::Ssh {
            user: user.map(str::to_owned),
            host: "engine.example".to_owned(),
            port,
            path: path.to_owned(),
        }
    }

    fn args(command: &SshCommand) -> Vec<String> {
        let args = command
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned());
        args.collect()
    }

    #[test]
    fn the_command_is_the_clis_with_batch_mode() {
        let settings = SshSettings::default();
        let command = SshCommand::new(
            &target(Some("me"), Some(2222), "/run/docker.sock"),
            &settings,
            Duration::from_secs(30),
        )
        .expect("an ssh command");
        assert_eq!(command.program, "ssh");
        assert_eq!(
            args(&command).join(" "),
            "-o ConnectTimeout=30 -o BatchMode=yes -T -l me -p 2222 -- engine.example docker \
             --host=unix:///run/docker.sock system dial-stdio"
        );
        let command = SshCommand::new(&target(None, None, ""), &settings, Duration::from_millis(1))
            .expect("an ssh command");
        assert_eq!(
            args(&command).join(" "),
            "-o ConnectTimeout=1 -o BatchMode=yes -T -- engine.example docker system dial-stdio"
        );
    }

    #[test]
    fn the_users_options_come_first_and_win() {
        let settings = SshSettings {
            program: Some("/opt/ssh".into()),
            options: ["-i", "/k", "-o", "batchmode=no", "-oConnectTimeout=5", "-T"]
                .map(str::to_owned)
                .to_vec(),
        };
        let command = SshCommand::new(&target(None, None, ""), &settings, Duration::from_secs(30))
            .expect("an ssh command");
        assert_eq!(command.program, "/opt/ssh");
        assert_eq!(
            args(&command).join(" "),
            "-i /k -o batchmode=no -oConnectTimeout=5 -T -- engine.example docker system \
             dial-stdio"
        );
    }

    #[cfg(unix)]
    fn exited(code: i32) -> Option<std::process::ExitStatus> {
        use std::os::unix::process::ExitStatusExt;
        Some(std::process::ExitStatus::from_raw(code << 8))
    }

    #[cfg(unix)]
    #[test]
    fn sshs_messages_tell_what_failed() {
        for (code, said, kind) in [
            (255, "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.", SshErrorKind::HostKey),
            (255, "me@127.0.0.1: Permission denied (publickey).", SshErrorKind::Authentication),
            (255, "ssh: connect to host 127.0.0.1 port 1: Connection refused", SshErrorKind::Unreachable),
            (255, "ssh: Could not resolve hostname nowhere.invalid: Name or service not known", SshErrorKind::Unreachable),
            (127, "bash: line 1: docker: command not found", SshErrorKind::DockerMissing),
            (127, "sh: 1: docker: not found", SshErrorKind::DockerMissing),
            (1, "Cannot connect to the Docker daemon at unix:///nowhere.sock. Is the docker daemon running?", SshErrorKind::Other),
        ] {
            let (found, message) = describe(exited(code), said);
            assert_eq!(found, kind, "{said}");
            assert!(message.contains(said.lines().last().unwrap()), "{message}");
            assert!(message.contains(&format!("status {code}")), "{message}");
        }
        let (kind, message) = describe(exited(0), "");
        assert_eq!(kind, SshErrorKind::Other);
        assert!(message.contains("without a message"), "{message}");
    }

    #[cfg(unix)]
    #[test]
    fn the_relays_socket_is_in_a_private_directory_removed_with_it() {
        use std::os::unix::fs::PermissionsExt;
        let relay = Relay::start(
            &target(None, None, ""),
            &SshSettings::default(),
            Duration::from_secs(1),
            "ssh://engine.example",
        )
        .expect("a relay")
        .expect("an ssh:// address has a relay");
        let dir = relay.address.parent().expect("its directory").to_owned();
        let mode = std::fs::metadata(&dir)
            .expect("its directory")
            .permissions();
        assert_eq!(mode.mode() & 0o777, 0o700, "{}", dir.display());
        assert!(std::os::unix::net::UnixStream::connect(&relay.address).is_ok());
        drop(relay);
        assert!(!dir.exists(), "{} is left", dir.display());
    }

    #[test]
    fn the_stderr_kept_is_bounded_and_clean() {
        let mut tail = Tail::default();
        tail.push(b"\x1b[31mfirst\r\n\n  second  \n");
        assert_eq!(tail.text(), "[31mfirst\nsecond");
        let mut tail = Tail::default();
        for i in 0..1000 {
            tail.push(format!("line {i}\n").as_bytes());
        }
        let text = tail.text();
        assert!(text.len() <= STDERR_KEPT, "{}", text.len());
        assert!(text.ends_with("line 999"), "{text}");
        assert!(text.lines().all(|l| l.starts_with("line ")), "{text}");
    }
}

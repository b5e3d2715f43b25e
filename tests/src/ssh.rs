//! A private `sshd` for the `ssh://` tests: Debian's openssh-server (which `cargo xtask test`
//! installs when it is missing) on a free loopback port, with its own configuration, host key
//! and keys under the given directory, and nothing of the system's sshd configuration.
//!
//! Its logins run the command the client sends (`docker [--host=unix:///path] system
//! dial-stdio`) with `PATH` leading to the docker CLI of Debian bookworm's `docker.io`, which
//! `tests/engine/engine.sh` unpacks for the v20 engine (trixie's `docker.io` has no CLI). Three
//! keys: one authorized, one authorized whose logins find no `docker`, one not authorized.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The sshd program Debian's openssh-server installs.
pub const SSHD: &str = "/usr/sbin/sshd";

/// A running private sshd; stopped when dropped.
pub struct Sshd {
    /// The loopback port it listens on.
    pub port: u16,
    /// Its files: keys, `known_hosts`, `sshd_config`, `sshd.log`.
    pub dir: PathBuf,
    /// The user the tests log in as (this process's).
    pub user: String,
    child: Child,
}

/// The keys a test can log in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Authorized: its login runs the client's command, with the docker CLI on `PATH`.
    Authorized,
    /// Authorized, but its logins have a `PATH` without `docker`.
    NoDocker,
    /// Not in `authorized_keys`.
    Refused,
}

impl Key {
    fn file(self) -> &'static str {
        match self {
            Key::Authorized => "id_authorized",
            Key::NoDocker => "id_nodocker",
            Key::Refused => "id_refused",
        }
    }
}

fn run(what: &str, command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what}: {command:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The docker CLI the sshd's logins run: bookworm's, unpacked by `engine.sh` into its cache.
pub fn docker_cli() -> PathBuf {
    let cache = match std::env::var_os("ENGINE_CACHE") {
        Some(cache) => PathBuf::from(cache),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/engine-cache"),
    };
    let cli = cache.join("v20/root/usr/bin/docker");
    assert!(
        cli.is_file(),
        "{} is missing: `tests/engine/engine.sh fetch v20` unpacks it (cargo xtask test does)",
        cli.display()
    );
    cli
}

impl Sshd {
    /// Makes the keys and the configuration in a fresh `dir` and starts sshd; waits until it
    /// accepts connections.
    pub fn start(dir: &Path) -> Sshd {
        assert!(
            Path::new(SSHD).is_file(),
            "{SSHD} is missing: install Debian's openssh-server and openssh-client \
             (`apt-get install openssh-server openssh-client`; cargo xtask test does)"
        );
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("the sshd directory");
        let dir = dir.canonicalize().expect("the sshd directory");
        let keygen = |file: &str| {
            run(
                "ssh-keygen",
                Command::new("ssh-keygen")
                    .args(["-q", "-t", "ed25519", "-N", "", "-C", "docker-client-test"])
                    .arg("-f")
                    .arg(dir.join(file)),
            );
            std::fs::read_to_string(dir.join(format!("{file}.pub"))).expect("a public key")
        };
        let host_key = keygen("host_key");
        let authorized = keygen(Key::Authorized.file());
        let no_docker = keygen(Key::NoDocker.file());
        keygen(Key::Refused.file());
        let cli = docker_cli();
        let cli_dir = cli.parent().expect("the CLI's directory");
        // The NoDocker key's logins run the client's command with a PATH without docker.
        let authorized_keys = format!(
            "{authorized}command=\"PATH=/nonexistent; exec /bin/sh -c \\\"$SSH_ORIGINAL_COMMAND\\\"\" {no_docker}"
        );
        std::fs::write(dir.join("authorized_keys"), authorized_keys).expect("authorized_keys");

        // A free port: one the system gives, closed again for sshd.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        std::fs::write(
            dir.join("known_hosts"),
            format!("[127.0.0.1]:{port} {host_key}"),
        )
        .expect("known_hosts");
        let config = format!(
            "Port {port}\n\
             ListenAddress 127.0.0.1\n\
             HostKey {dir}/host_key\n\
             PidFile {dir}/sshd.pid\n\
             AuthorizedKeysFile {dir}/authorized_keys\n\
             AuthenticationMethods publickey\n\
             PubkeyAuthentication yes\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             UsePAM no\n\
             StrictModes no\n\
             PermitRootLogin prohibit-password\n\
             PrintMotd no\n\
             SetEnv PATH={cli_dir}:/usr/bin:/bin\n\
             LogLevel VERBOSE\n",
            dir = dir.display(),
            cli_dir = cli_dir.display(),
        );
        let config_file = dir.join("sshd_config");
        std::fs::write(&config_file, config).expect("sshd_config");
        // As root, sshd needs its privilege separation directory, which the system's ssh
        // service makes when it starts (and a container may never start it).
        if is_root() && !Path::new("/run/sshd").is_dir() {
            std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
        }
        let log = std::fs::File::create(dir.join("sshd.log")).expect("sshd.log");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {SSHD}: {e}"));
        let user = current_user();
        let mut sshd = Sshd {
            port,
            dir,
            user,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if let Ok(Some(status)) = sshd.child.try_wait() {
                panic!("sshd ended ({status}): {}", sshd.log());
            }
            assert!(
                Instant::now() < deadline,
                "sshd does not listen: {}",
                sshd.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sshd
    }

    /// `ssh://user@127.0.0.1:port<socket>`: the engine whose socket is `socket` (empty for
    /// the remote CLI's default).
    pub fn url(&self, socket: &str) -> String {
        format!("ssh://{}@127.0.0.1:{}{socket}", self.user, self.port)
    }

    /// The ssh options that log in with `key`, checking the host key against this sshd's
    /// (`known` false: against an empty known-hosts file), with no configuration or agent of
    /// the machine's.
    pub fn options(&self, key: Key, known: bool) -> Vec<String> {
        let known_hosts = match known {
            true => self.dir.join("known_hosts"),
            false => {
                let empty = self.dir.join("known_hosts_empty");
                std::fs::write(&empty, "").expect("an empty known_hosts");
                empty
            }
        };
        [
            "-F".to_owned(),
            "/dev/null".to_owned(),
            "-i".to_owned(),
            self.dir.join(key.file()).display().to_string(),
            "-o".to_owned(),
            "IdentitiesOnly=yes".to_owned(),
            "-o".to_owned(),
            "IdentityAgent=none".to_owned(),
            "-o".to_owned(),
            format!("UserKnownHostsFile={}", known_hosts.display()),
            "-o".to_owned(),
            "GlobalKnownHostsFile=/dev/null".to_owned(),
            "-o".to_owned(),
            "StrictHostKeyChecking=yes".to_owned(),
        ]
        .to_vec()
    }

    /// What sshd logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // Its sessions end as their clients' ssh processes stop (the client's relay stops them
        // from a thread of its own): sshd reaps them while it runs, so it waits a little.
        let pid = self.child.id();
        let children = format!("/proc/{pid}/task/{pid}/children");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline
            && std::fs::read_to_string(&children).is_ok_and(|c| !c.trim().is_empty())
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn current_user() -> String {
    let output = Command::new("id").arg("-un").output().expect("id -un");
    let user = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(!user.is_empty(), "no user name from id -un");
    user
}

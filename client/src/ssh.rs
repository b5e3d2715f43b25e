//! `ssh://` engines: the system `ssh` runs `docker system dial-stdio` on the remote host for
//! each connection, and HTTP goes over its standard input and output, as the docker CLI's
//! connection helper does.
//!
//! reqwest takes no stream of the caller's making, so the client talks to a private relay: a
//! unix socket in a fresh directory only this user may enter (a named pipe on Windows), each
//! connection to it served by its own `ssh` process. Pooling, upgrades (attach, exec) and
//! timeouts then work as on any unix socket. The relay runs on a thread of its own (with a
//! small runtime), so that a client can be made and used from any runtime; it lives as long as
//! the client, its clones, its streams and its attached sessions, and stops with the last of
//! them: its `ssh` processes killed, its directory removed.
//!
//! When `ssh` ends without a byte of an answer (it could not start, the host key or the login
//! was refused, `docker` is missing on the remote host), the relay keeps what ssh said on its
//! standard error (the last 4 KiB, read as it comes so that ssh never blocks on it) before it
//! closes the connection; the transport turns the failed request into an [`Error::Ssh`] with
//! it, and does not send the request again.
//!
//! Without the `ssh` feature, no relay can be made: an `ssh://` engine is a configuration
//! error that names the feature.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::error::{Error, SshErrorKind};

#[cfg_attr(feature = "ssh", path = "ssh/relay.rs")]
#[cfg_attr(not(feature = "ssh"), path = "ssh/none.rs")]
mod relay;

pub(crate) use relay::Relay;

/// How an `ssh://` engine is reached: the program, and its options before the destination.
#[derive(Debug, Clone, Default)]
pub(crate) struct SshSettings {
    /// Instead of `ssh` on `PATH`.
    pub(crate) program: Option<PathBuf>,
    /// Placed before the destination, after the options the client adds.
    pub(crate) options: Vec<String>,
}

/// What the relay and the transport share: how ssh last failed, until the transport takes it.
#[derive(Debug, Default)]
pub(crate) struct Failures {
    last: Mutex<Option<(SshErrorKind, String)>>,
}

impl Failures {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(SshErrorKind, String)>> {
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether an ssh process failed since the transport last looked: a request that failed
    /// then is not sent again.
    pub(crate) fn pending(&self) -> bool {
        self.lock().is_some()
    }

    /// The last failure, as the error of a request to `host`.
    pub(crate) fn take(&self, host: &str) -> Option<Error> {
        let (kind, message) = self.lock().take()?;
        Some(Error::Ssh {
            host: host.to_owned(),
            kind,
            message,
        })
    }
}

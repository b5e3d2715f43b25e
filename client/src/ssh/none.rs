//! A build without the `ssh` feature: no relay can be made.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Failures, SshSettings};
use crate::error::Error;
use crate::host::Host;

/// The relay of an `ssh://` engine, of which this build can make none.
#[derive(Debug)]
pub(crate) enum Relay {}

impl Relay {
    pub(crate) fn address(&self) -> PathBuf {
        match *self {}
    }

    pub(crate) fn failures(&self) -> &Arc<Failures> {
        match *self {}
    }

    /// `None` for an address that is not `ssh://`; for one that is, the error that says which
    /// feature it needs.
    pub(crate) fn start(
        target: &Host,
        _: &SshSettings,
        _: Duration,
        display: &str,
    ) -> Result<Option<Relay>, Error> {
        match target {
            Host::Ssh { .. } => Err(Error::Config(format!(
                "{display}: ssh:// engines need docker-client's `ssh` feature"
            ))),
            _ => Ok(None),
        }
    }
}

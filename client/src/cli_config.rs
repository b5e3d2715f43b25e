//! The docker CLI's configuration directory (`$DOCKER_CONFIG`, default `~/.docker`), the parts
//! this client reads: `config.json` (`currentContext`, `auths`, `credsStore`, `credHelpers`)
//! and the context store (`contexts/meta/<id>/meta.json`, `contexts/tls/<id>/docker/`).
//!
//! These files hold credentials: no message made here quotes a value read from them, only the
//! file, the JSON path of what is wrong and its position.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::Error;

/// `config.json` of the docker CLI: the parts this client reads.
/// (`currentContext`, `auths`, `credsStore`, `credHelpers`; each may be missing.)
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ConfigFile {
    pub(crate) current_context: Option<String>,
    pub(crate) auths: HashMap<String, AuthEntry>,
    pub(crate) creds_store: Option<String>,
    pub(crate) cred_helpers: HashMap<String, String>,
}

/// An `auths` entry of `config.json`: each field may be missing.
#[derive(Clone, Default, Deserialize)]
pub(crate) struct AuthEntry {
    /// base64 of `user:password`.
    pub(crate) auth: Option<String>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) identitytoken: Option<String>,
    pub(crate) registrytoken: Option<String>,
}

impl fmt::Debug for AuthEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("AuthEntry")
            .field("auth", &redacted(&self.auth))
            .field("username", &self.username)
            .field("password", &redacted(&self.password))
            .field("identitytoken", &redacted(&self.identitytoken))
            .field("registrytoken", &redacted(&self.registrytoken))
            .finish()
    }
}

impl ConfigFile {
    /// Reads `path`; a file that does not exist is an empty configuration.
    pub(crate) fn load(path: &Path) -> Result<ConfigFile, Error> {
        match read(path)? {
            Some(text) => ConfigFile::parse(&text, &path.display().to_string()),
            None => Ok(ConfigFile::default()),
        }
    }

    /// Parses `config.json` text; `origin` names it in messages.
    pub(crate) fn parse(text: &[u8], origin: &str) -> Result<ConfigFile, Error> {
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(ConfigFile::default());
        }
        parse_json(text, origin, "docker config file")
    }
}

/// Decodes JSON without quoting any of it: serde's messages about a value of the wrong type
/// quote the value (`invalid type: string "<base64 of user:password>"`), so they give way to
/// the value's JSON path and position. Syntax errors name a position only and are kept.
fn parse_json<T: DeserializeOwned>(text: &[u8], origin: &str, what: &str) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let why = match inner.classify() {
            serde_json::error::Category::Data => format!(
                "`{path}` does not have the expected type (line {}, column {})",
                inner.line(),
                inner.column()
            ),
            _ => inner.to_string(),
        };
        Error::Config(format!("{origin} is not a valid {what}: {why}"))
    })?;
    // Only whitespace after the document. (serde_json's message names a position.)
    deserializer
        .end()
        .map_err(|e| Error::Config(format!("{origin} is not a valid {what}: {e}")))?;
    Ok(value)
}

/// The file's bytes, `None` when it does not exist.
fn read(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match std::fs::read(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Config(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// The docker CLI's configuration directory: `DOCKER_CONFIG`, else `~/.docker`.
pub(crate) fn config_dir(var: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    if let Some(dir) = set("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir));
    }
    let home = set(if cfg!(windows) { "USERPROFILE" } else { "HOME" });
    home.map(|home| Path::new(&home).join(".docker"))
}

/// The docker endpoint of a context in the context store: as its `meta.json` has it, and its
/// TLS files.
#[derive(Debug, Deserialize)]
pub(crate) struct ContextEndpoint {
    /// `Host` of the endpoint; `None` (never empty) means the local engine.
    #[serde(rename = "Host")]
    pub(crate) host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    pub(crate) skip_tls_verify: bool,
    /// The context's TLS files (`ca.pem`, `cert.pem`, `key.pem`), when it has any.
    #[serde(skip)]
    pub(crate) tls_dir: Option<PathBuf>,
}

/// A context's `meta.json`: the parts this client reads.
#[derive(Deserialize)]
struct ContextMeta {
    #[serde(rename = "Endpoints", default)]
    endpoints: HashMap<String, ContextEndpoint>,
}

/// The docker endpoint of the context `name` in the store under `config_dir`; `from` says where
/// the name came from, for messages.
pub(crate) fn context_endpoint(
    config_dir: &Path,
    name: &str,
    from: &str,
) -> Result<ContextEndpoint, Error> {
    let id = context_id(name);
    let contexts = config_dir.join("contexts");
    let meta_path = contexts.join("meta").join(&id).join("meta.json");
    let Some(text) = read(&meta_path)? else {
        return Err(Error::Config(format!(
            "context {name:?} ({from}) does not exist: {} is missing",
            meta_path.display()
        )));
    };
    let origin = format!("context {name:?}: {}", meta_path.display());
    let mut meta: ContextMeta = parse_json(&text, &origin, "context")?;
    let mut endpoint = meta.endpoints.remove("docker").ok_or_else(|| {
        Error::Config(format!(
            "context {name:?} ({}) has no docker endpoint",
            meta_path.display()
        ))
    })?;
    let tls_dir = contexts.join("tls").join(&id).join("docker");
    endpoint.host = endpoint.host.filter(|h| !h.is_empty());
    endpoint.tls_dir = tls_dir.is_dir().then_some(tls_dir);
    Ok(endpoint)
}

/// The hex sha256 of a context name: its directory in the context store.
fn context_id(name: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, name.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_ids_are_the_sha256_of_the_name() {
        assert_eq!(
            context_id("remote"),
            "b71199ebd070b36beab7317920c2c2f1d777df8d05e5527d8458fda57cb17a7a"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_by_its_path_never_quoted() {
        let secret = "c2VjcmV0LXVzZXI6czNjcmV0LXBhc3N3b3Jk";
        for text in [
            format!(r#"{{"auths":{{"r":"{secret}"}}}}"#),
            format!(r#"{{"auths":{{"r":{{"auth":["{secret}"]}}}}}}"#),
            format!(r#"{{"auths":["{secret}"]}}"#),
            format!(r#"{{"currentContext":{{"x":"{secret}"}}}}"#),
        ] {
            let message = ConfigFile::parse(text.as_bytes(), "config.json")
                .unwrap_err()
                .to_string();
            assert!(!message.contains(secret), "{message}");
            assert!(message.contains("config.json"), "{message}");
        }
        let message = ConfigFile::parse(
            format!(r#"{{"auths":{{"r":"{secret}"}}}}"#).as_bytes(),
            "config.json",
        )
        .unwrap_err()
        .to_string();
        assert!(message.contains("`auths.r`"), "{message}");
    }
}

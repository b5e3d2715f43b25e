//! Where the engine is, found like the docker CLI finds it: `DOCKER_HOST`, else the context
//! named by `DOCKER_CONTEXT` or `currentContext`, else the local engine; TLS from
//! `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and `DOCKER_CERT_PATH` or the context's files; the API
//! version from `DOCKER_API_VERSION`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::cli_config::{config_dir, context_endpoint, ConfigFile};
use crate::error::Error;
use crate::tls::TlsConfig;
use crate::version::ApiVersion;

/// The default address of a local engine.
#[cfg(not(windows))]
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";
/// The default address of a local engine.
#[cfg(windows)]
pub const DEFAULT_HOST: &str = "npipe:////./pipe/docker_engine";

/// The default address of a local engine's unix socket.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// An engine address in `DOCKER_HOST` syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Host {
    /// `unix:///var/run/docker.sock`.
    Unix(PathBuf),
    /// `tcp://host:port`, `http://host:port` or `https://host:port`, with an optional path
    /// prefix (`tcp://host:2375/prefix`).
    Tcp {
        /// A name, an IPv4 address, or an IPv6 address in brackets.
        host: String,
        /// `None` when the address has none: 2376 with TLS, else 2375, as the CLI does.
        port: Option<u16>,
        /// Prepended to every request path; empty, or starting with `/`.
        path: String,
        /// `https://`: TLS even without TLS settings.
        https: bool,
    },
    /// `npipe:////./pipe/docker_engine` (Windows).
    NamedPipe(String),
    /// `ssh://[user@]host[:port][/socket/path]`: the system `ssh` runs `docker system
    /// dial-stdio` on `host` for each connection, as the docker CLI does.
    Ssh {
        /// The login name (`ssh -l`); `None` leaves it to ssh (its configuration, else the
        /// local user).
        user: Option<String>,
        /// A name or an address; an IPv6 address without brackets.
        host: String,
        /// `ssh -p`; `None` leaves it to ssh (its configuration, else 22).
        port: Option<u16>,
        /// The engine's socket on `host` (`docker --host unix://<path>`); empty for the
        /// remote docker CLI's own default.
        path: String,
    },
}

impl Host {
    /// Parses an address as `DOCKER_HOST` holds it. The error names the value.
    pub fn parse(value: &str) -> Result<Host, Error> {
        let invalid = |why: &str| Error::Config(format!("engine address {value:?} {why}"));
        let (scheme, rest) = value.split_once("://").ok_or_else(|| {
            invalid("has no scheme: use unix://, tcp://, http://, https://, ssh:// or npipe://")
        })?;
        match scheme.to_ascii_lowercase().as_str() {
            "unix" => {
                let path = or_default(rest, DEFAULT_SOCKET);
                if !path.starts_with('/') {
                    return Err(invalid("is not an absolute socket path"));
                }
                Ok(Host::Unix(PathBuf::from(path)))
            }
            "npipe" => {
                let pipe = or_default(rest, "//./pipe/docker_engine");
                Ok(Host::NamedPipe(pipe.replace('/', "\\")))
            }
            scheme @ ("tcp" | "http" | "https") => {
                let (authority, path) = split_path(rest);
                let path = path.trim_end_matches('/');
                if authority.contains('@') {
                    return Err(invalid("holds user information, which the engine ignores"));
                }
                if path.contains(['?', '#']) {
                    return Err(invalid("has a query or fragment"));
                }
                if !path.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(invalid("has a path that is not printable ASCII"));
                }
                let (host, port) = split_host_port(authority).map_err(|why| invalid(&why))?;
                Ok(Host::Tcp {
                    host: or_default(host, "localhost").to_owned(),
                    port,
                    path: path.to_owned(),
                    https: scheme == "https",
                })
            }
            "ssh" => parse_ssh(value, rest),
            "fd" => Err(invalid(
                "uses fd://, which only the engine itself listens on",
            )),
            _ => Err(invalid(
                "has an unknown scheme: use unix://, tcp://, http://, https://, ssh:// or npipe://",
            )),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Unix(path) => write!(f, "unix://{}", path.display()),
            Host::Tcp {
                host,
                port,
                path,
                https,
            } => {
                let scheme = if *https { "https" } else { "tcp" };
                write!(f, "{scheme}://{host}")?;
                if let Some(port) = port {
                    write!(f, ":{port}")?;
                }
                write!(f, "{path}")
            }
            Host::NamedPipe(pipe) => write!(f, "npipe://{}", pipe.replace('\\', "/")),
            Host::Ssh {
                user,
                host,
                port,
                path,
            } => {
                f.write_str("ssh://")?;
                if let Some(user) = user {
                    write!(f, "{user}@")?;
                }
                match host.contains(':') {
                    true => write!(f, "[{host}]")?,
                    false => f.write_str(host)?,
                }
                if let Some(port) = port {
                    write!(f, ":{port}")?;
                }
                f.write_str(path)
            }
        }
    }
}

/// `ssh://[user@]host[:port][/socket/path]`, as the docker CLI reads it: no password, query or
/// fragment. What reaches the remote shell (the socket path) and what ssh could take for an
/// option (a user or host starting with `-`) is held to plain characters.
fn parse_ssh(value: &str, rest: &str) -> Result<Host, Error> {
    let (authority, path) = split_path(rest);
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((user, hostport)) => (Some(user), hostport),
        None => (None, authority),
    };
    if user.is_some_and(|user| user.contains(':')) {
        // (The value is not repeated: it holds a password.)
        return Err(Error::Config(
            "an ssh:// engine address holds a password, which is not supported: use a key \
             or an ssh agent"
                .to_owned(),
        ));
    }
    let invalid = |why: &str| Error::Config(format!("engine address {value:?} {why}"));
    if rest.contains(['?', '#']) {
        return Err(invalid(
            "has a query or fragment, which ssh:// does not take",
        ));
    }
    let plain = |text: &str, extra: &[u8]| {
        !text.starts_with('-')
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b) || extra.contains(&b))
    };
    let user = match user {
        Some("") => return Err(invalid("has an empty user name")),
        Some(user) if !plain(user, b"@%$") => return Err(invalid("has an invalid user name")),
        user => user.map(str::to_owned),
    };
    let (host, port) = split_host_port(hostport).map_err(|why| invalid(&why))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(invalid("names no host"));
    }
    if !plain(host, b":%") {
        return Err(invalid("has an invalid host name"));
    }
    // The socket path reaches the remote shell as a word of the command line.
    let path = if path.trim_matches('/').is_empty() {
        ""
    } else {
        path
    };
    if !plain(path, b"/@%=:,") {
        return Err(invalid(
            "has a socket path with characters other than letters, digits and /._-+@%=:,",
        ));
    }
    Ok(Host::Ssh {
        user,
        host: host.to_owned(),
        port,
        path: path.to_owned(),
    })
}

/// `text`, or `default` when it is empty.
fn or_default<'a>(text: &'a str, default: &'a str) -> &'a str {
    Some(text)
        .filter(|text| !text.is_empty())
        .unwrap_or(default)
}

/// The authority of an address after its scheme, and its path (from the first `/`, if any).
fn split_path(rest: &str) -> (&str, &str) {
    rest.split_at(rest.find('/').unwrap_or(rest.len()))
}

/// `host:port`, `[v6]:port`, `host`, `:port`.
fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest.find(']').ok_or("has an unclosed '[' in its address")?;
        let port = match &rest[end + 1..] {
            "" => None,
            after => Some(
                after
                    .strip_prefix(':')
                    .ok_or("has text after the IPv6 address")?,
            ),
        };
        (&authority[..end + 2], port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => {
                return Err("has an IPv6 address without [brackets]".to_owned())
            }
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(port) if port > 0 => Some(port),
            _ => return Err(format!("has an invalid port {port:?}")),
        },
    };
    if host.is_empty() && port.is_none() {
        return Err("names no host or port".to_owned());
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'\\')
    {
        return Err("has an invalid host name".to_owned());
    }
    Ok((host, port))
}

/// What the environment says: the engine's address, TLS, and a pinned API version.
#[derive(Debug, Default)]
pub(crate) struct Located {
    pub(crate) host: String,
    pub(crate) tls: Option<TlsConfig>,
    pub(crate) api_version: Option<ApiVersion>,
}

/// Finds the engine as the docker CLI would with these environment variables.
pub(crate) fn locate(var: &dyn Fn(&str) -> Option<String>) -> Result<Located, Error> {
    let set = |name: &str| var(name).filter(|v| !v.is_empty());
    let dir = config_dir(var);
    // The CLI: DOCKER_HOST wins over any context, then DOCKER_CONTEXT, then currentContext.
    let context = if set("DOCKER_HOST").is_some() {
        None
    } else if let Some(name) = set("DOCKER_CONTEXT") {
        Some((name, "DOCKER_CONTEXT".to_owned()))
    } else if let Some(dir) = &dir {
        let file = dir.join("config.json");
        ConfigFile::load(&file)?
            .current_context
            .filter(|name| !name.is_empty())
            .map(|name| (name, format!("currentContext of {}", file.display())))
    } else {
        None
    };
    let (host, tls) = match context {
        Some((name, from)) if name != "default" => {
            let dir = dir.ok_or_else(|| {
                Error::Config(format!(
                    "context {name:?} ({from}): no config directory (set DOCKER_CONFIG or HOME)"
                ))
            })?;
            from_context(&dir, &name, &from)?
        }
        _ => default_endpoint(&set, dir.as_deref())?,
    };
    let pinned = set("DOCKER_API_VERSION").map(|version| version.parse());
    let api_version = pinned
        .transpose()
        .map_err(|e| Error::Config(format!("DOCKER_API_VERSION: {e}")))?;
    Ok(Located {
        host,
        tls,
        api_version,
    })
}

/// The `default` context: `DOCKER_HOST` (else the local engine) and the TLS variables.
fn default_endpoint(
    set: &dyn Fn(&str) -> Option<String>,
    config_dir: Option<&Path>,
) -> Result<(String, Option<TlsConfig>), Error> {
    let host = set("DOCKER_HOST").unwrap_or_else(|| DEFAULT_HOST.to_owned());
    let parsed = Host::parse(&host).map_err(|e| config_in("DOCKER_HOST", e))?;
    let verify = set("DOCKER_TLS_VERIFY").is_some();
    let tls_only = set("DOCKER_TLS").is_some();
    let tls = match parsed {
        // As the CLI: TLS from its variables reads DOCKER_CERT_PATH (else the config directory),
        // where ca.pem must exist.
        Host::Tcp { .. } if verify || tls_only => {
            let tls = match set("DOCKER_CERT_PATH") {
                Some(dir) => {
                    TlsConfig::from_cert_dir(&dir).map_err(|e| config_in("DOCKER_CERT_PATH", e))?
                }
                None => {
                    let dir = config_dir.ok_or_else(|| {
                        Error::Config(
                            "DOCKER_TLS_VERIFY or DOCKER_TLS: no certificate directory (set \
                             DOCKER_CERT_PATH, DOCKER_CONFIG or HOME)"
                                .to_owned(),
                        )
                    })?;
                    TlsConfig::from_cert_dir(dir)?
                }
            };
            Some(tls.danger_accept_invalid_certs(!verify))
        }
        // https:// alone: the platform's certificate authorities.
        Host::Tcp { https: true, .. } => Some(TlsConfig::new()),
        _ => None,
    };
    Ok((host, tls))
}

/// A named context from the context store under `config_dir`.
fn from_context(
    config_dir: &Path,
    name: &str,
    from: &str,
) -> Result<(String, Option<TlsConfig>), Error> {
    let endpoint = context_endpoint(config_dir, name, from)?;
    let in_context = |e: Error| config_in(&format!("context {name:?}"), e);
    let host = endpoint.host.unwrap_or_else(|| DEFAULT_HOST.to_owned());
    let parsed = Host::parse(&host).map_err(in_context)?;
    let tls = match parsed {
        Host::Tcp { https, .. } => {
            let tls = match &endpoint.tls_dir {
                Some(dir) => Some(TlsConfig::from_context_dir(dir).map_err(in_context)?),
                None if endpoint.skip_tls_verify || https => Some(TlsConfig::new()),
                None => None,
            };
            tls.map(|tls| tls.danger_accept_invalid_certs(endpoint.skip_tls_verify))
        }
        _ => None,
    };
    Ok((host, tls))
}

/// A configuration error's message, prefixed with where the value came from.
fn config_in(origin: &str, error: Error) -> Error {
    match error {
        Error::Config(message) => Error::Config(format!("{origin}: {message}")),
        other => other,
    }
}

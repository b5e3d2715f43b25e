//! What users otherwise write by hand on top of the API's operations: run a container
//! ([`Docker::run`](crate::Docker::run)), copy files to and from one ([`Docker::copy_to_container`](crate::Docker::copy_to_container),
//! [`Docker::copy_from_container`](crate::Docker::copy_from_container)), build an image from a directory ([`Docker::build_image`](crate::Docker::build_image)),
//! pull and push images ([`Docker::pull`](crate::Docker::pull), [`Docker::push`](crate::Docker::push)), and follow the progress of pulls,
//! pushes, loads and builds as byte counts ([`ProgressStream`], [`Progress`]).
//!
//! ```no_run
//! # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
//! // `docker run --rm busybox sh -c 'echo hi'`: the exit code is data, not an error.
//! let out = docker.run("busybox").cmd(["sh", "-c", "echo hi"]).remove(true).output().await?;
//! assert_eq!((out.status.code, out.stdout_text().as_str()), (0, "hi\n"));
//!
//! // `docker cp ./site web:/usr/share/www` and back.
//! docker.copy_to_container("web", "./site", "/usr/share/www").await?;
//! docker.copy_from_container("web", "/var/log/app", "./logs").await?;
//!
//! // `docker build -t app:1 .`, with `.dockerignore` applied.
//! let built = docker.build_image(".").tag("app:1").send().await?;
//! println!("{:?}", built.image_id);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod build;
mod calls;
mod copy;
mod dockerignore;
mod progress;
mod pull;
mod run;
mod tarstream;

use std::fmt;
use std::sync::Arc;

pub use build::{BuildImage, Built};
pub use dockerignore::DockerIgnore;
pub use progress::{LayerPhase, LayerProgress, Progress, ProgressMessage, ProgressStream};
pub use pull::{Pull, Push};
pub use run::{ExitStatus, PullPolicy, Run, RunOutput, Running};

use crate::auth::{image_registry, CredentialStore, RegistryAuth};
use crate::models::AuthConfig;
use crate::Error;

/// Where a workflow that talks to a registry finds its credentials.
#[derive(Clone, Default)]
pub(crate) enum Credentials {
    /// The docker CLI's `config.json` ([`RegistryAuth::from_env`]), read when needed.
    #[default]
    FromEnv,
    /// A store asked for the image's registry (on tokio's blocking pool: it may run a program).
    Store(Arc<dyn CredentialStore>),
    /// These credentials, whatever the registry.
    Fixed(Box<AuthConfig>),
    /// None at all.
    Anonymous,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Credentials::FromEnv => "FromEnv",
            Credentials::Store(_) => "Store(..)",
            Credentials::Fixed(_) => "Fixed(<redacted>)",
            Credentials::Anonymous => "Anonymous",
        })
    }
}

impl Credentials {
    /// The credentials for the registry of `image`, if any.
    pub(crate) async fn for_image(&self, image: &str) -> Result<Option<AuthConfig>, Error> {
        match self {
            Credentials::FromEnv => RegistryAuth::from_env()?.for_image_async(image).await,
            Credentials::Store(store) => {
                let (store, registry) = (store.clone(), image_registry(image).to_owned());
                tokio::task::spawn_blocking(move || store.credentials(&registry))
                    .await
                    .map_err(|e| {
                        Error::Config(format!("the credential store's task failed: {e}"))
                    })?
            }
            Credentials::Fixed(auth) => Ok(Some((**auth).clone())),
            Credentials::Anonymous => Ok(None),
        }
    }

    /// Every registry's credentials, for a build's `X-Registry-Config`.
    pub(crate) async fn all(
        &self,
    ) -> Result<Option<std::collections::HashMap<String, AuthConfig>>, Error> {
        match self {
            Credentials::FromEnv => {
                let all = RegistryAuth::from_env()?.all_async().await?;
                Ok((!all.is_empty()).then_some(all))
            }
            Credentials::Fixed(auth) => {
                let key = crate::registry_key(auth.serveraddress.as_deref().unwrap_or_default());
                Ok(Some([(key, (**auth).clone())].into()))
            }
            // A store knows registries only when asked for one; a build names none in advance.
            Credentials::Store(_) | Credentials::Anonymous => Ok(None),
        }
    }
}

/// An image reference split as the pull and push operations take it: the repository, and the
/// tag or digest (`latest` when the reference names neither, as the docker CLI does, rather
/// than every tag).
pub(crate) fn split_reference(image: &str) -> (&str, &str) {
    if let Some((name, digest)) = image.split_once('@') {
        return (name, digest);
    }
    let last = image.rfind('/').map_or(0, |i| i + 1);
    match image[last..].rfind(':') {
        Some(colon) => (&image[..last + colon], &image[last + colon + 1..]),
        None => (image, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::split_reference;

    #[test]
    fn references_split_into_repository_and_tag() {
        assert_eq!(split_reference("busybox"), ("busybox", "latest"));
        assert_eq!(split_reference("busybox:1.36"), ("busybox", "1.36"));
        assert_eq!(
            split_reference("127.0.0.1:5000/app"),
            ("127.0.0.1:5000/app", "latest")
        );
        assert_eq!(
            split_reference("127.0.0.1:5000/team/app:v2"),
            ("127.0.0.1:5000/team/app", "v2")
        );
        assert_eq!(
            split_reference("app@sha256:0123abcd"),
            ("app", "sha256:0123abcd")
        );
    }
}

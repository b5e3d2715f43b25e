//! `docker pull` and `docker push`, with credentials from the docker CLI's config and progress.

use std::sync::Arc;

use super::progress::{Progress, ProgressStream};
use super::{calls, split_reference, Credentials};
use crate::auth::CredentialStore;
use crate::models::{AuthConfig, CreateImageInfo, PushImageInfo};
use crate::{Docker, Error};

impl Docker {
    /// Pulls an image, like `docker pull`: `busybox` means `busybox:latest` (one tag, not
    /// all of them), and the credentials for its registry come from the docker CLI's
    /// `config.json` unless set otherwise. [`Pull::send`] pulls to the end, [`Pull::stream`]
    /// follows its progress.
    ///
    /// ```no_run
    /// # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
    /// let progress = docker.pull("ghcr.io/acme/app:1.0").send().await?;
    /// println!("{} bytes in {} layers", progress.total(), progress.layers().len());
    /// # Ok(()) }
    /// ```
    pub fn pull(&self, image: impl Into<String>) -> Pull {
        Pull {
            docker: self.clone(),
            image: image.into(),
            platform: None,
            credentials: Credentials::default(),
        }
    }

    /// Pushes an image, like `docker push`: `registry:5000/app` means its `latest` tag, and
    /// the credentials for its registry come from the docker CLI's `config.json` unless set
    /// otherwise. [`Push::send`] pushes to the end, [`Push::stream`] follows its progress.
    ///
    /// ```no_run
    /// # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
    /// docker.push("registry.example:5000/app:1.0").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn push(&self, image: impl Into<String>) -> Push {
        Push {
            docker: self.clone(),
            image: image.into(),
            credentials: Credentials::default(),
        }
    }
}

/// A pull being set up; see [`Docker::pull`].
#[derive(Debug)]
#[must_use = "a pull does nothing until it is sent or streamed"]
pub struct Pull {
    docker: Docker,
    image: String,
    platform: Option<String>,
    credentials: Credentials,
}

impl Pull {
    /// The platform to pull, `os[/arch[/variant]]` (default: the engine's).
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.platform = Some(platform.into());
        self
    }

    /// Asks this store for the registry's credentials rather than the docker CLI's config.
    pub fn credentials(mut self, store: impl CredentialStore + 'static) -> Self {
        self.credentials = Credentials::Store(Arc::new(store));
        self
    }

    /// Sends these credentials.
    pub fn auth(mut self, auth: AuthConfig) -> Self {
        self.credentials = Credentials::Fixed(Box::new(auth));
        self
    }

    /// Sends no credentials.
    pub fn anonymous(mut self) -> Self {
        self.credentials = Credentials::Anonymous;
        self
    }

    /// Pulls to the end: the final [`Progress`].
    pub async fn send(self) -> Result<Progress, Error> {
        self.stream().await?.finish().await
    }

    /// Starts the pull: its messages, with their [`Progress`]. An engine that cannot reach
    /// the registry, or is refused, answers with an error status (`Err` here) or ends the
    /// stream with an [`Error::Stream`] item.
    pub async fn stream(self) -> Result<ProgressStream<CreateImageInfo>, Error> {
        let auth = self.credentials.for_image(&self.image).await?;
        let (repository, tag) = split_reference(&self.image);
        let stream = calls::pull(
            &self.docker,
            repository,
            tag,
            self.platform.as_deref(),
            auth,
        )
        .await?;
        Ok(ProgressStream::new(stream))
    }
}

/// A push being set up; see [`Docker::push`].
#[derive(Debug)]
#[must_use = "a push does nothing until it is sent or streamed"]
pub struct Push {
    docker: Docker,
    image: String,
    credentials: Credentials,
}

impl Push {
    /// Asks this store for the registry's credentials rather than the docker CLI's config.
    pub fn credentials(mut self, store: impl CredentialStore + 'static) -> Self {
        self.credentials = Credentials::Store(Arc::new(store));
        self
    }

    /// Sends these credentials.
    pub fn auth(mut self, auth: AuthConfig) -> Self {
        self.credentials = Credentials::Fixed(Box::new(auth));
        self
    }

    /// Sends no credentials.
    pub fn anonymous(mut self) -> Self {
        self.credentials = Credentials::Anonymous;
        self
    }

    /// Pushes to the end: the final [`Progress`].
    pub async fn send(self) -> Result<Progress, Error> {
        self.stream().await?.finish().await
    }

    /// Starts the push: its messages, with their [`Progress`]. The engine reports most
    /// failures (a refused login, an unreachable registry) as an [`Error::Stream`] item.
    pub async fn stream(self) -> Result<ProgressStream<PushImageInfo>, Error> {
        // The engine requires the header; `{}` stands for no credentials.
        let auth = self
            .credentials
            .for_image(&self.image)
            .await?
            .unwrap_or_default();
        let (repository, tag) = split_reference(&self.image);
        let stream = calls::push(&self.docker, repository, tag, &auth).await?;
        Ok(ProgressStream::new(stream))
    }
}

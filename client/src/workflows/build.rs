//! `docker build DIR`: the directory tarred as the build context, `.dockerignore` applied,
//! streamed to the engine.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use futures::StreamExt;

use super::dockerignore::DockerIgnore;
use super::progress::ProgressStream;
use super::tarstream::{self, ChunkWriter};
use super::{calls, Credentials};
use crate::auth::RegistryAuth;
use crate::models::{AuthConfig, BuildInfo};
use crate::options::ImageBuildOptions;
use crate::{Docker, Error};

/// The Dockerfile's default name.
const DOCKERFILE: &str = "Dockerfile";
/// The ignore file, at the context's root.
const DOCKERIGNORE: &str = ".dockerignore";

impl Docker {
    /// Builds an image from the directory `context`, like `docker build DIR`: the directory is
    /// sent as a tar archive written while it is sent (never held in memory), without what its
    /// `.dockerignore` excludes ([`DockerIgnore`]); the Dockerfile and the `.dockerignore`
    /// are always sent. Symbolic links are sent as links, files with their permissions and
    /// modification times, owned by root as the docker CLI sends them. Credentials for the
    /// registries of `FROM` images come from the docker CLI's `config.json`.
    ///
    /// [`BuildImage::send`] builds to the end, [`BuildImage::stream`] reads its messages.
    ///
    /// ```no_run
    /// # async fn example(docker: docker_client::Docker) -> Result<(), docker_client::Error> {
    /// let built = docker
    ///     .build_image("./app")
    ///     .tag("app:1.0")
    ///     .build_arg("VERSION", "1.0")
    ///     .send()
    ///     .await?;
    /// println!("{}", built.log);
    /// println!("image {:?}", built.image_id);
    /// # Ok(()) }
    /// ```
    pub fn build_image(&self, context: impl Into<PathBuf>) -> BuildImage {
        BuildImage {
            docker: self.clone(),
            context: context.into(),
            options: ImageBuildOptions::default(),
            credentials: Credentials::default(),
            registry_auth: None,
        }
    }
}

/// An image build being set up; see [`Docker::build_image`].
#[derive(Debug)]
#[must_use = "a build does nothing until it is sent or streamed"]
pub struct BuildImage {
    docker: Docker,
    context: PathBuf,
    options: ImageBuildOptions,
    credentials: Credentials,
    registry_auth: Option<RegistryAuth>,
}

impl BuildImage {
    /// Tags the image (`-t name:tag`).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.options.t = Some(tag.into());
        self
    }

    /// The Dockerfile's path inside the context (`-f`; default `Dockerfile`).
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        self.options.dockerfile = Some(path.into());
        self
    }

    /// Sets a build argument (`--build-arg KEY=VALUE`).
    pub fn build_arg(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options
            .buildargs
            .get_or_insert_with(HashMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// Adds a label to the image (`--label KEY=VALUE`).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options
            .labels
            .get_or_insert_with(HashMap::new)
            .insert(key.into(), value.into());
        self
    }

    /// Builds without the cache (`--no-cache`).
    pub fn no_cache(mut self, no_cache: bool) -> Self {
        self.options.nocache = Some(no_cache);
        self
    }

    /// Pulls the `FROM` images even when present (`--pull`).
    pub fn pull(mut self, pull: bool) -> Self {
        self.options.pull = pull.then(|| "1".to_owned());
        self
    }

    /// The stage to build (`--target`).
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.options.target = Some(target.into());
        self
    }

    /// The network of `RUN` instructions (`--network`: `none`, `host`, a network's name).
    pub fn network(mut self, mode: impl Into<String>) -> Self {
        self.options.networkmode = Some(mode.into());
        self
    }

    /// The platform to build for (`--platform`).
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.options.platform = Some(platform.into());
        self
    }

    /// Every option of the operation at once, for what the builder has no method for. The
    /// options set so far are replaced.
    pub fn options(mut self, options: ImageBuildOptions) -> Self {
        self.options = options;
        self
    }

    /// Credentials for the registries of `FROM` images: every entry of this config (rather
    /// than the docker CLI's).
    pub fn registry_auth(mut self, auth: RegistryAuth) -> Self {
        self.registry_auth = Some(auth);
        self
    }

    /// Sends these credentials (for their `serveraddress`).
    pub fn auth(mut self, auth: AuthConfig) -> Self {
        self.credentials = Credentials::Fixed(Box::new(auth));
        self.registry_auth = None;
        self
    }

    /// Sends no credentials.
    pub fn anonymous(mut self) -> Self {
        self.credentials = Credentials::Anonymous;
        self.registry_auth = None;
        self
    }

    /// Builds to the end: the image's id and the build's output.
    pub async fn send(self) -> Result<Built, Error> {
        let mut stream = self.stream().await?;
        let mut built = Built::default();
        while let Some(message) = stream.next().await {
            let message = message?;
            if let Some(text) = message.stream {
                built.log.push_str(&text);
            }
            if let Some(id) = message.aux.and_then(|aux| aux.id) {
                built.image_id = Some(id);
            }
        }
        Ok(built)
    }

    /// Starts the build: its messages (`stream` holds the build's output; `aux` the image
    /// id), with the [`Progress`](super::Progress) of the images its `FROM` pulls. A failed
    /// step ends the stream with an [`Error::Stream`] item. A file of the context that cannot
    /// be read fails the build with [`Error::LocalIo`].
    pub async fn stream(self) -> Result<ProgressStream<BuildInfo>, Error> {
        let dockerfile = self
            .options
            .dockerfile
            .clone()
            .unwrap_or_else(|| DOCKERFILE.to_owned());
        let dockerfile = context_path(&dockerfile)?;
        let auth = match &self.registry_auth {
            Some(config) => Some(config.all_async().await?).filter(|all| !all.is_empty()),
            None => self.credentials.all().await?,
        };
        let context = self.context.clone();
        let ignore = DockerIgnore::from_file(context.join(DOCKERIGNORE))?;
        let metadata = std::fs::metadata(&context).map_err(|e| Error::local(&context, e))?;
        if !metadata.is_dir() {
            return Err(Error::local(
                &context,
                io::Error::new(
                    io::ErrorKind::NotADirectory,
                    "a build context is a directory",
                ),
            ));
        }
        let (body, task) =
            tarstream::stream_body(move |out| write_context(&context, &ignore, &dockerfile, out));
        let stream = calls::build(&self.docker, body, &self.options, auth).await;
        match stream {
            // A writer that failed ended the body early: its error says why.
            Ok(stream) if task.is_finished() => task.join(Ok(ProgressStream::new(stream))).await,
            Ok(stream) => Ok(ProgressStream::new(stream)),
            Err(e) => task.join(Err(e)).await,
        }
    }
}

/// A finished build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Built {
    /// The image's id (`sha256:...`), when the engine reported it.
    pub image_id: Option<String>,
    /// The build's output, step by step.
    pub log: String,
}

/// A path inside the context, `/`-separated, refusing paths that leave it.
fn context_path(path: &str) -> Result<String, Error> {
    let path = path.replace('\\', "/");
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if path.starts_with('/') || parts.is_empty() || parts.contains(&"..") {
        return Err(Error::InvalidArgument(format!(
            "the Dockerfile {path:?} must be a path inside the build context"
        )));
    }
    Ok(parts.join("/"))
}

/// Writes the context as a tar archive: every file and directory under `root` that `ignore`
/// keeps, plus the Dockerfile and the `.dockerignore`, in a stable order.
fn write_context(
    root: &Path,
    ignore: &DockerIgnore,
    dockerfile: &str,
    out: &mut ChunkWriter,
) -> Result<(), Error> {
    let mut ignore = ignore.clone();
    // As the docker CLI does: these two are sent whatever the rules say.
    ignore.add(&format!("!{dockerfile}"))?;
    ignore.add(&format!("!{DOCKERIGNORE}"))?;
    let mut tar = tar::Builder::new(out);
    tar.follow_symlinks(false);
    let mut walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_owned();
            Error::local(path, e.into())
        })?;
        let Some(name) = relative_name(root, entry.path()) else {
            continue;
        };
        let is_dir = entry.file_type().is_dir();
        if ignore.is_excluded(&name) {
            if is_dir && !ignore.may_include_below(&name) {
                walk.skip_current_dir();
            }
            continue;
        }
        append(&mut tar, entry.path(), &name).map_err(|e| Error::local(entry.path(), e))?;
    }
    tar.into_inner()
        .and_then(io::Write::flush)
        .map_err(|e| Error::local(root, e))
}

/// The `/`-separated path of `path` below `root` (a name that is not UTF-8 is sent under its
/// lossy form); `None` for `root` itself.
fn relative_name(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Appends one file, directory or symbolic link with its mode and modification time, owned by
/// root. Other kinds (sockets, devices) are skipped, as a build cannot use them.
fn append<W: io::Write>(tar: &mut tar::Builder<W>, path: &Path, name: &str) -> io::Result<()> {
    let metadata = std::fs::symlink_metadata(path)?;
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(&metadata, tar::HeaderMode::Complete);
    header.set_uid(0);
    header.set_gid(0);
    let kind = metadata.file_type();
    if kind.is_symlink() {
        let target = std::fs::read_link(path)?;
        header.set_size(0);
        tar.append_link(&mut header, name, target)
    } else if kind.is_dir() {
        header.set_size(0);
        tar.append_data(&mut header, format!("{name}/"), io::empty())
    } else if kind.is_file() {
        let file = std::fs::File::open(path)?;
        tar.append_data(&mut header, name, file)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_paths_stay_inside_the_context() {
        assert_eq!(context_path("Dockerfile").unwrap(), "Dockerfile");
        assert_eq!(context_path("./ci//Dockerfile").unwrap(), "ci/Dockerfile");
        assert!(context_path("../Dockerfile").is_err());
        assert!(context_path("/etc/Dockerfile").is_err());
        assert!(context_path("").is_err());
    }
}

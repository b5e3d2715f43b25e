//! Every call of a generated operation the workflows make, one function each, so that a change
//! of the generated methods' shape is a change of this file alone.
//!
//! Optional parameters are set one by one, so that the calls compile unchanged against a client
//! generated for another API version, which may add parameters.

use std::collections::HashMap;

use crate::models::{self, AuthConfig, ContainerCreateBody};
use crate::options::ImageBuildOptions;
use crate::{Attached, Body, ByteStream, Docker, Error, JsonStream};

pub(crate) async fn create(
    docker: &Docker,
    body: &ContainerCreateBody,
    name: Option<&str>,
    platform: Option<&str>,
) -> Result<models::ContainerCreateResponse, Error> {
    let mut request = docker.container_create(body.clone());
    if let Some(name) = name {
        request = request.name(name);
    }
    if let Some(platform) = platform {
        request = request.platform(platform);
    }
    request.await
}

/// Attaches to the streams the container will have, before it starts.
pub(crate) async fn attach(docker: &Docker, id: &str, stdin: bool) -> Result<Attached, Error> {
    docker
        .container_attach(id)
        .stream(true)
        .stdin(stdin)
        .stdout(true)
        .stderr(true)
        .await
}

pub(crate) async fn start(docker: &Docker, id: &str) -> Result<(), Error> {
    docker.container_start(id).await.map(drop)
}

pub(crate) async fn wait(
    docker: &Docker,
    id: &str,
) -> Result<models::ContainerWaitResponse, Error> {
    docker.container_wait(id).await
}

pub(crate) async fn kill(docker: &Docker, id: &str) -> Result<(), Error> {
    docker.container_kill(id).await
}

/// Removes the container with its anonymous volumes, as `docker run --rm` does; `force` kills
/// it first when it runs.
pub(crate) async fn remove(docker: &Docker, id: &str, force: bool) -> Result<(), Error> {
    docker.container_delete(id).v(true).force(force).await
}

pub(crate) async fn pull(
    docker: &Docker,
    repository: &str,
    tag: &str,
    platform: Option<&str>,
    auth: Option<AuthConfig>,
) -> Result<JsonStream<models::CreateImageInfo>, Error> {
    let mut request = docker.image_create().from_image(repository).tag(tag);
    if let Some(platform) = platform {
        request = request.platform(platform);
    }
    if let Some(auth) = auth {
        request = request.x_registry_auth(auth);
    }
    request.await
}

pub(crate) async fn push(
    docker: &Docker,
    repository: &str,
    tag: &str,
    auth: &AuthConfig,
) -> Result<JsonStream<models::PushImageInfo>, Error> {
    docker.image_push(repository, auth).tag(tag).await
}

pub(crate) async fn build(
    docker: &Docker,
    context: Body,
    options: &ImageBuildOptions,
    auth: Option<HashMap<String, AuthConfig>>,
) -> Result<JsonStream<models::BuildInfo>, Error> {
    let mut options = options.clone();
    if auth.is_some() {
        options.x_registry_config = auth;
    }
    docker
        .image_build()
        .input_stream(context)
        .options(options)
        .await
}

/// The `X-Docker-Container-Path-Stat` of a path in a container, or `None` when it does not
/// exist.
pub(crate) async fn stat(
    docker: &Docker,
    container: &str,
    path: &str,
) -> Result<Option<String>, Error> {
    match docker.container_archive_info(container, path).await {
        Ok(info) => Ok(info.x_docker_container_path_stat),
        Err(e) if e.is_not_found() => {
            // The same status for a missing container and a missing path: tell them apart,
            // so that a wrong container name is not taken for "copy to a new path".
            docker.container_inspect(container).await?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

pub(crate) async fn archive_get(
    docker: &Docker,
    container: &str,
    path: &str,
) -> Result<ByteStream, Error> {
    docker.container_archive(container, path).await
}

pub(crate) async fn archive_put(
    docker: &Docker,
    container: &str,
    dir: &str,
    tar: Body,
    copy_uid_gid: bool,
) -> Result<(), Error> {
    // A directory is never replaced by a file, nor a file by a directory.
    let request = docker
        .put_container_archive(container, dir, tar)
        .no_overwrite_dir_non_dir("true");
    if copy_uid_gid {
        request.copy_uidgid("true").await
    } else {
        request.await
    }
}

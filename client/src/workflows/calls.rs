//! Every call of a generated operation the workflows make, one function each, so that a change
//! of the generated methods' shape is a change of this file alone.
//!
//! Options are built with `..Default::default()` even where every field of this API version is
//! set: other API versions add fields (a regenerated client must compile unchanged).
#![allow(clippy::needless_update)]

use std::collections::HashMap;

use crate::models::{self, AuthConfig, ContainerCreateBody};
use crate::options::{
    ContainerAttachOptions, ContainerCreateOptions, ContainerDeleteOptions, ContainerKillOptions,
    ImageBuildOptions, ImageCreateOptions, ImagePushOptions, PutContainerArchiveOptions,
};
use crate::{Attached, Body, ByteStream, Docker, Error, JsonStream};

pub(crate) async fn create(
    docker: &Docker,
    body: &ContainerCreateBody,
    name: Option<&str>,
    platform: Option<&str>,
) -> Result<models::ContainerCreateResponse, Error> {
    let options = ContainerCreateOptions {
        name: name.map(str::to_owned),
        platform: platform.map(str::to_owned),
        ..Default::default()
    };
    docker.container_create(body, &options).await
}

/// Attaches to the streams the container will have, before it starts.
pub(crate) async fn attach(docker: &Docker, id: &str, stdin: bool) -> Result<Attached, Error> {
    let options = ContainerAttachOptions {
        stream: Some(true),
        stdin: Some(stdin),
        stdout: Some(true),
        stderr: Some(true),
        ..Default::default()
    };
    docker.container_attach(id, &options).await
}

pub(crate) async fn start(docker: &Docker, id: &str) -> Result<(), Error> {
    docker
        .container_start(id, &Default::default())
        .await
        .map(drop)
}

pub(crate) async fn wait(
    docker: &Docker,
    id: &str,
) -> Result<models::ContainerWaitResponse, Error> {
    docker.container_wait(id, &Default::default()).await
}

pub(crate) async fn kill(docker: &Docker, id: &str) -> Result<(), Error> {
    docker
        .container_kill(id, &ContainerKillOptions::default())
        .await
}

/// Removes the container with its anonymous volumes, as `docker run --rm` does; `force` kills
/// it first when it runs.
pub(crate) async fn remove(docker: &Docker, id: &str, force: bool) -> Result<(), Error> {
    let options = ContainerDeleteOptions {
        v: Some(true),
        force: Some(force),
        ..Default::default()
    };
    docker.container_delete(id, &options).await
}

pub(crate) async fn pull(
    docker: &Docker,
    repository: &str,
    tag: &str,
    platform: Option<&str>,
    auth: Option<AuthConfig>,
) -> Result<JsonStream<models::CreateImageInfo>, Error> {
    let options = ImageCreateOptions {
        from_image: Some(repository.to_owned()),
        tag: Some(tag.to_owned()),
        platform: platform.map(str::to_owned),
        x_registry_auth: auth,
        ..Default::default()
    };
    docker.image_create(None, &options).await
}

pub(crate) async fn push(
    docker: &Docker,
    repository: &str,
    tag: &str,
    auth: &AuthConfig,
) -> Result<JsonStream<models::PushImageInfo>, Error> {
    let options = ImagePushOptions {
        tag: Some(tag.to_owned()),
        ..Default::default()
    };
    docker.image_push(repository, auth, &options).await
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
    docker.image_build(Some(context), &options).await
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
            docker
                .container_inspect(container, &Default::default())
                .await?;
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
    let options = PutContainerArchiveOptions {
        // A directory is never replaced by a file, nor a file by a directory.
        no_overwrite_dir_non_dir: Some("true".to_owned()),
        copy_uidgid: copy_uid_gid.then(|| "true".to_owned()),
        ..Default::default()
    };
    docker
        .put_container_archive(container, dir, tar, &options)
        .await
}

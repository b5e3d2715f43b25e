//! `docker cp` both ways: copies a directory of this machine into a throwaway busybox
//! container (as `/data`), and copies it back next to the original as `<dir>.back`.
//!
//! ```sh
//! cargo run -p docker-client --example copy -- client/examples
//! ```
//!
//! The engine is `DOCKER_HOST`, or `/var/run/docker.sock` when it is not set.

use std::path::PathBuf;

use docker_client::Docker;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let src = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".to_owned()));
    let src = src.canonicalize()?;
    let name = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".to_owned());
    let docker = Docker::from_env()?;

    // A container to copy into: it does not have to run (archives work on stopped ones).
    let id = docker
        .run("busybox:latest")
        .cmd(["sleep", "3600"])
        .network("none")
        .detach()
        .await?;
    let result = async {
        docker.copy_to_container(&id, &src, "/data").await?;
        println!("copied {} to /data in {}", src.display(), &id[..12]);
        let back = src.with_file_name(format!("{name}.back"));
        docker.copy_from_container(&id, "/data", &back).await?;
        println!("copied /data back to {}", back.display());
        Ok::<_, docker_client::Error>(())
    }
    .await;
    docker.container_delete(&id).force(true).await?;
    result?;
    Ok(())
}

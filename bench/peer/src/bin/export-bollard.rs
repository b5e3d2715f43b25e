//! A 512 MiB export through bollard alone, from the main task; prints the peak RSS. bollard
//! 0.15 has no container export: it reads a container's `/` as a tar archive instead, with the
//! same stream code, and the mock sends the same body.

use futures::StreamExt;

fn main() -> peer_bench::peers::Res<()> {
    peer_bench::export_main(|socket, container| async move {
        let docker =
            bollard::Docker::connect_with_unix(&socket, 120, bollard::API_DEFAULT_VERSION)?;
        let options = bollard::container::DownloadFromContainerOptions { path: "/" };
        let mut body = docker.download_from_container(&container, Some(options));
        let mut total = 0;
        while let Some(chunk) = body.next().await {
            total += chunk?.len() as u64;
        }
        Ok(total)
    })
}

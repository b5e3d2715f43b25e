//! A 512 MiB export through the client alone, from the main task; prints the peak RSS.

use futures::StreamExt;

fn main() -> peer_bench::peers::Res<()> {
    peer_bench::export_main(|socket, container| async move {
        let docker = docker_client::Docker::connect_unix(socket)?;
        let mut body = docker.container_export(&container).await?;
        let mut total = 0;
        while let Some(chunk) = body.next().await {
            total += chunk?.len() as u64;
        }
        Ok(total)
    })
}

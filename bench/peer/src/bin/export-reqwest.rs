//! A 512 MiB export through bare reqwest alone, from the main task; prints the peak RSS.

use futures::StreamExt;

fn main() -> peer_bench::peers::Res<()> {
    peer_bench::export_main(|socket, container| async move {
        let client = peer_bench::peers::reqwest_builder(&socket).build()?;
        let url = format!("http://localhost/v1.43/containers/{container}/export");
        let mut body = client
            .get(url)
            .send()
            .await?
            .error_for_status()?
            .bytes_stream();
        let mut total = 0;
        while let Some(chunk) = body.next().await {
            total += chunk?.len() as u64;
        }
        Ok(total)
    })
}

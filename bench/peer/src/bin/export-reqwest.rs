//! A 512 MiB export through bare reqwest alone, from the main task; prints the peak RSS.

fn main() -> peer_bench::peers::Res<()> {
    peer_bench::export_main(|socket, container| async move {
        let client = peer_bench::peers::reqwest_builder(&socket).build()?;
        let url = format!("http://localhost/v1.43/containers/{container}/export");
        peer_bench::peers::read_body(&client, &url).await
    })
}

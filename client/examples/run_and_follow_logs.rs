//! Runs a container and follows its logs, like `docker run --rm --network none IMAGE CMD...`:
//! create, start, stream stdout and stderr as they come (each to its own side, marked), wait for
//! the exit code, remove.
//!
//! ```sh
//! cargo run -p docker-client --example run_and_follow_logs
//! cargo run -p docker-client --example run_and_follow_logs -- busybox:latest sh -c 'echo hi; echo oops >&2'
//! ```
//!
//! The engine is `DOCKER_HOST`, or `/var/run/docker.sock` when it is not set. The image must be
//! there already (this example does not pull).

use std::io::Write;

use docker_client::models::{ContainerCreateBody, HostConfig};
use docker_client::{Docker, LogOutput};
use futures::StreamExt;

const DEFAULT_SCRIPT: &str =
    "for i in 1 2 3; do echo \"line $i on stdout\"; echo \"line $i on stderr\" >&2; sleep 1; done";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let image = args.next().unwrap_or_else(|| "busybox:latest".to_owned());
    let mut cmd: Vec<String> = args.collect();
    if cmd.is_empty() {
        cmd = vec!["sh".into(), "-c".into(), DEFAULT_SCRIPT.into()];
    }

    let docker = Docker::from_env()?;
    let body = ContainerCreateBody {
        image: Some(image.clone()),
        cmd: Some(cmd),
        host_config: Some(HostConfig {
            network_mode: Some("none".to_owned()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = docker.container_create(body).await?;
    let id = created.id;
    eprintln!("created {} from {image}", &id[..12.min(id.len())]);

    // Whatever happens next, remove the container afterwards.
    let result = run(&docker, &id).await;
    docker.container_delete(&id).force(true).await?;
    eprintln!("removed {}", &id[..12.min(id.len())]);
    let code = result?;
    std::process::exit(code as i32);
}

/// Starts the container, prints its output until it exits, and returns its exit code.
async fn run(docker: &Docker, id: &str) -> Result<i64, docker_client::Error> {
    docker.container_start(id).await?;

    // `follow` keeps the stream open until the container exits.
    let mut logs = docker
        .container_logs(id)
        .follow(true)
        .stdout(true)
        .stderr(true)
        .await?;
    while let Some(piece) = logs.next().await {
        match piece? {
            LogOutput::StdOut(bytes) => print_marked(&mut std::io::stdout(), "out", &bytes),
            LogOutput::StdErr(bytes) => print_marked(&mut std::io::stderr(), "err", &bytes),
            // A container with a TTY: one console stream, passed through as it is.
            LogOutput::Console(bytes) => {
                let mut stdout = std::io::stdout();
                let _ = stdout.write_all(&bytes);
                let _ = stdout.flush();
            }
            LogOutput::StdIn(_) => {}
        }
    }

    let exit = docker.container_wait(id).await?;
    eprintln!("exited with {}", exit.status_code);
    Ok(exit.status_code)
}

/// Writes each line of `bytes` behind a `[out]` or `[err]` mark. (A piece of output is not
/// always a whole line; a real program would buffer partial lines per stream.)
fn print_marked(out: &mut impl Write, mark: &str, bytes: &[u8]) {
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let _ = write!(out, "[{mark}] ");
        let _ = out.write_all(line);
    }
    let _ = out.flush();
}

//! `docker run --rm --network none IMAGE CMD...` in a few lines: the output streams to this
//! program's stdout and stderr as it comes, and the program exits with the container's code.
//! Standard input is passed on when it is not a terminal.
//!
//! ```sh
//! cargo run -p docker-client --example run
//! cargo run -p docker-client --example run -- busybox:latest sh -c 'echo hi; echo oops >&2; exit 3'
//! printf 'b\na\n' | cargo run -p docker-client --example run -- busybox:latest sort
//! ```
//!
//! A missing image is pulled with the docker CLI's credentials. The engine is `DOCKER_HOST`,
//! or `/var/run/docker.sock` when it is not set. Ctrl-C ends the program: dropping the run
//! kills and removes the container.

use std::io::{IsTerminal, Write};

use docker_client::{Docker, LogOutput};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let image = args.next().unwrap_or_else(|| "busybox:latest".to_owned());
    let mut cmd: Vec<String> = args.collect();
    if cmd.is_empty() {
        cmd = [
            "sh",
            "-c",
            "for i in 1 2 3; do echo \"out $i\"; echo \"err $i\" >&2; sleep 1; done",
        ]
        .map(String::from)
        .to_vec();
    }

    let docker = Docker::from_env()?;
    let mut run = docker.run(image).cmd(cmd).network("none").remove(true);
    if !std::io::stdin().is_terminal() {
        run = run.stdin(tokio::io::stdin());
    }
    let mut running = run.start().await?;
    let code = tokio::select! {
        code = async {
            while let Some(piece) = running.next().await {
                match piece? {
                    LogOutput::StdErr(bytes) => std::io::stderr().write_all(&bytes)?,
                    other => std::io::stdout().write_all(other.bytes())?,
                }
            }
            Ok::<_, Box<dyn std::error::Error>>(running.wait().await?.code)
        } => code?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted: the container is killed and removed");
            130
        }
    };
    std::process::exit(code as i32);
}

//! Runs a command in a container with standard input, like `docker exec -i CONTAINER CMD...`,
//! printing its output and exiting with its exit code.
//!
//! ```sh
//! # In a throwaway busybox container, with a fixed input:
//! cargo run -p docker-client --example exec_stdin
//! # Standard input piped from this program's own:
//! printf 'one\ntwo\n' | cargo run -p docker-client --example exec_stdin -- - sh -c 'wc -l; exit 3'
//! # In a running container of yours:
//! cargo run -p docker-client --example exec_stdin -- my-container sh -c 'tr a-z A-Z'
//! ```
//!
//! The first argument is the container (`-` for a throwaway busybox container, removed
//! afterwards), the rest the command. The input is this program's standard input when it is
//! not a terminal, else a fixed line. The engine is `DOCKER_HOST`, or `/var/run/docker.sock`.

use std::io::{IsTerminal, Write};

use docker_client::models::{ContainerCreateBody, ExecConfig, ExecStartConfig, HostConfig};
use docker_client::{Docker, LogOutput};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let container = args.next().unwrap_or_else(|| "-".to_owned());
    let mut cmd: Vec<String> = args.collect();
    if cmd.is_empty() {
        cmd = vec![
            "sh".into(),
            "-c".into(),
            "echo \"stdin says: $(cat)\"; echo 'and this is stderr' >&2; exit 3".into(),
        ];
    }

    let docker = Docker::from_env()?;
    let (id, throwaway) = if container == "-" {
        (start_busybox(&docker).await?, true)
    } else {
        (container, false)
    };

    let result = exec(&docker, &id, cmd).await;
    if throwaway {
        docker.container_delete(&id).force(true).await?;
    }
    let code = result?;
    eprintln!("exit code: {code}");
    // Exit at once: a read of a terminal stdin may still be pending.
    std::process::exit(code as i32);
}

/// Runs `cmd` in the container, feeding it standard input, and returns its exit code.
async fn exec(docker: &Docker, id: &str, cmd: Vec<String>) -> Result<i64, docker_client::Error> {
    let config = ExecConfig {
        attach_stdin: Some(true),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        cmd: Some(cmd),
        ..Default::default()
    };
    let exec = docker.container_exec(id, config).await?;
    let start = ExecStartConfig {
        detach: Some(false),
        ..Default::default()
    };
    // The connection is upgraded: `input` is the process's stdin, `output` its stdout/stderr.
    let attached = docker.exec_start(&exec.id).exec_start_config(start).await?;
    let mut input = attached.input;
    let mut output = attached.output;

    // Write stdin while reading the output: a process may answer before its input ends.
    let writer = tokio::spawn(async move {
        let result = if std::io::stdin().is_terminal() {
            input.write_all(b"hello from exec_stdin\n").await
        } else {
            tokio::io::copy(&mut tokio::io::stdin(), &mut input)
                .await
                .map(drop)
        };
        // Closing our side is the process's end of input (EOF).
        let _ = input.shutdown().await;
        result
    });

    while let Some(piece) = output.next().await {
        match piece? {
            LogOutput::StdOut(bytes) | LogOutput::Console(bytes) => {
                let mut stdout = std::io::stdout();
                let _ = stdout.write_all(&bytes);
                let _ = stdout.flush();
            }
            LogOutput::StdErr(bytes) => {
                let _ = std::io::stderr().write_all(&bytes);
            }
            LogOutput::StdIn(_) => {}
        }
    }
    if writer.is_finished() {
        if let Ok(Err(e)) = writer.await {
            eprintln!("writing stdin failed: {e}");
        }
    }

    // The output ended with the process; its exit code is in the exec's state (which the engine
    // may update a moment after the stream closes).
    loop {
        let inspect = docker.exec_inspect(&exec.id).await?;
        if inspect.running != Some(true) {
            return Ok(inspect.exit_code.unwrap_or(-1));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Creates and starts a busybox container (network `none`) that sleeps, for the exec.
async fn start_busybox(docker: &Docker) -> Result<String, docker_client::Error> {
    let body = ContainerCreateBody {
        image: Some("busybox:latest".to_owned()),
        cmd: Some(vec!["sleep".into(), "600".into()]),
        host_config: Some(HostConfig {
            network_mode: Some("none".to_owned()),
            init: Some(true),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = docker.container_create(body).await?;
    if let Err(e) = docker.container_start(&created.id).await {
        let _ = docker.container_delete(&created.id).force(true).await;
        return Err(e);
    }
    Ok(created.id)
}

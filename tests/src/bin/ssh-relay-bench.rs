//! What an `ssh://` engine costs: sequential `/_ping` round trips to the v26 test engine
//! straight over its unix socket, through the client's ssh relay with `docker system
//! dial-stdio` started directly as the "ssh" program (the relay and dial-stdio alone), and
//! through the relay with the real ssh and a private sshd on loopback (`tests/src/ssh.rs`);
//! and what opening a connection costs each way (a fresh client's first ping).
//!
//! ```sh
//! eval "$(tests/engine/engine.sh start v26)"
//! cargo run --release -p docker-client-tests --bin ssh-relay-bench   # SSH_BENCH_ROUNDS=7, SSH_BENCH_PINGS=300
//! ```
//!
//! The cases take turns round after round; each figure is the median (and range) over the
//! rounds of a round's median round trip.

#[cfg(unix)]
fn main() {
    bench::main();
}

/// The test engine and sshd run on Linux only.
#[cfg(not(unix))]
fn main() {
    eprintln!("ssh-relay-bench needs the test engine, which runs on Linux");
    std::process::exit(2);
}

#[cfg(unix)]
mod bench {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use docker_client::{Docker, DockerBuilder};
    use docker_client_tests::ssh::{docker_cli, Key, Sshd};

    fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    fn median(values: &mut [f64]) -> f64 {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    }

    /// The median round trip of `pings` sequential pings, in microseconds.
    async fn round(docker: &Docker, pings: usize) -> f64 {
        let mut times = Vec::with_capacity(pings);
        for _ in 0..pings {
            let started = Instant::now();
            docker.system_ping().await.expect("ping");
            times.push(started.elapsed().as_secs_f64() * 1e6);
        }
        median(&mut times)
    }

    /// A fresh client's first ping (a new connection), in microseconds.
    async fn first_ping(make: &dyn Fn() -> Docker) -> f64 {
        let docker = make();
        let started = Instant::now();
        docker.system_ping().await.expect("ping");
        started.elapsed().as_secs_f64() * 1e6
    }

    fn summary(name: &str, values: &mut [f64], base: f64) {
        let m = median(values);
        let (low, high) = (values[0], values[values.len() - 1]);
        println!(
            "{name:<44} {m:>9.0} µs  [{low:.0} .. {high:.0}]  x{:.1}",
            m / base
        );
    }

    pub fn main() {
        let host = std::env::var("DOCKER_HOST").unwrap_or_default();
        let Some(socket) = host.strip_prefix("unix://").map(str::to_owned) else {
            eprintln!(
                "DOCKER_HOST={host:?}: start the test engine with \
                 `eval \"$(tests/engine/engine.sh start v26)\"`"
            );
            std::process::exit(2);
        };
        let rounds: usize = env_or("SSH_BENCH_ROUNDS", 7);
        let pings: usize = env_or("SSH_BENCH_PINGS", 300);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/ssh-relay-bench");
        let sshd = Sshd::start(&dir.join("sshd"));
        // "ssh" that is `docker system dial-stdio` on this machine: the relay's own cost.
        let stand_in = dir.join("dial-stdio");
        std::fs::write(
            &stand_in,
            format!(
                "#!/bin/sh\nexec {} --host={host} system dial-stdio\n",
                docker_cli().display()
            ),
        )
        .expect("the stand-in");
        std::fs::set_permissions(&stand_in, std::fs::Permissions::from_mode(0o755)).unwrap();

        let direct = || Docker::connect(&host).expect("a client");
        let relay = || {
            DockerBuilder::new()
                .host("ssh://bench.invalid")
                .ssh_program(&stand_in)
                .build()
                .expect("a client")
        };
        let ssh = || {
            DockerBuilder::new()
                .host(sshd.url(&socket))
                .ssh_options(sshd.options(Key::Authorized, true))
                .build()
                .expect("a client")
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let clients = [direct(), relay(), ssh()];
            for docker in &clients {
                round(docker, 20).await; // warm: connections open, code paged in
            }
            let names = [
                "unix socket, direct",
                "relay + docker system dial-stdio (no ssh)",
                "relay + ssh + sshd on loopback",
            ];
            let makers: [&dyn Fn() -> Docker; 3] = [&direct, &relay, &ssh];
            let mut trips = vec![Vec::new(); 3];
            let mut opens = vec![Vec::new(); 3];
            println!("/_ping over {socket}: {rounds} rounds of {pings} sequential pings per case");
            for _ in 0..rounds {
                for (i, docker) in clients.iter().enumerate() {
                    trips[i].push(round(docker, pings).await);
                    opens[i].push(first_ping(makers[i]).await);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            println!("\nround trip on a kept-alive connection (median of round medians, range):");
            let base = median(&mut trips[0].clone());
            for (i, name) in names.iter().enumerate() {
                summary(name, &mut trips[i], base);
            }
            println!("\na fresh client's first ping (a new connection):");
            let base = median(&mut opens[0].clone());
            for (i, name) in names.iter().enumerate() {
                summary(name, &mut opens[i], base);
            }
        });
    }
}

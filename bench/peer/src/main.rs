//! peer-bench: the client side by side with bollard 0.15 and a bare reqwest 0.13 loop.
//!
//! ```text
//! peer-bench pings | callgrind | logs | export | all
//! peer-bench ping-count CLIENT N | serve SOCKET
//! ```
//!
//! See README.md for what each measures.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use peer_bench::peers::{Kind, Peer, Res, KINDS};
use peer_bench::{cpu_time, env, mock, runtime};

const MIB: f64 = (1 << 20) as f64;
/// Tasks pinging at once, sharing one client, in the concurrent case.
const TASKS: usize = 32;

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["pings"] => drop(pings()?),
        ["callgrind"] => drop(callgrind()?),
        ["logs"] => drop(logs()?),
        ["export"] => drop(export()?),
        ["all"] => {
            let mut cases = pings()?;
            cases.push(callgrind()?);
            cases.extend(logs()?);
            cases.extend(export()?);
            println!("\n==== summary ====");
            print_all(&cases);
        }
        ["ping-count", kind, n] => ping_count(kind, n.parse()?)?,
        ["serve", socket] => mock::serve(socket, env("LOGS_MIB", 1024)?, env("EXPORT_MIB", 512)?)?,
        _ => {
            eprintln!(
                "usage: peer-bench pings | callgrind | logs | export | all\n       \
                 peer-bench ping-count CLIENT N | serve SOCKET\n\
                 CLIENT: client, bollard or reqwest; see README.md for the environment"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}

// ---- pings ----------------------------------------------------------------------------------

/// Where the pinging runs.
#[derive(Clone, Copy)]
enum Mode {
    /// One `tokio::spawn`ed task.
    Spawned,
    /// The future given to `Runtime::block_on`, as in `#[tokio::main]`.
    Main,
    /// `TASKS` spawned tasks sharing one client.
    Concurrent,
}

/// Rounds of each ping case on the engine at `DOCKER_SOCK`.
fn pings() -> Res<Vec<Case>> {
    let sock = docker_sock()?;
    let (rounds, secs) = (env("ROUNDS", 7)?, env("SECS", 1)? as u64);
    let mut spawned = Case::new("pings, spawned task", "req/s", 0);
    let mut cpu = Case::new("pings, spawned task: CPU time", "us/req", 2);
    let mut main_task = Case::new("pings, main task (block_on)", "req/s", 0);
    let mut concurrent = Case::new("pings, 32 tasks, one client", "req/s", 0);
    for round in 0..rounds {
        eprintln!("pings: round {}/{rounds}", round + 1);
        let mut rows = [[0.0; 3]; 4];
        for kind in Kind::rotated(round) {
            let k = kind as usize;
            (rows[0][k], rows[1][k]) = ping_case(kind, &sock, secs, Mode::Spawned)?;
            rows[2][k] = ping_case(kind, &sock, secs, Mode::Main)?.0;
            rows[3][k] = ping_case(kind, &sock, secs, Mode::Concurrent)?.0;
        }
        spawned.rounds.push(rows[0]);
        cpu.rounds.push(rows[1]);
        main_task.rounds.push(rows[2]);
        concurrent.rounds.push(rows[3]);
    }
    let cases = vec![spawned, cpu, main_task, concurrent];
    print_all(&cases);
    Ok(cases)
}

/// Pings for `secs` seconds on a fresh runtime and client, after one warm-up ping. Returns
/// the requests per second and the process's CPU time per request, in microseconds.
fn ping_case(kind: Kind, sock: &str, secs: u64, mode: Mode) -> Res<(f64, f64)> {
    let runtime = runtime()?;
    runtime.block_on(async {
        let peer = Peer::new(kind, sock)?;
        peer.ping().await?;
        let (start, cpu) = (Instant::now(), cpu_time());
        let deadline = start + Duration::from_secs(secs);
        let count = match mode {
            Mode::Spawned => tokio::spawn(ping_until(peer, deadline)).await??,
            Mode::Main => ping_until(peer, deadline).await?,
            Mode::Concurrent => {
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| tokio::spawn(ping_until(peer.clone(), deadline)))
                    .collect();
                let mut count = 0;
                for task in tasks {
                    count += task.await??;
                }
                count
            }
        };
        let (elapsed, cpu) = (start.elapsed(), cpu_time() - cpu);
        Ok((
            count as f64 / elapsed.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / count as f64,
        ))
    })
}

/// Sequential pings until `deadline`; returns how many.
async fn ping_until(peer: Peer, deadline: Instant) -> Res<u64> {
    let mut count = 0;
    while Instant::now() < deadline {
        peer.ping().await?;
        count += 1;
    }
    Ok(count)
}

/// `n` sequential pings from a spawned task, after one warm-up ping: for callgrind. `kind` is
/// a client's name, or `reqwest-wired` ([`Peer::reqwest_wired`]).
fn ping_count(kind: &str, n: u64) -> Res<()> {
    let sock = docker_sock()?;
    runtime()?.block_on(async {
        let peer = match kind {
            WIRED => Peer::reqwest_wired(&sock)?,
            kind => Peer::new(Kind::parse(kind)?, &sock)?,
        };
        peer.ping().await?;
        tokio::spawn(async move {
            for _ in 0..n {
                peer.ping().await?;
            }
            Res::Ok(())
        })
        .await?
    })
}

/// The name `ping-count` takes for bare reqwest with the client's wire settings.
const WIRED: &str = "reqwest-wired";

/// Instructions per ping under callgrind, `CALLGRIND_ROUNDS` times (default 2): (total for
/// 3000 pings - total for 1000) / 2000, for each client and for bare reqwest with the client's
/// wire settings.
fn callgrind() -> Res<Case> {
    let rounds = env("CALLGRIND_ROUNDS", 2)?;
    let mut case = Case::new("pings under callgrind", "instr/req", 0);
    let mut wired = Vec::new();
    for round in 0..rounds {
        let mut row = [0.0; 3];
        for kind in Kind::rotated(round) {
            row[kind as usize] = instructions_per_ping(kind.name())?;
        }
        case.rounds.push(row);
        wired.push(instructions_per_ping(WIRED)?);
    }
    let per_round = |f: &dyn Fn(usize) -> f64| stats((0..rounds).map(f).collect());
    let (plain, min, max) = per_round(&|r| {
        let row = case.rounds[r];
        row[Kind::Client as usize] - row[Kind::Reqwest as usize]
    });
    case.notes.push(format!(
        "client - reqwest: {plain:.0} [{min:.0} .. {max:.0}] instr/req"
    ));
    let (median, min, max) = stats(wired.clone());
    case.notes.push(format!(
        "{WIRED} (bare reqwest with the client's wire settings): {median:.0} [{min:.0} .. {max:.0}]"
    ));
    let (extra, min, max) = per_round(&|r| case.rounds[r][Kind::Client as usize] - wired[r]);
    case.notes.push(format!(
        "client - {WIRED}: {extra:.0} [{min:.0} .. {max:.0}] instr/req"
    ));
    print_all(std::slice::from_ref(&case));
    Ok(case)
}

/// Instructions per ping of `peer-bench ping-count NAME`, under callgrind.
fn instructions_per_ping(name: &str) -> Res<f64> {
    let exe = std::env::current_exe()?;
    let mut totals = [0.0; 2];
    for (total, n) in totals.iter_mut().zip(["1000", "3000"]) {
        eprintln!("callgrind: {name} x {n}");
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&exe)
            .args(["ping-count", name, n])
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("valgrind {name} {n}: {}\n{stderr}", out.status).into());
        }
        // `==1234== Collected : 123456789`
        *total = stderr
            .lines()
            .find_map(|line| line.split_once("Collected :"))
            .and_then(|(_, n)| n.trim().parse().ok())
            .ok_or_else(|| format!("no `Collected :` in valgrind's output:\n{stderr}"))?;
    }
    Ok((totals[1] - totals[0]) / 2000.0)
}

// ---- logs and export, from the mock engine --------------------------------------------------

/// Rounds of reading `LOGS_MIB` MiB of logs from the mock, in a spawned task and in the main
/// task.
fn logs() -> Res<Vec<Case>> {
    let rounds = env("ROUNDS", 7)?;
    let mib = env("LOGS_MIB", 1024)?;
    let mock = Mock::start()?;
    let mut spawned = Case::new("logs, spawned task", "GB/s", 2);
    let mut main_task = Case::new("logs, main task (block_on)", "GB/s", 2);
    for round in 0..rounds {
        eprintln!("logs: round {}/{rounds}", round + 1);
        let mut rows = [[0.0; 3]; 2];
        for kind in Kind::rotated(round) {
            rows[0][kind as usize] = logs_case(kind, &mock.socket, mib, Mode::Spawned)?;
            rows[1][kind as usize] = logs_case(kind, &mock.socket, mib, Mode::Main)?;
        }
        spawned.rounds.push(rows[0]);
        main_task.rounds.push(rows[1]);
    }
    let cases = vec![spawned, main_task];
    print_all(&cases);
    Ok(cases)
}

/// Reads the logs once on a fresh runtime and client, after one warm-up ping. Returns the
/// rate in GB/s of the stream's bytes (frame headers included, for all clients alike).
fn logs_case(kind: Kind, sock: &str, mib: usize, mode: Mode) -> Res<f64> {
    let expected = match kind {
        Kind::Reqwest => (mib << 20) as u64,
        Kind::Client | Kind::Bollard => mock::logs_payload(mib),
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let peer = Peer::new(kind, sock)?;
        peer.ping().await?;
        let start = Instant::now();
        let read = match mode {
            Mode::Main => peer.logs().await?,
            _ => tokio::spawn(async move { peer.logs().await }).await??,
        };
        let elapsed = start.elapsed().as_secs_f64();
        if read != expected {
            return Err(format!("{}: read {read} log bytes, not {expected}", kind.name()).into());
        }
        Ok((mib << 20) as f64 / elapsed / 1e9)
    })
}

/// The peak RSS of a process exporting `EXPORT_MIB` MiB through each client: from the mock,
/// then, with `EXPORT_CONTAINER` set, that container's from the engine at `DOCKER_SOCK`.
fn export() -> Res<Vec<Case>> {
    let mock = Mock::start()?;
    let mut cases = vec![export_case(
        &mock.socket,
        "bench",
        "export from the mock, peak RSS",
    )?];
    drop(mock);
    if let Ok(container) = std::env::var("EXPORT_CONTAINER") {
        let title = "export from the engine, peak RSS";
        cases.push(export_case(&docker_sock()?, &container, title)?);
    }
    Ok(cases)
}

/// `EXPORT_ROUNDS` rounds of each client's export of `container` from the engine at `socket`,
/// each by `export-CLIENT`: a program of its own per client, so that each holds one client's
/// code.
fn export_case(socket: &str, container: &str, title: &'static str) -> Res<Case> {
    let rounds = env("EXPORT_ROUNDS", 7)?;
    let exe = std::env::current_exe()?;
    let mut case = Case::new(title, "MiB", 1);
    for round in 0..rounds {
        eprintln!("export: round {}/{rounds}", round + 1);
        let mut row = [0.0; 3];
        for kind in Kind::rotated(round) {
            let program = exe.with_file_name(format!("export-{}", kind.name()));
            let out = Command::new(&program).args([socket, container]).output()?;
            let stdout = String::from_utf8_lossy(&out.stdout);
            if !out.status.success() {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let program = program.display();
                return Err(format!("{program}: {}\n{stderr}", out.status).into());
            }
            let kib: f64 = stdout.trim().parse()?;
            row[kind as usize] = kib * 1024.0 / MIB;
        }
        case.rounds.push(row);
    }
    print_all(std::slice::from_ref(&case));
    Ok(case)
}

/// The mock engine, a child process running `peer-bench serve`; killed when dropped.
struct Mock {
    child: Child,
    dir: PathBuf,
    socket: String,
}

impl Mock {
    fn start() -> Res<Mock> {
        let dir = std::env::temp_dir().join(format!("peer-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let socket = dir.join("engine.sock").to_string_lossy().into_owned();
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", &socket])
            .spawn()?;
        let mock = Mock { child, dir, socket };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::os::unix::net::UnixStream::connect(&mock.socket).is_err() {
            if Instant::now() > deadline {
                return Err("the mock engine did not start in 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(mock)
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---- helpers --------------------------------------------------------------------------------

/// The engine's socket path, from `DOCKER_SOCK` (a `unix://` prefix is dropped).
fn docker_sock() -> Res<String> {
    let sock =
        std::env::var("DOCKER_SOCK").map_err(|_| "set DOCKER_SOCK to the engine's socket path")?;
    Ok(sock.trim_start_matches("unix://").to_owned())
}

// ---- report ---------------------------------------------------------------------------------

/// One measure of the three clients over rounds: `rounds[r][kind as usize]`.
struct Case {
    title: &'static str,
    unit: &'static str,
    decimals: usize,
    rounds: Vec<[f64; 3]>,
    notes: Vec<String>,
}

impl Case {
    fn new(title: &'static str, unit: &'static str, decimals: usize) -> Case {
        Case {
            title,
            unit,
            decimals,
            rounds: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Per client: the median and range over rounds, and for the client and reqwest the
    /// median and range of the per-round ratio to bollard.
    fn print(&self) {
        let d = self.decimals;
        let rounds = match self.rounds.len() {
            1 => "1 round".to_owned(),
            n => format!("{n} rounds"),
        };
        println!("{} ({}, {rounds})", self.title, self.unit);
        for kind in KINDS {
            let values: Vec<f64> = self.rounds.iter().map(|r| r[kind as usize]).collect();
            let (median, min, max) = stats(values);
            let mut line = format!(
                "  {:<8} {median:>10.d$}  [{min:.d$} .. {max:.d$}]",
                kind.name()
            );
            if kind != Kind::Bollard {
                let ratios = self
                    .rounds
                    .iter()
                    .map(|r| r[kind as usize] / r[Kind::Bollard as usize])
                    .collect();
                let (median, min, max) = stats(ratios);
                let pad = 42usize.saturating_sub(line.len());
                line += &format!("{:pad$}x bollard {median:.2} [{min:.2} .. {max:.2}]", "");
            }
            println!("{line}");
        }
        for note in &self.notes {
            println!("  {note}");
        }
    }
}

fn print_all(cases: &[Case]) {
    for case in cases {
        case.print();
    }
}

/// Median, minimum and maximum.
fn stats(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = match n % 2 {
        1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    };
    (median, values[0], values[n - 1])
}

//! Writes `docs/engine-coverage.md` from the requests the engine tests sent.
//!
//! ```sh
//! eval "$(tests/engine/engine.sh start)"
//! cargo run -p docker-client-tests --bin engine-coverage -- --run
//! ```
//!
//! `--run` deletes the old records, runs every `tests/tests/engine_*.rs` suite against the
//! engine at `DOCKER_HOST` (with `cargo test --features engine`), then writes the table from the
//! requests to that engine; it fails when a suite fails. Without `--run` it only rewrites
//! the table from the records in `target/engine-coverage/`.

#[cfg(unix)]
fn main() -> std::process::ExitCode {
    coverage_main::main()
}

/// The test engine runs on Linux only.
#[cfg(not(unix))]
fn main() -> std::process::ExitCode {
    eprintln!("engine-coverage needs the test engine, which runs on Linux");
    std::process::ExitCode::FAILURE
}

#[cfg(unix)]
mod coverage_main {
    use std::path::Path;
    use std::process::{Command, ExitCode};
    use std::time::Instant;

    use docker_client_tests::engine::{coverage, coverage_dir};

    pub fn main() -> ExitCode {
        let run = std::env::args().skip(1).any(|a| a == "--run");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let records_dir = coverage_dir();
        if run {
            if std::env::var("DOCKER_HOST").map_or(true, |h| h.is_empty()) {
                eprintln!(
                    "DOCKER_HOST is not set: {}",
                    docker_client_tests::engine::HOW_TO_START
                );
                return ExitCode::FAILURE;
            }
            let _ = std::fs::remove_dir_all(&records_dir);
            let mut suites: Vec<String> = std::fs::read_dir(root.join("tests"))
                .expect("tests/tests")
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| name.starts_with("engine_") && name.ends_with(".rs"))
                .map(|name| name.trim_end_matches(".rs").to_owned())
                .collect();
            suites.sort();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let mut command = Command::new(cargo);
            command.args(["test", "-p", "docker-client-tests", "--features", "engine"]);
            for suite in &suites {
                command.args(["--test", suite]);
            }
            let started = Instant::now();
            eprintln!("running {}", suites.join(", "));
            let status = command.status().expect("run cargo test");
            eprintln!("engine suites took {:.1?}", started.elapsed());
            if !status.success() {
                eprintln!("the engine suites failed; the coverage table is left as it was");
                return ExitCode::FAILURE;
            }
        }
        let records = coverage::read_records(&records_dir);
        if records.is_empty() {
            eprintln!(
                "no records in {}: run the engine tests first (or pass --run)",
                records_dir.display()
            );
            return ExitCode::FAILURE;
        }
        let engine = engine_description();
        let table = coverage::render(&records, &engine);
        let out = root.join("../docs/engine-coverage.md");
        std::fs::write(&out, &table).expect("write docs/engine-coverage.md");
        let exercised = coverage::exercised_in(&table).len();
        println!(
            "wrote {}: {exercised} of {} operations exercised",
            out.display(),
            docker_client::OPERATIONS.len()
        );
        ExitCode::SUCCESS
    }

    /// "Docker Engine 26.1.5+dfsg1 (API 1.45)", asked of the engine at `DOCKER_HOST`.
    fn engine_description() -> String {
        let fallback = "Docker Engine 26 (`tests/engine/engine.sh`)".to_owned();
        if std::env::var("DOCKER_HOST").map_or(true, |h| h.is_empty()) {
            return fallback;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let docker = docker_client_tests::engine::direct_client();
            match docker.system_version().await {
                Ok(v) => format!(
                    "Docker Engine {} (API {})",
                    v.version.unwrap_or_default(),
                    v.api_version.unwrap_or_default()
                ),
                Err(_) => fallback,
            }
        })
    }
}

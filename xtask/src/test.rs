//! `cargo xtask test`, `test-linux`, `test-windows` and `test-api-version`: every test of the
//! workspace, the engine tests once per engine, the Windows tests under Wine, and the engine
//! suite of a client regenerated for another API version.
//!
//! What a run needs and does not find, it installs: the Windows Rust target (`rustup`), MinGW
//! and Wine (`apt-get`, as root), the engines' packages (`tests/engine/engine.sh`, privately).
//! It says what it does, step by step, and ends with one line summing every test binary:
//! `tests: N passed, N failed`. It exits with 1 when a test failed, a test binary did not finish
//! or a step failed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::Result;

/// Which half of the tests to run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Part {
    All,
    Linux,
    Windows,
}

/// The harness's engines, by the name `engine.sh` gives them, and the variable holding each
/// one's address.
const ENGINES: &[(&str, &str)] = &[
    ("v26", "DOCKER_HOST"),
    ("v28", "DOCKER_HOST_V28"),
    ("v20", "DOCKER_HOST_V20"),
    ("podman", "DOCKER_HOST_PODMAN"),
];

/// The engines a test target runs against:
/// - `engine_core` (what a user needs, through `Docker::from_env()`): all four;
/// - `engine_older_api` (what an engine older than the client's API version takes): Docker
///   20.10 and Podman, both at API 1.41;
/// - `engine_connect_*` (the harness's TLS and TCP listeners of v26 and v20, addressed by their
///   own variables) and `engine_ssh` (a private sshd in front of v26): once, with
///   `DOCKER_HOST` at v26;
/// - every other `engine_*`: Docker 26.1 and 28.5;
/// - the rest need no engine: once, with none.
fn engines_of(target: &str) -> &'static [&'static str] {
    if target == "engine_core" {
        &["v26", "v28", "v20", "podman"]
    } else if target == "engine_older_api" {
        &["v20", "podman"]
    } else if target.starts_with("engine_connect_") || target == "engine_ssh" {
        &["v26"]
    } else if target.starts_with("engine_") {
        &["v26", "v28"]
    } else {
        &[]
    }
}

/// The target the Windows tests are built for.
const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

/// A test binary cargo built.
struct Binary {
    /// `package::target` (or `package` for a library's unit tests).
    label: String,
    /// The target's name (`engine_core`, `docker_client`).
    target: String,
    path: PathBuf,
    /// The package's folder: cargo runs a test binary there, and so does this.
    package_dir: PathBuf,
    package: String,
}

/// One run of a test binary (or of cargo's doc tests): what libtest reported.
struct Outcome {
    label: String,
    passed: u64,
    failed: u64,
    ignored: u64,
    seconds: f64,
    /// The run ended without a `test result:` line (a crash, a build failure).
    unfinished: bool,
}

/// The steps of a run, numbered as they are announced.
struct Steps {
    total: usize,
    done: usize,
    started: Instant,
    timings: Vec<(String, f64)>,
}

impl Steps {
    fn new(total: usize) -> Steps {
        Steps {
            total,
            done: 0,
            started: Instant::now(),
            timings: Vec::new(),
        }
    }

    /// Runs one step, announcing it and timing it.
    fn run<T>(&mut self, what: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        self.done += 1;
        println!("\n==> [{}/{}] {what}", self.done, self.total);
        let started = Instant::now();
        let result = step();
        let seconds = started.elapsed().as_secs_f64();
        println!("==> {what}: {seconds:.1} s");
        self.timings.push((what.to_owned(), seconds));
        result
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// `cargo xtask test` (`Part::All`), `test-linux` or `test-windows`. `test_args` go to every
/// test binary (a name filter, `--nocapture`, ...).
pub fn run(root: &Path, part: Part, test_args: &[String]) -> Result<()> {
    let linux = part != Part::Windows;
    let windows = part != Part::Linux;
    let total = if linux { 8 } else { 0 } + if windows { 2 } else { 0 };
    let mut steps = Steps::new(total);
    let mut outcomes = Vec::new();
    let mut errors = Vec::new();
    let windows_tools = if windows {
        steps.run(
            "tools for the Windows tests (Rust target, MinGW, Wine), installed when missing",
            ensure_windows_tools,
        )?
    } else {
        None
    };
    if linux {
        if let Err(e) = linux_tests(root, &mut steps, test_args, &mut outcomes) {
            errors.push(e);
        }
    }
    if let Some(tools) = windows_tools {
        match steps.run(
            "Windows tests: named pipes, cross-compiled, under Wine",
            || windows_tests(root, &tools, test_args),
        ) {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) => errors.push(e),
        }
    }
    summarize(&steps, &outcomes, &errors)
}

/// Builds every test, starts the engines, runs each test binary (the engine ones once per
/// engine) and the doc tests, the engine suite of the client regenerated for API 1.51, and
/// stops the engines whatever happened.
fn linux_tests(
    root: &Path,
    steps: &mut Steps,
    test_args: &[String],
    outcomes: &mut Vec<Outcome>,
) -> Result<()> {
    let binaries = steps.run("build every test (engine tests included)", || {
        build_tests(root, &root.join("Cargo.toml"), &["--workspace"])
    })?;
    steps.run(
        "sshd and ssh for the ssh:// tests (openssh-server), installed when missing",
        ensure_sshd,
    )?;
    let engine_env = steps.run(
        "engines: fetch (first time), start v26, v20, v28 and podman",
        || start_engines(root, "all"),
    )?;
    let result = (|| {
        steps.run(
            "tests that need no engine (mock engine, decoding, generator)",
            || {
                for binary in binaries.iter().filter(|b| engines_of(&b.target).is_empty()) {
                    outcomes.push(run_binary(binary, None, &[], test_args));
                }
                outcomes.push(client_without_default_features(root, test_args));
                Ok(())
            },
        )?;
        steps.run("doc tests", || {
            outcomes.push(doc_tests(root, test_args));
            Ok(())
        })?;
        steps.run("engine tests, once per engine", || {
            for (engine, _) in ENGINES {
                for binary in binaries
                    .iter()
                    .filter(|b| engines_of(&b.target).contains(engine))
                {
                    outcomes.push(run_binary(binary, Some(engine), &engine_env, test_args));
                }
            }
            Ok(())
        })?;
        steps.run(
            "the client regenerated for API 1.51, its engine suite at /v1.51 against v28",
            || {
                outcomes.extend(regenerated_suite(
                    root,
                    "1.51",
                    "v28",
                    &engine_env,
                    test_args,
                )?);
                Ok(())
            },
        )
    })();
    let stopped = steps.run("stop the engines", || stop_engines(root, "all"));
    result.and(stopped)
}

/// `cargo xtask test-api-version VERSION [--engine NAME]`: regenerates the client for
/// `VERSION` into a copy of the workspace and runs its engine suite against one engine (v28 by
/// default), which it starts and stops.
pub fn api_version(
    root: &Path,
    version: &str,
    engine: Option<&str>,
    test_args: &[String],
) -> Result<()> {
    let engine = engine.unwrap_or("v28");
    if !ENGINES.iter().any(|(name, _)| *name == engine) {
        return Err(format!(
            "unknown engine {engine:?}; try v26, v28, v20 or podman"
        ));
    }
    let mut steps = Steps::new(3);
    let env = steps.run(&format!("start the {engine} engine"), || {
        start_engines(root, engine)
    })?;
    let result = steps.run(
        &format!("the client regenerated for API {version}, its engine suite against {engine}"),
        || regenerated_suite(root, version, engine, &env, test_args),
    );
    let stopped = steps.run(&format!("stop the {engine} engine"), || {
        stop_engines(root, engine)
    });
    let outcomes = result?;
    stopped?;
    summarize(&steps, &outcomes, &[])
}

/// Prints the time of each step and the outcome of each run, then one line summing them.
fn summarize(steps: &Steps, outcomes: &[Outcome], errors: &[String]) -> Result<()> {
    println!("\n==> summary");
    for (what, seconds) in &steps.timings {
        println!("  {seconds:7.1} s  {what}");
    }
    println!("  {:7.1} s  in all", steps.started.elapsed().as_secs_f64());
    println!();
    for o in outcomes {
        let mark = if o.failed > 0 || o.unfinished {
            "FAIL"
        } else {
            "ok  "
        };
        let note = if o.unfinished { ", did not finish" } else { "" };
        println!(
            "  {mark} {}: {} passed, {} failed{}{note} ({:.1} s)",
            o.label,
            o.passed,
            o.failed,
            if o.ignored > 0 {
                format!(", {} ignored", o.ignored)
            } else {
                String::new()
            },
            o.seconds
        );
    }
    for e in errors {
        println!("  error: {e}");
    }
    let passed: u64 = outcomes.iter().map(|o| o.passed).sum();
    let failed: u64 = outcomes.iter().map(|o| o.failed).sum();
    let unfinished = outcomes.iter().filter(|o| o.unfinished).count();
    if unfinished > 0 {
        println!("  {unfinished} test runs did not finish");
    }
    // The last line, whatever happened.
    println!("tests: {passed} passed, {failed} failed");
    if failed > 0 || unfinished > 0 || !errors.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

// --- Building ----------------------------------------------------------------------------------

/// Builds the test binaries of a workspace (engine tests included) and lists them. Cargo's
/// progress and diagnostics show as usual.
fn build_tests(root: &Path, manifest: &Path, scope: &[&str]) -> Result<Vec<Binary>> {
    let mut command = cargo();
    command
        .current_dir(root)
        .args([
            "test",
            "--no-run",
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(manifest)
        .args(scope)
        .args(["--features", "docker-client-tests/engine"])
        .env("CARGO_TARGET_DIR", target_dir(root))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let mut binaries = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading cargo's output: {e}"))?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
            continue;
        }
        let Some(path) = message["executable"].as_str() else {
            continue;
        };
        let target = message["target"]["name"].as_str().unwrap_or("?").to_owned();
        let package_dir = message["manifest_path"]
            .as_str()
            .and_then(|m| Path::new(m).parent())
            .unwrap_or(root)
            .to_owned();
        let package = package_name(&message["package_id"]);
        let kind = &message["target"]["kind"][0];
        let label = if kind == "lib" {
            format!("{package} (unit tests)")
        } else {
            format!("{package}::{target}")
        };
        binaries.push(Binary {
            label,
            target,
            path: PathBuf::from(path),
            package_dir,
            package,
        });
    }
    let status = child.wait().map_err(|e| format!("cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the tests failed ({status})"));
    }
    binaries.sort_by(|a, b| a.label.cmp(&b.label));
    println!("{} test binaries", binaries.len());
    Ok(binaries)
}

/// The package's name in a cargo package id: `path+file:///.../tests#docker-client-tests@0.1.0`,
/// `path+file:///.../xtask#0.1.0` (the name is the folder's), or the older
/// `docker-client-tests 0.1.0 (path+file://...)`.
fn package_name(id: &serde_json::Value) -> String {
    let id = id.as_str().unwrap_or("?");
    if let Some((url, rest)) = id.rsplit_once('#') {
        return match rest.split_once('@') {
            Some((name, _)) => name.to_owned(),
            None => url.rsplit('/').next().unwrap_or(url).to_owned(),
        };
    }
    id.split(' ').next().unwrap_or(id).to_owned()
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

// --- Running -----------------------------------------------------------------------------------

/// Runs one test binary the way `cargo test` would (in its package's folder), against `engine`
/// when given (`DOCKER_HOST` at its address; the other engines' variables as `engine.sh`
/// exports them). Its output shows as it comes; its `test result:` line is counted.
fn run_binary(
    binary: &Binary,
    engine: Option<&str>,
    engine_env: &[(String, String)],
    test_args: &[String],
) -> Outcome {
    let label = match engine {
        Some(engine) => format!("{} against {engine}", binary.label),
        None => binary.label.clone(),
    };
    println!("\n--- {label}");
    let mut command = Command::new(&binary.path);
    command
        .current_dir(&binary.package_dir)
        .args(test_args)
        .env("CARGO_MANIFEST_DIR", &binary.package_dir)
        .env("CARGO_PKG_NAME", &binary.package);
    if let Some(engine) = engine {
        // The engine the test is about, and nothing of the user's own Docker set-up.
        for name in [
            "DOCKER_API_VERSION",
            "DOCKER_CONTEXT",
            "DOCKER_TLS",
            "DOCKER_TLS_VERIFY",
            "DOCKER_CERT_PATH",
        ] {
            command.env_remove(name);
        }
        for (name, value) in engine_env {
            command.env(name, value);
        }
        let variable = ENGINES
            .iter()
            .find(|(name, _)| name == &engine)
            .map(|(_, variable)| *variable)
            .unwrap_or("DOCKER_HOST");
        let address = engine_env
            .iter()
            .find(|(name, _)| name == variable)
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        command.env("DOCKER_HOST", address);
    }
    run_and_count(label, &mut command)
}

/// Runs `command`, passing its output through, and counts its `test result:` lines.
fn run_and_count(label: String, command: &mut Command) -> Outcome {
    run_and_count_then(label, command, || {})
}

/// [`run_and_count`], with `after_exit` run once the command has exited and before the rest of
/// its output is awaited: it ends what the command left behind holding its output open.
fn run_and_count_then(label: String, command: &mut Command, after_exit: impl FnOnce()) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        label,
        passed: 0,
        failed: 0,
        ignored: 0,
        seconds: 0.0,
        unfinished: true,
    };
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("cannot run {:?}: {e}", command.get_program());
            return outcome;
        }
    };
    let stdout = child.stdout.take().expect("piped");
    // (Read on a thread: the output's end can come after the command's.)
    let reader = std::thread::spawn(move || {
        let mut counts = (0, 0, 0, 0);
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            println!("{line}");
            if let Some(result) = line.trim_start().strip_prefix("test result: ") {
                counts.0 += 1;
                counts.1 += count(result, "passed");
                counts.2 += count(result, "failed");
                counts.3 += count(result, "ignored");
            }
        }
        counts
    });
    let status = child.wait();
    after_exit();
    let (results, passed, failed, ignored) = reader.join().unwrap_or_default();
    outcome.passed = passed;
    outcome.failed = failed;
    outcome.ignored = ignored;
    outcome.seconds = started.elapsed().as_secs_f64();
    // A run that printed its results and then failed, failed its tests: those are counted.
    outcome.unfinished = results == 0 || (status.is_err() && outcome.failed == 0);
    if let Ok(status) = status {
        if !status.success() && outcome.failed == 0 {
            outcome.unfinished = true;
        }
    }
    outcome
}

/// The number before `word` in a libtest summary (`ok. 12 passed; 0 failed; ...`).
fn count(result: &str, word: &str) -> u64 {
    let words: Vec<&str> = result.split_whitespace().collect();
    words
        .windows(2)
        .find(|pair| pair[1].trim_end_matches([';', ',']) == word)
        .and_then(|pair| pair[0].parse().ok())
        .unwrap_or(0)
}

/// The client's unit tests built without any feature (no `ssh`, no `tls`): such a client still
/// builds, reaches an engine on a socket, and says which feature TLS needs.
fn client_without_default_features(root: &Path, test_args: &[String]) -> Outcome {
    let args = ["-p", "docker-client", "--no-default-features", "--lib"];
    cargo_test(
        root,
        "docker-client without default features (unit tests)",
        &args,
        test_args,
    )
}

fn doc_tests(root: &Path, test_args: &[String]) -> Outcome {
    let args = [
        "--workspace",
        "--doc",
        "--features",
        "docker-client-tests/engine",
    ];
    cargo_test(root, "doc tests", &args, test_args)
}

/// `cargo test ARGS -- TEST_ARGS`, its results counted under `label`.
fn cargo_test(root: &Path, label: &str, args: &[&str], test_args: &[String]) -> Outcome {
    println!("\n--- {label}");
    let mut command = cargo();
    command.current_dir(root).arg("test").args(args);
    if !test_args.is_empty() {
        command.arg("--").args(test_args);
    }
    run_and_count(label.to_owned(), &mut command)
}

// --- Engines -----------------------------------------------------------------------------------

/// `engine.sh start WHICH` (which fetches what is missing); the variables it exports.
fn start_engines(root: &Path, which: &str) -> Result<Vec<(String, String)>> {
    let script = root.join("tests/engine/engine.sh");
    let output = Command::new("bash")
        .arg(&script)
        .args(["start", which])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} start {which} failed ({})",
            script.display(),
            output.status
        ));
    }
    let exports = String::from_utf8_lossy(&output.stdout);
    let mut env = Vec::new();
    for line in exports.lines() {
        let Some((name, value)) = line.trim().trim_start_matches("export ").split_once('=') else {
            continue;
        };
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        println!("{name}={value}");
        env.push((name.to_owned(), value.to_owned()));
    }
    Ok(env)
}

fn stop_engines(root: &Path, which: &str) -> Result<()> {
    let script = root.join("tests/engine/engine.sh");
    let status = Command::new("bash")
        .arg(&script)
        .args(["stop", which])
        .status()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} stop {which} failed ({status})",
            script.display()
        ))
    }
}

// --- A regenerated client ------------------------------------------------------------------------

/// Regenerates the client for API `version` into a copy of the workspace (`client/` and
/// `tests/`), builds its engine tests and runs them against `engine`: the engine suite at
/// `/v<version>`.
///
/// The copy shares the workspace's target folder, so that only the client and the tests build
/// again. Cargo names the artifacts of a path package after its path relative to the workspace
/// root, so the copy's packages live one folder deeper (`target/api-version/v1.51/client`,
/// with the copy's workspace root in `target/api-version/`): their artifacts never replace the
/// workspace's own.
fn regenerated_suite(
    root: &Path,
    version: &str,
    engine: &str,
    engine_env: &[(String, String)],
    test_args: &[String],
) -> Result<Vec<Outcome>> {
    let work = root.join("target/api-version");
    let folder = format!("v{version}");
    let copy = work.join(&folder);
    if copy.exists() {
        std::fs::remove_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    }
    // Every member, so that cargo unifies the dependencies' features as in the workspace and
    // reuses their artifacts.
    let members = ["codegen", "client", "xtask", "tests"];
    for part in members {
        crate::copy_dir(&root.join(part), &copy.join(part))
            .map_err(|e| format!("copying {part}/: {e}"))?;
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let manifest: String = manifest
        .lines()
        .map(|line| {
            if line.starts_with("members") {
                let members: Vec<String> = members
                    .iter()
                    .map(|m| format!("\"{folder}/{m}\""))
                    .collect();
                format!("members = [{}]", members.join(", "))
            } else if line.starts_with("docker-client =") {
                format!("docker-client = {{ path = \"{folder}/client\" }}")
            } else if line.starts_with("docker-codegen =") {
                format!("docker-codegen = {{ path = \"{folder}/codegen\" }}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(work.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock")).map_err(|e| e.to_string())?;
    let status = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .current_dir(root)
        .args(["regenerate", "--api-version", version, "--out"])
        .arg(copy.join("client/src/generated"))
        .status()
        .map_err(|e| format!("cannot regenerate: {e}"))?;
    if !status.success() {
        return Err(format!("regenerating the client for API {version} failed"));
    }
    // The engine tests only: the others hold calls of a single API version's signatures.
    let binaries = build_tests(
        root,
        &work.join("Cargo.toml"),
        &["--workspace", "--test", "engine_*"],
    )?;
    let mut outcomes = Vec::new();
    for binary in binaries
        .iter()
        .filter(|b| engines_of(&b.target).contains(&engine))
        .filter(|b| !b.target.starts_with("engine_connect_"))
    {
        let mut outcome = run_binary(binary, Some(engine), engine_env, test_args);
        outcome.label = format!("API {version} client: {}", outcome.label);
        outcomes.push(outcome);
    }
    if outcomes.is_empty() {
        return Err(format!("no engine suite runs against {engine}"));
    }
    Ok(outcomes)
}

// --- Windows -----------------------------------------------------------------------------------

/// What the Windows tests run with.
struct WindowsTools {
    mingw: &'static str,
    wine: String,
    /// Wine's server, which `-k` ends with every process of the prefix.
    wineserver: String,
}

/// Whether `program --version` runs.
fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The first of `candidates` that runs.
fn first_that_runs(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|program| runs(program))
        .map(|program| (*program).to_owned())
}

/// Where Wine is, by Debian's names.
const WINE: &[&str] = &["wine64", "/usr/lib/wine/wine64", "wine"];
/// Where Wine's server is.
const WINESERVER: &[&str] = &[
    "wineserver",
    "/usr/lib/wine/wineserver64",
    "/usr/lib/wine/wineserver",
];

/// The Rust target for Windows (with `rustup`), MinGW and Wine (with `apt-get`), each installed
/// when missing.
fn ensure_windows_tools() -> Result<Option<WindowsTools>> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| {
            format!(
                "cannot run rustup ({e}); the Windows tests need the Rust target \
                 {WINDOWS_TARGET}: install it with your toolchain's installer"
            )
        })?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|t| t.trim() == WINDOWS_TARGET)
    {
        println!("Rust target {WINDOWS_TARGET}: installed");
    } else {
        println!("Rust target {WINDOWS_TARGET}: missing, installing with rustup");
        let status = Command::new("rustup")
            .args(["target", "add", WINDOWS_TARGET])
            .status()
            .map_err(|e| format!("rustup: {e}"))?;
        if !status.success() {
            return Err(format!(
                "rustup target add {WINDOWS_TARGET} failed ({status})"
            ));
        }
    }
    let mingw = "x86_64-w64-mingw32-gcc";
    let mut missing = Vec::new();
    if runs(mingw) {
        println!("MinGW ({mingw}): installed");
    } else {
        missing.push("gcc-mingw-w64-x86-64");
    }
    match first_that_runs(WINE) {
        Some(wine) => println!("Wine ({wine}): installed"),
        None => missing.push("wine64"),
    }
    if !missing.is_empty() {
        println!("missing: {}; installing with apt-get", missing.join(", "));
        apt_install(&missing)?;
    }
    if !runs(mingw) {
        return Err(format!(
            "{mingw} still missing after installing gcc-mingw-w64-x86-64"
        ));
    }
    let wine = first_that_runs(WINE).ok_or("Wine still missing after installing wine64")?;
    let wineserver = first_that_runs(WINESERVER).ok_or("Wine's server is missing")?;
    Ok(Some(WindowsTools {
        mingw,
        wine,
        wineserver,
    }))
}

/// Debian's openssh-server and openssh-client, for `engine_ssh` (which runs an sshd of its own
/// on a loopback port, with its own configuration and keys, as `tests/src/ssh.rs` says).
fn ensure_sshd() -> Result<()> {
    let sshd = Path::new("/usr/sbin/sshd").is_file();
    let ssh = Command::new("ssh")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if sshd && ssh {
        println!("openssh-server and openssh-client: installed");
        return Ok(());
    }
    println!("openssh-server or openssh-client missing; installing with apt-get");
    apt_install(&["openssh-server", "openssh-client"])
}

/// `apt-get install` of Debian packages, as root; with fresh package lists when the first try
/// fails.
fn apt_install(packages: &[&str]) -> Result<()> {
    let hint = format!(
        "install them yourself: apt-get install {}",
        packages.join(" ")
    );
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root || !runs("apt-get") {
        return Err(format!(
            "cannot install packages here (needs root and apt-get): {hint}"
        ));
    }
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if install() {
        return Ok(());
    }
    println!("apt-get install failed; updating the package lists and trying again");
    let updated = Command::new("apt-get")
        .args(["update", "-q"])
        .status()
        .is_ok_and(|s| s.success());
    if updated && install() {
        return Ok(());
    }
    Err(format!("apt-get could not install the packages: {hint}"))
}

/// Builds the Windows-only tests (the named-pipe transport) for x86_64-pc-windows-gnu with
/// MinGW and runs them under Wine.
fn windows_tests(root: &Path, tools: &WindowsTools, test_args: &[String]) -> Result<Outcome> {
    let target_dir = target_dir(root);
    // Wine 8 lacks a DLL the Rust standard library loads; a stand-in goes next to the tests.
    let deps = target_dir.join(WINDOWS_TARGET).join("debug/deps");
    std::fs::create_dir_all(&deps).map_err(|e| format!("{}: {e}", deps.display()))?;
    let shim = root.join("tests/windows");
    let status = Command::new(tools.mingw)
        .args(["-O2", "-shared", "-o"])
        .arg(deps.join("bcryptprimitives.dll"))
        .arg(shim.join("bcryptprimitives.c"))
        .arg(shim.join("bcryptprimitives.def"))
        .arg("-ladvapi32")
        .status()
        .map_err(|e| format!("cannot run {}: {e}", tools.mingw))?;
    if !status.success() {
        return Err(format!(
            "building the bcryptprimitives stand-in failed ({status})"
        ));
    }
    // The same next to the package's programs, which the tests start (`stdio-ping`).
    let bins = deps.parent().unwrap_or(&deps).join("bcryptprimitives.dll");
    std::fs::copy(deps.join("bcryptprimitives.dll"), &bins)
        .map_err(|e| format!("{}: {e}", bins.display()))?;
    let prefix = target_dir.join("wine-prefix");
    let mut command = cargo();
    command
        .current_dir(root)
        .args([
            "test",
            "--target",
            WINDOWS_TARGET,
            "-p",
            "docker-client-tests",
        ])
        .args(["--test", "connect_npipe"])
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", &tools.wine)
        .env("WINEPREFIX", &prefix)
        .env("WINEDEBUG", "-all");
    if !test_args.is_empty() {
        command.arg("--").args(test_args);
    }
    // Wine's own processes (its server and the services the tests' programs started) can
    // outlive the tests and hold their output open: they are ended once the tests are.
    let end_wine = || {
        let ended = Command::new(&tools.wineserver)
            .arg("-k")
            .env("WINEPREFIX", &prefix)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Err(e) = ended {
            eprintln!("cannot run {} -k: {e}", tools.wineserver);
        }
    };
    let outcome = run_and_count_then(
        "docker-client-tests::connect_npipe (Windows, under Wine)".to_owned(),
        &mut command,
        end_wine,
    );
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process the command leaves behind, holding its output open, is ended by
    /// `after_exit`; the results printed before it are counted.
    #[test]
    fn output_held_open_after_the_command_is_ended_by_after_exit() {
        let dir = std::env::temp_dir().join(format!("xtask-left-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pid_file = dir.join("pid");
        let mut command = Command::new("sh");
        command.arg("-c").arg(format!(
            "echo 'test result: ok. 2 passed; 1 failed; 0 ignored'; sleep 600 & echo $! > {}",
            pid_file.display()
        ));
        let started = Instant::now();
        let outcome = run_and_count_then("left".to_owned(), &mut command, || {
            let pid = std::fs::read_to_string(&pid_file).unwrap();
            Command::new("kill").arg(pid.trim()).status().unwrap();
        });
        assert!(started.elapsed().as_secs() < 60);
        assert_eq!((outcome.passed, outcome.failed), (2, 1));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn counts_a_libtest_summary() {
        let line =
            "ok. 12 passed; 3 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.5s";
        assert_eq!(count(line, "passed"), 12);
        assert_eq!(count(line, "failed"), 3);
        assert_eq!(count(line, "ignored"), 1);
        assert_eq!(count("FAILED. 0 passed; 14 failed;", "failed"), 14);
    }

    #[test]
    fn engine_targets_run_against_their_engines() {
        assert_eq!(engines_of("engine_core"), ["v26", "v28", "v20", "podman"]);
        assert_eq!(engines_of("engine_older_api"), ["v20", "podman"]);
        assert_eq!(engines_of("engine_containers"), ["v26", "v28"]);
        assert_eq!(engines_of("engine_connect_tls"), ["v26"]);
        assert_eq!(engines_of("engine_ssh"), ["v26"]);
        assert!(engines_of("operations").is_empty());
    }

    #[test]
    fn package_names_of_both_id_forms() {
        let new = serde_json::json!("path+file:///work/tests#docker-client-tests@0.1.0");
        assert_eq!(package_name(&new), "docker-client-tests");
        let short = serde_json::json!("path+file:///work/xtask#0.1.0");
        assert_eq!(package_name(&short), "xtask");
        let old = serde_json::json!("docker-client-tests 0.1.0 (path+file:///work/tests)");
        assert_eq!(package_name(&old), "docker-client-tests");
    }
}

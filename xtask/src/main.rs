//! Project tasks.
//!
//! - `cargo xtask regenerate [--api-version 1.44] [--check] [--spec-mirror DIR] [--out DIR]`:
//!   generate the client from the target version's spec, with the history of every pinned
//!   version older than it (and `spec/corrections.yaml`, `spec/compat.yaml`,
//!   `spec/aliases.yaml`).
//! - `cargo xtask api-diff FROM TO [--spec-mirror DIR]`: what changed between two pinned
//!   versions: operations, parameters, types and properties added, removed or changed.
//! - `cargo xtask check-versions [VERSION...] [--spec-mirror DIR]`: generate every pinned version
//!   (or those named) into a copy of the client crate and type-check it with its examples, tests
//!   and benches; and check that the history's fast reading of each spec (`lean.rs`) sees what
//!   the full reading sees.
//! - `cargo xtask test [-- TEST ARGS]`: every test (see `test.rs`): `test-linux` and
//!   `test-windows`, installing what they need when it is missing, and a closing line
//!   `tests: N passed, N failed`. `TEST ARGS` go to every test binary (a name filter, ...).
//! - `cargo xtask test-linux [-- TEST ARGS]`: start the test engines (`tests/engine/engine.sh`),
//!   run every test of the workspace, the engine tests once per engine, and the engine suite of
//!   the client regenerated for API 1.51 against Docker 28.5; stop the engines.
//! - `cargo xtask test-windows [-- TEST ARGS]`: build the Windows-only tests (named pipes) for
//!   `x86_64-pc-windows-gnu` with MinGW and run them under Wine.
//! - `cargo xtask test-api-version VERSION [--engine v28]`: regenerate the client for `VERSION`
//!   into a copy of the workspace and run its engine suite against one engine.
//!
//! The spec of a version is read from the mirror folder (`--spec-mirror` or `DOCKER_SPEC_MIRROR`)
//! when one is given, else from `target/spec-cache/`, else downloaded from its pinned URL. Its
//! sha256 must match `spec/versions.yaml`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde::Deserialize;
use sha2::{Digest, Sha256};

mod lean;
mod test;

type Result<T, E = String> = std::result::Result<T, E>;

#[derive(Deserialize)]
struct Manifest {
    default: String,
    versions: BTreeMap<String, Pin>,
}

#[derive(Deserialize)]
struct Pin {
    file: String,
    upstream_path: String,
    r#ref: String,
    commit: String,
    url: String,
    sha256: String,
}

struct Args {
    command: String,
    api_version: Option<String>,
    check: bool,
    mirror: Option<PathBuf>,
    out: Option<PathBuf>,
    /// Arguments that are not options (`api-diff`'s two versions).
    positional: Vec<String>,
    /// `--engine` of `test-api-version`.
    engine: Option<String>,
    /// Arguments after `--`, passed on to the test binaries.
    rest: Vec<String>,
}

/// jemalloc, not the system's allocator: the generator makes and drops millions of small values
/// (YAML, JSON and token trees, on two threads), and glibc's malloc and free took about a third
/// of its time. Tuned in `.cargo/config.toml` (`JEMALLOC_SYS_WITH_MALLOC_CONF`) to keep its
/// peak memory where glibc's was. (Not on Windows, whose allocator is kept.)
#[cfg(not(windows))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args = parse_args()?;
    let root = workspace_root();
    match args.command.as_str() {
        "regenerate" => regenerate(&root, &args),
        "api-diff" => api_diff(&root, &args),
        "check-versions" => check_versions(&root, &args),
        "test" => test::run(&root, test::Part::All, &args.rest),
        "test-linux" => test::run(&root, test::Part::Linux, &args.rest),
        "test-windows" => test::run(&root, test::Part::Windows, &args.rest),
        "test-api-version" => {
            let version = args
                .api_version
                .as_deref()
                .ok_or("usage: cargo xtask test-api-version VERSION [--engine NAME]")?;
            test::api_version(&root, version, args.engine.as_deref(), &args.rest)
        }
        other => Err(format!(
            "unknown command {other:?}; try `regenerate`, `api-diff`, `check-versions`, \
             `test`, `test-linux`, `test-windows` or `test-api-version`"
        )),
    }
}

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let command = args
        .next()
        .ok_or("usage: cargo xtask regenerate [--api-version V] [--check]")?;
    let mut parsed = Args {
        command,
        api_version: None,
        check: false,
        mirror: std::env::var_os("DOCKER_SPEC_MIRROR").map(PathBuf::from),
        out: None,
        positional: Vec::new(),
        engine: None,
        rest: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--api-version" => parsed.api_version = Some(value("--api-version")?),
            "--check" => parsed.check = true,
            "--spec-mirror" => parsed.mirror = Some(PathBuf::from(value("--spec-mirror")?)),
            "--out" => parsed.out = Some(PathBuf::from(value("--out")?)),
            "--engine" => parsed.engine = Some(value("--engine")?),
            version if parsed.command == "test-api-version" && !version.starts_with('-') => {
                parsed.api_version = Some(version.to_owned())
            }
            "--" => {
                parsed.rest = args.by_ref().collect();
                break;
            }
            other if !other.starts_with('-') => parsed.positional.push(other.to_owned()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn regenerate(root: &Path, args: &Args) -> Result<()> {
    let manifest = manifest(root)?;
    let version = args.api_version.clone().unwrap_or(manifest.default.clone());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("client/src/generated"));
    let mirror = args.mirror.as_deref();
    let spec = spec_text(root, &version, pin(&manifest, &version)?, mirror)?;
    let files = generate(
        root,
        &manifest,
        &version,
        &spec,
        &corrections(root)?,
        mirror,
    )?;
    if args.check {
        let differences = compare(&out, &files)?;
        if differences.is_empty() {
            println!("{}: up to date with API v{version}", out.display());
            return Ok(());
        }
        for line in &differences {
            eprintln!("{line}");
        }
        return Err(format!(
            "{} differs from a fresh generation of API v{version}; run `cargo xtask regenerate`",
            out.display()
        ));
    }
    write_atomically(&out, &files)?;
    let pin = &manifest.versions[&version];
    println!(
        "wrote {} files for API v{version} to {} (moby {} at {}, commit {})",
        files.len(),
        out.display(),
        pin.upstream_path,
        pin.r#ref,
        pin.commit
    );
    Ok(())
}

fn manifest(root: &Path) -> Result<Manifest> {
    let path = root.join("spec/versions.yaml");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Generates the client for `version`, with the history of every pinned version older than it.
/// Generates the client of `version` from its `spec` text.
fn generate(
    root: &Path,
    manifest: &Manifest,
    version: &str,
    spec: &str,
    corrections: &[docker_codegen::Correction],
    mirror: Option<&Path>,
) -> Result<docker_codegen::Files> {
    let pin = pin(manifest, version)?;
    let target = api_version(version)?;
    let compat_path = root.join("spec/compat.yaml");
    let compat =
        fs::read_to_string(&compat_path).map_err(|e| format!("{}: {e}", compat_path.display()))?;
    let compat = docker_codegen::compat::parse(&compat)
        .map_err(|e| format!("{}: {e}", compat_path.display()))?;
    let mut older = Vec::new();
    for (name, pin) in &manifest.versions {
        if api_version(name)? < target {
            older.push(docker_codegen::OlderSpec {
                version: name.clone(),
                read: Box::new(move || spec_text(root, name, pin, mirror)),
            });
        }
    }
    let aliases_path = root.join("spec/aliases.yaml");
    let aliases = fs::read_to_string(&aliases_path)
        .map_err(|e| format!("{}: {e}", aliases_path.display()))?;
    let aliases = docker_codegen::aliases::parse(&aliases)
        .map_err(|e| format!("{}: {e}", aliases_path.display()))?;
    docker_codegen::generate_with_history(spec, &older, corrections, &compat, &aliases)
        .map_err(|e| format!("API v{version} ({}): {e}", pin.file))
}

fn pin<'a>(manifest: &'a Manifest, version: &str) -> Result<&'a Pin> {
    manifest.versions.get(version).ok_or_else(|| {
        let known: Vec<&String> = manifest.versions.keys().collect();
        format!("API version {version} is not pinned in spec/versions.yaml (pinned: {known:?})")
    })
}

fn api_version(name: &str) -> Result<docker_codegen::Version> {
    docker_codegen::Version::parse(name)
        .ok_or_else(|| format!("{name:?} in spec/versions.yaml is not an API version"))
}

fn corrections(root: &Path) -> Result<Vec<docker_codegen::Correction>> {
    let path = root.join("spec/corrections.yaml");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    docker_codegen::corrections::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Prints what changed from one pinned version to another.
fn api_diff(root: &Path, args: &Args) -> Result<()> {
    let [from, to] = args.positional.as_slice() else {
        return Err("usage: cargo xtask api-diff FROM TO (pinned versions, e.g. 1.43 1.51)".into());
    };
    let manifest = manifest(root)?;
    let corrections = corrections(root)?;
    let recurring = docker_codegen::Recurring::default();
    let shape = |version: &str| -> Result<docker_codegen::Shape> {
        let pin = pin(&manifest, version)?;
        let text = spec_text(root, version, pin, args.mirror.as_deref())?;
        docker_codegen::shape(&text, &corrections, &recurring)
            .map_err(|e| format!("API v{version} ({}): {e}", pin.file))
    };
    let (from, to) = (shape(from)?, shape(to)?);
    let diff = docker_codegen::history::diff(&from, &to).to_string();
    match std::io::stdout().lock().write_all(diff.as_bytes()) {
        // A reader that has seen enough (`| head`) is not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
        _ => Ok(()),
    }
}

/// The pinned spec text, verified against its sha256.
fn spec_text(root: &Path, version: &str, pin: &Pin, mirror: Option<&Path>) -> Result<String> {
    let bytes = match mirror {
        Some(dir) => {
            let path = dir.join(&pin.file);
            fs::read(&path).map_err(|e| {
                format!(
                    "API v{version}: cannot read {} from the spec mirror (expected sha256 {}): {e}",
                    path.display(),
                    pin.sha256
                )
            })?
        }
        None => {
            let cached = root.join("target/spec-cache").join(&pin.file);
            match fs::read(&cached) {
                Ok(bytes) if sha256_hex(&bytes) == pin.sha256 => bytes,
                _ => download(&pin.url, &cached).map_err(|e| {
                    format!(
                        "API v{version}: no spec mirror given (--spec-mirror or DOCKER_SPEC_MIRROR), \
                         {} not cached, and downloading {} failed (expected sha256 {}): {e}",
                        cached.display(),
                        pin.url,
                        pin.sha256
                    )
                })?,
            }
        }
    };
    let actual = sha256_hex(&bytes);
    if actual != pin.sha256 {
        return Err(format!(
            "API v{version}: {} has sha256 {actual}, expected {} (spec/versions.yaml)",
            pin.file, pin.sha256
        ));
    }
    String::from_utf8(bytes).map_err(|e| format!("API v{version}: {} is not UTF-8: {e}", pin.file))
}

fn download(url: &str, to: &Path) -> Result<Vec<u8>> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let partial = to.with_extension("partial");
    let status = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--max-time",
            "120",
            "--output",
        ])
        .arg(&partial)
        .arg(url)
        .status()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    if !status.success() {
        return Err(format!("curl exited with {status}"));
    }
    fs::rename(&partial, to).map_err(|e| format!("{}: {e}", to.display()))?;
    fs::read(to).map_err(|e| format!("{}: {e}", to.display()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Differences between the files in `dir` and `files`, one readable line each.
fn compare(dir: &Path, files: &docker_codegen::Files) -> Result<Vec<String>> {
    let mut differences = Vec::new();
    for (name, fresh) in files {
        let path = dir.join(name);
        match fs::read_to_string(&path) {
            Err(_) => differences.push(format!("missing: {}", path.display())),
            Ok(committed) if &committed != fresh => {
                let (line, old, new) = first_difference(&committed, fresh);
                let changed = committed.lines().count().abs_diff(fresh.lines().count());
                differences.push(format!(
                    "differs: {} (first at line {line}; {changed} lines more or fewer)\n  committed: {old}\n  generated: {new}",
                    path.display()
                ));
            }
            Ok(_) => {}
        }
    }
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let name = entry
            .map_err(|e| e.to_string())?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !files.contains_key(&name) {
            differences.push(format!(
                "extra: {} (not generated)",
                dir.join(name).display()
            ));
        }
    }
    Ok(differences)
}

fn first_difference<'a>(old: &'a str, new: &'a str) -> (usize, &'a str, &'a str) {
    let mut old_lines = old.lines();
    let mut new_lines = new.lines();
    let mut line = 1;
    loop {
        match (old_lines.next(), new_lines.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (a, b) => {
                return (
                    line,
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>"),
                )
            }
        }
    }
}

/// Replaces `dir` with `files` so that a failure leaves either the old or the new files whole.
fn write_atomically(dir: &Path, files: &docker_codegen::Files) -> Result<()> {
    let parent = dir.parent().ok_or("output folder has no parent")?;
    let name = dir
        .file_name()
        .ok_or("output folder has no name")?
        .to_string_lossy();
    let staging = parent.join(format!(".{name}.new"));
    let previous = parent.join(format!(".{name}.old"));
    let io = |path: &Path, e: std::io::Error| format!("{}: {e}", path.display());
    for stale in [&staging, &previous] {
        if stale.exists() {
            fs::remove_dir_all(stale).map_err(|e| io(stale, e))?;
        }
    }
    fs::create_dir_all(&staging).map_err(|e| io(&staging, e))?;
    for (file, text) in files {
        let path = staging.join(file);
        fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    if dir.exists() {
        fs::rename(dir, &previous).map_err(|e| io(dir, e))?;
    }
    fs::rename(&staging, dir).map_err(|e| io(dir, e))?;
    if previous.exists() {
        fs::remove_dir_all(&previous).map_err(|e| io(&previous, e))?;
    }
    Ok(())
}

/// Generates every pinned version (or those named) into its own copy of the client crate and
/// type-checks it with its examples, tests and benches, all in one target folder.
fn check_versions(root: &Path, args: &Args) -> Result<()> {
    let manifest = manifest(root)?;
    let work = root.join("target/api-versions");
    let workspace_toml = fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let workspace_toml = workspace_toml
        .lines()
        .map(|line| {
            if line.starts_with("members") {
                "members = [\"client\"]"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    for wanted in &args.positional {
        pin(&manifest, wanted)?;
    }
    let fixes = corrections(root)?;
    let recurring = docker_codegen::Recurring::default();
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    for version in manifest.versions.keys() {
        if !args.positional.is_empty() && !args.positional.contains(version) {
            continue;
        }
        let copy = work.join(format!("v{version}"));
        if copy.exists() {
            fs::remove_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
        }
        copy_dir(&root.join("client"), &copy.join("client")).map_err(|e| e.to_string())?;
        fs::write(copy.join("Cargo.toml"), &workspace_toml).map_err(|e| e.to_string())?;
        let _ = fs::copy(root.join("Cargo.lock"), copy.join("Cargo.lock"));
        let mirror = args.mirror.as_deref();
        let text = spec_text(root, version, pin(&manifest, version)?, mirror)?;
        lean::check(version, &text, &fixes, &recurring)?;
        let files = generate(root, &manifest, version, &text, &fixes, mirror)?;
        write_atomically(&copy.join("client/src/generated"), &files)?;
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
            .args([
                "check",
                "--quiet",
                "--offline",
                "--all-targets",
                // Every feature: the blocking client is generated from each version too.
                "--all-features",
                "--manifest-path",
            ])
            .arg(copy.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", work.join("target"))
            // Each copy is checked once: incremental caches would only cost time.
            .env("CARGO_INCREMENTAL", "0")
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if status.success() {
            println!(
                "API v{version}: generated {} files; the client, its examples, tests and \
                 benches compile ({:.0?} so far)",
                files.len(),
                started.elapsed()
            );
        } else {
            failures.push(version.clone());
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the client does not compile for API versions {failures:?}"
        ))
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

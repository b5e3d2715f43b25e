//! Benchmark of the whole pipeline and of each stage on the real v1.43 spec, and of the history:
//! the shape of an older spec, and the pipeline with the history of every older pinned version.
//!
//! `cargo bench -p docker-codegen` with `DOCKER_SPEC_MIRROR` pointing at the folder of the
//! pinned specs (the same mirror `cargo xtask regenerate` reads).

use std::hint::black_box;
use std::time::{Duration, Instant};

use docker_codegen::{compat, corrections, emit, format, history, ir, load, normalize, OlderSpec};

const RUNS: usize = 20;

fn measure<T>(name: &str, mut run: impl FnMut() -> T) {
    run(); // warm up
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(run());
            start.elapsed()
        })
        .collect();
    times.sort();
    let mean = times.iter().sum::<Duration>() / RUNS as u32;
    println!(
        "{name:<28} mean {:>8.2} ms   min {:>8.2} ms   median {:>8.2} ms   ({RUNS} runs)",
        mean.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[RUNS / 2].as_secs_f64() * 1e3,
    );
}

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mirror =
        std::env::var("DOCKER_SPEC_MIRROR").unwrap_or_else(|_| format!("{root}/../shared/spec"));
    let spec_path = format!("{mirror}/v1.43.yaml");
    let Ok(spec) = std::fs::read_to_string(&spec_path) else {
        eprintln!("cannot read {spec_path}: set DOCKER_SPEC_MIRROR to the spec mirror folder");
        std::process::exit(1);
    };
    let corrections_text = std::fs::read_to_string(format!("{root}/spec/corrections.yaml"))
        .expect("spec/corrections.yaml");
    let fixes = corrections::parse(&corrections_text).expect("corrections parse");

    let compat_text =
        std::fs::read_to_string(format!("{root}/spec/compat.yaml")).expect("spec/compat.yaml");
    let choices = compat::parse(&compat_text).expect("compat parses");
    let aliases_text =
        std::fs::read_to_string(format!("{root}/spec/aliases.yaml")).expect("spec/aliases.yaml");
    let aliases = docker_codegen::aliases::parse(&aliases_text).expect("aliases parse");
    let read = |version: &str| {
        let path = format!("{mirror}/v{version}.yaml");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let with_history = |target: &str, older: &[&str]| {
        let older: Vec<OlderSpec> = older
            .iter()
            .map(|&version| OlderSpec {
                version: version.to_owned(),
                read: Box::new(move || Ok(read(version))),
            })
            .collect();
        docker_codegen::generate_with_history(&read(target), &older, &fixes, &choices, &aliases)
            .expect("generates")
    };
    const OLDER: [&str; 15] = [
        "1.41", "1.42", "1.43", "1.44", "1.45", "1.46", "1.47", "1.48", "1.49", "1.50", "1.51",
        "1.52", "1.53", "1.54", "1.55",
    ];

    measure("whole pipeline (v1.43)", || {
        docker_codegen::generate(&spec, &fixes).expect("generates")
    });
    measure("with history (v1.43, 2 older)", || {
        with_history("1.43", &OLDER[..2])
    });
    measure("with history (v1.56, 15 older)", || {
        with_history("1.56-dev", &OLDER)
    });
    let older = read("1.42");
    measure("shape of an older spec (v1.42)", || {
        docker_codegen::shape(&older, &fixes, &Default::default()).unwrap()
    });
    let shapes: Vec<_> = OLDER[..2]
        .iter()
        .map(|v| docker_codegen::shape(&read(v), &fixes, &Default::default()).unwrap())
        .collect();

    let swagger = load::parse_yaml(&spec).unwrap();
    let openapi = normalize::to_openapi3(swagger.clone()).unwrap();
    let corrected = corrections::apply(openapi.clone(), &fixes).unwrap();
    let api = ir::build(&corrected).unwrap();
    measure("1 load (YAML)", || load::parse_yaml(&spec).unwrap());
    // Normalisation consumes its input: the copy is part of the time.
    measure("2 normalize (to OpenAPI 3)", || {
        normalize::to_openapi3(swagger.clone()).unwrap()
    });
    // Includes reading the document into openapiv3's types.
    measure("3 corrections", || {
        corrections::apply(openapi.clone(), &fixes).unwrap()
    });
    measure("4 intermediate model", || ir::build(&corrected).unwrap());
    measure("5 history (from 2 shapes)", || {
        let mut api = api.clone();
        history::annotate(&mut api, &shapes, &choices).unwrap();
        api
    });
    measure("6 emit tokens", || emit::emit(&api));
    measure("7 format", || {
        format::format_files(emit::emit(&api)).unwrap()
    });
}

//! Benchmark of the whole pipeline and of each stage on the real v1.43 spec.
//!
//! `cargo bench -p docker-codegen` with `DOCKER_SPEC_MIRROR` pointing at a folder holding
//! `v1.43.yaml` (the same mirror `cargo xtask regenerate` reads).

use std::hint::black_box;
use std::time::{Duration, Instant};

use docker_codegen::{corrections, emit, format, ir, load, normalize};

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

    measure("whole pipeline (v1.43)", || {
        docker_codegen::generate(&spec, &fixes).expect("generates")
    });

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
    measure("5 emit tokens", || emit::emit(&api));
    measure("6 format", || {
        format::format_files(emit::emit(&api)).unwrap()
    });
}

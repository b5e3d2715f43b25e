//! The older specs' fast path against the full one, on every spec pinned in `spec/versions.yaml`:
//! the prose pre-pass ([`load::strip_prose`]) must be taken, leave most of the text out, and
//! change nothing the lean reading or the history sees.
//!
//! The specs are read from `DOCKER_SPEC_MIRROR` (the folder `cargo xtask regenerate` reads), else
//! from `target/spec-cache` (where it keeps the specs it downloads).

use docker_codegen::{corrections, ir, load, normalize, Shape};

/// Every pinned version with its spec text.
fn pinned_specs() -> Vec<(String, String)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let manifest = std::fs::read_to_string(format!("{root}/spec/versions.yaml")).unwrap();
    let manifest: serde_yaml::Value = serde_yaml::from_str(&manifest).unwrap();
    let mirror =
        std::env::var("DOCKER_SPEC_MIRROR").unwrap_or_else(|_| format!("{root}/target/spec-cache"));
    let versions = manifest["versions"].as_mapping().expect("versions");
    assert!(versions.len() >= 16, "{} pinned versions", versions.len());
    versions
        .iter()
        .map(|(version, pin)| {
            let version = version.as_str().expect("a version name").to_owned();
            let file = pin["file"].as_str().expect("a file name");
            let path = format!("{mirror}/{file}");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("{path}: {e} (set DOCKER_SPEC_MIRROR to the folder of the pinned specs)")
            });
            (version, text)
        })
        .collect()
}

fn corrections() -> Vec<docker_codegen::Correction> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let text = std::fs::read_to_string(format!("{root}/spec/corrections.yaml")).unwrap();
    corrections::parse(&text).expect("corrections parse")
}

/// The shape through the whole of stages 1-4, prose and all.
fn full_shape(text: &str, fixes: &[docker_codegen::Correction]) -> Shape {
    let openapi = normalize::to_openapi3(load::parse_yaml(text).unwrap()).unwrap();
    Shape::of(&ir::build(&corrections::apply(openapi, fixes).unwrap()).unwrap())
}

#[test]
fn the_pre_pass_is_taken_on_every_pinned_spec_and_leaves_most_prose_out() {
    for (version, text) in pinned_specs() {
        let stripped = load::strip_prose(&text)
            .unwrap_or_else(|| panic!("v{version}: the pre-pass does not follow the spec"));
        assert!(
            stripped.len() * 2 < text.len(),
            "v{version}: {} of {} bytes left",
            stripped.len(),
            text.len()
        );
        // What is left is YAML on its own.
        serde_yaml::from_str::<serde_json::Value>(&stripped)
            .unwrap_or_else(|e| panic!("v{version}: the stripped text does not parse: {e}"));
    }
}

#[test]
fn every_pinned_spec_has_the_same_shape_through_the_fast_path_as_through_the_full_one() {
    let fixes = corrections();
    for (version, text) in pinned_specs() {
        let fast = docker_codegen::shape(&text, &fixes).unwrap();
        let full = full_shape(&text, &fixes);
        assert!(fast == full, "v{version}: the shapes differ");
        assert!(!full.operations.is_empty() && !full.types.is_empty());
    }
}

/// The full reading without the prose, by the rule of the lean reading, on the value.
fn without_prose(value: serde_json::Value, names: bool) -> serde_json::Value {
    const PROSE: &[&str] = &[
        "description",
        "summary",
        "example",
        "examples",
        "x-go-name",
        "x-go-type",
        "x-go-package",
        "x-omitempty",
        "x-displayName",
        "x-logo",
        "externalDocs",
    ];
    const NAME_MAPS: &[&str] = &[
        "properties",
        "definitions",
        "paths",
        "responses",
        "headers",
        "securityDefinitions",
    ];
    match value {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter(|(key, _)| names || !PROSE.contains(&key.as_str()))
            .map(|(key, value)| {
                let inner = !names && NAME_MAPS.contains(&key.as_str());
                (key, without_prose(value, inner))
            })
            .collect(),
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|item| without_prose(item, false))
            .collect(),
        other => other,
    }
}

#[test]
fn every_pinned_spec_reads_the_same_through_the_pre_pass_as_whole_without_prose() {
    for (version, text) in pinned_specs() {
        let fast = load::parse_yaml_lean(&text).unwrap();
        let full = without_prose(load::parse_yaml(&text).unwrap(), false);
        assert!(fast == full, "v{version}: the readings differ");
    }
}

//! The layout `cargo test` and `cargo xtask test` rely on: the tests that need a real engine are
//! the `engine_*` targets, built only with the `engine` feature; every other target runs with
//! no engine at all.

use std::collections::BTreeMap;
use std::path::Path;

/// The `[[test]]` targets of tests/Cargo.toml and their required features.
fn declared_targets() -> BTreeMap<String, Vec<String>> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("tests/Cargo.toml");
    let mut targets = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            current = None;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "name" if text_before(&text, line).ends_with("[[test]]") => {
                let name = value.trim_matches('"').to_owned();
                targets.insert(name.clone(), Vec::new());
                current = Some(name);
            }
            "required-features" => {
                if let Some(name) = &current {
                    let features = value
                        .trim_matches(|c| c == '[' || c == ']')
                        .split(',')
                        .map(|f| f.trim().trim_matches('"').to_owned())
                        .filter(|f| !f.is_empty())
                        .collect();
                    targets.insert(name.clone(), features);
                }
            }
            _ => {}
        }
    }
    targets
}

/// The manifest's text before `line`, trimmed: tells which table a key belongs to.
fn text_before<'a>(text: &'a str, line: &str) -> &'a str {
    text.find(line).map_or("", |at| text[..at].trim_end())
}

/// The test files of tests/tests, by target name.
fn test_files() -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    std::fs::read_dir(&dir)
        .expect("tests/tests")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let target = name.strip_suffix(".rs")?.to_owned();
            Some((target, std::fs::read_to_string(e.path()).ok()?))
        })
        .collect()
}

#[test]
fn engine_tests_are_engine_targets_behind_the_feature() {
    let declared = declared_targets();
    let files = test_files();
    for target in files.keys().filter(|t| t.starts_with("engine_")) {
        assert_eq!(
            declared.get(target).map(Vec::as_slice),
            Some(&["engine".to_owned()][..]),
            "tests/tests/{target}.rs needs a [[test]] entry with required-features = [\"engine\"] \
             in tests/Cargo.toml"
        );
    }
    for (target, features) in &declared {
        assert!(files.contains_key(target), "[[test]] {target} has no file");
        if !target.starts_with("engine_") {
            assert!(
                features.is_empty(),
                "{target} is not an engine test but needs {features:?}"
            );
        }
    }
}

#[test]
fn only_engine_tests_reach_for_an_engine() {
    // What reaching a real engine looks like in a test file.
    let engine_markers = [
        "TestEngine::",
        "engine_var(",
        "required_env(",
        "direct_client(",
        "DOCKER_HOST_V20",
        "DOCKER_TLS_HOST",
    ];
    for (target, text) in test_files() {
        if target.starts_with("engine_") || target == "layout" {
            continue;
        }
        for marker in engine_markers {
            assert!(
                !text.contains(marker),
                "tests/tests/{target}.rs uses {marker:?}: tests that need an engine belong in an \
                 engine_* file"
            );
        }
    }
}

//! Tests of the version history on three versions of a small API of the project's own
//! (`tests/specs/history-1.{1,2,3}.yaml`): a field added in the middle version, a parameter
//! removed, a renamed definition, a renamed inline type, a required field added later, an
//! operation added; and of the difference between versions, which must agree with the history.

use std::fmt::Write;

use docker_codegen::compat::CompatEntry;
use docker_codegen::ir::{Api, Presence, TypeKind};
use docker_codegen::{
    compat, corrections, generate_with_history, history, ir, load, normalize, OlderSpec, Shape,
};

fn spec(version: &str) -> String {
    let path = format!(
        "{}/tests/specs/history-{version}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn shape(version: &str) -> Shape {
    docker_codegen::shape(&spec(version), &[], &Default::default()).expect("shape")
}

const COMPAT: &str = r#"
- operation: ThingList
  parameter: limit
  below: "1.3"
  action: drop
  reason: test
  evidence: test
- operation: ThingCreate
  field: Options.Fast
  below: "1.2"
  action: refuse
  reason: a field the spec has from the start, that works only later
  evidence: test
- operation: ThingList
  parameter: legacy
  below: "1.2"
  action: drop
  reason: an item the target does not have any more does not apply to it
  evidence: test
"#;

fn compat_entries() -> Vec<CompatEntry> {
    compat::parse(COMPAT).expect("compat parses")
}

/// The target's model (1.3) with the history of 1.1 and 1.2.
fn annotated(compat: &[CompatEntry]) -> Api {
    let openapi = normalize::to_openapi3(load::parse_yaml(&spec("1.3")).unwrap()).unwrap();
    let mut api = ir::build(&corrections::apply(openapi, &[]).unwrap()).unwrap();
    // The order of the older shapes does not matter.
    history::annotate(&mut api, &[shape("1.2"), shape("1.1")], compat).unwrap();
    api
}

/// Every item with its `since`, one a line.
fn listing(api: &Api) -> String {
    let mut out = format!("oldest {}\n", api.oldest);
    for op in &api.operations {
        writeln!(out, "operation {} since {}", op.id, op.since).unwrap();
        for p in &op.params {
            writeln!(out, "  parameter {} since {}", p.wire, p.since).unwrap();
        }
        for rule in &op.compat {
            writeln!(out, "  rule {rule:?}").unwrap();
        }
    }
    for def in api.types.values() {
        writeln!(out, "type {} since {}", def.name, def.since).unwrap();
        if let TypeKind::Struct(fields) = &def.kind {
            for f in fields {
                let presence = match f.presence {
                    Presence::RequiredFrom(v) => format!(" (required from {v}: optional)"),
                    Presence::Required => " (required)".to_owned(),
                    _ => String::new(),
                };
                writeln!(out, "  field {} since {}{presence}", f.wire, f.since).unwrap();
            }
        }
    }
    out
}

#[test]
fn since_of_every_item() {
    insta::assert_snapshot!("since", listing(&annotated(&compat_entries())));
}

#[test]
fn generated_docs_and_tables() {
    let older = ["1.1", "1.2"].map(|version| OlderSpec {
        version: version.to_owned(),
        read: Box::new(move || Ok(spec(version))),
    });
    let files = generate_with_history(
        &spec("1.3"),
        &older,
        &[],
        &compat_entries(),
        &Default::default(),
    )
    .unwrap();
    let shown: String = ["models.rs", "thing.rs", "history.rs"]
        .iter()
        .map(|name| format!("==> {name} <==\n{}\n", files[*name]))
        .collect();
    insta::assert_snapshot!("generated", shown);
}

#[test]
fn diff_between_versions() {
    let shown = format!(
        "{}\n{}\n{}",
        history::diff(&shape("1.1"), &shape("1.2")),
        history::diff(&shape("1.2"), &shape("1.3")),
        history::diff(&shape("1.3"), &shape("1.1")),
    );
    insta::assert_snapshot!("diff", shown);
    let same = history::diff(&shape("1.2"), &shape("1.2"));
    assert!(same.is_empty());
    assert_eq!(same.to_string(), "API 1.2 -> 1.2\n\nNo changes.\n");
}

/// Every item whose history starts after the oldest version is added by the diff into that
/// version.
#[test]
fn the_history_agrees_with_the_diffs() {
    let api = annotated(&[]);
    let (v11, v12) = (shape("1.1"), shape("1.2"));
    let v13 = Shape::of(&api);
    let diff_into = |version: &str| match version {
        "1.2" => history::diff(&v11, &v12),
        "1.3" => history::diff(&v12, &v13),
        other => panic!("no diff into {other}"),
    };
    let added = |group: &[history::Change], name: &str| {
        group
            .iter()
            .any(|c| matches!(c, history::Change::Added { name: n, .. } if n == name))
    };
    for op in &api.operations {
        if op.since > api.oldest {
            let diff = diff_into(&op.since.to_string());
            assert!(added(&diff.operations, &op.id), "{}", op.id);
        }
        for p in op
            .params
            .iter()
            .filter(|p| p.since > op.since.max(api.oldest))
        {
            let diff = diff_into(&p.since.to_string());
            let changes = diff.params.get(&op.id).map_or(&[][..], Vec::as_slice);
            assert!(added(changes, &p.wire), "{} {}", op.id, p.wire);
        }
    }
    for def in api.types.values() {
        let TypeKind::Struct(fields) = &def.kind else {
            continue;
        };
        for f in fields
            .iter()
            .filter(|f| f.since > def.since.max(api.oldest))
        {
            let diff = diff_into(&f.since.to_string());
            let changes = diff
                .properties
                .get(&def.name)
                .map_or(&[][..], Vec::as_slice);
            assert!(added(changes, &f.wire), "{}.{}", def.name, f.wire);
        }
    }
}

#[test]
fn a_compat_entry_that_names_nothing_fails() {
    let bad = compat::parse(
        "- { operation: ThingList, parameter: no-such, below: '1.2', action: drop, reason: typo, evidence: test }\n",
    )
    .unwrap();
    let openapi = normalize::to_openapi3(load::parse_yaml(&spec("1.3")).unwrap()).unwrap();
    let mut api = ir::build(&corrections::apply(openapi, &[]).unwrap()).unwrap();
    let error = history::annotate(&mut api, &[shape("1.1"), shape("1.2")], &bad)
        .unwrap_err()
        .to_string();
    assert!(error.contains("compat entry #0 (typo)"), "{error}");
    assert!(error.contains("`no-such`"), "{error}");

    // One about an item newer than the target cannot be checked, and does not apply.
    let later = compat::parse(
        "- { operation: ThingList, parameter: future, below: '1.9', action: drop, reason: later, evidence: test }\n",
    )
    .unwrap();
    history::annotate(&mut api, &[shape("1.1")], &later).unwrap();
    assert!(api.operations.iter().all(|op| op.compat.is_empty()));
}

#[test]
fn a_spec_that_cannot_be_read_is_named() {
    let older = [OlderSpec {
        version: "1.1".to_owned(),
        read: Box::new(|| Err("not in the mirror".to_owned())),
    }];
    let error = generate_with_history(&spec("1.3"), &older, &[], &[], &Default::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("API v1.1"), "{error}");
    assert!(error.contains("not in the mirror"), "{error}");

    // A spec that is read but fails a stage: the version, then where.
    let older = [OlderSpec {
        version: "1.2".to_owned(),
        read: Box::new(|| Ok(spec("1.2").replace("operationId: ThingPrune", "tags: [Thing]"))),
    }];
    let error = generate_with_history(&spec("1.3"), &older, &[], &[], &Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("spec of API v1.2 (for the history)"),
        "{error}"
    );
    assert!(error.contains("operationId"), "{error}");
}

/// The older specs are read with one `Recurring`: a schema or path item whose corrected value
/// an earlier spec had is taken from it, not read again. What the specs share must read as it
/// does alone, and a correction that covers one version only must not leak into the next one
/// through what they share (`DriverData` and `/things/prune` have the same text in 1.2 and 1.3).
#[test]
fn shapes_read_with_what_earlier_specs_shared_are_the_shapes_read_alone() {
    let fixes = corrections::parse(
        r#"
- reason: test, 1.2 only
  evidence: test
  since: "1.2"
  until: "1.2"
  target: { schema: DriverData }
  merge: { properties: { Extra: { type: integer } } }
- reason: test, every version
  evidence: test
  target: { schema: Thing }
  merge: { properties: { Added: { type: boolean } } }
- reason: test, 1.3 on
  evidence: test
  since: "1.3"
  target: { operation: ThingPrune, response: "200" }
  merge: { description: changed }
"#,
    )
    .expect("corrections parse");
    let alone = |version: &str| {
        docker_codegen::shape(&spec(version), &fixes, &Default::default()).expect("shape")
    };
    let recurring = docker_codegen::Recurring::default();
    for version in ["1.1", "1.2", "1.3", "1.2", "1.3"] {
        let shared = docker_codegen::shape(&spec(version), &fixes, &recurring).expect("shape");
        assert_eq!(shared, alone(version), "API {version}");
    }
    let alone_12 = format!("{:?}", alone("1.2"));
    let alone_13 = format!("{:?}", alone("1.3"));
    assert!(alone_12.contains("Extra") && !alone_13.contains("Extra"));
    assert!(alone_13.contains("Added"));
}

#[test]
fn a_schema_or_path_that_does_not_read_is_named_with_its_place() {
    let recurring = docker_codegen::Recurring::default();
    let text = spec("1.2").replace("      Name: { type: string }", "      Name: { type: [5] }");
    let error = docker_codegen::shape(&text, &[], &recurring)
        .unwrap_err()
        .to_string();
    assert!(error.contains("components.schemas.Thing"), "{error}");
}

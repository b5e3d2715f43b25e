//! Snapshot tests of the generator on small specs written for these tests, and its errors.

use docker_codegen::{corrections, generate, Error, Files};

fn spec(name: &str) -> String {
    let path = format!("{}/tests/specs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// All generated files, one after another, each under its name.
fn render(files: &Files) -> String {
    files
        .iter()
        .map(|(name, text)| format!("==> {name} <==\n{text}\n"))
        .collect()
}

fn generate_with(spec_name: &str, corrections_name: Option<&str>) -> Result<Files, Error> {
    let corrections = match corrections_name {
        Some(name) => corrections::parse(&spec(name)).expect("test corrections parse"),
        None => Vec::new(),
    };
    generate(&spec(spec_name), &corrections)
}

#[test]
fn models() {
    let files = generate_with("models.yaml", None).expect("generates");
    insta::assert_snapshot!("models", files["models.rs"]);
}

#[test]
fn operations() {
    let files =
        generate_with("operations.yaml", Some("operations-corrections.yaml")).expect("generates");
    insta::assert_snapshot!("operations", render(&files));
}

#[test]
fn output_is_deterministic() {
    let first = generate_with("operations.yaml", Some("operations-corrections.yaml")).unwrap();
    let second = generate_with("operations.yaml", Some("operations-corrections.yaml")).unwrap();
    assert_eq!(first, second);
}

#[test]
fn every_file_starts_with_the_generated_header() {
    let files = generate_with("operations.yaml", None).unwrap();
    for (name, text) in &files {
        let header = if name.ends_with(".md") {
            "<!-- @generated"
        } else {
            "// @generated"
        };
        assert!(text.starts_with(header), "{name} lacks the header");
    }
}

#[test]
fn invalid_yaml_names_the_line() {
    let error = generate("swagger: \"2.0\"\npaths: [unclosed\n", &[]).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("line"), "{message}");
}

#[test]
fn malformed_spec_names_where() {
    let text = spec("operations.yaml").replace("      operationId: ThingStart\n", "");
    let error = generate(&text, &[]).unwrap_err().to_string();
    assert!(error.contains("/paths//things/{id}/start/post"), "{error}");
    assert!(error.contains("operationId"), "{error}");

    let text = spec("models.yaml").replace("\"#/definitions/Health\"", "\"#/definitions/Missing\"");
    let error = generate(&text, &[]).unwrap_err().to_string();
    assert!(error.contains("Missing"), "{error}");
    assert!(
        error.contains("/components/schemas/Widget/properties/"),
        "{error}"
    );
}

#[test]
fn not_swagger_two_is_refused() {
    let error = generate(
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n",
        &[],
    )
    .unwrap_err();
    assert!(error.to_string().contains("/swagger"), "{error}");
}

/// The error of generating `models.yaml` with the corrections of `yaml`.
fn models_error_with(yaml: &str) -> String {
    let fixes = corrections::parse(yaml).unwrap();
    generate(&spec("models.yaml"), &fixes)
        .unwrap_err()
        .to_string()
}

#[test]
fn a_correction_whose_target_is_gone_fails() {
    let error = models_error_with(
        "- reason: gone\n  evidence: test\n  target: { schema: Widget, property: NoSuchField }\n  merge: { nullable: true }\n",
    );
    assert!(error.contains("correction #0 (gone)"), "{error}");
    assert!(error.contains("NoSuchField"), "{error}");
}

#[test]
fn corrections_outside_their_versions_are_skipped() {
    let scoped = corrections::parse(
        "- reason: later\n  evidence: test\n  since: \"2.0\"\n  target: { schema: NoSuchSchema }\n  merge: { nullable: true }\n",
    )
    .unwrap();
    assert!(generate(&spec("models.yaml"), &scoped).is_ok());
}

#[test]
fn add_enum_appends_missing_values_once() {
    let extra = corrections::parse(
        "- reason: more states\n  evidence: test\n  target: { schema: WidgetState }\n  add_enum: [running, paused]\n",
    )
    .unwrap();
    let files = generate(&spec("models.yaml"), &extra).unwrap();
    let models = &files["models.rs"];
    assert_eq!(models.matches("Self::Running =>").count(), 1);
    assert!(models.contains("\"paused\" => Self::Paused"), "{models}");
}

#[test]
fn a_correction_that_leaves_a_reference_beside_other_keys_fails() {
    let error = models_error_with(
        "- reason: half done\n  evidence: test\n  target: { schema: Widget, property: State }\n  merge: { type: string }\n",
    );
    assert!(error.contains("`$ref` beside other keys"), "{error}");

    // Deeper in the patched node, the error names the place.
    let error = models_error_with(
        "- reason: half done\n  evidence: test\n  target: { schema: Widget }\n  merge: { properties: { State: { type: string } } }\n",
    );
    assert!(
        error.contains("beside other keys at /components/schemas/Widget/properties/State,"),
        "{error}"
    );
}

#[test]
fn every_generated_type_gets_its_own_name() {
    // An inline type wanting the name of an options struct, another wanting that of a
    // response-header struct, and a schema whose name an inline type wants: no two share a name.
    let text = r##"
swagger: "2.0"
info: { title: Names, version: "1.99" }
produces: [application/json]
consumes: [application/json]
definitions:
  ThingPingResponse2:
    type: object
    properties:
      Kept: { type: string }
paths:
  /things:
    post:
      operationId: ThingCreate
      parameters:
        - { name: quiet, in: query, type: boolean }
        - name: body
          in: body
          schema:
            title: ThingCreateOptions
            type: object
            properties:
              Name: { type: string }
      responses:
        200:
          description: ok
          headers:
            X-Thing: { type: string }
          schema:
            type: object
            properties:
              Id: { type: string }
  /things/ping:
    get:
      operationId: ThingPing
      responses:
        200:
          description: ok
          headers:
            X-Thing: { type: string }
          schema:
            title: ThingPingResponse
            type: object
            properties:
              Pong: { type: string }
"##;
    let files = generate(text, &[]).unwrap();
    let all: String = files.values().map(String::as_str).collect();
    let defined = |name: &str| all.matches(&format!("pub struct {name} ")).count();
    // The body keeps its title; the options struct takes the next free name.
    assert_eq!(defined("ThingCreateOptions"), 1, "{all}");
    assert_eq!(defined("ThingCreateOptions2"), 1, "{all}");
    assert!(all.contains("options: ThingCreateOptions2"), "{all}");
    // The response body takes `ThingCreateResponse`, the header struct the next free name.
    assert_eq!(defined("ThingCreateResponse"), 1, "{all}");
    assert_eq!(defined("ThingCreateResponse2"), 1, "{all}");
    // `ThingPingResponse2` is the spec's own: the header struct skips it.
    assert_eq!(defined("ThingPingResponse"), 1, "{all}");
    assert_eq!(defined("ThingPingResponse2"), 1, "{all}");
    assert_eq!(defined("ThingPingResponse3"), 1, "{all}");
    assert!(all.contains("pub kept: Option<String>"), "{all}");
}

#[test]
fn a_file_formatted_in_parts_is_the_file_formatted_whole() {
    // Enough types that `models.rs` is rendered in several parts, with a response-header struct
    // at the end.
    let mut text = String::from(
        "swagger: \"2.0\"\ninfo: { title: Parts, version: \"1.99\" }\nproduces: [application/json]\n\
         paths:\n  /x:\n    get:\n      operationId: XGet\n      responses:\n        200:\n\
         \x20         description: ok\n          headers: { X-Y: { type: string } }\n\
         \x20         schema: { $ref: \"#/definitions/T0\" }\ndefinitions:\n",
    );
    for i in 0..150 {
        text.push_str(&format!(
            "  T{i}:\n    description: Type {i}.\n    type: object\n    properties:\n      \
             A: {{ type: string }}\n      B: {{ type: array, items: {{ type: integer }} }}\n"
        ));
    }
    let mut parts = generate(&text, &[]).unwrap();
    assert!(parts.remove(docker_codegen::emit::OPERATIONS_DOC).is_some());
    let openapi =
        docker_codegen::normalize::to_openapi3(docker_codegen::load::parse_yaml(&text).unwrap())
            .unwrap();
    let mut api = docker_codegen::ir::build(&corrections::apply(openapi, &[]).unwrap()).unwrap();
    docker_codegen::docs::complete(&mut api);
    assert!(docker_codegen::emit::parts(&api, "models.rs") > 2);
    let whole = docker_codegen::format::format_files(docker_codegen::emit::emit(&api)).unwrap();
    assert_eq!(parts, whole);
}

#[test]
fn a_new_schema_is_created_once() {
    let new = corrections::parse(concat!(
        "- reason: missing\n  evidence: test\n  target: { new_schema: Gadget }\n",
        "  merge: { type: object, properties: { Size: { type: integer, format: uint32 } } }\n",
        "- reason: use it\n  evidence: test\n  target: { schema: Widget }\n",
        "  merge: { properties: { Gadget: { $ref: \"#/components/schemas/Gadget\" } } }\n",
    ))
    .unwrap();
    let files = generate(&spec("models.yaml"), &new).unwrap();
    let models = &files["models.rs"];
    assert!(models.contains("pub struct Gadget {"), "{models}");
    assert!(models.contains("pub size: Option<u32>,"), "{models}");
    assert!(models.contains("pub gadget: Option<Gadget>,"), "{models}");

    // A schema the spec has already is not replaced.
    let error = models_error_with(
        "- reason: clash\n  evidence: test\n  target: { new_schema: Widget }\n  merge: { type: object }\n",
    );
    assert!(error.contains("has a schema Widget already"), "{error}");
}

/// The aliases table against a spec: its names become doc aliases of the methods, and an
/// operation id the spec does not have is an error, as is a name rustdoc would refuse.
#[test]
fn aliases() {
    use docker_codegen::{aliases, generate_with_history};
    let generate = |table: &str| {
        let table = aliases::parse(table)?;
        generate_with_history(&spec("operations.yaml"), &[], &[], &[], &table)
    };
    let files = generate("ThingList: [docker thing ls, list_things]\n").expect("generates");
    // The async client's method (the blocking client's has no aliases of its own).
    let things = files
        .iter()
        .find(|(name, text)| name.as_str() != "blocking.rs" && text.contains("fn thing_list"))
        .map(|(_, text)| text)
        .unwrap();
    assert!(
        things.contains("#[doc(alias = \"docker thing ls\")]"),
        "{things}"
    );
    assert!(
        things.contains("#[doc(alias = \"list_things\")]"),
        "{things}"
    );

    let unknown = generate("NoSuchOperation: [list_nothing]\n").unwrap_err();
    assert!(matches!(unknown, Error::Aliases { .. }), "{unknown:?}");
    assert!(
        unknown
            .to_string()
            .contains("no operation `NoSuchOperation`"),
        "{unknown}"
    );

    for bad in [
        "ThingList: [thing_list]\n",
        "ThingList: [\" padded\"]\n",
        "ThingList: [\"say \\\"hi\\\"\"]\n",
        "ThingList: [a, a]\n",
        "ThingList: list_things\n",
    ] {
        let error = generate(bad).map(drop).unwrap_err();
        assert!(matches!(error, Error::Aliases { .. }), "{bad}: {error:?}");
    }
}

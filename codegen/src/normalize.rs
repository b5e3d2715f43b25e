//! Stage 2: convert a Swagger 2.0 document into OpenAPI 3.0.
//!
//! Everything after this stage works on [`openapiv3::OpenAPI`], so a spec that Docker publishes
//! as OpenAPI 3 one day needs no new generator. The conversion follows the OpenAPI 3 equivalents:
//! definitions become component schemas, body parameters a request body whose content types come
//! from `consumes`, response schemas a content entry per `produces` type, and `x-nullable` the
//! `nullable` keyword.

use serde_json::{json, Map, Value};

use crate::extensions::{BINARY_MEDIA_TYPES, BODY_NAME, NULLABLE};
use crate::Error;

/// Converts a parsed Swagger 2.0 document into a typed OpenAPI 3.0 document.
pub fn to_openapi3(swagger: &Value) -> Result<openapiv3::OpenAPI, Error> {
    let doc = object(swagger, "")?;
    match doc.get("swagger").and_then(Value::as_str) {
        Some("2.0") => {}
        other => {
            return Err(Error::spec(
                "/swagger",
                format!("expected \"2.0\", found {other:?}"),
            ));
        }
    }
    let produces = media_list(doc.get("produces"));
    let consumes = media_list(doc.get("consumes"));

    let mut schemas = Map::new();
    if let Some(defs) = doc.get("definitions") {
        for (name, schema) in object(defs, "/definitions")? {
            schemas.insert(name.clone(), convert_schema(schema));
        }
    }

    let mut paths = Map::new();
    for (path, item) in object(doc.get("paths").unwrap_or(&Value::Null), "/paths")? {
        let at = format!("/paths/{}", escape_pointer(path));
        let mut out = Map::new();
        for (method, op) in object(item, &at)? {
            let at = format!("{at}/{method}");
            out.insert(
                method.clone(),
                convert_operation(op, &at, &produces, &consumes)?,
            );
        }
        paths.insert(path.clone(), Value::Object(out));
    }

    let base_path = doc.get("basePath").and_then(Value::as_str).unwrap_or("/");
    let mut openapi = json!({
        "openapi": "3.0.3",
        "info": doc.get("info").cloned().unwrap_or_else(|| json!({"title": "", "version": ""})),
        "servers": [{ "url": base_path }],
        "paths": paths,
        "components": { "schemas": schemas },
    });
    if let Some(tags) = doc.get("tags") {
        openapi["tags"] = tags.clone();
    }
    serde_path_to_error::deserialize(openapi).map_err(|e| {
        let path = e.path().to_string();
        Error::spec(
            format!("(converted OpenAPI 3) {path}"),
            e.into_inner().to_string(),
        )
    })
}

fn convert_operation(
    op: &Value,
    at: &str,
    produces: &[String],
    consumes: &[String],
) -> Result<Value, Error> {
    let op = object(op, at)?;
    let produces = op
        .get("produces")
        .map(|p| media_list(Some(p)))
        .unwrap_or(produces.to_vec());
    let consumes = op
        .get("consumes")
        .map(|c| media_list(Some(c)))
        .unwrap_or(consumes.to_vec());
    let mut out = Map::new();
    for key in [
        "operationId",
        "summary",
        "description",
        "tags",
        "deprecated",
    ] {
        if let Some(v) = op.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    let mut parameters = Vec::new();
    for (i, param) in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("{at}/parameters/{i}");
        let param = object(param, &at)?;
        let location = param.get("in").and_then(Value::as_str).unwrap_or_default();
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::spec(&at, "parameter without a name"))?;
        match location {
            "body" => {
                let schema = convert_schema(param.get("schema").unwrap_or(&json!({})));
                let content: Map<String, Value> = consumes
                    .iter()
                    .map(|media| (media.clone(), json!({ "schema": schema })))
                    .collect();
                let mut body = json!({
                    "content": content,
                    "required": param.get("required").and_then(Value::as_bool).unwrap_or(false),
                });
                if let Some(d) = param.get("description") {
                    body["description"] = d.clone();
                }
                // Keep the Swagger parameter name: it names the method argument.
                body[BODY_NAME] = json!(name);
                out.insert("requestBody".to_owned(), body);
            }
            // OpenAPI 3 ignores header parameters named Content-Type: the request body's content
            // type says it.
            "header" if name.eq_ignore_ascii_case("content-type") => {}
            "path" | "query" | "header" => parameters.push(convert_parameter(param, location)),
            other => {
                return Err(Error::spec(
                    at,
                    format!("unsupported parameter location {other:?}"),
                ))
            }
        }
    }
    if !parameters.is_empty() {
        out.insert("parameters".to_owned(), Value::Array(parameters));
    }
    let mut responses = Map::new();
    let at_responses = format!("{at}/responses");
    for (code, response) in object(op.get("responses").unwrap_or(&Value::Null), &at_responses)? {
        let at = format!("{at_responses}/{code}");
        responses.insert(
            code.clone(),
            convert_response(object(response, &at)?, &produces),
        );
    }
    out.insert("responses".to_owned(), Value::Object(responses));
    Ok(Value::Object(out))
}

fn convert_parameter(param: &Map<String, Value>, location: &str) -> Value {
    let mut out = Map::new();
    out.insert("in".to_owned(), json!(location));
    for key in ["name", "description", "required"] {
        if let Some(v) = param.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    if location == "query" && param.get("type").and_then(Value::as_str) == Some("array") {
        // Swagger's collectionFormat `multi` repeats the key, which is OpenAPI 3's explode.
        let multi = param.get("collectionFormat").and_then(Value::as_str) == Some("multi");
        out.insert("style".to_owned(), json!("form"));
        out.insert("explode".to_owned(), json!(multi));
    }
    out.insert("schema".to_owned(), convert_schema(&simple_schema(param)));
    Value::Object(out)
}

/// The schema of a non-body Swagger parameter or header, whose schema keywords sit on the
/// parameter itself.
fn simple_schema(param: &Map<String, Value>) -> Value {
    const SCHEMA_KEYS: &[&str] = &[
        "type", "format", "items", "default", "enum", "minimum", "maximum", "pattern", NULLABLE,
    ];
    let schema: Map<String, Value> = param
        .iter()
        .filter(|(k, _)| SCHEMA_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(schema)
}

fn convert_response(response: &Map<String, Value>, produces: &[String]) -> Value {
    let mut out = Map::new();
    out.insert(
        "description".to_owned(),
        response
            .get("description")
            .cloned()
            .unwrap_or_else(|| json!("")),
    );
    if let Some(headers) = response.get("headers").and_then(Value::as_object) {
        let headers: Map<String, Value> = headers
            .iter()
            .map(|(name, header)| {
                let header = header.as_object().cloned().unwrap_or_default();
                let mut h = json!({ "schema": convert_schema(&simple_schema(&header)) });
                if let Some(d) = header.get("description") {
                    h["description"] = d.clone();
                }
                (name.clone(), h)
            })
            .collect();
        out.insert("headers".to_owned(), Value::Object(headers));
    }
    let content: Map<String, Value> = match response.get("schema") {
        Some(schema) => {
            let schema = convert_schema(schema);
            produces
                .iter()
                .map(|media| (media.clone(), json!({ "schema": schema })))
                .collect()
        }
        // A response without a schema still has a body when the operation produces bytes.
        None => produces
            .iter()
            .filter(|media| BINARY_MEDIA_TYPES.contains(&media.as_str()))
            .map(|media| {
                (
                    media.clone(),
                    json!({ "schema": { "type": "string", "format": "binary" } }),
                )
            })
            .collect(),
    };
    if !content.is_empty() {
        out.insert("content".to_owned(), Value::Object(content));
    }
    Value::Object(out)
}

/// Converts a Swagger 2.0 schema to OpenAPI 3.0, recursively.
fn convert_schema(schema: &Value) -> Value {
    let Some(map) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "$ref" => {
                let target = value.as_str().unwrap_or_default();
                let target = target.replace("#/definitions/", "#/components/schemas/");
                out.insert(key.clone(), json!(target));
            }
            NULLABLE => {
                out.insert("nullable".to_owned(), value.clone());
            }
            "type" if value == "file" => {
                out.insert("type".to_owned(), json!("string"));
                out.insert("format".to_owned(), json!("binary"));
            }
            "properties" => {
                let props = value.as_object().cloned().unwrap_or_default();
                let props: Map<String, Value> = props
                    .iter()
                    .map(|(k, v)| (k.clone(), convert_schema(v)))
                    .collect();
                out.insert(key.clone(), Value::Object(props));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), convert_schema(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let parts = value.as_array().cloned().unwrap_or_default();
                out.insert(
                    key.clone(),
                    Value::Array(parts.iter().map(convert_schema).collect()),
                );
            }
            // Swagger-only keywords with no OpenAPI 3 schema equivalent.
            "collectionFormat" | "discriminator" if !value.is_object() => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    // In OpenAPI 3 the siblings of `$ref` are ignored; wrapping the reference in `allOf` keeps
    // the description and nullability that Docker's spec puts beside it.
    if out.contains_key("$ref") && out.len() > 1 {
        let reference = out.remove("$ref").unwrap_or_default();
        out.insert("allOf".to_owned(), json!([{ "$ref": reference }]));
    }
    Value::Object(out)
}

fn media_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn object<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>, Error> {
    value
        .as_object()
        .ok_or_else(|| Error::spec(at, format!("expected an object, found {value}")))
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
pub(crate) fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

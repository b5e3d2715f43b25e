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

/// Converts a parsed Swagger 2.0 document into an OpenAPI 3.0 document (as JSON: the next
/// stage corrects it, then reads it into [`openapiv3`]'s types). Consumes the document, so
/// that its parts move rather than copy.
pub fn to_openapi3(swagger: Value) -> Result<Value, Error> {
    let Value::Object(mut doc) = swagger else {
        return Err(Error::spec(
            "",
            format!("expected an object, found {swagger}"),
        ));
    };
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
    if let Some(defs) = doc.remove("definitions") {
        for (name, schema) in into_object(defs, "/definitions")? {
            schemas.insert(name, convert_schema(schema));
        }
    }

    let mut paths = Map::new();
    for (path, item) in into_object(doc.remove("paths").unwrap_or(Value::Null), "/paths")? {
        let at = format!("/paths/{}", escape_pointer(&path));
        let mut out = Map::new();
        for (method, op) in into_object(item, &at)? {
            let at = format!("{at}/{method}");
            let op = convert_operation(op, &at, &produces, &consumes)?;
            out.insert(method, op);
        }
        paths.insert(path, Value::Object(out));
    }

    let base_path = doc.get("basePath").and_then(Value::as_str).unwrap_or("/");
    let mut openapi = json!({
        "openapi": "3.0.3",
        "servers": [{ "url": base_path }],
    });
    openapi["info"] = doc
        .remove("info")
        .unwrap_or_else(|| json!({"title": "", "version": ""}));
    openapi["paths"] = Value::Object(paths);
    // (Not `json!`, which would serialize the schemas into new values.)
    let components = Map::from_iter([("schemas".to_owned(), Value::Object(schemas))]);
    openapi["components"] = Value::Object(components);
    if let Some(tags) = doc.remove("tags") {
        openapi["tags"] = tags;
    }
    Ok(openapi)
}

fn convert_operation(
    op: Value,
    at: &str,
    produces: &[String],
    consumes: &[String],
) -> Result<Value, Error> {
    let mut op = into_object(op, at)?;
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
        if let Some(v) = op.remove(key) {
            out.insert(key.to_owned(), v);
        }
    }
    let params = match op.remove("parameters") {
        Some(Value::Array(params)) => params,
        _ => Vec::new(),
    };
    let mut parameters = Vec::new();
    for (i, param) in params.into_iter().enumerate() {
        let at = format!("{at}/parameters/{i}");
        let mut param = into_object(param, &at)?;
        let location = param
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::spec(&at, "parameter without a name"))?
            .to_owned();
        match location.as_str() {
            "body" => {
                let schema = convert_schema(param.remove("schema").unwrap_or_else(|| json!({})));
                let required = param.get("required").and_then(Value::as_bool);
                let mut body = Map::new();
                body.insert(
                    "content".to_owned(),
                    Value::Object(content(&consumes, &schema)),
                );
                body.insert("required".to_owned(), json!(required.unwrap_or(false)));
                if let Some(d) = param.remove("description") {
                    body.insert("description".to_owned(), d);
                }
                // Keep the Swagger parameter name: it names the method argument.
                body.insert(BODY_NAME.to_owned(), json!(name));
                out.insert("requestBody".to_owned(), Value::Object(body));
            }
            // OpenAPI 3 ignores header parameters named Content-Type: the request body's content
            // type says it.
            "header" if name.eq_ignore_ascii_case("content-type") => {}
            "path" | "query" | "header" => parameters.push(convert_parameter(param, &location)),
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
    let declared = op.remove("responses").unwrap_or(Value::Null);
    for (code, response) in into_object(declared, &at_responses)? {
        let at = format!("{at_responses}/{code}");
        let response = convert_response(into_object(response, &at)?, &produces);
        responses.insert(code, response);
    }
    out.insert("responses".to_owned(), Value::Object(responses));
    Ok(Value::Object(out))
}

fn convert_parameter(mut param: Map<String, Value>, location: &str) -> Value {
    let mut out = Map::new();
    out.insert("in".to_owned(), json!(location));
    for key in ["name", "description", "required"] {
        if let Some(v) = param.remove(key) {
            out.insert(key.to_owned(), v);
        }
    }
    if location == "query" && param.get("type").and_then(Value::as_str) == Some("array") {
        // Swagger's collectionFormat `multi` repeats the key, which is OpenAPI 3's explode.
        let multi = param.get("collectionFormat").and_then(Value::as_str) == Some("multi");
        out.insert("style".to_owned(), json!("form"));
        out.insert("explode".to_owned(), json!(multi));
    }
    out.insert("schema".to_owned(), convert_schema(simple_schema(param)));
    Value::Object(out)
}

/// The schema of a non-body Swagger parameter or header, whose schema keywords sit on the
/// parameter itself.
fn simple_schema(param: Map<String, Value>) -> Value {
    const SCHEMA_KEYS: &[&str] = &[
        "type", "format", "items", "default", "enum", "minimum", "maximum", "pattern", NULLABLE,
    ];
    let schema: Map<String, Value> = param
        .into_iter()
        .filter(|(k, _)| SCHEMA_KEYS.contains(&k.as_str()))
        .collect();
    Value::Object(schema)
}

fn convert_response(mut response: Map<String, Value>, produces: &[String]) -> Value {
    let mut out = Map::new();
    out.insert(
        "description".to_owned(),
        response.remove("description").unwrap_or_else(|| json!("")),
    );
    if let Some(Value::Object(headers)) = response.remove("headers") {
        let headers: Map<String, Value> = headers
            .into_iter()
            .map(|(name, header)| {
                let mut header = match header {
                    Value::Object(header) => header,
                    _ => Map::new(),
                };
                let description = header.remove("description");
                let schema = convert_schema(simple_schema(header));
                let mut h = Map::from_iter([("schema".to_owned(), schema)]);
                if let Some(d) = description {
                    h.insert("description".to_owned(), d);
                }
                (name, Value::Object(h))
            })
            .collect();
        out.insert("headers".to_owned(), Value::Object(headers));
    }
    let content: Map<String, Value> = match response.remove("schema") {
        Some(schema) => content(produces, &convert_schema(schema)),
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

/// The content of a body or response: one media type object with `schema` per media type. (A
/// copy, not `json!`, which would serialize the schema into a new value.)
fn content(media_types: &[String], schema: &Value) -> Map<String, Value> {
    media_types
        .iter()
        .map(|media| {
            let object = Map::from_iter([("schema".to_owned(), schema.clone())]);
            (media.clone(), Value::Object(object))
        })
        .collect()
}

/// Converts a Swagger 2.0 schema to OpenAPI 3.0, recursively.
fn convert_schema(mut schema: Value) -> Value {
    convert_in_place(&mut schema);
    schema
}

/// Converts a schema where it is: most of a schema stays as it is, so only what changes is
/// touched (the order of a schema's keywords means nothing; that of its properties is kept).
fn convert_in_place(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    if let Some(reference) = map.get_mut("$ref") {
        let target = reference.as_str().unwrap_or_default();
        *reference = json!(target.replace("#/definitions/", "#/components/schemas/"));
    }
    if let Some(nullable) = map.remove(NULLABLE) {
        map.insert("nullable".to_owned(), nullable);
    }
    if map.get("type").is_some_and(|t| t == "file") {
        map.insert("type".to_owned(), json!("string"));
        map.insert("format".to_owned(), json!("binary"));
    }
    match map.get_mut("properties") {
        Some(Value::Object(props)) => props.values_mut().for_each(convert_in_place),
        Some(other) => *other = Value::Object(Map::new()),
        None => {}
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = map.get_mut(key) {
            convert_in_place(inner);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        match map.get_mut(key) {
            Some(Value::Array(parts)) => parts.iter_mut().for_each(convert_in_place),
            Some(other) => *other = Value::Array(Vec::new()),
            None => {}
        }
    }
    // Swagger-only keywords with no OpenAPI 3 schema equivalent.
    for key in ["collectionFormat", "discriminator"] {
        if map.get(key).is_some_and(|v| !v.is_object()) {
            map.remove(key);
        }
    }
    // In OpenAPI 3 the siblings of `$ref` are ignored; wrapping the reference in `allOf` keeps
    // the description and nullability that Docker's spec puts beside it.
    if map.contains_key("$ref") && map.len() > 1 {
        let reference = map.remove("$ref").unwrap_or_default();
        map.insert("allOf".to_owned(), json!([{ "$ref": reference }]));
    }
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

fn into_object(value: Value, at: &str) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(Error::spec(
            at,
            format!("expected an object, found {other}"),
        )),
    }
}

/// Escapes a key for use in a JSON pointer (RFC 6901).
pub(crate) fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

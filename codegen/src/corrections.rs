//! Stage 3: apply the project's corrections to the (converted) upstream spec.
//!
//! Docker's spec is wrong in places. Each correction is data: where it applies, what it
//! changes, why, and the evidence. A correction whose target does not exist is an error, so a
//! correction never silently stops applying when upstream changes.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::normalize::escape_pointer;
use crate::recurring::Reading;
use crate::Error;

/// One correction to the upstream spec.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// Why the spec is wrong, in one line.
    pub reason: String,
    /// Where that was seen: an upstream issue, a saved engine response.
    pub evidence: String,
    /// First API version the correction applies to (inclusive), e.g. `"1.43"`.
    #[serde(default)]
    pub since: Option<String>,
    /// Last API version the correction applies to (inclusive).
    #[serde(default)]
    pub until: Option<String>,
    /// What to change.
    pub target: Target,
    /// A JSON merge patch (RFC 7396) applied to the target: `null` removes a key.
    #[serde(default)]
    pub merge: Option<Value>,
    /// Values appended to the target's `enum` (those already present are left alone).
    #[serde(default)]
    pub add_enum: Vec<Value>,
}

/// What a correction changes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// A component schema, by name.
    #[serde(default)]
    pub schema: Option<String>,
    /// A component schema the spec lacks, created (empty) for `merge` to fill. Generation fails
    /// when the spec has one of that name: bound such a correction with `until`.
    #[serde(default)]
    pub new_schema: Option<String>,
    /// A property path inside `schema`, dot separated (`State.Status`).
    #[serde(default)]
    pub property: Option<String>,
    /// Operations by operationId, or `"*"` for every operation that has `parameter`.
    #[serde(default)]
    pub operation: Option<OneOrMany>,
    /// A parameter of the operation(s), by name.
    #[serde(default)]
    pub parameter: Option<String>,
    /// A response of the operation, by status code.
    #[serde(default)]
    pub response: Option<String>,
    /// The request body of the operation.
    #[serde(default)]
    pub request_body: bool,
}

/// One string or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn names(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(one) => vec![one.as_str()],
            OneOrMany::Many(many) => many.iter().map(String::as_str).collect(),
        }
    }
}

/// Parses a corrections file (a YAML list of [`Correction`]).
pub fn parse(text: &str) -> Result<Vec<Correction>, Error> {
    serde_yaml::from_str(text).map_err(Error::Yaml)
}

/// Applies the corrections that cover the document's API version, in order, to the OpenAPI 3
/// document that normalisation made, and reads the corrected document into [`openapiv3`]'s
/// types.
pub fn apply(doc: Value, corrections: &[Correction]) -> Result<openapiv3::OpenAPI, Error> {
    typed(&correct(doc, corrections)?, "")
}

/// [`apply`] for one of several specs read with one [`Recurring`](crate::Recurring): a
/// component schema or path item whose corrected value an earlier spec had is not read into
/// its type again. (Reading into [`openapiv3`]'s types is most of the cost of this stage, and an
/// API version changes few of the schemas and paths of the one before it.)
pub(crate) fn apply_recurring(
    doc: Value,
    corrections: &[Correction],
    reading: &Reading<'_>,
) -> Result<openapiv3::OpenAPI, Error> {
    let mut doc = correct(doc, corrections)?;
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .map(std::mem::take);
    let paths = match doc.get_mut("paths").and_then(Value::as_object_mut) {
        Some(paths) => {
            let (items, rest): (Map<String, Value>, _) = std::mem::take(paths)
                .into_iter()
                .partition(|(path, _)| path.starts_with('/'));
            *paths = rest;
            items
        }
        None => Map::new(),
    };
    let mut openapi: openapiv3::OpenAPI = typed(&doc, "")?;
    drop(doc);
    if let (Some(schemas), Some(components)) = (schemas, openapi.components.as_mut()) {
        for (name, value) in schemas {
            let at = format!("components.schemas.{name}");
            let schema = reading.schema(&name, value, |value| typed(value, &at))?;
            components.schemas.insert(name, schema);
        }
    }
    for (path, value) in paths {
        let at = format!("paths.{path}");
        let item = reading.path(&path, value, |value| typed(value, &at))?;
        openapi.paths.paths.insert(path, item);
    }
    Ok(openapi)
}

/// Applies the corrections that cover the document's API version, in order.
fn correct(mut doc: Value, corrections: &[Correction]) -> Result<Value, Error> {
    let version = parse_version(doc["info"]["version"].as_str().unwrap_or_default());
    for (index, correction) in corrections.iter().enumerate() {
        let fail = |message: String| Error::Correction {
            index,
            reason: correction.reason.clone(),
            message,
        };
        if !covers(correction, version) {
            continue;
        }
        if let Some(name) = &correction.target.new_schema {
            create_schema(&mut doc, name).map_err(fail)?;
        }
        let pointers = resolve(&doc, &correction.target).map_err(fail)?;
        for pointer in pointers {
            let node = doc
                .pointer_mut(&pointer)
                .ok_or_else(|| fail(format!("nothing at {pointer}")))?;
            if let Some(patch) = &correction.merge {
                merge_patch(node, patch);
                if let Some(at) = reference_with_siblings(node, &pointer) {
                    return Err(fail(format!(
                        "leaves `$ref` beside other keys at {at}, which would be ignored; \
                         remove the reference with `$ref: null`"
                    )));
                }
            }
            if !correction.add_enum.is_empty() {
                let values = node
                    .as_object_mut()
                    .ok_or_else(|| fail(format!("{pointer} is not a schema")))?
                    .entry("enum")
                    .or_insert_with(|| Value::Array(Vec::new()));
                let values = values
                    .as_array_mut()
                    .ok_or_else(|| fail(format!("{pointer}/enum is not a list")))?;
                for value in &correction.add_enum {
                    if !values.contains(value) {
                        values.push(value.clone());
                    }
                }
            }
        }
    }
    Ok(doc)
}

/// A part of the corrected document (at `at`, empty for the whole) in [`openapiv3`]'s types.
/// Reading from a borrowed value is the fast way; only when that fails is it read again to say
/// where.
fn typed<T: DeserializeOwned>(value: &Value, at: &str) -> Result<T, Error> {
    T::deserialize(value).map_err(|_| {
        let error = serde_path_to_error::deserialize::<_, T>(value)
            .err()
            .map(|e| (e.path().to_string(), e.into_inner().to_string()));
        let (path, message) =
            error.unwrap_or_else(|| (String::new(), "not an OpenAPI 3 document".to_owned()));
        let path = match (at, path.as_str()) {
            (at, "" | ".") => at.to_owned(),
            ("", path) => path.to_owned(),
            (at, path) => format!("{at}.{path}"),
        };
        Error::spec(format!("(OpenAPI 3, corrected) {path}"), message)
    })
}

fn covers(correction: &Correction, version: (u32, u32)) -> bool {
    let since = correction.since.as_deref().map(parse_version);
    let until = correction.until.as_deref().map(parse_version);
    since.is_none_or(|since| version >= since) && until.is_none_or(|until| version <= until)
}

fn parse_version(text: &str) -> (u32, u32) {
    let mut parts = text.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Adds an empty component schema `name`, which must not exist yet.
fn create_schema(doc: &mut Value, name: &str) -> Result<(), String> {
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("the spec has no component schemas")?;
    if schemas.contains_key(name) {
        return Err(format!(
            "the spec has a schema {name} already; bound this correction with `until`"
        ));
    }
    schemas.insert(name.to_owned(), Value::Object(Map::new()));
    Ok(())
}

/// Finds the JSON pointers a target names. Every named thing must exist.
fn resolve(doc: &Value, target: &Target) -> Result<Vec<String>, String> {
    let schema = target.schema.as_ref().or(target.new_schema.as_ref());
    if target.schema.is_some() && target.new_schema.is_some() {
        return Err("a target names `schema` or `new_schema`, not both".to_owned());
    }
    match (schema, &target.operation) {
        (Some(schema), None) => {
            let mut pointer = format!("/components/schemas/{}", escape_pointer(schema));
            if doc.pointer(&pointer).is_none() {
                return Err(format!("no schema {schema}"));
            }
            for property in target.property.iter().flat_map(|p| p.split('.')) {
                pointer = property_pointer(doc, &pointer, property)
                    .ok_or_else(|| format!("no property {property} at {pointer}"))?;
            }
            Ok(vec![pointer])
        }
        (None, Some(operations)) => {
            let names = operations.names();
            let all = names == ["*"];
            let mut pointers = Vec::new();
            for (path, item) in doc["paths"].as_object().into_iter().flatten() {
                for (method, op) in item.as_object().into_iter().flatten() {
                    let id = op["operationId"].as_str().unwrap_or_default();
                    if !all && !names.contains(&id) {
                        continue;
                    }
                    let base = format!("/paths/{}/{method}", escape_pointer(path));
                    match operation_part(op, target) {
                        Some(part) => pointers.push(format!("{base}{part}")),
                        None if all => {}
                        None => return Err(format!("operation {id} has no such part")),
                    }
                }
            }
            let found = if all {
                !pointers.is_empty()
            } else {
                pointers.len() == names.len()
            };
            if !found {
                return Err(format!("no operation matches {names:?}"));
            }
            Ok(pointers)
        }
        _ => Err("a target names either a schema or an operation".to_owned()),
    }
}

fn operation_part(op: &Value, target: &Target) -> Option<String> {
    if let Some(name) = &target.parameter {
        let params = op["parameters"].as_array()?;
        let index = params.iter().position(|p| p["name"] == name.as_str())?;
        Some(format!("/parameters/{index}"))
    } else if let Some(code) = &target.response {
        op["responses"].get(code)?;
        Some(format!("/responses/{code}"))
    } else if target.request_body {
        op.get("requestBody")?;
        Some("/requestBody".to_owned())
    } else {
        Some(String::new())
    }
}

/// The pointer of `property` inside the schema at `pointer`: in its own properties, those of its
/// `allOf` parts, or those of the schema it references.
fn property_pointer(doc: &Value, pointer: &str, property: &str) -> Option<String> {
    let schema = doc.pointer(pointer)?;
    let key = escape_pointer(property);
    if schema["properties"].get(property).is_some() {
        return Some(format!("{pointer}/properties/{key}"));
    }
    if let Some(reference) = schema["$ref"].as_str() {
        return property_pointer(doc, reference.trim_start_matches('#'), property);
    }
    if schema.get("items").is_some() {
        return property_pointer(doc, &format!("{pointer}/items"), property);
    }
    let parts = schema["allOf"].as_array()?;
    (0..parts.len()).find_map(|i| property_pointer(doc, &format!("{pointer}/allOf/{i}"), property))
}

/// RFC 7396 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else { return };
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else {
            merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The first place under `value` where `$ref` stands beside other keys.
fn reference_with_siblings(value: &Value, at: &str) -> Option<String> {
    // (The pointer is spelled only for the node found, on the way back.)
    fn found(value: &Value) -> Option<Vec<String>> {
        match value {
            Value::Object(map) if map.contains_key("$ref") && map.len() > 1 => Some(Vec::new()),
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                let mut inner = found(v)?;
                inner.push(escape_pointer(k));
                Some(inner)
            }),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
                let mut inner = found(v)?;
                inner.push(i.to_string());
                Some(inner)
            }),
            _ => None,
        }
    }
    let steps = found(value)?;
    Some(
        steps
            .iter()
            .rev()
            .fold(at.to_owned(), |at, step| format!("{at}/{step}")),
    )
}

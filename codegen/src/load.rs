//! Stage 1: parse the spec's YAML text into a JSON value.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::Error;

/// Parses YAML text into a JSON value. Errors carry the line and column.
pub fn parse_yaml(text: &str) -> Result<serde_json::Value, Error> {
    serde_yaml::from_str(text).map_err(Error::Yaml)
}

/// Parses YAML text into a JSON value without the prose: descriptions, summaries, examples and
/// the Go generator's hints, which the history of the API does not need. Keys that are names
/// (of properties, definitions, paths, responses, headers) are kept whatever they are.
pub fn parse_yaml_lean(text: &str) -> Result<serde_json::Value, Error> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    Lean { names: false }
        .deserialize(deserializer)
        .map_err(Error::Yaml)
}

/// Keys left out by [`parse_yaml_lean`], where they are keywords.
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

/// Keywords whose value is a map keyed by names.
const NAME_MAPS: &[&str] = &[
    "properties",
    "definitions",
    "paths",
    "responses",
    "headers",
    "securityDefinitions",
];

/// Reads a value, leaving out [`PROSE`] keys unless the map being read is keyed by names.
#[derive(Clone, Copy)]
struct Lean {
    names: bool,
}

impl<'de> DeserializeSeed<'de> for Lean {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Lean {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Lean { names: false })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if !self.names && PROSE.contains(&key.as_str()) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let names = !self.names && NAME_MAPS.contains(&key.as_str());
            let value = map.next_value_seed(Lean { names })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lean_leaves_out_prose_but_not_names() {
        let text = r#"
info: { title: T, version: "1.99", description: gone }
definitions:
  description:
    type: object
    description: gone
    example: { a: 1 }
    properties:
      description: { type: string, description: gone }
      summary: { type: integer, x-nullable: true }
paths:
  /x:
    get:
      summary: gone
      responses:
        200: { description: gone }
"#;
        let lean = parse_yaml_lean(text).unwrap();
        let expected = serde_json::json!({
            "info": { "title": "T", "version": "1.99" },
            "definitions": {
                "description": {
                    "type": "object",
                    "properties": {
                        "description": { "type": "string" },
                        "summary": { "type": "integer", "x-nullable": true },
                    },
                },
            },
            "paths": { "/x": { "get": { "responses": { "200": {} } } } },
        });
        assert_eq!(lean, expected);
    }
}

//! Stage 1: parse the spec's YAML text into a JSON value.

use crate::Error;

/// Parses YAML text into a JSON value. Errors carry the line and column.
pub fn parse_yaml(text: &str) -> Result<serde_json::Value, Error> {
    serde_yaml::from_str(text).map_err(Error::Yaml)
}

//! The project's choices for requests that use something newer than the engine
//! (`spec/compat.yaml`): per parameter or body field, refuse, leave out, rename or fill in,
//! below an API version. The history stage checks each entry against the versions it read and
//! attaches those that apply to the target's operations; emission writes them into the
//! client's tables. Data, not code in the client.

use std::fmt;

use serde::Deserialize;

use crate::Error;

/// One entry of `spec/compat.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawEntry")]
pub struct CompatEntry {
    /// The operation, by id (`ImageList`).
    pub operation: String,
    pub item: EntryItem,
    /// The entry applies when the engine's API version is older than this (`"1.42"`).
    pub below: String,
    pub action: EntryAction,
    /// Why, in one line.
    pub reason: String,
    /// Where that was seen: Docker's Go client, the engine's source, a spec's text.
    pub evidence: String,
}

/// The item an entry is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryItem {
    /// A query parameter or header, by wire name.
    Parameter(String),
    /// A field of the JSON body, by its wire names from the body's root, dot separated
    /// (`HostConfig.ConsoleSize`); lists and maps on the way are passed through
    /// (`NetworkingConfig.EndpointsConfig.MacAddress`).
    Field(String),
}

impl EntryItem {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            EntryItem::Parameter(_) => "parameter",
            EntryItem::Field(_) => "body field",
        }
    }
}

impl fmt::Display for EntryItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryItem::Parameter(name) | EntryItem::Field(name) => write!(f, "`{name}`"),
        }
    }
}

/// What the client does with the item when the engine is older than `below`: in the file, one
/// of `refuse`, `drop`, `send`, `{ rename: NAME }`, `{ default: VALUE }`.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryAction {
    /// Fail with a typed error naming the item, and send nothing (what the history alone does
    /// for an item newer than the engine; an entry says it for an item the spec has earlier).
    Refuse,
    /// Send the request without the item.
    Drop,
    /// Send the item under this name, the one older API versions use.
    Rename(String),
    /// When the request leaves the field out, send it with this value.
    Default(serde_json::Value),
    /// Send the item as it is, newer than the engine or not.
    Send,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    operation: String,
    #[serde(default)]
    parameter: Option<String>,
    #[serde(default)]
    field: Option<String>,
    below: String,
    action: RawAction,
    reason: String,
    evidence: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAction {
    Word(String),
    Rename { rename: String },
    Default { default: serde_json::Value },
}

impl TryFrom<RawEntry> for CompatEntry {
    type Error = String;

    fn try_from(raw: RawEntry) -> Result<Self, String> {
        let item = match (raw.parameter, raw.field) {
            (Some(name), None) => EntryItem::Parameter(name),
            (None, Some(path)) if !path.split('.').any(str::is_empty) => EntryItem::Field(path),
            (None, Some(path)) => return Err(format!("field {path:?} has an empty part")),
            _ => {
                return Err(format!(
                    "the entry for {} names either a `parameter` or a `field`",
                    raw.operation
                ))
            }
        };
        let action = match raw.action {
            RawAction::Word(word) => match word.as_str() {
                "refuse" => EntryAction::Refuse,
                "drop" => EntryAction::Drop,
                "send" => EntryAction::Send,
                other => {
                    return Err(format!(
                        "unknown action {other:?}: refuse, drop, send, {{ rename: NAME }} or \
                         {{ default: VALUE }}"
                    ))
                }
            },
            RawAction::Rename { rename } => EntryAction::Rename(rename),
            RawAction::Default { default } => EntryAction::Default(default),
        };
        if let (EntryItem::Parameter(_), EntryAction::Default(_)) = (&item, &action) {
            return Err("`default` applies to body fields only".to_owned());
        }
        Ok(CompatEntry {
            operation: raw.operation,
            item,
            below: raw.below,
            action,
            reason: raw.reason,
            evidence: raw.evidence,
        })
    }
}

/// Parses a compat file (a YAML list of [`CompatEntry`]).
pub fn parse(text: &str) -> Result<Vec<CompatEntry>, Error> {
    serde_yaml::from_str(text).map_err(Error::Yaml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_action() {
        let entries = parse(
            r#"
- { operation: A, parameter: p, below: "1.42", action: drop, reason: r, evidence: e }
- { operation: A, parameter: q, below: "1.48", action: { rename: old-q }, reason: r, evidence: e }
- { operation: B, field: X.Y, below: "1.44", action: { default: true }, reason: r, evidence: e }
- { operation: B, field: Z, below: "1.44", action: refuse, reason: r, evidence: e }
- { operation: B, field: W, below: "1.44", action: send, reason: r, evidence: e }
"#,
        )
        .unwrap();
        assert_eq!(entries[0].action, EntryAction::Drop);
        assert_eq!(entries[1].action, EntryAction::Rename("old-q".to_owned()));
        assert_eq!(entries[2].item, EntryItem::Field("X.Y".to_owned()));
        assert_eq!(
            entries[2].action,
            EntryAction::Default(serde_json::Value::Bool(true))
        );
        assert_eq!(entries[3].action, EntryAction::Refuse);
        assert_eq!(entries[4].action, EntryAction::Send);
    }

    #[test]
    fn refuses_entries_without_one_item_or_with_unknown_keys() {
        for bad in [
            "- { operation: A, below: '1.42', action: drop, reason: r, evidence: e }",
            "- { operation: A, parameter: p, field: f, below: '1.42', action: drop, reason: r, evidence: e }",
            "- { operation: A, parameter: p, below: '1.42', action: drop, reason: r, evidence: e, extra: 1 }",
            "- { operation: A, parameter: p, below: '1.42', action: { default: 1 }, reason: r, evidence: e }",
            "- { operation: A, field: 'X..Y', below: '1.42', action: drop, reason: r, evidence: e }",
            "- { operation: A, parameter: p, below: '1.42', action: explode, reason: r, evidence: e }",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}

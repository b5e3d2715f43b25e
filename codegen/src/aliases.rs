//! The other names of operations (`spec/aliases.yaml`): docker CLI commands and common method
//! names, emitted as `#[doc(alias = ...)]` so that rustdoc's search finds an operation by them.
//!
//! Read as data and checked against the model: an operation id the spec does not have, a name
//! rustdoc would refuse, or a name equal to the method's own is an error, not a silent skip.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::ir::Api;

/// The table: operation id to its other names, in the file's order per operation.
pub type Aliases = BTreeMap<String, Vec<String>>;

/// Parses the YAML text of the table.
pub fn parse(text: &str) -> Result<Aliases, Error> {
    serde_yaml::from_str(text).map_err(|e| Error::Aliases {
        operation: String::new(),
        message: e.to_string(),
    })
}

/// Checks the table against the model and records it in [`Api::aliases`].
pub fn apply(api: &mut Api, aliases: &Aliases) -> Result<(), Error> {
    for (id, names) in aliases {
        let error = |message: String| Error::Aliases {
            operation: id.clone(),
            message,
        };
        let Some(op) = api.operations.iter().find(|op| &op.id == id) else {
            return Err(error(format!(
                "the spec of API v{} has no operation `{id}`",
                api.version
            )));
        };
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() || name.trim() != name {
                return Err(error(format!(
                    "{name:?}: a name may not be empty or start or end with a space"
                )));
            }
            if name
                .chars()
                .any(|c| c == '"' || c == '\'' || c.is_control())
            {
                return Err(error(format!(
                    "{name:?}: rustdoc refuses quotes and control characters in an alias"
                )));
            }
            if name == &op.name {
                return Err(error(format!("{name:?} is the method's own name")));
            }
            if names[..i].contains(name) {
                return Err(error(format!("{name:?} is listed twice")));
            }
        }
    }
    api.aliases = aliases.clone();
    Ok(())
}

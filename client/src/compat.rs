//! What an engine's API version can take: the check before sending.
//!
//! The generator learns the API's whole version history from every pinned spec and writes it
//! into the client as tables (`generated/history.rs`): the first API version of every operation,
//! parameter and request-body field that is newer than the oldest version the client knows,
//! and the project's choices of `spec/compat.yaml` for items that older engines take otherwise.
//! [`check`] reads a request against those tables for an engine's API version, and every
//! request a [`Docker`](crate::Docker) sends to an older engine goes through it:
//!
//! - an operation, parameter or body field newer than the engine makes it fail with
//!   [`Error::RequiresApiVersion`], naming the item, the version it needs and the engine's
//!   version (nothing is to be sent);
//! - fields left unset (absent, `null`, or an empty list or object) never count;
//! - where `spec/compat.yaml` says so, an item is left out, renamed or filled in instead: the
//!   [`Adjustment`]s to make before sending.
//!
//! ```
//! use docker_client::compat::check;
//! use docker_client::ApiVersion;
//! use serde_json::json;
//!
//! // A container's annotations are API 1.43+.
//! let body = json!({ "Image": "busybox", "HostConfig": { "Annotations": { "a": "b" } } });
//! let error = check("ContainerCreate", &[], Some(&body), ApiVersion::new(1, 42)).unwrap_err();
//! assert!(error.to_string().contains("`HostConfig.Annotations`"), "{error}");
//! // Left unset, they do not count.
//! let body = json!({ "Image": "busybox", "HostConfig": { "Annotations": null } });
//! assert!(check("ContainerCreate", &[], Some(&body), ApiVersion::new(1, 42)).is_ok());
//! ```

use serde_json::{Map, Value};

use crate::generated::history;
use crate::{ApiVersion, Error};

pub use crate::api_history::{
    Action, FieldHistory, Nested, OperationHistory, Rule, RuleItem, StructHistory,
};
pub use crate::version::{ApiItem, FieldPath, PathPart};

/// The tables [`check`] reads.
pub(crate) struct Tables {
    pub(crate) operations: &'static [OperationHistory],
    pub(crate) structs: &'static [StructHistory],
}

/// The generated tables.
const TABLES: Tables = Tables {
    operations: &history::OPERATIONS,
    structs: &history::STRUCTS,
};

/// The oldest API version the client knows the history from: the check knows nothing of what
/// changed before it.
pub const OLDEST_API_VERSION: ApiVersion = history::OLDEST;

/// A change to make to a request before sending it to an older engine, as `spec/compat.yaml`
/// chose.
#[derive(Debug, Clone, PartialEq)]
pub enum Adjustment {
    /// Leave out this query parameter or header.
    DropParam(&'static str),
    /// Send the query parameter or header `from` as `to`.
    RenameParam {
        /// The name the request uses.
        from: &'static str,
        /// The name sent.
        to: &'static str,
    },
    /// Leave out the body field at this path.
    DropField(FieldPath),
    /// Send the body field at `path` under the key `to`, beside it.
    RenameField {
        /// Where the field is.
        path: FieldPath,
        /// The key it is sent under.
        to: &'static str,
    },
    /// Set the body field at `path`, which the request leaves out, to `value`.
    SetField {
        /// Where the field goes.
        path: FieldPath,
        /// Its value.
        value: Value,
    },
}

/// Checks a request against the engine's API version: `operation` is the operation's id
/// (`ContainerCreate`, as in [`crate::OPERATIONS`]), `params` the wire names of the query
/// parameters and headers it sets, `body` its JSON body.
///
/// Returns the [`Adjustment`]s to make (none, mostly), or [`Error::RequiresApiVersion`] for the
/// first item the engine's version lacks: the operation, then the parameters in the order
/// given, then the body's fields, depth first.
pub fn check(
    operation: &str,
    params: &[&str],
    body: Option<&Value>,
    engine: ApiVersion,
) -> Result<Vec<Adjustment>, Error> {
    check_in(&TABLES, operation, params, body, engine)
}

/// The API version from which no request needs a [`check`]: the client's own, or the newest
/// version a rule of `spec/compat.yaml` applies below when that is newer (a rule may adjust
/// requests to engines of the client's own version).
pub(crate) fn checked_below() -> ApiVersion {
    static BELOW: std::sync::OnceLock<ApiVersion> = std::sync::OnceLock::new();
    *BELOW.get_or_init(|| {
        let rules = TABLES.operations.iter().flat_map(|op| op.rules);
        rules
            .map(|rule| rule.below)
            .fold(history::OWN, ApiVersion::max)
    })
}

/// Whether anything of the operation `operation` is newer than the oldest API version, or has a
/// rule: the others need no [`check`].
pub(crate) fn has_history(operation: &str) -> bool {
    TABLES
        .operations
        .binary_search_by(|op| op.id.cmp(operation))
        .is_ok()
}

/// Makes the body's adjustments (the others are about parameters).
pub fn adjust_body(adjustments: &[Adjustment], body: &mut Value) {
    for adjustment in adjustments {
        match adjustment {
            Adjustment::DropField(path) => {
                if let Some((parent, key)) = parent_of(body, path) {
                    parent.remove(key);
                }
            }
            Adjustment::RenameField { path, to } => {
                if let Some((parent, key)) = parent_of(body, path) {
                    if !parent.contains_key(*to) {
                        if let Some(value) = parent.remove(key) {
                            parent.insert((*to).to_owned(), value);
                        }
                    }
                }
            }
            Adjustment::SetField { path, value } => {
                if let Some((parent, key)) = parent_of(body, path) {
                    parent.insert(key.to_owned(), value.clone());
                }
            }
            Adjustment::DropParam(_) | Adjustment::RenameParam { .. } => {}
        }
    }
}

/// The object holding the last part of `path`, and that part's key.
fn parent_of<'v, 'p>(
    body: &'v mut Value,
    path: &'p FieldPath,
) -> Option<(&'v mut Map<String, Value>, &'p str)> {
    let (last, steps) = path.0.split_last()?;
    let mut at = body;
    for step in steps {
        at = match step {
            PathPart::Field(key) => at.get_mut(*key)?,
            PathPart::Key(key) => at.get_mut(key.as_str())?,
            PathPart::Index(i) => at.get_mut(*i)?,
        };
    }
    let key = match last {
        PathPart::Field(key) => *key,
        PathPart::Key(key) => key.as_str(),
        PathPart::Index(_) => return None,
    };
    Some((at.as_object_mut()?, key))
}

pub(crate) fn check_in(
    tables: &Tables,
    operation: &str,
    params: &[&str],
    body: Option<&Value>,
    engine: ApiVersion,
) -> Result<Vec<Adjustment>, Error> {
    let Ok(at) = tables
        .operations
        .binary_search_by(|op| op.id.cmp(operation))
    else {
        return Ok(Vec::new());
    };
    let op = &tables.operations[at];
    let too_new = |item: ApiItem, required: ApiVersion| Error::RequiresApiVersion {
        item,
        required,
        engine,
    };
    // (An operation as old as the history itself may be older still: an engine older than
    // the history is not refused it.)
    if op.since > engine && op.since > history::OLDEST {
        return Err(too_new(ApiItem::Operation(op.id), op.since));
    }
    let mut adjustments = Vec::new();
    for name in params {
        let rule = op.rules.iter().find(|rule| {
            rule.below > engine && matches!(rule.item, RuleItem::Param(p) if p == *name)
        });
        if let Some(Rule {
            item: RuleItem::Param(name),
            below,
            action,
        }) = rule
        {
            match action {
                Action::Refuse => {
                    let item = ApiItem::Parameter {
                        operation: op.id,
                        name,
                    };
                    return Err(too_new(item, *below));
                }
                Action::Drop => adjustments.push(Adjustment::DropParam(name)),
                Action::Rename(to) => {
                    adjustments.push(Adjustment::RenameParam { from: name, to });
                }
                Action::Default(_) | Action::Send => {}
            }
            continue;
        }
        if let Some(&(name, since)) = op.params.iter().find(|(wire, _)| wire == name) {
            if since > engine {
                let item = ApiItem::Parameter {
                    operation: op.id,
                    name,
                };
                return Err(too_new(item, since));
            }
        }
    }
    if let Some(body) = body {
        if let Some(root) = op.body {
            let mut walk = Walk {
                tables,
                op,
                engine,
                path: Vec::new(),
                adjustments: &mut adjustments,
            };
            walk.value(body, root)?;
        }
        for rule in op.rules.iter().filter(|rule| rule.below > engine) {
            if let (RuleItem::Field(path), Action::Default(json)) = (&rule.item, &rule.action) {
                if let Some(adjustment) = default_field(body, path, json) {
                    adjustments.push(adjustment);
                }
            }
        }
    }
    Ok(adjustments)
}

/// The field a default rule sets, when the body has the field's parent and not the field.
fn default_field(body: &Value, path: &'static str, json: &'static str) -> Option<Adjustment> {
    let mut at = body;
    let mut parts = Vec::new();
    let mut steps = path.split('.').peekable();
    while let Some(step) = steps.next() {
        parts.push(PathPart::Field(step));
        if steps.peek().is_none() {
            let parent = at.as_object()?;
            if parent.get(step).is_some_and(|v| !v.is_null()) {
                return None;
            }
            let value = serde_json::from_str(json).ok()?;
            return Some(Adjustment::SetField {
                path: FieldPath(parts),
                value,
            });
        }
        at = at.get(step)?;
    }
    None
}

/// A walk of a body against the struct tables.
struct Walk<'a, 'o> {
    tables: &'a Tables,
    op: &'static OperationHistory,
    engine: ApiVersion,
    /// Where the walk is, from the root.
    path: Vec<PathPart>,
    adjustments: &'o mut Vec<Adjustment>,
}

impl Walk<'_, '_> {
    fn value(&mut self, value: &Value, nested: Nested) -> Result<(), Error> {
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.path.push(PathPart::Index(i));
                    self.value(item, nested)?;
                    self.path.pop();
                }
            }
            Value::Object(map) if nested.maps > 0 => {
                let inner = Nested {
                    maps: nested.maps - 1,
                    ..nested
                };
                for (key, item) in map {
                    self.path.push(PathPart::Key(key.clone()));
                    self.value(item, inner)?;
                    self.path.pop();
                }
            }
            Value::Object(map) => {
                let Some(def) = self.tables.structs.get(usize::from(nested.index)) else {
                    return Ok(());
                };
                for field in def.fields {
                    let Some(item) = map.get(field.wire).filter(|v| !unset(v)) else {
                        continue;
                    };
                    self.path.push(PathPart::Field(field.wire));
                    let descend = self.field(field)?;
                    if let (true, Some(nested)) = (descend, field.nested) {
                        self.value(item, nested)?;
                    }
                    self.path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks the set field at the end of `path`; whether to look inside it.
    fn field(&mut self, field: &FieldHistory) -> Result<bool, Error> {
        let rule = self.op.rules.iter().find(|rule| {
            rule.below > self.engine && matches!(rule.item, RuleItem::Field(p) if self.is_at(p))
        });
        if let Some(rule) = rule {
            return match rule.action {
                Action::Refuse => Err(self.too_new(rule.below)),
                Action::Drop => {
                    let path = FieldPath(self.path.clone());
                    self.adjustments.push(Adjustment::DropField(path));
                    Ok(false)
                }
                Action::Rename(to) => {
                    let path = FieldPath(self.path.clone());
                    self.adjustments.push(Adjustment::RenameField { path, to });
                    Ok(true)
                }
                Action::Send | Action::Default(_) => Ok(true),
            };
        }
        if field.since > self.engine {
            return Err(self.too_new(field.since));
        }
        Ok(true)
    }

    /// Whether the walk is at the field a rule names by wire names (map keys and list indices
    /// on the way do not count).
    fn is_at(&self, dotted: &str) -> bool {
        let fields = self.path.iter().filter_map(|part| match part {
            PathPart::Field(name) => Some(*name),
            _ => None,
        });
        dotted.split('.').eq(fields)
    }

    fn too_new(&self, required: ApiVersion) -> Error {
        Error::RequiresApiVersion {
            item: ApiItem::BodyField {
                operation: self.op.id,
                path: FieldPath(self.path.clone()),
            },
            required,
            engine: self.engine,
        }
    }
}

/// A value that says nothing: `null`, `[]` or `{}` (what an unset list or map of the models
/// serializes to).
fn unset(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const V41: ApiVersion = ApiVersion::new(1, 41);
    const V42: ApiVersion = ApiVersion::new(1, 42);
    const V44: ApiVersion = ApiVersion::new(1, 44);
    const V48: ApiVersion = ApiVersion::new(1, 48);

    /// A small history: `Create` has a newer query parameter, a body whose `Host` struct has a
    /// newer field, a list of `Mount`s, and a map of `Endpoint`s; `Update` is newer itself;
    /// `Prune` renames a parameter; rules of each kind.
    static OPERATIONS: [OperationHistory; 4] = [
        OperationHistory {
            id: "Create",
            since: V41,
            params: &[("platform", V44), ("size", V42)],
            body: Some(Nested { index: 0, maps: 0 }),
            rules: &[
                Rule {
                    item: RuleItem::Param("size"),
                    below: V42,
                    action: Action::Drop,
                },
                Rule {
                    item: RuleItem::Field("Host.Mounts.ReadOnlyLite"),
                    below: V44,
                    action: Action::Drop,
                },
                Rule {
                    item: RuleItem::Field("Endpoints.Mac"),
                    below: V44,
                    action: Action::Refuse,
                },
                Rule {
                    item: RuleItem::Field("Host.Console"),
                    below: V42,
                    action: Action::Send,
                },
                Rule {
                    item: RuleItem::Field("Unique"),
                    below: V44,
                    action: Action::Default("true"),
                },
            ],
        },
        OperationHistory {
            id: "Exec",
            since: V41,
            params: &[],
            body: Some(Nested { index: 2, maps: 0 }),
            rules: &[],
        },
        OperationHistory {
            id: "Prune",
            since: V41,
            params: &[("reserved", V48)],
            body: None,
            rules: &[Rule {
                item: RuleItem::Param("reserved"),
                below: V48,
                action: Action::Rename("keep"),
            }],
        },
        OperationHistory {
            id: "Update",
            since: V42,
            params: &[],
            body: None,
            rules: &[],
        },
    ];

    static STRUCTS: [StructHistory; 4] = [
        StructHistory {
            name: "CreateBody",
            fields: &[
                FieldHistory {
                    wire: "Host",
                    since: V41,
                    nested: Some(Nested { index: 1, maps: 0 }),
                },
                FieldHistory {
                    wire: "Endpoints",
                    since: V41,
                    nested: Some(Nested { index: 3, maps: 1 }),
                },
            ],
        },
        StructHistory {
            name: "Host",
            fields: &[
                FieldHistory {
                    wire: "Memory",
                    since: V44,
                    nested: None,
                },
                FieldHistory {
                    wire: "Console",
                    since: V42,
                    nested: None,
                },
                FieldHistory {
                    wire: "Mounts",
                    since: V41,
                    nested: Some(Nested { index: 2, maps: 0 }),
                },
            ],
        },
        StructHistory {
            name: "Mount",
            fields: &[
                FieldHistory {
                    wire: "ReadOnlyLite",
                    since: V44,
                    nested: None,
                },
                FieldHistory {
                    wire: "ReadOnlyForce",
                    since: V44,
                    nested: None,
                },
            ],
        },
        StructHistory {
            name: "Endpoint",
            fields: &[FieldHistory {
                wire: "Mac",
                since: V41,
                nested: None,
            }],
        },
    ];

    const TEST: Tables = Tables {
        operations: &OPERATIONS,
        structs: &STRUCTS,
    };

    fn check(
        operation: &str,
        params: &[&str],
        body: Option<&Value>,
        engine: ApiVersion,
    ) -> Result<Vec<Adjustment>, Error> {
        check_in(&TEST, operation, params, body, engine)
    }

    fn refusal(result: Result<Vec<Adjustment>, Error>) -> (ApiItem, ApiVersion, ApiVersion) {
        match result {
            Err(Error::RequiresApiVersion {
                item,
                required,
                engine,
            }) => (item, required, engine),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn path(parts: &[PathPart]) -> FieldPath {
        FieldPath(parts.to_vec())
    }

    #[test]
    fn a_newer_operation_is_refused_with_its_version() {
        let (item, required, engine) = refusal(check("Update", &[], None, V41));
        assert_eq!(item, ApiItem::Operation("Update"));
        assert_eq!((required, engine), (V42, V41));
        assert_eq!(check("Update", &[], None, V42).unwrap(), vec![]);
    }

    #[test]
    fn operations_without_history_pass() {
        assert_eq!(
            check("Ping", &["x"], Some(&json!({"a": 1})), V41).unwrap(),
            vec![]
        );
    }

    #[test]
    fn a_newer_parameter_is_refused_only_when_set() {
        let (item, required, _) = refusal(check("Create", &["name", "platform"], None, V42));
        assert_eq!(
            item,
            ApiItem::Parameter {
                operation: "Create",
                name: "platform"
            }
        );
        assert_eq!(required, V44);
        assert_eq!(check("Create", &["name"], None, V42).unwrap(), vec![]);
        assert_eq!(check("Create", &["platform"], None, V44).unwrap(), vec![]);
    }

    #[test]
    fn a_newer_body_field_is_refused_with_its_path() {
        let body = json!({ "Host": { "Memory": 1024 } });
        let (item, required, engine) = refusal(check("Create", &[], Some(&body), V42));
        assert_eq!(
            item,
            ApiItem::BodyField {
                operation: "Create",
                path: path(&[PathPart::Field("Host"), PathPart::Field("Memory")]),
            }
        );
        assert_eq!((required, engine), (V44, V42));
        let error = check("Create", &[], Some(&body), V42).unwrap_err();
        assert_eq!(
            error.to_string(),
            "body field `Host.Memory` of `Create` requires API version 1.44, but the engine's \
             API version is 1.42; the request was not sent"
        );
        assert_eq!(check("Create", &[], Some(&body), V44).unwrap(), vec![]);
    }

    #[test]
    fn unset_fields_never_count() {
        for body in [
            json!({ "Host": { "Memory": null } }),
            json!({ "Host": { "Mounts": [] } }),
            json!({ "Host": { "Mounts": [{ "ReadOnlyForce": null }] } }),
            json!({ "Host": {}, "Other": { "Memory": 1 } }),
            json!({ "Host": null }),
        ] {
            assert_eq!(
                check("Create", &[], Some(&body), V41).unwrap(),
                vec![Adjustment::SetField {
                    path: path(&[PathPart::Field("Unique")]),
                    value: json!(true),
                }],
                "{body}"
            );
        }
    }

    #[test]
    fn lists_and_maps_are_walked_and_named_in_the_path() {
        let body = json!({ "Host": { "Mounts": [{}, { "ReadOnlyForce": true }] } });
        let (item, _, _) = refusal(check("Create", &[], Some(&body), V41));
        let ApiItem::BodyField { path, .. } = item else {
            panic!("{item:?}")
        };
        assert_eq!(path.to_string(), "Host.Mounts[1].ReadOnlyForce");

        let body = json!({ "Endpoints": { "front": {}, "back": { "Mac": "02:42:ac:11:00:02" } } });
        let (item, required, _) = refusal(check("Create", &[], Some(&body), V42));
        let ApiItem::BodyField { path, .. } = item else {
            panic!("{item:?}")
        };
        assert_eq!(path.to_string(), r#"Endpoints["back"].Mac"#);
        assert_eq!(required, V44, "the rule's version, not the field's");
        assert!(check("Create", &[], Some(&body), V44).unwrap().is_empty());
    }

    #[test]
    fn the_operation_comes_first_then_parameters_then_the_body() {
        let body = json!({ "Host": { "Memory": 1 } });
        let (item, _, _) = refusal(check("Create", &["platform"], Some(&body), V41));
        assert!(matches!(item, ApiItem::Parameter { .. }), "{item:?}");
    }

    #[test]
    fn rules_drop_rename_send_and_fill_in() {
        // A dropped parameter, and a body field sent although newer.
        let body = json!({ "Host": { "Console": [24, 80] }, "Unique": false });
        let adjustments = check("Create", &["size"], Some(&body), V41).unwrap();
        assert_eq!(adjustments, vec![Adjustment::DropParam("size")]);
        assert!(check("Create", &["size"], Some(&body), V42)
            .unwrap()
            .is_empty());

        // A renamed parameter.
        let adjustments = check("Prune", &["reserved"], None, V44).unwrap();
        assert_eq!(
            adjustments,
            vec![Adjustment::RenameParam {
                from: "reserved",
                to: "keep"
            }]
        );
        assert!(check("Prune", &["reserved"], None, V48).unwrap().is_empty());

        // A dropped body field inside a list.
        let mut body = json!({ "Host": { "Mounts": [{ "ReadOnlyLite": true }] }, "Unique": true });
        let adjustments = check("Create", &[], Some(&body), V42).unwrap();
        let dropped = path(&[
            PathPart::Field("Host"),
            PathPart::Field("Mounts"),
            PathPart::Index(0),
            PathPart::Field("ReadOnlyLite"),
        ]);
        assert_eq!(adjustments, vec![Adjustment::DropField(dropped)]);
        adjust_body(&adjustments, &mut body);
        assert_eq!(body, json!({ "Host": { "Mounts": [{}] }, "Unique": true }));

        // A field filled in when left out, for older engines only.
        let mut body = json!({ "Name": "n" });
        let adjustments = check("Create", &[], Some(&body), V42).unwrap();
        adjust_body(&adjustments, &mut body);
        assert_eq!(body, json!({ "Name": "n", "Unique": true }));
        assert!(check("Create", &[], Some(&body), V44).unwrap().is_empty());
    }

    #[test]
    fn renamed_body_fields_move_beside() {
        let mut body = json!({ "Host": { "Old": 1, "New": 2 } });
        let path = path(&[PathPart::Field("Host"), PathPart::Field("New")]);
        adjust_body(
            &[Adjustment::RenameField {
                path: path.clone(),
                to: "Renamed",
            }],
            &mut body,
        );
        assert_eq!(body, json!({ "Host": { "Old": 1, "Renamed": 2 } }));
        // A path that is not there changes nothing.
        let mut body = json!([1, 2]);
        adjust_body(&[Adjustment::DropField(path)], &mut body);
        assert_eq!(body, json!([1, 2]));
    }

    #[test]
    fn a_body_that_is_a_list_of_structs_is_walked() {
        let body = json!([{ "ReadOnlyForce": true }]);
        let (item, _, _) = refusal(check("Exec", &[], Some(&body), V41));
        assert_eq!(item.to_string(), "body field `[0].ReadOnlyForce` of `Exec`");
    }

    /// The generated tables, through the public [`super::check`], for items and choices that
    /// hold for every target from 1.43 on (the tests run at the default target).
    #[test]
    fn the_generated_tables_refuse_drop_and_fill_in_as_the_spec_and_compat_yaml_say() {
        use super::check;
        let (item, required, engine) = refusal(check("VolumeUpdate", &[], None, V41));
        assert_eq!(item, ApiItem::Operation("VolumeUpdate"));
        assert_eq!((required, engine), (V42, V41));

        let (item, required, _) = refusal(check("ContainerStop", &["t", "signal"], None, V41));
        assert_eq!(item.to_string(), "parameter `signal` of `ContainerStop`");
        assert_eq!(required, V42);
        assert!(check("ContainerStop", &["t"], None, V41)
            .unwrap()
            .is_empty());

        let adjustments = check("ImageList", &["all", "shared-size"], None, V41).unwrap();
        assert_eq!(adjustments, vec![Adjustment::DropParam("shared-size")]);

        let body = json!({ "Image": "busybox", "HostConfig": { "Annotations": { "a": "b" } } });
        let (item, required, _) = refusal(check("ContainerCreate", &[], Some(&body), V42));
        assert_eq!(
            item.to_string(),
            "body field `HostConfig.Annotations` of `ContainerCreate`"
        );
        assert_eq!(required, ApiVersion::new(1, 43));

        let body = json!({
            "Image": "busybox",
            "NetworkingConfig": { "EndpointsConfig": { "net": { "MacAddress": "02:42:ac:11:00:02" } } },
        });
        let (item, required, _) = refusal(check("ContainerCreate", &[], Some(&body), V42));
        assert_eq!(
            item.to_string(),
            r#"body field `NetworkingConfig.EndpointsConfig["net"].MacAddress` of `ContainerCreate`"#
        );
        assert_eq!(required, V44);

        let mut body = json!({ "Name": "net" });
        let adjustments = check("NetworkCreate", &[], Some(&body), V42).unwrap();
        adjust_body(&adjustments, &mut body);
        assert_eq!(body, json!({ "Name": "net", "CheckDuplicate": true }));

        let mut body = json!({ "Cmd": ["sh"], "ConsoleSize": [24, 80] });
        let adjustments = check("ContainerExec", &[], Some(&body), V41).unwrap();
        adjust_body(&adjustments, &mut body);
        assert_eq!(body, json!({ "Cmd": ["sh"] }));
        assert!(check("ContainerExec", &[], Some(&body), V42)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn the_generated_tables_are_sorted_and_consistent() {
        let ops = TABLES.operations;
        assert!(ops.windows(2).all(|w| w[0].id < w[1].id), "sorted by id");
        let n = TABLES.structs.len();
        let nested = ops.iter().filter_map(|op| op.body).chain(
            TABLES
                .structs
                .iter()
                .flat_map(|s| s.fields.iter().filter_map(|f| f.nested)),
        );
        for link in nested {
            assert!(usize::from(link.index) < n);
        }
        for op in ops {
            assert!(crate::OPERATIONS.iter().any(|o| o.id == op.id), "{}", op.id);
            for (_, since) in op.params {
                assert!(*since > OLDEST_API_VERSION);
            }
        }
    }
}

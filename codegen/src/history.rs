//! Stage 5: the version history.
//!
//! Every pinned API version older than the target goes through the same stages up to the model
//! (normalised, and corrected with the corrections that apply to that version), and is then
//! reduced to its [`Shape`]: operations, parameters and types without prose. From those shapes
//! this stage finds, for every operation, parameter and field of the target's model, the first
//! version from which it is present without a break up to the target, and writes it into the
//! model's `since`. It also decides which required fields become optional (older engines leave
//! them out) and attaches the project's per-item choices of `spec/compat.yaml`.
//!
//! Types are matched from one version to the next structurally, not only by name: by the same
//! name, else as the type reached from the same operation's body, response or parameter, or
//! from the same field of types already matched. So a definition that is renamed, or an inline
//! type whose generated name changes, keeps its history.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;

use crate::compat::{CompatEntry, EntryAction, EntryItem};
use crate::ir::{
    Api, BodyKind, CompatAction, CompatItem, CompatRule, IntKind, Location, Presence, Response,
    TypeKind, TypeRef,
};
use crate::version::Version;
use crate::Error;

/// What the history needs of one API version: its operations, parameters and types, without
/// prose.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub version: Version,
    /// In the spec's order.
    pub operations: Vec<OperationShape>,
    /// The model's structs, enums and aliases by name.
    pub types: BTreeMap<String, TypeShape>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OperationShape {
    pub id: String,
    pub method: String,
    pub path: String,
    pub params: Vec<ParamShape>,
    /// The type of a JSON body.
    pub body: Option<TypeRef>,
    /// The type of a JSON response, or of the items of a stream of them.
    pub response: Option<TypeRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamShape {
    pub location: Location,
    pub wire: String,
    pub ty: TypeRef,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeShape {
    Struct(Vec<FieldShape>),
    Enum(Vec<String>),
    Alias(TypeRef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldShape {
    pub wire: String,
    pub ty: TypeRef,
    pub required: bool,
}

impl Shape {
    /// The shape of a model.
    pub fn of(api: &Api) -> Shape {
        let version = api.number;
        let operations = api
            .operations
            .iter()
            .map(|op| OperationShape {
                id: op.id.clone(),
                method: op.method.clone(),
                path: op.path.clone(),
                params: op
                    .params
                    .iter()
                    .map(|p| ParamShape {
                        location: p.location,
                        wire: p.wire.clone(),
                        ty: p.ty.clone(),
                        required: p.required,
                    })
                    .collect(),
                body: match op.body.as_ref().map(|b| &b.kind) {
                    Some(BodyKind::Json(ty)) => Some(ty.clone()),
                    _ => None,
                },
                response: json_response(&op.response).cloned(),
            })
            .collect();
        let types = api
            .types
            .values()
            .filter_map(|def| {
                let shape = match &def.kind {
                    TypeKind::Struct(fields) => TypeShape::Struct(
                        fields
                            .iter()
                            .map(|f| FieldShape {
                                wire: f.wire.clone(),
                                ty: f.ty.clone(),
                                required: !matches!(
                                    f.presence,
                                    Presence::Optional | Presence::RequiredFrom(_)
                                ),
                            })
                            .collect(),
                    ),
                    TypeKind::Enum { variants, .. } => {
                        TypeShape::Enum(variants.iter().map(|v| v.wire.clone()).collect())
                    }
                    TypeKind::Alias(ty) => TypeShape::Alias(ty.clone()),
                    TypeKind::Options { .. } | TypeKind::Headers { .. } => return None,
                };
                Some((def.name.clone(), shape))
            })
            .collect();
        Shape {
            version,
            operations,
            types,
        }
    }

    fn operation(&self, id: &str) -> Option<&OperationShape> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The type behind aliases.
    fn resolve<'a>(&'a self, mut ty: &'a TypeRef) -> &'a TypeRef {
        for _ in 0..8 {
            match ty {
                TypeRef::Named(name) => match self.types.get(name) {
                    Some(TypeShape::Alias(target)) => ty = target,
                    _ => return ty,
                },
                TypeRef::Nullable(inner) => ty = inner,
                _ => return ty,
            }
        }
        ty
    }

    /// The struct a type is or holds (through lists, maps and aliases), with its fields.
    fn struct_of<'a>(&'a self, ty: &'a TypeRef) -> Option<(&'a str, &'a [FieldShape])> {
        match self.resolve(ty) {
            TypeRef::Named(name) => match self.types.get(name) {
                Some(TypeShape::Struct(fields)) => Some((name, fields)),
                _ => None,
            },
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => {
                self.struct_of(inner)
            }
            _ => None,
        }
    }
}

/// The JSON type of a response, if it has one.
fn json_response(response: &Response) -> Option<&TypeRef> {
    match response {
        Response::Json(ty) | Response::JsonOrEmpty(ty) | Response::JsonLines(ty) => Some(ty),
        Response::WithHeaders { body, .. } => json_response(body),
        _ => None,
    }
}

/// Finds an operation of `shape` that is `op` of another version: by id, else by method and
/// path (path parameters' names aside).
struct OperationIndex<'a> {
    by_id: HashMap<&'a str, usize>,
    by_route: HashMap<(&'a str, String), usize>,
}

impl<'a> OperationIndex<'a> {
    fn new(shape: &'a Shape) -> Self {
        let mut index = OperationIndex {
            by_id: HashMap::new(),
            by_route: HashMap::new(),
        };
        for (i, op) in shape.operations.iter().enumerate() {
            index.by_id.insert(&op.id, i);
            index
                .by_route
                .insert((op.method.as_str(), route(&op.path)), i);
        }
        index
    }

    fn find(&self, op: &OperationShape) -> Option<usize> {
        self.by_id
            .get(op.id.as_str())
            .or_else(|| self.by_route.get(&(op.method.as_str(), route(&op.path))))
            .copied()
    }
}

/// A path template with its parameters' names left out: `/containers/{}/json`.
fn route(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

fn same_param(a: &ParamShape, b: &ParamShape) -> bool {
    a.location == b.location
        && match a.location {
            Location::Header => a.wire.eq_ignore_ascii_case(&b.wire),
            _ => a.wire == b.wire,
        }
}

/// Pairs the types of `newer` with the types of `older` that are the same type: first those of
/// the same name, then those reached from the same operation's body, response and parameters,
/// then, from every pair, those reached from the same fields. A type keeps its first pair.
fn pair_types<'a>(newer: &'a Shape, older: &'a Shape) -> BTreeMap<&'a str, &'a str> {
    let mut pairs: BTreeMap<&'a str, &'a str> = BTreeMap::new();
    let mut queue: VecDeque<(&'a str, &'a str)> = VecDeque::new();
    for name in newer.types.keys() {
        if let Some((old, _)) = older.types.get_key_value(name) {
            pairs.insert(name, old);
            queue.push_back((name, old));
        }
    }
    let index = OperationIndex::new(older);
    let unify = |a: &'a TypeRef,
                 b: &'a TypeRef,
                 pairs: &mut BTreeMap<&'a str, &'a str>,
                 queue: &mut VecDeque<(&'a str, &'a str)>| {
        unify_types(newer, older, a, b, pairs, queue);
    };
    for op in &newer.operations {
        let Some(i) = index.find(op) else { continue };
        let old = &older.operations[i];
        if let (Some(a), Some(b)) = (&op.body, &old.body) {
            unify(a, b, &mut pairs, &mut queue);
        }
        if let (Some(a), Some(b)) = (&op.response, &old.response) {
            unify(a, b, &mut pairs, &mut queue);
        }
        for param in &op.params {
            if let Some(old_param) = old.params.iter().find(|p| same_param(param, p)) {
                unify(&param.ty, &old_param.ty, &mut pairs, &mut queue);
            }
        }
    }
    while let Some((a, b)) = queue.pop_front() {
        match (&newer.types[a], &older.types[b]) {
            (TypeShape::Struct(new_fields), TypeShape::Struct(old_fields)) => {
                for field in new_fields {
                    if let Some(old) = old_fields.iter().find(|f| f.wire == field.wire) {
                        unify(&field.ty, &old.ty, &mut pairs, &mut queue);
                    }
                }
            }
            (TypeShape::Alias(x), TypeShape::Alias(y)) => unify(x, y, &mut pairs, &mut queue),
            _ => {}
        }
    }
    pairs
}

fn unify_types<'a>(
    newer: &'a Shape,
    older: &'a Shape,
    a: &'a TypeRef,
    b: &'a TypeRef,
    pairs: &mut BTreeMap<&'a str, &'a str>,
    queue: &mut VecDeque<(&'a str, &'a str)>,
) {
    match (a, b) {
        (TypeRef::Nullable(a), _) => unify_types(newer, older, a, b, pairs, queue),
        (_, TypeRef::Nullable(b)) => unify_types(newer, older, a, b, pairs, queue),
        (TypeRef::Named(x), TypeRef::Named(y)) => {
            let known = newer.types.contains_key(x) && older.types.contains_key(y);
            if known && !pairs.contains_key(x.as_str()) {
                pairs.insert(x, y);
                queue.push_back((x, y));
            }
        }
        (TypeRef::Vec(x), TypeRef::Vec(y)) | (TypeRef::Map(x), TypeRef::Map(y)) => {
            unify_types(newer, older, x, y, pairs, queue)
        }
        // A list or map on one side and an alias of one on the other.
        (TypeRef::Named(_), _) | (_, TypeRef::Named(_)) => {
            let (ra, rb) = (newer.resolve(a), older.resolve(b));
            if !std::ptr::eq(ra, a) || !std::ptr::eq(rb, b) {
                unify_types(newer, older, ra, rb, pairs, queue);
            }
        }
        _ => {}
    }
}

/// The first version of each item of the target, in the target shape's order: operations,
/// their parameters, types (as `Shape::types` lists them) and their fields.
#[derive(Debug, Default)]
struct Since {
    operations: Vec<Version>,
    params: Vec<Vec<Version>>,
    types: Vec<Version>,
    fields: Vec<Vec<Version>>,
}

/// Follows every item of `target` back through `older` (newest first) while it is present.
fn trace(target: &Shape, older: &[&Shape]) -> Since {
    let v = target.version;
    let mut since = Since {
        operations: vec![v; target.operations.len()],
        params: target
            .operations
            .iter()
            .map(|op| vec![v; op.params.len()])
            .collect(),
        types: vec![v; target.types.len()],
        fields: target
            .types
            .values()
            .map(|shape| match shape {
                TypeShape::Struct(fields) => vec![v; fields.len()],
                _ => Vec::new(),
            })
            .collect(),
    };
    // The living items: the target's index, and where each is in the version looked at last.
    let mut ops: Vec<(usize, usize)> = (0..target.operations.len()).map(|i| (i, i)).collect();
    let mut params: Vec<(usize, usize)> = target
        .operations
        .iter()
        .enumerate()
        .flat_map(|(o, op)| (0..op.params.len()).map(move |p| (o, p)))
        .collect();
    let mut types: Vec<(usize, &str)> = target
        .types
        .keys()
        .enumerate()
        .map(|(i, name)| (i, name.as_str()))
        .collect();
    let mut fields: Vec<(usize, usize, &str)> = target
        .types
        .values()
        .enumerate()
        .flat_map(|(t, shape)| match shape {
            TypeShape::Struct(list) => list
                .iter()
                .enumerate()
                .map(|(f, field)| (t, f, field.wire.as_str()))
                .collect(),
            _ => Vec::new(),
        })
        .collect();

    let mut current = target;
    for &old in older {
        let index = OperationIndex::new(old);
        // Where each living operation is in `old`, by the target's index.
        let mut at: Vec<Option<usize>> = vec![None; target.operations.len()];
        ops.retain_mut(|(o, here)| match index.find(&current.operations[*here]) {
            Some(there) => {
                *here = there;
                at[*o] = Some(there);
                since.operations[*o] = old.version;
                true
            }
            None => false,
        });
        params.retain(|&(o, p)| {
            let Some(there) = at[o] else { return false };
            let param = &target.operations[o].params[p];
            let found = old.operations[there]
                .params
                .iter()
                .any(|q| same_param(param, q));
            if found {
                since.params[o][p] = old.version;
            }
            found
        });
        let pairs = pair_types(current, old);
        let mut named: Vec<Option<&str>> = vec![None; target.types.len()];
        types.retain_mut(|(t, here)| match pairs.get(here) {
            Some(&there) => {
                *here = there;
                named[*t] = Some(there);
                since.types[*t] = old.version;
                true
            }
            None => false,
        });
        fields.retain(|&(t, f, wire)| {
            let found = named[t].is_some_and(|there| {
                matches!(old.types.get(there), Some(TypeShape::Struct(list))
                    if list.iter().any(|field| field.wire == wire))
            });
            if found {
                since.fields[t][f] = old.version;
            }
            found
        });
        current = old;
    }
    since
}

/// Writes the history of `older` (any order; those not older than `api` are ignored) into the
/// model: `since` of every operation, parameter, type and field, required fields newer than
/// the oldest version read made optional, and the entries of `spec/compat.yaml` that apply
/// attached to their operations.
pub fn annotate(api: &mut Api, older: &[Shape], compat: &[CompatEntry]) -> Result<(), Error> {
    let target = Shape::of(api);
    let mut older: Vec<&Shape> = older
        .iter()
        .filter(|s| s.version < target.version)
        .collect();
    older.sort_by_key(|shape| std::cmp::Reverse(shape.version));
    let since = trace(&target, &older);
    let oldest = older.last().map_or(target.version, |s| s.version);
    api.oldest = oldest;

    // The shape lists the operations, parameters, types and fields in the model's order.
    let mut op_since: HashMap<&str, Version> = HashMap::new();
    for (o, op) in api.operations.iter_mut().enumerate() {
        op.since = since.operations[o];
        for (p, param) in op.params.iter_mut().enumerate() {
            param.since = since.params[o][p];
        }
        op_since.insert(&target.operations[o].id, op.since);
    }
    let mut t = 0;
    for def in api.types.values_mut() {
        let own = match &def.kind {
            TypeKind::Options { operation } | TypeKind::Headers { operation } => {
                def.since = op_since.get(operation.as_str()).copied().unwrap_or(oldest);
                continue;
            }
            _ => t,
        };
        t += 1;
        def.since = since.types[own];
        if let TypeKind::Struct(fields) = &mut def.kind {
            for (f, field) in fields.iter_mut().enumerate() {
                field.since = since.fields[own][f];
                // An engine older than the field leaves it out. (Of a type as new as the field,
                // it sends nothing at all; the field is optional all the same, so that a type
                // the history failed to follow back still decodes.)
                if field.presence == Presence::Required && field.since > oldest {
                    field.presence = Presence::RequiredFrom(field.since);
                }
            }
        }
    }

    let all: Vec<&Shape> = std::iter::once(&target).chain(older).collect();
    for (index, entry) in compat.iter().enumerate() {
        if let Some((op, rule)) = resolve_entry(entry, &all).map_err(|message| Error::Compat {
            index,
            reason: entry.reason.clone(),
            message,
        })? {
            if let Some(op) = api.operations.iter_mut().find(|o| o.id == op) {
                op.compat.push(rule);
            }
        }
    }
    Ok(())
}

/// The rule an entry makes for the target (`shapes[0]`), or `None` when it does not apply to
/// it. An entry that names nothing in any version read, where it should, is an error.
fn resolve_entry(
    entry: &CompatEntry,
    shapes: &[&Shape],
) -> Result<Option<(String, CompatRule)>, String> {
    let target = shapes[0];
    let below = Version::parse(&entry.below)
        .ok_or_else(|| format!("`below: {}` is not an API version", entry.below))?;
    let present = |shape: &Shape| has_item(shape, &entry.operation, &entry.item);
    let in_target = present(target);
    let anywhere = in_target || shapes[1..].iter().any(|s| present(s));
    if !anywhere {
        // An item that comes after the target cannot be checked here.
        if below > target.version {
            return Ok(None);
        }
        return Err(format!(
            "{} {} of {} is in no API version read ({}..{})",
            entry.item.kind(),
            entry.item,
            entry.operation,
            shapes.last().map_or(target.version, |s| s.version),
            target.version
        ));
    }
    let action = match &entry.action {
        EntryAction::Refuse => CompatAction::Refuse,
        EntryAction::Drop => CompatAction::Drop,
        EntryAction::Default(value) => CompatAction::Default(value.clone()),
        EntryAction::Send => CompatAction::Send,
        EntryAction::Rename(to) => {
            let renamed = match &entry.item {
                EntryItem::Parameter(_) => EntryItem::Parameter(to.clone()),
                EntryItem::Field(path) => EntryItem::Field(match path.rsplit_once('.') {
                    Some((parent, _)) => format!("{parent}.{to}"),
                    None => to.clone(),
                }),
            };
            let older_than_below: Vec<&&Shape> =
                shapes.iter().filter(|s| s.version < below).collect();
            let known = older_than_below
                .iter()
                .any(|shape| has_item(shape, &entry.operation, &renamed));
            if !older_than_below.is_empty() && !known {
                return Err(format!(
                    "renames to {to}, which no API version before {below} has"
                ));
            }
            CompatAction::Rename(to.clone())
        }
    };
    let applies = in_target || matches!(action, CompatAction::Default(_));
    if !applies || target.operation(&entry.operation).is_none() {
        return Ok(None);
    }
    let item = match &entry.item {
        EntryItem::Parameter(name) => CompatItem::Param(name.clone()),
        EntryItem::Field(path) => CompatItem::Field(path.split('.').map(str::to_owned).collect()),
    };
    Ok(Some((
        entry.operation.clone(),
        CompatRule {
            item,
            below,
            action,
        },
    )))
}

/// Whether `shape` has the operation and the parameter or body field.
fn has_item(shape: &Shape, operation: &str, item: &EntryItem) -> bool {
    let Some(op) = shape.operation(operation) else {
        return false;
    };
    match item {
        EntryItem::Parameter(name) => op.params.iter().any(|p| &p.wire == name),
        EntryItem::Field(path) => op
            .body
            .as_ref()
            .is_some_and(|body| field_path(shape, body, path).is_some()),
    }
}

/// The type of the field at a dotted path of wire names from `root`, through lists and maps.
fn field_path<'a>(shape: &'a Shape, root: &'a TypeRef, path: &str) -> Option<&'a TypeRef> {
    let mut ty = root;
    for wire in path.split('.') {
        let (_, fields) = shape.struct_of(ty)?;
        ty = &fields.iter().find(|f| f.wire == wire)?.ty;
    }
    Some(ty)
}

// ---------------------------------------------------------------------------------------------
// The difference between two versions

/// What changed from one API version to another: operations, parameters, types and their
/// properties, each added, removed or changed. Types are matched as the history matches them,
/// so a renamed type is one type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub from: Version,
    pub to: Version,
    pub operations: Vec<Change>,
    /// By operation id.
    pub params: BTreeMap<String, Vec<Change>>,
    pub types: Vec<Change>,
    /// By type name (the newer version's).
    pub properties: BTreeMap<String, Vec<Change>>,
}

/// One change, as a line of the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Added {
        name: String,
        what: String,
    },
    Removed {
        name: String,
        what: String,
    },
    Changed {
        name: String,
        from: String,
        to: String,
    },
    Renamed {
        from: String,
        to: String,
    },
}

impl Change {
    fn sort_key(&self) -> (&str, u8) {
        match self {
            Change::Renamed { to, .. } => (to, 0),
            Change::Added { name, .. } => (name, 1),
            Change::Removed { name, .. } => (name, 2),
            Change::Changed { name, .. } => (name, 3),
        }
    }
}

fn sorted(mut changes: Vec<Change>) -> Vec<Change> {
    changes.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.cmp(b)));
    changes
}

/// The changes from `from` to `to` (either may be the newer).
pub fn diff(from: &Shape, to: &Shape) -> Diff {
    let pairs = pair_types(to, from);
    let paired: BTreeSet<&str> = pairs.values().copied().collect();
    let same = |a: &TypeRef, b: &TypeRef| same_type(&pairs, a, b);

    let mut operations = Vec::new();
    let mut params: BTreeMap<String, Vec<Change>> = BTreeMap::new();
    let index = OperationIndex::new(from);
    let mut seen = BTreeSet::new();
    for op in &to.operations {
        let Some(i) = index.find(op) else {
            operations.push(Change::Added {
                name: op.id.clone(),
                what: format!("{} {}", op.method, op.path),
            });
            continue;
        };
        seen.insert(i);
        let old = &from.operations[i];
        let mut changes = Vec::new();
        if op.id != old.id {
            operations.push(Change::Renamed {
                from: old.id.clone(),
                to: op.id.clone(),
            });
        }
        for p in &op.params {
            match old.params.iter().find(|o| same_param(p, o)) {
                None => changes.push(Change::Added {
                    name: p.wire.clone(),
                    what: param_text(p),
                }),
                Some(o) if !same(&p.ty, &o.ty) || p.required != o.required => {
                    changes.push(Change::Changed {
                        name: p.wire.clone(),
                        from: param_text(o),
                        to: param_text(p),
                    })
                }
                Some(_) => {}
            }
        }
        for o in &old.params {
            if !op.params.iter().any(|p| same_param(p, o)) {
                changes.push(Change::Removed {
                    name: o.wire.clone(),
                    what: param_text(o),
                });
            }
        }
        for (label, new, old) in [
            ("body", &op.body, &old.body),
            ("response", &op.response, &old.response),
        ] {
            match (new, old) {
                (Some(a), Some(b)) if !same(a, b) => changes.push(Change::Changed {
                    name: format!("({label})"),
                    from: type_text(b),
                    to: type_text(a),
                }),
                (Some(a), None) => changes.push(Change::Added {
                    name: format!("({label})"),
                    what: type_text(a),
                }),
                (None, Some(b)) => changes.push(Change::Removed {
                    name: format!("({label})"),
                    what: type_text(b),
                }),
                _ => {}
            }
        }
        if !changes.is_empty() {
            params.insert(op.id.clone(), sorted(changes));
        }
    }
    for (i, old) in from.operations.iter().enumerate() {
        if !seen.contains(&i) {
            operations.push(Change::Removed {
                name: old.id.clone(),
                what: format!("{} {}", old.method, old.path),
            });
        }
    }

    let mut types = Vec::new();
    let mut properties: BTreeMap<String, Vec<Change>> = BTreeMap::new();
    for (name, shape) in &to.types {
        let Some(&old_name) = pairs.get(name.as_str()) else {
            types.push(Change::Added {
                name: name.clone(),
                what: kind_text(shape).to_owned(),
            });
            continue;
        };
        if old_name != name {
            types.push(Change::Renamed {
                from: old_name.to_owned(),
                to: name.clone(),
            });
        }
        let mut changes = Vec::new();
        match (shape, &from.types[old_name]) {
            (TypeShape::Struct(new), TypeShape::Struct(old)) => {
                for f in new {
                    match old.iter().find(|o| o.wire == f.wire) {
                        None => changes.push(Change::Added {
                            name: f.wire.clone(),
                            what: field_text(f),
                        }),
                        Some(o) if !same(&f.ty, &o.ty) || f.required != o.required => {
                            changes.push(Change::Changed {
                                name: f.wire.clone(),
                                from: field_text(o),
                                to: field_text(f),
                            })
                        }
                        Some(_) => {}
                    }
                }
                for o in old {
                    if !new.iter().any(|f| f.wire == o.wire) {
                        changes.push(Change::Removed {
                            name: o.wire.clone(),
                            what: field_text(o),
                        });
                    }
                }
            }
            (TypeShape::Enum(new), TypeShape::Enum(old)) => {
                for v in new.iter().filter(|v| !old.contains(v)) {
                    changes.push(Change::Added {
                        name: format!("{v:?}"),
                        what: "value".to_owned(),
                    });
                }
                for v in old.iter().filter(|v| !new.contains(v)) {
                    changes.push(Change::Removed {
                        name: format!("{v:?}"),
                        what: "value".to_owned(),
                    });
                }
            }
            (TypeShape::Alias(a), TypeShape::Alias(b)) if !same(a, b) => {
                changes.push(Change::Changed {
                    name: "(type)".to_owned(),
                    from: type_text(b),
                    to: type_text(a),
                })
            }
            (new, old) if kind_text(new) != kind_text(old) => changes.push(Change::Changed {
                name: "(kind)".to_owned(),
                from: kind_text(old).to_owned(),
                to: kind_text(new).to_owned(),
            }),
            _ => {}
        }
        if !changes.is_empty() {
            properties.insert(name.clone(), sorted(changes));
        }
    }
    for (name, shape) in &from.types {
        if !paired.contains(name.as_str()) {
            types.push(Change::Removed {
                name: name.clone(),
                what: kind_text(shape).to_owned(),
            });
        }
    }
    Diff {
        from: from.version,
        to: to.version,
        operations: sorted(operations),
        params,
        types: sorted(types),
        properties,
    }
}

/// Whether `a` (of the newer version) and `b` (of the older) are the same type.
fn same_type(pairs: &BTreeMap<&str, &str>, a: &TypeRef, b: &TypeRef) -> bool {
    match (a, b) {
        (TypeRef::Named(x), TypeRef::Named(y)) => pairs.get(x.as_str()) == Some(&y.as_str()),
        (TypeRef::Vec(x), TypeRef::Vec(y))
        | (TypeRef::Map(x), TypeRef::Map(y))
        | (TypeRef::Nullable(x), TypeRef::Nullable(y)) => same_type(pairs, x, y),
        (a, b) => a == b,
    }
}

fn kind_text(shape: &TypeShape) -> &'static str {
    match shape {
        TypeShape::Struct(_) => "struct",
        TypeShape::Enum(_) => "enum",
        TypeShape::Alias(_) => "alias",
    }
}

fn param_text(p: &ParamShape) -> String {
    let location = match p.location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
    };
    let required = if p.required { ", required" } else { "" };
    format!("{location} {}{required}", type_text(&p.ty))
}

fn field_text(f: &FieldShape) -> String {
    let required = if f.required { ", required" } else { "" };
    format!("{}{required}", type_text(&f.ty))
}

/// A type as the generated client spells it.
pub fn type_text(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Bool => "bool".to_owned(),
        TypeRef::Int(kind) => match kind {
            IntKind::I64 => "i64",
            IntKind::I32 => "i32",
            IntKind::U64 => "u64",
            IntKind::U32 => "u32",
            IntKind::U16 => "u16",
            IntKind::U8 => "u8",
        }
        .to_owned(),
        TypeRef::F64 => "f64".to_owned(),
        TypeRef::String => "String".to_owned(),
        TypeRef::Value => "Value".to_owned(),
        TypeRef::Named(name) => name.clone(),
        TypeRef::Vec(inner) => format!("Vec<{}>", type_text(inner)),
        TypeRef::Map(inner) => format!("HashMap<String, {}>", type_text(inner)),
        TypeRef::KeySet => "set of String".to_owned(),
        TypeRef::Nullable(inner) => format!("Option<{}>", type_text(inner)),
    }
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
            && self.params.is_empty()
            && self.types.is_empty()
            && self.properties.is_empty()
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "API {} -> {}", self.from, self.to)?;
        if self.is_empty() {
            return writeln!(f, "\nNo changes.");
        }
        let line = |f: &mut fmt::Formatter<'_>, indent: &str, change: &Change| match change {
            Change::Added { name, what } => writeln!(f, "{indent}+ {name}: {what}"),
            Change::Removed { name, what } => writeln!(f, "{indent}- {name}: {what}"),
            Change::Changed { name, from, to } => {
                writeln!(f, "{indent}~ {name}: {from} -> {to}")
            }
            Change::Renamed { from, to } => writeln!(f, "{indent}> {from} renamed {to}"),
        };
        if !self.operations.is_empty() {
            writeln!(f, "\nOperations")?;
            for change in &self.operations {
                line(f, "  ", change)?;
            }
        }
        if !self.params.is_empty() {
            writeln!(f, "\nParameters, bodies and responses of operations")?;
            for (op, changes) in &self.params {
                writeln!(f, "  {op}")?;
                for change in changes {
                    line(f, "    ", change)?;
                }
            }
        }
        if !self.types.is_empty() {
            writeln!(f, "\nTypes")?;
            for change in &self.types {
                line(f, "  ", change)?;
            }
        }
        if !self.properties.is_empty() {
            writeln!(f, "\nProperties of types")?;
            for (name, changes) in &self.properties {
                writeln!(f, "  {name}")?;
                for change in changes {
                    line(f, "    ", change)?;
                }
            }
        }
        Ok(())
    }
}

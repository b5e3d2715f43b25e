//! The model's prose made fit for rustdoc, after the history and before emission:
//!
//! - links to the HTML reference's anchors (`#operation/ContainerInspect`,
//!   `#section/Authentication`) become intra-doc links to the method or type they name, or plain
//!   text where nothing in the crate stands for them;
//! - a field whose shape the generator changes (an object of empty objects, read as a list of
//!   its keys) gets a description of the list, not of the object;
//! - a type or field the spec leaves undescribed gets a generated sentence that is true of it:
//!   where the type is used, or which JSON key a field is.

use std::collections::BTreeMap;

use crate::ir::{Api, BodyKind, Response, TypeKind, TypeRef};

/// Rewrites and completes the docs of the model (see the module's documentation).
pub fn complete(api: &mut Api) {
    let methods: BTreeMap<String, String> = api
        .operations
        .iter()
        .map(|op| (op.id.clone(), op.name.clone()))
        .collect();
    let link = |text: &mut Option<String>| {
        if let Some(text) = text {
            *text = rewrite_links(text, &methods);
        }
    };
    for op in &mut api.operations {
        link(&mut op.summary);
        link(&mut op.description);
        for p in &mut op.params {
            link(&mut p.doc);
        }
        if let Some(body) = &mut op.body {
            link(&mut body.doc);
        }
        if let Response::WithHeaders { headers, .. } = &mut op.response {
            for h in headers {
                link(&mut h.doc);
            }
        }
        for (_, description) in &mut op.errors {
            *description = rewrite_links(description, &methods);
        }
    }
    for tag in &mut api.tags {
        link(&mut tag.doc);
    }
    let users = users(api);
    for def in api.types.values_mut() {
        link(&mut def.doc);
        if is_blank(&def.doc)
            && !matches!(
                def.kind,
                TypeKind::Options { .. } | TypeKind::Headers { .. }
            )
        {
            def.doc = Some(type_sentence(
                &def.name,
                users.get(&def.name).map(Vec::as_slice),
            ));
        }
        if let TypeKind::Struct(fields) = &mut def.kind {
            for field in fields {
                link(&mut field.doc);
                if field.ty == TypeRef::KeySet {
                    field.doc = Some(key_set_doc(&field.wire, field.doc.as_deref()));
                } else if is_blank(&field.doc) {
                    field.doc = Some(field_sentence(&field.wire, &field.ty));
                }
            }
        }
    }
}

fn is_blank(doc: &Option<String>) -> bool {
    doc.as_deref().is_none_or(|d| d.trim().is_empty())
}

/// `[text](#operation/Id)` becomes a link to the method of `Id`, `[text](#section/...)` a link
/// to what the crate has for it (registry credentials: `AuthConfig`); other anchors, and ids
/// the spec does not have, keep their text only.
fn rewrite_links(text: &str, methods: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("](#") {
        let Some(open) = rest[..at].rfind('[') else {
            out.push_str(&rest[..at + 3]);
            rest = &rest[at + 3..];
            continue;
        };
        let Some(close) = rest[at..].find(')') else {
            break;
        };
        let label = &rest[open + 1..at];
        let anchor = &rest[at + 3..at + close];
        out.push_str(&rest[..open]);
        let target = if let Some(id) = anchor.strip_prefix("operation/") {
            methods.get(id).map(|name| format!("crate::Docker::{name}"))
        } else if anchor == "section/Authentication" {
            Some("crate::models::AuthConfig".to_owned())
        } else {
            None
        };
        match target {
            Some(target) => out.push_str(&format!("[{label}]({target})")),
            None => out.push_str(label),
        }
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Where each named type is used: `(owner, what)` pairs, `owner` a type or a method.
fn users(api: &Api) -> BTreeMap<String, Vec<Use>> {
    fn named(ty: &TypeRef) -> Option<&str> {
        match ty {
            TypeRef::Named(name) => Some(name),
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => named(inner),
            _ => None,
        }
    }
    let mut users: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    for def in api.types.values() {
        let fields: &[crate::ir::Field] = match &def.kind {
            TypeKind::Struct(fields) => fields,
            _ => &[],
        };
        for field in fields {
            if let Some(name) = named(&field.ty) {
                users.entry(name.to_owned()).or_default().push(Use::Field {
                    owner: def.name.clone(),
                    field: field.name.clone(),
                });
            }
        }
        if let TypeKind::Alias(target) = &def.kind {
            if let Some(name) = named(target) {
                users
                    .entry(name.to_owned())
                    .or_default()
                    .push(Use::Alias(def.name.clone()));
            }
        }
    }
    for op in &api.operations {
        if let Some(BodyKind::Json(ty)) = op.body.as_ref().map(|b| &b.kind) {
            if let Some(name) = named(ty) {
                users
                    .entry(name.to_owned())
                    .or_default()
                    .push(Use::Body(op.name.clone()));
            }
        }
        let mut response = &op.response;
        if let Response::WithHeaders { body, .. } = response {
            response = body;
        }
        if let Response::Json(ty) | Response::JsonOrEmpty(ty) | Response::JsonLines(ty) = response {
            if let Some(name) = named(ty) {
                users
                    .entry(name.to_owned())
                    .or_default()
                    .push(Use::Answer(op.name.clone()));
            }
        }
    }
    users
}

/// A place a type is used.
enum Use {
    Field { owner: String, field: String },
    Alias(String),
    Body(String),
    Answer(String),
}

impl Use {
    fn describe(&self) -> String {
        match self {
            Use::Field { owner, field } => format!("[`{owner}::{field}`]({owner}::{field})"),
            Use::Alias(name) => format!("[`{name}`]"),
            Use::Body(method) => {
                format!("the body of [`Docker::{method}`](crate::Docker::{method})")
            }
            Use::Answer(method) => {
                format!("the answer of [`Docker::{method}`](crate::Docker::{method})")
            }
        }
    }
}

/// The sentence of a type the spec does not describe: where it is used.
fn type_sentence(name: &str, users: Option<&[Use]>) -> String {
    match users.unwrap_or_default() {
        [] => format!("The spec's `{name}` type, which it does not describe."),
        [only] => format!("The type of {}.", only.describe()),
        [first, second] => format!(
            "The type of {} and {}.",
            first.describe(),
            second.describe()
        ),
        many => {
            let shown: Vec<String> = many.iter().take(3).map(Use::describe).collect();
            match many.len().saturating_sub(3) {
                0 => format!("The type of {}, and {}.", shown[..2].join(", "), shown[2]),
                more => format!("The type of {}, and {more} more.", shown.join(", ")),
            }
        }
    }
}

/// The sentence of a field the spec does not describe: its JSON key, and its type's page.
fn field_sentence(wire: &str, ty: &TypeRef) -> String {
    fn named(ty: &TypeRef) -> Option<&str> {
        match ty {
            TypeRef::Named(name) => Some(name),
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => named(inner),
            _ => None,
        }
    }
    match named(ty) {
        Some(name) => format!("The `{wire}` field: see [`{name}`]."),
        None => format!("The `{wire}` field."),
    }
}

/// The doc of a set the spec writes as an object of empty objects, which the client reads as
/// a list of its keys: what the keys are (from the spec's "mapping X to empty objects"), and
/// their form (from its `{"<form>": {}}` example).
fn key_set_doc(wire: &str, doc: Option<&str>) -> String {
    let doc = doc.unwrap_or_default();
    let what = doc
        .find("mapping ")
        .map(|at| &doc[at + "mapping ".len()..])
        .and_then(|rest| rest.find(" to ").map(|end| &rest[..end]))
        .map(|what| what.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|what| !what.is_empty());
    let form = doc
        .find("`{\"")
        .map(|at| &doc[at + 3..])
        .and_then(|rest| rest.find("\": {}}`").map(|end| &rest[..end]))
        .filter(|form| !form.is_empty());
    let mut text = match what {
        Some(what) => {
            let mut chars = what.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
            format!(
                "{}{}, as a list.",
                first.unwrap_or_default(),
                chars.as_str()
            )
        }
        None => format!("The keys of the `{wire}` object, as a list."),
    };
    if let Some(form) = form {
        text.push_str(&format!(" Each has the form `{form}`."));
    }
    text.push_str(
        "\n\nOn the wire, the list is an object that maps each entry to an empty object \
         (`{\"<entry>\": {}}`); the client writes and reads that form.",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_operations_become_links_to_methods() {
        let methods = BTreeMap::from([(
            "ContainerInspect".to_owned(),
            "container_inspect".to_owned(),
        )]);
        assert_eq!(
            rewrite_links(
                "See the [inspect endpoint](#operation/ContainerInspect).",
                &methods
            ),
            "See the [inspect endpoint](crate::Docker::container_inspect)."
        );
        assert_eq!(
            rewrite_links(
                "the [`enable` endpoint](#operation/PostPluginsEnable) x",
                &methods
            ),
            "the `enable` endpoint x"
        );
        assert_eq!(
            rewrite_links(
                "[authentication section](#section/Authentication)",
                &methods
            ),
            "[authentication section](crate::models::AuthConfig)"
        );
        assert_eq!(
            rewrite_links("[other](#section/Versioning)", &methods),
            "other"
        );
        assert_eq!(
            rewrite_links("[docs](https://docs.docker.com/) stay", &methods),
            "[docs](https://docs.docker.com/) stay"
        );
    }

    #[test]
    fn a_key_set_is_described_as_a_list() {
        let doc = key_set_doc(
            "ExposedPorts",
            Some("An object mapping ports to an empty object in the form:\n\n`{\"<port>/<tcp|udp|sctp>\": {}}`"),
        );
        assert!(
            doc.starts_with("Ports, as a list. Each has the form `<port>/<tcp|udp|sctp>`."),
            "{doc}"
        );
        assert!(!doc.contains("An object mapping"), "{doc}");
        let doc = key_set_doc(
            "Volumes",
            Some("An object mapping mount point paths inside the container to empty\nobjects."),
        );
        assert!(
            doc.starts_with("Mount point paths inside the container, as a list."),
            "{doc}"
        );
        assert!(key_set_doc("X", None).starts_with("The keys of the `X` object, as a list."));
    }
}

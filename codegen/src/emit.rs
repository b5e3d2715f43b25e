//! Stage 5: render the intermediate model as Rust tokens, one token stream per file.
//!
//! The generated code relies on a small runtime in the client crate: `crate::Docker`,
//! `crate::Error`, `crate::runtime::Request`, the exchanges that send a request and read its
//! answer (`crate::runtime::{call, whole, streamed, attached, upgraded}`), the body and stream
//! types, and the serde code of the structs in `crate::runtime::object`.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{
    Api, Body, BodyKind, CompatAction, CompatItem, Encoding, Field, IntKind, Location, Operation,
    Param, Presence, Response, TypeDef, TypeKind, TypeRef,
};
use crate::names::value_name;
use crate::version::Version;

/// Renders the model: `mod.rs`, `models.rs`, `history.rs` and one file per tag.
pub fn emit(api: &Api) -> BTreeMap<String, TokenStream> {
    file_names(api)
        .into_iter()
        .map(|name| {
            let tokens = render(api, &name);
            (name, tokens)
        })
        .collect()
}

/// The names of the files [`render`] makes, the largest first (the types, the blocking
/// wrappers of every operation, the tags by their number of operations, then the two tables),
/// so that the threads that render them finish together.
pub fn file_names(api: &Api) -> Vec<String> {
    let mut names = vec!["models.rs".to_owned(), "blocking.rs".to_owned()];
    let tags = operations_by_tag(api);
    let mut by_size: Vec<(&String, usize)> = tags.iter().map(|(t, ops)| (t, ops.len())).collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    names.extend(by_size.into_iter().map(|(tag, _)| format!("{tag}.rs")));
    names.extend(["history.rs".to_owned(), "mod.rs".to_owned()]);
    names
}

/// How many parts [`render_part`] makes of a file of [`file_names`].
pub fn parts(api: &Api, file: &str) -> usize {
    match file {
        "models.rs" => model_items(api).len().div_ceil(MODELS_PER_PART).max(1),
        _ => 1,
    }
}

/// One part of a file: formatted on their own and put one after the other, the parts make the
/// file that [`render`] makes whole.
pub fn render_part(api: &Api, file: &str, part: usize) -> TokenStream {
    match file {
        "models.rs" => models(api, part * MODELS_PER_PART..(part + 1) * MODELS_PER_PART),
        _ if part == 0 => render(api, file),
        _ => TokenStream::new(),
    }
}

/// Renders one of the files of [`file_names`] (another name renders nothing).
pub fn render(api: &Api, file: &str) -> TokenStream {
    match file {
        "models.rs" => models(api, 0..usize::MAX),
        "history.rs" => history_tables(api),
        "mod.rs" => module(api, &operations_by_tag(api)),
        "blocking.rs" => blocking(api),
        other => {
            let tag = other.strip_suffix(".rs").unwrap_or(other);
            match operations_by_tag(api).get(tag) {
                Some(ops) => tag_file(api, ops),
                None => TokenStream::new(),
            }
        }
    }
}

/// The operations by the module of their tag.
fn operations_by_tag(api: &Api) -> BTreeMap<String, Vec<&Operation>> {
    let mut by_tag: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for op in &api.operations {
        by_tag.entry(value_name(&op.tag)).or_default().push(op);
    }
    by_tag
}

fn module(api: &Api, by_tag: &BTreeMap<String, Vec<&Operation>>) -> TokenStream {
    let version = &api.version;
    let module_doc = format!(
        " Generated from the Docker Engine API v{version} spec by `cargo xtask regenerate`."
    );
    let mods = by_tag.keys().map(|t| ident(t));
    let options = by_tag.iter().filter_map(|(tag, ops)| {
        let names: Vec<Ident> = ops
            .iter()
            .filter_map(|op| op.options.as_deref().map(ident))
            .collect();
        let tag = ident(tag);
        (!names.is_empty()).then(|| quote! { pub use super::#tag::{#(#names),*}; })
    });
    let requests = by_tag.iter().map(|(tag, ops)| {
        let names = ops.iter().map(|op| ident(&builder_name(op)));
        let tag = ident(tag);
        quote! { pub use super::#tag::{#(#names),*}; }
    });
    let operations = api.operations.iter().map(|op| {
        let (id, method, path) = (&op.id, &op.method, &op.path);
        quote! { crate::OperationInfo { id: #id, method: #method, path: #path } }
    });
    let count = api.operations.len();
    quote! {
        #![doc = #module_doc]

        pub mod models;
        pub(crate) mod history;
        #(mod #mods;)*
        #[cfg(feature = "blocking")]
        mod blocking;

        /// Options of the operations as data: their optional query parameters and headers.
        pub mod options {
            #(#options)*
        }

        /// The requests the operations return: set optional parameters on them, then `.await`
        /// them.
        pub mod requests {
            #(#requests)*
        }

        /// Every operation of the API: its id, HTTP method and path template.
        pub const OPERATIONS: [crate::OperationInfo; #count] = [#(#operations),*];
    }
}

/// The name of the generated Markdown list of operations, which the crate's front page
/// includes.
pub const OPERATIONS_DOC: &str = "operations.md";

/// The crate's list of operations, grouped by the spec's tags in the spec's order (operations
/// of a tag the spec does not list come after, by tag).
pub fn operations_doc(api: &Api) -> String {
    let mut text = format!(
        "<!-- @generated by `cargo xtask regenerate` from Docker's Engine API spec. Do not \
         edit. -->\n\n## Operations\n\nThe methods of [`Docker`](crate::Docker), one per \
         operation of the API v{}, grouped as the spec groups them.\n",
        api.version
    );
    let mut tags: Vec<(String, Option<String>, Option<String>)> = api
        .tags
        .iter()
        .map(|t| (t.name.clone(), t.display.clone(), t.doc.clone()))
        .collect();
    for op in &api.operations {
        if !tags.iter().any(|(name, _, _)| name == &op.tag) {
            tags.push((op.tag.clone(), None, None));
        }
    }
    for (tag, display, doc) in &tags {
        let ops: Vec<&Operation> = api.operations.iter().filter(|op| &op.tag == tag).collect();
        if ops.is_empty() {
            continue;
        }
        text.push_str(&format!("\n### {}\n\n", display.as_deref().unwrap_or(tag)));
        let first = doc
            .as_deref()
            .and_then(|d| d.trim().split("\n\n").next())
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty());
        if let Some(first) = first {
            text.push_str(&first);
            text.push_str("\n\n");
        }
        for op in ops {
            let summary = op
                .summary
                .as_deref()
                .map(|s| format!(": {}", s.trim()))
                .unwrap_or_default();
            text.push_str(&format!(
                "- [`{name}`](crate::Docker::{name}){summary}\n",
                name = op.name
            ));
        }
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Models

/// How many items of `models.rs` one part holds: parts are rendered and formatted on their own,
/// so that the largest file keeps every core busy and never has all its tokens in memory at once.
const MODELS_PER_PART: usize = 64;

/// An item of `models.rs`: a type, or the header struct of an operation's response.
enum ModelItem<'a> {
    Type(&'a TypeDef),
    Headers(&'a Operation),
}

fn model_items(api: &Api) -> Vec<ModelItem<'_>> {
    // Options and response-header structs are emitted from their operations.
    let types = api.types.values().filter(|def| {
        !matches!(
            def.kind,
            TypeKind::Options { .. } | TypeKind::Headers { .. }
        )
    });
    let headers = api
        .operations
        .iter()
        .filter(|op| matches!(op.response, Response::WithHeaders { .. }));
    types
        .map(ModelItem::Type)
        .chain(headers.map(ModelItem::Headers))
        .collect()
}

/// `models.rs`, or one part of it: the items of `range`, and the file's header with the first.
fn models(api: &Api, range: std::ops::Range<usize>) -> TokenStream {
    let items = model_items(api);
    let first = range.start == 0;
    let items = items
        .get(range.start.min(items.len())..range.end.min(items.len()))
        .unwrap_or_default()
        .iter()
        .filter_map(|item| match item {
            ModelItem::Type(def) => type_def(api.oldest, def),
            ModelItem::Headers(op) => header_struct(op),
        });
    let header = first.then(|| {
        quote! {
            //! The API's types: every schema of the spec, and the inline schemas of its operations.

            use std::collections::HashMap;

            use crate::runtime::object;
        }
    });
    quote! {
        #header
        #(#items)*
    }
}

/// The struct of an operation's documented response headers beside its body.
fn header_struct(op: &Operation) -> Option<TokenStream> {
    let Response::WithHeaders {
        type_name,
        headers,
        body,
    } = &op.response
    else {
        return None;
    };
    let name = ident(type_name);
    let doc = doc_attrs(Some(&format!(
        "The response of [`Docker::{}`](crate::Docker::{}): its headers and body.",
        op.name, op.name
    )));
    let fields = headers.iter().map(|h| {
        let name = ident(&h.name);
        let doc = doc_attrs(Some(&format!(
            "The `{}` header.{}",
            h.wire,
            h.doc
                .as_deref()
                .map(|d| format!("\n\n{d}"))
                .unwrap_or_default()
        )));
        quote! { #doc pub #name: Option<String>, }
    });
    let body = match response_type(body) {
        Some(ty) => quote! { /// The response body.
        pub body: #ty, },
        None => quote! {},
    };
    Some(quote! {
        #doc
        #[derive(Debug)]
        pub struct #name { #(#fields)* #body }
    })
}

fn type_def(oldest: Version, def: &TypeDef) -> Option<TokenStream> {
    let name = ident(&def.name);
    let doc = doc_attrs(with_note(def.doc.as_deref(), since_note(def.since, oldest)).as_deref());
    // Its fields say their version where it is later than the type's.
    let oldest = oldest.max(def.since);
    Some(match &def.kind {
        TypeKind::Options { .. } | TypeKind::Headers { .. } => return None,
        TypeKind::Struct(fields) if fields.iter().any(|f| f.secret) => {
            let debug_fields = fields.iter().map(|f| {
                let (field, wire) = (ident(&f.name), &f.wire);
                if f.secret {
                    let shown = match f.presence {
                        Presence::Optional | Presence::RequiredFrom(_) => {
                            quote! { &self.#field.as_ref().map(|_| "<redacted>") }
                        }
                        _ => quote! { &"<redacted>" },
                    };
                    quote! { .field(#wire, #shown) }
                } else {
                    quote! { .field(#wire, &self.#field) }
                }
            });
            let serde = struct_serde(&name, fields);
            let fields = fields.iter().map(|f| field(oldest, f));
            let wire_name = &def.name;
            quote! {
                #doc
                #[derive(Clone, Default, PartialEq)]
                pub struct #name { #(#fields)* }

                #serde

                /// Shows every field but the credentials.
                impl std::fmt::Debug for #name {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.debug_struct(#wire_name) #(#debug_fields)* .finish()
                    }
                }
            }
        }
        TypeKind::Struct(fields) => {
            let serde = struct_serde(&name, fields);
            let fields = fields.iter().map(|f| field(oldest, f));
            quote! {
                #doc
                #[derive(Debug, Clone, Default, PartialEq)]
                pub struct #name { #(#fields)* }

                #serde
            }
        }
        TypeKind::Alias(target) => {
            let ty = rust_type(target);
            quote! { #doc pub type #name = #ty; }
        }
        TypeKind::Enum { variants, default } => {
            let variant_defs = variants.iter().map(|v| {
                let name = ident(&v.name);
                let doc = format!(" `{:?}`", v.wire);
                let default = (&v.wire == default).then(|| quote! { #[default] });
                quote! { #[doc = #doc] #default #name, }
            });
            let to_wire = variants.iter().map(|v| {
                let (name, wire) = (ident(&v.name), &v.wire);
                quote! { Self::#name => #wire, }
            });
            let from_wire = variants.iter().map(|v| {
                let (name, wire) = (ident(&v.name), &v.wire);
                quote! { #wire => Self::#name, }
            });
            quote! {
                #doc
                #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
                pub enum #name {
                    #(#variant_defs)*
                    /// A value this version of the API does not declare.
                    Unknown(String),
                }

                impl #name {
                    /// The value as it is sent on the wire.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #(#to_wire)*
                            Self::Unknown(value) => value,
                        }
                    }
                }

                impl From<&str> for #name {
                    fn from(value: &str) -> Self {
                        match value {
                            #(#from_wire)*
                            other => Self::Unknown(other.to_owned()),
                        }
                    }
                }

                object::impl_wire_enum!(#name);
            }
        }
    })
}

fn field(oldest: Version, field: &Field) -> TokenStream {
    let name = ident(&field.name);
    let note = match field.presence {
        Presence::RequiredFrom(version) => Some(format!(
            "API {version}+. Required by the spec from API {version} on; an `Option` here, so \
             that answers of older engines decode."
        )),
        _ => since_note(field.since, oldest),
    };
    let doc = doc_attrs(with_note(field.doc.as_deref(), note).as_deref());
    let ty = if field.ty == TypeRef::KeySet {
        quote! { Vec<String> }
    } else {
        rust_type(&field.ty)
    };
    let ty = match field.presence {
        Presence::Optional | Presence::RequiredFrom(_) => quote! { Option<#ty> },
        Presence::Required | Presence::Collection => ty,
    };
    quote! { #doc pub #name: #ty, }
}

/// A struct's `Serialize`, `Deserialize` and `crate::runtime::object::Object` (the file imports
/// the module as `object`): a table of its wire keys and one call of a runtime helper per field
/// and direction, rather than what `#[derive]` expands to (several times as much code for the
/// compiler to check).
///
/// On the wire, as `#[serde(rename = "Wire", default, skip_serializing_if = "Option::is_none")]`
/// on an optional field, `#[serde(rename = "Wire")]` on a required one, and `default` with
/// `null` read as empty on a collection; a key set (`{"80/tcp": {}}`) is a list of its keys.
fn struct_serde(name: &Ident, fields: &[Field]) -> TokenStream {
    assert!(
        fields.len() <= 256,
        "struct {name} has more fields than crate::runtime::object::MAX_FIELDS"
    );
    let name_text = name.to_string();
    let wires = fields.iter().map(|f| &f.wire);
    let required: Vec<Literal> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.presence == Presence::Required)
        .map(|(i, _)| Literal::usize_unsuffixed(i))
        .collect();
    // The runtime's helpers that read and write each field.
    let helpers: Vec<(TokenStream, TokenStream)> = fields
        .iter()
        .map(|f| match (f.presence, f.ty == TypeRef::KeySet) {
            (Presence::Optional | Presence::RequiredFrom(_), true) => {
                (quote! { key_set_opt }, quote! { key_set_opt })
            }
            (Presence::Optional | Presence::RequiredFrom(_), false) => {
                (quote! { value }, quote! { opt })
            }
            (Presence::Required | Presence::Collection, true) => {
                (quote! { key_set }, quote! { key_set })
            }
            (Presence::Collection, false) => (quote! { or_default }, quote! { field }),
            (Presence::Required, false) => (quote! { value }, quote! { field }),
        })
        .collect();
    let reads = fields
        .iter()
        .zip(&helpers)
        .enumerate()
        .map(|(i, (f, (helper, _)))| {
            let (index, field) = (Literal::usize_unsuffixed(i), ident(&f.name));
            quote! { #index => object::#helper(map, &mut self.#field), }
        });
    let writes = fields.iter().zip(&helpers).map(|(f, (_, helper))| {
        let field = ident(&f.name);
        quote! { out.#helper(&self.#field); }
    });
    let read = if fields.is_empty() {
        quote! {
            let _ = (index, map);
            Ok(())
        }
    } else {
        quote! {
            match index {
                #(#reads)*
                _ => Ok(()),
            }
        }
    };
    let out = if fields.is_empty() {
        quote! { _out }
    } else {
        quote! { out }
    };
    quote! {
        object::impl_serde!(#name);

        impl object::Object for #name {
            const NAME: &'static str = #name_text;
            const FIELDS: &'static [&'static str] = &[#(#wires),*];
            const REQUIRED: &'static [usize] = &[#(#required),*];

            fn read<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                index: usize,
                map: &mut A,
            ) -> Result<(), A::Error> {
                #read
            }

            fn write<W: object::Write>(&self, #out: &mut W) {
                #(#writes)*
            }
        }
    }
}

fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Bool => quote! { bool },
        TypeRef::Int(kind) => match kind {
            IntKind::I64 => quote! { i64 },
            IntKind::I32 => quote! { i32 },
            IntKind::U64 => quote! { u64 },
            IntKind::U32 => quote! { u32 },
            IntKind::U16 => quote! { u16 },
            IntKind::U8 => quote! { u8 },
        },
        TypeRef::F64 => quote! { f64 },
        TypeRef::String => quote! { String },
        TypeRef::Value => quote! { serde_json::Value },
        TypeRef::Named(name) => {
            let name = ident(name);
            quote! { #name }
        }
        TypeRef::Vec(item) => {
            let item = rust_type(item);
            quote! { Vec<#item> }
        }
        TypeRef::Map(value) => {
            let value = rust_type(value);
            quote! { HashMap<String, #value> }
        }
        // Only fields carry the set encoding; elsewhere a set is the plain JSON map.
        TypeRef::KeySet => quote! { HashMap<String, serde_json::Value> },
        TypeRef::Nullable(inner) => {
            let inner = rust_type(inner);
            quote! { Option<#inner> }
        }
    }
}

/// A type as seen from the operation files, which name models through `models::`.
fn qualified_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let name = ident(name);
            quote! { models::#name }
        }
        TypeRef::Vec(item) => {
            let item = qualified_type(item);
            quote! { Vec<#item> }
        }
        TypeRef::Map(value) => {
            let value = qualified_type(value);
            quote! { std::collections::HashMap<String, #value> }
        }
        TypeRef::KeySet => quote! { std::collections::HashMap<String, serde_json::Value> },
        TypeRef::Nullable(inner) => {
            let inner = qualified_type(inner);
            quote! { Option<#inner> }
        }
        other => rust_type(other),
    }
}

// ---------------------------------------------------------------------------------------------
// Operations

fn tag_file(api: &Api, ops: &[&Operation]) -> TokenStream {
    let oldest = api.oldest;
    let tag = &ops[0].tag;
    let doc = format!(" Operations tagged `{tag}`, their options and their requests.");
    let options: Vec<TokenStream> = ops.iter().map(|op| options_struct(oldest, op)).collect();
    let builders: Vec<TokenStream> = ops.iter().map(|op| builder(oldest, op)).collect();
    let methods: Vec<TokenStream> = ops.iter().map(|op| method(api, op)).collect();
    let models = ops
        .iter()
        .any(|op| uses_models(op))
        .then(|| quote! { use crate::generated::models; });
    let runtime = if ops
        .iter()
        .any(|op| op.params.iter().any(|p| p.location == Location::Path))
    {
        quote! { use crate::runtime::{encode_path_segment, Request}; }
    } else {
        quote! { use crate::runtime::Request; }
    };
    quote! {
        #![doc = #doc]

        #models
        #runtime
        use crate::{Docker, Error};

        #(#options)*

        #(#builders)*

        impl Docker {
            #(#methods)*
        }
    }
}

/// The name of the request type an operation's method returns: `ContainerListBuilder`.
pub fn builder_name(op: &Operation) -> String {
    format!("{}Builder", crate::names::type_name(&op.name))
}

/// Whether the operation's code names a model: in a parameter, its body or its response.
fn uses_models(op: &Operation) -> bool {
    fn named(ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Named(_) => true,
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => named(inner),
            _ => false,
        }
    }
    let body = match op.body.as_ref().map(|b| &b.kind) {
        Some(BodyKind::Json(ty)) => named(ty),
        _ => false,
    };
    let response = match &op.response {
        Response::Json(ty) | Response::JsonOrEmpty(ty) | Response::JsonLines(ty) => named(ty),
        Response::WithHeaders { .. } => true,
        _ => false,
    };
    body || response || op.params.iter().any(|p| named(&p.ty))
}

/// The documentation of an optional parameter: its wire name, where it goes, its version and
/// the spec's description.
fn optional_param_doc(oldest: Version, p: &Param) -> String {
    let location = match p.location {
        Location::Query => "query parameter",
        _ => "header",
    };
    let since = since_note(p.since, oldest)
        .map(|note| format!(" {note}"))
        .unwrap_or_default();
    format!(
        "The `{}` {location}.{since}{}",
        p.wire,
        p.doc
            .as_deref()
            .map(|d| format!("\n\n{d}"))
            .unwrap_or_default()
    )
}

fn options_struct(oldest: Version, op: &Operation) -> TokenStream {
    let Some(name) = &op.options else {
        return quote! {};
    };
    let name = ident(name);
    let doc = format!(
        " Optional parameters of [`Docker::{}`] as data, for [`{}::options`]; or set them one \
         by one on the request.",
        op.name,
        builder_name(op),
    );
    let fields = op.params.iter().filter(|p| !p.required).map(|p| {
        let name = ident(&p.name);
        let ty = qualified_type(&p.ty);
        let doc = doc_attrs(Some(&optional_param_doc(oldest, p)));
        quote! { #doc pub #name: Option<#ty>, }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name { #(#fields)* }
    }
}

/// The type of a required parameter, as an argument of the method and a field of its request.
fn required_param_type(p: &Param) -> TokenStream {
    match &p.ty {
        TypeRef::String => quote! { &'a str },
        TypeRef::Named(_) | TypeRef::Vec(_) | TypeRef::Map(_) if p.encoding != Encoding::Plain => {
            let ty = qualified_type(&p.ty);
            quote! { &'a #ty }
        }
        other => qualified_type(other),
    }
}

/// The type in which a request holds its body: the value itself, or the bytes to stream.
fn body_type(body: &Body) -> TokenStream {
    match &body.kind {
        BodyKind::Json(ty) => qualified_type(ty),
        BodyKind::Bytes { .. } => quote! { crate::Body },
    }
}

/// The output of an operation, as its request's future resolves to it (besides errors).
fn output_type(op: &Operation) -> TokenStream {
    let output = response_type(&op.response).unwrap_or_else(|| quote! { () });
    if op.not_modified {
        quote! { crate::Outcome<#output> }
    } else {
        output
    }
}

/// The request of an operation: the value its method returns, holding the arguments, with a
/// setter per optional parameter (and optional body), `options` to set them all at once, `send`,
/// and `IntoFuture` so that it can be awaited.
///
/// Compile time: an operation has no state machine of its own. `send` builds the request in
/// plain code and hands it to one of the runtime's exchanges (`crate::runtime::whole`,
/// `streamed`, `attached`, `upgraded`: async code compiled once, in the library), with a
/// plain function that turns the answer into the output (`crate::runtime::call`). Both are
/// `#[inline]`, so that only the operations a crate uses are compiled to machine code, there.
fn builder(oldest: Version, op: &Operation) -> TokenStream {
    let name = ident(&builder_name(op));
    let doc = if op.options.is_some() || op.body.as_ref().is_some_and(|b| !b.required) {
        format!(
            " The request of [`Docker::{m}`]: set its optional parameters, then `.await` it \
             (or call [`send`](Self::send)).",
            m = op.name
        )
    } else {
        format!(
            " The request of [`Docker::{m}`]: `.await` it (or call [`send`](Self::send)).",
            m = op.name
        )
    };
    let mut fields = Vec::new();
    let mut names = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let field = ident(&p.name);
        let ty = required_param_type(p);
        fields.push(quote! { #field: #ty, });
        names.push(field);
    }
    let mut setters = Vec::new();
    if let Some(body) = &op.body {
        let field = ident(&body.name);
        let ty = body_type(body);
        if body.required {
            fields.push(quote! { #field: #ty, });
        } else {
            fields.push(quote! { #field: Option<#ty>, });
            let text = body
                .doc
                .as_deref()
                .unwrap_or("The request body.")
                .trim()
                .to_owned();
            let doc = doc_attrs(Some(&format!("Sets the request body.\n\n{text}")));
            setters.push(quote! {
                #doc
                pub fn #field(mut self, value: impl Into<#ty>) -> Self {
                    self.#field = Some(value.into());
                    self
                }
            });
        }
        names.push(field);
    }
    if let Some(options) = &op.options {
        let options = ident(options);
        fields.push(quote! { options: #options, });
        names.push(ident("options"));
        for p in op.params.iter().filter(|p| !p.required) {
            let field = ident(&p.name);
            let ty = qualified_type(&p.ty);
            let doc = doc_attrs(Some(&optional_param_doc(oldest, p)));
            setters.push(quote! {
                #doc
                pub fn #field(mut self, value: impl Into<#ty>) -> Self {
                    self.options.#field = Some(value.into());
                    self
                }
            });
        }
        setters.push(quote! {
            /// Sets every optional parameter at once, replacing those set before.
            pub fn options(mut self, options: #options) -> Self {
                self.options = options;
                self
            }
        });
    }

    let (encode, path) = path_expr(op);
    let (id, method) = (&op.id, &op.method);
    let params = op
        .params
        .iter()
        .filter(|p| p.location != Location::Path)
        .map(param_stmt);
    let body = op.body.as_ref().map(body_stmt);
    let upgrade = match &op.response {
        Response::Attach => Some(quote! { request.upgrade(); }),
        Response::Upgraded { protocol } => Some(quote! { request.upgrade_to(#protocol); }),
        _ => None,
    };
    let output = output_type(op);
    let (exchange, finish) = exchange(op);
    let mutable = if op.params.iter().any(|p| p.location != Location::Path)
        || op.body.is_some()
        || upgrade.is_some()
    {
        quote! { mut }
    } else {
        quote! {}
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct #name<'a> {
            docker: &'a Docker,
            #(#fields)*
        }

        impl<'a> #name<'a> {
            #(#setters)*

            /// Sends the request and reads the answer.
            #[inline]
            pub fn send(self) -> futures::future::BoxFuture<'a, Result<#output, Error>> {
                let docker = self.docker;
                crate::runtime::call(#exchange, #finish)
            }

            #[inline]
            fn into_request(self) -> Result<Request, Error> {
                let Self { docker: _, #(#names),* } = self;
                #encode
                let #mutable request = Request::new(#id, #method, #path);
                #(#params)*
                #body
                #upgrade
                Ok(request)
            }
        }

        impl<'a> std::future::IntoFuture for #name<'a> {
            type Output = Result<#output, Error>;
            type IntoFuture = futures::future::BoxFuture<'a, Self::Output>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }
    }
}

/// How an operation's answer is read: the runtime's exchange (with its arguments but the
/// client and the request), and the function that turns the answer into the output.
fn exchange(op: &Operation) -> (TokenStream, TokenStream) {
    let (exchange, answer) = match &op.response {
        Response::WithHeaders { headers, body, .. } if reads_whole(body) => {
            // (In lowercase, as the names of an answer's headers are kept: the runtime compares
            // them as they are.)
            let names = headers.iter().map(|h| h.wire.to_ascii_lowercase());
            (
                quote! { crate::runtime::whole(docker, self.into_request(), &[#(#names),*]) },
                finish(&op.response),
            )
        }
        response => {
            let exchange = match response {
                Response::Attach => quote! { crate::runtime::attached },
                Response::Upgraded { .. } => quote! { crate::runtime::upgraded },
                response if reads_whole(response) => quote! { crate::runtime::whole },
                _ => quote! { crate::runtime::streamed },
            };
            let request = if reads_whole(response) {
                quote! { #exchange(docker, self.into_request(), &[]) }
            } else {
                quote! { #exchange(docker, self.into_request()) }
            };
            (request, finish(response))
        }
    };
    let answer = if op.not_modified {
        quote! {
            if answer.status() == 304 {
                Ok(crate::Outcome::NotModified)
            } else {
                #answer.map(crate::Outcome::Done)
            }
        }
    } else {
        answer
    };
    if !op.not_modified && matches!(op.response, Response::Attach | Response::Upgraded { .. }) {
        // The exchange's answer is the output.
        return (exchange, quote! { Ok });
    }
    let mutable = matches!(&op.response, Response::WithHeaders { headers, body, .. }
        if reads_whole(body) && !headers.is_empty())
    .then(|| quote! { mut });
    (exchange, quote! { |#mutable answer| #answer })
}

/// Whether an answer is read whole (rather than streamed or upgraded).
fn reads_whole(response: &Response) -> bool {
    match response {
        Response::Unit | Response::Json(_) | Response::JsonOrEmpty(_) | Response::Text => true,
        Response::JsonLines(_)
        | Response::Bytes
        | Response::Output
        | Response::Attach
        | Response::Upgraded { .. } => false,
        Response::WithHeaders { body, .. } => reads_whole(body),
    }
}

fn method(api: &Api, op: &Operation) -> TokenStream {
    let name = ident(&op.name);
    let builder = ident(&builder_name(op));
    let doc = doc_attrs(Some(&method_doc(api.oldest, op)));
    let aliases = api.aliases.get(&op.id).into_iter().flatten();
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let name = ident(&p.name);
        let ty = required_param_type(p);
        args.push(quote! { #name: #ty });
        inits.push(quote! { #name, });
    }
    if let Some(body) = &op.body {
        let name = ident(&body.name);
        if body.required {
            match &body.kind {
                BodyKind::Json(ty) => {
                    let ty = qualified_type(ty);
                    args.push(quote! { #name: #ty });
                    inits.push(quote! { #name, });
                }
                BodyKind::Bytes { .. } => {
                    args.push(quote! { #name: impl Into<crate::Body> });
                    inits.push(quote! { #name: #name.into(), });
                }
            }
        } else {
            inits.push(quote! { #name: None, });
        }
    }
    if op.options.is_some() {
        inits.push(quote! { options: Default::default(), });
    }
    quote! {
        #doc
        #(#[doc(alias = #aliases)])*
        #[inline]
        pub fn #name<'a>(&'a self, #(#args),*) -> #builder<'a> {
            #builder { docker: self, #(#inits)* }
        }
    }
}

/// The blocking client's operations: a method per operation, taking the same arguments as the
/// async one and returning its request wrapped in a `blocking::Request`, whose setters delegate
/// to the async request's and whose `send` runs it on the client's runtime.
///
/// Compile time: each method and setter is a one-line `#[inline]` delegation and `send` is
/// generic code of the runtime, so the file adds no state machine of its own.
fn blocking(api: &Api) -> TokenStream {
    let ops: Vec<&Operation> = api.operations.iter().collect();
    let methods = ops.iter().map(|op| blocking_method(op));
    let requests = ops.iter().map(|op| blocking_request(op));
    let models = ops
        .iter()
        .any(|op| uses_models(op))
        .then(|| quote! { use crate::generated::models; });
    quote! {
        //! The operations of the blocking client.

        #models
        use crate::blocking::{Docker, Request};
        use crate::generated::requests;
        use crate::Error;

        impl Docker {
            #(#methods)*
        }

        #(#requests)*
    }
}

/// The arguments of an operation's method, as declarations and as names to pass on.
fn method_args(op: &Operation) -> (Vec<TokenStream>, Vec<Ident>) {
    let mut args = Vec::new();
    let mut names = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let name = ident(&p.name);
        let ty = required_param_type(p);
        args.push(quote! { #name: #ty });
        names.push(name);
    }
    if let Some(body) = op.body.as_ref().filter(|b| b.required) {
        let name = ident(&body.name);
        match &body.kind {
            BodyKind::Json(ty) => {
                let ty = qualified_type(ty);
                args.push(quote! { #name: #ty });
            }
            BodyKind::Bytes { .. } => args.push(quote! { #name: impl Into<crate::Body> }),
        }
        names.push(name);
    }
    (args, names)
}

fn blocking_method(op: &Operation) -> TokenStream {
    let name = ident(&op.name);
    let builder = ident(&builder_name(op));
    let doc = format!(
        " [`crate::Docker::{m}`], blocking: set the optional parameters on the request it \
         returns, then [`send`](Request::send) it.",
        m = op.name
    );
    let (args, names) = method_args(op);
    quote! {
        #[doc = #doc]
        #[inline]
        pub fn #name<'a>(&'a self, #(#args),*) -> Request<'a, requests::#builder<'a>> {
            self.request(self.inner.#name(#(#names),*))
        }
    }
}

/// The blocking output of an operation, and how `send` makes it from the async one.
fn blocking_output(op: &Operation) -> (TokenStream, TokenStream) {
    let blocking = match &op.response {
        Response::JsonLines(ty) => {
            let ty = qualified_type(ty);
            Some(quote! { crate::blocking::JsonIter<#ty> })
        }
        Response::Bytes => Some(quote! { crate::blocking::ByteReader }),
        Response::Output => Some(quote! { crate::blocking::OutputIter }),
        Response::Attach => Some(quote! { crate::blocking::Attached }),
        Response::Upgraded { .. } => Some(quote! { crate::blocking::Upgraded }),
        _ => None,
    };
    match blocking {
        Some(ty) if !op.not_modified => (ty, quote! { self.run_unblocked() }),
        _ => (output_type(op), quote! { self.run() }),
    }
}

/// A method's name as an intra-doc link takes it: without `r#`, which rustdoc does not read.
fn link_name(name: &Ident) -> String {
    let name = name.to_string();
    name.strip_prefix("r#").unwrap_or(&name).to_owned()
}

/// A setter of a blocking request, handing the value to the async request's setter.
fn blocking_setter(field: &Ident, ty: &TokenStream, doc: &str) -> TokenStream {
    quote! {
        #[doc = #doc]
        #[inline]
        pub fn #field(self, value: impl Into<#ty>) -> Self {
            self.map(|r| r.#field(value))
        }
    }
}

fn blocking_request(op: &Operation) -> TokenStream {
    let builder = ident(&builder_name(op));
    let mut setters = Vec::new();
    if let Some(body) = op.body.as_ref().filter(|b| !b.required) {
        let field = ident(&body.name);
        let ty = body_type(body);
        let doc = format!(
            " Sets the request body: [`requests::{}::{}`].",
            builder,
            link_name(&field)
        );
        setters.push(blocking_setter(&field, &ty, &doc));
    }
    if let Some(options) = &op.options {
        let options = ident(options);
        for p in op.params.iter().filter(|p| !p.required) {
            let field = ident(&p.name);
            let ty = qualified_type(&p.ty);
            let doc = format!(
                " The `{}` parameter: [`requests::{}::{}`].",
                p.wire,
                builder,
                link_name(&field)
            );
            setters.push(blocking_setter(&field, &ty, &doc));
        }
        setters.push(quote! {
            /// Sets every optional parameter at once, replacing those set before.
            #[inline]
            pub fn options(self, options: crate::options::#options) -> Self {
                self.map(|r| r.options(options))
            }
        });
    }
    let (output, run) = blocking_output(op);
    quote! {
        impl<'a> Request<'a, requests::#builder<'a>> {
            #(#setters)*

            /// Sends the request and waits for the answer.
            ///
            /// # Errors
            ///
            /// The operation's, or [`Error::Blocking`] inside an async runtime.
            #[inline]
            pub fn send(self) -> Result<#output, Error> {
                #run
            }
        }
    }
}

fn method_doc(oldest: Version, op: &Operation) -> String {
    let mut doc = String::new();
    if let Some(summary) = &op.summary {
        doc.push_str(summary.trim());
        doc.push_str("\n\n");
    }
    if let Some(description) = &op.description {
        doc.push_str(description.trim());
        doc.push_str("\n\n");
    }
    let since = since_note(op.since, oldest)
        .map(|note| format!(" {note}"))
        .unwrap_or_default();
    doc.push_str(&format!(
        "`{} {}` (operation `{}`).{since}",
        op.method, op.path, op.id
    ));
    let arguments: Vec<String> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let name = &p.name;
            let since = since_note(p.since, oldest.max(op.since))
                .map(|note| format!(" {note}"))
                .unwrap_or_default();
            match p.doc.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                Some(text) => format!("- `{name}`: {}{since}", text.replace('\n', " ")),
                None => format!("- `{name}`{since}"),
            }
        })
        .chain(op.body.iter().filter(|b| b.required).map(|b| {
            let text = b
                .doc
                .as_deref()
                .unwrap_or("The request body.")
                .trim()
                .replace('\n', " ");
            format!("- `{}`: {}", b.name, text)
        }))
        .collect();
    if !arguments.is_empty() {
        doc.push_str("\n\n# Arguments\n\n");
        doc.push_str(&arguments.join("\n"));
    }
    let optional = op.options.is_some() || op.body.as_ref().is_some_and(|b| !b.required);
    let builder = builder_name(op);
    if optional {
        doc.push_str(&format!(
            "\n\nOptional parameters are set on the [`{builder}`] it returns, which is sent \
             when awaited."
        ));
    } else {
        doc.push_str(&format!(
            "\n\nThe [`{builder}`] it returns is sent when awaited."
        ));
    }
    if op.not_modified {
        doc.push_str(
            "\n\nReturns [`Outcome::NotModified`](crate::Outcome::NotModified) when the engine \
             answers `304 Not Modified`: the object was already in the requested state.",
        );
    }
    if !op.errors.is_empty() {
        doc.push_str("\n\n# Errors\n\nThe engine documents these failures:\n");
        for (code, description) in &op.errors {
            doc.push_str(&format!("\n- `{code}`: {}", description.trim()));
        }
    }
    doc
}

/// Statements that percent-encode the path parameters, each shadowing its argument, and the
/// path expression that uses them.
fn path_expr(op: &Operation) -> (TokenStream, TokenStream) {
    let mut template = String::new();
    let mut encode = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let wire = &rest[start + 1..start + end];
        let param = op
            .params
            .iter()
            .find(|p| p.location == Location::Path && p.wire == wire);
        let name = param
            .map(|p| p.name.clone())
            .unwrap_or_else(|| value_name(wire));
        template.push_str(&rest[..start]);
        template.push_str(&format!("{{{name}}}"));
        let name = ident(&name);
        encode.push(quote! { let #name = encode_path_segment(#wire, #name)?; });
        rest = &rest[start + end + 1..];
    }
    template.push_str(rest);
    if encode.is_empty() {
        (quote! {}, quote! { #template.to_owned() })
    } else {
        (quote! { #(#encode)* }, quote! { format!(#template) })
    }
}

fn param_stmt(p: &Param) -> TokenStream {
    let wire = &p.wire;
    let name = ident(&p.name);
    // Required parameters are arguments; optional ones live in the options struct.
    let value = if p.required && p.encoding != Encoding::Plain {
        quote! { Some(#name) }
    } else if p.required {
        quote! { Some(&#name) }
    } else {
        quote! { options.#name.as_ref() }
    };
    let list = if p.required {
        quote! { #name.iter() }
    } else {
        quote! { options.#name.iter().flatten() }
    };
    match (p.location, p.encoding) {
        (Location::Header, Encoding::Base64Json) => {
            quote! { request.header_base64_json(#wire, #value)?; }
        }
        (Location::Header, Encoding::Repeated) => quote! { request.header(#wire, #list); },
        (Location::Header, _) => quote! { request.header(#wire, #value); },
        (_, Encoding::Json | Encoding::Base64Json) => {
            quote! { request.query_json(#wire, #value)?; }
        }
        (_, Encoding::Repeated) => quote! { request.query(#wire, #list); },
        (_, Encoding::Comma) => quote! { request.query_joined(#wire, #list); },
        (_, Encoding::Plain) => quote! { request.query(#wire, #value); },
    }
}

fn body_stmt(body: &Body) -> TokenStream {
    let name = ident(&body.name);
    match (&body.kind, body.required) {
        (BodyKind::Json(_), true) => quote! { request.json_body(&#name)?; },
        (BodyKind::Json(_), false) => quote! {
            if let Some(body) = #name {
                request.json_body(&body)?;
            }
        },
        (BodyKind::Bytes { content_type }, true) => {
            quote! { request.body(#name, #content_type); }
        }
        (BodyKind::Bytes { content_type }, false) => quote! {
            if let Some(body) = #name {
                request.body(body, #content_type);
            }
        },
    }
}

fn response_type(response: &Response) -> Option<TokenStream> {
    Some(match response {
        Response::Unit => return None,
        Response::Json(ty) => qualified_type(ty),
        Response::JsonOrEmpty(ty) => {
            let ty = qualified_type(ty);
            quote! { Option<#ty> }
        }
        Response::JsonLines(ty) => {
            let ty = qualified_type(ty);
            quote! { crate::JsonStream<#ty> }
        }
        Response::Text => quote! { String },
        Response::Bytes => quote! { crate::ByteStream },
        Response::Output => quote! { crate::OutputStream },
        Response::Attach => quote! { crate::Attached },
        Response::Upgraded { .. } => quote! { crate::runtime::Upgraded },
        Response::WithHeaders { type_name, .. } => {
            let name = ident(type_name);
            quote! { models::#name }
        }
    })
}

/// Reads a JSON body. A list or map also accepts `null`, as empty: engines answer `null` for
/// "none" (the changes of an unchanged container).
fn read_json(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Vec(_) | TypeRef::Map(_) => quote! { answer.json_or_default() },
        _ => quote! { answer.json() },
    }
}

/// The expression that turns `answer` (a `crate::runtime::Whole` for an answer read whole, else
/// what the exchange made) into the method's output.
fn finish(response: &Response) -> TokenStream {
    match response {
        Response::Unit => quote! { answer.unit() },
        Response::Json(ty) => read_json(ty),
        Response::JsonOrEmpty(_) => quote! { answer.json_or_empty() },
        Response::JsonLines(_) => quote! { Ok(answer.json_lines()) },
        Response::Text => quote! { answer.text() },
        Response::Bytes => quote! { Ok(answer.byte_stream()) },
        Response::Output => quote! { Ok(answer.output_stream()) },
        Response::Attach | Response::Upgraded { .. } => quote! { Ok(answer) },
        Response::WithHeaders {
            type_name,
            headers,
            body,
        } => {
            let name = ident(type_name);
            let whole = reads_whole(body);
            let reads = headers.iter().enumerate().map(|(i, h)| {
                let field = ident(&h.name);
                if whole {
                    let index = Literal::usize_unsuffixed(i);
                    quote! { #field: answer.header(#index), }
                } else {
                    let wire = &h.wire;
                    quote! { #field: answer.header(#wire), }
                }
            });
            let body_field = match body.as_ref() {
                Response::Unit => quote! {},
                Response::Attach | Response::Upgraded { .. } => {
                    unreachable!("the headers of an upgraded connection are not kept")
                }
                Response::WithHeaders { .. } => unreachable!("headers do not nest"),
                body => {
                    let read = finish(body);
                    quote! { body: #read?, }
                }
            };
            quote! {
                Ok(models::#name { #(#reads)* #body_field })
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The history as data

/// `history.rs`: the API's version history as tables for the client's check before sending
/// (`crate::compat`): the operations that have anything newer than the oldest version of the
/// history (their own version, their newer parameters, their body's newer fields, the rules of
/// `spec/compat.yaml`), and the structs of request bodies that lead to newer fields. Only what
/// a check needs, so that the tables stay small.
fn history_tables(api: &Api) -> TokenStream {
    let oldest = api.oldest;
    let structs = body_structs(api);
    let index: BTreeMap<&str, usize> = structs
        .keys()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let mut versions = std::collections::BTreeSet::new();
    let mut version = |v: Version| -> TokenStream {
        if v <= oldest {
            return quote! { OLDEST };
        }
        versions.insert(v);
        let name = format_ident!("V{}_{}", v.major, v.minor);
        quote! { #name }
    };

    let mut operations: Vec<&Operation> = api
        .operations
        .iter()
        .filter(|op| {
            op.since > oldest
                || op.params.iter().any(|p| p.since > oldest)
                || body_root(api, op, &index).is_some()
                || !op.compat.is_empty()
        })
        .collect();
    operations.sort_by(|a, b| a.id.cmp(&b.id));
    let operation_rows: Vec<TokenStream> = operations
        .iter()
        .map(|op| {
            let id = &op.id;
            let since = version(op.since);
            let params = op
                .params
                .iter()
                .filter(|p| p.since > oldest && p.since > op.since)
                .map(|p| {
                    let wire = &p.wire;
                    let since = version(p.since);
                    quote! { (#wire, #since) }
                })
                .collect::<Vec<_>>();
            let body = nested(body_root(api, op, &index));
            let rules = op
                .compat
                .iter()
                .map(|rule| {
                    let item = match &rule.item {
                        CompatItem::Param(name) => quote! { api_history::RuleItem::Param(#name) },
                        CompatItem::Field(path) => {
                            let path = path.join(".");
                            quote! { api_history::RuleItem::Field(#path) }
                        }
                    };
                    let below = version(rule.below);
                    let action = match &rule.action {
                        CompatAction::Refuse => quote! { api_history::Action::Refuse },
                        CompatAction::Drop => quote! { api_history::Action::Drop },
                        CompatAction::Send => quote! { api_history::Action::Send },
                        CompatAction::Rename(to) => quote! { api_history::Action::Rename(#to) },
                        CompatAction::Default(value) => {
                            let json = value.to_string();
                            quote! { api_history::Action::Default(#json) }
                        }
                    };
                    quote! { api_history::Rule { item: #item, below: #below, action: #action } }
                })
                .collect::<Vec<_>>();
            quote! {
                api_history::OperationHistory {
                    id: #id,
                    since: #since,
                    params: &[#(#params),*],
                    body: #body,
                    rules: &[#(#rules),*],
                }
            }
        })
        .collect();
    let struct_rows: Vec<TokenStream> = structs
        .iter()
        .map(|(name, fields)| {
            let rows = fields.iter().map(|(wire, since, link)| {
                let since = version(*since);
                let nested = nested(*link);
                quote! { api_history::FieldHistory { wire: #wire, since: #since, nested: #nested } }
            });
            quote! { api_history::StructHistory { name: #name, fields: &[#(#rows),*] } }
        })
        .collect();
    let number = |n: u16| Literal::u16_unsuffixed(n);
    let version_consts = versions.iter().map(|v| {
        let name = format_ident!("V{}_{}", v.major, v.minor);
        let (major, minor) = (number(v.major), number(v.minor));
        quote! { const #name: ApiVersion = ApiVersion::new(#major, #minor); }
    });
    let (major, minor) = (number(oldest.major), number(oldest.minor));
    let (own_major, own_minor) = (number(api.number.major), number(api.number.minor));
    let n_ops = Literal::usize_unsuffixed(operation_rows.len());
    let n_structs = Literal::usize_unsuffixed(struct_rows.len());
    let oldest_doc = format!(" The oldest API version of the history: {oldest}.");
    let version = &api.version;
    let version_doc =
        format!(" The API version these bindings were generated from: `/v{version}`.");
    quote! {
        //! The API's version history as data, for the check before sending (`crate::compat`):
        //! the version the bindings were generated from, operations with anything newer than
        //! [`OLDEST`], and the structs of request bodies that lead to newer fields.

        use crate::api_history;
        use crate::ApiVersion;

        #[doc = #version_doc]
        pub const API_VERSION: &str = #version;

        /// [`API_VERSION`] as a number.
        pub(crate) const OWN: ApiVersion = ApiVersion::new(#own_major, #own_minor);

        #[doc = #oldest_doc]
        pub(crate) const OLDEST: ApiVersion = ApiVersion::new(#major, #minor);

        #(#version_consts)*

        /// Operations with a newer parameter, body field or rule, or newer themselves, by id.
        pub(crate) static OPERATIONS: [api_history::OperationHistory; #n_ops] = [#(#operation_rows),*];

        /// Structs of request bodies, by name, with the fields that are newer than [`OLDEST`],
        /// lead to such fields, or have a rule.
        pub(crate) static STRUCTS: [api_history::StructHistory; #n_structs] = [#(#struct_rows),*];
    }
}

/// A table's link to a struct: its index, and the maps between.
fn nested(link: Option<(usize, u8)>) -> TokenStream {
    match link {
        Some((index, maps)) => {
            let index = Literal::usize_unsuffixed(index);
            let maps = Literal::u8_unsuffixed(maps);
            quote! { Some(api_history::Nested { index: #index, maps: #maps }) }
        }
        None => quote! { None },
    }
}

/// One row of a struct table: a field's wire name, its `since`, and the struct (index, maps
/// between) it leads to.
type FieldRow = (String, Version, Option<(usize, u8)>);

/// The structs the history tables list, by name, with their rows: those reached from a JSON
/// request body that hold a field newer than the struct itself (a newer struct is refused where
/// a field leads to it, so its own fields need no rows), a field on a compat rule's path, or a
/// field leading to such a struct.
fn body_structs(api: &Api) -> BTreeMap<String, Vec<FieldRow>> {
    let newer = |name: &str, f: &Field| {
        let type_since = api.types.get(name).map_or(api.oldest, |d| d.since);
        f.since > api.oldest.max(type_since)
    };
    // Fields on the paths of compat rules, by (struct, wire).
    let mut on_rule_path: std::collections::BTreeSet<(String, String)> = Default::default();
    for op in &api.operations {
        let Some(BodyKind::Json(root)) = op.body.as_ref().map(|b| &b.kind) else {
            continue;
        };
        for rule in &op.compat {
            let CompatItem::Field(path) = &rule.item else {
                continue;
            };
            let mut ty = root.clone();
            for wire in path {
                let Some((name, _)) = struct_behind(api, &ty) else {
                    break;
                };
                let Some(TypeKind::Struct(fields)) = api.types.get(&name).map(|d| &d.kind) else {
                    break;
                };
                on_rule_path.insert((name.clone(), wire.clone()));
                match fields.iter().find(|f| &f.wire == wire) {
                    Some(f) => ty = f.ty.clone(),
                    None => break,
                }
            }
        }
    }
    // Which structs reached from bodies are needed: computed to a fixed point, cycles included.
    let mut reached: Vec<String> = Vec::new();
    let mut queue: Vec<String> = api
        .operations
        .iter()
        .filter_map(|op| match op.body.as_ref().map(|b| &b.kind) {
            Some(BodyKind::Json(root)) => struct_behind(api, root).map(|(name, _)| name),
            _ => None,
        })
        .collect();
    while let Some(name) = queue.pop() {
        if reached.contains(&name) {
            continue;
        }
        if let Some(TypeKind::Struct(fields)) = api.types.get(&name).map(|d| &d.kind) {
            queue.extend(
                fields
                    .iter()
                    .filter_map(|f| struct_behind(api, &f.ty).map(|(n, _)| n)),
            );
        }
        reached.push(name);
    }
    let mut needed: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    loop {
        let before = needed.len();
        for name in &reached {
            let Some(TypeKind::Struct(fields)) = api.types.get(name).map(|d| &d.kind) else {
                continue;
            };
            let wanted = fields.iter().any(|f| {
                newer(name, f)
                    || on_rule_path.contains(&(name.clone(), f.wire.clone()))
                    || struct_behind(api, &f.ty).is_some_and(|(n, _)| needed.contains(&n))
            });
            if wanted {
                needed.insert(name.clone());
            }
        }
        if needed.len() == before {
            break;
        }
    }
    let index: BTreeMap<&str, usize> = needed
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    needed
        .iter()
        .map(|name| {
            let rows = match api.types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Struct(fields)) => fields
                    .iter()
                    .filter_map(|f| {
                        let nested = struct_behind(api, &f.ty)
                            .and_then(|(n, maps)| index.get(n.as_str()).map(|&i| (i, maps)));
                        let keep = newer(name, f)
                            || nested.is_some()
                            || on_rule_path.contains(&(name.clone(), f.wire.clone()));
                        keep.then(|| (f.wire.clone(), f.since, nested))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (name.clone(), rows)
        })
        .collect()
}

/// The struct a type is or holds, through lists, aliases and maps, and how many maps stand
/// between.
fn struct_behind(api: &Api, ty: &TypeRef) -> Option<(String, u8)> {
    let mut ty = ty;
    let mut maps = 0u8;
    // Aliases may chain; a cycle of them is not a type, so the walk is bounded.
    for _ in 0..16 {
        match ty {
            TypeRef::Vec(inner) | TypeRef::Nullable(inner) => ty = inner,
            TypeRef::Map(inner) => {
                maps = maps.saturating_add(1);
                ty = inner;
            }
            TypeRef::Named(name) => match api.types.get(name).map(|d| &d.kind) {
                Some(TypeKind::Struct(_)) => return Some((name.clone(), maps)),
                Some(TypeKind::Alias(target)) => ty = target,
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}

/// The table entry of an operation's JSON body, when its struct is listed.
fn body_root(api: &Api, op: &Operation, index: &BTreeMap<&str, usize>) -> Option<(usize, u8)> {
    let Some(BodyKind::Json(root)) = op.body.as_ref().map(|b| &b.kind) else {
        return None;
    };
    let (name, maps) = struct_behind(api, root)?;
    index.get(name.as_str()).map(|&i| (i, maps))
}

/// The documentation note on an item newer than the oldest version of the history.
fn since_note(since: Version, oldest: Version) -> Option<String> {
    (since > oldest).then(|| format!("API {since}+."))
}

/// Documentation with a note as its last paragraph.
fn with_note(doc: Option<&str>, note: Option<String>) -> Option<String> {
    match (doc.map(str::trim).filter(|d| !d.is_empty()), note) {
        (Some(doc), Some(note)) => Some(format!("{doc}\n\n{note}")),
        (None, Some(note)) => Some(note),
        (doc, None) => doc.map(str::to_owned),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Rust's keywords (strict, reserved and edition 2024's `gen`) that may be raw identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof",
    "unsized", "virtual", "yield",
];

/// An identifier; a keyword becomes a raw identifier (`r#type`). This is the only place raw
/// identifiers are made: the model holds plain names.
fn ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        format_ident!("{}", name)
    }
}

/// Doc attributes for spec prose. Code blocks in the spec are examples in JSON or shell, never
/// Rust: they are marked as text so that rustdoc neither tests nor highlights them as Rust.
fn doc_attrs(text: Option<&str>) -> TokenStream {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return quote! {};
    };
    let lines = markdown_lines(text)
        .into_iter()
        .map(|line| format!(" {line}").trim_end().to_owned());
    quote! { #(#[doc = #lines])* }
}

/// Normalises the spec's Markdown for rustdoc: code fences are marked `text`, and the lines
/// that continue a list item are indented to the item's text, as rustdoc's lints expect.
fn markdown_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_fence = false;
    // The column of the current list item's text, while inside a list item.
    let mut item: Option<usize> = None;
    let mut after_blank = false;
    let mut in_code = false;
    for line in text.lines() {
        let line = line.trim_end();
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(info) = trimmed.strip_prefix("```") {
            in_fence = !in_fence;
            let fence = if in_fence && info.trim() != "text" {
                "```text"
            } else {
                trimmed
            };
            lines.push(format!("{}{fence}", &line[..indent]));
            continue;
        }
        if in_fence {
            lines.push(line.to_owned());
            continue;
        }
        // An HTML spacer paragraph, sometimes left unclosed: a blank line says the same.
        if matches!(trimmed, "<p><br /><p>" | "<p><br /></p>" | "<p><br/></p>") {
            after_blank = true;
            lines.push(String::new());
            continue;
        }
        // (Not in an indented code block, whose text is code.)
        let fixed = if in_code || (indent >= 4 && item.is_none()) {
            line.to_owned()
        } else {
            inline_fixes(line)
        };
        let line = fixed.as_str();
        let trimmed = line.trim_start();
        if in_code && (indent >= 4 || trimmed.is_empty()) {
            lines.push(line.get(4..).unwrap_or("").to_owned());
            continue;
        }
        if in_code {
            in_code = false;
            let blanks = lines.iter().rev().take_while(|l| l.is_empty()).count();
            lines.insert(lines.len() - blanks, "```".to_owned());
        }
        if trimmed.is_empty() {
            after_blank = true;
            lines.push(String::new());
            continue;
        }
        if indent >= 4 && item.is_none() && (after_blank || lines.is_empty()) {
            // An indented code block: rustdoc would compile it as Rust.
            in_code = true;
            lines.push("```text".to_owned());
            lines.push(line[4..].to_owned());
            continue;
        }
        if let Some(marker) = list_marker(trimmed) {
            item = Some(indent + marker);
            lines.push(line.to_owned());
        } else if let Some(column) = item.filter(|_| !after_blank || indent > 0) {
            lines.push(format!("{}{trimmed}", " ".repeat(column)));
        } else {
            item = None;
            lines.push(line.to_owned());
        }
        after_blank = false;
    }
    if in_fence || in_code {
        lines.push("```".to_owned());
    }
    lines
}

/// HTML tags rustdoc accepts in the spec's prose; any other `<word>` is a placeholder.
const HTML_TAGS: &[&str] = &[
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "hr",
    "i",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Fixes a line of prose outside code spans for rustdoc: a bare URL becomes an autolink
/// (`<https://...>`), and a placeholder written like an HTML tag (`<string>`) becomes code.
fn inline_fixes(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut i = 0;
    let bytes = line.as_bytes();
    while i < line.len() {
        let rest = &line[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c == '`' {
            in_code = !in_code;
        } else if !in_code && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let before = i.checked_sub(1).map(|b| bytes[b]);
            if !matches!(before, Some(b'(' | b'<' | b'"' | b'[' | b'\'')) {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let url = rest[..end].trim_end_matches(['.', ',', ';', ':', ')']);
                out.push('<');
                out.push_str(url);
                out.push('>');
                i += url.len();
                continue;
            }
        } else if !in_code && c == '[' {
            // A bracketed name (`[Content]`, the spec's Go doc links) would be taken for an
            // intra-doc link to nothing: its brackets are escaped.
            let word_len = rest[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(rest.len() - 1);
            let after = rest[1 + word_len..].chars().nth(1);
            if word_len > 0
                && rest[1 + word_len..].starts_with(']')
                && !matches!(after, Some('(' | '[' | ':'))
                && !out.ends_with(']')
            {
                out.push_str("\\[");
                out.push_str(&rest[1..1 + word_len]);
                out.push_str("\\]");
                i += word_len + 2;
                continue;
            }
        } else if !in_code && c == '<' {
            let name_len = rest[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len() - 1);
            let name = &rest[1..1 + name_len];
            let closed = rest[1 + name_len..].starts_with('>');
            if closed
                && name.starts_with(|c: char| c.is_ascii_alphabetic())
                && !HTML_TAGS.contains(&name.to_ascii_lowercase().as_str())
            {
                out.push('`');
                out.push_str(&rest[..name_len + 2]);
                out.push('`');
                i += name_len + 2;
                continue;
            }
        }
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The width of a list marker and its space (`- `, `* `, `12. `) at the start of `line`.
fn list_marker(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_fixed_for_rustdoc_outside_code() {
        assert_eq!(
            inline_fixes("See https://docs.docker.com/build/ for more."),
            "See <https://docs.docker.com/build/> for more."
        );
        assert_eq!(
            inline_fixes("[docs](https://docs.docker.com/) and <https://x.y/>"),
            "[docs](https://docs.docker.com/) and <https://x.y/>"
        );
        assert_eq!(
            inline_fixes("- `plugin`=<string> plugin name, `<id>` kept, <br> kept"),
            "- `plugin`=`<string>` plugin name, `<id>` kept, <br> kept"
        );
        assert_eq!(
            inline_fixes("the sum of [Content] size, [a link](x), [ref][r], [`Code`]"),
            "the sum of \\[Content\\] size, [a link](x), [ref][r], [`Code`]"
        );
        assert_eq!(
            markdown_lines("One.\n<p><br /><p>\nTwo."),
            ["One.", "", "Two."]
        );
    }
}

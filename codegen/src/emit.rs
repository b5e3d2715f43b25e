//! Stage 5: render the intermediate model as Rust tokens, one token stream per file.
//!
//! The generated code relies on a small runtime in the client crate: `crate::Docker`,
//! `crate::Error`, `crate::runtime::{Request, Response}`, the body and stream types, and the
//! serde helpers in `crate::runtime::serde_helpers`.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{
    Api, Body, BodyKind, Encoding, Field, IntKind, Location, Operation, Param, Presence, Response,
    TypeDef, TypeKind, TypeRef,
};
use crate::names::value_name;

/// Renders the model: `mod.rs`, `models.rs` and one file per tag.
pub fn emit(api: &Api) -> BTreeMap<String, TokenStream> {
    let mut files = BTreeMap::new();
    let mut by_tag: BTreeMap<String, Vec<&Operation>> = BTreeMap::new();
    for op in &api.operations {
        by_tag.entry(value_name(&op.tag)).or_default().push(op);
    }
    files.insert("models.rs".to_owned(), models(api));
    for (tag, ops) in &by_tag {
        files.insert(
            format!("{}.rs", tag.trim_start_matches("r#")),
            tag_file(ops),
        );
    }
    let with_options: Vec<&String> = by_tag
        .iter()
        .filter(|(_, ops)| ops.iter().any(|op| op.options.is_some()))
        .map(|(tag, _)| tag)
        .collect();
    files.insert(
        "mod.rs".to_owned(),
        module(api, by_tag.keys(), &with_options),
    );
    files
}

fn module<'a>(
    api: &Api,
    tags: impl Iterator<Item = &'a String>,
    with_options: &[&String],
) -> TokenStream {
    let version = &api.version;
    let module_doc = format!(
        " Generated from the Docker Engine API v{version} spec by `cargo xtask regenerate`."
    );
    let mods = tags.map(|t| ident(t));
    let uses = with_options.iter().map(|t| ident(t));
    let version_doc =
        format!(" The API version these bindings were generated from: `/v{version}`.");
    let operations = api.operations.iter().map(|op| {
        let (id, method, path) = (&op.id, &op.method, &op.path);
        quote! { crate::OperationInfo { id: #id, method: #method, path: #path } }
    });
    let count = api.operations.len();
    quote! {
        #![doc = #module_doc]

        pub mod models;
        #(mod #mods;)*

        /// Options of the operations: their optional query parameters and headers.
        pub mod options {
            #(pub use super::#uses::*;)*
        }

        #[doc = #version_doc]
        pub const API_VERSION: &str = #version;

        /// Every operation of the API: its id, HTTP method and path template.
        pub const OPERATIONS: [crate::OperationInfo; #count] = [#(#operations),*];
    }
}

// ---------------------------------------------------------------------------------------------
// Models

fn models(api: &Api) -> TokenStream {
    let defs = api.types.values().map(type_def);
    let header_structs = api.operations.iter().filter_map(|op| match &op.response {
        Response::WithHeaders {
            type_name,
            headers,
            body,
        } => {
            let name = ident(type_name);
            let doc = doc_attrs(Some(&format!(
                "The response of [`Docker::{}`](crate::Docker::{}): its headers and body.",
                op.name.trim_start_matches("r#"),
                op.name.trim_start_matches("r#")
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
        _ => None,
    });
    quote! {
        //! The API's types: every schema of the spec, and the inline schemas of its operations.

        use std::collections::HashMap;

        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        #(#defs)*
        #(#header_structs)*
    }
}

fn type_def(def: &TypeDef) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_attrs(def.doc.as_deref());
    match &def.kind {
        TypeKind::Struct(fields) if fields.iter().any(|f| f.secret) => {
            let debug_fields = fields.iter().map(|f| {
                let (field, wire) = (ident(&f.name), &f.wire);
                if f.secret {
                    let shown = match f.presence {
                        Presence::Optional => {
                            quote! { &self.#field.as_ref().map(|_| "<redacted>") }
                        }
                        _ => quote! { &"<redacted>" },
                    };
                    quote! { .field(#wire, #shown) }
                } else {
                    quote! { .field(#wire, &self.#field) }
                }
            });
            let fields = fields.iter().map(field);
            let wire_name = &def.name;
            quote! {
                #doc
                #[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
                pub struct #name { #(#fields)* }

                /// Shows every field but the credentials.
                impl std::fmt::Debug for #name {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.debug_struct(#wire_name) #(#debug_fields)* .finish()
                    }
                }
            }
        }
        TypeKind::Struct(fields) => {
            let fields = fields.iter().map(field);
            quote! {
                #doc
                #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
                pub struct #name { #(#fields)* }
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

                impl std::str::FromStr for #name {
                    type Err = std::convert::Infallible;

                    fn from_str(value: &str) -> Result<Self, Self::Err> {
                        Ok(Self::from(value))
                    }
                }

                impl std::fmt::Display for #name {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }

                impl Serialize for #name {
                    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                        serializer.serialize_str(self.as_str())
                    }
                }

                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        Ok(Self::from(String::deserialize(deserializer)?.as_str()))
                    }
                }
            }
        }
    }
}

fn field(field: &Field) -> TokenStream {
    let name = ident(&field.name);
    let doc = doc_attrs(field.doc.as_deref());
    let wire = &field.wire;
    let rename = if field.name.trim_start_matches("r#") == field.wire {
        quote! {}
    } else {
        quote! { rename = #wire, }
    };
    let set = field.ty == TypeRef::KeySet;
    let ty = if set {
        quote! { Vec<String> }
    } else {
        rust_type(&field.ty)
    };
    let (ty, attrs) = match field.presence {
        Presence::Optional => {
            let inner = ty;
            let with = if set {
                quote! { with = "crate::runtime::serde_helpers::key_set_opt", }
            } else {
                quote! {}
            };
            (
                quote! { Option<#inner> },
                quote! { default, skip_serializing_if = "Option::is_none", #with },
            )
        }
        Presence::Required => (ty, quote! {}),
        Presence::Collection => {
            let helper = if set {
                quote! { with = "crate::runtime::serde_helpers::key_set", }
            } else {
                quote! { deserialize_with = "crate::runtime::serde_helpers::null_as_default", }
            };
            (ty, quote! { default, #helper })
        }
    };
    let serde = quote! { #rename #attrs };
    let serde = if serde.is_empty() {
        quote! {}
    } else {
        quote! { #[serde(#serde)] }
    };
    quote! { #doc #serde pub #name: #ty, }
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

fn tag_file(ops: &[&Operation]) -> TokenStream {
    let tag = &ops[0].tag;
    let doc = format!(" Operations tagged `{tag}`, and their options.");
    let options: Vec<TokenStream> = ops.iter().map(|op| options_struct(op)).collect();
    let methods: Vec<TokenStream> = ops.iter().map(|op| method(op)).collect();
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

        impl Docker {
            #(#methods)*
        }
    }
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

fn options_struct(op: &Operation) -> TokenStream {
    let Some(name) = &op.options else {
        return quote! {};
    };
    let name = ident(name);
    let doc = format!(
        " Optional parameters of [`Docker::{}`].",
        op.name.trim_start_matches("r#")
    );
    let fields = op.params.iter().filter(|p| !p.required).map(|p| {
        let name = ident(&p.name);
        let ty = qualified_type(&p.ty);
        let location = match p.location {
            Location::Query => "query parameter",
            _ => "header",
        };
        let text = format!(
            "The `{}` {location}.{}",
            p.wire,
            p.doc
                .as_deref()
                .map(|d| format!("\n\n{d}"))
                .unwrap_or_default()
        );
        let doc = doc_attrs(Some(&text));
        quote! { #doc pub #name: Option<#ty>, }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name { #(#fields)* }
    }
}

fn method(op: &Operation) -> TokenStream {
    let name = ident(&op.name);
    let doc = doc_attrs(Some(&method_doc(op)));
    let mut args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let name = ident(&p.name);
        let ty = match &p.ty {
            TypeRef::String => quote! { &str },
            TypeRef::Named(_) | TypeRef::Vec(_) | TypeRef::Map(_)
                if p.encoding != Encoding::Plain =>
            {
                let ty = qualified_type(&p.ty);
                quote! { &#ty }
            }
            other => qualified_type(other),
        };
        args.push(quote! { #name: #ty });
    }
    if let Some(body) = &op.body {
        let name = ident(&body.name);
        let ty = match (&body.kind, body.required) {
            (BodyKind::Json(ty), true) => {
                let ty = qualified_type(ty);
                quote! { &#ty }
            }
            (BodyKind::Json(ty), false) => {
                let ty = qualified_type(ty);
                quote! { Option<&#ty> }
            }
            (BodyKind::Bytes { .. }, true) => quote! { impl Into<crate::Body> },
            (BodyKind::Bytes { .. }, false) => quote! { Option<crate::Body> },
        };
        args.push(quote! { #name: #ty });
    }
    if let Some(options) = &op.options {
        let options = ident(options);
        args.push(quote! { options: &#options });
    }

    let (encode, path) = path_expr(op);
    let method = &op.method;
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
    let output = response_type(&op.response).unwrap_or_else(|| quote! { () });
    let (output, finish) = if op.not_modified {
        let finish = finish(&op.response);
        (
            quote! { crate::Outcome<#output> },
            quote! {
                if response.status() == 304 {
                    return Ok(crate::Outcome::NotModified);
                }
                #finish.map(crate::Outcome::Done)
            },
        )
    } else {
        (output, finish(&op.response))
    };
    let mutable = if op.params.iter().any(|p| p.location != Location::Path)
        || op.body.is_some()
        || upgrade.is_some()
    {
        quote! { mut }
    } else {
        quote! {}
    };
    quote! {
        #doc
        pub async fn #name(&self, #(#args),*) -> Result<#output, Error> {
            #encode
            let #mutable request = Request::new(#method, #path);
            #(#params)*
            #body
            #upgrade
            let response = self.send(request).await?;
            #finish
        }
    }
}

fn method_doc(op: &Operation) -> String {
    let mut doc = String::new();
    if let Some(summary) = &op.summary {
        doc.push_str(summary.trim());
        doc.push_str("\n\n");
    }
    if let Some(description) = &op.description {
        doc.push_str(description.trim());
        doc.push_str("\n\n");
    }
    doc.push_str(&format!(
        "`{} {}` (operation `{}`).",
        op.method, op.path, op.id
    ));
    let arguments: Vec<String> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let name = p.name.trim_start_matches("r#");
            match p.doc.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                Some(text) => format!("- `{name}`: {}", text.replace('\n', " ")),
                None => format!("- `{name}`"),
            }
        })
        .chain(op.body.iter().map(|b| {
            let text = b
                .doc
                .as_deref()
                .unwrap_or("The request body.")
                .trim()
                .replace('\n', " ");
            format!("- `{}`: {}", b.name.trim_start_matches("r#"), text)
        }))
        .collect();
    if !arguments.is_empty() {
        doc.push_str("\n\n# Arguments\n\n");
        doc.push_str(&arguments.join("\n"));
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
        template.push_str(&format!("{{{}}}", name.trim_start_matches("r#")));
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
        (Location::Header, Encoding::Repeated) => quote! { request.header_each(#wire, #list); },
        (Location::Header, _) => quote! { request.header(#wire, #value); },
        (_, Encoding::Json | Encoding::Base64Json) => {
            quote! { request.query_json(#wire, #value)?; }
        }
        (_, Encoding::Repeated) => quote! { request.query_each(#wire, #list); },
        (_, Encoding::Comma) => quote! { request.query_joined(#wire, #list); },
        (_, Encoding::Plain) => quote! { request.query(#wire, #value); },
    }
}

fn body_stmt(body: &Body) -> TokenStream {
    let name = ident(&body.name);
    match (&body.kind, body.required) {
        (BodyKind::Json(_), true) => quote! { request.json_body(#name)?; },
        (BodyKind::Json(_), false) => quote! {
            if let Some(body) = #name {
                request.json_body(body)?;
            }
        },
        (BodyKind::Bytes { content_type }, true) => {
            quote! { request.body(#name.into(), #content_type); }
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
        TypeRef::Vec(_) | TypeRef::Map(_) => quote! { response.json_or_default().await },
        _ => quote! { response.json().await },
    }
}

/// The statements that turn `response` into the method's output.
fn finish(response: &Response) -> TokenStream {
    match response {
        Response::Unit => quote! { response.unit().await },
        Response::Json(ty) => read_json(ty),
        Response::JsonOrEmpty(_) => quote! { response.json_or_empty().await },
        Response::JsonLines(_) => quote! { Ok(response.json_lines()) },
        Response::Text => quote! { response.text().await },
        Response::Bytes => quote! { Ok(response.byte_stream()) },
        Response::Output => quote! { Ok(response.output_stream()) },
        Response::Attach => quote! { response.attach().await },
        Response::Upgraded { .. } => quote! { response.upgraded().await },
        Response::WithHeaders {
            type_name,
            headers,
            body,
        } => {
            let name = ident(type_name);
            let reads = headers.iter().map(|h| {
                let (field, wire) = (ident(&h.name), &h.wire);
                quote! { let #field = response.header(#wire); }
            });
            let fields = headers.iter().map(|h| ident(&h.name));
            let body_field = match body.as_ref() {
                Response::Unit => quote! {},
                Response::Json(ty) => {
                    let read = read_json(ty);
                    quote! { body: #read?, }
                }
                Response::JsonOrEmpty(_) => quote! { body: response.json_or_empty().await?, },
                Response::JsonLines(_) => quote! { body: response.json_lines(), },
                Response::Text => quote! { body: response.text().await?, },
                Response::Bytes => quote! { body: response.byte_stream(), },
                Response::Output => quote! { body: response.output_stream(), },
                Response::Attach => quote! { body: response.attach().await?, },
                Response::Upgraded { .. } => quote! { body: response.upgraded().await?, },
                Response::WithHeaders { .. } => unreachable!("headers do not nest"),
            };
            quote! {
                #(#reads)*
                Ok(models::#name { #(#fields,)* #body_field })
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => format_ident!("{}", name),
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

/// The width of a list marker and its space (`- `, `* `, `12. `) at the start of `line`.
fn list_marker(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && line[digits..].starts_with(". ")).then_some(digits + 2)
}

//! Stage 4: the intermediate model of types and operations, built from the OpenAPI document.
//!
//! This is where the API's open-schema rules are decided: which fields are optional, which
//! lists accept `null`, which strings are enums, which objects are sets. Emission only renders
//! what this model says.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, OpenAPI, ReferenceOr, Schema, SchemaKind, Type,
    VariantOrUnknownOrEmpty,
};

use crate::extensions::{
    BASE64URL, BINARY_MEDIA_TYPES, BODY_NAME, ENCODING, JSON_LINES, OUTPUT_MEDIA_TYPES, SECRET,
    UPGRADE, UPGRADE_TCP,
};
use crate::names::{type_name, value_name, variant_name};
use crate::version::Version;
use crate::Error;

/// The whole API: its version, its named types and its operations.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The API version without a leading `v`, e.g. `1.43`.
    pub version: String,
    /// The same version as a number (`1.56` for `1.56-dev`).
    pub number: Version,
    /// The oldest API version whose spec the history stage read: a `since` equal to it means
    /// "in every version known". Without a history, the API's own version.
    pub oldest: Version,
    /// Every generated type by Rust name: the spec's schemas and inline schemas, the options
    /// structs and the response-header structs of the operations.
    pub types: BTreeMap<String, TypeDef>,
    /// Every operation, in the spec's order.
    pub operations: Vec<Operation>,
    /// Other names of operations, by operation id (`spec/aliases.yaml`, set by
    /// [`crate::aliases::apply`]).
    pub aliases: BTreeMap<String, Vec<String>>,
    /// The spec's tags, in its order: the groups of operations.
    pub tags: Vec<Tag>,
}

/// A tag of the spec: a group of operations.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub name: String,
    /// The tag's `x-displayName` (`Containers` for `Container`).
    pub display: Option<String>,
    pub doc: Option<String>,
}

/// A reference to a Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Bool,
    Int(IntKind),
    F64,
    String,
    /// Any JSON value: free-form objects and schemas the model cannot type.
    Value,
    /// A named type of [`Api::types`].
    Named(String),
    Vec(Box<TypeRef>),
    /// A map with string keys.
    Map(Box<TypeRef>),
    /// A set encoded as a JSON object whose values are all `{}`.
    KeySet,
    /// A value that may be `null` inside a list or map.
    Nullable(Box<TypeRef>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntKind {
    I64,
    I32,
    U64,
    U32,
    U16,
    U8,
}

impl TypeRef {
    /// Lists, maps and sets: decoded as empty when the engine sends `null` or nothing.
    pub fn is_collection(&self) -> bool {
        matches!(self, TypeRef::Vec(_) | TypeRef::Map(_) | TypeRef::KeySet)
    }
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    pub kind: TypeKind,
    /// The first API version from which this type is present without a break up to this one
    /// (set by the history stage; the API's own version until then).
    pub since: Version,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Vec<Field>),
    /// A string enum; unknown values decode into an `Unknown` variant.
    Enum {
        variants: Vec<Variant>,
        /// The wire value of the default variant.
        default: String,
    },
    Alias(TypeRef),
    /// The optional parameters of an operation (by id): emitted beside the operation, in
    /// `options`.
    Options {
        operation: String,
    },
    /// The documented headers of an operation's (by id) response beside its body
    /// ([`Response::WithHeaders`]): emitted from the operation.
    Headers {
        operation: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The Rust identifier.
    pub name: String,
    /// The JSON key.
    pub wire: String,
    pub doc: Option<String>,
    pub ty: TypeRef,
    pub presence: Presence,
    /// A credential: never shown by `Debug` (`x-secret: true` in the spec).
    pub secret: bool,
    /// The first API version from which the field is present without a break up to this one.
    pub since: Version,
}

/// How a field's absence or `null` is represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// `Option<T>`, skipped on output when `None`.
    Optional,
    /// `T`: the field must be present.
    Required,
    /// A required list or map: `null` or a missing key decode as empty.
    Collection,
    /// Required from this API version on, later than the oldest version of the history:
    /// `Option<T>`, because older engines leave it out (set by the history stage).
    RequiredFrom(Version),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub wire: String,
}

/// One API operation: one method of the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub id: String,
    /// The method name.
    pub name: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// The path template below the version prefix, e.g. `/containers/{id}/json`.
    pub path: String,
    pub tag: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub response: Response,
    /// The operation documents `304 Not Modified` as an outcome that is not a failure.
    pub not_modified: bool,
    /// Documented error statuses and their descriptions.
    pub errors: Vec<(String, String)>,
    /// The name of the options struct holding the optional parameters, if any.
    pub options: Option<String>,
    /// The first API version from which the operation is present without a break.
    pub since: Version,
    /// What the client does when a request uses something newer than the engine
    /// (`spec/compat.yaml`, set by the history stage).
    pub compat: Vec<CompatRule>,
}

/// What the client does with a parameter or body field when the engine's API version is older
/// than `below`, instead of what the history alone says.
#[derive(Debug, Clone, PartialEq)]
pub struct CompatRule {
    pub item: CompatItem,
    pub below: Version,
    pub action: CompatAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompatItem {
    /// A query parameter or header, by wire name.
    Param(String),
    /// A body field, by the wire names from the body's root (`HostConfig.ConsoleSize`; lists and
    /// maps are passed through).
    Field(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum CompatAction {
    /// Refuse the request with a typed error (for an item that `since` alone does not cover).
    Refuse,
    /// Leave the item out.
    Drop,
    /// Send it under another name (the name the older API used).
    Rename(String),
    /// Set the field to this value when the request leaves it out.
    Default(serde_json::Value),
    /// Send it as it is.
    Send,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    Path,
    Query,
    Header,
}

/// How a query parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `key=value` with the value's text form.
    Plain,
    /// `key=<JSON>`: Docker reads the value as JSON.
    Json,
    /// JSON, then base64url (`x-encoding: base64url` beside JSON content): registry credentials.
    Base64Json,
    /// A list as `key=a&key=b`.
    Repeated,
    /// A list as `key=a,b`.
    Comma,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub wire: String,
    pub name: String,
    pub location: Location,
    pub doc: Option<String>,
    pub ty: TypeRef,
    pub required: bool,
    pub encoding: Encoding,
    /// The first API version from which the parameter is present without a break.
    pub since: Version,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub name: String,
    pub doc: Option<String>,
    pub required: bool,
    pub kind: BodyKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    Json(TypeRef),
    /// Bytes streamed from the caller, sent with this content type.
    Bytes {
        content_type: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// No body (or one the API does not describe).
    Unit,
    Json(TypeRef),
    /// JSON on one status, no body on another.
    JsonOrEmpty(TypeRef),
    /// A stream of JSON values, one after another.
    JsonLines(TypeRef),
    Text,
    /// A byte stream.
    Bytes,
    /// A container's output: multiplexed or raw, as the response's Content-Type says.
    Output,
    /// A hijacked connection (`101 Switching Protocols`): output and standard input.
    Attach,
    /// A connection upgraded to another protocol (`x-upgrade` on the 101 response: `websocket`,
    /// `h2c`): the raw connection, to speak that protocol on.
    Upgraded {
        protocol: String,
    },
    /// Documented response headers beside the body: a struct with both, named by a
    /// [`TypeKind::Headers`] of [`Api::types`].
    WithHeaders {
        type_name: String,
        headers: Vec<ResponseHeader>,
        body: Box<Response>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseHeader {
    pub wire: String,
    pub name: String,
    pub doc: Option<String>,
}

/// Builds the intermediate model.
pub fn build(openapi: &OpenAPI) -> Result<Api, Error> {
    let version = Version::parse(&openapi.info.version).ok_or_else(|| {
        Error::spec(
            "/info/version",
            format!(
                "{:?} is not an API version of the form MAJOR.MINOR",
                openapi.info.version
            ),
        )
    })?;
    let no_components = IndexMap::new();
    let components = openapi
        .components
        .as_ref()
        .map_or(&no_components, |c| &c.schemas);
    let mut builder = Builder {
        components,
        registry: Registry {
            types: BTreeMap::new(),
            reserved: components.keys().map(|k| type_name(k)).collect(),
            version,
        },
        version,
    };
    for (name, schema) in components {
        builder.define_component(name, schema)?;
    }
    let mut operations = Vec::new();
    for (path, item) in &openapi.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return Err(Error::spec(
                format!("/paths/{path}"),
                "path references are not supported",
            ));
        };
        for (method, op) in item.iter() {
            let at = format!("/paths/{path}/{method}");
            operations.push(builder.operation(path, method, op, &at)?);
        }
    }
    let tags = openapi
        .tags
        .iter()
        .map(|tag| Tag {
            name: tag.name.clone(),
            display: tag
                .extensions
                .get("x-displayName")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            doc: tag.description.clone(),
        })
        .collect();
    Ok(Api {
        version: openapi.info.version.trim_start_matches('v').to_owned(),
        number: version,
        oldest: version,
        types: builder.registry.types,
        operations,
        aliases: BTreeMap::new(),
        tags,
    })
}

struct Builder<'a> {
    components: &'a IndexMap<String, ReferenceOr<Schema>>,
    registry: Registry,
    /// The API's version: every item's `since` until the history stage knows better.
    version: Version,
}

/// The one place that names generated types. The spec's schemas keep their names (reserved
/// before any type is made); every other type (inline schemas, options structs, response
/// headers) gets `wanted` or the first free `wanted2`, `wanted3`, ...; identical inline types
/// share one name.
struct Registry {
    types: BTreeMap<String, TypeDef>,
    /// The names of the spec's schemas.
    reserved: BTreeSet<String>,
    version: Version,
}

impl Registry {
    /// Defines one of the spec's schemas under its own (reserved) name.
    fn define(&mut self, def: TypeDef) {
        self.types.insert(def.name.clone(), def);
    }

    /// Adds a type under `wanted` or the first free name after it, and returns that name. An
    /// identical type already there is shared instead.
    fn add(&mut self, wanted: &str, doc: Option<String>, kind: TypeKind) -> String {
        let mut name = wanted.to_owned();
        let mut n = 1;
        loop {
            match self.types.get(&name) {
                Some(existing) if existing.kind == kind => return name,
                None if !self.reserved.contains(&name) => break,
                _ => {
                    n += 1;
                    name = format!("{wanted}{n}");
                }
            }
        }
        self.types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                doc,
                kind,
                since: self.version,
            },
        );
        name
    }
}

/// A property gathered into a struct, possibly from one of its `allOf` parts.
struct Property<'s> {
    schema: &'s ReferenceOr<Box<Schema>>,
    /// The component that declares it, when that is not the struct itself: inline types inside
    /// it are named after that component, so that every struct including it shares them.
    owner: Option<String>,
    /// Where the schema holding it is in the spec.
    parent: Rc<str>,
    name: &'s str,
}

impl Property<'_> {
    /// Where it is in the spec (made when needed: most properties never need it).
    fn at(&self) -> String {
        format!("{}/properties/{}", self.parent, self.name)
    }
}

/// Properties and required names gathered from a schema and its `allOf` parts.
type Properties<'s> = (IndexMap<&'s str, Property<'s>>, Vec<String>);

impl<'a> Builder<'a> {
    fn define_component(&mut self, name: &str, schema: &ReferenceOr<Schema>) -> Result<(), Error> {
        let at = format!("/components/schemas/{name}");
        let rust = type_name(name);
        let schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                let target = self.reference_type(reference, &at)?;
                self.registry.define(TypeDef {
                    name: rust,
                    doc: None,
                    kind: TypeKind::Alias(target),
                    since: self.version,
                });
                return Ok(());
            }
        };
        let doc = schema.schema_data.description.clone();
        let kind = if let Some((props, required)) = self.struct_properties(schema, &at, None)? {
            TypeKind::Struct(self.fields(&rust, &props, &required)?)
        } else if let Some(kind) = enum_kind(schema) {
            kind
        } else {
            TypeKind::Alias(self.inline_type(schema, &rust, &at)?)
        };
        self.registry.define(TypeDef {
            name: rust,
            doc,
            kind,
            since: self.version,
        });
        Ok(())
    }

    fn reference_type(&self, reference: &str, at: &str) -> Result<TypeRef, Error> {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| Error::spec(at, format!("unsupported reference {reference}")))?;
        if !self.components.contains_key(name) {
            return Err(Error::spec(
                at,
                format!("reference to a missing schema {reference}"),
            ));
        }
        Ok(TypeRef::Named(type_name(name)))
    }

    fn component(&self, reference: &str) -> Option<&'a Schema> {
        let name = reference.strip_prefix("#/components/schemas/")?;
        match self.components.get(name)? {
            ReferenceOr::Item(schema) => Some(schema),
            ReferenceOr::Reference { reference } => self.component(reference),
        }
    }

    /// The properties of a schema that becomes a struct, merged over its `allOf` parts;
    /// `None` when the schema is not a struct.
    fn struct_properties<'s>(
        &self,
        schema: &'s Schema,
        at: &str,
        owner: Option<&str>,
    ) -> Result<Option<Properties<'s>>, Error>
    where
        'a: 's,
    {
        let parent: Rc<str> = Rc::from(at);
        let gather = |props: &'s IndexMap<String, ReferenceOr<Box<Schema>>>| {
            props
                .iter()
                .map(|(name, schema)| {
                    let property = Property {
                        schema,
                        owner: owner.map(str::to_owned),
                        parent: parent.clone(),
                        name,
                    };
                    (name.as_str(), property)
                })
                .collect::<IndexMap<_, _>>()
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) if !object.properties.is_empty() => {
                Ok(Some((gather(&object.properties), object.required.clone())))
            }
            // `type: object` beside `allOf` (or beside properties) parses as a schema of any
            // kind: its properties are its own plus those of its parts, a lone reference's too
            // (`NetworkSummary` is `type: object` and `allOf: [Network]`).
            SchemaKind::Any(any) if !any.properties.is_empty() || !any.all_of.is_empty() => {
                let (mut props, mut required) = self
                    .all_of_properties(&any.all_of, at, owner, true)?
                    .unwrap_or_default();
                props.extend(gather(&any.properties));
                required.extend(any.required.iter().cloned());
                Ok(Some((props, required)))
            }
            SchemaKind::AllOf { all_of } => self.all_of_properties(all_of, at, owner, false),
            _ => Ok(None),
        }
    }

    /// The properties of an `allOf`, merged in order; `None` for a lone reference unless
    /// `merge_lone`: alone, `allOf: [$ref]` is that type itself (a reference with a description
    /// beside it).
    fn all_of_properties<'s>(
        &self,
        all_of: &'s [ReferenceOr<Schema>],
        at: &str,
        owner: Option<&str>,
        merge_lone: bool,
    ) -> Result<Option<Properties<'s>>, Error>
    where
        'a: 's,
    {
        match all_of {
            [] => Ok(None),
            all_of if is_single_reference(all_of) && !merge_lone => Ok(None),
            all_of => {
                let mut props = IndexMap::new();
                let mut required = Vec::new();
                for (i, part) in all_of.iter().enumerate() {
                    let part = match part {
                        ReferenceOr::Item(s) => {
                            self.struct_properties(s, &format!("{at}/allOf/{i}"), owner)?
                        }
                        ReferenceOr::Reference { reference } => {
                            let component = self
                                .component(reference)
                                .ok_or_else(|| Error::spec(at, format!("missing {reference}")))?;
                            let name = reference.trim_start_matches("#/components/schemas/");
                            let owner = type_name(name);
                            let at = format!("/components/schemas/{name}");
                            self.struct_properties(component, &at, Some(&owner))?
                        }
                    };
                    if let Some((p, r)) = part {
                        props.extend(p);
                        required.extend(r);
                    }
                }
                Ok(Some((props, required)))
            }
        }
    }

    fn fields(
        &mut self,
        owner: &str,
        props: &IndexMap<&str, Property<'_>>,
        required: &[String],
    ) -> Result<Vec<Field>, Error> {
        let mut fields: Vec<Field> = Vec::new();
        for (&wire, property) in props {
            let required_here = required.iter().any(|r| r == wire);
            let secret = match &property.schema {
                ReferenceOr::Item(schema) => {
                    schema.schema_data.extensions.get(SECRET)
                        == Some(&serde_json::Value::Bool(true))
                }
                ReferenceOr::Reference { .. } => false,
            };
            let (ty, nullable, doc) = match &property.schema {
                ReferenceOr::Reference { reference } => {
                    let doc = self
                        .component(reference)
                        .and_then(|s| s.schema_data.description.clone());
                    (self.reference_type(reference, &property.at())?, false, doc)
                }
                ReferenceOr::Item(schema) => {
                    let ty = match plain_type(schema) {
                        Some(ty) => ty,
                        None => {
                            let hint = format!(
                                "{}{}",
                                property.owner.as_deref().unwrap_or(owner),
                                type_name(wire)
                            );
                            self.inline_type(schema, &hint, &property.at())?
                        }
                    };
                    let doc = schema.schema_data.description.clone();
                    (ty, schema.schema_data.nullable, doc)
                }
            };
            let presence = match (required_here, nullable) {
                _ if ty.is_collection() && required_here => Presence::Collection,
                (true, false) => Presence::Required,
                _ => Presence::Optional,
            };
            let mut name = value_name(wire);
            // Two keys may differ only in case (`Id`, `ID`): keep both, distinctly named.
            while fields.iter().any(|f| f.name == name) {
                name = format!("{name}_");
            }
            fields.push(Field {
                name,
                wire: wire.to_owned(),
                doc,
                ty,
                presence,
                secret,
                since: self.version,
            });
        }
        Ok(fields)
    }

    fn schema_type(
        &mut self,
        schema: &ReferenceOr<Schema>,
        hint: &str,
        at: &str,
    ) -> Result<TypeRef, Error> {
        match schema {
            ReferenceOr::Reference { reference } => self.reference_type(reference, at),
            ReferenceOr::Item(schema) => self.inline_type(schema, hint, at),
        }
    }

    fn boxed_type(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        hint: &str,
        at: &str,
    ) -> Result<TypeRef, Error> {
        match schema {
            ReferenceOr::Reference { reference } => self.reference_type(reference, at),
            ReferenceOr::Item(schema) => {
                let ty = self.inline_type(schema, hint, at)?;
                Ok(if schema.schema_data.nullable {
                    TypeRef::Nullable(Box::new(ty))
                } else {
                    ty
                })
            }
        }
    }

    /// The type of an inline schema; structs and enums get a name from the title or `hint`.
    fn inline_type(&mut self, schema: &Schema, hint: &str, at: &str) -> Result<TypeRef, Error> {
        let wanted = schema
            .schema_data
            .title
            .as_deref()
            .map(type_name)
            .unwrap_or_else(|| hint.to_owned());
        if let Some((props, required)) = self.struct_properties(schema, at, None)? {
            let fields = self.fields(&wanted, &props, &required)?;
            let doc = schema.schema_data.description.clone();
            return Ok(TypeRef::Named(self.registry.add(
                &wanted,
                doc,
                TypeKind::Struct(fields),
            )));
        }
        if let Some(kind) = enum_kind(schema) {
            let doc = schema.schema_data.description.clone();
            return Ok(TypeRef::Named(self.registry.add(&wanted, doc, kind)));
        }
        Ok(match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => match all_of.as_slice() {
                [only] => self.schema_type(only, hint, &format!("{at}/allOf/0"))?,
                _ => TypeRef::Value,
            },
            SchemaKind::Type(Type::Object(object)) => {
                self.map_type(object.additional_properties.as_ref(), hint, at)?
            }
            SchemaKind::Type(Type::Array(array)) => match &array.items {
                Some(items) => TypeRef::Vec(Box::new(self.boxed_type(
                    items,
                    &format!("{hint}Item"),
                    &format!("{at}/items"),
                )?)),
                None => TypeRef::Vec(Box::new(TypeRef::Value)),
            },
            SchemaKind::Type(Type::String(_)) => TypeRef::String,
            SchemaKind::Type(Type::Integer(integer)) => int_type(&integer.format),
            SchemaKind::Type(Type::Number(_)) => TypeRef::F64,
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Any(any) => match any.typ.as_deref() {
                Some("object") => self.map_type(any.additional_properties.as_ref(), hint, at)?,
                Some("array") => match &any.items {
                    Some(items) => TypeRef::Vec(Box::new(self.boxed_type(
                        items,
                        &format!("{hint}Item"),
                        &format!("{at}/items"),
                    )?)),
                    None => TypeRef::Vec(Box::new(TypeRef::Value)),
                },
                Some("string") => TypeRef::String,
                Some("integer") => TypeRef::Int(IntKind::I64),
                Some("number") => TypeRef::F64,
                Some("boolean") => TypeRef::Bool,
                _ => TypeRef::Value,
            },
            _ => TypeRef::Value,
        })
    }

    fn map_type(
        &mut self,
        additional: Option<&AdditionalProperties>,
        hint: &str,
        at: &str,
    ) -> Result<TypeRef, Error> {
        Ok(match additional {
            None | Some(AdditionalProperties::Any(false)) => TypeRef::Value,
            Some(AdditionalProperties::Any(true)) => TypeRef::Map(Box::new(TypeRef::Value)),
            Some(AdditionalProperties::Schema(value)) => {
                if let ReferenceOr::Item(value) = value.as_ref() {
                    if is_empty_object_value(value) {
                        return Ok(TypeRef::KeySet);
                    }
                }
                let value = match value.as_ref() {
                    ReferenceOr::Reference { reference } => self.reference_type(reference, at)?,
                    ReferenceOr::Item(schema) => {
                        let ty = self.inline_type(
                            schema,
                            &format!("{hint}Value"),
                            &format!("{at}/additionalProperties"),
                        )?;
                        if schema.schema_data.nullable {
                            TypeRef::Nullable(Box::new(ty))
                        } else {
                            ty
                        }
                    }
                };
                TypeRef::Map(Box::new(value))
            }
        })
    }

    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &openapiv3::Operation,
        at: &str,
    ) -> Result<Operation, Error> {
        let id = op
            .operation_id
            .clone()
            .ok_or_else(|| Error::spec(at, "operation without an operationId"))?;
        let id = type_name(&id);
        let mut params = Vec::new();
        for (i, param) in op.parameters.iter().enumerate() {
            let at = format!("{at}/parameters/{i}");
            let ReferenceOr::Item(param) = param else {
                return Err(Error::spec(at, "parameter references are not supported"));
            };
            params.push(self.param(&id, param, &at)?);
        }
        let body = match &op.request_body {
            None => None,
            Some(ReferenceOr::Reference { .. }) => {
                return Err(Error::spec(
                    format!("{at}/requestBody"),
                    "request body references are not supported",
                ));
            }
            Some(ReferenceOr::Item(body)) => {
                Some(self.body(&id, body, &format!("{at}/requestBody"))?)
            }
        };
        let mut errors = Vec::new();
        let mut success = Vec::new();
        let mut not_modified = false;
        for (code, response) in &op.responses.responses {
            let ReferenceOr::Item(response) = response else {
                return Err(Error::spec(
                    format!("{at}/responses/{code}"),
                    "response references are not supported",
                ));
            };
            let code = code.to_string();
            match code.as_str() {
                "304" => not_modified = true,
                c if c.starts_with('1') || c.starts_with('2') => {
                    success.push((code.clone(), response))
                }
                _ => errors.push((code.clone(), response.description.clone())),
            }
        }
        let response = self.response(&id, &success, &format!("{at}/responses"))?;
        let has_options = params.iter().any(|p| !p.required);
        let options = if has_options {
            let kind = TypeKind::Options {
                operation: id.clone(),
            };
            Some(self.registry.add(&format!("{id}Options"), None, kind))
        } else {
            None
        };
        let tag = op
            .tags
            .first()
            .cloned()
            .unwrap_or_else(|| "Misc".to_owned());
        Ok(Operation {
            name: value_name(&id),
            options,
            id,
            method: method.to_uppercase(),
            path: path.to_owned(),
            tag,
            summary: op.summary.clone(),
            description: op.description.clone(),
            params,
            body,
            response,
            not_modified,
            errors,
            since: self.version,
            compat: Vec::new(),
        })
    }

    fn param(
        &mut self,
        op_id: &str,
        param: &openapiv3::Parameter,
        at: &str,
    ) -> Result<Param, Error> {
        use openapiv3::{Parameter, ParameterSchemaOrContent};
        let (data, location, explode) = match param {
            Parameter::Path { parameter_data, .. } => (parameter_data, Location::Path, false),
            Parameter::Query { parameter_data, .. } => (
                parameter_data,
                Location::Query,
                parameter_data.explode.unwrap_or(true),
            ),
            Parameter::Header { parameter_data, .. } => (parameter_data, Location::Header, false),
            Parameter::Cookie { .. } => {
                return Err(Error::spec(at, "cookie parameters are not supported"))
            }
        };
        let hint = format!("{op_id}{}", type_name(&data.name));
        let (ty, json) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => (
                self.schema_type(schema, &hint, &format!("{at}/schema"))?,
                false,
            ),
            ParameterSchemaOrContent::Content(content) => {
                let media = content
                    .get("application/json")
                    .ok_or_else(|| Error::spec(at, "parameter content must be application/json"))?;
                let schema = media
                    .schema
                    .as_ref()
                    .ok_or_else(|| Error::spec(at, "parameter content without a schema"))?;
                (
                    self.schema_type(
                        schema,
                        &hint,
                        &format!("{at}/content/application~1json/schema"),
                    )?,
                    true,
                )
            }
        };
        let base64 = data.extensions.get(ENCODING).and_then(|v| v.as_str());
        let explode = explode || location == Location::Header;
        let encoding = match (&ty, json) {
            (_, true) if base64 == Some(BASE64URL) => Encoding::Base64Json,
            (_, true) => Encoding::Json,
            (TypeRef::Vec(_), false) if explode => Encoding::Repeated,
            (TypeRef::Vec(_), false) => Encoding::Comma,
            _ => Encoding::Plain,
        };
        Ok(Param {
            wire: data.name.clone(),
            name: value_name(&data.name),
            location,
            doc: data.description.clone(),
            ty,
            required: data.required || location == Location::Path,
            encoding,
            since: self.version,
        })
    }

    fn body(
        &mut self,
        op_id: &str,
        body: &openapiv3::RequestBody,
        at: &str,
    ) -> Result<Body, Error> {
        let name = body
            .extensions
            .get(BODY_NAME)
            .and_then(|v| v.as_str())
            .map(value_name)
            .unwrap_or_else(|| "body".to_owned());
        let kind = if let Some(json) = body.content.get("application/json") {
            let schema = json
                .schema
                .as_ref()
                .ok_or_else(|| Error::spec(at, "JSON body without a schema"))?;
            BodyKind::Json(self.schema_type(
                schema,
                &format!("{op_id}Body"),
                &format!("{at}/content"),
            )?)
        } else {
            let content_type = body
                .content
                .keys()
                .find(|m| BINARY_MEDIA_TYPES.contains(&m.as_str()))
                .or_else(|| body.content.keys().next())
                .ok_or_else(|| Error::spec(at, "request body without content"))?;
            BodyKind::Bytes {
                content_type: content_type.clone(),
            }
        };
        Ok(Body {
            name,
            doc: body.description.clone(),
            required: body.required,
            kind,
        })
    }

    fn response(
        &mut self,
        op_id: &str,
        success: &[(String, &openapiv3::Response)],
        at: &str,
    ) -> Result<Response, Error> {
        // The main response: the first success with a body, else the first success.
        let main = success
            .iter()
            .find(|(_, r)| !r.content.is_empty())
            .or_else(|| success.first());
        let Some((code, main)) = main else {
            return Ok(Response::Unit);
        };
        let at = format!("{at}/{code}");
        let hint = format!("{op_id}Response");
        let output = |r: &openapiv3::Response| {
            OUTPUT_MEDIA_TYPES
                .iter()
                .any(|m| r.content.contains_key(*m))
        };
        let upgrade = success
            .iter()
            .find(|(code, _)| code == "101")
            .map(|(_, r)| {
                r.extensions
                    .get(UPGRADE)
                    .and_then(|v| v.as_str())
                    .unwrap_or(UPGRADE_TCP)
            });
        let mut body = if let Some(protocol) = upgrade.filter(|p| *p != UPGRADE_TCP) {
            Response::Upgraded {
                protocol: protocol.to_owned(),
            }
        } else if upgrade.is_some() {
            Response::Attach
        } else if output(main) {
            Response::Output
        } else if let Some(media) = main.content.get(JSON_LINES) {
            let schema = media
                .schema
                .as_ref()
                .ok_or_else(|| Error::spec(&at, "stream without an item schema"))?;
            Response::JsonLines(self.schema_type(schema, &format!("{op_id}Item"), &at)?)
        } else if let Some(media) = main.content.get("application/json") {
            match &media.schema {
                Some(schema) => {
                    Response::Json(self.schema_type(schema, &hint, &format!("{at}/content"))?)
                }
                None => Response::Unit,
            }
        } else if main
            .content
            .keys()
            .any(|m| BINARY_MEDIA_TYPES.contains(&m.as_str()))
        {
            Response::Bytes
        } else if main.content.contains_key("text/plain") {
            Response::Text
        } else {
            Response::Unit
        };
        if let Response::Json(ty) = &body {
            if success.iter().any(|(_, r)| r.content.is_empty()) {
                body = Response::JsonOrEmpty(ty.clone());
            }
        }
        if main.headers.is_empty() {
            return Ok(body);
        }
        let headers = main
            .headers
            .iter()
            .map(|(wire, header)| ResponseHeader {
                wire: wire.clone(),
                name: value_name(wire),
                doc: match header {
                    ReferenceOr::Item(h) => h.description.clone(),
                    ReferenceOr::Reference { .. } => None,
                },
            })
            .collect();
        let kind = TypeKind::Headers {
            operation: op_id.to_owned(),
        };
        Ok(Response::WithHeaders {
            type_name: self.registry.add(&hint, None, kind),
            headers,
            body: Box::new(body),
        })
    }
}

/// The type of a schema that is a plain string, number or boolean, as [`Builder::inline_type`]
/// makes it, without the name and place that other schemas need.
fn plain_type(schema: &Schema) -> Option<TypeRef> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) if string.enumeration.is_empty() => {
            Some(TypeRef::String)
        }
        SchemaKind::Type(Type::Integer(integer)) => Some(int_type(&integer.format)),
        SchemaKind::Type(Type::Number(_)) => Some(TypeRef::F64),
        SchemaKind::Type(Type::Boolean(_)) => Some(TypeRef::Bool),
        _ => None,
    }
}

fn is_single_reference(all_of: &[ReferenceOr<Schema>]) -> bool {
    matches!(all_of, [ReferenceOr::Reference { .. }])
}

/// `{type: object, enum: [{}]}`: the value schema of Docker's sets (`ExposedPorts`, `Volumes`).
fn is_empty_object_value(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Any(any) => {
            any.properties.is_empty()
                && any
                    .enumeration
                    .iter()
                    .all(|v| v.as_object().is_some_and(|o| o.is_empty()))
                && !any.enumeration.is_empty()
        }
        _ => false,
    }
}

fn enum_kind(schema: &Schema) -> Option<TypeKind> {
    let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
        return None;
    };
    let values: Vec<&str> = string
        .enumeration
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if values.is_empty() {
        return None;
    }
    let mut variants: Vec<Variant> = Vec::new();
    for value in &values {
        let mut name = variant_name(value);
        // `Unknown` holds undeclared values; a declared "unknown" keeps its own variant.
        if name == "Unknown" {
            name = "UnknownValue".to_owned();
        }
        while variants.iter().any(|v| v.name == name) {
            name.push('_');
        }
        variants.push(Variant {
            name,
            wire: (*value).to_owned(),
        });
    }
    let declared = schema.schema_data.default.as_ref().and_then(|d| d.as_str());
    let default = declared
        .filter(|d| values.contains(d))
        .or_else(|| values.iter().copied().find(|v| v.is_empty()))
        .unwrap_or(values[0])
        .to_owned();
    Some(TypeKind::Enum { variants, default })
}

fn int_type(format: &VariantOrUnknownOrEmpty<IntegerFormat>) -> TypeRef {
    TypeRef::Int(match format {
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => IntKind::I32,
        VariantOrUnknownOrEmpty::Unknown(f) => match f.as_str() {
            "uint64" => IntKind::U64,
            "uint32" => IntKind::U32,
            "uint16" => IntKind::U16,
            "uint8" => IntKind::U8,
            _ => IntKind::I64,
        },
        _ => IntKind::I64,
    })
}

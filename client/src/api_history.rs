//! The API's version history as the client holds it: the types of the tables the generator
//! writes (`generated/history.rs`) and the check before sending (`compat`) reads. They sit
//! below both, so that the tables and the check never import each other.

use crate::ApiVersion;

/// The history of one operation, as far as a request can use something newer than the oldest
/// API version the client knows.
#[derive(Debug)]
pub struct OperationHistory {
    /// The operation's id (`ContainerCreate`).
    pub id: &'static str,
    /// The first API version that has the operation.
    pub since: ApiVersion,
    /// Query parameters and headers newer than the operation, by wire name.
    pub params: &'static [(&'static str, ApiVersion)],
    /// The JSON body's struct, when it leads to newer fields.
    pub body: Option<Nested>,
    /// The project's choices for items that older engines take otherwise.
    pub rules: &'static [Rule],
}

/// A struct of request bodies: its fields that are newer than the oldest API version the
/// client knows, that lead to such fields, or that have a rule.
#[derive(Debug)]
pub struct StructHistory {
    /// The struct's name in the client's models.
    pub name: &'static str,
    /// Its fields that are newer than the oldest version, or lead to such fields.
    pub fields: &'static [FieldHistory],
}

/// A field of a [`StructHistory`].
#[derive(Debug)]
pub struct FieldHistory {
    /// The field's JSON key.
    pub wire: &'static str,
    /// The first API version that has the field.
    pub since: ApiVersion,
    /// The struct its value is or holds.
    pub nested: Option<Nested>,
}

/// A struct of the tables that a value is, or holds in lists and maps.
#[derive(Debug, Clone, Copy)]
pub struct Nested {
    /// Its place in the struct table.
    pub index: u16,
    /// How many maps (JSON objects keyed by names) stand between the value and the struct;
    /// lists are passed through.
    pub maps: u8,
}

/// What the client does with an item when the engine's API version is older than `below`.
#[derive(Debug)]
pub struct Rule {
    /// What the rule is about.
    pub item: RuleItem,
    /// The first API version the rule does not apply to.
    pub below: ApiVersion,
    /// What the client does.
    pub action: Action,
}

/// The item of a [`Rule`].
#[derive(Debug)]
pub enum RuleItem {
    /// A query parameter or header, by wire name.
    Param(&'static str),
    /// A body field, by its wire names from the body's root, dot separated; lists and maps on the
    /// way are passed through.
    Field(&'static str),
}

/// What a [`Rule`] does.
#[derive(Debug)]
pub enum Action {
    /// Refuse the request.
    Refuse,
    /// Leave the item out.
    Drop,
    /// Send the item under this name.
    Rename(&'static str),
    /// Set the body field to this JSON value when the request leaves it out.
    Default(&'static str),
    /// Send the item as it is.
    Send,
}

//! Rust names for spec names.

use std::cell::RefCell;
use std::collections::HashMap;

use heck::{ToPascalCase, ToSnakeCase};

/// Rust keywords that cannot be raw identifiers: names that are one get a trailing `_`.
/// (Other keywords stay as they are; emission writes them as raw identifiers, `r#type`.)
const RESERVED: &[&str] = &["self", "Self", "super", "crate", "extern"];

thread_local! {
    /// The names made so far on this thread from spec names, type names first and value names
    /// second: the history makes the same names for up to sixteen specs, and the case
    /// conversions were most of the cost of naming.
    static MADE: RefCell<[HashMap<String, String>; 2]> = RefCell::default();
}

/// `make(name)`, or what it made of `name` before on this thread; `kind` is the index of the
/// memory of [`MADE`].
fn remembered(kind: usize, name: &str, make: fn(&str) -> String) -> String {
    MADE.with(|made| {
        let made = &mut made.borrow_mut()[kind];
        if let Some(known) = made.get(name) {
            return known.clone();
        }
        let value = make(name);
        made.insert(name.to_owned(), value.clone());
        value
    })
}

/// A type name: `PascalCase`, starting with a letter.
pub fn type_name(name: &str) -> String {
    remembered(0, name, make_type_name)
}

fn make_type_name(name: &str) -> String {
    let pascal = name.to_pascal_case();
    if pascal.starts_with(|c: char| c.is_ascii_digit()) || pascal.is_empty() {
        format!("T{pascal}")
    } else {
        pascal
    }
}

/// A field, argument or method name: `snake_case`. Keywords stay keywords: emission writes them
/// as raw identifiers.
pub fn value_name(name: &str) -> String {
    remembered(1, name, make_value_name)
}

fn make_value_name(name: &str) -> String {
    let snake = name.to_snake_case();
    let snake = if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{snake}")
    } else {
        snake
    };
    if RESERVED.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// An enum variant name for a string value; `""` becomes `Empty`.
pub fn variant_name(value: &str) -> String {
    if value.is_empty() {
        return "Empty".to_owned();
    }
    // Keep a leading sign or symbol meaningful: `+` / `-` are common in cgroup-like values.
    let cleaned: String = value
        .chars()
        .map(|c| match c {
            '+' => " Plus ".to_owned(),
            '*' => " Star ".to_owned(),
            c if c.is_alphanumeric() => c.to_string(),
            _ => " ".to_owned(),
        })
        .collect();
    type_name(&cleaned)
}

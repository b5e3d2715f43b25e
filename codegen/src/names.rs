//! Rust names for spec names.

use heck::{ToPascalCase, ToSnakeCase};

/// Rust keywords that cannot be raw identifiers, or should not be.
const RESERVED: &[&str] = &["self", "Self", "super", "crate", "extern"];

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof",
    "unsized", "virtual", "yield",
];

/// A type name: `PascalCase`, starting with a letter.
pub fn type_name(name: &str) -> String {
    let pascal = name.to_pascal_case();
    if pascal.starts_with(|c: char| c.is_ascii_digit()) || pascal.is_empty() {
        format!("T{pascal}")
    } else {
        pascal
    }
}

/// A field, argument or method name: `snake_case`, a raw identifier for keywords.
pub fn value_name(name: &str) -> String {
    let snake = name.to_snake_case();
    let snake = if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{snake}")
    } else {
        snake
    };
    if RESERVED.contains(&snake.as_str()) {
        format!("{snake}_")
    } else if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
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

//! The history's fast reading of the older specs, checked on every pinned spec by
//! `cargo xtask check-versions`: the prose pre-pass ([`load::strip_prose`]) and the reading of
//! definitions and paths piece by piece ([`load::read_pieces`]) must be taken, the pre-pass must
//! leave most of the text out, and neither may change what the lean reading or the history sees.
//! The specs are checked with one [`Recurring`], as the history reads them, so the pieces
//! a version shares with the ones checked before it (their text, and their corrected schemas
//! and path items in `openapiv3`'s types) are taken from those.

use docker_codegen::{corrections, ir, load, normalize, Correction, Recurring, Shape};

/// Checks the fast reading of one pinned spec against the full one.
pub fn check(
    version: &str,
    text: &str,
    fixes: &[Correction],
    recurring: &Recurring,
) -> Result<(), String> {
    let fail = |what: String| format!("API v{version}: the history's fast reading {what}");
    let stripped =
        load::strip_prose(text).ok_or_else(|| fail("does not follow the spec".to_owned()))?;
    if stripped.len() * 2 >= text.len() {
        return Err(fail(format!(
            "leaves {} of {} bytes",
            stripped.len(),
            text.len()
        )));
    }
    serde_yaml::from_str::<serde_json::Value>(&stripped)
        .map_err(|e| fail(format!("leaves text that does not parse: {e}")))?;
    // (What the lean reading gives when the pieces are taken.)
    let lean = load::read_pieces(text, &recurring.begin())
        .ok_or_else(|| fail("does not read the definitions and paths piece by piece".to_owned()))?;
    let full = load::parse_yaml(text).map_err(|e| fail(e.to_string()))?;
    if lean != without_prose(full.clone(), false) {
        return Err(fail(
            "reads otherwise than the whole text without its prose".to_owned(),
        ));
    }
    let fast = docker_codegen::shape(text, fixes, recurring).map_err(|e| fail(e.to_string()))?;
    let openapi = normalize::to_openapi3(full).map_err(|e| e.to_string())?;
    let model = ir::build(&corrections::apply(openapi, fixes).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if fast != Shape::of(&model) {
        return Err(fail(
            "gives another shape than the full pipeline".to_owned(),
        ));
    }
    Ok(())
}

/// The full reading without the prose, by the lean reading's rule applied to the parsed value
/// (not to the text, as the pre-pass does): keys of prose are left out, but for maps keyed by
/// names.
fn without_prose(value: serde_json::Value, names: bool) -> serde_json::Value {
    use load::{NAME_MAPS, PROSE};
    match value {
        serde_json::Value::Object(map) => map
            .into_iter()
            .filter(|(key, _)| names || !PROSE.contains(&key.as_str()))
            .map(|(key, value)| {
                let inner = !names && NAME_MAPS.contains(&key.as_str());
                (key, without_prose(value, inner))
            })
            .collect(),
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|item| without_prose(item, false))
            .collect(),
        other => other,
    }
}

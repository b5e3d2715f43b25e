//! Stage 1: parse the spec's YAML text into a JSON value.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::recurring::Reading;
use crate::Error;

/// Parses YAML text into a JSON value. Errors carry the line and column.
pub fn parse_yaml(text: &str) -> Result<serde_json::Value, Error> {
    serde_yaml::from_str(text).map_err(Error::Yaml)
}

/// Parses YAML text into a JSON value without the prose: descriptions, summaries, examples and
/// the Go generator's hints, which the history of the API does not need. Keys that are names
/// (of properties, definitions, paths, responses, headers) are kept whatever they are.
///
/// Each entry of the spec's `definitions` and `paths` is read on its own, or taken from
/// `recurring` when another spec had the same text (most do: an API version changes few of
/// them); see [`read_pieces`]. The text read goes through [`strip_prose`] first. If the pieces
/// or the pre-pass leave text YAML cannot read (which a valid spec never does), the whole text
/// is read instead, for its errors.
pub fn parse_yaml_lean(text: &str, reading: &Reading<'_>) -> Result<serde_json::Value, Error> {
    if let Some(lean) = read_pieces(text, reading) {
        return Ok(lean);
    }
    if let Some(lean) = strip_prose(text).and_then(|stripped| read_lean(&stripped).ok()) {
        return Ok(lean);
    }
    read_lean(text)
}

/// The sections of a spec whose entries [`read_pieces`] reads one by one.
pub const PIECEWISE: &[&str] = &["definitions", "paths"];

/// The lean reading of a spec's text, with the entries of [`PIECEWISE`] read one by one through
/// `recurring`: the text of each entry (the lines from its key to the next one at the same
/// column) is taken through the pre-pass and read only if `recurring` has not read the same
/// text before. The rest of the text is read as one. `None` when the text is not laid out as
/// the pieces need (each entry of such a section a block map entry at one column), or a piece
/// does not read as one entry: the text is then read whole.
pub fn read_pieces(text: &str, reading: &Reading<'_>) -> Option<Value> {
    // The text outside the sections, where each section is a placeholder entry.
    let mut rest = String::with_capacity(text.len() / 8);
    // Each section's key, where its entries start, and where it ends.
    let mut sections: Vec<(&str, Vec<usize>, usize)> = Vec::new();
    // Whether the line is in the last section, and the column of its entries once known.
    let mut inside = false;
    let mut column: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let (col, content) = indented(line);
        let blank = content.is_empty() || content.starts_with('#');
        if inside && (blank || col > 0) {
            let (_, starts, end) = sections.last_mut()?;
            *end = offset;
            match column {
                _ if blank => {}
                Some(column) if col > column => {}
                Some(column) if col < column => return None,
                _ if sequence_item(content).is_some() => return None,
                _ => {
                    column = Some(col);
                    starts.push(at);
                }
            }
            continue;
        }
        inside = false;
        match (col == 0 && !blank).then(|| entry(content)).flatten() {
            Some(Some((key, ""))) if PIECEWISE.contains(&key) => {
                rest.push_str(key);
                rest.push_str(": 0\n");
                sections.push((key, Vec::new(), offset));
                inside = true;
                column = None;
            }
            _ => rest.push_str(line),
        }
    }
    let mut lean = read_lean(&strip_prose(&rest)?).ok()?;
    for (key, starts, end) in sections {
        let mut entries = Map::with_capacity(starts.len());
        let ends = starts.iter().skip(1).copied().chain([end]);
        for (from, to) in starts.iter().copied().zip(ends) {
            let (name, value) = reading.piece(&text[from..to], read_piece)?;
            entries.insert(name, value);
        }
        *lean.get_mut(key)? = Value::Object(entries);
    }
    Some(lean)
}

/// The one entry of a map that `piece` is (an entry of a section keyed by names), read without
/// its prose.
fn read_piece(piece: &str) -> Option<(String, Value)> {
    let stripped = strip(piece, true)?;
    let deserializer = serde_yaml::Deserializer::from_str(&stripped);
    let Value::Object(map) = Lean { names: true }.deserialize(deserializer).ok()? else {
        return None;
    };
    if map.len() != 1 {
        return None;
    }
    map.into_iter().next()
}

/// [`parse_yaml_lean`] without the pre-pass.
fn read_lean(text: &str) -> Result<serde_json::Value, Error> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    Lean { names: false }
        .deserialize(deserializer)
        .map_err(Error::Yaml)
}

/// The spec's text without entries that [`parse_yaml_lean`] leaves out, found line by line before
/// the YAML parser sees the text: most of a spec is prose, and scanning it is most of the time
/// of reading it. `None` when the text has a construct the pre-pass does not follow (tabs,
/// anchors, tags, a flow collection over several lines, a complex key, ...): then the text is
/// read whole.
///
/// The pre-pass follows the block structure by indentation, as YAML does, and leaves out an
/// entry's value by the lean reading's rule: its key is one of [`PROSE`], in a map not keyed by
/// names. When it is the last entry of its map, the key stays, with the value `0` (which the
/// lean reading leaves out as it does the value of the text), so that the map stays a map. The
/// value left out is on the key's line, and after it the lines that are blank or indented
/// deeper than the key (a block scalar, a plain scalar's continuation, a nested collection), the
/// lines up to a quoted scalar's closing quote, and a block sequence at the key's own
/// indentation. Every other line is kept as it is; so is the first entry of a sequence item
/// (`- description: x`), whose line holds the item. Reading the result with
/// [`parse_yaml_lean`] gives the same value as reading the text.
pub fn strip_prose(text: &str) -> Option<String> {
    strip(text, false)
}

/// [`strip_prose`] of text whose outermost map is keyed by names (`names`) or not.
fn strip(text: &str, names: bool) -> Option<String> {
    if text.contains(['\t', '\r']) {
        return None;
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len() / 2);
    // The block maps the line is in, innermost last: the column of their keys, and whether they
    // are keyed by names.
    let mut maps: Vec<(usize, bool)> = Vec::new();
    // Whether a map that starts on the line (deeper than the last map) is keyed by names; `None`
    // when no map can start there.
    let mut opens = Some(names);
    // The entry last left out, until the next line shows whether its map has more.
    let mut placeholder: Option<(usize, &str)> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let (col, content) = indented(line);
        if content.is_empty() || content.starts_with('#') {
            out.push_str(line);
            i += 1;
            continue;
        }
        if content.starts_with("---") || content.starts_with("...") || content.starts_with('%') {
            return None;
        }
        if let Some((at, key)) = placeholder.take() {
            if col != at || sequence_item(content).is_some() {
                push_placeholder(&mut out, at, key);
            }
        }
        while maps.last().is_some_and(|&(at, _)| at > col) {
            maps.pop();
        }
        let (at, key, value, item) = if let Some(after) = sequence_item(content) {
            // The item's content starts after the dash.
            let at = col + content.len() - after.len();
            if after.is_empty() || after.starts_with('#') {
                opens = Some(false);
                out.push_str(line);
                i += 1;
                continue;
            }
            if sequence_item(after).is_some() {
                return None;
            }
            match entry(after)? {
                Some((key, value)) => {
                    maps.push((at, false));
                    (at, key, value, true)
                }
                None => {
                    // A scalar or a flow collection: kept, with its continuation.
                    let end = value_end(text, &lines, i, col, after)?;
                    lines[i..end].iter().for_each(|kept| out.push_str(kept));
                    opens = None;
                    i = end;
                    continue;
                }
            }
        } else {
            let (key, value) = entry(content)??;
            (col, key, value, false)
        };
        // The map of the key: the innermost one if the key is at its column, else a new one.
        let names = match maps.last() {
            Some(&(top, names)) if top == at => names,
            _ => {
                let names = opens?;
                maps.push((at, names));
                names
            }
        };
        let nested = value.is_empty() || value.starts_with('#');
        opens = nested.then(|| !names && NAME_MAPS.contains(&key));
        if nested && (names || item || !PROSE.contains(&key)) {
            // A kept key whose value is on the lines after it: they are read as they come.
            out.push_str(line);
            i += 1;
            continue;
        }
        let end = if nested {
            let mut end = i + 1;
            while let Some(next) = lines.get(end) {
                let (c, rest) = indented(next);
                let within =
                    rest.is_empty() || c > at || (c == at && sequence_item(rest).is_some());
                if !within {
                    break;
                }
                end += 1;
            }
            end
        } else {
            value_end(text, &lines, i, at, value)?
        };
        if names || item || !PROSE.contains(&key) {
            lines[i..end].iter().for_each(|kept| out.push_str(kept));
        } else {
            placeholder = Some((at, key));
        }
        i = end;
    }
    if let Some((at, key)) = placeholder {
        push_placeholder(&mut out, at, key);
    }
    Some(out)
}

/// An entry left out, as it stays when it is the last of its map: a map whose entries are all
/// prose stays a map (an empty one, in the lean reading).
fn push_placeholder(out: &mut String, column: usize, key: &str) {
    out.extend(std::iter::repeat_n(' ', column));
    out.push_str(key);
    out.push_str(": 0\n");
}

/// The column of a line's first character that is not a space, and the line from there without
/// the trailing spaces and line break (empty for a blank line).
fn indented(line: &str) -> (usize, &str) {
    let content = line.trim_start_matches(' ');
    (
        line.len() - content.len(),
        content.trim_end_matches([' ', '\n']),
    )
}

/// What follows the dash of a block sequence item, if the line's content is one.
fn sequence_item(content: &str) -> Option<&str> {
    match content.strip_prefix('-')? {
        "" => Some(""),
        rest if rest.starts_with(' ') => Some(rest.trim_start_matches(' ')),
        _ => None,
    }
}

/// The key and the value (the rest of the line, maybe empty) of a block map entry that starts
/// `content`; `Some(None)` if `content` is not one but a scalar or flow collection; `None` for
/// what the pre-pass does not follow.
fn entry(content: &str) -> Option<Option<(&str, &str)>> {
    let (key, rest) = match content.as_bytes()[0] {
        quote @ (b'"' | b'\'') => {
            let Some(close) = closing_quote(&content[1..], quote) else {
                return Some(None);
            };
            let key = &content[1..1 + close];
            let rest = content[2 + close..].trim_start_matches(' ');
            let Some(rest) = rest.strip_prefix(':') else {
                return Some(None);
            };
            if key.contains(['\\', '\'']) {
                return None;
            }
            (key, rest)
        }
        b'?' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' => return None,
        b'[' | b'{' | b'|' | b'>' => return Some(None),
        _ => {
            let bytes = content.as_bytes();
            let mut found = None;
            for (at, &b) in bytes.iter().enumerate() {
                if b == b'#' && at > 0 && bytes[at - 1] == b' ' {
                    break;
                }
                if b == b':' && bytes.get(at + 1).is_none_or(|&next| next == b' ') {
                    found = Some(at);
                    break;
                }
            }
            let Some(colon) = found else {
                return Some(None);
            };
            (
                content[..colon].trim_end_matches(' '),
                &content[colon + 1..],
            )
        }
    };
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some(Some((key, rest.trim_start_matches(' '))))
}

/// The offset in `text` of the quote that closes a scalar opened by `quote` before `text`.
fn closing_quote(text: &str, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if quote == b'"' => at += 2,
            b'\'' if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') => at += 2,
            b if b == quote => return Some(at),
            _ => at += 1,
        }
    }
    None
}

/// The end (exclusive) of the lines of a value that starts on line `first` with `value` (the
/// rest of that line, within `text`): the lines up to a quoted scalar's closing quote or a flow
/// collection's closing bracket, then those blank or indented deeper than `column`. `None` for a
/// value the pre-pass does not follow.
fn value_end(
    text: &str,
    lines: &[&str],
    first: usize,
    column: usize,
    value: &str,
) -> Option<usize> {
    // Where the value starts in the text, and where it closes if it is quoted or a flow.
    let start = (value.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let close = match value.as_bytes()[0] {
        quote @ (b'"' | b'\'') => Some(start + 1 + closing_quote(&text[start + 1..], quote)? + 1),
        b'[' | b'{' => Some(start + flow_end(&text[start..])?),
        b'|' | b'>' => {
            let header = value[1..].split(" #").next().unwrap_or_default().trim_end();
            if !matches!(header, "" | "-" | "+") {
                return None;
            }
            None
        }
        b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b'?' => return None,
        _ => None,
    };
    let mut end = first + 1;
    if let Some(close) = close {
        // The line of the closing quote or bracket: nothing but a comment may follow it there.
        let mut last = first;
        let line_end = loop {
            let line = lines.get(last)?;
            let line_end = line_start(text, line)? + line.len();
            if close <= line_end {
                break line_end;
            }
            last += 1;
        };
        if !is_comment_or_blank(&text[close..line_end]) {
            return None;
        }
        end = last + 1;
    }
    while let Some(next) = lines.get(end) {
        let (c, rest) = indented(next);
        if !(rest.is_empty() || c > column) {
            break;
        }
        end += 1;
    }
    Some(end)
}

/// Where a line (a slice of `text`) starts in it.
fn line_start(text: &str, line: &str) -> Option<usize> {
    (line.as_ptr() as usize).checked_sub(text.as_ptr() as usize)
}

/// Whether the rest of a line after a value is nothing or a comment.
fn is_comment_or_blank(rest: &str) -> bool {
    let trimmed = rest.trim_start_matches(' ');
    trimmed.trim_end_matches([' ', '\n']).is_empty()
        || (trimmed.starts_with('#') && trimmed.len() < rest.len())
}

/// The offset after the bracket that closes the flow collection `text` opens.
fn flow_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            quote @ (b'"' | b'\'') => at += 1 + closing_quote(&text[at + 1..], quote)?,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            // A comment, to the end of its line.
            b'#' if at > 0 && matches!(bytes[at - 1], b' ' | b'\n') => {
                at += text[at..].find('\n')?;
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// Keys left out by [`parse_yaml_lean`], where they are keywords.
pub const PROSE: &[&str] = &[
    "description",
    "summary",
    "example",
    "examples",
    "x-go-name",
    "x-go-type",
    "x-go-package",
    "x-omitempty",
    "x-displayName",
    "x-logo",
    "externalDocs",
];

/// Keywords whose value is a map keyed by names.
pub const NAME_MAPS: &[&str] = &[
    "properties",
    "definitions",
    "paths",
    "responses",
    "headers",
    "securityDefinitions",
];

/// Reads a value, leaving out [`PROSE`] keys unless the map being read is keyed by names.
#[derive(Clone, Copy)]
struct Lean {
    names: bool,
}

impl<'de> DeserializeSeed<'de> for Lean {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Lean {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Lean { names: false })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if !self.names && PROSE.contains(&key.as_str()) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let names = !self.names && NAME_MAPS.contains(&key.as_str());
            let value = map.next_value_seed(Lean { names })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Recurring;

    #[test]
    fn lean_leaves_out_prose_but_not_names() {
        let text = r#"
info: { title: T, version: "1.99", description: gone }
definitions:
  description:
    type: object
    description: gone
    example: { a: 1 }
    properties:
      description: { type: string, description: gone }
      summary: { type: integer, x-nullable: true }
paths:
  /x:
    get:
      summary: gone
      responses:
        200: { description: gone }
"#;
        let lean = parse_yaml_lean(text, &Recurring::default().begin()).unwrap();
        let expected = serde_json::json!({
            "info": { "title": "T", "version": "1.99" },
            "definitions": {
                "description": {
                    "type": "object",
                    "properties": {
                        "description": { "type": "string" },
                        "summary": { "type": "integer", "x-nullable": true },
                    },
                },
            },
            "paths": { "/x": { "get": { "responses": { "200": {} } } } },
        });
        assert_eq!(lean, expected);
    }

    /// The pre-pass takes `text`, leaves none of `gone` in it, and the lean reading of what it
    /// leaves is that of the whole text.
    fn strips_the_same(text: &str, gone: &[&str]) -> String {
        let stripped = strip_prose(text).expect("the pre-pass follows the text");
        for word in gone {
            assert!(!stripped.contains(word), "{word:?} left in:\n{stripped}");
        }
        assert_eq!(
            read_lean(&stripped).unwrap(),
            read_lean(text).unwrap(),
            "{stripped}"
        );
        stripped
    }

    #[test]
    fn the_pre_pass_leaves_out_block_scalars_of_every_style() {
        let text = "\
definitions:
  A:
    description: |
      gone one
        gone two: with a colon

      gone three
    type: object
    properties:
      x:
        description: >-
          gone four
          - gone five
        type: string
      y:
        type: integer
        summary: |+
          gone six

        x-nullable: true
";
        strips_the_same(text, &["gone"]);
    }

    #[test]
    fn the_pre_pass_leaves_out_quoted_and_plain_scalars_over_several_lines() {
        let text = r#"
paths:
  /x:
    get:
      summary: "gone one
        gone: two \" still gone
    gone three"
      operationId: X
      description: 'gone four
        it''s gone: five'
      parameters:
        - name: a
          in: query
          description: gone six
            gone seven
            # a comment ends the scalar, gone eight
          type: string
        - description: "kept: the first entry of an item"
          name: b
          in: query
          type: string
      responses:
        200:
          description: "gone nine" # a comment
          schema: { type: string, description: kept in a flow map }
"#;
        let stripped = strips_the_same(text, &["gone"]);
        assert!(stripped.contains("kept: the first entry"));
    }

    #[test]
    fn the_pre_pass_keeps_names_and_maps_whose_entries_are_all_prose() {
        let text = "
definitions:
  description:
    type: object
    description: gone one
    properties:
      description:
        type: string
        description: gone two
      example:
        description: gone three
        type: object
      summary:
        $ref: '#/definitions/description'
responses:
  200:
    description: gone four
  404:
    description: gone five
    x-go-name: gone six
";
        let stripped = strips_the_same(text, &["gone"]);
        let lean = read_lean(&stripped).unwrap();
        assert_eq!(lean["responses"]["200"], serde_json::json!({}));
        assert_eq!(lean["responses"]["404"], serde_json::json!({}));
        assert_eq!(
            lean["definitions"]["description"]["properties"]["example"],
            serde_json::json!({ "type": "object" })
        );
    }

    #[test]
    fn the_pre_pass_leaves_out_nested_values_and_sequences_at_the_key_column() {
        let text = "
paths:
  /x:
    get:
      responses:
        200:
          examples:
            application/json:
              Id: gone one
              List: [gone, two,
                gone three]
          example:
          - gone four
          - a: gone five
          schema:
            type: array
            items: { type: string }
      x-go-package:
        { a: gone six,
          b: 'gone, seven}' }
      operationId: X
";
        strips_the_same(text, &["gone"]);
    }

    /// Two versions of a spec that share most of their definitions and paths, read with one
    /// memory of pieces, read as each does whole, in the same order of keys.
    #[test]
    fn pieces_read_once_read_as_the_whole_text() {
        let older = r#"swagger: "2.0"
info: { title: T, version: "1.1" }
definitions:
  # a comment before the first entry

  description:
    type: object
    description: gone
    properties:
      example: { type: string }
  B:
    type: string
    enum: [a, b]
paths:
  "/b/{id}":
    get:
      operationId: BGet
      responses:
        200: { description: gone, schema: { $ref: '#/definitions/B' } }
  /a:
    post:
      operationId: APost
tags:
  - name: A
"#;
        let newer = older
            .replace("version: \"1.1\"", "version: \"1.2\"")
            .replace("enum: [a, b]", "enum: [a, b, c]");
        let recurring = Recurring::default();
        for text in [older, newer.as_str(), older] {
            let pieces = read_pieces(text, &recurring.begin()).expect("read piece by piece");
            let whole = read_lean(text).unwrap();
            assert_eq!(pieces, whole);
            let keys = |v: &Value| {
                v["paths"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
            };
            assert_eq!(keys(&pieces), ["/b/{id}", "/a"]);
            assert_eq!(
                pieces.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["swagger", "info", "definitions", "paths", "tags"]
            );
        }
        // Each distinct entry was read once: four of the first version, and the changed `B`.
        assert_eq!(recurring.remembered(), 5);
    }

    #[test]
    fn pieces_stand_aside_from_sections_they_do_not_follow() {
        let recurring = Recurring::default();
        for text in [
            "definitions:\n  - A\n  - B\n",
            "definitions:\n    A: { type: string }\n  B: { type: string }\n",
        ] {
            assert_eq!(read_pieces(text, &recurring.begin()), None, "{text}");
            assert_eq!(
                parse_yaml_lean(text, &recurring.begin()).ok(),
                read_lean(text).ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn the_pre_pass_stands_aside_from_what_it_does_not_follow() {
        for text in [
            "a:\n\tdescription: x\n",
            "a: &anchor\n  description: x\nb: *anchor\n",
            "a: !tag\n  description: x\n",
            "--- \na:\n  description: x\n",
            "? complex\n: key\n",
            "a: |2\n    description: x\n",
            "a: [unclosed\n",
        ] {
            assert_eq!(strip_prose(text), None, "{text}");
        }
        // The lean reading reads such a text whole.
        let lean = parse_yaml_lean(
            "a: &anchor\n  description: x\n  b: 1\nc: *anchor\n",
            &Recurring::default().begin(),
        )
        .unwrap();
        assert_eq!(
            lean,
            serde_json::json!({ "a": { "b": 1 }, "c": { "b": 1 } })
        );
    }
}

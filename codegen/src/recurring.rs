//! What the specs of several API versions share, read once: the history reads up to sixteen
//! specs, and an API version changes few of the definitions and paths of the one before it, so
//! [`load`](crate::load) reads each distinct entry's text once, and
//! [`corrections`](crate::corrections) reads each distinct corrected schema and path into
//! [`openapiv3`]'s types once.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use foldhash::quality::FixedState;
use openapiv3::{PathItem, ReferenceOr, Schema};
use serde_json::Value;

/// Shared by the readings of several specs (on several threads): the entries of `definitions`
/// and `paths` read so far, by their text, and the corrected schemas and path items read into
/// their types, by their value; each with the last reading that used it. What the spec read
/// last and the one before it did not use is forgotten: the specs are read in the order of
/// their versions, and what a version dropped seldom comes back.
#[derive(Default)]
pub struct Recurring {
    /// The readings begun so far.
    begun: AtomicU32,
    /// By a hash of their text (taken before the lock, which then is held briefly): the text,
    /// the last reading that used it, and what it reads as.
    known: Mutex<HashMap<u64, Vec<Known>>>,
    /// The component schemas read into their type, by name.
    schemas: Typed<ReferenceOr<Schema>>,
    /// The path items read into their type, by path.
    paths: Typed<ReferenceOr<PathItem>>,
}

/// Values read into a type `T`, by name: for each name, the fingerprint of every distinct value
/// met so far (after normalisation and corrections), what it reads as, and the last reading
/// that used it. A typed value is lent to the reading that uses it (`None` meanwhile) and given
/// back once the reading's model is built, so it is never copied, and is in memory once.
/// (The values themselves are not kept: they would take as much memory again.)
struct Typed<T>(Mutex<HashMap<String, Vec<Variant<T>>>>);

struct Variant<T> {
    used: u32,
    print: u64,
    typed: Option<T>,
}

impl<T> Default for Typed<T> {
    fn default() -> Self {
        Typed(Mutex::new(HashMap::new()))
    }
}

impl<T> Typed<T> {
    /// The value of `name` with fingerprint `print`, lent to the reading numbered `number`;
    /// read by `read` when none is known or it is lent to another reading.
    fn lend<E>(
        &self,
        number: u32,
        name: &str,
        print: u64,
        read: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        if let Ok(mut known) = self.0.lock() {
            let fresh = Variant {
                used: number,
                print,
                typed: None,
            };
            match known.get_mut(name) {
                None => {
                    known.insert(name.to_owned(), vec![fresh]);
                }
                Some(variants) => match variants.iter_mut().find(|v| v.print == print) {
                    Some(variant) => {
                        variant.used = variant.used.max(number);
                        if let Some(typed) = variant.typed.take() {
                            return Ok(typed);
                        }
                    }
                    None => variants.push(fresh),
                },
            }
        }
        read()
    }

    /// Takes back the values of `items` that were lent, by their fingerprints in `prints`.
    fn give_back_all(
        &self,
        prints: &HashMap<String, u64>,
        items: impl IntoIterator<Item = (String, T)>,
    ) {
        for (name, typed) in items {
            if let Some(&print) = prints.get(&name) {
                self.give_back(&name, print, typed);
            }
        }
    }

    /// Takes back the value of `name` with fingerprint `print`.
    fn give_back(&self, name: &str, print: u64, typed: T) {
        if let Ok(mut known) = self.0.lock() {
            let variant = known
                .get_mut(name)
                .and_then(|variants| variants.iter_mut().find(|v| v.print == print));
            if let Some(variant) = variant {
                variant.typed.get_or_insert(typed);
            }
        }
    }

    /// Forgets what no reading numbered `keep` or later used.
    fn retain(&self, keep: u32) {
        if let Ok(mut known) = self.0.lock() {
            known.retain(|_, variants| {
                variants.retain(|variant| variant.used >= keep);
                !variants.is_empty()
            });
        }
    }
}

/// An entry of a map keyed by names: the name and the value.
type Entry = (String, Value);

/// A piece of text read before, the last reading that used it, and the entry it reads as.
type Known = (Arc<str>, u32, Arc<Entry>);

impl Recurring {
    /// Begins the reading of one spec, which ends when the value returned is dropped.
    pub fn begin(&self) -> Reading<'_> {
        Reading {
            shared: self,
            number: self.begun.fetch_add(1, Ordering::Relaxed),
            lent: Mutex::default(),
        }
    }

    /// How many distinct entries are remembered.
    pub fn remembered(&self) -> usize {
        self.known
            .lock()
            .map_or(0, |known| known.values().map(Vec::len).sum())
    }
}

/// The reading of one spec with a [`Recurring`]. When it ends, what neither it nor the reading
/// begun before it used, nor one begun after it, is forgotten.
pub struct Reading<'a> {
    shared: &'a Recurring,
    number: u32,
    /// The fingerprints of the schemas and path items lent to this reading, by name.
    lent: Mutex<Lent>,
}

#[derive(Default)]
struct Lent {
    schemas: HashMap<String, u64>,
    paths: HashMap<String, u64>,
}

impl Reading<'_> {
    /// The entry (name and value) that `piece` is, read by `read` unless an earlier reading had
    /// the same text. Two threads that meet the same text at once may both read it.
    pub(crate) fn piece(
        &self,
        piece: &str,
        read: impl FnOnce(&str) -> Option<Entry>,
    ) -> Option<Entry> {
        let hash = FixedState::with_seed(0).hash_one(piece);
        let known = self
            .shared
            .known
            .lock()
            .ok()?
            .get_mut(&hash)
            .and_then(|texts| {
                let (_, used, entry) = texts.iter_mut().find(|(text, _, _)| **text == *piece)?;
                *used = (*used).max(self.number);
                Some(Arc::clone(entry))
            });
        let entry = match known {
            Some(entry) => entry,
            None => {
                let entry = Arc::new(read(piece)?);
                let known = (Arc::from(piece), self.number, Arc::clone(&entry));
                self.shared
                    .known
                    .lock()
                    .ok()?
                    .entry(hash)
                    .or_default()
                    .push(known);
                entry
            }
        };
        Some((entry.0.clone(), entry.1.clone()))
    }

    /// The component schema `name` whose corrected value is `value`, read by `read` unless an
    /// earlier reading had the same value. Lent until [`give_back`](Self::give_back).
    pub(crate) fn schema<E>(
        &self,
        name: &str,
        value: Value,
        read: impl FnOnce(&Value) -> Result<ReferenceOr<Schema>, E>,
    ) -> Result<ReferenceOr<Schema>, E> {
        self.lend(
            &self.shared.schemas,
            |lent| &mut lent.schemas,
            name,
            value,
            read,
        )
    }

    /// The path item at `path` whose corrected value is `value`, read by `read` unless an
    /// earlier reading had the same value. Lent until [`give_back`](Self::give_back).
    pub(crate) fn path<E>(
        &self,
        path: &str,
        value: Value,
        read: impl FnOnce(&Value) -> Result<ReferenceOr<PathItem>, E>,
    ) -> Result<ReferenceOr<PathItem>, E> {
        self.lend(
            &self.shared.paths,
            |lent| &mut lent.paths,
            path,
            value,
            read,
        )
    }

    /// [`schema`](Self::schema) or [`path`](Self::path): the value of `name` in `memo`, its
    /// fingerprint noted in `prints` of what is lent to this reading.
    fn lend<T, E>(
        &self,
        memo: &Typed<T>,
        prints: impl FnOnce(&mut Lent) -> &mut HashMap<String, u64>,
        name: &str,
        value: Value,
        read: impl FnOnce(&Value) -> Result<T, E>,
    ) -> Result<T, E> {
        let print = print(&value);
        if let Ok(mut lent) = self.lent.lock() {
            prints(&mut lent).insert(name.to_owned(), print);
        }
        memo.lend(self.number, name, print, || read(&value))
    }

    /// Takes back the schemas and path items that [`schema`](Self::schema) and
    /// [`path`](Self::path) lent to this reading, for the next.
    pub(crate) fn give_back(&self, openapi: openapiv3::OpenAPI) {
        let Ok(mut lent) = self.lent.lock() else {
            return;
        };
        let lent = std::mem::take(&mut *lent);
        let schemas = openapi.components.map(|c| c.schemas).unwrap_or_default();
        self.shared.schemas.give_back_all(&lent.schemas, schemas);
        self.shared
            .paths
            .give_back_all(&lent.paths, openapi.paths.paths);
    }
}

/// The fingerprint of `value`.
fn print(value: &Value) -> u64 {
    let mut hasher = FixedState::with_seed(0).build_hasher();
    fingerprint(value, &mut hasher);
    hasher.finish()
}

/// Feeds all of `value` to `hasher`: keys and items in their order (which the typed value
/// keeps), each value with its kind. Two values with the same fingerprint are taken as equal:
/// with 64 bits, and a few values per name compared, a false match is not a practical concern.
fn fingerprint(value: &Value, hasher: &mut impl Hasher) {
    match value {
        Value::Null => hasher.write_u8(0),
        Value::Bool(b) => {
            hasher.write_u8(1);
            b.hash(hasher);
        }
        Value::Number(n) => {
            hasher.write_u8(2);
            n.hash(hasher);
        }
        Value::String(s) => {
            hasher.write_u8(3);
            s.hash(hasher);
        }
        Value::Array(items) => {
            hasher.write_u8(4);
            hasher.write_usize(items.len());
            for item in items {
                fingerprint(item, hasher);
            }
        }
        Value::Object(map) => {
            hasher.write_u8(5);
            hasher.write_usize(map.len());
            for (key, item) in map {
                key.hash(hasher);
                fingerprint(item, hasher);
            }
        }
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        let keep = self.number.saturating_sub(1);
        if let Ok(mut known) = self.shared.known.lock() {
            known.retain(|_, texts| {
                texts.retain(|(_, used, _)| *used >= keep);
                !texts.is_empty()
            });
        }
        self.shared.schemas.retain(keep);
        self.shared.paths.retain(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: u32, reads: &mut u32) -> Result<u32, ()> {
        *reads += 1;
        Ok(value)
    }

    #[test]
    fn a_typed_value_is_lent_given_back_and_forgotten_when_unused() {
        let memo = Typed::<u32>::default();
        let mut reads = 0;
        // Read once, lent to reading 0, then given back.
        assert_eq!(memo.lend(0, "A", 7, || read(70, &mut reads)), Ok(70));
        memo.give_back("A", 7, 70);
        // Reading 1 takes it without reading; while it is lent, reading 2 reads its own.
        assert_eq!(memo.lend(1, "A", 7, || read(0, &mut reads)), Ok(70));
        assert_eq!(memo.lend(2, "A", 7, || read(71, &mut reads)), Ok(71));
        assert_eq!(reads, 2);
        // Both are given back: one is kept.
        memo.give_back("A", 7, 71);
        memo.give_back("A", 7, 70);
        assert_eq!(memo.lend(3, "A", 7, || read(0, &mut reads)), Ok(71));
        memo.give_back("A", 7, 71);
        // Another value of the same name is read, and kept beside it.
        assert_eq!(memo.lend(3, "A", 8, || read(80, &mut reads)), Ok(80));
        memo.give_back("A", 8, 80);
        assert_eq!(reads, 3);
        // What readings 3 and later did not use is forgotten.
        assert_eq!(memo.lend(4, "A", 8, || read(0, &mut reads)), Ok(80));
        memo.give_back("A", 8, 80);
        memo.retain(4);
        assert_eq!(memo.lend(5, "A", 7, || read(72, &mut reads)), Ok(72));
        assert_eq!(reads, 4);
    }

    #[test]
    fn fingerprints_tell_order_and_kinds_apart() {
        let prints = [
            r#"{"a": 1, "b": 2}"#,
            r#"{"b": 2, "a": 1}"#,
            r#"{"a": "1", "b": 2}"#,
            r#"{"a": [1], "b": 2}"#,
            r#"{"a": 1, "b": 2, "c": null}"#,
            r#"[[], []]"#,
            r#"[[[]]]"#,
        ]
        .map(|text| print(&serde_json::from_str(text).unwrap()));
        for (i, a) in prints.iter().enumerate() {
            for b in &prints[i + 1..] {
                assert_ne!(a, b);
            }
        }
        let again: Value = serde_json::from_str(r#"{"a": 1, "b": 2}"#).unwrap();
        assert_eq!(print(&again), prints[0]);
    }
}

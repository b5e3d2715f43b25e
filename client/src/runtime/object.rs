//! The serde code of the generated structs, written once.
//!
//! A struct of the API implements [`Object`]: its wire keys in a table and one small method per
//! direction. Its `Serialize` and `Deserialize` call [`serialize`] and [`deserialize`],
//! instead of what `#[derive]` would expand to for every struct (a field enum with its visitor,
//! a map visitor and a sequence visitor per struct): the structs compile several times faster,
//! and decode the same. A JSON object decodes into a struct whose keys it
//! may lack (all but the required ones) and whose keys it may add (ignored); a key given
//! twice, a required one missing or a value of the wrong type is an error naming the key.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// A struct of the API, as its serde code sees it.
pub trait Object: Default {
    /// The struct's name, for messages.
    const NAME: &'static str;
    /// The wire key of each field, in order.
    const FIELDS: &'static [&'static str];
    /// The indexes (in [`Object::FIELDS`]) of the fields that must be present.
    const REQUIRED: &'static [usize];

    /// Reads the value of field `index` from `map`.
    fn read<'de, A: MapAccess<'de>>(&mut self, index: usize, map: &mut A) -> Result<(), A::Error>;

    /// Writes every field to `out`, in the order of [`Object::FIELDS`].
    fn write<W: Write>(&self, out: &mut W);
}

/// Where [`Object::write`] puts the fields: each call is for the next key of
/// [`Object::FIELDS`]. A writer that can fail keeps its first error and writes nothing after
/// it. (No `Result` per field: the `?` after each, in every generated struct, was a large part
/// of the crate's type checking.)
pub trait Write {
    /// A field that is always written.
    fn field<T: Serialize>(&mut self, value: &T);

    /// An optional field, left out when `None`.
    fn opt<T: Serialize>(&mut self, value: &Option<T>);

    /// A set, written as a JSON object whose values are `{}`.
    #[allow(dead_code)] // (Generated for some API versions.)
    fn key_set(&mut self, keys: &[String]) {
        self.field(&KeySetRef(keys))
    }

    /// An optional set, left out when `None`.
    fn key_set_opt(&mut self, keys: &Option<Vec<String>>) {
        self.opt(&keys.as_deref().map(KeySetRef))
    }
}

/// `Serialize` and `Deserialize` for a generated struct, through its [`Object`] implementation
/// ([`serialize`] and [`deserialize`]): one line per struct in the generated code.
macro_rules! impl_serde {
    ($name:ident) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::runtime::object::serialize(self, s)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::runtime::object::deserialize(d)
            }
        }
    };
}
pub(crate) use impl_serde;

/// For a generated enum of wire strings, which has `as_str` and `From<&str>` (a value it does
/// not declare kept as `Unknown`): `FromStr` (never failing), `Display`, and its `Serialize` and
/// `Deserialize` as a JSON string.
macro_rules! impl_wire_enum {
    ($name:ident) => {
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(Self::from(
                    <String as ::serde::Deserialize>::deserialize(d)?.as_str(),
                ))
            }
        }
    };
}
pub(crate) use impl_wire_enum;

/// Serializes an [`Object`] as a struct of the fields it writes: optional fields unset are
/// left out.
pub fn serialize<T: Object, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    let mut count = Count(0);
    value.write(&mut count);
    let mut fields = Fields {
        out: serializer.serialize_struct(T::NAME, count.0)?,
        keys: T::FIELDS.iter(),
        error: None,
    };
    value.write(&mut fields);
    match fields.error {
        Some(error) => Err(error),
        None => fields.out.end(),
    }
}

/// Counts the fields an [`Object`] writes.
struct Count(usize);

impl Write for Count {
    fn field<T: Serialize>(&mut self, _: &T) {
        self.0 += 1;
    }

    fn opt<T: Serialize>(&mut self, value: &Option<T>) {
        self.0 += usize::from(value.is_some());
    }
}

/// Writes the fields of an [`Object`] to a serializer's struct, each under the next key, until
/// the first error.
struct Fields<S: SerializeStruct> {
    out: S,
    keys: std::slice::Iter<'static, &'static str>,
    error: Option<S::Error>,
}

impl<S: SerializeStruct> Fields<S> {
    fn put<T: Serialize + ?Sized>(&mut self, value: Option<&T>) {
        let key = self.keys.next().copied().unwrap_or_default();
        if self.error.is_some() {
            return;
        }
        let written = match value {
            Some(value) => self.out.serialize_field(key, value),
            None => self.out.skip_field(key),
        };
        self.error = written.err();
    }
}

impl<S: SerializeStruct> Write for Fields<S> {
    fn field<T: Serialize>(&mut self, value: &T) {
        self.put(Some(value));
    }

    fn opt<T: Serialize>(&mut self, value: &Option<T>) {
        // (The `Option` itself is written, as its value: one instantiation per type.)
        self.put(value.as_ref().map(|_| value));
    }
}

/// The most fields a struct may have (the generator checks it).
pub const MAX_FIELDS: usize = 256;

/// Deserializes an [`Object`] from a map (a JSON object).
pub fn deserialize<'de, T: Object, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_struct(T::NAME, T::FIELDS, ObjectVisitor(PhantomData))
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        let mut seen = [0u64; MAX_FIELDS / 64];
        while let Some(key) = map.next_key_seed(Key(T::FIELDS))? {
            let Some(index) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let (word, bit) = (index / 64, 1u64 << (index % 64));
            if seen[word] & bit != 0 {
                return Err(de::Error::duplicate_field(T::FIELDS[index]));
            }
            seen[word] |= bit;
            value.read(index, &mut map)?;
        }
        for &index in T::REQUIRED {
            if seen[index / 64] & (1u64 << (index % 64)) == 0 {
                return Err(de::Error::missing_field(T::FIELDS[index]));
            }
        }
        Ok(value)
    }
}

/// A key of a map: the index of the field it names, or `None` for a key the struct lacks.
struct Key(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Option<usize>, E> {
        Ok(usize::try_from(index).ok().filter(|&i| i < self.0.len()))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|field| *field == key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|field| field.as_bytes() == key))
    }
}

/// Reads a field's value as it is.
pub fn value<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut T,
) -> Result<(), A::Error> {
    *slot = map.next_value()?;
    Ok(())
}

/// Reads a list or map; `null` is the empty one.
pub fn or_default<'de, A: MapAccess<'de>, T: Deserialize<'de> + Default>(
    map: &mut A,
    slot: &mut T,
) -> Result<(), A::Error> {
    *slot = map.next_value::<Option<T>>()?.unwrap_or_default();
    Ok(())
}

/// Reads a set encoded as a JSON object whose values are `{}` (`{"80/tcp": {}}`), as a list of
/// its keys; `null` is the empty one.
#[allow(dead_code)] // (Generated for some API versions.)
pub fn key_set<'de, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Vec<String>,
) -> Result<(), A::Error> {
    *slot = map.next_value::<KeySet>()?.0.unwrap_or_default();
    Ok(())
}

/// [`key_set`] for an optional field: `null` is `None`.
pub fn key_set_opt<'de, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<Vec<String>>,
) -> Result<(), A::Error> {
    *slot = map.next_value::<KeySet>()?.0;
    Ok(())
}

/// A set encoded as a JSON object whose values are `{}`, or `null`.
struct KeySet(Option<Vec<String>>);

impl<'de> Deserialize<'de> for KeySet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Option::<BTreeMap<String, IgnoredAny>>::deserialize(deserializer)?;
        Ok(KeySet(map.map(|m| m.into_keys().collect())))
    }
}

/// A set, written as a JSON object whose values are `{}`.
struct KeySetRef<'a>(&'a [String]);

impl Serialize for KeySetRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for key in self.0 {
            map.serialize_entry(key, &BTreeMap::<String, ()>::new())?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::models::{ContainerConfig, ContainerCreateResponse, ContainerWaitResponse};

    /// A field that fails to serialize, and one that counts its serializations.
    #[derive(Default)]
    struct Fails;
    impl serde::Serialize for Fails {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("this field cannot be written"))
        }
    }
    thread_local!(static WRITTEN: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
    #[derive(Default)]
    struct Counts;
    impl serde::Serialize for Counts {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            WRITTEN.with(|w| w.set(w.get() + 1));
            serializer.serialize_unit()
        }
    }
    #[derive(Default)]
    struct Three {
        first: Option<Counts>,
        fails: Fails,
        last: Counts,
    }
    impl super::Object for Three {
        const NAME: &'static str = "Three";
        const FIELDS: &'static [&'static str] = &["First", "Fails", "Last"];
        const REQUIRED: &'static [usize] = &[];
        fn read<'de, A: serde::de::MapAccess<'de>>(
            &mut self,
            _: usize,
            _: &mut A,
        ) -> Result<(), A::Error> {
            Ok(())
        }
        fn write<W: super::Write>(&self, out: &mut W) {
            out.opt(&self.first);
            out.field(&self.fails);
            out.field(&self.last);
        }
    }
    super::impl_serde!(Three);

    #[test]
    fn a_field_that_fails_to_serialize_is_the_error_and_nothing_after_it_is_written() {
        let three = Three {
            first: Some(Counts),
            ..Default::default()
        };
        let error = serde_json::to_string(&three).unwrap_err();
        assert_eq!(error.to_string(), "this field cannot be written");
        assert_eq!(WRITTEN.with(|w| w.get()), 1);
    }

    #[test]
    fn unknown_keys_are_ignored_and_absent_ones_are_none() {
        let config: ContainerConfig =
            serde_json::from_value(json!({"Image": "busybox", "NotAField": [1, {"a": 2}]}))
                .unwrap();
        assert_eq!(config.image.as_deref(), Some("busybox"));
        assert_eq!(config.cmd, None);
    }

    #[test]
    fn a_required_key_missing_is_an_error_naming_it() {
        let error =
            serde_json::from_value::<ContainerCreateResponse>(json!({"Warnings": []})).unwrap_err();
        assert_eq!(error.to_string(), "missing field `Id`");
    }

    #[test]
    fn a_key_given_twice_is_an_error_naming_it() {
        let error =
            serde_json::from_str::<ContainerWaitResponse>(r#"{"StatusCode": 1, "StatusCode": 2}"#)
                .unwrap_err();
        assert!(
            error.to_string().contains("duplicate field `StatusCode`"),
            "{error}"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_error() {
        let error = serde_json::from_value::<ContainerWaitResponse>(json!({"StatusCode": "one"}))
            .unwrap_err();
        assert!(error.to_string().contains("invalid type"), "{error}");
        let error = serde_json::from_value::<ContainerWaitResponse>(json!([1])).unwrap_err();
        assert!(
            error.to_string().contains("struct ContainerWaitResponse"),
            "{error}"
        );
    }

    #[test]
    fn a_null_or_missing_collection_is_empty() {
        let created: ContainerCreateResponse =
            serde_json::from_value(json!({"Id": "abc", "Warnings": null})).unwrap();
        assert_eq!(created.id, "abc");
        assert!(created.warnings.is_empty());
        let created: ContainerCreateResponse =
            serde_json::from_value(json!({"Id": "abc"})).unwrap();
        assert!(created.warnings.is_empty());
    }

    #[test]
    fn optional_fields_unset_are_left_out_and_key_sets_are_objects() {
        let config = ContainerConfig {
            image: Some("busybox".into()),
            exposed_ports: Some(vec!["80/tcp".into()]),
            ..Default::default()
        };
        let value = serde_json::to_value(&config).unwrap();
        assert_eq!(
            value,
            json!({"Image": "busybox", "ExposedPorts": {"80/tcp": {}}})
        );
        let back: ContainerConfig = serde_json::from_value(value).unwrap();
        assert_eq!(back, config);
        let config: ContainerConfig =
            serde_json::from_value(json!({"ExposedPorts": null})).unwrap();
        assert_eq!(config.exposed_ports, None);
    }

    #[test]
    fn required_fields_are_always_written() {
        let created = ContainerCreateResponse::default();
        assert_eq!(
            serde_json::to_value(&created).unwrap(),
            json!({"Id": "", "Warnings": []})
        );
    }
}

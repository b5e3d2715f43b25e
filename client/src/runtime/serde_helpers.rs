//! Serde helpers for the API's encodings that serde does not express directly.

use std::collections::BTreeMap;

use serde::de::{Deserialize, Deserializer, IgnoredAny};
use serde::ser::{SerializeMap, Serializer};

/// Decodes `null` as the type's default (an empty list or map).
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A set encoded as a JSON object whose values are `{}` (`{"80/tcp": {}}`), as a list of keys.
pub mod key_set {
    use super::*;

    pub fn serialize<S: Serializer>(keys: &[String], serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(keys.len()))?;
        for key in keys {
            map.serialize_entry(key, &BTreeMap::<String, ()>::new())?;
        }
        map.end()
    }

    #[allow(dead_code)] // (Generated for some API versions.)
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<String>, D::Error> {
        let map = Option::<BTreeMap<String, IgnoredAny>>::deserialize(deserializer)?;
        Ok(map.unwrap_or_default().into_keys().collect())
    }
}

/// [`key_set`] for an optional field.
pub mod key_set_opt {
    use super::*;

    pub fn serialize<S: Serializer>(
        keys: &Option<Vec<String>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match keys {
            Some(keys) => key_set::serialize(keys, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<String>>, D::Error> {
        let map = Option::<BTreeMap<String, IgnoredAny>>::deserialize(deserializer)?;
        Ok(map.map(|m| m.into_keys().collect()))
    }
}

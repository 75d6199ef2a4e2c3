//! Private state: what a resource keeps for itself between the RPCs of one
//! object, never shown to the user and never part of its schema.
//!
//! Terraform stores the bytes a provider answers beside the state and hands
//! them back: a plan's private data reaches the apply that carries it out
//! (`planned_private`), so a decision made at plan time (say, the steps of
//! an update and the facts they rest on) is carried out as made, without
//! asking the API again. [`Private`] holds it as JSON values by key, the way
//! terraform-plugin-framework's `GetKey`/`SetKey` do, encoded as one JSON
//! object; no key means no bytes.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A resource's private data: JSON values by key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Private(BTreeMap<String, serde_json::Value>);

impl Private {
    /// The private data Terraform handed back. Bytes that are not a JSON
    /// object (none at all, or another provider version's) are no data.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        if bytes.is_empty() {
            return Private::default();
        }
        match serde_json::from_slice(bytes) {
            Ok(map) => Private(map),
            Err(e) => {
                tracing::debug!(error = %e, "private state is not a JSON object; ignoring it");
                Private::default()
            }
        }
    }

    /// The bytes for Terraform to store: empty when there is no key.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.0.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.0).unwrap_or_default()
    }

    /// The value of `key`, when it is there and has the shape of `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let value = self.0.get(key)?;
        serde_json::from_value(value.clone())
            .inspect_err(
                |e| tracing::debug!(key, error = %e, "private value of another shape; ignoring it"),
            )
            .ok()
    }

    /// Sets `key` to `value` (a value that cannot be encoded removes it).
    pub fn set<T: Serialize>(&mut self, key: &str, value: &T) {
        match serde_json::to_value(value) {
            Ok(v) => {
                self.0.insert(key.to_owned(), v);
            }
            Err(e) => {
                tracing::debug!(key, error = %e, "private value not encodable; dropping it");
                self.0.remove(key);
            }
        }
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_bytes() {
        let mut p = Private::default();
        assert!(p.to_bytes().is_empty(), "no key, no bytes");
        p.set("steps", &vec!["a", "b"]);
        p.set("n", &3u32);
        let back = Private::from_bytes(&p.to_bytes());
        assert_eq!(back, p);
        assert_eq!(
            back.get::<Vec<String>>("steps"),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(back.get::<u32>("n"), Some(3));
        assert_eq!(back.get::<String>("n"), None, "another shape");
        assert_eq!(back.get::<u32>("missing"), None);
        let mut back = back;
        back.remove("n");
        assert_eq!(back.get::<u32>("n"), None);
    }

    #[test]
    fn foreign_bytes_are_no_data() {
        assert_eq!(Private::from_bytes(b"opaque"), Private::default());
        assert_eq!(Private::from_bytes(b"[1,2]"), Private::default());
    }
}

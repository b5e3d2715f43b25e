//! What the specs of several API versions share, read once: the history reads up to sixteen
//! specs, and an API version changes few of the definitions and paths of the one before it, so
//! [`load`](crate::load) reads each distinct entry's text once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// Shared by the readings of several specs (on several threads): the entries of `definitions`
/// and `paths` read so far, by their text, each with the last reading that used it. What the
/// spec read last and the one before it did not use is forgotten: the specs are read in the
/// order of their versions, and what a version dropped seldom comes back.
#[derive(Default)]
pub struct Recurring {
    /// The readings begun so far.
    begun: AtomicU32,
    known: Mutex<HashMap<String, (u32, Arc<Entry>)>>,
}

/// An entry of a map keyed by names: the name and the value.
type Entry = (String, Value);

impl Recurring {
    /// Begins the reading of one spec, which ends when the value returned is dropped.
    pub fn begin(&self) -> Reading<'_> {
        Reading {
            shared: self,
            number: self.begun.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// How many distinct entries are remembered.
    pub fn remembered(&self) -> usize {
        self.known.lock().map_or(0, |known| known.len())
    }
}

/// The reading of one spec with a [`Recurring`]. When it ends, what neither it nor the reading
/// begun before it used, nor one begun after it, is forgotten.
pub struct Reading<'a> {
    shared: &'a Recurring,
    number: u32,
}

impl Reading<'_> {
    /// The entry (name and value) that `piece` is, read by `read` unless an earlier reading had
    /// the same text. Two threads that meet the same text at once may both read it.
    pub(crate) fn piece(
        &self,
        piece: &str,
        read: impl FnOnce(&str) -> Option<Entry>,
    ) -> Option<Entry> {
        let known = self
            .shared
            .known
            .lock()
            .ok()?
            .get_mut(piece)
            .map(|(used, entry)| {
                *used = (*used).max(self.number);
                Arc::clone(entry)
            });
        let entry = match known {
            Some(entry) => entry,
            None => {
                let entry = Arc::new(read(piece)?);
                let mut known = self.shared.known.lock().ok()?;
                known.insert(piece.to_owned(), (self.number, Arc::clone(&entry)));
                entry
            }
        };
        Some((entry.0.clone(), entry.1.clone()))
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        let keep = self.number.saturating_sub(1);
        if let Ok(mut known) = self.shared.known.lock() {
            known.retain(|_, (used, _)| *used >= keep);
        }
    }
}

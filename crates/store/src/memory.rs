//! An in-memory store, for tests and single-process trials. Lost on restart.
//!
//! Kept small, because every idle chat costs memory for as long as it lives (issue 8: under 1 KB
//! per idle session, under 60 MB with 100,000): a chat's tag (16 hex digits) is kept as the `u64`
//! it spells, and its state as its compact JSON in one allocation, instead of a `ChatState` with
//! a separate heap block for every string and list. Encoding and decoding cost a few
//! microseconds per update, about what cloning the `ChatState` in and out cost before.

use super::{BlobStore, StoreError, Versioned};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct MemoryStore {
    ttl: Duration,
    map: Mutex<HashMap<Key, Entry>>,
}

/// A store key: a tag from [`signpost_core::privacy::HashKey::tag`] as a number, anything else as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Tag(u64),
    Other(Box<str>),
}

impl Key {
    fn new(key: &str) -> Key {
        // Only the canonical lower-case 16-digit form, so two different strings never share a key.
        let canonical = key.len() == 16 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        match canonical.then(|| u64::from_str_radix(key, 16).ok()).flatten() {
            Some(n) => Key::Tag(n),
            None => Key::Other(key.into()),
        }
    }
}

#[derive(Debug)]
struct Entry {
    version: u64,
    saved: Instant,
    /// The blob, in one allocation.
    blob: Box<[u8]>,
}

impl MemoryStore {
    pub fn new(ttl: Duration) -> Self {
        MemoryStore { ttl, map: Mutex::new(HashMap::new()) }
    }

    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl BlobStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned<Vec<u8>>>, StoreError> {
        let key = Key::new(key);
        let (version, blob) = {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(&key) {
                Some(e) if e.saved.elapsed() > self.ttl => {
                    map.remove(&key);
                    return Ok(None);
                }
                Some(e) => (e.version, e.blob.to_vec()),
                None => return Ok(None),
            }
        };
        Ok(Some(Versioned { value: blob, version }))
    }

    async fn save(&self, key: &str, blob: &[u8], expected: Option<u64>) -> Result<u64, StoreError> {
        let key = Key::new(key);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let current = map.get(&key).filter(|e| e.saved.elapsed() <= self.ttl).map(|e| e.version);
        if current != expected {
            return Err(StoreError::Conflict);
        }
        let version = current.unwrap_or(0) + 1;
        map.insert(key, Entry { version, saved: Instant::now(), blob: blob.into() });
        Ok(version)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).remove(&Key::new(key));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_become_numbers_and_other_keys_stay_distinct() {
        assert_eq!(Key::new("00000000000000ff"), Key::Tag(255));
        assert_eq!(Key::new("00000000000000FF"), Key::Other("00000000000000FF".into()));
        assert_eq!(Key::new("ff"), Key::Other("ff".into()));
        assert_eq!(Key::new("+0000000000000ff"), Key::Other("+0000000000000ff".into()));
    }
}

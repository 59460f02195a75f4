//! An in-memory store, for tests and single-process trials. Lost on restart.

use super::{ChatState, SessionStore, StoreError, Versioned};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct MemoryStore {
    ttl: Duration,
    map: Mutex<HashMap<String, (Versioned<ChatState>, Instant)>>,
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
impl SessionStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned<ChatState>>, StoreError> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(key) {
            Some((_, saved)) if saved.elapsed() > self.ttl => {
                map.remove(key);
                Ok(None)
            }
            Some((v, _)) => Ok(Some(v.clone())),
            None => Ok(None),
        }
    }

    async fn save(&self, key: &str, state: &ChatState, expected: Option<u64>) -> Result<u64, StoreError> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let current = map.get(key).filter(|(_, saved)| saved.elapsed() <= self.ttl).map(|(v, _)| v.version);
        if current != expected {
            return Err(StoreError::Conflict);
        }
        let version = current.unwrap_or(0) + 1;
        map.insert(key.to_string(), (Versioned { value: state.clone(), version }, Instant::now()));
        Ok(version)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
        Ok(())
    }
}

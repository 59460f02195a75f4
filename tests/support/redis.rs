//! The Redis fixture: a Redis store under a key prefix no other test uses, so the Redis tests run
//! in parallel on one server, and whose keys are deleted when the fixture is dropped, even when
//! the test fails (a failed assertion unwinds through the drop).

#![allow(dead_code)] // Each test uses a different part.

use signpost_store::RedisStore;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::time::Duration;

/// A test's own corner of the Redis server at `REDIS_URL`.
pub struct Redis {
    url: String,
    prefix: String,
}

impl Redis {
    /// The fixture for the test named `test` (its path, e.g. `store::redis_delete`), or `None`
    /// after printing `SKIPPED <test>: REDIS_URL is not set` when there is no Redis to use.
    pub fn new(test: &str) -> Option<Redis> {
        let url = match std::env::var("REDIS_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                // Straight to stderr: the test harness would hide `eprintln!` of a passing test.
                let _ = writeln!(std::io::stderr(), "SKIPPED {test}: REDIS_URL is not set");
                return None;
            }
        };
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let prefix = format!("signpost-test:{test}:{}:{nanos}:", std::process::id());
        Some(Redis { url, prefix })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every key this fixture's stores write starts with this.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A store with a connection of its own, as another process would open.
    pub async fn store(&self, ttl: Duration) -> RedisStore {
        RedisStore::open(&self.url, &self.prefix, ttl).await.expect("open the Redis store")
    }

    /// A separate connection, to look at Redis directly.
    pub async fn raw(&self) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.url.as_str()).unwrap();
        client.get_multiplexed_async_connection().await.unwrap()
    }

    /// The keys under this fixture's prefix.
    pub async fn keys(&self) -> BTreeSet<String> {
        let mut conn = self.raw().await;
        let keys: Vec<String> =
            redis::cmd("KEYS").arg(format!("{}*", self.prefix)).query_async(&mut conn).await.unwrap();
        keys.into_iter().collect()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let Ok(mut conn) = redis::Client::open(self.url.as_str()).and_then(|c| c.get_connection()) else {
            return;
        };
        let keys: Vec<String> =
            redis::cmd("KEYS").arg(format!("{}*", self.prefix)).query(&mut conn).unwrap_or_default();
        for key in keys {
            let _: Result<(), _> = redis::cmd("DEL").arg(key).query(&mut conn);
        }
    }
}

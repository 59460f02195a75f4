//! Sessions in Redis, so several instances of the bot can share one conversation per chat.
//!
//! Each chat is a hash `{prefix}{key}` with two fields, `v` (the version) and `state` (the
//! `ChatState` as JSON). Redis owns expiry: every save sets the key's TTL again. Compare-and-set
//! is one Lua script, so the version check, the write and the TTL are atomic across instances.

use super::{BlobStore, StoreError, Versioned};
use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands, Script};
use async_trait::async_trait;
use std::time::Duration;

/// The prefix of every key when the `--store` URL does not give one.
pub const DEFAULT_PREFIX: &str = "signpost:";

/// KEYS[1]: the chat's key. ARGV[1]: the expected version, empty for "nothing stored".
/// ARGV[2]: the state as JSON. ARGV[3]: the TTL in milliseconds.
/// Returns the new version, or -1 if the stored version is not the expected one.
const SAVE_SCRIPT: &str = r"
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
    if current then return -1 end
elseif current ~= ARGV[1] then
    return -1
end
local version = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'v', version, 'state', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return version
";

/// Sessions in Redis under a key prefix. Cheap to clone (the connection is shared).
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
    ttl_ms: u64,
    save: Script,
}

impl std::fmt::Debug for RedisStore {
    // No URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("prefix", &self.prefix).field("ttl_ms", &self.ttl_ms).finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://HOST:PORT[/DB]`, without `?prefix=`: see
    /// [`crate::StoreSpec`]). Fails if Redis cannot be reached within a few seconds.
    pub async fn open(url: &str, prefix: &str, ttl: Duration) -> Result<Self, StoreError> {
        let client = ::redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(5))
            .set_response_timeout(Duration::from_secs(5))
            .set_number_of_retries(3);
        let conn = client.get_connection_manager_with_config(config).await?;
        Ok(RedisStore {
            conn,
            prefix: prefix.to_string(),
            // Rounded up to at least 1ms: PEXPIRE 0 would delete the key as it is written.
            ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1),
            save: Script::new(SAVE_SCRIPT),
        })
    }

    /// The Redis key a chat's state is kept under.
    pub fn redis_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl BlobStore for RedisStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned<Vec<u8>>>, StoreError> {
        let mut conn = self.conn.clone();
        let (version, state): (Option<u64>, Option<Vec<u8>>) =
            ::redis::cmd("HMGET").arg(self.redis_key(key)).arg("v").arg("state").query_async(&mut conn).await?;
        match (version, state) {
            (Some(version), Some(state)) => Ok(Some(Versioned { value: state, version })),
            _ => Ok(None),
        }
    }

    async fn save(&self, key: &str, blob: &[u8], expected: Option<u64>) -> Result<u64, StoreError> {
        let mut conn = self.conn.clone();
        let version: i64 = self
            .save
            .key(self.redis_key(key))
            .arg(expected.map(|v| v.to_string()).unwrap_or_default())
            .arg(blob)
            .arg(self.ttl_ms)
            .invoke_async(&mut conn)
            .await?;
        u64::try_from(version).map_err(|_| StoreError::Conflict)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: () = conn.del(self.redis_key(key)).await?;
        Ok(())
    }
}

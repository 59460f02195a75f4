//! Where conversations are kept between messages: versioned blobs under opaque keys, in memory
//! (tests), SQLite (the default) or Redis (several instances). What a blob means belongs to
//! whoever stores it (the Telegram adapter keeps a chat's state as JSON); a store only keeps it,
//! expires it and compares versions. Every save is a compare-and-set on a version number, so two
//! instances handling the same chat can never silently overwrite each other.

/// A stored value and the version it was stored at (for compare-and-set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

mod memory;
pub use memory::MemoryStore;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else (another instance, or a concurrent update) saved this chat first: reload
    /// and handle the update again.
    #[error("the conversation was changed by another instance")]
    Conflict,
    /// The backend failed (database locked, Redis unreachable...). Never contains user content.
    #[error("session storage failed: {0}")]
    Backend(String),
}

/// Where chats' states are kept. Keys are keyed hashes of chat ids (see `signpost_core::privacy`), never
/// raw ids. Implementations expire a state after the idle time they were built with.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// The chat's state and its version, or `None` if there is none (never stored, expired, or
    /// deleted by quick exit).
    async fn load(&self, key: &str) -> Result<Option<Versioned<Vec<u8>>>, StoreError>;

    /// Store `blob` if the stored version is still `expected` (`None`: nothing is stored).
    /// Returns the new version, or [`StoreError::Conflict`] if someone saved in between.
    async fn save(&self, key: &str, blob: &[u8], expected: Option<u64>) -> Result<u64, StoreError>;

    /// Forget the chat (quick exit).
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
}

mod redis;
mod sqlite;
pub use self::redis::{RedisStore, DEFAULT_PREFIX};
pub use self::sqlite::{SqliteStore, UnixClock};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long a chat may sit idle before what it told the bot is forgotten.
pub const DEFAULT_TTL: Duration = Duration::from_secs(48 * 60 * 60);

/// Where `--store sqlite` keeps sessions when no path is given.
pub const DEFAULT_SQLITE_PATH: &str = "data/signpost.db";

/// How often [`open`] deletes expired SQLite rows (expired rows are already invisible to
/// `load`; this is so they do not linger on disk).
pub const PURGE_EVERY: Duration = Duration::from_secs(10 * 60);

/// A parsed `--store` value: `memory`, `sqlite[:PATH]` or `redis://HOST:PORT[/DB][?prefix=P]`.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSpec {
    Memory,
    Sqlite(PathBuf),
    /// `url` without the `prefix` parameter; `prefix` is put in front of every key as it is
    /// (give the separator too, e.g. `?prefix=signpost-staging:`).
    Redis {
        url: String,
        prefix: String,
    },
}

impl StoreSpec {
    pub fn parse(spec: &str) -> Result<Self, StoreError> {
        let spec = spec.trim();
        if spec == "memory" {
            return Ok(StoreSpec::Memory);
        }
        if spec == "sqlite" {
            return Ok(StoreSpec::Sqlite(PathBuf::from(DEFAULT_SQLITE_PATH)));
        }
        if let Some(path) = spec.strip_prefix("sqlite:") {
            let path = if path.is_empty() { DEFAULT_SQLITE_PATH } else { path };
            return Ok(StoreSpec::Sqlite(PathBuf::from(path)));
        }
        if spec.starts_with("redis://") || spec.starts_with("rediss://") {
            let (base, query) = spec.split_once('?').unwrap_or((spec, ""));
            let mut prefix = None;
            let mut rest = Vec::new();
            for pair in query.split('&').filter(|pair| !pair.is_empty()) {
                match pair.strip_prefix("prefix=") {
                    Some(p) => prefix = Some(p),
                    None => rest.push(pair),
                }
            }
            if prefix == Some("") {
                return Err(StoreError::Backend("--store: the Redis key prefix is empty".to_string()));
            }
            let url = if rest.is_empty() { base.to_string() } else { format!("{base}?{}", rest.join("&")) };
            return Ok(StoreSpec::Redis { url, prefix: prefix.unwrap_or(DEFAULT_PREFIX).to_string() });
        }
        // Only the scheme is repeated: a mistyped Redis URL may hold a password.
        let scheme = spec.split(':').next().unwrap_or_default();
        Err(StoreError::Backend(format!(
            "--store: unknown store \"{scheme}\": expected memory, sqlite:PATH or redis://HOST:PORT"
        )))
    }
}

impl std::fmt::Debug for StoreSpec {
    // Never the Redis URL: it may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSpec::Memory => f.write_str("Memory"),
            StoreSpec::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            StoreSpec::Redis { prefix, .. } => f.debug_struct("Redis").field("prefix", prefix).finish_non_exhaustive(),
        }
    }
}

/// Opens the store `spec` names (see [`StoreSpec`]), expiring chats idle for longer than `ttl`.
/// For SQLite this creates the file's parent directories and starts a task that purges expired
/// rows every [`PURGE_EVERY`] for as long as the store lives.
pub async fn open(spec: StoreSpec, ttl: Duration) -> Result<Arc<dyn BlobStore>, StoreError> {
    match spec {
        StoreSpec::Memory => Ok(Arc::new(MemoryStore::new(ttl))),
        StoreSpec::Sqlite(path) => {
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(path, ttl))
                .await
                .map_err(|e| StoreError::Backend(format!("opening the SQLite store failed: {e}")))??;
            let store = Arc::new(store);
            SqliteStore::spawn_purger(&store, PURGE_EVERY);
            Ok(store)
        }
        StoreSpec::Redis { url, prefix } => Ok(Arc::new(RedisStore::open(&url, &prefix, ttl).await?)),
    }
}

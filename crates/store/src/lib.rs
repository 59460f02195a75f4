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

/// Why a store could not be opened, or could not load, save or delete a chat's state.
///
/// Each message says what failed and the cause is its [`source`](std::error::Error::source), so
/// a chain printed with `{:#}` gives what failed, then why, without repeating itself (e.g.
/// "session storage failed: sqlite: database is locked: Error code 5: ..."). No message holds
/// user content or a Redis URL (which may hold a password).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Someone else (another instance, or a concurrent update) saved this chat first: reload
    /// and handle the update again.
    #[error("the conversation was changed by another instance")]
    Conflict,
    /// The `--store` value names no store.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A file or directory of the SQLite store could not be made.
    #[error("session storage failed: {}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The SQLite file could not be opened or set up.
    #[error("session storage failed: {}", path.display())]
    SqliteOpen {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The SQLite file cannot use a write-ahead log (`mode` is the journal mode SQLite chose).
    #[error("session storage failed: {}: could not switch to WAL mode (journal_mode is {mode})", path.display())]
    NotWal { path: PathBuf, mode: String },
    /// A thread of the SQLite store could not be started.
    #[error("session storage failed: cannot start the SQLite store's threads")]
    SqliteThread(#[source] std::io::Error),
    /// The task opening the SQLite store panicked or was cancelled.
    #[error("session storage failed: opening the SQLite store failed")]
    SqliteOpenTask(#[source] tokio::task::JoinError),
    /// The SQLite connection's thread has stopped, so nothing more can be done with the store.
    #[error("session storage failed: the sqlite connection's thread has stopped")]
    SqliteStopped,
    /// A statement failed.
    #[error("session storage failed: sqlite")]
    Sqlite(#[from] rusqlite::Error),
    /// The transaction the operation shared with others did not settle (see [`BatchError`]).
    #[error("session storage failed: sqlite")]
    SqliteBatch(#[from] BatchError),
    /// A stored row's version is negative: the file was written by something else.
    #[error("session storage failed: a stored version is negative ({0})")]
    NegativeVersion(i64),
    /// Redis could not be reached, or a command failed.
    #[error("session storage failed: redis")]
    Redis(#[from] ::redis::RedisError),
}

/// An error and its causes, `: ` between them (as `{:#}` shows an `anyhow::Error`): for logs,
/// where a [`StoreError`]'s own message says only what failed.
struct Causes<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Causes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(e) = cause {
            write!(f, ": {e}")?;
            cause = e.source();
        }
        Ok(())
    }
}

/// A `--store` value that names no store. Only the scheme is ever repeated: a mistyped Redis
/// URL may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("--store: unknown store \"{scheme}\": expected memory, sqlite:PATH or redis://HOST:PORT")]
    Unknown { scheme: String },
    #[error("--store: the Redis key prefix is empty")]
    EmptyRedisPrefix,
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
pub use self::sqlite::{BatchError, SqliteStore, UnixClock};

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
                return Err(SpecError::EmptyRedisPrefix.into());
            }
            let url = if rest.is_empty() { base.to_string() } else { format!("{base}?{}", rest.join("&")) };
            return Ok(StoreSpec::Redis { url, prefix: prefix.unwrap_or(DEFAULT_PREFIX).to_string() });
        }
        // Only the scheme is repeated: a mistyped Redis URL may hold a password.
        let scheme = spec.split(':').next().unwrap_or_default();
        Err(SpecError::Unknown { scheme: scheme.to_string() }.into())
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
                .map_err(StoreError::SqliteOpenTask)??;
            let store = Arc::new(store);
            SqliteStore::spawn_purger(&store, PURGE_EVERY);
            Ok(store)
        }
        StoreSpec::Redis { url, prefix } => Ok(Arc::new(RedisStore::open(&url, &prefix, ttl).await?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Logged or printed as a chain, an error says what failed and why, once each.
    #[test]
    fn a_chain_gives_what_failed_and_its_cause_once() {
        let sqlite = |code, message: &str| {
            rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(message.to_string()))
        };
        let chain = Causes(&StoreError::from(sqlite(rusqlite::ffi::SQLITE_BUSY, "database is locked"))).to_string();
        assert!(chain.starts_with("session storage failed: sqlite: database is locked: Error code 5"), "{chain}");
        let commit = BatchError::Commit(Arc::new(sqlite(rusqlite::ffi::SQLITE_FULL, "database or disk is full")));
        let chain = Causes(&StoreError::from(commit)).to_string();
        let expected = "session storage failed: sqlite: committing failed: database or disk is full: Error code 13";
        assert!(chain.starts_with(expected), "{chain}");
    }

    /// A parent directory that cannot be made is named, with the reason.
    #[test]
    fn a_store_that_cannot_be_made_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"").unwrap();
        let err = SqliteStore::open(file.join("sub").join("s.db"), DEFAULT_TTL).unwrap_err();
        assert!(matches!(&err, StoreError::File { path, .. } if path == &file.join("sub")), "{err:?}");
        let chain = Causes(&err).to_string();
        assert!(chain.starts_with(&format!("session storage failed: {}: ", file.join("sub").display())), "{chain}");
    }

    /// A bad `--store` value is not a storage failure, and says what would do.
    #[test]
    fn a_bad_spec_says_what_would_do() {
        let err = StoreSpec::parse("bogus").unwrap_err();
        assert!(matches!(err, StoreError::Spec(SpecError::Unknown { .. })));
        assert_eq!(
            Causes(&err).to_string(),
            "--store: unknown store \"bogus\": expected memory, sqlite:PATH or redis://HOST:PORT"
        );
    }
}

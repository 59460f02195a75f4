//! The embedded default: one SQLite file (WAL mode), one row per chat.
//!
//! - [`migrator`]: the table's layout, and moving older files to it;
//! - [`batcher`]: the connection's thread, which commits what is queued together in one
//!   transaction;
//! - [`checkpointer`]: copying the log back into the database without holding up a save;
//! - [`blob_store`]: loads, saves and deletes, with expiry and compare-and-set.
//!
//! What a user told the bot must not linger: `secure_delete` zeroes deleted and overwritten rows,
//! and [`BlobStore::delete`](crate::BlobStore::delete) and [`SqliteStore::purge_expired`]
//! checkpoint and truncate the write-ahead log, so an old state's bytes are not left in either
//! file.

mod batcher;
mod blob_store;
mod checkpointer;
mod migrator;

pub use batcher::BatchError;

use crate::StoreError;
use batcher::{Job, Mode};
use rusqlite::Connection;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The current time in Unix seconds. Injected so tests can move time instead of sleeping.
pub type UnixClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Sessions in one SQLite file. Several processes may share the file (WAL, busy timeout), but
/// to run several instances on several machines use Redis.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

/// What the handles share. Dropping the last handle stops the connection's thread and the
/// checkpointer's and waits for them, so the file is closed (and its log checkpointed) when the
/// store is gone.
struct Inner {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
    checkpointer: Option<std::thread::JoinHandle<()>>,
    /// The connection: the thread holds it while it runs a batch; a caller that finds it free
    /// runs its own operation.
    db: Arc<Mutex<Db>>,
    path: PathBuf,
    /// Idle time before a session expires, in whole seconds (rounded up).
    ttl_secs: i64,
}

/// The connection and what its statements need; owned by the connection's thread.
struct Db {
    conn: Connection,
    ttl_secs: i64,
    clock: UnixClock,
    /// Held by whichever connection of this store is checkpointing, so the two never wait on
    /// each other inside SQLite (whose busy handler sleeps in steps of milliseconds).
    checkpointing: Arc<Mutex<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        drop(self.jobs.take());
        // The connection's thread wakes the checkpointer; once it has gone, so does that.
        for thread in [self.thread.take(), self.checkpointer.take()].into_iter().flatten() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .field("ttl_secs", &self.inner.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating it and its parent directories if needed) the database at `path`.
    /// Blocking: call it at startup, or through [`crate::open`].
    pub fn open(path: impl AsRef<Path>, ttl: Duration) -> Result<Self, StoreError> {
        Self::open_with_clock(path, ttl, Arc::new(unix_now))
    }

    /// As [`SqliteStore::open`], reading the time from `clock` (Unix seconds).
    pub fn open_with_clock(path: impl AsRef<Path>, ttl: Duration, clock: UnixClock) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|source| StoreError::File { path: parent.to_path_buf(), source })?;
        }
        create_private(&path).map_err(|source| StoreError::File { path: path.clone(), source })?;
        let sqlite = |source| StoreError::SqliteOpen { path: path.clone(), source };
        let mut conn = Connection::open(&path).map_err(sqlite)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)).map_err(sqlite)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NotWal { path: path.clone(), mode });
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;")
            .and_then(|()| migrator::create_or_migrate(&mut conn))
            .map_err(sqlite)?;
        conn.wal_hook(Some(checkpointer::note_log_pages));
        // The checkpointer's connection only copies pages the other has written, so what
        // `secure_delete` governs (what a write leaves behind) is not its concern.
        let second = Connection::open(&path).map_err(sqlite)?;
        second.busy_timeout(Duration::from_secs(5)).map_err(sqlite)?;
        second.execute_batch("PRAGMA synchronous = NORMAL;").map_err(sqlite)?;
        let ttl_secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
        let ttl_secs = i64::try_from(ttl_secs).unwrap_or(i64::MAX);
        let checkpointing = Arc::new(Mutex::new(()));
        let (checkpointer, watcher) =
            checkpointer::spawn(second, Arc::clone(&checkpointing)).map_err(StoreError::SqliteThread)?;
        let db = Arc::new(Mutex::new(Db { conn, ttl_secs, clock, checkpointing }));
        let (thread, jobs) = batcher::spawn(Arc::clone(&db), watcher).map_err(StoreError::SqliteThread)?;
        let (thread, checkpointer) = (Some(thread), Some(checkpointer));
        Ok(SqliteStore { inner: Arc::new(Inner { jobs: Some(jobs), thread, checkpointer, db, path, ttl_secs }) })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Deletes every expired session and truncates the write-ahead log. Returns how many
    /// sessions were deleted. [`crate::open`] runs it periodically.
    pub async fn purge_expired(&self) -> Result<usize, StoreError> {
        self.run(Mode::Alone, |db| {
            let now = (db.clock)();
            let n = db.conn.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")?.execute([now])?;
            checkpointer::truncate_wal(db)?;
            Ok(n)
        })
        .await
    }

    /// Starts a task that calls [`SqliteStore::purge_expired`] now and then `every`, until the
    /// store is dropped.
    pub fn spawn_purger(store: &Arc<SqliteStore>, every: Duration) -> tokio::task::JoinHandle<()> {
        let store = Arc::downgrade(store);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(store) = store.upgrade() else { break };
                match store.purge_expired().await {
                    Ok(purged) => tracing::debug!(purged, "purged expired sessions"),
                    Err(e) => tracing::warn!(cause = %crate::Causes(&e), "purging expired sessions failed"),
                }
            }
        })
    }
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Creates an empty database file readable by its owner only, if there is none (SQLite gives
/// the -wal and -shm files the same permissions). An empty file is a valid empty database.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

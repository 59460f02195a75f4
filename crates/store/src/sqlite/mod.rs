//! The embedded default: one SQLite file (WAL mode), one row per chat.
//!
//! Owns the schema, expiry by `expires_at`, and compare-and-set by a `version` column. rusqlite
//! is blocking, so the connection has a thread of its own; calls are queued to it, and what is
//! queued together is committed together (see [`serve`]). A load that finds the connection idle
//! reads at once on the caller's thread instead: handing it to a sleeping thread and waking the
//! caller again cost more than the read (see [`SqliteStore::run`]).
//!
//! Copying the log back into the database (a checkpoint) costs two fsyncs, and on a slow disk
//! every save queued behind it waited for them. So SQLite's automatic checkpoint is replaced: a
//! second connection on a thread of its own checkpoints passively, which never blocks a writer,
//! once the log holds [`CHECKPOINT_FROM`] pages. Only if that cannot keep up (saves arriving
//! faster than it can finish) does the connection's own thread checkpoint, at
//! [`CHECKPOINT_HERE_FROM`] pages, so the log stays bounded (see [`serve`]).
//!
//! What a user told the bot must not linger: `secure_delete` zeroes deleted and overwritten rows,
//! and [`BlobStore::delete`] and [`SqliteStore::purge_expired`] checkpoint and truncate the
//! write-ahead log, so an old state's bytes are not left in either file.

use super::{BlobStore, StoreError, Versioned};
use async_trait::async_trait;
use rusqlite::hooks::Wal;
use rusqlite::{params, Connection, OptionalExtension};
use std::cell::Cell;
use std::ffi::c_int;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The current time in Unix seconds. Injected so tests can move time instead of sleeping.
pub type UnixClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// One table, keyed by the chat's tag, and the index `purge_expired` needs. An ordinary table
/// (with row ids), not `WITHOUT ROWID`: a stored state is a few hundred bytes to a few KB (an
/// undelivered answer rides along in the outbox), and a `WITHOUT ROWID` row over about 1 KB
/// spills into overflow pages that every save rewrites (and `secure_delete` zeroes). Measured
/// under load, the rows with row ids wrote a third less to the log (BENCHMARKS.md).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessions (
    key        TEXT    NOT NULL PRIMARY KEY,
    version    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
";

/// Moving a file made when the table was `WITHOUT ROWID` to [`SCHEMA`]'s layout, every session
/// kept: the old table is set aside, [`SCHEMA`] makes the new one, and the rows are copied over.
const SET_ASIDE_WITHOUT_ROWID: &str = "
ALTER TABLE sessions RENAME TO sessions_without_rowid;
DROP INDEX IF EXISTS sessions_expires_at;
";
const COPY_FROM_WITHOUT_ROWID: &str = "
INSERT INTO sessions (key, version, expires_at, state)
    SELECT key, version, expires_at, state FROM sessions_without_rowid;
DROP TABLE sessions_without_rowid;
";

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

/// One operation for the connection's thread.
struct Job {
    mode: Mode,
    /// Does the work and returns how to hand over its result once the transaction it ran in is
    /// settled: `Err` if that transaction failed to commit, whatever the work itself returned.
    work: Box<dyn FnOnce(&Db) -> Deliver + Send>,
}

type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;

/// How a job runs relative to the others queued with it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// In the batch's transaction.
    Shared,
    /// A read: in the batch's transaction if one is open (so it sees what the batch wrote before
    /// it), otherwise on its own, without taking the write lock or committing.
    Read,
    /// Outside any transaction (purging: it truncates the log itself).
    Alone,
    /// In the batch's transaction; its result is handed over only once the log has been
    /// truncated after the commit (quick exit: the deleted state's bytes must not stay in the
    /// log). Every such job in a batch waits on one truncation, which costs a full checkpoint.
    ThenTruncate,
}

/// The most operations committed in one transaction.
const MAX_BATCH: usize = 128;

/// Log pages at which the checkpointer is woken: SQLite's own default for its automatic
/// checkpoint (about 4 MB).
const CHECKPOINT_FROM: c_int = 1_000;

/// Log pages added before the checkpointer is woken again, when its last checkpoint did not let
/// the log start again (a commit came before it finished). Each checkpoint costs two fsyncs
/// however little it copies; waking it after every commit tripled the store's fsyncs at 1,000
/// exchanges a second.
const CHECKPOINT_STEP: c_int = 250;

/// Log pages at which the connection's own thread checkpoints, because the checkpointer has not
/// managed to (it can only empty the log in a gap between commits).
const CHECKPOINT_HERE_FROM: c_int = 2_000;

thread_local! {
    /// Pages in the log after the last commit on this thread (the connection's), as SQLite's
    /// log hook reports them; 0 once read, and once the log is truncated.
    static LOG_PAGES: Cell<c_int> = const { Cell::new(0) };
}

/// SQLite's log hook on the store's connection: it runs in every commit, on the committing
/// thread. Installing it turns SQLite's automatic checkpoint off.
#[expect(clippy::unnecessary_wraps, reason = "the hook's signature is rusqlite's")]
fn note_log_pages(_: &Wal, pages: c_int) -> rusqlite::Result<()> {
    LOG_PAGES.set(pages);
    Ok(())
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
        let fail = |e: &dyn fmt::Display| StoreError::Backend(format!("{}: {e}", path.display()));
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
        }
        create_private(&path).map_err(|e| fail(&e))?;
        let mut conn = Connection::open(&path).map_err(|e| fail(&e))?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(|e| fail(&e))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)).map_err(|e| fail(&e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(fail(&format!("could not switch to WAL mode (journal_mode is {mode})")));
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;")
            .and_then(|()| create_or_migrate(&mut conn))
            .map_err(|e| fail(&e))?;
        conn.wal_hook(Some(note_log_pages));
        // The checkpointer's connection only copies pages the other has written, so what
        // `secure_delete` governs (what a write leaves behind) is not its concern.
        let second = Connection::open(&path).map_err(|e| fail(&e))?;
        second.busy_timeout(Duration::from_secs(5)).map_err(|e| fail(&e))?;
        second.execute_batch("PRAGMA synchronous = NORMAL;").map_err(|e| fail(&e))?;
        let ttl_secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
        let ttl_secs = i64::try_from(ttl_secs).unwrap_or(i64::MAX);
        let checkpointing = Arc::new(Mutex::new(()));
        let (wake, woken) = mpsc::sync_channel(1);
        let turn = Arc::clone(&checkpointing);
        let checkpointer = std::thread::Builder::new()
            .name("signpost-sqlite-checkpoint".to_string())
            .spawn(move || checkpoint_when_woken(&second, &woken, &turn))
            .map_err(|e| fail(&e))?;
        let (jobs, queue) = mpsc::channel();
        let db = Arc::new(Mutex::new(Db { conn, ttl_secs, clock, checkpointing }));
        let for_thread = Arc::clone(&db);
        let thread = std::thread::Builder::new()
            .name("signpost-sqlite".to_string())
            .spawn(move || serve(&for_thread, &queue, &wake))
            .map_err(|e| fail(&e))?;
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
            truncate_wal(db)?;
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
                    Err(e) => tracing::warn!(cause = %e, "purging expired sessions failed"),
                }
            }
        })
    }

    /// Runs `f` on the connection and waits for its result. Unless [`Mode::Alone`] (or a
    /// [`Mode::Read`] with no transaction open), `f` may share a transaction with the operations
    /// queued at the same time; its result is handed over only once that transaction has
    /// committed (and, for [`Mode::ThenTruncate`], the log has been truncated).
    ///
    /// A read that finds the connection free runs here and now (tens of microseconds, without
    /// the two thread wake-ups a queued call costs); busy, it queues. Writes always queue: a
    /// commit may checkpoint or wait on another process's lock, which must not hold up the async
    /// runtime, and queued writes share commits.
    async fn run<T, F>(&self, mode: Mode, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let work = Box::new(move |db: &Db| -> Deliver {
            let result = f(db);
            Box::new(move |settled: Result<(), String>| {
                let _ = tx.send(settled.map_err(StoreError::Backend).and(result));
            })
        });
        let gone = || StoreError::Backend("the sqlite connection's thread has stopped".to_string());
        let job = Job { mode, work };
        let queued = match mode {
            Mode::Read => match self.inner.db.try_lock() {
                Ok(db) => {
                    // Idle means no transaction is open: the read runs on its own, as in a batch.
                    (job.work)(&db)(Ok(()));
                    None
                }
                Err(_) => Some(job),
            },
            Mode::Shared | Mode::Alone | Mode::ThenTruncate => Some(job),
        };
        if let Some(job) = queued {
            self.inner.jobs.as_ref().ok_or_else(gone)?.send(job).map_err(|_| gone())?;
        }
        rx.await.map_err(|_| gone())?
    }
}

/// The connection's thread: takes what is queued (up to [`MAX_BATCH`]) and runs it in one
/// transaction, so one commit (one write of each changed page to the log) serves many chats.
/// A caller never waits for the connection (a read takes it only when it is free); this thread
/// may wait for such a read to finish. Each save is still one compare-and-set statement,
/// checked in order against everything before it.
///
/// After each batch it looks at the log's size: from [`CHECKPOINT_FROM`] pages it wakes the
/// checkpointer (`wake`), without waiting, and again every [`CHECKPOINT_STEP`] pages; from
/// [`CHECKPOINT_HERE_FROM`] it checkpoints itself, unless the checkpointer is at it just then.
fn serve(db: &Mutex<Db>, queue: &mpsc::Receiver<Job>, wake: &mpsc::SyncSender<()>) {
    let mut woken_at: c_int = 0;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let db = db.lock().unwrap_or_else(PoisonError::into_inner);
        run_batch(&db, batch);
        let pages = LOG_PAGES.take();
        if pages == 0 {
            continue; // nothing committed (or the log was just truncated)
        }
        if pages < woken_at {
            woken_at = 0; // the log has started again from its beginning
        }
        if pages >= CHECKPOINT_HERE_FROM {
            if let Ok(_turn) = db.checkpointing.try_lock() {
                checkpoint_passive(&db.conn);
            }
        } else if pages >= CHECKPOINT_FROM && pages >= woken_at.saturating_add(CHECKPOINT_STEP) {
            // Full means it is already woken; it will see this batch's pages too.
            let _ = wake.try_send(());
            woken_at = pages;
        }
    }
}

/// The checkpointer's thread: a passive checkpoint on its own connection each time it is woken,
/// until the connection's thread has gone. A passive checkpoint copies what it can without
/// waiting for a writer, and a writer never waits for it. The log starts again from its
/// beginning at the first commit after a checkpoint that copied all of it.
fn checkpoint_when_woken(conn: &Connection, woken: &mpsc::Receiver<()>, turn: &Mutex<()>) {
    while woken.recv().is_ok() {
        let _turn = turn.lock().unwrap_or_else(PoisonError::into_inner);
        checkpoint_passive(conn);
    }
}

/// Copies as much of the log into the database as can be copied without waiting. A failure
/// loses nothing (the log keeps every page until a checkpoint succeeds), so it is only logged.
fn checkpoint_passive(conn: &Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
        tracing::warn!(cause = %e, "checkpointing the session store's log failed");
    }
}

/// Runs `batch` in order, in as few transactions as its modes allow, and hands over each result.
fn run_batch(db: &Db, batch: Vec<Job>) {
    let mut waiting: Vec<(Deliver, Mode)> = Vec::new();
    let mut in_transaction = false;
    for job in batch {
        if job.mode == Mode::Alone {
            settle(db, &mut in_transaction, &mut waiting);
            (job.work)(db)(Ok(()));
            continue;
        }
        if in_transaction && db.conn.is_autocommit() {
            // SQLite rolled the transaction back (disk full, I/O error): what ran in it is lost.
            fail_all(&mut waiting, "sqlite: the transaction was rolled back".to_string());
            in_transaction = false;
        }
        if job.mode == Mode::Read && !in_transaction {
            // Nothing of this batch is waiting to commit, so there is nothing to wait for.
            (job.work)(db)(Ok(()));
            continue;
        }
        if !in_transaction {
            in_transaction = run_cached(&db.conn, "BEGIN IMMEDIATE").is_ok();
        }
        let deliver = (job.work)(db);
        if in_transaction {
            waiting.push((deliver, job.mode));
        } else {
            // Could not start a transaction: the statement ran (or failed) on its own.
            let truncated = match job.mode {
                Mode::ThenTruncate => truncate_for_delivery(db),
                _ => Ok(()),
            };
            deliver(truncated);
        }
    }
    settle(db, &mut in_transaction, &mut waiting);
}

/// Commits the open transaction, if any, and hands over the results that waited on it: at once,
/// or after one truncation of the log for all the jobs that asked for it.
fn settle(db: &Db, in_transaction: &mut bool, waiting: &mut Vec<(Deliver, Mode)>) {
    let conn = &db.conn;
    if !std::mem::take(in_transaction) {
        return;
    }
    if conn.is_autocommit() {
        fail_all(waiting, "sqlite: the transaction was rolled back".to_string());
        return;
    }
    if let Err(e) = run_cached(conn, "COMMIT") {
        let _ = conn.execute_batch("ROLLBACK");
        fail_all(waiting, format!("sqlite: committing failed: {e}"));
        return;
    }
    let (after_truncation, now): (Vec<_>, Vec<_>) = waiting.drain(..).partition(|(_, m)| *m == Mode::ThenTruncate);
    now.into_iter().for_each(|(deliver, _)| deliver(Ok(())));
    if !after_truncation.is_empty() {
        let truncated = truncate_for_delivery(db);
        after_truncation.into_iter().for_each(|(deliver, _)| deliver(truncated.clone()));
    }
}

/// A statement with no result, kept prepared: "BEGIN IMMEDIATE" and "COMMIT" run for every
/// batch, and parsing them each time showed in profiles.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// Creates the table and index if they are missing, or moves a `WITHOUT ROWID` table made by an
/// earlier version to the current layout. One write transaction, so when several processes open
/// the same file at once only one of them moves it.
fn create_or_migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let table: Option<String> = tx
        .query_row("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'sessions'", [], |row| row.get(0))
        .optional()?;
    let without_rowid = table.is_some_and(|sql| sql.to_ascii_uppercase().contains("WITHOUT ROWID"));
    if without_rowid {
        tx.execute_batch(SET_ASIDE_WITHOUT_ROWID)?;
    }
    tx.execute_batch(SCHEMA)?;
    if without_rowid {
        tx.execute_batch(COPY_FROM_WITHOUT_ROWID)?;
        tracing::info!("the session store's table was moved to the layout with row ids");
    }
    tx.commit()
}

/// What a load's read found.
enum Found {
    Missing,
    Expired,
    Live { version: i64, state: Vec<u8> },
}

fn fail_all(waiting: &mut Vec<(Deliver, Mode)>, cause: String) {
    waiting.drain(..).for_each(|(deliver, _)| deliver(Err(cause.clone())));
}

#[async_trait]
impl BlobStore for SqliteStore {
    /// A read, so that it runs at once when the connection is idle; an expired row it finds is
    /// then deleted by a write of its own, queued like every write.
    async fn load(&self, key: &str) -> Result<Option<Versioned<Vec<u8>>>, StoreError> {
        let owned = key.to_string();
        let found = self
            .run(Mode::Read, move |db| {
                let now = (db.clock)();
                let row: Option<(i64, i64, Vec<u8>)> = db
                    .conn
                    .prepare_cached("SELECT version, expires_at, state FROM sessions WHERE key = ?1")?
                    .query_row([&owned], |row| Ok((row.get(0)?, row.get(1)?, blob(row.get_ref(2)?)?)))
                    .optional()?;
                Ok(match row {
                    None => Found::Missing,
                    Some((_, expires_at, _)) if expires_at <= now => Found::Expired,
                    Some((version, _, state)) => Found::Live { version, state },
                })
            })
            .await?;
        match found {
            Found::Missing => Ok(None),
            Found::Expired => {
                let owned = key.to_string();
                self.run(Mode::Shared, move |db| {
                    // Only if still expired: another process may have just saved a new state.
                    let now = (db.clock)();
                    db.conn
                        .prepare_cached("DELETE FROM sessions WHERE key = ?1 AND expires_at <= ?2")?
                        .execute(params![owned, now])?;
                    Ok(())
                })
                .await?;
                Ok(None)
            }
            Found::Live { version, state } => Ok(Some(Versioned { value: state, version: from_sql_version(version)? })),
        }
    }

    /// Each branch is one statement, so the check and the write are one atomic step.
    async fn save(&self, key: &str, blob: &[u8], expected: Option<u64>) -> Result<u64, StoreError> {
        let key = key.to_string();
        // Stored as text when it is text (as every state written before blobs was), so the file
        // stays readable with the sqlite3 shell.
        let json: rusqlite::types::Value = match std::str::from_utf8(blob) {
            Ok(text) => rusqlite::types::Value::Text(text.to_string()),
            Err(_) => rusqlite::types::Value::Blob(blob.to_vec()),
        };
        self.run(Mode::Shared, move |db| {
            let now = (db.clock)();
            let expires_at = now.saturating_add(db.ttl_secs);
            let version: Option<i64> = match expected {
                // Nothing stored, or only an expired row. An expired row's version keeps counting
                // up, so a save based on the old conversation can never match the new one.
                None => db
                    .conn
                    .prepare_cached(
                        "INSERT INTO sessions (key, version, expires_at, state) VALUES (?1, 1, ?2, ?3)
                         ON CONFLICT (key) DO UPDATE
                            SET version = version + 1, expires_at = excluded.expires_at, state = excluded.state
                            WHERE expires_at <= ?4
                         RETURNING version",
                    )?
                    .query_row(params![key, expires_at, json, now], |row| row.get(0))
                    .optional()?,
                Some(expected) => db
                    .conn
                    .prepare_cached(
                        "UPDATE sessions SET version = version + 1, expires_at = ?2, state = ?3
                         WHERE key = ?1 AND version = ?4 AND expires_at > ?5
                         RETURNING version",
                    )?
                    .query_row(params![key, expires_at, json, to_sql_version(expected)?, now], |row| row.get(0))
                    .optional()?,
            };
            match version {
                Some(v) => from_sql_version(v),
                None => Err(StoreError::Conflict),
            }
        })
        .await
    }

    /// Quick exit: the row goes, and its bytes with it (zeroed, and the log truncated before
    /// this returns). Quick exits queued together share one truncation.
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_string();
        self.run(Mode::ThenTruncate, move |db| {
            db.conn.prepare_cached("DELETE FROM sessions WHERE key = ?1")?.execute([&key])?;
            Ok(())
        })
        .await
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(format!("sqlite: {e}"))
    }
}

/// Copies the log into the database and truncates it. Best effort: with readers in other
/// processes the log may not be emptied this time, which SQLite reports without an error.
/// Waits for the checkpointer if it is copying the log just then. Blocks every writer of the
/// file until done.
fn truncate_wal(db: &Db) -> Result<(), StoreError> {
    let _turn = db.checkpointing.lock().unwrap_or_else(PoisonError::into_inner);
    db.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    LOG_PAGES.set(0);
    Ok(())
}

/// [`truncate_wal`], its failure as the cause a waiting job is handed.
fn truncate_for_delivery(db: &Db) -> Result<(), String> {
    truncate_wal(db).map_err(|e| match e {
        StoreError::Backend(cause) => cause,
        other => other.to_string(),
    })
}

/// A stored state, written as text or as a blob.
fn blob(value: rusqlite::types::ValueRef<'_>) -> rusqlite::Result<Vec<u8>> {
    use rusqlite::types::{FromSqlError, ValueRef};
    match value {
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Ok(bytes.to_vec()),
        other => {
            Err(rusqlite::Error::FromSqlConversionFailure(2, other.data_type(), Box::new(FromSqlError::InvalidType)))
        }
    }
}

fn to_sql_version(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Conflict)
}

fn from_sql_version(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Backend(format!("a stored version is negative ({v})")))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The most pages the log has held: its file is not shrunk when the log starts again from
    /// its beginning (4 KiB pages, each with a 24-byte header, after a 32-byte file header).
    fn log_pages_at_most(db: &Path) -> u64 {
        std::fs::metadata(log_file(db)).map_or(0, |m| m.len().saturating_sub(32) / (4096 + 24))
    }

    /// How many times the log has started again from its beginning, from the checkpoint
    /// sequence number in its header (https://www.sqlite.org/fileformat.html#walformat). Only
    /// the -wal file is opened: SQLite holds no locks on it that closing it could drop.
    fn log_restarts(db: &Path) -> u32 {
        let header = std::fs::read(log_file(db)).unwrap_or_default();
        header.get(12..16).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A chat's state as the bot writes one with 200 message ids and gaps between them.
    fn about_a_kilobyte() -> Vec<u8> {
        let ids: Vec<String> = (0..200).map(|i| (i * 3).to_string()).collect();
        format!(r#"{{"session":{{}},"message_ids":[{}]}}"#, ids.join(",")).into_bytes()
    }

    fn log_file(db: &Path) -> PathBuf {
        let mut log = db.as_os_str().to_owned();
        log.push("-wal");
        PathBuf::from(log)
    }

    /// A file written when the table was `WITHOUT ROWID` opens with every session as it was
    /// (state, version and expiry), and is moved to the layout with row ids.
    #[tokio::test]
    async fn a_file_from_before_row_ids_keeps_its_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.db");
        let state = br#"{"session":{},"message_ids":[[4,6]],"last_update_id":77}"#.to_vec();
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE sessions (key TEXT NOT NULL PRIMARY KEY, version INTEGER NOT NULL,
                     expires_at INTEGER NOT NULL, state TEXT NOT NULL) WITHOUT ROWID;
                 CREATE INDEX sessions_expires_at ON sessions (expires_at);",
            )
            .unwrap();
            let insert = "INSERT INTO sessions (key, version, expires_at, state) VALUES (?1, ?2, ?3, ?4)";
            let json = std::str::from_utf8(&state).unwrap();
            old.execute(insert, params!["live", 3, 2_000, json]).unwrap();
            old.execute(insert, params!["expired", 9, 500, json]).unwrap();
        }
        let store = SqliteStore::open_with_clock(&path, Duration::from_secs(300), Arc::new(|| 1_000)).unwrap();
        let live = store.load("live").await.unwrap().expect("the live session was lost");
        assert_eq!((live.value, live.version), (state.clone(), 3));
        assert_eq!(store.load("expired").await.unwrap(), None, "an expired session came back");
        assert!(matches!(store.save("live", &state, Some(2)).await, Err(StoreError::Conflict)));
        assert_eq!(store.save("live", &state, Some(3)).await.unwrap(), 4);
        store.purge_expired().await.unwrap();
        drop(store);

        let conn = Connection::open(&path).unwrap();
        let sql: String = conn
            .query_row("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'sessions'", [], |row| row.get(0))
            .unwrap();
        assert!(!sql.to_ascii_uppercase().contains("WITHOUT ROWID"), "{sql}");
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(names, ["sessions", "sessions_expires_at"]);
        // Opening it again leaves it as it is.
        drop(conn);
        let store = SqliteStore::open_with_clock(&path, Duration::from_secs(300), Arc::new(|| 1_000)).unwrap();
        assert_eq!(store.load("live").await.unwrap().unwrap().version, 4);
    }

    /// The checkpointer copies the log back into the database once it holds
    /// [`CHECKPOINT_FROM`] pages, long before the connection's own thread would.
    #[tokio::test]
    async fn the_checkpointer_copies_the_log_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.db");
        let store = SqliteStore::open(&path, Duration::from_secs(300)).unwrap();
        // Until a checkpoint, every page is in the log and the database file stays as it is now.
        let unchecked = std::fs::metadata(&path).unwrap().len();
        // A state of about 1 KB.
        let state = about_a_kilobyte();
        let mut saved: i64 = 0;
        while log_pages_at_most(&path) < u64::try_from(CHECKPOINT_FROM).unwrap() {
            assert!(saved < 5_000, "{saved} saves and the log has held only {} pages", log_pages_at_most(&path));
            store.save(&format!("chat-{saved}"), &state, None).await.unwrap();
            saved += 1;
        }
        let pages = log_pages_at_most(&path);
        assert!(pages < u64::try_from(CHECKPOINT_HERE_FROM).unwrap(), "the log reached {pages} pages");
        // Nothing is saved from here on, so only the checkpointer can write to the database file:
        // its size is read until it grows (with a deadline, in case it never does).
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::fs::metadata(&path).unwrap().len() == unchecked {
            assert!(std::time::Instant::now() < deadline, "nothing was copied back from the log's {pages} pages");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        drop(store);
        let rows: i64 =
            Connection::open(&path).unwrap().query_row("SELECT count(*) FROM sessions", [], |row| row.get(0)).unwrap();
        assert_eq!(rows, saved);
    }

    /// A save never waits for a checkpoint. While the checkpointer holds its turn (as if its
    /// fsyncs were slow), saves carry on past the point where the connection's own thread would
    /// checkpoint, which skips it rather than wait; once the turn is free, the log is copied back
    /// and starts again.
    #[tokio::test]
    async fn saves_carry_on_while_a_checkpoint_is_running() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.db");
        let store = SqliteStore::open(&path, Duration::from_secs(300)).unwrap();
        let turn = Arc::clone(&store.inner.db.lock().unwrap().checkpointing);
        let (taken, is_taken) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let _turn = turn.lock().unwrap();
            taken.send(()).unwrap();
            let _ = released.recv();
        });
        is_taken.recv().unwrap();

        // A state of about 1 KB.
        let state = about_a_kilobyte();
        let past_the_limit = u64::try_from(CHECKPOINT_HERE_FROM).unwrap() + 200;
        let mut saved = 0;
        let saving = async {
            while log_pages_at_most(&path) < past_the_limit {
                assert!(saved < 10_000, "{saved} saves and the log has held only {} pages", log_pages_at_most(&path));
                store.save(&format!("chat-{saved}"), &state, None).await.unwrap();
                saved += 1;
            }
        };
        tokio::time::timeout(Duration::from_secs(60), saving).await.expect("a save waited for the running checkpoint");
        let restarts = log_restarts(&path);

        release.send(()).unwrap();
        holder.join().unwrap();
        // Saves go on; with the turn free, the checkpointer (woken long ago) or the connection's
        // own thread copies the log back, and the next save starts it again.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while log_restarts(&path) == restarts {
            assert!(std::time::Instant::now() < deadline, "the log never started again");
            store.save(&format!("chat-{saved}"), &state, None).await.unwrap();
            saved += 1;
        }
    }
}

//! The connection's thread, and how calls reach it. rusqlite is blocking, so the connection has
//! a thread of its own; calls are queued to it, and what is queued together is committed
//! together (see [`serve`]). A load that finds the connection idle reads at once on the
//! caller's thread instead: handing it to a sleeping thread and waking the caller again cost
//! more than the read (see [`SqliteStore::run`]).

use super::checkpointer::{self, LogWatcher};
use super::{Db, SqliteStore};
use crate::StoreError;
use rusqlite::Connection;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

/// The most operations committed in one transaction.
const MAX_BATCH: usize = 128;

/// One operation for the connection's thread.
pub(super) struct Job {
    mode: Mode,
    /// Does the work and returns how to hand over its result once the transaction it ran in is
    /// settled: `Err` if that transaction failed to commit, whatever the work itself returned.
    work: Box<dyn FnOnce(&Db) -> Deliver + Send>,
}

type Deliver = Box<dyn FnOnce(Result<(), BatchError>) + Send>;

/// Why the transaction an operation ran in did not settle. Handed to every operation that
/// waited on it, so the cause is shared.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BatchError {
    /// SQLite rolled the transaction back itself (disk full, I/O error): what ran in it is lost.
    #[error("the transaction was rolled back")]
    RolledBack,
    #[error("committing failed")]
    Commit(#[source] Arc<rusqlite::Error>),
    /// The operation committed, but the log it is still in could not be truncated.
    #[error("truncating the log failed")]
    Truncate(#[source] Arc<rusqlite::Error>),
}

/// How a job runs relative to the others queued with it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
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

/// Starts the connection's thread on `db`, which `watcher` keeps checkpointed. Returns the
/// thread and the queue it serves; it ends once the queue's sender is dropped.
pub(super) fn spawn(
    db: Arc<Mutex<Db>>,
    mut watcher: LogWatcher,
) -> std::io::Result<(JoinHandle<()>, mpsc::Sender<Job>)> {
    let (jobs, queue) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("signpost-sqlite".to_string())
        .spawn(move || serve(&db, &queue, &mut watcher))?;
    Ok((thread, jobs))
}

impl SqliteStore {
    /// Runs `f` on the connection and waits for its result. Unless [`Mode::Alone`] (or a
    /// [`Mode::Read`] with no transaction open), `f` may share a transaction with the operations
    /// queued at the same time; its result is handed over only once that transaction has
    /// committed (and, for [`Mode::ThenTruncate`], the log has been truncated).
    ///
    /// A read that finds the connection free runs here and now (tens of microseconds, without
    /// the two thread wake-ups a queued call costs); busy, it queues. Writes always queue: a
    /// commit may checkpoint or wait on another process's lock, which must not hold up the async
    /// runtime, and queued writes share commits.
    pub(super) async fn run<T, F>(&self, mode: Mode, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Db) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let work = Box::new(move |db: &Db| -> Deliver {
            let result = f(db);
            Box::new(move |settled: Result<(), BatchError>| {
                let _ = tx.send(settled.map_err(StoreError::SqliteBatch).and(result));
            })
        });
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
            let jobs = self.inner.jobs.as_ref().ok_or(StoreError::SqliteStopped)?;
            jobs.send(job).map_err(|_| StoreError::SqliteStopped)?;
        }
        rx.await.map_err(|_| StoreError::SqliteStopped)?
    }
}

/// The connection's thread: takes what is queued (up to [`MAX_BATCH`]) and runs it in one
/// transaction, so one commit (one write of each changed page to the log) serves many chats.
/// A caller never waits for the connection (a read takes it only when it is free); this thread
/// may wait for such a read to finish. Each save is still one compare-and-set statement,
/// checked in order against everything before it. After each batch, `watcher` sees to the log.
fn serve(db: &Mutex<Db>, queue: &mpsc::Receiver<Job>, watcher: &mut LogWatcher) {
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
        watcher.after_batch(&db);
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
            fail_all(&mut waiting, &BatchError::RolledBack);
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
        fail_all(waiting, &BatchError::RolledBack);
        return;
    }
    if let Err(e) = run_cached(conn, "COMMIT") {
        let _ = conn.execute_batch("ROLLBACK");
        fail_all(waiting, &BatchError::Commit(Arc::new(e)));
        return;
    }
    let (after_truncation, now): (Vec<_>, Vec<_>) = waiting.drain(..).partition(|(_, m)| *m == Mode::ThenTruncate);
    now.into_iter().for_each(|(deliver, _)| deliver(Ok(())));
    if !after_truncation.is_empty() {
        let truncated = truncate_for_delivery(db);
        after_truncation.into_iter().for_each(|(deliver, _)| deliver(truncated.clone()));
    }
}

fn fail_all(waiting: &mut Vec<(Deliver, Mode)>, cause: &BatchError) {
    waiting.drain(..).for_each(|(deliver, _)| deliver(Err(cause.clone())));
}

/// [`checkpointer::truncate_wal`], its failure as the cause a waiting job is handed.
fn truncate_for_delivery(db: &Db) -> Result<(), BatchError> {
    checkpointer::truncate_wal(db).map_err(|e| BatchError::Truncate(Arc::new(e)))
}

/// A statement with no result, kept prepared: "BEGIN IMMEDIATE" and "COMMIT" run for every
/// batch, and parsing them each time showed in profiles.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

//! Copying the write-ahead log back into the database (a checkpoint), away from the writes.
//!
//! A checkpoint costs two fsyncs, and on a slow disk every save queued behind it waited for
//! them. So SQLite's automatic checkpoint is replaced: a second connection on a thread of its
//! own checkpoints passively, which never blocks a writer, once the log holds
//! [`CHECKPOINT_FROM`] pages. Only if that cannot keep up (saves arriving faster than it can
//! finish) does the connection's own thread checkpoint, at [`CHECKPOINT_HERE_FROM`] pages, so
//! the log stays bounded (see [`LogWatcher`]).

use super::Db;
use rusqlite::hooks::Wal;
use rusqlite::Connection;
use std::cell::Cell;
use std::ffi::c_int;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

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
pub(super) fn note_log_pages(_: &Wal, pages: c_int) -> rusqlite::Result<()> {
    LOG_PAGES.set(pages);
    Ok(())
}

/// Starts the checkpointer's thread on `conn`, taking `turn` while it checkpoints. Returns the
/// thread and the [`LogWatcher`] that wakes it; the thread ends once the watcher is dropped.
pub(super) fn spawn(conn: Connection, turn: Arc<Mutex<()>>) -> std::io::Result<(JoinHandle<()>, LogWatcher)> {
    let (wake, woken) = mpsc::sync_channel(1);
    let thread = std::thread::Builder::new()
        .name("signpost-sqlite-checkpoint".to_string())
        .spawn(move || checkpoint_when_woken(&conn, &woken, &turn))?;
    Ok((thread, LogWatcher { wake, woken_at: 0 }))
}

/// Looks at the log's size after each batch on the connection's thread: from
/// [`CHECKPOINT_FROM`] pages it wakes the checkpointer, without waiting, and again every
/// [`CHECKPOINT_STEP`] pages; from [`CHECKPOINT_HERE_FROM`] it checkpoints there and then,
/// unless the checkpointer is at it just then.
pub(super) struct LogWatcher {
    wake: mpsc::SyncSender<()>,
    /// The log's pages when the checkpointer was last woken (0: not since the log started again).
    woken_at: c_int,
}

impl LogWatcher {
    /// Called on the connection's thread, holding `db`, after each batch.
    pub(super) fn after_batch(&mut self, db: &Db) {
        let pages = LOG_PAGES.take();
        if pages == 0 {
            return; // nothing committed (or the log was just truncated)
        }
        if pages < self.woken_at {
            self.woken_at = 0; // the log has started again from its beginning
        }
        if pages >= CHECKPOINT_HERE_FROM {
            if let Ok(_turn) = db.checkpointing.try_lock() {
                checkpoint_passive(&db.conn);
            }
        } else if pages >= CHECKPOINT_FROM && pages >= self.woken_at.saturating_add(CHECKPOINT_STEP) {
            // Full means it is already woken; it will see this batch's pages too.
            let _ = self.wake.try_send(());
            self.woken_at = pages;
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

/// Copies the log into the database and truncates it. Best effort: with readers in other
/// processes the log may not be emptied this time, which SQLite reports without an error.
/// Waits for the checkpointer if it is copying the log just then. Blocks every writer of the
/// file until done.
pub(super) fn truncate_wal(db: &Db) -> rusqlite::Result<()> {
    let _turn = db.checkpointing.lock().unwrap_or_else(PoisonError::into_inner);
    db.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    LOG_PAGES.set(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;
    use crate::BlobStore;
    use std::path::{Path, PathBuf};
    use std::time::Duration;

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

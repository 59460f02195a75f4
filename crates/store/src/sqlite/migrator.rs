//! The session table's layout, and moving a file made by an earlier version to it.

use rusqlite::{Connection, OptionalExtension};

/// One table, keyed by the chat's tag, and the index `purge_expired` needs. An ordinary table
/// (with row ids), not `WITHOUT ROWID`: a stored state is a few hundred bytes to a few KB (an
/// undelivered answer rides along in the outbox), and a `WITHOUT ROWID` row over about 1 KB
/// spills into overflow pages that every save rewrites (and `secure_delete` zeroes); with row
/// ids the log takes about a third less (BENCHMARKS.md).
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

/// Creates the table and index if they are missing, or moves a `WITHOUT ROWID` table made by an
/// earlier version to the current layout. One write transaction, so when several processes open
/// the same file at once only one of them moves it.
pub(super) fn create_or_migrate(conn: &mut Connection) -> rusqlite::Result<()> {
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

#[cfg(test)]
mod tests {
    use crate::sqlite::SqliteStore;
    use crate::{BlobStore, StoreError};
    use rusqlite::{params, Connection};
    use std::sync::Arc;
    use std::time::Duration;

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
}

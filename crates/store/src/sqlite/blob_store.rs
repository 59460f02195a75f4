//! [`BlobStore`] for [`SqliteStore`]: expiry by `expires_at`, compare-and-set by `version`.

use super::batcher::Mode;
use super::SqliteStore;
use crate::{BlobStore, StoreError, Versioned};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

/// What a load's read found.
enum Found {
    Missing,
    Expired,
    Live { version: i64, state: Vec<u8> },
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

/// A version no row can have is one no save can match.
fn to_sql_version(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Conflict)
}

fn from_sql_version(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::NegativeVersion(v))
}

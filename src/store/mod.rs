//! Where conversations are kept between messages: the [`SessionStore`] trait and its
//! implementations (memory for tests, SQLite by default, Redis to run several instances).
//!
//! A stored [`ChatState`] holds ids and timestamps only, never what the user typed. Every save is
//! a compare-and-set on a version number, so two instances handling the same chat can never
//! silently overwrite each other.

use crate::engine::Session;
use serde::{Deserialize, Serialize};

/// Everything kept for one chat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatState {
    pub session: Session,
    /// Ids of every message in the conversation, the user's and the bot's, so quick exit can
    /// delete them all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_ids: Vec<i32>,
    /// The last Telegram update id handled for this chat: a redelivered update is a no-op.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_id: Option<u32>,
    /// Unix seconds.
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
}

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

/// Where chats' states are kept. Keys are keyed hashes of chat ids (see `crate::privacy`), never
/// raw ids. Implementations expire a state after the idle time they were built with.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// The chat's state and its version, or `None` if there is none (never stored, expired, or
    /// deleted by quick exit).
    async fn load(&self, key: &str) -> Result<Option<Versioned<ChatState>>, StoreError>;

    /// Store `state` if the stored version is still `expected` (`None`: nothing is stored).
    /// Returns the new version, or [`StoreError::Conflict`] if someone saved in between.
    async fn save(&self, key: &str, state: &ChatState, expected: Option<u64>) -> Result<u64, StoreError>;

    /// Forget the chat (quick exit).
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
}

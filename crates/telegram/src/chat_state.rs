//! What the bot keeps for one chat between updates ([`ChatState`]), and [`ChatStore`], which keeps
//! it as compact JSON in any [`BlobStore`].
//!
//! A stored state holds ids, node names and timestamps, never what the user typed.

use crate::staff::SandboxState;
use serde::{Deserialize, Serialize};
use signpost_core::engine::{Reply, Session};
use signpost_store::{BlobStore, StoreError, Versioned};
use std::sync::Arc;

mod ids;

/// Everything kept for one chat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatState {
    pub session: Session,
    /// Ids of every message in the conversation, the user's and the bot's, so quick exit can
    /// delete them all: at most [`MAX_MESSAGE_IDS`], oldest first. Stored as runs of ids (see
    /// `chat_state/ids.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "ids")]
    pub message_ids: Vec<i32>,
    /// The last Telegram update id handled for this chat: a redelivered update is a no-op.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_id: Option<u32>,
    /// Unix seconds.
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
    /// The staff sandbox, for staff chats that have used it: node ids, button labels and the
    /// sandbox clock, never typed text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxState>,
    /// Replies decided for `last_update_id` but not yet confirmed sent: saved with the session in
    /// one compare-and-set, cleared once they are delivered. If the process dies in between, the
    /// redelivered update sends them instead of being skipped, so no turn is lost. The bot's own
    /// words only, never the user's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<Reply>,
}

/// The most message ids kept per chat (the oldest go first: Telegram only lets a bot delete
/// a user's messages for 48 hours anyway).
pub const MAX_MESSAGE_IDS: usize = 1000;

/// Why a chat's state could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum ChatStoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not encode a chat state")]
    Encode(#[source] serde_json::Error),
    /// The position only: stored JSON is never copied into a message or a log.
    #[error("a stored chat state is not valid JSON (line {line}, column {column})")]
    Decode { line: usize, column: usize },
}

impl ChatStoreError {
    /// Someone else saved the chat first: reload and handle the update again.
    pub fn is_conflict(&self) -> bool {
        matches!(self, ChatStoreError::Store(StoreError::Conflict))
    }
}

/// Chat states, kept as JSON blobs in a [`BlobStore`] under keyed tags of chat ids.
#[derive(Clone)]
pub struct ChatStore {
    blobs: Arc<dyn BlobStore>,
}

impl ChatStore {
    pub fn new(blobs: Arc<dyn BlobStore>) -> Self {
        ChatStore { blobs }
    }

    pub async fn load(&self, key: &str) -> Result<Option<Versioned<ChatState>>, ChatStoreError> {
        match self.blobs.load(key).await? {
            None => Ok(None),
            Some(Versioned { value, version }) => Ok(Some(Versioned { value: decode(&value)?, version })),
        }
    }

    pub async fn save(&self, key: &str, state: &ChatState, expected: Option<u64>) -> Result<u64, ChatStoreError> {
        Ok(self.blobs.save(key, &encode(state)?, expected).await?)
    }

    pub async fn delete(&self, key: &str) -> Result<(), ChatStoreError> {
        Ok(self.blobs.delete(key).await?)
    }
}

pub fn encode(state: &ChatState) -> Result<Vec<u8>, ChatStoreError> {
    serde_json::to_vec(state).map_err(ChatStoreError::Encode)
}

pub fn decode(json: &[u8]) -> Result<ChatState, ChatStoreError> {
    serde_json::from_slice(json).map_err(|e| ChatStoreError::Decode { line: e.line(), column: e.column() })
}

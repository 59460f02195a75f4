//! Test support shared by the integration tests: the content they run and where it lives
//! ([`content`]), a bot serving against the fake Bot API ([`bot`]), a Redis fixture
//! ([`redis`]), and chat states in any store ([`States`]).

pub mod bot;
pub mod content;
pub mod redis;

pub use content::router;

use async_trait::async_trait;
use signpost_store::{BlobStore, StoreError, Versioned};
use signpost_telegram::chat_state::{self, ChatState};

/// Chat states in any blob store, as the bot keeps them (JSON), for tests that look inside.
#[async_trait]
pub trait States {
    async fn load_state(&self, key: &str) -> Result<Option<Versioned<ChatState>>, StoreError>;
    async fn save_state(&self, key: &str, state: &ChatState, expected: Option<u64>) -> Result<u64, StoreError>;
}

#[async_trait]
impl<S: BlobStore + ?Sized> States for S {
    async fn load_state(&self, key: &str) -> Result<Option<Versioned<ChatState>>, StoreError> {
        Ok(self.load(key).await?.map(|Versioned { value, version }| Versioned {
            value: chat_state::decode(&value).expect("a stored chat state reads back"),
            version,
        }))
    }

    async fn save_state(&self, key: &str, state: &ChatState, expected: Option<u64>) -> Result<u64, StoreError> {
        self.save(key, &chat_state::encode(state).expect("a chat state encodes"), expected).await
    }
}

//! Keyed hashes for logs and storage keys: a chat can be followed through the logs, and its
//! session found, without the raw Telegram chat or user id ever being written down.

/// A secret key for [`HashKey::tag`]. The `signpost` binary derives it from `SIGNPOST_HASH_KEY`.
#[derive(Clone)]
pub struct HashKey([u8; 32]);

impl HashKey {
    /// Derive a 32-byte key from any secret string.
    pub fn from_secret(secret: &str) -> Self {
        HashKey(blake3::derive_key("signpost 2026 chat id tag", secret.as_bytes()))
    }

    /// A key for this process only: tags then differ across restarts, which is safe for a
    /// store that does not outlive the process, but makes logs harder to follow.
    pub fn for_this_process() -> Self {
        let nonce = format!("{:?}{:?}", std::time::SystemTime::now(), std::process::id());
        HashKey::from_secret(&nonce)
    }

    /// A short stable tag for an id: 16 hex characters of a keyed BLAKE3 hash.
    pub fn tag(&self, id: i64) -> String {
        blake3::keyed_hash(&self.0, &id.to_le_bytes()).to_hex()[..16].to_string()
    }
}

impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_stable_keyed_and_hide_the_id() {
        let a = HashKey::from_secret("one");
        let b = HashKey::from_secret("two");
        assert_eq!(a.tag(123456789), a.tag(123456789));
        assert_ne!(a.tag(123456789), b.tag(123456789));
        assert_ne!(a.tag(1), a.tag(2));
        assert!(!a.tag(123456789).contains("123456789"));
    }
}

//! The webhook: Telegram POSTs each update to us. A request without the right secret token
//! (`X-Telegram-Bot-Api-Secret-Token`, set from `SIGNPOST_WEBHOOK_SECRET`) is refused with 401
//! and nothing in it is read. Telegram gets its 200 only after the update has been handled and
//! saved, so an update lost in a crash is sent again (and a repeat is a no-op).
//!
//! A body that cannot be read as an update ([`super::unreadable`]) gets its 200 too, since
//! Telegram would only send it again for ever: it is logged and counted, and its private chat,
//! if the JSON still says which, asked to send it again. Being one request of its own, it holds
//! up no other.

use super::handler::Handler;
use super::unreadable::{self, Read, Unreadable};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

struct Hook {
    handler: Arc<Handler>,
    secret: String,
}

/// Serve updates POSTed to `path` on `listener` until `shutdown`; requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    path: &str,
    secret: String,
    handler: Arc<Handler>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let path = if path.is_empty() { "/" } else { path };
    let hook = Arc::new(Hook { handler: Arc::clone(&handler), secret });
    let app = Router::new().route(path, post(receive)).with_state(hook);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    tracing::info!(unreadable_total = handler.unreadable_total(), "webhook stopped");
    Ok(())
}

async fn receive(State(hook): State<Arc<Hook>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !same_secret(given, hook.secret.as_bytes()) {
        tracing::warn!("webhook request refused: wrong or missing secret token");
        return StatusCode::UNAUTHORIZED;
    }
    let read = match std::str::from_utf8(&body) {
        Ok(text) => unreadable::read(text),
        Err(_) => Read::Unreadable(Unreadable { kind: "not UTF-8".to_string(), ..Unreadable::default() }),
    };
    if hook.handler.handle_read(read).await {
        StatusCode::OK
    } else {
        // Another instance is delivering it: Telegram will send it again later.
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Compare secrets in time that does not depend on where they differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    if expected.is_empty() || given.len() != expected.len() {
        return false;
    }
    given.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_must_match_exactly_and_an_empty_one_never_does() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abd", b"abc"));
        assert!(!same_secret(b"ab", b"abc"));
        assert!(!same_secret(b"", b""));
    }
}

//! The webhook: Telegram POSTs each update to us. A request without the right secret token
//! (`X-Telegram-Bot-Api-Secret-Token`, set from `SIGNPOST_WEBHOOK_SECRET`) is refused with 401
//! and nothing in it is read. Telegram gets its 200 only after the update has been handled and
//! saved, so an update lost in a crash is sent again (and a repeat is a no-op).

use super::handler::Handler;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use teloxide::types::Update;
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
    let app = Router::new().route(path, post(receive)).with_state(Arc::new(Hook { handler, secret }));
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    tracing::info!("webhook stopped");
    Ok(())
}

async fn receive(State(hook): State<Arc<Hook>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !same_secret(given, hook.secret.as_bytes()) {
        tracing::warn!("webhook request refused: wrong or missing secret token");
        return StatusCode::UNAUTHORIZED;
    }
    match serde_json::from_slice::<Update>(&body) {
        Ok(update) => {
            if hook.handler.handle(update).await {
                StatusCode::OK
            } else {
                // Another instance is delivering it: Telegram will send it again later.
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
        Err(e) => {
            // 200 all the same: Telegram would only send the same unreadable update again.
            tracing::warn!(line = e.line(), column = e.column(), "webhook body is not an update");
            StatusCode::OK
        }
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

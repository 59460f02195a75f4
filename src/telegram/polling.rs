//! Long polling, written out rather than teloxide's dispatcher so that an update is confirmed to
//! Telegram (the offset moves past it) only after it has been handled and its chat saved.
//! Until then a crash means Telegram sends it again, and the chat's `last_update_id` makes the
//! repeat a no-op.

use super::api::Api;
use super::handler::Handler;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long one `getUpdates` waits for something to arrive, in seconds (teloxide's HTTP client
/// gives up after 17).
const POLL_TIMEOUT_SECS: u32 = 10;
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Poll and handle until `shutdown` completes. A batch in hand is always finished first.
pub async fn poll(api: Api, handler: Arc<Handler>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut offset: Option<i32> = None;
    let mut backoff = Duration::from_millis(500);
    loop {
        let fetched = tokio::select! {
            biased;
            () = &mut shutdown => break,
            r = api.get_updates(offset, POLL_TIMEOUT_SECS) => r,
        };
        let updates = match fetched {
            Ok(u) => {
                backoff = Duration::from_millis(500);
                u
            }
            Err(teloxide::RequestError::RetryAfter(s)) => {
                if wait_or_stop(s.duration(), &mut shutdown).await {
                    break;
                }
                continue;
            }
            Err(e) => {
                tracing::warn!(cause = %e, wait_ms = backoff.as_millis() as u64, "getUpdates failed");
                if wait_or_stop(backoff, &mut shutdown).await {
                    break;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        let Some(last) = updates.iter().map(|u| u.id.0).max() else {
            continue;
        };
        tracing::debug!(count = updates.len(), "handling a batch");
        handler.handle_batch(updates).await;
        offset = Some(i32::try_from(last).unwrap_or(i32::MAX).saturating_add(1));
    }
    // Confirm the last batch, so a restart does not fetch it again. If this fails, the repeats
    // are no-ops anyway.
    if let Some(offset) = offset {
        let confirm = api.get_updates(Some(offset), 0);
        if tokio::time::timeout(Duration::from_secs(5), confirm).await.is_err() {
            tracing::debug!("confirming the last batch timed out");
        }
    }
    tracing::info!("polling stopped");
}

/// Sleep for `wait`, or less if shutdown comes first. True when shutting down.
async fn wait_or_stop(wait: Duration, shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>) -> bool {
    tokio::select! {
        () = shutdown => true,
        () = tokio::time::sleep(wait) => false,
    }
}

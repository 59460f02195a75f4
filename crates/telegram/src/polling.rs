//! Long polling, written out rather than teloxide's dispatcher so that an update is confirmed to
//! Telegram (the offset moves past it) only after it has been handled and its chat saved.
//! Until then a crash means Telegram sends it again, and the chat's `last_update_id` makes the
//! repeat a no-op.
//!
//! A chat that has to wait (Telegram's limits, a 429, a slow answer) must not hold up anyone
//! else. Each chat's updates run one at a time and in order, each chat beside the others. Once
//! updates have been in hand for [`POLL_WHILE_BUSY`], the loop polls again without waiting for
//! them. The offset it sends stops at the oldest update still in hand, so nothing unfinished is
//! confirmed. Telegram sends the updates in hand again, and the [`Ledger`] skips them.
//!
//! Telegram sends at most 100 updates at a time, so past 100 updates behind one that is still in
//! hand, newer ones wait for it (SAFETY.md H7 weighs this).
//!
//! Each update of a batch is read on its own ([`super::unreadable`]): one that cannot be read
//! is confirmed like any other once handled (logged, counted, its chat asked to send it again),
//! and the rest of the batch goes on as usual. Read as one, a single such update failed every
//! `getUpdates`, and nobody was answered until Telegram dropped it (issue 25).

use super::api::{Api, CallFailed};
use super::handler::Handler;
use super::unreadable::{self, Read, Unreadable};
use futures::FutureExt as _;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long one `getUpdates` waits for something to arrive, in seconds (teloxide's HTTP client
/// gives up after 17).
const POLL_TIMEOUT_SECS: u32 = 10;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// With updates in hand for this long, poll again without waiting for them. Messages from other
/// chats are then picked up this often while someone waits.
const POLL_WHILE_BUSY: Duration = Duration::from_millis(200);

/// Which updates are in hand, and so which offset confirms only finished ones.
#[derive(Debug, Default)]
struct Ledger {
    in_hand: BTreeSet<u32>,
    /// Finished while an older update is still in hand: Telegram sends these again.
    finished: BTreeSet<u32>,
    /// The newest update taken since the ledger was last idle.
    newest: Option<u32>,
}

impl Ledger {
    /// True for an update not seen before, now in hand; false for a repeat.
    fn take(&mut self, id: u32) -> bool {
        if self.in_hand.contains(&id) || self.finished.contains(&id) {
            return false;
        }
        // From idle, the count starts again from this update: Telegram numbers them at random
        // after a week without any, maybe below the last.
        self.newest = match self.newest {
            Some(n) if self.busy() => Some(n.max(id)),
            _ => Some(id),
        };
        self.in_hand.insert(id);
        true
    }

    fn finish(&mut self, id: u32) {
        self.in_hand.remove(&id);
        match self.in_hand.first() {
            None => self.finished.clear(),
            Some(&oldest) => {
                self.finished.insert(id);
                // Below the offset: Telegram will not send these again.
                self.finished = self.finished.split_off(&oldest);
            }
        }
    }

    fn busy(&self) -> bool {
        !self.in_hand.is_empty()
    }

    /// Confirms every update before the oldest in hand, or everything seen when none is.
    fn offset(&self) -> Option<i32> {
        let next = match self.in_hand.first() {
            Some(&oldest) => oldest,
            None => self.newest?.saturating_add(1),
        };
        Some(i32::try_from(next).unwrap_or(i32::MAX))
    }
}

/// Chats are keyed by id; updates without a chat take turns as one.
type ChatKey = Option<i64>;

/// The updates in hand, by chat: one runs, the rest wait their turn behind it.
struct Workers {
    handler: Arc<Handler>,
    /// A chat is here while one of its updates is running; the queue holds the ones behind it.
    chats: HashMap<ChatKey, VecDeque<(u32, Read)>>,
    done: mpsc::UnboundedSender<(ChatKey, u32)>,
}

impl Workers {
    /// Run update `id` now, or after its chat's others.
    fn dispatch(&mut self, id: u32, update: Read) {
        let key = update.chat();
        match self.chats.get_mut(&key) {
            Some(behind) => behind.push_back((id, update)),
            None => {
                self.chats.insert(key, VecDeque::new());
                self.run(key, id, update);
            }
        }
    }

    /// An update of `key`'s finished: run the next one behind it, if any.
    fn finished(&mut self, key: ChatKey) {
        let next = match self.chats.get_mut(&key) {
            Some(behind) => behind.pop_front(),
            None => return,
        };
        match next {
            Some((id, update)) => self.run(key, id, update),
            None => {
                self.chats.remove(&key);
            }
        }
    }

    fn run(&self, key: ChatKey, id: u32, update: Read) {
        let (handler, done) = (Arc::clone(&self.handler), self.done.clone());
        tokio::spawn(async move {
            // `handle` catches its own panics; this is in case of a bug outside that, so the
            // update still counts as finished and the offset can move on. Boxed: the handling
            // future is large, and a task's future is moved when the task is made.
            if AssertUnwindSafe(handler.handle_read(update).boxed()).catch_unwind().await.is_err() {
                tracing::error!(update = id, "handling an update panicked");
            }
            // Fails only once polling has stopped waiting, and then nobody needs to know.
            let _ = done.send((key, id));
        });
    }
}

/// Poll and handle until `shutdown` completes. Updates in hand are always finished first.
pub async fn poll(api: Api, handler: Arc<Handler>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let (done, mut finished) = mpsc::unbounded_channel();
    let mut workers = Workers { handler: Arc::clone(&handler), chats: HashMap::new(), done };
    let mut ledger = Ledger::default();
    let mut backoff = Duration::from_millis(500);
    // The last batch held updates whose `update_id` could not be read (see below).
    let mut idless_before = false;
    'polling: loop {
        // With updates in hand, wait until they are finished or have been in hand a while.
        if ledger.busy() {
            let again = tokio::time::sleep(POLL_WHILE_BUSY);
            tokio::pin!(again);
            while ledger.busy() {
                tokio::select! {
                    biased;
                    () = &mut shutdown => break 'polling,
                    Some((key, id)) = finished.recv() => {
                        ledger.finish(id);
                        workers.finished(key);
                    }
                    () = &mut again => break,
                }
            }
        }
        // Nothing in hand: a long poll. Otherwise the updates in hand come back at once.
        let timeout = if ledger.busy() { 0 } else { POLL_TIMEOUT_SECS };
        let fetched = tokio::select! {
            biased;
            () = &mut shutdown => break,
            r = api.get_updates(ledger.offset(), timeout) => r,
        };
        let batch = match fetched {
            Ok(u) => {
                backoff = Duration::from_millis(500);
                u
            }
            Err(CallFailed(teloxide::RequestError::RetryAfter(s))) => {
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
        let mut updates: Vec<(u32, Read)> = Vec::with_capacity(batch.len());
        let mut idless = Vec::new();
        for raw in &batch {
            match unreadable::read(raw.get()) {
                Read::Unreadable(u @ Unreadable { id: None, .. }) => idless.push(u),
                update => updates.push((update.id().unwrap_or_default(), update)),
            }
        }
        updates.sort_by_key(|(id, _)| *id);
        let before = ledger.in_hand.len();
        for (id, update) in updates {
            if ledger.take(id) {
                workers.dispatch(id, update);
            }
        }
        let taken = ledger.in_hand.len() - before;
        if taken > 0 {
            tracing::debug!(count = taken, "new updates in hand");
        }
        // An update whose very `update_id` cannot be read cannot be confirmed by itself: the
        // first update after it that can be confirmed confirms it too. Until then Telegram
        // sends it with every poll, so it is logged once, and polled past no faster than
        // updates in hand are.
        if !idless.is_empty() {
            if !idless_before {
                idless.iter().for_each(|u| handler.note_unreadable(u));
            }
            if taken == 0 && !ledger.busy() && wait_or_stop(POLL_WHILE_BUSY, &mut shutdown).await {
                break;
            }
        }
        idless_before = !idless.is_empty();
    }
    // Finish what is in hand, then confirm it, so a restart does not fetch it again. If the
    // confirmation fails, the repeats are no-ops anyway.
    while ledger.busy() {
        let Some((key, id)) = finished.recv().await else { break };
        ledger.finish(id);
        workers.finished(key);
    }
    if let Some(offset) = ledger.offset() {
        let confirm = api.get_updates(Some(offset), 0);
        if tokio::time::timeout(Duration::from_secs(5), confirm).await.is_err() {
            tracing::debug!("confirming the last updates timed out");
        }
    }
    tracing::info!(unreadable_total = handler.unreadable_total(), "polling stopped");
}

/// Sleep for `wait`, or less if shutdown comes first. True when shutting down.
async fn wait_or_stop(wait: Duration, shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>) -> bool {
    tokio::select! {
        () = shutdown => true,
        () = tokio::time::sleep(wait) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_never_passes_an_update_in_hand() {
        let mut ledger = Ledger::default();
        assert_eq!(ledger.offset(), None, "nothing seen: Telegram's own start");
        assert!(ledger.take(10) && ledger.take(11) && ledger.take(12));
        assert_eq!(ledger.offset(), Some(10));
        // 11 and 12 finish first: 10 is still in hand, so nothing is confirmed.
        ledger.finish(12);
        ledger.finish(11);
        assert_eq!(ledger.offset(), Some(10));
        assert!(ledger.busy());
        // Telegram sends 10 to 12 again, with 13: only 13 is new.
        let new: Vec<u32> = [10, 11, 12, 13].into_iter().filter(|&id| ledger.take(id)).collect();
        assert_eq!(new, [13]);
        ledger.finish(10);
        assert_eq!(ledger.offset(), Some(13), "10 to 12 are confirmed, 13 is still in hand");
        ledger.finish(13);
        assert_eq!(ledger.offset(), Some(14));
        assert!(!ledger.busy());
        assert!(ledger.finished.is_empty(), "nothing is kept once everything is confirmed");
    }

    #[test]
    fn an_update_numbered_below_the_last_is_still_new() {
        // Telegram numbers updates at random again after a week without any.
        let mut ledger = Ledger::default();
        assert!(ledger.take(500));
        ledger.finish(500);
        assert!(ledger.take(20), "a lower id never seen is new");
        assert!(ledger.take(21));
        assert_eq!(ledger.offset(), Some(20));
        ledger.finish(20);
        ledger.finish(21);
        assert_eq!(ledger.offset(), Some(22), "the next after the new numbering, not after 500");
    }
}

//! Handles updates: load the chat, let the engine decide, save, then carry out what it decided.
//!
//! Order of work for one update in a private chat:
//! 1. answer the callback query at once, if it is one (the spinner always stops), alongside
//!    the steps below rather than before them;
//! 2. load the chat's state; an update already handled (`last_update_id`) is a no-op;
//! 3. `engine::step` (or, for staff, a sandbox command or a sandbox turn), then save with
//!    compare-and-set, claiming the update. On a conflict (another instance saved first) reload
//!    and redo: nothing has been sent yet (steps 2 and 3: `claimer.rs`);
//! 4. send the replies (or, on quick exit, delete the conversation and forget it);
//! 5. save the ids of the messages sent, merging with whatever is stored by then, and what is
//!    still to send: a reply that failed and every reply after it go out with the chat's next
//!    update (unless the chat can no longer be reached, when they are dropped) (steps 4 and 5:
//!    `deliverer.rs`).
//!
//! Staff on the list (see [`super::sandbox`]) may switch their own chat into the sandbox. For
//! everyone else a sandbox command is text like any other: it goes to the engine unchanged, and
//! the attempt is logged as a security event (without the text).
//!
//! A panic or an error while handling an update is caught and logged (never with message content
//! or raw ids) and the user is sent an apology that offers 999, and the chat carries on.
//!
//! An update that cannot be read ([`super::unreadable`]) is logged as a security event (its id
//! and kind only), counted, and handled as done. When it came from a person in a private chat,
//! that chat is asked to send it again, with 999, as a turn like any other.

mod claimer;
mod deliverer;

use super::api::{Api, CallFailed};
use super::keyboard;
use super::sandbox::Sandbox;
use super::unreadable::{Read, Unreadable};
use super::update::{classify, Incoming, Private, PrivateInput};
use super::SharedContent;
use crate::chat_state::{ChatState, ChatStore, MAX_MESSAGE_IDS};
use anyhow::Context as _;
use chrono::Utc;
use futures::FutureExt as _;
use signpost_core::engine;
use signpost_core::engine::callback::GlobalAction;
use signpost_core::privacy::HashKey;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use teloxide::types::{CallbackQueryId, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, ThreadId, Update};
use teloxide::RequestError;

/// Times a step is redone after a compare-and-set conflict before giving up.
const MAX_CONFLICTS: usize = 5;
/// `deleteMessages` takes at most this many ids.
const DELETE_CHUNK: usize = 100;
/// Groups recently pointed to a private chat, kept in memory only.
const MAX_GROUPS_REMEMBERED: usize = 10_000;
/// A group is pointed to a private chat at most this often, so that the bot does not fill it:
/// the last pointer is still there to read. A danger phrase written to the bot always gets one.
const GROUP_POINTER_EVERY: Duration = Duration::from_secs(5 * 60);

pub const APOLOGY: &str =
    "Sorry, something went wrong on our side. If a child is in danger now, call 999.\n\nYou can start again below.";

pub const GROUP_POINTER: &str = "Hello. I'm Signpost. I don't give guidance in group chats, because people may share private things here. Please talk to me in a private chat instead: tap the button below, or search for me in Telegram.\n\n🆘 If a child is in danger right now, call 999.";

/// Everything needed to handle an update; shared by the polling loop and the webhook.
pub struct Handler {
    api: Api,
    content: SharedContent,
    store: ChatStore,
    key: HashKey,
    /// Who is staff, and the sandbox's draft content.
    sandbox: Arc<Sandbox>,
    /// Without `@`: recognises commands and mentions in groups, and links to a private chat.
    bot_username: String,
    groups_answered: Mutex<GroupPointers>,
    chat_locks: ChatLocks,
    /// Long polling: only one process can poll a bot, so replies found undelivered on a
    /// redelivered update belong to a process that has stopped, and are sent at once. With
    /// webhooks several instances may be alive; see [`CLAIM_LEASE`].
    exclusive: bool,
    /// Updates that could not be read since the bot started: in each such log line, and in
    /// the line logged when the bot stops, for staff to see a Bot API change coming.
    unreadable: AtomicU64,
}

/// With webhooks, how long an undelivered claim is left to the instance that made it before
/// another takes it over. Until then Telegram is asked to retry (503).
const CLAIM_LEASE_SECS: i64 = 60;

/// Another instance is delivering this update's replies right now: ask Telegram to retry.
#[derive(Debug, thiserror::Error)]
#[error("another instance is delivering this update")]
pub struct InProgressElsewhere;

impl Handler {
    pub(crate) fn new(
        api: Api,
        content: SharedContent,
        store: ChatStore,
        key: HashKey,
        sandbox: Arc<Sandbox>,
        bot_username: String,
        exclusive: bool,
    ) -> Handler {
        Handler {
            api,
            content,
            store,
            key,
            sandbox,
            bot_username,
            groups_answered: Mutex::new(GroupPointers::default()),
            chat_locks: ChatLocks::default(),
            exclusive,
            unreadable: AtomicU64::new(0),
        }
    }

    /// How many updates could not be read since the bot started.
    pub fn unreadable_total(&self) -> u64 {
        self.unreadable.load(Ordering::Relaxed)
    }

    /// Log and count an update that could not be read: its id and kind, and the chat's tag,
    /// never anything it said.
    pub(crate) fn note_unreadable(&self, u: &Unreadable) {
        let total = self.unreadable.fetch_add(1, Ordering::Relaxed) + 1;
        let tag = u.chat.map(|c| self.key.tag(c)).unwrap_or_default();
        tracing::warn!(
            target: "security",
            update = u.id,
            kind = %u.kind,
            chat = %tag,
            unreadable_total = total,
            "an update could not be read (malformed, or from a newer Bot API): confirmed; a private chat is asked to send it again"
        );
    }

    /// Handle one update as read from Telegram's JSON. See [`Handler::handle`].
    pub async fn handle_read(self: &Arc<Self>, read: Read) -> bool {
        match read {
            Read::Update(update) => self.handle(*update).await,
            Read::Unreadable(u) => self.handle_unreadable(u).await,
        }
    }

    /// An update that could not be read: logged and counted, then its private chat (if any)
    /// asked to send it again, and a button press's spinner stopped. One without an id cannot
    /// be told from a repeat, so it is only logged.
    async fn handle_unreadable(self: &Arc<Self>, u: Unreadable) -> bool {
        self.note_unreadable(&u);
        let Some(update_id) = u.id else { return true };
        let callback = u.callback.map(CallbackQueryId);
        let incoming = match (u.chat, callback) {
            (Some(chat), callback) => Incoming::Private(Private {
                chat,
                user: u.user,
                input: PrivateInput::Unreadable(u.said),
                message_id: u.message_id,
                callback,
                pressed: None,
                group: false,
            }),
            (None, Some(id)) => Incoming::CallbackOnly(id),
            (None, None) => Incoming::Ignore,
        };
        self.handle_sorted(update_id, u.chat, incoming).await
    }

    /// Handle one update completely. Never panics and never fails: problems are logged and
    /// the user is apologised to.
    /// Returns false only when another instance is delivering this update right now (webhook:
    /// answer 503 so Telegram retries later).
    pub async fn handle(self: &Arc<Self>, update: Update) -> bool {
        let incoming = classify(&update, &self.bot_username);
        self.handle_sorted(update.id.0, update.chat().map(|c| c.id.0), incoming).await
    }

    /// [`Handler::handle`], once the update is sorted; `chat` orders it among its chat's.
    async fn handle_sorted(self: &Arc<Self>, update_id: u32, chat: Option<i64>, incoming: Incoming) -> bool {
        let tag = chat.map(|c| self.key.tag(c)).unwrap_or_default();
        let _in_order = match chat {
            Some(c) => Some(self.chat_locks.lock(c).await),
            None => None,
        };
        let private = incoming.private_chat();
        let callback = incoming.callback().cloned();
        // No task of its own (a spawn per update cost more than the rest of the bookkeeping):
        // a panic is caught where the future is polled instead.
        let outcome = AssertUnwindSafe(self.dispatch(update_id, incoming)).catch_unwind().await;
        let failure = match outcome {
            Ok(Ok(())) => {
                tracing::info!(chat = %tag, update = update_id, "handled");
                return true;
            }
            Ok(Err(e)) if e.is::<InProgressElsewhere>() => {
                tracing::info!(chat = %tag, update = update_id, "being delivered by another instance; retry later");
                return false;
            }
            Ok(Err(e)) => format!("{e:#}"),
            Err(_panic) => "panic".to_string(),
        };
        tracing::error!(chat = %tag, update = update_id, cause = %failure, "handling the update failed");
        if let Some(id) = callback {
            // Usually answered already; a second answer fails harmlessly.
            let _ = self.api.answer_callback(id).await;
        }
        if let Some(chat) = private {
            self.apologise(chat, &tag).await;
        }
        true
    }

    async fn dispatch(&self, update_id: u32, incoming: Incoming) -> anyhow::Result<()> {
        match incoming {
            Incoming::Private(p) => self.private(update_id, p).await,
            Incoming::Group { chat, thread, callback, addressed, said, as_private } => match as_private {
                // A staff member in a staff-only sandbox group: the sandbox, never the public guidance.
                Some(p) if self.sandbox.allows_in_group(p.user, chat) => self.private(update_id, p).await,
                _ => {
                    if let Some(id) = callback {
                        self.answer(id).await;
                    }
                    if addressed {
                        let content = self.content.read().unwrap_or_else(|e| e.into_inner()).clone();
                        let urgent = said.is_some_and(|t| content.danger.is_danger(&t));
                        self.group(chat, thread, urgent).await
                    } else {
                        Ok(())
                    }
                }
            },
            Incoming::CallbackOnly(id) => {
                self.answer(id).await;
                Ok(())
            }
            Incoming::Ignore => Ok(()),
        }
    }

    async fn answer(&self, id: CallbackQueryId) {
        if let Err(e) = self.api.answer_callback(id).await {
            tracing::warn!(cause = %e, "answering a callback query failed");
        }
    }

    /// A private turn, with the pressed button's callback (if any) answered at the same time:
    /// the spinner stops at once, and the answer does not wait for that round trip.
    async fn private(&self, update_id: u32, mut p: Private) -> anyhow::Result<()> {
        let callback = p.callback.take();
        let answering = async {
            if let Some(id) = callback {
                self.answer(id).await;
            }
        };
        let ((), turn) = futures::join!(answering, self.turn(update_id, &p));
        turn
    }

    /// One private turn: decide and claim the update (steps 2 and 3, [`claimer`]), then carry
    /// out what was decided and record it (steps 4 and 5, [`deliverer`]).
    async fn turn(&self, update_id: u32, p: &Private) -> anyhow::Result<()> {
        let turn = self.read_turn(update_id, p);
        match self.claim(&turn).await? {
            Some(claim) => self.deliver(&turn, claim).await,
            None => Ok(()),
        }
    }

    /// Save `state` (which already holds `sent`); if someone saved in between, merge `sent`
    /// into what they saved.
    async fn save_ids(
        &self,
        tag: &str,
        mut state: ChatState,
        mut version: Option<u64>,
        sent: &[i32],
    ) -> anyhow::Result<()> {
        for _ in 0..=MAX_CONFLICTS {
            match self.store.save(tag, &state, version).await {
                Ok(_) => return Ok(()),
                Err(e) if e.is_conflict() => {
                    let loaded = self.store.load(tag).await.context("reloading the chat")?;
                    match loaded {
                        Some(v) => {
                            state = v.value;
                            version = Some(v.version);
                        }
                        None => version = None,
                    }
                    remember(&mut state.message_ids, sent);
                }
                Err(e) => return Err(e).context("saving sent message ids"),
            }
        }
        anyhow::bail!("saving sent message ids: the chat kept changing")
    }

    /// The reply when handling failed: sorry, 999, and a way to start again.
    async fn apologise(&self, chat: i64, tag: &str) {
        let buttons = [engine::global_button(engine::START_AGAIN, GlobalAction::Start), engine::quick_exit()];
        match self.api.send(ChatId(chat), APOLOGY, Some(keyboard::keyboard(&buttons))).await {
            Ok(m) => {
                let id = m.0;
                if let Err(e) = self.remember_sent(tag, id).await {
                    tracing::warn!(chat = %tag, cause = %format!("{e:#}"), "recording the apology failed");
                }
            }
            Err(e) => tracing::error!(chat = %tag, cause = %e, "sending the apology failed"),
        }
    }

    /// Record one sent message id against whatever is stored now.
    async fn remember_sent(&self, tag: &str, id: i32) -> anyhow::Result<()> {
        let loaded = self.store.load(tag).await.context("loading the chat")?;
        let (mut state, version) = match loaded {
            Some(v) => (v.value, Some(v.version)),
            None => {
                let now = Utc::now().timestamp();
                let state = ChatState { created_at: now, updated_at: now, ..ChatState::default() };
                (state, None)
            }
        };
        remember(&mut state.message_ids, &[id]);
        self.save_ids(tag, state, version, &[id]).await
    }

    /// Point a group to a private chat (in the forum topic spoken in, if any): at most once
    /// every [`GROUP_POINTER_EVERY`], or at once when `urgent`. Nothing is stored.
    async fn group(&self, chat: i64, thread: Option<ThreadId>, urgent: bool) -> anyhow::Result<()> {
        let tag = self.key.tag(chat);
        if !self.groups_answered.lock().unwrap_or_else(|e| e.into_inner()).due(&tag, Instant::now(), urgent) {
            return Ok(());
        }
        let markup = format!("https://t.me/{}", self.bot_username)
            .parse()
            .ok()
            .filter(|_| !self.bot_username.is_empty())
            .map(|url| InlineKeyboardMarkup::new([[InlineKeyboardButton::url("Talk to me privately", url)]]));
        let sent = match self.api.send_in(ChatId(chat), thread, GROUP_POINTER, markup.clone()).await {
            // The group became a supergroup: the pointer goes to it there.
            Err(CallFailed(RequestError::MigrateToChatId(to))) => self.api.send(to, GROUP_POINTER, markup).await,
            other => other,
        };
        if let Err(e) = sent {
            // Not pointed after all: the next message to the bot tries again.
            self.groups_answered.lock().unwrap_or_else(|e| e.into_inner()).forget(&tag);
            return Err(anyhow::Error::new(e).context("pointing a group to a private chat"));
        }
        tracing::info!(chat = %tag, urgent, "group pointed to a private chat");
        Ok(())
    }
}

/// When each group (by tag) was last pointed to a private chat, kept in memory only.
#[derive(Default)]
struct GroupPointers(HashMap<String, Instant>);

impl GroupPointers {
    /// Whether the group `tag` should be pointed to a private chat `now`; if so, it counts as
    /// pointed from now.
    fn due(&mut self, tag: &str, now: Instant, urgent: bool) -> bool {
        let recent = |at: &Instant| now.saturating_duration_since(*at) < GROUP_POINTER_EVERY;
        if self.0.get(tag).is_some_and(recent) && !urgent {
            return false;
        }
        if self.0.len() >= MAX_GROUPS_REMEMBERED {
            self.0.retain(|_, at| recent(at));
            if self.0.len() >= MAX_GROUPS_REMEMBERED {
                self.0.clear();
            }
        }
        self.0.insert(tag.to_string(), now);
        true
    }

    /// The pointer did not go out after all: the next message to the bot tries again.
    fn forget(&mut self, tag: &str) {
        self.0.remove(tag);
    }
}

/// One lock per chat with an update in hand, so that a chat's updates are handled one at a time
/// and in the order they arrived, and a chat that is waiting (on Telegram's limits, a 429 or a
/// slow answer) holds up no other chat. A chat's lock is forgotten when nobody holds or awaits it.
#[derive(Default)]
struct ChatLocks(Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>);

impl ChatLocks {
    /// Wait for `chat`'s turn. Waiters are served first come, first served.
    async fn lock(&self, chat: i64) -> ChatTurn<'_> {
        let lock = Arc::clone(self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(chat).or_default());
        // Made before waiting, so the entry is tidied away even if the wait is cancelled.
        let mut turn = ChatTurn { locks: self, chat, lock: Some(Arc::clone(&lock)), held: None };
        turn.held = Some(lock.lock_owned().await);
        turn
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// A chat's turn: ends when dropped.
struct ChatTurn<'a> {
    locks: &'a ChatLocks,
    chat: i64,
    lock: Option<Arc<tokio::sync::Mutex<()>>>,
    held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for ChatTurn<'_> {
    fn drop(&mut self) {
        let mut locks = self.locks.0.lock().unwrap_or_else(|e| e.into_inner());
        self.held = None;
        self.lock = None;
        // Only the map's own reference left: nobody holds or awaits this chat's lock. Anyone
        // about to takes the map's lock first, so this cannot race with them.
        if locks.get(&self.chat).is_some_and(|l| Arc::strong_count(l) == 1) {
            locks.remove(&self.chat);
        }
    }
}

/// Add `ids` to `list`, keeping each once and at most [`MAX_MESSAGE_IDS`] (newest kept).
fn remember(list: &mut Vec<i32>, ids: &[i32]) {
    for &id in ids {
        if !list.contains(&id) {
            list.push(id);
        }
    }
    if list.len() > MAX_MESSAGE_IDS {
        let extra = list.len() - MAX_MESSAGE_IDS;
        list.drain(..extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_chat_waits_only_for_itself_and_its_lock_is_forgotten_after() {
        let locks = ChatLocks::default();
        let first = locks.lock(1).await;
        // Another chat, even one that a fixed set of 64 locks would have shared with chat 1.
        let other = tokio::time::timeout(Duration::from_secs(5), locks.lock(65)).await;
        assert!(other.is_ok(), "chat 65 waited for chat 1");
        drop(other);
        // The same chat waits for its turn.
        let mut second = Box::pin(locks.lock(1));
        assert!((&mut second).now_or_never().is_none(), "two turns of one chat at once");
        drop(first);
        let second = second.await;
        assert_eq!(locks.len(), 1);
        drop(second);
        assert_eq!(locks.len(), 0, "a lock nobody holds is forgotten");
        // A wait given up is tidied away too.
        let held = locks.lock(2).await;
        let mut given_up = Box::pin(locks.lock(2));
        assert!((&mut given_up).now_or_never().is_none());
        drop(given_up);
        drop(held);
        assert_eq!(locks.len(), 0);
    }

    #[test]
    fn a_group_is_pointed_again_only_after_a_while_or_when_in_danger() {
        let mut groups = GroupPointers::default();
        let start = Instant::now();
        let later = |secs| start + Duration::from_secs(secs);
        assert!(groups.due("g", start, false), "the first time");
        assert!(!groups.due("g", later(60), false), "a minute later");
        assert!(groups.due("other", later(60), false), "another group is its own");
        assert!(groups.due("g", later(61), true), "a danger phrase, however soon");
        assert!(!groups.due("g", later(61 + 299), false), "counted from the danger pointer");
        assert!(groups.due("g", later(61 + 300), false), "five minutes on");
        groups.forget("g");
        assert!(groups.due("g", later(362), false), "a pointer that failed to send is tried again");
    }

    #[test]
    fn remembers_each_id_once_and_keeps_the_newest() {
        let mut list = vec![1, 2];
        remember(&mut list, &[2, 3]);
        assert_eq!(list, vec![1, 2, 3]);
        let many: Vec<i32> = (10..2010).collect();
        remember(&mut list, &many);
        assert_eq!(list.len(), MAX_MESSAGE_IDS);
        assert_eq!(list.last(), Some(&2009));
    }
}

//! An in-process fake Telegram Bot API server: one per test (axum on 127.0.0.1, port 0), so
//! tests run in parallel.
//!
//! - `getUpdates` serves a queue the test pushes to. It long-polls on a `Notify` (returns as soon
//!   as the test pushes) and honours `offset`: updates below it are confirmed and dropped.
//!   `push_raw` queues an update as JSON text, for updates no `serde_json::Value` can hold.
//! - Every call is recorded (method, lower-cased as teloxide sends `SendMessage`, and its JSON).
//! - Tests await "the next sendMessage" event-driven; the timeout is only a failure bound.
//! - `fail_next(method, n)` answers the next `n` calls of a method with a 429 (retry after 1).
//! - Results are plausible: sent messages get increasing ids.
//!
//! Fault injection (see [`Fault`]): `inject(method, fault, n)` queues faults for the next `n`
//! calls of a method: a 429 with any `retry_after`, a connection closed without a response, a
//! response that never comes within the client's timeout, headers sent and then the connection
//! dropped. `set_delay` makes every response slow; `hold(method)` parks the next call until the
//! test releases it (to kill a bot while a request is in flight).
//!
//! Like Telegram, a call the fake *processed* counts as delivered (`Call::ok`) even when its
//! response is then lost: a message that reached Telegram is in the user's chat whatever
//! happens to the answer. A call refused (429) or reset before processing is not delivered.
//!
//! Sent and edited messages come back as Telegram returns them, text and keyboard, and a button
//! press carries the message it was pressed on when the fake still has it.
//!
//! The load tool starts it with [`Settings::LOAD`]: calls are counted rather than kept (a run
//! makes hundreds of thousands), each chat numbers its messages in a sequence of its own, and
//! each virtual user [`watch`](FakeBotApi::watch)es its own chat for [`Delivery`]s.

#![allow(dead_code)] // Each test uses a different part.

mod server;
mod telegram_json;

pub use telegram_json::{private_chat, user, BOT_USERNAME};

use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch, Notify};

/// How long a test waits for something that should happen before it fails.
pub const FAILURE_BOUND: Duration = Duration::from_secs(15);
/// How long a [`Fault::Timeout`] response is held: longer than teloxide's client timeout (17 s,
/// `teloxide_core::net::default_reqwest_settings`), which also bounds long-poll `getUpdates`.
pub const CLIENT_TIMEOUT_EXCEEDED: Duration = Duration::from_secs(20);

/// What goes wrong with one Bot API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 "Too Many Requests" with `parameters.retry_after` seconds. Not processed.
    RetryAfter(u32),
    /// The connection is closed without any response. Not processed.
    Reset,
    /// Processed (a message is delivered), but the response comes only after
    /// [`CLIENT_TIMEOUT_EXCEEDED`], so the client gives up first.
    Timeout,
    /// Processed, then the status line, headers and part of the body are sent and the
    /// connection is dropped.
    DropMidResponse,
    /// HTTP 400 "message is not modified", as Telegram answers an edit that changes nothing.
    /// Not processed.
    NotModified,
    /// HTTP 500 with Telegram's JSON error body. Not processed.
    ServerError,
    /// HTTP 403 "bot was blocked by the user". Not processed.
    Blocked,
    /// HTTP 400: the group became the supergroup with this id. Not processed.
    Migrated(i64),
    /// HTTP 400 with this description (Telegram's own words). Not processed.
    BadRequest(&'static str),
    /// No fault: processed and answered as usual (to let the calls before the faulty one
    /// through).
    Pass,
}

/// How a call parked by [`FakeBotApi::hold`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Telegram got the request: the message is delivered, only the answer is late.
    ProcessedOnArrival,
    /// The request never got to Telegram: nothing is delivered, and when released the
    /// connection is closed without a response.
    NotProcessed,
}

/// What the fake keeps of what it is sent, and how it numbers messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Keep every call for [`FakeBotApi::calls`], [`FakeBotApi::next`] and failure messages
    /// (and every `getUpdates` for [`FakeBotApi::polls`]). Off, calls are only counted.
    pub record_calls: bool,
    pub message_ids: MessageIds,
}

impl Settings {
    /// For tests: every call kept, every message id distinct.
    pub const TESTS: Settings = Settings { record_calls: true, message_ids: MessageIds::Distinct };
    /// For the load tool: calls counted, ids per chat as in Telegram.
    pub const LOAD: Settings = Settings { record_calls: false, message_ids: MessageIds::PerChat };
}

/// How the fake numbers messages, the user's and the bot's alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageIds {
    #[default]
    /// One sequence over every chat, so a test can tell any two messages apart by id.
    Distinct,
    /// A sequence per chat starting at 1, as Telegram numbers a private chat: a conversation's
    /// ids then follow on from each other, which is what Signpost's stored state is shaped for.
    PerChat,
}

/// A message the fake delivered in a [watched](FakeBotApi::watch) chat.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// When the fake processed it.
    pub at: Instant,
    /// The message sent or edited; 0 for a `deleteMessages`.
    pub message_id: i32,
    /// Its inline keyboard, in order: (label, callback data; empty for a url button).
    pub buttons: Vec<(String, String)>,
}

/// One recorded Bot API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// Lower case: `sendmessage`, `answercallbackquery`...
    pub method: String,
    pub params: Value,
    /// True when the fake processed the call (for `sendMessage`: the message is in the chat),
    /// even if the response was then lost to a fault.
    pub ok: bool,
    /// The fault injected into this call, if any.
    pub fault: Option<Fault>,
    /// When the fake received it.
    pub at: Instant,
}

impl Call {
    /// A call received now.
    fn now(method: String, params: Value, ok: bool, fault: Option<Fault>) -> Call {
        Call { method, params, ok, fault, at: Instant::now() }
    }

    pub fn text(&self) -> &str {
        self.params["text"].as_str().unwrap_or("")
    }

    pub fn chat_id(&self) -> i64 {
        self.params["chat_id"].as_i64().unwrap_or(0)
    }

    /// The inline keyboard's buttons, in order: (label, callback data or url).
    pub fn buttons(&self) -> Vec<(String, String)> {
        let rows = self.params["reply_markup"]["inline_keyboard"].as_array().cloned().unwrap_or_default();
        rows.iter()
            .flat_map(|r| r.as_array().cloned().unwrap_or_default())
            .map(|b| {
                let label = b["text"].as_str().unwrap_or("").to_string();
                let data = b["callback_data"].as_str().or(b["url"].as_str()).unwrap_or("").to_string();
                (label, data)
            })
            .collect()
    }

    /// The data of the first button whose label contains `label`.
    pub fn button(&self, label: &str) -> String {
        self.buttons()
            .into_iter()
            .find(|(l, _)| l.contains(label))
            .map(|(_, d)| d)
            .unwrap_or_else(|| panic!("no button {label:?} in {:?}", self.buttons()))
    }

    /// The message id the fake gave this sent message.
    pub fn message_id(&self) -> i32 {
        self.params["__message_id"].as_i64().expect("not a sent message") as i32
    }
}

/// An update waiting in the queue, as the JSON text Telegram would send: a test can queue text
/// no `serde_json::Value` can hold (a lone UTF-16 surrogate), as a real server might send it.
#[derive(Debug, Clone)]
struct Queued {
    id: i64,
    json: String,
}

/// What the fake keeps per chat.
#[derive(Default)]
struct FakeChat {
    /// The last id given in this chat ([`MessageIds::PerChat`]).
    last_message_id: i32,
    /// The last message sent or edited with a keyboard: its id and its JSON. A press on it
    /// carries it whole, as Telegram's callback queries do.
    keyboard_message: Option<(i32, String)>,
    /// How long `sendMessage` and `editMessageText` wait before they deliver here.
    delay: Duration,
    watcher: Option<mpsc::UnboundedSender<Delivery>>,
}

#[derive(Default)]
struct Inner {
    queue: Vec<Queued>,
    next_update_id: i64,
    next_message_id: i32,
    next_callback_id: u64,
    calls: Vec<Call>,
    faults: HashMap<String, VecDeque<Fault>>,
    /// Per method, a parked next call.
    holds: HashMap<String, Hold>,
    /// Per method, every call parked, until `stop_holding`.
    holding: HashMap<String, Hold>,
    /// Added to every response.
    delay: Duration,
    /// Per method, how many successful calls the test has already taken with `next`.
    taken: HashMap<String, usize>,
    /// When each `getUpdates` arrived, and its offset (these are not in `calls`).
    polls: Vec<(Instant, i64)>,
    chats: HashMap<i64, FakeChat>,
    message_ids: MessageIds,
}

impl Inner {
    fn chat(&mut self, chat: i64) -> &mut FakeChat {
        self.chats.entry(chat).or_default()
    }

    /// A new message id in `chat`, by the fake's [`MessageIds`].
    fn next_message_id(&mut self, chat: i64) -> i32 {
        match self.message_ids {
            MessageIds::Distinct => {
                self.next_message_id += 1;
                self.next_message_id
            }
            MessageIds::PerChat => {
                let chat = self.chat(chat);
                chat.last_message_id += 1;
                chat.last_message_id
            }
        }
    }
}

struct Shared {
    settings: Settings,
    inner: Mutex<Inner>,
    /// Woken when the test pushes an update.
    pushed: Notify,
    /// Counts recorded calls: waiters watch it change.
    calls: watch::Sender<usize>,
    /// The highest `offset` a `getUpdates` has sent: every update below it is confirmed.
    confirmed: watch::Sender<i64>,
    /// Calls parked by `hold`, counted as they arrive.
    held: watch::Sender<usize>,
    /// Bumped by `release`: parked calls go on.
    released: watch::Sender<u64>,
    /// Calls other than `getUpdates` being answered now, and the most there have been at once.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// Every request, `getUpdates` included, recorded or not.
    requests: AtomicU64,
    /// When the first `getUpdates` arrived.
    first_poll: watch::Sender<Option<Instant>>,
}

pub struct FakeBotApi {
    /// The base URL to give the bot (`TELOXIDE_API_URL`).
    pub url: reqwest::Url,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeBotApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeBotApi {
    /// A fake for a test ([`Settings::TESTS`]).
    pub async fn start() -> FakeBotApi {
        FakeBotApi::start_with(Settings::TESTS).await
    }

    pub async fn start_with(settings: Settings) -> FakeBotApi {
        let inner =
            Inner { next_update_id: 1000, next_message_id: 1, message_ids: settings.message_ids, ..Inner::default() };
        let shared = Arc::new(Shared {
            settings,
            inner: Mutex::new(inner),
            pushed: Notify::new(),
            calls: watch::channel(0).0,
            confirmed: watch::channel(0).0,
            held: watch::channel(0).0,
            released: watch::channel(0).0,
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            first_poll: watch::channel(None).0,
        });
        let app = Router::new().route("/{bot}/{method}", post(server::method)).with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake Bot API");
        let addr = listener.local_addr().expect("local addr");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake Bot API server");
        });
        FakeBotApi { url: format!("http://{addr}/").parse().expect("url"), shared, server }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap()
    }

    // ---- updates -------------------------------------------------------------------------

    /// Queue an update (`update_id` is filled in) and wake a waiting `getUpdates`. Returns its id.
    pub fn push(&self, update: Value) -> i64 {
        self.push_raw(|id| {
            let mut update = update;
            update["update_id"] = json!(id);
            update.to_string()
        })
    }

    /// Queue an update written as JSON text by `build`, given its `update_id`, exactly as it
    /// will be sent: for updates the bot cannot read. Returns its id.
    pub fn push_raw(&self, build: impl FnOnce(i64) -> String) -> i64 {
        let id = {
            let mut inner = self.inner();
            inner.next_update_id += 1;
            let id = inner.next_update_id;
            inner.queue.push(Queued { id, json: build(id) });
            id
        };
        self.shared.pushed.notify_waiters();
        id
    }

    /// Take update `id` out of the queue, as if Telegram had dropped it. True if it was there.
    pub fn remove(&self, id: i64) -> bool {
        let mut inner = self.inner();
        let before = inner.queue.len();
        inner.queue.retain(|q| q.id != id);
        inner.queue.len() < before
    }

    /// A fresh message id, shared with the bot's sent messages so all are distinct.
    pub fn new_message_id(&self) -> i32 {
        let mut inner = self.inner();
        inner.next_message_id += 1;
        inner.next_message_id
    }

    /// A fresh id for a user's message in `chat`, by the fake's [`MessageIds`].
    fn message_id_in(&self, chat: i64) -> i32 {
        self.inner().next_message_id(chat)
    }

    /// The user types `text` in a private chat. Returns (update id, message id).
    pub fn user_text(&self, chat: i64, text: &str) -> (i64, i32) {
        let id = self.message_id_in(chat);
        let update = json!({"message": {
            "message_id": id, "date": 1_790_000_000, "text": text,
            "chat": private_chat(chat), "from": user(chat),
        }});
        (self.push(update), id)
    }

    /// The user sends a photo. Returns (update id, message id).
    pub fn user_photo(&self, chat: i64) -> (i64, i32) {
        let id = self.message_id_in(chat);
        let update = json!({"message": {
            "message_id": id, "date": 1_790_000_000,
            "photo": [{"file_id": "f", "file_unique_id": "u", "width": 10, "height": 10}],
            "chat": private_chat(chat), "from": user(chat),
        }});
        (self.push(update), id)
    }

    /// The user presses the button with `data` on the bot's message `message_id`. The press
    /// carries that message as sent if it is the chat's last with a keyboard, else a stub.
    pub fn press(&self, chat: i64, message_id: i32, data: &str) -> i64 {
        let (cb, pressed) = {
            let mut inner = self.inner();
            inner.next_callback_id += 1;
            let pressed = inner
                .chats
                .get(&chat)
                .and_then(|c| c.keyboard_message.clone())
                .filter(|(id, _)| *id == message_id)
                .map(|(_, message)| message);
            (inner.next_callback_id, pressed)
        };
        let message =
            pressed.unwrap_or_else(|| telegram_json::bot_message(message_id, chat, "an earlier message", None));
        self.push_raw(|id| telegram_json::callback_query(id, cb, chat, data, &message))
    }

    /// Someone in a group chat types `text`.
    pub fn group_text(&self, chat: i64, from: i64, text: &str) -> i64 {
        let id = self.message_id_in(chat);
        self.push(json!({"message": {
            "message_id": id, "date": 1_790_000_000, "text": text,
            "chat": {"id": chat, "type": "group", "title": "A group"}, "from": user(from),
        }}))
    }

    /// Wait until the bot has confirmed update `id` (a `getUpdates` with a greater offset):
    /// by then it has been handled and saved.
    pub async fn confirmed(&self, id: i64) {
        self.confirmed_within(id, FAILURE_BOUND).await;
    }

    /// As [`FakeBotApi::confirmed`], failing after `bound` (for faults that take longer).
    pub async fn confirmed_within(&self, id: i64, bound: Duration) {
        let mut rx = self.shared.confirmed.subscribe();
        let wait = rx.wait_for(|offset| *offset > id);
        tokio::time::timeout(bound, wait)
            .await
            .unwrap_or_else(|_| panic!("update {id} was never confirmed; calls: {:#?}", self.calls_brief()))
            .expect("fake server gone");
    }

    // ---- chats ---------------------------------------------------------------------------

    /// Every message delivered in `chat` from now on (sent, edited or deleted), as it is
    /// delivered. A second watcher replaces the first.
    pub fn watch(&self, chat: i64) -> mpsc::UnboundedReceiver<Delivery> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.inner().chat(chat).watcher = Some(tx);
        rx
    }

    /// Make Telegram slow for `chat` alone: its `sendMessage` and `editMessageText` calls wait
    /// `delay` before they are processed (as a slow answer, or a wait for `retry_after`, would).
    pub fn slow_chat(&self, chat: i64, delay: Duration) {
        self.inner().chat(chat).delay = delay;
    }

    // ---- calls ---------------------------------------------------------------------------

    /// Answer the next `n` calls of `method` with 429 "retry after 1" (replacing any faults
    /// queued for it).
    pub fn fail_next(&self, method: &str, n: u32) {
        let faults = (0..n).map(|_| Fault::RetryAfter(1)).collect();
        self.inner().faults.insert(method.to_ascii_lowercase(), faults);
    }

    /// Give the next `n` calls of `method` (after any already queued) `fault`.
    pub fn inject(&self, method: &str, fault: Fault, n: u32) {
        let mut inner = self.inner();
        let queue = inner.faults.entry(method.to_ascii_lowercase()).or_default();
        queue.extend((0..n).map(|_| fault));
    }

    /// Faults queued and not yet used, over all methods.
    pub fn faults_pending(&self) -> usize {
        self.inner().faults.values().map(VecDeque::len).sum()
    }

    /// Delay every response (a slow server) by `delay`.
    pub fn set_delay(&self, delay: Duration) {
        self.inner().delay = delay;
    }

    /// Park the next call of `method` until [`FakeBotApi::release`]. Await
    /// [`FakeBotApi::held`] to know it has arrived.
    pub fn hold(&self, method: &str, how: Hold) {
        self.inner().holds.insert(method.to_ascii_lowercase(), how);
    }

    /// Park every call of `method` from now on, until [`FakeBotApi::stop_holding`]; parked calls
    /// go on at [`FakeBotApi::release`].
    pub fn hold_every(&self, method: &str, how: Hold) {
        self.inner().holding.insert(method.to_ascii_lowercase(), how);
    }

    /// Park no more calls of `method` (those parked stay parked until `release`).
    pub fn stop_holding(&self, method: &str) {
        self.inner().holding.remove(&method.to_ascii_lowercase());
    }

    /// The most calls (other than `getUpdates`) the fake has had in hand at once.
    pub fn most_in_flight(&self) -> usize {
        self.shared.most_in_flight.load(Ordering::SeqCst)
    }

    /// Wait until `n` calls in all have been parked by `hold`.
    pub async fn held(&self, n: usize) {
        let mut rx = self.shared.held.subscribe();
        tokio::time::timeout(FAILURE_BOUND, rx.wait_for(|held| *held >= n))
            .await
            .unwrap_or_else(|_| panic!("no call was held; calls: {:#?}", self.calls_brief()))
            .expect("fake server gone");
    }

    /// Let every parked call go on.
    pub fn release(&self) {
        self.shared.released.send_modify(|n| *n += 1);
    }

    /// Every request received so far, `getUpdates` included, whether recorded or not.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// When the first `getUpdates` arrived, waiting for it (with no bound: the caller sets one).
    pub async fn first_poll(&self) -> Instant {
        let mut rx = self.shared.first_poll.subscribe();
        let first = *rx.wait_for(Option::is_some).await.expect("fake server gone");
        first.expect("waited for it")
    }

    /// When each `getUpdates` arrived, and the offset it sent.
    pub fn polls(&self) -> Vec<(Instant, i64)> {
        self.inner().polls.clone()
    }

    /// Updates queued and not yet confirmed by an offset past them.
    pub fn unconfirmed(&self) -> usize {
        let confirmed = *self.shared.confirmed.borrow();
        self.inner().queue.iter().filter(|q| q.id >= confirmed).count()
    }

    /// Every call of `method` so far (including refused ones).
    pub fn calls(&self, method: &str) -> Vec<Call> {
        let method = method.to_ascii_lowercase();
        self.inner().calls.iter().filter(|c| c.method == method).cloned().collect()
    }

    /// Successful calls of `method` so far.
    pub fn delivered(&self, method: &str) -> Vec<Call> {
        self.calls(method).into_iter().filter(|c| c.ok).collect()
    }

    /// The next successful call of `method` the test has not taken yet, waiting for it.
    pub async fn next(&self, method: &str) -> Call {
        let method = method.to_ascii_lowercase();
        let mut rx = self.shared.calls.subscribe();
        let found = tokio::time::timeout(FAILURE_BOUND, async {
            loop {
                {
                    let mut inner = self.inner();
                    let taken = inner.taken.get(&method).copied().unwrap_or(0);
                    let call = inner.calls.iter().filter(|c| c.ok && c.method == method).nth(taken).cloned();
                    if let Some(call) = call {
                        inner.taken.insert(method.clone(), taken + 1);
                        return call;
                    }
                }
                rx.changed().await.expect("fake server gone");
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {method} arrived; calls: {:#?}", self.calls_brief()))
    }

    /// The next `n` messages sent.
    pub async fn next_messages(&self, n: usize) -> Vec<Call> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(self.next("sendMessage").await);
        }
        out
    }

    /// Method names and texts, for failure messages.
    pub fn calls_brief(&self) -> Vec<String> {
        self.inner()
            .calls
            .iter()
            .filter(|c| c.method != "getupdates")
            .map(|c| {
                format!(
                    "{}{}{} {}",
                    c.method,
                    if c.ok { "" } else { " (refused)" },
                    c.fault.map(|f| format!(" [{f:?}]")).unwrap_or_default(),
                    c.text().lines().next().unwrap_or("")
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;

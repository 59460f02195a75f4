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

#![allow(dead_code)] // Each test uses a different part.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// How long a test waits for something that should happen before it fails.
pub const FAILURE_BOUND: Duration = Duration::from_secs(15);
pub const BOT_USERNAME: &str = "SignpostTestBot";
const BOT_ID: i64 = 4242;
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
}

struct Shared {
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
}

/// Counts a call in flight until dropped (also when the handler unwinds to close a connection).
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn new(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
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
    pub async fn start() -> FakeBotApi {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner { next_update_id: 1000, next_message_id: 1, ..Inner::default() }),
            pushed: Notify::new(),
            calls: watch::channel(0).0,
            confirmed: watch::channel(0).0,
            held: watch::channel(0).0,
            released: watch::channel(0).0,
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
        });
        let app = Router::new().route("/{bot}/{method}", post(method)).with_state(Arc::clone(&shared));
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

    /// The user types `text` in a private chat. Returns (update id, message id).
    pub fn user_text(&self, chat: i64, text: &str) -> (i64, i32) {
        let id = self.new_message_id();
        let update = json!({"message": {
            "message_id": id, "date": 1_790_000_000, "text": text,
            "chat": private_chat(chat), "from": user(chat),
        }});
        (self.push(update), id)
    }

    /// The user sends a photo. Returns (update id, message id).
    pub fn user_photo(&self, chat: i64) -> (i64, i32) {
        let id = self.new_message_id();
        let update = json!({"message": {
            "message_id": id, "date": 1_790_000_000,
            "photo": [{"file_id": "f", "file_unique_id": "u", "width": 10, "height": 10}],
            "chat": private_chat(chat), "from": user(chat),
        }});
        (self.push(update), id)
    }

    /// The user presses the button with `data` on the bot's message `message_id`.
    pub fn press(&self, chat: i64, message_id: i32, data: &str) -> i64 {
        let cb = {
            let mut inner = self.inner();
            inner.next_callback_id += 1;
            format!("cb{}", inner.next_callback_id)
        };
        self.push(json!({"callback_query": {
            "id": cb, "from": user(chat), "chat_instance": "ci", "data": data,
            "message": {
                "message_id": message_id, "date": 1_790_000_000, "text": "an earlier message",
                "chat": private_chat(chat), "from": bot_user(),
            },
        }}))
    }

    /// Someone in a group chat types `text`.
    pub fn group_text(&self, chat: i64, from: i64, text: &str) -> i64 {
        let id = self.new_message_id();
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

pub fn private_chat(id: i64) -> Value {
    json!({"id": id, "type": "private", "first_name": "Test"})
}

pub fn user(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Test"})
}

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Signpost", "username": BOT_USERNAME})
}

fn ok(result: Value) -> Response {
    Json(json!({"ok": true, "result": result})).into_response()
}

async fn method(
    State(shared): State<Arc<Shared>>,
    Path((_bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let method = method.to_ascii_lowercase();
    let _counted = (method != "getupdates").then(|| InFlight::new(&shared));
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let params: Value = match content_type.split_once("boundary=") {
        Some((_, boundary)) => multipart_fields(&body, boundary.trim_matches('"')),
        None => serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let (fault, hold, delay) = {
        let mut inner = shared.inner.lock().unwrap();
        let fault = inner.faults.get_mut(&method).and_then(VecDeque::pop_front);
        let hold = match fault {
            None => inner.holds.remove(&method).or_else(|| inner.holding.get(&method).copied()),
            Some(_) => None,
        };
        (fault, hold, inner.delay)
    };

    // Faults before the call is processed: nothing is delivered.
    match fault {
        Some(Fault::RetryAfter(secs)) => {
            record(&shared, Call::now(method, params, false, fault));
            tokio::time::sleep(delay).await;
            let body = json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {secs}"), "parameters": {"retry_after": secs}});
            return (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
        }
        Some(Fault::Reset) => {
            record(&shared, Call::now(method, params, false, fault));
            close_without_response();
        }
        Some(Fault::NotModified) => {
            record(&shared, Call::now(method, params, false, fault));
            let body = json!({"ok": false, "error_code": 400, "description": "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        Some(Fault::ServerError) => {
            record(&shared, Call::now(method, params, false, fault));
            let body = json!({"ok": false, "error_code": 500, "description": "Internal Server Error"});
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
        }
        Some(Fault::Blocked) => {
            record(&shared, Call::now(method, params, false, fault));
            let body = json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"});
            return (StatusCode::FORBIDDEN, Json(body)).into_response();
        }
        Some(Fault::BadRequest(description)) => {
            record(&shared, Call::now(method, params, false, fault));
            let body = json!({"ok": false, "error_code": 400, "description": description});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        Some(Fault::Migrated(to)) => {
            record(&shared, Call::now(method, params, false, fault));
            let body = json!({"ok": false, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat", "parameters": {"migrate_to_chat_id": to}});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        _ => {}
    }
    if hold == Some(Hold::NotProcessed) {
        park(&shared).await;
        record(&shared, Call::now(method, params, false, None));
        close_without_response();
    }

    let response = if method == "getupdates" {
        if fault.is_some() {
            record(&shared, Call::now(method.clone(), params.clone(), true, fault));
        }
        get_updates(&shared, &params).await
    } else {
        process(&shared, method, params, fault)
    };

    if hold == Some(Hold::ProcessedOnArrival) {
        park(&shared).await;
    }
    tokio::time::sleep(delay).await;
    match fault {
        Some(Fault::Timeout) => {
            tokio::time::sleep(CLIENT_TIMEOUT_EXCEEDED).await;
            response
        }
        Some(Fault::DropMidResponse) => cut_short(response).await,
        _ => response,
    }
}

/// Record a call and wake whoever waits on calls.
fn record(shared: &Shared, call: Call) {
    shared.inner.lock().unwrap().calls.push(call);
    shared.calls.send_modify(|n| *n += 1);
}

/// Count a parked call, then wait for `release`.
async fn park(shared: &Shared) {
    let mut released = shared.released.subscribe();
    released.borrow_and_update();
    shared.held.send_modify(|n| *n += 1);
    let _ = released.changed().await;
}

/// Close the connection without a status line: unwinding out of the handler drops the
/// connection's task, and with it the socket. `resume_unwind` skips the panic hook, so nothing
/// is printed; the test's own tasks are not affected.
fn close_without_response() -> ! {
    std::panic::resume_unwind(Box::new("injected: connection closed without a response"))
}

/// Send the status line, the headers (promising the whole body) and half the body; hyper then
/// finds the body short of its `content-length` and drops the connection.
async fn cut_short(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    // A body of unknown length (a stream), so hyper trusts the header rather than the body.
    let half = axum::body::Body::from(bytes.slice(..bytes.len() / 2)).into_data_stream();
    let mut cut = Response::from_parts(parts, axum::body::Body::from_stream(half));
    cut.headers_mut().insert(axum::http::header::CONTENT_LENGTH, bytes.len().into());
    cut
}

/// Do what the method asks (deliver the message...), record it, and build the answer.
fn process(shared: &Shared, method: String, mut params: Value, fault: Option<Fault>) -> Response {
    let response = {
        let mut inner = shared.inner.lock().unwrap();
        let response = match method.as_str() {
            "getme" => {
                let mut me = bot_user();
                me["can_join_groups"] = json!(true);
                me["can_read_all_group_messages"] = json!(false);
                me["supports_inline_queries"] = json!(false);
                me["has_main_web_app"] = json!(false);
                ok(me)
            }
            "sendmessage" | "editmessagetext" => {
                let id = if method == "sendmessage" {
                    inner.next_message_id += 1;
                    inner.next_message_id
                } else {
                    params["message_id"].as_i64().unwrap_or(0) as i32
                };
                params["__message_id"] = json!(id);
                let chat_id = params["chat_id"].as_i64().unwrap_or(0);
                let chat = if chat_id > 0 {
                    private_chat(chat_id)
                } else {
                    json!({"id": chat_id, "type": "group", "title": "A group"})
                };
                ok(
                    json!({"message_id": id, "date": 1_790_000_000, "chat": chat, "from": bot_user(), "text": params["text"]}),
                )
            }
            _ => ok(json!(true)),
        };
        inner.calls.push(Call::now(method, params, true, fault));
        response
    };
    shared.calls.send_modify(|n| *n += 1);
    response
}

/// Long-poll the queue: return at once if something is waiting at or after `offset`, or as
/// soon as the test pushes, or empty after the request's `timeout`.
async fn get_updates(shared: &Shared, params: &Value) -> Response {
    let offset = params["offset"].as_i64().unwrap_or(0);
    let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0));
    shared.inner.lock().unwrap().polls.push((Instant::now(), offset));
    shared.confirmed.send_if_modified(|c| {
        let newer = offset > *c;
        if newer {
            *c = offset;
        }
        newer
    });
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let pushed = shared.pushed.notified();
        tokio::pin!(pushed);
        pushed.as_mut().enable();
        {
            let mut inner = shared.inner.lock().unwrap();
            inner.queue.retain(|q| q.id >= offset);
            if !inner.queue.is_empty() {
                // Written out as text: a queued update need not be JSON serde_json can hold.
                let updates: Vec<&str> = inner.queue.iter().map(|q| q.json.as_str()).collect();
                let body = format!(r#"{{"ok":true,"result":[{}]}}"#, updates.join(","));
                return ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response();
            }
        }
        if tokio::time::timeout_at(deadline, pushed).await.is_err() {
            return ok(json!([]));
        }
    }
}

/// The text fields of a multipart form (teloxide sends `setWebhook` this way), as JSON strings
/// (or JSON values, when a field holds JSON).
fn multipart_fields(body: &[u8], boundary: &str) -> Value {
    let body = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in body.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head.split("name=\"").nth(1).and_then(|n| n.split('"').next()) else {
            continue;
        };
        let value = value.trim_end_matches("\r\n");
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        fields.insert(name.to_string(), value);
    }
    Value::Object(fields)
}

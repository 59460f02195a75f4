//! The HTTP side: one handler answers every Bot API method, applying the faults, holds and
//! delays the test set up.

use crate::telegram_json::{bot_message, keyboard_buttons, me, multipart_fields};
use crate::{Call, Delivery, Fault, Hold, Shared, CLIENT_TIMEOUT_EXCEEDED};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// What the fake reads of a call's parameters.
#[derive(Default, serde::Deserialize)]
struct CallFields {
    #[serde(default)]
    chat_id: Option<i64>,
    #[serde(default)]
    message_id: Option<i32>,
    #[serde(default)]
    text: Option<String>,
    /// Kept as it came: Telegram returns a sent message's keyboard in the reply.
    #[serde(default)]
    reply_markup: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    timeout: Option<u64>,
}

impl CallFields {
    /// Read straight from the body, when the call is not recorded (no JSON tree is built).
    fn of_json(body: &[u8]) -> CallFields {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// Read from the parameters already parsed for the record.
    fn of_params(params: &Value) -> CallFields {
        CallFields {
            chat_id: params["chat_id"].as_i64(),
            message_id: params["message_id"].as_i64().map(|id| id as i32),
            text: params["text"].as_str().map(str::to_string),
            reply_markup: params
                .get("reply_markup")
                .filter(|m| !m.is_null())
                .and_then(|m| serde_json::value::to_raw_value(m).ok()),
            offset: params["offset"].as_i64(),
            timeout: params["timeout"].as_u64(),
        }
    }

    fn keyboard(&self) -> Option<&str> {
        self.reply_markup.as_deref().map(|k| k.get())
    }
}

pub(crate) async fn method(
    State(shared): State<Arc<Shared>>,
    Path((_bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let method = method.to_ascii_lowercase();
    let _counted = (method != "getupdates").then(|| InFlight::new(&shared));
    let (params, fields) = if shared.settings.record_calls {
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        let params: Value = match content_type.split_once("boundary=") {
            Some((_, boundary)) => multipart_fields(&body, boundary.trim_matches('"')),
            None => serde_json::from_slice(&body).unwrap_or(Value::Null),
        };
        let fields = CallFields::of_params(&params);
        (params, fields)
    } else {
        (Value::Null, CallFields::of_json(&body))
    };
    let (fault, hold, delay, chat_delay) = {
        let mut inner = shared.inner.lock().unwrap();
        let fault = inner.faults.get_mut(&method).and_then(VecDeque::pop_front);
        let hold = match fault {
            None => inner.holds.remove(&method).or_else(|| inner.holding.get(&method).copied()),
            Some(_) => None,
        };
        let chat_delay = match method.as_str() {
            "sendmessage" | "editmessagetext" => {
                fields.chat_id.and_then(|chat| inner.chats.get(&chat)).map_or(Duration::ZERO, |c| c.delay)
            }
            _ => Duration::ZERO,
        };
        (fault, hold, inner.delay, chat_delay)
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
    // A slow chat: Telegram takes this long before the message is in the chat.
    if !chat_delay.is_zero() {
        tokio::time::sleep(chat_delay).await;
    }

    let response = if method == "getupdates" {
        if fault.is_some() {
            record(&shared, Call::now(method.clone(), params.clone(), true, fault));
        }
        get_updates(&shared, fields.offset.unwrap_or(0), fields.timeout.unwrap_or(0)).await
    } else {
        process(&shared, method, params, &fields, fault)
    };

    if hold == Some(Hold::ProcessedOnArrival) {
        park(&shared).await;
    }
    // Not even a zero sleep: tokio would still wait for its timer's next millisecond tick.
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::Timeout) => {
            tokio::time::sleep(CLIENT_TIMEOUT_EXCEEDED).await;
            response
        }
        Some(Fault::DropMidResponse) => cut_short(response).await,
        _ => response,
    }
}

fn ok(result: Value) -> Response {
    Json(json!({"ok": true, "result": result})).into_response()
}

/// An answer whose result is already JSON text.
fn ok_text(result: &str) -> Response {
    let body = format!(r#"{{"ok":true,"result":{result}}}"#);
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Record a call (when the fake keeps them) and wake whoever waits on calls.
fn record(shared: &Shared, call: Call) {
    if !shared.settings.record_calls {
        return;
    }
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
fn process(shared: &Shared, method: String, mut params: Value, fields: &CallFields, fault: Option<Fault>) -> Response {
    let record = shared.settings.record_calls;
    let response = {
        let mut inner = shared.inner.lock().unwrap();
        let chat_id = fields.chat_id.unwrap_or(0);
        let response = match method.as_str() {
            "getme" => ok(me()),
            "sendmessage" | "editmessagetext" => {
                let id = if method == "sendmessage" {
                    inner.next_message_id(chat_id)
                } else {
                    fields.message_id.unwrap_or(0)
                };
                if record {
                    params["__message_id"] = json!(id);
                }
                // As Telegram does: the message as sent, its text and its keyboard.
                let keyboard = fields.keyboard();
                let message = bot_message(id, chat_id, fields.text.as_deref().unwrap_or(""), keyboard);
                let chat = inner.chat(chat_id);
                if keyboard.is_some() {
                    chat.keyboard_message = Some((id, message.clone()));
                }
                chat.deliver(id, keyboard);
                ok_text(&message)
            }
            "deletemessages" => {
                if let Some(chat) = inner.chats.get(&chat_id) {
                    chat.deliver(0, None);
                }
                ok(json!(true))
            }
            _ => ok(json!(true)),
        };
        if record {
            inner.calls.push(Call::now(method, params, true, fault));
        }
        response
    };
    if record {
        shared.calls.send_modify(|n| *n += 1);
    }
    response
}

impl crate::FakeChat {
    /// Tell whoever watches this chat that a message was delivered in it.
    fn deliver(&self, message_id: i32, keyboard: Option<&str>) {
        if let Some(watcher) = &self.watcher {
            let buttons = keyboard.map(keyboard_buttons).unwrap_or_default();
            let _ = watcher.send(Delivery { at: Instant::now(), message_id, buttons });
        }
    }
}

/// Long-poll the queue: return at once if something is waiting at or after `offset`, or as
/// soon as the test pushes, or empty after `timeout` seconds.
async fn get_updates(shared: &Shared, offset: i64, timeout: u64) -> Response {
    let now = Instant::now();
    shared.first_poll.send_if_modified(|first| {
        let is_first = first.is_none();
        if is_first {
            *first = Some(now);
        }
        is_first
    });
    if shared.settings.record_calls {
        shared.inner.lock().unwrap().polls.push((now, offset));
    }
    shared.confirmed.send_if_modified(|c| {
        let newer = offset > *c;
        if newer {
            *c = offset;
        }
        newer
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
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
                return ok_text(&format!("[{}]", updates.join(",")));
            }
        }
        if tokio::time::timeout_at(deadline, pushed).await.is_err() {
            return ok(json!([]));
        }
    }
}

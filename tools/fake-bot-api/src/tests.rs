//! The fake answers as Telegram does, in both settings.

use super::*;
use axum::extract::{Path, State};

/// What the bot would see back from `method` with `body`, as JSON.
async fn call(fake: &FakeBotApi, method: &str, body: Value) -> Value {
    let path = Path(("bot123:load-test".to_string(), method.to_string()));
    let headers = axum::http::HeaderMap::new();
    let response = server::method(State(Arc::clone(&fake.shared)), path, headers, body.to_string().into()).await;
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn queued(fake: &FakeBotApi) -> Vec<Value> {
    fake.inner().queue.iter().map(|q| serde_json::from_str(&q.json).unwrap()).collect()
}

const CHAT: i64 = 1_000_000;

/// A sent message comes back with its keyboard, a chat numbers its own messages, and a press
/// carries the message it was pressed on, text and keyboard.
#[tokio::test]
async fn the_fake_answers_as_telegram_does() {
    let fake = FakeBotApi::start_with(Settings::LOAD).await;
    let mut sent = fake.watch(CHAT);
    let keyboard = json!({"inline_keyboard": [[{"text": "Yes \"really\"", "callback_data": "y"}]]});
    let body = json!({"chat_id": CHAT, "text": "Is this right?\n🆘 999", "reply_markup": keyboard});
    let reply = call(&fake, "SendMessage", body).await;
    let message = &reply["result"];
    assert_eq!(message["message_id"], 1);
    assert_eq!(message["text"], "Is this right?\n🆘 999");
    assert_eq!(message["reply_markup"], keyboard);
    let got = sent.try_recv().unwrap();
    assert_eq!(got.message_id, 1);
    assert_eq!(got.buttons, [("Yes \"really\"".to_string(), "y".to_string())]);

    fake.user_text(CHAT, "hello");
    fake.user_text(CHAT + 1, "hello");
    fake.press(CHAT, 1, "y");
    fake.press(CHAT, 7, "old");
    let updates = queued(&fake);
    assert_eq!(updates[0]["message"]["message_id"], 2, "the chat's own sequence goes on");
    assert_eq!(updates[1]["message"]["message_id"], 1, "another chat has a sequence of its own");
    assert_eq!(updates[2]["callback_query"]["data"], "y");
    assert_eq!(updates[2]["callback_query"]["message"], *message);
    assert_eq!(updates[2]["callback_query"]["from"], user(CHAT));
    assert_eq!(updates[3]["callback_query"]["message"]["text"], "an earlier message");
    assert!(updates[3]["callback_query"]["message"].get("reply_markup").is_none());

    call(&fake, "deleteMessages", json!({"chat_id": CHAT, "message_ids": [1, 2]})).await;
    assert_eq!(sent.try_recv().unwrap().message_id, 0, "a deletion is delivered too");
}

/// For the load tool, calls are counted, not kept; a test's fake keeps them and gives every
/// message a distinct id.
#[tokio::test]
async fn only_a_tests_fake_keeps_calls() {
    let load = FakeBotApi::start_with(Settings::LOAD).await;
    let test = FakeBotApi::start().await;
    for fake in [&load, &test] {
        call(fake, "getMe", json!({})).await;
        call(fake, "sendMessage", json!({"chat_id": CHAT, "text": "hi"})).await;
        call(fake, "getUpdates", json!({"offset": 0, "timeout": 0})).await;
        assert_eq!(fake.requests(), 3);
    }
    assert!(load.calls("sendMessage").is_empty());
    assert!(load.polls().is_empty());
    assert_eq!(test.calls("sendMessage").len(), 1);
    assert_eq!(test.polls().len(), 1);
    let (_, mine) = test.user_text(CHAT, "hello");
    let (_, theirs) = test.user_text(CHAT + 1, "hello");
    assert_ne!(mine, theirs);
    assert_ne!(mine, test.calls("sendMessage")[0].message_id());
}

/// Cold start is measured to the first `getUpdates`, not a later one.
#[tokio::test]
async fn the_first_poll_is_kept() {
    let fake = FakeBotApi::start_with(Settings::LOAD).await;
    call(&fake, "getUpdates", json!({"timeout": 0})).await;
    let first = fake.first_poll().await;
    call(&fake, "getUpdates", json!({"timeout": 0})).await;
    assert_eq!(fake.first_poll().await, first);
}

/// `slow_chat`: that chat's messages are held, everyone else's are not.
#[tokio::test(start_paused = true)]
async fn a_slow_chat_is_slow_alone() {
    let fake = FakeBotApi::start_with(Settings::LOAD).await;
    let (mut slow, mut other) = (fake.watch(CHAT), fake.watch(CHAT + 1));
    fake.slow_chat(CHAT, Duration::from_secs(3));
    let start = tokio::time::Instant::now();
    call(&fake, "SendMessage", json!({"chat_id": CHAT + 1, "text": "hi"})).await;
    assert_eq!(start.elapsed(), Duration::ZERO, "another chat is not held");
    assert!(other.try_recv().is_ok());
    call(&fake, "SendMessage", json!({"chat_id": CHAT, "text": "hi"})).await;
    assert!(start.elapsed() >= Duration::from_secs(3), "the slow chat is held");
    assert!(slow.try_recv().is_ok());
}

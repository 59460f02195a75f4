//! The JSON Telegram sends: users, chats and the bot's messages.
//!
//! Messages are written as text, passing a keyboard through as it came: under the load tool the
//! fake shares the bot's cores, and building a JSON tree per press took a core's share from the
//! bot.

use serde_json::{json, Value};
use std::sync::LazyLock;

pub const BOT_USERNAME: &str = "SignpostTestBot";
const BOT_ID: i64 = 4242;

pub fn private_chat(id: i64) -> Value {
    json!({"id": id, "type": "private", "first_name": "Test"})
}

pub fn user(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Test"})
}

pub(crate) fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Signpost", "username": BOT_USERNAME})
}

/// `getMe`'s answer.
pub(crate) fn me() -> Value {
    let mut me = bot_user();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(false);
    me["supports_inline_queries"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

/// A chat by its id: a private chat with the user of that id, or (negative) a group.
fn chat(id: i64) -> String {
    if id > 0 {
        private_chat(id).to_string()
    } else {
        json!({"id": id, "type": "group", "title": "A group"}).to_string()
    }
}

/// A message from the bot in `chat`, with `keyboard` (a `reply_markup`, as JSON text) as sent.
pub(crate) fn bot_message(id: i32, chat_id: i64, text: &str, keyboard: Option<&str>) -> String {
    static BOT: LazyLock<String> = LazyLock::new(|| bot_user().to_string());
    let text = serde_json::to_string(text).expect("a string is JSON");
    let keyboard = keyboard.map(|k| format!(r#","reply_markup":{k}"#)).unwrap_or_default();
    format!(
        r#"{{"message_id":{id},"date":1790000000,"text":{text},"chat":{chat},"from":{bot}{keyboard}}}"#,
        chat = chat(chat_id),
        bot = *BOT
    )
}

/// A button press by the user of private chat `chat` on `message` (a message as JSON text).
pub(crate) fn callback_query(update_id: i64, callback_id: u64, chat: i64, data: &str, message: &str) -> String {
    let data = serde_json::to_string(data).expect("a string is JSON");
    format!(
        r#"{{"update_id":{update_id},"callback_query":{{"id":"cb{callback_id}","from":{from},"chat_instance":"ci","data":{data},"message":{message}}}}}"#,
        from = user(chat)
    )
}

/// The (label, callback data) of each button of an inline keyboard given as JSON text, in
/// order; a url button has no data.
pub(crate) fn keyboard_buttons(keyboard: &str) -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Markup {
        #[serde(default)]
        inline_keyboard: Vec<Vec<KeyButton>>,
    }
    #[derive(serde::Deserialize)]
    struct KeyButton {
        text: String,
        #[serde(default)]
        callback_data: Option<String>,
    }
    serde_json::from_str::<Markup>(keyboard)
        .map(|m| {
            m.inline_keyboard.into_iter().flatten().map(|b| (b.text, b.callback_data.unwrap_or_default())).collect()
        })
        .unwrap_or_default()
}

/// The text fields of a multipart form (teloxide sends `setWebhook` this way), as JSON strings
/// (or JSON values, when a field holds JSON).
pub(crate) fn multipart_fields(body: &[u8], boundary: &str) -> Value {
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

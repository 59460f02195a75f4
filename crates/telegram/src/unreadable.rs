//! Each update read on its own, and what can still be read of one teloxide cannot read.
//!
//! teloxide reads an update whole or not at all. A lone UTF-16 surrogate in a text (valid JSON
//! that no Rust string can hold) fails it; a field of a type it does not expect (a Bot API
//! change) or an entity kind newer than it gives an update with nothing in it
//! (`UpdateKind::Error`). Read with the rest of its batch, the first kind failed every
//! `getUpdates`, and no chat was answered until Telegram dropped it (issue 25); the second was
//! dropped without a word to the person who wrote. Sometimes teloxide does read the message,
//! but without its words (it takes the message for a kind it cannot name): that counts as
//! unreadable too, when the JSON shows there were words.
//!
//! [`read`] reads one update. One that cannot be read is [`Unreadable`]: what can still be made
//! out of its JSON, one field at a time so that a bad field loses only itself. That is its id
//! (so it is confirmed like any other), its kind (the top-level key, for the log) and, when it
//! came from a person in a private chat, that chat, which is asked to send it again. Its words,
//! as far as they can be made out, are kept only to be checked for danger: never logged, never
//! printed (there is no `Debug`), never stored.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;
use teloxide::types::{Update, UpdateKind};

/// One update, read.
pub enum Read {
    Update(Box<Update>),
    Unreadable(Unreadable),
}

impl Read {
    /// The update's id; `None` only for an update whose `update_id` itself cannot be read.
    pub fn id(&self) -> Option<u32> {
        match self {
            Read::Update(u) => Some(u.id.0),
            Read::Unreadable(u) => u.id,
        }
    }

    /// The chat it belongs to, so that a chat's updates are handled in order.
    pub fn chat(&self) -> Option<i64> {
        match self {
            Read::Update(u) => u.chat().map(|c| c.id.0),
            Read::Unreadable(u) => u.chat,
        }
    }
}

/// What can still be read of an update teloxide could not read.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: Option<u32>,
    /// Telegram's name for the update's kind ("message", "callback_query"...), or "unnamed"
    /// when the key is not a name (so no text of the update can reach the log through it).
    pub kind: String,
    /// The private chat it came from, when a person wrote there (or pressed a button there).
    pub chat: Option<i64>,
    /// Who did it (the staff check).
    pub user: Option<i64>,
    /// The user's message, to delete on quick exit.
    pub message_id: Option<i32>,
    /// The button press's query, so that its spinner is stopped.
    pub callback: Option<String>,
    /// The message's text or caption as far as it can be made out (a lone surrogate becomes
    /// U+FFFD): only ever checked for danger.
    pub said: Option<String>,
}

/// The kinds whose chat is read back out of an unreadable update, to answer it.
const MESSAGE_KINDS: [&str; 2] = ["message", "edited_message"];

/// Read one update, given as the JSON text Telegram sent.
pub fn read(raw: &str) -> Read {
    let update = match serde_json::from_str::<Update>(raw) {
        Ok(update) => update,
        Err(_) => return Read::Unreadable(Unreadable::probe(raw)),
    };
    match &update.kind {
        // teloxide knew the kind but could not read it, or did not know the kind.
        UpdateKind::Error(_) => Read::Unreadable(Unreadable::probe(raw)),
        // A message teloxide read without its words: part of it (an entity kind newer than
        // teloxide, a field of the wrong type) made teloxide take it for a kind of message it
        // cannot name. Telling the person "I can only read typed messages" after they typed,
        // or nothing at all after an edit, would be wrong: they are asked to send it again.
        UpdateKind::Message(m) | UpdateKind::EditedMessage(m) if m.text().is_none() && m.caption().is_none() => {
            let probe = Unreadable::probe(raw);
            if probe.said.is_some() {
                Read::Unreadable(probe)
            } else {
                Read::Update(Box::new(update))
            }
        }
        _ => Read::Update(Box::new(update)),
    }
}

/// A JSON object's fields, each left as text to be read on its own.
type Fields<'a> = BTreeMap<String, &'a RawValue>;

fn fields(raw: &str) -> Option<Fields<'_>> {
    serde_json::from_str(raw).ok()
}

/// The field `key` of `fields`, if it is there and reads as a `T`.
fn field<'a, T: Deserialize<'a>>(fields: &Fields<'a>, key: &str) -> Option<T> {
    fields.get(key).and_then(|v| serde_json::from_str(v.get()).ok())
}

/// The object in the field `key` of `fields`.
fn object<'a>(fields: &Fields<'a>, key: &str) -> Option<Fields<'a>> {
    fields.get(key).and_then(|v| self::fields(v.get()))
}

impl Unreadable {
    /// Make out what can be made out of `raw`, field by field.
    fn probe(raw: &str) -> Unreadable {
        let Some(top) = fields(raw) else {
            return Unreadable { kind: "not an object".to_string(), ..Unreadable::default() };
        };
        let mut out = Unreadable { id: field(&top, "update_id"), ..Unreadable::default() };
        let Some((key, body)) = top.iter().find(|(k, _)| *k != "update_id") else {
            out.kind = "none".to_string();
            return out;
        };
        out.kind = name(key);
        let Some(body) = fields(body.get()) else { return out };
        if MESSAGE_KINDS.contains(&key.as_str()) {
            out.read_message(&body);
        } else if key == "callback_query" {
            out.callback = field(&body, "id");
            let from: Option<i64> = object(&body, "from").and_then(|f| field(&f, "id"));
            // A press on a message in the presser's own private chat, as `update::classify` asks.
            let chat = object(&body, "message").and_then(|m| private_chat(&m));
            if chat.is_some() && chat == from {
                out.chat = chat;
                out.user = from;
            }
        }
        out
    }

    /// A message from a person in a private chat: its chat, sender, id and words.
    fn read_message(&mut self, message: &Fields<'_>) {
        let from = object(message, "from");
        // As `update::classify`: a message from a bot is never answered.
        if from.as_ref().and_then(|f| field::<bool>(f, "is_bot")) == Some(true) {
            return;
        }
        let Some(chat) = private_chat(message) else { return };
        self.chat = Some(chat);
        self.user = from.and_then(|f| field(&f, "id"));
        self.message_id = field(message, "message_id");
        self.said = field::<Lossy>(message, "text").or_else(|| field(message, "caption")).map(|l| l.0);
    }
}

/// The id of the message's chat, if that is a private chat.
fn private_chat(message: &Fields<'_>) -> Option<i64> {
    let chat = object(message, "chat")?;
    (field::<String>(&chat, "type").as_deref() == Some("private")).then(|| field(&chat, "id")).flatten()
}

/// `key` if it looks like one of Telegram's names for an update kind, else "unnamed".
fn name(key: &str) -> String {
    let named = (1..=40).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if named { key } else { "unnamed" }.to_string()
}

/// A JSON string read as far as it can be: a lone surrogate, which no Rust string can hold,
/// becomes U+FFFD. serde_json hands the string over as bytes for this (lone surrogates as
/// WTF-8), and a lossy conversion does the rest.
struct Lossy(String);

impl<'de> Deserialize<'de> for Lossy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Lossy, D::Error> {
        struct Bytes;
        impl Visitor<'_> for Bytes {
            type Value = Lossy;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lossy, E> {
                Ok(Lossy(v.to_string()))
            }

            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Lossy, E> {
                Ok(Lossy(String::from_utf8_lossy(v).into_owned()))
            }
        }
        deserializer.deserialize_bytes(Bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreadable(raw: &str) -> Unreadable {
        match read(raw) {
            Read::Unreadable(u) => u,
            Read::Update(u) => panic!("read after all: {:?}", u.kind),
        }
    }

    const CHAT: &str =
        r#""chat":{"id":77,"type":"private","first_name":"T"},"from":{"id":77,"is_bot":false,"first_name":"T"}"#;

    #[test]
    fn a_lone_surrogate_keeps_its_id_chat_and_the_rest_of_its_words() {
        let raw = format!(
            r#"{{"update_id":9,"message":{{"message_id":5,"date":1,"text":"he's hurting me right now \ud800",{CHAT}}}}}"#
        );
        let u = unreadable(&raw);
        assert_eq!(
            (u.id, u.kind.as_str(), u.chat, u.user, u.message_id),
            (Some(9), "message", Some(77), Some(77), Some(5))
        );
        let said = u.said.unwrap();
        assert!(said.starts_with("he's hurting me right now ") && said.contains('\u{FFFD}'), "{said:?}");
    }

    #[test]
    fn what_teloxide_reads_as_nothing_is_unreadable_too() {
        // A field of the wrong type: teloxide gives `UpdateKind::Error`.
        let wrong = format!(r#"{{"update_id":3,"message":{{"message_id":"five","date":1,"text":"hi",{CHAT}}}}}"#);
        let u = unreadable(&wrong);
        assert_eq!((u.id, u.chat, u.message_id, u.said.as_deref()), (Some(3), Some(77), None, Some("hi")));
        // A kind teloxide does not know: no chat to answer.
        let new = r#"{"update_id":4,"brand_new_kind":{"chat":{"id":77,"type":"private"}}}"#;
        let u = unreadable(new);
        assert_eq!((u.id, u.kind.as_str(), u.chat), (Some(4), "brand_new_kind", None));
    }

    #[test]
    fn only_a_person_in_a_private_chat_is_answered() {
        let group = r#"{"update_id":1,"message":{"message_id":1,"date":"x","chat":{"id":-5,"type":"group"}}}"#;
        assert_eq!(unreadable(group).chat, None);
        let bot =
            r#"{"update_id":1,"message":{"date":"x","chat":{"id":5,"type":"private"},"from":{"id":5,"is_bot":true}}}"#;
        assert_eq!(unreadable(bot).chat, None);
        let press = r#"{"update_id":2,"callback_query":{"id":"q1","from":{"id":5},"chat_instance":7,
            "message":{"chat":{"id":5,"type":"private"}}}}"#;
        let u = unreadable(press);
        assert_eq!((u.chat, u.callback.as_deref()), (Some(5), Some("q1")));
        let elsewhere = press.replace(r#""from":{"id":5}"#, r#""from":{"id":6}"#);
        let u = unreadable(&elsewhere);
        assert_eq!((u.chat, u.callback.as_deref()), (None, Some("q1")), "the spinner still stops");
    }

    #[test]
    fn nothing_but_a_name_reaches_the_kind() {
        assert_eq!(unreadable(r#"{"update_id":1,"my secret":{}}"#).kind, "unnamed");
        assert_eq!(unreadable(r#"{"update_id":1}"#).kind, "none");
        let u = unreadable("[1,2]");
        assert_eq!((u.id, u.kind.as_str()), (None, "not an object"));
        assert_eq!(unreadable(r#"{"update_id":"x","message":{}}"#).id, None);
    }

    #[test]
    fn a_message_teloxide_reads_without_its_words_is_unreadable() {
        let entity = format!(
            r#"{{"update_id":6,"message":{{"message_id":5,"date":1,"text":"at 5pm","entities":[{{"type":"brand_new","offset":3,"length":3}}],{CHAT}}}}}"#
        );
        assert_eq!(unreadable(&entity).said.as_deref(), Some("at 5pm"));
        // A photo without a caption has no words to lose: teloxide's, as before.
        let photo = format!(
            r#"{{"update_id":7,"message":{{"message_id":5,"date":1,"photo":[{{"file_id":"f","file_unique_id":"u","width":1,"height":1}}],{CHAT}}}}}"#
        );
        assert!(matches!(read(&photo), Read::Update(_)));
    }

    #[test]
    fn a_readable_update_is_teloxides() {
        let raw = format!(r#"{{"update_id":8,"message":{{"message_id":5,"date":1,"text":"hi",{CHAT}}}}}"#);
        let read = read(&raw);
        assert_eq!((read.id(), read.chat()), (Some(8), Some(77)));
        assert!(matches!(read, Read::Update(_)));
    }
}

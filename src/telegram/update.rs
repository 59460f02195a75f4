//! What a Telegram update means to Signpost, decided before anything is done with it.
//!
//! Private chats get the guidance. Groups never do (people disclose things there): the bot only
//! answers a command, a mention or being added, with a pointer to a private chat. Edited
//! messages are ignored, so an edit never re-runs an answer as new input.

use super::keyboard;
use teloxide::types::{CallbackQueryId, Chat, Message, MessageKind, Update, UpdateKind};

/// An update, sorted.
#[derive(Debug)]
pub enum Incoming {
    Private(Private),
    /// A group, channel or supergroup spoke to the bot (or added it), or said something in it.
    Group {
        chat: i64,
        callback: Option<CallbackQueryId>,
        /// Spoke to the bot (a command, a mention, being added): the public get one pointer.
        addressed: bool,
        /// The same message read as if private, for a staff-only sandbox group (config
        /// `sandbox_groups`); for anyone else it is never used.
        as_private: Option<Private>,
    },
    /// A callback with nothing else to do (an inline message): only stop the spinner.
    CallbackOnly(CallbackQueryId),
    /// Nothing to do: edits, channel posts, service messages, other update kinds.
    Ignore,
}

/// Something in a private chat.
#[derive(Debug)]
pub struct Private {
    pub chat: i64,
    /// Who did it (the staff check); `None` if Telegram did not say.
    pub user: Option<i64>,
    pub input: PrivateInput,
    /// The user's message, to delete on quick exit.
    pub message_id: Option<i32>,
    /// The callback to answer, when a button was pressed.
    pub callback: Option<CallbackQueryId>,
    /// The message whose button was pressed (already recorded), to edit in place.
    pub pressed: Option<i32>,
    /// In a staff-only sandbox group rather than a private chat.
    pub group: bool,
}

#[derive(Debug)]
pub enum PrivateInput {
    Text(String),
    Button(String),
    Unsupported,
    /// A photo, video or file with a caption: not readable, but its caption is checked for danger.
    Caption(String),
}

impl Incoming {
    /// The private chat this is in, if any (for the apology when handling fails).
    pub fn private_chat(&self) -> Option<i64> {
        match self {
            Incoming::Private(p) => Some(p.chat),
            _ => None,
        }
    }

    /// The callback query to answer, if the update is one.
    pub fn callback(&self) -> Option<&CallbackQueryId> {
        match self {
            Incoming::Private(p) => p.callback.as_ref(),
            Incoming::Group { callback, .. } => callback.as_ref(),
            Incoming::CallbackOnly(id) => Some(id),
            Incoming::Ignore => None,
        }
    }
}

/// Sort `update`. `bot_username` (without `@`) recognises mentions and commands in groups.
pub fn classify(update: &Update, bot_username: &str) -> Incoming {
    match &update.kind {
        UpdateKind::Message(m) => message(m, bot_username),
        UpdateKind::CallbackQuery(q) => {
            let Some(msg) = &q.message else {
                return Incoming::CallbackOnly(q.id.clone());
            };
            let chat = msg.chat();
            let data = keyboard::pressed(q.data.as_deref()).to_string();
            let pressed = Private {
                chat: chat.id.0,
                user: i64::try_from(q.from.id.0).ok(),
                input: PrivateInput::Button(data),
                message_id: None,
                callback: Some(q.id.clone()),
                pressed: Some(msg.id().0),
                group: !chat.is_private(),
            };
            if chat.is_private() && chat.id.0 == q.from.id.0 as i64 {
                Incoming::Private(pressed)
            } else if chat.is_private() {
                Incoming::CallbackOnly(q.id.clone())
            } else {
                Incoming::Group {
                    chat: chat.id.0,
                    callback: Some(q.id.clone()),
                    addressed: true,
                    as_private: Some(pressed),
                }
            }
        }
        UpdateKind::MyChatMember(m) if !m.chat.is_private() => {
            let added = m.new_chat_member.is_present() && !m.old_chat_member.is_present();
            if added {
                Incoming::Group { chat: m.chat.id.0, callback: None, addressed: true, as_private: None }
            } else {
                Incoming::Ignore
            }
        }
        _ => Incoming::Ignore,
    }
}

fn message(m: &Message, bot_username: &str) -> Incoming {
    if m.from.as_ref().is_some_and(|u| u.is_bot) {
        return Incoming::Ignore;
    }
    let group = !m.chat.is_private();
    if group && m.chat.is_channel() {
        return Incoming::Ignore;
    }
    let input = match (m.text(), &m.kind) {
        (Some(text), _) => PrivateInput::Text(text.to_string()),
        // A caption is typed text too: it still goes through the danger check.
        (None, MessageKind::Common(_)) => match m.caption().filter(|c| !c.trim().is_empty()) {
            Some(caption) => PrivateInput::Caption(caption.to_string()),
            None => PrivateInput::Unsupported,
        },
        // A dice is something the user sent, not a service message: answer it.
        (None, MessageKind::Dice(_)) => PrivateInput::Unsupported,
        // Service messages (pins, auto-delete timer...) are not something the user said.
        (None, _) => return Incoming::Ignore,
    };
    let user = m.from.as_ref().and_then(|u| i64::try_from(u.id.0).ok());
    let private =
        Private { chat: m.chat.id.0, user, input, message_id: Some(m.id.0), callback: None, pressed: None, group };
    if group {
        let addressed = speaks_to_bot(m, &m.chat, bot_username);
        return Incoming::Group { chat: m.chat.id.0, callback: None, addressed, as_private: Some(private) };
    }
    Incoming::Private(private)
}

/// In a group: a command for this bot (or for no bot in particular), a mention, or the bot
/// being added.
fn speaks_to_bot(m: &Message, chat: &Chat, bot_username: &str) -> bool {
    if chat.is_channel() {
        return false;
    }
    let me = bot_username.to_ascii_lowercase();
    if let Some(members) = m.new_chat_members() {
        return members.iter().any(|u| u.username.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&me)));
    }
    let Some(text) = m.text() else { return false };
    let lower = text.to_lowercase();
    if let Some(command) = lower.trim().strip_prefix('/') {
        let word = command.split_whitespace().next().unwrap_or("");
        return match word.split_once('@') {
            Some((_, to)) => to == me,
            None => true,
        };
    }
    !me.is_empty() && lower.contains(&format!("@{me}"))
}

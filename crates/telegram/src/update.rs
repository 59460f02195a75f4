//! What a Telegram update means to Signpost, decided before anything is done with it.
//!
//! Private chats get the guidance. Groups never do (people disclose things there): the bot only
//! answers a command, a mention or being added, with a pointer to a private chat. An edited
//! message in a private chat is never run as new input, but it is checked for danger, and the
//! user is told to send it again.

use super::keyboard;
use teloxide::types::{CallbackQueryId, Chat, Message, MessageKind, ThreadId, Update, UpdateKind};

/// An update, sorted.
#[derive(Debug)]
pub enum Incoming {
    Private(Private),
    /// A group, channel or supergroup spoke to the bot (or added it), or said something in it.
    Group {
        chat: i64,
        /// The forum topic it was said in, so the pointer is seen there.
        thread: Option<ThreadId>,
        callback: Option<CallbackQueryId>,
        /// Spoke to the bot (a command, a mention, being added): the public get a pointer.
        addressed: bool,
        /// What a message to the bot said (its text or caption), to check for danger: then the
        /// pointer, with 999, goes out however recently the group had one.
        said: Option<String>,
        /// The same message read as if private, for a staff-only sandbox group (config
        /// `sandbox_groups`); for anyone else it is never used.
        as_private: Option<Private>,
    },
    /// A callback with nothing else to do (an inline message): only stop the spinner.
    CallbackOnly(CallbackQueryId),
    /// Nothing to do: edits outside private chats, channel posts, service messages, other
    /// update kinds.
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
    /// A message the user changed after sending it (its text or caption): not read again as an
    /// answer, but checked for danger.
    Edited(String),
    /// A message teloxide could not read ([`super::unreadable`]): the user is asked to send it
    /// again. Its words, as far as they can be made out, are checked for danger.
    Unreadable(Option<String>),
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
                    thread: None,
                    callback: Some(q.id.clone()),
                    addressed: true,
                    said: None,
                    as_private: Some(pressed),
                }
            }
        }
        // Added to a group: a pointer. A channel has no conversation to point from.
        UpdateKind::MyChatMember(m) if !m.chat.is_private() && !m.chat.is_channel() => {
            let added = m.new_chat_member.is_present() && !m.old_chat_member.is_present();
            if added {
                Incoming::Group {
                    chat: m.chat.id.0,
                    thread: None,
                    callback: None,
                    addressed: true,
                    said: None,
                    as_private: None,
                }
            } else {
                Incoming::Ignore
            }
        }
        UpdateKind::EditedMessage(m) if m.chat.is_private() && !m.from.as_ref().is_some_and(|u| u.is_bot) => {
            // Live locations arrive as a stream of edits with no text: nothing to say to those.
            match m.text().or(m.caption()).filter(|t| !t.trim().is_empty()) {
                Some(text) => Incoming::Private(Private {
                    chat: m.chat.id.0,
                    user: m.from.as_ref().and_then(|u| i64::try_from(u.id.0).ok()),
                    input: PrivateInput::Edited(text.to_string()),
                    message_id: Some(m.id.0),
                    callback: None,
                    pressed: None,
                    group: false,
                }),
                None => Incoming::Ignore,
            }
        }
        _ => Incoming::Ignore,
    }
}

fn message(m: &Message, bot_username: &str) -> Incoming {
    let group = !m.chat.is_private();
    // In a group, an anonymous admin or someone writing as a channel comes from a bot account
    // Telegram uses for them (with `sender_chat` set): they are people, and get the pointer.
    let person = !m.from.as_ref().is_some_and(|u| u.is_bot) || (group && m.sender_chat.is_some());
    if !person || m.is_automatic_forward() || (group && m.chat.is_channel()) {
        return Incoming::Ignore;
    }
    let input = match (m.text(), &m.kind) {
        (Some(text), _) => PrivateInput::Text(text.to_string()),
        // A caption is typed text too: it still goes through the danger check.
        (None, MessageKind::Common(_)) => match m.caption().filter(|c| !c.trim().is_empty()) {
            Some(caption) => PrivateInput::Caption(caption.to_string()),
            None => PrivateInput::Unsupported,
        },
        // Sent by the user, not service messages: a dice, a forwarded giveaway or invoice, and
        // whatever newer kind this version of teloxide cannot name.
        (
            None,
            MessageKind::Dice(_)
            | MessageKind::Giveaway(_)
            | MessageKind::GiveawayWinners(_)
            | MessageKind::Invoice(_)
            | MessageKind::Empty {},
        ) => PrivateInput::Unsupported,
        // Service messages (pins, auto-delete timer...) are not something the user said.
        (None, _) => return Incoming::Ignore,
    };
    let user = m.from.as_ref().and_then(|u| i64::try_from(u.id.0).ok());
    let private =
        Private { chat: m.chat.id.0, user, input, message_id: Some(m.id.0), callback: None, pressed: None, group };
    if group {
        let addressed = speaks_to_bot(m, &m.chat, bot_username);
        let thread = m.thread_id.filter(|_| m.is_topic_message);
        let said = m.text().or(m.caption()).filter(|_| addressed).map(str::to_string);
        return Incoming::Group {
            chat: m.chat.id.0,
            thread,
            callback: None,
            addressed,
            said,
            as_private: Some(private),
        };
    }
    Incoming::Private(private)
}

/// In a group: a command for this bot (or for no bot in particular), a mention (in a text or a
/// caption), a reply to one of the bot's messages, or the bot being added.
fn speaks_to_bot(m: &Message, chat: &Chat, bot_username: &str) -> bool {
    if chat.is_channel() {
        return false;
    }
    let me = bot_username.to_ascii_lowercase();
    let is_me = |u: &teloxide::types::User| u.username.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&me));
    if let Some(members) = m.new_chat_members() {
        return members.iter().any(is_me);
    }
    if !me.is_empty() && m.reply_to_message().and_then(|r| r.from.as_ref()).is_some_and(is_me) {
        return true;
    }
    let Some(text) = m.text().or(m.caption()) else { return false };
    let lower = text.to_lowercase();
    if let Some(command) = lower.trim().strip_prefix('/').filter(|_| m.text().is_some()) {
        let word = command.split_whitespace().next().unwrap_or("");
        return match word.split_once('@') {
            Some((_, to)) => to == me,
            None => true,
        };
    }
    !me.is_empty() && lower.contains(&format!("@{me}"))
}

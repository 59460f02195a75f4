//! PURE: `step(content, session, input, now) -> (session, effects)`. No tokio, teloxide or
//! filesystem: adapters (terminal, Telegram) carry out what the engine decides.
//!
//! The engine owns the rules no flow can switch off: the danger check runs first on every typed
//! message, every turn offers 999 once, on its first message (see [`offers_999_once`]), every
//! reply has a way forward (buttons, with quick exit), and nothing the user typed is kept in the
//! session.

mod render;
mod session;
mod step;

/// Button data and buttons belong to the flows (the validator checks them too); the engine
/// shows and reads them.
pub use crate::flow::callback;
pub use crate::flow::walker::{quick_exit, Button, START_AGAIN};
pub use render::global_button;
pub use session::Session;
pub use step::{jump, step};

/// What the user did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input<'a> {
    /// Typed text, including commands such as `/start` or `/start@SignpostBot`.
    Text(&'a str),
    /// A button press: the button's data.
    Button(&'a str),
    /// Something the bot cannot read: a photo, voice note, sticker, location, contact, document.
    Unsupported,
    /// The user changed a message they had already sent. The flow has moved on from it, so it
    /// is not read as an answer; an adapter sends edits that hold a danger phrase as `Text`.
    Edited,
    /// A message the adapter could not read at all (Telegram sent something it does not
    /// understand): the user is asked to send it again. An adapter sends one whose words it can
    /// still make out and that hold a danger phrase as `Text`.
    Unreadable,
}

/// What the adapter must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Reply(Reply),
    /// Quick exit: delete every message of the conversation that can be deleted, and forget the
    /// session. The engine has already returned an empty session.
    ClearChat,
}

/// One message to send. Serialisable so an adapter can keep undelivered replies (an outbox)
/// across a crash; it holds only the bot's own words, never what the user typed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reply {
    /// Plain text (adapters escape it for their format). The first reply of a turn ends with the
    /// 999 line (or is the emergency message); the others do not repeat it.
    pub text: String,
    /// One button per row. Never empty: every reply offers a way forward.
    pub buttons: Vec<Button>,
    /// The node this came from (shown to staff in the sandbox; never to the public).
    pub node: Option<String>,
    /// The nodes whose messages open this one, in order (button-less messages on the way, joined
    /// into the message that waits): staff see them in the sandbox, and transcript coverage
    /// counts them as reached. Empty for most replies, and absent from outboxes saved before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    pub kind: ReplyKind,
    /// This reply is the message whose button was just pressed, redrawn (a sign ticked on a
    /// pick list): an adapter that can edit that message in place should, instead of sending.
    pub replaces: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ReplyKind {
    /// A message of the flow.
    Flow,
    /// The emergency message.
    Emergency,
    /// The engine speaking for itself: help, re-ask, stale button, notes.
    Notice,
}

/// The turn rule for 999, checked by the engine's tests, the property tests and the Telegram
/// tests alike.
///
/// A **turn** is everything the engine answers to one input: the replies of one [`step`] call,
/// in order (an adapter may send them as several Telegram messages, or edit one in place). Its
/// first reply offers 999: it ends with the 999 line ([`crate::safety::FOOTER`]) or is the
/// emergency message itself. No other reply of the turn carries the 999 line, so a turn of
/// several messages shows it once, where the phone screen starts. (A flow's own words may still
/// say "call 999" where they advise it, and the contact block ends with the 999 contact.)
pub fn offers_999_once(effects: &[Effect]) -> Result<(), String> {
    let replies: Vec<&Reply> = effects.iter().filter_map(Effect::reply).collect();
    let Some(first) = replies.first() else { return Ok(()) };
    let footer = crate::safety::FOOTER;
    if first.kind != ReplyKind::Emergency && !first.text.ends_with(footer) {
        return Err(format!("the first message of the turn does not end with the 999 line: {:?}", first.text));
    }
    let lines = replies.iter().filter(|r| r.text.contains(footer)).count();
    if lines > 1 {
        return Err(format!("{lines} messages of one turn carry the 999 line; the first alone should"));
    }
    Ok(())
}

impl Effect {
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Effect::Reply(r) => Some(r),
            Effect::ClearChat => None,
        }
    }
}

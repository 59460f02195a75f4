//! The Bot API calls the adapter makes, each with Telegram's limits respected and retried.
//!
//! New messages wait their turn under Telegram's limits ([`super::limit`]) unless the bot runs
//! with `--no-throttle`. Every call honours `RetryAfter` (HTTP 429: wait the seconds Telegram
//! asks for, then try again), including edits, callback answers and deletes. Network errors are
//! retried with bounded exponential backoff, but only when retrying cannot deliver something
//! twice:
//! - idempotent calls (answer a callback, edit, delete, get updates, set commands) retry any
//!   network error;
//! - `sendMessage` retries only errors where the request surely never reached Telegram (the
//!   connection could not be made). A timeout after the request was sent may have delivered
//!   it, and a second copy of a message is worse than one reported failure.
//!
//! Sends and edits read Telegram's answer only as far as Signpost uses it ([`Lean`]).
//! `getUpdates` leaves each update as Telegram's JSON text, to be read on its own
//! ([`super::unreadable`]): one update teloxide cannot read must not fail the whole batch.
//!
//! A failed call comes back as [`CallFailed`], whose text is safe to log: teloxide's own can
//! hold a raw chat id (a group that became a supergroup) or part of Telegram's answer.

use super::limit::SendLimits;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use teloxide::payloads::setters::*;
use teloxide::payloads::{EditMessageText, GetUpdates, SendMessage};
use teloxide::requests::{JsonRequest, Payload, Request, Requester};
use teloxide::types::{
    AllowedUpdate, BotCommand, CallbackQueryId, ChatId, InlineKeyboardMarkup, Me, MessageId, ResponseParameters,
    ThreadId,
};
use teloxide::{ApiError, Bot, RequestError};
use tokio::sync::Semaphore;

/// Attempts per call, in all (the first try and the retries).
const MAX_ATTEMPTS: u32 = 6;
/// First backoff after a network error; doubled after each further error.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest `RetryAfter` honoured; a longer wait fails the call rather than hang the chat.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Bot API requests on the wire at once, over all chats (the long poll aside). Each is a
/// connection with its buffers; past this many, more in flight only cost memory and CPU.
/// Waits (limits, `retry_after`, backoff) hold no place.
pub const MAX_IN_FLIGHT: usize = 64;

/// The updates Signpost reads, asked for by name: otherwise Telegram keeps whatever an earlier
/// `getUpdates` or `setWebhook` for this token asked for, which could leave out button presses.
pub(crate) const ALLOWED_UPDATES: [AllowedUpdate; 4] =
    [AllowedUpdate::Message, AllowedUpdate::EditedMessage, AllowedUpdate::CallbackQuery, AllowedUpdate::MyChatMember];

/// Telegram's answers to a server error (HTTP 5xx sent as JSON). Telegram did not do the work,
/// so an idempotent call is tried again, as after a network error.
const SERVER_ERRORS: [&str; 4] = ["Internal Server Error", "Bad Gateway", "Service Unavailable", "Gateway Timeout"];

/// A Bot API call that failed. It prints only what is safe to log.
#[derive(Clone)]
pub(crate) struct CallFailed(pub(crate) RequestError);

impl CallFailed {
    /// The chat can no longer be written to (the user blocked the bot, deleted their account,
    /// or the bot left the group): nothing sent later will arrive either.
    pub(crate) fn chat_unreachable(&self) -> bool {
        matches!(
            self.0,
            RequestError::Api(
                ApiError::BotBlocked
                    | ApiError::UserDeactivated
                    | ApiError::ChatNotFound
                    | ApiError::CantInitiateConversation
                    | ApiError::BotKicked
                    | ApiError::BotKickedFromSupergroup
                    | ApiError::BotKickedFromChannel
                    | ApiError::GroupDeactivated
                    | ApiError::NotEnoughRightsToPostMessages
            )
        )
    }
}

impl fmt::Display for CallFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            // Telegram's descriptions are fixed phrases about the request, never its content.
            RequestError::Api(e) => write!(f, "Telegram refused it: {e}"),
            // teloxide prints the supergroup's id.
            RequestError::MigrateToChatId(_) => f.write_str("the group is now a supergroup, with a new id"),
            RequestError::RetryAfter(s) => write!(f, "Telegram asked to wait {} s", s.seconds()),
            // teloxide removes the URL (and so the token) from network errors.
            RequestError::Network(e) => write!(f, "network: {e}"),
            RequestError::Io(e) => write!(f, "i/o: {}", e.kind()),
            // teloxide prints the answer, which can hold messages, and serde's message can
            // quote a value from it.
            RequestError::InvalidJson { .. } => f.write_str("Telegram's answer could not be read"),
        }
    }
}

impl fmt::Debug for CallFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// No source: an error chain printed with `{:#}` stops here, before teloxide's own text.
impl std::error::Error for CallFailed {}

/// The bot, with Telegram's limits kept or (for load tests against a fake server) not.
#[derive(Clone)]
pub(crate) struct Api {
    bot: Bot,
    limits: Option<Arc<SendLimits>>,
    in_flight: Arc<Semaphore>,
}

/// Whether a call may be repeated after a network error without doing its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Idempotent,
    /// Repeat only when the request surely never left this machine.
    OnlyIfNotSent,
}

/// A Bot API call whose answer is read as `O` instead of the call's usual output.
///
/// Telegram answers a send or an edit with the whole message, and teloxide parses it into a
/// `Message`: over a third of the bot's work per exchange, most of it serde trying each kind of
/// media in turn (BENCHMARKS.md, "What bounds it"). Signpost needs only the id of a message it
/// sent and nothing from an edit, so it reads just that. The request itself is teloxide's
/// payload, sent unchanged.
struct Lean<P, O>(P, PhantomData<fn() -> O>);

impl<P: Serialize, O> Serialize for Lean<P, O> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<P: Payload, O> Payload for Lean<P, O> {
    type Output = O;
    const NAME: &'static str = P::NAME;

    fn timeout_hint(&self) -> Option<Duration> {
        self.0.timeout_hint()
    }
}

/// The part of a sent message Signpost keeps.
#[derive(Deserialize)]
struct Sent {
    message_id: i32,
}

impl Api {
    /// `throttle`: keep Telegram's limits on sending (see [`super::limit`]).
    pub(crate) fn new(bot: Bot, throttle: bool) -> Api {
        Api {
            bot,
            limits: throttle.then(|| Arc::new(SendLimits::new())),
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }

    fn lean<P: Payload, O>(&self, payload: P) -> JsonRequest<Lean<P, O>> {
        JsonRequest::new(self.bot.clone(), Lean(payload, PhantomData))
    }

    pub(crate) async fn get_me(&self) -> Result<Me, CallFailed> {
        self.retry("getMe", Repeat::Idempotent, &self.bot.get_me()).await
    }

    pub(crate) async fn set_commands(&self, commands: Vec<BotCommand>) -> Result<(), CallFailed> {
        self.retry("setMyCommands", Repeat::Idempotent, &self.bot.set_my_commands(commands)).await.map(drop)
    }

    pub(crate) async fn delete_webhook(&self) -> Result<(), CallFailed> {
        self.retry("deleteWebhook", Repeat::Idempotent, &self.bot.delete_webhook()).await.map(drop)
    }

    pub(crate) async fn set_webhook(&self, url: reqwest::Url, secret: &str) -> Result<(), CallFailed> {
        let req = self.bot.set_webhook(url).secret_token(secret.to_string()).allowed_updates(ALLOWED_UPDATES);
        self.retry("setWebhook", Repeat::Idempotent, &req).await.map(drop)
    }

    /// One long poll, each update left as the JSON text Telegram sent. Not retried here: the
    /// polling loop backs off and polls again.
    ///
    /// teloxide's own `getUpdates` reads the whole answer at once (buffered, to tell an answer
    /// from an error), so one update it cannot hold, such as a lone UTF-16 surrogate in a text,
    /// failed every poll and nobody was answered (issue 25). This sends teloxide's payload on
    /// teloxide's client, as teloxide would, and reads the answer with teloxide's error types,
    /// but leaves the updates unread.
    pub(crate) async fn get_updates(
        &self,
        offset: Option<i32>,
        timeout: u32,
    ) -> Result<Vec<Box<RawValue>>, CallFailed> {
        let mut payload = GetUpdates::new().timeout(timeout).allowed_updates(ALLOWED_UPDATES);
        if let Some(offset) = offset {
            payload = payload.offset(offset);
        }
        let body = serde_json::to_vec(&payload).expect("a getUpdates payload is numbers and names");
        // As teloxide builds a method's URL (`teloxide_core::net::method_url`, not public).
        let mut url = self.bot.api_url();
        url.path_segments_mut()
            .expect("the Bot API URL can take a path, as teloxide requires")
            .push(&format!("bot{}", self.bot.token()))
            .push(GetUpdates::NAME);
        let request = self.bot.client().post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
        // `RequestError::from` takes the URL, and so the token, out of a network error.
        let answer = async { request.send().await?.text().await }.await.map_err(|e| CallFailed(e.into()))?;
        read_batch(answer).map_err(CallFailed)
    }

    /// Send a new message, once it is inside Telegram's limits; returns its id.
    pub(crate) async fn send(
        &self,
        chat: ChatId,
        text: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<MessageId, CallFailed> {
        self.send_in(chat, None, text, keyboard).await
    }

    /// [`Api::send`], into a forum topic of a group when `thread` says which.
    pub(crate) async fn send_in(
        &self,
        chat: ChatId,
        thread: Option<ThreadId>,
        text: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<MessageId, CallFailed> {
        if let Some(limits) = &self.limits {
            limits.wait_turn(chat.0).await;
        }
        let mut payload = SendMessage::new(chat, text);
        payload.reply_markup = keyboard.map(Into::into);
        payload.message_thread_id = thread;
        let sent: Sent = self.retry("sendMessage", Repeat::OnlyIfNotSent, &self.lean(payload)).await?;
        Ok(MessageId(sent.message_id))
    }

    /// Replace a message's text and buttons. "Not modified" counts as done.
    pub(crate) async fn edit(
        &self,
        chat: ChatId,
        message: MessageId,
        text: &str,
        keyboard: InlineKeyboardMarkup,
    ) -> Result<(), CallFailed> {
        let mut payload = EditMessageText::new(chat, message, text);
        payload.reply_markup = Some(keyboard);
        match self.retry("editMessageText", Repeat::Idempotent, &self.lean::<_, IgnoredAny>(payload)).await {
            Ok(_) | Err(CallFailed(RequestError::Api(ApiError::MessageNotModified))) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Stop the button's spinner. Always called for a callback query, whatever it carries.
    pub(crate) async fn answer_callback(&self, id: CallbackQueryId) -> Result<(), CallFailed> {
        self.retry("answerCallbackQuery", Repeat::Idempotent, &self.bot.answer_callback_query(id)).await.map(drop)
    }

    /// Delete up to 100 messages (Telegram skips ids it cannot find).
    pub(crate) async fn delete(&self, chat: ChatId, ids: &[i32]) -> Result<(), CallFailed> {
        let ids: Vec<MessageId> = ids.iter().map(|&i| MessageId(i)).collect();
        self.retry("deleteMessages", Repeat::Idempotent, &self.bot.delete_messages(chat, ids)).await.map(drop)
    }

    /// Send `req`, retrying as the module docs describe, with at most [`MAX_IN_FLIGHT`] requests
    /// on the wire. Sleeping here is honouring Telegram's `retry_after` or backing off from a
    /// failing network, never waiting for a test.
    async fn retry<R>(
        &self,
        method: &'static str,
        repeat: Repeat,
        req: &R,
    ) -> Result<teloxide::requests::Output<R>, CallFailed>
    where
        R: Request<Err = RequestError> + Sync,
    {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let sent = {
                // Never closed, so the permit always comes.
                let _place = self.in_flight.acquire().await;
                req.send_ref().await
            };
            let err = match sent {
                Ok(out) => return Ok(out),
                Err(e) => e,
            };
            let err = CallFailed(err);
            if attempt >= MAX_ATTEMPTS {
                return Err(err);
            }
            let wait = match &err.0 {
                RequestError::RetryAfter(s) if s.duration() <= MAX_RETRY_AFTER => s.duration(),
                RequestError::Network(e) if repeat == Repeat::Idempotent || e.is_connect() => backoff,
                RequestError::Io(_) | RequestError::InvalidJson { .. } if repeat == Repeat::Idempotent => backoff,
                RequestError::Api(ApiError::Unknown(d))
                    if repeat == Repeat::Idempotent && SERVER_ERRORS.iter().any(|s| d.contains(s)) =>
                {
                    backoff
                }
                _ => return Err(err),
            };
            tracing::warn!(method, attempt, wait_ms = wait.as_millis() as u64, cause = %err, "Bot API call failed; retrying");
            tokio::time::sleep(wait).await;
            backoff = backoff.saturating_mul(2);
            attempt += 1;
        }
    }
}

/// Telegram's answer to `getUpdates`, the updates left as JSON text.
#[derive(Deserialize)]
struct Batch {
    ok: bool,
    #[serde(default)]
    result: Vec<Box<RawValue>>,
    description: Option<ApiError>,
    parameters: Option<ResponseParameters>,
}

/// Read a `getUpdates` answer as teloxide reads any answer, except that the updates are left
/// unread: an error as teloxide reports it (`retry_after`, a migrated group, Telegram's
/// description), an answer that is not JSON as `InvalidJson`.
fn read_batch(answer: String) -> Result<Vec<Box<RawValue>>, RequestError> {
    let batch: Batch = match serde_json::from_str(&answer) {
        Ok(batch) => batch,
        Err(e) => return Err(RequestError::InvalidJson { source: Arc::new(e), raw: answer.into() }),
    };
    match batch {
        Batch { ok: true, result, .. } => Ok(result),
        Batch { parameters: Some(ResponseParameters::RetryAfter(s)), .. } => Err(RequestError::RetryAfter(s)),
        Batch { parameters: Some(ResponseParameters::MigrateToChatId(to)), .. } => {
            Err(RequestError::MigrateToChatId(to))
        }
        Batch { description, .. } => Err(RequestError::Api(description.unwrap_or(ApiError::Unknown(String::new())))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_read_without_reading_its_updates() {
        // A lone surrogate, which no Rust string can hold, fails only its own update.
        let answer = r#"{"ok":true,"result":[{"update_id":1,"message":{"text":"\ud800"}},{"update_id":2}]}"#;
        let updates = read_batch(answer.to_string()).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].get().contains(r"\ud800"), "left exactly as sent: {}", updates[0].get());
        let empty = read_batch(r#"{"ok":true,"result":[]}"#.to_string()).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn a_batch_that_is_an_error_is_teloxides_error() {
        let wait = r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#;
        assert!(matches!(read_batch(wait.into()), Err(RequestError::RetryAfter(s)) if s.seconds() == 3));
        let conflict = r#"{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}"#;
        assert!(matches!(read_batch(conflict.into()), Err(RequestError::Api(ApiError::TerminatedByOtherGetUpdates))));
        let server = r#"{"ok":false,"error_code":500,"description":"Internal Server Error"}"#;
        assert!(
            matches!(read_batch(server.into()), Err(RequestError::Api(ApiError::Unknown(d))) if d.contains("Internal"))
        );
        assert!(matches!(read_batch("<html>Bad Gateway</html>".into()), Err(RequestError::InvalidJson { .. })));
    }

    #[test]
    fn a_failed_call_prints_no_chat_id_and_none_of_telegrams_answer() {
        let moved = CallFailed(RequestError::MigrateToChatId(ChatId(-1_001_234_567_890)));
        assert!(!moved.to_string().contains("1234567890"), "{moved}");
        assert!(!format!("{moved:?}").contains("1234567890"), "{moved:?}");
        let raw = r#"{"ok":true,"result":[{"message":{"chat":{"id":5550001},"text":"my secret"}}]}"#;
        let source = serde_json::from_str::<u8>("\"my secret\"").unwrap_err();
        let unreadable = CallFailed(RequestError::InvalidJson { source: Arc::new(source), raw: raw.into() });
        let chain = format!("{:#}", anyhow::Error::new(unreadable.clone()).context("sending a reply"));
        for secret in ["my secret", "5550001"] {
            assert!(!chain.contains(secret), "{chain}");
            assert!(!format!("{unreadable:?}").contains(secret));
        }
        // Telegram's own reasons are kept: they say what went wrong.
        let blocked = CallFailed(RequestError::Api(ApiError::BotBlocked));
        assert!(blocked.to_string().contains("blocked"), "{blocked}");
        assert!(blocked.chat_unreachable());
        assert!(!moved.chat_unreachable());
    }
}

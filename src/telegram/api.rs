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

use super::limit::SendLimits;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize, Serializer};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;
use teloxide::payloads::setters::*;
use teloxide::payloads::{EditMessageText, SendMessage};
use teloxide::requests::{JsonRequest, Payload, Request, Requester};
use teloxide::types::{BotCommand, CallbackQueryId, ChatId, InlineKeyboardMarkup, Me, MessageId, Update};
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

    pub(crate) async fn get_me(&self) -> Result<Me, RequestError> {
        self.retry("getMe", Repeat::Idempotent, &self.bot.get_me()).await
    }

    pub(crate) async fn set_commands(&self, commands: Vec<BotCommand>) -> Result<(), RequestError> {
        self.retry("setMyCommands", Repeat::Idempotent, &self.bot.set_my_commands(commands)).await.map(drop)
    }

    pub(crate) async fn delete_webhook(&self) -> Result<(), RequestError> {
        self.retry("deleteWebhook", Repeat::Idempotent, &self.bot.delete_webhook()).await.map(drop)
    }

    pub(crate) async fn set_webhook(&self, url: reqwest::Url, secret: &str) -> Result<(), RequestError> {
        let req = self.bot.set_webhook(url).secret_token(secret.to_string());
        self.retry("setWebhook", Repeat::Idempotent, &req).await.map(drop)
    }

    /// One long poll. Not retried here: the polling loop backs off and polls again.
    pub(crate) async fn get_updates(&self, offset: Option<i32>, timeout: u32) -> Result<Vec<Update>, RequestError> {
        let mut req = self.bot.get_updates().timeout(timeout);
        if let Some(offset) = offset {
            req = req.offset(offset);
        }
        req.send().await
    }

    /// Send a new message, once it is inside Telegram's limits; returns its id.
    pub(crate) async fn send(
        &self,
        chat: ChatId,
        text: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<MessageId, RequestError> {
        if let Some(limits) = &self.limits {
            limits.wait_turn(chat.0).await;
        }
        let mut payload = SendMessage::new(chat, text);
        payload.reply_markup = keyboard.map(Into::into);
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
    ) -> Result<(), RequestError> {
        let mut payload = EditMessageText::new(chat, message, text);
        payload.reply_markup = Some(keyboard);
        match self.retry("editMessageText", Repeat::Idempotent, &self.lean::<_, IgnoredAny>(payload)).await {
            Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Stop the button's spinner. Always called for a callback query, whatever it carries.
    pub(crate) async fn answer_callback(&self, id: CallbackQueryId) -> Result<(), RequestError> {
        self.retry("answerCallbackQuery", Repeat::Idempotent, &self.bot.answer_callback_query(id)).await.map(drop)
    }

    /// Delete up to 100 messages (Telegram skips ids it cannot find).
    pub(crate) async fn delete(&self, chat: ChatId, ids: &[i32]) -> Result<(), RequestError> {
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
    ) -> Result<teloxide::requests::Output<R>, RequestError>
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
            if attempt >= MAX_ATTEMPTS {
                return Err(err);
            }
            let wait = match &err {
                RequestError::RetryAfter(s) if s.duration() <= MAX_RETRY_AFTER => s.duration(),
                RequestError::Network(e) if repeat == Repeat::Idempotent || e.is_connect() => backoff,
                RequestError::Io(_) | RequestError::InvalidJson { .. } if repeat == Repeat::Idempotent => backoff,
                _ => return Err(err),
            };
            tracing::warn!(method, attempt, wait_ms = wait.as_millis() as u64, cause = %err, "Bot API call failed; retrying");
            tokio::time::sleep(wait).await;
            backoff = backoff.saturating_mul(2);
            attempt += 1;
        }
    }
}

//! The Bot API calls the adapter makes, each with Telegram's limits respected and retried.
//!
//! Every call honours `RetryAfter` (HTTP 429: wait the seconds Telegram asks for, then try
//! again), including edits, callback answers and deletes. Network errors are retried with
//! bounded exponential backoff, but only when retrying cannot deliver something twice:
//! - idempotent calls (answer a callback, edit, delete, get updates, set commands) retry any
//!   network error;
//! - `sendMessage` retries only errors where the request surely never reached Telegram (the
//!   connection could not be made). A timeout after the request was sent may have delivered
//!   it, and a second copy of a message is worse than one reported failure.

use std::time::Duration;
use teloxide::adaptors::throttle::{Limits, Settings};
use teloxide::adaptors::Throttle;
use teloxide::payloads::setters::*;
use teloxide::requests::{Request, Requester};
use teloxide::types::{BotCommand, CallbackQueryId, ChatId, InlineKeyboardMarkup, Me, Message, MessageId, Update};
use teloxide::{ApiError, Bot, RequestError};

/// Attempts per call, in all (the first try and the retries).
const MAX_ATTEMPTS: u32 = 6;
/// First backoff after a network error; doubled after each further error.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest `RetryAfter` honoured; a longer wait fails the call rather than hang the chat.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// The bot, throttled to Telegram's limits or (for load tests against a fake server) not.
#[derive(Clone)]
pub(crate) enum Api {
    Direct(Bot),
    Throttled(Throttle<Bot>),
}

/// Run `$body` with `$b` bound to whichever bot this is (the request types differ).
macro_rules! on_bot {
    ($api:expr, $b:ident => $body:expr) => {
        match $api {
            Api::Direct($b) => $body,
            Api::Throttled($b) => $body,
        }
    };
}

/// Whether a call may be repeated after a network error without doing its work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Idempotent,
    /// Repeat only when the request surely never left this machine.
    OnlyIfNotSent,
}

impl Api {
    /// `throttle`: queue requests to stay inside Telegram's limits (the spawned worker lives as
    /// long as the bot). Throttle's own retry is off: [`retry`] retries every call the same way.
    pub(crate) fn new(bot: Bot, throttle: bool) -> Api {
        if !throttle {
            return Api::Direct(bot);
        }
        let settings = Settings::default().limits(Limits::default()).no_retry();
        let (bot, worker) = Throttle::with_settings(bot, settings);
        tokio::spawn(worker);
        Api::Throttled(bot)
    }

    pub(crate) async fn get_me(&self) -> Result<Me, RequestError> {
        on_bot!(self, b => retry("getMe", Repeat::Idempotent, &b.get_me()).await)
    }

    pub(crate) async fn set_commands(&self, commands: Vec<BotCommand>) -> Result<(), RequestError> {
        on_bot!(self, b => retry("setMyCommands", Repeat::Idempotent, &b.set_my_commands(commands)).await).map(drop)
    }

    pub(crate) async fn delete_webhook(&self) -> Result<(), RequestError> {
        on_bot!(self, b => retry("deleteWebhook", Repeat::Idempotent, &b.delete_webhook()).await).map(drop)
    }

    pub(crate) async fn set_webhook(&self, url: reqwest::Url, secret: &str) -> Result<(), RequestError> {
        on_bot!(self, b => {
            let req = b.set_webhook(url).secret_token(secret.to_string());
            retry("setWebhook", Repeat::Idempotent, &req).await
        })
        .map(drop)
    }

    /// One long poll. Not retried here: the polling loop backs off and polls again.
    pub(crate) async fn get_updates(&self, offset: Option<i32>, timeout: u32) -> Result<Vec<Update>, RequestError> {
        on_bot!(self, b => {
            let mut req = b.get_updates().timeout(timeout);
            if let Some(offset) = offset {
                req = req.offset(offset);
            }
            req.send().await
        })
    }

    pub(crate) async fn send(
        &self,
        chat: ChatId,
        text: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, RequestError> {
        on_bot!(self, b => {
            let mut req = b.send_message(chat, text);
            if let Some(k) = keyboard {
                req = req.reply_markup(k);
            }
            retry("sendMessage", Repeat::OnlyIfNotSent, &req).await
        })
    }

    /// Replace a message's text and buttons. "Not modified" counts as done.
    pub(crate) async fn edit(
        &self,
        chat: ChatId,
        message: MessageId,
        text: &str,
        keyboard: InlineKeyboardMarkup,
    ) -> Result<(), RequestError> {
        let res = on_bot!(self, b => {
            let req = b.edit_message_text(chat, message, text).reply_markup(keyboard);
            retry("editMessageText", Repeat::Idempotent, &req).await
        });
        match res {
            Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Stop the button's spinner. Always called for a callback query, whatever it carries.
    pub(crate) async fn answer_callback(&self, id: CallbackQueryId) -> Result<(), RequestError> {
        on_bot!(self, b => retry("answerCallbackQuery", Repeat::Idempotent, &b.answer_callback_query(id)).await)
            .map(drop)
    }

    /// Delete up to 100 messages (Telegram skips ids it cannot find).
    pub(crate) async fn delete(&self, chat: ChatId, ids: &[i32]) -> Result<(), RequestError> {
        let ids: Vec<MessageId> = ids.iter().map(|&i| MessageId(i)).collect();
        on_bot!(self, b => retry("deleteMessages", Repeat::Idempotent, &b.delete_messages(chat, ids)).await).map(drop)
    }
}

/// Send `req`, retrying as the module docs describe. Sleeping here is honouring Telegram's
/// `retry_after` or backing off from a failing network, never waiting for a test.
async fn retry<R>(method: &'static str, repeat: Repeat, req: &R) -> Result<teloxide::requests::Output<R>, RequestError>
where
    R: Request<Err = RequestError> + Sync,
{
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        let err = match req.send_ref().await {
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

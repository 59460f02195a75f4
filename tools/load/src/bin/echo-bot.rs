//! The baseline `signpost-load` measures Signpost against: the smallest teloxide bot that answers
//! every message with its own text, and every button press with an answered callback and the
//! button's data as text.
//!
//! It is built like `signpost run --no-throttle`, so the ratio between them is the cost of
//! what Signpost adds: the same `teloxide::Bot` client (no rate limits), the same multi-threaded
//! tokio runtime, and a hand-written long-polling loop (a batch's updates are handled
//! concurrently, and the next `getUpdates` is sent once the whole batch is done). Signpost's
//! loop also polls again once updates have been in hand for 200 ms; under the load tool every
//! batch is done well within that, so the two poll alike.
//!
//! `TELOXIDE_TOKEN=... TELOXIDE_API_URL=http://127.0.0.1:PORT/ target/release/echo-bot`

use teloxide::payloads::setters::*;
use teloxide::requests::{Request, Requester};
use teloxide::types::{Update, UpdateKind};
use teloxide::Bot;

/// The same allocator as `signpost`, so that the baseline is built the same way.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    // Like `signpost run`: the loop runs on a worker thread, not the one that calls block_on.
    runtime.block_on(runtime.spawn(run())).expect("the echo loop panicked");
}

async fn run() {
    let token = std::env::var("TELOXIDE_TOKEN").expect("TELOXIDE_TOKEN is not set");
    let mut bot = Bot::new(token);
    if let Ok(url) = std::env::var("TELOXIDE_API_URL") {
        bot = bot.set_api_url(url.parse().expect("TELOXIDE_API_URL is not a URL"));
    }
    bot.get_me().await.expect("getMe failed");
    let _ = bot.delete_webhook().await;
    let mut offset: Option<i32> = None;
    loop {
        let mut req = bot.get_updates().timeout(10);
        if let Some(o) = offset {
            req = req.offset(o);
        }
        let updates = match req.send().await {
            Ok(u) => u,
            Err(e) => {
                eprintln!("echo-bot: getUpdates failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                continue;
            }
        };
        let Some(last) = updates.iter().map(|u| u.id.0).max() else { continue };
        let mut tasks = tokio::task::JoinSet::new();
        for u in updates {
            let bot = bot.clone();
            tasks.spawn(async move { echo(&bot, u).await });
        }
        while tasks.join_next().await.is_some() {}
        offset = Some(i32::try_from(last).unwrap_or(i32::MAX).saturating_add(1));
    }
}

async fn echo(bot: &Bot, update: Update) {
    let result = match update.kind {
        UpdateKind::Message(m) => match m.text() {
            Some(text) => bot.send_message(m.chat.id, text).await.map(drop),
            None => Ok(()),
        },
        UpdateKind::CallbackQuery(q) => {
            let answered = bot.answer_callback_query(q.id.clone()).await.map(drop);
            match (q.data, q.message) {
                (Some(data), Some(m)) => bot.send_message(m.chat().id, data).await.map(drop),
                _ => answered,
            }
        }
        _ => Ok(()),
    };
    if let Err(e) = result {
        eprintln!("echo-bot: a reply failed: {e}");
    }
}

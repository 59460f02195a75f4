//! The Telegram adapter: Update -> engine input, effects -> Bot API calls. The engine decides
//! what to say; this module only delivers it, reliably and without keeping anything a user said.
//!
//! - [`polling`]: `getUpdates` in a loop; an update is confirmed only once handled and saved.
//! - [`webhook`]: the same, served over HTTPS by axum, behind a secret token.
//! - [`handler`]: one update: load, `engine::step`, compare-and-set save, send, record ids.
//! - [`update`]: sorts updates (private chat, group, ignore).
//! - [`unreadable`]: reads each update on its own, and what it can of one teloxide cannot.
//! - [`api`]: the Bot API calls, kept inside Telegram's limits ([`limit`]) and retried.
//! - [`split`]: long texts cut under Telegram's 4096 UTF-16 units.
//! - [`keyboard`]: engine buttons <-> inline keyboards and callback data.
//! - [`chat_state`]: what is kept for a chat between updates, and the store it is kept in.
//! - [`staff`]: who is staff, their commands, and what the sandbox remembers for them.
//! - [`sandbox`]: the staff sandbox (draft flows, marked messages, `/goto`, `/trace`...).
//! - [`reload`]: validate-then-swap reloading, for SIGHUP and the sandbox's `/reload`.
//!
//! Logs carry a keyed tag of the chat (see [`signpost_core::privacy`]) and update ids: never message
//! text, never a raw chat or user id.

mod api;
pub mod chat_state;
pub mod staff;
pub use api::MAX_IN_FLIGHT;
pub mod handler;
pub mod keyboard;
mod limit;
pub use limit::CHAT_BURST;
mod polling;
pub mod reload;
pub mod sandbox;
pub mod split;
pub mod unreadable;
pub mod update;
pub mod webhook;

use anyhow::Context as _;
use chat_state::ChatStore;
use signpost_core::content::Content;
use signpost_core::privacy::HashKey;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use teloxide::types::BotCommand;
use teloxide::Bot;
use tokio::net::TcpListener;

pub use handler::Handler;
pub use reload::{reload, reload_live};
pub use sandbox::Sandbox;

/// The content every update reads, behind a lock so a reload (SIGHUP) can swap in a newly
/// validated `Content` while updates in hand finish with the old one.
pub type SharedContent = Arc<RwLock<Arc<Content>>>;

/// How updates arrive.
pub enum Transport {
    Polling,
    Webhook {
        /// The public URL registered with Telegram; its path is the path served.
        url: reqwest::Url,
        listener: TcpListener,
        secret: String,
    },
}

/// Everything [`serve`] needs besides content and store.
pub struct BotConfig {
    pub token: String,
    /// Another Bot API server (self-hosted, or a fake one in tests); `None`: Telegram's.
    pub api_url: Option<reqwest::Url>,
    /// Keep Telegram's limits on sending; false only with `--no-throttle`.
    pub throttle: bool,
    pub transport: Transport,
    pub hash_key: HashKey,
}

/// The command menu registered on start. The engine understands each of them.
pub fn commands() -> Vec<BotCommand> {
    [
        ("start", "Start again"),
        ("help", "What this bot does"),
        ("emergency", "A child is in danger now: call 999"),
        ("area", "Change your area"),
        ("exit", "Quick exit: clear this chat"),
    ]
    .into_iter()
    .map(|(c, d)| BotCommand::new(c, d))
    .collect()
}

/// What `signpost run` was told, resolved from its command line and environment by the binary.
pub struct RunConfig {
    pub token: String,
    /// Another Bot API server (self-hosted, or a fake one in tests); `None`: Telegram's.
    pub api_url: Option<reqwest::Url>,
    /// Keep Telegram's limits on sending; false only with `--no-throttle`.
    pub throttle: bool,
    /// Serve a webhook instead of long polling.
    pub webhook: Option<WebhookConfig>,
    /// Where conversations are kept (see [`signpost_store::StoreSpec`]).
    pub store: signpost_store::StoreSpec,
    pub hash_key: HashKey,
    /// Where the flows and config were loaded from: SIGHUP and the sandbox's `/reload` read them
    /// again.
    pub flows_dir: PathBuf,
    pub config_dir: PathBuf,
}

/// A webhook: Telegram posts updates to `url`, which the proxy in front forwards to `listen`.
pub struct WebhookConfig {
    pub url: reqwest::Url,
    pub listen: SocketAddr,
    /// Sent back by Telegram with every update; requests without it are refused.
    pub secret: String,
}

/// `signpost run`: open the store, and serve until Ctrl-C or SIGTERM. SIGHUP reloads the flows,
/// the config and the staff list (see [`reload`]).
pub async fn run(config: RunConfig, content: Content) -> anyhow::Result<()> {
    let RunConfig { token, api_url, throttle, webhook, store, hash_key, flows_dir, config_dir } = config;
    let transport = match webhook {
        None => Transport::Polling,
        Some(WebhookConfig { url, listen, secret }) => {
            let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            Transport::Webhook { url, listener, secret }
        }
    };
    let ttl = Duration::from_secs(u64::from(content.settings.session_idle_hours) * 3600);
    let store = ChatStore::new(signpost_store::open(store, ttl).await?);
    let sandbox = Sandbox::load(&flows_dir, &config_dir).map_err(|d| anyhow::anyhow!("{d}"))?;
    let sandbox = Arc::new(sandbox);
    let config = BotConfig { token, api_url, throttle, transport, hash_key };
    let content: SharedContent = Arc::new(RwLock::new(Arc::new(content)));
    #[cfg(unix)]
    tokio::spawn(reload::on_hangup(content.clone(), sandbox.clone(), flows_dir, config_dir));
    #[cfg(not(unix))]
    let _ = (flows_dir, config_dir);
    serve_with_sandbox(config, content, sandbox, store, shutdown_signal()).await
}

/// Run the bot until `shutdown` completes, then finish the updates in hand and return. Nobody
/// is staff: the sandbox is unreachable.
pub async fn serve(
    config: BotConfig,
    content: SharedContent,
    store: ChatStore,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with_sandbox(config, content, Arc::new(Sandbox::disabled()), store, shutdown).await
}

/// [`serve`], with the staff on `sandbox`'s list able to use the sandbox.
pub async fn serve_with_sandbox(
    config: BotConfig,
    content: SharedContent,
    sandbox: Arc<Sandbox>,
    store: ChatStore,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let mut bot = Bot::new(config.token);
    if let Some(url) = config.api_url {
        bot = bot.set_api_url(url);
    }
    let api = api::Api::new(bot, config.throttle);
    let me = api.get_me().await.context("cannot reach the Bot API (is TELOXIDE_TOKEN right?)")?;
    let username = me.username().to_string();
    if let Err(e) = api.set_commands(commands()).await {
        tracing::warn!(cause = %e, "registering the command menu failed");
    }
    let exclusive = matches!(config.transport, Transport::Polling);
    let handler = Arc::new(Handler::new(api.clone(), content, store, config.hash_key, sandbox, username, exclusive));
    match config.transport {
        Transport::Polling => {
            if let Err(e) = api.delete_webhook().await {
                tracing::warn!(cause = %e, "removing a webhook before polling failed");
            }
            tracing::info!("polling for updates");
            polling::poll(api, handler, shutdown).await;
            Ok(())
        }
        Transport::Webhook { url, listener, secret } => {
            api.set_webhook(url.clone(), &secret).await.context("registering the webhook")?;
            tracing::info!(listen = ?listener.local_addr().ok(), "serving the webhook");
            webhook::serve(listener, url.path(), secret, handler, shutdown).await
        }
    }
}

/// Telegram's rule for a webhook secret token.
pub fn valid_secret(s: &str) -> bool {
    (1..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(cause = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(cause = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing the updates in hand");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_secrets_follow_telegrams_rule() {
        assert!(valid_secret("abc_DEF-123"));
        assert!(!valid_secret(""));
        assert!(!valid_secret("has space"));
        assert!(!valid_secret(&"a".repeat(257)));
    }

    #[test]
    fn command_menu_lists_the_engines_commands() {
        let names: Vec<String> = commands().into_iter().map(|c| c.command).collect();
        assert_eq!(names, ["start", "help", "emergency", "area", "exit"]);
    }
}

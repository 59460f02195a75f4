//! Running the real `serve` against a [`FakeBotApi`] for the reliability tests (faults, bad
//! input, restarts), and counting what each chat was sent.
//!
//! A bot here is only a task: it can be stopped through its shutdown future, or aborted mid-batch
//! (as a crash would), and a new one started on the same store and the same fake server.

#![allow(dead_code)] // Each test uses a different part.

use async_trait::async_trait;
use fake_bot_api::{Call, FakeBotApi, FAILURE_BOUND};
use signpost_core::content::{ConfigSources, Content};
use signpost_core::privacy::HashKey;
use signpost_core::source::SourceFile;
use signpost_store::{BlobStore, StoreError, Versioned};
use signpost_telegram::chat_state::ChatStore;
use signpost_telegram::handler::APOLOGY;
use signpost_telegram::{serve, BotConfig, SharedContent, Transport};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use tokio::sync::{oneshot, watch};

/// The hash-key secret every test bot uses, so a restarted bot finds the same sessions.
pub const HASH_SECRET: &str = "tests";

/// What the fixture flow answers to each command, by the first words of the reply.
pub const START_REPLY: &str = "Hello. Who are you?";
pub const HELP_REPLY: &str = "I'm Signpost";
pub const EMERGENCY_REPLY: &str = "🚨";
pub const PICK_REPLY: &str = "Tick any signs";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Telegram tests' fixture flows and routing, with the shipped danger patterns and settings.
pub fn fixture_content() -> Content {
    let fixtures = root().join("tests/telegram/fixtures");
    let files = signpost_core::flow::load_dir(&fixtures.join("flows")).expect("fixture flows");
    let (router, _) =
        signpost_core::routing::Router::load_dir(&fixtures.join("config")).expect("fixture routing config");
    let read = |name: &str| {
        let path = root().join("config").join(name);
        SourceFile::new(path.display().to_string(), std::fs::read_to_string(&path).expect("shipped config"))
    };
    let sources = ConfigSources { danger: read("danger.yaml"), bot: Some(read("bot.yaml")) };
    match Content::from_sources(&files, router, sources) {
        Ok((content, _)) => content,
        Err(diags) => panic!("fixture content: {diags:#?}"),
    }
}

/// One `serve`, running as a task.
pub struct Serving {
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Serving {
    /// Start `serve` (unthrottled) against `api` on `store`.
    pub fn start(api: &FakeBotApi, store: Arc<dyn BlobStore>, transport: Transport) -> Serving {
        let content: SharedContent = Arc::new(RwLock::new(Arc::new(fixture_content())));
        let config = BotConfig {
            token: "123:TEST".to_string(),
            api_url: Some(api.url.clone()),
            throttle: false,
            transport,
            hash_key: HashKey::from_secret(HASH_SECRET),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(config, content, ChatStore::new(store), async move {
            let _ = stopped.await;
        }));
        Serving { stop: Some(stop), task }
    }

    pub fn polling(api: &FakeBotApi, store: Arc<dyn BlobStore>) -> Serving {
        Serving::start(api, store, Transport::Polling)
    }

    /// Stop through the shutdown future and check it stopped cleanly (no panic, no error).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let done = tokio::time::timeout(FAILURE_BOUND, &mut self.task).await;
        done.expect("the bot did not stop").expect("the bot panicked").expect("the bot failed");
    }

    /// Abort the task wherever it is, as a crash would (the tasks it spawned for updates in
    /// hand are dropped with the handler only when they finish; see the restart tests).
    pub async fn abort(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    /// The task is still running (it has not crashed or returned).
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }
}

/// A store that counts its successful saves, so a test can wait for a turn to be decided (its
/// first save, before anything is sent) or finished (its last, once the answer is delivered).
pub struct CountsSaves {
    inner: Arc<dyn BlobStore>,
    saves: watch::Sender<usize>,
}

impl CountsSaves {
    /// `inner`, counting; the receiver sees the number of saves so far.
    pub fn wrap(inner: Arc<dyn BlobStore>) -> (Arc<dyn BlobStore>, watch::Receiver<usize>) {
        let (saves, saved) = watch::channel(0);
        (Arc::new(CountsSaves { inner, saves }), saved)
    }
}

#[async_trait]
impl BlobStore for CountsSaves {
    async fn load(&self, key: &str) -> Result<Option<Versioned<Vec<u8>>>, StoreError> {
        self.inner.load(key).await
    }

    async fn save(&self, key: &str, state: &[u8], expected: Option<u64>) -> Result<u64, StoreError> {
        let saved = self.inner.save(key, state, expected).await;
        if saved.is_ok() {
            self.saves.send_modify(|n| *n += 1);
        }
        saved
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }
}

/// Wait until `saved` has counted at least `n` saves.
pub async fn saves(saved: &mut watch::Receiver<usize>, n: usize) {
    tokio::time::timeout(FAILURE_BOUND, saved.wait_for(|count| *count >= n))
        .await
        .unwrap_or_else(|_| panic!("fewer than {n} saves"))
        .expect("store gone");
}

/// Every message delivered, per chat, in order, by first line.
pub fn sent_by_chat(api: &FakeBotApi) -> BTreeMap<i64, Vec<String>> {
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for call in api.delivered("sendMessage") {
        out.entry(call.chat_id()).or_default().push(first_line(&call));
    }
    out
}

pub fn first_line(call: &Call) -> String {
    call.text().lines().next().unwrap_or("").to_string()
}

/// The figures of one run: what was sent, what was delivered, and what went wrong.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub updates_sent: usize,
    /// Answer turns expected (one per update that should be answered).
    pub turns_expected: usize,
    /// Expected replies delivered (each expected reply counted at most once).
    pub replies_delivered: usize,
    /// Expected replies that never arrived.
    pub lost: usize,
    /// Expected replies that arrived more than once (the extra copies).
    pub duplicates: usize,
    /// "Sorry, something went wrong" messages (each offers 999 and Start again).
    pub apologies: usize,
    /// Messages that were neither expected nor apologies.
    pub unexpected: usize,
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "updates sent {}, answer turns expected {}, replies delivered {}, lost {}, duplicates {}, apologies {}, unexpected {}",
            self.updates_sent,
            self.turns_expected,
            self.replies_delivered,
            self.lost,
            self.duplicates,
            self.apologies,
            self.unexpected
        )
    }
}

impl Figures {
    /// Compare what each chat was sent with what it should have been sent: per chat, the
    /// first words of each expected reply, in order. An expected reply may match only once.
    pub fn count(api: &FakeBotApi, updates_sent: usize, expected: &BTreeMap<i64, Vec<&str>>) -> Figures {
        let actual = sent_by_chat(api);
        let apology = APOLOGY.lines().next().unwrap_or("");
        let mut figures = Figures { updates_sent, ..Figures::default() };
        for (chat, wanted) in expected {
            figures.turns_expected += wanted.len();
            let got = actual.get(chat).cloned().unwrap_or_default();
            let mut used = vec![false; got.len()];
            for prefix in wanted {
                let hit = got.iter().enumerate().find(|(i, line)| !used[*i] && line.starts_with(prefix));
                match hit {
                    Some((i, _)) => {
                        used[i] = true;
                        figures.replies_delivered += 1;
                    }
                    None => figures.lost += 1,
                }
            }
            for line in got.iter().zip(&used).filter(|(_, used)| !**used).map(|(line, _)| line) {
                if line == apology {
                    figures.apologies += 1;
                } else if wanted.iter().any(|p| line.starts_with(p)) {
                    figures.duplicates += 1;
                } else {
                    figures.unexpected += 1;
                }
            }
        }
        for (chat, got) in &actual {
            if !expected.contains_key(chat) {
                figures.unexpected += got.len();
            }
        }
        figures
    }

    /// Print the figures (for SAFETY.md) under `name`, and return them as a line for assertion
    /// messages.
    pub fn report(&self, name: &str) -> String {
        let line = format!("FIGURES {name}: {self}");
        eprintln!("{line}");
        line
    }
}

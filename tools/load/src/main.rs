//! `signpost-load`: end-to-end load test and memory-per-session measurement (issue 8).
//!
//! `e2e` (the default): starts a fake Telegram Bot API server on loopback, spawns the real
//! `signpost run --no-throttle` (and the baseline `echo-bot`) against it as child processes, and
//! drives N private chats, each sending K messages (typed text and button presses, following
//! the shipped flows), each waiting for the bot's whole answer before sending the next, like a
//! person with no thinking time (or, with `--rate`, at a steady offered load below saturation).
//! Reports exchanges per second, reply latency p50 / p99 / max, cold start (spawn to first
//! `getUpdates`), the bot's CPU time per exchange and per Bot API call, and peak RSS.
//!
//! An exchange is complete when every message of the bot's answer has arrived at the fake
//! server. Every Signpost message carries an inline keyboard (at least the quick exit), so the
//! number of messages in an answer is not visible from outside: each virtual user runs the
//! (pure) engine alongside on the same inputs and waits for as many `sendMessage` /
//! `editMessageText` / `deleteMessages` calls as the bot must make. The echo bot's answer is
//! one `sendMessage`. Latency runs from queueing the update to the last message of the answer
//! arriving.
//!
//! `sessions`: fills a `MemoryStore` with realistic idle chats and reports RSS per session,
//! then does the same in a SQLite file and reports bytes per session on disk.
//!
//! ```text
//! cargo build --release --bins
//! target/release/signpost-load e2e --chats 200 --messages 60 --repeat 3
//! target/release/signpost-load sessions --count 100000
//! ```
//! See BENCHMARKS.md.

use axum::extract::{Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use clap::{Parser, Subcommand};
use serde::Deserialize;
use signpost_core::content::Content;
use signpost_core::engine::{step, Effect, Input, Session};
use signpost_core::privacy::HashKey;
use signpost_store::{BlobStore, MemoryStore, SqliteStore};
use signpost_telegram::chat_state::{self, ChatState};
use signpost_telegram::split::split_reply;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Barrier, Notify};

/// The bot's allocator, so that `sessions` measures memory as the bot would use it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Chat ids of the virtual users are `CHAT_BASE + i`.
const CHAT_BASE: i64 = 1_000_000;

/// The virtual user `i` whose chat is `chat` (the fake server's per-user slots are indexed by it).
fn user_index(chat: i64) -> Option<usize> {
    usize::try_from(chat - CHAT_BASE).ok()
}
const BOT_ID: i64 = 4242;

#[derive(Parser)]
#[command(
    name = "signpost-load",
    about = "Load test Signpost end to end against a fake Bot API, and measure memory per session"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Drive the real bot (and the echo baseline) through a fake Bot API server.
    E2e(E2eArgs),
    /// Memory per idle session (memory store, RSS) and disk per session (SQLite).
    Sessions(SessionsArgs),
}

#[derive(clap::Args, Clone)]
struct E2eArgs {
    /// Concurrent chats.
    #[arg(long, default_value_t = 200)]
    chats: usize,
    /// Measured messages per chat (after the warm-up).
    #[arg(long, default_value_t = 60)]
    messages: usize,
    /// Messages per chat before measuring starts (not counted).
    #[arg(long, default_value_t = 6)]
    warmup: usize,
    /// Runs of each target; they are interleaved (echo, memory, sqlite, echo, ...) so that
    /// noise from other work on the machine falls on all of them alike.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// What to run, comma separated: echo, memory, sqlite.
    #[arg(long, default_value = "echo,memory,sqlite", value_delimiter = ',')]
    targets: Vec<String>,
    /// The signpost binary.
    #[arg(long, default_value = "target/release/signpost")]
    signpost: PathBuf,
    /// The echo bot binary.
    #[arg(long, default_value = "target/release/echo-bot")]
    echo: PathBuf,
    #[arg(long, default_value = "flows")]
    flows: PathBuf,
    #[arg(long, default_value = "config")]
    config: PathBuf,
    /// Directory for the SQLite file (deleted and recreated for each run).
    #[arg(long, default_value = "/tmp")]
    tmp: PathBuf,
    /// Worker threads of the load tool's own runtime (fake server and virtual users). The
    /// bot under test gets the rest of the machine.
    #[arg(long, default_value_t = 1)]
    driver_threads: usize,
    /// Give up waiting for an answer after this many seconds (counted as an error).
    #[arg(long, default_value_t = 15)]
    timeout_secs: u64,
    /// Print each exchange of chat 0, with how long its answer took (to check the script
    /// follows the flows, and to find which exchange is slow).
    #[arg(long)]
    trace: bool,
    /// Offered load in exchanges per second, spread evenly over the chats (each chat sends
    /// every CHATS/RATE seconds, still waiting for the whole answer first). 0: every chat sends
    /// as soon as its answer is complete, which saturates the machine. Below saturation the
    /// latency is the bot's own, without queueing behind other chats; at saturation it is
    /// mostly queueing (Little's law: latency = chats / throughput).
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// Run Signpost with Telegram's limits on sending kept, as in production (a burst of ten
    /// messages a chat, then one a second; 30 a second in all), instead of `--no-throttle`.
    /// This measures how long a user waits for a whole answer, not the bot's capacity; offer a
    /// human pace with `--rate`. Echo has no limits to switch on.
    #[arg(long)]
    throttle: bool,
    /// Make Telegram slow for chat 0 only: the fake holds each of its `sendMessage` and
    /// `editMessageText` calls this long before it delivers and answers (as a slow answer, or a
    /// wait for `retry_after`, would). Chat 0's own exchanges are then left out of the figures,
    /// which show whether the other chats were held up behind it. 0: off.
    #[arg(long, default_value_t = 0)]
    slow_chat_ms: u64,
}

#[derive(clap::Args)]
struct SessionsArgs {
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    #[arg(long, default_value = "flows")]
    flows: PathBuf,
    #[arg(long, default_value = "config")]
    config: PathBuf,
    /// The SQLite file to fill (deleted first).
    #[arg(long, default_value = "/tmp/signpost-sessions.db")]
    sqlite: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Sessions(args) => sessions(args),
        Command::E2e(args) => e2e(args),
    }
}

// ---- the fake Bot API --------------------------------------------------------------------

/// One message the bot sent (or edited, or deleted) in a virtual user's chat.
struct Sent {
    at: Instant,
    message_id: i32,
    /// (label, callback data) of its inline keyboard.
    buttons: Vec<(String, String)>,
}

/// A sent message with a keyboard: its id, and its JSON as the fake server returned it.
type KeyboardMessage = (i32, String);

struct Fake {
    /// Queued updates: (update id, JSON without the id).
    queue: Mutex<Vec<(i64, String)>>,
    next_update_id: AtomicU64,
    /// Telegram numbers a private chat's messages, the user's and the bot's, in one sequence of
    /// their own (the user's message box), so a conversation's ids mostly follow on from each
    /// other. One counter per virtual user's chat, as there.
    next_message_id: Vec<AtomicI32>,
    next_callback_id: AtomicU64,
    /// Per chat, the last message sent or edited with a keyboard. A button press on it carries
    /// it whole, text and keyboard, as Telegram's callback queries do.
    keyboard_message: Vec<Mutex<Option<KeyboardMessage>>>,
    pushed: Notify,
    /// When the first `getUpdates` arrived.
    first_poll: OnceLock<Instant>,
    users: Vec<mpsc::UnboundedSender<Sent>>,
    calls: AtomicU64,
    /// Held this long before a message is sent or edited in chat 0 (`--slow-chat-ms`).
    slow_chat: Duration,
}

impl Fake {
    /// A fake Bot API for one virtual user per sender, in chats `CHAT_BASE`, `CHAT_BASE + 1`...
    fn new(users: Vec<mpsc::UnboundedSender<Sent>>, slow_chat: Duration) -> Fake {
        Fake {
            queue: Mutex::new(Vec::new()),
            next_update_id: AtomicU64::new(1),
            next_message_id: users.iter().map(|_| AtomicI32::new(1)).collect(),
            next_callback_id: AtomicU64::new(1),
            keyboard_message: users.iter().map(|_| Mutex::new(None)).collect(),
            pushed: Notify::new(),
            first_poll: OnceLock::new(),
            users,
            calls: AtomicU64::new(0),
            slow_chat,
        }
    }

    fn push(&self, body: String) {
        {
            let mut q = self.queue.lock().unwrap();
            let id = self.next_update_id.fetch_add(1, Ordering::Relaxed) as i64;
            q.push((id, body));
        }
        self.pushed.notify_waiters();
    }

    /// The next message id in `chat` (0 for a chat that is not a virtual user's).
    fn message_id(&self, chat: i64) -> i32 {
        user_index(chat)
            .and_then(|i| self.next_message_id.get(i))
            .map_or(0, |next| next.fetch_add(1, Ordering::Relaxed))
    }

    fn text(&self, chat: i64, text: &str) {
        let id = self.message_id(chat);
        let body = serde_json::json!({"message": {
            "message_id": id, "date": 1_790_000_000, "text": text,
            "chat": {"id": chat, "type": "private", "first_name": "Load"},
            "from": {"id": chat, "is_bot": false, "first_name": "Load"},
        }});
        self.push(body.to_string());
    }

    fn press(&self, chat: i64, message_id: i32, data: &str) {
        let cb = self.next_callback_id.fetch_add(1, Ordering::Relaxed);
        // Put together as text: the fake server shares the bot's two cores, and building a JSON
        // tree for every press left the bot one core of the two in saturated runs.
        let pressed = self.keyboard_message(chat).and_then(|m| m.lock().unwrap().clone());
        let message = match pressed {
            Some((id, message)) if id == message_id => message,
            _ => message_json(message_id, chat, "an earlier message", None),
        };
        let data = serde_json::to_string(data).unwrap();
        let body = format!(
            r#"{{"callback_query":{{"id":"cb{cb}","chat_instance":"ci","data":{data},"from":{{"id":{chat},"is_bot":false,"first_name":"Load"}},"message":{message}}}}}"#
        );
        self.push(body);
    }

    fn keyboard_message(&self, chat: i64) -> Option<&Mutex<Option<KeyboardMessage>>> {
        user_index(chat).and_then(|i| self.keyboard_message.get(i))
    }
}

/// A message from the bot in `chat`, as JSON.
fn message_json(id: i32, chat: i64, text: &str, keyboard: Option<&str>) -> String {
    static BOT: LazyLock<String> = LazyLock::new(|| bot_user().to_string());
    let text = serde_json::to_string(text).unwrap();
    let keyboard = keyboard.map(|k| format!(r#","reply_markup":{k}"#)).unwrap_or_default();
    format!(
        r#"{{"message_id":{id},"date":1790000000,"text":{text},"chat":{{"id":{chat},"type":"private","first_name":"Load"}},"from":{bot}{keyboard}}}"#,
        bot = *BOT
    )
}

fn bot_user() -> serde_json::Value {
    serde_json::json!({"id": BOT_ID, "is_bot": true, "first_name": "Signpost", "username": "SignpostLoadBot"})
}

#[derive(Deserialize)]
struct Outgoing {
    #[serde(default)]
    chat_id: Option<i64>,
    #[serde(default)]
    message_id: Option<i32>,
    #[serde(default)]
    text: Option<String>,
    /// Kept as it came: Telegram returns a sent message's keyboard in the reply.
    #[serde(default)]
    reply_markup: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    timeout: Option<u64>,
}

#[derive(Deserialize)]
struct Markup {
    #[serde(default)]
    inline_keyboard: Vec<Vec<KeyButton>>,
}

#[derive(Deserialize)]
struct KeyButton {
    text: String,
    #[serde(default)]
    callback_data: Option<String>,
}

async fn fake_method(
    State(fake): State<Arc<Fake>>,
    UrlPath((_bot, method)): UrlPath<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    fake.calls.fetch_add(1, Ordering::Relaxed);
    let method = method.to_ascii_lowercase();
    let req: Outgoing = serde_json::from_slice(&body).unwrap_or(Outgoing {
        chat_id: None,
        message_id: None,
        text: None,
        reply_markup: None,
        offset: None,
        timeout: None,
    });
    match method.as_str() {
        "getupdates" => get_updates(&fake, req.offset.unwrap_or(0), req.timeout.unwrap_or(0)).await,
        "getme" => {
            let mut me = bot_user();
            me["can_join_groups"] = true.into();
            me["can_read_all_group_messages"] = false.into();
            me["supports_inline_queries"] = false.into();
            me["has_main_web_app"] = false.into();
            ok(&me.to_string())
        }
        "sendmessage" | "editmessagetext" | "deletemessages" => {
            let chat = req.chat_id.unwrap_or(0);
            if chat == CHAT_BASE && method != "deletemessages" && !fake.slow_chat.is_zero() {
                tokio::time::sleep(fake.slow_chat).await;
            }
            let id = match (method.as_str(), req.message_id) {
                ("editmessagetext", Some(id)) => id,
                ("deletemessages", _) => 0, // deletes make no message
                _ => fake.message_id(chat),
            };
            let buttons = req
                .reply_markup
                .as_ref()
                .and_then(|m| serde_json::from_str::<Markup>(m.get()).ok())
                .map(|m| {
                    m.inline_keyboard
                        .into_iter()
                        .flatten()
                        .map(|b| (b.text, b.callback_data.unwrap_or_default()))
                        .collect()
                })
                .unwrap_or_default();
            let result = if method == "deletemessages" {
                "true".to_string()
            } else {
                // As Telegram does: the message as sent, its text and its keyboard.
                let keyboard = req.reply_markup.as_ref().map(|k| k.get());
                let message = message_json(id, chat, req.text.as_deref().unwrap_or_default(), keyboard);
                if let Some(last) = fake.keyboard_message(chat).filter(|_| keyboard.is_some()) {
                    *last.lock().unwrap() = Some((id, message.clone()));
                }
                message
            };
            if let Some(user) = user_index(chat).and_then(|i| fake.users.get(i)) {
                let _ = user.send(Sent { at: Instant::now(), message_id: id, buttons });
            }
            ok(&result)
        }
        _ => ok("true"),
    }
}

fn ok(result: &str) -> Response {
    let body = format!("{{\"ok\":true,\"result\":{result}}}");
    ([("content-type", "application/json")], body).into_response()
}

/// Long poll: answer at once with what is queued at or after `offset`, or as soon as
/// something is pushed, or empty after `timeout` seconds.
async fn get_updates(fake: &Fake, offset: i64, timeout: u64) -> Response {
    let _ = fake.first_poll.set(Instant::now());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let pushed = fake.pushed.notified();
        tokio::pin!(pushed);
        pushed.as_mut().enable();
        {
            let mut q = fake.queue.lock().unwrap();
            q.retain(|(id, _)| *id >= offset);
            if !q.is_empty() {
                let mut out = String::with_capacity(q.len() * 400 + 32);
                out.push('[');
                for (i, (id, body)) in q.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    // `body` is a JSON object: put the id in front of its fields.
                    out.push_str(&format!("{{\"update_id\":{id},"));
                    out.push_str(&body[1..]);
                }
                out.push(']');
                return ok(&out);
            }
        }
        if tokio::time::timeout_at(deadline, pushed).await.is_err() {
            return ok("[]");
        }
    }
}

// ---- virtual users -----------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Act {
    Text(&'static str),
    /// Press the first button whose label contains one of these (in order of preference);
    /// if none does, the first button that moves on.
    Press(&'static [&'static str]),
}

use Act::{Press, Text};

/// What people do, as loops that end back at the start. Each chat follows one of them.
fn scripts() -> Vec<Vec<Act>> {
    vec![
        // A parent describing a sign in their own words, then reading more signs.
        vec![
            Text("/start"),
            Press(&["No, not right now"]),
            Press(&["A parent or carer"]),
            Press(&["Describe it in my own words"]),
            Text("he's got a new iphone and won't say where from"),
            Press(&["Yes, that's right"]),
            Press(&["That's everything"]),
            Text("Luton"),
            Press(&["See more signs"]),
            Press(&["Going missing"]),
            Press(&["Staying out overnight"]),
            Press(&["Done"]),
            Press(&["That's everything"]),
        ],
        // A young person worried about a friend, choosing from the list, then quick exit.
        vec![
            Text("/start"),
            Press(&["No, not right now"]),
            Press(&["worried about a friend"]),
            Press(&["Choose from a list", "Yes", "Carry on"]),
            Press(&["Gifts and money", "Going missing"]),
            Press(&["Done"]),
            Press(&["That's everything"]),
            Text("LU1 3JH"),
            Press(&["How exploitation works", "Who is more at risk"]),
            Text("/exit"),
        ],
        // A taxi driver, typing answers instead of pressing.
        vec![
            Text("/start"),
            Text("no"),
            Press(&["taxi"]),
            Press(&["Describe it in my own words", "Choose from a list", "Carry on"]),
            Text("young girl picked up from a hotel late at night by older men"),
            Press(&["Yes, that's right", "Yes"]),
            Press(&["That's everything"]),
            Text("Bournemouth"),
            Press(&["Change area"]),
            Text("Peterborough"),
            Press(&["Start again"]),
        ],
        // A teacher going through signs, with an unclear answer on the way.
        vec![
            Text("/start"),
            Press(&["No, not right now"]),
            Press(&["I work in a school"]),
            Text("not sure really"),
            Press(&["Choose from a list", "Carry on"]),
            Press(&["Behaviour and mood", "Phone and online"]),
            Press(&["Done"]),
            Press(&["That's everything"]),
            Press(&["I don't know", "Elsewhere in England"]),
            Press(&["Start again"]),
        ],
    ]
}

struct Counters {
    /// (µs) per measured exchange.
    latencies: Vec<u64>,
    errors: u64,
}

struct User {
    chat: i64,
    fake: Arc<Fake>,
    rx: mpsc::UnboundedReceiver<Sent>,
    content: Arc<Content>,
    echo: bool,
    script: Vec<Act>,
    at: usize,
    /// The engine's view of the chat, run alongside to know how many messages each answer has.
    mirror: Session,
    /// The last message with buttons: (message id, buttons).
    keyboard: Option<(i32, Vec<(String, String)>)>,
    timeout: Duration,
    trace: bool,
}

impl User {
    /// One exchange: say or press the next thing, wait for the whole answer. Latency in µs,
    /// or `None` on a timeout.
    async fn exchange(&mut self) -> Option<u64> {
        while self.rx.try_recv().is_ok() {} // late parts of an answer that timed out
        let act = self.script[self.at % self.script.len()];
        self.at += 1;
        let (expected, started, what) = match act {
            Text(t) => {
                let expected = self.expect(Input::Text(t), None);
                let started = Instant::now();
                self.fake.text(self.chat, t);
                (expected, started, t.to_string())
            }
            Press(prefs) => {
                let (message_id, data, label) = self.choose(prefs);
                let expected = self.expect(Input::Button(&data), Some(message_id));
                let started = Instant::now();
                self.fake.press(self.chat, message_id, &data);
                (expected, started, format!("[{label}]"))
            }
        };
        let mut last = started;
        for _ in 0..expected {
            match tokio::time::timeout(self.timeout, self.rx.recv()).await {
                Ok(Some(sent)) => {
                    last = sent.at;
                    if !sent.buttons.is_empty() {
                        self.keyboard = Some((sent.message_id, sent.buttons));
                    }
                }
                _ => {
                    eprintln!("chat {}: no answer to {what:?} within {:?}", self.chat - CHAT_BASE, self.timeout);
                    self.at = 0;
                    self.mirror = Session::default();
                    return None;
                }
            }
        }
        let took = last.duration_since(started);
        if self.trace {
            let labels: Vec<&str> =
                self.keyboard.as_ref().map(|(_, b)| b.iter().map(|(l, _)| l.as_str()).collect()).unwrap_or_default();
            let ms = took.as_secs_f64() * 1e3;
            eprintln!("{what} -> {expected} message(s) in {ms:.2} ms; buttons {labels:?}");
        }
        Some(took.as_micros() as u64)
    }

    /// The button to press: (message id, data, label).
    fn choose(&self, prefs: &[&str]) -> (i32, String, String) {
        let Some((id, buttons)) = &self.keyboard else {
            return (0, "none".to_string(), "none".to_string());
        };
        let found = prefs.iter().find_map(|p| buttons.iter().find(|(l, _)| l.contains(p)));
        let moves_on = || buttons.iter().find(|(l, _)| !l.starts_with("Quick exit") && !l.contains("danger"));
        let (label, data) = found.or_else(moves_on).or(buttons.first()).cloned().unwrap_or_default();
        (*id, data, label)
    }

    /// How many Bot API calls the bot makes in this chat for `input` (and step the mirror).
    fn expect(&mut self, input: Input<'_>, pressed: Option<i32>) -> usize {
        if self.echo {
            return 1;
        }
        let (session, effects) = step(&self.content, &self.mirror, input, Utc::now());
        self.mirror = session;
        effects
            .iter()
            .map(|e| match e {
                Effect::Reply(r) => {
                    let parts = split_reply(&r.text).len();
                    if r.replaces && pressed.is_some() && parts == 1 {
                        1
                    } else {
                        parts
                    }
                }
                // Quick exit: one `deleteMessages` (a chat of this script has under 100 ids).
                Effect::ClearChat => 1,
            })
            .sum()
    }
}

// ---- one run -----------------------------------------------------------------------------

struct RunResult {
    name: String,
    exchanges: usize,
    errors: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    cold_start_ms: f64,
    peak_rss_kb: u64,
    /// Bot CPU time (user + system) during the measured part, per exchange.
    cpu_us_per_exchange: f64,
    /// The bot's CPU use during the measured part, in cores.
    cpu_cores: f64,
    /// Bot API calls over the whole run (with warm-up and polls).
    calls: u64,
    /// Bot API calls during the measured part (polls included).
    measured_calls: u64,
    db_bytes: Option<u64>,
    /// The share of the machine's CPU time the hypervisor gave to others during the measured
    /// part (`steal` in /proc/stat), in percent; `None` where the kernel does not say.
    steal_pct: Option<f64>,
}

impl RunResult {
    fn rate(&self) -> f64 {
        self.exchanges as f64 / self.seconds
    }

    fn calls_per_exchange(&self) -> f64 {
        self.measured_calls as f64 / self.exchanges.max(1) as f64
    }

    /// Bot CPU per Bot API call: the cost of one call plus the bot's own work spread over them.
    fn cpu_us_per_call(&self) -> f64 {
        self.cpu_us_per_exchange / self.calls_per_exchange().max(f64::MIN_POSITIVE)
    }
}

async fn run_one(args: &E2eArgs, target: &str, content: Arc<Content>) -> anyhow::Result<RunResult> {
    let echo = target == "echo";
    let mut senders = Vec::with_capacity(args.chats);
    let mut receivers = Vec::with_capacity(args.chats);
    for _ in 0..args.chats {
        let (tx, rx) = mpsc::unbounded_channel();
        senders.push(tx);
        receivers.push(rx);
    }
    let fake = Arc::new(Fake::new(senders, Duration::from_millis(args.slow_chat_ms)));
    let app = Router::new().route("/{bot}/{method}", post(fake_method)).with_state(Arc::clone(&fake));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let db = args.tmp.join(format!("signpost-load-{}.db", std::process::id()));
    let mut cmd = if echo {
        tokio::process::Command::new(&args.echo)
    } else {
        let mut c = tokio::process::Command::new(&args.signpost);
        let store = if target == "sqlite" {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            format!("sqlite:{}", db.display())
        } else {
            "memory".to_string()
        };
        c.arg("run").arg("--store").arg(store);
        if !args.throttle {
            c.arg("--no-throttle");
        }
        c.arg("--flows").arg(&args.flows).arg("--config").arg(&args.config);
        c
    };
    let log = std::fs::File::create(args.tmp.join(format!("signpost-load-{target}.log")))?;
    cmd.env("TELOXIDE_TOKEN", "123:load-test")
        .env("TELOXIDE_API_URL", format!("http://{addr}/"))
        // A persistent store needs a hash key (the memory store makes up its own).
        .env("SIGNPOST_HASH_KEY", "signpost-load-test-key-not-a-secret-0123456789abcdef")
        .env_remove("SIGNPOST_LOG")
        .env_remove("SIGNPOST_STORE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    let spawned = Instant::now();
    let mut child = cmd.spawn().map_err(|e| anyhow::anyhow!("cannot start the {target} bot: {e}"))?;
    let pid = child.id().unwrap_or(0);

    // Cold start: spawn to the first getUpdates.
    let poll_deadline = Instant::now() + Duration::from_secs(10);
    let first_poll = loop {
        if let Some(at) = fake.first_poll.get() {
            break *at;
        }
        if let Ok(Some(status)) = child.try_wait() {
            anyhow::bail!(
                "the {target} bot exited before polling: {status} (see {}/signpost-load-{target}.log)",
                args.tmp.display()
            );
        }
        anyhow::ensure!(Instant::now() < poll_deadline, "the {target} bot never polled");
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let cold_start_ms = first_poll.duration_since(spawned).as_secs_f64() * 1000.0;

    let scripts = scripts();
    let barrier = Arc::new(Barrier::new(args.chats + 1));
    let done = Arc::new(Barrier::new(args.chats + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, rx) in receivers.into_iter().enumerate() {
        let mut user = User {
            chat: CHAT_BASE + i as i64,
            fake: Arc::clone(&fake),
            rx,
            content: Arc::clone(&content),
            echo,
            script: scripts[i % scripts.len()].clone(),
            at: 0,
            mirror: Session::default(),
            keyboard: None,
            timeout: Duration::from_secs(args.timeout_secs),
            trace: args.trace && i == 0,
        };
        let (warmup, measured) = (args.warmup, args.messages);
        let (barrier, done) = (Arc::clone(&barrier), Arc::clone(&done));
        // Paced: this chat's turn comes every `period`, chats spread evenly across it.
        let pace = (args.rate > 0.0).then(|| {
            let period = Duration::from_secs_f64(args.chats as f64 / args.rate);
            (period, period.mul_f64(i as f64 / args.chats as f64))
        });
        tasks.spawn(async move {
            for _ in 0..warmup {
                user.exchange().await;
            }
            barrier.wait().await;
            let mut ticks = pace.map(|(period, phase)| {
                let mut t = tokio::time::interval_at(tokio::time::Instant::now() + phase, period);
                // A late answer delays the next message; it is not followed by a burst.
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                t
            });
            let mut c = Counters { latencies: Vec::with_capacity(measured), errors: 0 };
            for _ in 0..measured {
                if let Some(t) = ticks.as_mut() {
                    t.tick().await;
                }
                match user.exchange().await {
                    Some(us) => c.latencies.push(us),
                    None => c.errors += 1,
                }
            }
            done.wait().await;
            (i, c)
        });
    }
    barrier.wait().await;
    let t0 = Instant::now();
    let cpu0 = cpu_ticks(pid);
    let machine0 = machine_ticks();
    let calls0 = fake.calls.load(Ordering::Relaxed);
    done.wait().await;
    let seconds = t0.elapsed().as_secs_f64();
    let cpu1 = cpu_ticks(pid);
    let steal_pct = match (machine0, machine_ticks()) {
        (Some((all0, steal0)), Some((all1, steal1))) if all1 > all0 => {
            Some(steal1.saturating_sub(steal0) as f64 * 100.0 / (all1 - all0) as f64)
        }
        _ => None,
    };
    let calls1 = fake.calls.load(Ordering::Relaxed);
    let peak_rss_kb = status_kb(pid, "VmHWM:");
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(c) = tasks.join_next().await {
        let (i, c) = c?;
        if i == 0 && args.slow_chat_ms > 0 {
            // The slow chat: the figures are the others'.
            continue;
        }
        latencies.extend(c.latencies);
        errors += c.errors;
    }
    let _ = child.kill().await;
    server.abort();
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i] as f64 / 1000.0
    };
    let exchanges = latencies.len();
    let cpu_secs = cpu1.saturating_sub(cpu0) as f64 / clock_ticks_per_sec();
    let db_bytes = (target == "sqlite").then(|| {
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
            .map(|m| m.len())
            .sum()
    });
    Ok(RunResult {
        name: target.to_string(),
        exchanges,
        errors,
        seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: pct(1.0),
        cold_start_ms,
        peak_rss_kb,
        cpu_us_per_exchange: cpu_secs * 1e6 / exchanges.max(1) as f64,
        cpu_cores: cpu_secs / seconds,
        calls: fake.calls.load(Ordering::Relaxed),
        measured_calls: calls1 - calls0,
        db_bytes,
        steal_pct,
    })
}

fn e2e(args: E2eArgs) -> anyhow::Result<()> {
    for t in &args.targets {
        anyhow::ensure!(["echo", "memory", "sqlite"].contains(&t.as_str()), "unknown target {t:?}");
    }
    let (content, _) = Content::load(&args.flows, &args.config)
        .map_err(|d| anyhow::anyhow!("the flows do not load ({} problems): run signpost check", d.len()))?;
    let content = Arc::new(content);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.driver_threads).enable_all().build()?;
    println!(
        "signpost-load: {} chats x {} messages (+{} warm-up), {} run(s) of {}; offered load: {}; {} cores; rustc processes running at start: {}",
        args.chats,
        args.messages,
        args.warmup,
        args.repeat,
        args.targets.join(", "),
        if args.rate > 0.0 { format!("{} exchanges/s", args.rate) } else { "as fast as answered".to_string() },
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        count_processes("rustc"),
    );
    println!();
    println!("| run | target | exchanges/s | ratio to echo | p50 ms | p99 ms | max ms | added p99 ms | errors | cold start ms | peak RSS MB | bot CPU µs/exchange | bot CPU cores | API calls/exchange | bot CPU µs/call | rustc running | steal % |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    // Each run with its echo baseline from the same round, when there is one.
    let mut all: Vec<(RunResult, Option<(f64, f64)>)> = Vec::new();
    for r in 1..=args.repeat {
        let mut echo: Option<(f64, f64)> = None;
        for target in &args.targets {
            let busy = count_processes("rustc");
            let res = runtime.block_on(run_one(&args, target, Arc::clone(&content)))?;
            if target == "echo" {
                echo = Some((res.rate(), res.p99_ms));
            }
            let baseline = echo.filter(|_| target != "echo");
            let (ratio, added) = match baseline {
                Some((rate, p99)) => (format!("{:.2}", res.rate() / rate), format!("{:+.2}", res.p99_ms - p99)),
                None => ("".to_string(), "".to_string()),
            };
            let steal = res.steal_pct.map(|p| format!("{p:.1}")).unwrap_or_default();
            println!(
                "| {r} | {} | {:.0} | {ratio} | {:.2} | {:.2} | {:.2} | {added} | {} | {:.0} | {:.1} | {:.0} | {:.2} | {:.2} | {:.0} | {busy} | {steal} |",
                res.name,
                res.rate(),
                res.p50_ms,
                res.p99_ms,
                res.max_ms,
                res.errors,
                res.cold_start_ms,
                res.peak_rss_kb as f64 / 1024.0,
                res.cpu_us_per_exchange,
                res.cpu_cores,
                res.calls_per_exchange(),
                res.cpu_us_per_call(),
            );
            if let Some(b) = res.db_bytes {
                eprintln!("  (sqlite file after the run: {:.1} KB for {} chats)", b as f64 / 1024.0, args.chats);
            }
            eprintln!("  ({} Bot API calls in {:.1} s)", res.calls, res.seconds);
            all.push((res, baseline));
        }
    }
    if args.repeat > 1 {
        println!();
        println!("Medians over {} runs:", args.repeat);
        println!();
        println!(
            "| target | exchanges/s | ratio to echo | p50 ms | p99 ms | max ms | added p99 ms | cold start ms | peak RSS MB | bot CPU µs/exchange | API calls/exchange | bot CPU µs/call |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for target in &args.targets {
            let runs: Vec<&(RunResult, Option<(f64, f64)>)> = all.iter().filter(|(r, _)| &r.name == target).collect();
            let median = |mut v: Vec<f64>| -> Option<f64> {
                v.sort_by(|a, b| a.total_cmp(b));
                v.get(v.len() / 2).copied()
            };
            let of =
                |f: &dyn Fn(&RunResult) -> f64| median(runs.iter().map(|(r, _)| f(r)).collect()).unwrap_or(f64::NAN);
            // Ratio and added p99 are taken in each round against that round's echo, then the
            // median of those: the machine's noise moves both bots of a round together.
            let paired = |f: &dyn Fn(&RunResult, f64, f64) -> f64, format: &dyn Fn(f64) -> String| {
                median(runs.iter().filter_map(|(r, e)| e.map(|(rate, p99)| f(r, rate, p99))).collect())
                    .map(format)
                    .unwrap_or_default()
            };
            println!(
                "| {target} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {} | {:.0} | {:.1} | {:.0} | {:.2} | {:.0} |",
                of(&|r| r.rate()),
                paired(&|r, rate, _| r.rate() / rate, &|v| format!("{v:.2}")),
                of(&|r| r.p50_ms),
                of(&|r| r.p99_ms),
                of(&|r| r.max_ms),
                paired(&|r, _, p99| r.p99_ms - p99, &|v| format!("{v:+.2}")),
                of(&|r| r.cold_start_ms),
                of(&|r| r.peak_rss_kb as f64 / 1024.0),
                of(&|r| r.cpu_us_per_exchange),
                of(&|r| r.calls_per_exchange()),
                of(&|r| r.cpu_us_per_call()),
            );
        }
    }
    Ok(())
}

// ---- memory per session ------------------------------------------------------------------

/// Chat states as they are after real conversations: the engine run along the scripts, with
/// the message ids a chat of that length records.
fn realistic_states(content: &Content) -> Vec<ChatState> {
    let now = Utc::now();
    let mut out = Vec::new();
    for script in scripts() {
        let mut session = Session::default();
        let mut ids = Vec::new();
        let mut next_id = 5_000;
        let mut buttons: Vec<(String, String)> = Vec::new();
        for act in script {
            let (s, effects) = match act {
                Text(t) => {
                    ids.push(next_id);
                    next_id += 1;
                    step(content, &session, Input::Text(t), now)
                }
                Press(prefs) => {
                    let data = prefs
                        .iter()
                        .find_map(|p| buttons.iter().find(|(l, _)| l.contains(p)))
                        .or(buttons.first())
                        .map(|(_, d)| d.clone())
                        .unwrap_or_default();
                    step(content, &session, Input::Button(&data), now)
                }
            };
            session = s;
            for r in effects.iter().filter_map(|e| e.reply()) {
                for _ in split_reply(&r.text) {
                    ids.push(next_id);
                    next_id += 1;
                }
                buttons = r.buttons.iter().map(|b| (b.label.clone(), b.data.clone())).collect();
            }
            if effects.iter().any(|e| matches!(e, Effect::ClearChat)) {
                ids.clear();
            }
            out.push(ChatState {
                session: session.clone(),
                message_ids: ids.clone(),
                last_update_id: Some(900_000_000),
                created_at: now.timestamp() - 600,
                updated_at: now.timestamp(),
                ..ChatState::default()
            });
        }
    }
    out
}

fn sessions(args: SessionsArgs) -> anyhow::Result<()> {
    let (content, _) = Content::load(&args.flows, &args.config)
        .map_err(|d| anyhow::anyhow!("the flows do not load ({} problems)", d.len()))?;
    let states = realistic_states(&content);
    let blobs: Vec<Vec<u8>> = states.iter().map(chat_state::encode).collect::<Result<_, _>>()?;
    let json: usize = states.iter().map(|s| serde_json::to_string(s).map(|j| j.len()).unwrap_or(0)).sum();
    let ids: usize = states.iter().map(|s| s.message_ids.len()).sum();
    println!(
        "{} distinct realistic chat states: {:.0} bytes of JSON and {:.1} message ids on average",
        states.len(),
        json as f64 / states.len() as f64,
        ids as f64 / states.len() as f64
    );
    let key = HashKey::from_secret("load");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let ttl = signpost_store::DEFAULT_TTL;
        let before = settled_rss_kb();
        let store = MemoryStore::new(ttl);
        for i in 0..args.count {
            store.save(&key.tag(i as i64), &blobs[i % blobs.len()], None).await?;
        }
        let after = settled_rss_kb();
        println!(
            "memory store: {} idle sessions; RSS {:.1} MB before, {:.1} MB after: {:.0} bytes per session (the process holds the loaded flows too)",
            store.len(),
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            (after.saturating_sub(before) * 1024) as f64 / args.count as f64
        );
        drop(store);

        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", args.sqlite.display()));
        }
        let store = SqliteStore::open(&args.sqlite, ttl)?;
        let t = Instant::now();
        for i in 0..args.count {
            store.save(&key.tag(i as i64), &blobs[i % blobs.len()], None).await?;
        }
        let secs = t.elapsed().as_secs_f64();
        drop(store); // closing checkpoints the WAL into the file
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let wal = PathBuf::from(format!("{}-wal", args.sqlite.display()));
        let bytes = size(&args.sqlite) + size(&wal);
        println!(
            "sqlite store: {} sessions in {:.1} MB ({} + WAL): {:.0} bytes per session; {:.0} inserts/s one at a time",
            args.count,
            bytes as f64 / 1e6,
            args.sqlite.display(),
            bytes as f64 / args.count as f64,
            args.count as f64 / secs
        );
        Ok::<_, anyhow::Error>(())
    })
}

// ---- /proc -------------------------------------------------------------------------------

/// This process's RSS once the allocator has handed freed pages back to the system. mimalloc
/// does that by itself a second after they were freed (its purge delay), on its next call; a
/// reading taken at once would count the flow loader's freed scratch memory as sessions.
fn settled_rss_kb() -> u64 {
    // SAFETY: mi_collect only walks and purges mimalloc's own heaps; it takes no pointers.
    unsafe { libmimalloc_sys::mi_collect(true) };
    status_kb(std::process::id(), "VmRSS:")
}

/// A `kB` field of /proc/PID/status (`VmHWM:`, `VmRSS:`), 0 if unreadable.
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// utime + stime of a process and its threads, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime is field 14, stime 15.
    let get = |i: usize| f.get(i - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(14) + get(15)
}

fn clock_ticks_per_sec() -> f64 {
    // USER_HZ is 100 on every Linux this runs on.
    100.0
}

/// The machine's CPU time in all and the part of it stolen by the hypervisor, in clock ticks,
/// from the first line of /proc/stat (`cpu user nice system idle iowait irq softirq steal ...`).
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).take(8).map(|v| v.parse().ok()).collect::<Option<_>>()?;
    let steal = *fields.get(7)?;
    Some((fields.iter().sum(), steal))
}

/// Processes whose name is `name` (for noting concurrent compiles).
fn count_processes(name: &str) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0 };
    dir.filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter(|e| std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the bot would see back from `method` with `body`, as JSON.
    async fn call(fake: &Arc<Fake>, method: &str, body: serde_json::Value) -> serde_json::Value {
        let path = UrlPath(("bot123:load-test".to_string(), method.to_string()));
        let response = fake_method(State(Arc::clone(fake)), path, body.to_string().into()).await;
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn queued(fake: &Fake) -> Vec<serde_json::Value> {
        fake.queue.lock().unwrap().iter().map(|(_, body)| serde_json::from_str(body).unwrap()).collect()
    }

    /// As Telegram does: a sent message comes back with its keyboard, a chat numbers its own
    /// messages, and a press carries the message it was pressed on, text and keyboard.
    #[tokio::test]
    async fn the_fake_answers_as_telegram_does() {
        let (users, mut sent): (Vec<_>, Vec<_>) = (0..2).map(|_| mpsc::unbounded_channel()).unzip();
        let fake = Arc::new(Fake::new(users, Duration::ZERO));
        let keyboard = serde_json::json!({"inline_keyboard": [[{"text": "Yes \"really\"", "callback_data": "y"}]]});
        let body =
            serde_json::json!({"chat_id": CHAT_BASE, "text": "Is this right?\n🆘 999", "reply_markup": keyboard});
        let reply = call(&fake, "SendMessage", body).await;
        let message = &reply["result"];
        assert_eq!(message["message_id"], 1);
        assert_eq!(message["text"], "Is this right?\n🆘 999");
        assert_eq!(message["reply_markup"], keyboard);
        let got = sent[0].try_recv().unwrap();
        assert_eq!(got.buttons, [("Yes \"really\"".to_string(), "y".to_string())]);

        fake.text(CHAT_BASE, "hello");
        fake.text(CHAT_BASE + 1, "hello");
        fake.press(CHAT_BASE, 1, "y");
        fake.press(CHAT_BASE, 7, "old");
        let updates = queued(&fake);
        assert_eq!(updates[0]["message"]["message_id"], 2, "the chat's own sequence goes on");
        assert_eq!(updates[1]["message"]["message_id"], 1, "another chat has a sequence of its own");
        assert_eq!(updates[2]["callback_query"]["data"], "y");
        assert_eq!(updates[2]["callback_query"]["message"], *message);
        assert_eq!(updates[3]["callback_query"]["message"]["text"], "an earlier message");
        assert!(updates[3]["callback_query"]["message"].get("reply_markup").is_none());
    }

    /// `--slow-chat-ms`: chat 0's messages are held that long, everyone else's are not.
    #[tokio::test(start_paused = true)]
    async fn a_slow_chat_is_slow_alone() {
        let (users, mut sent): (Vec<_>, Vec<_>) = (0..2).map(|_| mpsc::unbounded_channel()).unzip();
        let fake = Arc::new(Fake::new(users, Duration::from_secs(3)));
        let start = tokio::time::Instant::now();
        call(&fake, "SendMessage", serde_json::json!({"chat_id": CHAT_BASE + 1, "text": "hi"})).await;
        assert_eq!(start.elapsed(), Duration::ZERO, "another chat is not held");
        assert!(sent[1].try_recv().is_ok());
        call(&fake, "SendMessage", serde_json::json!({"chat_id": CHAT_BASE, "text": "hi"})).await;
        assert!(start.elapsed() >= Duration::from_secs(3), "chat 0 is held");
        assert!(sent[0].try_recv().is_ok());
    }
}

//! The staff sandbox through the Telegram adapter: the real `serve_with_sandbox` against the fake
//! Bot API in `tests/support/`, and the reload function SIGHUP and `/reload` share.
//!
//! Each test builds its own directories in a temp dir: live flows and draft flows (the bot
//! fixture's), and config (the bot fixture's office-hours routing, whose day line has office
//! hours so the sandbox clock visibly changes the contacts, plus the shipped danger patterns and
//! bot settings), with a `staff.yaml` listing one staff member. The public chat is someone else.

use crate::support::content::{self, copy_dir, write_bot_config, BotRouting};
use crate::support::States as _;
use fake_bot_api::{Call, FakeBotApi, FAILURE_BOUND};
use signpost_core::content::Content;
use signpost_core::engine::{step, Input, Session};
use signpost_core::privacy::HashKey;
use signpost_store::{BlobStore, MemoryStore};
use signpost_telegram::chat_state::ChatStore;
use signpost_telegram::staff::MARKER;
use signpost_telegram::{reload_live, serve_with_sandbox, BotConfig, Sandbox, SharedContent, Transport};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::oneshot;

const STAFF: i64 = 5550101;
const PUBLIC: i64 = 5550202;
/// A staff-only group listed in `sandbox_groups`.
const STAFF_GROUP: i64 = -1005550303;
const OTHER_GROUP: i64 = -1005550404;
const DRAFT_GREETING: &str = "Hello from the draft. Who are you?";

/// Live flows, draft flows (a changed greeting) and config, in a temp dir.
struct Dirs {
    _tmp: tempfile::TempDir,
    live: PathBuf,
    draft: PathBuf,
    config: PathBuf,
}

impl Dirs {
    fn new() -> Dirs {
        let tmp = tempfile::tempdir().unwrap();
        let (live, draft, config) = (tmp.path().join("flows"), tmp.path().join("draft"), tmp.path().join("config"));
        copy_dir(&content::fixtures("bot/flows"), &live);
        copy_dir(&content::fixtures("bot/flows"), &draft);
        write_bot_config(&config, BotRouting::OfficeHours);
        let staff = format!("staff: [{STAFF}]\nsandbox_groups: [{STAFF_GROUP}]\ndraft_flows: {}\n", draft.display());
        std::fs::write(config.join("staff.yaml"), staff).unwrap();
        let dirs = Dirs { _tmp: tmp, live, draft, config };
        dirs.edit_draft(|main| main.replace("say: Hello. Who are you?", &format!("say: {DRAFT_GREETING}")));
        dirs
    }

    fn edit_draft(&self, edit: impl FnOnce(&str) -> String) {
        let path = self.draft.join("main.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(&text)).unwrap();
    }

    /// Replace the draft's main flow with the broken one (two unknown nodes).
    fn break_draft(&self) {
        std::fs::copy(content::fixtures("bot/broken/main.yaml"), self.draft.join("main.yaml")).unwrap();
    }

    fn live_content(&self) -> Content {
        match Content::load(&self.live, &self.config) {
            Ok((content, _)) => content,
            Err(diags) => panic!("fixture content: {diags:#?}"),
        }
    }
}

struct Bot {
    api: FakeBotApi,
    memory: Arc<MemoryStore>,
    dirs: Dirs,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Bot {
    async fn start() -> Bot {
        let dirs = Dirs::new();
        let api = FakeBotApi::start().await;
        let memory = Arc::new(MemoryStore::new(Duration::from_secs(3600)));
        let content: SharedContent = Arc::new(RwLock::new(Arc::new(dirs.live_content())));
        let sandbox = Arc::new(Sandbox::load(&dirs.live, &dirs.config).expect("staff.yaml"));
        let config = BotConfig {
            token: "123:TEST".to_string(),
            api_url: Some(api.url.clone()),
            throttle: false,
            transport: Transport::Polling,
            hash_key: HashKey::from_secret("tests"),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let store: Arc<dyn BlobStore> = memory.clone();
        let task = tokio::spawn(serve_with_sandbox(config, content, sandbox, ChatStore::new(store), async move {
            let _ = stopped.await;
        }));
        Bot { api, memory, dirs, stop: Some(stop), task }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let done = tokio::time::timeout(FAILURE_BOUND, &mut self.task).await;
        done.expect("the bot did not stop").expect("the bot panicked").expect("the bot failed");
    }

    /// Wait until `update` is handled and saved; return every message sent or edited for it.
    async fn replies_to(&self, update: i64, sent_before: usize, edited_before: usize) -> Vec<Call> {
        self.api.confirmed(update).await;
        let mut out = self.api.delivered("sendMessage")[sent_before..].to_vec();
        out.extend(self.api.delivered("editMessageText")[edited_before..].iter().cloned());
        out
    }

    fn counts(&self) -> (usize, usize) {
        (self.api.delivered("sendMessage").len(), self.api.delivered("editMessageText").len())
    }

    /// `from` types `text` in group `chat`; returns the replies.
    async fn say_in_group(&self, chat: i64, from: i64, text: &str) -> Vec<Call> {
        let (sent, edited) = self.counts();
        let update = self.api.group_text(chat, from, text);
        self.replies_to(update, sent, edited).await
    }

    /// `chat` types `text`; returns the replies.
    async fn say(&self, chat: i64, text: &str) -> Vec<Call> {
        let (sent, edited) = self.counts();
        let (update, _) = self.api.user_text(chat, text);
        self.replies_to(update, sent, edited).await
    }

    /// `chat` presses the button labelled `label` on `message`; returns the replies.
    async fn press(&self, chat: i64, message: &Call, label: &str) -> Vec<Call> {
        let (sent, edited) = self.counts();
        let update = self.api.press(chat, message.message_id(), &message.button(label));
        self.replies_to(update, sent, edited).await
    }

    /// What is stored for `chat`.
    async fn state_of(&self, chat: i64) -> Option<signpost_telegram::chat_state::ChatState> {
        let tag = HashKey::from_secret("tests").tag(chat);
        self.memory.load_state(&tag).await.unwrap().map(|v| v.value)
    }
}

fn texts(calls: &[Call]) -> Vec<String> {
    calls.iter().map(|c| c.text().to_string()).collect()
}

fn only(calls: &[Call]) -> &Call {
    assert_eq!(calls.len(), 1, "expected one message, got {:#?}", texts(calls));
    &calls[0]
}

fn assert_marked(calls: &[Call]) {
    assert!(!calls.is_empty());
    for c in calls {
        assert!(c.text().starts_with(MARKER), "not marked as a test: {:?}", c.text());
    }
}

fn assert_unmarked(calls: &[Call]) {
    assert!(!calls.is_empty());
    for c in calls {
        assert!(!c.text().contains(MARKER) && !c.text().contains("🧪"), "marked outside the sandbox: {:?}", c.text());
        assert!(!c.text().to_lowercase().contains("sandbox"), "mentions the sandbox: {:?}", c.text());
        assert!(!c.text().contains("node:"), "shows a node id: {:?}", c.text());
    }
}

#[tokio::test]
async fn staff_reload_with_a_broken_draft_shows_located_errors_and_keeps_the_previous_flows() {
    let bot = Bot::start().await;
    assert_marked(&bot.say(STAFF, "/sandbox").await);

    let reloaded = bot.say(STAFF, "/reload").await;
    assert_marked(&reloaded);
    assert!(
        only(&reloaded).text().contains("Reloaded: the sandbox now runs the draft flows"),
        "{:#?}",
        texts(&reloaded)
    );
    let start = bot.say(STAFF, "/start").await;
    assert_marked(&start);
    assert!(start[0].text().contains("node: start"), "{}", start[0].text());
    assert!(start[0].text().contains(DRAFT_GREETING), "{}", start[0].text());
    let public = bot.say(PUBLIC, "/start").await;
    assert!(only(&public).text().starts_with("Hello. Who are you?"), "the public never sees the draft");
    assert_unmarked(&public);

    bot.dirs.break_draft();
    let refused = bot.say(STAFF, "/reload").await;
    assert_marked(&refused);
    let text = only(&refused).text();
    assert!(text.contains("4 problem(s)") && text.contains("keeps running the draft flows"), "{text}");
    assert!(text.contains("main.yaml:10:15: goes to unknown node \"descrbe\""), "{text}");
    assert!(text.contains("main.yaml:14:11: goes to unknown node \"anwser\""), "{text}");

    let again = bot.say(STAFF, "/start").await;
    assert!(again[0].text().contains(DRAFT_GREETING), "the previous good draft is kept: {}", again[0].text());
    let public = bot.say(PUBLIC, "/start").await;
    assert!(only(&public).text().starts_with("Hello. Who are you?"));
    bot.stop().await;
}

#[tokio::test]
async fn goto_trace_and_clock_do_what_they_say() {
    let bot = Bot::start().await;
    bot.say(STAFF, "/sandbox").await;

    let pick = bot.say(STAFF, "/goto pick").await;
    assert_marked(&pick);
    let pick = only(&pick).clone();
    assert!(pick.text().contains("node: pick") && pick.text().contains("Tick any signs"), "{}", pick.text());
    let ticked = bot.press(STAFF, &pick, "Going missing overnight").await;
    assert_marked(&ticked);
    let answer = bot.press(STAFF, &ticked[0], "Done").await;
    assert_marked(&answer);
    assert!(answer.iter().any(|c| c.text().contains("node: answer")), "{:#?}", texts(&answer));

    let trace = bot.say(STAFF, "/trace").await;
    assert_marked(&trace);
    let trace = only(&trace).text().to_string();
    let order = ["goto: pick", "node: pick", "button: ", "Going missing overnight", "button: Done", "node: answer"];
    let mut from = 0;
    for step in order {
        let at = trace[from..].find(step).unwrap_or_else(|| panic!("{step:?} missing (in order) from {trace}"));
        from += at + step.len();
    }

    let nowhere = bot.say(STAFF, "/goto nowhere").await;
    assert_marked(&nowhere);
    assert!(only(&nowhere).text().contains("There is no node \"nowhere\""), "{:#?}", texts(&nowhere));

    // A Tuesday morning: the day line is open and comes first.
    let set = bot.say(STAFF, "/clock 2026-11-24T10:00").await;
    assert_marked(&set);
    assert!(only(&set).text().contains("Tue 24 Nov 2026 10:00 GMT"), "{:#?}", texts(&set));
    let weekday = bot.say(STAFF, "/goto answer").await;
    assert!(weekday[0].text().contains("Call now: 0100 000 0001"), "{}", weekday[0].text());
    // Christmas Day: a bank holiday, so the out-of-hours line comes first.
    bot.say(STAFF, "/clock 2026-12-25T10:00").await;
    let christmas = bot.say(STAFF, "/goto answer").await;
    assert!(christmas[0].text().contains("Call now: 0100 000 0002"), "{}", christmas[0].text());
    assert!(!christmas.iter().any(|c| c.text().contains("It's been a while")), "moving the clock is not expiry");

    let state = bot.say(STAFF, "/state").await;
    assert_marked(&state);
    let text = only(&state).text();
    assert!(text.contains("Node: answer") && text.contains("Signs: missing_overnight"), "{text}");
    assert!(text.contains("Clock: Fri 25 Dec 2026 10:00 GMT (sandbox clock)"), "{text}");

    let wrong = bot.say(STAFF, "/clock soon").await;
    assert!(only(&wrong).text().contains("is not a date and time"), "{:#?}", texts(&wrong));
    let real = bot.say(STAFF, "/clock").await;
    assert!(only(&real).text().contains("Sandbox clock: real time"), "{:#?}", texts(&real));
    assert!(bot.say(STAFF, "/state").await[0].text().contains("Clock: real time"));

    let reset = bot.say(STAFF, "/reset").await;
    assert_marked(&reset);
    assert!(reset.iter().any(|c| c.text().contains("node: start")), "{:#?}", texts(&reset));
    let trace = bot.say(STAFF, "/trace").await;
    assert!(only(&trace).text().ends_with("(oldest first):\n1. node: start"), "{}", trace[0].text());

    // Typed text is traced by its length only, and never stored.
    bot.say(STAFF, "/goto describe").await;
    bot.say(STAFF, "my private test words about gifts").await;
    let trace = bot.say(STAFF, "/trace").await;
    assert!(trace[0].text().contains("typed (33 chars)"), "{}", trace[0].text());
    let stored = serde_json::to_string(&bot.state_of(STAFF).await.expect("stored")).unwrap();
    assert!(!stored.contains("private test words"), "{stored}");
    bot.stop().await;
}

/// What someone not on the staff list gets for `text` after `/start`.
async fn ordinary_reply(bot: &Bot, text: &str) -> Vec<(String, Vec<(String, String)>)> {
    bot.say(PUBLIC, "/start").await;
    let replies = bot.say(PUBLIC, text).await;
    assert_unmarked(&replies);
    replies.iter().map(|c| (c.text().to_string(), c.buttons())).collect()
}

#[tokio::test]
async fn sandbox_commands_from_the_public_get_the_ordinary_reply_and_reveal_nothing() {
    let bot = Bot::start().await;
    let unknown = ordinary_reply(&bot, "/foo").await;
    assert!(unknown[0].0.contains("didn't understand"), "{unknown:#?}");
    for command in [
        "/goto x",
        "/goto pick",
        "/sandbox",
        "/reload",
        "/trace",
        "/state",
        "/clock 2026-12-25T10:00",
        "/clock",
        "/reset",
    ] {
        let reply = ordinary_reply(&bot, command).await;
        assert_eq!(reply, unknown, "{command} must get exactly the reply to an unknown command");
        assert!(!reply.iter().any(|(t, _)| t.contains("pick") || t.contains("node")), "{command}: {reply:#?}");
    }
    let state = bot.state_of(PUBLIC).await.expect("stored");
    assert_eq!(state.sandbox, None, "no sandbox state for the public");
    assert_ne!(state.session.node.as_deref(), Some("pick"), "/goto did not move them");
    bot.stop().await;
}

#[tokio::test]
async fn sandbox_markers_never_appear_outside_sandbox_mode() {
    let bot = Bot::start().await;
    // Staff with the sandbox off get exactly the public bot.
    let staff_start = bot.say(STAFF, "/start").await;
    let public_start = bot.say(PUBLIC, "/start").await;
    assert_unmarked(&staff_start);
    assert_eq!(texts(&staff_start), texts(&public_start));
    let staff_pick = bot.press(STAFF, &staff_start[0], "A parent or carer").await;
    let public_pick = bot.press(PUBLIC, &public_start[0], "A parent or carer").await;
    assert_unmarked(&staff_pick);
    assert_eq!(texts(&staff_pick), texts(&public_pick));
    let off = bot.say(STAFF, "/trace").await;
    assert_eq!(only(&off).text(), "Sandbox mode is off. Send /sandbox to turn it on.");

    // In the sandbox, marked; the public, at the same time, not.
    assert_marked(&bot.say(STAFF, "/sandbox").await);
    assert_marked(&bot.say(STAFF, "/start").await);
    assert_marked(&bot.say(STAFF, "he keeps buying her gifts").await);
    assert_unmarked(&bot.say(PUBLIC, "/start").await);

    // Switched off again: unmarked, from the start, and nothing of the sandbox kept.
    let back = bot.say(STAFF, "/sandbox").await;
    assert!(!only(&back).text().contains(MARKER), "{}", back[0].text());
    let staff_again = bot.say(STAFF, "/start").await;
    assert_unmarked(&staff_again);
    assert_eq!(texts(&staff_again), texts(&public_start));
    assert_eq!(bot.state_of(STAFF).await.expect("stored").sandbox, None);
    bot.stop().await;
}

// ---- The reload function SIGHUP and `/reload` share ----

#[test]
fn reload_keeps_the_old_content_when_the_flows_are_broken_and_swaps_when_they_are_good() {
    let dirs = Dirs::new();
    let live: SharedContent = Arc::new(RwLock::new(Arc::new(dirs.live_content())));
    let before = live.read().unwrap().clone();

    dirs.break_draft();
    let diags = reload_live(&live, &dirs.draft, &dirs.config).expect_err("a broken draft is refused");
    let shown: Vec<String> = diags.iter().map(ToString::to_string).collect();
    assert!(
        shown
            .iter()
            .any(|d| d.ends_with("main.yaml:10:15: goes to unknown node \"descrbe\" (did you mean \"describe\"?)")),
        "{shown:#?}"
    );
    assert!(Arc::ptr_eq(&before, &live.read().unwrap()), "the old content is kept");

    // Good flows without the `describe` node: swapped in, and a session standing on that node
    // is taken to the start with a note, not an error.
    std::fs::copy(content::fixtures("bot/flows/main.yaml"), dirs.draft.join("main.yaml")).unwrap();
    dirs.edit_draft(|main| {
        let cut = main.find("  describe:").unwrap();
        let end = main.find("  answer:").unwrap();
        format!("{}{}", &main[..cut], &main[end..])
            .replace("      - label: Tell you in my own words\n        goto: describe\n", "")
    });
    let warnings = reload_live(&live, &dirs.draft, &dirs.config).expect("good flows load");
    assert!(warnings.is_empty(), "{warnings:#?}");
    let after = live.read().unwrap().clone();
    assert!(!Arc::ptr_eq(&before, &after), "swapped");
    assert_ne!(before.flows.version, after.flows.version);
    assert!(after.flows.node("describe").is_none());

    let standing = Session {
        version: before.flows.version.clone(),
        node: Some("describe".to_string()),
        audience: Some("parent".to_string()),
        ..Session::default()
    };
    let now = chrono::Utc::now();
    let (session, effects) = step(&after, &standing, Input::Text("gifts"), now);
    let replies: Vec<&str> = effects.iter().filter_map(|e| e.reply()).map(|r| r.text.as_str()).collect();
    assert!(replies[0].contains("updated since your last message"), "{replies:#?}");
    assert_ne!(session.node.as_deref(), Some("describe"));
}

#[test]
fn shipped_staff_list_is_empty() {
    let list = signpost_telegram::staff::StaffList::load(&content::shipped_config().join("staff.yaml"))
        .expect("config/staff.yaml parses");
    assert!(list.is_empty(), "config/staff.yaml ships with nobody on it");
}

/// `sandbox_groups`: staff may run the sandbox in a listed staff-only group; the public guidance
/// never runs in any group, and nobody else gets anything but the pointer to a private chat.
#[tokio::test]
async fn a_listed_staff_group_runs_the_sandbox_and_nothing_else_runs_in_groups() {
    let bot = Bot::start().await;
    // Sandbox off: even staff get only the pointer, never the guidance.
    let replies = bot.say_in_group(STAFF_GROUP, STAFF, "/start").await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert!(replies[0].text().contains("I don't give guidance in group chats"), "{}", replies[0].text());
    assert!(!replies[0].text().contains(MARKER));
    // Staff switch the sandbox on in the listed group: marked test messages from the draft.
    let on = bot.say_in_group(STAFF_GROUP, STAFF, "/sandbox").await;
    assert!(on.iter().all(|c| c.text().starts_with(MARKER)), "{on:?}");
    bot.say_in_group(STAFF_GROUP, STAFF, "/reload").await;
    let start = bot.say_in_group(STAFF_GROUP, STAFF, "/start").await;
    assert!(start.iter().any(|c| c.text().contains(DRAFT_GREETING)), "{start:?}");
    assert!(start.iter().all(|c| c.text().starts_with(MARKER)), "every message is marked as a test");
    // Someone not on the staff list, in the same group: nothing from the sandbox, no guidance.
    let public = bot.say_in_group(STAFF_GROUP, PUBLIC, "/goto pick").await;
    assert!(public.iter().all(|c| !c.text().contains(MARKER) && !c.text().contains("Who are you")), "{public:?}");
    // Staff in a group that is not listed: the pointer, not the sandbox.
    let other = bot.say_in_group(OTHER_GROUP, STAFF, "/sandbox").await;
    assert_eq!(other.len(), 1, "{other:?}");
    assert!(other[0].text().contains("I don't give guidance in group chats"));
    bot.stop().await;
}

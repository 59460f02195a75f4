//! End-to-end tests of the Telegram adapter: the real `serve` (polling or webhook) against the
//! fake Bot API server in `tests/support/`, one server and one bot per test.
//!
//! The conversation uses the bot fixture (`tests/fixtures/bot/`: a tiny flow and national
//! routing) so these tests pin the adapter, not the content team's wording; the danger patterns
//! and bot settings are the shipped `config/danger.yaml` and `config/bot.yaml`.
//! `shipped_content_runs_through_the_adapter` runs the real `flows/` and `config/`.

use crate::support::bot::{saves, CountsSaves};
use crate::support::content;
use async_trait::async_trait;
use fake_bot_api::{Call, FakeBotApi, Fault, Hold, BOT_USERNAME, FAILURE_BOUND};
use serde_json::json;
use signpost_core::content::Content;
use signpost_core::privacy::HashKey;
use signpost_store::{BlobStore, MemoryStore, StoreError, Versioned};
use signpost_telegram::chat_state::ChatStore;
use signpost_telegram::{serve, BotConfig, SharedContent, Transport, CHAT_BURST, MAX_IN_FLIGHT};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::oneshot;

const CHAT: i64 = 5550001;

struct RunningBot {
    api: FakeBotApi,
    memory: Arc<MemoryStore>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningBot {
    async fn start() -> RunningBot {
        RunningBot::start_with(content::bot(), None, |_| Transport::Polling).await
    }

    /// As `signpost run` does by default: new messages kept inside Telegram's limits (a chat
    /// gets a whole answer at once, then one message a second).
    async fn start_throttled() -> RunningBot {
        RunningBot::launch(content::bot(), None, Transport::Polling, true).await
    }

    /// Start `serve` against a fresh fake server, unthrottled (`--no-throttle`). `store`
    /// overrides the memory store.
    async fn start_with(
        content: Content,
        store: Option<Arc<dyn BlobStore>>,
        transport: impl FnOnce(&FakeBotApi) -> Transport,
    ) -> RunningBot {
        let api = FakeBotApi::start().await;
        let transport = transport(&api);
        RunningBot::launch_on(api, content, store, transport, false).await
    }

    async fn launch(
        content: Content,
        store: Option<Arc<dyn BlobStore>>,
        transport: Transport,
        throttle: bool,
    ) -> RunningBot {
        let api = FakeBotApi::start().await;
        RunningBot::launch_on(api, content, store, transport, throttle).await
    }

    async fn launch_on(
        api: FakeBotApi,
        content: Content,
        store: Option<Arc<dyn BlobStore>>,
        transport: Transport,
        throttle: bool,
    ) -> RunningBot {
        let memory = Arc::new(MemoryStore::new(Duration::from_secs(3600)));
        let store = store.unwrap_or_else(|| memory.clone());
        let content: SharedContent = Arc::new(RwLock::new(Arc::new(content)));
        let config = BotConfig {
            token: "123:TEST".to_string(),
            api_url: Some(api.url.clone()),
            throttle,
            transport,
            hash_key: HashKey::from_secret("tests"),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(config, content, ChatStore::new(store), async move {
            let _ = stopped.await;
        }));
        RunningBot { api, memory, stop: Some(stop), task }
    }

    /// Stop the bot and check it stopped cleanly.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let done = tokio::time::timeout(FAILURE_BOUND, &mut self.task).await;
        done.expect("the bot did not stop").expect("the bot panicked").expect("the bot failed");
    }

    /// The user types `text`; returns the first of the replies to it.
    async fn say(&self, text: &str) -> Call {
        self.api.user_text(CHAT, text);
        self.api.next("sendMessage").await
    }

    /// The user presses `label` on `message`; returns the first reply sent.
    async fn press(&self, message: &Call, label: &str) -> Call {
        self.api.press(CHAT, message.message_id(), &message.button(label));
        self.api.next("sendMessage").await
    }
}

/// Every message the bot sends in a private chat offers 999 and (with buttons) quick exit.
/// One turn's messages as Telegram got them: the first offers 999, no other repeats the line.
fn assert_turn_offers_999_once(turn: &[Call]) {
    let first = turn.first().expect("the turn sent something");
    assert!(first.text().contains("999"), "the turn's first message has no 999 line: {:?}", first.text());
    let lines = turn.iter().filter(|m| m.text().contains(signpost_core::safety::FOOTER)).count();
    assert!(lines <= 1, "{lines} messages of one turn carry the 999 line");
    let last = turn.last().unwrap().buttons();
    assert!(last.iter().any(|(_, d)| d == "g|exit"), "no quick exit in {last:?}");
}

/// A message's text as it reads later in a turn, where the 999 line is not repeated.
fn without_999_line(text: &str) -> &str {
    text.strip_suffix(signpost_core::safety::FOOTER).map_or(text, str::trim_end)
}

fn assert_offers_999(call: &Call) {
    assert!(call.text().contains("999"), "no 999 line in {:?}", call.text());
    let buttons = call.buttons();
    if !buttons.is_empty() {
        assert!(buttons.iter().any(|(_, d)| d == "g|exit"), "no quick exit in {buttons:?}");
    }
}

#[tokio::test]
async fn registers_the_command_menu_and_stops_cleanly() {
    let bot = RunningBot::start().await;
    let call = bot.api.next("setMyCommands").await;
    let names: Vec<&str> =
        call.params["commands"].as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap()).collect();
    assert_eq!(names, ["start", "help", "emergency", "area", "exit"]);
    bot.stop().await;
}

#[tokio::test]
async fn a_whole_conversation_by_buttons() {
    let bot = RunningBot::start_throttled().await;
    let first = bot.say("/start").await;
    assert!(first.text().starts_with("Hello. Who are you?"), "{}", first.text());
    assert_offers_999(&first);
    assert_eq!(first.chat_id(), CHAT);

    let pick = bot.press(&first, "A parent or carer").await;
    assert!(pick.text().starts_with("Tick any signs"), "{}", pick.text());
    assert_offers_999(&pick);

    // Ticking a sign redraws the pick list in place: an edit of the pressed message.
    bot.api.press(CHAT, pick.message_id(), &pick.button("Going missing overnight"));
    let edit = bot.api.next("editMessageText").await;
    assert_eq!(edit.params["message_id"].as_i64(), Some(pick.message_id() as i64));
    assert!(edit.buttons().iter().any(|(l, _)| l.contains("✅ Going missing overnight")), "{:?}", edit.buttons());
    assert_offers_999(&edit);

    // Done: the list becomes the answer, in place (one message where the list was).
    bot.api.press(CHAT, edit.message_id(), &edit.button("Done"));
    let answer = bot.api.next("editMessageText").await;
    assert_eq!(answer.params["message_id"].as_i64(), Some(pick.message_id() as i64));
    assert!(answer.text().contains("What you noticed"), "{}", answer.text());
    assert!(answer.text().contains("Going missing overnight"));
    assert!(answer.text().contains("NSPCC"));
    assert_offers_999(&answer);
    assert!(answer.buttons().iter().any(|(_, d)| d == "g|start"));

    // Every press was answered, so no spinner was left turning.
    let answered = bot.api.delivered("answerCallbackQuery").len();
    assert_eq!(answered, 3, "{:#?}", bot.api.calls_brief());
    // Plain text: no parse mode, so nothing needs escaping.
    assert!(bot.api.delivered("sendMessage").iter().all(|c| c.params.get("parse_mode").is_none()));
    bot.stop().await;
}

#[tokio::test]
async fn the_answer_to_a_press_does_not_wait_for_the_spinner_to_be_stopped() {
    let bot = RunningBot::start().await;
    let first = bot.say("/start").await;
    // Telegram is slow to take the callback answer: the reply goes out anyway, meanwhile.
    bot.api.hold("answerCallbackQuery", Hold::ProcessedOnArrival);
    bot.api.press(CHAT, first.message_id(), &first.button("A parent or carer"));
    bot.api.held(1).await;
    let pick = bot.api.next("sendMessage").await;
    assert!(pick.text().starts_with("Tick any signs"), "{}", pick.text());
    bot.api.release();
    // And the spinner is still stopped.
    bot.api.next("answerCallbackQuery").await;
    bot.stop().await;
}

#[tokio::test]
async fn free_text_is_understood() {
    let bot = RunningBot::start().await;
    let first = bot.say("/start").await;
    let ask = bot.press(&first, "Tell you in my own words").await;
    assert!(ask.text().starts_with("Tell me in your own words"));
    let answer = bot.say("he keeps buying her gifts").await;
    assert!(answer.text().contains("New gifts or money"), "{}", answer.text());
    assert_offers_999(&answer);
    bot.stop().await;
}

#[tokio::test]
async fn danger_gets_999_first() {
    let bot = RunningBot::start().await;
    let first = bot.say("he's hurting me right now").await;
    assert!(first.text().contains("999"), "{}", first.text());
    assert!(first.text().contains("55"), "{}", first.text());
    assert_offers_999(&first);
    bot.stop().await;
}

#[tokio::test]
async fn a_stale_button_is_answered_and_shows_where_the_user_is() {
    let bot = RunningBot::start().await;
    let first = bot.say("/start").await;
    let pick = bot.press(&first, "A parent or carer").await;
    assert_eq!(bot.api.delivered("answerCallbackQuery").len(), 1);

    // A button on the first message, pressed after moving on.
    let update = bot.api.press(CHAT, first.message_id(), &first.button("Tell you in my own words"));
    let notice = bot.api.next("sendMessage").await;
    assert!(notice.text().contains("earlier message"), "{}", notice.text());
    let current = bot.api.next("sendMessage").await;
    // The same step again; the note before it is the turn's first message and has the 999 line.
    assert_eq!(current.text(), without_999_line(pick.text()), "the current step is shown again");
    assert_turn_offers_999_once(&[notice, current]);
    bot.api.confirmed(update).await;
    assert_eq!(bot.api.delivered("answerCallbackQuery").len(), 2, "the stale press was answered");

    // A button from an older version of the flows, and forged data: answered too.
    bot.api.press(CHAT, first.message_id(), "c|oldversion|start|0");
    let update = bot.api.press(CHAT, first.message_id(), "not|ours|at|all|really");
    bot.api.confirmed(update).await;
    assert_eq!(bot.api.delivered("answerCallbackQuery").len(), 4);
    bot.stop().await;
}

#[tokio::test]
async fn quick_exit_deletes_every_message_and_forgets_the_chat() {
    let bot = RunningBot::start().await;
    let mut ids = Vec::new();
    let (_, typed) = bot.api.user_text(CHAT, "/start");
    ids.push(typed);
    let first = bot.api.next("sendMessage").await;
    ids.push(first.message_id());
    bot.api.press(CHAT, first.message_id(), &first.button("Tell you in my own words"));
    let ask = bot.api.next("sendMessage").await;
    ids.push(ask.message_id());
    // Enough back and forth that the deletes need more than one call of 100.
    for _ in 0..60 {
        let (_, typed) = bot.api.user_text(CHAT, "/help");
        ids.push(typed);
    }
    for reply in bot.api.next_messages(60).await {
        ids.push(reply.message_id());
    }
    assert!(!bot.memory.is_empty());

    let (update, exit) = bot.api.user_text(CHAT, "/exit");
    ids.push(exit);
    bot.api.confirmed(update).await;

    let deletes = bot.api.delivered("deleteMessages");
    assert!(deletes.len() >= 2, "{} ids need two calls", ids.len());
    let mut deleted = Vec::new();
    for call in &deletes {
        let chunk = call.params["message_ids"].as_array().unwrap();
        assert!(chunk.len() <= 100, "one call deletes {}", chunk.len());
        assert_eq!(call.chat_id(), CHAT);
        deleted.extend(chunk.iter().map(|v| v.as_i64().unwrap() as i32));
    }
    deleted.sort_unstable();
    ids.sort_unstable();
    assert_eq!(deleted, ids, "every message, the user's and the bot's");
    assert!(bot.memory.is_empty(), "the session is forgotten");
    let after_exit = bot.api.delivered("sendMessage").len();
    assert_eq!(after_exit, 62, "nothing new is sent after quick exit");
    bot.stop().await;
}

#[tokio::test]
async fn quick_exit_button_works_from_any_message() {
    let bot = RunningBot::start().await;
    let (_, typed) = bot.api.user_text(CHAT, "/start");
    let first = bot.api.next("sendMessage").await;
    let update = bot.api.press(CHAT, first.message_id(), &first.button("Quick exit"));
    bot.api.confirmed(update).await;
    let deleted = bot.api.next("deleteMessages").await;
    let mut ids: Vec<i64> =
        deleted.params["message_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![typed as i64, first.message_id() as i64]);
    assert_eq!(bot.api.delivered("answerCallbackQuery").len(), 1);
    assert!(bot.memory.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_photo_gets_a_kind_reply_with_999_and_the_current_step() {
    let bot = RunningBot::start().await;
    bot.say("/start").await;
    bot.api.user_photo(CHAT);
    let kind = bot.api.next("sendMessage").await;
    assert!(kind.text().contains("only read typed messages"), "{}", kind.text());
    assert_offers_999(&kind);
    let current = bot.api.next("sendMessage").await;
    assert!(current.text().starts_with("Hello. Who are you?"));
    bot.stop().await;
}

/// The user changes a message they sent: `text` is what it says now.
fn edited(message_id: i32, text: &str) -> serde_json::Value {
    json!({"edited_message": {
        "message_id": message_id, "date": 1_790_000_000, "edit_date": 1_790_000_100, "text": text,
        "chat": {"id": CHAT, "type": "private", "first_name": "Test"},
        "from": {"id": CHAT, "is_bot": false, "first_name": "Test"},
    }})
}

#[tokio::test]
async fn an_edited_message_is_not_run_again_but_a_danger_phrase_in_it_gets_999() {
    let bot = RunningBot::start().await;
    let (_, typed) = bot.api.user_text(CHAT, "/start");
    let first = bot.api.next("sendMessage").await;
    let ask = bot.press(&first, "Tell you in my own words").await;

    // A changed answer is not read as a new one: the user is told to send it again, and is
    // shown the question they are at.
    bot.api.push(edited(typed, "my son has an older girlfriend"));
    let note = bot.api.next("sendMessage").await;
    assert!(note.text().starts_with("I saw that you changed a message"), "{}", note.text());
    assert_offers_999(&note);
    let again = bot.api.next("sendMessage").await;
    assert_eq!(first_line_of(&again), first_line_of(&ask), "the same question again");
    assert!(!again.text().contains("older"), "nothing was read from the edit");

    // Changed to say a child is in danger now: the emergency message, as for a new message.
    let update = bot.api.push(edited(typed, "he's hurting me right now"));
    let emergency = bot.api.next("sendMessage").await;
    assert!(emergency.text().starts_with("🚨"), "{}", emergency.text());
    bot.api.confirmed(update).await;
    bot.stop().await;
}

fn first_line_of(call: &Call) -> &str {
    call.text().lines().next().unwrap_or("")
}

#[tokio::test]
async fn asks_telegram_for_every_kind_of_update_it_reads() {
    let api = FakeBotApi::start().await;
    // The fake records a poll only when it has something to say about it.
    api.inject("getUpdates", Fault::Pass, 1);
    let bot = RunningBot::launch_on(api, content::bot(), None, Transport::Polling, false).await;
    let poll = bot.api.next("getUpdates").await;
    let kinds: Vec<&str> = poll.params["allowed_updates"]
        .as_array()
        .unwrap_or_else(|| panic!("no allowed_updates: {}", poll.params))
        .iter()
        .filter_map(|k| k.as_str())
        .collect();
    for kind in ["message", "edited_message", "callback_query", "my_chat_member"] {
        assert!(kinds.contains(&kind), "{kind} not asked for: {kinds:?}");
    }
    bot.stop().await;
}

#[tokio::test]
async fn a_group_is_pointed_to_a_private_chat_sparingly_and_nothing_is_stored() {
    let bot = RunningBot::start().await;
    let group = -100_200_300;
    bot.api.group_text(group, 7, "/start");
    let pointer = bot.api.next("sendMessage").await;
    assert_eq!(pointer.chat_id(), group);
    assert!(pointer.text().contains("private chat"), "{}", pointer.text());
    assert!(pointer.text().contains("999"));
    assert!(!pointer.text().contains("Who are you"), "no guidance in a group");
    assert_eq!(pointer.buttons(), vec![("Talk to me privately".to_string(), format!("https://t.me/{BOT_USERNAME}"))]);

    // Not again so soon: the pointer is there to read.
    bot.api.group_text(group, 8, &format!("/start@{BOT_USERNAME}"));
    bot.api.group_text(group, 9, &format!("hello @{BOT_USERNAME} my son has new trainers"));
    let last = bot.api.group_text(group, 9, "just chatting");
    bot.api.confirmed(last).await;
    assert_eq!(bot.api.delivered("sendMessage").len(), 1, "one pointer at a time: {:#?}", bot.api.calls_brief());

    // But a danger phrase written to the bot gets it at once, with 999.
    bot.api.group_text(group, 10, &format!("@{BOT_USERNAME} he's got a knife right now"));
    let urgent = bot.api.next("sendMessage").await;
    assert_eq!(urgent.chat_id(), group);
    assert!(urgent.text().contains("999"), "{}", urgent.text());
    // Unless it was not written to the bot (only commands, mentions and replies are).
    let last = bot.api.group_text(group, 11, "he's got a knife right now");
    bot.api.confirmed(last).await;
    assert_eq!(bot.api.delivered("sendMessage").len(), 2, "{:#?}", bot.api.calls_brief());
    assert!(bot.memory.is_empty(), "nothing stored for a group");
    bot.stop().await;
}

#[tokio::test]
async fn group_pointers_reach_topics_anonymous_admins_and_groups_that_moved() {
    let bot = RunningBot::start().await;
    let supergroup =
        |id: i64, forum: bool| json!({"id": id, "type": "supergroup", "title": "A group", "is_forum": forum});

    // An anonymous admin: Telegram sends it from a bot account, with the group as sender.
    let anonymous = -100_400_001;
    bot.api.push(json!({"message": {"message_id": 1, "date": 1_790_000_000, "text": format!("/start@{BOT_USERNAME}"),
        "chat": supergroup(anonymous, false), "sender_chat": supergroup(anonymous, false),
        "from": {"id": 1_087_968_824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"}}}));
    let pointer = bot.api.next("sendMessage").await;
    assert_eq!(pointer.chat_id(), anonymous);

    // A forum topic: the pointer goes to the topic it was asked in.
    let forum = -100_400_002;
    bot.api.push(json!({"message": {"message_id": 2, "date": 1_790_000_000, "text": "/start",
        "message_thread_id": 77, "is_topic_message": true,
        "chat": supergroup(forum, true), "from": {"id": 7, "is_bot": false, "first_name": "A"}}}));
    let pointer = bot.api.next("sendMessage").await;
    assert_eq!(pointer.chat_id(), forum);
    assert_eq!(pointer.params["message_thread_id"], json!(77), "{}", pointer.params);

    // A group that has just become a supergroup: the pointer follows it.
    let moved_to = -100_400_999;
    bot.api.inject("sendMessage", Fault::Migrated(moved_to), 1);
    bot.api.group_text(-400_003, 7, "/start");
    let pointer = bot.api.next("sendMessage").await;
    assert_eq!(pointer.chat_id(), moved_to);

    // A reply to one of the bot's messages speaks to it too, and so does a mention in a caption.
    let replied = -400_005;
    bot.api.push(json!({"message": {"message_id": 3, "date": 1_790_000_000, "text": "how do I talk to you",
        "chat": {"id": replied, "type": "group", "title": "A group"}, "from": {"id": 7, "is_bot": false, "first_name": "A"},
        "reply_to_message": {"message_id": 2, "date": 1_790_000_000, "text": "Hello. I'm Signpost.",
            "chat": {"id": replied, "type": "group", "title": "A group"},
            "from": {"id": 4242, "is_bot": true, "first_name": "Signpost", "username": BOT_USERNAME}}}}));
    assert_eq!(bot.api.next("sendMessage").await.chat_id(), replied);
    let captioned = -400_006;
    bot.api.push(json!({"message": {"message_id": 4, "date": 1_790_000_000, "caption": format!("@{BOT_USERNAME} is this ok"),
        "photo": [{"file_id": "f", "file_unique_id": "u", "width": 10, "height": 10}],
        "chat": {"id": captioned, "type": "group", "title": "A group"}, "from": {"id": 7, "is_bot": false, "first_name": "A"}}}));
    assert_eq!(bot.api.next("sendMessage").await.chat_id(), captioned);

    // A pointer that failed to send is not counted: the next message to the bot gets one.
    let group = -400_004;
    bot.api.inject("sendMessage", Fault::Reset, 1);
    let first = bot.api.group_text(group, 7, "/start");
    bot.api.confirmed(first).await;
    bot.api.group_text(group, 8, "/start");
    let pointer = bot.api.next("sendMessage").await;
    assert_eq!(pointer.chat_id(), group);
    assert_eq!(bot.api.delivered("sendMessage").len(), 6, "{:#?}", bot.api.calls_brief());
    bot.stop().await;
}

#[tokio::test]
async fn a_429_on_send_message_is_retried_and_delivered_once() {
    let bot = RunningBot::start_throttled().await;
    bot.api.fail_next("sendMessage", 1);
    let (update, _) = bot.api.user_text(CHAT, "/start");
    let reply = bot.api.next("sendMessage").await;
    assert!(reply.text().starts_with("Hello. Who are you?"));
    bot.api.confirmed(update).await;
    let calls = bot.api.calls("sendMessage");
    assert_eq!(calls.len(), 2, "one refused, one delivered: {:#?}", bot.api.calls_brief());
    assert!(!calls[0].ok && calls[1].ok);
    assert_eq!(bot.api.delivered("sendMessage").len(), 1, "delivered exactly once");
    bot.stop().await;
}

/// With Telegram's limits kept, as in production: a chat asking for more than a whole answer's
/// worth of messages at once is paced, nothing is dropped, and other chats are not held up.
#[tokio::test]
async fn limits_pace_a_busy_chat_without_holding_up_another() {
    const OTHER: i64 = CHAT + 1;
    // Two past a whole answer's worth.
    let asked = CHAT_BURST as usize + 2;
    let api = FakeBotApi::start().await;
    // One batch: a chat starts over that many times, then another chat starts once.
    for _ in 0..asked {
        api.user_text(CHAT, "/start");
    }
    api.user_text(OTHER, "/start");
    let bot = RunningBot::launch_on(api, content::bot(), None, Transport::Polling, true).await;
    let sent = bot.api.next_messages(asked + 1).await;
    for call in &sent {
        assert!(call.text().starts_with("Hello. Who are you?"), "{}", call.text());
        assert_offers_999(call);
    }
    let busy: Vec<&Call> = sent.iter().filter(|c| c.chat_id() == CHAT).collect();
    let other: Vec<&Call> = sent.iter().filter(|c| c.chat_id() == OTHER).collect();
    assert_eq!((busy.len(), other.len()), (asked, 1), "{:#?}", bot.api.calls_brief());
    // A burst goes at once; after that one a second, so the last is two seconds after the
    // first (checked with a second's allowance for a slow machine).
    let paced = busy[asked - 1].at.duration_since(busy[0].at);
    assert!(paced >= Duration::from_secs(1), "{asked} messages in one chat within {paced:?}");
    let first_paced = busy[CHAT_BURST as usize];
    assert!(other[0].at < first_paced.at, "the other chat waited for the busy one's pace");
    bot.stop().await;
}

/// Ids a fixed set of 64 chat locks would have put on the same lock.
const SAME_OLD_LOCK: i64 = CHAT + 64;

/// A chat whose answer is waiting on Telegram (here held by the fake server; in production a
/// 429, the pace past a chat's burst, or a slow answer) holds up no other chat. And nothing is
/// confirmed to Telegram while it waits, so a crash now would lose nothing.
#[tokio::test]
async fn a_chat_waiting_on_telegram_does_not_hold_up_other_chats() {
    let bot = RunningBot::start().await;
    bot.api.hold("sendMessage", Hold::ProcessedOnArrival);
    let (waiting, _) = bot.api.user_text(CHAT, "/start");
    bot.api.held(1).await;
    let held = bot.api.next("sendMessage").await;
    assert_eq!(held.chat_id(), CHAT);

    // Written after the held chat's update was fetched, so it comes in another getUpdates.
    let (other, _) = bot.api.user_text(SAME_OLD_LOCK, "/start");
    let answer = bot.api.next("sendMessage").await;
    assert_eq!(answer.chat_id(), SAME_OLD_LOCK, "{:#?}", bot.api.calls_brief());
    assert!(answer.text().starts_with("Hello. Who are you?"));
    assert_offers_999(&answer);
    assert_eq!(bot.api.unconfirmed(), 2, "an update was confirmed while an older one was in hand");

    bot.api.release();
    bot.api.confirmed(other).await;
    assert!(other > waiting);
    let sent: Vec<i64> = bot.api.delivered("sendMessage").iter().map(Call::chat_id).collect();
    assert_eq!(sent, [CHAT, SAME_OLD_LOCK], "each chat answered once");
    bot.stop().await;
}

/// The same with a webhook, where each update is its own request.
#[tokio::test]
async fn a_webhook_request_waiting_on_telegram_does_not_hold_up_another_chat() {
    let (bot, url) = webhook_bot().await;
    bot.api.hold("sendMessage", Hold::ProcessedOnArrival);
    let post = |update: serde_json::Value| {
        let url = url.clone();
        async move {
            let client = reqwest::Client::new();
            let sent = client.post(url).header("X-Telegram-Bot-Api-Secret-Token", "s3cret_token").json(&update);
            tokio::time::timeout(FAILURE_BOUND, sent.send())
                .await
                .expect("the webhook did not answer")
                .expect("webhook request")
                .status()
        }
    };
    let waiting = tokio::spawn(post(chat_text_update(CHAT, 1, 1, "/start")));
    bot.api.held(1).await;
    assert_eq!(post(chat_text_update(SAME_OLD_LOCK, 2, 2, "/start")).await, 200);
    let sent: Vec<i64> = bot.api.delivered("sendMessage").iter().map(Call::chat_id).collect();
    assert_eq!(sent, [CHAT, SAME_OLD_LOCK], "{:#?}", bot.api.calls_brief());
    assert!(!waiting.is_finished(), "Telegram got its 200 before the held reply was sent");
    bot.api.release();
    assert_eq!(waiting.await.unwrap(), 200);
    bot.stop().await;
}

/// However many chats write at once, at most `MAX_IN_FLIGHT` requests are on the wire (each is
/// a connection with its buffers), and every chat is still answered.
#[tokio::test]
async fn requests_on_the_wire_at_once_are_bounded_however_many_chats_write() {
    let (store, mut saved) = CountsSaves::wrap(Arc::new(MemoryStore::new(Duration::from_secs(3600))));
    let api = FakeBotApi::start().await;
    api.hold_every("sendMessage", Hold::ProcessedOnArrival);
    let chats = MAX_IN_FLIGHT + 16;
    for i in 0..chats {
        api.user_text(CHAT + 1 + i as i64, "/start");
    }
    let bot = RunningBot::launch_on(api, content::bot(), Some(store), Transport::Polling, false).await;
    bot.api.held(MAX_IN_FLIGHT).await;
    // Every answer decided: a send past the bound would be on its way to the fake by now.
    saves(&mut saved, chats).await;
    bot.api.stop_holding("sendMessage");
    bot.api.release();
    let sent = bot.api.next_messages(chats).await;
    assert!(sent.iter().all(|c| c.text().starts_with("Hello. Who are you?")));
    let chats_answered: std::collections::BTreeSet<i64> = sent.iter().map(Call::chat_id).collect();
    assert_eq!(chats_answered.len(), chats, "each chat answered");
    assert_eq!(bot.api.most_in_flight(), MAX_IN_FLIGHT, "requests on the wire at once");
    bot.stop().await;
}

#[tokio::test]
async fn a_429_on_callback_answers_edits_and_deletes_is_retried() {
    let bot = RunningBot::start().await;
    let first = bot.say("/start").await;
    let pick = bot.press(&first, "A parent or carer").await;
    bot.api.fail_next("answerCallbackQuery", 1);
    bot.api.fail_next("editMessageText", 1);
    let update = bot.api.press(CHAT, pick.message_id(), &pick.button("New gifts"));
    bot.api.next("editMessageText").await;
    bot.api.confirmed(update).await;
    assert_eq!(bot.api.calls("answerCallbackQuery").len(), 3, "two answered, one refused and retried");
    assert_eq!(bot.api.delivered("answerCallbackQuery").len(), 2);
    assert_eq!(bot.api.calls("editMessageText").len(), 2);
    assert_eq!(bot.api.delivered("sendMessage").len(), 2, "the edit was not turned into a new message");

    bot.api.fail_next("deleteMessages", 1);
    let (update, _) = bot.api.user_text(CHAT, "/exit");
    bot.api.confirmed(update).await;
    assert_eq!(bot.api.calls("deleteMessages").len(), 2);
    assert_eq!(bot.api.delivered("deleteMessages").len(), 1);
    bot.stop().await;
}

/// Telegram refuses an edit that changes nothing; the press still counts as answered in place,
/// with no second copy of the message and no apology.
#[tokio::test]
async fn an_edit_that_changes_nothing_counts_as_done() {
    let bot = RunningBot::start().await;
    let first = bot.say("/start").await;
    let pick = bot.press(&first, "A parent or carer").await;
    bot.api.inject("editMessageText", Fault::NotModified, 1);
    let update = bot.api.press(CHAT, pick.message_id(), &pick.button("New gifts"));
    bot.api.confirmed(update).await;
    let edits = bot.api.calls("editMessageText");
    assert_eq!(edits.len(), 1, "not retried: {:#?}", bot.api.calls_brief());
    assert_eq!(edits[0].fault, Some(Fault::NotModified));
    assert_eq!(bot.api.delivered("sendMessage").len(), 2, "nothing sent instead: {:#?}", bot.api.calls_brief());
    bot.stop().await;
}

#[tokio::test]
async fn bad_updates_do_not_stop_the_bot() {
    let bot = RunningBot::start().await;
    // Not a shape teloxide knows, a callback with no data, one with oversized data, one from
    // someone else in the chat, and a callback on an inline message (no chat at all).
    bot.api.push(json!({"message": {"what": "is this"}}));
    bot.api.push(json!({"something_new": {"x": 1}}));
    let first = bot.say("/start").await;
    bot.api.push(json!({"callback_query": {"id": "nodata", "from": {"id": CHAT, "is_bot": false, "first_name": "T"}, "chat_instance": "c",
        "message": {"message_id": first.message_id(), "date": 1_790_000_000, "text": "x", "chat": {"id": CHAT, "type": "private", "first_name": "T"}}}}));
    bot.api.press(CHAT, first.message_id(), &"x".repeat(300));
    bot.api.push(json!({"callback_query": {"id": "inline", "from": {"id": CHAT, "is_bot": false, "first_name": "T"}, "chat_instance": "c", "inline_message_id": "abc", "data": "g|exit"}}));
    let last = bot.api.push(json!({"callback_query": {"id": "other", "from": {"id": 999, "is_bot": false, "first_name": "T"}, "chat_instance": "c", "data": "g|start",
        "message": {"message_id": first.message_id(), "date": 1_790_000_000, "text": "x", "chat": {"id": CHAT, "type": "private", "first_name": "T"}}}}));
    bot.api.confirmed(last).await;
    let answered: Vec<String> = bot
        .api
        .delivered("answerCallbackQuery")
        .iter()
        .map(|c| c.params["callback_query_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(answered.len(), 4, "every callback is answered: {answered:?}");
    for id in ["nodata", "inline", "other"] {
        assert!(answered.iter().any(|a| a == id), "{id} not answered: {answered:?}");
    }
    // The two unreadable presses in the chat each showed where the user is (a note, then the
    // current step); the others sent nothing.
    let shown = bot.api.next_messages(4).await;
    for pair in shown.chunks(2) {
        assert!(pair[0].text().contains("earlier message"), "{}", pair[0].text());
        assert_eq!(pair[1].text(), without_999_line(first.text()));
        assert_turn_offers_999_once(pair);
    }
    let again = bot.say("/start").await;
    assert!(again.text().starts_with("Hello. Who are you?"), "the bot carries on");
    bot.stop().await;
}

/// A store that panics on the first load: as if handling one update crashed.
struct PanicsOnce {
    inner: MemoryStore,
    panicked: AtomicBool,
}

#[async_trait]
impl BlobStore for PanicsOnce {
    async fn load(&self, key: &str) -> Result<Option<Versioned<Vec<u8>>>, StoreError> {
        if !self.panicked.swap(true, Ordering::SeqCst) {
            panic!("simulated bug while handling an update");
        }
        self.inner.load(key).await
    }

    async fn save(&self, key: &str, state: &[u8], expected: Option<u64>) -> Result<u64, StoreError> {
        self.inner.save(key, state, expected).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }
}

#[tokio::test]
async fn a_panic_while_handling_gets_an_apology_with_999_and_the_chat_carries_on() {
    let store =
        Arc::new(PanicsOnce { inner: MemoryStore::new(Duration::from_secs(3600)), panicked: AtomicBool::new(false) });
    let bot = RunningBot::start_with(content::bot(), Some(store), |_| Transport::Polling).await;
    let sorry = bot.say("/start").await;
    assert!(sorry.text().contains("Sorry, something went wrong"), "{}", sorry.text());
    assert!(sorry.text().contains("999"));
    let start_again = sorry.button("Start again");
    assert_eq!(start_again, "g|start");
    let first = bot.press(&sorry, "Start again").await;
    assert!(first.text().starts_with("Hello. Who are you?"), "{}", first.text());
    bot.stop().await;
}

/// A store that always fails: every update gets the apology, and the bot keeps going.
struct Broken;

fn locked() -> StoreError {
    let busy = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY);
    StoreError::Sqlite(rusqlite::Error::SqliteFailure(busy, Some("database is locked".to_string())))
}

#[async_trait]
impl BlobStore for Broken {
    async fn load(&self, _: &str) -> Result<Option<Versioned<Vec<u8>>>, StoreError> {
        Err(locked())
    }

    async fn save(&self, _: &str, _: &[u8], _: Option<u64>) -> Result<u64, StoreError> {
        Err(locked())
    }

    async fn delete(&self, _: &str) -> Result<(), StoreError> {
        Err(locked())
    }
}

#[tokio::test]
async fn a_store_error_gets_an_apology_with_999() {
    let bot = RunningBot::start_with(content::bot(), Some(Arc::new(Broken)), |_| Transport::Polling).await;
    let sorry = bot.say("/start").await;
    assert!(sorry.text().contains("999") && sorry.text().contains("Sorry"), "{}", sorry.text());
    let again = bot.say("hello").await;
    assert!(again.text().contains("Sorry"), "still answered");
    bot.stop().await;
}

async fn webhook_bot() -> (RunningBot, reqwest::Url) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url: reqwest::Url = format!("http://{addr}/telegram/hook").parse().unwrap();
    let public = url.clone();
    let bot = RunningBot::start_with(content::bot(), None, move |_| Transport::Webhook {
        url: public,
        listener,
        secret: "s3cret_token".to_string(),
    })
    .await;
    let set = bot.api.next("setWebhook").await;
    assert_eq!(set.params["secret_token"], "s3cret_token");
    (bot, url)
}

fn text_update(id: i64, message_id: i64, text: &str) -> serde_json::Value {
    chat_text_update(CHAT, id, message_id, text)
}

fn chat_text_update(chat: i64, id: i64, message_id: i64, text: &str) -> serde_json::Value {
    json!({"update_id": id, "message": {"message_id": message_id, "date": 1_790_000_000, "text": text,
        "chat": {"id": chat, "type": "private", "first_name": "T"}, "from": {"id": chat, "is_bot": false, "first_name": "T"}}})
}

#[tokio::test]
async fn webhook_refuses_a_wrong_or_missing_secret() {
    let (bot, url) = webhook_bot().await;
    let client = reqwest::Client::new();
    let update = text_update(1, 1, "he's hurting me right now");
    let wrong =
        client.post(url.clone()).header("X-Telegram-Bot-Api-Secret-Token", "guess").json(&update).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let missing = client.post(url.clone()).json(&update).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(bot.api.calls("sendMessage").is_empty(), "nothing in a refused request is processed");
    assert!(bot.memory.is_empty());

    // With the secret: Telegram's 200 comes only after the reply was sent and the chat saved.
    let right = client
        .post(url.clone())
        .header("X-Telegram-Bot-Api-Secret-Token", "s3cret_token")
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(bot.api.delivered("sendMessage").len(), 1);
    assert!(bot.api.delivered("sendMessage")[0].text().contains("999"));
    assert!(!bot.memory.is_empty());

    // Telegram sending the same update again (no 200 seen) is a no-op.
    let again =
        client.post(url).header("X-Telegram-Bot-Api-Secret-Token", "s3cret_token").json(&update).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(bot.api.delivered("sendMessage").len(), 1, "a redelivered update is not answered twice");
    bot.stop().await;
}

#[tokio::test]
async fn updates_from_one_chat_are_handled_in_order() {
    let bot = RunningBot::start().await;
    // One batch: /start, then three /help, then /emergency; replies must come in that order.
    bot.api.user_text(CHAT, "/start");
    for _ in 0..3 {
        bot.api.user_text(CHAT, "/help");
    }
    bot.api.user_text(CHAT + 1, "/emergency");
    bot.api.user_text(CHAT, "/emergency");
    let mine: Vec<String> = {
        let mut out = Vec::new();
        while out.len() < 5 {
            let c = bot.api.next("sendMessage").await;
            if c.chat_id() == CHAT {
                out.push(c.text().lines().next().unwrap_or("").to_string());
            }
        }
        out
    };
    assert!(mine[0].starts_with("Hello. Who are you?"));
    assert!(mine[1..4].iter().all(|t| t.starts_with("I'm Signpost")), "{mine:?}");
    assert!(mine[4].contains("999"), "{mine:?}");
    bot.stop().await;
}

/// The shipped flows and config: the adapter runs them.
#[tokio::test]
async fn shipped_content_runs_through_the_adapter() {
    let bot = RunningBot::start_with(content::shipped().clone(), None, |_| Transport::Polling).await;
    let mut here = bot.say("/start").await;
    assert_offers_999(&here);
    // A few steps by buttons: the first choice each time; every turn offers 999 once, first.
    for _ in 0..4 {
        let Some((_, data)) = here.buttons().into_iter().find(|(_, d)| d.starts_with("c|")) else {
            break;
        };
        let seen = bot.api.delivered("sendMessage").len();
        let update = bot.api.press(CHAT, here.message_id(), &data);
        bot.api.confirmed(update).await;
        let sent = bot.api.delivered("sendMessage");
        assert!(sent.len() > seen, "a press got no reply");
        assert_turn_offers_999_once(&sent[seen..]);
        here = sent.last().unwrap().clone();
    }
    let seen = bot.api.delivered("sendMessage").len();
    let (update, _) = bot.api.user_text(CHAT, "he's hurting me right now");
    bot.api.confirmed(update).await;
    let danger = bot.api.delivered("sendMessage")[seen].clone();
    assert!(danger.text().contains("999") && danger.text().contains("press 55"), "{}", danger.text());
    bot.stop().await;
}

/// Issue 22: the answer is one message with the contacts, and its details open in place. The
/// shipped flows through the adapter: "Skip to who to contact" goes straight to the contacts in
/// one message; "Why these signs matter" and "Back to my answer" edit that message, not send.
#[tokio::test]
async fn the_answers_details_and_add_something_else_open_in_place_with_edit_message_text() {
    let bot = RunningBot::start_with(content::shipped().clone(), None, |_| Transport::Polling).await;
    let first = bot.say("/start").await;
    let who = bot.press(&first, "No, not right now").await;
    // The welcome and "what have you noticed?" are one message.
    let how = bot.press(&who, "A parent or carer").await;
    assert!(how.text().starts_with("Thank you for checking"), "{}", how.text());
    assert!(how.text().contains("What have you noticed?"), "{}", how.text());
    let area = bot.press(&how, "Skip to who to contact").await;
    let seen = bot.api.delivered("sendMessage").len();
    let update = bot.api.press(CHAT, area.message_id(), &area.button("Cambridgeshire"));
    bot.api.confirmed(update).await;
    let sent = bot.api.delivered("sendMessage");
    assert_eq!(sent.len() - seen, 1, "straight to the contacts, in one message: {:#?}", bot.api.calls_brief());
    let answer = sent.last().unwrap().clone();
    assert!(answer.text().contains("Who to contact in Cambridgeshire"), "{}", answer.text());
    assert_turn_offers_999_once(&sent[seen..]);

    // "Who is more at risk?" opens in place: an edit of the answer, no new message.
    let update = bot.api.press(CHAT, answer.message_id(), &answer.button("Who is more at risk?"));
    let edit = bot.api.next("editMessageText").await;
    bot.api.confirmed(update).await;
    assert_eq!(edit.params["message_id"].as_i64(), Some(answer.message_id() as i64));
    assert!(edit.text().contains("children in care"), "{}", edit.text());
    assert_offers_999(&edit);
    assert_eq!(bot.api.delivered("sendMessage").len(), seen + 1, "opening a detail sends nothing new");
    // And back again, in place.
    let update = bot.api.press(CHAT, answer.message_id(), &edit.button("Back to my answer"));
    let back = bot.api.next("editMessageText").await;
    bot.api.confirmed(update).await;
    assert!(back.text().contains("Who to contact in Cambridgeshire"), "{}", back.text());
    assert_eq!(bot.api.delivered("sendMessage").len(), seen + 1);

    // Adding to the answer ("Tell you what I've noticed" here, "Add something else" once signs
    // are ticked) updates it in place: the groups, a list, a tick, and Done
    // all redraw the answer's own message, which ends as the answer with the new sign.
    let mut at = back;
    for label in
        ["Tell you what I've noticed", "Going missing or taken places", "Going missing from home or care", "Done"]
    {
        let update = bot.api.press(CHAT, answer.message_id(), &at.button(label));
        at = bot.api.next("editMessageText").await;
        bot.api.confirmed(update).await;
        assert_eq!(at.params["message_id"].as_i64(), Some(answer.message_id() as i64), "{label}");
        assert_offers_999(&at);
    }
    assert!(at.text().contains("What you noticed: Going missing from home or care"), "{}", at.text());
    assert!(at.text().contains("Who to contact in Cambridgeshire"), "{}", at.text());
    // The MET Hub line that fits going missing in Cambridgeshire is part of the same message.
    assert!(at.text().contains("MET) Hub"), "{}", at.text());
    assert_eq!(bot.api.delivered("sendMessage").len(), seen + 1, "adding a sign sent no new message");
    // Now that a sign is ticked, the answer's own "Add something else" opens the groups in place.
    let update = bot.api.press(CHAT, answer.message_id(), &at.button("Add something else"));
    let groups = bot.api.next("editMessageText").await;
    bot.api.confirmed(update).await;
    assert!(groups.text().starts_with("What have you noticed?"), "{}", groups.text());
    assert!(groups.buttons().iter().any(|(l, _)| l == "That's everything"), "{:?}", groups.buttons());
    assert_eq!(bot.api.delivered("sendMessage").len(), seen + 1);
    bot.stop().await;
}

#[test]
fn fixture_content_validates() {
    let content = content::bot();
    assert!(content.flows.nodes.len() >= 4);
    assert!(content::shipped_config().join("danger.yaml").exists());
}

//! Fault injection (issue 9): the real `serve` against a fake Bot API that answers 429s, resets
//! connections, times out, is slow, drops responses half-way, and a bot that is killed mid-batch
//! and restarted on the same SQLite file.
//!
//! Each test counts, per chat, the replies it should have got against those delivered, and
//! prints the figures (`FIGURES <test>: ...`, shown with `--nocapture`) for SAFETY.md; the same
//! line is in every assertion message.
//!
//! What the adapter promises (crates/telegram/src/api.rs): every call honours `retry_after`; idempotent
//! calls retry network errors; `sendMessage` is retried only when the request surely never left
//! (429, connect errors). So when Telegram may have delivered a message but the answer was lost
//! (reset, timeout, a response cut short), the reply is not sent again: the turn stops there and
//! the user gets the apology (999 and "Start again"). The tests pin exactly that.

use crate::support::bot::{
    first_line, saves, CountsSaves, Figures, Serving, EMERGENCY_REPLY, HELP_REPLY, PICK_REPLY, START_REPLY,
};
use fake_bot_api::{FakeBotApi, Fault, Hold, CLIENT_TIMEOUT_EXCEEDED, FAILURE_BOUND};
use signpost_store::{BlobStore, MemoryStore, SqliteStore};
use signpost_telegram::handler::APOLOGY;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Every method the adapter calls while serving (getMe and deleteWebhook only at start).
const METHODS: [&str; 6] =
    ["sendMessage", "editMessageText", "answerCallbackQuery", "deleteMessages", "getUpdates", "setMyCommands"];

fn memory() -> Arc<dyn BlobStore> {
    Arc::new(MemoryStore::new(Duration::from_secs(3600)))
}

/// Several chats, each saying `/start`, `/help`, `/emergency`, `/help`: one reply per update,
/// each told apart by its first words.
struct Workload {
    expected: BTreeMap<i64, Vec<&'static str>>,
    updates: usize,
    last: i64,
}

fn push_workload(api: &FakeBotApi, first_chat: i64, chats: i64) -> Workload {
    let script =
        [("/start", START_REPLY), ("/help", HELP_REPLY), ("/emergency", EMERGENCY_REPLY), ("/help", HELP_REPLY)];
    let mut expected: BTreeMap<i64, Vec<&'static str>> = BTreeMap::new();
    let mut updates = 0;
    let mut last = 0;
    for (said, reply) in script {
        for chat in first_chat..first_chat + chats {
            last = api.user_text(chat, said).0;
            expected.entry(chat).or_default().push(reply);
            updates += 1;
        }
    }
    Workload { expected, updates, last }
}

/// One chat through every kind of call: /start, a press (answer + send), a tick (answer + edit
/// in place), then /exit (deleteMessages). Returns the replies expected in the chat.
async fn button_scenario(api: &FakeBotApi, chat: i64) -> Vec<&'static str> {
    api.user_text(chat, "/start");
    let first = api.next("sendMessage").await;
    assert!(first_line(&first).starts_with(START_REPLY), "{}", first.text());
    api.press(chat, first.message_id(), &first.button("A parent or carer"));
    let pick = api.next("sendMessage").await;
    assert!(first_line(&pick).starts_with(PICK_REPLY), "{}", pick.text());
    api.press(chat, pick.message_id(), &pick.button("Going missing overnight"));
    api.next("editMessageText").await;
    let (exit, _) = api.user_text(chat, "/exit");
    api.confirmed(exit).await;
    api.next("deleteMessages").await;
    vec![START_REPLY, PICK_REPLY]
}

/// After the faults: a new chat's `/start` still gets its normal reply.
async fn still_answers(api: &FakeBotApi, chat: i64) {
    let (update, _) = api.user_text(chat, "/start");
    api.confirmed(update).await;
    let got: Vec<String> =
        api.delivered("sendMessage").iter().filter(|c| c.chat_id() == chat).map(first_line).collect();
    assert_eq!(got, vec![START_REPLY.to_string()], "the bot carries on after the faults");
}

/// Count a fault's calls: how many times each method was called and how many were processed.
fn method_counts(api: &FakeBotApi) -> String {
    METHODS
        .iter()
        .map(|m| {
            let calls = api.calls(m);
            let faulted = calls.iter().filter(|c| c.fault.is_some()).count();
            format!(
                "{m}: {} call(s), {faulted} faulted, {} processed",
                calls.len(),
                calls.iter().filter(|c| c.ok).count()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn retry_after_on_every_method_is_honoured_and_nothing_is_lost_or_doubled() {
    let api = FakeBotApi::start().await;
    for method in METHODS {
        api.inject(method, Fault::RetryAfter(1), 1);
    }
    let bot = Serving::polling(&api, memory());
    let chat = 7_100_001;
    let scenario = button_scenario(&api, chat).await;
    let work = push_workload(&api, 7_100_010, 4);
    api.confirmed(work.last).await;

    let mut expected = work.expected.clone();
    expected.insert(chat, scenario);
    let figures = Figures::count(&api, work.updates + 5, &expected);
    let line = figures.report("retry_after_on_every_method");
    assert_eq!(api.faults_pending(), 0, "every 429 was served: {}", method_counts(&api));
    for method in METHODS {
        // (Successful getUpdates are not recorded; the confirmed batch shows polling went on.)
        let calls = api.calls(method);
        let retried = method == "getUpdates" || calls.iter().any(|c| c.ok);
        assert!(calls.iter().any(|c| !c.ok) && retried, "{method} refused then retried: {line}");
    }
    assert_eq!((figures.lost, figures.duplicates, figures.apologies, figures.unexpected), (0, 0, 0, 0), "{line}");
    assert_eq!(api.delivered("editMessageText").len(), 1, "{line}");
    assert_eq!(api.delivered("deleteMessages").len(), 1, "{line}");
    assert_eq!(api.delivered("answerCallbackQuery").len(), 2, "{line}");
    still_answers(&api, 7_100_099).await;
    assert!(bot.is_running());
    bot.stop().await;
}

#[tokio::test]
async fn a_connection_reset_is_retried_except_a_send_which_becomes_an_apology() {
    let api = FakeBotApi::start().await;
    for method in METHODS.iter().filter(|m| **m != "sendMessage") {
        api.inject(method, Fault::Reset, 1);
    }
    let bot = Serving::polling(&api, memory());
    let chat = 7_200_001;
    let scenario = button_scenario(&api, chat).await;
    // Now one send is reset: Telegram may or may not have delivered it, so it is not repeated.
    api.inject("sendMessage", Fault::Reset, 1);
    let work = push_workload(&api, 7_200_010, 4);
    api.confirmed(work.last).await;

    let mut expected = work.expected.clone();
    expected.insert(chat, scenario);
    let figures = Figures::count(&api, work.updates + 5, &expected);
    let line = figures.report("connection_reset");
    assert_eq!(api.faults_pending(), 0, "every reset was served: {}", method_counts(&api));
    for method in METHODS.iter().filter(|m| **m != "sendMessage") {
        let calls = api.calls(method);
        assert!(calls.iter().any(|c| c.fault == Some(Fault::Reset)), "{method} was reset: {line}");
    }
    assert_eq!(api.delivered("editMessageText").len(), 1, "{line}");
    assert_eq!(api.delivered("deleteMessages").len(), 1, "{line}");
    // The reset send was never processed: the apology (999, Start again) is sent at once, and the
    // reply stays in the chat's outbox and goes out with the next turn. Nothing lost or doubled.
    assert_eq!((figures.lost, figures.duplicates, figures.apologies, figures.unexpected), (0, 0, 1, 0), "{line}");
    still_answers(&api, 7_200_099).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_slow_server_loses_and_doubles_nothing() {
    let api = FakeBotApi::start().await;
    api.set_delay(Duration::from_millis(150));
    let bot = Serving::polling(&api, memory());
    let chat = 7_300_001;
    let scenario = button_scenario(&api, chat).await;
    let work = push_workload(&api, 7_300_010, 5);
    api.confirmed(work.last).await;
    let mut expected = work.expected.clone();
    expected.insert(chat, scenario);
    let figures = Figures::count(&api, work.updates + 5, &expected);
    let line = figures.report("slow_server_150ms_every_response");
    assert_eq!((figures.lost, figures.duplicates, figures.apologies, figures.unexpected), (0, 0, 0, 0), "{line}");
    still_answers(&api, 7_300_099).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_response_dropped_half_way_is_retried_when_idempotent_and_a_send_is_never_lost() {
    let api = FakeBotApi::start().await;
    for method in METHODS.iter().filter(|m| **m != "sendMessage") {
        api.inject(method, Fault::DropMidResponse, 1);
    }
    let bot = Serving::polling(&api, memory());
    let chat = 7_400_001;
    let scenario = button_scenario(&api, chat).await;
    api.inject("sendMessage", Fault::DropMidResponse, 1);
    let work = push_workload(&api, 7_400_010, 4);
    api.confirmed(work.last).await;

    let mut expected = work.expected.clone();
    expected.insert(chat, scenario);
    let figures = Figures::count(&api, work.updates + 5, &expected);
    let line = figures.report("drop_mid_response");
    assert_eq!(api.faults_pending(), 0, "every drop was served: {}", method_counts(&api));
    // Idempotent calls were processed, their answers lost, and repeated: harmless twice.
    assert_eq!(api.delivered("editMessageText").len(), 2, "{line}; {}", method_counts(&api));
    assert_eq!(api.delivered("answerCallbackQuery").len(), 3, "{line}; {}", method_counts(&api));
    // The send reached the chat but its answer was cut short, so the adapter cannot tell it from
    // a send that never arrived. It chooses at-least-once: the apology follows, and the reply,
    // kept in the outbox, is sent once more with the next turn. Never lost; at most one repeat.
    assert_eq!((figures.lost, figures.apologies, figures.unexpected), (0, 1, 0), "{line}");
    assert!(figures.duplicates <= 1, "{line}");
    still_answers(&api, 7_400_099).await;
    bot.stop().await;
}

/// A chat says /start, sends a photo with `faults` queued for sendMessage, then says /help. A
/// photo gets two messages: "I can only read typed messages..." then the current step (with the
/// buttons). Returns the figures against every reply the chat should get, and their line.
async fn photo_turn_with_send_faults(api: &FakeBotApi, chat: i64, faults: &[Fault], name: &str) -> (Figures, String) {
    let (update, _) = api.user_text(chat, "/start");
    api.confirmed(update).await;
    for fault in faults {
        api.inject("sendMessage", *fault, 1);
    }
    let (update, _) = api.user_photo(chat);
    api.confirmed(update).await;
    let (update, _) = api.user_text(chat, "/help");
    api.confirmed(update).await;
    let mut expected = BTreeMap::new();
    expected.insert(chat, vec![START_REPLY, "I can only read typed messages", START_REPLY, HELP_REPLY]);
    let figures = Figures::count(api, 3, &expected);
    let line = figures.report(name);
    (figures, line)
}

/// Regression: a send cut short mid-turn used to lose the rest of that turn (the message with the
/// buttons). The turn now waits in the outbox and goes out with the chat's next update.
#[tokio::test]
async fn a_send_cut_short_mid_turn_delivers_the_rest_with_the_next_update() {
    let api = FakeBotApi::start().await;
    let bot = Serving::polling(&api, memory());
    // The first message's answer is cut short.
    let (figures, line) =
        photo_turn_with_send_faults(&api, 7_450_001, &[Fault::DropMidResponse], "drop_mid_response_mid_turn").await;
    assert_eq!((figures.lost, figures.apologies, figures.unexpected), (0, 1, 0), "{line}");
    assert!(figures.duplicates <= 1, "at most the cut-short message again: {line}");
    bot.stop().await;
}

/// Regression: when a later message of an answer failed, the outbox was cleared because an
/// earlier one had gone, and the rest of the answer (with its buttons) was lost for good.
#[tokio::test]
async fn a_send_that_fails_after_the_first_message_of_an_answer_delivers_the_rest_with_the_next_update() {
    let api = FakeBotApi::start().await;
    let bot = Serving::polling(&api, memory());
    // The note goes; the connection drops on the second message.
    let faults = [Fault::Pass, Fault::Reset];
    let (figures, line) =
        photo_turn_with_send_faults(&api, 7_450_101, &faults, "reset_on_second_message_of_a_turn").await;
    assert_eq!((figures.lost, figures.duplicates, figures.apologies, figures.unexpected), (0, 0, 1, 0), "{line}");
    let order: Vec<String> = api.delivered("sendMessage").iter().map(first_line).collect();
    let rest = order.iter().rposition(|l| l.starts_with(START_REPLY)).unwrap();
    let help = order.iter().position(|l| l.starts_with(HELP_REPLY)).unwrap();
    assert!(rest < help, "the rest of the answer goes before the next one: {order:?}");
    bot.stop().await;
}

/// Regression: replies that could not be sent because the user had blocked the bot were kept,
/// and sent when the user came back, before anything else.
#[tokio::test]
async fn a_user_who_blocked_the_bot_is_not_sent_old_replies_when_they_come_back() {
    let api = FakeBotApi::start().await;
    let bot = Serving::polling(&api, memory());
    let chat = 7_450_201;
    let (update, _) = api.user_text(chat, "/start");
    api.confirmed(update).await;
    api.inject("sendMessage", Fault::Blocked, 1);
    let (update, _) = api.user_text(chat, "/emergency");
    api.confirmed(update).await;
    // Unblocking: Telegram sends /start.
    let (update, _) = api.user_text(chat, "/start");
    api.confirmed(update).await;
    let got: Vec<String> = api.delivered("sendMessage").iter().map(first_line).collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|l| l.starts_with(START_REPLY)), "no old reply and no apology: {got:?}");
    bot.stop().await;
}

/// Regression: a reply still to send redrew (edited) whatever message the user pressed next,
/// so a pick list could replace the message with the buttons just pressed.
#[tokio::test]
async fn a_redrawn_message_still_to_send_is_sent_as_new_not_drawn_over_the_next_press() {
    let api = FakeBotApi::start().await;
    let bot = Serving::polling(&api, memory());
    let chat = 7_450_301;
    api.user_text(chat, "/start");
    let first = api.next("sendMessage").await;
    api.press(chat, first.message_id(), &first.button("A parent or carer"));
    let pick = api.next("sendMessage").await;
    // The tick's edit is refused, and the new message sent instead is lost.
    api.inject("editMessageText", Fault::BadRequest("Bad Request: message can't be edited"), 1);
    api.inject("sendMessage", Fault::Reset, 1);
    api.press(chat, pick.message_id(), &pick.button("Going missing overnight"));
    let apology = api.next("sendMessage").await;
    assert!(APOLOGY.starts_with(&first_line(&apology)), "{}", apology.text());
    let update = api.press(chat, apology.message_id(), &apology.button("Start again"));
    api.confirmed(update).await;
    let edits_of_apology =
        api.delivered("editMessageText").iter().filter(|c| c.params["message_id"] == apology.message_id()).count();
    assert_eq!(edits_of_apology, 0, "the apology was drawn over: {:#?}", api.calls_brief());
    let after: Vec<String> = api.delivered("sendMessage").iter().skip(3).map(first_line).collect();
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after[0].starts_with(PICK_REPLY) && after[1].starts_with(START_REPLY), "{after:?}");
    bot.stop().await;
}

/// Regression: replies still to send went out before quick exit did its work, so when that
/// send failed, quick exit was not carried out at all and an apology went into the chat.
#[tokio::test]
async fn quick_exit_is_carried_out_with_replies_still_to_send_and_drops_them() {
    let api = FakeBotApi::start().await;
    let bot = Serving::polling(&api, memory());
    let chat = 7_450_601;
    let (update, _) = api.user_text(chat, "/start");
    api.confirmed(update).await;
    // The answer to /help is lost on the way (an apology follows); it is still to send.
    api.inject("sendMessage", Fault::Reset, 1);
    let (update, _) = api.user_text(chat, "/help");
    api.confirmed(update).await;
    let before = api.delivered("sendMessage").len();
    api.inject("sendMessage", Fault::Reset, 1);
    let (update, _) = api.user_text(chat, "/exit");
    api.confirmed(update).await;
    assert_eq!(api.delivered("deleteMessages").len(), 1, "{:#?}", api.calls_brief());
    assert_eq!(api.calls("sendMessage").len(), before + 1, "nothing tried after quick exit: {:#?}", api.calls_brief());
    assert_eq!(api.faults_pending(), 1, "the old reply was not even tried");
    bot.stop().await;
}

/// Telegram's own trouble (HTTP 500) on a delete is tried again, as a network error is.
#[tokio::test]
async fn a_server_error_on_quick_exits_delete_is_retried() {
    let api = FakeBotApi::start().await;
    let bot = Serving::polling(&api, memory());
    let chat = 7_450_401;
    let (_, typed) = api.user_text(chat, "/start");
    let first = api.next("sendMessage").await;
    api.inject("deleteMessages", Fault::ServerError, 1);
    let (update, exit) = api.user_text(chat, "/exit");
    api.confirmed(update).await;
    let deletes = api.delivered("deleteMessages");
    assert_eq!(deletes.len(), 1, "{:#?}", api.calls_brief());
    let mut ids: Vec<i64> =
        deletes[0].params["message_ids"].as_array().unwrap().iter().filter_map(|v| v.as_i64()).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![typed as i64, first.message_id() as i64, exit as i64]);
    bot.stop().await;
}

/// Regression: when quick exit's delete failed, the ids were forgotten with the chat, so the
/// conversation stayed on screen and pressing quick exit again could not remove it.
#[tokio::test]
async fn quick_exit_keeps_the_messages_it_could_not_delete_and_deletes_them_next_time() {
    let api = FakeBotApi::start().await;
    let store = memory();
    let bot = Serving::polling(&api, store.clone());
    let chat = 7_450_501;
    let (_, typed) = api.user_text(chat, "/start");
    let first = api.next("sendMessage").await;
    // Every try of the delete fails (the network is down).
    api.inject("deleteMessages", Fault::Reset, 6);
    let (update, exit) = api.user_text(chat, "/exit");
    api.confirmed_within(update, FAILURE_BOUND * 2).await;
    assert_eq!(api.faults_pending(), 0);
    assert!(api.delivered("deleteMessages").is_empty());
    let got: Vec<String> = api.delivered("sendMessage").iter().map(first_line).collect();
    assert_eq!(got.len(), 1, "nothing sent after quick exit, not even an apology: {got:?}");
    // Quick exit again, once the network is back: everything goes, the first time's too.
    let (update, again) = api.user_text(chat, "/exit");
    api.confirmed(update).await;
    let mut ids: Vec<i64> = api
        .delivered("deleteMessages")
        .iter()
        .flat_map(|c| c.params["message_ids"].as_array().unwrap().clone())
        .filter_map(|v| v.as_i64())
        .collect();
    ids.sort_unstable();
    let mut wanted = vec![typed as i64, first.message_id() as i64, exit as i64, again as i64];
    wanted.sort_unstable();
    assert_eq!(ids, wanted);
    assert!(
        store
            .load(&signpost_core::privacy::HashKey::from_secret(crate::support::bot::HASH_SECRET).tag(chat))
            .await
            .unwrap()
            .is_none(),
        "forgotten once all is deleted"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_send_that_times_out_is_never_lost() {
    let api = FakeBotApi::start().await;
    let bot = Serving::polling(&api, memory());
    api.inject("sendMessage", Fault::Timeout, 1);
    let work = push_workload(&api, 7_500_010, 2);
    // The timed-out send holds its chat for teloxide's 17 s client timeout.
    api.confirmed_within(work.last, FAILURE_BOUND + CLIENT_TIMEOUT_EXCEEDED).await;
    let figures = Figures::count(&api, work.updates, &work.expected);
    let line = figures.report("send_message_timeout");
    // Telegram delivered it; only the answer was late, so the adapter cannot know. At-least-once:
    // the apology follows, and the reply may go once more with the next turn. Never lost.
    assert_eq!((figures.lost, figures.apologies, figures.unexpected), (0, 1, 0), "{line}");
    assert!(figures.duplicates <= 1, "{line}");
    bot.stop().await;
}

#[tokio::test]
async fn a_long_poll_that_times_out_is_polled_again_and_nothing_is_lost() {
    let api = FakeBotApi::start().await;
    api.inject("getUpdates", Fault::Timeout, 1);
    let bot = Serving::polling(&api, memory());
    let work = push_workload(&api, 7_600_010, 3);
    api.confirmed_within(work.last, FAILURE_BOUND + CLIENT_TIMEOUT_EXCEEDED).await;
    let figures = Figures::count(&api, work.updates, &work.expected);
    let line = figures.report("get_updates_timeout");
    assert_eq!((figures.lost, figures.duplicates, figures.apologies, figures.unexpected), (0, 0, 0, 0), "{line}");
    bot.stop().await;
}

/// A bot "killed" mid-batch: its runtime is dropped while the first send of the batch is parked
/// at the fake server (so every task it had stops where it is, as in a crash), then a new bot
/// starts on the same SQLite file and the same fake server, which delivers the unconfirmed
/// updates again.
async fn kill_mid_batch_and_restart(hold: Hold, chats: i64, name: &str) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let api = FakeBotApi::start().await;
    let work = push_workload(&api, 7_700_010, chats);
    api.hold("sendMessage", hold);

    // The first bot, on a runtime of its own that is dropped to kill it.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let first = {
        let _on_it = runtime.enter();
        let store: Arc<dyn BlobStore> = Arc::new(SqliteStore::open(&path, Duration::from_secs(3600)).unwrap());
        Serving::polling(&api, store)
    };
    api.held(1).await;
    drop(first);
    runtime.shutdown_background();
    api.release();
    let before = api.delivered("sendMessage").len();

    let store: Arc<dyn BlobStore> = Arc::new(SqliteStore::open(&path, Duration::from_secs(3600)).unwrap());
    let second = Serving::polling(&api, store);
    api.confirmed(work.last).await;
    let figures = Figures::count(&api, work.updates, &work.expected);
    let line = figures.report(name);
    eprintln!("{name}: {before} message(s) delivered before the kill");
    assert_eq!(figures.updates_sent, work.updates, "{line}");
    second.stop().await;
    figures
}

#[tokio::test]
async fn killed_while_a_send_is_in_flight_and_restarted_loses_nothing() {
    // One chat: the parked send is the only thing in flight. Telegram processed it but the bot
    // never heard back, so after the restart it is sent again from the outbox: at most that one
    // message is repeated, and nothing is lost.
    let figures = kill_mid_batch_and_restart(Hold::ProcessedOnArrival, 1, "kill_send_in_flight_one_chat").await;
    let line = figures.to_string();
    assert_eq!((figures.lost, figures.apologies, figures.unexpected), (0, 0, 0), "{line}");
    assert!(figures.duplicates <= 1, "{line}");
}

#[tokio::test]
async fn killed_mid_batch_of_several_chats_and_restarted_loses_nothing() {
    // Four chats at once: while one send is parked the others are anywhere in their turn.
    let figures = kill_mid_batch_and_restart(Hold::ProcessedOnArrival, 4, "kill_mid_batch_four_chats").await;
    let line = figures.to_string();
    assert_eq!((figures.lost, figures.apologies, figures.unexpected), (0, 0, 0), "{line}");
}

/// Regression: the update was claimed before its replies were sent, so a crash in between lost
/// the turn. The replies now wait in an outbox saved with the claim and are sent on redelivery.
#[tokio::test]
async fn killed_between_save_and_send_and_restarted_loses_nothing() {
    let figures = kill_mid_batch_and_restart(Hold::NotProcessed, 1, "kill_between_save_and_send").await;
    let line = figures.to_string();
    assert_eq!((figures.lost, figures.duplicates), (0, 0), "{line}");
}

/// The crash window the polling loop opened by not waiting for a whole batch: one chat's send is
/// held, another chat writes afterwards and is answered in full, and then the bot is killed.
/// Nothing was confirmed past the held update, so after a restart Telegram sends both again: the
/// held chat gets its answer and the answered chat is not answered twice.
#[tokio::test]
async fn killed_while_one_chat_waits_and_another_was_answered_loses_and_repeats_nothing() {
    const WAITING: i64 = 7_800_010;
    const ANSWERED: i64 = 7_800_011;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let api = FakeBotApi::start().await;
    api.hold("sendMessage", Hold::NotProcessed);

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (store, mut saved) = CountsSaves::wrap(Arc::new(SqliteStore::open(&path, Duration::from_secs(3600)).unwrap()));
    let first = {
        let _on_it = runtime.enter();
        Serving::polling(&api, store)
    };
    api.user_text(WAITING, "/start");
    api.held(1).await;
    let (answered, _) = api.user_text(ANSWERED, "/help");
    let reply = api.next("sendMessage").await;
    assert_eq!((reply.chat_id(), first_line(&reply).starts_with(HELP_REPLY)), (ANSWERED, true));
    // Saved three times: the waiting chat's decision, and the answered chat's decision and then
    // its answer marked delivered. The answered chat's turn is over.
    saves(&mut saved, 3).await;
    assert_eq!(api.unconfirmed(), 2, "nothing is confirmed past the update still in hand");
    drop(first);
    runtime.shutdown_background();
    api.release();

    let store: Arc<dyn BlobStore> = Arc::new(SqliteStore::open(&path, Duration::from_secs(3600)).unwrap());
    let second = Serving::polling(&api, store);
    api.confirmed(answered).await;
    let mut expected = BTreeMap::new();
    expected.insert(WAITING, vec![START_REPLY]);
    expected.insert(ANSWERED, vec![HELP_REPLY]);
    let figures = Figures::count(&api, 2, &expected);
    let line = figures.report("kill_while_one_chat_waits");
    assert_eq!((figures.lost, figures.duplicates, figures.apologies, figures.unexpected), (0, 0, 0, 0), "{line}");
    second.stop().await;
}

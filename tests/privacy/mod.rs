//! Logs never hold what a user typed, nor a raw chat or user id: the real binary, at the most
//! verbose log level, in JSON and text, through a whole conversation on the shipped flows.

use crate::support::content;
use fake_bot_api::FakeBotApi;

const CHAT: i64 = 987_654_321_012;
/// Words a user might type, each unusual enough that finding it in a log can only be a leak.
const TYPED: &[&str] = &[
    "Xanthelasma boyfriend picks her up from Quillborough school",
    "he's got a new iphone from Zebedee and won't say where from",
    "PE19 1AA",
    "she's hurting herself Vortigern right now",
];

async fn conversation_logs(format: &str) -> String {
    logs_of(format, |api| {
        let mut last = 0;
        api.user_text(CHAT, "/start");
        for said in TYPED {
            last = api.user_text(CHAT, said).0;
        }
        last
    })
    .await
}

/// The logs of the real binary handling what `queue` puts in the queue (it returns the last
/// update's id), then stopping cleanly.
async fn logs_of(format: &str, queue: impl FnOnce(&FakeBotApi) -> i64) -> String {
    let api = FakeBotApi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let last = queue(&api);
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(["run", "--store", "memory", "--no-throttle", "--log-format", format])
        .arg("--flows")
        .arg(content::shipped_flows())
        .arg("--config")
        .arg(content::shipped_config())
        .current_dir(dir.path())
        .env("TELOXIDE_TOKEN", "123:abc")
        .env("TELOXIDE_API_URL", api.url.as_str())
        .env("SIGNPOST_LOG", "trace")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    api.confirmed(last).await;
    let pid = child.id().unwrap();
    // SIGTERM: a clean stop flushes the logs.
    std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().unwrap();
    let out = child.wait_with_output().await.unwrap();
    let logs = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!api.calls("sendMessage").is_empty(), "the conversation happened");
    logs
}

fn assert_clean(logs: &str) {
    assert!(!logs.is_empty(), "trace logging produced output");
    for typed in TYPED {
        for word in typed.split_whitespace().filter(|w| w.len() >= 6) {
            assert!(!logs.contains(word), "the logs contain the typed word {word:?}:\n{logs}");
        }
    }
    assert!(!logs.contains("1AA"), "the logs contain a postcode");
    assert!(!logs.contains(&CHAT.to_string()), "the logs contain the raw chat id");
}

#[tokio::test]
async fn json_logs_of_a_whole_conversation_hold_no_typed_words_or_raw_ids() {
    let logs = conversation_logs("json").await;
    assert!(logs.lines().any(|l| l.starts_with('{')), "JSON lines: {logs}");
    assert_clean(&logs);
}

#[tokio::test]
async fn text_logs_at_trace_level_hold_no_typed_words_or_raw_ids() {
    assert_clean(&conversation_logs("text").await);
}

/// Issue 25: an update the bot cannot read is logged (as a security event, with its id and kind)
/// and counted, and neither that line nor any other holds its words or the raw chat id.
#[tokio::test]
async fn an_unreadable_update_is_logged_and_counted_without_its_words_or_chat_id() {
    let logs = logs_of("json", |api| {
        api.user_text(CHAT, "/start");
        api.push_raw(|id| {
            format!(
                r#"{{"update_id":{id},"message":{{"message_id":7,"date":1790000000,"text":"{} \ud800","chat":{{"id":{CHAT},"type":"private","first_name":"T"}},"from":{{"id":{CHAT},"is_bot":false,"first_name":"T"}}}}}}"#,
                TYPED[0]
            )
        })
    })
    .await;
    assert_clean(&logs);
    let event = logs.lines().find(|l| l.contains("could not be read")).unwrap_or_else(|| panic!("not logged:\n{logs}"));
    for field in [r#""target":"security""#, r#""kind":"message""#, r#""unreadable_total":1"#] {
        assert!(event.contains(field), "{field} missing: {event}");
    }
    let stopped = logs.lines().find(|l| l.contains("polling stopped")).expect("a clean stop");
    assert!(stopped.contains(r#""unreadable_total":1"#), "{stopped}");
}

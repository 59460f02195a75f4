//! Property tests: random sequences of typed text, button presses (valid, stale and forged),
//! commands, unreadable messages and restarts never dead-end. Every turn offers 999 once, on its
//! first message; the last reply of every turn has a way forward, a turn's messages fit the
//! per-chat burst, and the session never keeps what was typed.

use crate::support::content::{fixture, shipped};
use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use signpost_core::content::Content;
use signpost_core::engine::{offers_999_once, step, Effect, Input, Session};
use signpost_core::flow::limits::TURN_MESSAGES;
use signpost_core::flow::walker::longest;
use signpost_telegram::split::split_reply;
use signpost_telegram::CHAT_BURST;

#[derive(Debug, Clone)]
enum Act {
    /// Press the n-th button of the latest message (modulo the count).
    Press(usize),
    /// Press a button from an earlier message.
    Stale(usize),
    Forged(String),
    Type(String),
    Command(&'static str),
    Unsupported,
    /// Save and load the session as a store would (a restart).
    Restart,
    /// Let time pass (hours).
    Wait(u8),
}

fn act() -> impl Strategy<Value = Act> {
    let typed = prop_oneof![
        Just("no".to_string()),
        Just("yes".to_string()),
        Just("he's got a new iphone and won't say where from".to_string()),
        Just("older boyfriend picks her up from school".to_string()),
        Just("keeps going missing overnight".to_string()),
        Just("PE19 1AA".to_string()),
        Just("Luton".to_string()),
        Just("I don't know".to_string()),
        Just("he is hurting me right now".to_string()),
        "[a-z ]{0,30}",
        "\\PC{0,40}",
    ];
    prop_oneof![
        6 => (0usize..16).prop_map(Act::Press),
        1 => (0usize..64).prop_map(Act::Stale),
        1 => "\\PC{0,80}".prop_map(Act::Forged),
        3 => typed.prop_map(Act::Type),
        1 => prop_oneof![Just("/start"), Just("/help"), Just("/emergency"), Just("/area"), Just("/exit"), Just("/nonsense")].prop_map(Act::Command),
        1 => Just(Act::Unsupported),
        1 => Just(Act::Restart),
        1 => (0u8..60).prop_map(Act::Wait),
    ]
}

/// Run a sequence and check the invariants after every turn.
fn walk(content: &Content, acts: &[Act]) -> Result<(), TestCaseError> {
    let mut session = Session::default();
    let mut now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let mut seen_buttons: Vec<String> = Vec::new();
    let mut latest: Vec<String> = Vec::new();
    let typed_marker = "zqxjkvbpy";
    for a in acts {
        let owned;
        let input = match a {
            Act::Press(n) if !latest.is_empty() => Input::Button(&latest[n % latest.len()]),
            Act::Press(_) => Input::Text("/start"),
            Act::Stale(n) if !seen_buttons.is_empty() => Input::Button(&seen_buttons[n % seen_buttons.len()]),
            Act::Stale(_) => Input::Text("/start"),
            Act::Forged(s) => Input::Button(s),
            Act::Type(t) => {
                owned = format!("{t} {typed_marker}");
                Input::Text(&owned)
            }
            Act::Command(c) => Input::Text(c),
            Act::Unsupported => Input::Unsupported,
            Act::Restart => {
                let json = serde_json::to_string(&session).unwrap();
                session = serde_json::from_str(&json).unwrap();
                continue;
            }
            Act::Wait(h) => {
                now += Duration::hours(i64::from(*h));
                continue;
            }
        };
        let (next, effects) = step(content, &session, input, now);
        session = next;
        prop_assert!(!effects.is_empty(), "every input gets an answer: {a:?}");
        let cleared = effects.contains(&Effect::ClearChat);
        // A whole answer goes at once only if it fits the per-chat burst; past it, each message
        // waits a second, and in polling mode every other chat waits with it.
        let messages: usize = effects.iter().filter_map(Effect::reply).map(|r| split_reply(&r.text).len()).sum();
        prop_assert!(
            messages <= CHAT_BURST as usize,
            "an answer of {messages} messages after {a:?}: longer than the burst Telegram's limits allow a chat at once \
             ({CHAT_BURST}); shorten it or raise flow::limits::TURN_MESSAGES"
        );
        // One turn, one 999 offer: on its first message, and not repeated.
        if let Err(why) = offers_999_once(&effects) {
            return Err(TestCaseError::fail(format!("after {a:?}: {why}")));
        }
        for r in effects.iter().filter_map(Effect::reply) {
            prop_assert!(r.text.chars().count() <= 4096, "too long for Telegram after {a:?}");
        }
        if cleared {
            prop_assert_eq!(&session, &Session::default());
            latest.clear();
        } else {
            let last = effects.iter().rev().find_map(Effect::reply).unwrap();
            prop_assert!(!last.buttons.is_empty(), "dead end after {a:?}: {last:#?}");
            prop_assert!(last.buttons.iter().any(|b| b.data == "g|exit"), "no quick exit after {a:?}");
            latest = last.buttons.iter().map(|b| b.data.clone()).collect();
            seen_buttons.extend(latest.iter().cloned());
        }
        let json = serde_json::to_string(&session).unwrap();
        prop_assert!(!json.contains(typed_marker), "the session kept typed text: {json}");
    }
    Ok(())
}

/// Beside the walks, which can miss a rare path: no turn of the shipped flows, counted from the
/// graph, sends more than a chat gets at once.
#[test]
fn no_turn_of_the_shipped_flows_outruns_a_chats_burst() {
    let flows = &shipped().flows;
    let (node, most) = longest(flows).expect("the flows have nodes");
    assert!(
        most <= TURN_MESSAGES && most < CHAT_BURST as usize,
        "going to node {:?} can send {most} messages; a turn may send {TURN_MESSAGES} (a chat gets {CHAT_BURST} at once, one kept for a note)",
        flows.nodes[node].id
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fixture_flows_never_dead_end(acts in prop::collection::vec(act(), 1..60)) {
        walk(fixture(), &acts)?;
    }

    #[test]
    fn shipped_flows_never_dead_end(acts in prop::collection::vec(act(), 1..80)) {
        walk(shipped(), &acts)?;
    }
}

/// Regression (issue 22): choosing who you are sent two messages, each with the 999 line, and an
/// answer carried it on every one of its five or six messages. A turn now joins the messages on
/// its way into the one that waits, shows the 999 line once, on its first message, and the
/// emergency message counts as the turn's offer.
#[test]
fn a_turn_of_several_messages_carries_the_999_line_once_on_its_first() {
    let content = shipped();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let mut session = Session::default();
    let turn = |session: &mut Session, input: Input<'_>| -> Vec<signpost_core::engine::Reply> {
        let (next, effects) = step(content, session, input, now);
        *session = next;
        offers_999_once(&effects).unwrap_or_else(|why| panic!("{why}"));
        effects.iter().filter_map(Effect::reply).cloned().collect()
    };
    let press = |replies: &[signpost_core::engine::Reply], label: &str| -> String {
        let last = replies.last().expect("a reply");
        last.buttons.iter().find(|b| b.label == label).unwrap_or_else(|| panic!("no {label:?}")).data.clone()
    };
    let footer = signpost_core::safety::FOOTER;
    let r = turn(&mut session, Input::Text("/start"));
    let r = turn(&mut session, Input::Button(&press(&r, "No, not right now")));
    let who = r.clone();
    let r = turn(&mut session, Input::Button(&press(&r, "A parent or carer")));
    assert_eq!(r.len(), 1, "the welcome and the first question are one message: {r:#?}");
    assert!(r[0].text.starts_with("Thank you for checking") && r[0].text.contains("What have you noticed?"));
    assert_eq!(r[0].text.matches(footer).count(), 1, "{r:#?}");
    let r = turn(&mut session, Input::Text("keeps going missing overnight and has a new phone"));
    assert!(r.len() == 1 && r[0].text.contains("If that's right, which area is this in?"), "{r:#?}");
    let r = turn(&mut session, Input::Text("Cambridge"));
    assert_eq!(r.len(), 1, "the MET Hub line joins the answer: {r:#?}");
    assert!(r[0].text.starts_with("In Cambridgeshire, the county council's Missing"), "{r:#?}");
    assert!(r[0].text.contains("What you noticed:") && r[0].text.ends_with(footer));
    assert_eq!(r[0].text.matches(footer).count(), 1, "{r:#?}");
    // A turn of two messages: an old button gets a notice, then where the user is.
    let r = turn(&mut session, Input::Button(&press(&who, "A parent or carer")));
    assert_eq!(r.len(), 2, "{r:#?}");
    assert!(r[0].text.ends_with(footer) && !r[1].text.contains(footer), "{r:#?}");
    // Danger typed mid-answer: the emergency message is first and is the turn's offer.
    let r = turn(&mut session, Input::Text("he is hurting her right now"));
    assert_eq!(r[0].kind, signpost_core::engine::ReplyKind::Emergency);
    assert!(r.iter().skip(1).all(|m| !m.text.contains(footer)), "{r:#?}");
}

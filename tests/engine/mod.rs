//! The engine's rules no flow can switch off, on a small fixture flow set and the real config.

use crate::support::content::fixture;
use chrono::{DateTime, TimeZone, Utc};
use signpost_core::engine::{step, Effect, Input, Reply, ReplyKind, Session};

/// Tuesday 24 November 2026, 10:00 UK time.
fn tuesday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

struct Chat {
    session: Session,
    now: DateTime<Utc>,
    last: Vec<Effect>,
}

impl Chat {
    fn new() -> Self {
        let mut c = Chat { session: Session::default(), now: tuesday_morning(), last: Vec::new() };
        c.say("/start");
        c
    }

    fn input(&mut self, input: Input<'_>) -> &[Effect] {
        let (s, effects) = step(fixture(), &self.session, input, self.now);
        self.session = s;
        if let Err(why) = signpost_core::engine::offers_999_once(&effects) {
            panic!("every turn offers 999 once, on its first message: {why}\n{effects:#?}");
        }
        if let Some(last) = effects.iter().rev().find_map(Effect::reply) {
            assert!(!last.buttons.is_empty(), "the last reply must offer a way forward: {last:#?}");
        }
        self.last = effects;
        &self.last
    }

    fn say(&mut self, text: &str) -> &[Effect] {
        self.input(Input::Text(text))
    }

    fn replies(&self) -> Vec<&Reply> {
        self.last.iter().filter_map(Effect::reply).collect()
    }

    fn text(&self) -> String {
        self.replies().iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join("\n")
    }

    fn press(&mut self, label: &str) -> &[Effect] {
        let data = self
            .replies()
            .iter()
            .rev()
            .flat_map(|r| r.buttons.iter())
            .find(|b| b.label == label)
            .unwrap_or_else(|| panic!("no button {label:?} in {:#?}", self.replies()))
            .data
            .clone();
        self.input(Input::Button(&data))
    }

    fn node(&self) -> Option<&str> {
        self.session.node.as_deref()
    }

    /// A parent who picked no signs, now asked for their area.
    fn at_the_area_question() -> Self {
        let mut c = Chat::new();
        for p in ["No", "A parent", "Pick from a list", "Done"] {
            c.press(p);
        }
        c
    }
}

#[test]
fn a_parent_by_buttons_reaches_signs_contacts_and_999() {
    let mut c = Chat::new();
    assert_eq!(c.node(), Some("danger"));
    c.press("No");
    c.press("A parent");
    c.press("Pick from a list");
    c.press("Missing overnight");
    assert!(c.replies()[0].replaces, "ticking a sign redraws the same message");
    assert!(c.replies()[0].buttons.iter().any(|b| b.label == "✅ Missing overnight"));
    c.press("Done");
    assert_eq!(c.node(), Some("where"));
    c.say("Cambridge");
    let text = c.text();
    assert!(text.contains("Thank you for telling me"), "{text}");
    assert!(text.contains("Trust your instincts"), "the snippet runs and returns: {text}");
    assert!(text.contains("Being away overnight"), "{text}");
    assert!(text.contains("0345 045 5203"), "Cambridgeshire's day line on a Tuesday morning: {text}");
    assert_eq!(c.node(), Some("answer"));
    let last = c.replies().last().unwrap().buttons.iter().map(|b| b.label.clone()).collect::<Vec<_>>();
    for want in ["See more signs", "Change area", "Start again", "Quick exit (clear this chat)"] {
        assert!(last.iter().any(|l| l == want), "{want} missing from {last:?}");
    }
}

#[test]
fn yes_in_danger_goes_straight_to_the_emergency_message() {
    let mut c = Chat::new();
    c.press("Yes, in danger now");
    let r = c.replies();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].kind, ReplyKind::Emergency);
    for fact in ["999", "55", "18000"] {
        assert!(r[0].text.contains(fact), "{fact}");
    }
    c.press("I'm safe, carry on");
    assert_eq!(c.node(), Some("danger"));
}

#[test]
fn a_danger_phrase_at_any_step_gets_the_emergency_message_first() {
    let steps: &[&[&str]] = &[&[], &["No"], &["No", "A parent"], &["No", "A parent", "Pick from a list", "Done"]];
    for presses in steps {
        let mut c = Chat::new();
        for p in *presses {
            c.press(p);
        }
        let before = c.node().map(str::to_string);
        c.say("he's hurting me and I cant get away");
        assert_eq!(c.replies()[0].kind, ReplyKind::Emergency, "after {presses:?}");
        assert_eq!(c.node().map(str::to_string), before, "the danger check does not move the conversation");
    }
}

#[test]
fn danger_at_a_free_text_question_gets_999_first_and_the_words_are_still_read() {
    let mut c = Chat::new();
    for p in ["No", "A parent", "In my own words"] {
        c.press(p);
    }
    c.say("she's out all night and right now she's with him now");
    let replies = c.replies();
    assert_eq!(replies[0].kind, ReplyKind::Emergency, "999 comes first");
    assert_eq!(c.node(), Some("check"), "then the words are read as usual");
    assert!(c.text().contains("• Missing overnight"), "{}", c.text());
}

#[test]
fn own_words_are_matched_to_signs_and_checked_back() {
    let mut c = Chat::new();
    c.press("No");
    c.press("A parent");
    c.press("In my own words");
    c.say("he's got a new iPhone and won't say where from");
    assert_eq!(c.node(), Some("check"));
    assert!(c.text().contains("• A new phone"), "{}", c.text());
    assert!(c.session.signs.is_empty(), "nothing is chosen until the user confirms");
    c.press("Yes");
    assert_eq!(c.session.signs, vec!["phone".to_string()]);
    let json = serde_json::to_string(&c.session).unwrap();
    assert!(!json.to_lowercase().contains("iphone"), "the session keeps no free text: {json}");
}

#[test]
fn three_unrecognised_answers_offer_a_restart_and_national_contacts() {
    let mut c = Chat::new();
    c.press("No");
    c.say("banana");
    assert!(c.text().contains("Sorry, I didn't understand"), "{}", c.text());
    assert!(c.replies()[0].buttons.iter().any(|b| b.label == "A parent"), "the re-ask shows the options");
    c.say("");
    c.say("🙂🙂🙂");
    let text = c.text();
    assert!(text.contains("start again"), "{text}");
    assert!(text.contains("0808 800 5000"), "national contacts (NSPCC) after three misses: {text}");
    assert!(c.replies()[0].buttons.iter().any(|b| b.label == "Start again"));
}

#[test]
fn typed_labels_and_numbers_press_buttons() {
    let mut c = Chat::new();
    c.say("no");
    assert_eq!(c.node(), Some("who"));
    c.say("2");
    assert_eq!(c.session.audience.as_deref(), Some("young"));
}

#[test]
fn stale_and_forged_buttons_show_where_the_user_is() {
    let mut c = Chat::new();
    let old = c.replies()[0].buttons[1].data.clone();
    c.press("No");
    for data in [old.as_str(), "c|zzzzzz|who|0", "g|nonsense", "", &"x".repeat(300)] {
        c.input(Input::Button(data));
        let text = c.text();
        assert_eq!(c.node(), Some("who"), "{data:?}");
        assert!(text.contains("Who are you?"), "the current step is shown again: {text}");
        assert_eq!(c.session.audience, None, "a stale button changes nothing");
    }
}

#[test]
fn quick_exit_clears_everything() {
    let mut c = Chat::new();
    c.press("No");
    c.press("A parent");
    let effects = c.say("/exit").to_vec();
    assert_eq!(effects, vec![Effect::ClearChat]);
    assert_eq!(c.session, Session::default());
}

#[test]
fn area_command_reshows_the_answer_for_the_new_area() {
    let mut c = Chat::at_the_area_question();
    c.say("Luton");
    assert!(c.text().contains("Bedfordshire"), "{}", c.text());
    c.say("/area");
    assert_eq!(c.node(), Some("where"));
    c.say("Poole");
    assert_eq!(c.node(), Some("answer"));
    assert!(c.text().contains("Dorset"), "{}", c.text());
}

#[test]
fn a_split_postcode_district_asks_one_follow_up() {
    let mut c = Chat::at_the_area_question();
    c.say("PE19");
    assert_eq!(c.node(), Some("where"));
    assert!(!c.session.area_options.is_empty());
    // It asks which side of the boundary the user is on, in the router's words: "which is
    // nearest" would send someone just over the line to the wrong council.
    assert!(c.text().starts_with("PE19 is partly in Cambridgeshire and partly in Bedfordshire."), "{}", c.text());
    assert!(!c.text().contains("nearest"), "{}", c.text());
    let labels: Vec<String> = c.replies()[0].buttons.iter().map(|b| b.label.clone()).collect();
    assert!(labels.iter().any(|l| l.contains("don't know")), "{labels:?}");
    c.press(&labels[0]);
    assert_eq!(c.node(), Some("answer"));
}

/// Regression (issue 23): a full postcode in a split district asked which side it was on.
#[test]
fn a_full_postcode_in_a_split_district_goes_straight_to_its_area() {
    let mut c = Chat::at_the_area_question();
    c.say("PE19 1AA");
    assert_eq!(c.node(), Some("answer"));
    assert!(c.text().contains("Cambridgeshire"), "{}", c.text());
    assert!(c.session.area_options.is_empty());
    assert!(c.session.councils.is_empty(), "a covered area names no council: {:?}", c.session.councils);
}

/// Outside the areas, the session keeps the council's code (never the postcode), and a later
/// area button forgets it.
#[test]
fn a_full_postcode_outside_keeps_only_its_councils_code() {
    let mut c = Chat::at_the_area_question();
    c.say("LS1 1AA");
    assert_eq!(c.node(), Some("answer"));
    assert_eq!(c.session.councils, ["E08000035"]);
    assert!(c.text().contains("Leeds children's services"), "{}", c.text());
    let saved = serde_json::to_string(&c.session).unwrap();
    assert!(!saved.to_uppercase().contains("1AA"), "{saved}");
    c.say("/area");
    c.say("Poole");
    assert!(c.session.councils.is_empty());
}

/// Regression: "yes" typed at "is a child in danger right now?" was not a button's whole label,
/// so it got "Sorry, I didn't understand" instead of the emergency message.
#[test]
fn a_typed_yes_or_no_presses_the_one_button_that_begins_with_it() {
    for typed in ["yes", "Yes!", "y", "yeah", "yes she is"] {
        let mut c = Chat::new();
        c.say(typed);
        assert!(c.replies().iter().any(|r| r.kind == ReplyKind::Emergency), "{typed:?}: {}", c.text());
    }
    for typed in ["no", "Nope", "n"] {
        let mut c = Chat::new();
        c.say(typed);
        assert_eq!(c.node(), Some("who"), "{typed:?}: {}", c.text());
    }
    // Not a plain no, and no button here begins with yes or no: asked again.
    let mut c = Chat::new();
    c.say("no idea");
    assert_eq!(c.node(), Some("danger"), "{}", c.text());
    c.press("No");
    c.say("yes");
    assert_eq!(c.node(), Some("who"), "{}", c.text());
    assert!(c.text().contains("didn't understand"), "{}", c.text());
}

/// Regression: every follow-up question said "That postcode area covers more than one place",
/// even for a town name shared by two areas or a likely typo, where the router had asked the
/// right question.
#[test]
fn a_follow_up_area_question_says_what_it_is_about() {
    for (typed, question) in [
        ("Gillingham", "There is more than one place called Gillingham. Which area is it in?"),
        ("Cambrige", "Did you mean Cambridge, in Cambridgeshire?"),
    ] {
        let mut c = Chat::at_the_area_question();
        c.say(typed);
        assert_eq!(c.node(), Some("where"), "{typed}");
        assert!(c.text().starts_with(question), "{typed}: {}", c.text());
        assert!(!c.text().contains("postcode area"), "{typed}: {}", c.text());
        // Answered, the question is not kept.
        let first = c.replies()[0].buttons[0].label.clone();
        c.press(&first);
        assert!(c.session.area_question.is_empty(), "{typed}");
    }
}

/// Regression: at the area question a typed number went to the place finder ("couldn't find
/// that place") although the same number pressed a button at every other question.
#[test]
fn a_number_typed_at_the_area_question_presses_that_button() {
    let mut c = Chat::at_the_area_question();
    assert_eq!(c.node(), Some("where"));
    let labels: Vec<String> = c.replies()[0].buttons.iter().map(|b| b.label.clone()).collect();
    let second = labels.get(1).cloned().expect("the area question offers areas");
    c.say("2");
    assert_eq!(c.node(), Some("answer"), "{}", c.text());
    assert!(!c.text().contains("couldn't find that place"), "{}", c.text());
    let mut by_label = Chat::at_the_area_question();
    by_label.press(&second);
    assert_eq!(c.session.area, by_label.session.area, "\"2\" is the same as pressing {second:?}");
    c.say("/area");
    c.say("99");
    assert_eq!(c.node(), Some("where"), "a number with no button is still a miss");
    assert!(c.text().contains("couldn't find that place"), "{}", c.text());
}

#[test]
fn dont_know_the_area_gives_the_national_route_at_once() {
    let mut c = Chat::new();
    for p in ["No", "A young person", "Pick from a list", "Done"] {
        c.press(p);
    }
    c.press("I don't know / rather not say");
    assert_eq!(c.node(), Some("answer"));
    assert!(c.text().contains("0800 1111"), "a young person gets Childline: {}", c.text());
}

#[test]
fn unsupported_messages_get_a_kind_reply_and_the_current_step() {
    let mut c = Chat::new();
    c.press("No");
    c.input(Input::Unsupported);
    assert!(c.text().contains("only read typed messages"), "{}", c.text());
    assert!(c.text().contains("Who are you?"));
}

#[test]
fn an_unreadable_message_is_asked_for_again_with_999_and_the_current_step() {
    let mut c = Chat::new();
    c.press("No");
    c.input(Input::Unreadable);
    assert!(c.text().contains("couldn't read your last message"), "{}", c.text());
    assert!(c.text().contains("999"), "{}", c.text());
    assert!(c.text().contains("Who are you?"), "{}", c.text());
}

#[test]
fn odd_inputs_always_get_a_sensible_reply() {
    let long = "a".repeat(10_000);
    for text in [
        long.as_str(),
        "   ",
        "مرحبا، أنا قلق على ابني",
        "\u{200b}\u{200f}",
        "👀👀",
        "/unknowncommand",
        "/start@SignpostBot extra",
        "'; DROP TABLE sessions; --",
        "<b>hi</b> *bold* _x_",
    ] {
        let mut c = Chat::new();
        c.press("No");
        c.say(text);
        assert!(!c.replies().is_empty(), "{text:?}");
    }
}

#[test]
fn an_idle_session_expires_and_starts_fresh_with_a_note() {
    let mut c = Chat::new();
    c.press("No");
    c.press("A parent");
    c.now += chrono::Duration::hours(49);
    c.say("hello");
    assert!(c.text().contains("started a new conversation"), "{}", c.text());
    assert_eq!(c.node(), Some("danger"));
    assert_eq!(c.session.audience, None);
}

#[test]
fn a_session_on_a_removed_node_goes_back_to_the_start_with_a_note() {
    let mut c = Chat::new();
    c.session.node = Some("a_node_that_was_deleted".into());
    c.session.audience = Some("parent".into());
    c.say("hello");
    assert!(c.text().contains("updated"), "{}", c.text());
    assert!(c.node().is_some());
}

#[test]
fn help_explains_and_carries_on() {
    let mut c = Chat::new();
    c.press("No");
    c.say("/help");
    assert!(c.text().contains("/exit"), "{}", c.text());
    c.press("Carry on");
    assert_eq!(c.node(), Some("who"));
}

mod short_routes;

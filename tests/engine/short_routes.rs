//! Issue 22's targets on the shipped flows: every audience reaches an answer with contacts in at
//! most 6 actions from /start by the list and 4 in their own words (the danger question and "who
//! are you?" included), and the answer is one message.

use crate::support::content::shipped;
use chrono::{DateTime, TimeZone, Utc};
use signpost_core::engine::{offers_999_once, step, Effect, Input, Reply, Session};
use signpost_core::flow::NodeKind;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
}

/// Every "who are you?" button and the group its list route opens first.
const AUDIENCES: &[(&str, &str)] = &[
    ("A parent or carer", "Going missing or taken places"),
    ("I'm young and worried about me", "Going missing or taken places"),
    ("I'm young and worried about a friend", "Going missing or taken places"),
    ("I work in a school", "What I see at work"),
    ("I drive a taxi or private hire car", "What I see at work"),
    ("I work in a hotel", "What I see at work"),
    ("I work in fast food or a late venue", "What I see at work"),
    ("Health, care, youth work or other job", "What I see at work"),
    ("Someone else worried about a child", "Going missing or taken places"),
];

struct Chat {
    session: Session,
    last: Vec<Reply>,
    actions: usize,
}

impl Chat {
    fn start() -> Chat {
        let mut c = Chat { session: Session::default(), last: Vec::new(), actions: 0 };
        c.input(Input::Text("/start"));
        c.actions = 0;
        c
    }

    fn input(&mut self, input: Input<'_>) {
        let (s, effects) = step(shipped(), &self.session, input, now());
        offers_999_once(&effects).unwrap_or_else(|why| panic!("{why}"));
        self.session = s;
        self.last = effects.iter().filter_map(Effect::reply).cloned().collect();
        self.actions += 1;
    }

    fn button(&self, pick: impl Fn(&str) -> bool) -> String {
        let last = self.last.last().expect("a reply");
        let b = last.buttons.iter().find(|b| pick(&b.label));
        b.unwrap_or_else(|| panic!("no such button in {:?}", last.buttons)).data.clone()
    }

    fn press(&mut self, label: &str) {
        let data = self.button(|l| l == label);
        self.input(Input::Button(&data));
    }

    /// The first button (a list's first sign, a group's first list).
    fn press_first(&mut self) {
        let data = self.button(|_| true);
        self.input(Input::Button(&data));
    }

    fn at_end(&self) -> bool {
        let flows = &shipped().flows;
        let node = self.session.node.as_deref().and_then(|n| flows.node(n));
        node.is_some_and(|i| matches!(flows.nodes[i].kind, NodeKind::End { .. }))
    }

    /// The answer: one message, with contacts and the 999 line.
    fn assert_answer(&self, how: &str) {
        assert!(self.at_end(), "{how}: not at an answer but {:?}", self.session.node);
        assert_eq!(self.last.len(), 1, "{how}: the answer is one message: {:#?}", self.last);
        let text = &self.last[0].text;
        assert!(text.contains("in Dorset\n"), "{how}: the contacts for Dorset: {text}");
        assert!(text.ends_with(signpost_core::safety::FOOTER), "{how}: {text}");
    }
}

#[test]
fn every_audience_reaches_an_answer_in_six_actions_by_the_list() {
    for (audience, group) in AUDIENCES {
        let mut c = Chat::start();
        c.press("No, not right now");
        c.press(audience);
        c.press(group);
        let sign = c.last[0].buttons[0].label.clone();
        c.press_first();
        c.press("Done");
        c.press("Dorset, Bournemouth, Poole");
        c.assert_answer(audience);
        let text = &c.last[0].text;
        assert!(text.contains(&format!(": {sign}.")), "{audience}: the answer names {sign:?}: {text}");
        assert!(c.actions <= 6, "{audience}: {} actions", c.actions);
    }
}

#[test]
fn every_audience_reaches_an_answer_in_four_actions_in_their_own_words() {
    for (audience, _) in AUDIENCES {
        let mut c = Chat::start();
        c.press("No, not right now");
        c.press(audience);
        c.input(Input::Text("keeps going missing overnight"));
        assert!(c.last[0].text.contains("Staying out overnight or very late"), "{audience}: {}", c.last[0].text);
        c.press("Dorset, Bournemouth, Poole");
        c.assert_answer(audience);
        let text = &c.last[0].text;
        assert!(text.contains("Staying out overnight or very late"), "choosing the area accepted the signs: {text}");
        assert_eq!(c.actions, 4, "{audience}");
    }
}

#[test]
fn a_typed_place_at_is_that_right_accepts_the_signs_and_not_quite_does_not() {
    let mut c = Chat::start();
    c.press("No, not right now");
    c.press("A parent or carer");
    c.input(Input::Text("he has a new phone and won't say who gave it"));
    c.input(Input::Text("poole"));
    c.assert_answer("typed place");
    assert!(c.last[0].text.contains("A new phone that isn't explained"), "{}", c.last[0].text);

    let mut c = Chat::start();
    c.press("No, not right now");
    c.press("A parent or carer");
    c.input(Input::Text("he has a new phone and won't say who gave it"));
    c.press("Not quite");
    assert!(c.session.signs.is_empty(), "Not quite keeps nothing: {:?}", c.session.signs);
    assert_eq!(c.session.area, None, "and asks no area yet");
}

#[test]
fn a_list_offers_another_group_and_its_done_redraws_the_list_in_place() {
    let mut c = Chat::start();
    c.press("No, not right now");
    c.press("A parent or carer");
    c.press("Gifts and money");
    assert!(c.last[0].replaces, "a group opens in place of the question");
    c.press("A new phone that isn't explained");
    c.press("Another group");
    assert_eq!(c.session.node.as_deref(), Some("s_how"));
    assert!(c.last[0].replaces);
    let buttons: Vec<&str> = c.last[0].buttons.iter().map(|b| b.label.as_str()).collect();
    assert!(buttons.contains(&"That's everything") && !buttons.contains(&"Skip to who to contact"), "{buttons:?}");
    c.press("Going missing or taken places");
    c.press("Going missing from home or care");
    c.press("Done");
    assert_eq!(c.last.len(), 1);
    assert!(c.last[0].replaces, "the list becomes the area question in place");
    assert!(c.last[0].text.starts_with("Which area is this in?"), "{}", c.last[0].text);
    c.press("Cambridgeshire");
    let text = &c.last[0].text;
    assert_eq!(c.last.len(), 1, "the MET Hub line joins the answer: {:#?}", c.last);
    assert!(text.contains("(MET) Hub") && text.contains("What you noticed:"), "{text}");
    assert!(text.contains("A new phone that isn't explained") && text.contains("Going missing from home or care"));

    // "Add something else" on the answer: the groups, a list, a tick and Done each redraw it.
    c.press("Add something else");
    assert!(c.last.len() == 1 && c.last[0].replaces, "{:#?}", c.last);
    c.press("Phone and online");
    assert!(c.last.len() == 1 && c.last[0].replaces, "{:#?}", c.last);
    c.press_first();
    assert!(c.last.len() == 1 && c.last[0].replaces, "{:#?}", c.last);
    c.press("Done");
    assert!(c.at_end() && c.last.len() == 1 && c.last[0].replaces, "{:#?}", c.last);
    let text = &c.last[0].text;
    assert!(
        text.contains("What you noticed:") && text.contains("and 1 more") || text.matches(';').count() >= 2,
        "{text}"
    );
}

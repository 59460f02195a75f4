//! Filling placeholders and choosing the buttons a node shows for this session.

use super::callback::{self, GlobalAction};
use super::Session;
use crate::content::Content;
use crate::flow::walker::{self, quick_exit, Button};
use crate::flow::{Condition, NodeIdx, NodeKind};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use std::fmt::Write;

pub const CARRY_ON: &str = "I'm safe, carry on";
pub const CARRY_ON_PLAIN: &str = "Carry on";
pub const DONT_KNOW_AREA: &str = "I don't know / rather not say";
pub const SOMEWHERE_ELSE: &str = "Somewhere else in England";
/// The area id of the national route.
pub const ELSEWHERE: &str = "elsewhere";
/// The pseudo-area a "don't know" button carries.
pub const UNKNOWN_AREA: &str = "unknown";

/// Whether the user's audience is a young person (Childline first, young wording).
pub fn is_young(c: &Content, s: &Session) -> bool {
    s.audience.as_deref().and_then(|a| c.flows.audience(a)).is_some_and(|i| c.flows.audiences[i].young)
}

pub fn holds(c: &Content, s: &Session, cond: &Condition) -> bool {
    let flows = &c.flows;
    let audience = s.audience.as_deref().and_then(|a| flows.audience(a));
    let chosen = || s.signs.iter().filter_map(|id| flows.sign(id));
    cond.audience.as_ref().is_none_or(|list| audience.is_some_and(|a| list.contains(&a)))
        && cond.area.as_ref().is_none_or(|list| list.iter().any(|a| a.as_str() == s.area.as_deref().unwrap_or("")))
        && cond.young.is_none_or(|y| y == is_young(c, s))
        && cond.has_signs.is_none_or(|h| h != s.signs.is_empty())
        && cond.signs.as_ref().is_none_or(|list| chosen().any(|i| list.contains(&i)))
        && cond
            .category
            .as_ref()
            .is_none_or(|list| chosen().any(|i| flows.signs[i].category.is_some_and(|k| list.contains(&k))))
        && cond.severe.is_none_or(|v| v == chosen().any(|i| flows.signs[i].severe))
}

/// The message with its placeholders filled for this session and time.
pub fn fill(c: &Content, s: &Session, text: &str, now: DateTime<Utc>) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 256);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if placeholder(c, s, &after[..close], now, &mut out) => {
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn placeholder(c: &Content, s: &Session, name: &str, now: DateTime<Utc>, out: &mut String) -> bool {
    match name {
        "contacts" => {
            let area = s.area.as_deref().and_then(|a| c.router.area(a)).map(|a| &a.id);
            out.push_str(c.router.contact_block_for(area, &s.councils, is_young(c, s), now).trim_end());
        }
        "signs" => sign_list(c, &s.signs, true, out),
        "noticed" => noticed(c, &s.signs, out),
        "pending_signs" => sign_list(c, &s.pending, false, out),
        "area" => match s.area.as_deref().and_then(|a| c.router.area(a)) {
            Some(a) => out.push_str(&a.label),
            None => out.push_str("England"),
        },
        "time" => {
            let local = now.with_timezone(&London);
            let _ = write!(out, "{} (UK time)", local.format("%A %-d %B, %H:%M"));
        }
        _ => return false,
    }
    true
}

fn sign_list(c: &Content, ids: &[String], explain: bool, out: &mut String) {
    let mut any = false;
    for sign in ids.iter().filter_map(|id| c.flows.sign(id)).map(|i| &c.flows.signs[i]) {
        if any {
            out.push('\n');
        }
        any = true;
        if explain {
            let _ = write!(out, "• {}: {}", sign.label, sign.explain);
        } else {
            let _ = write!(out, "• {}", sign.label);
        }
    }
    if !any {
        out.push_str("(no signs picked yet)");
    }
}

/// The chosen signs' labels in a line or two, severe ones first: "Going missing from home or
/// care; Gifts, clothes or jewellery; and 3 more". "Why these signs matter" lists them all.
fn noticed(c: &Content, ids: &[String], out: &mut String) {
    let mut signs: Vec<&crate::flow::Sign> =
        ids.iter().filter_map(|id| c.flows.sign(id)).map(|i| &c.flows.signs[i]).collect();
    signs.sort_by_key(|s| !s.severe);
    let labels: Vec<&str> = signs.iter().map(|s| s.label.as_str()).collect();
    let shown = crate::flow::limits::NOTICED_SIGNS;
    match labels.len() {
        0 => out.push_str("nothing picked from the list, and that's fine"),
        n if n <= shown => out.push_str(&labels.join("; ")),
        n => {
            let _ = write!(out, "{}; and {} more", labels[..shown].join("; "), n - shown);
        }
    }
}

/// The buttons node `idx` shows this session, the engine's own included (quick exit last).
pub fn buttons(c: &Content, s: &Session, idx: NodeIdx) -> Vec<Button> {
    let flows = &c.flows;
    let mut out = walker::node_buttons(flows, idx, |w| holds(c, s, w), |sign| s.signs.iter().any(|x| x == sign));
    if let NodeKind::Area { .. } = flows.nodes[idx].kind {
        // The areas first, then the node's own buttons ("Not quite").
        let own = std::mem::take(&mut out);
        area_buttons(c, s, idx, &mut out);
        out.extend(own);
    }
    if walker::is_shown(&flows.nodes[idx].kind) {
        out.push(quick_exit());
    }
    out
}

/// The areas to choose from (or the follow-up question's options), then "don't know".
fn area_buttons(c: &Content, s: &Session, idx: NodeIdx, out: &mut Vec<Button>) {
    let (v, id) = (c.flows.version.as_str(), c.flows.nodes[idx].id.as_str());
    if s.area_options.is_empty() {
        for a in c.router.areas() {
            out.push(Button::new(&a.label, callback::area(v, id, a.id.as_str())));
        }
    } else {
        for a in s.area_options.iter().filter_map(|a| c.router.area(a)) {
            out.push(Button::new(&a.label, callback::area(v, id, a.id.as_str())));
        }
        if !s.area_options.iter().any(|a| a == ELSEWHERE) {
            out.push(Button::new(SOMEWHERE_ELSE, callback::area(v, id, ELSEWHERE)));
        }
    }
    out.push(Button::new(DONT_KNOW_AREA, callback::area(v, id, UNKNOWN_AREA)));
}

pub fn global_button(label: &str, action: GlobalAction) -> Button {
    Button::new(label, callback::global(action))
}

pub use crate::flow::label_key;

//! The node builder: each raw node -> a [`Node`], its names resolved by the [`Resolver`] and
//! its shape checked: one kind, `say:` where a message is shown, `next:` where it leads on,
//! nothing that has no effect, and buttons and typed answers that can be told apart.

use super::button_checker;
use super::declarer::Declared;
use super::resolver::Resolver;
use super::Report;
use crate::flow::raw::{RawAsk, RawChoice};
use crate::flow::{answer_key, Arm, Choice, Goto, Node, NodeKind, Rule};
use crate::pattern::Pattern;
use crate::yaml::{location, Spanned};
use std::collections::HashSet;

pub(super) struct NodeBuilder<'a, 'r> {
    pub names: &'a Resolver<'a>,
    pub report: &'r mut Report,
}

impl NodeBuilder<'_, '_> {
    /// Build the node declared as `d` (an unusable kind becomes an end node: the errors stop
    /// the flows loading anyway).
    pub fn node(&mut self, d: &Declared) -> Node {
        let kind = self.kind(d);
        let typed = self.typed(d);
        Node {
            id: d.id.clone(),
            flow: d.flow,
            loc: d.loc.clone(),
            say: d.raw.say.as_ref().map(|s| s.to_string()),
            kind: kind.unwrap_or(NodeKind::End { also: Vec::new() }),
            typed,
        }
    }

    fn kind(&mut self, d: &Declared) -> Option<NodeKind> {
        let r = d.raw;
        let origin = d.origin;
        let kinds: Vec<&str> = [
            ("choices", r.choices.is_some()),
            ("pick", r.pick.is_some()),
            ("ask", r.ask.is_some()),
            ("area", r.area.as_ref().is_some_and(|a| **a)),
            ("branch", r.branch.is_some()),
            ("call", r.call.is_some()),
            ("end", r.end.as_ref().is_some_and(|e| **e)),
        ]
        .into_iter()
        .filter(|(_, present)| *present)
        .map(|(k, _)| k)
        .collect();
        if kinds.len() > 1 {
            self.report.err(
                d.loc.clone(),
                format!(
                    "node \"{}\" mixes {}: a node is one of message, choices, pick, ask, area, branch, call or end",
                    d.id,
                    kinds.join(" and ")
                ),
            );
            return None;
        }
        let needs_say = !matches!(kinds.first(), Some(&"branch") | Some(&"call"));
        if needs_say && r.say.is_none() {
            self.report.err(d.loc.clone(), format!("node \"{}\" needs `say:` (the message to show)", d.id));
        }
        if !needs_say && r.say.is_some() {
            self.report.err(
                d.loc.clone(),
                format!(
                    "node \"{}\" is a {} node, which shows no message: remove `say:` or use another node",
                    d.id, kinds[0]
                ),
            );
        }
        let next = |v: &mut Self, what: &str| -> Option<Goto> {
            match &r.next {
                Some(n) => v.names.goto(n, origin, v.report),
                None => {
                    v.report.err(d.loc.clone(), format!("dead end: {what} node \"{}\" needs `next:`", d.id));
                    None
                }
            }
        };
        let allows_next = matches!(kinds.first(), None | Some(&"pick") | Some(&"area") | Some(&"call"));
        if !allows_next {
            if let Some(n) = &r.next {
                self.report.err(
                    location(n, origin),
                    format!("`next:` has no effect on a {} node; each button or rule says where it goes", kinds[0]),
                );
            }
        }
        if r.also.is_some() && !matches!(kinds.first(), Some(&"end") | Some(&"ask") | Some(&"pick") | Some(&"area")) {
            self.report.err(
                d.loc.clone(),
                "`also:` buttons belong on an end node, a free-text (`ask:`) node, a pick list or an area node",
            );
        }
        if let (Some(c), false) = (&r.confirm_pending, matches!(kinds.first(), Some(&"area"))) {
            self.report.err(
                location(c, origin),
                "`confirm_pending:` on a node belongs on an area node (on a button, it goes on the choice)",
            );
        }
        let also = |v: &mut Self| match &r.also {
            Some(also) => v.choices(also, origin),
            None => Vec::new(),
        };
        if let (Some(t), false) = (&r.typed, matches!(kinds.first(), Some(&"choices") | Some(&"pick") | Some(&"end"))) {
            self.report.err(
                location(t, origin),
                "`typed:` belongs on a node with buttons (choices, pick or end): it says where words that press no button are read",
            );
        }
        let button = r.button.as_ref().map(|b| {
            button_checker::check_label(b, origin, self.report);
            b.to_string()
        });
        Some(match kinds.first().copied() {
            None => NodeKind::Message { next: next(self, "message")?, button },
            Some("choices") => {
                let list = r.choices.as_ref()?;
                if list.is_empty() {
                    self.report.err(location(list, origin), format!("dead end: node \"{}\" has no choices", d.id));
                }
                let choices = self.choices(list, origin);
                if !list.is_empty() && list.iter().all(|c| c.when.is_some()) {
                    self.report.err(
                        location(list, origin),
                        format!("possible dead end: every choice of node \"{}\" has `when:`, so none may show; add one that always shows", d.id),
                    );
                }
                NodeKind::Choice { choices }
            }
            Some("pick") => {
                let list = r.pick.as_ref()?;
                if list.is_empty() {
                    self.report.err(location(list, origin), format!("node \"{}\" has nothing to pick", d.id));
                }
                NodeKind::Pick {
                    signs: self.names.signs(list, origin, self.report),
                    next: next(self, "pick")?,
                    button: button.unwrap_or_else(|| "Done".to_string()),
                    also: also(self),
                }
            }
            Some("ask") => match self.ask(r.ask.as_ref()?, origin)? {
                NodeKind::Ask { rules, found, fallback, .. } => {
                    NodeKind::Ask { rules, found, fallback, also: also(self) }
                }
                other => other,
            },
            Some("area") => NodeKind::Area {
                next: next(self, "area")?,
                also: also(self),
                confirms: r.confirm_pending.as_ref().is_some_and(|c| **c),
            },
            Some("branch") => {
                let arms_raw = r.branch.as_ref()?;
                let mut arms = Vec::new();
                for arm in arms_raw.iter() {
                    let condition = arm.condition.as_ref().map(|c| self.names.condition(c, origin, self.report));
                    if let Some(goto) = self.names.goto(&arm.goto, origin, self.report) {
                        arms.push(Arm { condition, goto });
                    }
                }
                if arms_raw.last().is_none_or(|a| a.condition.is_some()) {
                    self.report.err(
                        location(arms_raw, origin),
                        format!("possible dead end: branch \"{}\" needs a last rule without `if:` for when nothing else holds", d.id),
                    );
                }
                NodeKind::Branch { arms }
            }
            Some("call") => {
                let name = r.call.as_ref()?;
                let flow = self.names.flow(name, origin, self.report);
                NodeKind::Call { flow: flow?, next: next(self, "call")? }
            }
            Some("end") => NodeKind::End { also: also(self) },
            Some(_) => unreachable!("kinds are listed above"),
        })
    }

    fn choices(&mut self, list: &[RawChoice], origin: &str) -> Vec<Choice> {
        let mut out = Vec::new();
        let mut labels = HashSet::new();
        for c in list {
            button_checker::check_label(&c.label, origin, self.report);
            if !labels.insert(c.label.to_lowercase()) {
                self.report.err(
                    location(&c.label, origin),
                    format!("two buttons say \"{}\"; a typed answer could not tell them apart", c.label.as_str()),
                );
            }
            for w in &c.words {
                if answer_key(w).is_empty() {
                    self.report.err(location(w, origin), "a typed answer in `words:` cannot be empty");
                } else if answer_key(w) == answer_key(&c.label) {
                    self.report.err(location(w, origin), format!("\"{}\" is this button's label already", w.as_str()));
                } else if !labels.insert(answer_key(w)) {
                    self.report.err(
                        location(w, origin),
                        format!("\"{}\" would press two buttons; each typed answer must belong to one", w.as_str()),
                    );
                }
            }
            let goto = self.names.goto(&c.goto, origin, self.report);
            let when = c.when.as_ref().map(|w| self.names.condition(w, origin, self.report));
            let set_audience = c.set_audience.as_ref().and_then(|a| self.names.audience(a, origin, self.report));
            let add_signs = self.names.signs(&c.add_signs, origin, self.report);
            if let Some(goto) = goto {
                out.push(Choice {
                    label: c.label.to_string(),
                    goto,
                    when,
                    set_audience,
                    add_signs,
                    confirm_pending: c.confirm_pending,
                    clear_signs: c.clear_signs,
                    in_place: c.in_place,
                    words: c.words.iter().map(|w| answer_key(w)).collect(),
                });
            }
        }
        out
    }

    /// A node's `typed:`: where words that press no button are read (checked for placement in
    /// [`Self::kind`], and that it leads to a free-text node after every node is built).
    fn typed(&mut self, d: &Declared) -> Option<Goto> {
        match d.raw.typed.as_ref() {
            Some(t) if t.as_str() == "return" => {
                self.report
                    .err(location(t, d.origin), "`typed:` can go to a free-text node or `emergency`, not `return`");
                None
            }
            Some(t) => self.names.goto(t, d.origin, self.report),
            None => None,
        }
    }

    fn ask(&mut self, ask: &Spanned<RawAsk>, origin: &str) -> Option<NodeKind> {
        let mut rules = Vec::new();
        for rule in &ask.rules {
            let pattern = self.regex(&rule.pattern, origin);
            let goto = self.names.goto(&rule.goto, origin, self.report);
            let add_signs = self.names.signs(&rule.add_signs, origin, self.report);
            if let (Some(pattern), Some(goto)) = (pattern, goto) {
                rules.push(Rule { pattern, goto, add_signs });
            }
        }
        let found = match &ask.found {
            Some(f) => Some(self.names.goto(f, origin, self.report)?),
            None => None,
        };
        let fallback = self.names.goto(&ask.fallback, origin, self.report)?;
        Some(NodeKind::Ask { rules, found, fallback, also: Vec::new() })
    }

    fn regex(&mut self, p: &Spanned<String>, origin: &str) -> Option<Pattern> {
        match Pattern::new(p.as_str()) {
            Ok(r) => Some(r),
            Err(detail) => {
                self.report
                    .err(location(p, origin), format!("pattern \"{}\" is not a valid regex: {detail}", p.as_str()));
                None
            }
        }
    }
}

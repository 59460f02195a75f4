//! Turns raw flow files into a [`Flows`] graph, collecting every problem with its place.
//!
//! Checks (errors unless said): YAML syntax, unknown fields and duplicate keys (in `crate::yaml`);
//! duplicate node ids across files; unknown gotos, signs, audiences, categories, areas, flows and
//! placeholders; regexes that don't compile; nodes that mix kinds or lead nowhere (dead ends);
//! unreachable nodes; messages that could render longer than Telegram allows; too many buttons,
//! labels too long for a phone, and button data over Telegram's 64 bytes. Readability of
//! messages written for young people is a warning.

use super::load::parse_file;
use super::raw::{RawAsk, RawChoice, RawCondition, RawFile, RawNode};
use super::*;
use crate::diag::{suggest, Diagnostic, Location};
use crate::pattern::Parsed;
use crate::source::SourceFile;
use crate::yaml::{location, Spanned};
use std::collections::{HashMap, HashSet};

/// What the validator needs to know from outside the flows (the config), passed in so the check
/// stays pure.
#[derive(Debug, Clone, Default)]
pub struct ValidateContext {
    /// Area ids the router knows (`cambridgeshire`, `elsewhere`...).
    pub areas: Vec<String>,
    /// The longest area label, for the worst-case length of `{area}`.
    pub max_area_label_chars: usize,
    /// The longest contact block the router can produce, for the worst-case length of `{contacts}`.
    pub max_contacts_chars: usize,
    /// Characters the engine adds to every message (the 999 line).
    pub footer_chars: usize,
}

/// Validate all files together. Returns the flows when there are no errors, and every
/// diagnostic (errors and warnings) either way.
pub fn validate(files: &[SourceFile], ctx: &ValidateContext) -> (Option<Flows>, Vec<Diagnostic>) {
    let mut v = Validator { ctx, diags: Vec::new() };
    let parsed: Vec<(&SourceFile, RawFile)> = files
        .iter()
        .filter_map(|f| match parse_file(f) {
            Ok(raw) => Some((f, raw)),
            Err(d) => {
                v.diags.push(d);
                None
            }
        })
        .collect();
    let flows = v.build(&parsed, files);
    let failed = crate::diag::has_errors(&v.diags);
    (if failed { None } else { flows }, v.diags)
}

struct Validator<'c> {
    ctx: &'c ValidateContext,
    diags: Vec<Diagnostic>,
}

/// A node id and where it was declared, before nodes are built.
struct Declared<'r> {
    id: String,
    flow: usize,
    origin: &'r str,
    loc: Location,
    raw: &'r RawNode,
}

/// Signs' patterns as parsed, in order: (the sign's index, the pattern).
type SignPatterns = Vec<(usize, Parsed)>;

impl<'c> Validator<'c> {
    fn err(&mut self, loc: Location, msg: impl Into<String>) {
        self.diags.push(loc.error(msg));
    }

    fn warn(&mut self, loc: Location, msg: impl Into<String>) {
        self.diags.push(loc.warning(msg));
    }

    fn build(&mut self, parsed: &[(&SourceFile, RawFile)], files: &[SourceFile]) -> Option<Flows> {
        let (audiences, categories, signs, parsed_patterns) = self.catalogue(parsed);
        let sign_index: HashMap<String, usize> = signs.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();

        // Pass 1: declare flows and node ids, so gotos can point forwards and across files.
        let mut flow_names: HashMap<String, (usize, Location)> = HashMap::new();
        let mut flow_raws: Vec<(&SourceFile, &RawFile, String)> = Vec::new();
        let mut declared: Vec<Declared> = Vec::new();
        let mut node_index: HashMap<String, NodeIdx> = HashMap::new();
        for (file, raw) in parsed {
            let origin = file.origin.as_str();
            match (&raw.flow, &raw.nodes) {
                (None, None) => {
                    if raw.signs.is_none() && raw.audiences.is_none() && raw.categories.is_none() {
                        self.err(
                            Location::file(origin),
                            "this file has neither `flow:` and `nodes:` nor a catalogue (`signs:`)",
                        );
                    }
                    continue;
                }
                (Some(name), None) => {
                    self.err(location(name, origin), "a flow needs `nodes:`");
                    continue;
                }
                (None, Some(nodes)) => {
                    self.err(location(nodes, origin), "these nodes need a flow name: add `flow: <name>` at the top");
                    continue;
                }
                (Some(name), Some(nodes)) => {
                    let flow_idx = flow_raws.len();
                    let loc = location(name, origin);
                    if let Some((_, first)) = flow_names.get(name.as_str()) {
                        let msg = format!("flow \"{}\" is already defined at {first}", name.as_str());
                        self.err(loc, msg);
                        continue;
                    }
                    flow_names.insert(name.to_string(), (flow_idx, loc));
                    flow_raws.push((file, raw, name.to_string()));
                    if nodes.is_empty() {
                        self.err(location(nodes, origin), "the flow has no nodes");
                    }
                    for (id, node) in nodes.iter() {
                        let loc = location(id, origin);
                        if let Err(why) = check_node_id(id.as_str()) {
                            self.err(loc.clone(), why);
                        }
                        if let Some(&first) = node_index.get(id.as_str()) {
                            let first = &declared[first].loc;
                            let msg = format!(
                                "node id \"{}\" is already used at {first}; node ids must be unique across all flows",
                                id.as_str()
                            );
                            self.err(loc, msg);
                            continue;
                        }
                        node_index.insert(id.to_string(), declared.len());
                        declared.push(Declared { id: id.to_string(), flow: flow_idx, origin, loc, raw: node });
                    }
                }
            }
        }

        let lookups = Lookups {
            node_index: &node_index,
            flow_names: &flow_names,
            audiences: &audiences,
            categories: &categories,
            sign_index: &sign_index,
            areas: &self.ctx.areas,
        };

        // Each flow's start node: `start:`, else the node written first in the file.
        let mut flows_info = Vec::new();
        for (file, raw, name) in &flow_raws {
            let origin = file.origin.as_str();
            let start = match &raw.start {
                Some(s) => self.resolve_node(s, origin, &lookups).unwrap_or(0),
                None => declared
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.origin == origin)
                    .min_by_key(|(_, d)| d.loc.line)
                    .map(|(i, _)| i)
                    .unwrap_or(0),
            };
            let young_readers = match &raw.readers {
                None => false,
                Some(r) if r.as_str() == "young" => true,
                Some(r) if r.as_str() == "adults" => false,
                Some(r) => {
                    self.err(
                        location(r, origin),
                        format!("readers must be `young` or `adults`, not \"{}\"", r.as_str()),
                    );
                    false
                }
            };
            flows_info.push(FlowInfo { name: name.clone(), origin: origin.to_string(), start, young_readers });
        }
        let main = flows_info.iter().position(|f| f.name == "main");
        if main.is_none() && !flows_info.is_empty() {
            let origin = files.first().map(|f| f.origin.as_str()).unwrap_or("flows");
            self.err(Location::file(origin), "no flow is named `main`: `/start` needs a flow called main");
        }

        // Pass 2: build every node.
        let mut nodes = Vec::with_capacity(declared.len());
        for d in &declared {
            let kind = self.node_kind(d, &lookups);
            let typed = self.typed(d, &lookups);
            nodes.push(Node {
                id: d.id.clone(),
                flow: d.flow,
                loc: d.loc.clone(),
                say: d.raw.say.as_ref().map(|s| s.to_string()),
                kind: kind.unwrap_or(NodeKind::End { also: Vec::new() }),
                typed,
            });
        }

        // `typed:` must lead to a free-text node, directly or through branches.
        for (d, node) in declared.iter().zip(&nodes) {
            if let (Some(Goto::Node(t)), Some(raw)) = (&node.typed, &d.raw.typed) {
                if !leads_to_ask(&nodes, *t) {
                    let msg = format!(
                        "`typed:` goes to \"{}\", which is not a free-text (`ask:`) node or a branch that leads only to them",
                        raw.as_str()
                    );
                    self.err(location(raw, d.origin), msg);
                }
            }
        }

        let main = main?;
        let area_node = nodes
            .iter()
            .position(|n| n.flow == main && matches!(n.kind, NodeKind::Area { .. }))
            .or_else(|| nodes.iter().position(|n| matches!(n.kind, NodeKind::Area { .. })));
        let version = version_of(files);
        let (sign_patterns, pattern_sign) = self.sign_pattern_set(parsed_patterns, files);
        let flows = Flows {
            version,
            nodes,
            node_index: declared.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect(),
            flows: flows_info,
            main,
            audiences,
            categories,
            signs,
            sign_index,
            sign_patterns,
            pattern_sign,
            area_node,
        };
        self.check_graph(&flows, &declared);
        self.check_rendering(&flows, &declared);
        self.check_turns(&flows, &declared);
        Some(flows)
    }

    /// The catalogue, and its signs' patterns as parsed.
    fn catalogue(
        &mut self,
        parsed: &[(&SourceFile, RawFile)],
    ) -> (Vec<Audience>, Vec<Category>, Vec<Sign>, SignPatterns) {
        let mut audiences: Vec<Audience> = Vec::new();
        let mut categories: Vec<Category> = Vec::new();
        let mut signs: Vec<Sign> = Vec::new();
        let mut parsed_patterns = Vec::new();
        let mut seen: HashMap<(&str, String), Location> = HashMap::new();
        // Categories first: signs refer to them.
        let mut pending_signs = Vec::new();
        for (file, raw) in parsed {
            let origin = file.origin.as_str();
            for (id, a) in raw.audiences.iter().flatten() {
                if self.fresh(&mut seen, "audience", id, origin) {
                    audiences.push(Audience { id: id.to_string(), label: a.label.to_string(), young: a.young });
                }
            }
            for (id, c) in raw.categories.iter().flatten() {
                if self.fresh(&mut seen, "category", id, origin) {
                    categories.push(Category { id: id.to_string(), label: c.label.to_string() });
                }
            }
            for (id, s) in raw.signs.iter().flatten() {
                if self.fresh(&mut seen, "sign", id, origin) {
                    pending_signs.push((origin, id, s));
                }
            }
        }
        for (origin, id, s) in pending_signs {
            let category = s.category.as_ref().and_then(|c| {
                let found = categories.iter().position(|k| k.id == c.as_str());
                if found.is_none() {
                    self.err(
                        location(c, origin),
                        format!("sign \"{}\" names unknown category \"{}\"", id.as_str(), c.as_str()),
                    );
                }
                found
            });
            let mut patterns = Vec::new();
            for p in &s.patterns {
                if let Some(ok) = self.parse_pattern(p, origin) {
                    patterns.push(p.to_string());
                    parsed_patterns.push((signs.len(), ok));
                }
            }
            if s.label.chars().count() > limits::BUTTON_LABEL_CHARS {
                self.err(
                    location(&s.label, origin),
                    format!(
                        "sign label is {} characters; a phone shows about {} on a button",
                        s.label.chars().count(),
                        limits::BUTTON_LABEL_CHARS
                    ),
                );
            }
            signs.push(Sign {
                id: id.to_string(),
                label: s.label.to_string(),
                explain: s.explain.to_string(),
                category,
                patterns,
                severe: s.severe,
            });
        }
        (audiences, categories, signs, parsed_patterns)
    }

    /// All signs' patterns as one set, compiled from what [`Self::parse_pattern`] parsed where
    /// each was written; with, for each pattern, the sign it belongs to.
    fn sign_pattern_set(&mut self, parsed: SignPatterns, files: &[SourceFile]) -> (crate::pattern::Set, Vec<usize>) {
        let (owner, patterns): (Vec<usize>, Vec<Parsed>) = parsed.into_iter().unzip();
        match crate::pattern::Set::compile(&patterns) {
            Ok(set) => (set, owner),
            Err(e) => {
                let origin = files.first().map(|f| f.origin.as_str()).unwrap_or("flows");
                self.err(Location::file(origin), format!("the signs' patterns together are too large to use: {e}"));
                (crate::pattern::Set::empty(), Vec::new())
            }
        }
    }

    /// Records a catalogue id; reports and returns false if it was already defined.
    fn fresh<'k>(
        &mut self,
        seen: &mut HashMap<(&'k str, String), Location>,
        what: &'k str,
        id: &Spanned<String>,
        origin: &str,
    ) -> bool {
        let loc = location(id, origin);
        if let Some(first) = seen.get(&(what, id.to_string())) {
            let msg = format!("{what} \"{}\" is already defined at {first}", id.as_str());
            self.err(loc, msg);
            return false;
        }
        seen.insert((what, id.to_string()), loc);
        true
    }

    /// Parse a pattern without compiling it (sign patterns are compiled together), reporting a
    /// mistake where it was written.
    fn parse_pattern(&mut self, p: &Spanned<String>, origin: &str) -> Option<Parsed> {
        match crate::pattern::parse(p.as_str()) {
            Ok(parsed) => Some(parsed),
            Err(detail) => {
                self.err(location(p, origin), format!("pattern \"{}\" is not a valid regex: {detail}", p.as_str()));
                None
            }
        }
    }

    fn regex(&mut self, p: &Spanned<String>, origin: &str) -> Option<crate::pattern::Pattern> {
        match crate::pattern::Pattern::new(p.as_str()) {
            Ok(r) => Some(r),
            Err(detail) => {
                self.err(location(p, origin), format!("pattern \"{}\" is not a valid regex: {detail}", p.as_str()));
                None
            }
        }
    }

    fn resolve_node(&mut self, id: &Spanned<String>, origin: &str, l: &Lookups) -> Option<NodeIdx> {
        match l.node_index.get(id.as_str()) {
            Some(&i) => Some(i),
            None => {
                let hint = suggest(id.as_str(), l.node_index.keys().map(String::as_str));
                self.err(location(id, origin), format!("goes to unknown node \"{}\"{hint}", id.as_str()));
                None
            }
        }
    }

    fn target(&mut self, id: &Spanned<String>, origin: &str, l: &Lookups) -> Option<Goto> {
        match id.as_str() {
            "return" => return Some(Goto::Return),
            "emergency" => return Some(Goto::Emergency),
            _ => {}
        }
        self.resolve_node(id, origin, l).map(Goto::Node)
    }

    fn sign_ids(&mut self, ids: &[Spanned<String>], origin: &str, l: &Lookups) -> Vec<usize> {
        ids.iter()
            .filter_map(|s| match l.sign_index.get(s.as_str()) {
                Some(&i) => Some(i),
                None => {
                    let hint = suggest(s.as_str(), l.sign_index.keys().map(String::as_str));
                    self.err(location(s, origin), format!("unknown sign \"{}\"{hint}", s.as_str()));
                    None
                }
            })
            .collect()
    }

    fn node_kind(&mut self, d: &Declared, l: &Lookups) -> Option<NodeKind> {
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
            self.err(
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
            self.err(d.loc.clone(), format!("node \"{}\" needs `say:` (the message to show)", d.id));
        }
        if !needs_say && r.say.is_some() {
            self.err(
                d.loc.clone(),
                format!(
                    "node \"{}\" is a {} node, which shows no message: remove `say:` or use another node",
                    d.id, kinds[0]
                ),
            );
        }
        let next = |v: &mut Self, what: &str| -> Option<Goto> {
            match &r.next {
                Some(n) => v.target(n, origin, l),
                None => {
                    v.err(d.loc.clone(), format!("dead end: {what} node \"{}\" needs `next:`", d.id));
                    None
                }
            }
        };
        let allows_next = matches!(kinds.first(), None | Some(&"pick") | Some(&"area") | Some(&"call"));
        if !allows_next {
            if let Some(n) = &r.next {
                self.err(
                    location(n, origin),
                    format!("`next:` has no effect on a {} node; each button or rule says where it goes", kinds[0]),
                );
            }
        }
        if r.also.is_some() && !matches!(kinds.first(), Some(&"end") | Some(&"ask")) {
            self.err(d.loc.clone(), "`also:` buttons belong on an end node or a free-text (`ask:`) node");
        }
        if let (Some(t), false) = (&r.typed, matches!(kinds.first(), Some(&"choices") | Some(&"pick") | Some(&"end"))) {
            self.err(
                location(t, origin),
                "`typed:` belongs on a node with buttons (choices, pick or end): it says where words that press no button are read",
            );
        }
        let button = r.button.as_ref().map(|b| {
            self.check_label(b, origin);
            b.to_string()
        });
        Some(match kinds.first().copied() {
            None => NodeKind::Message { next: next(self, "message")?, button },
            Some("choices") => {
                let list = r.choices.as_ref()?;
                if list.is_empty() {
                    self.err(location(list, origin), format!("dead end: node \"{}\" has no choices", d.id));
                }
                let choices = self.choices(list, origin, l);
                if !list.is_empty() && list.iter().all(|c| c.when.is_some()) {
                    self.err(
                        location(list, origin),
                        format!("possible dead end: every choice of node \"{}\" has `when:`, so none may show; add one that always shows", d.id),
                    );
                }
                NodeKind::Choice { choices }
            }
            Some("pick") => {
                let list = r.pick.as_ref()?;
                if list.is_empty() {
                    self.err(location(list, origin), format!("node \"{}\" has nothing to pick", d.id));
                }
                NodeKind::Pick {
                    signs: self.sign_ids(list, origin, l),
                    next: next(self, "pick")?,
                    button: button.unwrap_or_else(|| "Done".to_string()),
                }
            }
            Some("ask") => match self.ask(r.ask.as_ref()?, origin, l)? {
                NodeKind::Ask { rules, found, fallback, .. } => NodeKind::Ask {
                    rules,
                    found,
                    fallback,
                    also: match &r.also {
                        Some(also) => self.choices(also, origin, l),
                        None => Vec::new(),
                    },
                },
                other => other,
            },
            Some("area") => NodeKind::Area { next: next(self, "area")? },
            Some("branch") => {
                let arms_raw = r.branch.as_ref()?;
                let mut arms = Vec::new();
                for arm in arms_raw.iter() {
                    let condition = arm.condition.as_ref().map(|c| self.condition(c, origin, l));
                    if let Some(goto) = self.target(&arm.goto, origin, l) {
                        arms.push(Arm { condition, goto });
                    }
                }
                if arms_raw.last().is_none_or(|a| a.condition.is_some()) {
                    self.err(
                        location(arms_raw, origin),
                        format!("possible dead end: branch \"{}\" needs a last rule without `if:` for when nothing else holds", d.id),
                    );
                }
                NodeKind::Branch { arms }
            }
            Some("call") => {
                let name = r.call.as_ref()?;
                let flow = match l.flow_names.get(name.as_str()) {
                    Some((i, _)) => Some(*i),
                    None => {
                        let hint = suggest(name.as_str(), l.flow_names.keys().map(String::as_str));
                        self.err(location(name, origin), format!("calls unknown flow \"{}\"{hint}", name.as_str()));
                        None
                    }
                };
                NodeKind::Call { flow: flow?, next: next(self, "call")? }
            }
            Some("end") => NodeKind::End {
                also: match &r.also {
                    Some(also) => self.choices(also, origin, l),
                    None => Vec::new(),
                },
            },
            Some(_) => unreachable!("kinds are listed above"),
        })
    }

    fn check_label(&mut self, label: &Spanned<String>, origin: &str) {
        let n = label.chars().count();
        if label.trim().is_empty() {
            self.err(location(label, origin), "a button label cannot be empty");
        } else if n > limits::BUTTON_LABEL_CHARS {
            self.err(
                location(label, origin),
                format!(
                    "button label is {n} characters; a phone shows about {} (\"{}\")",
                    limits::BUTTON_LABEL_CHARS,
                    label.as_str()
                ),
            );
        }
    }

    fn choices(&mut self, list: &[RawChoice], origin: &str, l: &Lookups) -> Vec<Choice> {
        let mut out = Vec::new();
        let mut labels = HashSet::new();
        for c in list {
            self.check_label(&c.label, origin);
            if !labels.insert(c.label.to_lowercase()) {
                self.err(
                    location(&c.label, origin),
                    format!("two buttons say \"{}\"; a typed answer could not tell them apart", c.label.as_str()),
                );
            }
            for w in &c.words {
                if super::answer_key(w).is_empty() {
                    self.err(location(w, origin), "a typed answer in `words:` cannot be empty");
                } else if super::answer_key(w) == super::answer_key(&c.label) {
                    self.err(location(w, origin), format!("\"{}\" is this button's label already", w.as_str()));
                } else if !labels.insert(super::answer_key(w)) {
                    self.err(
                        location(w, origin),
                        format!("\"{}\" would press two buttons; each typed answer must belong to one", w.as_str()),
                    );
                }
            }
            let goto = self.target(&c.goto, origin, l);
            let when = c.when.as_ref().map(|w| self.condition(w, origin, l));
            let set_audience = c.set_audience.as_ref().and_then(|a| {
                let found = l.audiences.iter().position(|x| x.id == a.as_str());
                if found.is_none() {
                    let hint = suggest(a.as_str(), l.audiences.iter().map(|x| x.id.as_str()));
                    self.err(location(a, origin), format!("unknown audience \"{}\"{hint}", a.as_str()));
                }
                found
            });
            let add_signs = self.sign_ids(&c.add_signs, origin, l);
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
                    words: c.words.iter().map(|w| super::answer_key(w)).collect(),
                });
            }
        }
        out
    }

    /// A node's `typed:`: where words that press no button are read (checked for placement in
    /// [`Self::node_kind`], and that it leads to a free-text node after every node is built).
    fn typed(&mut self, d: &Declared, l: &Lookups) -> Option<Goto> {
        match d.raw.typed.as_ref() {
            Some(t) if t.as_str() == "return" => {
                self.err(location(t, d.origin), "`typed:` can go to a free-text node or `emergency`, not `return`");
                None
            }
            Some(t) => self.target(t, d.origin, l),
            None => None,
        }
    }

    fn ask(&mut self, ask: &Spanned<RawAsk>, origin: &str, l: &Lookups) -> Option<NodeKind> {
        let mut rules = Vec::new();
        for rule in &ask.rules {
            let pattern = self.regex(&rule.pattern, origin);
            let goto = self.target(&rule.goto, origin, l);
            let add_signs = self.sign_ids(&rule.add_signs, origin, l);
            if let (Some(pattern), Some(goto)) = (pattern, goto) {
                rules.push(Rule { pattern, goto, add_signs });
            }
        }
        let found = match &ask.found {
            Some(f) => Some(self.target(f, origin, l)?),
            None => None,
        };
        let fallback = self.target(&ask.fallback, origin, l)?;
        Some(NodeKind::Ask { rules, found, fallback, also: Vec::new() })
    }

    fn condition(&mut self, c: &Spanned<RawCondition>, origin: &str, l: &Lookups) -> Condition {
        let ids = |v: &mut Self, list: &Option<Spanned<Vec<Spanned<String>>>>, what: &str, known: &[&str]| {
            list.as_ref().map(|list| {
                list.iter()
                    .filter_map(|s| {
                        let found = known.iter().position(|k| *k == s.as_str());
                        if found.is_none() {
                            let hint = suggest(s.as_str(), known.iter().copied());
                            v.err(location(s, origin), format!("unknown {what} \"{}\"{hint}", s.as_str()));
                        }
                        found
                    })
                    .collect::<Vec<_>>()
            })
        };
        let audiences: Vec<&str> = l.audiences.iter().map(|a| a.id.as_str()).collect();
        let categories: Vec<&str> = l.categories.iter().map(|a| a.id.as_str()).collect();
        let mut areas: Vec<&str> = l.areas.iter().map(String::as_str).collect();
        areas.push("none");
        let audience = ids(self, &c.audience, "audience", &audiences);
        let category = ids(self, &c.category, "category", &categories);
        let area = ids(self, &c.area, "area", &areas).map(|found| {
            found.into_iter().map(|i| if areas[i] == "none" { String::new() } else { areas[i].to_string() }).collect()
        });
        let signs = c.signs.as_ref().map(|s| self.sign_ids(s, origin, l));
        Condition { audience, area, young: c.young, has_signs: c.has_signs, signs, category, severe: c.severe }
    }

    /// Reachability from `/start` (and `/area`), and sub-flows that can never return.
    fn check_graph(&mut self, flows: &Flows, declared: &[Declared]) {
        let mut seen = vec![false; flows.nodes.len()];
        let mut todo = vec![flows.main_start()];
        todo.extend(flows.area_node);
        while let Some(i) = todo.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            for t in successors(flows, i) {
                if !seen[t] {
                    todo.push(t);
                }
            }
        }
        for (i, reached) in seen.iter().enumerate() {
            if !reached {
                let d = &declared[i];
                self.err(d.loc.clone(), format!("node \"{}\" can never be reached from /start", d.id));
            }
        }
    }

    /// Worst-case message length, placeholders, buttons and readability.
    fn check_rendering(&mut self, flows: &Flows, declared: &[Declared]) {
        let signs_chars: usize =
            flows.signs.iter().map(|s| s.label.chars().count() + s.explain.chars().count() + 8).sum();
        for (i, node) in flows.nodes.iter().enumerate() {
            let d = &declared[i];
            let say_loc = d.raw.say.as_ref().map(|s| location(s, d.origin)).unwrap_or_else(|| d.loc.clone());
            if let Some(say) = &node.say {
                let noticed_chars = limits::NOTICED_SIGNS * (limits::BUTTON_LABEL_CHARS + 2) + 16;
                if let (NodeKind::End { .. }, Some(at)) = (&node.kind, say.find("{contacts}")) {
                    // The answer fits one phone screen before its contacts.
                    let before = &say[..at];
                    let mut chars = before.chars().count();
                    for name in placeholders(before) {
                        chars += match name {
                            "signs" | "pending_signs" => signs_chars,
                            "noticed" => noticed_chars,
                            _ => 40,
                        };
                    }
                    if chars > limits::ANSWER_CHARS {
                        self.err(
                            say_loc.clone(),
                            format!(
                                "the answer in node \"{}\" could be {chars} characters before the contacts; an answer fits one phone screen ({}). Put the detail behind a button",
                                node.id,
                                limits::ANSWER_CHARS
                            ),
                        );
                    }
                }
                let mut worst = say.chars().count() + self.ctx.footer_chars;
                for name in placeholders(say) {
                    worst += match name {
                        "contacts" => self.ctx.max_contacts_chars,
                        "noticed" => noticed_chars,
                        "signs" | "pending_signs" => signs_chars,
                        "area" => self.ctx.max_area_label_chars.max(30),
                        "time" => 40,
                        other => {
                            let hint = suggest(other, PLACEHOLDERS.iter().copied());
                            self.err(
                                say_loc.clone(),
                                format!("unknown placeholder {{{other}}}{hint}; known: {}", PLACEHOLDERS.join(", ")),
                            );
                            0
                        }
                    };
                }
                if worst > limits::MESSAGE_CHARS {
                    self.err(
                        say_loc.clone(),
                        format!(
                            "node \"{}\" could render {worst} characters; Telegram allows {}. Split it into two nodes",
                            node.id,
                            limits::MESSAGE_CHARS
                        ),
                    );
                }
                if flows.flows[node.flow].young_readers {
                    for problem in readability(say) {
                        self.warn(
                            say_loc.clone(),
                            format!("hard to read for a young person in node \"{}\": {problem}", node.id),
                        );
                    }
                }
            }
            let buttons: Vec<String> = walker::every_button(flows, i).into_iter().map(|b| b.data).collect();
            if buttons.len() > limits::MAX_BUTTONS {
                self.err(
                    d.loc.clone(),
                    format!(
                        "node \"{}\" shows {} buttons; at most {} fit on a phone. Split the list",
                        node.id,
                        buttons.len(),
                        limits::MAX_BUTTONS
                    ),
                );
            }
            for data in buttons {
                if data.len() > limits::CALLBACK_BYTES {
                    self.err(
                        d.loc.clone(),
                        format!(
                            "button data \"{data}\" is {} bytes; Telegram allows {}. Use a shorter node or sign id",
                            data.len(),
                            limits::CALLBACK_BYTES
                        ),
                    );
                }
            }
        }
    }

    /// The longest turn, if it sends more than a chat gets at once.
    fn check_turns(&mut self, flows: &Flows, declared: &[Declared]) {
        if let Some((i, n)) = walker::longest(flows).filter(|&(_, n)| n > limits::TURN_MESSAGES) {
            self.warn(
                declared[i].loc.clone(),
                format!(
                    "going to node \"{}\" can send {n} messages before the user answers; a chat gets {} at \
                     once and the rest a second apart. Put a button between them",
                    flows.nodes[i].id,
                    limits::TURN_MESSAGES
                ),
            );
        }
    }
}

struct Lookups<'a> {
    node_index: &'a HashMap<String, NodeIdx>,
    flow_names: &'a HashMap<String, (usize, Location)>,
    audiences: &'a [Audience],
    categories: &'a [Category],
    sign_index: &'a HashMap<String, usize>,
    areas: &'a [String],
}

/// Node `i` is a free-text node, or a branch whose every arm leads to one.
fn leads_to_ask(nodes: &[Node], i: NodeIdx) -> bool {
    fn walk(nodes: &[Node], i: NodeIdx, depth: usize) -> bool {
        match &nodes[i].kind {
            NodeKind::Ask { .. } => true,
            NodeKind::Branch { arms } if depth < 8 => {
                arms.iter().all(|a| matches!(a.goto, Goto::Node(n) if walk(nodes, n, depth + 1)))
            }
            _ => false,
        }
    }
    walk(nodes, i, 0)
}

/// Nodes one step from `i` (a `return` goes back to whoever called, so it adds nothing here).
pub fn successors(flows: &Flows, i: NodeIdx) -> Vec<NodeIdx> {
    let mut out = Vec::new();
    let mut add = |t: &Goto| {
        if let Goto::Node(n) = t {
            out.push(*n);
        }
    };
    flows.nodes[i].typed.iter().for_each(&mut add);
    match &flows.nodes[i].kind {
        NodeKind::Message { next, .. } | NodeKind::Pick { next, .. } | NodeKind::Area { next } => add(next),
        NodeKind::Choice { choices } => choices.iter().for_each(|c| add(&c.goto)),
        NodeKind::End { also: choices } => choices.iter().for_each(|c| add(&c.goto)),
        NodeKind::Ask { rules, found, fallback, also } => {
            also.iter().for_each(|c| add(&c.goto));
            rules.iter().for_each(|r| add(&r.goto));
            found.iter().for_each(&mut add);
            add(fallback);
        }
        NodeKind::Branch { arms } => arms.iter().for_each(|a| add(&a.goto)),
        NodeKind::Call { flow, next } => {
            add(&Goto::Node(flows.flows[*flow].start));
            add(next);
        }
    }
    out
}

/// Node ids end up in button data and commands (`/goto`): keep them short and plain.
fn check_node_id(id: &str) -> Result<(), String> {
    if id == "return" || id == "emergency" {
        return Err(format!(
            "\"{id}\" is reserved: `goto: return` goes back from a sub-flow, `goto: emergency` shows the emergency message"
        ));
    }
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(format!("node id \"{id}\" may only use letters, digits, _ and - (no spaces)"));
    }
    Ok(())
}

/// `{name}` placeholders in a message.
pub fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.len() < 40 && !name.contains(char::is_whitespace))
}

/// Plain-language problems for a young reader: long sentences and long words.
pub fn readability(text: &str) -> Vec<String> {
    const MAX_SENTENCE_WORDS: usize = 20;
    const MAX_WORD_CHARS: usize = 13;
    let mut problems = Vec::new();
    for sentence in text.split(['.', '!', '?', '\n', ':', ';']) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        if words.len() > MAX_SENTENCE_WORDS {
            let start: Vec<&str> = words.iter().take(6).copied().collect();
            problems.push(format!(
                "a sentence of {} words (\"{} ...\"); keep sentences under {}",
                words.len(),
                start.join(" "),
                MAX_SENTENCE_WORDS + 1
            ));
        }
        for w in words {
            let letters: String = w.chars().filter(|c| c.is_alphabetic()).collect();
            let is_link = w.contains('.') || w.contains('/') || w.contains('@') || w.contains('{');
            if !is_link && letters.chars().count() > MAX_WORD_CHARS {
                problems.push(format!("the long word \"{letters}\"; is there a shorter one?"));
            }
        }
    }
    problems
}

fn version_of(files: &[SourceFile]) -> String {
    let mut h = blake3::Hasher::new();
    for f in files {
        h.update(f.origin.as_bytes());
        h.update(&[0]);
        h.update(f.text.as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex()[..6].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOGUE: &str = "audiences:\n  parent: {label: Parent}\n  yp: {label: Young person, young: true}\ncategories:\n  missing: {label: Going missing}\nsigns:\n  overnight:\n    label: Missing overnight\n    explain: Why it matters.\n    category: missing\n    patterns: ['overnight']\n";

    fn ctx() -> ValidateContext {
        ValidateContext {
            areas: vec!["dorset".into(), "elsewhere".into()],
            max_area_label_chars: 20,
            max_contacts_chars: 600,
            footer_chars: 50,
        }
    }

    fn run(files: &[(&str, &str)]) -> (Option<Flows>, Vec<String>) {
        let mut all = vec![SourceFile::new("flows/catalogue.yaml", CATALOGUE)];
        all.extend(files.iter().map(|(o, t)| SourceFile::new(*o, *t)));
        let (flows, diags) = validate(&all, &ctx());
        (flows, diags.iter().map(ToString::to_string).collect())
    }

    /// Each case: a main flow, and the one diagnostic it must produce (exact text, or a prefix
    /// ending in "..." for long messages).
    macro_rules! flow_error {
        ($name:ident, $src:expr, $want:expr) => {
            #[test]
            fn $name() {
                let (flows, diags) = run(&[("flows/main.yaml", $src)]);
                let want: &str = $want;
                let found = diags.iter().any(|d| match want.strip_suffix("...") {
                    Some(prefix) => d.starts_with(prefix),
                    None => d == want,
                });
                assert!(found, "wanted {want:?}\n got {diags:#?}");
                if !want.contains("warning:") {
                    assert!(flows.is_none(), "an error must stop the flows loading");
                }
            }
        };
    }

    // Issue 22: an answer longer than a phone screen before its contacts is refused, so a flow
    // author can't grow it back into six messages' worth.
    flow_error!(
        an_answer_longer_than_a_phone_screen_before_its_contacts_is_refused,
        concat!("flow: main\nnodes:\n  start:\n    say: \"", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "\\n{contacts}\"\n    end: true\n"),
        "flows/main.yaml:4:10: the answer in node \"start\" could be 721 characters before the contacts; an answer fits one phone screen (700). Put the detail behind a button"
    );

    flow_error!(
        typed_must_lead_to_a_free_text_node,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: A\n        goto: done\n    typed: done\n  done:\n    say: Bye\n    end: true\n",
        "flows/main.yaml:8:12: `typed:` goes to \"done\", which is not a free-text (`ask:`) node or a branch that leads only to them"
    );

    flow_error!(
        typed_belongs_on_a_node_with_buttons,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    next: start\n    typed: start\n",
        "flows/main.yaml:6:12: `typed:` belongs on a node with buttons (choices, pick or end): it says where words that press no button are read"
    );

    flow_error!(
        misspelt_goto_is_located_with_a_suggestion,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: Signs\n        goto: sings_menu\n  signs_menu:\n    say: Menu\n    end: true\n",
        "flows/main.yaml:7:15: goes to unknown node \"sings_menu\" (did you mean \"signs_menu\"?)"
    );
    flow_error!(
        duplicate_node_id_in_one_file_is_located_at_the_second,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    end: true\n  start:\n    say: Again\n    end: true\n",
        "flows/main.yaml:6:3: \"start\" appears twice (first at line 3)..."
    );
    flow_error!(
        unknown_field_is_located,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    ends: true\n",
        "flows/main.yaml:5:5: Unknown field `ends`..."
    );
    flow_error!(
        unreachable_node,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    end: true\n  orphan:\n    say: Nobody comes here\n    end: true\n",
        "flows/main.yaml:6:3: node \"orphan\" can never be reached from /start"
    );
    flow_error!(
        message_without_next_is_a_dead_end,
        "flow: main\nnodes:\n  start:\n    say: Hi\n",
        "flows/main.yaml:3:3: dead end: message node \"start\" needs `next:`"
    );
    flow_error!(
        empty_choices_are_a_dead_end,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    choices: []\n",
        "flows/main.yaml:5:14: dead end: node \"start\" has no choices"
    );
    flow_error!(
        branch_without_a_last_rule_may_fall_through,
        "flow: main\nnodes:\n  start:\n    branch:\n      - if: {has_signs: true}\n        goto: done\n  done:\n    say: Hi\n    end: true\n",
        "flows/main.yaml:5:7: possible dead end: branch \"start\"..."
    );
    flow_error!(
        bad_regex_is_located,
        "flow: main\nnodes:\n  start:\n    say: Tell me\n    ask:\n      rules:\n        - match: '(older'\n          goto: done\n      fallback: done\n  done:\n    say: Thanks\n    end: true\n",
        "flows/main.yaml:7:18: pattern \"(older\" is not a valid regex..."
    );
    #[test]
    fn a_bad_sign_pattern_is_located_and_the_others_are_matched_by_their_sign() {
        const MAIN: &str = "flow: main\nnodes:\n  start:\n    say: Hi\n    end: true\n";
        let signs = |patterns: &str| {
            format!("signs:\n  gifts:\n    label: Gifts\n    explain: Why.\n    patterns: [{patterns}]\n")
        };
        let broken = signs("'new phone', '(older'");
        let (flows, diags) = run(&[("flows/gifts.yaml", &broken), ("flows/main.yaml", MAIN)]);
        assert!(flows.is_none());
        assert_eq!(diags, ["flows/gifts.yaml:5:29: pattern \"(older\" is not a valid regex: error: unclosed group"]);

        let fine = signs("'new (i)?phone', 'older friends?'");
        let (flows, diags) = run(&[("flows/gifts.yaml", &fine), ("flows/main.yaml", MAIN)]);
        assert!(diags.is_empty(), "{diags:#?}");
        let flows = flows.unwrap();
        let (overnight, gifts) = (flows.sign("overnight").unwrap(), flows.sign("gifts").unwrap());
        // Each pattern is matched case-insensitively and credited to its own sign.
        assert_eq!(flows.signs_in("A NEW iPhone from his Older Friend"), vec![gifts]);
        assert_eq!(flows.signs_in("out OVERNIGHT with a new phone"), [overnight, gifts]);
        assert!(flows.signs_in("nothing here").is_empty());
    }

    flow_error!(
        unknown_sign_audience_and_area,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: A\n        add_signs: [ovrnight]\n        set_audience: parnet\n        when: {area: [cornwall]}\n        goto: done\n      - label: B\n        goto: done\n  done:\n    say: Hi\n    end: true\n",
        "flows/main.yaml:7:21: unknown sign \"ovrnight\" (did you mean \"overnight\"?)"
    );
    flow_error!(
        unknown_placeholder,
        "flow: main\nnodes:\n  start:\n    say: Call {contact}\n    end: true\n",
        "flows/main.yaml:4:10: unknown placeholder {contact} (did you mean \"contacts\"?)..."
    );
    flow_error!(
        message_that_could_render_too_long,
        &format!("flow: main\nnodes:\n  start:\n    say: '{}{{contacts}}'\n    end: true\n", "x".repeat(3500)),
        "flows/main.yaml:4:10: node \"start\" could render..."
    );
    flow_error!(
        too_many_buttons,
        &format!(
            "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n{}  done:\n    say: Bye\n    end: true\n",
            (0..12).map(|i| format!("      - label: Option {i}\n        goto: done\n")).collect::<String>()
        ),
        "flows/main.yaml:3:3: node \"start\" shows 13 buttons..."
    );
    flow_error!(
        label_too_long_for_a_phone,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: This label is far too long to fit on any phone screen at all\n        goto: start\n",
        "flows/main.yaml:6:16: button label is 60 characters..."
    );
    flow_error!(
        button_data_over_64_bytes,
        "flow: main\nnodes:\n  a_very_long_node_identifier_that_will_not_fit_in_the_callback_data_limit:\n    say: Hi\n    pick: [overnight]\n    next: done\n  done:\n    say: Bye\n    end: true\n",
        "flows/main.yaml:3:3: button data \"t|..."
    );
    flow_error!(
        mixed_kinds,
        "flow: main\nnodes:\n  start:\n    say: Hi\n    end: true\n    choices:\n      - label: A\n        goto: start\n",
        "flows/main.yaml:3:3: node \"start\" mixes choices and end..."
    );
    flow_error!(
        unknown_flow_in_call,
        "flow: main\nnodes:\n  start:\n    call: reasurance\n    next: done\n  done:\n    say: Bye\n    end: true\n",
        "flows/main.yaml:4:11: calls unknown flow \"reasurance\""
    );
    flow_error!(
        young_readers_get_readability_warnings,
        "flow: main\nreaders: young\nnodes:\n  start:\n    say: Notwithstanding institutional considerations, practitioners should contemplate multidisciplinary safeguarding arrangements whenever concerns arise about exploitation, trafficking, radicalisation or any other comparable vulnerability.\n    end: true\n",
        "flows/main.yaml:5:10: warning: hard to read for a young person in node \"start\": a sentence of 21 words..."
    );

    #[test]
    fn duplicate_node_ids_across_files_name_both_places() {
        let (_, diags) = run(&[
            ("flows/main.yaml", "flow: main\nnodes:\n  start:\n    call: other\n    next: start2\n  start2:\n    say: Hi\n    end: true\n"),
            ("flows/other.yaml", "flow: other\nnodes:\n  start2:\n    say: Hi\n    next: return\n"),
        ]);
        assert!(
            diags.contains(&"flows/other.yaml:3:3: node id \"start2\" is already used at flows/main.yaml:6:3; node ids must be unique across all flows".to_string()),
            "{diags:#?}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let (_, diags) = run(&[(
            "flows/main.yaml",
            "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: A\n        goto: nowhere\n      - label: B\n        goto: elsewhere_too\n",
        )]);
        assert_eq!(diags.len(), 2, "{diags:#?}");
    }

    #[test]
    fn a_valid_flow_loads_with_resolved_targets() {
        let (flows, diags) = run(&[(
            "flows/main.yaml",
            "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: Yes\n        goto: emergency\n      - label: No\n        goto: done\n  done:\n    say: Bye\n    end: true\n",
        )]);
        assert!(diags.is_empty(), "{diags:#?}");
        let flows = flows.unwrap();
        let NodeKind::Choice { choices, .. } = &flows.nodes[flows.main_start()].kind else {
            panic!("start should be a choice node")
        };
        assert_eq!(choices[0].goto, Goto::Emergency);
        assert_eq!(choices[1].goto, Goto::Node(flows.node("done").unwrap()));
    }

    /// A main flow and a sub-flow: "a" sends a message, a branch picks the longer arm, the
    /// sub-flow's message and its return carry on to a question.
    const TURNS: &str = "flow: main\nnodes:\n  start:\n    say: Who?\n    choices:\n      - label: Go\n        goto: a\n  a:\n    say: One\n    next: b\n  b:\n    branch:\n      - if: {audience: [parent]}\n        goto: c\n      - goto: d\n  c:\n    say: Two\n    next: c_call\n  c_call:\n    call: sub\n    next: e\n  d:\n    say: Short way\n    end: true\n  e:\n    say: Last, with buttons\n    end: true\n";
    const SUB: &str = "flow: sub\nnodes:\n  s1:\n    say: From the sub-flow\n    next: return\n";

    #[test]
    fn a_turn_is_counted_through_branches_calls_and_returns() {
        let (flows, diags) = run(&[("flows/main.yaml", TURNS), ("flows/sub.yaml", SUB)]);
        let flows = flows.unwrap_or_else(|| panic!("{diags:#?}"));
        let at = |id: &str| walker::messages_from(&flows, flows.node(id).unwrap());
        assert_eq!(at("a"), 4, "One, Two, the sub-flow's message, Last");
        assert_eq!(at("d"), 1);
        assert_eq!(at("start"), 1, "a question waits");
        // Entered on its own, the sub-flow returns to where its caller carries on.
        assert_eq!(at("s1"), 2);
        assert_eq!(walker::longest(&flows), Some((flows.node("a").unwrap(), 4)));
        assert!(diags.iter().all(|d| !d.contains("messages before the user answers")), "{diags:#?}");
    }

    #[test]
    fn a_turn_longer_than_a_chat_gets_at_once_is_a_warning() {
        let mut src = String::from(
            "flow: main\nnodes:\n  start:\n    say: Who?\n    choices:\n      - label: Go\n        goto: m0\n",
        );
        for i in 0..limits::TURN_MESSAGES {
            src.push_str(&format!("  m{i}:\n    say: Message {i}\n    next: m{}\n", i + 1));
        }
        src.push_str(&format!("  m{}:\n    say: The question\n    end: true\n", limits::TURN_MESSAGES));
        let (flows, diags) = run(&[("flows/main.yaml", &src)]);
        assert!(flows.is_some(), "a warning, not an error: {diags:#?}");
        let want = format!(
            "flows/main.yaml:8:3: warning: going to node \"m0\" can send {} messages before the user answers; a chat gets {} at once and the rest a second apart. Put a button between them",
            limits::TURN_MESSAGES + 1,
            limits::TURN_MESSAGES
        );
        assert!(diags.contains(&want), "wanted {want:?}\n got {diags:#?}");
    }

    #[test]
    fn missing_main_flow_is_reported() {
        let (_, diags) = run(&[("flows/x.yaml", "flow: x\nnodes:\n  a:\n    say: Hi\n    end: true\n")]);
        assert!(diags.iter().any(|d| d.contains("no flow is named `main`")), "{diags:#?}");
    }
}

//! Danger triage: does a message say that a child is in danger now? Pure: the cues and rules
//! arrive from `config/danger.yaml`, and the text is prepared by [`super::text::prepare_for_cues`].
//!
//! The triage composes cues rather than listing sentences. A **family** is a list of short
//! patterns for one idea (harm, weapons, "now", a child, negation). A **rule** says which
//! families are enough: a cue of a `when` family, not calmed by any `unless` family in its scope,
//! plus (if the rule says so) a live cue of a `with` family and of an `also` family in the same
//! sentence or the one either side. A rule with `whole` fires only when the message holds
//! nothing but its cues and the `whole` families' words ("help", "pls help", "🆘").
//!
//! A family used in `unless` has a `scope`: `before: N` (within N words before the cue, in the
//! same clause, e.g. "no one is hurting her"), `clause` or `sentence` (anywhere there, e.g. "he
//! used to hit her years ago"), `near: N` (within N words either side, in the same clause), or
//! `after` (anywhere later: "... police found her, shes home", or up to twelve words earlier in
//! its sentence, so "back at school most days, and tonight ... she was screaming" is not
//! calmed). Second cues are calmed only by the `before` families of the rule ("not right now").

use super::net::{Net, NetScore};
use super::text::{prepare_for_cues, CLAUSE, SENTENCE};
use crate::diag::{Diagnostic, Location};
use crate::yaml::{self, Spanned};
use indexmap::IndexMap;
use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::MatchKind;
use regex_syntax::hir::{Hir, HirKind};
use serde::Deserialize;
use std::sync::{Arc, OnceLock};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTriage {
    /// Why the file is written as it is (for reviewers; not used).
    #[allow(dead_code)]
    about: Option<String>,
    families: Option<Spanned<IndexMap<Spanned<String>, RawFamily>>>,
    rules: Option<Spanned<Vec<Spanned<RawRule>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    /// What the family is for (for staff; not used).
    #[allow(dead_code)]
    about: Option<String>,
    /// Where a family used in `unless` calms a cue; `clause` unless given.
    scope: Option<Spanned<RawScope>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum RawScope {
    Clause,
    Sentence,
    After,
    Before(usize),
    Near(usize),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    /// Why the rule is decided this way (for staff; not used).
    #[allow(dead_code)]
    about: Option<String>,
    #[serde(default)]
    when: Vec<Spanned<String>>,
    #[serde(default)]
    with: Vec<Spanned<String>>,
    #[serde(default)]
    also: Vec<Spanned<String>>,
    #[serde(default)]
    unless: Vec<Spanned<String>>,
    whole: Option<Vec<Spanned<String>>>,
    /// The learned net never calms this rule's alarm, however sure it is.
    #[serde(default)]
    firm: bool,
}

/// Where a calming family reaches from one of its matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Within this many words before the cue, in the same clause.
    Before(usize),
    /// Within this many words before or after the cue, in the same clause.
    Near(usize),
    Clause,
    Sentence,
    /// Anywhere later ("... the police found her, shes home now"), or a little earlier in the
    /// cue's sentence ([`AFTER_REACH`]).
    After,
}

#[derive(Debug, Clone)]
struct Family {
    name: String,
    scope: Scope,
    hirs: Vec<Hir>,
    /// Named only in `whole` (words that may stand beside a plea): not worth listing as a cue.
    filler: bool,
}

#[derive(Debug, Clone)]
struct DangerRule {
    name: String,
    when: Vec<usize>,
    with: Vec<usize>,
    also: Vec<usize>,
    unless: Vec<usize>,
    whole: Option<Vec<usize>>,
    firm: bool,
}

/// Finds messages that say a child is in danger now (see the module doc). Cheap to clone: the
/// clones share one compiled set of cues.
#[derive(Debug, Clone)]
pub struct DangerDetector {
    inner: Arc<Inner>,
    /// The learned net ([`super::net`]): a message also fires when its score reaches the net's
    /// threshold, and a long message it is sure of calms a rule that is not `firm`.
    net: Option<Arc<Net>>,
}

#[derive(Debug)]
struct Inner {
    origin: String,
    families: Vec<Family>,
    rules: Vec<DangerRule>,
    /// Every pattern of every family some rule names in `when`.
    any: Vec<Hir>,
    /// Compiled at first use or by [`DangerDetector::compile`]: compiling every family took
    /// most of the time of loading the flows and config, and the checks at load (the patterns
    /// parse, can match, name real families) need only the parsed patterns.
    compiled: OnceLock<Result<Compiled, String>>,
}

#[derive(Debug)]
struct Compiled {
    families: Vec<meta::Regex>,
    /// A message none of the `when` patterns matches cannot fire, so most messages are settled
    /// in one pass.
    any: meta::Regex,
}

/// How far back an `after` family reaches within the cue's sentence: "hes fine, just shaken,
/// and mum is collecting him later" is calmed; "back at school most days, and tonight [forty
/// words] she was screaming" is not.
const AFTER_REACH: usize = 12;

/// The rule named when no rule fires but the learned net's score reaches its threshold.
pub const LEARNED: &str = "the learned net";

/// One cue found in a message, for `signpost danger` and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub family: String,
    /// The words matched, in the prepared form.
    pub words: String,
    /// The calming family that stops this cue counting for the rule that fired or was tried
    /// first with it, if any.
    pub calmed_by: Option<String>,
}

/// What the triage decided about one message, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The rule that fired; `None` when the message is not danger now.
    pub rule: Option<String>,
    pub cues: Vec<Cue>,
    /// What the learned net made of it, when there is one.
    pub net: Option<NetScore>,
    /// A rule that fired on a long message the net was sure is ordinary, so it was calmed.
    pub overruled: Option<String>,
    /// The message as the cues were matched against it.
    pub prepared: String,
}

impl Verdict {
    pub fn fires(&self) -> bool {
        self.rule.is_some()
    }
}

/// One match of a family's pattern in the prepared text.
#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    clause: usize,
    sentence: usize,
}

/// The prepared text with where each clause and sentence begins.
struct Doc {
    text: String,
    /// Byte offset of each word's start, with its clause and sentence numbers.
    words: Vec<(usize, usize, usize)>,
}

impl Doc {
    fn new(text: &str) -> Doc {
        let text = prepare_for_cues(text);
        let mut words = Vec::new();
        let (mut clause, mut sentence, mut at) = (0, 0, 0);
        for w in text.split(' ') {
            if w == SENTENCE {
                sentence += 1;
                clause += 1;
            } else if w == CLAUSE {
                clause += 1;
            } else if !w.is_empty() {
                words.push((at, clause, sentence));
            }
            at += w.len() + 1;
        }
        Doc { text, words }
    }

    /// The word a byte offset falls in (or the next word after a break).
    fn word_at(&self, offset: usize) -> usize {
        self.words.partition_point(|w| w.0 <= offset).saturating_sub(1)
    }

    fn hit(&self, start: usize, end: usize) -> Hit {
        let w = self.words[self.word_at(start)];
        // A match that begins on the space before a word belongs to that word.
        let w = if w.0 < start && self.text[start..].starts_with(' ') {
            self.words.get(self.word_at(start) + 1).copied().unwrap_or(w)
        } else {
            w
        };
        Hit { start, end, clause: w.1, sentence: w.2 }
    }

    /// Words strictly between two offsets.
    fn words_between(&self, from: usize, to: usize) -> usize {
        let before = |at: usize| self.words.partition_point(|w| w.0 < at);
        before(to).saturating_sub(before(from))
    }
}

impl DangerDetector {
    /// Parse `config/danger.yaml` (given as text), reporting every mistake with its place.
    pub fn from_str(src: &str, origin: &str) -> Result<Self, Vec<Diagnostic>> {
        let raw: RawTriage = yaml::from_str(src, origin).map_err(|d| vec![d])?;
        let mut errors = Vec::new();
        let mut families = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut all_when: Vec<Hir> = Vec::new();
        let mut parsed_by_family: Vec<Vec<Hir>> = Vec::new();
        match &raw.families {
            None => errors.push(Location::file(origin).error("there must be a `families:` list of danger cues")),
            Some(fams) => {
                for (name, fam) in fams.iter() {
                    let at = yaml::location(name, origin);
                    if fam.patterns.is_empty() {
                        errors.push(at.error(format!("family \"{}\" has no patterns", name.as_str())));
                    }
                    let mut hirs = Vec::new();
                    for p in &fam.patterns {
                        match check_pattern(p.as_str()) {
                            Ok(h) => hirs.push(h),
                            Err(why) => errors
                                .push(yaml::location(p, origin).error(format!("pattern \"{}\" {why}", p.as_str()))),
                        }
                    }
                    let scope = match fam.scope.as_deref() {
                        None | Some(RawScope::Clause) => Scope::Clause,
                        Some(RawScope::Sentence) => Scope::Sentence,
                        Some(RawScope::After) => Scope::After,
                        Some(RawScope::Before(n)) => Scope::Before(*n),
                        Some(RawScope::Near(n)) => Scope::Near(*n),
                    };
                    names.push(name.as_str().to_string());
                    parsed_by_family.push(hirs);
                    families.push((name.as_str().to_string(), scope));
                }
            }
        }
        let family = |n: &Spanned<String>, errors: &mut Vec<Diagnostic>| -> Option<usize> {
            let found = names.iter().position(|x| x == n.as_str());
            if found.is_none() {
                let hint = crate::diag::suggest(n.as_str(), names.iter().map(String::as_str));
                errors.push(
                    yaml::location(n, origin).error(format!("rule names unknown family \"{}\"{hint}", n.as_str())),
                );
            }
            found
        };
        let mut rules = Vec::new();
        let mut used = vec![false; names.len()];
        match &raw.rules {
            None => errors.push(Location::file(origin).error("there must be a `rules:` list saying which cues fire")),
            Some(list) if list.is_empty() => {
                errors.push(yaml::location(list, origin).error("there must be at least one rule"))
            }
            Some(list) => {
                for r in list.iter() {
                    let at = yaml::location(r, origin);
                    if r.when.is_empty() {
                        errors.push(at.error(format!(
                            "rule \"{}\" names no family in `when`: it could never fire",
                            r.name.as_str()
                        )));
                    }
                    let mut ids = |list: &[Spanned<String>]| -> Vec<usize> {
                        list.iter().filter_map(|n| family(n, &mut errors)).inspect(|&i| used[i] = true).collect()
                    };
                    let when = ids(&r.when);
                    let with = ids(&r.with);
                    let also = ids(&r.also);
                    let unless = ids(&r.unless);
                    let whole = r.whole.as_ref().map(|w| ids(w));
                    for &i in &when {
                        all_when.extend(parsed_by_family[i].iter().cloned());
                    }
                    rules.push(DangerRule {
                        name: r.name.as_str().to_string(),
                        when,
                        with,
                        also,
                        unless,
                        whole,
                        firm: r.firm,
                    });
                }
            }
        }
        if let Some(fams) = &raw.families {
            for ((name, _), used) in fams.iter().zip(&used) {
                if !used {
                    errors.push(
                        yaml::location(name, origin).warning(format!(
                            "family \"{}\" is named by no rule, so it changes nothing",
                            name.as_str()
                        )),
                    );
                }
            }
        }
        if errors.iter().any(Diagnostic::is_error) {
            return Err(errors);
        }
        let mut built = Vec::new();
        for (i, ((name, scope), hirs)) in families.into_iter().zip(parsed_by_family).enumerate() {
            let named = |r: &DangerRule| {
                r.when.contains(&i) || r.with.contains(&i) || r.also.contains(&i) || r.unless.contains(&i)
            };
            let filler = !rules.iter().any(named);
            built.push(Family { name, scope, hirs, filler });
        }
        let inner =
            Inner { origin: origin.to_string(), families: built, rules, any: all_when, compiled: OnceLock::new() };
        Ok(DangerDetector { inner: Arc::new(inner), net: None })
    }

    /// The same cues with the learned net under them (or none).
    pub fn with_net(self, net: Option<Net>) -> Self {
        DangerDetector { net: net.map(Arc::new), ..self }
    }

    /// The learned net, if one was loaded.
    pub fn net(&self) -> Option<&Net> {
        self.net.as_deref()
    }

    fn net_fires(&self, doc: &Doc) -> bool {
        self.net.as_ref().is_some_and(|n| n.fires(&doc.text))
    }

    /// Whether the learned net overrules rule `r`: never a firm rule, and otherwise when
    /// `net_calms` (asked only then).
    fn overruled(&self, r: usize, net_calms: impl FnOnce() -> bool) -> bool {
        !self.inner.rules[r].firm && net_calms()
    }

    /// The rule the cues alone fire, if any.
    fn firing_rule(&self, c: &Compiled, doc: &Doc) -> Option<usize> {
        if doc.words.is_empty() || !c.any.is_match(&doc.text) {
            return None;
        }
        self.decide(c, doc).0
    }

    /// Compile every family now (`signpost check`, a reload, and a warm-up at start), so that a
    /// family too large to compile is reported rather than met at a user's message.
    pub fn compile(&self) -> Result<(), Diagnostic> {
        self.compiled().map(|_| ()).map_err(|e| Location::file(&self.inner.origin).error(e.to_string()))
    }

    fn compiled(&self) -> Result<&Compiled, &str> {
        self.inner
            .compiled
            .get_or_init(|| {
                let mut families = Vec::new();
                for f in &self.inner.families {
                    families.push(compile(&f.hirs).map_err(|e| format!("family \"{}\": {e}", f.name))?);
                }
                Ok(Compiled { families, any: compile(&self.inner.any)? })
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// True when the text says someone is in danger now. If the cues could not be compiled
    /// (which `signpost check` reports first), every message fails safe and gets 999.
    pub fn is_danger(&self, text: &str) -> bool {
        let Ok(c) = self.compiled() else { return true };
        let doc = Doc::new(text);
        match self.firing_rule(c, &doc) {
            Some(r) => !self.overruled(r, || self.net.as_ref().is_some_and(|n| n.calms(&doc.text))),
            None => self.net_fires(&doc),
        }
    }

    /// True when the text holds no sign of danger at all: no rule fires, and every cue of a
    /// family some rule starts from (`when`) is calmed. Stricter than [`Self::is_danger`] being
    /// false, which is also false for a cue that lacks its second cue ("he's gone with them").
    /// A question that fails safe takes "no, ..." as a clear no only when the rest is this clear.
    pub fn is_clear(&self, text: &str) -> bool {
        let Ok(c) = self.compiled() else { return false };
        let doc = Doc::new(text);
        if doc.words.is_empty() {
            return true;
        }
        if self.net_fires(&doc) {
            return false;
        }
        if !c.any.is_match(&doc.text) {
            return true;
        }
        let (rule, calmed) = self.decide(c, &doc);
        if rule.is_some() {
            return false;
        }
        let mut cache: Vec<Option<Vec<Hit>>> = vec![None; self.inner.families.len()];
        let starts: std::collections::BTreeSet<usize> =
            self.inner.rules.iter().flat_map(|r| r.when.iter().copied()).collect();
        starts.into_iter().all(|f| {
            self.hits(c, &doc, &mut cache, f).iter().all(|h| calmed.iter().any(|(cf, s, _)| *cf == f && *s == h.start))
        })
    }

    /// Whether the rules alone fire, and if so whether the rule that fires is `firm` (the net
    /// may not calm it): for measuring what calming would cost.
    pub fn rules_fire(&self, text: &str) -> Option<bool> {
        let Ok(c) = self.compiled() else { return Some(true) };
        self.firing_rule(c, &Doc::new(text)).map(|r| self.inner.rules[r].firm)
    }

    /// What the triage decided and every cue it found: for `signpost danger` and tests.
    pub fn explain(&self, text: &str) -> Verdict {
        let doc = Doc::new(text);
        let c = match self.compiled() {
            Ok(c) => c,
            Err(e) => {
                let rule = Some(format!("none: the cues could not be compiled ({e}), so every message fails safe"));
                return Verdict { rule, cues: Vec::new(), net: None, overruled: None, prepared: doc.text };
            }
        };
        let (rule, calmed) = if doc.words.is_empty() { (None, Vec::new()) } else { self.decide(c, &doc) };
        let mut cues = Vec::new();
        for (i, f) in self.inner.families.iter().enumerate().filter(|(_, f)| !f.filler) {
            for m in c.families[i].find_iter(&doc.text) {
                let calmed_by = calmed.iter().find(|(fam, s, _)| *fam == i && *s == m.start()).map(|c| c.2.clone());
                cues.push(Cue { family: f.name.clone(), words: doc.text[m.range()].trim().to_string(), calmed_by });
            }
        }
        let net = self.net.as_ref().filter(|_| !doc.words.is_empty()).map(|n| n.explain(&doc.text));
        let (rule, overruled) = match rule {
            Some(r) if self.overruled(r, || net.as_ref().is_some_and(|n| n.calms)) => {
                (None, Some(self.inner.rules[r].name.clone()))
            }
            Some(r) => (Some(self.inner.rules[r].name.clone()), None),
            None if net.as_ref().is_some_and(NetScore::fires) => (Some(LEARNED.to_string()), None),
            None => (None, None),
        };
        Verdict { rule, cues, net, overruled, prepared: doc.text }
    }

    /// The first rule that fires, and the cues found calmed on the way (family, start, by whom).
    fn decide(&self, cm: &Compiled, doc: &Doc) -> (Option<usize>, Vec<(usize, usize, String)>) {
        let mut hits: Vec<Option<Vec<Hit>>> = vec![None; self.inner.families.len()];
        let mut calmed = Vec::new();
        for (r, rule) in self.inner.rules.iter().enumerate() {
            for &f in &rule.when {
                for cue in self.hits(cm, doc, &mut hits, f) {
                    if let Some(by) = self.calmed(cm, doc, &mut hits, &rule.unless, cue, false) {
                        calmed.push((f, cue.start, self.inner.families[by].name.clone()));
                        continue;
                    }
                    let near = |hits: &mut Vec<Option<Vec<Hit>>>, group: &[usize]| {
                        group.is_empty()
                            || group.iter().any(|&g| {
                                self.hits(cm, doc, hits, g).into_iter().any(|h| {
                                    h.sentence.abs_diff(cue.sentence) <= 1
                                        && self.calmed(cm, doc, hits, &rule.unless, h, true).is_none()
                                })
                            })
                    };
                    if !near(&mut hits, &rule.with) || !near(&mut hits, &rule.also) {
                        continue;
                    }
                    if let Some(whole) = &rule.whole {
                        if !self.covers(cm, doc, &mut hits, &rule.when, whole) {
                            continue;
                        }
                    }
                    return (Some(r), calmed);
                }
            }
        }
        (None, calmed)
    }

    fn hits(&self, cm: &Compiled, doc: &Doc, cache: &mut [Option<Vec<Hit>>], f: usize) -> Vec<Hit> {
        cache[f]
            .get_or_insert_with(|| cm.families[f].find_iter(&doc.text).map(|m| doc.hit(m.start(), m.end())).collect())
            .clone()
    }

    /// The first family in `unless` that calms `cue`; only `before` families when `second`.
    fn calmed(
        &self,
        cm: &Compiled,
        doc: &Doc,
        cache: &mut [Option<Vec<Hit>>],
        unless: &[usize],
        cue: Hit,
        second: bool,
    ) -> Option<usize> {
        unless.iter().copied().find(|&u| {
            let scope = self.inner.families[u].scope;
            if second && !matches!(scope, Scope::Before(_)) {
                return false;
            }
            self.hits(cm, doc, cache, u).into_iter().any(|c| {
                // A calming match inside the cue itself ("not safe") does not calm it; one that
                // reaches past it does ("missing school" calms "is missing").
                let inside = c.start >= cue.start && c.end <= cue.end;
                !inside
                    && match scope {
                        // A second cue is calmed only by a word just before it ("not right now");
                        // "im not going home tonight" still says tonight.
                        Scope::Before(n) => {
                            let n = if second { n.min(1) } else { n };
                            c.end <= cue.start && c.clause == cue.clause && doc.words_between(c.end, cue.start) <= n
                        }
                        Scope::Near(n) => {
                            c.clause == cue.clause
                                && (doc.words_between(c.end, cue.start) <= n && c.end <= cue.start
                                    || doc.words_between(cue.end, c.start) <= n && c.start >= cue.end)
                        }
                        Scope::Clause => c.clause == cue.clause,
                        Scope::Sentence => c.sentence == cue.sentence,
                        Scope::After => {
                            c.start >= cue.end
                                || c.clause == cue.clause
                                || c.sentence == cue.sentence && doc.words_between(c.end, cue.start) <= AFTER_REACH
                        }
                    }
            })
        })
    }

    /// True when every word of the message is inside a match of `when` or `whole` families.
    fn covers(
        &self,
        cm: &Compiled,
        doc: &Doc,
        cache: &mut [Option<Vec<Hit>>],
        when: &[usize],
        whole: &[usize],
    ) -> bool {
        let mut covered = vec![false; doc.words.len()];
        for &f in when.iter().chain(whole) {
            for h in self.hits(cm, doc, cache, f) {
                for (i, w) in doc.words.iter().enumerate() {
                    if w.0 >= h.start && w.0 < h.end {
                        covered[i] = true;
                    }
                }
            }
        }
        covered.iter().all(|c| *c)
    }
}

/// Parse a pattern and refuse one that can never match the prepared text.
fn check_pattern(pattern: &str) -> Result<Hir, String> {
    // Prepared text is lower case and almost always ASCII, so patterns are read case-sensitively
    // and without Unicode classes or word boundaries: those made loading this file take several
    // times as long, for matches the prepared text can never need. A pattern that could match
    // part of a character ("." or "[^ ]") is refused here with the parser's reason.
    let hir = regex_syntax::ParserBuilder::new().unicode(false).build().parse(pattern).map_err(|e| {
        let text = e.to_string();
        if text.contains("invalid UTF-8") {
            return "could match part of a letter: write the letters it may be, e.g. [a-z0-9 ], not \".\" or [^ ]"
                .to_string();
        }
        format!("is not a valid regex: {}", text.lines().last().unwrap_or("").trim())
    })?;
    if hir.properties().minimum_len().is_none() {
        return Err("can never match anything".to_string());
    }
    if hir.properties().minimum_len() == Some(0) {
        return Err("matches an empty string, so it would match every message".to_string());
    }
    if let Some(c) = impossible(&hir) {
        return Err(format!(
            "can never match: messages are read in lower case without apostrophes or punctuation, with single spaces, but it needs {c}"
        ));
    }
    Ok(hir)
}

/// A character a literal in the pattern needs that prepared text never holds.
fn impossible(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Literal(lit) => {
            let s = String::from_utf8_lossy(&lit.0);
            if s.contains("  ") {
                return Some("two spaces in a row".to_string());
            }
            s.chars()
                .find(|c| !(c.is_alphanumeric() || *c == ' ') && *c != ',' && *c != '.' || c.is_uppercase())
                .map(|c| format!("\"{c}\""))
        }
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().find_map(impossible),
        HirKind::Repetition(rep) => impossible(&rep.sub),
        HirKind::Capture(cap) => impossible(&cap.sub),
        HirKind::Class(_) | HirKind::Look(_) | HirKind::Empty => None,
    }
}

fn compile(hirs: &[Hir]) -> Result<meta::Regex, String> {
    let config = meta::Config::new()
        .match_kind(MatchKind::LeftmostFirst)
        .which_captures(WhichCaptures::Implicit)
        .nfa_size_limit(Some(64 << 20))
        .hybrid_cache_capacity(8 << 20)
        // Only where a cue starts and ends is needed, never its groups: the engines that report
        // groups are not built, which halved the cost of loading this file.
        .onepass(false)
        .backtrack(false);
    meta::Builder::new().configure(config).build_many_from_hir(hirs).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
families:
  harm:
    patterns: ['\bhitting\b', '\bhurt\b']
  now:
    patterns: ['\bnow\b', '\btonight\b']
  plea:
    patterns: ['\bhelp\b', '\bsos\b']
  filler:
    patterns: ['\bplease\b', '\bme\b']
  negation:
    scope: {before: 3}
    patterns: ['\bno one\b', '\bnot\b']
  past:
    scope: sentence
    patterns: ['\byears ago\b', '\bused to\b']
rules:
  - name: harm now
    when: [harm]
    with: [now]
    unless: [negation, past]
  - name: a plea alone
    when: [plea]
    whole: [filler]
"#;

    fn small() -> DangerDetector {
        DangerDetector::from_str(SMALL, "danger.yaml").unwrap()
    }

    #[test]
    fn cues_compose_and_calms_keep_their_scope() {
        let d = small();
        for text in ["hes hitting her now", "HELP", "pls help me", "🆘", "he hurt her. please come now", "/start help"]
        {
            assert!(d.is_danger(text), "{text}");
        }
        for text in [
            "hes hitting her",
            "no one is hitting her now",
            "he used to hurt her now and then, years ago",
            "not right now, he isnt hitting her",
            "help me understand the signs",
            "he hurt her. she is fine. it was years ago. she is home now. ok",
            "",
        ] {
            assert!(!d.is_danger(text), "{text}");
        }
        // The negation must come before the cue, in its clause: here it is after it.
        assert!(d.is_danger("hes hitting her now and no one helps"));
    }

    #[test]
    fn explain_names_the_rule_and_the_cues() {
        let v = small().explain("He's hitting her now");
        assert_eq!(v.rule.as_deref(), Some("harm now"));
        assert!(v.cues.iter().any(|c| c.family == "harm" && c.words == "hitting"));
        assert!(v.cues.iter().any(|c| c.family == "now" && c.words == "now"));
        let v = small().explain("no one is hitting her now");
        assert_eq!(v.rule, None);
        let harm = v.cues.iter().find(|c| c.family == "harm").unwrap();
        assert_eq!(harm.calmed_by.as_deref(), Some("negation"));
    }

    #[test]
    fn mistakes_are_located() {
        let src = "families:\n  harm:\n    patterns: ['\\bhit\\b', \"can't\", '(broken', '[a&&b]', 'caf.']\n  empty:\n    patterns: []\nrules:\n  - name: a\n    when: [harm, harn]\n  - name: b\n    when: []\n    with: [empty]\n";
        let errs = DangerDetector::from_str(src, "d.yaml").unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        let want = [
            "d.yaml:3:27: pattern \"can't\" can never match",
            "d.yaml:3:36: pattern \"(broken\" is not a valid regex",
            "d.yaml:3:47: pattern \"[a&&b]\" can never match anything",
            "d.yaml:3:57: pattern \"caf.\" could match part of a letter",
            "d.yaml:4:3: family \"empty\" has no patterns",
            "d.yaml:8:18: rule names unknown family \"harn\" (did you mean \"harm\"?)",
            "d.yaml:9:9: rule \"b\" names no family in `when`",
        ];
        for w in want {
            assert!(text.iter().any(|t| t.starts_with(w)), "missing {w:?} in {text:#?}");
        }
        assert_eq!(errs.len(), want.len(), "{text:#?}");
    }
}

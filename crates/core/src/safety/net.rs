//! The learned net under the cue rules: a logistic model over the words of a message, trained on
//! the blind tables (`tests/danger/blind`), that catches danger told in words no cue family
//! holds. Mostly it adds alarms: a message fires when a rule fires **or** the net's score
//! reaches its threshold. It calms a rule's alarm only when the rule is not `firm`, the message
//! has at least `calm_min_words` words, and the score is below `calm_below` (held out, that
//! calmed none of 3,462 danger lines the rules caught and 95 of their 208 false alarms).
//!
//! The model is `config/danger-net.tsv`, written by `signpost danger --train` and read here. Each
//! line after the header is `kind<TAB>feature<TAB>weight`, strongest first within a kind, so
//! staff can read what it leans on:
//! - `w` a word ("unconcious"),
//! - `p` two words in a row, breaks included ("wont let", "now ."),
//! - `g` four letters of a word, with `<` and `>` marking its ends ("<unc", "ous>"), which lets
//!   a misspelling share most of its weight with the word.
//!
//! Header lines are `bias<TAB>x`, `threshold<TAB>x` (a score in 0..1) and, optionally,
//! `min_words<TAB>n`: a message of fewer words is left to the rules, since a few words give the
//! net too little to go on (a number typed at a question, "she's with him"); short pleas and the
//! danger question's fail-safe are the rules' job. Also optional, together: `calm_below<TAB>x` and
//! `calm_min_words<TAB>n`: a rule's alarm on a message of at least `calm_min_words` words that
//! the net scores below `calm_below` is calmed. That is the one way the net overrules a rule, and
//! `signpost danger --cross-validate` shows what it costs (SAFETY.md H1). Features are read from
//! text prepared by [`super::text::prepare_for_cues`], so the net and the cues see the same words.
//! A feature is there or not (counted once), and each weighs `1/sqrt(n)` for a message with `n`
//! features, so a long message is not an alarm for being long.

use crate::diag::{Diagnostic, Location};
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use std::hash::Hasher;

/// The file name of the net, in the config directory.
pub const NET_FILE: &str = "danger-net.tsv";

/// The kinds of feature, as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Word,
    Pair,
    Gram,
}

impl Kind {
    pub fn tag(self) -> &'static str {
        match self {
            Kind::Word => "w",
            Kind::Pair => "p",
            Kind::Gram => "g",
        }
    }

    fn from_tag(tag: &str) -> Option<Kind> {
        match tag {
            "w" => Some(Kind::Word),
            "p" => Some(Kind::Pair),
            "g" => Some(Kind::Gram),
            _ => None,
        }
    }
}

/// The net reads a message's first this many words; the rules read all of it. No line of the
/// tables is longer (the longest is 137 words, and the longest caught by the net alone 74), and
/// over several hundred words one sentence barely moves a score scaled by `1/sqrt(n)`, so the
/// net would add little there for what it costs (SAFETY.md H1, BENCHMARKS.md).
pub const MAX_WORDS: usize = 200;

fn is_word(t: &str) -> bool {
    t.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The tokens the net reads: those of the prepared text up to its [`MAX_WORDS`]th word.
fn tokens(prepared: &str) -> Vec<&str> {
    let mut words = 0;
    let mut out = Vec::new();
    for t in prepared.split(' ').filter(|t| !t.is_empty()) {
        if is_word(t) {
            if words == MAX_WORDS {
                break;
            }
            words += 1;
        }
        out.push(t);
    }
    out
}

/// Whether a word is long enough, and letters only, to be read in four-letter pieces.
fn has_pieces(t: &str) -> bool {
    t.len() >= 5 && t.bytes().all(|b| b.is_ascii_lowercase())
}

/// Calls `f` once for each feature of a prepared text, in order, repeats included: a word, the
/// pair it starts, then its four-letter pieces. A feature's text is `a` or, for a pair, `a b`.
pub fn walk(prepared: &str, mut f: impl FnMut(Kind, &str, &str)) {
    let toks = tokens(prepared);
    let mut padded = String::new();
    for (i, &t) in toks.iter().enumerate() {
        let word = is_word(t);
        if word {
            f(Kind::Word, t, "");
        }
        if let Some(&next) = toks.get(i + 1) {
            if word || is_word(next) {
                f(Kind::Pair, t, next);
            }
        }
        // Pieces only of real words (letters), long enough to be misspelt.
        if word && has_pieces(t) {
            padded.clear();
            padded.push('<');
            padded.push_str(t);
            padded.push('>');
            let b = padded.as_bytes();
            for s in 0..=b.len() - 4 {
                f(Kind::Gram, &padded[s..s + 4], "");
            }
        }
    }
}

/// The hash of one token's text.
fn token_hash(t: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(t);
    h.finish()
}

/// A feature's key from its kind and a 64-bit value (splitmix64's finaliser).
fn mix(kind: Kind, v: u64) -> u64 {
    let mut x = v ^ (kind as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn pair_value(a: u64, b: u64) -> u64 {
    a.rotate_left(23) ^ b.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

fn gram_value(b: [u8; 4]) -> u64 {
    u64::from(u32::from_le_bytes(b))
}

/// The key a feature is looked up by, from its text as the file writes it: a word, a pair's two
/// tokens, or a piece of four characters. [`keys`] computes the same keys without the text.
pub fn key(kind: Kind, a: &str, b: &str) -> u64 {
    match kind {
        Kind::Word => mix(kind, token_hash(a.as_bytes())),
        Kind::Pair => mix(kind, pair_value(token_hash(a.as_bytes()), token_hash(b.as_bytes()))),
        Kind::Gram => {
            let mut g = [0u8; 4];
            for (d, s) in g.iter_mut().zip(a.bytes()) {
                *d = s;
            }
            mix(kind, gram_value(g))
        }
    }
}

/// Calls `f` with the key of each of [`walk`]'s features, in order, repeats included: each token
/// hashed once, pairs mixed from two tokens' hashes and pieces taken straight from the bytes.
fn each_key(prepared: &str, mut f: impl FnMut(u64)) {
    let toks = tokens(prepared);
    let mut prev: Option<(u64, bool)> = None;
    for &t in &toks {
        let (h, word) = (token_hash(t.as_bytes()), is_word(t));
        if let Some((ph, pword)) = prev {
            if pword || word {
                f(mix(Kind::Pair, pair_value(ph, h)));
            }
        }
        if word {
            f(mix(Kind::Word, h));
            if has_pieces(t) {
                let b = t.as_bytes();
                let at = |j: usize| {
                    if j == 0 {
                        b'<'
                    } else if j == b.len() + 1 {
                        b'>'
                    } else {
                        b[j - 1]
                    }
                };
                for s in 0..=b.len() - 2 {
                    f(mix(Kind::Gram, gram_value([at(s), at(s + 1), at(s + 2), at(s + 3)])));
                }
            }
        }
        prev = Some((h, word));
    }
}

/// The distinct features of a prepared text, as keys, sorted: the keys of [`walk`]'s features.
pub fn keys(prepared: &str) -> Vec<u64> {
    let mut out = Vec::with_capacity(prepared.len() / 2);
    each_key(prepared, |k| out.push(k));
    out.sort_unstable();
    out.dedup();
    out
}

/// How many words (tokens of letters and digits, not breaks) a prepared text holds.
pub fn words(prepared: &str) -> usize {
    prepared.split(' ').filter(|t| !t.is_empty() && is_word(t)).count()
}

/// Whether a prepared text holds at least `n` words, reading no further than the `n`th.
fn at_least_words(prepared: &str, n: usize) -> bool {
    prepared.split(' ').filter(|t| !t.is_empty() && is_word(t)).take(n).count() == n
}

/// The score a logistic model gives: `1 / (1 + e^-z)`.
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// One feature of the net and its weight, for `signpost danger` to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Lean {
    pub kind: Kind,
    pub feature: String,
    pub weight: f64,
}

/// What the net made of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct NetScore {
    /// From 0 (ordinary) to 1 (danger).
    pub score: f64,
    pub threshold: f64,
    /// Fewer words than the net reads: the rules alone decide.
    pub too_short: bool,
    /// The net is sure enough this is ordinary to calm a rule's alarm.
    pub calms: bool,
    /// The features found that weigh most, towards danger first.
    pub leans: Vec<Lean>,
}

impl NetScore {
    pub fn fires(&self) -> bool {
        !self.too_short && self.score >= self.threshold
    }
}

/// Gathers a net's features: each key once, its name in one shared string.
struct Builder {
    weights: FxHashMap<u64, (f32, u32)>,
    names: Vec<(Kind, u32, u32)>,
    text: String,
}

impl Builder {
    fn with_capacity(n: usize) -> Builder {
        Builder {
            weights: FxHashMap::with_capacity_and_hasher(n, Default::default()),
            names: Vec::with_capacity(n),
            text: String::with_capacity(n * 8),
        }
    }

    /// Add a feature; a key already given is refused with the index of the first.
    fn add(&mut self, k: u64, kind: Kind, feature: &str, w: f32) -> Result<(), u32> {
        let i = self.names.len() as u32;
        match self.weights.entry(k) {
            std::collections::hash_map::Entry::Occupied(e) => Err(e.get().1),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert((w, i));
                let start = self.text.len() as u32;
                self.text.push_str(feature);
                self.names.push((kind, start, self.text.len() as u32));
                Ok(())
            }
        }
    }

    fn build(self, bias: f64, threshold: f64) -> Net {
        let Builder { weights, names, text } = self;
        Net { bias, threshold, min_words: 1, calm_below: None, calm_min_words: usize::MAX, weights, names, text }
    }
}

/// The net, loaded.
#[derive(Debug, Clone)]
pub struct Net {
    bias: f64,
    threshold: f64,
    min_words: usize,
    /// Below this score, on a message of at least `calm_min_words` words, a rule's alarm is calmed.
    calm_below: Option<f64>,
    calm_min_words: usize,
    /// Each feature's weight, and where its name is in `names`.
    weights: FxHashMap<u64, (f32, u32)>,
    /// The feature each key came from, for explaining a score.
    names: Vec<(Kind, u32, u32)>,
    /// Every feature's text, one after another (`names` holds the ranges): one allocation, not
    /// one per feature, since loading is on the way to the first reply.
    text: String,
}

impl Net {
    /// Build a net from its parts (training writes the file from these).
    pub fn new(bias: f64, threshold: f64, features: Vec<(Kind, String, f64)>) -> Net {
        let mut b = Builder::with_capacity(features.len());
        for (kind, text, w) in features {
            let (x, y) = text.split_once(' ').unwrap_or((&text, ""));
            let _ = b.add(key(kind, x, y), kind, &text, w as f32);
        }
        b.build(bias, threshold)
    }

    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The kind and text of the feature at `i` in `names`.
    fn name(&self, i: u32) -> (Kind, &str) {
        let (kind, start, end) = self.names[i as usize];
        (kind, &self.text[start as usize..end as usize])
    }

    /// The fewest words a message needs for the net to read it.
    pub fn min_words(&self) -> usize {
        self.min_words
    }

    /// The same net, leaving messages of fewer than `n` words to the rules.
    pub fn with_min_words(mut self, n: usize) -> Net {
        self.min_words = n.max(1);
        self
    }

    /// The same net, calming a rule's alarm on a message of at least `min_words` words that it
    /// scores below `below` (or never, with `None`).
    pub fn with_calm(mut self, below: Option<f64>, min_words: usize) -> Net {
        self.calm_below = below;
        self.calm_min_words = min_words.max(1);
        self
    }

    /// The score below which a rule's alarm is calmed, and the words a message needs for that.
    pub fn calm(&self) -> Option<(f64, usize)> {
        self.calm_below.map(|b| (b, self.calm_min_words))
    }

    /// Whether the net calms a rule's alarm on this prepared text.
    pub fn calms(&self, prepared: &str) -> bool {
        self.calms_at(prepared, || self.score(prepared))
    }

    /// [`Self::calms`], with the score given (computed only if the text is long enough).
    fn calms_at(&self, prepared: &str, score: impl FnOnce() -> f64) -> bool {
        self.calm_below.is_some_and(|b| at_least_words(prepared, self.calm_min_words) && score() < b)
    }

    /// The score of a prepared text.
    pub fn score(&self, prepared: &str) -> f64 {
        // Distinct keys by a set, not a sort: a long message repeats most of its features.
        let mut seen: FxHashSet<u64> = FxHashSet::with_capacity_and_hasher(prepared.len() / 3, Default::default());
        let mut sum = 0.0f64;
        each_key(prepared, |k| {
            if seen.insert(k) {
                if let Some(&(w, _)) = self.weights.get(&k) {
                    sum += f64::from(w);
                }
            }
        });
        if seen.is_empty() {
            return sigmoid(self.bias);
        }
        sigmoid(self.bias + sum / (seen.len() as f64).sqrt())
    }

    pub fn fires(&self, prepared: &str) -> bool {
        at_least_words(prepared, self.min_words) && self.score(prepared) >= self.threshold
    }

    /// The score with the features that weigh most either way.
    pub fn explain(&self, prepared: &str) -> NetScore {
        let mut leans: Vec<Lean> = keys(prepared)
            .into_iter()
            .filter_map(|k| {
                let &(w, i) = self.weights.get(&k)?;
                let (kind, feature) = self.name(i);
                Some(Lean { kind, feature: feature.to_string(), weight: f64::from(w) })
            })
            .collect();
        leans.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()).then_with(|| a.feature.cmp(&b.feature)));
        leans.truncate(8);
        leans.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        let score = self.score(prepared);
        let too_short = !at_least_words(prepared, self.min_words);
        let calms = self.calms_at(prepared, || score);
        NetScore { score, threshold: self.threshold, too_short, calms, leans }
    }

    /// Read the file, naming the line and column of every mistake.
    pub fn from_str(src: &str, origin: &str) -> Result<Net, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let (mut bias, mut threshold, mut min_words) = (None, None, 1);
        let (mut calm_below, mut calm_min_words) = (None, None);
        let mut b = Builder::with_capacity(src.len() / 16);
        // The line of each feature, for naming the first of a duplicate.
        let mut line_of: Vec<u32> = Vec::with_capacity(src.len() / 16);
        for (i, line) in src.lines().enumerate() {
            let at = |col: usize| Location::new(origin, i + 1, col);
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut split = line.split('\t');
            let fields = [split.next(), split.next(), split.next(), split.next()];
            let number = |s: &str, col: usize, errors: &mut Vec<Diagnostic>| -> Option<f64> {
                match s.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => Some(x),
                    _ => {
                        errors.push(at(col).error(format!("\"{s}\" is not a number")));
                        None
                    }
                }
            };
            match fields {
                [Some("bias"), Some(x), None, None] => bias = number(x, 6, &mut errors),
                [Some("threshold"), Some(x), None, None] => match number(x, 11, &mut errors) {
                    Some(t) if (0.0..=1.0).contains(&t) => threshold = Some(t),
                    Some(t) => errors.push(at(11).error(format!("threshold {t} is not between 0 and 1"))),
                    None => {}
                },
                [Some("calm_below"), Some(x), None, None] => match number(x, 12, &mut errors) {
                    Some(b) if (0.0..1.0).contains(&b) => calm_below = Some((b, i + 1)),
                    Some(b) => errors.push(at(12).error(format!("calm_below {b} is not between 0 and 1"))),
                    None => {}
                },
                [Some("calm_min_words"), Some(x), None, None] => match x.trim().parse::<usize>() {
                    Ok(n) if n >= 1 => calm_min_words = Some(n),
                    _ => errors.push(at(16).error(format!("calm_min_words \"{x}\" is not a whole number of at least 1"))),
                },
                [Some("min_words"), Some(x), None, None] => match x.trim().parse::<usize>() {
                    Ok(n) if n >= 1 => min_words = n,
                    _ => errors.push(at(11).error(format!("min_words \"{x}\" is not a whole number of at least 1"))),
                },
                [Some(tag), Some(text), Some(w), None] => {
                    let Some(kind) = Kind::from_tag(tag) else {
                        errors.push(at(1).error(format!("unknown kind \"{tag}\": expected w, p or g")));
                        continue;
                    };
                    let col = tag.len() + text.len() + 3;
                    let Some(w) = number(w, col, &mut errors) else { continue };
                    let spaces = text.bytes().filter(|&c| c == b' ').count();
                    let (x, y) = text.split_once(' ').unwrap_or((text, ""));
                    let ok = match kind {
                        Kind::Word => spaces == 0 && !text.is_empty(),
                        Kind::Pair => spaces == 1 && !x.is_empty() && !y.is_empty(),
                        Kind::Gram => spaces == 0 && text.chars().count() == 4,
                    };
                    if !ok {
                        let want = match kind {
                            Kind::Word => "one word",
                            Kind::Pair => "two words with one space",
                            Kind::Gram => "four characters",
                        };
                        errors.push(at(tag.len() + 2).error(format!("\"{text}\" is not {want}")));
                        continue;
                    }
                    match b.add(key(kind, x, y), kind, text, w as f32) {
                        Ok(()) => line_of.push((i + 1) as u32),
                        Err(first) => errors.push(at(tag.len() + 2).error(format!(
                            "\"{text}\" is given twice (first on line {})",
                            line_of[first as usize]
                        ))),
                    }
                }
                _ => errors.push(
                    at(1).error(
                        "expected `bias<TAB>x`, `threshold<TAB>x`, `min_words<TAB>n`, `calm_below<TAB>x`, `calm_min_words<TAB>n` or `kind<TAB>feature<TAB>weight`"
                            .to_string(),
                    ),
                ),
            }
        }
        if bias.is_none() {
            errors.push(Location::file(origin).error("the net has no `bias` line"));
        }
        if threshold.is_none() {
            errors.push(Location::file(origin).error("the net has no `threshold` line"));
        }
        match (calm_below, calm_min_words, threshold) {
            (Some((b, line)), _, Some(t)) if b >= t => {
                errors.push(Location::new(origin, line, 12).error(format!(
                    "calm_below {b} must be below the threshold {t}, or the net would calm its own alarm"
                )))
            }
            (Some((_, line)), None, _) => {
                errors.push(Location::new(origin, line, 1).error("calm_below needs a calm_min_words line"))
            }
            _ => {}
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(b.build(bias.unwrap_or_default(), threshold.unwrap_or(1.0))
            .with_min_words(min_words)
            .with_calm(calm_below.map(|c| c.0), calm_min_words.unwrap_or(usize::MAX)))
    }

    /// The file, as [`Self::from_str`] reads it: header, then each kind strongest first.
    pub fn to_file(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&format!(
            "bias\t{:.6}\nthreshold\t{}\nmin_words\t{}\n",
            self.bias, self.threshold, self.min_words
        ));
        if let Some(b) = self.calm_below {
            out.push_str(&format!("calm_below\t{b}\ncalm_min_words\t{}\n", self.calm_min_words));
        }
        let mut rows: Vec<(Kind, &str, f32)> =
            self.weights.values().map(|&(w, i)| (self.name(i).0, self.name(i).1, w)).collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.total_cmp(&a.2)).then(a.1.cmp(b.1)));
        for (kind, text, w) in rows {
            out.push_str(&format!("{}\t{}\t{:.4}\n", kind.tag(), text, w));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_in_the_file_is_the_feature_in_the_text() {
        let net =
            Net::new(-2.0, 0.5, vec![(Kind::Word, "unconcious".into(), 12.0), (Kind::Pair, "wont let".into(), 12.0)]);
        assert!(net.fires("shes unconcious"));
        assert!(net.fires("he wont let her go"));
        assert!(!net.fires("he let her go"));
        let e = net.explain("he wont let her go");
        assert_eq!(e.leans[0].feature, "wont let");
    }

    #[test]
    fn pieces_share_weight_with_a_misspelling() {
        let mut names = Vec::new();
        walk("unconscious", |k, a, _| {
            if k == Kind::Gram {
                names.push(a.to_string())
            }
        });
        assert_eq!(names.first().map(String::as_str), Some("<unc"));
        assert_eq!(names.last().map(String::as_str), Some("ous>"));
        let net = Net::new(-1.0, 0.6, names.into_iter().map(|g| (Kind::Gram, g, 1.0)).collect());
        assert!(net.fires("unconsious"), "{}", net.score("unconsious"));
    }

    #[test]
    fn the_file_round_trips_and_mistakes_are_located() {
        let net = Net::new(-1.5, 0.7, vec![(Kind::Word, "help".into(), 2.5), (Kind::Pair, "now .".into(), 0.5)])
            .with_min_words(3)
            .with_calm(Some(0.05), 12);
        let text = net.to_file("a test");
        let back = Net::from_str(&text, "net.tsv").expect("reads back");
        assert_eq!(back.to_file("a test"), text);
        let errs = Net::from_str("bias\t-1\nthreshold\t2\nx\thelp\t1\nw\ttwo words\t1\nw\thelp\tlots\n", "n.tsv")
            .expect_err("five mistakes");
        let shown: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
        assert!(shown.iter().any(|s| s.contains("n.tsv:2:11") && s.contains("between 0 and 1")), "{shown:?}");
        assert!(shown.iter().any(|s| s.contains("n.tsv:3:1") && s.contains("unknown kind")), "{shown:?}");
        assert!(shown.iter().any(|s| s.contains("n.tsv:4:3") && s.contains("one word")), "{shown:?}");
        assert!(shown.iter().any(|s| s.contains("n.tsv:5:") && s.contains("not a number")), "{shown:?}");
    }

    #[test]
    fn keys_are_the_keys_of_the_walked_features_and_stop_at_max_words() {
        let long = "she cant get out , hes locked the door . ".repeat(60);
        for text in ["shes unconcious", "he wont let her go . now", "a , b", "", long.as_str()] {
            let mut want = Vec::new();
            walk(text, |k, a, b| want.push(key(k, a, b)));
            want.sort_unstable();
            want.dedup();
            assert_eq!(keys(text), want, "{text:?}");
        }
        let mut read = 0;
        walk(&long, |k, _, _| read += usize::from(k == Kind::Word));
        assert_eq!(read, MAX_WORDS);
        let at_end = format!("{} unconcious", "ok ".repeat(MAX_WORDS));
        let net = Net::new(0.0, 0.5, vec![(Kind::Word, "unconcious".into(), 50.0)]);
        assert!(net.score(&at_end) < 0.6, "a word after the first MAX_WORDS is not read");
    }

    #[test]
    fn the_net_calms_only_long_messages_it_is_sure_of_and_never_above_its_threshold() {
        let net = Net::new(0.0, 0.7, vec![(Kind::Word, "school".into(), -40.0)]).with_calm(Some(0.05), 6);
        assert!(
            net.calms("she is at school now and fine today"),
            "{}",
            net.score("she is at school now and fine today")
        );
        assert!(!net.calms("at school"), "too few words to be sure");
        assert!(!net.calms("she is at home now and fine today"), "not sure: no weight");
        let errs =
            Net::from_str("bias\t0\nthreshold\t0.5\ncalm_below\t0.6\ncalm_min_words\t6\n", "n.tsv").expect_err("above");
        assert!(
            errs[0].to_string().contains("n.tsv:3:12") && errs[0].to_string().contains("below the threshold"),
            "{errs:?}"
        );
        let errs = Net::from_str("bias\t0\nthreshold\t0.5\ncalm_below\t0.1\n", "n.tsv").expect_err("no min");
        assert!(errs[0].to_string().contains("calm_min_words"), "{errs:?}");
    }

    #[test]
    fn a_message_of_too_few_words_is_left_to_the_rules() {
        let net = Net::new(-1.0, 0.5, vec![(Kind::Word, "unconcious".into(), 6.0)]).with_min_words(4);
        assert!(!net.fires("shes unconcious"), "two words");
        assert!(!net.explain("shes unconcious").fires());
        assert!(net.explain("shes unconcious").too_short);
        assert!(net.fires("i think shes unconcious"), "four words");
        assert!(net.explain("i think shes unconcious").fires());
        assert_eq!(words("she , is . ok"), 3, "breaks are not words");
    }
}

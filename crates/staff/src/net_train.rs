//! `signpost danger --train` and `--cross-validate`: fit the learned net
//! ([`signpost_core::safety::net`]) on the blind tables, and measure how it does on a set it was
//! not fitted on.
//!
//! The fit is logistic regression with an L2 penalty, by AdaGrad over the examples in one fixed
//! order, so the same tables always give the same file (a test checks that the shipped net is
//! what the tables give). Danger lines are weighted so that both kinds count alike. A feature
//! seen in fewer than [`Fit::min_count`] lines is dropped: one line's words say nothing general.
//!
//! This module reads no files and prints nothing: it is given the tables' text.

use crate::danger_set;
use signpost_core::diag::{Diagnostic, Location};
use signpost_core::safety::net::{self, Kind, Net};
use signpost_core::safety::prepare_for_cues;
use std::collections::BTreeMap;

/// The score at which a new net fires, chosen by `--cross-validate` (SAFETY.md H1).
pub const THRESHOLD: f64 = 0.7;

/// A message of fewer words is left to the rules (the file's `min_words`): with a handful of
/// features one weight decides, and a number or a label typed at a question must press it.
pub const MIN_WORDS: usize = 5;

/// A rule's alarm may be calmed by the net only for a message of at least this many words: the
/// net is sure of itself only with that much to read.
pub const CALM_MIN_WORDS: usize = 12;

/// Below this score, on a message of at least [`CALM_MIN_WORDS`] words, the net calms a rule's
/// alarm (the file's `calm_below`), unless the rule is `firm`: chosen by `--cross-validate`, where
/// it calmed none of 3,462 danger lines the rules caught and 95 of their 208 false alarms (the
/// one it would have calmed, a boy gone since Wednesday, is why "a child missing" is firm).
pub const CALM_BELOW: f64 = 0.05;

/// The header of the file `--train` writes.
pub const HEADER: &str = "The learned net under the danger cues (SAFETY.md H1). Written by
`signpost danger --train tests/danger/blind tests/danger/written`: do not edit by hand; a test
checks that the tables give exactly this file. A message fires when a rule in danger.yaml fires
or, for a message of at least min_words words, this net's score reaches the threshold; a rule
that is not firm is calmed on a message of calm_min_words words or more scored below calm_below.
Lines: kind, feature, weight; w a word, p two words in a row (\",\" and \".\" are breaks), g four
letters of a word (< and > mark its ends). Strongest towards danger first, within each kind.";

/// One line of a table, prepared as the net reads it.
#[derive(Debug, Clone)]
pub struct Example {
    /// The table's set ("set7" for `set7-danger.tsv`), for leaving one set out.
    pub set: String,
    pub danger: bool,
    pub prepared: String,
}

/// How the net is fitted.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    pub epochs: usize,
    pub rate: f64,
    pub l2: f64,
    pub min_count: usize,
}

impl Default for Fit {
    fn default() -> Self {
        Fit { epochs: 40, rate: 0.5, l2: 1e-4, min_count: 2 }
    }
}

/// A table's set and kind from its file name: `("set7", true)` for `set7-danger.tsv`,
/// `("set7", false)` for `set7-ordinary.tsv`, `None` for any other file.
pub fn table_kind(file_name: &str) -> Option<(&str, bool)> {
    let base = file_name.rsplit('/').next().unwrap_or(file_name);
    base.strip_suffix("-danger.tsv")
        .map(|s| (s, true))
        .or_else(|| base.strip_suffix("-ordinary.tsv").map(|s| (s, false)))
}

/// The examples of the tables, given as `(file name, text)`. A file is a danger table when its
/// name ends `-danger.tsv`, an ordinary one when it ends `-ordinary.tsv` ([`table_kind`]); any
/// other name is an error, as is a line `danger_set::parse` refuses.
pub fn examples(files: &[(String, String)]) -> Result<Vec<Example>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in files {
        let Some((set, danger)) = table_kind(name) else {
            errors.push(Location::file(name).error("a table's name must end -danger.tsv or -ordinary.tsv"));
            continue;
        };
        let (lines, errs) = danger_set::parse(text, name);
        errors.extend(errs);
        for l in lines {
            out.push(Example { set: set.to_string(), danger, prepared: prepare_for_cues(l.message) });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Fit a net on `examples`, with the given threshold written into it.
pub fn train(examples: &[&Example], fit: Fit, threshold: f64) -> Net {
    // Features by name, in a fixed order, with how many lines hold each.
    let mut names: BTreeMap<(Kind, String), (usize, usize)> = BTreeMap::new();
    let mut rows: Vec<Vec<(Kind, String)>> = Vec::with_capacity(examples.len());
    for e in examples {
        let mut feats: Vec<(Kind, String)> = Vec::new();
        net::walk(&e.prepared, |k, a, b| {
            feats.push((k, if b.is_empty() { a.to_string() } else { format!("{a} {b}") }));
        });
        feats.sort();
        feats.dedup();
        for f in &feats {
            let n = names.len();
            names.entry(f.clone()).or_insert((n, 0)).1 += 1;
        }
        rows.push(feats);
    }
    let kept: Vec<(Kind, String)> =
        names.iter().filter(|(_, (_, count))| *count >= fit.min_count).map(|(f, _)| f.clone()).collect();
    let index: BTreeMap<&(Kind, String), usize> = kept.iter().enumerate().map(|(i, f)| (f, i)).collect();
    let data: Vec<(Vec<usize>, f64, bool)> = rows
        .iter()
        .zip(examples)
        .map(|(feats, e)| {
            let ids: Vec<usize> = feats.iter().filter_map(|f| index.get(f).copied()).collect();
            // Scaled by every feature the text holds, kept or not, as the loaded net scores it.
            let x = if feats.is_empty() { 0.0 } else { 1.0 / (feats.len() as f64).sqrt() };
            (ids, x, e.danger)
        })
        .collect();
    let positives = data.iter().filter(|d| d.2).count().max(1);
    let negatives = (data.len() - positives).max(1);
    let pos_weight = negatives as f64 / positives as f64;

    let mut w = vec![0.0f64; kept.len()];
    let mut g2 = vec![1e-8f64; kept.len()];
    let (mut bias, mut bias_g2) = (0.0f64, 1e-8f64);
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut seed: u64 = 0x005e_ed51_9a05;
    for _ in 0..fit.epochs {
        // A fixed shuffle (xorshift), so that one set's lines do not come in a block.
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let (ids, x, danger) = &data[i];
            let z = bias + ids.iter().map(|&j| w[j] * x).sum::<f64>();
            let weight = if *danger { pos_weight } else { 1.0 };
            let err = (net::sigmoid(z) - if *danger { 1.0 } else { 0.0 }) * weight;
            for &j in ids {
                let g = err * x + fit.l2 * w[j];
                g2[j] += g * g;
                w[j] -= fit.rate * g / g2[j].sqrt();
            }
            bias_g2 += err * err;
            bias -= fit.rate * err / bias_g2.sqrt();
        }
    }
    let features = kept
        .into_iter()
        .zip(w)
        .filter(|(_, w)| w.abs() >= 5e-5)
        // Rounded as the file writes them, so a net read back scores exactly as this one.
        .map(|((k, f), w)| (k, f, (w * 1e4).round() / 1e4))
        .filter(|(_, _, w)| *w != 0.0)
        .collect();
    Net::new((bias * 1e6).round() / 1e6, threshold, features)
        .with_min_words(MIN_WORDS)
        .with_calm(Some(CALM_BELOW), CALM_MIN_WORDS)
}

/// One held-out line's score, and whether the rules alone fire on it.
#[derive(Debug, Clone)]
pub struct Scored {
    pub set: String,
    pub danger: bool,
    pub score: f64,
    /// How many words the line holds.
    pub words: usize,
    /// The line, prepared.
    pub prepared: String,
    /// Whether the rules alone fire on it, and if so whether the rule is firm (the net may not
    /// calm it).
    pub rules: Option<bool>,
}

impl Scored {
    /// Whether the net fires on it at `threshold` (it reads [`MIN_WORDS`] words or more).
    pub fn net_fires(&self, threshold: f64) -> bool {
        self.words >= MIN_WORDS && self.score >= threshold
    }

    /// Whether a rule fires on it that the net would calm with this `calm_below` and
    /// `calm_min_words`.
    pub fn calmed(&self, below: f64, min_words: usize) -> bool {
        self.rules == Some(false) && self.words >= min_words && self.score < below
    }
}

/// Leave each set out in turn: fit on the others, score the set left out. `rules` says whether
/// the cue rules alone fire on a line, and if so whether the rule is firm (one the net may not
/// calm).
pub fn cross_validate(examples: &[Example], fit: Fit, rules: impl Fn(&Example) -> Option<bool>) -> Vec<Scored> {
    let mut sets: Vec<&str> = examples.iter().map(|e| e.set.as_str()).collect();
    sets.sort();
    sets.dedup();
    let mut out = Vec::new();
    for held in sets {
        let train_on: Vec<&Example> = examples.iter().filter(|e| e.set != held).collect();
        let net = train(&train_on, fit, 0.5);
        for e in examples.iter().filter(|e| e.set == held) {
            out.push(Scored {
                set: e.set.clone(),
                danger: e.danger,
                score: net.score(&e.prepared),
                words: net::words(&e.prepared),
                prepared: e.prepared.clone(),
                rules: rules(e),
            });
        }
    }
    out
}

/// Recall and false alarms at one threshold, the net alone and with the rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtThreshold {
    pub threshold: f64,
    pub net_recall: f64,
    pub net_false: f64,
    pub both_recall: f64,
    pub both_false: f64,
}

/// What calming a rule's alarm would cost and save, when the held-out net scores a line of at
/// least `min_words` words below `below`: danger lines the rules catch that it would calm, and
/// ordinary lines the rules wrongly fire on that it would calm, each of how many.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Veto {
    pub below: f64,
    pub danger_calmed: usize,
    pub danger_by_rules: usize,
    pub false_calmed: usize,
    pub false_by_rules: usize,
}

pub fn veto(scored: &[Scored], below: f64, min_words: usize) -> Veto {
    let calms = |s: &&Scored| s.calmed(below, min_words);
    let by_rules = |danger: bool| scored.iter().filter(move |s| s.rules.is_some() && s.danger == danger);
    Veto {
        below,
        danger_calmed: by_rules(true).filter(calms).count(),
        danger_by_rules: by_rules(true).count(),
        false_calmed: by_rules(false).filter(calms).count(),
        false_by_rules: by_rules(false).count(),
    }
}

pub fn at_threshold(scored: &[Scored], threshold: f64) -> AtThreshold {
    let rate = |danger: bool, fires: &dyn Fn(&Scored) -> bool| {
        let of: Vec<&Scored> = scored.iter().filter(|s| s.danger == danger).collect();
        of.iter().filter(|s| fires(s)).count() as f64 / of.len().max(1) as f64
    };
    let net = |s: &Scored| s.net_fires(threshold);
    let both = |s: &Scored| s.rules.is_some() || net(s);
    AtThreshold {
        threshold,
        net_recall: rate(true, &net),
        net_false: rate(false, &net),
        both_recall: rate(true, &both),
        both_false: rate(false, &both),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, lines: &[&str]) -> (String, String) {
        (name.to_string(), lines.iter().map(|l| format!("parent\tfirst\t{l}\n")).collect())
    }

    #[test]
    fn a_fitted_net_learns_the_words_and_gives_the_same_file_twice() {
        let files = vec![
            table(
                "a-danger.tsv",
                &["he has a knife now", "she is unconscious", "they took her in a van", "knife at her throat"],
            ),
            table("a-ordinary.tsv", &["she is at school", "new phone and cash", "older boyfriend", "school trip"]),
        ];
        let ex = examples(&files).expect("tables read");
        let all: Vec<&Example> = ex.iter().collect();
        let fit = Fit { min_count: 1, ..Fit::default() };
        let net = train(&all, fit, 0.5);
        let (knife, school) =
            (prepare_for_cues("i think he has a knife"), prepare_for_cues("i think she is at school"));
        assert!(net.fires(&knife), "{}", net.score(&knife));
        assert!(!net.fires(&school), "{}", net.score(&school));
        assert!(!net.fires(&prepare_for_cues("a knife")), "fewer than MIN_WORDS words: left to the rules");
        assert_eq!(net.min_words(), MIN_WORDS);
        assert_eq!(train(&all, fit, 0.5).to_file("x"), net.to_file("x"));
    }

    #[test]
    fn a_table_must_say_which_kind_it_is() {
        let err = examples(&[table("set1.tsv", &["help"])]).expect_err("no kind");
        assert!(err[0].to_string().contains("-danger.tsv"), "{}", err[0]);
    }
}

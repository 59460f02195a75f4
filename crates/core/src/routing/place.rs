//! Place names as people type them: normalising ("King's Lynn" = "kings lynn"), a small typo
//! tolerance, and the index of every name the router knows.
//!
//! The index only answers "which entries match this text?". Deciding what to do when several
//! match (ask, or give up) belongs to the router, so the rule "never guess between two places"
//! lives in one place.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Typos are only forgiven in names at least this long: in a short name like "Ely" one wrong
/// letter makes a different word far too easily.
pub const MIN_TYPO_LETTERS: usize = 5;

/// Words people put around a place name that carry no place ("I live in Luton").
const LEADING_FILLERS: &[&str] =
    &["i live in", "we live in", "i am in", "im in", "we are in", "were in", "i am from", "im from", "in", "from"];

/// Words after a place that add nothing ("Luton, UK", "Poole area").
const TRAILING_FILLERS: &[&str] = &["uk", "england", "area"];

/// The key a place name is matched by: lowercase, accents and apostrophes dropped, other
/// punctuation made a space, spaces collapsed, "&" read as "and", "saint" as "st": "St. Neots",
/// "saint neots" and "ST  NEOTS" are one name.
pub fn place_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            '\'' | '\u{2019}' | '\u{2018}' | '`' => {}
            '&' => out.push_str(" and "),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().map(|w| if w == "saint" { "st" } else { w }).collect::<Vec<_>>().join(" ")
}

/// The place part of normalised text, with leading and trailing filler words removed. Returns
/// `None` when there was nothing to remove.
pub fn strip_fillers(normal: &str) -> Option<String> {
    let mut text = normal;
    for filler in LEADING_FILLERS {
        if let Some(rest) = text.strip_prefix(filler).and_then(|r| r.strip_prefix(' ')) {
            text = rest;
            break;
        }
    }
    for filler in TRAILING_FILLERS {
        if let Some(rest) = text.strip_suffix(filler).and_then(|r| r.strip_suffix(' ')) {
            text = rest;
            break;
        }
    }
    (text != normal && !text.is_empty()).then(|| text.to_string())
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring letters each cost one ("Bedfrod" is one slip from "Bedford", not two).
pub fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphabetic()).count()
}

/// Where a name leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One of the configured areas (index into the router's area list).
    Area(usize),
    /// A place outside the covered areas; `region` is the county or country it is in.
    Outside { region: String },
    /// A way of saying "I don't know" or "I'd rather not say".
    Unknown,
}

/// What sort of name an entry is, so `signpost route` can say why it decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    ButtonId,
    ButtonLabel,
    AreaName,
    Town,
    OutsidePlace,
    Phrase,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEntry {
    /// The normalised form matched against.
    pub key: String,
    /// The name as config spells it ("King's Lynn"), for questions and explanations.
    pub display: String,
    pub kind: NameKind,
    pub target: Target,
}

/// Every name the router knows, searched exactly and then with one typo allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameIndex {
    entries: Vec<NameEntry>,
}

impl NameIndex {
    pub fn add(&mut self, display: &str, kind: NameKind, target: Target) {
        let key = place_key(display);
        let duplicate = self.entries.iter().any(|e| e.key == key && e.target == target);
        if !key.is_empty() && !duplicate {
            self.entries.push(NameEntry { key, display: display.trim().to_string(), kind, target });
        }
    }

    /// Entries whose name is exactly this normalised text.
    pub fn exact(&self, normal: &str) -> Vec<&NameEntry> {
        self.entries.iter().filter(|e| e.key == normal).collect()
    }

    /// Names found inside longer text ("poole dorset", "near cambridge", "luton beds"): every
    /// run of whole words that is exactly a name, longest first, none overlapping another. No
    /// typos here: one slip inside a sentence finds a place in too many ordinary words.
    pub fn within(&self, normal: &str) -> Vec<&NameEntry> {
        let words: Vec<&str> = normal.split(' ').filter(|w| !w.is_empty()).collect();
        let mut taken = vec![false; words.len()];
        let mut out: Vec<&NameEntry> = Vec::new();
        for len in (1..words.len()).rev() {
            for start in 0..=words.len() - len {
                if taken[start..start + len].iter().any(|t| *t) {
                    continue;
                }
                let hits = self.exact(&words[start..start + len].join(" "));
                if !hits.is_empty() {
                    taken[start..start + len].iter_mut().for_each(|t| *t = true);
                    out.extend(hits);
                }
            }
        }
        out
    }

    /// Entries one typo away, for names of [`MIN_TYPO_LETTERS`] letters or more.
    pub fn near(&self, normal: &str) -> Vec<&NameEntry> {
        if letters(normal) + 1 < MIN_TYPO_LETTERS {
            return Vec::new();
        }
        let length = normal.chars().count();
        self.entries
            .iter()
            .filter(|e| letters(&e.key) >= MIN_TYPO_LETTERS)
            // One slip changes the length by at most one; skip the rest before the costly part.
            .filter(|e| e.key.chars().count().abs_diff(length) <= 1)
            .filter(|e| typo_distance(&e.key, normal) == 1)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_to_one_form() {
        let cases = [
            ("King's Lynn", "kings lynn"),
            ("KINGS   LYNN", "kings lynn"),
            ("St. Neots", "st neots"),
            ("Saint Neots", "st neots"),
            ("Bournemouth, Christchurch & Poole", "bournemouth christchurch and poole"),
            ("I’d rather not say", "id rather not say"),
            ("Barton-le-Clay", "barton le clay"),
            ("  poole  ", "poole"),
            ("Café", "cafe"),
            ("!!!", ""),
        ];
        for (typed, want) in cases {
            assert_eq!(place_key(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn fillers_around_a_place_are_dropped() {
        let cases = [
            ("i live in luton", Some("luton")),
            ("im in st neots", Some("st neots")),
            ("luton uk", Some("luton")),
            ("in poole area", Some("poole")),
            ("luton", None),
            ("in", None),
            ("india", None),
        ];
        for (typed, want) in cases {
            assert_eq!(strip_fillers(typed).as_deref(), want, "{typed:?}");
        }
    }

    #[test]
    fn typo_distance_counts_a_swap_as_one() {
        let cases = [
            ("bedford", "bedfrod", 1),
            ("cambridge", "cambrige", 1),
            ("poole", "poole", 0),
            ("ramsey", "romsey", 1),
            ("st neots", "stneots", 1),
            ("luton", "lutno", 1),
            ("ely", "", 3),
            ("bedford", "bradford", 2),
        ];
        for (a, b, want) in cases {
            assert_eq!(typo_distance(a, b), want, "{a} vs {b}");
        }
    }

    #[test]
    fn the_index_forgives_one_typo_only_in_long_names() {
        let mut index = NameIndex::default();
        index.add("Bedford", NameKind::Town, Target::Area(0));
        index.add("Ely", NameKind::Town, Target::Area(1));
        index.add("St Ives", NameKind::Town, Target::Area(1));
        index.add("St Ives", NameKind::Town, Target::Area(2));
        assert_eq!(index.exact("bedford").len(), 1);
        assert_eq!(index.exact("st ives").len(), 2);
        assert_eq!(index.near("bedfrod").len(), 1);
        assert_eq!(index.near("bedfordd").len(), 1);
        assert!(index.near("elt").is_empty(), "3-letter names take no typos");
        assert!(index.near("bedfxrx").is_empty(), "two slips are too many");
        assert_eq!(index.near("st ivs").len(), 2);
    }

    #[test]
    fn names_are_found_inside_ordinary_words() {
        let mut index = NameIndex::default();
        index.add("Poole", NameKind::Town, Target::Area(3));
        index.add("Dorset", NameKind::AreaName, Target::Area(3));
        index.add("Luton", NameKind::Town, Target::Area(2));
        index.add("Beds", NameKind::AreaName, Target::Area(2));
        index.add("Cambridge", NameKind::Town, Target::Area(0));
        index.add("St Ives", NameKind::Town, Target::Area(0));
        let found = |text: &str| -> Vec<String> { index.within(text).iter().map(|e| e.key.clone()).collect() };
        assert_eq!(found("poole dorset"), ["poole", "dorset"]);
        assert_eq!(found(&place_key("luton, beds")), ["luton", "beds"]);
        assert_eq!(found("near cambridge"), ["cambridge"]);
        assert_eq!(found("just outside st ives"), ["st ives"], "the longest name wins, once");
        assert!(found("cambridge").is_empty(), "the whole text is the exact lookup's job");
        assert!(found("near cambrige").is_empty(), "no typos inside a sentence");
    }
}

//! How staff-written patterns (danger phrases, signs, free-text rules) are checked and compiled:
//! case-insensitive, with Unicode meaning kept. Patterns that are compiled together into a set
//! are first parsed one by one, so a mistake is reported where it was written; the set is then
//! compiled from what was parsed, so no pattern is parsed twice.

use regex_automata::meta;
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::{Input, MatchKind, PatternSet};
use regex_syntax::hir::Hir;

/// One pattern, parsed (case-insensitive) and ready to be compiled into a [`Set`].
#[derive(Debug)]
pub struct Parsed(Hir);

/// Parse one pattern; on a mistake, the error's last line, which is the useful part for staff.
pub fn parse(pattern: &str) -> Result<Parsed, String> {
    regex_syntax::ParserBuilder::new().case_insensitive(true).build().parse(pattern).map(Parsed).map_err(|e| {
        let text = e.to_string();
        text.lines().last().unwrap_or("").trim().to_string()
    })
}

/// One pattern on its own (a free-text rule), compiled as a [`Set`] is. A `regex::Regex` with
/// its defaults (literal prefilter, capture states) cost three to four times as much to build,
/// and with the disclosure rules the free-text rules had become a third of loading.
#[derive(Debug, Clone)]
pub struct Pattern {
    set: Set,
    source: String,
}

impl Pattern {
    pub fn new(pattern: &str) -> Result<Pattern, String> {
        let parsed = parse(pattern)?;
        Ok(Pattern { set: Set::compile(&[parsed])?, source: pattern.to_string() })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.set.is_match(text)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// Many patterns matched in one pass, reporting which matched. Built with regex-automata's meta
/// engine without a literal prefilter and without capture states: for case-insensitive
/// alternations of phrases, extracting prefilter literals cost more than half of start-up, and
/// matching a message of a few thousand characters stays in microseconds without it.
#[derive(Debug, Clone)]
pub struct Set {
    re: meta::Regex,
}

impl Set {
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Set, String> {
        let parsed = patterns.into_iter().map(parse).collect::<Result<Vec<_>, _>>()?;
        Set::compile(&parsed)
    }

    /// Compile patterns already parsed with [`parse`]; the `i`th is pattern `i` in [`Set::matches`].
    pub fn compile(parsed: &[Parsed]) -> Result<Set, String> {
        let hirs: Vec<&Hir> = parsed.iter().map(|p| &p.0).collect();
        // MatchKind::All so an overlapping search reports every pattern that matches, as RegexSet does.
        let config = meta::Config::new()
            .match_kind(MatchKind::All)
            .auto_prefilter(false)
            .which_captures(WhichCaptures::None)
            .nfa_size_limit(Some(32 << 20));
        meta::Builder::new()
            .configure(config)
            .build_many_from_hir(&hirs)
            .map(|re| Set { re })
            .map_err(|e| e.to_string())
    }

    pub fn empty() -> Set {
        Set::new([]).expect("an empty set builds")
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.re.is_match(text)
    }

    /// Indices of the patterns that match somewhere in `text`.
    pub fn matches(&self, text: &str) -> Vec<usize> {
        let mut found = PatternSet::new(self.re.pattern_len());
        self.re.which_overlapping_matches(&Input::new(text), &mut found);
        found.iter().map(|p| p.as_usize()).collect()
    }

    pub fn len(&self) -> usize {
        self.re.pattern_len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reports_the_problem_in_a_line() {
        assert!(parse(r"\bnew (i)?phone\b").is_ok());
        assert_eq!(parse("(older").unwrap_err(), "error: unclosed group");
        assert!(Set::new(["fine", "(older"]).unwrap_err().contains("unclosed group"));
    }

    #[test]
    fn patterns_are_case_insensitive_and_unicode_aware() {
        assert!(Pattern::new(r"\bphone\b").unwrap().is_match("a new Phone!"));
        assert!(Pattern::new(r"^\W*idk\W*$").unwrap().is_match("« idk »"));
        assert!(!Pattern::new(r"^\W*idk\W*$").unwrap().is_match("idk what to do"));
        assert_eq!(Pattern::new(r"\bphone\b").unwrap().as_str(), r"\bphone\b");
        let set = Set::new([r"\bcafé\b", "x", r"\bnew (i)?phone\b"]).unwrap();
        assert!(set.is_match("CAFÉ time"));
        assert_eq!(set.matches("a NEW iPhone at the café"), vec![0, 2]);
        assert!(Set::empty().matches("anything").is_empty());
        // Every pattern that matches is reported, including ones that overlap or start later.
        let set = Set::new(["older (men|man)", "men meet", "meet the girls", "chicken shop"]).unwrap();
        assert_eq!(set.matches("older men meet the girls at the chicken shop"), vec![0, 1, 2, 3]);
    }
}

//! How staff-written patterns (danger phrases, signs, free-text rules) are checked and compiled:
//! case-insensitive, with Unicode meaning kept. Patterns that are compiled together into a set
//! are first checked one by one with the parser alone, so a mistake is reported where it was
//! written without paying to compile every pattern twice.

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Check one pattern's syntax; the error's last line is the useful part for staff.
pub fn check(pattern: &str) -> Result<(), String> {
    regex_syntax::ParserBuilder::new().case_insensitive(true).build().parse(pattern).map(|_| ()).map_err(|e| {
        let text = e.to_string();
        text.lines().last().unwrap_or("").trim().to_string()
    })
}

pub fn regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).case_insensitive(true).size_limit(1 << 22).build()
}

pub fn set<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(patterns).case_insensitive(true).size_limit(32 << 20).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_reports_the_problem_without_compiling() {
        assert!(check(r"\bnew (i)?phone\b").is_ok());
        assert!(check("(older").unwrap_err().contains("unclosed group"));
    }

    #[test]
    fn patterns_are_case_insensitive_and_unicode_aware() {
        assert!(regex(r"\bphone\b").unwrap().is_match("a new Phone!"));
        assert!(regex(r"^\W*idk\W*$").unwrap().is_match("« idk »"));
        assert!(set([r"\bcafé\b", "x"]).unwrap().is_match("CAFÉ time"));
    }
}

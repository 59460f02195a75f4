//! The cataloguer: audiences, categories and signs, from whichever files define them, each id
//! once; and the signs' patterns, parsed where they are written and compiled together.

use super::Report;
use crate::diag::Location;
use crate::flow::limits;
use crate::flow::raw::RawFile;
use crate::flow::{Audience, Category, Sign};
use crate::pattern::Parsed;
use crate::source::SourceFile;
use crate::yaml::{location, Spanned};
use std::collections::HashMap;

/// Signs' patterns as parsed, in order: (the sign's index, the pattern).
pub(super) type SignPatterns = Vec<(usize, Parsed)>;

pub(super) struct Cataloguer<'r> {
    pub report: &'r mut Report,
}

impl Cataloguer<'_> {
    /// The catalogue, and its signs' patterns as parsed.
    pub fn catalogue(
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
                    self.report.err(
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
                self.report.err(
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
    pub fn sign_pattern_set(
        &mut self,
        parsed: SignPatterns,
        files: &[SourceFile],
    ) -> (crate::pattern::Set, Vec<usize>) {
        let (owner, patterns): (Vec<usize>, Vec<Parsed>) = parsed.into_iter().unzip();
        match crate::pattern::Set::compile(&patterns) {
            Ok(set) => (set, owner),
            Err(e) => {
                let origin = files.first().map(|f| f.origin.as_str()).unwrap_or("flows");
                self.report
                    .err(Location::file(origin), format!("the signs' patterns together are too large to use: {e}"));
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
            self.report.err(loc, msg);
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
                self.report
                    .err(location(p, origin), format!("pattern \"{}\" is not a valid regex: {detail}", p.as_str()));
                None
            }
        }
    }
}

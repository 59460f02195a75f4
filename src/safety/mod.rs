//! The rules no flow can switch off: the danger check on every typed message, the emergency
//! message, and the 999 line on every reply. Pure: patterns arrive from `config/danger.yaml`.
//!
//! Facts here (999, press 55, textphone 18000, 999 BSL) come from `shared/content/contacts.md`.

use crate::diag::{Diagnostic, Location};
use crate::yaml::{self, Spanned};
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

/// The line the engine appends to every message the bot sends.
pub const FOOTER: &str = "🆘 If a child is in danger right now, call 999.";

/// The emergency message: first reply whenever danger is detected, `/emergency`, or a flow's
/// "yes, in danger now" button.
pub const EMERGENCY: &str = "🚨 If a child is in danger right now, call 999 now.\n\
\n\
• From a mobile, if you can't speak: stay on the line and press 55 when asked, so they know it is a real emergency.\n\
• Textphone: 18000.\n\
• British Sign Language: use 999 BSL, a free video relay by app or on the web, any time.\n\
• Say where you are: a 999 call from a mobile may be answered by a neighbouring police force.\n\
\n\
When you and the child are safe, I can carry on helping.";

/// Finds messages that say a child is in danger now. Patterns are matched against a normalised
/// form of the text (see [`normalise`]), so they are written in lower case without apostrophes.
#[derive(Debug, Clone)]
pub struct DangerDetector {
    set: crate::pattern::Set,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDanger {
    /// Why these patterns exist and how to grow them (for reviewers; not used).
    #[allow(dead_code)]
    about: Option<String>,
    patterns: Vec<Spanned<String>>,
}

impl DangerDetector {
    /// Parse `config/danger.yaml` (given as text), reporting every bad pattern with its place.
    pub fn from_str(src: &str, origin: &str) -> Result<Self, Vec<Diagnostic>> {
        let raw: RawDanger = yaml::from_str(src, origin).map_err(|d| vec![d])?;
        let mut errors = Vec::new();
        let mut parsed = Vec::new();
        for p in &raw.patterns {
            match crate::pattern::parse(p.trim()) {
                Ok(ok) => parsed.push(ok),
                Err(detail) => {
                    errors.push(
                        yaml::location(p, origin)
                            .error(format!("danger pattern \"{}\" is not a valid regex: {detail}", p.as_str())),
                    );
                }
            }
        }
        if raw.patterns.is_empty() {
            errors.push(Location::file(origin).error("there must be at least one danger pattern"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let set = crate::pattern::Set::compile(&parsed)
            .map_err(|e| vec![Location::file(origin).error(format!("danger patterns: {e}"))])?;
        Ok(DangerDetector { set })
    }

    /// True when the text says someone is in danger now.
    pub fn is_danger(&self, text: &str) -> bool {
        self.set.is_match(&normalise(text))
    }
}

/// Lower case, apostrophes and zero-width characters removed, look-alike characters folded
/// (NFKC), and every run of whitespace or punctuation other than letters and digits made one
/// space. "Can’t  GET away!!" becomes "cant get away ".
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.nfkc() {
        match c {
            '\'' | '’' | '‘' | '`' | '´' | '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' => {}
            c if c.is_alphanumeric() => {
                out.extend(c.to_lowercase());
                last_space = false;
            }
            _ => {
                if !last_space {
                    out.push(' ');
                    last_space = true;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> DangerDetector {
        let src = "patterns:\n  - '\\bin danger\\b'\n  - '\\bcant get away\\b'\n  - '\\bwith him now\\b'\n";
        DangerDetector::from_str(src, "danger.yaml").unwrap()
    }

    #[test]
    fn tolerant_of_case_apostrophes_and_spacing() {
        let d = detector();
        for text in
            ["She's IN   DANGER", "I can't get away", "i cant  get away!!", "she is with him now.", "Can’t get\naway"]
        {
            assert!(d.is_danger(text), "{text}");
        }
        for text in ["he is not in dangerous company", "I got away with it", ""] {
            assert!(!d.is_danger(text), "{text}");
        }
    }

    #[test]
    fn zero_width_characters_do_not_hide_danger() {
        assert!(detector().is_danger("in\u{200b} danger"));
        assert!(detector().is_danger("in dan\u{200b}ger"));
    }

    #[test]
    fn bad_patterns_are_located() {
        let errs = DangerDetector::from_str("patterns:\n  - 'ok'\n  - '(broken'\n", "d.yaml").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].to_string().starts_with("d.yaml:3:5: danger pattern \"(broken\""), "{}", errs[0]);
    }
}

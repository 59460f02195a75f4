//! Located diagnostics: every problem found in a flow or config file, said with its place.
//!
//! Loaders and validators collect all of these and fail once (ripgrep-style), so a staff member
//! fixing a flow sees every mistake in one run. This module only describes problems; it never
//! prints or exits (and [`suggest`] only words a hint for a misspelt name).

use std::fmt;

/// How bad a problem is. Errors stop the flows being used; warnings are shown but allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem at one place in one file: `flows/parent.yaml:12:5: error: ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it (e.g. `flows/parent.yaml`), so they can open it.
    pub origin: String,
    /// 1-based line; 0 when the problem belongs to the file as a whole.
    pub line: usize,
    /// 1-based column; 0 when the problem belongs to the file as a whole.
    pub column: usize,
    pub severity: Severity,
    pub message: String,
}

/// A place in a source file, carried by validated data so later checks can point back at it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub origin: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn new(origin: impl Into<String>, line: usize, column: usize) -> Self {
        Location { origin: origin.into(), line, column }
    }

    /// The whole file, for problems that have no better place (an empty file, a missing key).
    pub fn file(origin: impl Into<String>) -> Self {
        Location::new(origin, 0, 0)
    }

    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self, Severity::Error, message)
    }

    pub fn warning(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self, Severity::Warning, message)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.origin)
        } else {
            write!(f, "{}:{}:{}", self.origin, self.line, self.column)
        }
    }
}

impl Diagnostic {
    pub fn at(loc: &Location, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic { origin: loc.origin.clone(), line: loc.line, column: loc.column, severity, message: message.into() }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn location(&self) -> Location {
        Location::new(self.origin.clone(), self.line, self.column)
    }
}

impl fmt::Display for Diagnostic {
    /// `path:line:column: message` for errors (the form editors and CI understand), with
    /// `warning: ` before the message for warnings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        write!(f, "{}: {}{}", self.location(), kind, self.message)
    }
}

/// True when any diagnostic is an error (warnings alone do not block loading).
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

/// " (did you mean \"x\"?)" when a known name is one or two edits away.
pub fn suggest<'a>(wrong: &str, known: impl Iterator<Item = &'a str>) -> String {
    known
        .map(|k| (edit_distance(wrong, k), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| format!(" (did you mean \"{k}\"?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_as_path_line_column_message() {
        let d = Location::new("flows/parent.yaml", 12, 5).error("unknown node \"x\"");
        assert_eq!(d.to_string(), "flows/parent.yaml:12:5: unknown node \"x\"");
    }

    #[test]
    fn warnings_say_so_and_whole_file_problems_have_no_line() {
        let d = Location::file("config/contacts.yaml").warning("old");
        assert_eq!(d.to_string(), "config/contacts.yaml: warning: old");
        assert!(!has_errors(&[d]));
    }
}

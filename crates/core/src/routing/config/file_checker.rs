//! The [`FileChecker`]: what every config checker shares. It holds one file's diagnostics, each
//! located at the value to fix, as the flow validator does, and the checks that every file needs
//! (a required field, a `checked:` date).

use crate::diag::{Diagnostic, Location};
use crate::routing::hours::parse_date;
use crate::yaml::{self, Spanned};
use chrono::{Months, NaiveDate};
use serde::de::DeserializeOwned;

/// One config file's problems, collected while it is checked.
pub(super) struct FileChecker<'s> {
    origin: &'s str,
    diags: Vec<Diagnostic>,
}

impl<'s> FileChecker<'s> {
    pub fn new(origin: &'s str) -> Self {
        FileChecker { origin, diags: Vec::new() }
    }

    /// Parse the file's text into its raw type, or report where it is not valid.
    pub fn load<T: DeserializeOwned>(&mut self, text: &str) -> Option<T> {
        match yaml::from_str(text, self.origin) {
            Ok(raw) => Some(raw),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    /// Where a value starts in this file.
    pub fn at<T>(&self, value: &Spanned<T>) -> Location {
        yaml::location(value, self.origin)
    }

    /// The file as a whole, for problems that have no better place.
    pub fn whole(&self) -> Location {
        Location::file(self.origin)
    }

    pub fn err(&mut self, loc: Location, msg: impl Into<String>) {
        self.diags.push(loc.error(msg));
    }

    pub fn warn(&mut self, loc: Location, msg: impl Into<String>) {
        self.diags.push(loc.warning(msg));
    }

    /// A mark to pass to [`Self::errors_since`], so one entry can be dropped for its own errors.
    pub fn mark(&self) -> usize {
        self.diags.len()
    }

    pub fn errors_since(&self, mark: usize) -> bool {
        crate::diag::has_errors(&self.diags[mark..])
    }

    pub fn has_errors(&self) -> bool {
        crate::diag::has_errors(&self.diags)
    }

    /// Everything found, in the order it was found.
    pub fn into_diags(self) -> Vec<Diagnostic> {
        self.diags
    }

    /// A required field, or an error at the entry saying which field is missing.
    pub fn required<'v>(
        &mut self,
        field: &'v Option<Spanned<String>>,
        key: &str,
        what: &str,
        entry: &Location,
    ) -> Option<&'v Spanned<String>> {
        match field {
            Some(value) if !value.trim().is_empty() => Some(value),
            Some(_) | None => {
                self.err(entry.clone(), format!("{what} has no `{key}:`; it is required"));
                None
            }
        }
    }

    /// Parse a `checked:` date and warn if it is over 12 months old (facts go stale).
    pub fn checked_date(&mut self, value: &Spanned<String>, what: &str, today: NaiveDate) -> Option<NaiveDate> {
        let at = self.at(value);
        match parse_date(value) {
            Ok(date) => {
                if date > today {
                    self.err(at, format!("{what} says it was checked on {date}, which is after today ({today})"));
                } else if date.checked_add_months(Months::new(12)).is_some_and(|d| d < today) {
                    self.warn(
                        at,
                        format!(
                            "{what} was last checked on {date}, over 12 months ago: check it against its \
                             source again and update `checked:`"
                        ),
                    );
                }
                Some(date)
            }
            Err(message) => {
                self.err(at, message);
                None
            }
        }
    }
}

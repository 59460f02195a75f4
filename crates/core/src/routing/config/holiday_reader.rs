//! The [`HolidayReader`]: `config/bank-holidays.yaml` -> [`BankHolidays`], with its source and
//! checked date, and a warning before the list runs out.

use super::file_checker::FileChecker;
use super::raw::RawHolidaysFile;
use crate::diag::Diagnostic;
use crate::routing::hours::{parse_date, BankHolidays};
use chrono::NaiveDate;

/// Reads the bank holiday list; `today` dates its staleness warnings.
pub(super) struct HolidayReader<'s> {
    file: FileChecker<'s>,
    today: NaiveDate,
}

impl<'s> HolidayReader<'s> {
    pub fn new(origin: &'s str, today: NaiveDate) -> Self {
        HolidayReader { file: FileChecker::new(origin), today }
    }

    /// The holidays if the file has no errors, and the file's diagnostics either way.
    pub fn read(mut self, text: &str) -> (Option<BankHolidays>, Vec<Diagnostic>) {
        let holidays = self.file.load(text).and_then(|raw| self.holidays(&raw));
        (holidays, self.file.into_diags())
    }

    fn holidays(&mut self, raw: &RawHolidaysFile) -> Option<BankHolidays> {
        let what = "the bank holiday list";
        let whole = self.file.whole();
        self.file.required(&raw.source, "source", what, &whole);
        if let Some(checked) = self.file.required(&raw.checked, "checked", what, &whole) {
            self.file.checked_date(checked, what, self.today);
        }
        let mut dates = Vec::new();
        for value in &raw.dates {
            match parse_date(value) {
                Ok(date) => dates.push(date),
                Err(message) => self.file.err(self.file.at(value), message),
            }
        }
        let holidays = BankHolidays::new(dates);
        match holidays.last() {
            None => self.file.err(whole, "no `dates:` listed; the day lines would open on bank holidays"),
            Some(last) if last < self.today + chrono::Days::new(90) => self.file.warn(
                whole,
                format!("the last bank holiday listed is {last}: add next year's dates so day lines close on them"),
            ),
            Some(_) => {}
        }
        (!self.file.has_errors()).then_some(holidays)
    }
}

//! The hours checker: one contact's `hours:` -> [`OpeningHours`], each opening time's days and
//! clock times read, and what the line does on bank holidays said outright.

use super::file_checker::FileChecker;
use super::raw::RawHours;
use crate::routing::hours::{parse_clock, BankHolidayHours, DaySet, HoursRule, OpeningHours};
use crate::yaml::Spanned;

/// The opening hours of `what` (a contact), or `None` if they have errors, reported in `file`.
pub(super) fn check_hours(file: &mut FileChecker, raw: &Spanned<RawHours>, what: &str) -> Option<OpeningHours> {
    let at = file.at(raw);
    let mark = file.mark();
    let need = "`closed_on_bank_holidays: true`, `false` (open as usual) or `unknown` (the source doesn't say)";
    let bank_holidays = match raw.closed_on_bank_holidays.as_ref().map(|b| (b, b.trim())) {
        Some((_, "true")) => BankHolidayHours::Closed,
        Some((_, "false")) => BankHolidayHours::Usual,
        Some((_, "unknown")) => BankHolidayHours::Unknown,
        Some((b, other)) => {
            file.err(file.at(b), format!("\"{other}\" is not one of {need}"));
            BankHolidayHours::Unknown
        }
        None => {
            file.err(at.clone(), format!("the hours of {what} need {need}"));
            BankHolidayHours::Unknown
        }
    };
    if raw.open.is_empty() {
        file.err(at, format!("the hours of {what} list no `open:` times"));
    }
    let mut rules = Vec::new();
    for rule in &raw.open {
        let rule_at = file.at(rule);
        let what = format!("an opening time of {what}");
        let days = file.required(&rule.days, "days", &what, &rule_at);
        let from = file.required(&rule.from, "from", &what, &rule_at);
        let to = file.required(&rule.to, "to", &what, &rule_at);
        let (Some(days), Some(from), Some(to)) = (days, from, to) else {
            continue;
        };
        let mut report = |v: &Spanned<String>, message: String| file.err(file.at(v), message);
        match (DaySet::parse(days), parse_clock(from), parse_clock(to)) {
            (Ok(days), Ok(f), Ok(t)) if f < t => rules.push(HoursRule { days, from: f, to: t }),
            (Ok(_), Ok(_), Ok(_)) => report(to, format!("closing time {} is not after {}", to.as_str(), from.as_str())),
            (d, f, t) => {
                if let Err(m) = d {
                    report(days, m);
                }
                if let Err(m) = f {
                    report(from, m);
                }
                if let Err(m) = t {
                    report(to, m);
                }
            }
        }
    }
    (!file.errors_since(mark)).then_some(OpeningHours { rules, bank_holidays })
}

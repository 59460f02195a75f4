//! Opening hours in UK time: which line is open at a given instant, and how to say the hours.
//!
//! Everything here works in Europe/London local time (GMT in winter, BST in summer), because
//! that is the clock the lines keep. Callers pass a UTC instant; conversion happens here and
//! nowhere else. This module never reads the system clock: the caller decides what "now" is,
//! so tests can pin any moment and a wrong clock can only ever reorder numbers, never hide one.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Europe::London;
use std::collections::BTreeSet;

/// Minutes since local midnight; `24:00` (1440) is allowed as a closing time.
type Minute = u32;

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_LABELS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A set of weekdays, Monday = bit 0. Parsed from `mon-fri`, `sat-sun`, `mon,wed` or `every day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySet(u8);

impl DaySet {
    pub const ALL: DaySet = DaySet(0b111_1111);

    /// Parse a day list as staff write it in config. Ranges must run forwards (`mon-fri`, not
    /// `fri-mon`) so a slip of the keyboard cannot silently mean "the weekend and Monday".
    pub fn parse(text: &str) -> Result<DaySet, String> {
        let text = text.trim().to_ascii_lowercase();
        if text == "every day" || text == "daily" {
            return Ok(DaySet::ALL);
        }
        let mut bits = 0u8;
        for part in text.split(',') {
            let part = part.trim();
            let (first, last) = match part.split_once('-') {
                Some((a, b)) => (day_index(a)?, day_index(b)?),
                None => {
                    let d = day_index(part)?;
                    (d, d)
                }
            };
            if first > last {
                return Err(format!(
                    "day range \"{part}\" runs backwards; write it from the earlier day (e.g. mon-fri)"
                ));
            }
            for d in first..=last {
                bits |= 1 << d;
            }
        }
        Ok(DaySet(bits))
    }

    pub fn contains(self, weekday: chrono::Weekday) -> bool {
        self.0 & (1 << weekday.num_days_from_monday()) != 0
    }

    fn union(self, other: DaySet) -> DaySet {
        DaySet(self.0 | other.0)
    }

    fn complement(self) -> DaySet {
        DaySet(!self.0 & DaySet::ALL.0)
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// "Mon–Fri", "weekends", "every day", "Sat", "Mon, Wed".
    fn describe(self) -> String {
        match self.0 {
            0b111_1111 => return "every day".to_string(),
            0b110_0000 => return "weekends".to_string(),
            _ => {}
        }
        let days: Vec<usize> = (0..7).filter(|d| self.0 & (1 << d) != 0).collect();
        let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
        match days.as_slice() {
            [] => String::new(),
            [one] => DAY_LABELS[*one].to_string(),
            [first, .., last] if contiguous => {
                format!("{}–{}", DAY_LABELS[*first], DAY_LABELS[*last])
            }
            _ => days.iter().map(|d| DAY_LABELS[*d]).collect::<Vec<_>>().join(", "),
        }
    }
}

fn day_index(name: &str) -> Result<u32, String> {
    let name = name.trim();
    DAY_NAMES
        .iter()
        .position(|d| *d == name)
        .map(|i| i as u32)
        .ok_or_else(|| format!("\"{name}\" is not a day; use mon, tue, wed, thu, fri, sat, sun"))
}

/// Parse `08:00` (or `24:00` as a closing time) into minutes since midnight.
pub fn parse_clock(text: &str) -> Result<Minute, String> {
    let bad = || format!("\"{text}\" is not a time; write it as HH:MM, e.g. \"08:00\" or \"18:30\"");
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// "8am", "6pm", "8:30am", "12 noon", "midnight".
fn describe_clock(minute: Minute) -> String {
    let (h, m) = (minute / 60, minute % 60);
    match (h, m) {
        (0, 0) | (24, 0) => "midnight".to_string(),
        (12, 0) => "12 noon".to_string(),
        _ => {
            let suffix = if h < 12 { "am" } else { "pm" };
            let h12 = match h % 12 {
                0 => 12,
                x => x,
            };
            if m == 0 {
                format!("{h12}{suffix}")
            } else {
                format!("{h12}:{m:02}{suffix}")
            }
        }
    }
}

/// One opening window: these days, from `from` (inclusive) to `to` (exclusive), local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursRule {
    pub days: DaySet,
    pub from: Minute,
    pub to: Minute,
}

/// What a line does on a bank holiday, as its source says (config `closed_on_bank_holidays:
/// true | false | unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankHolidayHours {
    /// Keeps its weekday hours (the source says so).
    Usual,
    /// Closed all day, whatever the weekday (the council day line).
    Closed,
    /// The source does not say: on a bank holiday the product claims neither open nor closed.
    Unknown,
}

/// Whether a line is answered at a moment, as far as its source lets us say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineState {
    Open,
    Closed,
    /// A bank holiday, and the source does not say what the line does then.
    CheckHours,
}

/// When a phone line is answered. Data from config, never hard-coded, so a change of hours is a
/// config edit that the tests can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHours {
    pub rules: Vec<HoursRule>,
    /// Lines like the council day line close on bank holidays even when the weekday says open;
    /// for others the source may not say.
    pub bank_holidays: BankHolidayHours,
}

impl OpeningHours {
    /// Is the line surely open at this UK local time? (On a bank holiday with unknown hours:
    /// no, so a line that is surely open comes first.)
    pub fn is_open_at(&self, local: NaiveDateTime, holidays: &BankHolidays) -> bool {
        self.state_at(local, holidays) == LineState::Open
    }

    /// Open, closed, or (a bank holiday the source says nothing about) check their hours.
    pub fn state_at(&self, local: NaiveDateTime, holidays: &BankHolidays) -> LineState {
        if holidays.contains(local.date()) {
            match self.bank_holidays {
                BankHolidayHours::Closed => return LineState::Closed,
                BankHolidayHours::Unknown => return LineState::CheckHours,
                BankHolidayHours::Usual => {}
            }
        }
        let minute = local.hour() * 60 + local.minute();
        let weekday = local.weekday();
        if self.rules.iter().any(|r| r.days.contains(weekday) && r.from <= minute && minute < r.to) {
            LineState::Open
        } else {
            LineState::Closed
        }
    }

    /// "Mon–Fri 8am–6pm, not bank holidays": the hours as a person reads them.
    pub fn describe(&self) -> String {
        let mut text = self
            .rules
            .iter()
            .map(|r| format!("{} {}–{}", r.days.describe(), describe_clock(r.from), describe_clock(r.to)))
            .collect::<Vec<_>>()
            .join(", ");
        if self.bank_holidays == BankHolidayHours::Closed {
            text.push_str(", not bank holidays");
        }
        text
    }

    /// When the line is closed, in words: "evenings, nights, weekends and bank holidays". Used
    /// for the out-of-hours number, so the two lines' hours are always read from one place.
    pub fn describe_closed(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if self.rules.iter().any(|r| r.from > 0 || r.to < 24 * 60) {
            parts.push("evenings".to_string());
            parts.push("nights".to_string());
        }
        let open_days = self.rules.iter().fold(DaySet(0), |acc, r| acc.union(r.days));
        let closed_days = open_days.complement();
        if !closed_days.is_empty() {
            parts.push(closed_days.describe());
        }
        if self.bank_holidays == BankHolidayHours::Closed {
            parts.push("bank holidays".to_string());
        }
        match parts.as_slice() {
            [] => "never".to_string(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {}", init.join(", "), last),
        }
    }
}

/// Bank holidays in England, from config. Kept as data because they move (Easter) and change
/// (extra days for national events).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankHolidays {
    dates: BTreeSet<NaiveDate>,
}

impl BankHolidays {
    pub fn new(dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        BankHolidays { dates: dates.into_iter().collect() }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.dates.contains(&date)
    }

    /// The last date listed, so loading can warn before the list runs out.
    pub fn last(&self) -> Option<NaiveDate> {
        self.dates.iter().next_back().copied()
    }
}

/// The UK wall-clock time at an instant.
pub fn uk_local(now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&London).naive_local()
}

/// "Tue 24 Nov 2026 10:00 GMT": an instant as staff read it, with the zone so BST is visible.
pub fn describe_uk(now: DateTime<Utc>) -> String {
    now.with_timezone(&London).format("%a %-d %b %Y %H:%M %Z").to_string()
}

/// Parse `2026-12-25T10:00` (or with seconds, or a space instead of `T`) as UK local time.
///
/// When the clocks go back an hour repeats; we take the earlier one (still summer time), which
/// is what a person reading a clock that night most likely meant. When the clocks go forward an
/// hour does not exist; we say so rather than guess. A time with an explicit offset or `Z`
/// (RFC 3339) is taken as that exact instant.
pub fn parse_uk_local(s: &str) -> Result<DateTime<Utc>, String> {
    let text = s.trim();
    let with_offset = match text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        Some(rest) => format!("{rest}+00:00"),
        None => text.to_string(),
    };
    let exact = DateTime::parse_from_rfc3339(&with_offset)
        .or_else(|_| DateTime::parse_from_str(&with_offset, "%Y-%m-%dT%H:%M%:z"));
    if let Ok(exact) = exact {
        return Ok(exact.with_timezone(&Utc));
    }
    let normal = text.replacen(' ', "T", 1);
    let naive = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&normal, f).ok())
        .ok_or_else(|| format!("\"{text}\" is not a date and time; write it like 2026-12-25T10:00 (UK time)"))?;
    match London.from_local_datetime(&naive).earliest() {
        Some(local) => Ok(local.with_timezone(&Utc)),
        None => Err(format!(
            "{} does not exist in UK time: the clocks go forward an hour that night. \
             Try a time an hour later.",
            naive.format("%Y-%m-%d %H:%M")
        )),
    }
}

/// Parse a `YYYY-MM-DD` date from config.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("\"{text}\" is not a date; write it as YYYY-MM-DD, e.g. 2026-11-23"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn council_day_line() -> OpeningHours {
        OpeningHours {
            rules: vec![HoursRule {
                days: DaySet::parse("mon-fri").unwrap(),
                from: parse_clock("08:00").unwrap(),
                to: parse_clock("18:00").unwrap(),
            }],
            bank_holidays: BankHolidayHours::Closed,
        }
    }

    fn holidays() -> BankHolidays {
        BankHolidays::new(["2026-12-25", "2026-12-28", "2027-03-29"].map(|d| parse_date(d).unwrap()))
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn day_sets_parse_and_reject_nonsense() {
        let cases: &[(&str, Result<u8, &str>)] = &[
            ("mon-fri", Ok(0b001_1111)),
            ("sat-sun", Ok(0b110_0000)),
            ("Mon, wed", Ok(0b000_0101)),
            ("every day", Ok(0b111_1111)),
            ("fri-mon", Err("runs backwards")),
            ("funday", Err("is not a day")),
            ("", Err("is not a day")),
        ];
        for (text, want) in cases {
            match (DaySet::parse(text), want) {
                (Ok(got), Ok(bits)) => assert_eq!(got.0, *bits, "{text}"),
                (Err(e), Err(part)) => assert!(e.contains(part), "{text}: {e}"),
                (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn clock_times_parse_strictly() {
        let cases: &[(&str, Option<u32>)] = &[
            ("08:00", Some(480)),
            ("18:30", Some(1110)),
            ("24:00", Some(1440)),
            ("00:00", Some(0)),
            ("8:00", None),
            ("24:30", None),
            ("12:60", None),
            ("noon", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_clock(text).ok(), *want, "{text}");
        }
    }

    #[test]
    fn hours_are_described_as_people_say_them() {
        assert_eq!(council_day_line().describe(), "Mon–Fri 8am–6pm, not bank holidays");
        assert_eq!(council_day_line().describe_closed(), "evenings, nights, weekends and bank holidays");
        let nspcc = OpeningHours {
            rules: vec![
                HoursRule { days: DaySet::parse("mon-fri").unwrap(), from: 480, to: 1320 },
                HoursRule { days: DaySet::parse("sat-sun").unwrap(), from: 540, to: 1080 },
            ],
            bank_holidays: BankHolidayHours::Unknown,
        };
        assert_eq!(nspcc.describe(), "Mon–Fri 8am–10pm, weekends 9am–6pm");
        assert_eq!(describe_clock(510), "8:30am");
        assert_eq!(describe_clock(720), "12 noon");
        assert_eq!(describe_clock(1440), "midnight");
    }

    #[test]
    fn the_day_line_is_open_only_on_working_weekdays_in_uk_time() {
        let h = council_day_line();
        let hol = holidays();
        let cases = [
            ("2026-11-24T10:00:00Z", true, "Tuesday 10:00 GMT"),
            ("2026-11-24T07:59:00Z", false, "Tuesday 07:59 GMT, before opening"),
            ("2026-11-24T08:00:00Z", true, "opens on the dot"),
            ("2026-11-24T18:00:00Z", false, "closes on the dot"),
            ("2026-11-24T18:30:00Z", false, "Tuesday evening"),
            ("2026-11-28T10:00:00Z", false, "Saturday"),
            ("2026-12-25T10:00:00Z", false, "Christmas Day, a Friday"),
            ("2026-12-28T10:00:00Z", false, "substitute bank holiday, a Monday"),
            ("2027-03-23T07:30:00Z", false, "GMT: 07:30 local, closed"),
            ("2027-03-30T07:30:00Z", true, "BST: 08:30 local, open"),
            ("2027-03-30T17:30:00Z", false, "BST: 18:30 local, closed"),
            ("2027-03-29T10:00:00Z", false, "Easter Monday"),
            ("2027-10-29T07:30:00Z", true, "last BST Friday: 08:30 local"),
            ("2027-11-01T07:30:00Z", false, "first GMT Monday: 07:30 local"),
        ];
        for (at, want, why) in cases {
            assert_eq!(h.is_open_at(uk_local(utc(at)), &hol), want, "{at}: {why}");
        }
    }

    #[test]
    fn uk_local_times_parse_with_summer_time() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("2026-12-25T10:00", Ok("2026-12-25T10:00:00+00:00")),
            ("2026-12-25 10:00:30", Ok("2026-12-25T10:00:30+00:00")),
            ("2027-07-01T10:00", Ok("2027-07-01T09:00:00+00:00")),
            // Clocks go back at 02:00 BST on 31 Oct 2027: 01:30 happens twice; take the first.
            ("2027-10-31T01:30", Ok("2027-10-31T00:30:00+00:00")),
            // Clocks go forward at 01:00 GMT on 28 Mar 2027: 01:30 never happens.
            ("2027-03-28T01:30", Err("does not exist in UK time")),
            ("2027-07-01T10:00Z", Ok("2027-07-01T10:00:00+00:00")),
            ("tomorrow", Err("is not a date and time")),
        ];
        for (text, want) in cases {
            let got = parse_uk_local(text).map(|t| t.to_rfc3339());
            match (got, want) {
                (Ok(g), Ok(w)) => assert_eq!(g, *w, "{text}"),
                (Err(e), Err(part)) => assert!(e.contains(part), "{text}: {e}"),
                (g, w) => panic!("{text}: got {g:?}, want {w:?}"),
            }
        }
    }

    #[test]
    fn instants_are_described_with_their_zone() {
        assert_eq!(describe_uk(utc("2027-07-01T09:00:00Z")), "Thu 1 Jul 2027 10:00 BST");
        assert_eq!(describe_uk(utc("2026-11-24T10:00:00Z")), "Tue 24 Nov 2026 10:00 GMT");
    }
}

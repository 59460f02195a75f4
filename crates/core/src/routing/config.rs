//! Routing config, in two stages: raw serde types that mirror `config/*.yaml` exactly, then a
//! validator that checks every fact and reference and builds the data the router uses.
//!
//! The validator collects every problem, each located at the value to fix, and fails once, so
//! staff see all their mistakes in one run. It never reads files: the caller hands it text.

use super::area::{Area, AreaId, ELSEWHERE, MAX_LABEL_CHARS};
use super::contact::{
    check_email, check_phone, check_web, fact_like_fragments, Contact, ContactAudience, ContactBook, ContactKind,
};
use super::hours::{parse_clock, parse_date, BankHolidayHours, BankHolidays, DaySet, HoursRule, OpeningHours};
use super::index::PostcodeIndex;
use super::place::{place_key, NameIndex, NameKind, Target};
use crate::diag::{Diagnostic, Location};
use crate::source::SourceFile;
use crate::yaml::{self, Spanned};
use chrono::{Months, NaiveDate};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The four files the router is built from (the index is generated; the rest are written by hand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingSources {
    /// `config/areas.yaml`: areas, their towns and contact lists, places outside, phrases.
    pub areas: SourceFile,
    /// `config/contacts.yaml`: every contact with its facts, hours, source and checked date.
    pub contacts: SourceFile,
    /// `config/bank-holidays.yaml`: bank holidays in England.
    pub holidays: SourceFile,
    /// `config/postcode-index.txt`: postcode sector -> local authority (generated).
    pub index: SourceFile,
}

// ---------------------------------------------------------------------------------------------
// Raw: exactly the YAML.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAreasFile {
    areas: Vec<Spanned<RawArea>>,
    #[serde(default)]
    outside: Vec<Spanned<RawOutside>>,
    #[serde(default)]
    unknown_phrases: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    #[serde(default)]
    id: Option<Spanned<String>>,
    #[serde(default)]
    label: Option<Spanned<String>>,
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    force: Option<Spanned<String>>,
    #[serde(default)]
    authorities: Vec<Spanned<String>>,
    #[serde(default)]
    names: Vec<Spanned<String>>,
    #[serde(default)]
    towns: Vec<Spanned<String>>,
    #[serde(default)]
    contacts: Option<Spanned<RawAreaContacts>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAreaContacts {
    #[serde(default)]
    adult: Vec<Spanned<String>>,
    #[serde(default)]
    young_person: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutside {
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default, rename = "in")]
    region: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContactsFile {
    contacts: Vec<Spanned<RawContact>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    #[serde(default)]
    id: Option<Spanned<String>>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    audience: Option<Spanned<String>>,
    #[serde(default)]
    label: Option<Spanned<String>>,
    #[serde(default)]
    phone: Option<Spanned<String>>,
    #[serde(default)]
    textphone: Option<Spanned<String>>,
    #[serde(default)]
    web: Option<Spanned<String>>,
    #[serde(default)]
    web_label: Option<Spanned<String>>,
    #[serde(default)]
    email: Option<Spanned<String>>,
    #[serde(default)]
    note: Option<Spanned<String>>,
    #[serde(default)]
    open_any_time: Option<Spanned<bool>>,
    #[serde(default)]
    hours: Option<Spanned<RawHours>>,
    #[serde(default)]
    out_of_hours: Option<Spanned<String>>,
    #[serde(default)]
    source: Option<Spanned<String>>,
    #[serde(default)]
    checked: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHours {
    #[serde(default)]
    open: Vec<Spanned<RawHoursRule>>,
    #[serde(default)]
    closed_on_bank_holidays: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoursRule {
    #[serde(default)]
    days: Option<Spanned<String>>,
    #[serde(default)]
    from: Option<Spanned<String>>,
    #[serde(default)]
    to: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHolidaysFile {
    #[serde(default)]
    source: Option<Spanned<String>>,
    #[serde(default)]
    checked: Option<Spanned<String>>,
    #[serde(default)]
    dates: Vec<Spanned<String>>,
}

// ---------------------------------------------------------------------------------------------
// Validated.

/// Everything the router needs, checked.
#[derive(Debug, Clone)]
pub(super) struct Validated {
    pub areas: Vec<Area>,
    pub contacts: ContactBook,
    pub holidays: BankHolidays,
    pub index: Arc<PostcodeIndex>,
    pub names: NameIndex,
}

/// Check all four sources. `today` dates the "checked over 12 months ago" warnings.
/// Returns the data if there were no errors, and every diagnostic either way.
pub(super) fn validate(sources: &RoutingSources, today: NaiveDate) -> (Option<Validated>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let index = match PostcodeIndex::parse(&sources.index.text, &sources.index.origin) {
        Ok((index, warnings)) => {
            diags.extend(warnings);
            Some(Arc::new(index))
        }
        Err(errors) => {
            diags.extend(errors);
            None
        }
    };
    let holidays = validate_holidays(&sources.holidays, today, &mut diags);
    let contacts = validate_contacts(&sources.contacts, today, &mut diags);
    let areas = match (&contacts, &index) {
        (Some(contacts), Some(index)) => validate_areas(&sources.areas, contacts, index, &mut diags),
        // Still parse areas.yaml so its own mistakes are reported in the same run.
        _ => {
            if let Err(d) = yaml::from_str::<RawAreasFile>(&sources.areas.text, &sources.areas.origin) {
                diags.push(d);
            }
            None
        }
    };
    let ok = !crate::diag::has_errors(&diags);
    let validated = match (ok, areas, contacts, holidays, index) {
        (true, Some(areas), Some(contacts), Some(holidays), Some(index)) => {
            Some(Validated { areas: areas.areas, contacts, holidays, index, names: areas.names })
        }
        _ => None,
    };
    (validated, diags)
}

/// A required field, or an error at the entry saying which field is missing.
fn required<'a>(
    field: &'a Option<Spanned<String>>,
    key: &str,
    what: &str,
    entry: &Location,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a Spanned<String>> {
    match field {
        Some(value) if !value.trim().is_empty() => Some(value),
        Some(_) | None => {
            diags.push(entry.error(format!("{what} has no `{key}:`; it is required")));
            None
        }
    }
}

/// Parse a `checked:` date and warn if it is over 12 months old (facts go stale).
fn check_checked(
    value: &Spanned<String>,
    origin: &str,
    what: &str,
    today: NaiveDate,
    diags: &mut Vec<Diagnostic>,
) -> Option<NaiveDate> {
    let at = yaml::location(value, origin);
    match parse_date(value) {
        Ok(date) => {
            if date > today {
                diags.push(at.error(format!("{what} says it was checked on {date}, which is after today ({today})")));
            } else if date.checked_add_months(Months::new(12)).is_some_and(|d| d < today) {
                diags.push(at.warning(format!(
                    "{what} was last checked on {date}, over 12 months ago: check it against its \
                     source again and update `checked:`"
                )));
            }
            Some(date)
        }
        Err(message) => {
            diags.push(at.error(message));
            None
        }
    }
}

fn validate_holidays(file: &SourceFile, today: NaiveDate, diags: &mut Vec<Diagnostic>) -> Option<BankHolidays> {
    let origin = file.origin.as_str();
    let raw: RawHolidaysFile = match yaml::from_str(&file.text, origin) {
        Ok(raw) => raw,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let whole = Location::file(origin);
    let before = diags.len();
    required(&raw.source, "source", "the bank holiday list", &whole, diags);
    if let Some(checked) = required(&raw.checked, "checked", "the bank holiday list", &whole, diags) {
        check_checked(checked, origin, "the bank holiday list", today, diags);
    }
    let mut dates = Vec::new();
    for value in &raw.dates {
        match parse_date(value) {
            Ok(date) => dates.push(date),
            Err(message) => diags.push(yaml::location(value, origin).error(message)),
        }
    }
    let holidays = BankHolidays::new(dates);
    match holidays.last() {
        None => diags.push(whole.error("no `dates:` listed; the day lines would open on bank holidays")),
        Some(last) if last < today + chrono::Days::new(90) => diags.push(whole.warning(format!(
            "the last bank holiday listed is {last}: add next year's dates so day lines close on them"
        ))),
        Some(_) => {}
    }
    (!crate::diag::has_errors(&diags[before..])).then_some(holidays)
}

fn validate_contacts(file: &SourceFile, today: NaiveDate, diags: &mut Vec<Diagnostic>) -> Option<ContactBook> {
    let origin = file.origin.as_str();
    let raw: RawContactsFile = match yaml::from_str(&file.text, origin) {
        Ok(raw) => raw,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let before = diags.len();
    let mut book = ContactBook::default();
    let mut locations: Vec<&Spanned<RawContact>> = Vec::new();
    for entry in &raw.contacts {
        let at = yaml::location(entry, origin);
        let Some(id) = required(&entry.id, "id", "this contact", &at, diags) else {
            continue;
        };
        let what = format!("contact \"{}\"", id.as_str());
        let id_at = yaml::location(id, origin);
        if AreaId::parse(id).is_err() {
            diags.push(
                id_at.error(format!(
                    "\"{}\" is not a valid contact id: use lowercase letters, digits and _",
                    id.as_str()
                )),
            );
        }
        if book.contains(id) {
            diags.push(id_at.error(format!("{what} is defined twice")));
            continue;
        }
        if let Some(contact) = validate_contact(entry, id, &what, origin, today, diags) {
            book.insert(contact);
            locations.push(entry);
        }
    }
    check_contact_links(&book, &locations, origin, diags);
    let list = book.all();
    let emergencies: Vec<usize> = (0..list.len()).filter(|i| list[*i].kind == ContactKind::Emergency).collect();
    match emergencies.as_slice() {
        [one] if list[*one].phone.is_none() => {
            diags.push(yaml::location(locations[*one], origin).error("the emergency contact needs `phone:`"))
        }
        [_] => {}
        [] => diags.push(Location::file(origin).error("no contact has `kind: emergency`; 999 must end every block")),
        [_, rest @ ..] => {
            for i in rest {
                diags.push(
                    yaml::location(locations[*i], origin).error("only one contact may have `kind: emergency` (999)"),
                );
            }
        }
    }
    (!crate::diag::has_errors(&diags[before..])).then_some(book)
}

fn validate_contact(
    entry: &Spanned<RawContact>,
    id: &Spanned<String>,
    what: &str,
    origin: &str,
    today: NaiveDate,
    diags: &mut Vec<Diagnostic>,
) -> Option<Contact> {
    // Problems with the contact as a whole are reported at its id, which names it.
    let at = yaml::location(id, origin);
    let before = diags.len();
    let here = |v: &Spanned<String>| yaml::location(v, origin);

    let kind = required(&entry.kind, "kind", what, &at, diags).and_then(|k| {
        let parsed = ContactKind::parse(k);
        if parsed.is_none() {
            diags.push(here(k).error(format!(
                "\"{}\" is not a contact kind; use one of {}",
                k.as_str(),
                ContactKind::NAMES
            )));
        }
        parsed
    });
    let audience = required(&entry.audience, "audience", what, &at, diags).and_then(|a| {
        let parsed = ContactAudience::parse(a);
        if parsed.is_none() {
            diags.push(here(a).error(format!(
                "\"{}\" is not an audience; use one of {}",
                a.as_str(),
                ContactAudience::NAMES
            )));
        }
        parsed
    });
    let label = required(&entry.label, "label", what, &at, diags);
    let source = required(&entry.source, "source", what, &at, diags);
    let checked = required(&entry.checked, "checked", what, &at, diags)
        .and_then(|c| check_checked(c, origin, what, today, diags));

    type FormatCheck = fn(&str) -> Result<(), String>;
    let formats: [(&Option<Spanned<String>>, FormatCheck); 4] = [
        (&entry.phone, check_phone),
        (&entry.textphone, check_phone),
        (&entry.web, check_web),
        (&entry.email, check_email),
    ];
    for (field, check) in formats {
        if let Some(value) = field {
            if let Err(message) = check(value) {
                diags.push(here(value).error(message));
            }
        }
    }
    if entry.phone.is_none() && entry.web.is_none() && entry.email.is_none() {
        diags.push(at.error(format!("{what} has no `phone:`, `web:` or `email:`; say how to reach it")));
    }
    if entry.web_label.is_some() && entry.web.is_none() {
        diags.push(at.error(format!("{what} has `web_label:` but no `web:`")));
    }
    if entry.textphone.is_some() && entry.phone.is_none() {
        diags.push(at.error(format!("{what} has `textphone:` but no `phone:`")));
    }

    let open_any_time = entry.open_any_time.as_ref().is_some_and(|b| **b);
    let hours = entry.hours.as_ref().and_then(|h| validate_hours(h, what, origin, diags));
    if let Some(h) = &entry.hours {
        let h_at = yaml::location(h, origin);
        if entry.phone.is_none() {
            diags.push(h_at.error(format!("{what} has `hours:` but no `phone:` to keep them")));
        }
        if open_any_time {
            diags.push(h_at.error(format!("{what} has both `hours:` and `open_any_time: true`")));
        }
    }
    if let Some(ooh) = &entry.out_of_hours {
        if entry.hours.is_none() {
            diags.push(
                here(ooh).error(format!("{what} has `out_of_hours:` but no `hours:`, so it would never be closed")),
            );
        }
    }

    if crate::diag::has_errors(&diags[before..]) {
        return None;
    }
    Some(Contact {
        id: id.to_string(),
        kind: kind?,
        audience: audience?,
        label: label?.trim().to_string(),
        phone: entry.phone.as_ref().map(|v| v.to_string()),
        textphone: entry.textphone.as_ref().map(|v| v.to_string()),
        web: entry.web.as_ref().map(|v| v.to_string()),
        web_label: entry.web_label.as_ref().map(|v| v.trim().to_string()),
        email: entry.email.as_ref().map(|v| v.to_string()),
        note: entry.note.as_ref().map(|v| v.trim().to_string()),
        open_any_time,
        hours,
        out_of_hours: entry.out_of_hours.as_ref().map(|v| v.to_string()),
        source: source?.trim().to_string(),
        checked: checked?,
    })
}

fn validate_hours(
    raw: &Spanned<RawHours>,
    what: &str,
    origin: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<OpeningHours> {
    let at = yaml::location(raw, origin);
    let before = diags.len();
    let need = "`closed_on_bank_holidays: true`, `false` (open as usual) or `unknown` (the source doesn't say)";
    let bank_holidays = match raw.closed_on_bank_holidays.as_ref().map(|b| (b, b.trim())) {
        Some((_, "true")) => BankHolidayHours::Closed,
        Some((_, "false")) => BankHolidayHours::Usual,
        Some((_, "unknown")) => BankHolidayHours::Unknown,
        Some((b, other)) => {
            diags.push(yaml::location(b, origin).error(format!("\"{other}\" is not one of {need}")));
            BankHolidayHours::Unknown
        }
        None => {
            diags.push(at.error(format!("the hours of {what} need {need}")));
            BankHolidayHours::Unknown
        }
    };
    if raw.open.is_empty() {
        diags.push(at.error(format!("the hours of {what} list no `open:` times")));
    }
    let mut rules = Vec::new();
    for rule in &raw.open {
        let rule_at = yaml::location(rule, origin);
        let what = format!("an opening time of {what}");
        let days = required(&rule.days, "days", &what, &rule_at, diags);
        let from = required(&rule.from, "from", &what, &rule_at, diags);
        let to = required(&rule.to, "to", &what, &rule_at, diags);
        let (Some(days), Some(from), Some(to)) = (days, from, to) else {
            continue;
        };
        let parsed = (DaySet::parse(days), parse_clock(from), parse_clock(to));
        let mut report = |v: &Spanned<String>, message: String| {
            diags.push(yaml::location(v, origin).error(message));
        };
        match parsed {
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
    (!crate::diag::has_errors(&diags[before..])).then_some(OpeningHours { rules, bank_holidays })
}

/// Checks that need every contact: out-of-hours links, and free text that states a fact.
fn check_contact_links(book: &ContactBook, raw: &[&Spanned<RawContact>], origin: &str, diags: &mut Vec<Diagnostic>) {
    let list = book.all();
    let phones: BTreeSet<&str> =
        list.iter().flat_map(|c| [c.phone.as_deref(), c.textphone.as_deref()]).flatten().collect();
    for (contact, entry) in list.iter().zip(raw) {
        let what = format!("contact \"{}\"", contact.id);
        if let Some(ooh) = &entry.out_of_hours {
            let at = yaml::location(ooh, origin);
            match book.get(ooh) {
                None => diags.push(
                    at.error(format!("{what} names out-of-hours contact \"{}\", which is not defined", ooh.as_str())),
                ),
                Some(other) if other.id == contact.id => {
                    diags.push(at.error(format!("{what} cannot be its own out-of-hours line")))
                }
                Some(other) if other.phone.is_none() => {
                    diags.push(at.error(format!("out-of-hours contact \"{}\" has no `phone:`", other.id)))
                }
                Some(other) if other.hours.is_some() || other.out_of_hours.is_some() => diags.push(at.error(format!(
                    "out-of-hours contact \"{}\" must not have hours of its own: it is the \
                         line for whenever \"{}\" is closed",
                    other.id, contact.id
                ))),
                Some(_) => {}
            }
        }
        let texts = [&entry.label, &entry.note, &entry.web_label];
        for text in texts.into_iter().flatten() {
            for fragment in fact_like_fragments(text) {
                if !phones.contains(fragment.as_str()) {
                    diags.push(yaml::location(text, origin).error(format!(
                        "\"{fragment}\" in free text of {what}: put phone numbers, web addresses \
                         and emails in `phone:`, `web:` or `email:` so they are checked"
                    )));
                }
            }
        }
    }
}

/// The areas file, checked, with the name index built.
struct AreaSet {
    areas: Vec<Area>,
    names: NameIndex,
}

fn validate_areas(
    file: &SourceFile,
    contacts: &ContactBook,
    index: &PostcodeIndex,
    diags: &mut Vec<Diagnostic>,
) -> Option<AreaSet> {
    let origin = file.origin.as_str();
    let raw: RawAreasFile = match yaml::from_str(&file.text, origin) {
        Ok(raw) => raw,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let before = diags.len();
    let out_of_hours_lines: BTreeMap<&str, &str> =
        contacts.all().iter().filter_map(|c| c.out_of_hours.as_deref().map(|o| (o, c.id.as_str()))).collect();
    // Authority code -> the area that first listed it and where, to catch one council in two areas.
    let mut claimed: HashMap<String, (String, Location)> = HashMap::new();

    let mut areas: Vec<Area> = Vec::new();
    let mut raw_kept: Vec<&Spanned<RawArea>> = Vec::new();
    for entry in &raw.areas {
        let at = yaml::location(entry, origin);
        let Some(id_text) = required(&entry.id, "id", "this area", &at, diags) else {
            continue;
        };
        let id_at = yaml::location(id_text, origin);
        let id = match AreaId::parse(id_text) {
            Ok(id) => id,
            Err(message) => {
                diags.push(id_at.error(message));
                continue;
            }
        };
        let what = format!("area \"{id}\"");
        if areas.iter().any(|a| a.id == id) {
            diags.push(id_at.error(format!("{what} is defined twice")));
            continue;
        }
        // Problems with the area as a whole are reported at its id, which names it.
        let at = id_at;
        let label = required(&entry.label, "label", &what, &at, diags);
        if let Some(label) = label {
            let chars = label.trim().chars().count();
            if chars > MAX_LABEL_CHARS {
                diags.push(
                    yaml::location(label, origin)
                        .error(format!("the label of {what} is {chars} characters; buttons fit {MAX_LABEL_CHARS}")),
                );
            }
        }
        let name = required(&entry.name, "name", &what, &at, diags);
        let force = required(&entry.force, "force", &what, &at, diags);

        if id.is_elsewhere() {
            let extras = [(!entry.authorities.is_empty(), "authorities"), (!entry.towns.is_empty(), "towns")];
            for (present, key) in extras {
                if present {
                    diags.push(at.error(format!("{what} is the national route; it cannot have `{key}:`")));
                }
            }
        } else {
            check_authorities(&what, entry, index, &mut claimed, &at, origin, diags);
        }

        let mut lists = (Vec::new(), Vec::new());
        match &entry.contacts {
            None => diags.push(at.error(format!("{what} has no `contacts:`"))),
            Some(c) => {
                let c_at = yaml::location(c, origin);
                for (young, refs, out) in [(false, &c.adult, &mut lists.0), (true, &c.young_person, &mut lists.1)] {
                    let who = if young { "young_person" } else { "adult" };
                    if refs.is_empty() {
                        diags.push(c_at.error(format!("{what} has no `{who}:` contacts")));
                    }
                    for r in refs {
                        let r_at = yaml::location(r, origin);
                        let Some(contact) = contacts.get(r) else {
                            diags.push(r_at.error(format!(
                                "{what} lists contact \"{}\", which is not in the contacts file",
                                r.as_str()
                            )));
                            continue;
                        };
                        if contact.kind == ContactKind::Emergency {
                            diags.push(r_at.error("999 ends every block by itself; do not list it".to_string()));
                        } else if let Some(day) = out_of_hours_lines.get(contact.id.as_str()) {
                            diags.push(r_at.error(format!(
                                "\"{}\" is shown with \"{day}\" as its out-of-hours line; list \"{day}\" only",
                                contact.id
                            )));
                        } else if !contact.audience.suits(young) {
                            diags.push(r_at.error(format!(
                                "contact \"{}\" is not for the `{who}:` block (its audience does not include them)",
                                contact.id
                            )));
                        } else if out.contains(&contact.id) {
                            diags.push(r_at.error(format!("contact \"{}\" is listed twice", contact.id)));
                        } else {
                            out.push(contact.id.clone());
                        }
                    }
                }
            }
        }

        if let (Some(label), Some(name), Some(force)) = (label, name, force) {
            areas.push(Area {
                id,
                label: label.trim().to_string(),
                name: name.trim().to_string(),
                force: force.trim().to_string(),
                authorities: entry.authorities.iter().map(|c| c.trim().to_string()).collect(),
                adult_contacts: lists.0,
                young_person_contacts: lists.1,
            });
            raw_kept.push(entry);
        }
    }
    match areas.iter().position(|a| a.id.is_elsewhere()) {
        None => diags.push(
            Location::file(origin).error(format!("no area has `id: {ELSEWHERE}`; the national route must be offered")),
        ),
        Some(i) if i + 1 != areas.len() => {
            let at = raw_kept[i].id.as_ref().map_or_else(|| Location::file(origin), |id| yaml::location(id, origin));
            diags.push(at.error(format!("area \"{ELSEWHERE}\" must be the last area, so its button comes last")));
        }
        Some(_) => {}
    }

    let names = build_names(&areas, &raw_kept, &raw, origin, diags);
    (!crate::diag::has_errors(&diags[before..])).then_some(AreaSet { areas, names })
}

/// An area's `authorities:` must be codes the index knows, and no council may be in two areas:
/// a county and one of its districts count as the same council's ground.
fn check_authorities(
    what: &str,
    entry: &RawArea,
    index: &PostcodeIndex,
    claimed: &mut HashMap<String, (String, Location)>,
    at: &Location,
    origin: &str,
    diags: &mut Vec<Diagnostic>,
) {
    if entry.authorities.is_empty() {
        diags.push(
            at.error(format!("{what} has no `authorities:` (the ONS codes of the councils it covers, e.g. E10000003)")),
        );
    }
    for code in &entry.authorities {
        let code_at = yaml::location(code, origin);
        let Some(id) = index.find_code(code.trim()) else {
            diags.push(code_at.error(format!(
                "authority \"{}\" is not in the postcode index (edition {})",
                code.as_str(),
                index.edition()
            )));
            continue;
        };
        let authority = index.authority(id);
        if !authority.in_england() {
            diags.push(code_at.error(format!("{} is {}, outside England", authority.code, authority.name)));
            continue;
        }
        // Everything this code covers: itself, and the districts under it if it is a county.
        let covers: Vec<String> = index
            .authorities()
            .filter(|(other, a)| *other == id || a.upper == id)
            .map(|(_, a)| a.code.clone())
            .collect();
        for covered in covers {
            match claimed.get(&covered) {
                Some((area, first)) if area != what => {
                    diags.push(code_at.error(format!(
                        "{} ({}) is already covered by {area} (at {first}); a council belongs to one area",
                        authority.code, authority.name
                    )));
                    break;
                }
                Some(_) => {}
                None => {
                    claimed.insert(covered, (what.to_string(), code_at.clone()));
                }
            }
        }
    }
}

fn build_names(
    areas: &[Area],
    raw: &[&Spanned<RawArea>],
    file: &RawAreasFile,
    origin: &str,
    diags: &mut Vec<Diagnostic>,
) -> NameIndex {
    let mut names = NameBuilder { index: NameIndex::default(), seen: HashMap::new(), origin };
    for (i, (area, entry)) in areas.iter().zip(raw).enumerate() {
        let target = Target::Area(i);
        // Button presses send the id; some clients send the label text back.
        names.index.add(area.id.as_str(), NameKind::ButtonId, target.clone());
        names.index.add(&area.label, NameKind::ButtonLabel, target.clone());
        for value in entry.name.iter().chain(&entry.names) {
            names.add(value, NameKind::AreaName, target.clone(), diags);
        }
        for value in &entry.towns {
            names.add(value, NameKind::Town, target.clone(), diags);
        }
    }
    for entry in &file.outside {
        let at = yaml::location(entry, origin);
        let name = required(&entry.name, "name", "this outside place", &at, diags);
        let region = required(&entry.region, "in", "this outside place", &at, diags);
        if let (Some(name), Some(region)) = (name, region) {
            let target = Target::Outside { region: region.trim().to_string() };
            names.add(name, NameKind::OutsidePlace, target, diags);
        }
    }
    for phrase in &file.unknown_phrases {
        names.add(phrase, NameKind::Phrase, Target::Unknown, diags);
    }
    names.index
}

/// Adds names from config to the index, checking each as it goes.
struct NameBuilder<'a> {
    index: NameIndex,
    /// Normalised name -> where it was first given and where it led.
    seen: HashMap<String, (Location, Target)>,
    origin: &'a str,
}

impl NameBuilder<'_> {
    fn add(&mut self, value: &Spanned<String>, kind: NameKind, target: Target, diags: &mut Vec<Diagnostic>) {
        let at = yaml::location(value, self.origin);
        let key = place_key(value);
        if key.is_empty() {
            diags.push(at.error(format!("\"{}\" has no letters to match", value.as_str())));
            return;
        }
        if key.chars().any(|c| c.is_ascii_digit()) {
            diags.push(
                at.error(format!("\"{}\" has digits; names with digits would be read as postcodes", value.as_str())),
            );
            return;
        }
        match self.seen.get(&key) {
            Some((first, earlier)) => {
                if (*earlier == Target::Unknown) != (target == Target::Unknown) {
                    diags.push(at.error(format!(
                        "\"{}\" is both a place and an \"I don't know\" phrase (first at {first})",
                        value.as_str()
                    )));
                    return;
                }
                if *earlier == target {
                    diags.push(at.warning(format!(
                        "\"{}\" is listed twice for the same place (first at {first})",
                        value.as_str()
                    )));
                }
            }
            None => {
                self.seen.insert(key, (at, target.clone()));
            }
        }
        self.index.add(value, kind, target);
    }
}

/// A small, valid set of sources that tests change one line at a time.
#[cfg(test)]
pub(super) mod fixture {
    use super::{RoutingSources, SourceFile};
    use chrono::NaiveDate;

    pub const AREAS: &str = r#"areas:
  - id: cambridgeshire
    label: Cambridgeshire
    name: Cambridgeshire
    force: Cambridgeshire Constabulary
    authorities: [E10000003]
    names: [Cambs]
    towns: [Cambridge, St Ives, March]
    contacts:
      adult: [police, day_line]
      young_person: [kids, police]
  - id: peterborough
    label: Peterborough
    name: Peterborough
    force: Cambridgeshire Constabulary
    authorities: [E06000031]
    contacts:
      adult: [police]
      young_person: [kids]
  - id: elsewhere
    label: Elsewhere in England
    name: England
    force: the local police force
    contacts:
      adult: [police]
      young_person: [kids]
outside:
  - {name: St Ives, in: Cornwall}
  - {name: King's Lynn, in: Norfolk}
  - {name: Marsh Gibbon, in: Buckinghamshire}
unknown_phrases: [Not sure, I'd rather not say]
"#;

    pub const CONTACTS: &str = r#"contacts:
  - id: police
    kind: police
    audience: everyone
    label: Police
    phone: "101"
    open_any_time: true
    source: seed 000
    checked: 2026-11-23
  - id: day_line
    kind: council
    audience: adults
    label: Council
    phone: "0345 045 5203"
    hours:
      open:
        - {days: mon-fri, from: "08:00", to: "18:00"}
      closed_on_bank_holidays: true
    out_of_hours: night_line
    source: seed 000
    checked: 2026-11-23
  - id: night_line
    kind: council
    audience: adults
    label: Council at night
    phone: "01733 234 724"
    source: seed 000
    checked: 2026-11-23
  - id: kids
    kind: national_line
    audience: young_people
    label: Childline
    phone: "0800 1111"
    note: Free. If it is urgent, call 999.
    source: Childline
    checked: 2026-11-23
  - id: emergency
    kind: emergency
    audience: everyone
    label: In an emergency
    phone: "999"
    source: seeds
    checked: 2026-11-23
"#;

    pub const HOLIDAYS: &str = "source: contacts.md\nchecked: 2026-11-23\n\
        dates: [2026-12-25, 2026-12-28, 2027-12-27]\n";

    pub fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    pub fn sources() -> RoutingSources {
        RoutingSources {
            areas: SourceFile::new("a.yaml", AREAS),
            contacts: SourceFile::new("c.yaml", CONTACTS),
            holidays: SourceFile::new("h.yaml", HOLIDAYS),
            index: SourceFile::new("i.txt", crate::routing::index::fixture::index_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{self, sources, today};
    use super::*;

    /// `origin:line:column` of the first `needle` in `src`, 1-based, as diagnostics print it.
    fn at(origin: &str, src: &str, needle: &str) -> String {
        let offset = src.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"));
        let line = src[..offset].matches('\n').count() + 1;
        let column = offset - src[..offset].rfind('\n').map_or(0, |i| i + 1) + 1;
        format!("{origin}:{line}:{column}")
    }

    #[test]
    fn the_fixture_is_valid() {
        let (validated, diags) = validate(&sources(), today());
        assert!(diags.is_empty(), "{diags:#?}");
        let v = validated.unwrap();
        assert_eq!(v.areas.len(), 3);
        assert_eq!(v.contacts.all().len(), 5);
    }

    /// Each case edits one file of the fixture and names the diagnostic it must produce,
    /// as printed: `path:line:column: [warning: ]message`.
    #[test]
    fn mistakes_are_reported_where_they_are() {
        type Edit = fn(&mut RoutingSources);
        struct Case {
            why: &'static str,
            edit: Edit,
            // (file, text to locate (None = whole file), start of the message)
            want: (&'static str, Option<&'static str>, &'static str),
            error: bool,
        }
        fn replace(file: &mut SourceFile, from: &str, to: &str) {
            assert!(file.text.contains(from), "{from:?} not in {}", file.origin);
            file.text = file.text.replacen(from, to, 1);
        }
        let cases: Vec<Case> = vec![
            Case {
                why: "a required field is missing",
                edit: |s| replace(&mut s.contacts, "    label: Council\n", ""),
                want: ("c.yaml", Some("day_line\n"), "contact \"day_line\" has no `label:`"),
                error: true,
            },
            Case {
                why: "an area lists a contact that does not exist",
                edit: |s| replace(&mut s.areas, "[police, day_line]", "[police, day_lime]"),
                want: (
                    "a.yaml",
                    Some("day_lime"),
                    "area \"cambridgeshire\" lists contact \"day_lime\", which is not in",
                ),
                error: true,
            },
            Case {
                why: "a contact was checked over 12 months ago",
                edit: |s| {
                    replace(&mut s.contacts, "seed 000\n    checked: 2026-11-23", "seed 000\n    checked: 2025-11-01")
                },
                want: (
                    "c.yaml",
                    Some("2025-11-01"),
                    "warning: contact \"police\" was last checked on 2025-11-01, over 12 months ago",
                ),
                error: false,
            },
            Case {
                why: "a checked date in the future",
                edit: |s| {
                    replace(&mut s.contacts, "Childline\n    checked: 2026-11-23", "Childline\n    checked: 2027-01-01")
                },
                want: ("c.yaml", Some("2027-01-01"), "contact \"kids\" says it was checked on 2027-01-01"),
                error: true,
            },
            Case {
                why: "a misspelt key",
                edit: |s| replace(&mut s.contacts, "    label: Council\n", "    lable: Council\n"),
                want: ("c.yaml", Some("lable"), "Unknown field `lable`"),
                error: true,
            },
            Case {
                why: "a phone number written with a dash",
                edit: |s| replace(&mut s.contacts, "\"0800 1111\"", "\"0800-1111\""),
                want: ("c.yaml", Some("\"0800-1111\""), "\"0800-1111\" is not a phone number"),
                error: true,
            },
            Case {
                why: "an unknown kind",
                edit: |s| replace(&mut s.contacts, "kind: national_line", "kind: helpline"),
                want: ("c.yaml", Some("helpline"), "\"helpline\" is not a contact kind"),
                error: true,
            },
            Case {
                why: "out of hours points nowhere",
                edit: |s| replace(&mut s.contacts, "out_of_hours: night_line", "out_of_hours: nite_line"),
                want: (
                    "c.yaml",
                    Some("nite_line"),
                    "contact \"day_line\" names out-of-hours contact \"nite_line\", which is not defined",
                ),
                error: true,
            },
            Case {
                why: "a number hidden in free text",
                edit: |s| replace(&mut s.contacts, "note: Free.", "note: Free. Or ring 0800 123 456."),
                want: ("c.yaml", Some("Free. Or ring"), "\"0800 123 456\" in free text of contact \"kids\""),
                error: true,
            },
            Case {
                why: "hours that close before they open",
                edit: |s| replace(&mut s.contacts, "to: \"18:00\"", "to: \"07:00\""),
                want: ("c.yaml", Some("\"07:00\""), "closing time 07:00 is not after 08:00"),
                error: true,
            },
            Case {
                why: "Childline in the adult block",
                edit: |s| {
                    replace(
                        &mut s.areas,
                        "adult: [police]\n      young_person: [kids]\n  - id: elsewhere",
                        "adult: [police, kids]\n      young_person: [kids]\n  - id: elsewhere",
                    )
                },
                want: (
                    "a.yaml",
                    Some("kids]\n      young_person: [kids]\n  - id: elsewhere"),
                    "contact \"kids\" is not for the `adult:` block",
                ),
                error: true,
            },
            Case {
                why: "the out-of-hours line listed by hand",
                edit: |s| replace(&mut s.areas, "[police, day_line]", "[police, night_line]"),
                want: (
                    "a.yaml",
                    Some("night_line"),
                    "\"night_line\" is shown with \"day_line\" as its out-of-hours line",
                ),
                error: true,
            },
            Case {
                why: "999 listed by hand",
                edit: |s| replace(&mut s.areas, "[police, day_line]", "[police, day_line, emergency]"),
                want: ("a.yaml", Some("emergency]"), "999 ends every block by itself"),
                error: true,
            },
            Case {
                why: "a button label too long for a phone",
                edit: |s| {
                    replace(&mut s.areas, "label: Peterborough", "label: Peterborough and the surrounding villages")
                },
                want: ("a.yaml", Some("Peterborough and the"), "the label of area \"peterborough\" is 41 characters"),
                error: true,
            },
            Case {
                why: "an authority code the index does not know",
                edit: |s| replace(&mut s.areas, "authorities: [E06000031]", "authorities: [E06000099]"),
                want: (
                    "a.yaml",
                    Some("E06000099"),
                    "authority \"E06000099\" is not in the postcode index (edition ONSPD test)",
                ),
                error: true,
            },
            Case {
                why: "a district of a county that is another area",
                edit: |s| replace(&mut s.areas, "authorities: [E06000031]", "authorities: [E06000031, E07000008]"),
                want: (
                    "a.yaml",
                    Some("E07000008"),
                    "E07000008 (Cambridge) is already covered by area \"cambridgeshire\"",
                ),
                error: true,
            },
            Case {
                why: "an area with no authorities",
                edit: |s| replace(&mut s.areas, "    authorities: [E06000031]\n", ""),
                want: ("a.yaml", Some("peterborough\n"), "area \"peterborough\" has no `authorities:`"),
                error: true,
            },
            Case {
                why: "a country instead of a council",
                edit: |s| replace(&mut s.areas, "authorities: [E06000031]", "authorities: [W92000004]"),
                want: ("a.yaml", Some("W92000004"), "W92000004 is Wales, outside England"),
                error: true,
            },
            Case {
                why: "no national route",
                edit: |s| replace(&mut s.areas, "id: elsewhere", "id: somewhere"),
                want: ("a.yaml", None, "no area has `id: elsewhere`"),
                error: true,
            },
            Case {
                why: "a phrase that is also a place",
                edit: |s| replace(&mut s.areas, "[Not sure,", "[March, Not sure,"),
                want: ("a.yaml", Some("March, Not"), "\"March\" is both a place and an \"I don't know\" phrase"),
                error: true,
            },
            Case {
                why: "a bank holiday that is not a date",
                edit: |s| replace(&mut s.holidays, "2026-12-28", "2026-12-32"),
                want: ("h.yaml", Some("2026-12-32"), "\"2026-12-32\" is not a date"),
                error: true,
            },
            Case {
                why: "a broken authority line in the index",
                edit: |s| replace(&mut s.index, "A 6 E10000020", "A 6 E1000002"),
                want: ("i.txt", Some("A 6 E1000002"), "\"E1000002\" is not an ONS code"),
                error: true,
            },
        ];
        for case in cases {
            let mut s = sources();
            (case.edit)(&mut s);
            let (validated, diags) = validate(&s, today());
            let (origin, needle, message) = case.want;
            let src = [&s.areas, &s.contacts, &s.holidays, &s.index]
                .into_iter()
                .find(|f| f.origin == origin)
                .map(|f| f.text.clone())
                .unwrap();
            let place = match needle {
                Some(n) => at(origin, &src, n),
                None => origin.to_string(),
            };
            let want = format!("{place}: {message}");
            let printed: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            assert!(
                printed.iter().any(|p| p.starts_with(&want)),
                "{}: want a diagnostic starting\n  {want}\ngot\n  {}",
                case.why,
                printed.join("\n  ")
            );
            assert_eq!(validated.is_none(), case.error, "{}: {printed:#?}", case.why);
        }
    }

    #[test]
    fn the_bank_holiday_list_warns_before_it_runs_out() {
        let late = NaiveDate::from_ymd_opt(2027, 11, 1).unwrap();
        let (validated, diags) = validate(&fixture::sources(), late);
        assert!(validated.is_some());
        let printed: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert!(
            printed.iter().any(|p| p.starts_with("h.yaml: warning: the last bank holiday listed is 2027-12-27")),
            "{printed:#?}"
        );
    }
}

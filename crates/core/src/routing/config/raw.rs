//! Serde types that mirror `config/areas.yaml`, `contacts.yaml` and `bank-holidays.yaml`
//! exactly, with the position of every value a check may point at. Nothing here is trusted: the
//! checkers beside this module turn it into areas, contacts and bank holidays.
//!
//! The fields of an entry are optional so that a missing one is reported by a checker, in words
//! and at its entry, rather than as serde's "missing field".

use crate::yaml::Spanned;
use serde::Deserialize;

/// `config/areas.yaml`: the areas in button order, places outside them, and phrases that mean
/// "I don't know".
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAreasFile {
    pub areas: Vec<Spanned<RawArea>>,
    #[serde(default)]
    pub outside: Vec<Spanned<RawOutside>>,
    #[serde(default)]
    pub unknown_phrases: Vec<Spanned<String>>,
}

/// One area: its button, the councils it covers, the names it is known by and its contact lists.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArea {
    #[serde(default)]
    pub id: Option<Spanned<String>>,
    #[serde(default)]
    pub label: Option<Spanned<String>>,
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    #[serde(default)]
    pub force: Option<Spanned<String>>,
    #[serde(default)]
    pub authorities: Vec<Spanned<String>>,
    #[serde(default)]
    pub names: Vec<Spanned<String>>,
    #[serde(default)]
    pub towns: Vec<Spanned<String>>,
    #[serde(default)]
    pub contacts: Option<Spanned<RawAreaContacts>>,
}

/// Contact ids shown in an area, in order, for an adult and for a young person.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAreaContacts {
    #[serde(default)]
    pub adult: Vec<Spanned<String>>,
    #[serde(default)]
    pub young_person: Vec<Spanned<String>>,
}

/// A place outside the areas (`{name: King's Lynn, in: Norfolk}`): it gets the national route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutside {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    #[serde(default, rename = "in")]
    pub region: Option<Spanned<String>>,
}

/// `config/contacts.yaml`: every contact, in no particular order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContactsFile {
    pub contacts: Vec<Spanned<RawContact>>,
}

/// One contact: its facts, opening hours, the source they came from and when they were checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContact {
    #[serde(default)]
    pub id: Option<Spanned<String>>,
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    #[serde(default)]
    pub audience: Option<Spanned<String>>,
    #[serde(default)]
    pub label: Option<Spanned<String>>,
    #[serde(default)]
    pub phone: Option<Spanned<String>>,
    #[serde(default)]
    pub textphone: Option<Spanned<String>>,
    #[serde(default)]
    pub web: Option<Spanned<String>>,
    #[serde(default)]
    pub web_label: Option<Spanned<String>>,
    #[serde(default)]
    pub email: Option<Spanned<String>>,
    #[serde(default)]
    pub note: Option<Spanned<String>>,
    #[serde(default)]
    pub open_any_time: Option<Spanned<bool>>,
    #[serde(default)]
    pub hours: Option<Spanned<RawHours>>,
    #[serde(default)]
    pub out_of_hours: Option<Spanned<String>>,
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    #[serde(default)]
    pub checked: Option<Spanned<String>>,
}

/// When a contact's line is open, in UK time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHours {
    #[serde(default)]
    pub open: Vec<Spanned<RawHoursRule>>,
    #[serde(default)]
    pub closed_on_bank_holidays: Option<Spanned<String>>,
}

/// One opening time: `{days: mon-fri, from: "08:00", to: "18:00"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHoursRule {
    #[serde(default)]
    pub days: Option<Spanned<String>>,
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    #[serde(default)]
    pub to: Option<Spanned<String>>,
}

/// `config/bank-holidays.yaml`: bank holidays in England, with their source and checked date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHolidaysFile {
    #[serde(default)]
    pub source: Option<Spanned<String>>,
    #[serde(default)]
    pub checked: Option<Spanned<String>>,
    #[serde(default)]
    pub dates: Vec<Spanned<String>>,
}

//! A small, valid set of sources that tests change one line at a time.

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

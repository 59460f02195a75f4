//! Routing config, in two stages as the flows are: raw serde types that mirror `config/*.yaml`
//! exactly (`raw`), then one checker per file that checks every fact and reference and builds the
//! data the router uses. They run in this order because later files refer to earlier ones:
//! - the postcode index (`PostcodeIndex::parse`, generated, so it only needs reading);
//! - `holiday_reader`: `bank-holidays.yaml`;
//! - `contact_checker`: `contacts.yaml`, each contact's facts, source and checked date, with
//!   `hours_checker` for its opening hours;
//! - `area_checker`: `areas.yaml` against the contacts and the index, with `name_indexer` for
//!   the names users type.
//!
//! Every problem is collected, located at the value to fix (`file_checker`), and the config fails
//! once, so staff see all their mistakes in one run. Nothing here reads files: the caller hands
//! it text.

mod area_checker;
mod contact_checker;
mod file_checker;
#[cfg(test)]
pub(super) mod fixture;
mod holiday_reader;
mod hours_checker;
mod name_indexer;
mod raw;
#[cfg(test)]
mod tests;

use super::area::Area;
use super::contact::ContactBook;
use super::hours::BankHolidays;
use super::index::PostcodeIndex;
use super::place::NameIndex;
use crate::diag::Diagnostic;
pub use crate::source::SourceFile;
use area_checker::AreaChecker;
use chrono::NaiveDate;
use contact_checker::ContactChecker;
use file_checker::FileChecker;
use holiday_reader::HolidayReader;
use raw::RawAreasFile;
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
    let (holidays, found) = HolidayReader::new(&sources.holidays.origin, today).read(&sources.holidays.text);
    diags.extend(found);
    let (contacts, found) = ContactChecker::new(&sources.contacts.origin, today).check(&sources.contacts.text);
    diags.extend(found);
    let (areas, found) = match (&contacts, &index) {
        (Some(contacts), Some(index)) => {
            AreaChecker::new(&sources.areas.origin, contacts, index).check(&sources.areas.text)
        }
        // Still parse areas.yaml so its own mistakes are reported in the same run.
        _ => {
            let mut file = FileChecker::new(&sources.areas.origin);
            file.load::<RawAreasFile>(&sources.areas.text);
            (None, file.into_diags())
        }
    };
    diags.extend(found);
    let ok = !crate::diag::has_errors(&diags);
    let validated = match (ok, areas, contacts, holidays, index) {
        (true, Some(areas), Some(contacts), Some(holidays), Some(index)) => {
            Some(Validated { areas: areas.areas, contacts, holidays, index, names: areas.names })
        }
        _ => None,
    };
    (validated, diags)
}

//! The [`AreaChecker`]: `config/areas.yaml` -> the areas in button order and the name index.
//! Each area's button, the councils it covers (checked against the postcode index, one council
//! to one area) and its contact lists (checked against the contacts); `elsewhere` comes last.

use super::file_checker::FileChecker;
use super::name_indexer::NameIndexer;
use super::raw::{RawArea, RawAreaContacts, RawAreasFile};
use crate::diag::{Diagnostic, Location};
use crate::routing::area::{Area, AreaId, ELSEWHERE, MAX_LABEL_CHARS};
use crate::routing::contact::{ContactBook, ContactKind};
use crate::routing::index::PostcodeIndex;
use crate::routing::place::NameIndex;
use crate::yaml::Spanned;
use std::collections::{BTreeMap, HashMap};

/// The areas file, checked, with the name index built.
pub(super) struct AreaSet {
    pub areas: Vec<Area>,
    pub names: NameIndex,
}

/// Checks the areas file against the contacts and the postcode index, both already checked.
pub(super) struct AreaChecker<'s> {
    file: FileChecker<'s>,
    contacts: &'s ContactBook,
    index: &'s PostcodeIndex,
    /// Out-of-hours line -> the day line it is shown with, so neither is listed by hand.
    out_of_hours_lines: BTreeMap<&'s str, &'s str>,
    /// Authority code -> the area that first listed it and where, to catch one council in two areas.
    claimed: HashMap<String, (String, Location)>,
}

impl<'s> AreaChecker<'s> {
    pub fn new(origin: &'s str, contacts: &'s ContactBook, index: &'s PostcodeIndex) -> Self {
        let out_of_hours_lines =
            contacts.all().iter().filter_map(|c| c.out_of_hours.as_deref().map(|o| (o, c.id.as_str()))).collect();
        AreaChecker { file: FileChecker::new(origin), contacts, index, out_of_hours_lines, claimed: HashMap::new() }
    }

    /// The areas if the file has no errors, and the file's diagnostics either way.
    pub fn check(mut self, text: &str) -> (Option<AreaSet>, Vec<Diagnostic>) {
        let areas = self.file.load(text).and_then(|raw| self.areas(&raw));
        (areas, self.file.into_diags())
    }

    fn areas(&mut self, raw: &RawAreasFile) -> Option<AreaSet> {
        let mut areas: Vec<Area> = Vec::new();
        let mut raw_kept: Vec<&Spanned<RawArea>> = Vec::new();
        for entry in &raw.areas {
            if let Some(area) = self.area(entry, &areas) {
                areas.push(area);
                raw_kept.push(entry);
            }
        }
        match areas.iter().position(|a| a.id.is_elsewhere()) {
            None => self
                .file
                .err(self.file.whole(), format!("no area has `id: {ELSEWHERE}`; the national route must be offered")),
            Some(i) if i + 1 != areas.len() => {
                let at = raw_kept[i].id.as_ref().map_or_else(|| self.file.whole(), |id| self.file.at(id));
                self.file.err(at, format!("area \"{ELSEWHERE}\" must be the last area, so its button comes last"));
            }
            Some(_) => {}
        }

        let names = NameIndexer::new(&mut self.file).index(&areas, &raw_kept, raw);
        (!self.file.has_errors()).then_some(AreaSet { areas, names })
    }

    /// One area, or `None` if it cannot be built; `earlier` are the areas kept so far.
    fn area(&mut self, entry: &Spanned<RawArea>, earlier: &[Area]) -> Option<Area> {
        let at = self.file.at(entry);
        let id_text = self.file.required(&entry.id, "id", "this area", &at)?;
        let id_at = self.file.at(id_text);
        let id = match AreaId::parse(id_text) {
            Ok(id) => id,
            Err(message) => {
                self.file.err(id_at, message);
                return None;
            }
        };
        let what = format!("area \"{id}\"");
        if earlier.iter().any(|a| a.id == id) {
            self.file.err(id_at, format!("{what} is defined twice"));
            return None;
        }
        // Problems with the area as a whole are reported at its id, which names it.
        let at = id_at;
        let label = self.file.required(&entry.label, "label", &what, &at);
        if let Some(label) = label {
            let chars = label.trim().chars().count();
            if chars > MAX_LABEL_CHARS {
                self.file.err(
                    self.file.at(label),
                    format!("the label of {what} is {chars} characters; buttons fit {MAX_LABEL_CHARS}"),
                );
            }
        }
        let name = self.file.required(&entry.name, "name", &what, &at);
        let force = self.file.required(&entry.force, "force", &what, &at);

        if id.is_elsewhere() {
            let extras = [(!entry.authorities.is_empty(), "authorities"), (!entry.towns.is_empty(), "towns")];
            for (present, key) in extras {
                if present {
                    self.file.err(at.clone(), format!("{what} is the national route; it cannot have `{key}:`"));
                }
            }
        } else {
            self.authorities(&what, entry, &at);
        }

        let (adult_contacts, young_person_contacts) = match &entry.contacts {
            None => {
                self.file.err(at, format!("{what} has no `contacts:`"));
                (Vec::new(), Vec::new())
            }
            Some(lists) => self.contact_lists(&what, lists),
        };

        let (label, name, force) = (label?, name?, force?);
        Some(Area {
            id,
            label: label.trim().to_string(),
            name: name.trim().to_string(),
            force: force.trim().to_string(),
            authorities: entry.authorities.iter().map(|c| c.trim().to_string()).collect(),
            adult_contacts,
            young_person_contacts,
        })
    }

    /// The area's `adult:` and `young_person:` contact ids, each a contact that suits that
    /// reader, listed once, and neither 999 nor an out-of-hours line (both are added by themselves).
    fn contact_lists(&mut self, what: &str, lists: &Spanned<RawAreaContacts>) -> (Vec<String>, Vec<String>) {
        let lists_at = self.file.at(lists);
        let mut kept = (Vec::new(), Vec::new());
        for (young, refs, out) in [(false, &lists.adult, &mut kept.0), (true, &lists.young_person, &mut kept.1)] {
            let who = if young { "young_person" } else { "adult" };
            if refs.is_empty() {
                self.file.err(lists_at.clone(), format!("{what} has no `{who}:` contacts"));
            }
            for r in refs {
                let r_at = self.file.at(r);
                let Some(contact) = self.contacts.get(r) else {
                    self.file.err(
                        r_at,
                        format!("{what} lists contact \"{}\", which is not in the contacts file", r.as_str()),
                    );
                    continue;
                };
                if contact.kind == ContactKind::Emergency {
                    self.file.err(r_at, "999 ends every block by itself; do not list it");
                } else if let Some(day) = self.out_of_hours_lines.get(contact.id.as_str()) {
                    self.file.err(
                        r_at,
                        format!(
                            "\"{}\" is shown with \"{day}\" as its out-of-hours line; list \"{day}\" only",
                            contact.id
                        ),
                    );
                } else if !contact.audience.suits(young) {
                    self.file.err(
                        r_at,
                        format!(
                            "contact \"{}\" is not for the `{who}:` block (its audience does not include them)",
                            contact.id
                        ),
                    );
                } else if out.contains(&contact.id) {
                    self.file.err(r_at, format!("contact \"{}\" is listed twice", contact.id));
                } else {
                    out.push(contact.id.clone());
                }
            }
        }
        kept
    }

    /// An area's `authorities:` must be codes the index knows, and no council may be in two
    /// areas: a county and one of its districts count as the same council's ground.
    fn authorities(&mut self, what: &str, entry: &RawArea, at: &Location) {
        if entry.authorities.is_empty() {
            self.file.err(
                at.clone(),
                format!("{what} has no `authorities:` (the ONS codes of the councils it covers, e.g. E10000003)"),
            );
        }
        let index = self.index;
        for code in &entry.authorities {
            let code_at = self.file.at(code);
            let Some(id) = index.find_code(code.trim()) else {
                self.file.err(
                    code_at,
                    format!(
                        "authority \"{}\" is not in the postcode index (edition {})",
                        code.as_str(),
                        index.edition()
                    ),
                );
                continue;
            };
            let authority = index.authority(id);
            if !authority.in_england() {
                self.file.err(code_at, format!("{} is {}, outside England", authority.code, authority.name));
                continue;
            }
            // Everything this code covers: itself, and the districts under it if it is a county.
            let covers: Vec<String> = index
                .authorities()
                .filter(|(other, a)| *other == id || a.upper == id)
                .map(|(_, a)| a.code.clone())
                .collect();
            for covered in covers {
                match self.claimed.get(&covered) {
                    Some((area, first)) if area != what => {
                        let message = format!(
                            "{} ({}) is already covered by {area} (at {first}); a council belongs to one area",
                            authority.code, authority.name
                        );
                        self.file.err(code_at, message);
                        break;
                    }
                    Some(_) => {}
                    None => {
                        self.claimed.insert(covered, (what.to_string(), code_at.clone()));
                    }
                }
            }
        }
    }
}

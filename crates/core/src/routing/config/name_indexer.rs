//! The [`NameIndexer`]: every name a user may type for a place (area names, towns, places
//! outside, "I don't know" phrases) into the [`NameIndex`], each checked as it is added.

use super::file_checker::FileChecker;
use super::raw::{RawArea, RawAreasFile};
use crate::diag::Location;
use crate::routing::area::Area;
use crate::routing::place::{place_key, NameIndex, NameKind, Target};
use crate::yaml::Spanned;
use std::collections::HashMap;

/// Adds names from the areas file to the index, reporting in that file's checker.
pub(super) struct NameIndexer<'f, 's> {
    file: &'f mut FileChecker<'s>,
    index: NameIndex,
    /// Normalised name -> where it was first given and where it led.
    seen: HashMap<String, (Location, Target)>,
}

impl<'f, 's> NameIndexer<'f, 's> {
    pub fn new(file: &'f mut FileChecker<'s>) -> Self {
        NameIndexer { file, index: NameIndex::default(), seen: HashMap::new() }
    }

    /// The index of `areas` (with `raw`, the entry each was built from) and of the places and
    /// phrases in `file`.
    pub fn index(mut self, areas: &[Area], raw: &[&Spanned<RawArea>], file: &RawAreasFile) -> NameIndex {
        for (i, (area, entry)) in areas.iter().zip(raw).enumerate() {
            let target = Target::Area(i);
            // Button presses send the id; some clients send the label text back.
            self.index.add(area.id.as_str(), NameKind::ButtonId, target.clone());
            self.index.add(&area.label, NameKind::ButtonLabel, target.clone());
            for value in entry.name.iter().chain(&entry.names) {
                self.add(value, NameKind::AreaName, target.clone());
            }
            for value in &entry.towns {
                self.add(value, NameKind::Town, target.clone());
            }
        }
        for entry in &file.outside {
            let at = self.file.at(entry);
            let name = self.file.required(&entry.name, "name", "this outside place", &at);
            let region = self.file.required(&entry.region, "in", "this outside place", &at);
            if let (Some(name), Some(region)) = (name, region) {
                let target = Target::Outside { region: region.trim().to_string() };
                self.add(name, NameKind::OutsidePlace, target);
            }
        }
        for phrase in &file.unknown_phrases {
            self.add(phrase, NameKind::Phrase, Target::Unknown);
        }
        self.index
    }

    fn add(&mut self, value: &Spanned<String>, kind: NameKind, target: Target) {
        let at = self.file.at(value);
        let key = place_key(value);
        if key.is_empty() {
            self.file.err(at, format!("\"{}\" has no letters to match", value.as_str()));
            return;
        }
        if key.chars().any(|c| c.is_ascii_digit()) {
            self.file
                .err(at, format!("\"{}\" has digits; names with digits would be read as postcodes", value.as_str()));
            return;
        }
        match self.seen.get(&key) {
            Some((first, earlier)) => {
                if (*earlier == Target::Unknown) != (target == Target::Unknown) {
                    let message = format!(
                        "\"{}\" is both a place and an \"I don't know\" phrase (first at {first})",
                        value.as_str()
                    );
                    self.file.err(at, message);
                    return;
                }
                if *earlier == target {
                    let message =
                        format!("\"{}\" is listed twice for the same place (first at {first})", value.as_str());
                    self.file.warn(at, message);
                }
            }
            None => {
                self.seen.insert(key, (at, target.clone()));
            }
        }
        self.index.add(value, kind, target);
    }
}

//! Postcodes: reading what a user typed as a postcode district, and the table of which police
//! forces each district touches (`config/postcode-districts.txt`).
//!
//! Only the district (outward code, "CB4") is kept from a full postcode: it is all the table
//! can use, and a full postcode is close to an address, so it should not travel further.
//! This module knows nothing about areas or contacts; the router maps forces to areas.

use crate::diag::{Diagnostic, Location};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::OnceLock;

/// Every postcode area in the UK and Crown Dependencies (Royal Mail), so "SW1A 1AA" is known to
/// be a real place outside our table while "ZZ1 1AA" is known to be a mistake.
const UK_POSTCODE_AREAS: &[&str] = &[
    "AB", "AL", "B", "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "BX", "CA", "CB", "CF", "CH", "CM",
    "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX",
    "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE",
    "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG",
    "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG",
    "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW",
    "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
];

/// A postcode district (outward code) such as `CB4`, `SW1A` or `M1`: uppercase, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostcodeDistrict(String);

impl PostcodeDistrict {
    /// Accepts the shapes Royal Mail uses (A9, A99, AA9, AA99, A9A, AA9A) in any case.
    pub fn parse(text: &str) -> Option<PostcodeDistrict> {
        let upper = text.trim().to_ascii_uppercase();
        district_re().is_match(&upper).then_some(PostcodeDistrict(upper))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The letters at the start: `CB` for `CB4`, `M` for `M1`.
    pub fn area(&self) -> &str {
        let end = self.0.find(|c: char| c.is_ascii_digit()).unwrap_or(self.0.len());
        &self.0[..end]
    }

    /// Is this district's postcode area a real one? ("ZZ1" is not.)
    pub fn in_real_area(&self) -> bool {
        UK_POSTCODE_AREAS.contains(&self.area())
    }
}

impl fmt::Display for PostcodeDistrict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a piece of typed text is, as a postcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostcodeInput {
    /// A district alone ("pe19", "PE 19").
    District(PostcodeDistrict),
    /// A full or partial postcode ("cb4 1ab", "CB41AB", "CB4 1"); only its district is kept.
    Full(PostcodeDistrict),
    /// Looks like a postcode attempt (letters then digits) but is not a valid shape.
    Malformed,
}

fn district_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[A-Z]{1,2}[0-9]([0-9]|[A-Z])?$").expect("valid regex"))
}

fn full_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^([A-Z]{1,2}[0-9]([0-9]|[A-Z])?)([0-9][A-Z]{2})$").expect("valid regex"))
}

fn inward_part_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[0-9][A-Z]{0,2}$").expect("valid regex"))
}

fn postcode_like_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[A-Z]{1,2}[0-9][A-Z0-9]{0,5}$").expect("valid regex"))
}

/// Read typed text as a postcode. `None` when it does not look like one at all (a town name),
/// so the caller can try names next. Case and spacing do not matter.
pub fn parse_postcode(typed: &str) -> Option<PostcodeInput> {
    let upper = typed.trim().to_ascii_uppercase();
    let tokens: Vec<&str> = upper.split_whitespace().collect();
    // "LU1  3JH", "CB4 1": the first token is the district, the rest an inward code or sector.
    if let [outward, inward] = tokens.as_slice() {
        if district_re().is_match(outward) && inward_part_re().is_match(inward) {
            return Some(PostcodeInput::Full(PostcodeDistrict(outward.to_string())));
        }
    }
    let compact: String = tokens.concat();
    if let Some(caps) = full_re().captures(&compact) {
        return Some(PostcodeInput::Full(PostcodeDistrict(caps[1].to_string())));
    }
    if district_re().is_match(&compact) {
        return Some(PostcodeInput::District(PostcodeDistrict(compact)));
    }
    if postcode_like_re().is_match(&compact) {
        return Some(PostcodeInput::Malformed);
    }
    None
}

/// A full postcode among other words ("my postcode is PE1 1AA please", "Luton LU4 9AA"): only a
/// full one, as a district alone among words may be something else ("on the M1").
pub fn find_postcode(typed: &str) -> Option<PostcodeInput> {
    let tokens: Vec<&str> = typed.split_whitespace().collect();
    [2, 1].into_iter().flat_map(|n| tokens.windows(n)).find_map(|words| match parse_postcode(&words.join(" ")) {
        Some(full @ PostcodeInput::Full(_)) => Some(full),
        _ => None,
    })
}

/// Which forces a district touches, from the ONS-derived table. `?NaN` entries (postcodes with no
/// local authority) are dropped when reading: they say nothing about where anyone lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictForces {
    /// Force code ("CAMBS") with its number of postcodes, largest first as in the file.
    pub forces: Vec<(String, u32)>,
    /// Where the entry is, for diagnostics that point back at the table.
    pub location: Location,
}

/// The whole table: district -> forces, plus the postcode areas it covers completely.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DistrictTable {
    districts: BTreeMap<PostcodeDistrict, DistrictForces>,
    areas: BTreeSet<String>,
}

impl DistrictTable {
    pub fn get(&self, district: &PostcodeDistrict) -> Option<&DistrictForces> {
        self.districts.get(district)
    }

    /// The table lists every district of each postcode area it has a line for, so a district
    /// missing from a listed area (e.g. "CB30") is not a real district.
    pub fn covers_area(&self, area: &str) -> bool {
        self.areas.contains(area)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&PostcodeDistrict, &DistrictForces)> {
        self.districts.iter()
    }

    /// Read `postcode-districts.txt`: `#` comments, then one line per postcode area:
    /// `CB: *CB1[CAMBS:2776 Essex:12];  CB2[CAMBS:1968]; ...`. A leading `*` marks a district
    /// spanning several forces; we check it against the counts and warn if they disagree.
    pub fn parse(src: &str, origin: &str) -> Result<(DistrictTable, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut table = DistrictTable::default();
        let mut diags = Vec::new();
        for (index, line) in src.lines().enumerate() {
            let line_no = index + 1;
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let at = |col: usize| Location::new(origin, line_no, col + 1);
            let Some((area, rest)) = line.split_once(':') else {
                diags.push(at(0).error("expected \"AREA: district[FORCE:count ...]; ...\""));
                continue;
            };
            let area = area.trim().to_string();
            table.areas.insert(area.clone());
            let mut offset = area.len() + 1;
            for entry in rest.split(';') {
                let col = offset + (entry.len() - entry.trim_start().len());
                offset += entry.len() + 1;
                let entry = entry.trim();
                if entry.is_empty() {
                    continue;
                }
                match parse_entry(entry, &area) {
                    Ok((district, marked_split, forces)) => {
                        let split = forces.len() > 1;
                        if marked_split != split {
                            diags.push(at(col).warning(format!(
                                "{district} is {} '*' but its counts name {} force(s); check the table",
                                if marked_split { "marked with" } else { "not marked with" },
                                forces.len()
                            )));
                        }
                        let location = at(col);
                        if table.districts.contains_key(&district) {
                            diags.push(location.error(format!("{district} is listed twice")));
                            continue;
                        }
                        table.districts.insert(district, DistrictForces { forces, location });
                    }
                    Err(message) => diags.push(at(col).error(message)),
                }
            }
        }
        if table.districts.is_empty() && diags.is_empty() {
            diags.push(Location::file(origin).error("no postcode districts found"));
        }
        if diags.iter().any(Diagnostic::is_error) {
            Err(diags)
        } else {
            Ok((table, diags))
        }
    }
}

type Entry = (PostcodeDistrict, bool, Vec<(String, u32)>);

/// `*CB1[CAMBS:2776 Essex:12 ?NaN:1]` -> (CB1, true, [(CAMBS, 2776), (Essex, 12)]).
fn parse_entry(entry: &str, area: &str) -> Result<Entry, String> {
    let (marked, body) = match entry.strip_prefix('*') {
        Some(rest) => (true, rest),
        None => (false, entry),
    };
    let (name, counts) = body
        .strip_suffix(']')
        .and_then(|b| b.split_once('['))
        .ok_or_else(|| format!("\"{entry}\" should look like CB1[CAMBS:2776 Essex:12]"))?;
    let district = PostcodeDistrict::parse(name).ok_or_else(|| format!("\"{name}\" is not a postcode district"))?;
    if district.area() != area {
        return Err(format!("{district} is on the line for {area}"));
    }
    let mut forces = Vec::new();
    for pair in counts.split_whitespace() {
        let (force, count) =
            pair.split_once(':').ok_or_else(|| format!("\"{pair}\" in {district} should be FORCE:count"))?;
        let count: u32 = count.parse().map_err(|_| format!("\"{count}\" in {district} is not a count"))?;
        if force.starts_with('?') {
            continue;
        }
        forces.push((force.to_string(), count));
    }
    if forces.is_empty() {
        return Err(format!("{district} names no police force"));
    }
    Ok((district, marked, forces))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn district(s: &str) -> PostcodeDistrict {
        PostcodeDistrict::parse(s).unwrap()
    }

    #[test]
    fn typed_postcodes_are_read_whatever_the_case_and_spacing() {
        use PostcodeInput::*;
        let cases: &[(&str, Option<PostcodeInput>)] = &[
            ("cb4 1ab", Some(Full(district("CB4")))),
            ("CB41AB", Some(Full(district("CB4")))),
            ("lu1  3jh", Some(Full(district("LU1")))),
            ("  BH23 1AA ", Some(Full(district("BH23")))),
            ("SW1A 1AA", Some(Full(district("SW1A")))),
            ("CB4 1", Some(Full(district("CB4")))),
            ("pe19", Some(District(district("PE19")))),
            ("PE 19", Some(District(district("PE19")))),
            ("M1", Some(District(district("M1")))),
            ("w1a", Some(District(district("W1A")))),
            ("CB4 1ABX", Some(Malformed)),
            ("PE1234", Some(Malformed)),
            ("St Neots", None),
            ("101", None),
            ("", None),
        ];
        for (typed, want) in cases {
            assert_eq!(&parse_postcode(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn a_full_postcode_is_found_among_other_words() {
        use PostcodeInput::*;
        let cases: &[(&str, Option<PostcodeInput>)] = &[
            ("my postcode is pe1 1aa", Some(Full(district("PE1")))),
            ("pe1 1aa please", Some(Full(district("PE1")))),
            ("pe1 1aa peterborough", Some(Full(district("PE1")))),
            ("luton lu4 9aa", Some(Full(district("LU4")))),
            ("it is cb41ab i think", Some(Full(district("CB4")))),
            ("she was on the m1", None),
            ("she is 14 and lives near here", None),
            ("st neots", None),
        ];
        for (typed, want) in cases {
            assert_eq!(&find_postcode(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn districts_know_their_area_and_whether_it_is_real() {
        assert_eq!(district("SW1A").area(), "SW");
        assert_eq!(district("M1").area(), "M");
        assert!(district("EH1").in_real_area());
        assert!(!district("ZZ1").in_real_area());
    }

    #[test]
    fn the_table_is_read_with_nan_dropped_and_splits_checked() {
        let src = "# comment\n\nCB: *CB1[CAMBS:2776 Essex:12];  CB2[CAMBS:1968 ?NaN:1]\n";
        let (table, warnings) = DistrictTable::parse(src, "d.txt").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let cb1 = table.get(&district("CB1")).unwrap();
        assert_eq!(cb1.forces, vec![("CAMBS".into(), 2776), ("Essex".into(), 12)]);
        assert_eq!(cb1.location.to_string(), "d.txt:3:5");
        let cb2 = table.get(&district("CB2")).unwrap();
        assert_eq!(cb2.forces, vec![("CAMBS".into(), 1968)]);
        assert_eq!(cb2.location.to_string(), "d.txt:3:33");
        assert!(table.covers_area("CB"));
        assert!(!table.covers_area("SW"));
    }

    #[test]
    fn table_mistakes_are_located() {
        let cases: &[(&str, &str, bool)] = &[
            ("CB: CB1[CAMBS:x]", "d.txt:1:5: \"x\" in CB1 is not a count", true),
            ("CB: CB1 CAMBS", "d.txt:1:5: \"CB1 CAMBS\" should look like", true),
            ("CB: PE1[CAMBS:1]", "d.txt:1:5: PE1 is on the line for CB", true),
            ("CB: CB1[?NaN:3]", "d.txt:1:5: CB1 names no police force", true),
            ("CB: CB1[A:1]; CB1[A:2]", "d.txt:1:15: CB1 is listed twice", true),
            ("no colon here", "d.txt:1:1: expected", true),
            ("CB: CB1[A:1 B:2]", "d.txt:1:5: warning: CB1 is not marked with '*'", false),
        ];
        for (src, want, is_error) in cases {
            let diags = match DistrictTable::parse(src, "d.txt") {
                Ok((_, warnings)) => warnings,
                Err(errors) => errors,
            };
            assert!(
                diags.iter().any(|d| d.to_string().starts_with(want) && d.is_error() == *is_error),
                "{src}: want {want}, got {diags:?}"
            );
        }
    }
}

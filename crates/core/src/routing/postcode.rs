//! Postcodes: reading what a user typed as a full postcode, a sector ("CB1 2") or a district
//! ("CB1"). Which authority each is in is the index's business (`index.rs`).
//!
//! A full postcode is close to an address: it is used for one lookup and never kept, logged or
//! echoed; what travels further is the district and the authority found.

use regex::Regex;
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

/// A postcode sector: the district and the first digit of the inward code ("CB1 2").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostcodeSector {
    district: PostcodeDistrict,
    digit: u8,
}

impl PostcodeSector {
    pub fn new(district: PostcodeDistrict, digit: u8) -> PostcodeSector {
        PostcodeSector { district, digit }
    }

    pub fn district(&self) -> &PostcodeDistrict {
        &self.district
    }

    /// The digit as an ASCII byte (`b'2'`).
    pub fn digit(&self) -> u8 {
        self.digit
    }
}

impl fmt::Display for PostcodeSector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.district, self.digit as char)
    }
}

/// A full postcode ("CB1 2AB"). Deliberately not `Display`: it should not end up in text.
#[derive(Clone, PartialEq, Eq)]
pub struct Postcode {
    sector: PostcodeSector,
    unit: [u8; 2],
}

impl Postcode {
    /// Any case and spacing: "cb12ab", "CB1 2AB".
    pub fn parse(text: &str) -> Option<Postcode> {
        match parse_postcode(text)? {
            PostcodeInput::Full(p) => Some(p),
            _ => None,
        }
    }

    pub fn sector(&self) -> &PostcodeSector {
        &self.sector
    }

    pub fn district(&self) -> &PostcodeDistrict {
        &self.sector.district
    }

    /// The last two letters.
    pub fn unit(&self) -> &[u8; 2] {
        &self.unit
    }
}

impl fmt::Debug for Postcode {
    /// Only the sector: a debug print must not carry the whole postcode into a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Postcode({} ..)", self.sector)
    }
}

/// What a piece of typed text is, as a postcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostcodeInput {
    /// A district alone ("pe19", "PE 19").
    District(PostcodeDistrict),
    /// A sector ("CB4 1").
    Sector(PostcodeSector),
    /// A full postcode ("cb4 1ab", "CB41AB").
    Full(Postcode),
    /// Looks like a postcode attempt (letters then digits) but is not a valid shape.
    Malformed,
}

impl PostcodeInput {
    /// The district, whichever shape was typed.
    pub fn district(&self) -> Option<&PostcodeDistrict> {
        match self {
            PostcodeInput::District(d) => Some(d),
            PostcodeInput::Sector(s) => Some(s.district()),
            PostcodeInput::Full(p) => Some(p.district()),
            PostcodeInput::Malformed => None,
        }
    }
}

fn district_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[A-Z]{1,2}[0-9]([0-9]|[A-Z])?$").expect("valid regex"))
}

fn full_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^([A-Z]{1,2}[0-9]([0-9]|[A-Z])?)([0-9])([A-Z]{2})$").expect("valid regex"))
}

fn inward_part_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[0-9][A-Z]{0,2}$").expect("valid regex"))
}

fn postcode_like_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[A-Z]{1,2}[0-9][A-Z0-9]{0,5}$").expect("valid regex"))
}

fn full(district: &str, inward: &[u8]) -> PostcodeInput {
    let sector = PostcodeSector { district: PostcodeDistrict(district.to_string()), digit: inward[0] };
    match inward {
        [_, a, b] => PostcodeInput::Full(Postcode { sector, unit: [*a, *b] }),
        // "CB4 1A": one letter short of a postcode, but the sector is clear.
        _ => PostcodeInput::Sector(sector),
    }
}

/// Read typed text as a postcode. `None` when it does not look like one at all (a town name),
/// so the caller can try names next. Case and spacing do not matter.
pub fn parse_postcode(typed: &str) -> Option<PostcodeInput> {
    let upper = typed.trim().to_ascii_uppercase();
    let tokens: Vec<&str> = upper.split_whitespace().collect();
    // "LU1  3JH", "CB4 1": the first token is the district, the rest an inward code or sector.
    if let [outward, inward] = tokens.as_slice() {
        if district_re().is_match(outward) && inward_part_re().is_match(inward) {
            return Some(full(outward, inward.as_bytes()));
        }
    }
    let compact: String = tokens.concat();
    if let Some(caps) = full_re().captures(&compact) {
        let inward = format!("{}{}", &caps[3], &caps[4]);
        return Some(full(&caps[1], inward.as_bytes()));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn district(s: &str) -> PostcodeDistrict {
        PostcodeDistrict::parse(s).unwrap()
    }

    /// What was read, as text: the whole postcode only here, in a test.
    fn read(input: Option<PostcodeInput>) -> Option<String> {
        input.map(|i| match i {
            PostcodeInput::District(d) => format!("district {d}"),
            PostcodeInput::Sector(s) => format!("sector {s}"),
            PostcodeInput::Full(p) => format!("full {} {}", p.sector(), String::from_utf8_lossy(p.unit())),
            PostcodeInput::Malformed => "malformed".to_string(),
        })
    }

    #[test]
    fn typed_postcodes_are_read_whatever_the_case_and_spacing() {
        let cases: &[(&str, Option<&str>)] = &[
            ("cb4 1ab", Some("full CB4 1 AB")),
            ("CB41AB", Some("full CB4 1 AB")),
            ("lu1  3jh", Some("full LU1 3 JH")),
            ("  BH23 1AA ", Some("full BH23 1 AA")),
            ("SW1A 1AA", Some("full SW1A 1 AA")),
            ("CB4 1", Some("sector CB4 1")),
            ("CB4 1A", Some("sector CB4 1")),
            ("pe19", Some("district PE19")),
            ("PE 19", Some("district PE19")),
            ("M1", Some("district M1")),
            ("w1a", Some("district W1A")),
            ("CB4 1ABX", Some("malformed")),
            ("PE1234", Some("malformed")),
            ("St Neots", None),
            ("101", None),
            ("", None),
        ];
        for (typed, want) in cases {
            assert_eq!(read(parse_postcode(typed)).as_deref(), *want, "{typed:?}");
        }
    }

    #[test]
    fn a_full_postcode_is_found_among_other_words() {
        let cases: &[(&str, Option<&str>)] = &[
            ("my postcode is pe1 1aa", Some("full PE1 1 AA")),
            ("pe1 1aa please", Some("full PE1 1 AA")),
            ("pe1 1aa peterborough", Some("full PE1 1 AA")),
            ("luton lu4 9aa", Some("full LU4 9 AA")),
            ("it is cb41ab i think", Some("full CB4 1 AB")),
            ("she was on the m1", None),
            ("she is 14 and lives near here", None),
            ("st neots", None),
        ];
        for (typed, want) in cases {
            assert_eq!(read(find_postcode(typed)).as_deref(), *want, "{typed:?}");
        }
    }

    #[test]
    fn a_full_postcode_never_prints_whole() {
        let p = Postcode::parse("cb4 1ab").unwrap();
        assert_eq!(format!("{p:?}"), "Postcode(CB4 1 ..)");
        assert_eq!(p.district(), &district("CB4"));
    }

    #[test]
    fn districts_know_their_area_and_whether_it_is_real() {
        assert_eq!(district("SW1A").area(), "SW");
        assert_eq!(district("M1").area(), "M");
        assert!(district("EH1").in_real_area());
        assert!(!district("ZZ1").in_real_area());
    }
}

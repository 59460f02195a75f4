//! The postcode index (`config/postcode-index.txt`): which local authority every postcode in
//! the ONS Postcode Directory is in, and which council runs children's services there.
//!
//! Built by `scripts/postcode-index/build.py` (the format is described beside it). Sectors
//! ("CB1 2") wholly in one authority take one line; split sectors list each postcode's authority.
//! A sector also records which postcodes exist, so a full postcode is either found exactly or
//! known to be missing (new, mistyped, or left out for having no location), never guessed.
//!
//! Owns reading the file and answering lookups. It knows nothing about areas or contacts.

use super::postcode::{Postcode, PostcodeDistrict, PostcodeSector};
use crate::diag::{Diagnostic, Location};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

/// Royal Mail's letters for the last two characters of a postcode (never C, I, K, M, O or V).
pub const UNIT_LETTERS: &[u8; 20] = b"ABDEFGHJLNPQRSTUWXYZ";
const UNITS: usize = UNIT_LETTERS.len() * UNIT_LETTERS.len();
const WORDS: usize = UNITS.div_ceil(64);
const PALETTE_DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// An authority in the index, by its number there. Only an index hands these out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuthorityId(u16);

impl AuthorityId {
    /// Its position in [`PostcodeIndex::authorities`], for tables kept beside the index.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// A local authority district (E06 unitary, E07 district, E08 metropolitan borough, E09 London
/// borough), an E10 county, or one pseudo-authority per country outside England.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// ONS code: `E07000008`.
    pub code: String,
    /// ONS name: `Cambridge`.
    pub name: String,
    /// The council that runs children's services here: the county where there is one,
    /// otherwise the authority itself.
    pub upper: AuthorityId,
}

impl Authority {
    /// Councils in England have codes starting `E`; the rest are whole countries.
    pub fn in_england(&self) -> bool {
        self.code.starts_with('E')
    }

    /// A county council (E10): its name is "<name> County Council".
    pub fn is_county(&self) -> bool {
        self.code.starts_with("E10")
    }
}

/// What the index holds for a full postcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitLookup {
    Found(AuthorityId),
    /// The sector is known but this postcode is not in it.
    NotInSector,
    /// The index has no such sector.
    NoSector,
}

#[derive(Debug, Clone)]
enum SectorAuthorities {
    Whole(AuthorityId),
    /// `lists[start..start + len]` are the sector's authorities; `palette[at..]` has one local
    /// index per postcode present, in bitmap order.
    Split {
        start: u32,
        len: u8,
        at: u32,
    },
}

#[derive(Debug, Clone)]
struct Sector {
    key: u64,
    present: [u64; WORDS],
    authorities: SectorAuthorities,
}

/// The whole index, shared (the router holds it behind an `Arc`). The header and authority
/// lines are read at once, as config validation needs them; the 12,000-odd sector lines are read
/// on the first postcode lookup (or [`PostcodeIndex::warm`]), so loading the config stays fast
/// and the first reply, which is rarely a postcode, is not held up.
#[derive(Debug, Default)]
pub struct PostcodeIndex {
    edition: String,
    generated: String,
    authorities: Vec<Authority>,
    by_code: HashMap<String, AuthorityId>,
    source: Arc<str>,
    origin: String,
    tables: OnceLock<(Tables, Vec<Diagnostic>)>,
}

/// The sector lines, read.
#[derive(Debug, Default)]
struct Tables {
    /// Sorted by key, for binary search.
    sectors: Vec<Sector>,
    lists: Vec<AuthorityId>,
    palette: Vec<u8>,
    /// District -> (authority, number of postcodes), largest first.
    districts: BTreeMap<PostcodeDistrict, Vec<(AuthorityId, u32)>>,
    /// Postcode areas ("CB") the index has any sector in, sorted.
    areas: Vec<String>,
}

impl PostcodeIndex {
    /// "ONSPD November 2025": which edition of the data this is.
    pub fn edition(&self) -> &str {
        &self.edition
    }

    /// The date the index was generated.
    pub fn generated(&self) -> &str {
        &self.generated
    }

    pub fn authority(&self, id: AuthorityId) -> &Authority {
        &self.authorities[usize::from(id.0)]
    }

    /// Every authority with its id, in the file's order.
    pub fn authorities(&self) -> impl Iterator<Item = (AuthorityId, &Authority)> {
        self.authorities.iter().enumerate().map(|(i, a)| (AuthorityId(i as u16), a))
    }

    pub fn find_code(&self, code: &str) -> Option<AuthorityId> {
        self.by_code.get(code).copied()
    }

    /// The children's services authority for `id`.
    pub fn upper(&self, id: AuthorityId) -> AuthorityId {
        self.authority(id).upper
    }

    /// Read the sector lines now rather than at the first lookup.
    pub fn warm(&self) {
        self.tables();
    }

    /// Every problem in the sector lines (`signpost check` and the tests call this; the bot
    /// skips a bad line and carries on).
    pub fn check(&self) -> Vec<Diagnostic> {
        self.tables.get_or_init(|| Tables::parse(&self.source, &self.origin, self.authorities.len())).1.clone()
    }

    fn tables(&self) -> &Tables {
        &self.tables.get_or_init(|| Tables::parse(&self.source, &self.origin, self.authorities.len())).0
    }

    /// Does the index know this postcode area at all? ("CB" yes; "ZZ" no.)
    pub fn has_area(&self, area: &str) -> bool {
        self.tables().areas.binary_search_by(|a| a.as_str().cmp(area)).is_ok()
    }

    pub fn sector_count(&self) -> usize {
        self.tables().sectors.len()
    }

    /// The authority of one full postcode, exactly.
    pub fn unit(&self, postcode: &Postcode) -> UnitLookup {
        let t = self.tables();
        let Some(sector) = t.find_sector(postcode.sector()) else {
            return UnitLookup::NoSector;
        };
        let Some(bit) = unit_bit(postcode.unit()) else {
            return UnitLookup::NotInSector;
        };
        if !is_set(&sector.present, bit) {
            return UnitLookup::NotInSector;
        }
        UnitLookup::Found(match sector.authorities {
            SectorAuthorities::Whole(a) => a,
            SectorAuthorities::Split { start, at, .. } => {
                let rank = rank(&sector.present, bit);
                let local = t.palette[at as usize + rank];
                t.lists[start as usize + usize::from(local)]
            }
        })
    }

    /// The authorities of a sector with their numbers of postcodes, largest first.
    pub fn sector(&self, sector: &PostcodeSector) -> Option<Vec<(AuthorityId, u32)>> {
        let t = self.tables();
        t.find_sector(sector).map(|s| t.spread(s))
    }

    /// The authorities of a district with their numbers of postcodes, largest first.
    pub fn district(&self, district: &PostcodeDistrict) -> Option<&[(AuthorityId, u32)]> {
        self.tables().districts.get(district).map(Vec::as_slice)
    }

    /// Rough bytes held once read, for the figures in SAFETY.md: the tables and the source text
    /// kept for reading them, not allocator overhead.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let t = self.tables();
        let authorities: usize =
            self.authorities.iter().map(|a| size_of::<Authority>() + a.code.len() + a.name.len()).sum();
        let by_code = self.by_code.capacity() * (size_of::<(String, AuthorityId)>() + 9 + 1);
        let districts: usize = t
            .districts
            .iter()
            .map(|(d, v)| size_of::<(PostcodeDistrict, Vec<(AuthorityId, u32)>)>() + d.as_str().len() + v.len() * 8)
            .sum();
        authorities
            + by_code
            + self.source.len()
            + t.sectors.capacity() * size_of::<Sector>()
            + t.lists.capacity() * size_of::<AuthorityId>()
            + t.palette.capacity()
            + districts
            + t.areas.iter().map(|a| a.len() + size_of::<String>()).sum::<usize>()
    }

    /// Read the header and authority lines. `Ok` carries warnings; `Err` every problem, each at
    /// its line. The sector lines are read later (see [`PostcodeIndex::check`]).
    pub fn parse(src: &str, origin: &str) -> Result<(PostcodeIndex, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut index =
            PostcodeIndex { source: Arc::from(src), origin: origin.to_string(), ..PostcodeIndex::default() };
        let mut diags = Vec::new();
        let mut uppers: Vec<(usize, Location)> = Vec::new();
        for (n, line) in src.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let at = Location::new(origin, n + 1, 1);
            let kind = trimmed.split(' ').next().unwrap_or_default();
            let result = match kind {
                "edition" => {
                    index.edition = trimmed["edition".len()..].trim().to_string();
                    Ok(())
                }
                "generated" => {
                    index.generated = trimmed["generated".len()..].trim().to_string();
                    Ok(())
                }
                "A" => index.parse_authority(trimmed, &mut uppers, &at),
                // The authorities come first; the rest is read when first needed.
                "S" | "X" => break,
                other => Err(format!("unknown line kind \"{other}\"")),
            };
            if let Err(message) = result {
                diags.push(at.error(message));
            }
        }
        for (upper, at) in uppers.iter() {
            if *upper >= index.authorities.len() {
                diags.push(at.error(format!("upper tier authority {upper} is not in the file")));
            }
        }
        if index.edition.is_empty() {
            diags.push(Location::file(origin).error("no `edition` line: say which edition of the data this is"));
        }
        if index.authorities.is_empty() && diags.is_empty() {
            diags.push(Location::file(origin).error("no authorities found"));
        }
        if !crate::diag::has_errors(&diags) {
            for a in &index.authorities {
                let upper = index.authority(a.upper);
                if upper.upper != a.upper {
                    diags.push(Location::file(origin).error(format!(
                        "{} has upper tier {}, which has an upper tier of its own",
                        a.code, upper.code
                    )));
                }
            }
        }
        if crate::diag::has_errors(&diags) {
            Err(diags)
        } else {
            Ok((index, diags))
        }
    }

    /// `A <n> <code> <upper n> <name>`.
    fn parse_authority(
        &mut self,
        line: &str,
        uppers: &mut Vec<(usize, Location)>,
        at: &Location,
    ) -> Result<(), String> {
        let mut parts = line.splitn(5, ' ');
        let (_, number, code, upper, name) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next());
        let (Some(number), Some(code), Some(upper), Some(name)) = (number, code, upper, name) else {
            return Err("an authority line is `A <number> <code> <upper tier number> <name>`".to_string());
        };
        let number: usize = number.parse().map_err(|_| format!("\"{number}\" is not an authority number"))?;
        if number != self.authorities.len() {
            return Err(format!("authority {number} is out of order; expected {}", self.authorities.len()));
        }
        let upper: usize = upper.parse().map_err(|_| format!("\"{upper}\" is not an authority number"))?;
        let valid_code = code.len() == 9
            && code.as_bytes()[0].is_ascii_uppercase()
            && code.as_bytes()[1..].iter().all(u8::is_ascii_digit);
        if !valid_code {
            return Err(format!("\"{code}\" is not an ONS code (a letter and eight digits)"));
        }
        let id = AuthorityId(u16::try_from(number).map_err(|_| "too many authorities".to_string())?);
        if self.by_code.insert(code.to_string(), id).is_some() {
            return Err(format!("{code} is listed twice"));
        }
        uppers.push((upper, at.clone()));
        self.authorities.push(Authority {
            code: code.to_string(),
            name: name.trim().to_string(),
            upper: AuthorityId(u16::try_from(upper).unwrap_or(u16::MAX)),
        });
        Ok(())
    }
}

impl Tables {
    /// Every sector line of `src`; a bad line is reported and skipped.
    fn parse(src: &str, origin: &str, authorities: usize) -> (Tables, Vec<Diagnostic>) {
        let mut t = Tables::default();
        let mut diags = Vec::new();
        for (n, line) in src.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(' ').collect();
            let result = match fields[0] {
                "S" | "X" => t.parse_sector(&fields, authorities),
                // Read with the header.
                "A" | "edition" | "generated" => Ok(()),
                other => Err(format!("unknown line kind \"{other}\"")),
            };
            if let Err(message) = result {
                diags.push(Location::new(origin, n + 1, 1).error(message));
            }
        }
        if t.sectors.is_empty() && diags.is_empty() {
            diags.push(Location::file(origin).error("no postcode sectors found"));
        }
        t.finish(origin, &mut diags);
        (t, diags)
    }

    fn find_sector(&self, sector: &PostcodeSector) -> Option<&Sector> {
        let key = sector_key(sector.district().as_str(), sector.digit())?;
        self.sectors.binary_search_by_key(&key, |s| s.key).ok().map(|i| &self.sectors[i])
    }

    fn spread(&self, s: &Sector) -> Vec<(AuthorityId, u32)> {
        match s.authorities {
            SectorAuthorities::Whole(a) => vec![(a, s.present.iter().map(|w| w.count_ones()).sum())],
            SectorAuthorities::Split { start, len, at } => {
                let count: usize = s.present.iter().map(|w| w.count_ones() as usize).sum();
                let mut counts = vec![0u32; usize::from(len)];
                for &local in &self.palette[at as usize..at as usize + count] {
                    counts[usize::from(local)] += 1;
                }
                let mut out: Vec<(AuthorityId, u32)> =
                    counts.iter().enumerate().map(|(i, c)| (self.lists[start as usize + i], *c)).collect();
                out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                out
            }
        }
    }

    /// `S <outward> <digit> <n> <hex>` or `X <outward> <digit> <n,n,...> <hex> <palette>`.
    fn parse_sector(&mut self, fields: &[&str], authorities: usize) -> Result<(), String> {
        let split = fields[0] == "X";
        let want = if split { 6 } else { 5 };
        if fields.len() != want {
            return Err(format!("a {} line has {want} fields, this has {}", fields[0], fields.len()));
        }
        let district = PostcodeDistrict::parse(fields[1])
            .ok_or_else(|| format!("\"{}\" is not a postcode district", fields[1]))?;
        let digit = match fields[2].as_bytes() {
            [d] if d.is_ascii_digit() => *d,
            _ => return Err(format!("\"{}\" is not a sector digit", fields[2])),
        };
        let key = sector_key(district.as_str(), digit).ok_or("district too long")?;
        let present = parse_bits(fields[4])?;
        let count: usize = present.iter().map(|w| w.count_ones() as usize).sum();
        let mut ids = Vec::new();
        for n in fields[3].split(',') {
            let n: usize = n.parse().map_err(|_| format!("\"{n}\" is not an authority number"))?;
            if n >= authorities {
                return Err(format!("authority {n} is not listed above this line"));
            }
            ids.push(AuthorityId(n as u16));
        }
        let sector_authorities = if split {
            let palette = fields[5].as_bytes();
            if palette.len() != count {
                return Err(format!("{} postcodes are marked present but {} have an authority", count, palette.len()));
            }
            let mut locals = Vec::with_capacity(palette.len());
            for &c in palette {
                let local =
                    PALETTE_DIGITS.iter().position(|d| *d == c).filter(|p| *p < ids.len()).ok_or_else(|| {
                        format!("\"{}\" in the postcode list is not one of its authorities", c as char)
                    })?;
                locals.push(local as u8);
            }
            let at = self.palette.len() as u32;
            self.palette.extend(locals);
            let start = self.lists.len() as u32;
            let len = u8::try_from(ids.len()).map_err(|_| "too many authorities in one sector".to_string())?;
            self.lists.extend(&ids);
            SectorAuthorities::Split { start, len, at }
        } else {
            match ids.as_slice() {
                [one] => SectorAuthorities::Whole(*one),
                _ => return Err("an S line names one authority; a split sector is an X line".to_string()),
            }
        };
        self.sectors.push(Sector { key, present, authorities: sector_authorities });
        let spread = self.spread(self.sectors.last().expect("just pushed"));
        let entry = self.districts.entry(district).or_default();
        for (a, c) in spread {
            match entry.iter_mut().find(|(b, _)| *b == a) {
                Some(slot) => slot.1 += c,
                None => entry.push((a, c)),
            }
        }
        Ok(())
    }

    fn finish(&mut self, origin: &str, diags: &mut Vec<Diagnostic>) {
        self.sectors.sort_by_key(|s| s.key);
        for pair in self.sectors.windows(2) {
            if pair[0].key == pair[1].key {
                diags.push(Location::file(origin).error(format!("sector {} is listed twice", key_text(pair[0].key))));
            }
        }
        for list in self.districts.values_mut() {
            list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        let mut areas: Vec<String> = self.districts.keys().map(|d| d.area().to_string()).collect();
        areas.sort();
        areas.dedup();
        self.areas = areas;
    }
}

/// 100 hex digits, most significant first: bit 0 is the first digit's top bit.
fn parse_bits(hex: &str) -> Result<[u64; WORDS], String> {
    let hex = hex.as_bytes();
    if hex.len() != UNITS / 4 {
        return Err(format!("the postcode bitmap has {} hex digits, not {}", hex.len(), UNITS / 4));
    }
    let mut words = [0u64; WORDS];
    for (i, &h) in hex.iter().enumerate() {
        let v = (h as char).to_digit(16).ok_or_else(|| format!("\"{}\" is not a hex digit", h as char))? as u64;
        for b in 0..4 {
            if v & (8 >> b) != 0 {
                let bit = i * 4 + b;
                words[bit / 64] |= 1 << (bit % 64);
            }
        }
    }
    Ok(words)
}

/// Bit number of the last two letters ("AB" -> 1), in the file's order.
fn unit_bit(unit: &[u8; 2]) -> Option<usize> {
    let a = UNIT_LETTERS.iter().position(|c| *c == unit[0])?;
    let b = UNIT_LETTERS.iter().position(|c| *c == unit[1])?;
    Some(a * UNIT_LETTERS.len() + b)
}

fn is_set(words: &[u64; WORDS], bit: usize) -> bool {
    words[bit / 64] & (1 << (bit % 64)) != 0
}

/// How many bits are set before `bit`.
fn rank(words: &[u64; WORDS], bit: usize) -> usize {
    let whole: usize = words[..bit / 64].iter().map(|w| w.count_ones() as usize).sum();
    let part = words[bit / 64] & ((1u64 << (bit % 64)) - 1);
    whole + part.count_ones() as usize
}

/// The outward code (at most 4 characters) and the sector digit, packed so keys compare cheaply.
fn sector_key(outward: &str, digit: u8) -> Option<u64> {
    let bytes = outward.as_bytes();
    if bytes.len() > 4 {
        return None;
    }
    let mut key = 0u64;
    for i in 0..4 {
        key = (key << 8) | u64::from(bytes.get(i).copied().unwrap_or(b' '));
    }
    Some((key << 8) | u64::from(digit))
}

fn key_text(key: u64) -> String {
    let bytes: Vec<u8> = (0..5).rev().map(|i| (key >> (i * 8)) as u8).collect();
    let outward = String::from_utf8_lossy(&bytes[..4]).trim().to_string();
    format!("{outward} {}", bytes[4] as char)
}

#[cfg(test)]
pub(crate) mod fixture {
    /// A tiny index: CB4 wholly Cambridge; CB8 split between Cambridgeshire and Suffolk;
    /// PE1 and PE7 Peterborough; PE30 Norfolk; LL11 in Wales.
    pub fn index_text() -> String {
        let one = |bits: &[usize]| {
            let mut v = [0u8; 100];
            for b in bits {
                v[b / 4] |= 8 >> (b % 4);
            }
            v.iter().map(|n| format!("{n:x}")).collect::<String>()
        };
        // Bit 0 is AA, 1 AB, 20 BA.
        [
            "# test index".to_string(),
            "edition ONSPD test".to_string(),
            "generated 2026-01-01".to_string(),
            "A 0 E07000008 4 Cambridge".to_string(),
            "A 1 E07000203 5 Mid Suffolk".to_string(),
            "A 2 E06000031 2 Peterborough".to_string(),
            "A 3 E07000146 6 King's Lynn and West Norfolk".to_string(),
            "A 4 E10000003 4 Cambridgeshire".to_string(),
            "A 5 E10000029 5 Suffolk".to_string(),
            "A 6 E10000020 6 Norfolk".to_string(),
            "A 7 W92000004 7 Wales".to_string(),
            format!("S CB4 1 0 {}", one(&[0, 1])),
            format!("X CB8 0 0,1 {} 010", one(&[0, 1, 20])),
            format!("S CB8 9 1 {}", one(&[0])),
            format!("S PE1 1 2 {}", one(&[0])),
            format!("S PE7 3 2 {}", one(&[0])),
            format!("S PE30 1 3 {}", one(&[0])),
            format!("S LL11 1 7 {}", one(&[0])),
        ]
        .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> PostcodeIndex {
        let index = PostcodeIndex::parse(&fixture::index_text(), "i.txt").unwrap().0;
        assert_eq!(index.check(), []);
        index
    }

    fn pc(s: &str) -> Postcode {
        Postcode::parse(s).unwrap()
    }

    fn code(i: &PostcodeIndex, found: UnitLookup) -> String {
        match found {
            UnitLookup::Found(a) => i.authority(a).code.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn full_postcodes_are_found_exactly_even_in_split_sectors() {
        let i = index();
        assert_eq!(code(&i, i.unit(&pc("CB4 1AA"))), "E07000008");
        assert_eq!(code(&i, i.unit(&pc("CB8 0AA"))), "E07000008");
        assert_eq!(code(&i, i.unit(&pc("CB8 0AB"))), "E07000203");
        assert_eq!(code(&i, i.unit(&pc("CB8 0BA"))), "E07000008");
        assert_eq!(i.unit(&pc("CB8 0AD")), UnitLookup::NotInSector);
        assert_eq!(i.unit(&pc("CB8 5AA")), UnitLookup::NoSector);
    }

    #[test]
    fn districts_and_sectors_count_their_postcodes_by_authority() {
        let i = index();
        let names = |v: &[(AuthorityId, u32)]| -> Vec<(String, u32)> {
            v.iter().map(|(a, n)| (i.authority(*a).code.clone(), *n)).collect()
        };
        let cb8 = PostcodeDistrict::parse("CB8").unwrap();
        assert_eq!(names(i.district(&cb8).unwrap()), [("E07000008".into(), 2), ("E07000203".into(), 2)]);
        let cb8_0 = PostcodeSector::new(cb8, b'0');
        assert_eq!(names(&i.sector(&cb8_0).unwrap()), [("E07000008".into(), 2), ("E07000203".into(), 1)]);
        assert_eq!(i.authority(i.upper(i.find_code("E07000008").unwrap())).code, "E10000003");
        assert!(i.has_area("CB") && i.has_area("LL") && !i.has_area("SW"));
        assert_eq!(i.edition(), "ONSPD test");
    }

    #[test]
    fn index_mistakes_are_located() {
        let good = fixture::index_text();
        let cases: &[(&str, &str, &str)] = &[
            ("A 1 E07000203 5 Mid Suffolk", "A 9 E07000203 5 Mid Suffolk", "i.txt:5:1: authority 9 is out of order"),
            ("A 1 E07000203 5 Mid Suffolk", "A 1 E0700020 5 Mid Suffolk", "i.txt:5:1: \"E0700020\" is not an ONS code"),
            ("X CB8 0 0,1", "X CB8 0 0,9", "i.txt:13:1: authority 9 is not listed above this line"),
            (" 010", " 012", "\"2\" in the postcode list is not one of its authorities"),
            (" 010", " 01", "3 postcodes are marked present but 2 have an authority"),
            ("S PE1 1 2", "S PE1 1 2,3", "an S line names one authority"),
            ("edition ONSPD test", "", "no `edition` line"),
            ("S PE7 3 2", "S PE1 1 2", "sector PE1 1 is listed twice"),
            ("S PE30", "Q PE30", "unknown line kind \"Q\""),
        ];
        for (from, to, want) in cases {
            let src = good.replacen(from, to, 1);
            let errors = match PostcodeIndex::parse(&src, "i.txt") {
                Ok((index, _)) => index.check(),
                Err(errors) => errors,
            };
            assert!(errors.iter().any(|d| d.to_string().contains(want)), "{to}: want {want}, got {errors:#?}");
        }
    }
}

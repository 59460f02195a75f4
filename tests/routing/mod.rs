//! Area routing against the real `config/`: what people type -> the decision, the contact
//! blocks at the times that matter, and every stated fact against the shared sources.

use crate::support::content;
use crate::support::router;
use signpost_core::routing::{parse_uk_local, AreaId, NationalReason, RouteDecision};
use std::path::{Path, PathBuf};

/// A copy of the project's source material (`../shared/content` and `../shared/seeds`), so the
/// facts are checked on any machine; `the_source_copy_matches_the_shared_sources` keeps it true.
fn sources() -> PathBuf {
    content::fixtures("sources")
}
const CONTACTS_MD: &str = "content/contacts.md";
const SEEDS_DIR: &str = "seeds";
/// Where the source material lives beside a checkout of this repository.
const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

fn id(s: &str) -> AreaId {
    AreaId::parse(s).unwrap()
}

/// The expected decision, written short so the table reads as a table.
#[derive(Debug, Clone, Copy)]
enum Want {
    Area(&'static str),
    /// Ask, with these options (always ending in "elsewhere").
    Ask(&'static [&'static str]),
    /// The national route for a place in England, whichever councils it names.
    Outside(&'static str),
    OutsideEngland(&'static str),
    Unknown,
    NotUnderstood,
}

use Want::*;

const CAMBS_OR_ELSEWHERE: &[&str] = &["cambridgeshire", "elsewhere"];
const CAMBS_OR_PBORO: &[&str] = &["cambridgeshire", "peterborough", "elsewhere"];
const CAMBS_OR_BEDS: &[&str] = &["cambridgeshire", "bedfordshire", "elsewhere"];
const BEDS_OR_ELSEWHERE: &[&str] = &["bedfordshire", "elsewhere"];
const DORSET_OR_ELSEWHERE: &[&str] = &["dorset", "elsewhere"];

const TABLE: &[(&str, Want)] = &[
    // --- Full postcodes and districts wholly inside one covered area -----------------------------
    ("cb4 1ab", Area("cambridgeshire")),
    ("CB41AB", Area("cambridgeshire")),
    ("CB3", Area("cambridgeshire")),
    ("cb24 6aa", Area("cambridgeshire")),
    ("PE15 8AA", Area("cambridgeshire")),
    ("pe29", Area("cambridgeshire")),
    ("PE27 5AA", Area("cambridgeshire")),
    ("PE1 1AA", Area("peterborough")),
    ("pe4", Area("peterborough")),
    ("PE 4", Area("peterborough")),
    ("PE99", Area("peterborough")),
    ("LU4 9AA", Area("bedfordshire")),
    ("MK40 1AA", Area("bedfordshire")),
    ("mk45", Area("bedfordshire")),
    ("SG17", Area("bedfordshire")),
    ("SG18 8AA", Area("bedfordshire")),
    ("BH1 1AA", Area("dorset")),
    ("bh15", Area("dorset")),
    ("DT1 1AA", Area("dorset")),
    ("SP8 4AA", Area("dorset")),
    // --- Split districts: one question; a full postcode in one settles it exactly ---------------
    ("CB8", Ask(CAMBS_OR_ELSEWHERE)),
    ("cb8 7aa", Outside("CB8")),
    // A single postcode of CB2 is in Peterborough in the directory: the district really is split.
    ("CB2", Ask(CAMBS_OR_PBORO)),
    ("pe3", Ask(CAMBS_OR_PBORO)),
    ("PE8", Ask(CAMBS_OR_PBORO)),
    ("PE7", Ask(CAMBS_OR_PBORO)),
    ("PE7 3AA", Area("cambridgeshire")),
    ("PE19", Ask(CAMBS_OR_BEDS)),
    ("pe19 1aa", Area("cambridgeshire")),
    ("LU7", Ask(BEDS_OR_ELSEWHERE)),
    ("lu1  3jh", Area("bedfordshire")),
    ("SG8", Ask(CAMBS_OR_BEDS)),
    ("SG19", Ask(CAMBS_OR_BEDS)),
    ("SG19 2AA", Area("bedfordshire")),
    ("BH23", Ask(DORSET_OR_ELSEWHERE)),
    ("BH23 1AA", Area("dorset")),
    // A sector wholly in one area settles it; a split one asks.
    ("LU7 1", Area("bedfordshire")),
    ("LU7 0", Ask(BEDS_OR_ELSEWHERE)),
    ("BH24", Ask(DORSET_OR_ELSEWHERE)),
    ("DT9", Ask(DORSET_OR_ELSEWHERE)),
    ("SP7", Ask(DORSET_OR_ELSEWHERE)),
    // --- Just outside, and elsewhere in the UK: the national route -----------------------------
    ("PE30", Outside("PE30")),
    ("pe30 1aa", Outside("PE30")),
    ("MK9", Outside("MK9")),
    ("SG1", Outside("SG1")),
    ("SP1", Outside("SP1")),
    ("BH25", Outside("BH25")),
    ("SW1A 1AA", Outside("SW1A")),
    ("M1", Outside("M1")),
    ("B1", Outside("B1")),
    ("EH1 1YZ", OutsideEngland("Scotland")),
    ("CF10 1AA", OutsideEngland("Wales")),
    // --- Towns -------------------------------------------------------------------------------
    ("St Neots", Area("cambridgeshire")),
    ("st neots", Area("cambridgeshire")),
    ("Saint Neots", Area("cambridgeshire")),
    ("St. Neots", Area("cambridgeshire")),
    ("Cambridge", Area("cambridgeshire")),
    ("Ely", Area("cambridgeshire")),
    ("Wisbech", Area("cambridgeshire")),
    ("Huntingdon", Area("cambridgeshire")),
    ("March", Area("cambridgeshire")),
    ("Whittlesey", Area("cambridgeshire")),
    ("Peterborough", Area("peterborough")),
    ("Werrington", Area("peterborough")),
    ("Leighton Buzzard", Area("bedfordshire")),
    ("LEIGHTON  BUZZARD", Area("bedfordshire")),
    ("Luton", Area("bedfordshire")),
    ("Bedford", Area("bedfordshire")),
    ("Dunstable", Area("bedfordshire")),
    ("Houghton Regis", Area("bedfordshire")),
    ("Biggleswade", Area("bedfordshire")),
    ("Barton-le-Clay", Area("bedfordshire")),
    ("poole", Area("dorset")),
    ("Bournemouth", Area("dorset")),
    ("Christchurch", Area("dorset")),
    ("Weymouth", Area("dorset")),
    ("Lyme Regis", Area("dorset")),
    ("Highcliffe", Area("dorset")),
    ("I live in Luton", Area("bedfordshire")),
    ("Poole, UK", Area("dorset")),
    // --- Counties and councils -----------------------------------------------------------------
    ("Cambridgeshire", Area("cambridgeshire")),
    ("cambs", Area("cambridgeshire")),
    ("Bedfordshire", Area("bedfordshire")),
    ("beds", Area("bedfordshire")),
    ("Central Bedfordshire", Area("bedfordshire")),
    ("Dorset", Area("dorset")),
    ("BCP", Area("dorset")),
    ("Bournemouth, Christchurch & Poole", Area("dorset")),
    // --- Button ids and labels -------------------------------------------------------------------
    ("cambridgeshire", Area("cambridgeshire")),
    ("peterborough", Area("peterborough")),
    ("bedfordshire", Area("bedfordshire")),
    ("dorset", Area("dorset")),
    ("elsewhere", Area("elsewhere")),
    ("Elsewhere in England", Area("elsewhere")),
    ("Bedfordshire and Luton", Area("bedfordshire")),
    // --- Names shared by more than one place ---------------------------------------------------
    ("St Ives", Ask(&["cambridgeshire", "dorset", "elsewhere"])),
    ("Gillingham", Ask(DORSET_OR_ELSEWHERE)),
    // --- Places outside the covered areas ------------------------------------------------------
    ("King's Lynn", Outside("King's Lynn")),
    ("kings lynn", Outside("King's Lynn")),
    ("Newmarket", Outside("Newmarket")),
    ("Haverhill", Outside("Haverhill")),
    ("Milton Keynes", Outside("Milton Keynes")),
    ("Stevenage", Outside("Stevenage")),
    ("Hitchin", Outside("Hitchin")),
    ("Royston", Outside("Royston")),
    ("Salisbury", Outside("Salisbury")),
    ("Ringwood", Outside("Ringwood")),
    ("New Milton", Outside("New Milton")),
    ("Yeovil", Outside("Yeovil")),
    ("Romsey", Outside("Romsey")),
    ("London", Outside("London")),
    ("Hertfordshire", Outside("Hertfordshire")),
    // --- Not knowing or not saying ---------------------------------------------------------------
    ("I don't know", Unknown),
    ("dont know", Unknown),
    ("Not sure", Unknown),
    ("I'd rather not say", Unknown),
    ("I’d rather not say", Unknown),
    ("rather not say", Unknown),
    ("Prefer not to say", Unknown),
    ("skip", Unknown),
    ("dont knwo", Unknown),
    // --- Typos: one slip in a long name asks "did you mean"; outside names go national ---------
    ("Bedfrod", Ask(BEDS_OR_ELSEWHERE)),
    ("Cambrige", Ask(CAMBS_OR_ELSEWHERE)),
    ("Cambridgshire", Ask(CAMBS_OR_ELSEWHERE)),
    ("Dorchster", Ask(DORSET_OR_ELSEWHERE)),
    ("Bournmouth", Ask(DORSET_OR_ELSEWHERE)),
    ("Ramsy", Ask(CAMBS_OR_ELSEWHERE)),
    ("Newmarkit", Outside("Newmarket")),
    // --- A place inside other words (regression: these were "couldn't find that place") ---------
    ("poole dorset", Area("dorset")),
    ("luton, beds", Area("bedfordshire")),
    ("near Cambridge", Area("cambridgeshire")),
    ("i'm in ely", Area("cambridgeshire")),
    ("just outside Luton", Area("bedfordshire")),
    ("a village near Dorchester", Area("dorset")),
    ("near Newmarket", Outside("Newmarket")),
    ("near St Ives", Ask(&["cambridgeshire", "dorset", "elsewhere"])),
    // --- Nonsense --------------------------------------------------------------------------------
    ("", NotUnderstood),
    ("   ", NotUnderstood),
    ("asdfgh", NotUnderstood),
    ("hello", NotUnderstood),
    ("Paris", NotUnderstood),
    ("Elyy", NotUnderstood),
    ("999", NotUnderstood),
    ("🙂", NotUnderstood),
    ("ZZ1 1AA", NotUnderstood),
    ("CB4 1ABX", NotUnderstood),
    ("CB99", NotUnderstood),
];

fn expected(want: Want) -> RouteDecision {
    match want {
        Area(a) => RouteDecision::Area(id(a)),
        Outside(place) => RouteDecision::National {
            reason: NationalReason::Outside { place: place.to_string(), councils: Vec::new() },
        },
        OutsideEngland(country) => {
            RouteDecision::National { reason: NationalReason::OutsideEngland { country: country.to_string() } }
        }
        Unknown => RouteDecision::National { reason: NationalReason::Unknown },
        NotUnderstood => RouteDecision::NotUnderstood,
        Ask(_) => unreachable!("questions are compared by their options"),
    }
}

#[test]
fn what_people_type_routes_to_the_expected_decision() {
    assert!(TABLE.len() >= 60, "the table needs at least 60 rows");
    let mut failures = Vec::new();
    for (typed, want) in TABLE {
        let got = router().route(typed);
        let ok = match (want, &got) {
            (Ask(options), RouteDecision::Ask { question, options: got }) => {
                !question.is_empty() && got.iter().map(AreaId::as_str).eq(options.iter().copied())
            }
            (Ask(_), _) => false,
            (Outside(want), RouteDecision::National { reason: NationalReason::Outside { place, .. } }) => place == want,
            (want, got) => expected(*want) == *got,
        };
        if !ok {
            failures.push(format!("  {typed:?}: want {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} rows wrong:\n{}", failures.len(), TABLE.len(), failures.join("\n"));
}

#[test]
fn every_question_ends_with_the_national_option() {
    for (typed, _) in TABLE {
        if let RouteDecision::Ask { options, .. } = router().route(typed) {
            assert_eq!(options.last().map(AreaId::as_str), Some("elsewhere"), "{typed:?}");
            assert!(options.iter().all(|o| router().area(o.as_str()).is_some()), "{typed:?}");
        }
    }
}

#[test]
fn split_districts_ask_in_words_that_name_the_other_county_and_offer_the_full_postcode() {
    match router().route("CB8") {
        RouteDecision::Ask { question, .. } => assert_eq!(
            question,
            "CB8 is partly in Cambridgeshire and partly in Suffolk. Which are you in? \
             You can also type your full postcode."
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_buttons_are_the_four_areas_then_elsewhere() {
    let areas = router().areas();
    let ids: Vec<&str> = areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["cambridgeshire", "peterborough", "bedfordshire", "dorset", "elsewhere"]);
    for area in areas {
        assert!(area.label.chars().count() <= 30, "{}", area.label);
        assert_eq!(router().route(area.id.as_str()), RouteDecision::Area(area.id.clone()));
        assert_eq!(router().route(&area.label), RouteDecision::Area(area.id.clone()));
    }
    assert_eq!(router().area("peterborough").unwrap().force, "Cambridgeshire Constabulary");
}

// --- Opening hours ------------------------------------------------------------------------------

const DAY_LINE: &str = "0345 045 5203";
const OUT_OF_HOURS: &str = "01733 234 724";

/// The Cambridgeshire adult block at a UTC instant, and whether the day line comes first.
fn day_line_first_at_utc(utc: &str) -> (bool, String) {
    let now = parse_uk_local(utc).unwrap();
    let block = router().contact_block(Some(&id("cambridgeshire")), false, now);
    let day = block.find(DAY_LINE).unwrap_or_else(|| panic!("{utc}: day line missing\n{block}"));
    let night = block.find(OUT_OF_HOURS).unwrap_or_else(|| panic!("{utc}: out-of-hours line missing\n{block}"));
    (day < night, block)
}

#[test]
fn the_council_line_open_now_comes_first_in_uk_time() {
    // (instant, day line first?, why). "Z" = UTC; without it, UK local time.
    let cases = [
        ("2026-11-24T10:00", true, "a Tuesday at 10:00"),
        ("2026-11-24T18:30", false, "a Tuesday at 18:30"),
        ("2026-11-24T07:59", false, "a Tuesday just before 8am"),
        ("2026-11-28T10:00", false, "a Saturday"),
        ("2026-11-29T12:00", false, "a Sunday"),
        ("2026-12-25T10:00", false, "Christmas Day 2026, a Friday"),
        ("2026-12-28T10:00", false, "28 December 2026, a Monday bank holiday"),
        ("2026-12-29T10:00", true, "29 December 2026, a working Tuesday"),
        // Spring 2027: clocks go forward on Sunday 28 March. Mon 29 March is Easter Monday.
        ("2027-03-23T07:30Z", false, "Tue before the change: 07:30 UTC is 07:30 GMT"),
        ("2027-03-23T17:30Z", true, "Tue before the change: 17:30 UTC is 17:30 GMT"),
        ("2027-03-29T10:00", false, "Easter Monday 2027"),
        ("2027-03-30T07:30Z", true, "Tue after the change: 07:30 UTC is 08:30 BST"),
        ("2027-03-30T17:30Z", false, "Tue after the change: 17:30 UTC is 18:30 BST"),
        ("2027-03-30T08:30", true, "Tue after the change, 08:30 UK time"),
        // Autumn 2027: clocks go back on Sunday 31 October.
        ("2027-10-29T07:30Z", true, "Fri before the change: 07:30 UTC is 08:30 BST"),
        ("2027-10-29T17:30Z", false, "Fri before the change: 17:30 UTC is 18:30 BST"),
        ("2027-11-01T07:30Z", false, "Mon after the change: 07:30 UTC is 07:30 GMT"),
        ("2027-11-01T17:30Z", true, "Mon after the change: 17:30 UTC is 17:30 GMT"),
    ];
    for (at, want_day_first, why) in cases {
        let (day_first, block) = day_line_first_at_utc(at);
        assert_eq!(day_first, want_day_first, "{at} ({why}):\n{block}");
        let first_call = block.lines().find(|l| l.starts_with("Call now:")).unwrap();
        let want_number = if want_day_first { DAY_LINE } else { OUT_OF_HOURS };
        assert!(first_call.contains(want_number), "{at} ({why}): {first_call}");
    }
}

#[test]
fn the_day_line_shows_its_hours_and_the_other_line_when_it_applies() {
    let (_, open) = day_line_first_at_utc("2026-11-24T10:00");
    assert!(open.contains("Call now: 0345 045 5203 (Mon–Fri 8am–6pm, not bank holidays)"), "{open}");
    assert!(open.contains("Out of hours: 01733 234 724 (evenings, nights, weekends and bank holidays)"), "{open}");
    let (_, closed) = day_line_first_at_utc("2026-11-28T10:00");
    assert!(
        closed.contains("Call now: 01733 234 724 (out of hours: evenings, nights, weekends and bank holidays)"),
        "{closed}"
    );
    assert!(closed.contains("Daytime: 0345 045 5203 (Mon–Fri 8am–6pm, not bank holidays)"), "{closed}");
}

#[test]
fn both_council_numbers_show_at_every_hour_of_a_week_with_bank_holidays() {
    // 2026-12-21 (Mon) to 2027-01-03 (Sun): includes Christmas, 28 December and New Year.
    let start = parse_uk_local("2026-12-21T00:00").unwrap();
    for hour in 0..(14 * 24) {
        let now = start + chrono::Duration::minutes(hour * 60 + 17);
        let block = router().contact_block(Some(&id("cambridgeshire")), false, now);
        assert!(block.contains(DAY_LINE) && block.contains(OUT_OF_HOURS), "{now}:\n{block}");
    }
}

#[test]
fn the_nspcc_phone_hours_are_shown_with_whether_it_is_open() {
    let cases = [
        ("2026-11-24T21:00", "open now"),
        ("2026-11-24T22:30", "closed now"),
        ("2026-11-28T10:00", "open now"),
        ("2026-11-28T19:00", "closed now"),
    ];
    for (at, state) in cases {
        let block = router().contact_block(None, false, parse_uk_local(at).unwrap());
        let line = format!("Call 0808 800 5000, {state} (lines open Mon–Fri 8am–10pm, weekends 9am–6pm)");
        assert!(block.contains(&line), "{at}:\n{block}");
        assert!(block.contains("online form, any time"), "{at}:\n{block}");
    }
}

/// Regression: on 25 December the NSPCC line showed "open now", though nothing in the sources
/// gives its bank-holiday hours. On a bank holiday it says to check, and claims neither.
#[test]
fn the_nspcc_line_claims_no_state_on_a_bank_holiday() {
    for at in ["2026-12-25T10:00", "2026-12-28T12:00", "2027-03-29T09:30"] {
        let block = router().contact_block(None, false, parse_uk_local(at).unwrap());
        let line = "Call 0808 800 5000. Today is a bank holiday, so check their hours (usually Mon–Fri 8am–10pm, weekends 9am–6pm)";
        assert!(block.contains(line), "{at}:\n{block}");
        let nspcc = block.split("\n\n").find(|s| s.contains("0808 800 5000")).unwrap();
        assert!(!nspcc.contains("open now") && !nspcc.contains("closed now"), "{at}:\n{nspcc}");
    }
    // The day after, its usual hours again.
    let block = router().contact_block(None, false, parse_uk_local("2026-12-29T10:00").unwrap());
    assert!(block.contains("Call 0808 800 5000, open now"), "{block}");
}

// --- Blocks --------------------------------------------------------------------------------------

#[test]
fn every_block_has_the_right_helpline_and_ends_with_999() {
    let now = parse_uk_local("2026-11-24T10:00").unwrap();
    for area in router().areas() {
        for young in [false, true] {
            let block = router().contact_block(Some(&area.id), young, now);
            let who = format!("{} young={young}", area.id);
            assert!(block.lines().last().unwrap().contains("call 999"), "{who}: must end with 999\n{block}");
            assert!(!block.contains('*') && !block.contains('<'), "{who}: plain text only");
            assert!(block.lines().all(|l| l.chars().count() <= 110), "{who}: short lines\n{block}");
            // Regression: the local police entries gave 101 without its textphone, which only
            // the national block had.
            if block.contains("Call 101") {
                assert!(block.contains("18001 101"), "{who}: 101 without its textphone\n{block}");
            }
            if young {
                let first_contact = block.split("\n\n").nth(1).unwrap();
                assert!(first_contact.starts_with("Childline"), "{who}: Childline first\n{block}");
                assert!(block.contains("0800 1111"), "{who}");
                assert!(!block.contains("0808 800 5000"), "{who}: NSPCC is the adult line");
            } else {
                assert!(block.contains("0808 800 5000"), "{who}: NSPCC for adults\n{block}");
                assert!(!block.contains("0800 1111"), "{who}: Childline is for young people");
            }
        }
    }
}

#[test]
fn the_national_route_has_101_crimestoppers_ceop_and_999() {
    let now = parse_uk_local("2026-11-24T10:00").unwrap();
    let adult = router().contact_block(None, false, now);
    for fact in ["Call 101, any time", "0808 800 5000", "0800 555 111", "www.ceop.police.uk", "call 999"] {
        assert!(adult.contains(fact), "{fact}:\n{adult}");
    }
    let young = router().contact_block(None, true, now);
    for fact in ["0800 1111", "fearless.org", "Call 101", "www.ceop.police.uk", "call 999"] {
        assert!(young.contains(fact), "{fact}:\n{young}");
    }
    assert_eq!(router().contact_block(Some(&id("elsewhere")), false, now), adult);
}

#[test]
fn peterborough_states_no_council_number() {
    let now = parse_uk_local("2026-11-24T10:00").unwrap();
    for young in [false, true] {
        let block = router().contact_block(Some(&id("peterborough")), young, now);
        assert!(!block.contains(DAY_LINE) && !block.contains(OUT_OF_HOURS), "{block}");
        assert!(!block.to_lowercase().contains("council"), "{block}");
        assert!(block.contains("www.cambs.police.uk/report"), "{block}");
    }
    for contact in router().contacts() {
        if contact.label.to_lowercase().contains("peterborough") {
            assert!(contact.phone.is_none(), "{} states a Peterborough number", contact.id);
        }
    }
}

// --- Facts against the sources -----------------------------------------------------------------

/// A file or directory of the copy of the sources.
fn source(path: &str) -> PathBuf {
    sources().join(path)
}

fn sources_text() -> String {
    let mut text = std::fs::read_to_string(source(CONTACTS_MD)).expect("tests/fixtures/sources/content/contacts.md");
    for entry in std::fs::read_dir(source(SEEDS_DIR)).expect("tests/fixtures/sources/seeds") {
        let path = entry.unwrap().path();
        text.push('\n');
        text.push_str(&std::fs::read_to_string(&path).unwrap());
    }
    text
}

#[test]
fn every_stated_fact_appears_in_the_shared_sources() {
    let sources = sources_text();
    let lower = sources.to_lowercase();
    let facts = router().stated_facts();
    assert!(facts.len() >= 10, "{facts:?}");
    for fact in &facts {
        let is_phone = fact.chars().all(|c| c.is_ascii_digit() || c == ' ');
        let found = if is_phone { sources.contains(fact.as_str()) } else { lower.contains(&fact.to_lowercase()) };
        assert!(found, "{fact:?} is stated but is not in contacts.md or a seed");
    }
    // The blocks state nothing that is not a listed fact: every phone-like run is one of them.
    let now = parse_uk_local("2026-11-24T10:00").unwrap();
    for area in router().areas() {
        for young in [false, true] {
            let block = router().contact_block(Some(&area.id), young, now);
            for run in digit_runs(&block) {
                assert!(facts.contains(&run), "{} young={young}: {run:?} is not a stated fact", area.id);
            }
        }
    }
}

/// Runs of 3+ digits (with single spaces inside) in text: anything that could be dialled.
fn digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    for c in text.chars().chain(['.']) {
        if c.is_ascii_digit() || (c == ' ' && run.ends_with(|d: char| d.is_ascii_digit())) {
            run.push(c);
        } else {
            let trimmed = run.trim().to_string();
            if trimmed.chars().filter(char::is_ascii_digit).count() >= 3 {
                runs.push(trimmed);
            }
            run.clear();
        }
    }
    runs
}

#[test]
fn every_contact_names_an_existing_source_and_was_checked() {
    let seeds: Vec<String> = std::fs::read_dir(source(SEEDS_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let contacts_md = std::fs::read_to_string(source(CONTACTS_MD)).unwrap();
    for contact in router().contacts() {
        assert!(!contact.source.is_empty(), "{}", contact.id);
        for word in contact.source.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
            if word.ends_with(".txt") {
                assert!(seeds.iter().any(|s| s == word), "{}: no seed {word}", contact.id);
            }
        }
        let names_a_seed = contact.source.contains(".txt");
        let first_source = contact.source.split(&[';', '(', ','][..]).next().unwrap().trim();
        assert!(
            names_a_seed || contacts_md.contains(first_source) || first_source.starts_with("all five seeds"),
            "{}: source {:?} is neither a seed nor named in contacts.md",
            contact.id,
            contact.source
        );
        assert_eq!(contact.checked.to_string(), "2026-11-23", "{}", contact.id);
    }
}

/// Every file of the copy is byte for byte the shared one, and no shared file is missing from it.
/// Without `../shared` beside the checkout there is nothing to compare with: it says so.
#[test]
fn the_source_copy_matches_the_shared_sources() {
    let shared = Path::new(SHARED);
    if !shared.is_dir() {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED routing::the_source_copy_matches_the_shared_sources: no {} beside this checkout",
            shared.display()
        );
        return;
    }
    for sub in ["content", "seeds"] {
        let files = |dir: &Path| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir.join(sub))
                .unwrap_or_else(|e| panic!("{}/{sub}: {e}", dir.display()))
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let ours = files(&sources());
        assert_eq!(ours, files(shared), "tests/fixtures/sources/{sub} must hold exactly the shared files");
        for name in ours {
            let a = std::fs::read(source(sub).join(&name)).unwrap();
            let b = std::fs::read(shared.join(sub).join(&name)).unwrap();
            assert!(a == b, "tests/fixtures/sources/{sub}/{name} differs from the shared one: copy it again");
        }
    }
}

#[test]
fn explain_prints_the_decision_then_the_blocks() {
    let now = parse_uk_local("2026-11-24T10:00").unwrap();
    let text = router().explain("cb4 1ab", now);
    assert!(
        text.starts_with(
            "Decision: area cambridgeshire (Cambridgeshire Constabulary)\n\
             Why: full postcode in CB4, found in the index\n\
             Authority: Cambridge (E07000008); children's services: Cambridgeshire County Council (E10000003)\n\
             Data: ONSPD November 2025 (postcode index generated "
        ),
        "{text}"
    );
    assert!(!text.to_uppercase().contains("1AB"), "the full postcode is never echoed:\n{text}");
    assert!(text.contains("--- For an adult ---") && text.contains("--- For a young person ---"));
    let text = router().explain("PE30", now);
    assert!(text.starts_with("Decision: national route (PE30 is outside the areas with local contacts)"), "{text}");
    assert!(text.contains("Who to contact, wherever you are in England"), "{text}");
    let text = router().explain("St Ives", now);
    assert!(text.contains("Question: There is more than one place called St Ives."), "{text}");
    assert!(text.contains("No contacts until the user answers."), "{text}");
}

/// One row of `tests/routing/postcodes.tsv`, sampled from the ONS Postcode Directory by
/// `scripts/postcode-index/build.py`.
struct Sampled {
    postcode: String,
    authority: String,
    upper: String,
    area: String,
    why: String,
}

fn sampled() -> Vec<Sampled> {
    let path = content::root().join("tests/routing/postcodes.tsv");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l:?}");
            Sampled {
                postcode: f[0].into(),
                authority: f[1].into(),
                upper: f[2].into(),
                area: f[3].into(),
                why: f[4].into(),
            }
        })
        .collect()
}

/// The sampled real postcodes, typed in full: each routes to the area, authority and children's
/// services council the directory gives it, with no follow-up question. Also typed without the
/// space and in lower case, as people do.
#[test]
fn every_sampled_real_postcode_routes_exactly_with_no_question() {
    let rows = sampled();
    assert!(rows.len() >= 300, "the table needs at least 300 postcodes, has {}", rows.len());
    for district in ["PE7", "LU7", "LU2", "CB1", "LU6", "CB7", "SG8", "LU1"] {
        assert!(rows.iter().any(|r| r.why == format!("border {district}")), "no sample from {district}");
    }
    let r = router();
    let index = r.index();
    let mut wrong = Vec::new();
    for row in &rows {
        let typed = [row.postcode.clone(), row.postcode.replace(' ', "").to_lowercase()];
        for typed in &typed {
            let (decision, note) = r.route_with_note(typed);
            let got_area = match &decision {
                RouteDecision::Area(id) => id.as_str().to_string(),
                RouteDecision::National { reason: NationalReason::Outside { councils, .. } } => {
                    if councils.as_slice() != std::slice::from_ref(&row.upper) {
                        wrong.push(format!("  {typed}: councils {councils:?}, want [{}]", row.upper));
                    }
                    "elsewhere".to_string()
                }
                RouteDecision::National { reason: NationalReason::OutsideEngland { .. } } => "elsewhere".to_string(),
                other => format!("{other:?}"),
            };
            if got_area != row.area || note.is_some() {
                wrong.push(format!("  {typed}: got {got_area} (note {note:?}), want {} ({})", row.area, row.why));
            }
        }
        // And the exact authority, as `signpost route` shows it.
        let postcode = signpost_core::routing::postcode::Postcode::parse(&row.postcode).unwrap();
        match index.unit(&postcode) {
            signpost_core::routing::UnitLookup::Found(id) => {
                let a = index.authority(id);
                let up = index.authority(a.upper);
                if a.code != row.authority || up.code != row.upper {
                    wrong.push(format!(
                        "  {}: {} / {}, want {} / {}",
                        row.postcode, a.code, up.code, row.authority, row.upper
                    ));
                }
            }
            other => wrong.push(format!("  {}: {other:?}", row.postcode)),
        }
    }
    assert!(wrong.is_empty(), "{} wrong of {} postcodes:\n{}", wrong.len(), rows.len(), wrong.join("\n"));
}

/// A postcode that is not in the directory gets a kind word and its district decides.
#[test]
fn a_postcode_not_in_the_directory_is_said_kindly_then_the_district_decides() {
    // CB3 0 exists but not CB3 0ZZ; CB3 is wholly in Cambridgeshire.
    let (decision, note) = router().route_with_note("CB3 0ZZ");
    assert_eq!(decision, RouteDecision::Area(id("cambridgeshire")));
    assert_eq!(note, Some(signpost_core::routing::POSTCODE_NOT_FOUND));
    // In a split district, the district's question is asked.
    let (decision, note) = router().route_with_note("CB8 9ZZ");
    assert!(
        matches!(decision, RouteDecision::Ask { .. }) || matches!(decision, RouteDecision::National { .. }),
        "{decision:?}"
    );
    assert!(note.is_some());
}

/// Outside the covered areas the council that runs children's services is named, with how to
/// find it, and then 101, the national lines and 999; no number is invented for the council.
#[test]
fn outside_the_areas_the_childrens_services_council_is_named_without_a_number() {
    let now = parse_uk_local("2026-11-24T10:00").unwrap();
    let RouteDecision::National { reason: NationalReason::Outside { councils, .. } } = router().route("LS1 1AA") else {
        panic!("want the national route")
    };
    assert_eq!(councils, ["E08000035"]);
    let block = router().contact_block_for(None, &councils, false, now);
    let council = block.find("Children's services here are run by Leeds council").expect(&block);
    let search = block.find("search for \"Leeds children's services\"").expect(&block);
    let police = block.find("101").expect(&block);
    let nspcc = block.find("0808 800 5000").expect(&block);
    assert!(council < search && search < police && police < nspcc, "{block}");
    assert!(block.ends_with("999 BSL") || block.contains("call 999"), "{block}");
    // A two-tier area: the county council, not the district.
    let RouteDecision::National { reason: NationalReason::Outside { councils, .. } } = router().route("cb8 7aa") else {
        panic!("want the national route")
    };
    let block = router().contact_block_for(None, &councils, false, now);
    assert!(
        block.contains(
            "run by Suffolk County Council\nTo reach them, search for \"Suffolk County Council children's services\""
        ),
        "{block}"
    );
    assert!(!block.contains("West Suffolk"), "{block}");
}

/// The shipped index reads without a bad line, and stays within its targets: under 5 MB on
/// disk and 20 MB in memory, with every postcode area of England in it.
#[test]
fn the_shipped_postcode_index_reads_cleanly_and_stays_small() {
    let index = router().index();
    let problems = index.check();
    assert!(problems.is_empty(), "{problems:#?}");
    let path = content::shipped_config().join("postcode-index.txt");
    let on_disk = std::fs::metadata(&path).unwrap().len();
    assert!(on_disk < 5_000_000, "{on_disk} bytes on disk");
    assert!(index.heap_bytes() < 20_000_000, "{} bytes in memory", index.heap_bytes());
    assert!(index.sector_count() > 10_000, "{} sectors", index.sector_count());
    assert_eq!(index.edition(), "ONSPD November 2025");
    for area in ["CB", "PE", "LU", "MK", "SG", "BH", "DT", "SP", "LS", "NE", "TR", "CA", "E", "W"] {
        assert!(index.has_area(area), "{area}");
    }
}

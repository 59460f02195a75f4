//! Area routing against the real `config/`: what people type -> the decision, the contact
//! blocks at the times that matter, and every stated fact against the shared sources.

use signpost::routing::{parse_uk_local, AreaId, NationalReason, RouteDecision, Router};
use std::path::Path;
use std::sync::OnceLock;

/// A copy of the project's source material (`../shared/content` and `../shared/seeds`), so the
/// facts are checked on any machine; `the_source_copy_matches_the_shared_sources` keeps it true.
const SOURCES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sources");
const CONTACTS_MD: &str = "content/contacts.md";
const SEEDS_DIR: &str = "seeds";
const SHARED_DISTRICTS: &str = "content/postcode-districts.txt";
/// Where the source material lives beside a checkout of this repository.
const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared");

fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        match Router::load_dir(&dir) {
            Ok((router, _warnings)) => router,
            Err(diags) => {
                panic!("config/ does not load:\n{}", diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
            }
        }
    })
}

fn id(s: &str) -> AreaId {
    AreaId::parse(s).unwrap()
}

/// The expected decision, written short so the table reads as a table.
#[derive(Debug, Clone, Copy)]
enum Want {
    Area(&'static str),
    /// Ask, with these options (always ending in "elsewhere").
    Ask(&'static [&'static str]),
    Outside(&'static str),
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
    ("CB2", Area("cambridgeshire")),
    ("cb24 6aa", Area("cambridgeshire")),
    ("PE15 8AA", Area("cambridgeshire")),
    ("pe29", Area("cambridgeshire")),
    ("PE27 5AA", Area("cambridgeshire")),
    ("PE1 1AA", Area("peterborough")),
    ("pe3", Area("peterborough")),
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
    // --- Split districts: one question ---------------------------------------------------------
    ("CB8", Ask(CAMBS_OR_ELSEWHERE)),
    ("cb8 7aa", Ask(CAMBS_OR_ELSEWHERE)),
    ("PE8", Ask(CAMBS_OR_PBORO)),
    ("PE7 3AA", Ask(CAMBS_OR_PBORO)),
    ("PE19", Ask(CAMBS_OR_BEDS)),
    ("pe19 1aa", Ask(CAMBS_OR_BEDS)),
    ("LU7", Ask(BEDS_OR_ELSEWHERE)),
    ("lu1  3jh", Ask(BEDS_OR_ELSEWHERE)),
    ("SG8", Ask(CAMBS_OR_BEDS)),
    ("SG19 2AA", Ask(CAMBS_OR_BEDS)),
    ("BH23 1AA", Ask(DORSET_OR_ELSEWHERE)),
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
    ("EH1 1YZ", Outside("EH1")),
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
        Outside(place) => RouteDecision::National { reason: NationalReason::Outside { place: place.to_string() } },
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
fn split_districts_ask_in_words_that_offer_the_town() {
    match router().route("CB8") {
        RouteDecision::Ask { question, .. } => assert_eq!(
            question,
            "CB8 is partly in Cambridgeshire and partly in a neighbouring county. Which are you in? \
             You can also type your town."
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
fn source(path: &str) -> std::path::PathBuf {
    Path::new(SOURCES).join(path)
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

#[test]
fn the_postcode_table_is_a_verbatim_copy_of_the_shared_one() {
    let ours =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/postcode-districts.txt")).unwrap();
    let shared = std::fs::read_to_string(source(SHARED_DISTRICTS)).unwrap();
    assert_eq!(ours, shared, "config/postcode-districts.txt must be copied verbatim, header included");
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
        let ours = files(Path::new(SOURCES));
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
             Why: postcode district CB4 (from a full postcode): forces CAMBS\n\
             Time: Tue 24 Nov 2026 10:00 GMT\n"
        ),
        "{text}"
    );
    assert!(text.contains("--- For an adult ---") && text.contains("--- For a young person ---"));
    let text = router().explain("PE30", now);
    assert!(text.starts_with("Decision: national route (PE30 is outside the areas with local contacts)"), "{text}");
    assert!(text.contains("Who to contact, wherever you are in England"), "{text}");
    let text = router().explain("St Ives", now);
    assert!(text.contains("Question: There is more than one place called St Ives."), "{text}");
    assert!(text.contains("No contacts until the user answers."), "{text}");
}

//! Every kind of mistake in the config is reported at the value to fix.

use super::fixture::{self, sources, today};
use super::*;

/// `origin:line:column` of the first `needle` in `src`, 1-based, as diagnostics print it.
fn at(origin: &str, src: &str, needle: &str) -> String {
    let offset = src.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"));
    let line = src[..offset].matches('\n').count() + 1;
    let column = offset - src[..offset].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{origin}:{line}:{column}")
}

#[test]
fn the_fixture_is_valid() {
    let (validated, diags) = validate(&sources(), today());
    assert!(diags.is_empty(), "{diags:#?}");
    let v = validated.unwrap();
    assert_eq!(v.areas.len(), 3);
    assert_eq!(v.contacts.all().len(), 5);
}

/// Each case edits one file of the fixture and names the diagnostic it must produce,
/// as printed: `path:line:column: [warning: ]message`.
#[test]
fn mistakes_are_reported_where_they_are() {
    type Edit = fn(&mut RoutingSources);
    struct Case {
        why: &'static str,
        edit: Edit,
        // (file, text to locate (None = whole file), start of the message)
        want: (&'static str, Option<&'static str>, &'static str),
        error: bool,
    }
    fn replace(file: &mut SourceFile, from: &str, to: &str) {
        assert!(file.text.contains(from), "{from:?} not in {}", file.origin);
        file.text = file.text.replacen(from, to, 1);
    }
    let cases: Vec<Case> = vec![
        Case {
            why: "a required field is missing",
            edit: |s| replace(&mut s.contacts, "    label: Council\n", ""),
            want: ("c.yaml", Some("day_line\n"), "contact \"day_line\" has no `label:`"),
            error: true,
        },
        Case {
            why: "an area lists a contact that does not exist",
            edit: |s| replace(&mut s.areas, "[police, day_line]", "[police, day_lime]"),
            want: ("a.yaml", Some("day_lime"), "area \"cambridgeshire\" lists contact \"day_lime\", which is not in"),
            error: true,
        },
        Case {
            why: "a contact was checked over 12 months ago",
            edit: |s| {
                replace(&mut s.contacts, "seed 000\n    checked: 2026-11-23", "seed 000\n    checked: 2025-11-01")
            },
            want: (
                "c.yaml",
                Some("2025-11-01"),
                "warning: contact \"police\" was last checked on 2025-11-01, over 12 months ago",
            ),
            error: false,
        },
        Case {
            why: "a checked date in the future",
            edit: |s| {
                replace(&mut s.contacts, "Childline\n    checked: 2026-11-23", "Childline\n    checked: 2027-01-01")
            },
            want: ("c.yaml", Some("2027-01-01"), "contact \"kids\" says it was checked on 2027-01-01"),
            error: true,
        },
        Case {
            why: "a misspelt key",
            edit: |s| replace(&mut s.contacts, "    label: Council\n", "    lable: Council\n"),
            want: ("c.yaml", Some("lable"), "Unknown field `lable`"),
            error: true,
        },
        Case {
            why: "a phone number written with a dash",
            edit: |s| replace(&mut s.contacts, "\"0800 1111\"", "\"0800-1111\""),
            want: ("c.yaml", Some("\"0800-1111\""), "\"0800-1111\" is not a phone number"),
            error: true,
        },
        Case {
            why: "an unknown kind",
            edit: |s| replace(&mut s.contacts, "kind: national_line", "kind: helpline"),
            want: ("c.yaml", Some("helpline"), "\"helpline\" is not a contact kind"),
            error: true,
        },
        Case {
            why: "out of hours points nowhere",
            edit: |s| replace(&mut s.contacts, "out_of_hours: night_line", "out_of_hours: nite_line"),
            want: (
                "c.yaml",
                Some("nite_line"),
                "contact \"day_line\" names out-of-hours contact \"nite_line\", which is not defined",
            ),
            error: true,
        },
        Case {
            why: "a number hidden in free text",
            edit: |s| replace(&mut s.contacts, "note: Free.", "note: Free. Or ring 0800 123 456."),
            want: ("c.yaml", Some("Free. Or ring"), "\"0800 123 456\" in free text of contact \"kids\""),
            error: true,
        },
        Case {
            why: "hours that close before they open",
            edit: |s| replace(&mut s.contacts, "to: \"18:00\"", "to: \"07:00\""),
            want: ("c.yaml", Some("\"07:00\""), "closing time 07:00 is not after 08:00"),
            error: true,
        },
        Case {
            why: "Childline in the adult block",
            edit: |s| {
                replace(
                    &mut s.areas,
                    "adult: [police]\n      young_person: [kids]\n  - id: elsewhere",
                    "adult: [police, kids]\n      young_person: [kids]\n  - id: elsewhere",
                )
            },
            want: (
                "a.yaml",
                Some("kids]\n      young_person: [kids]\n  - id: elsewhere"),
                "contact \"kids\" is not for the `adult:` block",
            ),
            error: true,
        },
        Case {
            why: "the out-of-hours line listed by hand",
            edit: |s| replace(&mut s.areas, "[police, day_line]", "[police, night_line]"),
            want: ("a.yaml", Some("night_line"), "\"night_line\" is shown with \"day_line\" as its out-of-hours line"),
            error: true,
        },
        Case {
            why: "999 listed by hand",
            edit: |s| replace(&mut s.areas, "[police, day_line]", "[police, day_line, emergency]"),
            want: ("a.yaml", Some("emergency]"), "999 ends every block by itself"),
            error: true,
        },
        Case {
            why: "a button label too long for a phone",
            edit: |s| replace(&mut s.areas, "label: Peterborough", "label: Peterborough and the surrounding villages"),
            want: ("a.yaml", Some("Peterborough and the"), "the label of area \"peterborough\" is 41 characters"),
            error: true,
        },
        Case {
            why: "an authority code the index does not know",
            edit: |s| replace(&mut s.areas, "authorities: [E06000031]", "authorities: [E06000099]"),
            want: (
                "a.yaml",
                Some("E06000099"),
                "authority \"E06000099\" is not in the postcode index (edition ONSPD test)",
            ),
            error: true,
        },
        Case {
            why: "a district of a county that is another area",
            edit: |s| replace(&mut s.areas, "authorities: [E06000031]", "authorities: [E06000031, E07000008]"),
            want: ("a.yaml", Some("E07000008"), "E07000008 (Cambridge) is already covered by area \"cambridgeshire\""),
            error: true,
        },
        Case {
            why: "an area with no authorities",
            edit: |s| replace(&mut s.areas, "    authorities: [E06000031]\n", ""),
            want: ("a.yaml", Some("peterborough\n"), "area \"peterborough\" has no `authorities:`"),
            error: true,
        },
        Case {
            why: "a country instead of a council",
            edit: |s| replace(&mut s.areas, "authorities: [E06000031]", "authorities: [W92000004]"),
            want: ("a.yaml", Some("W92000004"), "W92000004 is Wales, outside England"),
            error: true,
        },
        Case {
            why: "no national route",
            edit: |s| replace(&mut s.areas, "id: elsewhere", "id: somewhere"),
            want: ("a.yaml", None, "no area has `id: elsewhere`"),
            error: true,
        },
        Case {
            why: "a phrase that is also a place",
            edit: |s| replace(&mut s.areas, "[Not sure,", "[March, Not sure,"),
            want: ("a.yaml", Some("March, Not"), "\"March\" is both a place and an \"I don't know\" phrase"),
            error: true,
        },
        Case {
            why: "a bank holiday that is not a date",
            edit: |s| replace(&mut s.holidays, "2026-12-28", "2026-12-32"),
            want: ("h.yaml", Some("2026-12-32"), "\"2026-12-32\" is not a date"),
            error: true,
        },
        Case {
            why: "a broken authority line in the index",
            edit: |s| replace(&mut s.index, "A 6 E10000020", "A 6 E1000002"),
            want: ("i.txt", Some("A 6 E1000002"), "\"E1000002\" is not an ONS code"),
            error: true,
        },
    ];
    for case in cases {
        let mut s = sources();
        (case.edit)(&mut s);
        let (validated, diags) = validate(&s, today());
        let (origin, needle, message) = case.want;
        let src = [&s.areas, &s.contacts, &s.holidays, &s.index]
            .into_iter()
            .find(|f| f.origin == origin)
            .map(|f| f.text.clone())
            .unwrap();
        let place = match needle {
            Some(n) => at(origin, &src, n),
            None => origin.to_string(),
        };
        let want = format!("{place}: {message}");
        let printed: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert!(
            printed.iter().any(|p| p.starts_with(&want)),
            "{}: want a diagnostic starting\n  {want}\ngot\n  {}",
            case.why,
            printed.join("\n  ")
        );
        assert_eq!(validated.is_none(), case.error, "{}: {printed:#?}", case.why);
    }
}

#[test]
fn the_bank_holiday_list_warns_before_it_runs_out() {
    let late = NaiveDate::from_ymd_opt(2027, 11, 1).unwrap();
    let (validated, diags) = validate(&fixture::sources(), late);
    assert!(validated.is_some());
    let printed: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert!(
        printed.iter().any(|p| p.starts_with("h.yaml: warning: the last bank holiday listed is 2027-12-27")),
        "{printed:#?}"
    );
}

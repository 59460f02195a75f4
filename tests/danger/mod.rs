//! Danger triage against the shipped `config/danger.yaml`: the ways people say a child is in
//! danger now must all get the emergency message first, through every door of a conversation,
//! and ordinary worries must not.
//!
//! Two kinds of table. `written/` holds the team's own, grown with the patterns. The sets in
//! `blind/` were written by helpers who never saw the patterns or these tables; each was run once
//! before any pattern changed because of it, and its first-run figures are in `blind/README.md`
//! and SAFETY.md H1. Only then did it join the tables. When a real message is missed, add it
//! here first, watch it fail, then grow the cue families.

use crate::support::content::{self, shipped};
use chrono::{TimeZone, Utc};
use signpost_core::engine::{jump, step, Effect, Input, ReplyKind, Session};
use signpost_core::safety::DangerDetector;
use signpost_staff::danger_set::{self, Place};

/// The shipped `config/danger.yaml`, as the bot reads it.
fn detector() -> &'static DangerDetector {
    &shipped().danger
}

/// The team's own tables, `tests/danger/written/written-<kind>.tsv`: grown with the patterns,
/// one message per line, `#` for a comment. The learned net is fitted on them too.
fn written(kind: &str) -> Vec<String> {
    let name = format!("written-{kind}.tsv");
    let text = std::fs::read_to_string(content::root().join("tests/danger/written").join(&name)).unwrap();
    let (lines, errors) = danger_set::parse(&text, &name);
    assert!(errors.is_empty(), "{errors:#?}");
    lines.into_iter().map(|l| l.message.to_string()).collect()
}

/// The messages of every blind set's `<set>-<kind>.tsv` (`voice<TAB>door<TAB>message`).
/// The blind sets of `kind` (`-danger.tsv` or `-ordinary.tsv`): each file's name and text.
fn blind_files(kind: &str) -> Vec<(String, String)> {
    let dir = content::root().join("tests/danger/blind");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(&format!("-{kind}.tsv")))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "at least two blind sets of {kind} messages, found {files:?}");
    files
        .into_iter()
        .map(|f| (f.file_name().unwrap().to_string_lossy().to_string(), std::fs::read_to_string(&f).unwrap()))
        .collect()
}

/// Every message of the blind sets of `kind`, with its file's name.
fn blind(kind: &str) -> Vec<(String, String)> {
    blind_lines(kind, |_| true)
}

/// The blind messages the danger check must catch on their own, wherever they are typed: those
/// typed as a first message or at a question the set does not name (`first`, `mid`). A line
/// typed at a named question may be danger only there ("yes rn" at "is a child in danger?").
fn blind_anywhere(kind: &str) -> Vec<(String, String)> {
    blind_lines(kind, |place| matches!(place, Place::First | Place::Mid))
}

/// The blind sets' lines, read as `signpost danger --file` reads them, that `keep` keeps.
fn blind_lines(kind: &str, keep: impl Fn(Place) -> bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, text) in blind_files(kind) {
        let (lines, errors) = danger_set::parse(&text, &name);
        assert!(errors.is_empty(), "{errors:#?}");
        for line in lines {
            assert!(line.place != Place::Bare, "{name}:{}: not voice<TAB>where<TAB>message", line.number);
            if keep(line.place) {
                out.push((name.clone(), line.message.to_string()));
            }
        }
    }
    out
}

/// Blind-set lines still wrong, kept in `known.tsv` with the reason (`file<TAB>message<TAB>why`).
fn known() -> Vec<(String, String)> {
    let path = content::root().join("tests/danger/blind/known.tsv");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let (file, message) = (parts.next().unwrap(), parts.next().expect("file<TAB>message<TAB>why"));
            assert!(parts.next().is_some_and(|why| !why.trim().is_empty()), "known.tsv: say why: {l}");
            (file.to_string(), message.to_string())
        })
        .collect()
}

/// Every line of the blind sets of `kind` gets what it should, except those in `known.tsv`,
/// which must still be wrong (a fixed one leaves that file). A line is read where it was typed,
/// as `signpost danger --file` reads it: `first` and `mid` by the danger check, and a line whose
/// `where` names a question (set 7 on) typed at that question through the engine, so the
/// danger question's fail-safe and its clear answers count as the user meets them.
fn blind_sets_hold(kind: &str, want_danger: bool, at_least: usize) {
    let all = blind(kind);
    assert!(all.len() >= at_least, "the blind {kind} sets hold at least {at_least} messages in all, {}", all.len());
    let known = known();
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 22, 30, 0).unwrap();
    let mut got: Vec<(String, String, bool)> = Vec::new();
    for (name, text) in blind_files(kind) {
        let (lines, errors) = danger_set::parse(&text, &name);
        assert!(errors.is_empty(), "{errors:#?}");
        let set = danger_set::DangerSet::resolve(lines, &name, shipped(), now).unwrap_or_else(|e| panic!("{e:#?}"));
        let measured = set.measure(shipped(), now).unwrap_or_else(|e| panic!("{e}"));
        got.extend(measured.into_iter().map(|m| (name.clone(), m.message.to_string(), m.fires)));
    }
    assert_eq!(got.len(), all.len());
    let is_known = |f: &String, m: &String| known.iter().any(|(kf, km)| kf == f && km == m);
    let wrong: Vec<_> = got.iter().filter(|(f, m, fires)| *fires != want_danger && !is_known(f, m)).collect();
    assert!(wrong.is_empty(), "{} of {} wrong:\n{wrong:#?}", wrong.len(), all.len());
    for k in known.iter().filter(|k| k.0.ends_with(&format!("-{kind}.tsv"))) {
        let line = got.iter().find(|(f, m, _)| *f == k.0 && *m == k.1);
        let line = line.unwrap_or_else(|| panic!("known.tsv names a line no set holds: {k:?}"));
        assert!(line.2 != want_danger, "now right, so take it out of known.tsv: {k:?}");
    }
}

#[test]
fn every_message_of_the_blind_danger_sets_is_caught() {
    blind_sets_hold("danger", true, 5 * 150);
}

#[test]
fn no_message_of_the_blind_ordinary_sets_raises_a_false_alarm() {
    blind_sets_hold("ordinary", false, 5 * 300);
}

/// Every kind of question a message can be typed at: the danger question and its follow-up,
/// who you are, what have you noticed (the groups), a sign list, "is that right?" (with the
/// area, and without), own words (adults and young people), the area question, and an answer.
const DOORS: &[&str] = &[
    "main_danger",
    "main_danger_help",
    "main_who",
    "s_how",
    "s_pick_missing",
    "s_check_where",
    "s_check_known",
    "s_describe",
    "ys_describe",
    "area_where",
    "p_ans_end",
];

#[test]
fn danger_typed_at_any_question_gets_999_first_and_nothing_after_it_jars() {
    let c = shipped();
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 22, 30, 0).unwrap();
    let known = known();
    let messages: Vec<String> = written("danger")
        .into_iter()
        .chain(blind_anywhere("danger").into_iter().filter(|k| !known.contains(k)).map(|(_, m)| m))
        .collect();
    let doors: Vec<_> = DOORS
        .iter()
        .map(|door| jump(c, &Session::default(), door, now).unwrap_or_else(|| panic!("no node {door}")).0)
        .collect();
    let mut problems = Vec::new();
    // Every message through two doors (typed there, and after /start at another), so that every
    // door sees a tenth of them, whatever the order of the tables.
    for (i, m) in messages.iter().enumerate() {
        for (d, text) in [(i % DOORS.len(), m.clone()), ((i + 5) % DOORS.len(), format!("/start {m}"))] {
            let (door, at) = (DOORS[d], &doors[d]);
            {
                let (_, effects) = step(c, at, Input::Text(&text), now);
                let replies: Vec<_> = effects.iter().filter_map(Effect::reply).collect();
                if replies.first().map(|r| r.kind) != Some(ReplyKind::Emergency) {
                    problems.push(format!("{door}: no emergency message first for {text:?}"));
                }
                for r in &replies {
                    if ["didn't understand", "couldn't match", "could not match"].iter().any(|w| r.text.contains(w)) {
                        problems.push(format!("{door}: {text:?} was followed by {:?}", r.text.lines().next()));
                    }
                }
                if replies.last().is_none_or(|r| r.buttons.is_empty()) {
                    problems.push(format!("{door}: {text:?} left no way forward"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn at_the_danger_question_anything_but_a_clear_no_or_not_sure_fails_safe() {
    let c = shipped();
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 22, 30, 0).unwrap();
    for door in ["main_danger", "main_danger_help"] {
        let (at, _) = jump(c, &Session::default(), door, now).unwrap();
        // Words no cue family knows, and the blind sets' ordinary messages: all fail safe here.
        let unclear = ["my girl is with them", "kind of", "hmm", "sort of yes", "🙈", "???", "she is with him"];
        for text in unclear.iter().map(|s| s.to_string()).chain(blind("ordinary").into_iter().map(|(_, m)| m).take(50))
        {
            let (s, effects) = step(c, &at, Input::Text(&text), now);
            let replies: Vec<_> = effects.iter().filter_map(Effect::reply).collect();
            assert_eq!(replies.first().map(|r| r.kind), Some(ReplyKind::Emergency), "{door}: {text:?}");
            assert_eq!(s.node.as_deref(), Some(door), "{door}: {text:?} must ask the question again");
            assert_eq!(replies.last().and_then(|r| r.node.as_deref()), Some(door), "{door}: {text:?}");
        }
        // A clear answer is never taken for danger.
        let clear: &[(&str, &str)] = if door == "main_danger" {
            &[
                ("no", "main_who"),
                ("nope", "main_who"),
                ("No, she's safe", "main_who"),
                ("not right now", "main_who"),
                ("not sure", "main_danger_help"),
                ("idk", "main_danger_help"),
                ("no idea", "main_danger_help"),
                ("Dunno", "main_danger_help"),
            ]
        } else {
            &[("no", "main_who"), ("none of those", "main_who"), ("No, carry on", "main_who")]
        };
        for (text, to) in clear {
            let (s, effects) = step(c, &at, Input::Text(text), now);
            assert!(
                effects.iter().filter_map(Effect::reply).all(|r| r.kind != ReplyKind::Emergency),
                "{door}: {text:?}"
            );
            assert_eq!(s.node.as_deref(), Some(*to), "{door}: {text:?}");
        }
    }
}

#[test]
fn every_way_of_saying_danger_now_is_caught() {
    let table = written("danger");
    assert!(table.len() >= 80, "the recall table needs at least 80 phrases, has {}", table.len());
    let missed: Vec<&String> = table.iter().filter(|t| !detector().is_danger(t)).collect();
    assert!(missed.is_empty(), "missed danger phrases:\n{missed:#?}");
}

#[test]
fn ordinary_worries_do_not_trigger_the_emergency_message() {
    let table = written("ordinary");
    assert!(table.len() >= 40, "the table needs at least 40 ordinary messages, has {}", table.len());
    let flagged: Vec<&String> = table.iter().filter(|t| detector().is_danger(t)).collect();
    assert!(flagged.is_empty(), "ordinary messages flagged as danger:\n{flagged:#?}");
}

/// Set 7's first run (issue 21): at the danger question, 22 of 27 calm answers that began with a
/// clear answer and said more ("not now shes at home", "no carry on mate") got the emergency
/// message. Such an answer now presses its button, but only when nothing in it could be danger;
/// a "no" that goes on to tell of danger is read without its "no" negating it.
#[test]
fn at_the_danger_question_a_clear_answer_that_says_more_is_taken_and_danger_after_it_is_not() {
    let c = shipped();
    let now = Utc.with_ymd_and_hms(2026, 12, 2, 22, 30, 0).unwrap();
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("main_danger", "not now shes at home", Some("main_who")),
        ("main_danger", "no not right now", Some("main_who")),
        ("main_danger", "No, they checked out yesterday", Some("main_who")),
        ("main_danger", "not sure tbh", Some("main_danger_help")),
        ("main_danger", "not rn", Some("main_who")),
        ("main_danger", "not at the moment", Some("main_who")),
        ("main_danger_help", "no carry on mate", Some("main_who")),
        ("main_danger_help", "nah none of that", Some("main_who")),
        ("main_danger", "no he's being beaten up outside", None),
        ("main_danger", "no, he's gone off with two men", None),
        ("main_danger_help", "none of those, she's locked in his flat", None),
        ("main_danger", "no idea where she is, her phone's off", None),
    ];
    for &(door, text, goes) in cases {
        let (at, _) = jump(c, &Session::default(), door, now).unwrap();
        let (after, effects) = step(c, &at, Input::Text(text), now);
        let first = effects.iter().find_map(Effect::reply).expect("a reply");
        match goes {
            Some(node) => {
                assert_ne!(first.kind, ReplyKind::Emergency, "{door}: {text:?} is a clear answer");
                assert_eq!(after.node.as_deref(), Some(node), "{door}: {text:?}");
            }
            None => assert_eq!(first.kind, ReplyKind::Emergency, "{door}: {text:?} must get 999 first"),
        }
    }
}

/// The shipped net is exactly what `signpost danger --train tests/danger/blind tests/danger/written`
/// gives: nobody edits it by hand, and a table changed without retraining fails here.
#[test]
fn the_shipped_net_is_what_the_tables_give() {
    use signpost_core::safety::NET_FILE;
    use signpost_staff::net_train::{self, Fit};
    let mut files = Vec::new();
    for dir in ["tests/danger/blind", "tests/danger/written"] {
        let mut names: Vec<_> = std::fs::read_dir(content::root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| net_train::table_kind(&p.file_name().unwrap().to_string_lossy()).is_some())
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap())));
    }
    let examples = net_train::examples(&files).unwrap_or_else(|e| panic!("{e:#?}"));
    let all: Vec<&net_train::Example> = examples.iter().collect();
    let shipped_net = detector().net().expect("the shipped config has a learned net");
    let net = net_train::train(&all, Fit::default(), shipped_net.threshold());
    let want = net.to_file(net_train::HEADER);
    let got = std::fs::read_to_string(content::shipped_config().join(NET_FILE)).unwrap();
    assert!(got == want, "config/{NET_FILE} is not what the tables give: run signpost danger --train tests/danger/blind tests/danger/written");
}

/// The net reads only messages of at least `min_words` words; below that the rules decide, so
/// a button's number or a short answer is never an alarm for the net's sake.
#[test]
fn the_learned_net_adds_alarms_only_on_messages_long_enough_to_read() {
    let d = detector();
    let net = d.net().expect("the shipped config has a learned net");
    assert!(net.min_words() >= 3, "{}", net.min_words());
    // Danger in words no cue family holds, caught by the net alone.
    let only_net: Vec<String> = written("danger")
        .into_iter()
        .chain(blind("danger").into_iter().map(|(_, m)| m))
        .filter(|m| d.explain(m).rule.as_deref() == Some(signpost_core::safety::LEARNED))
        .collect();
    assert!(!only_net.is_empty(), "the net catches some danger no rule does, or it is dead weight");
    for m in ["2", "young person", "she's with him", "not sure"] {
        let v = d.explain(m);
        assert!(v.net.as_ref().is_some_and(|n| n.too_short), "{m:?}: {v:?}");
        assert_ne!(v.rule.as_deref(), Some(signpost_core::safety::LEARNED), "{m:?}");
    }
}

/// The net calms a rule's alarm only on a message of `calm_min_words` words or more, never a
/// `firm` rule's, and it does calm some of the tables' false alarms (else it is dead weight).
#[test]
fn the_net_calms_only_long_messages_and_never_a_firm_rule() {
    let d = detector();
    let (_, min_words) = d.net().and_then(|n| n.calm()).expect("the shipped net calms");
    let lines: Vec<String> = written("ordinary")
        .into_iter()
        .chain(written("danger"))
        .chain(blind("ordinary").into_iter().map(|(_, m)| m))
        .chain(blind("danger").into_iter().map(|(_, m)| m))
        .collect();
    let mut calmed = 0;
    for m in &lines {
        let v = d.explain(m);
        if v.overruled.is_some() {
            calmed += 1;
            assert!(signpost_core::safety::net::words(&v.prepared) >= min_words, "{m:?}");
            assert_eq!(d.rules_fire(m), Some(false), "a firm rule was calmed: {m:?}");
            assert!(!d.is_danger(m), "{m:?}");
        }
    }
    assert!(calmed > 0, "the net calmed no alarm in the tables");
    assert!(d.is_danger("im the carer for my nephew, 15, hes been gone since wednesday. social services are aware. his phone pinged in liverpool on thursday. no one is doing anything"));
}

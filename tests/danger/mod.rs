//! Danger triage against the shipped `config/danger.yaml`: the ways people say a child is in
//! danger now must all get the emergency message first, through every door of a conversation,
//! and ordinary worries must not.
//!
//! Two kinds of table. `DANGER` and `ORDINARY` below were grown with the patterns. The sets in
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

const DANGER: &[&str] = &[
    // Plain statements
    "my daughter is in danger",
    "She is in danger right now",
    "he's in danger",
    "a child is in immediate danger",
    "I think she's in serious danger tonight",
    "this is an emergency",
    "Its an emergency please help",
    "it's happening right now",
    "it is happening now",
    "they are hurting her right now",
    // With the person now
    "she's with him now",
    "shes with him right now",
    "he is with them now and i dont know the address",
    "my son is with the man now",
    "hes outside now",
    "they're outside again",
    "he's coming now",
    // Can't get away / trapped / held
    "I can't get away",
    "i cant get away from him",
    "cant get out",
    "I can not get away",
    "Can’t  get   away",
    "he won't let me leave",
    "they wont let her go",
    "I'm locked in a room",
    "she is locked in his flat",
    "we are trapped in the house",
    "i'm stuck in a car with them",
    "she's not allowed to leave",
    "my friend was kidnapped",
    "he's been taken away by some men",
    "someone is following me",
    "a man keeps following her home and he's outside now",
    // Being hurt
    "he's hurting me",
    "hes hurting me",
    "HE IS HURTING ME",
    "they are hitting her",
    "someone is attacking my son",
    "he is beating him up",
    "they're threatening him with a knife",
    "he has a knife",
    "one of them has got a gun",
    "my friend has been stabbed",
    "she's bleeding badly",
    "he threatened to kill her",
    "they said they are going to hurt me",
    "he's gonna kill me",
    "they are forcing me to have sex",
    "he is making her get in the car",
    "someone is touching me and i want it to stop",
    // Suicide, self-harm, overdose
    "I want to kill myself",
    "i want to kill my self",
    "she says she wants to kill herself",
    "he's going to hurt himself",
    "i keep harming myself and i want to die",
    "i want to die",
    "im going to end it all",
    "she's suicidal",
    "feeling suicidal",
    "she's taken an overdose",
    "he overdosed",
    "she took too many pills",
    "he swallowed loads of tablets",
    "she's unconscious",
    "he's not breathing",
    "she won't wake up",
    "i cant wake him",
    "my son has passed out after they gave him something",
    // Missing now
    "my 14 year old has gone missing tonight",
    "she's been missing since yesterday",
    "my son is missing",
    "my daughter has gone missing!",
    "she's missing",
    "he didn't come home last night and isn't answering",
    "I don't know where she is and it's 3am",
    "she got in a car with three older men",
    // Text-speak and typos
    "help me plz",
    "helpp mee plz",
    "sos",
    "SOS please",
    "hes hurting me rn right now",
    "in danger!!!",
    "im in danger",
    // Harder phrasings, added after the first table passed, to find real gaps
    "hes got her in his car and wont let her out",
    "pls come quick",
    "she's being held somewhere by them",
    "he punched me and he is still here",
    "im scared hes going to come back tonight",
    "she rang me crying saying they won't let her come home",
    "they've got my son and they're making him sell drugs right this minute",
    "my girl is at a party with older men and she's too drunk to stand up",
    "he has hurt her and she is bleeding",
    "i think shes being raped",
    "someone's forcing my brother into a car",
    "cant breathe",
    // Long messages with the danger in the middle
    "I've been worried about my daughter for weeks because she has a new phone and older friends, and tonight she texted me that she can't get away from them, I don't know what to do, she's 15",
    "sorry to bother you, my neighbour's boy is always out late, and just now I saw through the window that a man is hitting him in the car park, what should I do",
    "we had an argument earlier but now he says he wants to kill himself and he's locked himself in the bathroom",
    "My son (13) came back with cash again. Actually right now there are men outside our house shouting for him.",
    // Misses found by the audit of the shipped patterns (each got no 999 message)
    "they're outside",
    "he's outside my house",
    "he's at the door",
    "there's a man outside",
    "they are outside the house",
    "they have a knife",
    "they have a gun",
    "he pulled a knife on me",
    "hes got a machete",
    "he's carrying a knife",
    "he'll kill me",
    "they said theyll stab me",
    "he said he would kill me",
    "i fear for my life",
    "she'll hurt me",
    "i wanna die",
    "i dont want to live anymore",
    "i dont want to be here anymore",
    "kms",
    "i want to kil myself",
    "i took an od",
    "i'm trapped",
    "my daughter has been taken",
    "they took her",
    "i dont feel safe",
    "i'm not safe",
    "999",
    "call 999",
    "call the police",
    "call an ambulance",
    "police",
    // Danger-now phrasings that narrowed patterns must still catch
    "she got in a car with two men just now",
    "she's in a car with him now",
    "she's missing tonight",
    "he wont let her go home",
    "he won't let me go",
    "she rang me and said they won't let her out of the house",
    "I don't know where she is",
    "no idea where my daughter is and its 2am",
    "someone is following me on the way home",
    "a man is following me home",
    "please tell me what to do right now",
    "EMERGENCY",
    "it's a medical emergency",
    "i'm stuck in his car",
    // More variants of the audit's misses
    "there are two men outside the house shouting",
    "he's outside, what do I do",
    "someone's at the door and i'm scared",
    "he's pointing a gun at her",
    "my ex told me he's going to stab me",
    "she said she wants to die",
    "i wish i was dead",
    "i don't want to be alive",
    "gonna kms",
    "i think he's oded",
    "my son has been taken by some men",
    "he grabbed her and drove off",
    "i don't feel safe at home",
    "she's not safe with him",
    "999!!!",
    "please ring the police",
    "i need an ambulance",
    "POLICE!",
    "should i call the police",
    "I just saw a girl get into a car with two older men",
    "my 14 year old was taken away by a man",
    "he won't let me go out of the house",
    "my daughter went missing this afternoon and its dark now",
    "I don't know where she is or who she's with",
];

const ORDINARY: &[&str] = &[
    "my daughter has a new phone and won't say where from",
    "he's got a new iphone and won't say where from",
    "older boyfriend picks her up from school",
    "keeps going missing overnight",
    "she goes missing from school a lot",
    "he has been missing school",
    "she has an older boyfriend",
    "he comes home with money and new trainers",
    "she seems scared and secretive",
    "he's always on his phone late at night",
    "she has two phones",
    "he has been drinking",
    "she came home drunk last weekend",
    "he smells of cannabis",
    "I found cuts on her arm",
    "she has unexplained bruises",
    "his mood has changed a lot",
    "she stopped seeing her old friends",
    "a taxi keeps dropping her at a hotel",
    "I work at a hotel and a young girl came in with older men last week",
    "I'm a taxi driver and I picked up a young lad with an older man",
    "I'm a teacher",
    "I'm a parent",
    "I am worried about my friend",
    "is this happening to me?",
    "I'm not sure if I'm overreacting",
    "yes",
    "no",
    "Cambridge",
    "PE19 1AA",
    "I don't know",
    "thank you",
    "what does grooming mean",
    "she is safe at home now but I'm worried",
    "he's at school",
    "can you tell me who to contact",
    "my son plays online games with people he doesn't know",
    "she is danger-aware and careful",
    "he gets dangerously angry sometimes",
    "she kept saying she was fine",
    "hello",
    "",
    "🙂",
    "he washes a lot after coming home",
    // False alarms found by the audit: descriptions of signs, not danger now
    "he won't let her go out with her friends",
    "a young girl got in the taxi with two older men last night",
    "she's been missing school since september",
    "it's not an emergency",
    "this isnt an emergency",
    "I don't know where she is half the time",
    "an older boy keeps following her on instagram",
    "her phone was taken away at school",
    "she's stuck in her room all day",
    "I'm not sure what to do right now",
    // Near misses of the new and narrowed patterns
    "should i tell the police",
    "she doesn't want the police involved",
    "i called the police last week",
    "he's outside with his mates all night",
    "there are older men outside the school every day",
    "she doesn't want to live with her dad anymore",
    "he was taken to hospital",
    "she has taken away his phone",
    "they took her phone",
    "he took her to school",
    "i don't feel safe letting her go out",
    "she's not safe online",
    "he went missing last year",
    "she's gone missing before",
    "he's started following her on snapchat",
    "it's not a real emergency",
    "what's the non emergency number",
    "he won't let her go to school",
    "we ran 5 kms",
    "she's been missing her dad since the divorce",
    "my son is missing out on football",
    "he is missing lessons",
    "I don't know where she is when she goes out",
    "she's stuck in the house all day",
];

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
    let messages: Vec<String> = DANGER
        .iter()
        .map(|m| m.to_string())
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
    assert!(DANGER.len() >= 80, "the recall table needs at least 80 phrases, has {}", DANGER.len());
    let missed: Vec<&&str> = DANGER.iter().filter(|t| !detector().is_danger(t)).collect();
    assert!(missed.is_empty(), "missed danger phrases:\n{missed:#?}");
}

#[test]
fn ordinary_worries_do_not_trigger_the_emergency_message() {
    assert!(ORDINARY.len() >= 40, "the table needs at least 40 ordinary messages, has {}", ORDINARY.len());
    let flagged: Vec<&&str> = ORDINARY.iter().filter(|t| detector().is_danger(t)).collect();
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

//! The `signpost` binary as a user runs it: bad input gets a clear one-line error naming the
//! path, a non-zero exit, and never a panic.

use crate::support::content;
use std::process::{Command, Output};

fn signpost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the signpost binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_clean_failure(o: &Output, must_mention: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "must fail: {err}");
    assert!(!err.contains("panicked"), "must not panic: {err}");
    assert!(err.contains(must_mention), "must name {must_mention:?}: {err}");
}

#[test]
fn missing_flows_directory_is_named() {
    let o = signpost(&["check", "--flows", "no/such/dir"]);
    assert_clean_failure(&o, "no/such/dir: cannot read the flows directory");
}

#[test]
fn empty_flows_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().display().to_string();
    let o = signpost(&["check", "--flows", &path]);
    assert_clean_failure(&o, &format!("{path}: no flow files here"));
}

#[test]
fn a_file_that_is_not_yaml_is_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.yaml"), "flow: main\nnodes: [unclosed\n").unwrap();
    std::fs::write(dir.path().join("binary.yaml"), [0xff_u8, 0xfe, 0x00, 0x41]).unwrap();
    let path = dir.path().display().to_string();
    let o = signpost(&["check", "--flows", &path]);
    assert_clean_failure(&o, &format!("{path}/binary.yaml: not a text file"));
    let o = signpost(&["chat", "--flows", &path]);
    assert_clean_failure(&o, "error(s) in");
}

#[test]
fn check_locates_a_misspelt_goto_and_a_duplicated_node_id() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = content::fixtures("flows");
    for f in ["catalogue.yaml", "snippets.yaml"] {
        std::fs::copy(fixtures.join(f), dir.path().join(f)).unwrap();
    }
    let main = std::fs::read_to_string(fixtures.join("main.yaml")).unwrap();
    let broken = main.replacen("goto: who", "goto: hwo", 1);
    std::fs::write(dir.path().join("main.yaml"), &broken).unwrap();
    std::fs::write(dir.path().join("extra.yaml"), "flow: extra\nnodes:\n  menu:\n    say: Again\n    end: true\n")
        .unwrap();
    let path = dir.path().display().to_string();
    let o = signpost(&["check", "--flows", &path]);
    let err = stderr(&o);
    assert!(!o.status.success());
    let line = broken.lines().position(|l| l.contains("goto: hwo")).unwrap() + 1;
    assert!(
        err.contains(&format!("{path}/main.yaml:{line}:15: goes to unknown node \"hwo\" (did you mean \"who\"?)")),
        "{err}"
    );
    // Files load in name order, so the second "menu" is main.yaml's; both places are named.
    let menu = broken.lines().position(|l| l.starts_with("  menu:")).unwrap() + 1;
    assert!(
        err.contains(&format!("{path}/main.yaml:{menu}:3: node id \"menu\" is already used at {path}/extra.yaml:3:3")),
        "{err}"
    );
}

#[test]
fn scripted_chat_prints_messages_and_numbered_buttons() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(["chat", "--flows", "tests/fixtures/flows", "--at", "2026-11-24T10:00"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"no\n#1\nthey're with him now\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("[2] No\n"), "{text}");
    assert!(text.contains("> [No]"), "a label presses its button: {text}");
    assert!(text.contains("> [A parent]"), "#N presses the N-th button: {text}");
    let danger = text.find("> they're with him now").unwrap();
    assert!(text[danger..].lines().nth(1).unwrap().contains("call 999 now"), "{text}");
}

#[test]
fn route_explains_a_postcode() {
    let o = signpost(&["route", "cb4 1ab", "--at", "2026-11-24T10:00"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("cambridgeshire"), "{out}");
    assert!(out.contains("0345 045 5203"), "{out}");
}

#[test]
fn run_without_a_token_says_what_to_set() {
    let o = Command::new(env!("CARGO_BIN_EXE_signpost"))
        .args(["run", "--store", "memory"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("TELOXIDE_TOKEN")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_clean_failure(&o, "TELOXIDE_TOKEN is not set");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn danger_shows_the_rule_and_the_cues_and_what_calmed_them() {
    let o = signpost(&["danger", "hes hitting my daughter right now"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.starts_with("FIRES: the emergency message comes first"), "{out}");
    assert!(out.contains("read as: hes hitting my daughter right now"), "{out}");
    assert!(out.contains("harm_now  \"hes hitting\""), "the harm cue is named: {out}");
    assert!(out.contains("\"right now\""), "the time cue is named: {out}");

    let o = signpost(&["danger", "he used to hit her years ago"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("calm: no rule fires"), "{out}");
    assert!(out.contains("(calmed by past"), "the calming cue is named: {out}");
}

#[test]
fn danger_file_counts_and_lists_what_was_not_as_expected() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("set.tsv");
    std::fs::write(
        &file,
        "parent\tfirst\tsomeone has taken my son\n# a comment\n\nparent\tfirst\tmy son has new trainers\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let o = signpost(&["danger", "--file", &path, "--expect", "danger"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "a calm line in a danger set fails the run: {out}");
    assert!(out.contains("calm : my son has new trainers"), "{out}");
    assert!(!out.contains("someone has taken my son\n"), "only the wrong line is listed: {out}");
    assert!(out.contains("1 of 2 fire (50.0%)"), "{out}");
    assert!(out.contains("1 not as expected (50.0%)"), "{out}");
}

/// Writes a set to measure and runs `signpost danger --file` on it (with `more` arguments).
fn danger_set(lines: &str, more: &[&str]) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("set.tsv");
    std::fs::write(&file, lines).unwrap();
    let path = file.display().to_string();
    let mut args = vec!["danger", "--file", &path];
    args.extend(more);
    (signpost(&args), path)
}

#[test]
fn danger_file_types_a_line_at_the_question_it_names() {
    // No cue fires on "she's with him", but at the danger question anything but a clear answer
    // fails safe, so typed there it gets the emergency message first; typed mid-conversation
    // (the danger check alone) or as a first message it does not.
    let (o, _) = danger_set(
        "parent\tdanger\tshe's with him\nparent\tmid\tshe's with him\nparent\tfirst\tshe's with him\n\
         young\tanswer\the is hurting me right now\nteacher\tdanger_help\tno\n",
        &["--expect", "ordinary"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "a line that fires in an ordinary set fails the run: {out}");
    assert_eq!(
        out.matches("fires: she's with him\n").count(),
        1,
        "only where it was typed at the danger question: {out}"
    );
    assert!(out.contains("fires: he is hurting me right now\n"), "{out}");
    assert!(out.contains("2 of 5 fire (40.0%)\n"), "{out}");
    assert!(out.contains("2 not as expected (40.0%)\n"), "{out}");
    for by_where in ["  first 0/1\n", "  danger 1/1\n", "  danger_help 0/1\n", "  answer 1/1\n", "  mid 0/1\n"] {
        assert!(out.contains(by_where), "the breakdown has {by_where:?}: {out}");
    }
    let first = out.find("  first ").unwrap();
    assert!(first < out.find("  danger ").unwrap() && out.find("  answer ").unwrap() < out.find("  mid ").unwrap());
}

#[test]
fn danger_file_a_plain_no_at_the_danger_question_is_calm() {
    let (o, _) = danger_set("parent\tdanger\tno\nyoung\tdanger\tnope\n", &["--expect", "ordinary"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    assert!(out.contains("0 of 2 fire (0.0%)\n") && out.contains("  danger 0/2\n"), "{out}");
}

#[test]
fn danger_file_names_the_line_of_an_unknown_where_or_voice() {
    let (o, path) = danger_set("parent\tfirst\tfine\nparent\tdangr\tno\nbus driver\tanswer\tok\n", &[]);
    assert_clean_failure(&o, &format!("{path}:2:8: unknown where \"dangr\" (did you mean \"danger\"?)"));
    assert_clean_failure(&o, &format!("{path}:3:1: where \"answer\": unknown voice \"bus driver\""));
    assert!(o.stdout.is_empty(), "nothing is measured: {}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn danger_file_names_the_line_whose_question_the_flows_lack() {
    let (o, path) = danger_set("parent\tfirst\tfine\nparent\tdanger\tno\n", &["--flows", "tests/fixtures/flows"]);
    assert_clean_failure(&o, &format!("{path}:2:1: where \"danger\": no node \"main_danger\" in the flows"));
}

#[test]
fn check_locates_a_mistake_in_the_danger_cues() {
    let dir = tempfile::tempdir().unwrap();
    let config = content::shipped_config();
    for entry in std::fs::read_dir(&config).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let danger = std::fs::read_to_string(config.join("danger.yaml")).unwrap();
    let line = danger.lines().position(|l| l.trim() == "when: [weapon_held]").expect("the weapon rule") + 1;
    std::fs::write(dir.path().join("danger.yaml"), danger.replacen("when: [weapon_held]", "when: [weapon_hled]", 1))
        .unwrap();
    let path = dir.path().display().to_string();
    let o = signpost(&["check", "--config", &path]);
    assert_clean_failure(
        &o,
        &format!(
            "{path}/danger.yaml:{line}:12: rule names unknown family \"weapon_hled\" (did you mean \"weapon_held\"?)"
        ),
    );
}

/// A small pair of sets in a folder, for `--train` and `--cross-validate`.
fn net_tables() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, lines: &[&str]| {
        let text: String = lines.iter().map(|l| format!("parent\tfirst\t{l}\n")).collect();
        std::fs::write(dir.path().join(name), text).unwrap();
    };
    write("a-danger.tsv", &["he has a knife at her throat now", "she is unconscious and not breathing"]);
    write("a-ordinary.tsv", &["she has a new phone and cash", "her older boyfriend picks her up"]);
    write("b-danger.tsv", &["they are dragging her into a van now", "he has a knife and is outside now"]);
    write("b-ordinary.tsv", &["he keeps missing school on fridays", "new trainers and he wont say where from"]);
    dir
}

#[test]
fn danger_train_writes_a_net_the_bot_reads_and_says_what_it_fitted_on() {
    let tables = net_tables();
    let out = tables.path().join("net.tsv");
    let (t, o) = (tables.path().display().to_string(), out.display().to_string());
    let run = signpost(&["danger", "--train", &t, "--out", &o, "--threshold", "0.6"]);
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(said.contains("fitted on 4 danger and 4 ordinary lines"), "{said}");
    let net = std::fs::read_to_string(&out).unwrap();
    let net = signpost_core::safety::Net::from_str(&net, &o).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(net.threshold(), 0.6);
    // A folder with no tables is refused, rather than training a smaller net.
    let empty = tempfile::tempdir().unwrap();
    let e = empty.path().display().to_string();
    assert_clean_failure(&signpost(&["danger", "--train", &t, &e, "--out", &o]), "holds no *-danger.tsv");
}

#[test]
fn danger_cross_validate_leaves_each_set_out_and_prints_recall_by_threshold() {
    let tables = net_tables();
    let t = tables.path().display().to_string();
    let run = signpost(&["danger", "--cross-validate", &t]);
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(said.contains("each set left out in turn"), "{said}");
    let rows: Vec<&str> = said.lines().filter(|l| l.trim_start().starts_with("0.") && l.contains('%')).collect();
    assert!(rows.len() >= 5, "{said}");
    assert!(rows.iter().all(|r| r.matches('%').count() == 4), "{said}");
}

#[test]
fn check_locates_a_damaged_learned_net() {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(content::shipped_config()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let net = dir.path().join("danger-net.tsv");
    let text = std::fs::read_to_string(&net).unwrap().replacen("\nthreshold\t", "\nthreshold\tx", 1);
    std::fs::write(&net, text).unwrap();
    let d = dir.path().display().to_string();
    let o = signpost(&["check", "--config", &d]);
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(!o.status.success(), "{all}");
    assert!(all.contains("danger-net.tsv:") && all.contains("is not a number"), "{all}");
}

#[test]
fn danger_says_when_the_net_calmed_a_rule_and_names_it() {
    // A long story told after the fact: a rule that is not firm fires on "fear" and "here", and
    // the net, sure it is ordinary, calms it.
    let text = "i picked up a boy in school uniform at 11am from a house in Bolton and took him to Wigan. Paid cash. Said he was visiting his uncle. Thats 3 weeks ago now";
    let o = signpost(&["danger", text]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        out.starts_with("calm: rule \"being taken somewhere, now or soon\" fired, but the learned net is sure"),
        "{out}"
    );
    assert!(out.contains("would calm a rule that is not firm"), "{out}");
}

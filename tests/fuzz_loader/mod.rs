//! Fuzzing the flow loader: arbitrary text, and the shipped flow files with random damage, never
//! panic and always end in located errors (`path:line:column`, inside the file).
//! Cases scale with SIGNPOST_FUZZ_CASES (SAFETY.md records the long run).

use proptest::prelude::*;
use signpost_core::flow::{validate, ValidateContext};
use signpost_core::source::SourceFile;

fn cases() -> u32 {
    std::env::var("SIGNPOST_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}

fn shipped_files() -> Vec<SourceFile> {
    signpost_core::flow::load_dir(&crate::support::content::shipped_flows()).expect("shipped flows are readable")
}

fn ctx() -> ValidateContext {
    ValidateContext {
        areas: ["cambridgeshire", "peterborough", "bedfordshire", "dorset", "elsewhere"].map(String::from).to_vec(),
        max_area_label_chars: 30,
        max_contacts_chars: 900,
        footer_chars: 50,
    }
}

/// Every diagnostic names a file we gave and a line inside it (0 = the whole file).
fn check_located(files: &[SourceFile]) -> Result<(), TestCaseError> {
    let (flows, diags) = validate(files, &ctx());
    if flows.is_none() {
        prop_assert!(diags.iter().any(|d| d.is_error()), "no flows, so there must be an error");
    }
    for d in &diags {
        let file = files.iter().find(|f| f.origin == d.origin);
        prop_assert!(file.is_some(), "diagnostic names an unknown file: {d}");
        // YAML counts \r, \n and \r\n as line breaks.
        let text = &file.unwrap().text;
        let lines = text.replace("\r\n", "\n").chars().filter(|c| *c == '\n' || *c == '\r').count() + 1;
        prop_assert!(d.line <= lines + 1, "line {} outside a {lines}-line file: {d}", d.line);
        prop_assert!(!d.message.is_empty());
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Damage {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Indent(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Damage::Delete { at, len }),
        (
            any::<usize>(),
            prop_oneof![
                Just(":".to_string()),
                Just("- ".to_string()),
                Just("\n  x: [".to_string()),
                Just("{".to_string()),
                Just("\"".to_string()),
                Just("&a *a".to_string()),
                Just("!!tag ".to_string()),
                "\\PC{0,12}"
            ]
        )
            .prop_map(|(at, text)| Damage::Insert { at, text }),
        any::<usize>().prop_map(Damage::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
        any::<usize>().prop_map(Damage::Indent),
    ]
}

fn apply(text: &str, d: &Damage) -> String {
    let floor = |s: &str, mut i: usize| {
        i = i.min(s.len());
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let n = lines.len().max(1);
    match d {
        Damage::Delete { at, len } => {
            let a = floor(text, at % (text.len() + 1));
            let b = floor(text, a + len);
            format!("{}{}", &text[..a], &text[b..])
        }
        Damage::Insert { at, text: t } => {
            let a = floor(text, at % (text.len() + 1));
            format!("{}{t}{}", &text[..a], &text[a..])
        }
        Damage::DuplicateLine(i) if !lines.is_empty() => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
            lines.join("\n")
        }
        Damage::SwapLines(a, b) if !lines.is_empty() => {
            lines.swap(a % n, b % n);
            lines.join("\n")
        }
        Damage::Indent(i) if !lines.is_empty() => {
            lines[i % n] = format!("   {}", lines[i % n]);
            lines.join("\n")
        }
        _ => text.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}", bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        check_located(&[SourceFile::new("flows/a.yaml", text), SourceFile::new("flows/b.yaml", lossy)])?;
    }

    #[test]
    fn damaged_shipped_flows_give_located_errors(file in 0usize..64, hits in prop::collection::vec(damage(), 1..4)) {
        let mut files = shipped_files();
        let i = file % files.len();
        for d in &hits {
            files[i].text = apply(&files[i].text, d);
        }
        check_located(&files)?;
    }
}

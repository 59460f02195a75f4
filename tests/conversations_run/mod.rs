//! Runs every transcript in `tests/conversations/` against the shipped flows and config, and
//! prints the whole expected and actual transcript of any that fail.

use crate::support::content;
use signpost_staff::transcript;

#[test]
fn shipped_conversations_pass() {
    let content = content::shipped();
    let dir = content::root().join("tests/conversations");
    let files = transcript::collect(&[dir.as_path()]).unwrap_or_else(|d| panic!("{d:?}"));
    assert!(files.len() >= 5, "expected transcripts in {}", dir.display());
    let mut report = String::new();
    for file in &files {
        let outcome = transcript::run(content, file).unwrap_or_else(|d| panic!("{d}"));
        if !outcome.passed() {
            report.push_str(&format!(
                "FAIL {} ({})\n{}\n--- transcript ---\n{}\n",
                outcome.name,
                outcome.origin,
                outcome.failures.join("\n"),
                outcome.report
            ));
        }
    }
    assert!(report.is_empty(), "{report}");
}

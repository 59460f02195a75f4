//! The readability checker: messages in a flow for young readers use short sentences and short
//! words. Its findings are warnings: a person judges the wording.

use super::Report;
use crate::diag::Location;
use crate::flow::Node;

/// Warn about each problem for a young reader in `node`'s message `say`, written at `say_loc`.
pub(super) fn check(node: &Node, say: &str, say_loc: &Location, report: &mut Report) {
    for problem in readability(say) {
        report.warn(say_loc.clone(), format!("hard to read for a young person in node \"{}\": {problem}", node.id));
    }
}

/// Plain-language problems for a young reader: long sentences and long words.
fn readability(text: &str) -> Vec<String> {
    const MAX_SENTENCE_WORDS: usize = 20;
    const MAX_WORD_CHARS: usize = 13;
    let mut problems = Vec::new();
    for sentence in text.split(['.', '!', '?', '\n', ':', ';']) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        if words.len() > MAX_SENTENCE_WORDS {
            let start: Vec<&str> = words.iter().take(6).copied().collect();
            problems.push(format!(
                "a sentence of {} words (\"{} ...\"); keep sentences under {}",
                words.len(),
                start.join(" "),
                MAX_SENTENCE_WORDS + 1
            ));
        }
        for w in words {
            let letters: String = w.chars().filter(|c| c.is_alphabetic()).collect();
            let is_link = w.contains('.') || w.contains('/') || w.contains('@') || w.contains('{');
            if !is_link && letters.chars().count() > MAX_WORD_CHARS {
                problems.push(format!("the long word \"{letters}\"; is there a shorter one?"));
            }
        }
    }
    problems
}

//! Long texts cut into messages Telegram accepts: at most 4096 UTF-16 code units each (that is
//! how Telegram counts), cut at paragraph breaks, then line breaks, then spaces, and only as a
//! last resort between characters (never inside a character, so never inside a surrogate pair).
//!
//! Messages are sent as plain text with no parse mode, so nothing in the content needs escaping
//! and nothing a flow or config says can break the formatting.

use crate::staff::MARKER;
use signpost_core::safety::FOOTER;

/// Telegram's limit on a message's text, in UTF-16 code units.
pub const MAX_UTF16: usize = 4096;

/// Where to cut, best first.
const SEPARATORS: [&str; 3] = ["\n\n", "\n", " "];

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The messages to send for one reply's text, in order. A text that fits is sent as it is.
/// When it must be cut from a reply that ends with the 999 line (the first of a turn), every
/// part but the last ends with it too, so no part of that message is without it; the buttons go
/// on the last part. A later reply of the turn, which has no 999 line, gets none.
/// A staff sandbox message (it opens with the test marker) has the marker on every part, so
/// no part can be mistaken for live advice.
pub fn split_reply(text: &str) -> Vec<String> {
    if utf16_len(text) <= MAX_UTF16 {
        return vec![text.to_string()];
    }
    let marker = if text.starts_with(MARKER) { format!("{MARKER} (continued)\n\n") } else { String::new() };
    let room = MAX_UTF16 - utf16_len(FOOTER) - 2 - utf16_len(&marker);
    let mut parts = split(text, room);
    let last = parts.len().saturating_sub(1);
    let offers = text.contains("999");
    for part in &mut parts[..last] {
        if offers && !part.contains("999") {
            part.push_str("\n\n");
            part.push_str(FOOTER);
        }
    }
    for part in parts.iter_mut().skip(1) {
        part.insert_str(0, &marker);
    }
    parts
}

/// Cut `text` into trimmed, non-empty parts of at most `max` UTF-16 units each.
pub fn split(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    cut(text.trim(), max, 0, &mut out);
    out.retain(|p| !p.is_empty());
    out
}

fn cut(text: &str, max: usize, level: usize, out: &mut Vec<String>) {
    if utf16_len(text) <= max {
        out.push(text.trim().to_string());
        return;
    }
    let Some(sep) = SEPARATORS.get(level) else {
        return cut_chars(text, max, out);
    };
    let mut current = String::new();
    for piece in text.split(sep) {
        let joined = if current.is_empty() { piece.to_string() } else { format!("{current}{sep}{piece}") };
        if utf16_len(joined.trim()) <= max {
            current = joined;
            continue;
        }
        if !current.trim().is_empty() {
            out.push(current.trim().to_string());
        }
        if utf16_len(piece.trim()) <= max {
            current = piece.to_string();
        } else {
            cut(piece.trim(), max, level + 1, out);
            current = String::new();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
}

/// The last resort: whole characters, as many as fit.
fn cut_chars(text: &str, max: usize, out: &mut Vec<String>) {
    let mut current = String::new();
    let mut units = 0;
    for ch in text.chars() {
        let n = ch.len_utf16();
        if units + n > max {
            out.push(std::mem::take(&mut current));
            units = 0;
        }
        current.push(ch);
        units += n;
    }
    if !current.is_empty() {
        out.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_a_long_sandbox_message_is_marked() {
        let text = format!("{MARKER} · sandbox tool\n\n{}", "flows/main.yaml:1:1: a problem\n".repeat(400));
        let parts = split_reply(&text);
        assert!(parts.len() > 1);
        for p in &parts {
            assert!(p.starts_with(MARKER), "{p}");
            assert!(utf16_len(p) <= MAX_UTF16);
        }
        let public = split_reply(&"a line of advice\n".repeat(400));
        assert!(public.iter().all(|p| !p.contains(MARKER)));
    }

    #[test]
    fn a_short_text_is_one_message_unchanged() {
        let text = format!("Hello.\n\n{FOOTER}");
        assert_eq!(split_reply(&text), vec![text]);
    }

    #[test]
    fn cuts_at_paragraphs_first() {
        let para = "a".repeat(3000);
        let text = format!("{para}\n\n{para}\n\n{FOOTER}");
        let parts = split_reply(&text);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[0].starts_with(&para));
        assert!(parts[0].ends_with(FOOTER), "every part shows 999");
        assert!(parts[1].starts_with(&para) && parts[1].ends_with(FOOTER));
        assert!(parts.iter().all(|p| utf16_len(p) <= MAX_UTF16));
    }

    #[test]
    fn cuts_a_long_paragraph_at_lines_then_spaces() {
        let line = "word ".repeat(300);
        let text = vec![line.trim(); 20].join("\n");
        let parts = split(&text, 4000);
        assert!(parts.len() > 1);
        for p in &parts {
            assert!(utf16_len(p) <= 4000);
            assert!(!p.starts_with(' ') && !p.ends_with(' '));
        }
        let words: usize = parts.iter().map(|p| p.split_whitespace().count()).sum();
        assert_eq!(words, 300 * 20, "nothing is lost");
        let one_line = "word ".repeat(2000);
        let parts = split(&one_line, 4096);
        assert!(parts.iter().all(|p| utf16_len(p) <= 4096 && p.split(' ').all(|w| w == "word")));
    }

    #[test]
    fn counts_utf16_and_never_splits_a_surrogate_pair() {
        // Each emoji is 2 UTF-16 units but 1 char and 4 bytes: 2100 of them is 4200 units.
        let text: String = "😀".repeat(2100);
        assert_eq!(text.chars().count(), 2100, "fits by chars, not by UTF-16");
        let parts = split(&text, MAX_UTF16);
        assert_eq!(parts.len(), 2);
        assert_eq!(utf16_len(&parts[0]), 4096);
        assert_eq!(parts.concat(), text, "whole characters only");
        // An odd limit cannot be met inside a pair: the part stops one unit short.
        let parts = split(&text, 4095);
        assert_eq!(utf16_len(&parts[0]), 4094);
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn exactly_the_limit_is_one_message() {
        let text = "é".repeat(MAX_UTF16);
        assert_eq!(split_reply(&text).len(), 1);
        let text = "é".repeat(MAX_UTF16 + 1);
        let parts = split_reply(&text);
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| utf16_len(p) <= MAX_UTF16));
    }
}

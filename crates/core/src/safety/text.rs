//! The form of a message that danger cues are matched against: lower-case words separated by
//! single spaces, with the message's clause and sentence breaks kept as tokens of their own.
//!
//! The breaks matter because the triage scopes negation, the past and questions to the clause a
//! cue is in: "no one is hurting her" is calm, "he used to hit her years ago" is calm, but in
//! "she was fine earlier, now hes hitting her" the "fine" belongs to another clause. Spelling is
//! folded a little so cue lists stay short: apostrophes go ("can't" is "cant"), text-speak words
//! take one spelling ("u" is "you", "rn" is "right now"), a letter typed three or more times is
//! typed once ("helppp" is "help"), and a dropped g is put back ("hittin" is "hitting").

use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// The token that ends a clause (a comma, a colon, a bracket, a dash, or "and", "but", "so",
/// "then", "because"). Quotes are not breaks: "he says hes going to "sort me out"" is one.
pub const CLAUSE: &str = ",";
/// The token that ends a sentence (a full stop, "!" or "?", a line break).
pub const SENTENCE: &str = ".";

/// Text-speak and contractions, each mapped to the one spelling cue patterns are written in.
/// A word is replaced only when it is the whole word.
const WORDS: &[(&str, &str)] = &[
    ("u", "you"),
    ("ya", "you"),
    ("yu", "you"),
    ("ur", "your"),
    ("youre", "your"),
    ("r", "are"),
    ("pls", "please"),
    ("plz", "please"),
    ("plss", "please"),
    ("plse", "please"),
    ("pleas", "please"),
    ("pleez", "please"),
    ("rn", "right now"),
    ("atm", "right now"),
    ("asap", "now"),
    ("ppl", "people"),
    ("wat", "what"),
    ("wot", "what"),
    ("wht", "what"),
    ("dnt", "dont"),
    ("cnt", "cant"),
    ("cannot", "cant"),
    ("carnt", "cant"),
    ("gonna", "going to"),
    ("gunna", "going to"),
    ("wanna", "want to"),
    ("tryna", "trying to"),
    ("gotta", "got to"),
    ("gona", "going to"),
    ("ama", "im going to"),
    ("imma", "im going to"),
    ("ima", "im going to"),
    ("bc", "because"),
    ("cos", "because"),
    ("coz", "because"),
    ("cuz", "because"),
    ("abt", "about"),
    ("tho", "though"),
    ("2nite", "tonight"),
    ("tonite", "tonight"),
    ("2night", "tonight"),
    ("tmrw", "tomorrow"),
    ("idk", "i dont know"),
    ("dunno", "dont know"),
    ("til", "until"),
    ("tmr", "tomorrow"),
    ("tomoz", "tomorrow"),
    ("b4", "before"),
    ("mins", "minutes"),
    ("min", "minutes"),
    ("hrs", "hours"),
    ("hr", "hour"),
    ("bf", "boyfriend"),
    ("gf", "girlfriend"),
    ("bday", "birthday"),
    ("sum1", "someone"),
    ("some1", "someone"),
    ("any1", "anyone"),
    ("no1", "no one"),
    ("noone", "no one"),
    ("nobody", "no one"),
    ("somebody", "someone"),
    ("anybody", "anyone"),
    ("kidnaped", "kidnapped"),
    ("tabs", "tablets"),
    ("paracetomol", "paracetamol"),
    ("paracetemol", "paracetamol"),
    ("bleedin", "bleeding"),
    ("helpp", "help"),
    ("hlep", "help"),
    ("rite", "right"),
    ("ryt", "right"),
    ("dey", "they"),
    ("dem", "them"),
    ("ders", "theres"),
    ("dere", "there"),
    ("der", "there"),
    ("wiv", "with"),
    ("wid", "with"),
    ("nd", "and"),
    ("n", "and"),
    ("da", "the"),
    ("dat", "that"),
    ("wen", "when"),
    ("ova", "over"),
    ("outsid", "outside"),
    ("outsde", "outside"),
    ("kno", "know"),
    ("knw", "know"),
    ("gna", "going to"),
    ("finna", "going to"),
    ("bout", "about"),
    ("ma", "my"),
    ("shud", "should"),
    ("cud", "could"),
    ("wud", "would"),
    ("evry", "every"),
    ("hme", "home"),
    ("omw", "on my way"),
    ("sumone", "someone"),
    ("sumthing", "something"),
    ("smth", "something"),
    ("sth", "something"),
    ("aint", "isnt"),
    ("hlp", "help"),
    ("halp", "help"),
    ("hepl", "help"),
    ("hellp", "help"),
    ("heelp", "help"),
    ("mee", "me"),
    ("breathin", "breathing"),
];

/// Two-word forms made one, so "he is" and "hes" need not both be written in every cue.
const PAIRS: &[(&str, &str, &str)] = &[
    ("i", "am", "im"),
    ("he", "is", "hes"),
    ("she", "is", "shes"),
    ("they", "are", "theyre"),
    ("it", "is", "its"),
    ("there", "is", "theres"),
    ("that", "is", "thats"),
    ("who", "is", "whos"),
    ("do", "not", "dont"),
    ("does", "not", "doesnt"),
    ("did", "not", "didnt"),
    ("is", "not", "isnt"),
    ("are", "not", "arent"),
    ("was", "not", "wasnt"),
    ("will", "not", "wont"),
    ("can", "not", "cant"),
    ("has", "not", "hasnt"),
    ("have", "not", "havent"),
    ("could", "not", "couldnt"),
    ("would", "not", "wouldnt"),
    ("they", "will", "theyll"),
    ("he", "will", "hell"),
    ("she", "will", "shell"),
    ("i", "will", "ill"),
    ("no", "body", "no one"),
    ("y", "o", "year old"),
    ("some", "one", "someone"),
    ("any", "one", "anyone"),
    ("right", "now", "right now"),
];

/// How an age is shortened after a number: "13yo", "13 yo", "14yrs".
const AGE: &[&str] = &["yo", "yr", "yrs", "yro", "yearold", "yearsold", "yrsold", "yrold"];

/// Words ending in "in" that are not a "-ing" word with the g dropped.
const KEEP_IN: &[&str] = &[
    "again",
    "begin",
    "within",
    "cousin",
    "brain",
    "train",
    "chain",
    "plain",
    "stain",
    "remain",
    "explain",
    "contain",
    "certain",
    "captain",
    "cabin",
    "robin",
    "violin",
    "mountain",
    "margin",
    "basin",
    "domain",
    "britain",
    "curtain",
    "muffin",
    "penguin",
    "pumpkin",
    "dolphin",
    "toxin",
    "satin",
    "raisin",
    "bargain",
    "villain",
    "fountain",
    "martin",
    "justin",
    "kevin",
    "gavin",
    "dublin",
    "berlin",
    "erin",
    "robin",
    "latin",
    "protein",
    "insulin",
    "heroin",
    "cocain",
    "skin",
    "grin",
    "spin",
    "twin",
    "thin",
    "chin",
    "join",
    "coin",
    "ruin",
    "vein",
    "main",
    "pain",
    "rain",
    "gain",
    "vain",
    "drain",
    "brain",
    "grain",
    "sprain",
    "obtain",
    "sustain",
    "detain",
    "retain",
    "maintain",
    "complain",
    "entertain",
    "origin",
    "austin",
    "dustin",
    "darwin",
    "aladdin",
    "assassin",
    "goblin",
    "napkin",
    "bodkin",
    "catkin",
    "tarpaulin",
    "ketamin",
    "vitamin",
];

/// What a typed word becomes.
#[derive(Clone, Copy)]
enum Fold {
    /// "but", "and", "so", "then", "because": a clause starts here, with the word.
    Clause(&'static str),
    /// Another spelling of these words.
    To(&'static str),
}

// The word lists as maps with a fast hash, built once: looking every word up in the lists one by
// one was most of the cost of reading a long message.
fn fold(w: &str) -> Option<Fold> {
    static M: OnceLock<FxHashMap<&'static str, Fold>> = OnceLock::new();
    M.get_or_init(|| {
        let mut m: FxHashMap<_, _> = WORDS.iter().map(|&(from, to)| (from, Fold::To(to))).collect();
        for w in ["but", "and", "so", "then", "because"] {
            m.insert(w, Fold::Clause(w));
        }
        for w in ["cos", "coz", "cuz", "bc"] {
            m.insert(w, Fold::Clause("because"));
        }
        m
    })
    .get(w)
    .copied()
}

fn pair_for(a: &str, b: &str) -> Option<&'static str> {
    static M: OnceLock<FxHashMap<(&'static str, &'static str), &'static str>> = OnceLock::new();
    M.get_or_init(|| PAIRS.iter().map(|&(x, y, to)| ((x, y), to)).collect()).get(&(a, b)).copied()
}

fn keeps_in(w: &str) -> bool {
    static M: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    M.get_or_init(|| KEEP_IN.iter().copied().collect()).contains(w)
}

/// A word of the prepared text: a stretch of the lowered buffer, or a fixed word.
#[derive(Clone, Copy)]
enum Tok {
    Buf(usize, usize),
    Fixed(&'static str),
}

/// The words so far, kept as stretches of one buffer so that a word costs no allocation.
#[derive(Default)]
struct Words {
    buf: String,
    toks: Vec<Tok>,
    /// Where the word being typed began in `buf`.
    start: usize,
}

impl Words {
    fn text(&self, t: Tok) -> &str {
        match t {
            Tok::Buf(a, b) => &self.buf[a..b],
            Tok::Fixed(s) => s,
        }
    }

    fn last_is_break(&self) -> bool {
        self.toks.last().is_some_and(|&t| is_break(self.text(t)))
    }

    /// A break after a break keeps the stronger one; a break at the start is dropped.
    fn push_break(&mut self, b: &'static str) {
        if self.last_is_break() {
            if b == SENTENCE {
                *self.toks.last_mut().expect("a break") = Tok::Fixed(SENTENCE);
            }
        } else if !self.toks.is_empty() {
            self.toks.push(Tok::Fixed(b));
        }
    }

    /// The word typed since `start` ends here.
    fn flush(&mut self) {
        let (a, b) = (self.start, self.buf.len());
        self.start = b;
        if a == b {
            return;
        }
        let w = &self.buf[a..b];
        match fold(w) {
            // These start a clause of their own: "she was missing but shes home now", "he used to
            // hit her and now hes back".
            Some(Fold::Clause(c)) => {
                self.push_break(CLAUSE);
                self.toks.push(Tok::Fixed(c));
            }
            Some(Fold::To(to)) => self.toks.extend(to.split(' ').map(Tok::Fixed)),
            None => self.push_word(a, b),
        }
    }

    fn push_word(&mut self, a: usize, b: usize) {
        if drops_g(&self.buf[a..b]) {
            // "hittin" -> "hitting": the word is the last thing in the buffer.
            self.buf.push('g');
            self.start = self.buf.len();
            self.toks.push(Tok::Buf(a, self.buf.len()));
        } else {
            self.toks.push(Tok::Buf(a, b));
        }
    }
}

/// Prepare `text` for cue matching: see the module doc. The result holds words of lower-case
/// letters and digits and the break tokens [`CLAUSE`] and [`SENTENCE`], each separated by one
/// space, with no break at either end. A command at the start ("/start ...") is dropped, since
/// what follows it is what the person said.
pub fn prepare_for_cues(text: &str) -> String {
    let text = text.trim_start();
    let text = match text.strip_prefix('/') {
        Some(rest) => rest.split_once(char::is_whitespace).map_or("", |(_, after)| after),
        None => text,
    };
    let mut words = Words { buf: String::with_capacity(text.len() + 16), ..Words::default() };
    let mut last: Option<char> = None;
    let mut run: u32 = 0;
    // ASCII text is its own NFKC form; only other text pays for normalising.
    let folded: Cow<str> = if text.is_ascii() { Cow::Borrowed(text) } else { Cow::Owned(text.nfkc().collect()) };
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        let brk = match c {
            '\'' | '’' | '‘' | '`' | '´' | 'ʼ' | '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' | '\u{fe0f}' => {
                continue
            }
            // The SOS and siren emoji are a plea as plainly as the word.
            '🆘' | '🚨' => {
                words.flush();
                words.toks.push(Tok::Fixed("sos"));
                None
            }
            '.' => {
                // "3.30" and "e.g" are not the end of a sentence.
                let next = chars.peek().copied();
                if next.is_some_and(|n| n.is_alphanumeric()) && last.is_some_and(|l| l.is_alphanumeric()) {
                    Some(" ")
                } else {
                    Some(SENTENCE)
                }
            }
            // "3:15" is a time, not a break.
            ':' if last.is_some_and(|l| l.is_ascii_digit()) && chars.peek().is_some_and(char::is_ascii_digit) => {
                Some(" ")
            }
            '!' | '?' | '\n' | '\r' | '…' => Some(SENTENCE),
            ',' | ';' | ':' | '(' | ')' | '[' | ']' | '–' | '—' => Some(CLAUSE),
            c if c.is_ascii_alphanumeric() => {
                push_letter(&mut words.buf, &mut last, &mut run, c.to_ascii_lowercase());
                continue;
            }
            c if c.is_alphanumeric() => {
                for l in c.to_lowercase() {
                    push_letter(&mut words.buf, &mut last, &mut run, l);
                }
                continue;
            }
            _ => Some(" "),
        };
        last = None;
        run = 0;
        words.flush();
        match brk {
            Some(" ") | None => {}
            Some(b) => words.push_break(b),
        }
    }
    words.flush();
    while words.last_is_break() {
        words.toks.pop();
    }
    let toks: Vec<&str> = words.toks.iter().map(|&t| words.text(t)).collect();
    let toks = answer_stands_alone(join_pairs(toks));
    let mut out = String::with_capacity(text.len() + 16);
    for w in toks.iter().skip_while(|w| is_break(w)) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// A message that opens with an answer to the bot's question ("no", "none of them", "not
/// sure") and goes on to say more: the answer is a clause of its own, so its "no" does not
/// negate what follows. "no hes being beaten up outside" says he is; "none of them hes been
/// stabbed" says he has. A "no" that begins a noun ("no one came", "no phone") is left alone.
fn answer_stands_alone(mut toks: Vec<&str>) -> Vec<&str> {
    const AFTER_NO: &[&str] = &[
        "he", "hes", "she", "shes", "they", "theyre", "there", "theres", "it", "its", "i", "im", "ive", "we", "were",
        "my", "our", "the", "this", "that", "her", "his", "him", "them", "someone", "somebody", "you", "youre", "not",
        "nothing", "wait", "actually", "sorry", "please", "help",
    ];
    let answer = match toks.as_slice() {
        ["none", "of", "the", "above", ..] => 4,
        ["none", "of", "these" | "them" | "those" | "that" | "this", ..] => 3,
        ["nothing", "like", "that", ..] | ["not", "right", "now", ..] => 3,
        ["not", "sure" | "really" | "now", ..] => 2,
        ["no" | "nope" | "nah" | "yes" | "yeah" | "yep" | "yh", ..] => 1,
        _ => 0,
    };
    // Only before the start of a new statement ("no hes ..."), never before a word the answer
    // would still negate ("not really hurt").
    if answer > 0 && toks.get(answer).is_some_and(|next| AFTER_NO.contains(next)) {
        toks.insert(answer, CLAUSE);
    }
    toks
}

/// Add a lower-case letter or digit to the word being typed. A letter typed three or more times
/// in a row counts once: "helppp", "pleeease".
fn push_letter(buf: &mut String, last: &mut Option<char>, run: &mut u32, l: char) {
    *run = if *last == Some(l) && l.is_alphabetic() { *run + 1 } else { 1 };
    *last = Some(l);
    if *run < 3 {
        buf.push(l);
    } else if *run == 3 {
        buf.pop();
    }
}

fn is_break(w: &str) -> bool {
    matches!(w.as_bytes(), [b','] | [b'.'])
}

/// "hittin" is "hitting": a word of five letters or more ending in a consonant and "in".
fn drops_g(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 5
        && w.ends_with("in")
        && b[b.len() - 3].is_ascii_lowercase()
        && !b"aeiou".contains(&b[b.len() - 3])
        && !keeps_in(w)
}

fn join_pairs(words: Vec<&str>) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    for w in words {
        // "13yo", "13 yo", "14yrs": an age.
        let digits = w.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && AGE.contains(&&w[digits..]) {
            out.extend([&w[..digits], "year", "old"]);
            continue;
        }
        if let Some(&prev) = out.last() {
            if AGE.contains(&w) && prev.bytes().all(|b| b.is_ascii_digit()) {
                out.extend(["year", "old"]);
                continue;
            }
            if ["yrs", "yr"].contains(&w) {
                out.push(if w == "yr" { "year" } else { "years" });
                continue;
            }
            if let Some(to) = pair_for(prev, w) {
                out.pop();
                out.extend(to.split(' '));
                continue;
            }
        }
        out.push(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_are_kept_and_spelling_is_folded() {
        let cases = [
            ("Can’t  GET away!!", "cant get away"),
            ("he is hurting her, pls help!", "hes hurting her , please help"),
            ("HELPPP meee", "help me"),
            ("they r outside rn", "theyre outside right now"),
            ("it's 3.30. she is not home", "its 3 30 . shes not home"),
            ("at 3:15: the gates", "at 3 15 , the gates"),
            ("she was missing but she is home now", "she was missing , but shes home now"),
            ("he hit her and now hes back cos", "he hit her , and now hes back , because"),
            ("hes hittin her", "hes hitting her"),
            ("my cousin is here", "my cousin is here"),
            ("/start my son is being hurt", "my son is being hurt"),
            ("/start", ""),
            ("🆘", "sos"),
            ("in\u{200b} dan\u{200b}ger", "in danger"),
            ("", ""),
            ("...", ""),
            ("a 13 y o girl", "a 13 year old girl"),
            ("no body came", "no one came"),
            ("no hes being beaten up outside", "no , hes being beaten up outside"),
            ("none of them he's been stabbed", "none of them , hes been stabbed"),
            ("not sure tbh", "not sure tbh"),
            ("not really hurt, just pushed", "not really hurt , just pushed"),
            ("no one is hurting her", "no one is hurting her"),
            ("no phone signal", "no phone signal"),
            ("no, she is safe", "no , shes safe"),
        ];
        for (text, want) in cases {
            assert_eq!(prepare_for_cues(text), want, "{text:?}");
        }
    }
}

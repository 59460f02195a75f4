//! `signpost danger --file`: measure a set of messages (a blind set) as the user meets them.
//!
//! A line is `voice<TAB>where<TAB>message`, or a bare message. `where` says where it was typed:
//! `first` (the first message of a new conversation), the key of one of the flows' questions in
//! [`QUESTIONS`] (the conversation is put at that question, as that voice, and the message is
//! typed there), or `mid` (somewhere in a conversation, question unknown). What counts is what
//! the user sees: a line fires when the engine's first reply to it is the emergency message, so
//! a question that fails safe (the danger question answers anything but a clear no with 999)
//! fires for words the danger check alone would let pass. `mid` lines and bare messages have no
//! question to type them at and are read by the danger check alone, as the older sets were.
//!
//! Two stages, like the flows: [`parse`] reads the lines and their keys and needs no flows;
//! [`DangerSet::resolve`] puts each line's conversation at its question in the loaded flows. An
//! unknown key or voice, or a question whose node the flows lack, is an error naming its line,
//! and the caller measures nothing until there are none. This module reads no files and prints
//! nothing.

use chrono::{DateTime, Utc};
use signpost_core::content::Content;
use signpost_core::diag::{self, Diagnostic, Location};
use signpost_core::engine::{self, Effect, Input, ReplyKind, Session};

/// A question a line may be typed at: its key, the node adults and young people see it at, and
/// what the conversation holds by the time it is asked.
struct Question {
    key: &'static str,
    adults: &'static str,
    young: &'static str,
    holds: &'static [Holds],
}

/// What a conversation holds when it reaches a question, besides where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holds {
    /// Who the user is: chosen at "who are you?", so every later question has it.
    Audience,
    /// An area ([`AREA`]): the answer names its contacts.
    Area,
    /// A sign found in the user's words ([`SIGN`]), waiting to be confirmed.
    Found,
    /// A sign the user chose ([`SIGN`]).
    Chosen,
}

use Holds::{Area, Audience, Chosen, Found};

/// Every question a line may name. The danger question, its follow-up and "who are you?" come
/// before the audience is known; "answer" is the audience's answer with an ordinary sign.
const QUESTIONS: &[Question] = &[
    Question { key: "danger", adults: "main_danger", young: "main_danger", holds: &[] },
    Question { key: "danger_help", adults: "main_danger_help", young: "main_danger_help", holds: &[] },
    Question { key: "who", adults: "main_who", young: "main_who", holds: &[] },
    Question { key: "noticed", adults: "s_how", young: "y_how", holds: &[Audience] },
    Question { key: "own_words", adults: "s_describe", young: "ys_describe", holds: &[Audience] },
    Question { key: "list", adults: "s_pick_missing", young: "y_pick_missing", holds: &[Audience] },
    Question { key: "check", adults: "s_check", young: "y_check", holds: &[Audience, Found] },
    Question { key: "area", adults: "area_where", young: "area_where", holds: &[Audience] },
    Question { key: "answer", adults: "s_end", young: "y_end", holds: &[Audience, Area, Chosen] },
];

/// The voices a set is written in, and the audience each chooses at "who are you?".
const VOICES: &[(&str, &str)] = &[
    ("parent", "parent"),
    ("young", "young_self"),
    ("teacher", "teacher"),
    ("taxi", "taxi"),
    ("hotel", "hotel"),
    ("food", "food"),
];

/// The area a conversation holds where its question needs one.
const AREA: &str = "dorset";
/// The sign it holds where its question needs one: not a severe one, so the answer is the usual
/// answer rather than "report it now".
const SIGN: &str = "missing_home";

const FIRST: &str = "first";
const MID: &str = "mid";

/// Where a line was typed. Ordered as the breakdown prints them: the first message, the
/// questions in the order a conversation meets them, then the lines read by the check alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    First,
    /// An index into [`QUESTIONS`].
    Question(usize),
    Mid,
    /// A bare message, with no voice or `where`.
    Bare,
}

impl Place {
    /// The `where` key, as the set writes it.
    pub fn key(self) -> &'static str {
        match self {
            Place::First => FIRST,
            Place::Question(i) => QUESTIONS[i].key,
            Place::Mid => MID,
            Place::Bare => "(no where)",
        }
    }

    fn parse(key: &str) -> Option<Place> {
        match key {
            FIRST => Some(Place::First),
            MID => Some(Place::Mid),
            _ => QUESTIONS.iter().position(|q| q.key == key).map(Place::Question),
        }
    }
}

/// One line of a set, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'t> {
    /// 1-based, counting blank and comment lines, so an error names the line an editor shows.
    pub number: usize,
    pub voice: &'t str,
    pub place: Place,
    pub message: &'t str,
}

/// Read a set's lines (skipping blank lines and `#` comments), and every malformed one: the
/// well-formed lines are returned too, so that resolving them can report their mistakes in the
/// same run.
pub fn parse<'t>(text: &'t str, origin: &str) -> (Vec<Line<'t>>, Vec<Diagnostic>) {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let number = i + 1;
        let fields: Vec<&str> = line.splitn(3, '\t').collect();
        match fields[..] {
            [message] => lines.push(Line { number, voice: "", place: Place::Bare, message }),
            [voice, key, message] => match Place::parse(key.trim()) {
                Some(place) => lines.push(Line { number, voice: voice.trim(), place, message }),
                None => {
                    let column = voice.chars().count() + 2;
                    let known = [FIRST, MID].into_iter().chain(QUESTIONS.iter().map(|q| q.key));
                    let hint = diag::suggest(key.trim(), known.clone());
                    let all = known.collect::<Vec<_>>().join(", ");
                    errors.push(
                        Location::new(origin, number, column)
                            .error(format!("unknown where \"{}\"{hint}: it must be one of {all}", key.trim())),
                    );
                }
            },
            _ => errors.push(
                Location::new(origin, number, 1).error("one tab: a line is voice<TAB>where<TAB>message, or a message"),
            ),
        }
    }
    (lines, errors)
}

/// A set whose every line knows how it will be read: ready to measure.
pub struct DangerSet<'t> {
    lines: Vec<Ready<'t>>,
}

struct Ready<'t> {
    place: Place,
    message: &'t str,
    /// The conversation the message is typed into; `None` for the danger check alone.
    at: Option<Session>,
}

/// What one line got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured<'t> {
    pub place: Place,
    pub message: &'t str,
    /// The emergency message came first.
    pub fires: bool,
}

impl<'t> DangerSet<'t> {
    /// Put every line's conversation where it was typed, in `content`'s flows at `now`, or
    /// report every line that cannot be (an unknown voice, a node, area or sign the flows and
    /// config lack).
    pub fn resolve(
        lines: Vec<Line<'t>>,
        origin: &str,
        content: &Content,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<Diagnostic>> {
        let mut ready = Vec::new();
        let mut errors = Vec::new();
        for line in lines {
            let at = match line.place {
                Place::Mid | Place::Bare => Ok(None),
                Place::First => Ok(Some(Session::default())),
                Place::Question(q) => at_question(&QUESTIONS[q], line.voice, content, now).map(Some),
            };
            match at {
                Ok(at) => ready.push(Ready { place: line.place, message: line.message, at }),
                Err(why) => errors.push(
                    Location::new(origin, line.number, 1).error(format!("where \"{}\": {why}", line.place.key())),
                ),
            }
        }
        if errors.is_empty() {
            Ok(DangerSet { lines: ready })
        } else {
            Err(errors)
        }
    }

    /// Type every line where it was typed and see whether the emergency message comes first.
    /// Fails when the danger cues do not compile: the engine would then send every message the
    /// emergency message (failing safe), and the count would mean nothing.
    pub fn measure(&self, content: &Content, now: DateTime<Utc>) -> Result<Vec<Measured<'t>>, Diagnostic> {
        // Compiled here, on this thread, before the first line: `compile` returns once they are.
        content.danger.compile()?;
        Ok(self
            .lines
            .iter()
            .map(|line| {
                let fires = match &line.at {
                    None => content.danger.is_danger(line.message),
                    Some(session) => {
                        let (_, effects) = engine::step(content, session, Input::Text(line.message), now);
                        effects.iter().find_map(Effect::reply).is_some_and(|r| r.kind == ReplyKind::Emergency)
                    }
                };
                Measured { place: line.place, message: line.message, fires }
            })
            .collect())
    }
}

/// For each place the lines were typed at, in [`Place`] order: how many fired, of how many.
pub fn by_place(measured: &[Measured]) -> Vec<(Place, usize, usize)> {
    let mut tally: Vec<(Place, usize, usize)> = Vec::new();
    for m in measured {
        match tally.iter_mut().find(|t| t.0 == m.place) {
            Some(t) => {
                t.1 += usize::from(m.fires);
                t.2 += 1;
            }
            None => tally.push((m.place, usize::from(m.fires), 1)),
        }
    }
    tally.sort_by_key(|t| t.0);
    tally
}

/// The conversation of `voice` waiting at question `q`, as the engine leaves it there.
fn at_question(q: &Question, voice: &str, content: &Content, now: DateTime<Utc>) -> Result<Session, String> {
    let flows = &content.flows;
    let Some(&(_, audience)) = VOICES.iter().find(|v| v.0 == voice) else {
        let hint = diag::suggest(voice, VOICES.iter().map(|v| v.0));
        let all = VOICES.iter().map(|v| v.0).collect::<Vec<_>>().join(", ");
        return Err(format!("unknown voice \"{voice}\"{hint}: it must be one of {all}"));
    };
    let Some(a) = flows.audience(audience) else {
        return Err(format!("voice \"{voice}\" is audience \"{audience}\", which the flows do not have"));
    };
    let node = if flows.audiences[a].young { q.young } else { q.adults };
    let mut session = Session::default();
    for holds in q.holds {
        match holds {
            Audience => session.audience = Some(audience.to_string()),
            Area if content.router.area(AREA).is_none() => return Err(format!("no area \"{AREA}\" in the config")),
            Area => session.area = Some(AREA.to_string()),
            Found | Chosen if flows.sign(SIGN).is_none() => return Err(format!("no sign \"{SIGN}\" in the flows")),
            Found => session.pending = vec![SIGN.to_string()],
            Chosen => session.signs = vec![SIGN.to_string()],
        }
    }
    engine::jump(content, &session, node, now)
        .map(|(session, _)| session)
        .ok_or_else(|| format!("no node \"{node}\" in the flows"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_with_their_place() {
        let text =
            "# a comment\n\nparent\tfirst\tmy son\nyoung\tdanger\tno\tand a tab\nteacher\tmid\thm\nbare message\n";
        let (lines, errors) = parse(text, "set.tsv");
        assert!(errors.is_empty(), "{errors:?}");
        let got: Vec<_> = lines.iter().map(|l| (l.number, l.voice, l.place.key(), l.message)).collect();
        assert_eq!(
            got,
            [
                (3, "parent", "first", "my son"),
                (4, "young", "danger", "no\tand a tab"),
                (5, "teacher", "mid", "hm"),
                (6, "", "(no where)", "bare message"),
            ]
        );
    }

    #[test]
    fn every_malformed_line_is_named() {
        let cases: &[(&str, &str)] = &[
            ("parent\tdanger_hlep\tno", "set.tsv:1:8: unknown where \"danger_hlep\" (did you mean \"danger_help\"?): it must be one of first, mid, danger, danger_help, who, noticed, own_words, list, check, area, answer"),
            ("parent\tfirst", "set.tsv:1:1: one tab: a line is voice<TAB>where<TAB>message, or a message"),
        ];
        for (text, want) in cases {
            let (lines, errors) = parse(text, "set.tsv");
            assert!(lines.is_empty(), "{text:?}");
            let got: Vec<String> = errors.iter().map(ToString::to_string).collect();
            assert_eq!(got, [want.to_string()], "{text:?}");
        }
        let (lines, both) = parse("parent\tfirst\tok\nparent\tnowhere\tx\nparent\tmid\n", "set.tsv");
        assert_eq!(both.iter().map(|d| d.line).collect::<Vec<_>>(), [2, 3], "every bad line, not the first alone");
        assert_eq!(lines.iter().map(|l| l.number).collect::<Vec<_>>(), [1], "and the good ones, to resolve");
    }

    #[test]
    fn the_breakdown_follows_the_conversation() {
        let m = |place, fires| Measured { place, message: "", fires };
        let danger = Place::parse("danger").unwrap();
        let measured = [m(Place::Mid, true), m(danger, true), m(Place::First, false), m(danger, false)];
        assert_eq!(by_place(&measured), [(Place::First, 0, 1), (danger, 1, 2), (Place::Mid, 1, 1)]);
    }

    #[test]
    fn every_question_key_is_distinct_from_first_and_mid() {
        for (i, q) in QUESTIONS.iter().enumerate() {
            assert_eq!(Place::parse(q.key), Some(Place::Question(i)), "{}", q.key);
        }
    }
}

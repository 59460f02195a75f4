//! Conversation transcripts: YAML tests that read like the chat, run by `signpost test` and by
//! `cargo test`. A failure prints the whole expected and actual transcript.

use super::{format_reply, Action, Clock, Conversation};
use serde::Deserialize;
use signpost_core::content::Content;
use signpost_core::diag::{Diagnostic, Location};
use signpost_core::engine::{callback, Effect, ReplyKind};
use signpost_core::flow::NodeKind;
use signpost_core::source::SourceFile;
use signpost_core::yaml::{self, Spanned};
use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTranscript {
    name: String,
    /// Fixed UK local time, e.g. 2026-11-24T10:00.
    at: Option<Spanned<String>>,
    steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    say: Option<Spanned<String>>,
    press: Option<Spanned<String>>,
    expect: Option<Expect>,
}

/// What the bot's replies to one action must show.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub contains: Vec<String>,
    #[serde(default)]
    pub not_contains: Vec<String>,
    /// The latest message with buttons shows (at least) these, by label.
    #[serde(default)]
    pub buttons: Vec<String>,
    /// Where the conversation is afterwards.
    pub node: Option<String>,
    /// The first reply is the emergency message (or, false, none is).
    pub emergency: Option<bool>,
    /// The action was a quick exit.
    pub cleared: Option<bool>,
}

/// The result of one transcript.
#[derive(Debug)]
pub struct Outcome {
    pub origin: String,
    pub name: String,
    /// Empty when it passed.
    pub failures: Vec<String>,
    /// Expected and actual transcript, for printing on failure.
    pub report: String,
    pub nodes_seen: HashSet<String>,
    pub buttons_pressed: HashSet<String>,
    /// What each turn cost the reader, for `signpost test --report`.
    pub turns: Vec<TurnMeasure>,
}

/// One turn as a person reads it on a narrow phone: how many messages and characters, how many
/// screens of [`SCREEN_COLUMNS`] by [`SCREEN_LINES`], how many messages carry the 999 line (the
/// engine's line, or the emergency message), and whether it showed an answer (an end node) and
/// after how many actions since the last /start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnMeasure {
    pub step: usize,
    pub action: String,
    pub messages: usize,
    pub chars: usize,
    pub screens: usize,
    pub lines_999: usize,
    /// Actions (taps or typed answers) since the last /start, when this turn ended at an answer.
    pub answer_after: Option<usize>,
}

/// A narrow phone (the terminal chat at 40 columns), about 18 lines of text on screen.
pub const SCREEN_COLUMNS: usize = 40;
pub const SCREEN_LINES: usize = 18;

/// Screens a text fills when wrapped at [`SCREEN_COLUMNS`].
pub fn screens(text: &str) -> usize {
    let lines: usize = text.lines().map(|l| l.chars().count().div_ceil(SCREEN_COLUMNS).max(1)).sum();
    lines.div_ceil(SCREEN_LINES)
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Read every `*.yaml` under the given files or directories.
pub fn collect(paths: &[&Path]) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            match signpost_core::flow::load_dir(path) {
                Ok(f) => files.extend(f),
                Err(e) => errors.extend(e),
            }
        } else {
            match std::fs::read_to_string(path) {
                Ok(text) => files.push(SourceFile::new(path.display().to_string(), text)),
                Err(e) => errors.push(Location::file(path.display().to_string()).error(format!("cannot read: {e}"))),
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// Run one transcript file against `content`.
pub fn run(content: &Content, file: &SourceFile) -> Result<Outcome, Diagnostic> {
    let raw: RawTranscript = yaml::from_str(&file.text, &file.origin)?;
    let clock = match &raw.at {
        Some(at) => Clock::Fixed(
            signpost_core::routing::parse_uk_local(at.as_str())
                .map_err(|e| yaml::location(at, &file.origin).error(e))?,
        ),
        None => Clock::Real,
    };
    let mut conv = Conversation::new(content, clock);
    let mut outcome = Outcome {
        origin: file.origin.clone(),
        name: raw.name.clone(),
        failures: Vec::new(),
        report: String::new(),
        nodes_seen: HashSet::new(),
        buttons_pressed: HashSet::new(),
        turns: Vec::new(),
    };
    let mut since_start = 0usize;
    for (n, step) in raw.steps.iter().enumerate() {
        let n = n + 1;
        let (action, shown) = match (&step.say, &step.press) {
            (Some(text), None) => (Action::Type(text.to_string()), format!("say: {}", text.as_str())),
            (None, Some(label)) => match conv.action(label.as_str()) {
                Action::Press(b) => (Action::Press(b), format!("press: {}", label.as_str())),
                Action::Type(_) => {
                    let labels: Vec<&str> = conv.buttons.iter().map(|b| b.label.as_str()).collect();
                    let at = yaml::location(label, &file.origin);
                    outcome.failures.push(format!(
                        "{at}: step {n}: no button \"{}\" on the latest message (it has: {})",
                        label.as_str(),
                        labels.join(" | ")
                    ));
                    let _ = writeln!(outcome.report, "step {n}: press: {} -- NO SUCH BUTTON", label.as_str());
                    break;
                }
            },
            _ => {
                return Err(
                    Location::file(&file.origin).error(format!("step {n} needs exactly one of `say:` or `press:`"))
                );
            }
        };
        if let Action::Press(b) = &action {
            outcome.buttons_pressed.insert(b.data.clone());
        }
        let effects = conv.act(&action);
        since_start = if matches!(&action, Action::Type(t) if t.trim() == "/start") { 0 } else { since_start + 1 };
        let replies: Vec<&signpost_core::engine::Reply> = effects.iter().filter_map(Effect::reply).collect();
        let at_answer = conv
            .session
            .node
            .as_deref()
            .and_then(|id| content.flows.node(id))
            .is_some_and(|i| matches!(content.flows.nodes[i].kind, NodeKind::End { .. }));
        outcome.turns.push(TurnMeasure {
            step: n,
            action: shown.clone(),
            messages: replies.len(),
            chars: replies.iter().map(|r| r.text.chars().count()).sum(),
            screens: replies.iter().map(|r| screens(&r.text)).sum(),
            lines_999: replies
                .iter()
                .filter(|r| r.kind == ReplyKind::Emergency || r.text.contains(signpost_core::safety::FOOTER))
                .count(),
            answer_after: (at_answer && !replies.is_empty()).then_some(since_start),
        });
        let _ = writeln!(outcome.report, "── step {n}: {shown}");
        let mut all_text = String::new();
        for e in &effects {
            match e {
                Effect::Reply(r) => {
                    for node in r.via.iter().chain(&r.node) {
                        outcome.nodes_seen.insert(node.clone());
                    }
                    let tag = r.node.as_deref().unwrap_or("-");
                    let _ =
                        writeln!(outcome.report, "bot [{tag}]: {}", format_reply(r).trim_end().replace('\n', "\n    "));
                    all_text.push_str(&r.text);
                    all_text.push('\n');
                }
                Effect::ClearChat => {
                    let _ = writeln!(outcome.report, "(chat cleared)");
                }
            }
        }
        if let Some(expect) = &step.expect {
            let _ = writeln!(outcome.report, "   expected: {}", describe(expect));
            for problem in check(expect, &effects, &all_text, &conv) {
                outcome.failures.push(format!("{}: step {n} ({shown}): {problem}", file.origin));
            }
        }
        if let Some(node) = conv.session.node.clone() {
            outcome.nodes_seen.insert(node);
        }
    }
    Ok(outcome)
}

fn describe(e: &Expect) -> String {
    let mut parts = Vec::new();
    if let Some(n) = &e.node {
        parts.push(format!("node {n}"));
    }
    if !e.contains.is_empty() {
        parts.push(format!("contains {:?}", e.contains));
    }
    if !e.not_contains.is_empty() {
        parts.push(format!("not_contains {:?}", e.not_contains));
    }
    if !e.buttons.is_empty() {
        parts.push(format!("buttons {:?}", e.buttons));
    }
    if let Some(em) = e.emergency {
        parts.push(format!("emergency {em}"));
    }
    if let Some(c) = e.cleared {
        parts.push(format!("cleared {c}"));
    }
    parts.join("; ")
}

fn check(e: &Expect, effects: &[Effect], text: &str, conv: &Conversation) -> Vec<String> {
    let mut problems = Vec::new();
    let lower = text.to_lowercase();
    for want in &e.contains {
        if !lower.contains(&want.to_lowercase()) {
            problems.push(format!("expected the replies to contain \"{want}\""));
        }
    }
    for bad in &e.not_contains {
        if lower.contains(&bad.to_lowercase()) {
            problems.push(format!("expected the replies NOT to contain \"{bad}\""));
        }
    }
    for label in &e.buttons {
        if !conv.buttons.iter().any(|b| b.label.eq_ignore_ascii_case(label)) {
            let have: Vec<&str> = conv.buttons.iter().map(|b| b.label.as_str()).collect();
            problems.push(format!("expected a button \"{label}\" (buttons: {})", have.join(" | ")));
        }
    }
    if let Some(node) = &e.node {
        if conv.session.node.as_deref() != Some(node.as_str()) {
            problems.push(format!("expected to be at node \"{node}\", but at {:?}", conv.session.node));
        }
    }
    if let Some(em) = e.emergency {
        let first = effects.iter().find_map(Effect::reply).map(|r| r.kind == ReplyKind::Emergency);
        if first.unwrap_or(false) != em {
            problems.push(if em {
                "expected the FIRST reply to be the emergency message".to_string()
            } else {
                "expected no emergency message".to_string()
            });
        }
    }
    if let Some(c) = e.cleared {
        if effects.contains(&Effect::ClearChat) != c {
            problems.push(format!("expected cleared: {c}"));
        }
    }
    problems
}

/// Nodes and buttons no transcript reached, as `path:line:column: node "x" ...` lines.
pub fn uncovered(content: &Content, outcomes: &[Outcome]) -> Vec<String> {
    let seen: HashSet<&str> = outcomes.iter().flat_map(|o| o.nodes_seen.iter().map(String::as_str)).collect();
    let pressed: HashSet<&str> = outcomes.iter().flat_map(|o| o.buttons_pressed.iter().map(String::as_str)).collect();
    let flows = &content.flows;
    let mut out = Vec::new();
    for (i, node) in flows.nodes.iter().enumerate() {
        if matches!(node.kind, NodeKind::Branch { .. } | NodeKind::Call { .. }) {
            continue;
        }
        if !seen.contains(node.id.as_str()) {
            out.push(format!("{}: node \"{}\" is never reached", node.loc, node.id));
            continue;
        }
        for data in signpost_core::flow::walker::every_button(flows, i).into_iter().map(|b| b.data) {
            if matches!(callback::decode(&data), callback::Press::Global(_)) {
                continue;
            }
            if !pressed.contains(data.as_str()) {
                out.push(format!(
                    "{}: node \"{}\": button {} is never pressed",
                    node.loc,
                    node.id,
                    button_name(content, i, &data)
                ));
            }
        }
    }
    out
}

fn button_name(content: &Content, i: usize, data: &str) -> String {
    let node = &content.flows.nodes[i];
    match callback::decode(data) {
        callback::Press::Node { action: callback::NodeAction::Choice(n), .. } => match &node.kind {
            NodeKind::Choice { choices, .. } | NodeKind::End { also: choices } => {
                choices.get(n).map(|c| format!("\"{}\"", c.label)).unwrap_or_default()
            }
            NodeKind::Message { button: Some(b), .. } => format!("\"{b}\""),
            _ => data.to_string(),
        },
        callback::Press::Node { action: callback::NodeAction::Toggle(s), .. } => format!("(tick sign {s})"),
        callback::Press::Node { action: callback::NodeAction::Done, .. } => "(done)".to_string(),
        _ => data.to_string(),
    }
}

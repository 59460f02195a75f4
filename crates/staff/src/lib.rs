//! Staff tools that run without Telegram: the terminal chat, conversation transcripts, the flow
//! map, and measuring a set of messages for the danger check ([`danger_set`]).
//!
//! The chat and transcripts drive the engine through [`Conversation`], exactly as the Telegram
//! adapter does, so what staff see here is what the public sees.

pub mod chat;
pub mod danger_set;
pub mod graph;
pub mod net_train;
pub mod transcript;

use chrono::{DateTime, Utc};
use signpost_core::content::Content;
use signpost_core::engine::{self, Button, Effect, Input, Reply, Session};

/// Where the clock comes from: fixed (`--at`, transcripts) or the real time.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    Fixed(DateTime<Utc>),
    Real,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::Fixed(t) => *t,
            Clock::Real => Utc::now(),
        }
    }
}

/// One conversation with the engine, remembering the buttons of the latest message so a line
/// of text can press one by its label or number.
pub struct Conversation<'c> {
    pub content: &'c Content,
    pub session: Session,
    pub clock: Clock,
    /// Buttons of the latest message that had any.
    pub buttons: Vec<Button>,
}

/// What a line of input turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A button of the latest message, by label or `#N`.
    Press(Button),
    Type(String),
}

impl<'c> Conversation<'c> {
    pub fn new(content: &'c Content, clock: Clock) -> Self {
        Conversation { content, session: Session::default(), clock, buttons: Vec::new() }
    }

    /// A line equal to a button label of the latest message (ignoring case), or `#N`, presses
    /// that button; anything else is typed.
    pub fn action(&self, line: &str) -> Action {
        let trimmed = line.trim();
        if let Some(n) = trimmed.strip_prefix('#').and_then(|n| n.parse::<usize>().ok()) {
            if let Some(b) = n.checked_sub(1).and_then(|i| self.buttons.get(i)) {
                return Action::Press(b.clone());
            }
        }
        let wanted = trimmed.to_lowercase();
        match self.buttons.iter().find(|b| b.label.trim().to_lowercase() == wanted) {
            Some(b) => Action::Press(b.clone()),
            None => Action::Type(line.to_string()),
        }
    }

    /// Do an action; returns the engine's effects.
    pub fn act(&mut self, action: &Action) -> Vec<Effect> {
        let input = match action {
            Action::Press(b) => Input::Button(&b.data),
            Action::Type(t) => Input::Text(t),
        };
        self.input(input)
    }

    pub fn input(&mut self, input: Input<'_>) -> Vec<Effect> {
        let (session, effects) = engine::step(self.content, &self.session, input, self.clock.now());
        self.session = session;
        for e in &effects {
            match e {
                Effect::Reply(r) if !r.buttons.is_empty() => self.buttons = r.buttons.clone(),
                Effect::ClearChat => self.buttons.clear(),
                _ => {}
            }
        }
        effects
    }
}

/// A reply as the terminal shows it: the text, then `[N] label` per button.
pub fn format_reply(r: &Reply) -> String {
    let mut out = String::new();
    out.push_str(&r.text);
    out.push('\n');
    for (i, b) in r.buttons.iter().enumerate() {
        out.push_str(&format!("[{}] {}\n", i + 1, b.label));
    }
    out
}

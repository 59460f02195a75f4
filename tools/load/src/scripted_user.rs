//! One virtual user: says or presses the next thing in its script, then waits for the bot's
//! whole answer.
//!
//! Every Signpost message carries an inline keyboard (at least the quick exit), so the number
//! of messages in an answer is not visible from outside: the user runs the (pure) engine
//! alongside on the same inputs and waits for as many `sendMessage` / `editMessageText` /
//! `deleteMessages` calls as the bot must make. The echo bot's answer is one `sendMessage`.
//! Latency runs from queueing the update to the last message of the answer arriving.

use crate::scripts::{Act, Press, Text};
use chrono::Utc;
use fake_bot_api::{Delivery, FakeBotApi};
use signpost_core::content::Content;
use signpost_core::engine::{step, Effect, Input, Session};
use signpost_telegram::split::split_reply;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Barrier};

/// Chat ids of the virtual users are `CHAT_BASE + i`.
pub const CHAT_BASE: i64 = 1_000_000;

/// What one user measured.
pub struct UserTally {
    /// (µs) per measured exchange.
    pub latencies: Vec<u64>,
    pub errors: u64,
}

/// A paced user's turn comes every `period`, `phase` into it: chats spread evenly across it.
#[derive(Clone, Copy)]
pub struct Pace {
    pub period: Duration,
    pub phase: Duration,
}

impl Pace {
    /// The pace of chat `index` of `chats` at `rate` exchanges per second in all; `None` (as
    /// fast as answered) for a rate of 0.
    pub fn of(index: usize, chats: usize, rate: f64) -> Option<Pace> {
        (rate > 0.0).then(|| {
            let period = Duration::from_secs_f64(chats as f64 / rate);
            Pace { period, phase: period.mul_f64(index as f64 / chats as f64) }
        })
    }
}

/// A virtual user in one private chat, following a script.
pub struct ScriptedUser {
    chat: i64,
    fake: Arc<FakeBotApi>,
    /// What the fake delivers in this chat.
    rx: mpsc::UnboundedReceiver<Delivery>,
    content: Arc<Content>,
    /// Talking to the echo bot, whose answer is always one message.
    echo: bool,
    script: Vec<Act>,
    at: usize,
    /// The engine's view of the chat, run alongside to know how many messages each answer has.
    mirror: Session,
    /// The last message with buttons: (message id, buttons).
    keyboard: Option<(i32, Vec<(String, String)>)>,
    timeout: Duration,
    trace: bool,
}

impl ScriptedUser {
    /// The user of chat `CHAT_BASE + index`, watching it on `fake`. `timeout`: how long it waits
    /// for an answer before counting an error; `trace`: print each exchange.
    pub fn new(
        fake: Arc<FakeBotApi>,
        index: usize,
        script: Vec<Act>,
        content: Arc<Content>,
        echo: bool,
        timeout: Duration,
        trace: bool,
    ) -> ScriptedUser {
        let chat = CHAT_BASE + index as i64;
        let rx = fake.watch(chat);
        ScriptedUser {
            chat,
            fake,
            rx,
            content,
            echo,
            script,
            at: 0,
            mirror: Session::default(),
            keyboard: None,
            timeout,
            trace,
        }
    }

    pub fn chat(&self) -> i64 {
        self.chat
    }

    /// `warmup` exchanges, then wait at `start` for every user; then `measured` exchanges (on
    /// `pace`, if any), then wait at `done`.
    pub async fn run(
        mut self,
        warmup: usize,
        measured: usize,
        pace: Option<Pace>,
        start: &Barrier,
        done: &Barrier,
    ) -> UserTally {
        for _ in 0..warmup {
            self.exchange().await;
        }
        start.wait().await;
        let mut ticks = pace.map(|p| {
            let mut t = tokio::time::interval_at(tokio::time::Instant::now() + p.phase, p.period);
            // A late answer delays the next message; it is not followed by a burst.
            t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            t
        });
        let mut tally = UserTally { latencies: Vec::with_capacity(measured), errors: 0 };
        for _ in 0..measured {
            if let Some(t) = ticks.as_mut() {
                t.tick().await;
            }
            match self.exchange().await {
                Some(us) => tally.latencies.push(us),
                None => tally.errors += 1,
            }
        }
        done.wait().await;
        tally
    }

    /// One exchange: say or press the next thing, wait for the whole answer. Latency in µs,
    /// or `None` on a timeout.
    async fn exchange(&mut self) -> Option<u64> {
        while self.rx.try_recv().is_ok() {} // late parts of an answer that timed out
        let act = self.script[self.at % self.script.len()];
        self.at += 1;
        let (expected, started, what) = match act {
            Text(t) => {
                let expected = self.expect(Input::Text(t), None);
                let started = Instant::now();
                self.fake.user_text(self.chat, t);
                (expected, started, t.to_string())
            }
            Press(prefs) => {
                let (message_id, data, label) = self.choose(prefs);
                let expected = self.expect(Input::Button(&data), Some(message_id));
                let started = Instant::now();
                self.fake.press(self.chat, message_id, &data);
                (expected, started, format!("[{label}]"))
            }
        };
        let mut last = started;
        for _ in 0..expected {
            match tokio::time::timeout(self.timeout, self.rx.recv()).await {
                Ok(Some(sent)) => {
                    last = sent.at;
                    if !sent.buttons.is_empty() {
                        self.keyboard = Some((sent.message_id, sent.buttons));
                    }
                }
                _ => {
                    eprintln!("chat {}: no answer to {what:?} within {:?}", self.chat - CHAT_BASE, self.timeout);
                    self.at = 0;
                    self.mirror = Session::default();
                    return None;
                }
            }
        }
        let took = last.duration_since(started);
        if self.trace {
            let labels: Vec<&str> =
                self.keyboard.as_ref().map(|(_, b)| b.iter().map(|(l, _)| l.as_str()).collect()).unwrap_or_default();
            let ms = took.as_secs_f64() * 1e3;
            eprintln!("{what} -> {expected} message(s) in {ms:.2} ms; buttons {labels:?}");
        }
        Some(took.as_micros() as u64)
    }

    /// The button to press: (message id, data, label).
    fn choose(&self, prefs: &[&str]) -> (i32, String, String) {
        let Some((id, buttons)) = &self.keyboard else {
            return (0, "none".to_string(), "none".to_string());
        };
        let found = prefs.iter().find_map(|p| buttons.iter().find(|(l, _)| l.contains(p)));
        let moves_on = || buttons.iter().find(|(l, _)| !l.starts_with("Quick exit") && !l.contains("danger"));
        let (label, data) = found.or_else(moves_on).or(buttons.first()).cloned().unwrap_or_default();
        (*id, data, label)
    }

    /// How many Bot API calls the bot makes in this chat for `input` (and step the mirror).
    fn expect(&mut self, input: Input<'_>, pressed: Option<i32>) -> usize {
        if self.echo {
            return 1;
        }
        let (session, effects) = step(&self.content, &self.mirror, input, Utc::now());
        self.mirror = session;
        effects
            .iter()
            .map(|e| match e {
                Effect::Reply(r) => {
                    let parts = split_reply(&r.text).len();
                    if r.replaces && pressed.is_some() && parts == 1 {
                        1
                    } else {
                        parts
                    }
                }
                // Quick exit: one `deleteMessages` (a chat of this script has under 100 ids).
                Effect::ClearChat => 1,
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// At a steady offered load each chat sends every CHATS/RATE seconds, the chats spread
    /// evenly over that period.
    #[test]
    fn paced_chats_are_spread_over_the_period() {
        assert!(Pace::of(0, 20, 0.0).is_none(), "no rate: as fast as answered");
        let first = Pace::of(0, 20, 2.0).unwrap();
        let middle = Pace::of(10, 20, 2.0).unwrap();
        assert_eq!(first.period, Duration::from_secs(10));
        assert_eq!(first.phase, Duration::ZERO);
        assert_eq!(middle.phase, Duration::from_secs(5));
    }
}

//! The staff sandbox's pure parts: who is staff, the sandbox commands, the test marker on every
//! message, and the trace of the path taken. The Telegram adapter carries them out.
//!
//! For anyone not on the staff list none of this exists: the adapter passes their `/sandbox` or
//! `/goto` to the engine like any other text, so the reply reveals nothing.

use crate::diag::Diagnostic;
use crate::engine::Reply;
use crate::yaml;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;

/// `config/staff.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffConfig {
    /// Telegram user ids of staff.
    #[serde(default)]
    pub staff: Vec<i64>,
    /// Group chats (ids) where only staff are members and the sandbox may run.
    #[serde(default)]
    pub sandbox_groups: Vec<i64>,
    /// Directory of draft flows the sandbox runs (default: the live `flows/`).
    #[serde(default)]
    pub draft_flows: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct StaffList {
    users: HashSet<i64>,
    groups: HashSet<i64>,
    pub draft_flows: Option<PathBuf>,
}

impl StaffList {
    pub fn from_str(src: &str, origin: &str) -> Result<Self, Diagnostic> {
        let raw: StaffConfig = yaml::from_str(src, origin)?;
        Ok(StaffList {
            users: raw.staff.into_iter().collect(),
            groups: raw.sandbox_groups.into_iter().collect(),
            draft_flows: raw.draft_flows,
        })
    }

    /// Whether this user, in this chat, may use the sandbox: a listed user in their own private
    /// chat, or in a listed staff-only group.
    pub fn allows(&self, user: i64, chat: i64, private: bool) -> bool {
        self.users.contains(&user) && (private || self.groups.contains(&chat))
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// A staff command. Parsed only for staff; for anyone else the text goes to the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffCommand {
    /// Switch sandbox mode on or off.
    Toggle,
    Reload,
    Goto(String),
    Trace,
    State,
    /// Set the sandbox clock (UK time), or `None` to return to real time.
    Clock(Option<String>),
    Reset,
}

pub fn parse(text: &str) -> Option<StaffCommand> {
    let text = text.trim();
    let rest = text.strip_prefix('/')?;
    let mut words = rest.split_whitespace();
    let name = words.next()?.split('@').next()?.to_ascii_lowercase();
    let arg = words.next().map(str::to_string);
    Some(match name.as_str() {
        "sandbox" => StaffCommand::Toggle,
        "reload" => StaffCommand::Reload,
        "goto" => StaffCommand::Goto(arg?),
        "trace" => StaffCommand::Trace,
        "state" => StaffCommand::State,
        "clock" => StaffCommand::Clock(arg),
        "reset" => StaffCommand::Reset,
        _ => return None,
    })
}

/// What the sandbox keeps for a staff chat (stored with the chat's state). Ids and labels of the
/// flows only: never what anyone typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxState {
    pub on: bool,
    /// The sandbox clock, when set with `/clock`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<DateTime<Utc>>,
    /// The path taken: node ids, and the labels of buttons pressed ("typed" for free text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<String>,
}

/// How many trace entries are kept.
pub const TRACE_LIMIT: usize = 200;

impl SandboxState {
    pub fn record(&mut self, entry: impl Into<String>) {
        self.trace.push(entry.into());
        if self.trace.len() > TRACE_LIMIT {
            let extra = self.trace.len() - TRACE_LIMIT;
            self.trace.drain(..extra);
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }
}

/// The marker that opens every sandbox message, so a screenshot can never pass for live advice.
pub const MARKER: &str = "🧪 TEST (staff sandbox, not live advice)";

/// Mark a reply as a test and show the node it came from.
pub fn mark(reply: &mut Reply) {
    let node = reply.node.as_deref().unwrap_or("engine");
    reply.text = format!("{MARKER} · node: {node}\n\n{}", reply.text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_arguments_and_bot_names() {
        assert_eq!(parse("/goto parent_pick"), Some(StaffCommand::Goto("parent_pick".into())));
        assert_eq!(parse("/goto"), None, "goto needs a node");
        assert_eq!(
            parse("/clock@SignpostBot 2026-12-25T10:00"),
            Some(StaffCommand::Clock(Some("2026-12-25T10:00".into())))
        );
        assert_eq!(parse("/clock"), Some(StaffCommand::Clock(None)));
        assert_eq!(parse("/SANDBOX"), Some(StaffCommand::Toggle));
        assert_eq!(parse("/start"), None);
        assert_eq!(parse("sandbox"), None);
    }

    #[test]
    fn only_listed_staff_in_private_or_listed_groups() {
        let list = StaffList::from_str("staff: [42]\nsandbox_groups: [-100]\n", "staff.yaml").unwrap();
        assert!(list.allows(42, 42, true));
        assert!(list.allows(42, -100, false));
        assert!(!list.allows(42, -200, false), "not in an unlisted group");
        assert!(!list.allows(7, 7, true), "not for anyone else");
    }

    #[test]
    fn the_trace_is_bounded() {
        let mut s = SandboxState::default();
        for i in 0..(TRACE_LIMIT + 10) {
            s.record(format!("n{i}"));
        }
        assert_eq!(s.trace.len(), TRACE_LIMIT);
        assert_eq!(s.trace[0], "n10");
    }
}

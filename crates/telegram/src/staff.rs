//! The staff sandbox's pure parts: who is staff, the sandbox commands, the test marker on every
//! message, and the trace of the path taken. The Telegram adapter carries them out.
//!
//! For anyone not on the staff list none of this exists: the adapter passes their `/sandbox` or
//! `/goto` to the engine like any other text, so the reply reveals nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use signpost_core::diag::{Diagnostic, Location};
use signpost_core::engine::{Button, Reply};
use signpost_core::yaml;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

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

    /// Read `path` (usually `config/staff.yaml`). A missing file means no staff: the sandbox is
    /// then unreachable, which is the safe default.
    pub fn load(path: &Path) -> Result<Self, Diagnostic> {
        let origin = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => StaffList::from_str(&text, &origin),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StaffList::default()),
            Err(e) => Err(Location::file(&origin).error(format!("cannot read: {e}"))),
        }
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

impl StaffCommand {
    /// The command's name, for logs (never its argument).
    pub fn name(&self) -> &'static str {
        match self {
            StaffCommand::Toggle => "sandbox",
            StaffCommand::Reload => "reload",
            StaffCommand::Goto(_) => "goto",
            StaffCommand::Trace => "trace",
            StaffCommand::State => "state",
            StaffCommand::Clock(_) => "clock",
            StaffCommand::Reset => "reset",
        }
    }
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
    /// The buttons of the latest sandbox message (flow labels and their data), so the trace can
    /// name the button pressed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<SeenButton>,
}

/// A button as shown in the sandbox: its flow label and the data it carries back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenButton {
    pub label: String,
    pub data: String,
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

    /// Record what the staff member did, without ever keeping typed text: the label of the
    /// button pressed when it is among the latest buttons, otherwise only how long the text was.
    pub fn record_input(&mut self, input: signpost_core::engine::Input<'_>) {
        use signpost_core::engine::Input;
        let entry = match input {
            Input::Button(data) => match self.buttons.iter().find(|b| b.data == data) {
                Some(b) => format!("button: {}", b.label),
                None => "button: (from an earlier message)".to_string(),
            },
            Input::Text(text) => format!("typed ({} chars)", text.chars().count()),
            Input::Unsupported => "sent something unreadable (photo, sticker...)".to_string(),
            Input::Edited => "changed a message sent earlier".to_string(),
            Input::Unreadable => "sent something the bot could not read".to_string(),
        };
        self.record(entry);
    }

    /// Record the nodes replies came from, and keep the latest buttons for [`record_input`].
    ///
    /// [`record_input`]: SandboxState::record_input
    pub fn record_replies<'r>(&mut self, replies: impl IntoIterator<Item = &'r Reply>) {
        for reply in replies {
            for node in reply.via.iter().chain(&reply.node) {
                self.record(format!("node: {node}"));
            }
            if !reply.buttons.is_empty() {
                self.buttons = reply.buttons.iter().map(SeenButton::from).collect();
            }
        }
    }
}

impl From<&Button> for SeenButton {
    fn from(b: &Button) -> Self {
        SeenButton { label: b.label.clone(), data: b.data.clone() }
    }
}

/// The marker that opens every sandbox message, so a screenshot can never pass for live advice.
pub const MARKER: &str = "🧪 TEST (staff sandbox, not live advice)";

/// Mark a reply as a test and show the node it came from.
pub fn mark(reply: &mut Reply) {
    let node = reply.node.as_deref().unwrap_or("engine");
    let via: String = reply.via.iter().map(|n| format!("{n} → ")).collect();
    reply.text = format!("{MARKER} · node: {via}{node}\n\n{}", reply.text);
}

/// A sandbox tool's own message (trace, state, reload...), marked like every sandbox message.
pub fn mark_tool(text: &str) -> String {
    format!("{MARKER} · sandbox tool\n\n{text}")
}

/// How many diagnostics a chat message lists before saying how many more there are.
pub const DIAGNOSTICS_SHOWN: usize = 20;

/// Diagnostics as staff read them in the chat: one `file:line:column: message` a line, at most
/// [`DIAGNOSTICS_SHOWN`], then how many more.
pub fn list_diagnostics(diags: &[Diagnostic]) -> String {
    let mut out: Vec<String> = diags.iter().take(DIAGNOSTICS_SHOWN).map(ToString::to_string).collect();
    if diags.len() > DIAGNOSTICS_SHOWN {
        out.push(format!("... and {} more (run `signpost check` to see them all)", diags.len() - DIAGNOSTICS_SHOWN));
    }
    out.join("\n")
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
    fn a_missing_staff_file_means_no_staff() {
        let list = StaffList::load(Path::new("/nonexistent/staff.yaml")).unwrap();
        assert!(list.is_empty());
        assert!(!list.allows(42, 42, true));
    }

    #[test]
    fn the_trace_names_buttons_and_nodes_but_never_typed_text() {
        use signpost_core::engine::{Input, ReplyKind};
        let reply = Reply {
            text: "Who are you?".into(),
            buttons: vec![Button { label: "A parent".into(), data: "c|v|start|0".into() }],
            node: Some("start".into()),
            via: vec!["welcome".into()],
            kind: ReplyKind::Flow,
            replaces: false,
        };
        let mut s = SandboxState::default();
        s.record_replies([&reply]);
        s.record_input(Input::Button("c|v|start|0"));
        s.record_input(Input::Button("c|v|gone|1"));
        s.record_input(Input::Text("my secret words"));
        assert_eq!(
            s.trace,
            [
                "node: welcome",
                "node: start",
                "button: A parent",
                "button: (from an earlier message)",
                "typed (15 chars)"
            ]
        );
        assert!(!serde_json::to_string(&s).unwrap().contains("secret"));
    }

    #[test]
    fn long_diagnostic_lists_say_how_many_more() {
        let diags: Vec<Diagnostic> =
            (1..=25).map(|i| Location::new("flows/main.yaml", i, 3).error("unknown node \"x\"")).collect();
        let text = list_diagnostics(&diags);
        assert_eq!(text.lines().count(), DIAGNOSTICS_SHOWN + 1);
        assert!(text.starts_with("flows/main.yaml:1:3: unknown node \"x\""));
        assert!(text.ends_with("... and 5 more (run `signpost check` to see them all)"));
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

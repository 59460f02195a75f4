//! The staff sandbox in Telegram: staff test draft flows on a real phone before the public sees
//! them. The pure parts (who is staff, the commands, the marker, the trace) are in
//! [`crate::staff`]; this module holds the draft content and carries the commands out.
//!
//! For anyone not on the staff list none of this exists: the handler never calls in here for
//! them, so their `/goto` gets the engine's ordinary reply. Nothing here can change what the
//! public sees: the draft content is only read by staff chats in sandbox mode, and going live is
//! a deploy of the flows directory (or SIGHUP), which runs the same validation.

use super::reload::reload;
use crate::chat_state::ChatState;
use crate::staff::{self, list_diagnostics, SandboxState, StaffCommand, StaffList};
use chrono::{DateTime, Utc};
use signpost_core::content::Content;
use signpost_core::diag::Diagnostic;
use signpost_core::engine::{jump, step, Effect, Input, Reply, ReplyKind, Session};
use signpost_core::routing::hours::describe_uk;
use signpost_core::routing::parse_uk_local;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Where staff are listed, in the config directory.
pub const STAFF_FILE: &str = "staff.yaml";

const OFF: &str = "Sandbox off. You are talking to the public bot again, from the start. Send /start to begin.";
const OFF_HINT: &str = "Sandbox mode is off. Send /sandbox to turn it on.";

/// The staff list and the sandbox's own (draft) content, shared by every update. Not `Debug`:
/// the staff list holds raw Telegram user ids, which must never reach a log.
pub struct Sandbox {
    staff: RwLock<StaffList>,
    /// The live flows directory: the drafts' default, when `staff.yaml` names none.
    live_flows: PathBuf,
    config_dir: PathBuf,
    /// The draft content, once `/reload` loaded it cleanly; until then the sandbox runs the live
    /// content. Only staff chats in sandbox mode read it.
    draft: RwLock<Option<Arc<Content>>>,
}

impl Sandbox {
    /// No staff: the sandbox is unreachable (what `serve` uses when given none).
    pub fn disabled() -> Sandbox {
        Sandbox::new(StaffList::default(), PathBuf::from("flows"), PathBuf::from("config"))
    }

    /// `staff` may use the sandbox; drafts come from `staff.draft_flows`, else `live_flows`
    /// (relative paths are from the working directory, like `--flows`).
    pub fn new(staff: StaffList, live_flows: PathBuf, config_dir: PathBuf) -> Sandbox {
        Sandbox { staff: RwLock::new(staff), live_flows, config_dir, draft: RwLock::new(None) }
    }

    /// Read `config_dir/staff.yaml` (missing: no staff).
    pub fn load(live_flows: &Path, config_dir: &Path) -> Result<Sandbox, Diagnostic> {
        let staff = StaffList::load(&config_dir.join(STAFF_FILE))?;
        Ok(Sandbox::new(staff, live_flows.to_path_buf(), config_dir.to_path_buf()))
    }

    /// Re-read the staff list (on SIGHUP). A broken file keeps the previous list.
    pub(crate) fn reload_staff(&self) {
        match StaffList::load(&self.config_dir.join(STAFF_FILE)) {
            Ok(list) => *self.staff.write().unwrap_or_else(|e| e.into_inner()) = list,
            Err(d) => tracing::error!(diagnostic = %d, "staff list not reloaded; keeping the previous one"),
        }
    }

    /// Whether `user`, in their private chat `chat`, may use the sandbox.
    pub fn allows(&self, user: Option<i64>, chat: i64) -> bool {
        let staff = self.staff.read().unwrap_or_else(|e| e.into_inner());
        user.is_some_and(|u| staff.allows(u, chat, true))
    }

    /// A listed staff member in a listed staff-only sandbox group.
    pub fn allows_in_group(&self, user: Option<i64>, chat: i64) -> bool {
        let staff = self.staff.read().unwrap_or_else(|e| e.into_inner());
        user.is_some_and(|u| staff.allows(u, chat, false))
    }

    fn draft_dir(&self) -> PathBuf {
        let staff = self.staff.read().unwrap_or_else(|e| e.into_inner());
        staff.draft_flows.clone().unwrap_or_else(|| self.live_flows.clone())
    }

    /// The content sandbox chats run: the draft, or the live content if none is loaded yet.
    pub fn content(&self, live: &Arc<Content>) -> Arc<Content> {
        self.draft.read().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_else(|| Arc::clone(live))
    }

    /// `/reload`: validate the draft flows (with the live config) and, only if they load
    /// cleanly, run them in the sandbox. Returns the warnings, or every problem.
    pub fn reload_draft(&self) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
        reload(&self.draft_dir(), &self.config_dir, |new| {
            *self.draft.write().unwrap_or_else(|e| e.into_inner()) = Some(new)
        })
    }

    /// One engine turn in sandbox mode: draft content, sandbox clock, trace, and every reply
    /// marked as a test with the node it came from.
    pub(crate) fn step(&self, state: &mut ChatState, input: Input<'_>, live: &Arc<Content>) -> Vec<Effect> {
        state.sandbox.get_or_insert_with(SandboxState::default).record_input(input);
        self.run(state, input, live)
    }

    /// [`Sandbox::step`] without tracing the input (for inputs the sandbox makes itself).
    fn run(&self, state: &mut ChatState, input: Input<'_>, live: &Arc<Content>) -> Vec<Effect> {
        let content = self.content(live);
        let sandbox = state.sandbox.get_or_insert_with(SandboxState::default);
        let (session, effects) = step(&content, &state.session, input, sandbox.now());
        sandbox.record_replies(effects.iter().filter_map(Effect::reply));
        state.session = session;
        marked(effects)
    }

    /// Carry out a staff command on the chat's state; returns what to send. Only ever called
    /// for someone on the staff list.
    pub(crate) async fn command(
        self: &Arc<Self>,
        command: &StaffCommand,
        state: &mut ChatState,
        live: &Arc<Content>,
    ) -> Vec<Effect> {
        let on = state.sandbox.as_ref().is_some_and(|s| s.on);
        if *command == StaffCommand::Toggle {
            state.session = Session::default();
            if on {
                state.sandbox = None;
                return vec![notice(OFF.to_string())];
            }
            state.sandbox = Some(SandboxState { on: true, ..SandboxState::default() });
            return vec![tool(format!(
                "Sandbox on. Every message in this chat is now a test and shows the node it came from.\n\
                 Running: {}.\n\n\
                 /reload: load and check the draft flows\n/goto NODE: jump to a node\n/trace: the path so far\n\
                 /state: audience, area, signs\n/clock 2026-12-25T10:00: set the sandbox clock (UK time); \
                 /clock alone: real time\n/reset: start over\n/sandbox: back to the public bot\n\n\
                 Send /start to begin.",
                self.describe_content(live)
            ))];
        }
        if !on {
            return vec![notice(OFF_HINT.to_string())];
        }
        let sandbox = state.sandbox.get_or_insert_with(SandboxState::default);
        match command {
            StaffCommand::Toggle => unreachable!("handled above"),
            StaffCommand::Reload => {
                let this = Arc::clone(self);
                let done = tokio::task::spawn_blocking(move || this.reload_draft()).await;
                let text = match done {
                    Ok(Ok(warnings)) if warnings.is_empty() => {
                        format!("Reloaded: the sandbox now runs {}.", self.describe_content(live))
                    }
                    Ok(Ok(warnings)) => format!(
                        "Reloaded: the sandbox now runs {}.\n\n{} warning(s):\n{}",
                        self.describe_content(live),
                        warnings.len(),
                        list_diagnostics(&warnings)
                    ),
                    Ok(Err(diags)) => format!(
                        "The draft flows have {} problem(s), so the sandbox keeps running {}. Nothing changed for \
                         the public.\n\n{}",
                        diags.len(),
                        self.describe_content(live),
                        list_diagnostics(&diags)
                    ),
                    Err(e) => {
                        tracing::error!(cause = %e, "sandbox reload task failed");
                        format!(
                            "The reload failed on our side, so the sandbox keeps running {}.",
                            self.describe_content(live)
                        )
                    }
                };
                vec![tool(text)]
            }
            StaffCommand::Goto(node) => {
                let content = self.content(live);
                match jump(&content, &state.session, node, sandbox.now()) {
                    Some((session, effects)) => {
                        sandbox.record(format!("goto: {node}"));
                        sandbox.record_replies(effects.iter().filter_map(Effect::reply));
                        state.session = session;
                        marked(effects)
                    }
                    None => vec![tool(format!(
                        "There is no node \"{node}\" in {}. Nothing changed.",
                        self.describe_content(live)
                    ))],
                }
            }
            StaffCommand::Trace => {
                let text = if sandbox.trace.is_empty() {
                    "The path so far: nothing yet.".to_string()
                } else {
                    let steps: Vec<String> =
                        sandbox.trace.iter().enumerate().map(|(i, e)| format!("{}. {e}", i + 1)).collect();
                    format!("The path so far (oldest first):\n{}", steps.join("\n"))
                };
                vec![tool(text)]
            }
            StaffCommand::State => {
                let s = &state.session;
                let or = |v: Option<&String>, none: &str| v.cloned().unwrap_or_else(|| none.to_string());
                let signs = if s.signs.is_empty() { "none".to_string() } else { s.signs.join(", ") };
                let text = format!(
                    "Flows: {}\nNode: {}\nAudience: {}\nArea: {}\nSigns: {}\nClock: {}",
                    self.describe_content(live),
                    or(s.node.as_ref(), "not started"),
                    or(s.audience.as_ref(), "not chosen"),
                    or(s.area.as_ref(), "not chosen"),
                    signs,
                    describe_clock(sandbox.clock)
                );
                vec![tool(text)]
            }
            StaffCommand::Clock(at) => {
                let text = match at.as_deref().map(parse_uk_local) {
                    Some(Err(e)) => format!("{e}. The clock is unchanged: {}.", describe_clock(sandbox.clock)),
                    Some(Ok(t)) => {
                        set_clock(sandbox, &mut state.session, Some(t));
                        format!("Sandbox clock: {}. Send /clock alone to return to real time.", describe_clock(Some(t)))
                    }
                    None => {
                        set_clock(sandbox, &mut state.session, None);
                        "Sandbox clock: real time.".to_string()
                    }
                };
                vec![tool(text)]
            }
            StaffCommand::Reset => {
                sandbox.trace.clear();
                sandbox.buttons.clear();
                state.session = Session::default();
                let mut effects = vec![tool("Started over (the sandbox clock is kept).".to_string())];
                effects.extend(self.run(state, Input::Text("/start"), live));
                effects
            }
        }
    }

    /// "draft flows version X" or "the live flows (version X): no draft loaded yet".
    fn describe_content(&self, live: &Arc<Content>) -> String {
        match &*self.draft.read().unwrap_or_else(|e| e.into_inner()) {
            Some(d) => format!("the draft flows (version {}, from {})", d.flows.version, self.draft_dir().display()),
            None => format!(
                "the live flows (version {}); send /reload to load the drafts from {}",
                live.flows.version,
                self.draft_dir().display()
            ),
        }
    }
}

/// Set or clear the sandbox clock. The session's idle timer is restarted so that moving the
/// clock days ahead does not look like an expired conversation.
fn set_clock(sandbox: &mut SandboxState, session: &mut Session, at: Option<DateTime<Utc>>) {
    sandbox.clock = at;
    session.last_seen = None;
}

fn describe_clock(clock: Option<DateTime<Utc>>) -> String {
    match clock {
        Some(t) => format!("{} (sandbox clock)", describe_uk(t)),
        None => "real time".to_string(),
    }
}

/// Mark every reply as a test, with its node.
fn marked(mut effects: Vec<Effect>) -> Vec<Effect> {
    for effect in &mut effects {
        if let Effect::Reply(reply) = effect {
            staff::mark(reply);
        }
    }
    effects
}

/// A sandbox tool's message, marked.
fn tool(text: String) -> Effect {
    notice(staff::mark_tool(&text))
}

/// A message to staff as it is (used only outside sandbox mode, so never marked).
fn notice(text: String) -> Effect {
    Effect::Reply(Reply {
        text,
        buttons: Vec::new(),
        node: None,
        via: Vec::new(),
        kind: ReplyKind::Notice,
        replaces: false,
    })
}

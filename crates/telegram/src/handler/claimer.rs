//! Steps 2 and 3 of a private turn: load the chat, let the engine (or, for staff, the sandbox)
//! decide, and claim the update by saving what was decided with compare-and-set. On a conflict
//! (another instance saved first) the chat is reloaded and the step redone: nothing has been
//! sent yet.

use super::{remember, Handler, InProgressElsewhere, CLAIM_LEASE_SECS, MAX_CONFLICTS};
use crate::chat_state::ChatState;
use crate::staff::{self, StaffCommand};
use crate::update::{Private, PrivateInput};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use signpost_core::content::Content;
use signpost_core::engine::{step, Effect, Input, Reply};
use std::sync::Arc;

/// A private update as read once, before it is claimed.
pub(super) struct Turn<'a> {
    pub(super) update_id: u32,
    pub(super) p: &'a Private,
    /// The chat's keyed tag: its key in the store, and how logs name it.
    pub(super) tag: String,
    pub(super) content: Arc<Content>,
    /// What the engine is given.
    pub(super) input: Input<'a>,
    pub(super) is_staff: bool,
    /// A sandbox command, only ever from staff.
    pub(super) command: Option<StaffCommand>,
    pub(super) now: DateTime<Utc>,
}

/// An update decided and claimed: the state saved with its outbox (except on quick exit, which
/// is not saved first), the version it was saved at, and what is to be done.
pub(super) struct Claim {
    pub(super) state: ChatState,
    pub(super) version: Option<u64>,
    pub(super) effects: Vec<Effect>,
}

impl Handler {
    /// Reads `p` for its turn, with the live content as it is now.
    pub(super) fn read_turn<'a>(&self, update_id: u32, p: &'a Private) -> Turn<'a> {
        let tag = self.key.tag(p.chat);
        let content = self.content.read().unwrap_or_else(|e| e.into_inner()).clone();
        let input = engine_input(&p.input, &content);
        let now = Utc::now();
        let is_staff =
            if p.group { self.sandbox.allows_in_group(p.user, p.chat) } else { self.sandbox.allows(p.user, p.chat) };
        let command = staff_gate(&tag, &p.input, is_staff);
        Turn { update_id, p, tag, content, input, is_staff, command, now }
    }

    /// Loads the chat, decides, and saves the decision with compare-and-set, up to
    /// [`MAX_CONFLICTS`] times over. `None` when nothing more is to be done: the update was
    /// handled already, or it came to a sandbox group with the sandbox off (pointed to a private
    /// chat instead). Replies saved for this update but never confirmed sent are claimed again
    /// to be sent (with webhooks, only once [`CLAIM_LEASE_SECS`] have passed).
    pub(super) async fn claim(&self, turn: &Turn<'_>) -> anyhow::Result<Option<Claim>> {
        let Turn { update_id, p, ref tag, now, .. } = *turn;
        let mut conflicts = 0;
        loop {
            let loaded = self.store.load(tag).await.context("loading the chat")?;
            let (mut state, version) = match loaded {
                Some(v) => (v.value, Some(v.version)),
                None => (ChatState { created_at: now.timestamp(), ..ChatState::default() }, None),
            };
            if p.group && turn.command.is_none() && !state.sandbox.as_ref().is_some_and(|s| s.on) {
                // A sandbox group with the sandbox off: never the public guidance in a group.
                return self.group(p.chat, None, false).await.map(|()| None);
            }
            if state.last_update_id.is_some_and(|last| last >= update_id) {
                if state.last_update_id == Some(update_id) && !state.outbox.is_empty() {
                    if !self.exclusive && now.timestamp() - state.updated_at < CLAIM_LEASE_SECS {
                        return Err(InProgressElsewhere.into());
                    }
                    // Handled and saved, but the process stopped before its replies were
                    // confirmed sent: send them now rather than lose the turn.
                    tracing::warn!(chat = %tag, update = update_id, "resending replies interrupted by a restart");
                    let effects = state.outbox.iter().cloned().map(Effect::Reply).collect();
                    return Ok(Some(Claim { state, version, effects }));
                }
                tracing::debug!(chat = %tag, update = update_id, "already handled");
                return Ok(None);
            }
            let effects = self.decide(turn, &mut state).await;
            if effects.iter().any(|e| matches!(e, Effect::ClearChat)) {
                // Nothing to claim: quick exit forgets the chat once its messages are gone.
                return Ok(Some(Claim { state, version, effects }));
            }
            match self.store.save(tag, &state, version).await {
                Ok(v) => return Ok(Some(Claim { state, version: Some(v), effects })),
                Err(e) if e.is_conflict() && conflicts < MAX_CONFLICTS => conflicts += 1,
                Err(e) => return Err(e).context("saving the chat"),
            }
        }
    }

    /// Lets the engine, a sandbox command or the sandbox decide the turn, and writes into `state`
    /// what is claimed with it: the update's id, and every reply to send as the outbox.
    async fn decide(&self, turn: &Turn<'_>, state: &mut ChatState) -> Vec<Effect> {
        // Replies of an earlier update that were never confirmed sent go out first, as new
        // messages: the button now pressed is not on the message they were to redraw.
        let undelivered: Vec<Effect> =
            state.outbox.drain(..).map(|reply| Effect::Reply(Reply { replaces: false, ..reply })).collect();
        let effects = match &turn.command {
            Some(c) => self.sandbox.command(c, state, &turn.content).await,
            None if turn.is_staff && state.sandbox.as_ref().is_some_and(|s| s.on) => {
                self.sandbox.step(state, turn.input, &turn.content)
            }
            None => {
                let (session, effects) = step(&turn.content, &state.session, turn.input, turn.now);
                state.session = session;
                effects
            }
        };
        // Except on quick exit: the user is leaving, and they would only be deleted.
        let effects: Vec<Effect> = if effects.iter().any(|e| matches!(e, Effect::ClearChat)) {
            effects
        } else {
            undelivered.into_iter().chain(effects).collect()
        };
        state.last_update_id = Some(turn.update_id);
        state.updated_at = turn.now.timestamp();
        state.outbox = effects.iter().filter_map(|e| e.reply().cloned()).collect();
        if let Some(id) = turn.p.message_id {
            remember(&mut state.message_ids, &[id]);
        }
        effects
    }
}

/// What the engine is given for `input`. A caption, an edit, or what could be made out of an
/// unreadable update is read as text only when it holds danger.
fn engine_input<'a>(input: &'a PrivateInput, content: &Content) -> Input<'a> {
    match input {
        PrivateInput::Text(t) => Input::Text(t),
        PrivateInput::Button(d) => Input::Button(d),
        PrivateInput::Unsupported => Input::Unsupported,
        PrivateInput::Caption(c) if content.danger.is_danger(c) => Input::Text(c),
        PrivateInput::Caption(_) => Input::Unsupported,
        // Read again only for danger: the flow has moved on from what was changed.
        PrivateInput::Edited(t) if content.danger.is_danger(t) => Input::Text(t),
        PrivateInput::Edited(_) => Input::Edited,
        // What could be made out of words teloxide could not read, for danger only.
        PrivateInput::Unreadable(Some(t)) if content.danger.is_danger(t) => Input::Text(t),
        PrivateInput::Unreadable(_) => Input::Unreadable,
    }
}

/// The sandbox command in `input`, if it is one and `is_staff`. From anyone else it is text like
/// any other, and the attempt is logged as a security event (without the text).
fn staff_gate(tag: &str, input: &PrivateInput, is_staff: bool) -> Option<StaffCommand> {
    let command = match input {
        PrivateInput::Text(t) => staff::parse(t),
        _ => None,
    };
    match command {
        Some(c) if is_staff => {
            tracing::info!(chat = %tag, command = c.name(), "sandbox command");
            Some(c)
        }
        Some(_) => {
            tracing::warn!(target: "security", chat = %tag, "sandbox command from someone not on the staff list");
            None
        }
        None => None,
    }
}

//! Steps 4 and 5 of a private turn: carry out what was claimed (send the replies or, on quick
//! exit, delete the conversation and forget the chat), then save the ids of the messages sent,
//! merging with whatever is stored by then, and what is still to send: a reply that failed and
//! every reply after it go out with the chat's next update (unless the chat can no longer be
//! reached, when they are dropped).

use super::claimer::{Claim, Turn};
use super::{remember, Handler, DELETE_CHUNK};
use crate::api::CallFailed;
use crate::chat_state::ChatState;
use crate::keyboard;
use crate::split::split_reply;
use signpost_core::engine::{Effect, Reply};
use teloxide::types::{ChatId, MessageId};
use teloxide::{ApiError, RequestError};

/// How far carrying out a claimed update got.
struct Delivery {
    /// Ids of the messages sent (after a quick exit, only those sent after it).
    sent: Vec<i32>,
    /// What is still to send when this update is done.
    unsent: Vec<Reply>,
    /// Quick exit ran: the conversation was deleted and the chat forgotten.
    cleared: bool,
    /// Quick exit could not forget the stored chat: the emptied state must replace it.
    forget_failed: bool,
    /// Why a reply could not be sent, if one could not.
    result: anyhow::Result<()>,
}

impl Handler {
    /// Carries out `claim` and records what came of it.
    pub(super) async fn deliver(&self, turn: &Turn<'_>, mut claim: Claim) -> anyhow::Result<()> {
        let delivery = self.carry_out(turn, &mut claim).await;
        self.record(&turn.tag, claim, delivery).await
    }

    /// Step 4: the claimed effects in order, until a reply cannot be sent.
    async fn carry_out(&self, turn: &Turn<'_>, claim: &mut Claim) -> Delivery {
        let chat = ChatId(turn.p.chat);
        let mut delivery =
            Delivery { sent: Vec::new(), unsent: Vec::new(), cleared: false, forget_failed: false, result: Ok(()) };
        for (i, effect) in claim.effects.iter().enumerate() {
            match effect {
                Effect::Reply(reply) => {
                    let Err(e) = self.reply(chat, reply, turn.p.pressed, &mut delivery.sent).await else { continue };
                    if e.chat_unreachable() {
                        tracing::info!(chat = %turn.tag, cause = %e, "the chat cannot be reached; its replies are dropped");
                    } else {
                        delivery.unsent = claim.effects[i..].iter().filter_map(Effect::reply).cloned().collect();
                        delivery.result = Err(anyhow::Error::new(e).context("sending a reply"));
                    }
                    break;
                }
                Effect::ClearChat => {
                    delivery.forget_failed = self.quick_exit(chat, turn, &mut claim.state, &mut delivery.sent).await;
                    if !delivery.forget_failed {
                        claim.version = None;
                    }
                    delivery.cleared = true;
                }
            }
        }
        delivery
    }

    /// Quick exit: deletes every message of the conversation (with those sent so far this
    /// turn, which leaves `sent` empty), forgets the stored chat, and empties `state`, keeping
    /// only the session, the update's id and the messages still to delete. Returns whether
    /// forgetting the stored chat failed.
    async fn quick_exit(&self, chat: ChatId, turn: &Turn<'_>, state: &mut ChatState, sent: &mut Vec<i32>) -> bool {
        let tag = &turn.tag;
        let mut ids = std::mem::take(&mut state.message_ids);
        remember(&mut ids, sent);
        sent.clear();
        let left = self.delete_all(chat, &ids).await;
        let forget_failed = match self.store.delete(tag).await {
            Ok(()) => false,
            Err(e) => {
                let e = anyhow::Error::new(e);
                tracing::error!(chat = %tag, cause = %format!("{e:#}"), "quick exit: forgetting the chat failed");
                true
            }
        };
        *state = ChatState {
            session: state.session.clone(),
            last_update_id: state.last_update_id,
            created_at: turn.now.timestamp(),
            updated_at: turn.now.timestamp(),
            // Messages still on screen that may yet be deleted: the next quick exit
            // tries them again.
            message_ids: left,
            // Quick exit forgets the sandbox too (its trace and clock).
            sandbox: None,
            outbox: Vec::new(),
        };
        forget_failed
    }

    /// Step 5: remember what was sent (after quick exit, only what came after it) and what is
    /// still to send.
    async fn record(&self, tag: &str, claim: Claim, delivery: Delivery) -> anyhow::Result<()> {
        let Claim { mut state, version, .. } = claim;
        let Delivery { sent, unsent, cleared, forget_failed, result } = delivery;
        let outbox_changed = state.outbox != unsent;
        state.outbox = unsent;
        if cleared {
            if !sent.is_empty() || !state.message_ids.is_empty() || forget_failed {
                remember(&mut state.message_ids, &sent);
                // Never an apology after quick exit: the chat has just been emptied.
                if let Err(e) = self.save_ids(tag, state, version, &sent).await {
                    tracing::error!(chat = %tag, cause = %format!("{e:#}"), "quick exit: saving the emptied chat failed");
                }
            }
            tracing::info!(chat = %tag, "quick exit: conversation deleted and forgotten");
        } else if !sent.is_empty() || outbox_changed {
            remember(&mut state.message_ids, &sent);
            self.save_ids(tag, state, version, &sent).await?;
        }
        result
    }

    /// Send one reply: edit the pressed message in place when the engine redrew it, otherwise
    /// send it (cut into parts if long, buttons on the last). Sent ids go into `sent`.
    async fn reply(
        &self,
        chat: ChatId,
        reply: &Reply,
        pressed: Option<i32>,
        sent: &mut Vec<i32>,
    ) -> Result<(), CallFailed> {
        let parts = split_reply(&reply.text);
        if let (true, Some(message), [text]) = (reply.replaces, pressed, parts.as_slice()) {
            match self.api.edit(chat, MessageId(message), text, keyboard::keyboard(&reply.buttons)).await {
                Ok(()) => return Ok(()),
                Err(e) => tracing::warn!(cause = %e, "editing in place failed; sending instead"),
            }
        }
        let last = parts.len().saturating_sub(1);
        for (i, text) in parts.iter().enumerate() {
            let markup = (i == last && !reply.buttons.is_empty()).then(|| keyboard::keyboard(&reply.buttons));
            let message = self.api.send(chat, text, markup).await?;
            sent.push(message.0);
        }
        Ok(())
    }

    /// Delete every message id it can, 100 at a time. Failures are logged (by count) and the
    /// rest carry on. Returns the ids whose deletion failed for a reason that may pass (the
    /// network, Telegram's own trouble), to try again; not those Telegram will never delete
    /// (a bot cannot delete a message older than 48 hours).
    async fn delete_all(&self, chat: ChatId, ids: &[i32]) -> Vec<i32> {
        let mut left = Vec::new();
        for chunk in ids.chunks(DELETE_CHUNK) {
            if let Err(e) = self.api.delete(chat, chunk).await {
                tracing::warn!(count = chunk.len(), cause = %e, "deleting messages failed");
                let never = e.chat_unreachable()
                    || matches!(
                        e.0,
                        RequestError::Api(ApiError::MessageCantBeDeleted | ApiError::MessageToDeleteNotFound)
                    );
                if !never {
                    left.extend_from_slice(chunk);
                }
            }
        }
        left
    }
}

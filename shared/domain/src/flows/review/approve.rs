//! `POST /conversations/{context_id}/approve` and `…/reply` (seed 001 §4, §6):
//! the reply is written as a pending outbound message of the conversation
//! that the CRM sends (issue 22): its `provider` is the one configured for
//! the channel, and the sender is woken once it committed (`flows/send.rs`).

use super::super::append::{append, Append};
use crate::conversations::record::ConversationRecord;
use crate::error::{DomainError, DomainResult};
use crate::messages::record::MessageRecord;
use crate::retry::optimistic;
use crate::sending::Provider;
use crate::stats::StatsDelta;
use crate::store::WriteAction;
use crate::suggestions::record::SuggestionRecord;
use crate::suggestions::review::{ActionData, ActionResult, ApproveRequest, CustomReply};
use crate::types::{ContextId, Direction, LogId, SendStatus};
use crate::Crm;
use std::sync::atomic::{AtomicBool, Ordering};

/// The outbound reply to `inbound`: same conversation, customer, channel and
/// `channel_identifier`; `send_status: pending`, to be sent through
/// `provider`; processed (outbound messages need no processing).
fn reply_record(
    (provider, via_connection): (Provider, Option<String>),
    inbound: &MessageRecord,
    log_id: LogId,
    body: String,
    subject: Option<String>,
    metadata_json: Option<String>,
    now: &str,
) -> MessageRecord {
    let mut reply = MessageRecord {
        log_id,
        context_id: inbound.context_id.clone(),
        customer_id: inbound.customer_id,
        channel: inbound.channel,
        channel_identifier: inbound.channel_identifier.clone(),
        direction: Direction::Outbound,
        message_body: body,
        message_subject: subject,
        metadata_json,
        processed: true,
        processed_at: Some(now.to_string()),
        send_status: SendStatus::Pending,
        created_at: now.to_string(),
        updated_at: now.to_string(),
        ingested: None,
        delivery: Default::default(),
        lease: Default::default(),
        dispatch: Default::default(),
    };
    match via_connection {
        Some(connection) => reply.dispatch_via_connection(&connection),
        None => reply.dispatch_through(provider),
    }
    reply.answer_in_thread(inbound);
    reply
}

impl Crm {
    /// `POST /conversations/{context_id}/approve` (seed 001 §4): logs the
    /// suggestion (or its edit) as a pending outbound message and marks it
    /// `approved` (its TTL removed), in one transaction.
    ///
    /// Errors: 404 unknown conversation or suggestion; 409 when the
    /// suggestion is not the pending one ("Suggestion already approved.
    /// Cannot approve.") or a newer inbound message is awaiting its draft,
    /// or — unless `force` — when the customer wrote again after the message
    /// the suggestion answers (a stale draft: issue 22), naming the newer
    /// message; 400 for an edit over the limits or a handoff with no
    /// `edited_body`.
    ///
    /// Store calls: 5 (conversation, suggestion, message and customer
    /// `GetItem`s — the customer for its opt-out — and one
    /// `TransactWriteItems`), +4 per lost race; a 409 when the customer
    /// texted `STOP` on the reply's channel (issue 22).
    pub async fn approve_suggestion(
        &self,
        context_id: &ContextId,
        req: &ApproveRequest,
    ) -> DomainResult<ActionResult> {
        let (edited_body, edited_subject) = req.edits()?;
        optimistic(|| async {
            let conversation = self.existing_conversation(context_id).await?;
            let mut suggestion = self
                .actionable_suggestion(&conversation, &req.suggestion_id, "approve")
                .await?;
            if let Some(job) = conversation.reply_job() {
                return Err(DomainError::conflict(format!(
                    "A newer draft is being made for message {} of this conversation; approve that one (GET /conversations/{context_id}/ai-suggestion). Cannot approve.",
                    job.log_id.get()
                )));
            }
            let answered = suggestion.reply_to_log_id;
            if let Some(newer) = conversation.written_since(answered).filter(|_| !req.force) {
                return Err(DomainError::conflict(format!(
                    "The customer wrote again (message {}) after message {} this suggestion answers; regenerate (POST /conversations/{context_id}/regenerate), or approve with \"force\": true to send it anyway. Cannot approve.",
                    newer.get(),
                    answered.get()
                )));
            }
            let body = match (&edited_body, suggestion.draft.suggested_body.trim()) {
                (Some(edit), _) => edit.clone(),
                (None, "") => return Err(DomainError::invalid(
                    "edited_body",
                    "this suggestion is a handoff with no body; give `edited_body` to send a reply",
                )),
                (None, drafted) => drafted.to_string(),
            };
            let Some(inbound) = self.message_record(suggestion.reply_to_log_id).await? else {
                return Err(DomainError::conflict(format!(
                    "message {} this suggestion answers no longer exists. Cannot approve.",
                    suggestion.reply_to_log_id.get()
                )));
            };
            self.ensure_consent(conversation.customer_id, inbound.channel)
                .await?;
            let id = LogId::mint();
            let now = self.now_rfc3339();
            let subject = edited_subject
                .clone()
                .or_else(|| suggestion.suggested_subject.clone());
            let metadata =
                serde_json::json!({ "suggestion_id": suggestion.suggestion_id }).to_string();
            let route = self.reply_route(&inbound).await?;
            let message = reply_record(route, &inbound, id, body, subject, Some(metadata), &now);
            let approved =
                suggestion.approve(id, edited_body.as_deref(), edited_subject.as_deref(), &now)?;
            let Append { mut tx, mut delta } = append(
                &conversation,
                &message,
                vec![
                    ConversationRecord::pending_suggestion_is(Some((
                        suggestion.reply_to_log_id,
                        suggestion.revision,
                    ))),
                    ConversationRecord::no_reply_job(),
                    ConversationRecord::last_inbound_is(conversation.last_inbound_log_id),
                ],
                |c| c.clear_pending_suggestion(),
            )?;
            delta.today("suggestions_approved", 1);
            if edited_body.is_some() {
                delta.today("suggestions_edited", 1);
            }
            tx.push("suggestion", WriteAction::Update(approved));
            // Approved, rejected or superseded meanwhile: the re-read says which.
            tx.commit(&*self.store).await??;
            crate::metrics::suggestion_approved();
            Ok(self
                .reply_logged(
                    context_id,
                    &message,
                    delta,
                    "Reply approved",
                )
                .await)
        })
        .await
    }

    /// `POST /conversations/{context_id}/reply` (seed 001 §6): logs a custom
    /// reply as a pending outbound message on the channel of the latest
    /// inbound message; the pending suggestion becomes `superseded` and a
    /// pending reply job ends, in the same transaction.
    ///
    /// Errors: 400 blank or over-long fields; 404 unknown conversation; 409
    /// when it has no inbound message to answer.
    ///
    /// Store calls: 4 (conversation `GetItem`, the inbound message `GetItem`
    /// or GSI2 `Query`, customer `GetItem` for its opt-out — a 409 when it
    /// texted `STOP` on that channel, issue 22 — and `TransactWriteItems`),
    /// +4 per lost race.
    pub async fn send_custom_reply(
        &self,
        context_id: &ContextId,
        req: &CustomReply,
    ) -> DomainResult<ActionResult> {
        let (body, subject, metadata) = req.validate()?;
        // False once the previous suggestion proved gone (its TTL removed it).
        let supersede = AtomicBool::new(true);
        optimistic(|| async {
            let conversation = self.existing_conversation(context_id).await?;
            let Some(inbound) = self.latest_inbound(&conversation).await? else {
                return Err(DomainError::conflict(format!(
                    "conversation {context_id} has no inbound message to reply to, so no channel to reply on; log the message with POST /log instead"
                )));
            };
            self.ensure_consent(conversation.customer_id, inbound.channel)
                .await?;
            let id = LogId::mint();
            let now = self.now_rfc3339();
            let route = self.reply_route(&inbound).await?;
            let message = reply_record(
                route,
                &inbound,
                id,
                body.clone(),
                subject.clone(),
                metadata.clone(),
                &now,
            );
            let pending = conversation.pending_suggestion();
            // The custom reply answers: a pending job ends, the pending
            // suggestion is superseded (below) if still as read.
            let Append { mut tx, delta } = append(
                &conversation,
                &message,
                vec![ConversationRecord::pending_suggestion_is(pending)],
                |c| {
                    let mut actions = c.end_reply()?;
                    actions.extend(c.clear_pending_suggestion()?);
                    Ok(actions)
                },
            )?;
            let old = pending.filter(|_| supersede.load(Ordering::Relaxed));
            if let Some(old) = old {
                tx.push(
                    "previous_suggestion",
                    WriteAction::Update(SuggestionRecord::supersede(context_id, old, &now)),
                );
            }
            match tx.commit(&*self.store).await? {
                Ok(()) => Ok(self
                    .reply_logged(
                        context_id,
                        &message,
                        delta,
                        "Custom reply written",
                    )
                    .await),
                Err(canceled) => {
                    if old.is_some() && canceled.failed(&"previous_suggestion") {
                        supersede.store(false, Ordering::Relaxed); // the TTL removed it, or it is no longer pending
                    }
                    Err(DomainError::Contended)
                }
            }
        })
        .await
    }

    /// What follows a committed reply (approved or custom): the metric, the
    /// statistics `delta`, the sender woken (`conversation:sent` follows
    /// when the provider accepts it), and the answer saying `what`.
    async fn reply_logged(
        &self,
        context_id: &ContextId,
        message: &MessageRecord,
        delta: StatsDelta,
        what: &str,
    ) -> ActionResult {
        crate::metrics::message_logged(message.channel, Direction::Outbound);
        self.record_stats(delta).await;
        let context = context_id.to_string();
        let id = message.log_id;
        let how = match message.dispatch.provider {
            Some(Provider::External) | None => {
                "; it waits for an external sender (GET /messages/outbound)".to_string()
            }
            Some(provider) => format!("; it is being sent through {}", provider.as_str()),
        };
        if let Some(provider) = message.dispatch.provider {
            self.wake_sender(id, provider).await;
        }
        ActionResult {
            success: true,
            message: format!("{what}{how}"),
            data: ActionData {
                conversation_id: Some(context),
                message_id: Some(id.get()),
                ..Default::default()
            },
        }
    }
}

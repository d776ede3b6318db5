//! `POST /conversations/{context_id}/regenerate` (seed 001 §7): a new draft
//! with the agent's tone, length and instruction, through the same queue and
//! worker as the first one.

use time::OffsetDateTime;

use crate::error::{DomainError, DomainResult};
use crate::reply::ReplyJob;
use crate::retry::optimistic;
use crate::store::{Transaction, WriteAction};
use crate::suggestions::record::SuggestionRecord;
use crate::suggestions::review::{RegenerateRequest, Regenerating};
use crate::types::{rfc3339, ContextId, ConversationStatus};
use crate::Crm;
use std::sync::atomic::{AtomicBool, Ordering};

impl Crm {
    /// `POST /conversations/{context_id}/regenerate`: makes the conversation's
    /// pending reply job a regeneration (revision: its regeneration count
    /// plus one; the options on the conversation item), supersedes the pending
    /// suggestion, and enqueues the job with no debounce. Answers the id the
    /// new suggestion will have; `GET …/ai-suggestion` answers 202 until the
    /// worker stores it.
    ///
    /// The message answered: `message_id` (an inbound message of this
    /// conversation), else the one the pending job or suggestion answers,
    /// else the newest inbound message.
    ///
    /// Errors: 400 bad options or an outbound `message_id`; 404 unknown
    /// conversation or message; 409 a conversation that is not active or
    /// has no inbound message; 429 past `CRM_REGENERATE_PER_MINUTE` in the
    /// current minute (with `Retry-After`).
    ///
    /// Store calls: 3 (conversation and message `GetItem`s or a GSI2
    /// `Query`, `TransactWriteItems`), +2 per lost race; then one enqueue.
    pub async fn regenerate_suggestion(
        &self,
        context_id: &ContextId,
        req: &RegenerateRequest,
        now: OffsetDateTime,
    ) -> DomainResult<Regenerating> {
        let (message_id, instructions) = req.validate()?;
        let at = rfc3339(now);
        let minute = now.unix_timestamp().div_euclid(60);
        // False once the previous suggestion proved gone (its TTL removed it).
        let supersede = AtomicBool::new(true);
        optimistic(|| async {
            let conversation = self.existing_conversation(context_id).await?;
            if conversation.status != ConversationStatus::Active {
                return Err(DomainError::conflict(format!(
                    "conversation {context_id} is {}; only active conversations get drafts (reopen it with PUT /conversations/{context_id})",
                    conversation.status.as_str()
                )));
            }
            let answered = match message_id {
                Some(id) => {
                    self.inbound_message_of(context_id, id, "message_id")
                        .await?
                }
                None => self.latest_inbound(&conversation).await?.ok_or_else(|| {
                    DomainError::conflict(format!(
                        "conversation {context_id} has no inbound message to answer"
                    ))
                })?,
            };
            let limit = self.settings.reply.regenerate_per_minute;
            if conversation.regenerations_in(minute) >= limit {
                return Err(DomainError::RateLimited {
                    message: format!(
                        "at most {limit} regenerations per minute per conversation; retry after the minute ends"
                    ),
                    retry_after_secs: (60 - now.unix_timestamp().rem_euclid(60)).max(1) as u64,
                });
            }
            let pending = conversation.pending_suggestion();
            let mut next = conversation.clone();
            let update = next.request_regeneration(answered.log_id, &instructions, minute, &at)?;
            let revision = next.regenerations;
            let mut tx = Transaction::new();
            tx.push("conversation", WriteAction::Update(update));
            let old = pending.filter(|_| supersede.load(Ordering::Relaxed));
            if let Some(old) = old {
                tx.push(
                    "previous_suggestion",
                    WriteAction::Update(SuggestionRecord::supersede(context_id, old, &at)),
                );
            }
            match tx.commit(&*self.store).await? {
                Ok(()) => {
                    let job = ReplyJob {
                        context_id: context_id.clone(),
                        log_id: answered.log_id,
                        revision,
                    };
                    self.enqueue_reply_after(job, std::time::Duration::ZERO)
                        .await;
                    Ok(Regenerating {
                        id: SuggestionRecord::id_for(context_id, answered.log_id, revision),
                        conversation_id: context_id.to_string(),
                        reply_to_message_id: answered.log_id.get(),
                        status: "generating".into(),
                    })
                }
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
}

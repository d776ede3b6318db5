//! Drafting a reply (issue 9): what the worker does with one reply job, and
//! the sweep that re-enqueues jobs whose queue message was lost.
//!
//! The outbox: `POST /log` (and a live ingested inbound message) sets the
//! conversation's `reply_log_id` in the same transaction that writes the
//! message, which puts the conversation in GSI4 `REPLY_JOBS`; then it
//! enqueues a [`ReplyJob`] (SQS `DelaySeconds` = the debounce). If the
//! enqueue fails the log still succeeds, and the sweep finds the job in
//! GSI4 after the grace period. A newer inbound message overwrites
//! `reply_log_id`, so jobs coalesce; an outbound message clears it (a
//! person or automation answered).
//!
//! Rules of [`Crm::draft_reply`], in order:
//! - a job whose message is no longer the conversation's `reply_log_id`
//!   (superseded, already drafted, answered) is dropped without a model call;
//! - a conversation that is not `active` (paused: a person took over;
//!   resolved/archived) gets no draft, and the job ends;
//! - the model drafts from the message and up to 20 earlier messages
//!   (≤ 16 KiB of text), then one transaction stores the suggestion
//!   (`attribute_not_exists`), supersedes the previous pending one, sets the
//!   conversation's `intent`, `sentiment` and `pending_suggestion_log_id`,
//!   ends the job, and — when the draft escalates and no ticket is open —
//!   opens an escalation ticket; all on condition that `reply_log_id` is
//!   still this job's. A draft for a message that stopped being the latest
//!   while the model ran is thrown away.
//!
//! Store calls per job: 5, +1 with an escalation (conversation, customer
//! and message `GetItem`s, history `Query`, ticket counter `UpdateItem`, one
//! `TransactWriteItems`); 1 for a dropped job; +2 per lost race.

use time::OffsetDateTime;

use crate::codec::{from_item, wire_name};
use crate::conversations::record::ConversationRecord;
use crate::error::{DomainError, DomainResult};
use crate::escalations::record::EscalationRecord;
use crate::escalations::{EscalationDecision, EscalationReason, Priority};
use crate::events::ConversationEvent;
use crate::keys::{Entity, WRITE_SHARDS};
use crate::messages::record::MessageRecord;
use crate::paging::Merge;
use crate::reply::{
    DraftError, Prompt, ReplyJob, ReplyModel, Turn, MAX_HISTORY_BYTES, MAX_HISTORY_TURNS,
};
use crate::retry::optimistic;
use crate::stats::StatsDelta;
use crate::store::{Condition, Put, ReturnValues, StoreError, Transaction, Update, WriteAction};
use crate::suggestions::record::SuggestionRecord;
use crate::suggestions::SuggestionStatus;
use crate::types::{rfc3339, ConversationStatus, Direction};
use crate::Crm;
use futures::lock::Mutex;

/// Jobs the sweep looks at per run (one GSI4 page).
pub const SWEEP_PAGE: u32 = 100;

/// What became of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// A suggestion was stored.
    Drafted {
        /// Its id.
        suggestion_id: String,
        /// The ticket it opened, if it escalated.
        escalation_ticket: Option<String>,
    },
    /// Nothing to do; no model call unless said otherwise.
    Skipped(Skip),
}

/// Why a job stored nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The conversation no longer exists.
    NoConversation,
    /// Its message is no longer the one awaiting a reply: a newer inbound
    /// message superseded it, it was drafted already (a redelivery), or an
    /// outbound message answered it. When the model had already run, its
    /// draft was thrown away.
    NotLatest,
    /// The conversation is paused (a person took over) or closed.
    NotActive,
    /// The message itself is gone.
    NoMessage,
}

/// Why a job failed: reported to the queue as a failed record, retried,
/// then dead-lettered. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// The provider failed or answered something unusable.
    #[error(transparent)]
    Model(#[from] DraftError),
    /// The store failed.
    #[error(transparent)]
    Domain(#[from] DomainError),
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Jobs found pending past the grace period and enqueued again.
    pub requeued: Vec<ReplyJob>,
    /// Jobs given up after `CRM_REPLY_MAX_SWEEPS` re-enqueues (each opened a
    /// `repeated_failures` ticket unless one was open).
    pub given_up: usize,
}

impl Crm {
    /// Asks for a reply draft to inbound message `job.log_id`: enqueues the
    /// job with the debounce delay. The outbox (`reply_log_id`) was written
    /// with the message, so a queue failure is logged and left to the sweep.
    pub(crate) async fn enqueue_reply(&self, job: ReplyJob) {
        self.enqueue_reply_after(job, self.settings.reply.debounce)
            .await
    }

    /// Enqueues `job` to be worked after `delay` (a regeneration: none).
    pub(crate) async fn enqueue_reply_after(&self, job: ReplyJob, delay: std::time::Duration) {
        let Some(queue) = &self.queue else { return };
        if let Err(e) = queue.enqueue(std::slice::from_ref(&job), delay).await {
            tracing::warn!(error = %e, log_id = job.log_id.get(), "reply job not enqueued; the sweep will");
        }
    }

    /// Works one reply job (see the module docs). Idempotent: a job
    /// delivered twice, or after a newer message, stores nothing more.
    ///
    /// Errors: the provider's ([`ReplyError::Model`]) or the store's; either
    /// way nothing was written and the job may be retried.
    pub async fn draft_reply(
        &self,
        job: &ReplyJob,
        model: &dyn ReplyModel,
    ) -> Result<ReplyOutcome, ReplyError> {
        let Some(conversation) = self.conversation_record(&job.context_id).await? else {
            return Ok(ReplyOutcome::Skipped(Skip::NoConversation));
        };
        if conversation.reply_job().as_ref() != Some(job) {
            return Ok(ReplyOutcome::Skipped(Skip::NotLatest));
        }
        if conversation.status != ConversationStatus::Active {
            self.end_reply_job(job).await?;
            return Ok(ReplyOutcome::Skipped(Skip::NotActive));
        }
        let customer = self.customer_record(conversation.customer_id).await?;
        let Some((prompt, subject, used)) = self.prompt_for(job).await? else {
            self.end_reply_job(job).await?;
            return Ok(ReplyOutcome::Skipped(Skip::NoMessage));
        };
        let instructions = conversation.reply_options.clone().unwrap_or_default();
        let mut used = used;
        used.extend(instructions.labels());
        let prompt = Prompt {
            customer_name: customer.and_then(|c| c.name),
            instructions,
            ..prompt
        };
        let started = std::time::Instant::now();
        let drafted = model.draft(&prompt).await;
        crate::metrics::provider_call(started.elapsed(), drafted.is_ok());
        let draft = match drafted {
            Ok(d) => d,
            Err(e) => {
                let event = ConversationEvent::error(
                    &job.context_id.to_string(),
                    "drafting a reply suggestion failed; it will be retried",
                    &self.now_rfc3339(),
                );
                self.publish(event).await;
                return Err(e.into());
            }
        };

        let now = self.now();
        let at = rfc3339(now);
        // What one attempt leaves the next: the conversation read again, the
        // ticket id already allocated, whether the old suggestion still exists.
        let state = Mutex::new((conversation, None::<(String, EscalationDecision)>, true));
        let outcome = optimistic(|| async {
            let mut state = state.lock().await;
            let (conversation, ticket, supersede_old) = &mut *state;
            let escalation = match conversation.escalation_ticket {
                Some(_) => None,
                None => EscalationDecision::decide(&draft, &self.settings.reply.thresholds),
            };
            if let (Some(e), None) = (escalation, ticket.as_ref()) {
                *ticket = Some((self.next_ticket(now.year()).await?, e));
            }
            let opened = escalation.and(ticket.as_ref());
            let suggestion = SuggestionRecord {
                suggestion_id: SuggestionRecord::id_for(&job.context_id, job.log_id, job.revision),
                context_id: job.context_id.clone(),
                customer_id: conversation.customer_id,
                reply_to_log_id: job.log_id,
                revision: job.revision,
                status: SuggestionStatus::Pending,
                suggested_subject: subject.clone(),
                draft: draft.clone(),
                context_used: used.clone(),
                escalation_ticket: opened.map(|(t, _)| t.clone()),
                superseded_at: None,
                approved_at: None,
                rejected_at: None,
                edited_body: None,
                edited_subject: None,
                sent_log_id: None,
                user_rating: None,
                feedback_notes: None,
                created_at: at.clone(),
                updated_at: at.clone(),
                expires_at: Some((now + self.settings.reply.suggestion_ttl).unix_timestamp()),
            };
            let mut tx = Transaction::new();
            tx.push(
                "suggestion",
                WriteAction::Put(Put {
                    item: suggestion.to_item()?,
                    condition: Some(Condition::item_not_exists()),
                }),
            )
            .push(
                "conversation",
                WriteAction::Update(conversation.clone().drafted(
                    job,
                    Some(wire_name(&draft.intent)),
                    Some(wire_name(&draft.sentiment)),
                    opened.map(|(t, _)| t.as_str()),
                    &at,
                )?),
            );
            let old = conversation
                .pending_suggestion()
                .filter(|old| *old != (job.log_id, job.revision) && *supersede_old);
            if let Some(old) = old {
                tx.push(
                    "previous_suggestion",
                    WriteAction::Update(SuggestionRecord::supersede(&job.context_id, old, &at)),
                );
            }
            if let Some((ticket_id, e)) = opened {
                let record = EscalationRecord {
                    log_id: Some(job.log_id),
                    customer_sentiment: Some(draft.sentiment_score),
                    query_complexity: Some(draft.complexity_score),
                    ..EscalationRecord::open(
                        ticket_id.clone(),
                        job.context_id.clone(),
                        conversation.customer_id,
                        e.reason,
                        e.priority,
                        "reply_worker",
                        &at,
                    )
                };
                tx.extend("ticket", record.open_writes()?);
            }
            match tx.commit(&*self.store).await? {
                Ok(()) => {
                    let mut delta = StatsDelta::default();
                    delta.today("suggestions_generated", 1).today(
                        "confidence_micros",
                        (draft.confidence_score * 1e6).round() as i64,
                    );
                    if opened.is_some() {
                        delta.total("escalations_open", 1);
                        crate::metrics::escalation_opened();
                    }
                    crate::metrics::suggestion_drafted();
                    self.record_stats(delta).await;
                    self.publish(ConversationEvent::ai_ready(
                        &job.context_id.to_string(),
                        &suggestion.suggestion_id,
                        draft.confidence_score,
                        &at,
                    ))
                    .await;
                    Ok(ReplyOutcome::Drafted {
                        suggestion_id: suggestion.suggestion_id,
                        escalation_ticket: opened.map(|(t, _)| t.clone()),
                    })
                }
                Err(canceled) => {
                    if old.is_some() && canceled.failed(&"previous_suggestion") {
                        *supersede_old = false; // the TTL removed it: nothing to supersede
                    }
                    match self.conversation_record(&job.context_id).await? {
                        Some(c) if c.reply_job().as_ref() == Some(job) => {
                            if c.status != ConversationStatus::Active {
                                self.end_reply_job(job).await?;
                                return Ok(ReplyOutcome::Skipped(Skip::NotActive));
                            }
                            *conversation = c;
                            Err(DomainError::Contended)
                        }
                        Some(_) => Ok(ReplyOutcome::Skipped(Skip::NotLatest)),
                        None => Ok(ReplyOutcome::Skipped(Skip::NoConversation)),
                    }
                }
            }
        })
        .await?;
        Ok(outcome)
    }

    /// The prompt for `job`: its message (a strongly consistent `GetItem`:
    /// it was just written) and up to [`MAX_HISTORY_TURNS`] earlier ones
    /// (≤ [`MAX_HISTORY_BYTES`] of text; one GSI2 `Query`, descending — the
    /// history may lag a write by a moment, the message itself cannot), the
    /// reply subject (`Re: …` when the message had one) and what was used.
    /// `None` when the message is gone or belongs elsewhere.
    async fn prompt_for(
        &self,
        job: &ReplyJob,
    ) -> DomainResult<Option<(Prompt, Option<String>, Vec<String>)>> {
        let Some(item) = self.store.get_item(&MessageRecord::key(job.log_id)).await? else {
            return Ok(None);
        };
        let message = from_item::<MessageRecord>(item)?;
        if message.context_id != job.context_id {
            return Ok(None);
        }
        let mut q = MessageRecord::of_context_before(&job.context_id, job.log_id);
        q.forward = false;
        q.limit = MAX_HISTORY_TURNS as u32;
        let mut history = Vec::new();
        let mut bytes = 0usize;
        for item in self.store.query(q).await?.items {
            let m = from_item::<MessageRecord>(item)?;
            bytes += m.message_body.len();
            if bytes > MAX_HISTORY_BYTES {
                break;
            }
            history.push(Turn {
                inbound: m.direction == Direction::Inbound,
                text: m.message_body,
            });
        }
        history.reverse();
        let subject = message.message_subject.as_deref().map(|s| {
            if s.to_ascii_lowercase().starts_with("re:") {
                s.to_string()
            } else {
                format!("Re: {s}")
            }
        });
        let used = vec![
            format!("message {}", job.log_id.get()),
            format!("conversation_history: {} earlier messages", history.len()),
            "customer_profile".to_string(),
        ];
        Ok(Some((
            Prompt {
                customer_name: None,
                history,
                message: message.message_body,
                instructions: Default::default(),
            },
            subject,
            used,
        )))
    }

    /// Ends `job` without a draft, if it is still the pending one.
    async fn end_reply_job(&self, job: &ReplyJob) -> DomainResult<()> {
        let update = Update {
            key: ConversationRecord::key(&job.context_id),
            actions: ConversationRecord::end_reply_actions(),
            condition: Some(ConversationRecord::reply_pending_for(
                job.log_id,
                job.revision,
            )),
        };
        match self.store.update_item(update, ReturnValues::None).await {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The next ticket id of `year` (`TKT-2026-000001` …): one counter `UpdateItem`.
    pub(crate) async fn next_ticket(&self, year: i32) -> DomainResult<String> {
        let n = self.next_id(&EscalationRecord::counter(year)).await?;
        Ok(EscalationRecord::ticket_id(year, n))
    }

    /// The sweep (an EventBridge schedule on AWS, a timer in local-api):
    /// re-enqueues the reply jobs pending for longer than the grace period
    /// (`CRM_REPLY_SWEEP_GRACE_SECONDS`) — their queue message was lost, or
    /// went to the DLQ — at most [`SWEEP_PAGE`] per run, and gives up on a
    /// job after `CRM_REPLY_MAX_SWEEPS` re-enqueues: the job ends and a
    /// `repeated_failures` ticket opens (unless one is open).
    ///
    /// Store calls: 1 `Query` per shard of GSI4 `REPLY_JOBS` (eventually
    /// consistent: every job found is re-checked by a conditional write) + 1 `UpdateItem` per job found
    /// (+1 counter `UpdateItem` per ticket), then the queue's enqueue.
    pub async fn sweep_reply_jobs(&self, now: OffsetDateTime) -> DomainResult<SweepOutcome> {
        let before = rfc3339(now - self.settings.reply.sweep_grace);
        let at = rfc3339(now);
        let mut q = ConversationRecord::reply_jobs_before(&before);
        q.limit = SWEEP_PAGE;
        let mut outcome = SweepOutcome::default();
        let mut oldest = Merge::new(self.store.as_ref(), q, None, usize::from(WRITE_SHARDS))?;
        for item in oldest.take(SWEEP_PAGE as usize).await? {
            let c = from_item::<ConversationRecord>(item)?;
            let Some(job) = c.reply_job() else {
                continue;
            };
            // Either write is conditional on the job still pending; a job
            // that moved on meanwhile (drafted, superseded) is left alone.
            if c.reply_attempts >= self.settings.reply.max_sweeps {
                if self.give_up(&c, &job, now, &at).await? {
                    outcome.given_up += 1;
                }
            } else {
                let update = Update {
                    key: ConversationRecord::key(&c.context_id),
                    actions: ConversationRecord::retry_reply_actions(&c.context_id, &at),
                    condition: Some(ConversationRecord::reply_pending_for(
                        job.log_id,
                        job.revision,
                    )),
                };
                match self.store.update_item(update, ReturnValues::None).await {
                    Ok(_) => outcome.requeued.push(job),
                    Err(StoreError::ConditionFailed) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        if let (Some(queue), false) = (&self.queue, outcome.requeued.is_empty()) {
            queue
                .enqueue(&outcome.requeued, std::time::Duration::ZERO)
                .await
                .map_err(|e| DomainError::Store(StoreError::Unavailable(e.to_string())))?;
        }
        Ok(outcome)
    }

    /// Ends the job of `c` and opens a `repeated_failures` ticket, in one
    /// transaction conditional on the job still pending. False when the job
    /// moved on meanwhile (nothing written).
    async fn give_up(
        &self,
        c: &ConversationRecord,
        job: &ReplyJob,
        now: OffsetDateTime,
        at: &str,
    ) -> DomainResult<bool> {
        let mut tx = Transaction::new();
        let mut opened = None;
        if c.escalation_ticket.is_none() {
            let ticket = self.next_ticket(now.year()).await?;
            let record = EscalationRecord {
                log_id: Some(job.log_id),
                ..EscalationRecord::open(
                    ticket.clone(),
                    c.context_id.clone(),
                    c.customer_id,
                    EscalationReason::RepeatedFailures,
                    Priority::Medium,
                    "reply_sweep",
                    at,
                )
            };
            tx.extend("ticket", record.open_writes()?);
            opened = Some(ticket);
        }
        let opens = opened.is_some();
        tx.push(
            "conversation",
            WriteAction::Update(c.clone().give_up_reply(job, opened.as_deref())?),
        );
        if tx.commit(&*self.store).await?.is_err() {
            return Ok(false);
        }
        if opens {
            let mut delta = StatsDelta::default();
            delta.total("escalations_open", 1);
            crate::metrics::escalation_opened();
            self.record_stats(delta).await;
        }
        Ok(true)
    }
}

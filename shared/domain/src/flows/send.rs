//! Sending an outbound message (issue 22): the sender's step for one send
//! job, the sweep that finds lost wake-ups and dead claims, and a person's
//! resend. The message's own item is the outbox (`messages/dispatch.rs`):
//! approve, custom reply and `POST /log` with `"send": true` write it
//! `pending` with its `provider` in their one transaction, then wake the
//! sender ([`Crm::enqueue_send`]).
//!
//! One job ([`Crm::deliver`]):
//! 1. read the message (`GetItem`); nothing to do unless it is the CRM's,
//!    `pending` and due;
//! 2. refuse before any call when the customer opted out of the channel
//!    (`failed`, `opted_out`) or the sender has no courier for the provider
//!    (`failed`, `provider_not_configured`);
//! 3. claim it: `pending` → `sending`, `attempts + 1`, by condition — of two
//!    senders holding the job one claims it, the other stops here;
//! 4. one provider call ([`Courier::send`], bounded by the courier);
//! 5. record the outcome by condition on the claim: `sent` with the
//!    provider's id (`conversation:sent`); `failed` with the provider's
//!    code (`conversation:error`; Twilio's 21610 also opts the customer
//!    out); `pending` again with a backoff for a failure that did not send
//!    (or `failed`, `retries_exhausted`, after the last attempt); `failed`
//!    with `delivery_unknown` when the call may have sent — never repeated
//!    automatically, a person resends (`POST /messages/{log_id}/resend`).
//!
//! A sender that dies between 3 and 5 leaves the message `sending`; the
//! sweep ([`Crm::sweep_sends`]) records `delivery_unknown` once the claim
//! has ended, so nothing is sent twice and nothing stays unseen.

use std::time::Duration;

use backon::BackoffBuilder;

use crate::codec::from_item;
use crate::error::{DomainError, DomainResult, Missing};
use crate::events::ConversationEvent;
use crate::messages::dispatch::codes;
use crate::messages::record::MessageRecord;
use crate::messages::Message;
use crate::paging::Merge;
use crate::sending::{
    Attempt, Couriers, DeliveryTarget, EmailEvent, EmailReport, Envelope, Provider, SendJob,
};
use crate::stats::StatsDelta;
use crate::store::{ReturnValues, StoreError, Update};
use crate::types::{LogId, SendStatus};
use crate::Crm;

/// Longest wait before a retry: SQS's longest `DelaySeconds`.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(15 * 60);
/// Outbox entries one sweep looks at, oldest first.
const SWEEP_PAGE: u32 = 100;

/// What one send job came to.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// The provider accepted it.
    Sent,
    /// It failed for good (`error_code` on the message says why).
    Failed {
        /// The provider's code or the sender's own.
        code: String,
    },
    /// It was not sent; the job comes back after `delay` (already enqueued
    /// when the service has a send queue).
    RetryIn(Duration),
    /// Nothing to do: the message is not the CRM's to send, is no longer
    /// `pending`, or another sender claimed it first.
    Skipped(&'static str),
}

/// What one sweep of the outbox did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendSweep {
    /// Pending sends whose wake-up was lost, woken again.
    pub woken: Vec<SendJob>,
    /// Sends claimed by a sender that never recorded an outcome, now
    /// `failed` with `delivery_unknown`.
    pub unknown: Vec<LogId>,
}

impl Crm {
    /// Wakes the sender of message `id` after `delay`. The outbox was
    /// written with the message, so a queue failure is logged and left to
    /// the sweep.
    pub(crate) async fn enqueue_send(&self, id: LogId, delay: Duration) {
        let Some(queue) = &self.send_queue else {
            return;
        };
        if let Err(e) = queue.enqueue_sends(&[SendJob { log_id: id }], delay).await {
            tracing::warn!(error = %e, log_id = id.get(), "send job not enqueued; the sweep will");
        }
    }

    /// Wakes the sender of a message just written for sending through
    /// `provider`, unless an external sender takes it.
    pub(crate) async fn wake_sender(&self, id: LogId, provider: Provider) {
        if provider != Provider::External {
            self.enqueue_send(id, Duration::ZERO).await;
        }
    }

    /// How a reply to `inbound` goes out: to the delivery URL of the
    /// messaging connection it was ingested through, when that connection
    /// has one (`Some(connection_id)`); else through the channel's
    /// provider. Store calls: 0, or 1 `GetItem` of the connection for an
    /// ingested message.
    pub(crate) async fn reply_route(
        &self,
        inbound: &MessageRecord,
    ) -> DomainResult<(Provider, Option<String>)> {
        if let Some(ingested) = &inbound.ingested {
            if self
                .delivery_target(&ingested.connection_id)
                .await?
                .is_some()
            {
                return Ok((Provider::Webhook, Some(ingested.connection_id.clone())));
            }
        }
        Ok((self.settings.sending.provider_for(inbound.channel), None))
    }

    /// Works one send job (see the module docs). Idempotent: a job
    /// delivered twice, or after its message moved on, makes no call.
    ///
    /// Store calls: 1 `GetItem` (a skipped job stops here), 1 customer
    /// `GetItem` (opt-out), (a reply via a messaging connection: 1
    /// connection `GetItem`), 1 claim `UpdateItem`, 1 outcome `UpdateItem`
    /// (+1 `GetItem` when a Twilio callback got there first; +2 for a
    /// 21610 opt-out); 1 provider call at most.
    ///
    /// Errors: the store's, before the claim (the job may be retried) or
    /// after the call (the claim then ends and the sweep records
    /// `delivery_unknown`: the call is never repeated blindly).
    pub async fn deliver(&self, job: &SendJob, couriers: &Couriers) -> DomainResult<SendOutcome> {
        let Some(mut message) = self.message_record(job.log_id).await? else {
            return Ok(SendOutcome::Skipped("no such message"));
        };
        let Some(provider) = message
            .dispatch
            .provider
            .filter(|p| *p != Provider::External)
        else {
            return Ok(SendOutcome::Skipped("not the CRM's to send"));
        };
        if message.send_status != SendStatus::Pending {
            return Ok(SendOutcome::Skipped("not pending"));
        }
        let now_ms = self.now_ms();
        if let Some(at) = message.dispatch.next_attempt_at.filter(|at| *at > now_ms) {
            // Woken early (a sweep, a duplicate): its retry is already queued.
            return Ok(SendOutcome::RetryIn(Duration::from_millis(
                (at - now_ms) as u64,
            )));
        }
        let Some(courier) = couriers.get(provider) else {
            let why = format!(
                "this sender has no {} courier configured",
                provider.as_str()
            );
            return self
                .finish(&mut message, codes::PROVIDER_NOT_CONFIGURED, &why)
                .await;
        };
        if self.opted_out(message.customer_id, message.channel).await? {
            let why = format!(
                "the customer opted out of {} (texted STOP); nothing was sent",
                message.channel.as_str()
            );
            return self.finish(&mut message, codes::OPTED_OUT, &why).await;
        }
        let target = match message.dispatch.via_connection.clone() {
            None => None,
            Some(connection) => match self.delivery_target(&connection).await? {
                Some((url, secret)) => Some(DeliveryTarget { url, secret }),
                None => {
                    let why = format!("messaging connection {connection} has no delivery_url any more (or this deployment no CRM_DELIVERY_SIGNING_KEY); nothing was sent");
                    return self
                        .finish(&mut message, codes::PROVIDER_NOT_CONFIGURED, &why)
                        .await;
                }
            },
        };
        let now = self.now_rfc3339();
        let claim_ms = self.settings.sending.claim_timeout.as_millis() as i64;
        let claim = message.claim(now_ms + claim_ms, &now)?;
        match self.store.update_item(claim, ReturnValues::None).await {
            Ok(_) => {}
            Err(StoreError::ConditionFailed) => {
                return Ok(SendOutcome::Skipped("claimed by another sender"))
            }
            Err(e) => return Err(e.into()),
        }
        let envelope = Envelope {
            log_id: message.log_id,
            context_id: message.context_id.clone(),
            customer_id: message.customer_id.get(),
            channel: message.channel,
            to: message.channel_identifier.clone(),
            body: message.message_body.clone(),
            subject: message.message_subject.clone(),
            in_reply_to: message.dispatch.in_reply_to.clone(),
            target,
            attempt: message.attempts(),
            created_at: message.created_at.clone(),
        };
        let attempt = courier.send(&envelope).await;
        crate::metrics::send_attempted(provider.as_str(), attempt_kind(&attempt));
        self.record_attempt(&mut message, attempt).await
    }

    /// Records what the provider call answered (step 5 of the module docs).
    async fn record_attempt(
        &self,
        message: &mut MessageRecord,
        attempt: Attempt,
    ) -> DomainResult<SendOutcome> {
        let now = self.now_rfc3339();
        match attempt {
            Attempt::Accepted {
                provider_message_id,
            } => {
                let update = message.accepted(&provider_message_id, &now)?;
                match self.store.update_item(update, ReturnValues::None).await {
                    Ok(_) => {}
                    Err(StoreError::ConditionFailed) => {
                        // A Twilio status callback can arrive before this
                        // write and move the message on itself.
                        let stored = self.message_record(message.log_id).await?;
                        let ours = stored.is_some_and(|m| {
                            m.delivery.twilio_message_sid.as_deref() == Some(&provider_message_id)
                        });
                        if !ours {
                            tracing::warn!(
                                log_id = message.log_id.get(),
                                "accepted send found moved on; left as stored"
                            );
                            return Ok(SendOutcome::Skipped("moved on during the call"));
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
                tracing::info!(
                    log_id = message.log_id.get(),
                    attempts = message.attempts(),
                    "message sent"
                );
                if message.dispatch.provider == Some(Provider::Ses) {
                    // Its opens and clicks will be reported: the rates' base.
                    let mut delta = StatsDelta::default();
                    delta.today("emails_tracked", 1);
                    self.record_stats(delta).await;
                }
                let context = message.context_id.to_string();
                self.publish(ConversationEvent::sent(
                    &context,
                    message.log_id.get(),
                    &now,
                ))
                .await;
                Ok(SendOutcome::Sent)
            }
            Attempt::Refused { code, message: why } => {
                if code == TWILIO_UNSUBSCRIBED
                    && message.dispatch.provider == Some(Provider::Twilio)
                {
                    self.note_unsubscribed(message.customer_id, message.channel)
                        .await?;
                }
                self.finish(message, &code, &why).await
            }
            Attempt::NotSent {
                reason,
                retry_after,
            } => {
                if message.attempts() >= self.settings.sending.max_attempts {
                    let why = format!(
                        "not sent after {} attempts; the last: {reason}",
                        message.attempts()
                    );
                    return self.finish(message, codes::RETRIES_EXHAUSTED, &why).await;
                }
                let delay = self.retry_delay(message.attempts(), retry_after);
                let at = self.now_ms() + delay.as_millis() as i64;
                let update = message.retry_at(at, &reason, &now)?;
                if !self.apply(update).await? {
                    return Ok(SendOutcome::Skipped("moved on during the call"));
                }
                tracing::info!(
                    log_id = message.log_id.get(),
                    delay_ms = delay.as_millis() as u64,
                    "send not made; retrying"
                );
                self.enqueue_send(message.log_id, delay).await;
                Ok(SendOutcome::RetryIn(delay))
            }
            Attempt::Unknown { reason } => {
                let why = format!("{reason}; it may have been sent, so it is not retried: check with the customer, then resend (POST /messages/{}/resend)", message.log_id.get());
                self.finish(message, codes::DELIVERY_UNKNOWN, &why).await
            }
        }
    }

    /// The wait before the call after `attempts` calls: exponential from
    /// the base, with jitter, at most 15 minutes; `retry_after` wins when longer.
    fn retry_delay(&self, attempts: i64, retry_after: Option<Duration>) -> Duration {
        let backoff = backon::ExponentialBuilder::new()
            .with_min_delay(self.settings.sending.retry_base)
            .with_max_delay(MAX_RETRY_DELAY)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build()
            .nth(attempts.saturating_sub(1).max(0) as usize)
            .unwrap_or(MAX_RETRY_DELAY);
        backoff
            .max(retry_after.unwrap_or_default())
            .min(MAX_RETRY_DELAY)
    }

    /// Records the message `failed` with `code` (from `pending` or from its
    /// claim), with `conversation:error`.
    async fn finish(
        &self,
        message: &mut MessageRecord,
        code: &str,
        why: &str,
    ) -> DomainResult<SendOutcome> {
        let now = self.now_rfc3339();
        let update = message.send_failed(code, why, &now)?;
        if !self.apply(update).await? {
            return Ok(SendOutcome::Skipped("moved on meanwhile"));
        }
        tracing::info!(
            log_id = message.log_id.get(),
            error_code = code,
            "send failed"
        );
        // The event names the code, not the provider's words: those can
        // quote the recipient's address, and the bus carries no contact
        // data (events.rs). The message holds `error_message` for people.
        let error = format!(
            "Failed to send {}: {code} (message {}; GET /messages/{} says why)",
            message.channel.as_str(),
            message.log_id,
            message.log_id
        );
        self.publish(ConversationEvent::error(
            &message.context_id.to_string(),
            error,
            &now,
        ))
        .await;
        Ok(SendOutcome::Failed {
            code: code.to_string(),
        })
    }

    /// Applies a dispatch change; false when its condition failed (the
    /// message moved on: another sender, the sweep, a person).
    async fn apply(&self, update: Update) -> DomainResult<bool> {
        match self.store.update_item(update, ReturnValues::None).await {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The outbox sweep (every minute on AWS, on a timer in local-api):
    /// among the 100 oldest sends in the outbox, a pending one due longer
    /// than `grace` ago is woken again (the schedule passes
    /// `settings().sending.sweep_grace`; a process starting, zero), and one
    /// whose claim ended with no outcome is `failed` with `delivery_unknown`.
    ///
    /// Store calls: ≤ 12 + ⌈100 / page⌉ queries, + 1 `UpdateItem` per dead
    /// claim; then one queue call.
    ///
    /// Errors: the store's; the queue's (the next sweep tries again).
    pub async fn sweep_sends(&self, grace: Duration) -> DomainResult<SendSweep> {
        let now_ms = self.now_ms();
        let grace_ms = grace.as_millis() as i64;
        let mut query = MessageRecord::sends_in_outbox();
        query.limit = SWEEP_PAGE;
        let mut merge = Merge::new(
            self.store.as_ref(),
            query,
            None,
            crate::paging::sharded_call_budget(true),
        )?;
        let mut sweep = SendSweep::default();
        for item in merge.take(SWEEP_PAGE as usize).await? {
            let mut message = from_item::<MessageRecord>(item)?;
            if message.claim_expired(now_ms) {
                let why = "the sender stopped between claiming it and recording the provider's answer; it may have been sent, so it is not retried: check with the customer, then resend";
                if let SendOutcome::Failed { .. } = self
                    .finish(&mut message, codes::DELIVERY_UNKNOWN, why)
                    .await?
                {
                    sweep.unknown.push(message.log_id);
                }
            } else if message.send_status == SendStatus::Pending
                && message.due_ms().is_some_and(|due| due + grace_ms <= now_ms)
            {
                sweep.woken.push(SendJob {
                    log_id: message.log_id,
                });
            }
        }
        if let (Some(queue), false) = (&self.send_queue, sweep.woken.is_empty()) {
            queue
                .enqueue_sends(&sweep.woken, Duration::ZERO)
                .await
                .map_err(|e| DomainError::Store(StoreError::Unavailable(e.to_string())))?;
        }
        Ok(sweep)
    }

    /// `POST /messages/{log_id}/resend` (issue 22): a `failed` message the
    /// CRM sent goes back to `pending` (its error cleared, its attempts
    /// back to 0) and its sender is woken; a person's decision after a
    /// `delivery_unknown` or a refusal they fixed.
    ///
    /// Errors: 404 unknown message; 409 when it is not the CRM's to send
    /// (only logged: resend it yourself) or not `failed`.
    ///
    /// Store calls: 1 `GetItem`, 1 `UpdateItem` (+2 per lost race).
    pub async fn resend_message(&self, id: LogId) -> DomainResult<Message> {
        crate::retry::optimistic(|| async {
            let mut message = self
                .message_record(id)
                .await?
                .ok_or_else(|| DomainError::not_found(Missing::Message, id))?;
            let Some(provider) = message.dispatch.provider else {
                return Err(DomainError::conflict(format!(
                    "message {id} was only logged (POST /log without \"send\": true); the CRM did not send it, so it cannot resend it"
                )));
            };
            if message.send_status != SendStatus::Failed {
                return Err(DomainError::conflict(format!(
                    "message {id} is {}; only a failed message can be resent",
                    crate::codec::wire_name(&message.send_status)
                )));
            }
            let update = message.resend(&self.now_rfc3339())?;
            if !self.apply(update).await? {
                return Err(DomainError::Contended);
            }
            self.wake_sender(id, provider).await;
            Ok(message.clone().into_api())
        })
        .await
    }
}

impl Crm {
    /// Applies an email provider's report (SES's configuration-set events
    /// through EventBridge, issue 22): delivered, a hard bounce (`failed`,
    /// `error_code: bounce`, with `conversation:error`), opened, clicked —
    /// each once, and only to the message that carries the report's
    /// provider id; a complaint opts the customer out of email. True when
    /// the report changed something.
    ///
    /// Store calls: 1 `UpdateItem` (`ALL_NEW`: the event's conversation
    /// comes with it); a complaint: 1 message `GetItem` + the opt-out's 1–2.
    pub async fn apply_email_report(&self, report: &EmailReport) -> DomainResult<bool> {
        let now = self.now_rfc3339();
        if report.event == EmailEvent::Complained {
            let Some(message) = self.message_record(report.log_id).await? else {
                return Ok(false);
            };
            if message.dispatch.provider_message_id.as_deref() != Some(&report.provider_message_id)
            {
                return Ok(false);
            }
            self.note_unsubscribed(message.customer_id, message.channel)
                .await?;
            return Ok(true);
        }
        let Some(update) = MessageRecord::email_report_update(report, &now)? else {
            return Ok(false);
        };
        // The stored message comes back with the update: its conversation
        // names the event, with no second read.
        let message = match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => from_item::<MessageRecord>(item)?,
            Ok(None) => return Err(DomainError::corrupt("update returned no item")),
            Err(StoreError::ConditionFailed) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        let counter = match report.event {
            EmailEvent::Opened => Some("emails_opened"),
            EmailEvent::Clicked => Some("emails_clicked"),
            _ => None,
        };
        if let Some(counter) = counter {
            let mut delta = StatsDelta::default();
            delta.today(counter, 1);
            self.record_stats(delta).await;
        }
        // Delivered and bounced are announced; opens and clicks are not.
        if matches!(
            report.event,
            EmailEvent::Delivered | EmailEvent::Bounced { .. }
        ) {
            let context = message.context_id.to_string();
            let id = report.log_id.get();
            self.publish(match report.event {
                EmailEvent::Delivered => ConversationEvent::delivered(&context, id, &now),
                _ => ConversationEvent::error(
                    &context,
                    format!(
                        "Failed to send email: bounce (message {id}; GET /messages/{id} says why)"
                    ),
                    &now,
                ),
            })
            .await;
        }
        Ok(true)
    }
}

/// Twilio's "Attempt to send to unsubscribed recipient".
const TWILIO_UNSUBSCRIBED: &str = "21610";

/// The metric label of an attempt.
fn attempt_kind(attempt: &Attempt) -> &'static str {
    match attempt {
        Attempt::Accepted { .. } => "accepted",
        Attempt::Refused { .. } => "refused",
        Attempt::NotSent { .. } => "not_sent",
        Attempt::Unknown { .. } => "unknown",
    }
}

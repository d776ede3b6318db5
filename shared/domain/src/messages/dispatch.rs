//! The CRM's send of an outbound message, as changes of the message item
//! (issue 22). Each change is one conditional `UpdateItem` on the message
//! itself, conditioned on the `send_status` and `attempts` it was read
//! with ([`MessageRecord::dispatch_is`]), so of two senders holding the
//! same job only one claims it, and an outcome is recorded only by the
//! sender whose claim it is.
//!
//! ```text
//! pending ──claim──▶ sending ──accepted──▶ sent ──(callback, SES event)──▶ delivered / failed
//!    ▲                  │ ├──refused / retries spent / unknown──▶ failed ──resend──▶ pending
//!    └──retry later─────┘ └──(claim ends, no outcome: the sweep)──▶ failed (delivery_unknown)
//! ```
//!
//! While `pending` or `sending` the message is in GSI5 `OUTBOX#<nn>` (the
//! sweep's and `GET /messages/outbound`'s list); `failed` puts it in
//! `FAILED#<nn>`; every change here rewrites both GSI5 attributes from the
//! record ([`Entity::touched`]).

use super::record::MessageRecord;
use crate::codec::to_value;
use crate::error::DomainResult;
use crate::keys::Entity;
use crate::paging::ShardedQuery;
use crate::sending::{EmailEvent, EmailReport, Provider};
use crate::store::{n, s, CmpOp, Condition, Update, UpdateAction};
use crate::types::{Channel, SendStatus};

/// The sender's own error codes (beside the providers').
pub(crate) mod codes {
    /// The outcome of a provider call cannot be known: never retried automatically.
    pub const DELIVERY_UNKNOWN: &str = "delivery_unknown";
    /// Every attempt allowed failed in a way that could be retried.
    pub const RETRIES_EXHAUSTED: &str = "retries_exhausted";
    /// The customer opted out of the channel before the call.
    pub const OPTED_OUT: &str = "opted_out";
    /// The sender has no courier for the message's provider.
    pub const PROVIDER_NOT_CONFIGURED: &str = "provider_not_configured";
}

/// Every attribute a dispatch change may write (set from the record, or
/// removed when the record has none).
const DISPATCH_ATTRIBUTES: [&str; 12] = [
    "send_status",
    "attempts",
    "claimed_until",
    "next_attempt_at",
    "error_code",
    "error_message",
    "accepted_at",
    "provider_message_id",
    "twilio_message_sid",
    "updated_at",
    "GSI5PK",
    "GSI5SK",
];

impl MessageRecord {
    /// Makes this new outbound message the CRM's to send through
    /// `provider`: `pending`, no attempt yet (in the outbox once put).
    pub(crate) fn dispatch_through(&mut self, provider: Provider) {
        self.send_status = SendStatus::Pending;
        self.dispatch.provider = Some(provider);
        self.dispatch.attempts = Some(0);
    }

    /// Makes this new reply the CRM's to `POST` to messaging connection
    /// `connection_id`'s delivery URL (a signed webhook).
    pub(crate) fn dispatch_via_connection(&mut self, connection_id: &str) {
        self.dispatch_through(Provider::Webhook);
        self.dispatch.via_connection = Some(connection_id.to_string());
    }

    /// Makes this email reply thread under `inbound` in the customer's
    /// mail client: its `Message-ID` (the `external_message_id` it was
    /// logged with) becomes `In-Reply-To`, and a reply with no subject gets
    /// `Re: <its subject>`. Other channels are left as they are.
    pub(crate) fn answer_in_thread(&mut self, inbound: &MessageRecord) {
        if self.channel != Channel::Email {
            return;
        }
        self.dispatch.in_reply_to = inbound.delivery.external_message_id.clone().or_else(|| {
            inbound
                .ingested
                .as_ref()
                .map(|i| i.external_message_id.clone())
        });
        if self.message_subject.is_none() {
            self.message_subject = inbound.message_subject.as_ref().map(|s| match s.get(..3) {
                Some(p) if p.eq_ignore_ascii_case("re:") => s.clone(),
                _ => format!("Re: {s}"),
            });
        }
    }

    /// Calls made so far.
    pub(crate) fn attempts(&self) -> i64 {
        self.dispatch.attempts.unwrap_or(0)
    }

    /// The stored message still has the `send_status` and `attempts` this
    /// record was read with.
    fn dispatch_is(&self) -> DomainResult<Condition> {
        let attempts = match self.dispatch.attempts {
            Some(a) => Condition::eq("attempts", n(a)),
            None => Condition::NotExists("attempts".into()),
        };
        Ok(Condition::And(vec![
            Condition::eq("send_status", to_value(&self.send_status)?),
            attempts,
        ]))
    }

    /// Applies `change` to the record and answers the update that stores
    /// it, on condition of the dispatch state as read.
    fn dispatch_change(
        &mut self,
        now: &str,
        change: impl FnOnce(&mut Self),
    ) -> DomainResult<Update> {
        self.change_of(&DISPATCH_ATTRIBUTES, now, change)
    }

    /// As [`Self::dispatch_change`], writing only `attributes`.
    fn change_of(
        &mut self,
        attributes: &[&str],
        now: &str,
        change: impl FnOnce(&mut Self),
    ) -> DomainResult<Update> {
        let condition = self.dispatch_is()?;
        change(self);
        self.updated_at = now.to_string();
        Ok(Update {
            key: Self::key(self.log_id),
            actions: self.touched(attributes)?,
            condition: Some(condition),
        })
    }

    /// `send_status` set to `status` as a caller reports it (`PUT
    /// /messages/{log_id}/status`, guide §15): a send the CRM was asked for
    /// leaves the outbox unless `pending`; `sent` stamps `accepted_at` (the
    /// API's `sent_at`) on such a send, `delivered` stamps `delivered_at`.
    pub(crate) fn report_status(&mut self, status: SendStatus, now: &str) -> DomainResult<Update> {
        const REPORTED: [&str; 7] = [
            "send_status",
            "next_attempt_at",
            "accepted_at",
            "delivered_at",
            "updated_at",
            "GSI5PK",
            "GSI5SK",
        ];
        self.change_of(&REPORTED, now, |m| {
            m.send_status = status;
            m.dispatch.next_attempt_at = None;
            if status == SendStatus::Sent && m.dispatch.provider.is_some() {
                m.dispatch
                    .accepted_at
                    .get_or_insert_with(|| now.to_string());
            }
            if status == SendStatus::Delivered {
                m.dispatch
                    .delivered_at
                    .get_or_insert_with(|| now.to_string());
            }
        })
    }

    /// `pending` → `sending`, one more attempt, claimed until `until_ms`
    /// (epoch milliseconds).
    pub(crate) fn claim(&mut self, until_ms: i64, now: &str) -> DomainResult<Update> {
        self.dispatch_change(now, |m| {
            m.send_status = SendStatus::Sending;
            m.dispatch.attempts = Some(m.attempts() + 1);
            m.dispatch.claimed_until = Some(until_ms);
            m.dispatch.next_attempt_at = None;
        })
    }

    /// `sending` → `sent`: the provider accepted it as `provider_message_id`.
    pub(crate) fn accepted(
        &mut self,
        provider_message_id: &str,
        now: &str,
    ) -> DomainResult<Update> {
        self.dispatch_change(now, |m| {
            m.send_status = SendStatus::Sent;
            m.dispatch.claimed_until = None;
            m.delivery.error_code = None;
            m.dispatch.error_message = None;
            m.dispatch.accepted_at = Some(now.to_string());
            match m.dispatch.provider {
                Some(Provider::Twilio) => {
                    m.delivery.twilio_message_sid = Some(provider_message_id.to_string())
                }
                _ => m.dispatch.provider_message_id = Some(provider_message_id.to_string()),
            }
        })
    }

    /// `sending` → `pending`, no call before `at_ms` (epoch milliseconds);
    /// `reason` kept as the last error.
    pub(crate) fn retry_at(&mut self, at_ms: i64, reason: &str, now: &str) -> DomainResult<Update> {
        self.dispatch_change(now, |m| {
            m.send_status = SendStatus::Pending;
            m.dispatch.claimed_until = None;
            m.dispatch.next_attempt_at = Some(at_ms);
            m.dispatch.error_message = Some(reason.to_string());
        })
    }

    /// → `failed` with `code` and `message` (from `sending` after a call,
    /// or from `pending` when the call is refused before it is made).
    pub(crate) fn send_failed(
        &mut self,
        code: &str,
        message: &str,
        now: &str,
    ) -> DomainResult<Update> {
        self.dispatch_change(now, |m| {
            m.send_status = SendStatus::Failed;
            m.dispatch.claimed_until = None;
            m.dispatch.next_attempt_at = None;
            m.delivery.error_code = Some(code.to_string());
            m.dispatch.error_message = Some(message.to_string());
        })
    }

    /// `failed` → `pending` for a person's resend: the error cleared and
    /// `attempts` back to 0, so it gets the full number of retries again.
    pub(crate) fn resend(&mut self, now: &str) -> DomainResult<Update> {
        self.dispatch_change(now, |m| {
            m.send_status = SendStatus::Pending;
            m.dispatch.attempts = Some(0);
            m.dispatch.next_attempt_at = None;
            m.delivery.error_code = None;
            m.dispatch.error_message = None;
        })
    }

    /// When a call is due (epoch milliseconds): after its backoff, else
    /// when it was written; `None` for an unreadable `created_at`.
    pub(crate) fn due_ms(&self) -> Option<i64> {
        self.dispatch.next_attempt_at.or_else(|| {
            time::OffsetDateTime::parse(
                &self.created_at,
                &time::format_description::well_known::Rfc3339,
            )
            .ok()
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        })
    }

    /// The outbox's sends the CRM's sender makes (GSI5 `OUTBOX`, not
    /// `external`), oldest first: the sweep's list.
    pub(crate) fn sends_in_outbox() -> ShardedQuery {
        let mut q = Self::outbox();
        q.filter = Some(Condition::Cmp(
            "provider".into(),
            CmpOp::Ne,
            s(Provider::External.as_str()),
        ));
        q
    }

    /// The outbox's `pending` sends waiting for an external sender (GSI5
    /// `OUTBOX`, `external`), oldest first: `GET /messages/outbound`.
    pub(crate) fn waiting_for_external() -> ShardedQuery {
        let mut q = Self::outbox();
        q.filter = Some(Self::external_pending());
        q
    }

    /// The condition "a pending send waiting for an external sender".
    pub(crate) fn external_pending() -> Condition {
        Condition::And(vec![
            Condition::eq("provider", s(Provider::External.as_str())),
            Condition::eq("send_status", s("pending")),
        ])
    }

    /// The update an email provider's report makes to message `report.log_id`
    /// at `now`, on condition that it carries the report's provider id (a
    /// report never moves another message) and — for delivery and bounce —
    /// that its status allows it (`sent` → `delivered`; a hard bounce fails
    /// a message not yet failed). `None` when the report changes nothing
    /// (a soft bounce, a complaint: the customer's opt-out is elsewhere).
    pub(crate) fn email_report_update(
        report: &EmailReport,
        now: &str,
    ) -> DomainResult<Option<Update>> {
        let id = report.log_id;
        let mut condition = vec![Condition::eq(
            "provider_message_id",
            s(&report.provider_message_id),
        )];
        // `send_status_actions` sets `updated_at` itself.
        let mut actions = Vec::new();
        match &report.event {
            EmailEvent::Delivered => {
                condition.push(Condition::eq("send_status", to_value(&SendStatus::Sent)?));
                actions.extend(Self::send_status_actions(
                    id,
                    SendStatus::Delivered,
                    None,
                    now,
                )?);
                actions.push(UpdateAction::Set("delivered_at".into(), s(now)));
            }
            EmailEvent::Bounced {
                permanent: true,
                bounce_type,
            } => {
                condition.push(Condition::Cmp(
                    "send_status".into(),
                    CmpOp::Ne,
                    to_value(&SendStatus::Failed)?,
                ));
                actions.extend(Self::send_status_actions(
                    id,
                    SendStatus::Failed,
                    None,
                    now,
                )?);
                actions.push(UpdateAction::Set("error_code".into(), s("bounce")));
                actions.push(UpdateAction::Set(
                    "error_message".into(),
                    s(format!(
                        "the recipient's mail server bounced it ({bounce_type})"
                    )),
                ));
            }
            EmailEvent::Opened => {
                condition.push(Condition::NotExists("opened_at".into()));
                actions.push(UpdateAction::Set("opened_at".into(), s(now)));
                actions.push(UpdateAction::Set("updated_at".into(), s(now)));
            }
            EmailEvent::Clicked => {
                condition.push(Condition::NotExists("clicked_at".into()));
                actions.push(UpdateAction::Set("clicked_at".into(), s(now)));
                actions.push(UpdateAction::Set("updated_at".into(), s(now)));
            }
            EmailEvent::Bounced { .. } | EmailEvent::Complained => return Ok(None),
        }
        Ok(Some(Update {
            key: Self::key(id),
            actions,
            condition: Some(Condition::And(condition)),
        }))
    }

    /// The claim ended at or before `now_ms` with no outcome recorded.
    pub(crate) fn claim_expired(&self, now_ms: i64) -> bool {
        self.send_status == SendStatus::Sending
            && self
                .dispatch
                .claimed_until
                .is_none_or(|until| until <= now_ms)
    }
}

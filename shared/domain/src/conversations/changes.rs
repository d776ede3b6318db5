//! Every change to a stored conversation, as a method of its record.
//!
//! A change method edits the record in memory and answers the update
//! actions that make the same change on the stored item (read off the
//! record with [`Entity::touched`], so the two cannot disagree); a flow that
//! needs the new state keeps the edited record, one that puts a new item
//! puts it whole. The conditions a change needs are methods here too. No
//! other module spells a conversation attribute: [`attr`] names them, and a
//! test holds every name to a field of the record.
//!
//! | change | method | used by |
//! |---|---|---|
//! | a message appended | [`ConversationRecord::append_message`] | `flows/append.rs` (`POST /log`, approve, custom reply) |
//! | a reply draft asked for / ended | [`ConversationRecord::request_reply`], [`ConversationRecord::end_reply`] | log, custom reply, ingest, the reply worker |
//! | the pending suggestion cleared | [`ConversationRecord::clear_pending_suggestion`] | approve, custom reply |

use super::record::ConversationRecord;
use crate::codec::to_value;
use crate::error::DomainResult;
use crate::keys::{Entity, Index};
use crate::reply::{Instructions, ReplyJob};
use crate::stats::{Gauge, StatsDelta};
use crate::store::{n, s, Condition, Update, UpdateAction};
use crate::types::{preview, Channel, ContextId, ConversationStatus, Direction, LogId};

use super::record::PREVIEW_LEN;

/// The conversation item's attribute names: its serde field names (the
/// test `attribute_names_are_fields` below holds each to one).
pub(crate) mod attr {
    pub const STATUS: &str = "status";
    pub const MESSAGE_COUNT: &str = "message_count";
    pub const LAST_DIRECTION: &str = "last_direction";
    pub const LAST_INTERACTION_AT: &str = "last_interaction_at";
    pub const LAST_CHANNEL: &str = "last_channel";
    pub const LAST_MESSAGE_PREVIEW: &str = "last_message_preview";
    pub const UPDATED_AT: &str = "updated_at";
    pub const FIRST_INBOUND_AT: &str = "first_inbound_at";
    pub const FIRST_RESPONSE_AT: &str = "first_response_at";
    pub const REPLY_LOG_ID: &str = "reply_log_id";
    pub const LAST_INBOUND_LOG_ID: &str = "last_inbound_log_id";
    pub const REPLY_REQUESTED_AT: &str = "reply_requested_at";
    pub const REPLY_ATTEMPTS: &str = "reply_attempts";
    pub const REPLY_REVISION: &str = "reply_revision";
    pub const REPLY_OPTIONS: &str = "reply_options";
    pub const PENDING_SUGGESTION_LOG_ID: &str = "pending_suggestion_log_id";
    pub const PENDING_SUGGESTION_REVISION: &str = "pending_suggestion_revision";
    pub const REGENERATIONS: &str = "regenerations";
    pub const REGEN_WINDOW: &str = "regen_window";
    pub const REGEN_COUNT: &str = "regen_count";
    pub const ARCHIVE_REASON: &str = "archive_reason";
    pub const CLOSED_AT: &str = "closed_at";
    pub const INTENT: &str = "intent";
    pub const SENTIMENT: &str = "sentiment";
    pub const ESCALATION_TICKET: &str = "escalation_ticket";

    /// Every name above.
    #[cfg(test)]
    pub const ALL: [&str; 25] = [
        STATUS,
        MESSAGE_COUNT,
        LAST_DIRECTION,
        LAST_INTERACTION_AT,
        LAST_CHANNEL,
        LAST_MESSAGE_PREVIEW,
        UPDATED_AT,
        FIRST_INBOUND_AT,
        FIRST_RESPONSE_AT,
        REPLY_LOG_ID,
        LAST_INBOUND_LOG_ID,
        REPLY_REQUESTED_AT,
        REPLY_ATTEMPTS,
        REPLY_REVISION,
        REPLY_OPTIONS,
        PENDING_SUGGESTION_LOG_ID,
        PENDING_SUGGESTION_REVISION,
        REGENERATIONS,
        REGEN_WINDOW,
        REGEN_COUNT,
        ARCHIVE_REASON,
        CLOSED_AT,
        INTENT,
        SENTIMENT,
        ESCALATION_TICKET,
    ];
}

/// The attributes of a pending reply job, its GSI4 entry included (the
/// outbox the sweep reads).
fn reply_job_attrs() -> [&'static str; 7] {
    [
        attr::REPLY_LOG_ID,
        attr::REPLY_REQUESTED_AT,
        attr::REPLY_ATTEMPTS,
        attr::REPLY_REVISION,
        attr::REPLY_OPTIONS,
        Index::Gsi4.pk_attr(),
        Index::Gsi4.sk_attr(),
    ]
}

/// Revision attributes are absent for 0 (the first draft).
fn revision_is(attr: &str, revision: i64) -> Condition {
    match revision {
        0 => Condition::NotExists(attr.into()),
        r => Condition::eq(attr, n(r)),
    }
}

impl ConversationRecord {
    /// What it contributes to the statistics gauges (`stats`).
    pub(crate) fn gauge(&self) -> Gauge {
        Gauge {
            status: self.status,
            last_direction: self.last_direction,
        }
    }

    /// The condition "status and newest-message direction are still as in
    /// this record": every write that changes either carries it, so the
    /// statistics delta it adds is exact (issue 10).
    pub(crate) fn gauge_is(&self) -> Condition {
        Condition::And(vec![
            Condition::eq(attr::STATUS, s(self.status.as_str())),
            match self.last_direction {
                Some(d) => Condition::eq(attr::LAST_DIRECTION, s(crate::codec::wire_name(&d))),
                None => Condition::NotExists(attr::LAST_DIRECTION.into()),
            },
        ])
    }

    /// A message in `direction` on `channel` logged at `at` (RFC 3339) with
    /// `body`, appended: `message_count` + 1 (an `ADD`, so concurrent
    /// appends add up), the `last_*` fields and `updated_at` follow it, and
    /// the first-response bookkeeping (issue 10). Adds to `delta` the
    /// message, the gauge move and — for our first reply after the
    /// customer's first message — today's `first_responses` and
    /// `first_response_seconds`. The write should carry [`Self::gauge_is`]
    /// of the record as it was read.
    pub(crate) fn append_message(
        &mut self,
        at: &str,
        channel: Channel,
        direction: Direction,
        body: &str,
        delta: &mut StatsDelta,
    ) -> DomainResult<Vec<UpdateAction>> {
        let before = self.gauge();
        self.message_count += 1;
        self.last_direction = Some(direction);
        self.last_interaction_at = Some(at.to_string());
        self.last_channel = Some(channel);
        self.last_message_preview = Some(preview(body, PREVIEW_LEN));
        self.updated_at = at.to_string();
        let mut touched = vec![
            attr::LAST_DIRECTION,
            attr::LAST_INTERACTION_AT,
            attr::LAST_CHANNEL,
            attr::LAST_MESSAGE_PREVIEW,
            attr::UPDATED_AT,
        ];
        touched.extend(self.first_response(direction, at, delta));
        delta.gauge(Some(before), Some(self.gauge()));
        delta.messages(direction, 1);
        let mut actions = vec![UpdateAction::Add(attr::MESSAGE_COUNT.into(), 1)];
        actions.extend(self.touched(&touched)?);
        Ok(actions)
    }

    /// The first-response bookkeeping of a message in `direction` at `at`:
    /// records the customer's first message, or our first reply after it
    /// (adding to `delta`); answers the attributes it set.
    pub(crate) fn first_response(
        &mut self,
        direction: Direction,
        at: &str,
        delta: &mut StatsDelta,
    ) -> Option<&'static str> {
        match (direction, &self.first_inbound_at, &self.first_response_at) {
            (Direction::Inbound, None, _) => {
                self.first_inbound_at = Some(at.to_string());
                Some(attr::FIRST_INBOUND_AT)
            }
            (Direction::Outbound, Some(first), None) => {
                let parse = |t: &str| {
                    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                        .ok()
                };
                if let (Some(a), Some(b)) = (parse(first), parse(at)) {
                    delta
                        .today("first_responses", 1)
                        .today("first_response_seconds", (b - a).whole_seconds().max(0));
                }
                self.first_response_at = Some(at.to_string());
                Some(attr::FIRST_RESPONSE_AT)
            }
            _ => None,
        }
    }

    /// An inbound message `log_id` logged at `at` wants a reply draft
    /// (issue 9): it becomes the pending reply job, replacing an older one
    /// (coalescing), and the conversation enters GSI4 `REPLY_JOBS`.
    ///
    /// `reply_requested_at` (the entry's sort key) is when the job started
    /// waiting: a job that replaces a pending one keeps it, so the index
    /// entry does not move on every inbound message (issue 21: a move is a
    /// delete and a put in the index) and the sweep's grace period counts
    /// from the first unanswered message.
    ///
    /// `last_inbound_log_id` follows the newest such message and stays
    /// when the job ends: approving a draft of an older message is then
    /// refused unless forced (issue 22, "stale drafts").
    pub(crate) fn request_reply(
        &mut self,
        log_id: LogId,
        at: &str,
    ) -> DomainResult<Vec<UpdateAction>> {
        if self.reply_log_id.is_none() || self.reply_requested_at.is_none() {
            self.reply_requested_at = Some(at.to_string());
        }
        self.reply_log_id = Some(log_id);
        self.reply_attempts = 0;
        self.reply_revision = 0;
        self.reply_options = None;
        let mut touched = reply_job_attrs().to_vec();
        if self.last_inbound_log_id.is_none_or(|last| last < log_id) {
            self.last_inbound_log_id = Some(log_id);
            touched.push(attr::LAST_INBOUND_LOG_ID);
        }
        self.touched(&touched)
    }

    /// The newest inbound message that asked for a reply, when it is newer
    /// than `answered` (the message a draft answers): the customer wrote
    /// again since. `None` for conversations stored before the field
    /// existed, until their next inbound message.
    pub(crate) fn written_since(&self, answered: LogId) -> Option<LogId> {
        self.last_inbound_log_id.filter(|last| *last > answered)
    }

    /// The pending reply job ends (drafted, dropped, answered or given up):
    /// its attributes go and the conversation leaves GSI4.
    pub(crate) fn end_reply(&mut self) -> DomainResult<Vec<UpdateAction>> {
        self.reply_log_id = None;
        self.reply_requested_at = None;
        self.reply_attempts = 0;
        self.reply_revision = 0;
        self.reply_options = None;
        self.touched(&reply_job_attrs())
    }

    /// [`Self::end_reply`] on the stored item when the flow holds no record
    /// (the job is named by its id only): the same attributes removed.
    pub(crate) fn end_reply_actions() -> Vec<UpdateAction> {
        reply_job_attrs()
            .iter()
            .map(|a| UpdateAction::Remove((*a).into()))
            .collect()
    }

    /// Regenerations asked for in `minute` (epoch seconds / 60) so far:
    /// the rate window of `POST …/regenerate` (issue 10).
    pub(crate) fn regenerations_in(&self, minute: i64) -> i64 {
        match self.regen_window {
            Some(w) if w == minute => self.regen_count,
            _ => 0,
        }
    }

    /// A regeneration of the draft answering `log_id` (issue 10), asked for
    /// at `at` in `minute` with the agent's `options`: the next revision
    /// becomes the pending reply job (replacing any), the pending suggestion
    /// is no longer pointed at (the flow supersedes it), the rate window
    /// counts one more. Answers the conditional update: still active, no
    /// other regeneration meanwhile, the pending suggestion as read.
    pub(crate) fn request_regeneration(
        &mut self,
        log_id: LogId,
        options: &Instructions,
        minute: i64,
        at: &str,
    ) -> DomainResult<Update> {
        let condition = Condition::And(vec![
            Condition::eq(attr::STATUS, s(ConversationStatus::Active.as_str())),
            match self.regenerations {
                0 => Condition::NotExists(attr::REGENERATIONS.into()),
                r => Condition::eq(attr::REGENERATIONS, n(r)),
            },
            Self::pending_suggestion_is(self.pending_suggestion()),
        ]);
        self.regen_count = self.regenerations_in(minute) + 1;
        self.regen_window = Some(minute);
        self.regenerations += 1;
        self.reply_log_id = Some(log_id);
        self.reply_requested_at = Some(at.to_string());
        self.reply_attempts = 0;
        self.reply_revision = self.regenerations;
        self.reply_options = (!options.is_empty()).then(|| options.clone());
        self.pending_suggestion_log_id = None;
        self.pending_suggestion_revision = 0;
        self.updated_at = at.to_string();
        let mut touched = reply_job_attrs().to_vec();
        touched.extend([
            attr::REGENERATIONS,
            attr::REGEN_WINDOW,
            attr::REGEN_COUNT,
            attr::PENDING_SUGGESTION_LOG_ID,
            attr::PENDING_SUGGESTION_REVISION,
            attr::UPDATED_AT,
        ]);
        Ok(Update {
            key: Self::key(&self.context_id),
            actions: self.touched(&touched)?,
            condition: Some(condition),
        })
    }

    /// The condition "its open escalation ticket is still `ticket`" (`None`: it has none).
    pub(crate) fn escalation_is(ticket: Option<&str>) -> Condition {
        match ticket {
            Some(t) => Condition::eq(attr::ESCALATION_TICKET, s(t)),
            None => Condition::NotExists(attr::ESCALATION_TICKET.into()),
        }
    }

    /// Ticket `ticket` opened for this conversation at `at` (issue 10, seed
    /// 003): the conversation is flagged with it unless it already shows an
    /// open ticket (then only `updated_at` moves). Conditional on the flag
    /// as read and on the conversation still existing.
    pub(crate) fn flag_escalation(&mut self, ticket: &str, at: &str) -> DomainResult<Update> {
        let condition = match &self.escalation_ticket {
            None => Condition::And(vec![Condition::item_exists(), Self::escalation_is(None)]),
            Some(_) => Condition::Exists(attr::ESCALATION_TICKET.into()),
        };
        let mut touched = vec![attr::UPDATED_AT];
        if self.escalation_ticket.is_none() {
            self.escalation_ticket = Some(ticket.to_string());
            touched.push(attr::ESCALATION_TICKET);
        }
        self.updated_at = at.to_string();
        Ok(Update {
            key: Self::key(&self.context_id),
            actions: self.touched(&touched)?,
            condition: Some(condition),
        })
    }

    /// Ticket `closed` closed at `at`: the flag moves to `next` (another
    /// open ticket of the conversation) or clears, if it still names `closed`.
    pub(crate) fn move_escalation_flag(
        &mut self,
        closed: &str,
        next: Option<&str>,
        at: &str,
    ) -> DomainResult<Update> {
        self.escalation_ticket = next.map(str::to_string);
        self.updated_at = at.to_string();
        Ok(Update {
            key: Self::key(&self.context_id),
            actions: self.touched(&[attr::ESCALATION_TICKET, attr::UPDATED_AT])?,
            condition: Some(Self::escalation_is(Some(closed))),
        })
    }

    /// A reply draft stored for `job` at `at` (issue 9): the job ends, the
    /// conversation points at the new suggestion, takes the draft's
    /// `intent` and `sentiment`, and the flag of a `ticket` it opened.
    /// Conditional on the job still being `job`, the pending suggestion and
    /// the escalation flag as read.
    pub(crate) fn drafted(
        &mut self,
        job: &ReplyJob,
        intent: Option<String>,
        sentiment: Option<String>,
        ticket: Option<&str>,
        at: &str,
    ) -> DomainResult<Update> {
        let condition = Condition::And(vec![
            Self::reply_pending_for(job.log_id, job.revision),
            Self::pending_suggestion_is(self.pending_suggestion()),
            Self::escalation_is(self.escalation_ticket.as_deref()),
        ]);
        let mut actions = self.end_reply()?;
        self.intent = intent;
        self.sentiment = sentiment;
        self.pending_suggestion_log_id = Some(job.log_id);
        self.pending_suggestion_revision = job.revision;
        self.updated_at = at.to_string();
        let mut touched = vec![
            attr::INTENT,
            attr::SENTIMENT,
            attr::PENDING_SUGGESTION_LOG_ID,
            attr::PENDING_SUGGESTION_REVISION,
            attr::UPDATED_AT,
        ];
        if let Some(t) = ticket {
            self.escalation_ticket = Some(t.to_string());
            touched.push(attr::ESCALATION_TICKET);
        }
        actions.extend(self.touched(&touched)?);
        Ok(Update {
            key: Self::key(&self.context_id),
            actions,
            condition: Some(condition),
        })
    }

    /// The sweep gives up on the pending job at `at` (issue 9): it ends,
    /// and the conversation is flagged with the `repeated_failures` ticket
    /// opened for it, if any. Conditional on the job still being `job`.
    pub(crate) fn give_up_reply(
        &mut self,
        job: &ReplyJob,
        ticket: Option<&str>,
    ) -> DomainResult<Update> {
        let mut actions = self.end_reply()?;
        if let Some(t) = ticket {
            self.escalation_ticket = Some(t.to_string());
            actions.extend(self.touched(&[attr::ESCALATION_TICKET])?);
        }
        Ok(Update {
            key: Self::key(&self.context_id),
            actions,
            condition: Some(Self::reply_pending_for(job.log_id, job.revision)),
        })
    }

    /// Closed at `at` because its customer was deleted (guide §5): archived,
    /// out of the open lists. Conditional on status and newest direction as
    /// read (the statistics delta is exact).
    pub(crate) fn archive_for_deletion(&mut self, at: &str) -> DomainResult<Update> {
        let condition = self.gauge_is();
        self.status = ConversationStatus::Archived;
        self.closed_at = Some(at.to_string());
        self.updated_at = at.to_string();
        let mut actions = self.touched(&[attr::STATUS, attr::CLOSED_AT, attr::UPDATED_AT])?;
        actions.push(Index::Gsi5.move_to(self.status_partition(self.status)));
        Ok(Update {
            key: Self::key(&self.context_id),
            actions,
            condition: Some(condition),
        })
    }

    /// Keeps why it was archived (`PATCH …/archive`, issue 10) on
    /// conversation `id`, only while it is still archived.
    pub(crate) fn archive_reason_update(id: &ContextId, reason: &str) -> Update {
        Update {
            key: Self::key(id),
            actions: vec![UpdateAction::Set(attr::ARCHIVE_REASON.into(), s(reason))],
            condition: Some(Condition::eq(
                attr::STATUS,
                s(ConversationStatus::Archived.as_str()),
            )),
        }
    }

    /// The pending suggestion's (message, revision), if any.
    pub(crate) fn pending_suggestion(&self) -> Option<(LogId, i64)> {
        self.pending_suggestion_log_id
            .map(|l| (l, self.pending_suggestion_revision))
    }

    /// The condition "the pending suggestion is still `pending`" (as read).
    pub(crate) fn pending_suggestion_is(pending: Option<(LogId, i64)>) -> Condition {
        match pending {
            None => Condition::NotExists(attr::PENDING_SUGGESTION_LOG_ID.into()),
            Some((log_id, revision)) => Condition::And(vec![
                Condition::eq(attr::PENDING_SUGGESTION_LOG_ID, n(log_id.get())),
                revision_is(attr::PENDING_SUGGESTION_REVISION, revision),
            ]),
        }
    }

    /// The condition "the newest inbound message that asked for a reply is
    /// still `last`" (see [`Self::written_since`]).
    pub(crate) fn last_inbound_is(last: Option<LogId>) -> Condition {
        match last {
            None => Condition::NotExists(attr::LAST_INBOUND_LOG_ID.into()),
            Some(log_id) => Condition::eq(attr::LAST_INBOUND_LOG_ID, n(log_id.get())),
        }
    }

    /// The condition "no reply job is pending".
    pub(crate) fn no_reply_job() -> Condition {
        Condition::NotExists(attr::REPLY_LOG_ID.into())
    }

    /// The conversation has no pending suggestion any more.
    pub(crate) fn clear_pending_suggestion(&mut self) -> DomainResult<Vec<UpdateAction>> {
        self.pending_suggestion_log_id = None;
        self.pending_suggestion_revision = 0;
        self.touched(&[
            attr::PENDING_SUGGESTION_LOG_ID,
            attr::PENDING_SUGGESTION_REVISION,
        ])
    }

    /// [`Self::clear_pending_suggestion`] on the stored item when the flow
    /// holds no record.
    pub(crate) fn clear_pending_suggestion_actions() -> Vec<UpdateAction> {
        vec![
            UpdateAction::Remove(attr::PENDING_SUGGESTION_LOG_ID.into()),
            UpdateAction::Remove(attr::PENDING_SUGGESTION_REVISION.into()),
        ]
    }

    /// Moves the pending job's time to `at` and counts one more attempt
    /// (the sweep re-enqueued it).
    pub(crate) fn retry_reply_actions(id: &ContextId, at: &str) -> Vec<UpdateAction> {
        vec![
            UpdateAction::Set(attr::REPLY_REQUESTED_AT.into(), s(at)),
            UpdateAction::Add(attr::REPLY_ATTEMPTS.into(), 1),
            UpdateAction::Set(Index::Gsi4.sk_attr().into(), s(format!("{at}#{id}"))),
        ]
    }

    /// The condition "the pending reply job is still (`log_id`, `revision`)".
    pub(crate) fn reply_pending_for(log_id: LogId, revision: i64) -> Condition {
        Condition::And(vec![
            Condition::eq(attr::REPLY_LOG_ID, n(log_id.get())),
            revision_is(attr::REPLY_REVISION, revision),
        ])
    }

    /// The pending reply job, if any.
    pub(crate) fn reply_job(&self) -> Option<ReplyJob> {
        self.reply_log_id.map(|log_id| ReplyJob {
            context_id: self.context_id.clone(),
            log_id,
            revision: self.reply_revision,
        })
    }

    /// The actions that set `status` and move the item to that status's GSI5 partition.
    pub(crate) fn status_actions(&self, status: ConversationStatus) -> Vec<UpdateAction> {
        vec![
            UpdateAction::Set(attr::STATUS.into(), s(status.as_str())),
            Index::Gsi5.move_to(self.status_partition(status)),
        ]
    }

    /// `count` more messages at `now`; when `newest` (time, channel, direction, body) is
    /// the conversation's newest message, the `last_*` fields follow it
    /// (ingest, issue 8, where messages arrive out of time order).
    pub(crate) fn messages_actions(
        count: i64,
        newest: Option<(&str, Channel, Direction, &str)>,
        now: &str,
    ) -> DomainResult<Vec<UpdateAction>> {
        let mut actions = vec![
            UpdateAction::Add(attr::MESSAGE_COUNT.into(), count),
            UpdateAction::Set(attr::UPDATED_AT.into(), s(now)),
        ];
        if let Some((at, channel, direction, body)) = newest {
            actions.extend([
                UpdateAction::Set(attr::LAST_INTERACTION_AT.into(), s(at)),
                UpdateAction::Set(attr::LAST_DIRECTION.into(), to_value(&direction)?),
                UpdateAction::Set(attr::LAST_CHANNEL.into(), to_value(&channel)?),
                UpdateAction::Set(
                    attr::LAST_MESSAGE_PREVIEW.into(),
                    s(preview(body, PREVIEW_LEN)),
                ),
            ]);
        }
        Ok(actions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::CustomerId;

    /// Every attribute name of [`attr`] is a field of the stored record: a
    /// renamed serde field fails here instead of drifting silently.
    #[test]
    fn attribute_names_are_fields() {
        let customer = CustomerId::from_body("customer_id", 7).unwrap();
        let mut record = ConversationRecord::new(customer, "2026-02-20T10:30:00.000Z".into());
        let mut delta = StatsDelta::default();
        record
            .append_message(
                "2026-02-20T10:30:00.000Z",
                Channel::Sms,
                Direction::Inbound,
                "hi",
                &mut delta,
            )
            .unwrap();
        record
            .append_message(
                "2026-02-20T10:31:00.000Z",
                Channel::Sms,
                Direction::Outbound,
                "hello",
                &mut delta,
            )
            .unwrap();
        record.reply_log_id = Some(LogId::allocated(1));
        record.last_inbound_log_id = Some(LogId::allocated(1));
        record.reply_requested_at = Some("2026-02-20T10:30:00.000Z".into());
        record.reply_attempts = 1;
        record.reply_revision = 1;
        record.reply_options = Some(Instructions {
            custom_prompt: Some("shorter".into()),
            ..Default::default()
        });
        record.pending_suggestion_log_id = Some(LogId::allocated(1));
        record.pending_suggestion_revision = 1;
        record.regenerations = 1;
        record.regen_window = Some(29_529_000);
        record.regen_count = 1;
        record.archive_reason = Some("spam".into());
        record.closed_at = Some("2026-02-20T10:32:00.000Z".into());
        record.intent = Some("billing".into());
        record.sentiment = Some("neutral".into());
        record.escalation_ticket = Some("TKT-2026-000001".into());
        let item = record.to_item().unwrap();
        for name in attr::ALL.into_iter().chain(reply_job_attrs()) {
            assert!(item.contains_key(name), "no attribute {name} on the item");
        }
    }

    /// The in-memory change and the stored one agree: a request then an end
    /// leaves no job attribute, and the actions name the same attributes.
    #[test]
    fn request_and_end_reply_touch_the_job_attributes() {
        let customer = CustomerId::from_body("customer_id", 7).unwrap();
        let mut record = ConversationRecord::new(customer, "2026-02-20T10:30:00.000Z".into());
        let set = record
            .request_reply(LogId::allocated(5), "2026-02-20T10:30:01.000Z")
            .unwrap();
        assert!(set.iter().all(|a| !matches!(a, UpdateAction::Add(..))));
        assert!(set.contains(&UpdateAction::Set(attr::REPLY_LOG_ID.into(), n(5))));
        assert!(set.contains(&UpdateAction::Set(
            Index::Gsi4.pk_attr().into(),
            s(crate::keys::shard_partition(
                "REPLY_JOBS",
                crate::keys::shard_of(&record.context_id.to_string())
            ))
        )));
        assert!(set.contains(&UpdateAction::Remove(attr::REPLY_OPTIONS.into())));
        let ended = record.end_reply().unwrap();
        assert_eq!(
            ended,
            ConversationRecord::end_reply_actions()
                .into_iter()
                .map(|a| match (a, attr::REPLY_ATTEMPTS) {
                    // reply_attempts is 0 after the end: serialized, not absent.
                    (UpdateAction::Remove(name), z) if name == z => {
                        UpdateAction::Set(name, n(0))
                    }
                    (other, _) => other,
                })
                .collect::<Vec<_>>()
        );
        assert!(record.reply_job().is_none());
    }
}

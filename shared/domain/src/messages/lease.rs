//! Leased polls of `GET /messages/unprocessed` (issue 11): what SQS gives
//! its consumers, for batch processors polling this API.
//!
//! - `?lease_seconds=N` (1–900) hands each returned message to this poller
//!   alone for N seconds: every message is leased by one conditional
//!   `UpdateItem` on the message item itself (strongly consistent), on
//!   condition that it is unprocessed, not under a live lease and leased
//!   fewer than `max_leases` times. The candidates come from the sparse
//!   GSI4 (`UNPROCESSED`), filtered on the lease attributes; the index being
//!   eventually consistent only makes a candidate's update fail, never
//!   hands a message out twice. Store cost: O(page) — ≤ 12 queries and one
//!   `UpdateItem` per candidate tried (a candidate another poller won costs
//!   one failed conditional write).
//! - Each returned message carries a fresh `lease_token` and
//!   `lease_expires_at`; `POST /messages/{log_id}/processed` with that token
//!   acknowledges it (condition `lease_token = :token`: a token superseded by
//!   another poller's lease is a 409 and changes nothing). The token stays on
//!   the message, so an acknowledgement retried is still a 200.
//! - A lease that ends unacknowledged makes the message available again; a
//!   message leased `max_leases` times (`CRM_LEASE_MAX_RECEIVES`, default 5)
//!   whose last lease ended is *dead*: leased polls skip it and
//!   `?dead=true` lists it (like an SQS dead-letter queue). It is still
//!   unprocessed: the guide's unleased list shows it, and acknowledging it
//!   (with or without its last token) or marking it processed ends it.
//!   `?dead=true&lease_seconds=N` leases dead messages (a redrive).

use futures::future::join_all;

use super::api::Message;
use super::record::MessageRecord;
use crate::budget::{json_size, MAX_RESPONSE_BYTES};
use crate::codec::from_item;
use crate::error::{DomainError, DomainResult, Missing};
use crate::paging::{self, sharded_call_budget, ListParams, Listed, Merge, ShardedQuery};
use crate::store::{
    n, s, AttributeValue, CmpOp, Condition, ReturnValues, StoreError, Update, UpdateAction,
};
use crate::types::{rfc3339, LogId};
use crate::Crm;

/// Longest lease, in seconds (SQS's visibility timeout goes to 12 hours;
/// 15 minutes bounds how long a crashed poller holds messages).
pub const MAX_LEASE_SECONDS: u32 = 900;

/// A validated `lease_seconds`: 1 to [`MAX_LEASE_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseSeconds(u32);

impl LeaseSeconds {
    /// Reads the query parameter: ASCII digits, 1–900; a 400 naming
    /// `lease_seconds` otherwise.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        raw.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| raw.parse::<u32>().ok())
            .flatten()
            .filter(|n| (1..=MAX_LEASE_SECONDS).contains(n))
            .map(Self)
            .ok_or_else(|| {
                DomainError::invalid(
                    "lease_seconds",
                    format!("`lease_seconds` must be an integer from 1 to {MAX_LEASE_SECONDS}, got {raw:?}"),
                )
            })
    }

    /// The seconds.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// What a leased poll asks for.
#[derive(Debug, Clone, Copy)]
pub struct LeasedPoll {
    /// Most messages to lease (1–1000, the list `limit`).
    pub limit: u32,
    /// Available messages to pass over first (the list `offset`, 0–10000).
    pub skip: u32,
    /// How long the lease lasts.
    pub seconds: LeaseSeconds,
    /// Lease dead messages (leased `max_leases` times) instead of live ones,
    /// e.g. for a processor that redrives them.
    pub dead: bool,
}

/// What a leased poll hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leasable {
    /// Unprocessed messages (`GET /messages/unprocessed`, issue 11);
    /// acknowledged with `POST /messages/{log_id}/processed`.
    Unprocessed,
    /// Outbound messages waiting for an external sender (`GET
    /// /messages/outbound`, issue 22); their outcome is reported with
    /// `PUT /messages/{log_id}/status`.
    Outbound,
}

impl Leasable {
    /// The candidates, oldest first.
    fn candidates(self) -> ShardedQuery {
        match self {
            Leasable::Unprocessed => MessageRecord::unprocessed(),
            Leasable::Outbound => MessageRecord::waiting_for_external(),
        }
    }

    /// What must still hold of a message to lease it.
    fn wanted(self) -> Condition {
        match self {
            Leasable::Unprocessed => Condition::eq("processed", AttributeValue::Bool(false)),
            Leasable::Outbound => MessageRecord::external_pending(),
        }
    }
}

/// No live lease at `now`: never leased, or its lease ended.
fn lease_ended(now: i64) -> Condition {
    Condition::Or(vec![
        Condition::NotExists("lease_until".into()),
        Condition::Cmp("lease_until".into(), CmpOp::Le, n(now)),
    ])
}

/// Leased fewer than `max` times (live), or at least `max` times (dead).
fn leases_left(max: i64, dead: bool) -> Condition {
    match dead {
        false => Condition::Or(vec![
            Condition::NotExists("lease_count".into()),
            Condition::Cmp("lease_count".into(), CmpOp::Lt, n(max)),
        ]),
        true => Condition::Cmp("lease_count".into(), CmpOp::Ge, n(max)),
    }
}

impl Crm {
    /// `GET /messages/unprocessed?lease_seconds=N` (issue 11): leases up to
    /// `poll.limit` unprocessed messages, oldest first after passing over
    /// `poll.skip` available ones, to this caller for `poll.seconds`, each
    /// with its `lease_token` and `lease_expires_at`; `poll.dead` leases the
    /// dead ones instead. Stops before the answer would pass the response
    /// budget (5 MiB).
    ///
    /// Store calls: one GSI4 query per shard, ≤ 12 more pages, + one
    /// conditional `UpdateItem` per candidate tried (at most `limit` at a
    /// time, concurrently).
    pub async fn lease_unprocessed(&self, poll: &LeasedPoll) -> DomainResult<Vec<Message>> {
        self.lease(Leasable::Unprocessed, poll).await
    }

    /// `GET /messages/outbound?lease_seconds=N` (issue 22): leases outbound
    /// messages waiting for an external sender exactly as
    /// [`Crm::lease_unprocessed`] leases unprocessed ones; the sender
    /// reports each outcome with `PUT /messages/{log_id}/status`, and a
    /// lease that ends unreported makes the message available again.
    pub async fn lease_outbound(&self, poll: &LeasedPoll) -> DomainResult<Vec<Message>> {
        self.lease(Leasable::Outbound, poll).await
    }

    /// `GET /messages/outbound` (issue 22): outbound messages waiting for
    /// an external sender (no provider configured for their channel),
    /// oldest first, paged like every list. Store calls: ≤ 12 GSI5 queries.
    pub async fn outbound_messages(&self, params: &ListParams) -> DomainResult<Listed<Message>> {
        paging::list_as(
            self.store.as_ref(),
            MessageRecord::waiting_for_external(),
            params,
            |item| from_item::<MessageRecord>(item).map(MessageRecord::into_api),
        )
        .await
    }

    /// Leases up to `poll.limit` messages of `kind` (see [`Crm::lease_unprocessed`]).
    async fn lease(&self, kind: Leasable, poll: &LeasedPoll) -> DomainResult<Vec<Message>> {
        let (max, seconds, dead) = (self.settings.max_leases, poll.seconds, poll.dead);
        let limit = poll.limit as usize;
        let mut skip = poll.skip as usize;
        let mut leased: Vec<Message> = Vec::new();
        let mut bytes = 0usize;
        let mut query = kind.candidates();
        let batch = ((limit + skip) * 2).clamp(10, 1000);
        query.limit = batch as u32;
        let mut filter = vec![lease_ended(self.now_ms()), leases_left(max, dead)];
        filter.extend(query.filter.take());
        query.filter = Some(Condition::And(filter));
        let mut merge = Merge::new(self.store.as_ref(), query, None, sharded_call_budget(true))?;
        loop {
            let page = merge.take(batch).await?;
            if page.is_empty() {
                break;
            }
            let mut candidates = Vec::new();
            for item in page {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let record = from_item::<MessageRecord>(item)?;
                bytes = bytes.saturating_add(json_size(&record.clone().into_api()) + 128);
                if bytes > MAX_RESPONSE_BYTES && !(leased.is_empty() && candidates.is_empty()) {
                    break;
                }
                candidates.push(record.log_id);
            }
            let budget_spent = bytes > MAX_RESPONSE_BYTES;
            for chunk in candidates.chunks(limit.max(1)) {
                let wanted = limit - leased.len();
                if wanted == 0 {
                    break;
                }
                let tries = chunk[..chunk.len().min(wanted)]
                    .iter()
                    .map(|id| self.try_lease(kind, *id, seconds, max, dead));
                for result in join_all(tries).await {
                    if let Some(message) = result? {
                        leased.push(message);
                    }
                }
            }
            if leased.len() >= limit || budget_spent || !merge.more() {
                break;
            }
        }
        leased.sort_by_key(|m| m.log_id);
        Ok(leased)
    }

    /// Leases message `id` if no one holds it: one conditional `UpdateItem`.
    /// `None` when another poller has it, it was processed, or it is dead.
    async fn try_lease(
        &self,
        kind: Leasable,
        id: LogId,
        seconds: LeaseSeconds,
        max: i64,
        dead: bool,
    ) -> DomainResult<Option<Message>> {
        let now = self.now_ms();
        let until = now + i64::from(seconds.get()) * 1000;
        let token = uuid::Uuid::new_v4().simple().to_string();
        let update = Update {
            key: MessageRecord::key(id),
            actions: vec![
                UpdateAction::Set("lease_token".into(), s(&token)),
                UpdateAction::Set("lease_until".into(), n(until)),
                UpdateAction::Add("lease_count".into(), 1),
            ],
            condition: Some(Condition::And(vec![
                Condition::item_exists(),
                kind.wanted(),
                lease_ended(now),
                leases_left(max, dead),
            ])),
        };
        match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => {
                let mut message = from_item::<MessageRecord>(item)?.into_api();
                message.lease_token = Some(token);
                message.lease_expires_at =
                    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(until) * 1_000_000)
                        .ok()
                        .map(rfc3339);
                Ok(Some(message))
            }
            Ok(None) => Err(DomainError::corrupt("update returned no item")),
            Err(StoreError::ConditionFailed) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// `GET /messages/unprocessed?dead=true` (issue 11): unprocessed
    /// messages leased `max_leases` times whose last lease ended, oldest
    /// first, paged like every list. Store calls: ≤ 12 GSI4 queries.
    pub async fn dead_messages(&self, params: &ListParams) -> DomainResult<Listed<Message>> {
        let mut query = MessageRecord::unprocessed();
        query.filter = Some(Condition::And(vec![
            Condition::Cmp("lease_count".into(), CmpOp::Ge, n(self.settings.max_leases)),
            Condition::Cmp("lease_until".into(), CmpOp::Le, n(self.now_ms())),
        ]));
        paging::list_as(self.store.as_ref(), query, params, |item| {
            from_item::<MessageRecord>(item).map(MessageRecord::into_api)
        })
        .await
    }

    /// `POST /messages/{log_id}/processed` with a `lease_token` (issue 11):
    /// marks the message processed if the token is its current lease's (or
    /// its last one's: an acknowledgement after the lease ended, before
    /// another poller leased it, still counts).
    ///
    /// `tokens` are what the caller sent (query and body); the message is
    /// acknowledged when one of them is its lease's.
    ///
    /// Store calls: 1 `UpdateItem`; +1 `GetItem` when no token matches, to
    /// tell an unknown message (404) from a stale token (409).
    pub async fn acknowledge(&self, id: LogId, tokens: &[&str]) -> DomainResult<Message> {
        if tokens.is_empty() {
            return self.mark_processed(id).await;
        }
        let held = tokens
            .iter()
            .map(|t| Condition::eq("lease_token", s(*t)))
            .collect();
        let update = Update {
            key: MessageRecord::key(id),
            actions: MessageRecord::processed_actions(&self.now_rfc3339()),
            condition: Some(Condition::And(vec![
                Condition::item_exists(),
                Condition::Or(held),
            ])),
        };
        match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => Ok(from_item::<MessageRecord>(item)?.into_api()),
            Ok(None) => Err(DomainError::corrupt("update returned no item")),
            Err(StoreError::ConditionFailed) => {
                match self.store.get_item(&MessageRecord::key(id)).await? {
                    None => Err(DomainError::not_found(Missing::Message, id)),
                    Some(_) => Err(DomainError::conflict(format!(
                        "lease_token is stale for message {}: its lease ended and another poller leased it (or it was never leased with this token); nothing changed",
                        id.get()
                    ))),
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}

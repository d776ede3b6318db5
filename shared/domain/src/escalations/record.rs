//! How an escalation ticket is stored and keyed.
//!
//! | PK | SK | GSI1PK / GSI1SK | GSI3PK / GSI3SK |
//! |---|---|---|---|
//! | `ESCALATION#<ticket_id>` | `ESCALATION` | `ESCALATIONS` / `<created_at>#<ticket_id>` | `ESCALATIONS#<status>` / `<created_at>#<ticket_id>` |
//!
//! | `CONTEXT#<context_id>` | `ESCALATION#<ticket_id>` | — | — | (the open-ticket link, while the ticket is open or assigned) |
//!
//! GSI1 lists every ticket, GSI3 those with one status, by creation time
//! (the lists of issue 10). The link item in the conversation's partition
//! says which tickets of a conversation are still open (a strongly
//! consistent `Query`), so resolving one knows whether the conversation
//! stays escalated.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::decision::{EscalationReason, Priority};
use crate::error::DomainResult;
use crate::keys::{Entity, Index, IndexEntry};
use crate::store::{s, Condition, Key, Put, Query, SortCondition, WriteAction};
use crate::types::{ContextId, CustomerId, LogId};

/// GSI1 partition of every ticket.
const COLLECTION: &str = "ESCALATIONS";

/// Seed 003's ticket statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscalationStatus {
    /// Waiting for a person.
    Open,
    /// A person has it.
    Assigned,
    /// Done.
    Resolved,
    /// Closed without resolution.
    Closed,
}

impl EscalationStatus {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationStatus::Open => "open",
            EscalationStatus::Assigned => "assigned",
            EscalationStatus::Resolved => "resolved",
            EscalationStatus::Closed => "closed",
        }
    }
}

/// The stored escalation item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EscalationRecord {
    pub ticket_id: String,
    pub context_id: ContextId,
    pub customer_id: CustomerId,
    pub reason: EscalationReason,
    pub priority: Priority,
    pub status: EscalationStatus,
    /// `reply_worker` (a draft decided it) or `reply_sweep` (drafting kept failing).
    pub source: String,
    /// The inbound message that led to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_id: Option<LogId>,
    /// Seed 003 `customer_sentiment` (the draft's `sentiment_score`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_sentiment: Option<f64>,
    /// Seed 003 `query_complexity` (the draft's `complexity_score`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_complexity: Option<f64>,
    /// Seed 003 `additional_context` (≤ 2,000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_context: Option<String>,
    /// Seed 003 `assigned_agent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_agent: Option<String>,
    /// Seed 003 `resolution_notes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_notes: Option<String>,
    /// Seed 003 `customer_satisfaction` (1–5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_satisfaction: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The open-ticket link: present in the conversation's partition while
/// ticket `ticket_id` is open or assigned.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OpenTicketLink {
    pub context_id: ContextId,
    pub ticket_id: String,
}

impl Entity for OpenTicketLink {
    const TYPE: &'static str = "open_ticket";

    fn primary_key(&self) -> Key {
        Self::key(&self.context_id, &self.ticket_id)
    }
}

impl OpenTicketLink {
    /// Key of the link of `ticket_id` in `context_id`.
    pub(crate) fn key(context_id: &ContextId, ticket_id: &str) -> Key {
        Key::new(
            format!("CONTEXT#{context_id}"),
            format!("{LINK_PREFIX}{ticket_id}"),
        )
    }

    /// The open tickets of `context_id` (table `Query`, strongly consistent).
    pub(crate) fn of_context(context_id: &ContextId) -> Query {
        let mut q = Query::new(None, format!("CONTEXT#{context_id}"));
        q.sort = Some(SortCondition::BeginsWith(LINK_PREFIX.into()));
        q.limit = 10;
        q
    }
}

/// Sort-key prefix of open-ticket links.
const LINK_PREFIX: &str = "ESCALATION#";

impl EscalationStatus {
    /// Open or assigned: a person still has to act.
    pub fn is_open(self) -> bool {
        matches!(self, EscalationStatus::Open | EscalationStatus::Assigned)
    }

    /// Seed 003's lifecycle: open ⇄ assigned, either → resolved or closed,
    /// resolved → closed or reopened; closed is final.
    pub fn can_become(self, next: EscalationStatus) -> bool {
        use EscalationStatus::*;
        self == next
            || matches!(
                (self, next),
                (Open, Assigned | Resolved | Closed)
                    | (Assigned, Open | Resolved | Closed)
                    | (Resolved, Closed | Open)
            )
    }
}

impl Entity for EscalationRecord {
    const TYPE: &'static str = "escalation";

    fn primary_key(&self) -> Key {
        Self::key(&self.ticket_id)
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let by_time = format!("{}#{}", self.created_at, self.ticket_id);
        vec![
            IndexEntry::new(Index::Gsi1, COLLECTION, by_time.clone()),
            IndexEntry::new(Index::Gsi3, Self::status_partition(self.status), by_time),
        ]
    }
}

impl EscalationRecord {
    /// Its GSI3 partition, by status.
    pub(crate) fn status_partition(status: EscalationStatus) -> String {
        format!("{COLLECTION}#{}", status.as_str())
    }

    /// Every ticket, oldest first (GSI1).
    pub(crate) fn all() -> Query {
        Query::new(Some(Index::Gsi1), COLLECTION)
    }

    /// Tickets with `status`, oldest first (GSI3).
    pub(crate) fn with_status(status: EscalationStatus) -> Query {
        Query::new(Some(Index::Gsi3), Self::status_partition(status))
    }

    /// The filter "priority is `priority`" of a ticket list.
    pub(crate) fn with_priority(priority: Priority) -> Condition {
        Condition::eq("priority", s(crate::codec::wire_name(&priority)))
    }

    /// The condition "its status is still `status`" (as read).
    pub(crate) fn status_is(status: EscalationStatus) -> Condition {
        Condition::eq("status", s(status.as_str()))
    }

    /// A new open ticket `ticket_id` of `context_id` at `at`.
    pub(crate) fn open(
        ticket_id: String,
        context_id: ContextId,
        customer_id: CustomerId,
        reason: EscalationReason,
        priority: Priority,
        source: &str,
        at: &str,
    ) -> Self {
        Self {
            ticket_id,
            context_id,
            customer_id,
            reason,
            priority,
            status: EscalationStatus::Open,
            source: source.into(),
            log_id: None,
            customer_sentiment: None,
            query_complexity: None,
            additional_context: None,
            assigned_agent: None,
            resolution_notes: None,
            customer_satisfaction: None,
            resolved_at: None,
            closed_at: None,
            created_at: at.into(),
            updated_at: at.into(),
        }
    }

    /// The ticket's item and its open-ticket link, both `attribute_not_exists`.
    pub(crate) fn open_writes(&self) -> DomainResult<Vec<WriteAction>> {
        let link = OpenTicketLink {
            context_id: self.context_id.clone(),
            ticket_id: self.ticket_id.clone(),
        };
        Ok(vec![
            WriteAction::Put(Put {
                item: self.to_item()?,
                condition: Some(Condition::item_not_exists()),
            }),
            WriteAction::Put(Put {
                item: link.to_item()?,
                condition: Some(Condition::item_not_exists()),
            }),
        ])
    }

    /// Key of ticket `ticket_id`.
    pub(crate) fn key(ticket_id: &str) -> Key {
        Key::new(format!("ESCALATION#{ticket_id}"), "ESCALATION")
    }

    /// The ticket id of number `n` in `year`: `TKT-2026-000042`.
    pub(crate) fn ticket_id(year: i32, n: i64) -> String {
        format!("TKT-{year}-{n:06}")
    }

    /// True for `TKT-2026-000042` (4-digit year, 6 to 18 digits).
    pub(crate) fn is_ticket_id(raw: &str) -> bool {
        let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
            n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        match raw.strip_prefix("TKT-").and_then(|r| r.split_once('-')) {
            Some((year, n)) => digits(year, 4..=4) && digits(n, 6..=18),
            None => false,
        }
    }

    /// The counter of `year`'s ticket numbers.
    pub(crate) fn counter(year: i32) -> String {
        format!("ticket_{year}")
    }
}

//! How an escalation ticket is stored and keyed.
//!
//! | PK | SK | GSI1PK / GSI1SK | GSI3PK / GSI3SK |
//! |---|---|---|---|
//! | `ESCALATION#<ticket_id>` | `ESCALATION` | `ESCALATIONS` / `<created_at>#<ticket_id>` | `ESCALATIONS#<status>` / `<created_at>#<ticket_id>` |
//!
//! GSI1 lists every ticket, GSI3 those with one status, by creation time
//! (the lists of issue 10).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::keys::{Entity, Index, IndexEntry};
use crate::store::Key;
use crate::suggestions::{EscalationReason, Priority};
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
    pub created_at: String,
    pub updated_at: String,
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
            IndexEntry::new(
                Index::Gsi3,
                format!("{COLLECTION}#{}", self.status.as_str()),
                by_time,
            ),
        ]
    }
}

impl EscalationRecord {
    /// Key of ticket `ticket_id`.
    pub(crate) fn key(ticket_id: &str) -> Key {
        Key::new(format!("ESCALATION#{ticket_id}"), "ESCALATION")
    }

    /// The ticket id of number `n` in `year`: `TKT-2026-000042`.
    pub(crate) fn ticket_id(year: i32, n: i64) -> String {
        format!("TKT-{year}-{n:06}")
    }

    /// The counter of `year`'s ticket numbers.
    pub(crate) fn counter(year: i32) -> String {
        format!("ticket_{year}")
    }
}

//! The escalation endpoints' bodies and answers (seed 003 "Escalation
//! Management", `session_id` → this API's `context_id`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::decision::{EscalationReason, Priority};
use super::record::{EscalationRecord, EscalationStatus};
use crate::error::{DomainError, DomainResult};
use crate::types::{text, ContextId};

/// Most characters of `additional_context` and `resolution_notes`.
pub const MAX_ESCALATION_NOTES: usize = 2_000;
/// Most characters of `assigned_agent`.
pub const MAX_AGENT_LEN: usize = 200;

/// Body of `POST /escalations` (seed 003 `POST /api/escalation`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEscalation {
    /// The conversation (seed 003 `session_id`).
    #[schema(value_type = ContextId)]
    pub context_id: String,
    /// `negative_sentiment`, `high_complexity`, `repeated_failures`, `manual_request` or `policy_violation`.
    pub reason: EscalationReason,
    /// `low`, `medium`, `high` or `urgent`.
    pub priority: Priority,
    /// In [-1, 1].
    #[serde(default)]
    #[schema(minimum = -1.0, maximum = 1.0)]
    pub customer_sentiment: Option<f64>,
    /// In [0, 1].
    #[serde(default)]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub query_complexity: Option<f64>,
    /// Free text for the agent (≤ 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub additional_context: Option<String>,
}

/// Body of `PUT /escalations/{ticket_id}` (seed 003); every field optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationPatch {
    /// The new status. Allowed: open ⇄ assigned; open or assigned →
    /// resolved or closed; resolved → closed or open (reopen); closed is
    /// final. Giving `assigned_agent` to an open ticket assigns it.
    #[serde(default)]
    pub status: Option<EscalationStatus>,
    /// The agent who has it (≤ 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub assigned_agent: Option<String>,
    /// How it was resolved (≤ 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub resolution_notes: Option<String>,
    /// 1–5.
    #[serde(default, deserialize_with = "crate::codec::optional_whole_number")]
    #[schema(minimum = 1, maximum = 5)]
    pub customer_satisfaction: Option<i64>,
}

/// An escalation ticket (seed 003 `GET /api/escalation/{ticket_id}`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Escalation {
    /// `TKT-<year>-<6 digits>`.
    pub ticket_id: String,
    /// The conversation (seed 003 `session_id`).
    pub context_id: String,
    /// The customer.
    pub customer_id: i64,
    /// Why.
    pub reason: EscalationReason,
    /// How soon.
    pub priority: Priority,
    /// `open`, `assigned`, `resolved` or `closed`.
    pub status: EscalationStatus,
    /// `api` (`POST /escalations`), `reply_worker` (a draft decided it) or `reply_sweep` (drafting kept failing).
    pub source: String,
    /// The inbound message that led to it (`log_id`), when a draft did.
    pub log_id: Option<i64>,
    /// In [-1, 1].
    pub customer_sentiment: Option<f64>,
    /// In [0, 1].
    pub query_complexity: Option<f64>,
    /// Free text given at creation.
    pub additional_context: Option<String>,
    /// The agent who has it.
    pub assigned_agent: Option<String>,
    /// How it was resolved.
    pub resolution_notes: Option<String>,
    /// 1–5.
    pub customer_satisfaction: Option<u8>,
    /// The expected time to a first response by priority: urgent `15 minutes`,
    /// high `1 hour`, medium `4 hours`, low `24 hours`.
    pub estimated_response_time: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// When it was last resolved.
    pub resolved_at: Option<String>,
    /// When it was closed.
    pub closed_at: Option<String>,
}

/// Filters of `GET /escalations`.
#[derive(Debug, Clone, Default)]
pub struct EscalationFilter {
    /// Only this status (GSI3).
    pub status: Option<EscalationStatus>,
    /// Only this priority (a filter on the page).
    pub priority: Option<Priority>,
}

/// The expected first-response time of `priority` (the documented table).
pub fn estimated_response_time(priority: Priority) -> &'static str {
    match priority {
        Priority::Urgent => "15 minutes",
        Priority::High => "1 hour",
        Priority::Medium => "4 hours",
        Priority::Low => "24 hours",
    }
}

fn score(
    field: &str,
    v: Option<f64>,
    range: std::ops::RangeInclusive<f64>,
) -> DomainResult<Option<f64>> {
    match v {
        Some(x) if !range.contains(&x) => Err(DomainError::invalid(
            field,
            format!(
                "`{field}` must be from {} to {}, got {x}",
                range.start(),
                range.end()
            ),
        )),
        other => Ok(other),
    }
}

/// A checked [`NewEscalation`]: conversation, sentiment, complexity, context.
pub(crate) type ValidNew = (ContextId, Option<f64>, Option<f64>, Option<String>);

impl NewEscalation {
    /// The conversation id and a checked copy of the optional fields.
    pub(crate) fn validate(&self) -> DomainResult<ValidNew> {
        Ok((
            ContextId::parse("context_id", &self.context_id)?,
            score("customer_sentiment", self.customer_sentiment, -1.0..=1.0)?,
            score("query_complexity", self.query_complexity, 0.0..=1.0)?,
            text(
                "additional_context",
                self.additional_context.as_deref(),
                MAX_ESCALATION_NOTES,
            )?,
        ))
    }
}

/// A checked [`EscalationPatch`].
pub(crate) struct ValidPatch {
    pub status: Option<EscalationStatus>,
    pub assigned_agent: Option<String>,
    pub resolution_notes: Option<String>,
    pub customer_satisfaction: Option<u8>,
}

impl EscalationPatch {
    pub(crate) fn validate(&self) -> DomainResult<ValidPatch> {
        let customer_satisfaction = match self.customer_satisfaction {
            None => None,
            Some(r @ 1..=5) => Some(r as u8),
            Some(r) => {
                return Err(DomainError::invalid(
                    "customer_satisfaction",
                    format!("`customer_satisfaction` must be 1 to 5, got {r}"),
                ))
            }
        };
        let p = ValidPatch {
            status: self.status,
            assigned_agent: text(
                "assigned_agent",
                self.assigned_agent.as_deref(),
                MAX_AGENT_LEN,
            )?,
            resolution_notes: text(
                "resolution_notes",
                self.resolution_notes.as_deref(),
                MAX_ESCALATION_NOTES,
            )?,
            customer_satisfaction,
        };
        Ok(p)
    }
}

impl EscalationRecord {
    pub(crate) fn to_api(&self) -> Escalation {
        Escalation {
            ticket_id: self.ticket_id.clone(),
            context_id: self.context_id.to_string(),
            customer_id: self.customer_id.get(),
            reason: self.reason,
            priority: self.priority,
            status: self.status,
            source: self.source.clone(),
            log_id: self.log_id.map(|l| l.get()),
            customer_sentiment: self.customer_sentiment,
            query_complexity: self.query_complexity,
            additional_context: self.additional_context.clone(),
            assigned_agent: self.assigned_agent.clone(),
            resolution_notes: self.resolution_notes.clone(),
            customer_satisfaction: self.customer_satisfaction,
            estimated_response_time: estimated_response_time(self.priority).into(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            resolved_at: self.resolved_at.clone(),
            closed_at: self.closed_at.clone(),
        }
    }
}

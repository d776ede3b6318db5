//! When a draft hands the conversation to a person (issue 9; reasons and
//! scores from seed 003): a person is asked for, the customer is very
//! unhappy, the matter is complex, or the model is unsure. Thresholds are
//! settings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::reply::{Draft, Urgency};

/// Seed 003's escalation reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// `sentiment_score` at or below the threshold.
    NegativeSentiment,
    /// `complexity_score` at or above the threshold, or a draft the model
    /// is not confident enough in (seed 003 has no separate reason for it).
    HighComplexity,
    /// Drafting kept failing for this conversation.
    RepeatedFailures,
    /// The customer asked for a person.
    ManualRequest,
    /// The message breaks a policy.
    PolicyViolation,
}

/// Escalation priority (seed 003).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

/// The thresholds of [`EscalationDecision::decide`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Escalate at or below this `sentiment_score` (default -0.5).
    pub negative_sentiment: f64,
    /// Escalate at or above this `complexity_score` (default 0.8).
    pub high_complexity: f64,
    /// Escalate below this `confidence_score` (default 0.3).
    pub min_confidence: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            negative_sentiment: -0.5,
            high_complexity: 0.8,
            min_confidence: 0.3,
        }
    }
}

/// A decision to escalate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationDecision {
    /// The first reason that applies, in the order of [`EscalationDecision::decide`].
    pub reason: EscalationReason,
    /// How soon.
    pub priority: Priority,
}

impl EscalationDecision {
    /// Whether `draft` escalates, checked in this order: asked for a person
    /// (high), negative sentiment (high at -0.8 or below, else medium),
    /// complexity (medium), low confidence (low). High urgency raises the
    /// priority one step.
    pub fn decide(draft: &Draft, t: &Thresholds) -> Option<EscalationDecision> {
        let (reason, priority) = if draft.wants_human {
            (EscalationReason::ManualRequest, Priority::High)
        } else if draft.sentiment_score <= t.negative_sentiment {
            let p = if draft.sentiment_score <= -0.8 {
                Priority::High
            } else {
                Priority::Medium
            };
            (EscalationReason::NegativeSentiment, p)
        } else if draft.complexity_score >= t.high_complexity {
            (EscalationReason::HighComplexity, Priority::Medium)
        } else if draft.confidence_score < t.min_confidence {
            (EscalationReason::HighComplexity, Priority::Low)
        } else {
            return None;
        };
        let priority = if draft.urgency_level == Urgency::High {
            match priority {
                Priority::Low => Priority::Medium,
                Priority::Medium => Priority::High,
                _ => Priority::Urgent,
            }
        } else {
            priority
        };
        Some(EscalationDecision { reason, priority })
    }
}

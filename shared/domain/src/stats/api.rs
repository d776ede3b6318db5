//! The answer of `GET /conversations/stats` (seed 001 §9, its field names).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Seed 001 §9's figures. "Week" is the last 7 UTC days, today included.
/// The e-mail open and click figures count the emails sent through SES,
/// whose configuration-set events report opens and clicks (issue 22).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConversationStats {
    /// Every conversation stored.
    pub total_conversations: i64,
    /// Open conversations: `active` and `paused`.
    pub active_conversations: i64,
    /// Active with the customer's message newest.
    pub needs_reply: i64,
    /// Active with our message newest.
    pub waiting_for_response: i64,
    /// `archived`.
    pub archived_conversations: i64,
    /// `resolved` (not in seed 001, which has no such status).
    pub resolved_conversations: i64,
    /// `paused` (counted in `active_conversations` too).
    pub paused_conversations: i64,
    /// Outbound messages logged this week, on every channel (seed 001's name).
    pub emails_sent_week: i64,
    /// Inbound messages logged this week, on every channel (seed 001's name).
    pub emails_received_week: i64,
    /// Emails sent through SES this week whose recipient opened them
    /// (the first open of each; issue 22).
    pub emails_opened_week: i64,
    /// Emails sent through SES this week in which the recipient clicked a
    /// link (the first click of each).
    pub emails_clicked_week: i64,
    /// `emails_opened_week` as a share of the emails sent through SES this
    /// week, × 100, 2 decimals; 0 when none.
    pub open_rate_week: f64,
    /// `emails_clicked_week` as a share of the emails sent through SES this
    /// week, × 100, 2 decimals; 0 when none.
    pub click_rate_week: f64,
    /// `emails_received_week / emails_sent_week × 100` (seed 001's
    /// definition: replies per message sent), 2 decimals; 0 when none sent.
    pub response_rate_week: f64,
    /// Average first-response time of the conversations first answered this
    /// week: from a conversation's first inbound message to our first
    /// outbound one, in hours (2 decimals); 0 when none.
    pub avg_response_time_hours: f64,
    /// Suggestions the worker stored this week (regenerations included).
    pub ai_suggestions_generated_week: i64,
    /// Suggestions approved this week.
    pub ai_suggestions_approved_week: i64,
    /// `approved / generated × 100` this week, 2 decimals.
    pub ai_approval_rate_week: f64,
    /// Approved with an edited body, as a share of the approved, × 100
    /// (agent assist's edit rate), 2 decimals.
    pub ai_edit_rate_week: f64,
    /// Mean `confidence_score` of this week's suggestions, 2 decimals.
    pub avg_confidence_score: f64,
    /// Escalation tickets open or assigned.
    pub escalations_open: i64,
    /// First day of the week counted (`YYYY-MM-DD`, UTC).
    pub week_start: String,
}

/// `part / whole × 100`, rounded to 2 decimals; 0 when `whole` is 0.
pub(crate) fn percent(part: i64, whole: i64) -> f64 {
    ratio(part as f64 * 100.0, whole)
}

/// `sum / n`, rounded to 2 decimals; 0 when `n` is 0.
pub(crate) fn ratio(sum: f64, n: i64) -> f64 {
    if n <= 0 {
        return 0.0;
    }
    ((sum / n as f64) * 100.0).round() / 100.0
}

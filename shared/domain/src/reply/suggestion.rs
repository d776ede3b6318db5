//! A draft as clients read it: what `GET /conversations/{context_id}/ai-suggestion` answers (seed 001
//! §3 "Get AI Suggestion", ids in this API's terms: `conversation_id` is the
//! `context_id`, `reply_to_message_id` the inbound message's `log_id`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::reply::{Action, Intent, ModelInfo, Sentiment, Urgency};

/// Where a suggestion is in its life (seed 001 `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionStatus {
    /// Waiting for a person to approve, edit or reject it.
    Pending,
    /// Approved (and logged as an outbound message).
    Approved,
    /// Rejected.
    Rejected,
    /// Replaced by a newer suggestion for the same conversation.
    Superseded,
}

/// Seed 001's `sentiment_analysis`, with seed 003's scores beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SentimentAnalysis {
    /// `positive`, `neutral` or `negative`.
    pub sentiment: Sentiment,
    /// Seed 003 `sentiment_score`, in [-1, 1].
    pub sentiment_score: f64,
    /// In [0, 1].
    pub sentiment_confidence: f64,
    /// `question`, `complaint`, `purchase`, `cancel`, `thanks` or `other`.
    pub intent: Intent,
    /// In [0, 1].
    pub intent_confidence: f64,
    /// Seed 003 `complexity_score`, in [0, 1].
    pub complexity_score: f64,
    /// In [0, 1].
    pub engagement_score: f64,
    /// At most 10 topics.
    pub key_topics: Vec<String>,
    /// The customer's questions (at most 10).
    pub questions_asked: Vec<String>,
    /// `low`, `medium` or `high`.
    pub urgency_level: Urgency,
    /// The customer asked for a person.
    pub wants_human: bool,
}

/// A reply suggestion (seed 001 §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    /// The suggestion's id (a UUID derived from the conversation and the message it answers).
    pub id: String,
    /// The conversation (`context_id`).
    pub conversation_id: String,
    /// The customer.
    pub customer_id: i64,
    /// The inbound message it answers (`log_id`).
    pub reply_to_message_id: i64,
    /// `reply` (send the body after approval) or `handoff` (a person should take over).
    pub action: Action,
    /// Subject for channels that have one (email): `Re: <the message's subject>`.
    pub suggested_subject: Option<String>,
    /// The drafted reply (≤ 4,000 characters; may be empty for a handoff).
    pub suggested_body: String,
    /// The body as a person edited it before approving (issue 10).
    pub edited_body: Option<String>,
    /// The subject as a person edited it before approving (issue 10).
    pub edited_subject: Option<String>,
    /// In [0, 1].
    pub confidence_score: f64,
    /// Sentiment, intent and scores of the customer's message.
    pub sentiment_analysis: SentimentAnalysis,
    /// What the draft was made from, e.g. `conversation_history: 6 messages`.
    pub context_used: Vec<String>,
    /// Why the model answered so (≤ 2,000 characters).
    pub ai_reasoning: String,
    /// Who drafted it: `provider` (`rules`, `openai`, `bedrock`), `model`
    /// (`null` for rules), `tokens_used`, `cost` (US dollars) when known.
    pub ai_metadata: ModelInfo,
    /// The escalation ticket (`TKT-YYYY-NNNNNN`) this draft opened, if any.
    pub escalation_ticket: Option<String>,
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub status: SuggestionStatus,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Set when approved (issue 10).
    pub approved_at: Option<String>,
    /// Set when rejected (issue 10).
    pub rejected_at: Option<String>,
    /// When a sender reported the approved reply delivered. This API records
    /// the reply as a pending outbound message (`sent_message_id`); its
    /// delivery is that message's `send_status`, so this stays `null`.
    pub sent_at: Option<String>,
    /// The outbound message (`log_id`) the approval logged (issue 10).
    pub sent_message_id: Option<i64>,
    /// 1–5, given after the fact (issue 10).
    pub user_rating: Option<u8>,
    /// Free-text feedback (issue 10).
    pub feedback_notes: Option<String>,
    /// When the table's TTL removes it (RFC 3339 UTC); `null` once approved.
    pub expires_at: Option<String>,
}

/// The state of a conversation's reply draft.
#[derive(Debug, Clone, PartialEq)]
pub enum AiSuggestion {
    /// A job for the latest inbound message `reply_to_message_id` is queued
    /// or running: answered 202 `{"status": "generating", …}`; poll again.
    Generating {
        /// The inbound message being answered.
        reply_to_message_id: i64,
    },
    /// The pending suggestion.
    Ready(Box<Suggestion>),
}

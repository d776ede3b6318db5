//! How a suggestion is stored and keyed.
//!
//! | PK | SK |
//! |---|---|
//! | `CONTEXT#<context_id>` | `SUGGESTION#<log_id:020>` |
//!
//! In its conversation's partition, keyed by the inbound message it
//! answers: the job (`context_id`, `log_id`) names the key, and the put is
//! `attribute_not_exists(PK)`, so a job delivered twice stores one
//! suggestion. No GSI: it is read through its conversation's
//! `pending_suggestion_log_id` (strongly consistent `GetItem`s). The table's
//! TTL attribute `expires_at` (epoch seconds) removes it after
//! `CRM_SUGGESTION_TTL_DAYS`.

use serde::{Deserialize, Serialize};

use super::api::{SentimentAnalysis, Suggestion, SuggestionStatus};
use super::draft::Draft;
use crate::keys::{padded, Entity};
use crate::store::{s, Condition, Key, Update, UpdateAction};
use crate::types::{rfc3339, ContextId, CustomerId, LogId};

/// Namespace of the suggestion ids (UUIDv5 of `<context_id>/<log_id>`).
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6d5f_0b7e_52a4_4c55_9a51_1f7c_3e1e_9b09);

/// The stored suggestion item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SuggestionRecord {
    pub suggestion_id: String,
    pub context_id: ContextId,
    pub customer_id: CustomerId,
    pub reply_to_log_id: LogId,
    pub status: SuggestionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_subject: Option<String>,
    /// The validated draft, as one map attribute.
    pub draft: Draft,
    pub context_used: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// TTL: epoch seconds after which DynamoDB deletes the item.
    pub expires_at: i64,
}

impl Entity for SuggestionRecord {
    const TYPE: &'static str = "suggestion";

    fn primary_key(&self) -> Key {
        Self::key(&self.context_id, self.reply_to_log_id)
    }
}

impl SuggestionRecord {
    /// The id of the suggestion answering `log_id` in `context_id`.
    pub(crate) fn id_for(context_id: &ContextId, log_id: LogId) -> String {
        uuid::Uuid::new_v5(
            &ID_NAMESPACE,
            format!("{context_id}/{}", log_id.get()).as_bytes(),
        )
        .to_string()
    }

    /// Key of the suggestion answering `log_id` in `context_id`.
    pub(crate) fn key(context_id: &ContextId, log_id: LogId) -> Key {
        Key::new(
            format!("CONTEXT#{context_id}"),
            format!("SUGGESTION#{}", padded(log_id.get())),
        )
    }

    /// The update that marks a pending suggestion `superseded` at `now`
    /// (only if it is still stored; the TTL may have removed it).
    pub(crate) fn supersede(context_id: &ContextId, log_id: LogId, now: &str) -> Update {
        Update {
            key: Self::key(context_id, log_id),
            actions: vec![
                UpdateAction::Set("status".into(), s("superseded")),
                UpdateAction::Set("superseded_at".into(), s(now)),
                UpdateAction::Set("updated_at".into(), s(now)),
            ],
            condition: Some(Condition::item_exists()),
        }
    }

    pub(crate) fn to_api(&self) -> Suggestion {
        let d = &self.draft;
        let expires = time::OffsetDateTime::from_unix_timestamp(self.expires_at)
            .map(rfc3339)
            .unwrap_or_default();
        Suggestion {
            id: self.suggestion_id.clone(),
            conversation_id: self.context_id.to_string(),
            customer_id: self.customer_id.get(),
            reply_to_message_id: self.reply_to_log_id.get(),
            action: d.action,
            suggested_subject: self.suggested_subject.clone(),
            suggested_body: d.suggested_body.clone(),
            edited_body: None,
            confidence_score: d.confidence_score,
            sentiment_analysis: SentimentAnalysis {
                sentiment: d.sentiment,
                sentiment_score: d.sentiment_score,
                sentiment_confidence: d.sentiment_confidence,
                intent: d.intent,
                intent_confidence: d.intent_confidence,
                complexity_score: d.complexity_score,
                engagement_score: d.engagement_score,
                key_topics: d.key_topics.clone(),
                questions_asked: d.questions_asked.clone(),
                urgency_level: d.urgency_level,
                wants_human: d.wants_human,
            },
            context_used: self.context_used.clone(),
            ai_reasoning: d.ai_reasoning.clone(),
            ai_metadata: d.ai_metadata.clone(),
            escalation_ticket: self.escalation_ticket.clone(),
            status: self.status,
            created_at: self.created_at.clone(),
            approved_at: None,
            rejected_at: None,
            sent_at: None,
            user_rating: None,
            feedback_notes: None,
            expires_at: expires,
        }
    }
}

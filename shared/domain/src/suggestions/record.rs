//! How a suggestion is stored and keyed.
//!
//! | PK | SK |
//! |---|---|
//! | `CONTEXT#<context_id>` | `SUGGESTION#<log_id:020>`, or `SUGGESTION#<log_id:020>#<revision:06>` for a regeneration |
//!
//! In its conversation's partition, keyed by the inbound message it
//! answers and the regeneration number (issue 10; 0, the first draft, has no
//! suffix): the job (`context_id`, `log_id`, `revision`) names the key, and the put is
//! `attribute_not_exists(PK)`, so a job delivered twice stores one
//! suggestion. No GSI: it is read through its conversation's
//! `pending_suggestion_log_id` (strongly consistent `GetItem`s). The table's
//! TTL attribute `expires_at` (epoch seconds) removes it after
//! `CRM_SUGGESTION_TTL_DAYS`; approving one removes `expires_at` (an
//! approved suggestion is the record of what was sent). A suggestion is
//! found by its id through a `Query` of its conversation's partition
//! (`begins_with(SK, "SUGGESTION#")`, filtered on `suggestion_id`): the
//! partition holds only the conversation and its suggestions, which the
//! TTL and the regeneration rate limit keep few.

use serde::{Deserialize, Serialize};

use crate::error::DomainResult;
use crate::keys::{padded, Entity};
use crate::reply::suggestion::{SentimentAnalysis, Suggestion, SuggestionStatus};
use crate::reply::Draft;
use crate::store::{s, Condition, Key, Query, SortCondition, Update, UpdateAction};
use crate::types::{rfc3339, ContextId, CustomerId, LogId};

/// Sort-key prefix of suggestions in their conversation's partition.
const SK_PREFIX: &str = "SUGGESTION#";

/// Namespace of the suggestion ids (UUIDv5 of `<context_id>/<log_id>`).
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6d5f_0b7e_52a4_4c55_9a51_1f7c_3e1e_9b09);

/// The stored suggestion item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SuggestionRecord {
    pub suggestion_id: String,
    pub context_id: ContextId,
    pub customer_id: CustomerId,
    pub reply_to_log_id: LogId,
    /// 0 for the first draft, the regeneration number otherwise.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: i64,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_at: Option<String>,
    /// The body as approved, when a person edited it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_body: Option<String>,
    /// The subject as approved, when a person edited it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_subject: Option<String>,
    /// The outbound message the approval logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_log_id: Option<LogId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_rating: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// TTL: epoch seconds after which DynamoDB deletes the item (absent once approved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl Entity for SuggestionRecord {
    const TYPE: &'static str = "suggestion";

    fn primary_key(&self) -> Key {
        Self::key(&self.context_id, self.reply_to_log_id, self.revision)
    }
}

impl SuggestionRecord {
    /// The id of revision `revision` of the suggestion answering `log_id`
    /// in `context_id` (a UUIDv5 of `<context_id>/<log_id>[/<revision>]`).
    pub(crate) fn id_for(context_id: &ContextId, log_id: LogId, revision: i64) -> String {
        let name = match revision {
            0 => format!("{context_id}/{}", log_id.get()),
            r => format!("{context_id}/{}/{r}", log_id.get()),
        };
        uuid::Uuid::new_v5(&ID_NAMESPACE, name.as_bytes()).to_string()
    }

    /// Key of revision `revision` of the suggestion answering `log_id` in `context_id`.
    pub(crate) fn key(context_id: &ContextId, log_id: LogId, revision: i64) -> Key {
        let sk = match revision {
            0 => format!("{SK_PREFIX}{}", padded(log_id.get())),
            r => format!("{SK_PREFIX}{}#{r:06}", padded(log_id.get())),
        };
        Key::new(format!("CONTEXT#{context_id}"), sk)
    }

    /// The `Query` of `context_id`'s suggestions, oldest message first,
    /// filtered on `suggestion_id` when given.
    pub(crate) fn of_context(context_id: &ContextId, id: Option<&str>) -> Query {
        let mut q = Query::new(None, format!("CONTEXT#{context_id}"));
        q.sort = Some(SortCondition::BeginsWith(SK_PREFIX.into()));
        q.filter = id.map(|id| Condition::eq("suggestion_id", s(id)));
        q
    }

    /// Approves this (pending) suggestion at `at` (seed 001 §4): `approved`,
    /// the outbound message it became (`sent_log_id`), a person's edits,
    /// and no TTL any more (an approved suggestion is the record of what was
    /// sent). Edits the record in memory and answers the same change as one
    /// `UpdateItem`, on condition it is still `pending`.
    pub(crate) fn approve(
        &mut self,
        sent_log_id: LogId,
        edited_body: Option<&str>,
        edited_subject: Option<&str>,
        at: &str,
    ) -> DomainResult<Update> {
        self.status = SuggestionStatus::Approved;
        self.approved_at = Some(at.to_string());
        self.updated_at = at.to_string();
        self.sent_log_id = Some(sent_log_id);
        self.expires_at = None;
        let mut touched = vec![
            "status",
            "approved_at",
            "updated_at",
            "sent_log_id",
            "expires_at",
        ];
        if let Some(body) = edited_body {
            self.edited_body = Some(body.to_string());
            touched.push("edited_body");
        }
        if let Some(subject) = edited_subject {
            self.edited_subject = Some(subject.to_string());
            touched.push("edited_subject");
        }
        Ok(Update {
            key: self.primary_key(),
            actions: self.touched(&touched)?,
            condition: Some(Condition::eq("status", s("pending"))),
        })
    }

    /// Rejects this (pending) suggestion at `at` (seed 001 §5), keeping the
    /// reason as `feedback_notes`; the same change as one `UpdateItem`, on
    /// condition it is still `pending`.
    pub(crate) fn reject(&mut self, reason: Option<&str>, at: &str) -> DomainResult<Update> {
        self.status = SuggestionStatus::Rejected;
        self.rejected_at = Some(at.to_string());
        self.updated_at = at.to_string();
        let mut touched = vec!["status", "rejected_at", "updated_at"];
        if let Some(r) = reason {
            self.feedback_notes = Some(r.to_string());
            touched.push("feedback_notes");
        }
        Ok(Update {
            key: self.primary_key(),
            actions: self.touched(&touched)?,
            condition: Some(Condition::eq("status", s("pending"))),
        })
    }

    /// A person's feedback at `at` (issue 10): `user_rating` (1–5) and/or
    /// `feedback_notes`, on a suggestion of any status still stored.
    pub(crate) fn feedback(
        &mut self,
        rating: Option<u8>,
        notes: Option<&str>,
        at: &str,
    ) -> DomainResult<Update> {
        self.updated_at = at.to_string();
        let mut touched = vec!["updated_at"];
        if let Some(r) = rating {
            self.user_rating = Some(r);
            touched.push("user_rating");
        }
        if let Some(n) = notes {
            self.feedback_notes = Some(n.to_string());
            touched.push("feedback_notes");
        }
        Ok(Update {
            key: self.primary_key(),
            actions: self.touched(&touched)?,
            condition: Some(Condition::item_exists()),
        })
    }

    /// The update that marks a pending suggestion `superseded` at `now`
    /// (only if it is still stored and pending; the TTL may have removed it).
    pub(crate) fn supersede(
        context_id: &ContextId,
        (log_id, revision): (LogId, i64),
        now: &str,
    ) -> Update {
        Update {
            key: Self::key(context_id, log_id, revision),
            actions: vec![
                UpdateAction::Set("status".into(), s("superseded")),
                UpdateAction::Set("superseded_at".into(), s(now)),
                UpdateAction::Set("updated_at".into(), s(now)),
            ],
            condition: Some(Condition::And(vec![
                Condition::item_exists(),
                Condition::eq("status", s("pending")),
            ])),
        }
    }

    pub(crate) fn to_api(&self) -> Suggestion {
        let d = &self.draft;
        let expires = self
            .expires_at
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .map(rfc3339);
        Suggestion {
            id: self.suggestion_id.clone(),
            conversation_id: self.context_id.to_string(),
            customer_id: self.customer_id.get(),
            reply_to_message_id: self.reply_to_log_id.get(),
            action: d.action,
            suggested_subject: self.suggested_subject.clone(),
            suggested_body: d.suggested_body.clone(),
            edited_body: self.edited_body.clone(),
            edited_subject: self.edited_subject.clone(),
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
            approved_at: self.approved_at.clone(),
            rejected_at: self.rejected_at.clone(),
            sent_at: None,
            sent_message_id: self.sent_log_id.map(LogId::get),
            user_rating: self.user_rating,
            feedback_notes: self.feedback_notes.clone(),
            expires_at: expires,
        }
    }
}

//! What a person or an agent sends to act on a suggestion, and what they get
//! back (seed 001 §4–8, ids in this API's terms: `conversation_id` is the
//! `context_id`, `message_id` a `log_id`). The rules are in
//! `flows/review/`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{DomainError, DomainResult};
use crate::reply::{Instructions, Length, Tone, MAX_CUSTOM_PROMPT_CHARS};
use crate::types::{text, LogId};
use crate::types::{MAX_BODY_CHARS, MAX_SUBJECT_LEN};

/// Most characters of a rejection `reason` or of `feedback_notes`.
pub const MAX_NOTES_CHARS: usize = 2_000;
/// Most characters of `body_html` on a custom reply.
pub const MAX_HTML_CHARS: usize = 128 * 1024;

/// Body of `POST /conversations/{context_id}/approve` (seed 001 §4).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// The suggestion to approve (its `id`).
    pub suggestion_id: String,
    /// The body to send instead of `suggested_body` (kept as `edited_body`).
    #[serde(default)]
    #[schema(max_length = 65536)]
    pub edited_body: Option<String>,
    /// The subject to send instead of `suggested_subject`.
    #[serde(default)]
    #[schema(max_length = 998)]
    pub edited_subject: Option<String>,
    /// Approve even though the customer wrote again after the message the
    /// suggestion answers (without it that is a 409 naming the newer
    /// message). Default `false`.
    #[serde(default)]
    pub force: bool,
}

/// Body of `POST /conversations/{context_id}/reject` (seed 001 §5).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// The suggestion to reject.
    pub suggestion_id: String,
    /// Why (kept as `feedback_notes`, ≤ 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Body of `POST /conversations/{context_id}/reply` (seed 001 §6).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomReply {
    /// The reply text (≤ 65,536 characters, not blank).
    #[schema(schema_with = reply_body_schema)]
    pub body: String,
    /// Subject, for channels that have one (≤ 998 characters).
    #[serde(default)]
    #[schema(max_length = 998)]
    pub subject: Option<String>,
    /// The HTML version (≤ 131,072 characters), kept in the message's `metadata.body_html`.
    #[serde(default)]
    #[schema(max_length = 131072)]
    pub body_html: Option<String>,
}

/// Body of `POST /conversations/{context_id}/regenerate` (seed 001 §7); all optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegenerateRequest {
    /// The inbound message to answer (`log_id`); default: the one the
    /// pending suggestion or job answers, else the newest inbound message.
    #[serde(default, deserialize_with = "crate::codec::optional_whole_number")]
    #[schema(value_type = Option<crate::types::LogId>)]
    pub message_id: Option<i64>,
    /// `more_formal`, `more_casual`, `shorter` or `add_humor`.
    #[serde(default)]
    pub tone: Option<Tone>,
    /// `short` (≤ 50 words; `shorter` accepted), `medium` (≤ 120) or `long` (≤ 250; `longer` accepted).
    #[serde(default)]
    pub length: Option<Length>,
    /// The agent's instruction (≤ 1,000 characters), given to the model
    /// inside the system prompt's frame, never in place of it.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub custom_prompt: Option<String>,
}

/// Body of `PATCH /conversations/{context_id}/archive` (seed 001 §8).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRequest {
    /// Why (≤ 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Body of `PUT /conversations/{context_id}/suggestions/{suggestion_id}/feedback` (issue 10).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// 1–5.
    #[serde(default, deserialize_with = "crate::codec::optional_whole_number")]
    #[schema(minimum = 1, maximum = 5)]
    pub user_rating: Option<i64>,
    /// Free text (≤ 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub feedback_notes: Option<String>,
}

/// Seed 001's answer of an action: `{"success": true, "message": …, "data": {…}}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActionResult {
    /// Always true (failures are error responses).
    pub success: bool,
    /// What was done, for a person.
    pub message: String,
    /// The ids the action produced.
    pub data: ActionData,
}

/// The ids of [`ActionResult`]; which are present depends on the action.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ActionData {
    /// The conversation (`context_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// The outbound message logged (`log_id`), on approve and reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i64>,
    /// The suggestion acted on (reject).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion_id: Option<String>,
    /// When the conversation was archived (archive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<String>,
}

/// Answer of `POST /conversations/{context_id}/regenerate` (202): the new
/// suggestion's id; `GET …/ai-suggestion` returns it once drafted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Regenerating {
    /// The id the new suggestion will have.
    pub id: String,
    /// The conversation (`context_id`).
    pub conversation_id: String,
    /// The inbound message it answers (`log_id`).
    pub reply_to_message_id: i64,
    /// `generating`.
    pub status: String,
}

impl ApproveRequest {
    /// The edits, checked: blank edits count as none.
    pub(crate) fn edits(&self) -> DomainResult<(Option<String>, Option<String>)> {
        Ok((
            text("edited_body", self.edited_body.as_deref(), MAX_BODY_CHARS)?,
            text(
                "edited_subject",
                self.edited_subject.as_deref(),
                MAX_SUBJECT_LEN,
            )?,
        ))
    }
}

impl CustomReply {
    /// The body, subject and metadata JSON, checked.
    pub(crate) fn validate(&self) -> DomainResult<(String, Option<String>, Option<String>)> {
        let body = text("body", Some(&self.body), MAX_BODY_CHARS)?
            .ok_or_else(|| DomainError::invalid("body", "`body` must not be empty"))?;
        let subject = text("subject", self.subject.as_deref(), MAX_SUBJECT_LEN)?;
        let html = text("body_html", self.body_html.as_deref(), MAX_HTML_CHARS)?;
        let metadata = html.map(|h| serde_json::json!({ "body_html": h }).to_string());
        Ok((body, subject, metadata))
    }
}

impl RegenerateRequest {
    /// The message asked for and the instructions, checked.
    pub(crate) fn validate(&self) -> DomainResult<(Option<LogId>, Instructions)> {
        let message = match self.message_id {
            Some(id) if id > 0 => Some(LogId::allocated(id)),
            Some(id) => {
                return Err(DomainError::invalid(
                    "message_id",
                    format!("`message_id` must be a positive integer, got {id}"),
                ))
            }
            None => None,
        };
        let custom_prompt = text(
            "custom_prompt",
            self.custom_prompt.as_deref(),
            MAX_CUSTOM_PROMPT_CHARS,
        )?;
        Ok((
            message,
            Instructions {
                tone: self.tone,
                length: self.length,
                custom_prompt,
            },
        ))
    }
}

impl FeedbackRequest {
    /// The rating and notes, checked (neither given: nothing changes).
    pub(crate) fn validate(&self) -> DomainResult<(Option<u8>, Option<String>)> {
        let rating = match self.user_rating {
            None => None,
            Some(r @ 1..=5) => Some(r as u8),
            Some(r) => {
                return Err(DomainError::invalid(
                    "user_rating",
                    format!("`user_rating` must be 1 to 5, got {r}"),
                ))
            }
        };
        let notes = text(
            "feedback_notes",
            self.feedback_notes.as_deref(),
            MAX_NOTES_CHARS,
        )?;
        Ok((rating, notes))
    }
}

fn reply_body_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    crate::types::schema::not_blank(
        MAX_BODY_CHARS,
        "The reply text (required, not blank, ≤ 65,536 characters).",
    )
    .into()
}

/// A rejection reason or archive reason, checked.
pub(crate) fn notes(field: &str, raw: Option<&str>) -> DomainResult<Option<String>> {
    text(field, raw, MAX_NOTES_CHARS)
}

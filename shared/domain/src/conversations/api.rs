//! What the conversation endpoints take and return (guide §9, §20–26).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codec::double_option;
use crate::error::{DomainError, DomainResult};
use crate::types::{schema, Channel, ContextId, ConversationStatus, CustomerId, Direction};

/// Longest `summary` / `open_questions`, in characters.
pub const MAX_SUMMARY_LEN: usize = 4000;
/// Longest `intent` / `sentiment`, in characters.
pub const MAX_LABEL_LEN: usize = 200;
/// Longest `last_agent_action` / `last_message_preview`, in characters.
pub const MAX_ACTION_LEN: usize = 1000;

/// A conversation as the API returns it (guide §8, §20–22).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Conversation {
    /// UUID.
    pub context_id: String,
    /// The customer it belongs to.
    pub customer_id: i64,
    /// `active`, `paused`, `resolved` or `archived`.
    pub status: ConversationStatus,
    /// Summary written by the agent.
    pub summary: Option<String>,
    /// The same as `summary`: the name `PUT /conversations/{id}` also accepts (guide §24).
    pub conversation_summary: Option<String>,
    /// Last detected intent, e.g. `pricing_inquiry`.
    pub intent: Option<String>,
    /// Last detected sentiment, e.g. `positive`.
    pub sentiment: Option<String>,
    /// Channel of the last message or update.
    pub last_channel: Option<Channel>,
    /// Time of the last logged message (RFC 3339 UTC).
    pub last_interaction_at: Option<String>,
    /// `inbound` or `outbound`: who wrote the newest message (issue 10);
    /// `null` for conversations whose last message predates this field.
    pub last_message_direction: Option<Direction>,
    /// Active and the newest message is the customer's (seed 001 `needs_reply`).
    pub needs_reply: bool,
    /// Messages logged in it.
    pub message_count: i64,
    /// Questions still open.
    pub open_questions: Option<String>,
    /// What the agent did last.
    pub last_agent_action: Option<String>,
    /// The start of the last message (≤ 160 characters) or as last set.
    pub last_message_preview: Option<String>,
    /// Contact name given when it was created (`POST /conversations`).
    pub name: Option<String>,
    /// Contact email given when it was created.
    pub email: Option<String>,
    /// Contact phone given when it was created.
    pub phone: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// When it was resolved or archived, if closed.
    pub closed_at: Option<String>,
    /// The open escalation ticket (`TKT-YYYY-NNNNNN`), when a reply draft
    /// escalated the conversation (issue 9, seed 003).
    pub escalation_ticket: Option<String>,
    /// Only in `GET /conversations/{context_id}`: its pending reply
    /// suggestion, if any (seed 001 `pending_suggestions`; at most one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_suggestions: Option<Vec<crate::reply::suggestion::Suggestion>>,
}

/// Body of `POST /conversations` and `POST /conversations/get-or-create` (guide §23, §26).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewConversation {
    /// The customer (required).
    #[schema(value_type = CustomerId)]
    #[serde(deserialize_with = "crate::codec::whole_number")]
    pub customer_id: i64,
    /// Contact name to keep on the conversation (≤ 200 characters).
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Contact email to keep on the conversation.
    #[schema(schema_with = schema::optional_email)]
    pub email: Option<String>,
    /// Contact phone to keep on the conversation.
    #[schema(schema_with = schema::optional_phone)]
    pub phone: Option<String>,
}

/// Body of `POST /context/{id}/update` and `PUT /conversations/{context_id}`
/// (guide §9, §24). Every field is optional; absent fields are kept and
/// `null` clears a text field. `conversation_summary` is an alias of `summary`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ConversationPatch {
    /// New status; closing clears the customer's open conversation. Cannot
    /// be cleared: `null` is a 400.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = ConversationStatus)]
    pub status: Option<Option<ConversationStatus>>,
    /// Summary (≤ 4000 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub summary: Option<Option<String>>,
    /// Alias of `summary` (guide §24; ≤ 4000 characters). When both are
    /// sent, `summary` is kept and both are checked.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub conversation_summary: Option<Option<String>>,
    /// Detected intent (≤ 200 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub intent: Option<Option<String>>,
    /// Detected sentiment (≤ 200 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub sentiment: Option<Option<String>>,
    /// Preview of the last message (≤ 1000 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub last_message_preview: Option<Option<String>>,
    /// Channel of the last interaction. Cannot be cleared: `null` is a 400.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Channel)]
    pub last_channel: Option<Option<Channel>>,
    /// Open questions (≤ 4000 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub open_questions: Option<Option<String>>,
    /// What the agent did (≤ 1000 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub last_agent_action: Option<Option<String>>,
}

/// Answer of `POST /context/{id}/update` (guide §9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContextUpdated {
    /// Always true.
    pub success: bool,
    /// The conversation updated.
    pub context_id: String,
    /// Its customer.
    pub customer_id: i64,
    /// Its message count after the update.
    pub message_count: i64,
}

/// Filters of `GET /conversations` (guide §20).
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    /// Only this status.
    pub status: Option<ConversationStatus>,
    /// Only this customer's.
    pub customer_id: Option<CustomerId>,
    /// Only conversations whose newest message is inbound (`true`: seed
    /// 001's `needs_reply`) or outbound (`false`: `waiting`) — active ones
    /// unless `status` names another. Read through GSI5 `CONTEXTS#<status>`
    /// with a filter on `last_direction`.
    pub needs_reply: Option<bool>,
}

/// How `POST /context/{x}/update` names its conversation: a UUID is a
/// context id, an integer is that customer's open conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextRef {
    /// A conversation id.
    Context(ContextId),
    /// The open conversation of this customer.
    OpenOf(CustomerId),
}

impl ContextRef {
    /// Parses the path segment: digits are a customer id (≥ 1), anything else
    /// must be a hyphenated UUID; otherwise a 400 (OpenAPI: `anyOf` of the two).
    pub fn parse(raw: &str) -> DomainResult<Self> {
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            return CustomerId::parse("context_id", raw).map(ContextRef::OpenOf);
        }
        ContextId::parse("context_id", raw)
            .map(ContextRef::Context)
            .map_err(|_| {
                DomainError::invalid(
                    "context_id",
                    format!(
                        "expected a conversation id (UUID) or a customer id (integer), got {raw:?}"
                    ),
                )
            })
    }
}

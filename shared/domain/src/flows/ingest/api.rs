//! What `POST /functions/v1/messaging-ingest` takes and returns (seed 002
//! "Body Schema" and "Response Format"), and the checks of one conversation.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{OffsetDateTime, PrimitiveDateTime};
use utoipa::ToSchema;

use crate::error::{DomainError, DomainResult};
use crate::types::{text, Direction, MessageType, Platform};

/// Most conversations in one request (OWASP API4; seed 002 recommends
/// batches of 100–500 messages). More is a 413 and nothing is written.
pub const MAX_CONVERSATIONS: usize = 100;
/// Most messages, over all conversations, in one request.
pub const MAX_MESSAGES: usize = 500;
/// Longest `external_conversation_id` / message `id`, in characters.
pub const MAX_EXTERNAL_ID_LEN: usize = 256;
/// Longest `participant_identifier`, in characters.
pub const MAX_PARTICIPANT_LEN: usize = 320;
/// Longest `participant_name`, in characters.
pub const MAX_PARTICIPANT_NAME_LEN: usize = 200;
/// Longest `content`, in characters (as `message_body` of `POST /log`).
pub const MAX_CONTENT_LEN: usize = 65_536;
/// Longest `media_url`.
pub const MAX_MEDIA_URL_LEN: usize = 2048;

/// The request body (seed 002 `IngestRequest`). The three fields are
/// checked first, by name ("Missing required fields: …"); each conversation
/// is then read on its own, so one malformed conversation is an
/// `error: …` result and the others go through.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IngestRequest {
    /// `whatsapp`, `signal`, `telegram` or `wechat`: the connection's platform.
    pub platform: Platform,
    /// The connection the `x-api-key` secret belongs to.
    pub connection_id: String,
    /// At most 100 conversations, 500 messages in all.
    #[schema(max_items = 100)]
    pub conversations: Vec<IngestConversation>,
}

/// One chat thread (seed 002 `IngestConversation`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IngestConversation {
    /// The thread's id on the platform (≤ 256 characters).
    pub external_conversation_id: String,
    /// Phone (`+1234567890`, any formatting) or handle (`@johndoe`, a WeChat id).
    pub participant_identifier: String,
    /// The contact's display name (≤ 200 characters).
    pub participant_name: Option<String>,
    /// The thread's messages, any order.
    pub messages: Vec<IngestMessage>,
}

/// One message (seed 002 `IngestMessage`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IngestMessage {
    /// The platform's message id: deduplication key with the connection.
    pub id: String,
    /// `inbound` (from the contact) or `outbound`.
    pub direction: Direction,
    /// `text`, `image`, `audio`, `video`, `file` or `location`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub message_type: MessageType,
    /// The text, or a description of the attachment (≤ 65,536 characters).
    pub content: String,
    /// The attachment's `https` URL; stored, never fetched.
    pub media_url: Option<String>,
    /// When it was sent: RFC 3339 / ISO 8601 (`2026-02-01T10:30:00Z`); no offset is UTC.
    pub sent_at: String,
}

/// The answer (seed 002 "Success Response"): always 200 once the sender is
/// authenticated; each conversation has its own result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IngestResponse {
    /// Always true.
    pub success: bool,
    /// Conversations handled (the length of `results`).
    pub processed: usize,
    /// One per conversation, in request order.
    pub results: Vec<IngestResult>,
}

/// The outcome of one conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IngestResult {
    /// The CRM conversation (`context_id`) its messages went into; `null`
    /// for an error before any was placed.
    pub conversation_id: Option<String>,
    /// The sender's `external_conversation_id`, echoed (`null` if absent).
    pub external_conversation_id: Option<String>,
    /// Messages stored by this request (duplicates are not counted).
    pub messages_added: usize,
    /// `created` (a CRM conversation was opened), `updated`,
    /// `no_new_messages` (every message already stored) or `error: <what>`.
    pub status: String,
}

/// A conversation that passed every check, its messages deduplicated by
/// `id` (first kept) and ordered by `sent_at`.
#[derive(Debug, Clone)]
pub(crate) struct ValidConversation {
    pub external_conversation_id: String,
    pub participant_identifier: String,
    pub participant_name: Option<String>,
    pub messages: Vec<ValidMessage>,
}

/// A message that passed every check.
#[derive(Debug, Clone)]
pub(crate) struct ValidMessage {
    pub id: String,
    pub direction: Direction,
    pub message_type: MessageType,
    pub content: String,
    pub media_url: Option<String>,
    /// `sent_at` as fixed-width RFC 3339 UTC with milliseconds.
    pub sent_at: String,
    pub sent: OffsetDateTime,
}

fn required(field: &str, value: &str, max: usize) -> DomainResult<String> {
    text(field, Some(value), max)?
        .ok_or_else(|| DomainError::invalid(field, format!("`{field}` is empty")))
}

/// Reads an RFC 3339 / ISO 8601 time (`2026-02-01T10:30:00Z`, with a
/// fraction or an offset, or ISO 8601's basic form) into the stored
/// fixed-width UTC form. A time with no offset at all
/// (`2026-02-01T10:30:00`, what `datetime.utcnow().isoformat()` gives) is
/// read as UTC.
pub(crate) fn parse_sent_at(raw: &str) -> Option<(String, OffsetDateTime)> {
    let raw = raw.trim();
    let t = OffsetDateTime::parse(raw, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(raw, &Iso8601::DEFAULT))
        .or_else(|_| PrimitiveDateTime::parse(raw, &Iso8601::DEFAULT).map(|p| p.assume_utc()))
        .ok()?;
    let utc = t.to_offset(time::UtcOffset::UTC);
    let formatted = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.millisecond()
    );
    (0..=9999).contains(&utc.year()).then_some((formatted, utc))
}

impl IngestConversation {
    /// Checks every field; the first problem, for the `error: <what>` result.
    pub(crate) fn validate(self) -> DomainResult<ValidConversation> {
        let external_conversation_id = required(
            "external_conversation_id",
            &self.external_conversation_id,
            MAX_EXTERNAL_ID_LEN,
        )?;
        let participant_identifier = required(
            "participant_identifier",
            &self.participant_identifier,
            MAX_PARTICIPANT_LEN,
        )?;
        let participant_name = text(
            "participant_name",
            self.participant_name.as_deref(),
            MAX_PARTICIPANT_NAME_LEN,
        )?;
        let mut seen = std::collections::HashSet::new();
        let mut messages = Vec::with_capacity(self.messages.len());
        for (i, m) in self.messages.into_iter().enumerate() {
            let at = |field: &str| format!("messages[{i}].{field}");
            let id = required(&at("id"), &m.id, MAX_EXTERNAL_ID_LEN)?;
            if m.content.chars().count() > MAX_CONTENT_LEN {
                return Err(DomainError::invalid(
                    &at("content"),
                    format!(
                        "`{}` is longer than {MAX_CONTENT_LEN} characters",
                        at("content")
                    ),
                ));
            }
            let media_url = match m
                .media_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                None => None,
                Some(url) => {
                    let ok = url.len() <= MAX_MEDIA_URL_LEN
                        && url.len() > "https://".len()
                        && url[.."https://".len()].eq_ignore_ascii_case("https://")
                        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
                    if !ok {
                        return Err(DomainError::invalid(
                            &at("media_url"),
                            format!("`{}` must be an https URL of at most {MAX_MEDIA_URL_LEN} characters", at("media_url")),
                        ));
                    }
                    Some(url.to_string())
                }
            };
            let (sent_at, sent) = parse_sent_at(&m.sent_at).ok_or_else(|| {
                DomainError::invalid(
                    &at("sent_at"),
                    format!("`{}` must be an RFC 3339 / ISO 8601 time, e.g. 2026-02-01T10:30:00Z; got {:?}", at("sent_at"), m.sent_at),
                )
            })?;
            // A repeated id is one message (the first kept), as across requests.
            if seen.insert(id.clone()) {
                messages.push(ValidMessage {
                    id,
                    direction: m.direction,
                    message_type: m.message_type,
                    content: m.content,
                    media_url,
                    sent_at,
                    sent,
                });
            }
        }
        messages.sort_by_key(|m| m.sent);
        Ok(ValidConversation {
            external_conversation_id,
            participant_identifier,
            participant_name,
            messages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_sent_at;

    #[test]
    fn sent_at_reads_rfc_3339_and_iso_8601_into_utc_milliseconds() {
        for (raw, stored) in [
            ("2026-02-01T10:30:00Z", "2026-02-01T10:30:00.000Z"),
            ("2026-02-01T10:30:00.123456Z", "2026-02-01T10:30:00.123Z"),
            ("2026-02-01T12:30:00+02:00", "2026-02-01T10:30:00.000Z"),
            ("2026-02-01T10:30:00", "2026-02-01T10:30:00.000Z"),
            ("2026-02-01T10:30:00.5", "2026-02-01T10:30:00.500Z"),
            ("20260201T103000Z", "2026-02-01T10:30:00.000Z"),
        ] {
            assert_eq!(
                parse_sent_at(raw).map(|(s, _)| s).as_deref(),
                Some(stored),
                "{raw}"
            );
        }
        for bad in [
            "",
            "yesterday",
            "2026-02-30T10:00:00Z",
            "1706783400",
            "2026-02-01 10:30",
        ] {
            assert!(parse_sent_at(bad).is_none(), "{bad}");
        }
    }
}

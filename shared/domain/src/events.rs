//! Seed 001's WebSocket events as domain events (issue 10): published after
//! the write they describe commits, to an EventBridge bus on AWS
//! (`crm-events-eventbridge`) or to local-api's `GET /events` stream.
//!
//! | event (`type`, EventBridge `detail-type`) | when |
//! |---|---|
//! | `conversation:new_reply` | an inbound message was logged (`POST /log`, a live ingested one) |
//! | `conversation:ai_ready` | the worker stored a suggestion (a first draft or a regeneration) |
//! | `conversation:sent` | the provider accepted a message the CRM sends (issue 22), an external sender reported it `sent`, or an outbound message was logged as sent by its caller (`POST /log`) |
//! | `conversation:error` | drafting a reply failed, or a send failed (`"Failed to send <channel>: <error_code> …"`) |
//! | `conversation:delivered` | a provider's delivery receipt (a Twilio status callback) marked an outbound message `delivered` (issue 22; not one of seed 001's: the same shape as `conversation:sent`) |
//!
//! Payloads are seed 001's, in this API's ids (`conversation_id` is the
//! `context_id`, `message_id` a `log_id`). `sender` carries the customer's
//! id (`"customer:7"`), not their address: the bus is not the place for
//! contact data. Delivery is at most once and best effort — a publisher
//! failure is logged and never fails the write (the store is the truth;
//! a consumer that must not miss anything reads the API).

use serde::{Deserialize, Serialize};

/// One of seed 001's events (serialized with its `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ConversationEvent {
    /// An inbound message arrived.
    #[serde(rename = "conversation:new_reply")]
    NewReply {
        /// The conversation (`context_id`).
        conversation_id: String,
        /// The message (`log_id`).
        message_id: i64,
        /// `customer:<customer_id>`.
        sender: String,
        /// RFC 3339 UTC.
        timestamp: String,
    },
    /// A suggestion is ready to review.
    #[serde(rename = "conversation:ai_ready")]
    AiReady {
        /// The conversation.
        conversation_id: String,
        /// The suggestion's id.
        suggestion_id: String,
        /// Its `confidence_score`, in [0, 1].
        confidence: f64,
        /// RFC 3339 UTC.
        timestamp: String,
    },
    /// An outbound message was logged (to be, or already, delivered).
    #[serde(rename = "conversation:sent")]
    Sent {
        /// The conversation.
        conversation_id: String,
        /// The outbound message (`log_id`).
        message_id: i64,
        /// RFC 3339 UTC.
        timestamp: String,
    },
    /// A delivery receipt marked an outbound message delivered (issue 22).
    #[serde(rename = "conversation:delivered")]
    Delivered {
        /// The conversation.
        conversation_id: String,
        /// The outbound message (`log_id`).
        message_id: i64,
        /// RFC 3339 UTC.
        timestamp: String,
    },
    /// Something failed for this conversation.
    #[serde(rename = "conversation:error")]
    Error {
        /// The conversation.
        conversation_id: String,
        /// What failed, for a person (never message text or contact data).
        error: String,
        /// RFC 3339 UTC.
        timestamp: String,
    },
}

impl ConversationEvent {
    /// Seed 001's `type`: EventBridge's `detail-type`, the SSE `event` name.
    pub fn kind(&self) -> &'static str {
        match self {
            ConversationEvent::NewReply { .. } => "conversation:new_reply",
            ConversationEvent::AiReady { .. } => "conversation:ai_ready",
            ConversationEvent::Sent { .. } => "conversation:sent",
            ConversationEvent::Delivered { .. } => "conversation:delivered",
            ConversationEvent::Error { .. } => "conversation:error",
        }
    }

    /// `conversation:new_reply` for message `log_id` of customer
    /// `customer_id`, at `at` (RFC 3339, [`Crm::now_rfc3339`](crate::Crm::now_rfc3339)).
    pub fn new_reply(context_id: &str, log_id: i64, customer_id: i64, at: &str) -> Self {
        ConversationEvent::NewReply {
            conversation_id: context_id.to_string(),
            message_id: log_id,
            sender: format!("customer:{customer_id}"),
            timestamp: at.to_string(),
        }
    }

    /// `conversation:sent` for outbound message `log_id`, at `at`.
    pub fn sent(context_id: &str, log_id: i64, at: &str) -> Self {
        ConversationEvent::Sent {
            conversation_id: context_id.to_string(),
            message_id: log_id,
            timestamp: at.to_string(),
        }
    }

    /// `conversation:ai_ready` for suggestion `suggestion_id`, at `at`.
    pub fn ai_ready(context_id: &str, suggestion_id: &str, confidence: f64, at: &str) -> Self {
        ConversationEvent::AiReady {
            conversation_id: context_id.to_string(),
            suggestion_id: suggestion_id.to_string(),
            confidence,
            timestamp: at.to_string(),
        }
    }

    /// `conversation:delivered` for outbound message `log_id`, at `at`.
    pub fn delivered(context_id: &str, log_id: i64, at: &str) -> Self {
        ConversationEvent::Delivered {
            conversation_id: context_id.to_string(),
            message_id: log_id,
            timestamp: at.to_string(),
        }
    }

    /// `conversation:error` saying `error`, at `at`.
    pub fn error(context_id: &str, error: impl Into<String>, at: &str) -> Self {
        ConversationEvent::Error {
            conversation_id: context_id.to_string(),
            error: error.into(),
            timestamp: at.to_string(),
        }
    }
}

/// Why an event was not published (bus unreachable, refused the entry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event bus: {0}")]
pub struct PublishError(pub String);

/// Where events go: EventBridge on AWS, a broadcast channel in local-api.
/// Implementations bound their own time (a publish must not hold a request).
#[async_trait::async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Publishes `event` once.
    async fn publish(&self, event: &ConversationEvent) -> Result<(), PublishError>;
}

impl crate::Crm {
    /// Publishes `event` to the configured sink, if any; a failure is logged
    /// (with the event's type only), never returned.
    pub async fn publish(&self, event: ConversationEvent) {
        let Some(sink) = &self.events else { return };
        if let Err(e) = sink.publish(&event).await {
            tracing::warn!(error = %e, event = event.kind(), "event not published");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_as_seed_001_payloads() {
        let e = ConversationEvent::ai_ready("c1", "s1", 0.92, "2026-12-08T10:30:00.000Z");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "conversation:ai_ready");
        assert_eq!(v["conversation_id"], "c1");
        assert_eq!(v["suggestion_id"], "s1");
        assert_eq!(v["confidence"], 0.92);
        assert!(v["timestamp"].is_string());
        assert_eq!(e.kind(), "conversation:ai_ready");
        let back: ConversationEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }
}

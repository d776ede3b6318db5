//! The guide's enumerations ("Channel Values", "Conversation Status Values",
//! sections 10 and 15), as they are sent and stored (lowercase).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A message channel (guide: "Channel Values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Email.
    Email,
    /// Chat / chatbot.
    Chat,
    /// Voice / phone call.
    Voice,
    /// SMS.
    Sms,
    /// WhatsApp.
    Whatsapp,
    /// Social media.
    Social,
}

/// Which way a message went (guide §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// To the customer.
    Outbound,
}

/// Delivery status of a message (guide §10 and §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum SendStatus {
    /// Handed to the carrier (the default).
    #[default]
    Sent,
    /// Confirmed delivered.
    Delivered,
    /// Failed to send: listed by `GET /messages/failed`.
    Failed,
    /// Not sent yet.
    Pending,
}

/// Conversation status (guide: "Conversation Status Values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    /// Ongoing conversation.
    Active,
    /// Cold lead, follow up later. Still the customer's open conversation.
    Paused,
    /// Successfully converted. Closed.
    Resolved,
    /// Dead lead. Closed.
    Archived,
}

impl ConversationStatus {
    /// Active and paused conversations are *open*: a customer has at most one.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ConversationStatus::Active | ConversationStatus::Paused
        )
    }

    /// The wire name (`active` …), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Active => "active",
            ConversationStatus::Paused => "paused",
            ConversationStatus::Resolved => "resolved",
            ConversationStatus::Archived => "archived",
        }
    }
}

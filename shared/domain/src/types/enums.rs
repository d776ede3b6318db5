//! The guide's enumerations ("Channel Values", "Conversation Status Values",
//! sections 10 and 15) and seed 002's (`platform`, message `type`), stored and returned lowercase. Read in any case
//! (`"SMS"`, `"Inbound"`), in bodies as in query strings.

use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `Deserialize` for a unit enum from its lowercase wire names, in any case;
/// an unknown value is serde's "unknown variant …, expected one of …".
macro_rules! any_case {
    ($ty:ty { $($name:literal => $variant:expr),+ $(,)? }) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                match raw.to_ascii_lowercase().as_str() {
                    $($name => Ok($variant),)+
                    _ => Err(D::Error::unknown_variant(&raw, &[$($name),+])),
                }
            }
        }
    };
}

/// A message channel (guide: "Channel Values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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
    /// Signal (ingest, seed 002).
    Signal,
    /// Telegram (ingest, seed 002).
    Telegram,
    /// WeChat (ingest, seed 002).
    Wechat,
}

impl Channel {
    /// The wire name (`sms` …), as stored and in keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Voice => "voice",
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Social => "social",
            Channel::Signal => "signal",
            Channel::Telegram => "telegram",
            Channel::Wechat => "wechat",
        }
    }
}

/// The wire names of [`Channel`], for messages that list them.
pub const CHANNELS: &str = "email, chat, voice, sms, whatsapp, social, signal, telegram, wechat";

/// A messaging platform that pushes chats through the ingest endpoint
/// (seed 002 `IngestRequest.platform`). Each is also a [`Channel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// WhatsApp.
    Whatsapp,
    /// Signal.
    Signal,
    /// Telegram.
    Telegram,
    /// WeChat.
    Wechat,
}

impl Platform {
    /// The wire name, as stored and in keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Whatsapp => "whatsapp",
            Platform::Signal => "signal",
            Platform::Telegram => "telegram",
            Platform::Wechat => "wechat",
        }
    }

    /// The message channel of this platform's messages.
    pub fn channel(self) -> Channel {
        match self {
            Platform::Whatsapp => Channel::Whatsapp,
            Platform::Signal => Channel::Signal,
            Platform::Telegram => Channel::Telegram,
            Platform::Wechat => Channel::Wechat,
        }
    }
}

/// What an ingested message carries (seed 002 "Message Types").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    /// Plain text.
    Text,
    /// Image attachment.
    Image,
    /// Audio message or voice note.
    Audio,
    /// Video attachment.
    Video,
    /// Document or file.
    File,
    /// Location / GPS coordinates.
    Location,
}

/// Which way a message went (guide §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// To the customer.
    Outbound,
}

impl Direction {
    /// The wire name (`inbound` / `outbound`), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// Delivery status of a message (guide §10 and §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum SendStatus {
    /// Handed to the carrier (the default).
    #[default]
    Sent,
    /// Confirmed delivered.
    Delivered,
    /// Failed to send: listed by `GET /messages/failed`.
    Failed,
    /// Not sent yet (the CRM's sender will send it, or an external sender
    /// lists it at `GET /messages/outbound`).
    Pending,
    /// The CRM's sender has claimed it and is calling the provider (issue
    /// 22); set only by the sender, never through the API.
    Sending,
}

/// A delivery status a caller may log or report (guide §10, §15): every
/// [`SendStatus`] but `sending`, which only the CRM's sender sets (issue
/// 22). Read in any case; anything else is a 400 naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportedStatus {
    /// Handed to the carrier.
    Sent,
    /// Confirmed delivered.
    Delivered,
    /// Failed to send.
    Failed,
    /// Not sent yet.
    Pending,
}

impl From<ReportedStatus> for SendStatus {
    fn from(s: ReportedStatus) -> Self {
        match s {
            ReportedStatus::Sent => SendStatus::Sent,
            ReportedStatus::Delivered => SendStatus::Delivered,
            ReportedStatus::Failed => SendStatus::Failed,
            ReportedStatus::Pending => SendStatus::Pending,
        }
    }
}

/// Conversation status (guide: "Conversation Status Values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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

any_case!(Channel { "email" => Channel::Email, "chat" => Channel::Chat, "voice" => Channel::Voice,
    "sms" => Channel::Sms, "whatsapp" => Channel::Whatsapp, "social" => Channel::Social,
    "signal" => Channel::Signal, "telegram" => Channel::Telegram, "wechat" => Channel::Wechat });
any_case!(Platform { "whatsapp" => Platform::Whatsapp, "signal" => Platform::Signal,
    "telegram" => Platform::Telegram, "wechat" => Platform::Wechat });
any_case!(MessageType { "text" => MessageType::Text, "image" => MessageType::Image,
    "audio" => MessageType::Audio, "video" => MessageType::Video, "file" => MessageType::File,
    "location" => MessageType::Location });
any_case!(Direction { "inbound" => Direction::Inbound, "outbound" => Direction::Outbound });
any_case!(SendStatus { "sent" => SendStatus::Sent, "delivered" => SendStatus::Delivered,
    "failed" => SendStatus::Failed, "pending" => SendStatus::Pending,
    "sending" => SendStatus::Sending });
any_case!(ReportedStatus { "sent" => ReportedStatus::Sent, "delivered" => ReportedStatus::Delivered,
    "failed" => ReportedStatus::Failed, "pending" => ReportedStatus::Pending });
any_case!(ConversationStatus { "active" => ConversationStatus::Active, "paused" => ConversationStatus::Paused,
    "resolved" => ConversationStatus::Resolved, "archived" => ConversationStatus::Archived });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_read_any_case_and_write_lowercase() {
        let channel: Channel = serde_json::from_str("\"SMS\"").unwrap();
        assert_eq!(channel, Channel::Sms);
        assert_eq!(serde_json::to_string(&channel).unwrap(), "\"sms\"");
        let status: ConversationStatus = serde_json::from_str("\"Paused\"").unwrap();
        assert_eq!(status, ConversationStatus::Paused);
        let err = serde_json::from_str::<Direction>("\"sideways\"").unwrap_err();
        assert!(
            err.to_string().contains("expected `inbound` or `outbound`"),
            "{err}"
        );
    }
}

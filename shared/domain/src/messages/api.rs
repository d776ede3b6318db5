//! What the message endpoints take and return (guide §10–19).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::types::{
    schema, Channel, CustomerId, Direction, MessageType, ReportedStatus, SendStatus,
};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

pub use crate::types::{MAX_BODY_CHARS, MAX_SUBJECT_LEN};
/// Largest `metadata` value, in bytes of compact JSON.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// Longest `external_message_id` of `POST /log`, in characters.
pub const MAX_EXTERNAL_ID_LEN: usize = 255;
/// Longest `channel_identifier`, in characters.
pub const MAX_IDENTIFIER_LEN: usize = 320;
/// Most messages one `POST /messages/context/{id}/processed` marks; the answer's
/// `has_more` says whether to call again.
pub const MAX_MARK_PER_CALL: u32 = 1000;

/// A message as the API returns it (guide §12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    /// Integer id.
    pub log_id: i64,
    /// Its conversation.
    pub context_id: String,
    /// Its customer.
    pub customer_id: i64,
    /// Channel.
    pub channel: Channel,
    /// Email, phone or handle the message went to or came from.
    pub channel_identifier: String,
    /// `inbound` or `outbound`.
    pub direction: Direction,
    /// The text.
    pub message_body: String,
    /// Subject (email).
    pub message_subject: Option<String>,
    /// Any JSON value given when logged (Twilio SID …), returned exactly as given.
    #[schema(value_type = Option<serde_json::Value>)]
    pub metadata: Option<serde_json::Value>,
    /// Whether the batch processor handled it.
    pub processed: bool,
    /// When it was marked processed (outbound messages: when logged).
    pub processed_at: Option<String>,
    /// `sent`, `delivered`, `failed`, `pending`, or `sending` (the CRM's
    /// sender is calling the provider; issue 22).
    pub send_status: SendStatus,
    /// RFC 3339 UTC: when it was logged, or for an ingested message when it
    /// was sent on its platform (`sent_at`).
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// Ingested messages (seed 002): the connection it came through; else `null`.
    pub connection_id: Option<String>,
    /// The platform's message id of an ingested message, or the
    /// `external_message_id` given to `POST /log`; else `null`.
    pub external_message_id: Option<String>,
    /// Ingested messages: `text`, `image`, `audio`, `video`, `file`, `location`; else `null`.
    pub message_type: Option<MessageType>,
    /// Ingested messages: the attachment's https URL, if any.
    pub media_url: Option<String>,
    /// Ingested messages: when it was sent on the platform; a message the
    /// CRM sent: when its provider accepted it (issue 22); else `null`.
    pub sent_at: Option<String>,
    /// Who sends an outbound message the CRM was asked to send (approve,
    /// custom reply, `POST /messages/send`): `twilio`, `ses`, `smtp`,
    /// `webhook`, or `external` (no provider configured for the channel:
    /// an external sender takes it from `GET /messages/outbound`); `null`
    /// for a message only logged (issue 22).
    pub provider: Option<crate::sending::Provider>,
    /// The provider's id of the message (Twilio's `sid`, SES's `MessageId`,
    /// the email `Message-ID`, the webhook delivery id); else `null`.
    pub provider_message_id: Option<String>,
    /// Provider calls made for it so far (0 for a message only logged).
    pub attempts: i64,
    /// Why the last call failed, for a person (`error_code` says what); else `null`.
    pub error_message: Option<String>,
    /// When a provider reported it delivered (RFC 3339 UTC); else `null`.
    pub delivered_at: Option<String>,
    /// Email sent through SES: when the recipient first opened it; else `null`.
    pub opened_at: Option<String>,
    /// Email sent through SES: when the recipient first clicked a link; else `null`.
    pub clicked_at: Option<String>,
    /// Twilio's `MessageSid`, given to `POST /log` or learnt from a status
    /// callback; else `null` (issue 11).
    pub twilio_message_sid: Option<String>,
    /// Twilio's own status from the last status callback applied
    /// (`queued` … `read`); `send_status` is what it means here; else `null`.
    #[schema(value_type = Option<String>, example = "delivered")]
    pub provider_status: Option<crate::twilio::TwilioStatus>,
    /// Why it failed: Twilio's `ErrorCode` (e.g. `30003`, `21211`), a
    /// provider's code, or the sender's own — `delivery_unknown` (it may
    /// have been sent: resend by hand with `POST /messages/{log_id}/resend`),
    /// `retries_exhausted`, `opted_out`, `provider_not_configured`; else `null`.
    pub error_code: Option<String>,
    /// When the last applied status callback arrived (RFC 3339 UTC); else `null`.
    pub status_updated_at: Option<String>,
    /// Leased polls only (`GET /messages/unprocessed?lease_seconds=N`): the
    /// token to acknowledge with (`POST /messages/{log_id}/processed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
    /// Leased polls only: when the lease ends (RFC 3339 UTC); after it the
    /// message can be handed to another poller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_expires_at: Option<String>,
}

/// One entry of `history` in `GET /context` (guide §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// The message id.
    pub log_id: i64,
    /// `inbound` or `outbound`.
    pub direction: Direction,
    /// The text.
    pub message_body: String,
    /// Channel.
    pub channel: Channel,
    /// RFC 3339 UTC.
    pub created_at: String,
}

/// Body of `POST /log` (guide §10).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LogMessage {
    /// Customer id (required).
    #[schema(value_type = CustomerId)]
    #[serde(deserialize_with = "crate::codec::whole_number")]
    pub customer_id: i64,
    /// Channel (required).
    pub channel: Channel,
    /// Email, phone or social handle (required, not blank, ≤ 320 characters).
    #[schema(schema_with = channel_identifier_schema)]
    pub channel_identifier: String,
    /// `inbound` or `outbound` (required).
    pub direction: Direction,
    /// The content (required, ≤ 65,536 characters).
    #[schema(max_length = 65536)]
    pub message_body: String,
    /// Subject line (email; ≤ 998 characters).
    #[schema(max_length = 998)]
    pub message_subject: Option<String>,
    /// Conversation id; omitted → the open conversation, or a new one.
    #[schema(schema_with = schema::optional_context_id)]
    pub context_id: Option<String>,
    /// Any JSON value — object, array, string, number, boolean (≤ 16 KiB
    /// as compact JSON), returned exactly as given; `null` is none.
    #[schema(value_type = Option<serde_json::Value>)]
    pub metadata: Option<serde_json::Value>,
    /// `sent` (default), `pending` or `failed` (`delivered` is accepted too).
    pub send_status: Option<ReportedStatus>,
    /// Twilio's `MessageSid` of this message (issue 11; also read from
    /// `metadata.twilio_message_sid`): stored, so status callbacks to
    /// `POST /webhooks/twilio/status` find the message, and reserved, so a
    /// retried log with the same SID logs once (answering the first log's ids).
    #[schema(pattern = "^[A-Za-z0-9]{2,64}$")]
    pub twilio_message_sid: Option<String>,
    /// Another provider's id of this message (a WhatsApp `wamid`, an email
    /// `Message-ID` …; ≤ 255 characters; issue 11): reserved per channel,
    /// so a relay retrying the same log logs once (answering the first
    /// log's ids); returned as `external_message_id`. No control characters.
    #[schema(max_length = 255, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    pub external_message_id: Option<String>,
    /// `true`: the CRM sends this outbound message to the customer (issue
    /// 22) through the provider configured for `channel` (Twilio, SES or
    /// SMTP, a signed webhook), to `channel_identifier`; it is stored
    /// `pending` and moves to `sending`, `sent` (then `conversation:sent`)
    /// or `failed`. With no provider for the channel it waits for an
    /// external sender at `GET /messages/outbound`. A customer who opted
    /// out of the channel is a 409. Only for `outbound`, with no
    /// `send_status` other than `pending` and no `twilio_message_sid`.
    /// Absent or `false`: the guide's meaning, a record of a message the
    /// caller sent itself.
    pub send: Option<bool>,
}

fn channel_identifier_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    schema::not_blank(
        MAX_IDENTIFIER_LEN,
        "Email, phone or social handle (required, not blank, ≤ 320 characters).",
    )
    .into()
}

/// The OpenAPI request body of `POST /log` (guide §10, issue 22): a
/// [`LogMessage`] that is either a record (`send` absent, `null` or
/// `false`) or a message the CRM sends (`send: true`, `direction:
/// outbound`, `send_status` absent or `pending`, no `twilio_message_sid`);
/// anything else is a 400 naming `send`.
pub struct LogBody;

impl utoipa::PartialSchema for LogBody {
    fn schema() -> RefOr<Schema> {
        let record = ObjectBuilder::new().schema_type(Type::Object).property(
            "send",
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
                .enum_values(Some([
                    serde_json::Value::Bool(false),
                    serde_json::Value::Null,
                ])),
        );
        let sent_by_us = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "send",
                ObjectBuilder::new()
                    .schema_type(Type::Boolean)
                    .enum_values(Some([true])),
            )
            .property("direction", schema::enum_of(&["outbound"]))
            .property(
                "send_status",
                schema::any_of([schema::null(), schema::enum_of(&["pending"])]),
            )
            .property(
                "twilio_message_sid",
                schema::any_of([schema::null(), schema::blank()]),
            )
            .required("send")
            .required("direction");
        AllOfBuilder::new()
            .item(Ref::from_schema_name("LogMessage"))
            .item(schema::any_of([record.into(), sent_by_us.into()]))
            .description(Some(
                "A message to log; with `\"send\": true` an outbound message the CRM sends.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for LogBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            <LogMessage as utoipa::ToSchema>::name().into(),
            <LogMessage as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// Answer of `POST /log` (guide §10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Logged {
    /// Always true.
    pub success: bool,
    /// The new message id.
    pub log_id: i64,
    /// The conversation it was logged in.
    pub context_id: String,
}

/// Filters of `GET /messages` (guide §11).
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Only this customer's messages (GSI3 instead of GSI1).
    pub customer_id: Option<CustomerId>,
}

/// Answer of `POST /messages/context/{context_id}/processed` (guide §17).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MarkedProcessed {
    /// Always true.
    pub success: bool,
    /// The conversation.
    pub context_id: String,
    /// Messages marked by this call.
    pub updated_count: u32,
    /// True when more than 1000 were unprocessed: call again for the rest.
    pub has_more: bool,
}

/// Answer of a Twilio status callback (`POST /messages/{log_id}/status`,
/// `POST /webhooks/twilio/status`; issue 11). Twilio reads only the status
/// code; the body is for people replaying a callback by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryUpdated {
    /// Always true.
    pub success: bool,
    /// The message.
    pub log_id: i64,
    /// Its `send_status` now.
    pub send_status: SendStatus,
    /// Twilio's status now stored (`null` if none was ever applied).
    #[schema(value_type = Option<String>)]
    pub provider_status: Option<crate::twilio::TwilioStatus>,
    /// False when the callback was older than (ranked at or below) what was
    /// stored, so nothing changed: callbacks arrive late and twice.
    pub applied: bool,
}

/// Which message a status callback is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackTarget {
    /// The `log_id` in the callback URL (`POST /messages/{log_id}/status`).
    LogId(crate::types::LogId),
    /// The callback's `MessageSid`, as reserved by `POST /log`
    /// (`POST /webhooks/twilio/status`).
    BySid,
}

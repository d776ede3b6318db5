//! How a message is stored and keyed.
//!
//! | PK | SK | GSI1 | GSI2 | GSI3 | GSI4 (sparse) | GSI5 (sparse) |
//! |---|---|---|---|---|---|---|
//! | `LOG#<log_id>` | `LOG` | `LOGS#<nn>` / `<log_id:020>` | `CONTEXT#<context_id>` / `LOG#<log_id:020>` | `CUSTOMER#<customer_id>` / `LOG#<log_id:020>` | `UNPROCESSED#<nn>` / `<log_id:020>` while unprocessed | `FAILED#<nn>` / `<log_id:020>` while `send_status` is `failed` |
//!
//! GSI1 lists every message, GSI2 a conversation's, GSI3 a customer's; GSI4
//! and GSI5 hold only the messages waiting to be processed or that failed,
//! so those lists read nothing else. GSI1, GSI4 and GSI5 are write-sharded:
//! `<nn>` is the shard of the log id ([`crate::keys::shard_of`]), and their
//! lists merge every shard ([`ShardedQuery`]).

use serde::{Deserialize, Serialize};

use super::api::{HistoryEntry, Message};
use crate::codec::to_value;
use crate::error::DomainResult;
use crate::keys::{padded, shard_of, shard_partition, Entity, Index, IndexEntry};
use crate::paging::ShardedQuery;
use crate::sending::Provider;
use crate::store::{s, AttributeValue, Condition, Key, Query, SortCondition, UpdateAction};
use crate::twilio::TwilioStatus;
use crate::types::{Channel, ContextId, CustomerId, Direction, LogId, MessageType, SendStatus};

/// GSI1 list of every message (sharded).
const COLLECTION: &str = "LOGS";
/// Sort-key prefix of messages under a conversation (GSI2) or customer (GSI3).
const UNDER_PARENT: &str = "LOG#";
/// GSI4 list of unprocessed messages (sharded).
const UNPROCESSED: &str = "UNPROCESSED";
/// GSI5 list of failed sends (sharded).
const FAILED: &str = "FAILED";
/// GSI5 list of sends waiting for a provider call or an external sender (sharded; issue 22).
const OUTBOX: &str = "OUTBOX";

/// The stored message item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MessageRecord {
    pub log_id: LogId,
    pub context_id: ContextId,
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub channel_identifier: String,
    pub direction: Direction,
    pub message_body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_subject: Option<String>,
    /// `metadata` as compact JSON text, so it comes back exactly as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_json: Option<String>,
    pub processed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<String>,
    pub send_status: SendStatus,
    pub created_at: String,
    pub updated_at: String,
    /// What an ingested message was on its platform (absent for `POST /log`).
    #[serde(default, flatten)]
    pub ingested: Option<IngestedFields>,
    /// What the sending provider (Twilio) reported (issue 11).
    #[serde(default, flatten)]
    pub delivery: Delivery,
    /// The lease of a leased poll of `/messages/unprocessed` (issue 11),
    /// or of `/messages/outbound` (issue 22).
    #[serde(default, flatten)]
    pub lease: Lease,
    /// The CRM's own send of an outbound message (issue 22; all absent for
    /// a message the CRM was not asked to send).
    #[serde(default, flatten)]
    pub dispatch: Dispatch,
}

/// The CRM's send of an outbound message (issue 22): present from the
/// write that asked for it (approve, custom reply, `POST /messages/send`);
/// changed only through `messages/dispatch.rs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Dispatch {
    /// Who sends it; its presence makes the message the CRM's to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// Provider calls claimed so far (the claim's condition: two senders
    /// holding one job make one call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i64>,
    /// While `sending`: when the claim ends (epoch milliseconds); past it
    /// with no outcome the sweep records `delivery_unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_until: Option<i64>,
    /// While `pending` after a retryable failure: no call before this
    /// (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
    /// The provider's (or the sender's) reason of the last failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// When the provider accepted it (RFC 3339 UTC; the API's `sent_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<String>,
    /// When a provider reported it delivered (RFC 3339 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
    /// The provider's id of a message not sent through Twilio (SES's
    /// `MessageId`, the SMTP `Message-ID`, the webhook's delivery id);
    /// Twilio's is `twilio_message_sid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_message_id: Option<String>,
    /// Email: the `Message-ID` of the inbound message it answers (its
    /// `external_message_id`), sent as `In-Reply-To` / `References`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// A reply to a conversation ingested through a messaging connection
    /// with a `delivery_url`: that connection (its URL and secret are read
    /// when the message is sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_connection: Option<String>,
    /// Email: when the recipient first opened it (SES's open event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    /// Email: when the recipient first clicked a link in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clicked_at: Option<String>,
}

/// A message's delivery as its provider reports it (issue 11; all absent
/// until a status callback or a `twilio_message_sid` on `POST /log`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Delivery {
    /// Twilio's `MessageSid` (also reserved by a [`ProviderIdRecord`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twilio_message_sid: Option<String>,
    /// Another provider's message id given to `POST /log` (also reserved).
    /// Stored as `external_id`: an ingested message's `external_message_id`
    /// is [`IngestedFields`]'s, and two flattened fields cannot share a name.
    #[serde(
        default,
        rename = "external_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_message_id: Option<String>,
    /// Twilio's own `MessageStatus`, as last applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_status: Option<TwilioStatus>,
    /// [`TwilioStatus::rank`] of `provider_status`: the condition that keeps
    /// a status from moving backwards compares with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_rank: Option<i64>,
    /// Twilio's `ErrorCode`, when a callback gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// When the applied callback arrived (RFC 3339 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_updated_at: Option<String>,
}

/// A message's lease (issue 11): handed to one leased poller until
/// `lease_until` (epoch milliseconds); `lease_count` counts the leases so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Lease {
    /// The token the poller acknowledges with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_token: Option<String>,
    /// The lease ends at this epoch millisecond.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<i64>,
    /// How many times the message was leased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_count: Option<i64>,
}

/// A provider's id of a message (issue 11): Twilio's `MessageSid`, or an
/// `external_message_id` given to `POST /log` (scoped by channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProviderId {
    /// Twilio's `MessageSid`.
    Twilio(String),
    /// Another provider's message id on `channel`.
    External { channel: Channel, id: String },
}

impl ProviderId {
    /// The key of its reservation.
    pub(crate) fn key(&self) -> Key {
        let pk = match self {
            ProviderId::Twilio(sid) => format!("TWILIO_SID#{sid}"),
            ProviderId::External { channel, id } => {
                format!("EXTMSG#{}#{id}", channel.as_str())
            }
        };
        Key::new(pk, PROVIDER_ID)
    }
}

/// Sort key of every provider-id reservation.
const PROVIDER_ID: &str = "PROVIDER_ID";

/// The reservation of a provider's message id by the message that carries
/// it (issue 11): `POST /log` writes it `attribute_not_exists` in the
/// message's transaction, so a retried log with the same id logs once, and
/// a Twilio status callback that names only the SID finds its message with
/// one `GetItem`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProviderIdRecord {
    /// The reservation's `PK` (`TWILIO_SID#…` or `EXTMSG#…`).
    pub reserved: String,
    pub log_id: LogId,
    pub context_id: ContextId,
    pub customer_id: CustomerId,
}

impl Entity for ProviderIdRecord {
    const TYPE: &'static str = "provider_id";

    fn primary_key(&self) -> Key {
        Key::new(self.reserved.clone(), PROVIDER_ID)
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        Vec::new()
    }
}

/// The platform facts kept on a message that came through the ingest
/// endpoint (seed 002 `IngestMessage`), returned as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct IngestedFields {
    /// The connection it came through.
    pub connection_id: String,
    /// The platform's message id (`msg_001`), the key of deduplication.
    pub external_message_id: String,
    /// `text`, `image`, `audio`, `video`, `file` or `location`.
    pub message_type: MessageType,
    /// Where the attachment is (https), stored, never fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// When it was sent on the platform (RFC 3339 UTC, milliseconds).
    pub sent_at: String,
}

impl Entity for MessageRecord {
    const TYPE: &'static str = "message";

    fn primary_key(&self) -> Key {
        Self::key(self.log_id)
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let id = self.log_id;
        let child = format!("{UNDER_PARENT}{}", padded(id.get()));
        let mut entries = vec![
            IndexEntry::new(Index::Gsi1, shard(COLLECTION, id), padded(id.get())),
            IndexEntry::new(
                Index::Gsi2,
                context_partition(&self.context_id),
                child.clone(),
            ),
            IndexEntry::new(Index::Gsi3, customer_partition(self.customer_id), child),
        ];
        entries.extend(Self::unprocessed_entry(id, self.processed));
        entries.extend(Self::send_entry(
            id,
            self.send_status,
            self.dispatch.provider,
        ));
        entries
    }
}

/// Shard `<nn>` of list `list` that message `id` is in.
fn shard(list: &str, id: LogId) -> String {
    shard_partition(list, shard_of(&id.to_string()))
}

fn context_partition(id: &ContextId) -> String {
    format!("CONTEXT#{id}")
}

fn customer_partition(id: CustomerId) -> String {
    format!("CUSTOMER#{id}")
}

impl MessageRecord {
    /// Key of message `id`.
    pub(crate) fn key(id: LogId) -> Key {
        Key::new(format!("LOG#{id}"), "LOG")
    }

    /// Its GSI4 entry: present only while the message is unprocessed.
    fn unprocessed_entry(id: LogId, processed: bool) -> Option<IndexEntry> {
        (!processed).then(|| IndexEntry::new(Index::Gsi4, shard(UNPROCESSED, id), padded(id.get())))
    }

    /// Its GSI5 entry: `FAILED` while `send_status` is `failed`; `OUTBOX`
    /// while a send the CRM was asked for (`provider` set) is `pending` or
    /// `sending` (issue 22); none otherwise.
    pub(crate) fn send_entry(
        id: LogId,
        status: SendStatus,
        provider: Option<Provider>,
    ) -> Option<IndexEntry> {
        let list = match status {
            SendStatus::Failed => FAILED,
            SendStatus::Pending | SendStatus::Sending if provider.is_some() => OUTBOX,
            _ => return None,
        };
        Some(IndexEntry::new(
            Index::Gsi5,
            shard(list, id),
            padded(id.get()),
        ))
    }

    /// Every message, oldest first (GSI1's shards).
    pub(crate) fn all() -> ShardedQuery {
        ShardedQuery::new(Index::Gsi1, COLLECTION)
    }

    /// A conversation's messages, oldest first (GSI2).
    pub(crate) fn of_context(id: &ContextId) -> Query {
        let mut q = Query::new(Some(Index::Gsi2), context_partition(id));
        q.sort = Some(SortCondition::BeginsWith(UNDER_PARENT.into()));
        q
    }

    /// The filter "an inbound message" of a message query.
    pub(crate) fn inbound_only() -> Condition {
        Condition::eq("direction", s(crate::codec::wire_name(&Direction::Inbound)))
    }

    /// A conversation's messages logged before `log_id`, oldest first (GSI2):
    /// the history of a reply prompt.
    pub(crate) fn of_context_before(id: &ContextId, log_id: LogId) -> Query {
        let mut q = Query::new(Some(Index::Gsi2), context_partition(id));
        q.sort = Some(SortCondition::Lt(format!(
            "{UNDER_PARENT}{}",
            padded(log_id.get())
        )));
        q
    }

    /// A customer's messages across conversations, oldest first (GSI3).
    pub(crate) fn of_customer(id: CustomerId) -> Query {
        let mut q = Query::new(Some(Index::Gsi3), customer_partition(id));
        q.sort = Some(SortCondition::BeginsWith(UNDER_PARENT.into()));
        q
    }

    /// Unprocessed messages, oldest first (sparse GSI4's shards).
    pub(crate) fn unprocessed() -> ShardedQuery {
        ShardedQuery::new(Index::Gsi4, UNPROCESSED)
    }

    /// Failed sends, oldest first (sparse GSI5's shards).
    pub(crate) fn failed() -> ShardedQuery {
        ShardedQuery::new(Index::Gsi5, FAILED)
    }

    /// Sends waiting for a provider call or an external sender, oldest
    /// first (sparse GSI5's `OUTBOX` shards; issue 22).
    pub(crate) fn outbox() -> ShardedQuery {
        ShardedQuery::new(Index::Gsi5, OUTBOX)
    }

    /// Update actions marking a message processed at `now` (and leaving GSI4).
    pub(crate) fn processed_actions(now: &str) -> Vec<UpdateAction> {
        let mut actions = vec![
            UpdateAction::Set("processed".into(), AttributeValue::Bool(true)),
            UpdateAction::Set("processed_at".into(), s(now)),
            UpdateAction::Set("updated_at".into(), s(now)),
        ];
        actions.extend(IndexEntry::place(Index::Gsi4, None));
        actions
    }

    /// Update actions setting message `id`'s `send_status` at `now`, keeping
    /// GSI5 in step: `provider` is the message's (a status reported for a
    /// send the CRM was asked for keeps it in the outbox while `pending`).
    pub(crate) fn send_status_actions(
        id: LogId,
        status: SendStatus,
        provider: Option<Provider>,
        now: &str,
    ) -> DomainResult<Vec<UpdateAction>> {
        let mut actions = vec![
            UpdateAction::Set("send_status".into(), to_value(&status)?),
            UpdateAction::Set("updated_at".into(), s(now)),
        ];
        actions.extend(IndexEntry::place(
            Index::Gsi5,
            Self::send_entry(id, status, provider),
        ));
        Ok(actions)
    }

    pub(crate) fn history_entry(self) -> HistoryEntry {
        HistoryEntry {
            log_id: self.log_id.get(),
            direction: self.direction,
            message_body: self.message_body,
            channel: self.channel,
            created_at: self.created_at,
        }
    }

    pub(crate) fn into_api(self) -> Message {
        Message {
            log_id: self.log_id.get(),
            context_id: self.context_id.to_string(),
            customer_id: self.customer_id.get(),
            channel: self.channel,
            channel_identifier: self.channel_identifier,
            direction: self.direction,
            message_body: self.message_body,
            message_subject: self.message_subject,
            metadata: self
                .metadata_json
                .and_then(|m| serde_json::from_str(&m).ok()),
            processed: self.processed,
            processed_at: self.processed_at,
            send_status: self.send_status,
            created_at: self.created_at,
            updated_at: self.updated_at,
            connection_id: self.ingested.as_ref().map(|i| i.connection_id.clone()),
            external_message_id: self
                .ingested
                .as_ref()
                .map(|i| i.external_message_id.clone())
                .or(self.delivery.external_message_id),
            message_type: self.ingested.as_ref().map(|i| i.message_type),
            media_url: self.ingested.as_ref().and_then(|i| i.media_url.clone()),
            sent_at: self
                .ingested
                .map(|i| i.sent_at)
                .or(self.dispatch.accepted_at),
            provider: self.dispatch.provider,
            provider_message_id: self
                .dispatch
                .provider_message_id
                .or_else(|| self.delivery.twilio_message_sid.clone()),
            attempts: self.dispatch.attempts.unwrap_or(0),
            error_message: self.dispatch.error_message,
            delivered_at: self.dispatch.delivered_at,
            opened_at: self.dispatch.opened_at,
            clicked_at: self.dispatch.clicked_at,
            twilio_message_sid: self.delivery.twilio_message_sid,
            provider_status: self.delivery.provider_status,
            error_code: self.delivery.error_code,
            status_updated_at: self.delivery.status_updated_at,
            lease_token: None,
            lease_expires_at: None,
        }
    }
}

//! Messages and the log (guide §10–19).
//!
//! Rules:
//! - `log_id` is an integer from an atomic counter, never reused;
//! - a log without `context_id` goes to the customer's open conversation, or
//!   opens one in the same transaction that writes the message (concurrent
//!   logs for a customer with none open create exactly one);
//! - every log bumps its conversation's `message_count`, `last_interaction_at`,
//!   `last_channel` and `last_message_preview` in the same transaction;
//! - inbound messages start `processed: false` (listed by
//!   `/messages/unprocessed` through the sparse GSI4), outbound start
//!   `processed: true`; `send_status` defaults to `sent`, and `failed`
//!   messages are listed through the sparse GSI5.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::conversations::{parse_context_id, ConversationRecord, Opened};
use crate::error::{DomainError, DomainResult};
use crate::keys;
use crate::paging::{self, ListParams, Listed};
use crate::record::{from_item, to_item, to_value};
use crate::store::{
    s, CancelReason, Condition, Index, Put, Query, ReturnValues, SortCondition, StoreError, Update,
    UpdateAction, WriteAction, MAX_TRANSACT_ACTIONS,
};
use crate::types::{
    now_rfc3339, preview, text, Channel, ConversationStatus, Direction, SendStatus,
};
use crate::{Crm, OPTIMISTIC_ATTEMPTS};

/// Largest `message_body`, in bytes of UTF-8.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Largest `metadata` object, in bytes of compact JSON.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// Longest `message_subject`, in characters.
pub const MAX_SUBJECT_LEN: usize = 998;
/// Longest `channel_identifier`, in characters.
pub const MAX_IDENTIFIER_LEN: usize = 320;
/// Characters of the body kept as the conversation's `last_message_preview`.
pub const PREVIEW_LEN: usize = 160;
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
    /// Any JSON object given when logged (Twilio SID …), as given.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// Whether the batch processor handled it.
    pub processed: bool,
    /// When it was marked processed.
    pub processed_at: Option<String>,
    /// `sent`, `delivered`, `failed` or `pending`.
    pub send_status: SendStatus,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
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
    pub customer_id: i64,
    /// Channel (required).
    pub channel: Channel,
    /// Email, phone or social handle (required, ≤ 320 characters).
    pub channel_identifier: String,
    /// `inbound` or `outbound` (required).
    pub direction: Direction,
    /// The content (required, ≤ 64 KiB).
    pub message_body: String,
    /// Subject line (email; ≤ 998 characters).
    pub message_subject: Option<String>,
    /// Conversation id; omitted → the open conversation, or a new one.
    pub context_id: Option<String>,
    /// Any JSON object (≤ 16 KiB), returned as given.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
    /// `sent` (default), `pending` or `failed` (`delivered` is accepted too).
    pub send_status: Option<SendStatus>,
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

/// The stored message item (`LOG#<id>` / `LOG`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MessageRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    #[serde(rename = "GSI2PK")]
    pub gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    pub gsi2sk: String,
    #[serde(rename = "GSI3PK")]
    pub gsi3pk: String,
    #[serde(rename = "GSI3SK")]
    pub gsi3sk: String,
    #[serde(rename = "GSI4PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi4pk: Option<String>,
    #[serde(rename = "GSI4SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi4sk: Option<String>,
    #[serde(rename = "GSI5PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi5pk: Option<String>,
    #[serde(rename = "GSI5SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi5sk: Option<String>,
    pub log_id: i64,
    pub context_id: String,
    pub customer_id: i64,
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
}

impl MessageRecord {
    pub(crate) fn history_entry(self) -> HistoryEntry {
        HistoryEntry {
            log_id: self.log_id,
            direction: self.direction,
            message_body: self.message_body,
            channel: self.channel,
            created_at: self.created_at,
        }
    }

    fn into_api(self) -> Message {
        Message {
            log_id: self.log_id,
            context_id: self.context_id,
            customer_id: self.customer_id,
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
        }
    }
}

/// Reads a log id path segment: a positive integer.
pub fn parse_log_id(raw: &str) -> DomainResult<i64> {
    match raw.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(DomainError::invalid(
            "log_id",
            format!("`log_id` must be a positive integer, got {raw:?}"),
        )),
    }
}

/// A validated `POST /log` body, before ids are allocated.
struct ValidLog {
    customer_id: i64,
    context_id: Option<String>,
    channel: Channel,
    channel_identifier: String,
    direction: Direction,
    message_body: String,
    message_subject: Option<String>,
    metadata_json: Option<String>,
    send_status: SendStatus,
}

impl LogMessage {
    fn validate(&self) -> DomainResult<ValidLog> {
        if self.customer_id <= 0 {
            return Err(DomainError::invalid(
                "customer_id",
                "`customer_id` must be a positive integer",
            ));
        }
        let channel_identifier = text(
            "channel_identifier",
            Some(&self.channel_identifier),
            MAX_IDENTIFIER_LEN,
        )?
        .ok_or_else(|| {
            DomainError::invalid(
                "channel_identifier",
                "`channel_identifier` must not be empty",
            )
        })?;
        if self.message_body.len() > MAX_BODY_BYTES {
            return Err(DomainError::invalid(
                "message_body",
                format!("`message_body` is larger than {MAX_BODY_BYTES} bytes"),
            ));
        }
        let metadata_json = match &self.metadata {
            None | Some(serde_json::Value::Null) => None,
            Some(value @ serde_json::Value::Object(_)) => {
                let json = value.to_string();
                if json.len() > MAX_METADATA_BYTES {
                    return Err(DomainError::invalid(
                        "metadata",
                        format!("`metadata` is larger than {MAX_METADATA_BYTES} bytes"),
                    ));
                }
                Some(json)
            }
            Some(_) => {
                return Err(DomainError::invalid(
                    "metadata",
                    "`metadata` must be a JSON object",
                ))
            }
        };
        Ok(ValidLog {
            customer_id: self.customer_id,
            context_id: self
                .context_id
                .as_deref()
                .map(|c| parse_context_id("context_id", c))
                .transpose()?,
            channel: self.channel,
            channel_identifier,
            direction: self.direction,
            message_body: self.message_body.clone(),
            message_subject: text(
                "message_subject",
                self.message_subject.as_deref(),
                MAX_SUBJECT_LEN,
            )?,
            metadata_json,
            send_status: self.send_status.unwrap_or_default(),
        })
    }
}

impl ValidLog {
    fn record(&self, log_id: i64, context_id: &str) -> MessageRecord {
        let now = now_rfc3339();
        let key = keys::message(log_id);
        let processed = self.direction == Direction::Outbound;
        let failed = self.send_status == SendStatus::Failed;
        MessageRecord {
            pk: key.pk,
            sk: key.sk,
            entity: "message".into(),
            gsi1pk: keys::LOGS_COLLECTION.into(),
            gsi1sk: keys::padded(log_id),
            gsi2pk: keys::context_partition(context_id),
            gsi2sk: keys::message_child_sk(log_id),
            gsi3pk: keys::customer_partition(self.customer_id),
            gsi3sk: keys::message_child_sk(log_id),
            gsi4pk: (!processed).then(|| keys::UNPROCESSED_QUEUE.to_string()),
            gsi4sk: (!processed).then(|| keys::padded(log_id)),
            gsi5pk: failed.then(|| keys::FAILED_QUEUE.to_string()),
            gsi5sk: failed.then(|| keys::padded(log_id)),
            log_id,
            context_id: context_id.to_string(),
            customer_id: self.customer_id,
            channel: self.channel,
            channel_identifier: self.channel_identifier.clone(),
            direction: self.direction,
            message_body: self.message_body.clone(),
            message_subject: self.message_subject.clone(),
            metadata_json: self.metadata_json.clone(),
            processed,
            processed_at: None,
            send_status: self.send_status,
            created_at: now.clone(),
            updated_at: now,
        }
    }

    /// The conversation attributes a new message changes.
    fn bump_actions(&self, message: &MessageRecord) -> DomainResult<Vec<UpdateAction>> {
        Ok(vec![
            UpdateAction::Add("message_count".into(), 1),
            UpdateAction::Set("last_interaction_at".into(), s(message.created_at.clone())),
            UpdateAction::Set("last_channel".into(), to_value(&self.channel)?),
            UpdateAction::Set(
                "last_message_preview".into(),
                s(preview(&self.message_body, PREVIEW_LEN)),
            ),
            UpdateAction::Set("updated_at".into(), s(message.created_at.clone())),
        ])
    }
}

fn open_status() -> Condition {
    Condition::Or(vec![
        Condition::eq("status", s(ConversationStatus::Active.as_str())),
        Condition::eq("status", s(ConversationStatus::Paused.as_str())),
    ])
}

impl Crm {
    /// `POST /log` (guide §10). 404 for an unknown customer or conversation,
    /// 400 when `context_id` belongs to another customer.
    ///
    /// Store calls: 3 (customer `GetItem`, log id `UpdateItem`, one
    /// `TransactWriteItems`), +1 with an explicit `context_id`, +1 when the
    /// open conversation's pointer must be followed, +2 per lost race.
    pub async fn log_message(&self, input: &LogMessage) -> DomainResult<Logged> {
        let valid = input.validate()?;
        let mut log_id = None;
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let customer = self
                .customer_record(valid.customer_id)
                .await?
                .ok_or_else(|| {
                    DomainError::NotFound(format!(
                        "Customer not found with id: {}",
                        valid.customer_id
                    ))
                })?;
            let id = match log_id {
                Some(id) => id,
                None => *log_id.insert(self.next_id("log_id").await?),
            };
            // Where it goes: the named conversation, the open one, or a new one.
            let (context_id, condition) = match (&valid.context_id, &customer.open_context_id) {
                (Some(named), _) => {
                    let conversation = self.conversation_record(named).await?.ok_or_else(|| {
                        DomainError::NotFound(format!("Conversation not found: {named}"))
                    })?;
                    if conversation.customer_id != valid.customer_id {
                        return Err(DomainError::invalid(
                            "context_id",
                            format!(
                                "conversation {named} belongs to customer {}, not {}",
                                conversation.customer_id, valid.customer_id
                            ),
                        ));
                    }
                    (named.clone(), Condition::item_exists())
                }
                (None, Some(open)) => (
                    open.clone(),
                    Condition::And(vec![Condition::item_exists(), open_status()]),
                ),
                (None, None) => {
                    let conversation = ConversationRecord::new(valid.customer_id);
                    let message = valid.record(id, &conversation.context_id);
                    let mut opened = conversation.clone();
                    opened.message_count = 1;
                    opened.last_interaction_at = Some(message.created_at.clone());
                    opened.last_channel = Some(valid.channel);
                    opened.last_message_preview = Some(preview(&valid.message_body, PREVIEW_LEN));
                    let put = WriteAction::Put(Put {
                        item: to_item(&message)?,
                        condition: Some(Condition::item_not_exists()),
                    });
                    match self.try_open(&customer, &opened, vec![put]).await? {
                        Opened::Created(c) => {
                            return Ok(Logged {
                                success: true,
                                log_id: id,
                                context_id: c.context_id,
                            })
                        }
                        Opened::Raced => continue,
                    }
                }
            };
            let message = valid.record(id, &context_id);
            let actions = vec![
                WriteAction::Put(Put {
                    item: to_item(&message)?,
                    condition: Some(Condition::item_not_exists()),
                }),
                WriteAction::Update(Update {
                    key: keys::context(&context_id),
                    actions: valid.bump_actions(&message)?,
                    condition: Some(condition),
                }),
            ];
            match self.store.transact_write(actions).await {
                Ok(()) => {
                    return Ok(Logged {
                        success: true,
                        log_id: id,
                        context_id,
                    })
                }
                Err(StoreError::TransactionCanceled(_)) if valid.context_id.is_none() => {
                    // The open conversation closed (or vanished) meanwhile: forget a
                    // dangling pointer and try again with a fresh read.
                    if self.conversation_record(&context_id).await?.is_none() {
                        self.drop_dangling_pointer(valid.customer_id, &context_id)
                            .await?;
                    }
                    continue;
                }
                // A concurrent write to the same conversation (DynamoDB's `TransactionConflict`): again.
                Err(StoreError::TransactionCanceled(reasons))
                    if reasons.contains(&CancelReason::Conflict) =>
                {
                    continue
                }
                Err(StoreError::TransactionCanceled(_)) => {
                    return Err(DomainError::NotFound(format!(
                        "Conversation not found: {context_id}"
                    )))
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Contended)
    }

    /// Removes a customer's `open_context_id` that points at no conversation.
    async fn drop_dangling_pointer(&self, customer_id: i64, context_id: &str) -> DomainResult<()> {
        let update = Update {
            key: keys::customer(customer_id),
            actions: vec![UpdateAction::Remove("open_context_id".into())],
            condition: Some(Condition::eq("open_context_id", s(context_id))),
        };
        match self.store.update_item(update, ReturnValues::None).await {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn message_record(&self, log_id: i64) -> DomainResult<MessageRecord> {
        match self.store.get_item(&keys::message(log_id)).await? {
            Some(item) => from_item(item),
            None => Err(DomainError::NotFound(format!(
                "Message not found: {log_id}"
            ))),
        }
    }

    /// `GET /messages/{log_id}` (guide §12). Store calls: 1.
    pub async fn get_message(&self, log_id: i64) -> DomainResult<Message> {
        Ok(self.message_record(log_id).await?.into_api())
    }

    async fn list_messages_query(
        &self,
        query: Query,
        params: &ListParams,
    ) -> DomainResult<Listed<Message>> {
        paging::list(self.store.as_ref(), query, params)
            .await?
            .try_map(|item| from_item::<MessageRecord>(item).map(MessageRecord::into_api))
    }

    /// `GET /messages` (guide §11): newest first, filtered by channel and direction (GSI1 `LOGS`).
    pub async fn list_messages(
        &self,
        filter: &MessageFilter,
        params: &ListParams,
    ) -> DomainResult<Listed<Message>> {
        let mut query = Query::new(Some(Index::Gsi1), keys::LOGS_COLLECTION);
        query.forward = false;
        let mut conds = Vec::new();
        if let Some(channel) = filter.channel {
            conds.push(Condition::eq("channel", to_value(&channel)?));
        }
        if let Some(direction) = filter.direction {
            conds.push(Condition::eq("direction", to_value(&direction)?));
        }
        if !conds.is_empty() {
            query.filter = Some(Condition::And(conds));
        }
        self.list_messages_query(query, params).await
    }

    /// `GET /messages/context/{context_id}` (guide §13): oldest first (GSI2); 404 for an unknown conversation.
    pub async fn messages_for_context(
        &self,
        context_id: &str,
        params: &ListParams,
    ) -> DomainResult<Listed<Message>> {
        if self.conversation_record(context_id).await?.is_none() {
            return Err(DomainError::NotFound(format!(
                "Conversation not found: {context_id}"
            )));
        }
        let mut query = Query::new(Some(Index::Gsi2), keys::context_partition(context_id));
        query.sort = Some(SortCondition::BeginsWith(keys::LOG_PREFIX.into()));
        self.list_messages_query(query, params).await
    }

    /// `GET /messages/customer/{customer_id}` (guide §14): every message of the
    /// customer across conversations, oldest first (GSI3). Messages of a
    /// deleted customer are still listed.
    pub async fn messages_for_customer(
        &self,
        customer_id: i64,
        params: &ListParams,
    ) -> DomainResult<Listed<Message>> {
        let mut query = Query::new(Some(Index::Gsi3), keys::customer_partition(customer_id));
        query.sort = Some(SortCondition::BeginsWith(keys::LOG_PREFIX.into()));
        self.list_messages_query(query, params).await
    }

    /// `GET /messages/unprocessed` (guide §18): oldest first (sparse GSI4).
    pub async fn unprocessed_messages(&self, params: &ListParams) -> DomainResult<Listed<Message>> {
        self.list_messages_query(
            Query::new(Some(Index::Gsi4), keys::UNPROCESSED_QUEUE),
            params,
        )
        .await
    }

    /// `GET /messages/failed` (guide §19): oldest first (sparse GSI5).
    pub async fn failed_messages(&self, params: &ListParams) -> DomainResult<Listed<Message>> {
        self.list_messages_query(Query::new(Some(Index::Gsi5), keys::FAILED_QUEUE), params)
            .await
    }

    /// `PUT /messages/{log_id}/status` (guide §15): sets `send_status` and
    /// keeps the failed index in step. Store calls: 1.
    pub async fn set_send_status(&self, log_id: i64, status: SendStatus) -> DomainResult<Message> {
        let now = now_rfc3339();
        let mut actions = vec![
            UpdateAction::Set("send_status".into(), to_value(&status)?),
            UpdateAction::Set("updated_at".into(), s(now)),
        ];
        if status == SendStatus::Failed {
            actions.push(UpdateAction::Set("GSI5PK".into(), s(keys::FAILED_QUEUE)));
            actions.push(UpdateAction::Set("GSI5SK".into(), s(keys::padded(log_id))));
        } else {
            actions.push(UpdateAction::Remove("GSI5PK".into()));
            actions.push(UpdateAction::Remove("GSI5SK".into()));
        }
        self.update_message(log_id, actions).await
    }

    /// `POST /messages/{log_id}/processed` (guide §16): idempotent. Store calls: 1.
    pub async fn mark_processed(&self, log_id: i64) -> DomainResult<Message> {
        self.update_message(log_id, processed_actions(&now_rfc3339()))
            .await
    }

    async fn update_message(
        &self,
        log_id: i64,
        actions: Vec<UpdateAction>,
    ) -> DomainResult<Message> {
        let update = Update {
            key: keys::message(log_id),
            actions,
            condition: Some(Condition::item_exists()),
        };
        match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => Ok(from_item::<MessageRecord>(item)?.into_api()),
            Ok(None) => Err(DomainError::corrupt("update returned no item")),
            Err(StoreError::ConditionFailed) => Err(DomainError::NotFound(format!(
                "Message not found: {log_id}"
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// `POST /messages/context/{context_id}/processed` (guide §17): marks up to
    /// 1000 unprocessed messages of the conversation per call.
    /// Store calls: 1 + ≤ 12 queries + ≤ 10 `TransactWriteItems` of 100.
    pub async fn mark_context_processed(&self, context_id: &str) -> DomainResult<MarkedProcessed> {
        if self.conversation_record(context_id).await?.is_none() {
            return Err(DomainError::NotFound(format!(
                "Conversation not found: {context_id}"
            )));
        }
        let mut query = Query::new(Some(Index::Gsi2), keys::context_partition(context_id));
        query.sort = Some(SortCondition::BeginsWith(keys::LOG_PREFIX.into()));
        query.filter = Some(Condition::eq(
            "processed",
            crate::store::AttributeValue::Bool(false),
        ));
        let params = ListParams {
            limit: MAX_MARK_PER_CALL,
            offset: 0,
            cursor: None,
        };
        let page = paging::list(self.store.as_ref(), query, &params).await?;
        let now = now_rfc3339();
        let mut updated = 0u32;
        let keys: Vec<_> = page
            .items
            .iter()
            .filter_map(crate::store::Key::of)
            .collect();
        for chunk in keys.chunks(MAX_TRANSACT_ACTIONS) {
            let actions = chunk
                .iter()
                .map(|key| {
                    WriteAction::Update(Update {
                        key: key.clone(),
                        actions: processed_actions(&now),
                        condition: Some(Condition::item_exists()),
                    })
                })
                .collect();
            match self.store.transact_write(actions).await {
                Ok(()) => updated += chunk.len() as u32,
                Err(StoreError::TransactionCanceled(_)) => return Err(DomainError::Contended),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(MarkedProcessed {
            success: true,
            context_id: context_id.to_string(),
            updated_count: updated,
            has_more: page.next_cursor.is_some(),
        })
    }
}

fn processed_actions(now: &str) -> Vec<UpdateAction> {
    vec![
        UpdateAction::Set("processed".into(), crate::store::AttributeValue::Bool(true)),
        UpdateAction::Set("processed_at".into(), s(now)),
        UpdateAction::Set("updated_at".into(), s(now)),
        UpdateAction::Remove("GSI4PK".into()),
        UpdateAction::Remove("GSI4SK".into()),
    ]
}

//! Conversations ("context"; guide §8–9 and §20–26).
//!
//! Rules:
//! - a customer has at most one *open* (active or paused) conversation. The
//!   customer item holds its id in `open_context_id`; opening one sets it with
//!   the condition that it is unset (or still the value read), in the same
//!   transaction that writes the conversation, so concurrent openers create
//!   exactly one;
//! - closing (resolved / archived) clears `open_context_id` in the same
//!   transaction; the next log or get-or-create opens a new conversation;
//! - reopening a closed conversation is refused (409) while another is open.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::customers::{Customer, CustomerRecord, CustomerRef};
use crate::error::{DomainError, DomainResult};
use crate::keys;
use crate::messages::{HistoryEntry, MessageRecord};
use crate::paging::{self, ListParams, Listed};
use crate::record::{double_option, from_item, to_item};
use crate::store::{
    s, CancelReason, Condition, Index, Put, Query, ReturnValues, SortCondition, StoreError, Update,
    UpdateAction, WriteAction,
};
use crate::types::{now_rfc3339, text, Channel, ConversationStatus, EmailAddress, Phone};
use crate::{Crm, OPTIMISTIC_ATTEMPTS};

/// Longest `summary` / `open_questions`, in characters.
pub const MAX_SUMMARY_LEN: usize = 4000;
/// Longest `intent` / `sentiment`, in characters.
pub const MAX_LABEL_LEN: usize = 200;
/// Longest `last_agent_action` / `last_message_preview`, in characters.
pub const MAX_ACTION_LEN: usize = 1000;
/// Previous conversations returned by `GET /context` when none is open.
pub const PREVIOUS_CONVERSATIONS: u32 = 5;

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
    /// Last detected intent, e.g. `pricing_inquiry`.
    pub intent: Option<String>,
    /// Last detected sentiment, e.g. `positive`.
    pub sentiment: Option<String>,
    /// Channel of the last message or update.
    pub last_channel: Option<Channel>,
    /// Time of the last logged message (RFC 3339 UTC).
    pub last_interaction_at: Option<String>,
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
}

/// Body of `POST /conversations` and `POST /conversations/get-or-create` (guide §23, §26).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewConversation {
    /// The customer (required).
    pub customer_id: i64,
    /// Contact name to keep on the conversation.
    pub name: Option<String>,
    /// Contact email to keep on the conversation.
    pub email: Option<String>,
    /// Contact phone to keep on the conversation.
    pub phone: Option<String>,
}

/// Body of `POST /context/{id}/update` and `PUT /conversations/{context_id}`
/// (guide §9, §24). Every field is optional; absent fields are kept and
/// `null` clears a text field. `conversation_summary` is an alias of `summary`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ConversationPatch {
    /// New status; closing clears the customer's open conversation.
    pub status: Option<ConversationStatus>,
    /// Summary (≤ 4000 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub summary: Option<Option<String>>,
    /// Alias of `summary` (guide §24).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub conversation_summary: Option<Option<String>>,
    /// Detected intent (≤ 200 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub intent: Option<Option<String>>,
    /// Detected sentiment (≤ 200 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub sentiment: Option<Option<String>>,
    /// Preview of the last message (≤ 1000 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub last_message_preview: Option<Option<String>>,
    /// Channel of the last interaction.
    pub last_channel: Option<Channel>,
    /// Open questions (≤ 4000 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub open_questions: Option<Option<String>>,
    /// What the agent did (≤ 1000 characters).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub last_agent_action: Option<Option<String>>,
}

/// Answer of `GET /context/{identifier}` (guide §8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContextView {
    /// The open conversation, or `null` when there is none (`is_new: true`).
    pub context_id: Option<String>,
    /// The customer.
    pub customer_id: i64,
    /// The customer's record.
    pub customer: Customer,
    /// Status of the open conversation.
    pub status: Option<ConversationStatus>,
    /// Summary, or `New conversation - no active/paused context`.
    pub summary: Option<String>,
    /// Last intent.
    pub intent: Option<String>,
    /// Last sentiment.
    pub sentiment: Option<String>,
    /// Last channel.
    pub last_channel: Option<Channel>,
    /// Last logged message time.
    pub last_interaction_at: Option<String>,
    /// Messages in the open conversation.
    pub message_count: i64,
    /// Open questions.
    pub open_questions: Option<String>,
    /// Last agent action.
    pub last_agent_action: Option<String>,
    /// The most recent messages of the open conversation, oldest first
    /// (at most `CRM_HISTORY_LIMIT`, default 20).
    pub history: Vec<HistoryEntry>,
    /// Only when `is_new`: the customer's latest closed conversations, newest first (≤ 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_conversations: Option<Vec<Conversation>>,
    /// True when the customer has no open conversation.
    pub is_new: bool,
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
    pub customer_id: Option<i64>,
}

/// The stored conversation item (`CONTEXT#<uuid>` / `CONTEXT`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct ConversationRecord {
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
    pub context_id: String,
    pub customer_id: i64,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_interaction_at: Option<String>,
    #[serde(default)]
    pub message_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_questions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_agent_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_preview: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
}

fn status_of(raw: &str) -> DomainResult<ConversationStatus> {
    serde_json::from_value(serde_json::Value::String(raw.to_string())).map_err(DomainError::corrupt)
}

impl ConversationRecord {
    /// A new active conversation for `customer_id`.
    pub(crate) fn new(customer_id: i64) -> Self {
        // UUIDv7: time-ordered and monotonic within the process, so two
        // conversations created in the same millisecond still list in
        // creation order (the sort keys are `<created_at>#<uuid>`).
        let context_id = uuid::Uuid::now_v7().to_string();
        let now = now_rfc3339();
        let key = keys::context(&context_id);
        let status = ConversationStatus::Active.as_str();
        Self {
            pk: key.pk,
            sk: key.sk,
            entity: "context".into(),
            gsi1pk: keys::CONTEXTS_COLLECTION.into(),
            gsi1sk: keys::context_time_sk(&now, &context_id),
            gsi2pk: keys::customer_partition(customer_id),
            gsi2sk: keys::customer_context_sk(&now, &context_id),
            gsi3pk: keys::status_partition(status),
            gsi3sk: keys::context_time_sk(&now, &context_id),
            customer_id,
            status: status.into(),
            created_at: now.clone(),
            updated_at: now,
            context_id,
            ..Default::default()
        }
    }

    pub(crate) fn status(&self) -> DomainResult<ConversationStatus> {
        status_of(&self.status)
    }

    pub(crate) fn to_api(&self) -> DomainResult<Conversation> {
        Ok(Conversation {
            context_id: self.context_id.clone(),
            customer_id: self.customer_id,
            status: self.status()?,
            summary: self.summary.clone(),
            intent: self.intent.clone(),
            sentiment: self.sentiment.clone(),
            last_channel: self.last_channel,
            last_interaction_at: self.last_interaction_at.clone(),
            message_count: self.message_count,
            open_questions: self.open_questions.clone(),
            last_agent_action: self.last_agent_action.clone(),
            last_message_preview: self.last_message_preview.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            closed_at: self.closed_at.clone(),
        })
    }
}

/// Reads a context id (UUID) from a path or field.
pub fn parse_context_id(field: &str, raw: &str) -> DomainResult<String> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| {
            DomainError::invalid(
                field,
                format!("`{field}` must be a conversation id (UUID), got {raw:?}"),
            )
        })
}

/// How `POST /context/{x}/update` names its conversation: a UUID is a
/// context id, an integer is that customer's open conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextRef {
    /// A conversation id.
    Context(String),
    /// The open conversation of this customer.
    OpenOf(i64),
}

impl ContextRef {
    /// Parses the path segment.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        if let Ok(id) = raw.trim().parse::<i64>() {
            return crate::customers::parse_customer_id("context_id", raw)
                .map(|_| ContextRef::OpenOf(id));
        }
        parse_context_id("context_id", raw)
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

/// Outcome of trying to open a conversation.
pub(crate) enum Opened {
    /// Written.
    Created(Box<ConversationRecord>),
    /// Another conversation became open first (or the customer vanished): re-read.
    Raced,
}

/// The `SET`/`REMOVE` actions of a patched conversation, with new status keys.
struct PatchPlan {
    next: ConversationRecord,
    actions: Vec<UpdateAction>,
}

impl ConversationPatch {
    fn plan(&self, current: &ConversationRecord) -> DomainResult<PatchPlan> {
        let mut next = current.clone();
        let mut actions = Vec::new();
        let mut set_text = |name: &str,
                            value: &Option<Option<String>>,
                            max: usize,
                            slot: &mut Option<String>|
         -> DomainResult<()> {
            if let Some(v) = value {
                let v = text(name, v.as_deref(), max)?;
                actions.push(match &v {
                    Some(t) => UpdateAction::Set(name.into(), s(t.clone())),
                    None => UpdateAction::Remove(name.into()),
                });
                *slot = v;
            }
            Ok(())
        };
        let summary = if self.summary.is_some() {
            &self.summary
        } else {
            &self.conversation_summary
        };
        set_text("summary", summary, MAX_SUMMARY_LEN, &mut next.summary)?;
        set_text("intent", &self.intent, MAX_LABEL_LEN, &mut next.intent)?;
        set_text(
            "sentiment",
            &self.sentiment,
            MAX_LABEL_LEN,
            &mut next.sentiment,
        )?;
        set_text(
            "last_message_preview",
            &self.last_message_preview,
            MAX_ACTION_LEN,
            &mut next.last_message_preview,
        )?;
        set_text(
            "open_questions",
            &self.open_questions,
            MAX_SUMMARY_LEN,
            &mut next.open_questions,
        )?;
        set_text(
            "last_agent_action",
            &self.last_agent_action,
            MAX_ACTION_LEN,
            &mut next.last_agent_action,
        )?;
        if let Some(channel) = self.last_channel {
            next.last_channel = Some(channel);
            actions.push(UpdateAction::Set(
                "last_channel".into(),
                crate::record::to_value(&channel)?,
            ));
        }
        let now = now_rfc3339();
        if let Some(status) = self.status {
            if status != current.status()? {
                next.status = status.as_str().into();
                next.gsi3pk = keys::status_partition(status.as_str());
                actions.push(UpdateAction::Set("status".into(), s(status.as_str())));
                actions.push(UpdateAction::Set("GSI3PK".into(), s(next.gsi3pk.clone())));
                if status.is_open() {
                    next.closed_at = None;
                    actions.push(UpdateAction::Remove("closed_at".into()));
                } else if current.status()?.is_open() {
                    next.closed_at = Some(now.clone());
                    actions.push(UpdateAction::Set("closed_at".into(), s(now.clone())));
                }
            }
        }
        next.updated_at = now.clone();
        actions.push(UpdateAction::Set("updated_at".into(), s(now)));
        Ok(PatchPlan { next, actions })
    }
}

impl Crm {
    pub(crate) async fn conversation_record(
        &self,
        context_id: &str,
    ) -> DomainResult<Option<ConversationRecord>> {
        match self.store.get_item(&keys::context(context_id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    async fn existing_conversation(&self, context_id: &str) -> DomainResult<ConversationRecord> {
        self.conversation_record(context_id)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("Conversation not found: {context_id}")))
    }

    async fn existing_customer(&self, customer_id: i64) -> DomainResult<CustomerRecord> {
        self.customer_record(customer_id).await?.ok_or_else(|| {
            DomainError::NotFound(format!("Customer not found with id: {customer_id}"))
        })
    }

    /// The customer's open conversation, if the pointer leads to one.
    pub(crate) async fn open_conversation_of(
        &self,
        customer: &CustomerRecord,
    ) -> DomainResult<Option<ConversationRecord>> {
        match &customer.open_context_id {
            Some(id) => Ok(self
                .conversation_record(id)
                .await?
                .filter(|c| c.status().is_ok_and(ConversationStatus::is_open))),
            None => Ok(None),
        }
    }

    /// Opens `record` as `customer`'s conversation: one `TransactWriteItems`
    /// that sets the customer's `open_context_id` (on condition it is still
    /// what was read), puts the conversation, and performs `extra` actions.
    pub(crate) async fn try_open(
        &self,
        customer: &CustomerRecord,
        record: &ConversationRecord,
        extra: Vec<WriteAction>,
    ) -> DomainResult<Opened> {
        let pointer_unchanged = match &customer.open_context_id {
            None => Condition::NotExists("open_context_id".into()),
            Some(stale) => Condition::eq("open_context_id", s(stale.clone())),
        };
        let mut actions = vec![
            WriteAction::Update(Update {
                key: keys::customer(customer.customer_id),
                actions: vec![UpdateAction::Set(
                    "open_context_id".into(),
                    s(record.context_id.clone()),
                )],
                condition: Some(Condition::And(vec![
                    Condition::item_exists(),
                    pointer_unchanged,
                ])),
            }),
            WriteAction::Put(Put {
                item: to_item(record)?,
                condition: Some(Condition::item_not_exists()),
            }),
        ];
        actions.extend(extra);
        match self.store.transact_write(actions).await {
            Ok(()) => Ok(Opened::Created(Box::new(record.clone()))),
            Err(StoreError::TransactionCanceled(reasons))
                if reasons.first() != Some(&CancelReason::None) =>
            {
                Ok(Opened::Raced)
            }
            Err(StoreError::TransactionCanceled(_)) => Err(DomainError::Contended),
            Err(e) => Err(e.into()),
        }
    }

    /// `POST /conversations` (guide §23): 201 with a new active conversation;
    /// 404 for an unknown customer; 409 (with `context_id`) when the customer
    /// already has an open one.
    pub async fn create_conversation(&self, input: &NewConversation) -> DomainResult<Conversation> {
        let (record, created) = self.get_or_create_record(input).await?;
        if !created {
            return Err(DomainError::Conflict {
                message: format!(
                    "customer {} already has an open conversation {}; close it first or use /conversations/get-or-create",
                    input.customer_id, record.context_id
                ),
                customer_id: Some(input.customer_id),
                context_id: Some(record.context_id),
            });
        }
        record.to_api()
    }

    /// `POST /conversations/get-or-create` (guide §26): the open conversation
    /// (`created: false`) or a new one (`created: true`); concurrent calls
    /// create exactly one. Store calls: 2 when one is open, 2 to create, +2 per race.
    pub async fn get_or_create_conversation(
        &self,
        input: &NewConversation,
    ) -> DomainResult<(Conversation, bool)> {
        let (record, created) = self.get_or_create_record(input).await?;
        Ok((record.to_api()?, created))
    }

    async fn get_or_create_record(
        &self,
        input: &NewConversation,
    ) -> DomainResult<(ConversationRecord, bool)> {
        if input.customer_id <= 0 {
            return Err(DomainError::invalid(
                "customer_id",
                "`customer_id` must be a positive integer",
            ));
        }
        let name = text(
            "name",
            input.name.as_deref(),
            crate::customers::MAX_NAME_LEN,
        )?;
        let email = match input
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            Some(e) => Some(EmailAddress::parse("email", e)?.as_str().to_string()),
            None => None,
        };
        let phone = match input
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => Some(
                Phone::parse("phone", p, self.settings.default_region)?
                    .given()
                    .to_string(),
            ),
            None => None,
        };
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let customer = self.existing_customer(input.customer_id).await?;
            if let Some(open) = self.open_conversation_of(&customer).await? {
                return Ok((open, false));
            }
            let mut record = ConversationRecord::new(customer.customer_id);
            record.name = name.clone();
            record.email = email.clone();
            record.phone = phone.clone();
            if let Opened::Created(record) = self.try_open(&customer, &record, Vec::new()).await? {
                return Ok((*record, true));
            }
        }
        Err(DomainError::Contended)
    }

    /// `GET /conversations/{context_id}` (guide §21). Store calls: 1.
    pub async fn get_conversation(&self, context_id: &str) -> DomainResult<Conversation> {
        self.existing_conversation(context_id).await?.to_api()
    }

    /// `GET /conversations/customer/{customer_id}` (guide §22): the customer's
    /// open (active or paused) conversation; 404 when there is none. Store calls: 2.
    pub async fn open_conversation_for(&self, customer_id: i64) -> DomainResult<Conversation> {
        let customer = self.existing_customer(customer_id).await?;
        self.open_conversation_of(&customer)
            .await?
            .ok_or_else(|| {
                DomainError::NotFound(format!(
                    "No active conversation found for customer {customer_id}"
                ))
            })?
            .to_api()
    }

    /// `GET /conversations` (guide §20), newest first: by customer (GSI2),
    /// by status (GSI3) or all (GSI1).
    pub async fn list_conversations(
        &self,
        filter: &ConversationFilter,
        params: &ListParams,
    ) -> DomainResult<Listed<Conversation>> {
        let query = match (filter.customer_id, filter.status) {
            (Some(customer_id), status) => {
                let mut q = Query::new(Some(Index::Gsi2), keys::customer_partition(customer_id));
                q.sort = Some(SortCondition::BeginsWith(keys::CONTEXT_PREFIX.into()));
                q.filter = status.map(|st| Condition::eq("status", s(st.as_str())));
                q
            }
            (None, Some(status)) => {
                Query::new(Some(Index::Gsi3), keys::status_partition(status.as_str()))
            }
            (None, None) => Query::new(Some(Index::Gsi1), keys::CONTEXTS_COLLECTION),
        };
        let query = Query {
            forward: false,
            ..query
        };
        paging::list(self.store.as_ref(), query, params)
            .await?
            .try_map(|item| from_item::<ConversationRecord>(item)?.to_api())
    }

    /// `PUT /conversations/{context_id}` and `POST /conversations/{id}/close`
    /// (guide §24–25). Closing clears the customer's open conversation;
    /// reopening is a 409 while another conversation is open.
    /// Store calls: 2, +2 per retry after a concurrent status change.
    pub async fn update_conversation(
        &self,
        context_id: &str,
        patch: &ConversationPatch,
    ) -> DomainResult<Conversation> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let current = self.existing_conversation(context_id).await?;
            match self.apply_patch(&current, patch).await {
                Err(DomainError::Contended) => continue,
                other => return other?.to_api(),
            }
        }
        Err(DomainError::Contended)
    }

    /// `POST /context/{context_id | customer_id}/update` (guide §9).
    /// Store calls: 2 (3 by customer id).
    pub async fn update_context(
        &self,
        target: &ContextRef,
        patch: &ConversationPatch,
    ) -> DomainResult<ContextUpdated> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let current = match target {
                ContextRef::Context(id) => self.existing_conversation(id).await?,
                ContextRef::OpenOf(customer_id) => {
                    let customer = self.existing_customer(*customer_id).await?;
                    self.open_conversation_of(&customer).await?.ok_or_else(|| {
                        DomainError::NotFound(format!(
                            "No active conversation found for customer {customer_id}"
                        ))
                    })?
                }
            };
            match self.apply_patch(&current, patch).await {
                Err(DomainError::Contended) => continue,
                Err(e) => return Err(e),
                Ok(next) => {
                    return Ok(ContextUpdated {
                        success: true,
                        context_id: next.context_id,
                        customer_id: next.customer_id,
                        message_count: next.message_count,
                    })
                }
            }
        }
        Err(DomainError::Contended)
    }

    /// Writes `patch` over `current`; `Contended` when its status changed meanwhile.
    async fn apply_patch(
        &self,
        current: &ConversationRecord,
        patch: &ConversationPatch,
    ) -> DomainResult<ConversationRecord> {
        let PatchPlan { next, actions } = patch.plan(current)?;
        let was_open = current.status()?.is_open();
        let is_open = next.status()?.is_open();
        let key = keys::context(&current.context_id);
        let condition = Condition::And(vec![
            Condition::item_exists(),
            Condition::eq("status", s(current.status.clone())),
        ]);
        let update = Update {
            key,
            actions,
            condition: Some(condition),
        };
        if was_open == is_open {
            return match self.store.update_item(update, ReturnValues::AllNew).await {
                Ok(Some(item)) => from_item(item),
                Ok(None) => Err(DomainError::corrupt("update returned no item")),
                Err(StoreError::ConditionFailed) => Err(DomainError::Contended),
                Err(e) => Err(e.into()),
            };
        }
        let customer_key = keys::customer(current.customer_id);
        let pointer = if was_open {
            // Closing: release the customer's pointer if it is ours.
            let customer = self.customer_record(current.customer_id).await?;
            if customer.as_ref().and_then(|c| c.open_context_id.as_deref())
                != Some(current.context_id.as_str())
            {
                return self.write_alone(update).await.map(|_| next);
            }
            Update {
                key: customer_key,
                actions: vec![UpdateAction::Remove("open_context_id".into())],
                condition: Some(Condition::eq(
                    "open_context_id",
                    s(current.context_id.clone()),
                )),
            }
        } else {
            // Reopening: take the pointer if no other conversation holds it.
            let customer = self.existing_customer(current.customer_id).await?;
            if let Some(open) = self.open_conversation_of(&customer).await? {
                return Err(DomainError::Conflict {
                    message: format!(
                        "customer {} already has an open conversation {}; close it before reopening this one",
                        current.customer_id, open.context_id
                    ),
                    customer_id: Some(current.customer_id),
                    context_id: Some(open.context_id),
                });
            }
            let unchanged = match &customer.open_context_id {
                None => Condition::NotExists("open_context_id".into()),
                Some(stale) => Condition::eq("open_context_id", s(stale.clone())),
            };
            Update {
                key: customer_key,
                actions: vec![UpdateAction::Set(
                    "open_context_id".into(),
                    s(current.context_id.clone()),
                )],
                condition: Some(Condition::And(vec![Condition::item_exists(), unchanged])),
            }
        };
        match self
            .store
            .transact_write(vec![
                WriteAction::Update(update),
                WriteAction::Update(pointer),
            ])
            .await
        {
            Ok(()) => Ok(next),
            Err(StoreError::TransactionCanceled(_)) => Err(DomainError::Contended),
            Err(e) => Err(e.into()),
        }
    }

    async fn write_alone(&self, update: Update) -> DomainResult<()> {
        match self.store.update_item(update, ReturnValues::None).await {
            Ok(_) => Ok(()),
            Err(StoreError::ConditionFailed) => Err(DomainError::Contended),
            Err(e) => Err(e.into()),
        }
    }

    /// The write that archives conversation `context_id` when its customer is deleted.
    pub(crate) fn archive_on_delete(&self, context_id: &str) -> WriteAction {
        let now = now_rfc3339();
        let status = ConversationStatus::Archived.as_str();
        WriteAction::Update(Update {
            key: keys::context(context_id),
            actions: vec![
                UpdateAction::Set("status".into(), s(status)),
                UpdateAction::Set("GSI3PK".into(), s(keys::status_partition(status))),
                UpdateAction::Set("closed_at".into(), s(now.clone())),
                UpdateAction::Set("updated_at".into(), s(now)),
            ],
            condition: Some(Condition::item_exists()),
        })
    }

    /// `GET /context/{identifier}?by=id|email|phone_normalized` (guide §8): the
    /// customer, their open conversation and its recent history; or
    /// `is_new: true` with their previous conversations. 404 names the lookup.
    /// Store calls: ≤ 4 (uniqueness item, customer, conversation, history query).
    pub async fn context(&self, r: &CustomerRef) -> DomainResult<ContextView> {
        let customer = self.resolve_customer(r, "phone_normalized").await?;
        let api_customer = customer.to_api();
        match self.open_conversation_of(&customer).await? {
            Some(open) => {
                let mut q =
                    Query::new(Some(Index::Gsi2), keys::context_partition(&open.context_id));
                q.sort = Some(SortCondition::BeginsWith(keys::LOG_PREFIX.into()));
                q.forward = false;
                q.limit = self.settings.history_limit;
                let page = self.store.query(q).await?;
                let mut history = page
                    .items
                    .into_iter()
                    .map(|item| from_item::<MessageRecord>(item).map(|m| m.history_entry()))
                    .collect::<DomainResult<Vec<_>>>()?;
                history.reverse();
                Ok(ContextView {
                    context_id: Some(open.context_id.clone()),
                    customer_id: customer.customer_id,
                    customer: api_customer,
                    status: Some(open.status()?),
                    summary: open.summary,
                    intent: open.intent,
                    sentiment: open.sentiment,
                    last_channel: open.last_channel,
                    last_interaction_at: open.last_interaction_at,
                    message_count: open.message_count,
                    open_questions: open.open_questions,
                    last_agent_action: open.last_agent_action,
                    history,
                    previous_conversations: None,
                    is_new: false,
                })
            }
            None => {
                let mut q = Query::new(
                    Some(Index::Gsi2),
                    keys::customer_partition(customer.customer_id),
                );
                q.sort = Some(SortCondition::BeginsWith(keys::CONTEXT_PREFIX.into()));
                q.forward = false;
                q.limit = PREVIOUS_CONVERSATIONS;
                let previous = self
                    .store
                    .query(q)
                    .await?
                    .items
                    .into_iter()
                    .map(|item| from_item::<ConversationRecord>(item)?.to_api())
                    .collect::<DomainResult<Vec<_>>>()?;
                Ok(ContextView {
                    context_id: None,
                    customer_id: customer.customer_id,
                    customer: api_customer,
                    status: None,
                    summary: Some("New conversation - no active/paused context".into()),
                    intent: None,
                    sentiment: None,
                    last_channel: None,
                    last_interaction_at: None,
                    message_count: 0,
                    open_questions: None,
                    last_agent_action: None,
                    history: Vec::new(),
                    previous_conversations: Some(previous),
                    is_new: true,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ConversationRecord;

    /// Lists sort by `<created_at>#<uuid>`; conversations opened within one
    /// millisecond must still come out in creation order.
    #[test]
    fn sort_keys_follow_creation_order_within_a_millisecond() {
        let records: Vec<_> = (0..200).map(|_| ConversationRecord::new(7)).collect();
        for pair in records.windows(2) {
            assert!(
                pair[0].gsi1sk < pair[1].gsi1sk,
                "{} should sort before {}",
                pair[0].gsi1sk,
                pair[1].gsi1sk
            );
        }
    }
}

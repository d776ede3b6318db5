//! The agent's entry point, `GET /context/{identifier}` (guide §8): the
//! customer, their open conversation and its recent history — or, when none
//! is open, their latest closed conversations. A conversation id (UUID)
//! names that conversation, open or closed, with its customer and history.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::budget::{json_size, MAX_RESPONSE_BYTES};
use crate::codec::from_item;
use crate::conversations::record::ConversationRecord;
use crate::conversations::Conversation;
use crate::customers::record::CustomerRecord;
use crate::customers::{Customer, CustomerRef};
use crate::error::{DomainError, DomainResult, Missing};
use crate::messages::record::MessageRecord;
use crate::messages::HistoryEntry;
use crate::types::{Channel, ContextId, ConversationStatus};
use crate::Crm;

/// Previous conversations returned by `GET /context` when none is open.
pub const PREVIOUS_CONVERSATIONS: u32 = 5;

/// What `GET /context/{identifier}` looks up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextLookup {
    /// A customer (by id, email or phone): their open conversation, if any.
    Customer(CustomerRef),
    /// One conversation by `context_id`, open or closed.
    Conversation(ContextId),
}

impl ContextLookup {
    /// Reads the path segment: `by=context_id`, or no `by` and a UUID, names a
    /// conversation; anything else is read as [`CustomerRef::parse`] does.
    pub fn parse(identifier: &str, by: Option<&str>, crm: &Crm) -> DomainResult<Self> {
        let conversation = ContextId::parse("identifier", identifier);
        match (by.map(str::to_ascii_lowercase).as_deref(), conversation) {
            (Some("context_id"), Ok(id)) | (None, Ok(id)) => Ok(ContextLookup::Conversation(id)),
            // Names no conversation: a 404, as CustomerRef::parse does.
            (Some("context_id"), Err(_)) => {
                Err(DomainError::not_found(Missing::Conversation, identifier))
            }
            _ => CustomerRef::parse(identifier, by, crm).map(ContextLookup::Customer),
        }
    }
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
    /// The same as `summary` (the name `PUT /conversations/{id}` also accepts).
    pub conversation_summary: Option<String>,
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

impl Crm {
    /// `GET /context/{identifier}?by=id|email|phone_normalized|context_id`
    /// (guide §8): the customer, their open conversation and its recent
    /// history; or `is_new: true` with their previous conversations; or, for
    /// a conversation id, that conversation (open or closed) with its
    /// customer and history. 404 names the lookup.
    /// Store calls: ≤ 4 (uniqueness item, customer, conversation, history
    /// query); 3 by conversation id.
    pub async fn context(&self, lookup: &ContextLookup) -> DomainResult<ContextView> {
        let r = match lookup {
            ContextLookup::Customer(r) => r,
            ContextLookup::Conversation(id) => {
                let conversation = self.existing_conversation(id).await?;
                let customer = self.existing_customer(conversation.customer_id).await?;
                return self.view_of(customer, conversation).await;
            }
        };
        let customer = self.resolve_customer(r, "phone_normalized").await?;
        if let Some(open) = self.open_conversation_of(&customer).await? {
            return self.view_of(customer, open).await;
        }
        let mut q = ConversationRecord::of_customer(customer.customer_id);
        q.forward = false;
        q.limit = PREVIOUS_CONVERSATIONS;
        let previous = self
            .store
            .query(q)
            .await?
            .items
            .into_iter()
            .map(|item| Ok(from_item::<ConversationRecord>(item)?.to_api()))
            .collect::<DomainResult<Vec<_>>>()?;
        let summary = Some("New conversation - no active/paused context".to_string());
        Ok(ContextView {
            context_id: None,
            customer_id: customer.customer_id.get(),
            customer: customer.to_api(),
            status: None,
            conversation_summary: summary.clone(),
            summary,
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

    /// The view of `conversation` of `customer`, with its most recent
    /// messages oldest first (one `Query`, descending, limited), as many as
    /// fit [`MAX_RESPONSE_BYTES`].
    async fn view_of(
        &self,
        customer: CustomerRecord,
        conversation: ConversationRecord,
    ) -> DomainResult<ContextView> {
        let mut q = MessageRecord::of_context(&conversation.context_id);
        q.forward = false;
        q.limit = self.settings.history_limit;
        // Newest first, as many as fit the response budget, then oldest first.
        let mut history = Vec::new();
        let mut bytes = 0usize;
        for item in self.store.query(q).await?.items {
            let entry = from_item::<MessageRecord>(item).map(MessageRecord::history_entry)?;
            bytes = bytes.saturating_add(json_size(&entry));
            if bytes > MAX_RESPONSE_BYTES && !history.is_empty() {
                break;
            }
            history.push(entry);
        }
        history.reverse();
        Ok(ContextView {
            context_id: Some(conversation.context_id.to_string()),
            customer_id: customer.customer_id.get(),
            customer: customer.to_api(),
            status: Some(conversation.status),
            conversation_summary: conversation.summary.clone(),
            summary: conversation.summary,
            intent: conversation.intent,
            sentiment: conversation.sentiment,
            last_channel: conversation.last_channel,
            last_interaction_at: conversation.last_interaction_at,
            message_count: conversation.message_count,
            open_questions: conversation.open_questions,
            last_agent_action: conversation.last_agent_action,
            history,
            previous_conversations: None,
            is_new: false,
        })
    }
}

//! The agent's entry point, `GET /context/{identifier}` (guide §8): the
//! customer, their open conversation and its recent history — or, when none
//! is open, their latest closed conversations.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codec::from_item;
use crate::conversations::record::ConversationRecord;
use crate::conversations::Conversation;
use crate::customers::{Customer, CustomerRef};
use crate::error::DomainResult;
use crate::messages::record::MessageRecord;
use crate::messages::HistoryEntry;
use crate::types::{Channel, ConversationStatus};
use crate::Crm;

/// Previous conversations returned by `GET /context` when none is open.
pub const PREVIOUS_CONVERSATIONS: u32 = 5;

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

impl Crm {
    /// `GET /context/{identifier}?by=id|email|phone_normalized` (guide §8): the
    /// customer, their open conversation and its recent history; or
    /// `is_new: true` with their previous conversations. 404 names the lookup.
    /// Store calls: ≤ 4 (uniqueness item, customer, conversation, history query).
    pub async fn context(&self, r: &CustomerRef) -> DomainResult<ContextView> {
        let customer = self.resolve_customer(r, "phone_normalized").await?;
        let api_customer = customer.to_api();
        match self.open_conversation_of(&customer).await? {
            Some(open) => {
                let mut q = MessageRecord::of_context(&open.context_id);
                q.forward = false;
                q.limit = self.settings.history_limit;
                let page = self.store.query(q).await?;
                let mut history = page
                    .items
                    .into_iter()
                    .map(|item| from_item::<MessageRecord>(item).map(MessageRecord::history_entry))
                    .collect::<DomainResult<Vec<_>>>()?;
                history.reverse();
                Ok(ContextView {
                    context_id: Some(open.context_id.to_string()),
                    customer_id: customer.customer_id.get(),
                    customer: api_customer,
                    status: Some(open.status),
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
                Ok(ContextView {
                    context_id: None,
                    customer_id: customer.customer_id.get(),
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

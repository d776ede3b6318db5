//! The rules of a conversation on its own, as methods of [`Crm`]. What also
//! touches the customer (opening, closing, the context view) is in `flows/`.

use super::api::{Conversation, ConversationFilter};
use super::record::ConversationRecord;
use crate::codec::from_item;
use crate::error::{DomainError, DomainResult, Missing};
use crate::paging::{self, ListParams, Listed, Source};
use crate::store::{s, Condition, Query};
use crate::types::{ContextId, ConversationStatus, Direction};
use crate::Crm;

impl Crm {
    /// Conversation `id`'s stored item, if any (one `GetItem`).
    pub(crate) async fn conversation_record(
        &self,
        id: &ContextId,
    ) -> DomainResult<Option<ConversationRecord>> {
        match self.store.get_item(&ConversationRecord::key(id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Conversation `id`'s stored item, or the 404 "Conversation not found: …".
    pub(crate) async fn existing_conversation(
        &self,
        id: &ContextId,
    ) -> DomainResult<ConversationRecord> {
        self.conversation_record(id)
            .await?
            .ok_or_else(|| DomainError::not_found(Missing::Conversation, id))
    }

    /// `GET /conversations/{context_id}` (guide §21), with its
    /// `pending_suggestions` (seed 001). Store calls: 1, 2 with a pending suggestion.
    pub async fn get_conversation(&self, id: &ContextId) -> DomainResult<Conversation> {
        let record = self.existing_conversation(id).await?;
        let pending = self.pending_suggestion(&record).await?;
        let mut conversation = record.to_api();
        conversation.pending_suggestions = Some(pending.into_iter().collect());
        Ok(conversation)
    }

    /// `GET /conversations` (guide §20), newest first: by customer (GSI3),
    /// by status (GSI5) or all (GSI1). Store calls: 1 (≤ 12 with a status
    /// filter on a customer's conversations).
    pub async fn list_conversations(
        &self,
        filter: &ConversationFilter,
        params: &ListParams,
    ) -> DomainResult<Listed<Conversation>> {
        // `needs_reply` filters on who wrote the newest message, among the
        // active conversations unless `status` names others.
        let status = match (filter.needs_reply, filter.status) {
            (Some(_), None) => Some(ConversationStatus::Active),
            (_, status) => status,
        };
        let direction = filter.needs_reply.map(|needs| {
            let d = if needs {
                Direction::Inbound
            } else {
                Direction::Outbound
            };
            Condition::eq("last_direction", s(crate::codec::wire_name(&d)))
        });
        let mut source = match (filter.customer_id, status) {
            (Some(customer_id), status) => {
                let mut all = Vec::new();
                all.extend(status.map(|st| Condition::eq("status", s(st.as_str()))));
                all.extend(direction);
                Source::from(Query {
                    filter: (!all.is_empty()).then_some(Condition::And(all)),
                    ..ConversationRecord::of_customer(customer_id)
                })
            }
            (None, Some(status)) => {
                let mut q = ConversationRecord::with_status(status);
                q.filter = direction;
                Source::from(q)
            }
            (None, None) => Source::from(ConversationRecord::all()),
        };
        source.query_mut().forward = false;
        paging::list_as(self.store.as_ref(), source, params, |item| {
            Ok(from_item::<ConversationRecord>(item)?.to_api())
        })
        .await
    }
}

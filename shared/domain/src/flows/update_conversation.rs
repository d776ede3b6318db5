//! Updating a conversation (guide §9, §24, §25). A status change that opens
//! or closes it also moves the customer's `open_context_id`, in one
//! transaction; any other change is one conditional `UpdateItem`.

use crate::codec::from_item;
use crate::conversations::patch::PatchPlan;
use crate::conversations::record::ConversationRecord;
use crate::conversations::{ContextRef, ContextUpdated, Conversation, ConversationPatch};
use crate::customers::record::CustomerRecord;
use crate::error::{DomainError, DomainResult, Missing};
use crate::keys::Entity;
use crate::retry::optimistic;
use crate::stats::StatsDelta;
use crate::store::{ReturnValues, StoreError, Transaction, Update, WriteAction};
use crate::types::ContextId;
use crate::Crm;

impl Crm {
    /// `PUT /conversations/{context_id}` and `POST /conversations/{id}/close`
    /// (guide §24–25). Closing clears the customer's open conversation;
    /// reopening is a 409 while another conversation is open.
    /// Store calls: 2, +2 per retry after a concurrent status change.
    pub async fn update_conversation(
        &self,
        id: &ContextId,
        patch: &ConversationPatch,
    ) -> DomainResult<Conversation> {
        let next = optimistic(|| async {
            let current = self.existing_conversation(id).await?;
            self.apply_patch(&current, patch).await
        })
        .await?;
        Ok(next.to_api())
    }

    /// `POST /context/{context_id | customer_id}/update` (guide §9).
    /// Store calls: 2 (3 by customer id).
    pub async fn update_context(
        &self,
        target: &ContextRef,
        patch: &ConversationPatch,
    ) -> DomainResult<ContextUpdated> {
        let next = optimistic(|| async {
            let current = match target {
                ContextRef::Context(id) => self.existing_conversation(id).await?,
                ContextRef::OpenOf(customer_id) => {
                    let customer = self.existing_customer(*customer_id).await?;
                    self.open_conversation_of(&customer).await?.ok_or_else(|| {
                        DomainError::not_found(Missing::OpenConversation, customer_id)
                    })?
                }
            };
            self.apply_patch(&current, patch).await
        })
        .await?;
        Ok(ContextUpdated {
            success: true,
            context_id: next.context_id.to_string(),
            customer_id: next.customer_id.get(),
            message_count: next.message_count,
        })
    }

    /// Writes `patch` over `current`, then adds the statistics delta of a
    /// status change; `Contended` when its status or newest message changed
    /// meanwhile (the caller reads again).
    async fn apply_patch(
        &self,
        current: &ConversationRecord,
        patch: &ConversationPatch,
    ) -> DomainResult<ConversationRecord> {
        let written = self.write_patch(current, patch).await?;
        if written.status != current.status {
            self.record_stats(StatsDelta::conversation(
                Some(current.gauge()),
                Some(written.gauge()),
            ))
            .await;
        }
        Ok(written)
    }

    async fn write_patch(
        &self,
        current: &ConversationRecord,
        patch: &ConversationPatch,
    ) -> DomainResult<ConversationRecord> {
        let PatchPlan { next, actions } = patch.plan(current, &self.now_rfc3339())?;
        let was_open = current.status.is_open();
        let is_open = next.status.is_open();
        let update = Update {
            key: current.primary_key(),
            actions,
            condition: Some(current.gauge_is()),
        };

        if was_open == is_open {
            return match self.store.update_item(update, ReturnValues::AllNew).await {
                Ok(Some(item)) => from_item(item),
                Ok(None) => Err(DomainError::corrupt("update returned no item")),
                Err(StoreError::ConditionFailed) => Err(DomainError::Contended),
                Err(e) => Err(e.into()),
            };
        }
        let pointer = if was_open {
            // Closing: release the customer's pointer if it is ours.
            let customer = self.customer_record(current.customer_id).await?;
            if customer.as_ref().and_then(|c| c.open_context_id.as_ref())
                != Some(&current.context_id)
            {
                return self.write_alone(update).await.map(|_| next);
            }
            CustomerRecord::release_open_pointer(current.customer_id, &current.context_id)
        } else {
            // Reopening: take the pointer if no other conversation holds it.
            let customer = self.existing_customer(current.customer_id).await?;
            if let Some(open) = self.open_conversation_of(&customer).await? {
                return Err(DomainError::Conflict {
                    message: format!(
                        "customer {} already has an open conversation {}; close it before reopening this one",
                        current.customer_id, open.context_id
                    ),
                    customer_id: Some(current.customer_id.get()),
                    context_id: Some(open.context_id.to_string()),
                });
            }
            customer.take_open_pointer(&current.context_id)
        };
        let mut tx = Transaction::new();
        tx.push("conversation", WriteAction::Update(update))
            .push("open_pointer", WriteAction::Update(pointer));
        match tx.commit(&*self.store).await? {
            Ok(()) => Ok(next),
            Err(_) => Err(DomainError::Contended),
        }
    }

    async fn write_alone(&self, update: Update) -> DomainResult<()> {
        match self.store.update_item(update, ReturnValues::None).await {
            Ok(_) => Ok(()),
            Err(StoreError::ConditionFailed) => Err(DomainError::Contended),
            Err(e) => Err(e.into()),
        }
    }
}

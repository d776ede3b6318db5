//! The rules of messages on their own (guide §11–19), as methods of [`Crm`].
//! Logging a message (it updates or opens a conversation) is the flow
//! `flows/log.rs`; a conversation's messages are `flows/context_messages.rs`.

use super::api::{MarkedProcessed, Message, MessageFilter, MAX_MARK_PER_CALL};
use super::record::MessageRecord;
use crate::codec::{from_item, to_value};
use crate::error::{DomainError, DomainResult, Missing};
use crate::paging::{self, ListParams, Listed, Source};
use crate::store::{
    AttributeValue, Condition, Key, ReturnValues, StoreError, Transaction, Update, UpdateAction,
    WriteAction, MAX_TRANSACT_ACTIONS,
};
use crate::types::{ContextId, CustomerId, LogId, ReportedStatus, SendStatus};
use crate::Crm;

impl Crm {
    /// `GET /messages/{log_id}` (guide §12). Store calls: 1.
    pub async fn get_message(&self, id: LogId) -> DomainResult<Message> {
        match self.store.get_item(&MessageRecord::key(id)).await? {
            Some(item) => Ok(from_item::<MessageRecord>(item)?.into_api()),
            None => Err(DomainError::not_found(Missing::Message, id)),
        }
    }

    /// One page of messages from `query`.
    pub(crate) async fn list_messages_query(
        &self,
        query: impl Into<Source>,
        params: &ListParams,
    ) -> DomainResult<Listed<Message>> {
        paging::list_as(self.store.as_ref(), query, params, |item| {
            from_item::<MessageRecord>(item).map(MessageRecord::into_api)
        })
        .await
    }

    /// `GET /messages` (guide §11): newest first, filtered by channel and
    /// direction (GSI1 `LOGS`), or one customer's (GSI3). Store calls: 1
    /// (≤ 12 with a sparse filter).
    pub async fn list_messages(
        &self,
        filter: &MessageFilter,
        params: &ListParams,
    ) -> DomainResult<Listed<Message>> {
        let mut source = match filter.customer_id {
            Some(id) => Source::from(MessageRecord::of_customer(id)),
            None => Source::from(MessageRecord::all()),
        };
        let query = source.query_mut();
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
        self.list_messages_query(source, params).await
    }

    /// `GET /messages/customer/{customer_id}` (guide §14): every message of the
    /// customer across conversations, oldest first (GSI3). Messages of a
    /// deleted customer are still listed.
    pub async fn messages_for_customer(
        &self,
        id: CustomerId,
        params: &ListParams,
    ) -> DomainResult<Listed<Message>> {
        self.list_messages_query(MessageRecord::of_customer(id), params)
            .await
    }

    /// `GET /messages/unprocessed` (guide §18): oldest first (sparse GSI4).
    pub async fn unprocessed_messages(&self, params: &ListParams) -> DomainResult<Listed<Message>> {
        self.list_messages_query(MessageRecord::unprocessed(), params)
            .await
    }

    /// `GET /messages/failed` (guide §19): oldest first (sparse GSI5).
    pub async fn failed_messages(&self, params: &ListParams) -> DomainResult<Listed<Message>> {
        self.list_messages_query(MessageRecord::failed(), params)
            .await
    }

    /// `PUT /messages/{log_id}/status` (guide §15): sets `send_status` as
    /// the caller reports it and keeps the failed index and the outbox in
    /// step (issue 22); `failed` publishes `conversation:error`, `sent` of a
    /// send the CRM was asked for publishes `conversation:sent` (an
    /// external sender reporting back).
    ///
    /// Errors: 404 unknown message; 409 while the CRM's sender is calling
    /// the provider (`sending`, a state only the sender sets).
    ///
    /// Store calls: 1 `GetItem`, 1 `UpdateItem` conditioned on the status
    /// as read (+2 per lost race).
    pub async fn set_send_status(
        &self,
        id: LogId,
        reported: ReportedStatus,
    ) -> DomainResult<Message> {
        let status = SendStatus::from(reported);
        let message = crate::retry::optimistic(|| async {
            let Some(item) = self.store.get_item(&MessageRecord::key(id)).await? else {
                return Err(DomainError::not_found(Missing::Message, id));
            };
            let mut record = from_item::<MessageRecord>(item)?;
            if record.send_status == SendStatus::Sending {
                return Err(DomainError::conflict(format!(
                    "the CRM's sender is sending message {id} now (send_status `sending`); its outcome is recorded when the provider answers"
                )));
            }
            let was = record.send_status;
            let update = record.report_status(status, &self.now_rfc3339())?;
            match self.store.update_item(update, ReturnValues::None).await {
                Ok(_) => Ok((record, was)),
                Err(StoreError::ConditionFailed) => Err(DomainError::Contended),
                Err(e) => Err(e.into()),
            }
        })
        .await;
        let (record, was) = message?;
        let context = record.context_id.to_string();
        let at = self.now_rfc3339();
        if status == SendStatus::Failed && was != SendStatus::Failed {
            let event = crate::events::ConversationEvent::error(
                &context,
                format!("message {} failed to send", id.get()),
                &at,
            );
            self.publish(event).await;
        }
        if status == SendStatus::Sent
            && was == SendStatus::Pending
            && record.dispatch.provider.is_some()
        {
            self.publish(crate::events::ConversationEvent::sent(
                &context,
                id.get(),
                &at,
            ))
            .await;
        }
        Ok(record.into_api())
    }

    /// `POST /messages/{log_id}/processed` (guide §16): idempotent. Store calls: 1.
    pub async fn mark_processed(&self, id: LogId) -> DomainResult<Message> {
        self.update_message(id, MessageRecord::processed_actions(&self.now_rfc3339()))
            .await
    }

    async fn update_message(&self, id: LogId, actions: Vec<UpdateAction>) -> DomainResult<Message> {
        let update = Update {
            key: MessageRecord::key(id),
            actions,
            condition: Some(Condition::item_exists()),
        };
        match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => Ok(from_item::<MessageRecord>(item)?.into_api()),
            Ok(None) => Err(DomainError::corrupt("update returned no item")),
            Err(StoreError::ConditionFailed) => Err(DomainError::not_found(Missing::Message, id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Marks up to [`MAX_MARK_PER_CALL`] unprocessed messages of conversation
    /// `id` processed. Store calls: ≤ 12 queries + ≤ 10 `TransactWriteItems` of 100.
    pub(crate) async fn mark_messages_of_processed(
        &self,
        id: &ContextId,
    ) -> DomainResult<MarkedProcessed> {
        let mut query = MessageRecord::of_context(id);
        query.filter = Some(Condition::eq("processed", AttributeValue::Bool(false)));
        let params = ListParams {
            limit: MAX_MARK_PER_CALL,
            offset: 0,
            cursor: None,
        };
        let page = paging::list(self.store.as_ref(), query, &params).await?;
        let now = self.now_rfc3339();
        let mut updated = 0u32;
        let keys: Vec<Key> = page.items.iter().filter_map(Key::of).collect();
        for chunk in keys.chunks(MAX_TRANSACT_ACTIONS) {
            let actions = chunk
                .iter()
                .map(|key| {
                    WriteAction::Update(Update {
                        key: key.clone(),
                        actions: MessageRecord::processed_actions(&now),
                        condition: Some(Condition::item_exists()),
                    })
                })
                .collect();
            match Transaction::of("message", actions)
                .commit(&*self.store)
                .await?
            {
                Ok(()) => updated += chunk.len() as u32,
                Err(_) => return Err(DomainError::Contended),
            }
        }
        Ok(MarkedProcessed {
            success: true,
            context_id: id.to_string(),
            updated_count: updated,
            has_more: page.next_cursor.is_some(),
        })
    }
}

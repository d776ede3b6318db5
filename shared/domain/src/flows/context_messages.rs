//! A conversation's messages (guide §13, §17): 404 for an unknown
//! conversation, then the messages' own list or update.

use crate::error::DomainResult;
use crate::messages::record::MessageRecord;
use crate::messages::{MarkedProcessed, Message};
use crate::paging::{ListParams, Listed};
use crate::types::ContextId;
use crate::Crm;

impl Crm {
    /// `GET /messages/context/{context_id}` (guide §13): oldest first (GSI2);
    /// 404 for an unknown conversation. Store calls: 2.
    pub async fn messages_for_context(
        &self,
        id: &ContextId,
        params: &ListParams,
    ) -> DomainResult<Listed<Message>> {
        self.existing_conversation(id).await?;
        self.list_messages_query(MessageRecord::of_context(id), params)
            .await
    }

    /// `POST /messages/context/{context_id}/processed` (guide §17): marks up to
    /// 1000 unprocessed messages of the conversation per call; `has_more` says
    /// to call again. Store calls: 1 + ≤ 12 queries + ≤ 10 `TransactWriteItems` of 100.
    pub async fn mark_context_processed(&self, id: &ContextId) -> DomainResult<MarkedProcessed> {
        self.existing_conversation(id).await?;
        self.mark_messages_of_processed(id).await
    }
}

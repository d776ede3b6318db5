//! Reading suggestions: `GET /conversations/{context_id}/ai-suggestion`
//! (seed 001 §3) and the `pending_suggestions` of `GET /conversations/{id}`.

use crate::codec::from_item;
use crate::conversations::record::ConversationRecord;
use crate::error::{DomainError, DomainResult, Missing};
use crate::suggestions::record::SuggestionRecord;
use crate::suggestions::{AiSuggestion, Suggestion};
use crate::types::ContextId;
use crate::Crm;

impl Crm {
    /// `GET /conversations/{context_id}/ai-suggestion`: 404 for an unknown
    /// conversation; [`AiSuggestion::Generating`] while a reply job for its
    /// latest inbound message is queued or running; else its pending
    /// suggestion, or a 404 "No pending suggestion for conversation: …".
    ///
    /// Store calls: 2 (conversation and suggestion `GetItem`s); 1 while generating.
    pub async fn ai_suggestion(&self, id: &ContextId) -> DomainResult<AiSuggestion> {
        let conversation = self.existing_conversation(id).await?;
        if let Some(log_id) = conversation.reply_log_id {
            return Ok(AiSuggestion::Generating {
                reply_to_message_id: log_id.get(),
            });
        }
        match self.pending_suggestion(&conversation).await? {
            Some(s) => Ok(AiSuggestion::Ready(Box::new(s))),
            None => Err(DomainError::not_found(Missing::Suggestion, id)),
        }
    }

    /// The pending suggestion `conversation` points at, if it is still stored.
    /// Store calls: 1 when it points at one, else 0.
    pub(crate) async fn pending_suggestion(
        &self,
        conversation: &ConversationRecord,
    ) -> DomainResult<Option<Suggestion>> {
        let Some((log_id, revision)) = conversation.pending_suggestion() else {
            return Ok(None);
        };
        let key = SuggestionRecord::key(&conversation.context_id, log_id, revision);
        match self.store.get_item(&key).await? {
            Some(item) => Ok(Some(from_item::<SuggestionRecord>(item)?.to_api())),
            None => Ok(None),
        }
    }
}

//! `PATCH /conversations/{context_id}/archive` (seed 001 §8): the guide's
//! `archived` status through the close rules of `update_conversation.rs`.

use crate::conversations::record::ConversationRecord;
use crate::conversations::ConversationPatch;
use crate::error::DomainResult;
use crate::store::{ReturnValues, StoreError};
use crate::suggestions::review::{notes, ActionData, ActionResult, ArchiveRequest};
use crate::types::{ContextId, ConversationStatus};
use crate::Crm;

impl Crm {
    /// Archives conversation `context_id` (closing it: the customer's open
    /// conversation pointer is released), keeps `reason` as
    /// `archive_reason`, and answers seed 001's shape with `archived_at`
    /// (the conversation's `closed_at`). Archiving an archived conversation
    /// changes nothing and answers the same.
    ///
    /// Errors: 400 a reason over 2,000 characters; 404 unknown conversation.
    /// Store calls: those of `update_conversation` (2–3), +1 with a reason.
    pub async fn archive_conversation(
        &self,
        context_id: &ContextId,
        req: &ArchiveRequest,
    ) -> DomainResult<ActionResult> {
        let reason = notes("reason", req.reason.as_deref())?;
        let patch = ConversationPatch {
            status: Some(Some(ConversationStatus::Archived)),
            ..Default::default()
        };
        let archived = self.update_conversation(context_id, &patch).await?;
        if let Some(reason) = reason {
            let update = ConversationRecord::archive_reason_update(context_id, &reason);
            match self.store.update_item(update, ReturnValues::None).await {
                // Reopened in between: the reason no longer applies.
                Ok(_) | Err(StoreError::ConditionFailed) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(ActionResult {
            success: true,
            message: "Conversation archived successfully".into(),
            data: ActionData {
                conversation_id: Some(context_id.to_string()),
                archived_at: archived.closed_at,
                ..Default::default()
            },
        })
    }
}

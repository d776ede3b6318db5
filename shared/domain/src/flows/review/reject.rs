//! `POST /conversations/{context_id}/reject` (seed 001 §5) and a
//! suggestion's feedback after the fact (issue 10).

use crate::codec::from_item;
use crate::conversations::record::ConversationRecord;
use crate::error::{DomainError, DomainResult};
use crate::retry::optimistic;
use crate::store::{ReturnValues, StoreError, Transaction, Update, WriteAction};
use crate::suggestions::record::SuggestionRecord;
use crate::suggestions::review::{notes, ActionData, ActionResult, FeedbackRequest, RejectRequest};
use crate::suggestions::Suggestion;
use crate::types::ContextId;
use crate::Crm;

impl Crm {
    /// `POST /conversations/{context_id}/reject`: the pending suggestion
    /// becomes `rejected` with `rejected_at` and the reason as
    /// `feedback_notes`; the conversation no longer points at it.
    ///
    /// Errors: 404 unknown conversation or suggestion; 409 when it is not
    /// the pending one ("Suggestion already rejected. Cannot reject.").
    /// Store calls: 3 (conversation, suggestion, `TransactWriteItems`), +3 per lost race.
    pub async fn reject_suggestion(
        &self,
        context_id: &ContextId,
        req: &RejectRequest,
    ) -> DomainResult<ActionResult> {
        let reason = notes("reason", req.reason.as_deref())?;
        optimistic(|| async {
            let conversation = self.existing_conversation(context_id).await?;
            let mut suggestion = self
                .actionable_suggestion(&conversation, &req.suggestion_id, "reject")
                .await?;
            let now = self.now_rfc3339();
            let writes = vec![
                WriteAction::Update(suggestion.reject(reason.as_deref(), &now)?),
                WriteAction::Update(Update {
                    key: ConversationRecord::key(context_id),
                    actions: ConversationRecord::clear_pending_suggestion_actions(),
                    condition: Some(ConversationRecord::pending_suggestion_is(Some((
                        suggestion.reply_to_log_id,
                        suggestion.revision,
                    )))),
                }),
            ];
            Transaction::of("reject", writes)
                .commit(&*self.store)
                .await??;
            Ok(ActionResult {
                success: true,
                message: "AI suggestion rejected".into(),
                data: ActionData {
                    suggestion_id: Some(suggestion.suggestion_id),
                    ..Default::default()
                },
            })
        })
        .await
    }

    /// `PUT /conversations/{context_id}/suggestions/{suggestion_id}/feedback`
    /// (issue 10): sets `user_rating` (1–5) and/or `feedback_notes` on a
    /// suggestion of any status; answers the suggestion.
    ///
    /// Errors: 400 rating outside 1–5, notes over 2,000 characters, neither
    /// given; 404 unknown conversation or suggestion.
    /// Store calls: 3 (conversation `GetItem`, suggestion `Query`, `UpdateItem`).
    pub async fn suggestion_feedback(
        &self,
        context_id: &ContextId,
        suggestion_id: &str,
        req: &FeedbackRequest,
    ) -> DomainResult<Suggestion> {
        let (rating, feedback) = req.validate()?;
        self.existing_conversation(context_id).await?;
        let mut suggestion = self.find_suggestion(context_id, suggestion_id).await?;
        let update = suggestion.feedback(rating, feedback.as_deref(), &self.now_rfc3339())?;
        match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => Ok(from_item::<SuggestionRecord>(item)?.to_api()),
            Ok(None) => Err(DomainError::corrupt("update returned no item")),
            // The TTL removed it between the read and the write.
            Err(StoreError::ConditionFailed) => Err(DomainError::not_found(
                crate::error::Missing::SuggestionId,
                suggestion_id,
            )),
            Err(e) => Err(e.into()),
        }
    }
}

//! Acting on a conversation's reply suggestion (issue 10, seed 001 §4–8):
//! approve it, reject it, answer with a custom reply, ask for a new draft,
//! rate it after the fact, archive the conversation.
//!
//! - `approve.rs`: `POST …/approve` and `POST …/reply` — both log an
//!   outbound message (`send_status: pending`: this API records messages, a
//!   sender delivers them and reports back through the status endpoint) on
//!   the channel and `channel_identifier` of the inbound message answered;
//! - `reject.rs`: `POST …/reject`, `PUT …/suggestions/{id}/feedback`;
//! - `regenerate.rs`: `POST …/regenerate` — a job through the same queue
//!   and worker as the first draft, rate limited per conversation;
//! - `archive.rs`: `PATCH …/archive`.
//!
//! Rules:
//! - only the conversation's pending suggestion can be approved or
//!   rejected; any other is a 409 saying why (already approved, rejected,
//!   superseded, or a newer inbound message is being answered);
//! - each action is one `TransactWriteItems` conditional on the
//!   conversation's pending suggestion and the suggestion's `pending` status
//!   as read, so two concurrent approvals log one message: the loser re-reads
//!   and gets the 409;
//! - a custom reply or a regeneration supersedes the pending suggestion in
//!   the same transaction.

mod approve;
mod archive;
mod regenerate;
mod reject;

use crate::codec::from_item;
use crate::conversations::record::ConversationRecord;
use crate::error::{DomainError, DomainResult, Missing};
use crate::messages::record::MessageRecord;
use crate::suggestions::record::SuggestionRecord;
use crate::suggestions::SuggestionStatus;
use crate::types::{ContextId, Direction, LogId};
use crate::Crm;

/// Messages of a conversation looked at, newest first, for its latest
/// inbound message when no pointer names it (one GSI2 page).
const INBOUND_SCAN: u32 = 100;

impl Crm {
    /// The suggestion `suggestion_id` of `conversation`, if it is the
    /// pending one a person may `verb` (approve, reject); else the 404 or
    /// 409 that says why. Store calls: 1 (the pending one's `GetItem`), +1
    /// `Query` when it is not the pending one.
    async fn actionable_suggestion(
        &self,
        conversation: &ConversationRecord,
        suggestion_id: &str,
        verb: &str,
    ) -> DomainResult<SuggestionRecord> {
        let context_id = &conversation.context_id;
        if let Some((log_id, revision)) = conversation.pending_suggestion() {
            let key = SuggestionRecord::key(context_id, log_id, revision);
            if let Some(item) = self.store.get_item(&key).await? {
                let pending = from_item::<SuggestionRecord>(item)?;
                if pending.suggestion_id == suggestion_id
                    && pending.status == SuggestionStatus::Pending
                {
                    return Ok(pending);
                }
            }
        }
        let found = self.find_suggestion(context_id, suggestion_id).await?;
        let why = match found.status {
            SuggestionStatus::Approved => "Suggestion already approved.",
            SuggestionStatus::Rejected => "Suggestion already rejected.",
            SuggestionStatus::Superseded => {
                "Suggestion was superseded by a newer one (see GET /conversations/{id}/ai-suggestion)."
            }
            SuggestionStatus::Pending => {
                "Suggestion is no longer the conversation's pending suggestion."
            }
        };
        Err(DomainError::conflict(format!("{why} Cannot {verb}.")))
    }

    /// Suggestion `suggestion_id` of conversation `context_id`, whatever its
    /// status, or a 404: a `Query` of the conversation's partition filtered
    /// on the id (more pages only past 1 MB of suggestions).
    pub(crate) async fn find_suggestion(
        &self,
        context_id: &ContextId,
        suggestion_id: &str,
    ) -> DomainResult<SuggestionRecord> {
        let not_found = || DomainError::not_found(Missing::SuggestionId, suggestion_id);
        if uuid::Uuid::parse_str(suggestion_id).is_err() {
            return Err(not_found());
        }
        let mut q = SuggestionRecord::of_context(context_id, Some(suggestion_id));
        q.limit = 1000;
        loop {
            let page = self.store.query(q.clone()).await?;
            if let Some(item) = page.items.into_iter().next() {
                return from_item(item);
            }
            match page.last_evaluated_key {
                Some(k) => q.start_key = Some(k),
                None => return Err(not_found()),
            }
        }
    }

    /// The inbound message a reply to `conversation` answers: the one its
    /// pending job or suggestion answers (a `GetItem`), else the newest
    /// inbound among its last 100 messages (one GSI2 `Query`); `None` when
    /// it has none.
    async fn latest_inbound(
        &self,
        conversation: &ConversationRecord,
    ) -> DomainResult<Option<MessageRecord>> {
        let pointer = conversation
            .reply_log_id
            .max(conversation.pending_suggestion_log_id);
        if let Some(log_id) = pointer {
            if let Some(m) = self.message_record(log_id).await? {
                return Ok(Some(m));
            }
        }
        let mut q = MessageRecord::of_context(&conversation.context_id);
        q.forward = false;
        q.limit = INBOUND_SCAN;
        q.filter = Some(MessageRecord::inbound_only());
        let page = self.store.query(q).await?;
        match page.items.into_iter().next() {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Message `log_id`, if stored (one `GetItem`).
    pub(crate) async fn message_record(
        &self,
        log_id: LogId,
    ) -> DomainResult<Option<MessageRecord>> {
        match self.store.get_item(&MessageRecord::key(log_id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Inbound message `log_id` of `context_id`, or the 404/400 naming `field`.
    async fn inbound_message_of(
        &self,
        context_id: &ContextId,
        log_id: LogId,
        field: &str,
    ) -> DomainResult<MessageRecord> {
        let m = self
            .message_record(log_id)
            .await?
            .filter(|m| &m.context_id == context_id)
            .ok_or_else(|| DomainError::not_found(Missing::Message, log_id.get()))?;
        if m.direction != Direction::Inbound {
            return Err(DomainError::invalid(
                field,
                format!(
                    "message {} is outbound; a reply answers an inbound message",
                    log_id.get()
                ),
            ));
        }
        Ok(m)
    }
}

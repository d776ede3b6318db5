//! `PUT /conversations/{id}` and `POST /context/{id}/update` bodies turned
//! into one conditional `UpdateItem` (guide §9, §24).

use super::api::{ConversationPatch, MAX_ACTION_LEN, MAX_LABEL_LEN, MAX_SUMMARY_LEN};
use super::record::ConversationRecord;
use crate::codec::to_value;
use crate::error::{DomainError, DomainResult};
use crate::store::{s, UpdateAction};
use crate::types::text;

/// The `SET`/`REMOVE` actions of a patched conversation, with new status keys.
pub(crate) struct PatchPlan {
    /// The conversation as it will be.
    pub next: ConversationRecord,
    /// The update expression that makes it so.
    pub actions: Vec<UpdateAction>,
}

impl ConversationPatch {
    /// Validates the patch against `current` and plans the write, stamped
    /// `now` (RFC 3339: `updated_at`, and `closed_at` when it closes).
    pub(crate) fn plan(&self, current: &ConversationRecord, now: &str) -> DomainResult<PatchPlan> {
        let mut next = current.clone();
        let mut actions = Vec::new();
        let mut set_text = |name: &str,
                            value: &Option<Option<String>>,
                            max: usize,
                            slot: &mut Option<String>|
         -> DomainResult<()> {
            if let Some(v) = value {
                let v = text(name, v.as_deref(), max)?;
                actions.push(match &v {
                    Some(t) => UpdateAction::Set(name.into(), s(t.clone())),
                    None => UpdateAction::Remove(name.into()),
                });
                *slot = v;
            }
            Ok(())
        };
        if let Some(alias) = &self.conversation_summary {
            text("conversation_summary", alias.as_deref(), MAX_SUMMARY_LEN)?;
        }
        let summary = if self.summary.is_some() {
            &self.summary
        } else {
            &self.conversation_summary
        };
        set_text("summary", summary, MAX_SUMMARY_LEN, &mut next.summary)?;
        set_text("intent", &self.intent, MAX_LABEL_LEN, &mut next.intent)?;
        set_text(
            "sentiment",
            &self.sentiment,
            MAX_LABEL_LEN,
            &mut next.sentiment,
        )?;
        set_text(
            "last_message_preview",
            &self.last_message_preview,
            MAX_ACTION_LEN,
            &mut next.last_message_preview,
        )?;
        set_text(
            "open_questions",
            &self.open_questions,
            MAX_SUMMARY_LEN,
            &mut next.open_questions,
        )?;
        set_text(
            "last_agent_action",
            &self.last_agent_action,
            MAX_ACTION_LEN,
            &mut next.last_agent_action,
        )?;
        let cannot_clear = |field: &str, values: &str| {
            DomainError::invalid(
                field,
                format!("`{field}` cannot be cleared; send one of {values}, or leave it out"),
            )
        };
        if let Some(channel) = self.last_channel {
            let channel =
                channel.ok_or_else(|| cannot_clear("last_channel", crate::types::CHANNELS))?;
            next.last_channel = Some(channel);
            actions.push(UpdateAction::Set(
                "last_channel".into(),
                to_value(&channel)?,
            ));
        }
        if let Some(status) = self.status {
            let status = status
                .ok_or_else(|| cannot_clear("status", "active, paused, resolved, archived"))?;
            if status != current.status {
                next.status = status;
                actions.extend(current.status_actions(status));
                if status.is_open() {
                    next.closed_at = None;
                    actions.push(UpdateAction::Remove("closed_at".into()));
                } else if current.status.is_open() {
                    next.closed_at = Some(now.to_string());
                    actions.push(UpdateAction::Set("closed_at".into(), s(now.to_string())));
                }
            }
        }
        next.updated_at = now.to_string();
        actions.push(UpdateAction::Set("updated_at".into(), s(now.to_string())));
        Ok(PatchPlan { next, actions })
    }
}

//! Delivery reports from the sending provider (issue 11): Twilio's status
//! callbacks move a message's `send_status` forward, never back.
//!
//! One conditional `UpdateItem` per callback, no read-modify-write: it sets
//! `send_status` (Twilio's status mapped by [`TwilioStatus::send_status`]),
//! `provider_status`, `provider_rank`, `error_code`, `status_updated_at` and
//! the failed index (GSI5) on condition that the message exists, that the
//! stored `provider_rank` is lower than the callback's (or absent), and that
//! the message has no other `MessageSid`. A callback that fails the rank
//! condition is late or repeated: 200 with `applied: false`, nothing
//! changed. Twilio's own retries and reordering therefore cannot move a
//! message from `delivered` back to `sent`, and the first final status stands.

use super::api::{CallbackTarget, DeliveryUpdated};
use super::record::{MessageRecord, ProviderId, ProviderIdRecord};
use crate::codec::from_item;
use crate::error::{DomainError, DomainResult, Missing};
use crate::events::ConversationEvent;
use crate::store::{n, s, CmpOp, Condition, ReturnValues, StoreError, Update, UpdateAction};
use crate::twilio::{MessageSid, StatusCallback};
use crate::types::{Direction, LogId, SendStatus};
use crate::Crm;

impl Crm {
    /// The reservation of Twilio SID `sid` by a logged message, if any.
    /// Store calls: 1 `GetItem`.
    pub(crate) async fn logged_sid(
        &self,
        sid: &MessageSid,
    ) -> DomainResult<Option<ProviderIdRecord>> {
        self.logged_provider_id(&[ProviderId::Twilio(sid.to_string())])
            .await
    }

    /// The first reservation among `ids` by a logged message, if any.
    /// Store calls: 0 without ids, else 1 (`GetItem`, or `BatchGetItem` of 2).
    pub(crate) async fn logged_provider_id(
        &self,
        ids: &[ProviderId],
    ) -> DomainResult<Option<ProviderIdRecord>> {
        let keys: Vec<_> = ids.iter().map(ProviderId::key).collect();
        let items = match keys.as_slice() {
            [] => Vec::new(),
            [one] => self.store.get_item(one).await?.into_iter().collect(),
            many => self.store.batch_get(many).await?,
        };
        items.into_iter().next().map(from_item).transpose()
    }

    /// Applies a verified Twilio status callback to its message (call
    /// [`Crm::verify_twilio`] first).
    ///
    /// Store calls: 1 `UpdateItem` by log id (+1 `GetItem` of the SID's
    /// reservation by SID); +1 `GetItem` when the condition fails, to tell
    /// a late callback (200, `applied: false`) from an unknown message (404)
    /// or a message with another SID (409).
    ///
    /// Errors: 404 `Message not found: <log_id or SID>`; 409 when the
    /// message carries another `MessageSid`.
    pub async fn apply_twilio_status(
        &self,
        target: CallbackTarget,
        callback: &StatusCallback,
    ) -> DomainResult<DeliveryUpdated> {
        let sid = &callback.message_sid;
        let id = match target {
            CallbackTarget::LogId(id) => id,
            CallbackTarget::BySid => match self.logged_sid(sid).await? {
                Some(reservation) => reservation.log_id,
                None => return Err(DomainError::not_found(Missing::Message, sid)),
            },
        };
        let now = self.now_rfc3339();
        let status = callback.status.send_status();
        // Twilio's own queued / sending states say nothing new here: a
        // message keeps its send_status (and its place in the outbox) until
        // Twilio reports it sent, delivered or failed.
        let mut actions = match status {
            SendStatus::Pending | SendStatus::Sending => Vec::new(),
            _ => MessageRecord::send_status_actions(id, status, None, &now)?,
        };
        if status == SendStatus::Delivered {
            actions.push(UpdateAction::Set("delivered_at".into(), s(&now)));
        }
        actions.extend([
            UpdateAction::Set("provider_status".into(), s(callback.status.as_str())),
            UpdateAction::Set("provider_rank".into(), n(callback.status.rank())),
            UpdateAction::Set("status_updated_at".into(), s(&now)),
            UpdateAction::Set("twilio_message_sid".into(), s(sid.as_str())),
        ]);
        if let Some(code) = &callback.error_code {
            actions.push(UpdateAction::Set("error_code".into(), s(code)));
        }
        let update = Update {
            key: MessageRecord::key(id),
            actions,
            condition: Some(Condition::And(vec![
                Condition::item_exists(),
                Condition::Or(vec![
                    Condition::NotExists("provider_rank".into()),
                    Condition::Cmp("provider_rank".into(), CmpOp::Lt, n(callback.status.rank())),
                ]),
                Condition::Or(vec![
                    Condition::NotExists("twilio_message_sid".into()),
                    Condition::eq("twilio_message_sid", s(sid.as_str())),
                ]),
            ])),
        };
        match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => {
                let message = from_item::<MessageRecord>(item)?;
                tracing::info!(
                    log_id = id.get(),
                    provider_status = callback.status.as_str(),
                    "Twilio status applied"
                );
                let context = message.context_id.to_string();
                match status {
                    SendStatus::Failed => {
                        self.publish(ConversationEvent::error(
                            &context,
                            format!("message {} failed to send", id.get()),
                            &now,
                        ))
                        .await
                    }
                    SendStatus::Delivered if message.direction == Direction::Outbound => {
                        self.publish(ConversationEvent::delivered(&context, id.get(), &now))
                            .await
                    }
                    _ => {}
                }
                Ok(answer(message, true))
            }
            Ok(None) => Err(DomainError::corrupt("update returned no item")),
            Err(StoreError::ConditionFailed) => self.unapplied(id, sid, callback).await,
            Err(e) => Err(e.into()),
        }
    }

    /// Why a callback's update did not apply: no message (404), another SID
    /// (409), or a late callback (the stored state, `applied: false`).
    async fn unapplied(
        &self,
        id: LogId,
        sid: &MessageSid,
        callback: &StatusCallback,
    ) -> DomainResult<DeliveryUpdated> {
        let Some(item) = self.store.get_item(&MessageRecord::key(id)).await? else {
            tracing::info!(log_id = id.get(), "Twilio status for an unknown message");
            return Err(DomainError::not_found(Missing::Message, id));
        };
        let message = from_item::<MessageRecord>(item)?;
        if let Some(stored) = &message.delivery.twilio_message_sid {
            if stored != sid.as_str() {
                return Err(DomainError::conflict(format!(
                    "message {} has MessageSid {stored}, not {sid}",
                    id.get()
                )));
            }
        }
        tracing::info!(
            log_id = id.get(),
            provider_status = callback.status.as_str(),
            "late or repeated Twilio status ignored"
        );
        Ok(answer(message, false))
    }
}

fn answer(message: MessageRecord, applied: bool) -> DeliveryUpdated {
    DeliveryUpdated {
        success: true,
        log_id: message.log_id.get(),
        send_status: message.send_status,
        provider_status: message.delivery.provider_status,
        applied,
    }
}

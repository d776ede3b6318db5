//! `POST /log` (guide §10): records a message and updates its conversation
//! in one transaction — opening the conversation when the customer has none.
//!
//! Rules:
//! - a log without `context_id` goes to the customer's open conversation, or
//!   opens one in the same transaction that writes the message (concurrent
//!   logs for a customer with none open create exactly one);
//! - every log bumps its conversation's `message_count`, `last_interaction_at`,
//!   `last_channel` and `last_message_preview` in the same transaction;
//! - a `context_id` of another customer is a 400; a closed conversation named
//!   by `context_id` still takes the message (it stays closed);
//! - an inbound message asks for a reply draft (issue 9): the same
//!   transaction sets the conversation's pending reply job to it (the
//!   outbox, `flows/reply.rs`), replacing an older pending one; after the
//!   commit the job is enqueued (a queue failure is logged, not returned).
//!   An outbound message ends a pending job: it is the answer.
//! - a log carrying a provider's message id — Twilio's `MessageSid`, or an
//!   `external_message_id` (issue 11) — reserves it in the same transaction
//!   (`TWILIO_SID#<sid>` / `EXTMSG#<channel>#<id>`, `attribute_not_exists`):
//!   a retry of the same log answers the first one's ids and writes nothing;
//!   the same id for another customer is a 409.
//! - `"send": true` (issue 22): the CRM sends the outbound message — stored
//!   `pending` with the channel's provider (the outbox, `flows/send.rs`),
//!   refused with a 409 when the customer opted out of the channel; after
//!   the commit the sender is woken, and `conversation:sent` waits for the
//!   provider's acceptance.

use super::append::{append, Append};
use super::open::Opened;
use crate::conversations::record::ConversationRecord;
use crate::customers::opt_out::opted_out_error;
use crate::customers::record::CustomerRecord;
use crate::error::{DomainError, DomainResult};
use crate::events::ConversationEvent;
use crate::keys::Entity;
use crate::messages::{LogMessage, Logged};
use crate::reply::ReplyJob;
use crate::retry::optimistic;
use crate::stats::StatsDelta;
use crate::store::{Condition, Put, ReturnValues, StoreError, WriteAction};
use crate::types::{ContextId, CustomerId, Direction, LogId};
use crate::Crm;

impl Crm {
    /// `POST /log` (guide §10). 404 for an unknown customer or conversation,
    /// 400 when `context_id` belongs to another customer.
    ///
    /// Store calls: 4 (customer, log id counter, conversation `GetItem`,
    /// one `TransactWriteItems`), 3 when it opens the conversation; +3 per
    /// lost race; then 1–2 statistics `UpdateItem`s (issue 10). An inbound
    /// message then enqueues its reply job (one queue call).
    ///
    /// With a `twilio_message_sid` or `external_message_id`: +1 read of
    /// their reservations (`GetItem`, or `BatchGetItem` for both); a replay
    /// is that one read and nothing else.
    pub async fn log_message(&self, input: &LogMessage) -> DomainResult<Logged> {
        let (context_id, log_id, direction, replay) = self.write_log(input).await?;
        let logged = Logged {
            success: true,
            log_id: log_id.get(),
            context_id: context_id.to_string(),
        };
        if replay {
            return Ok(logged);
        }
        crate::metrics::message_logged(input.channel, direction);
        let ctx = context_id.to_string();
        let at = self.now_rfc3339();
        if input.send == Some(true) {
            let provider = self.settings.sending.provider_for(input.channel);
            self.wake_sender(log_id, provider).await;
            return Ok(logged);
        }
        self.publish(match direction {
            Direction::Inbound => {
                ConversationEvent::new_reply(&ctx, log_id.get(), input.customer_id, &at)
            }
            Direction::Outbound => ConversationEvent::sent(&ctx, log_id.get(), &at),
        })
        .await;
        if direction == Direction::Inbound {
            self.enqueue_reply(ReplyJob::new(context_id, log_id)).await;
        }
        Ok(logged)
    }

    /// The log's writes; answers where the message went, its id, and
    /// whether it was logged before (a replayed `twilio_message_sid`).
    async fn write_log(
        &self,
        input: &LogMessage,
    ) -> DomainResult<(ContextId, LogId, Direction, bool)> {
        let valid = input.validate()?;
        let inbound = valid.direction == Direction::Inbound;
        optimistic(|| async {
            let ids = valid.provider_ids();
            if let Some(first) = self.logged_provider_id(&ids).await? {
                if first.customer_id != valid.customer_id {
                    return Err(DomainError::conflict(format!(
                        "this message's provider id (twilio_message_sid / external_message_id) is already logged as message {} of another customer",
                        first.log_id
                    )));
                }
                return Ok((first.context_id, first.log_id, valid.direction, true));
            }
            let customer = self.existing_customer(valid.customer_id).await?;
            if inbound {
                self.note_consent(&customer, valid.channel, &valid.message_body)
                    .await?;
            }
            if valid.send && customer.opted_out_of(valid.channel) {
                return Err(opted_out_error(valid.customer_id, valid.channel));
            }
            let provider = Some(self.settings.sending.provider_for(valid.channel));
            let id = LogId::mint();
            let now = self.now_rfc3339();
            let logged = |context_id: ContextId| (context_id, id, valid.direction, false);
            // Where it goes: the named conversation, the open one, or a new one.
            let conversation = match (&valid.context_id, &customer.open_context_id) {
                (Some(named), _) => {
                    let conversation = self.existing_conversation(named).await?;
                    if conversation.customer_id != valid.customer_id {
                        return Err(DomainError::invalid(
                            "context_id",
                            format!(
                                "conversation {named} belongs to customer {}, not {}",
                                conversation.customer_id, valid.customer_id
                            ),
                        ));
                    }
                    conversation
                }
                (None, Some(open)) => match self.conversation_record(open).await? {
                    Some(c) if c.status.is_open() => c,
                    // A dangling or stale pointer: forget it and read again.
                    _ => {
                        self.drop_dangling_pointer(valid.customer_id, open).await?;
                        return Err(DomainError::Contended);
                    }
                },
                (None, None) => {
                    // A new conversation is put whole: the record's change
                    // methods edit it in memory (their actions are not needed).
                    let mut opened = ConversationRecord::new(valid.customer_id, now.clone());
                    let message = valid.record(id, &opened.context_id, &now, provider);
                    let mut appended = StatsDelta::default();
                    opened.append_message(
                        &now,
                        valid.channel,
                        valid.direction,
                        &valid.message_body,
                        &mut appended,
                    )?;
                    if inbound {
                        opened.request_reply(id, &now)?;
                    }
                    let mut writes = vec![WriteAction::Put(Put {
                        item: message.to_item()?,
                        condition: Some(Condition::item_not_exists()),
                    })];
                    writes.extend(valid.reserve_ids(id, &opened.context_id)?);
                    match self.try_open(&customer, &opened, writes).await? {
                        Opened::Created(c) => {
                            // try_open counted the conversation's gauge; the
                            // message is today's.
                            let mut delta = StatsDelta::default();
                            delta.messages(valid.direction, 1);
                            self.record_stats(delta).await;
                            return Ok(logged(c.context_id));
                        }
                        Opened::Raced => return Err(DomainError::Contended),
                    }
                }
            };
            let context_id = conversation.context_id.clone();
            let message = valid.record(id, &context_id, &now, provider);
            // An inbound message asks for a draft; an outbound one answers.
            let Append { mut tx, delta } =
                append(&conversation, &message, vec![], |c| match inbound {
                    true => c.request_reply(id, &now),
                    false => c.end_reply(),
                })?;
            tx.extend("provider_id", valid.reserve_ids(id, &context_id)?);
            // Changed meanwhile (a message, a status change) or deleted,
            // or the SID was logged meanwhile: read again; a vanished
            // conversation is a 404 on the next round, a logged SID a replay.
            tx.commit(&*self.store).await??;
            self.record_stats(delta).await;
            Ok(logged(context_id))
        })
        .await
    }

    /// Removes a customer's `open_context_id` that points at no conversation.
    async fn drop_dangling_pointer(
        &self,
        customer_id: CustomerId,
        context_id: &ContextId,
    ) -> DomainResult<()> {
        let update = CustomerRecord::release_open_pointer(customer_id, context_id);
        match self.store.update_item(update, ReturnValues::None).await {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

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

use super::open::Opened;
use crate::conversations::record::ConversationRecord;
use crate::customers::record::CustomerRecord;
use crate::error::{DomainError, DomainResult, Missing};
use crate::keys::Entity;
use crate::messages::{LogMessage, Logged};
use crate::store::{CancelReason, Condition, Put, ReturnValues, StoreError, Update, WriteAction};
use crate::suggestions::ReplyJob;
use crate::types::{now_rfc3339, ContextId, CustomerId, Direction, LogId};
use crate::{Crm, OPTIMISTIC_ATTEMPTS};

impl Crm {
    /// `POST /log` (guide §10). 404 for an unknown customer or conversation,
    /// 400 when `context_id` belongs to another customer.
    ///
    /// Store calls: 3 (customer `GetItem`, log id `UpdateItem`, one
    /// `TransactWriteItems`), +1 with an explicit `context_id`, +1 when the
    /// open conversation's pointer must be followed, +2 per lost race; an
    /// inbound message then enqueues its reply job (one queue call).
    pub async fn log_message(&self, input: &LogMessage) -> DomainResult<Logged> {
        let (context_id, log_id, direction) = self.write_log(input).await?;
        let logged = Logged {
            success: true,
            log_id: log_id.get(),
            context_id: context_id.to_string(),
        };
        if direction == Direction::Inbound {
            self.enqueue_reply(ReplyJob::new(context_id, log_id)).await;
        }
        Ok(logged)
    }

    /// The log's writes; answers where the message went and its id.
    async fn write_log(&self, input: &LogMessage) -> DomainResult<(ContextId, LogId, Direction)> {
        let valid = input.validate()?;
        let inbound = valid.direction == Direction::Inbound;
        let mut log_id = None;
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let customer = self.existing_customer(valid.customer_id).await?;
            let id = match log_id {
                Some(id) => id,
                None => *log_id.insert(LogId::allocated(self.next_id("log_id").await?)),
            };
            let now = now_rfc3339();
            let logged = |context_id: ContextId| (context_id, id, valid.direction);
            // Where it goes: the named conversation, the open one, or a new one.
            let (context_id, condition) = match (&valid.context_id, &customer.open_context_id) {
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
                    (named.clone(), Condition::item_exists())
                }
                (None, Some(open)) => (
                    open.clone(),
                    Condition::And(vec![
                        Condition::item_exists(),
                        ConversationRecord::still_open(),
                    ]),
                ),
                (None, None) => {
                    let mut opened = ConversationRecord::new(valid.customer_id, now.clone());
                    let message = valid.record(id, &opened.context_id, &now);
                    opened.note_message(&now, valid.channel, valid.direction, &valid.message_body);
                    if inbound {
                        opened.request_reply(id, &now);
                    }
                    let put = WriteAction::Put(Put {
                        item: message.to_item()?,
                        condition: Some(Condition::item_not_exists()),
                    });
                    match self.try_open(&customer, &opened, vec![put]).await? {
                        Opened::Created(c) => return Ok(logged(c.context_id)),
                        Opened::Raced => continue,
                    }
                }
            };
            let message = valid.record(id, &context_id, &now);
            let mut conversation_actions = ConversationRecord::message_actions(
                &now,
                valid.channel,
                valid.direction,
                &valid.message_body,
            )?;
            conversation_actions.extend(match inbound {
                true => ConversationRecord::request_reply_actions(&context_id, id, &now),
                false => ConversationRecord::end_reply_actions(),
            });
            let actions = vec![
                WriteAction::Put(Put {
                    item: message.to_item()?,
                    condition: Some(Condition::item_not_exists()),
                }),
                WriteAction::Update(Update {
                    key: ConversationRecord::key(&context_id),
                    actions: conversation_actions,
                    condition: Some(condition),
                }),
            ];
            match self.store.transact_write(actions).await {
                Ok(()) => return Ok(logged(context_id)),
                Err(StoreError::TransactionCanceled(_)) if valid.context_id.is_none() => {
                    // The open conversation closed (or vanished) meanwhile: forget a
                    // dangling pointer and try again with a fresh read.
                    if self.conversation_record(&context_id).await?.is_none() {
                        self.drop_dangling_pointer(valid.customer_id, &context_id)
                            .await?;
                    }
                    continue;
                }
                // A concurrent write to the same conversation (DynamoDB's `TransactionConflict`): again.
                Err(StoreError::TransactionCanceled(reasons))
                    if reasons.contains(&CancelReason::Conflict) =>
                {
                    continue
                }
                Err(StoreError::TransactionCanceled(_)) => {
                    return Err(DomainError::not_found(Missing::Conversation, &context_id))
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Contended)
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

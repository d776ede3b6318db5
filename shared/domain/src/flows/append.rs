//! Appending a message to an existing conversation: the one transaction
//! every path that adds a single message builds — `POST /log` (and through
//! it the Twilio inbound webhook), approve and custom reply (seed 001 §4,
//! §6). Ingest appends a batch per transaction (`flows/ingest`), with the
//! same record methods.
//!
//! The transaction has two labelled actions, and the caller may add more
//! (provider-id reservations, the suggestion it approves):
//!
//! | label | action | condition |
//! |---|---|---|
//! | `message` | `Put` the message | its id is new |
//! | `conversation` | `Update`: [`ConversationRecord::append_message`] and the caller's further changes | status and newest direction as read ([`ConversationRecord::gauge_is`], so the statistics delta is exact), and the caller's `requires` |

use crate::conversations::record::ConversationRecord;
use crate::error::DomainResult;
use crate::keys::Entity;
use crate::messages::record::MessageRecord;
use crate::stats::StatsDelta;
use crate::store::{Condition, Put, Transaction, Update, UpdateAction, WriteAction};

/// A message appended to a conversation, ready to commit.
pub(crate) struct Append {
    /// `message` and `conversation` (see the module docs); push more before committing.
    pub tx: Transaction,
    /// The statistics the append adds, to record once it committed.
    pub delta: StatsDelta,
}

/// `message` appended to `conversation` (the record as read). `more`
/// makes the flow's further changes to the conversation (the reply job,
/// the pending suggestion) through the record's own methods and answers
/// their actions; `requires` is what else must still hold of the stored
/// conversation (e.g. "this suggestion is still the pending one").
///
/// Errors: a record that cannot be serialized (a bug, 500).
pub(crate) fn append(
    conversation: &ConversationRecord,
    message: &MessageRecord,
    requires: Vec<Condition>,
    more: impl FnOnce(&mut ConversationRecord) -> DomainResult<Vec<UpdateAction>>,
) -> DomainResult<Append> {
    let mut condition = requires;
    condition.push(conversation.gauge_is());
    let mut next = conversation.clone();
    let mut delta = StatsDelta::default();
    let mut actions = next.append_message(
        &message.created_at,
        message.channel,
        message.direction,
        &message.message_body,
        &mut delta,
    )?;
    actions.extend(more(&mut next)?);
    let mut tx = Transaction::new();
    tx.push(
        "message",
        WriteAction::Put(Put {
            item: message.to_item()?,
            condition: Some(Condition::item_not_exists()),
        }),
    )
    .push(
        "conversation",
        WriteAction::Update(Update {
            key: ConversationRecord::key(&conversation.context_id),
            actions,
            condition: Some(Condition::And(condition)),
        }),
    );
    Ok(Append { tx, delta })
}

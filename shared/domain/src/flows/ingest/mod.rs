//! Messaging ingest (seed 002, issue 8): chats pushed by a connection
//! become customers, conversations and message log entries, each message
//! exactly once.
//!
//! Per conversation of a request, in order:
//! 1. its fields are checked (`api.rs`); a bad one is that conversation's
//!    `error: <what>` result and nothing of it is written;
//! 2. the markers of its message ids are read (`BatchGetItem`, 100 a call);
//!    messages already stored are dropped — none left is `no_new_messages`;
//! 3. the participant's customer is found or created (`contact.rs`; a
//!    thread seen before goes to the customer it went to then);
//! 4. the messages go where `POST /log` without `context_id` would put them:
//!    the customer's open conversation, or one opened now (`created`);
//! 5. their log ids are taken as one block from the counter, in `sent_at`
//!    order, and they are written 49 to a transaction, each with its marker
//!    (`attribute_not_exists`) — a marker written meanwhile by a concurrent
//!    identical request cancels the transaction, the markers are read again
//!    and the rest is written, so each message is stored once and the
//!    requests' `messages_added` add up to the distinct messages.
//!
//! Inbound messages sent more than `Settings::ingest_history_window` ago
//! are history: stored `processed: true`, so an import does not flood
//! `GET /messages/unprocessed`; newer ones are unprocessed like `POST /log`'s.
//! When the newest message of a request is a live inbound one it asks for
//! a reply draft (issue 9) in the same transaction, and its job is enqueued
//! after the commit, as `POST /log` does; a newest outbound one ends a
//! pending job.

pub mod api;
mod contact;
pub(crate) mod record;
pub mod twilio;

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use self::api::{
    IngestConversation, IngestResponse, IngestResult, ValidConversation, ValidMessage,
};
use self::contact::Participant;
use self::record::{ExternalConversation, IngestedMarker};
use super::open::Opened;
use crate::codec::from_item;
use crate::connections::IngestAuth;
use crate::conversations::record::ConversationRecord;
use crate::customers::opt_out::OptKeyword;
use crate::customers::record::CustomerRecord;
use crate::error::{DomainError, DomainResult};
use crate::keys::Entity;
use crate::messages::record::{IngestedFields, MessageRecord};
use crate::reply::ReplyJob;
use crate::retry::{optimistic, OPTIMISTIC_ATTEMPTS};
use crate::stats::StatsDelta;
use crate::store::{Condition, Key, Put, Transaction, Update, WriteAction, MAX_BATCH_GET_KEYS};
use crate::types::{ContextId, Direction, LogId, SendStatus};
use crate::Crm;

/// Messages per `TransactWriteItems`: each with its marker, plus the
/// conversation update and the external-conversation item (≤ 100 actions).
const MESSAGES_PER_TRANSACTION: usize = 49;

impl Crm {
    /// Ingests the conversations of one authenticated request, each on its
    /// own (see the module docs). A store failure fails the request (the
    /// sender retries; deduplication makes the retry safe).
    ///
    /// Store calls per conversation with m new messages: ⌈m/100⌉
    /// `BatchGetItem` + 1 `GetItem` (thread) + 2 (participant; +1 `Query`
    /// by the last 10 digits, +2 to create them) + 1–2 (open conversation;
    /// +1 transaction to open one) + 1
    /// `UpdateItem` (id block) + ⌈m/49⌉ `TransactWriteItems`; +1
    /// `UpdateItem` when a WhatsApp opt-out keyword changes the
    /// participant's consent (issue 22).
    pub async fn ingest(
        &self,
        auth: &IngestAuth,
        conversations: Vec<serde_json::Value>,
    ) -> DomainResult<IngestResponse> {
        let mut results = Vec::with_capacity(conversations.len());
        for raw in conversations {
            let external = raw
                .get("external_conversation_id")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let error = |e: String| IngestResult {
                conversation_id: None,
                external_conversation_id: external.clone(),
                messages_added: 0,
                status: format!("error: {e}"),
            };
            // serde_path_to_error names the field: `messages[0].type: unknown variant …`.
            let parsed = serde_path_to_error::deserialize::<_, IngestConversation>(raw)
                .map_err(|e| match e.path().to_string().as_str() {
                    "." => e.into_inner().to_string(),
                    path => format!("{path}: {}", e.into_inner()),
                })
                .and_then(|c| c.validate().map_err(|e| e.to_string()));
            let result = match parsed {
                Err(e) => error(e),
                Ok(valid) => self.ingest_conversation(auth, valid).await?,
            };
            results.push(result);
        }
        Ok(IngestResponse {
            success: true,
            processed: results.len(),
            results,
        })
    }

    async fn ingest_conversation(
        &self,
        auth: &IngestAuth,
        conv: ValidConversation,
    ) -> DomainResult<IngestResult> {
        let stored = self.stored_markers(auth, &conv.messages).await?;
        let fresh: Vec<&ValidMessage> = conv
            .messages
            .iter()
            .filter(|m| !stored.contains_key(&m.id))
            .collect();
        let thread = self.thread(auth, &conv.external_conversation_id).await?;
        let result = |context_id: Option<String>, added: usize, status: &str| IngestResult {
            conversation_id: context_id,
            external_conversation_id: Some(conv.external_conversation_id.clone()),
            messages_added: added,
            status: status.to_string(),
        };
        if fresh.is_empty() {
            crate::metrics::ingested(auth.platform, 0, conv.messages.len());
            let known = stored
                .values()
                .next()
                .cloned()
                .or_else(|| thread.as_ref().map(|t| t.context_id.clone()));
            return Ok(result(known.map(|c| c.to_string()), 0, "no_new_messages"));
        }

        let customer = match &thread {
            Some(t) => self.customer_record(t.customer_id).await?,
            None => None,
        };
        let customer = match customer {
            Some(c) => c,
            None => {
                let participant =
                    Participant::parse(&conv.participant_identifier, auth.platform, self);
                let name = conv
                    .participant_name
                    .clone()
                    .unwrap_or_else(|| conv.participant_identifier.clone());
                self.participant_customer(&participant, &name).await?
            }
        };
        // Opt-out (issue 22): the newest keyword among the new inbound
        // messages decides, before the messages are written.
        let keyword = fresh
            .iter()
            .filter(|m| m.direction == Direction::Inbound)
            .filter(|m| OptKeyword::of(auth.platform.channel(), &m.content).is_some())
            .max_by(|a, b| a.sent_at.cmp(&b.sent_at));
        if let Some(m) = keyword {
            self.note_consent(&customer, auth.platform.channel(), &m.content)
                .await?;
        }
        let (conversation, created) = self.open_conversation_for_ingest(customer).await?;
        let (added, reply) = self
            .write_messages(auth, &conv, &conversation, fresh)
            .await?;
        if let Some(log_id) = reply {
            let context_id = conversation.context_id.clone();
            self.publish(crate::events::ConversationEvent::new_reply(
                &context_id.to_string(),
                log_id.get(),
                conversation.customer_id.get(),
                &self.now_rfc3339(),
            ))
            .await;
            self.enqueue_reply(ReplyJob::new(context_id, log_id)).await;
        }
        crate::metrics::ingested(
            auth.platform,
            added,
            conv.messages.len().saturating_sub(added),
        );
        let status = if created { "created" } else { "updated" };
        Ok(result(
            Some(conversation.context_id.to_string()),
            added,
            status,
        ))
    }

    /// The conversations the stored messages among `messages` went into, by message id.
    async fn stored_markers(
        &self,
        auth: &IngestAuth,
        messages: &[ValidMessage],
    ) -> DomainResult<HashMap<String, ContextId>> {
        let mut stored = HashMap::new();
        for chunk in messages.chunks(MAX_BATCH_GET_KEYS) {
            let keys: Vec<Key> = chunk
                .iter()
                .map(|m| IngestedMarker::key(&auth.connection_id, &m.id))
                .collect();
            for item in self.store.batch_get(&keys).await? {
                let marker: IngestedMarker = from_item(item)?;
                stored.insert(marker.external_message_id, marker.context_id);
            }
        }
        Ok(stored)
    }

    async fn thread(
        &self,
        auth: &IngestAuth,
        external_id: &str,
    ) -> DomainResult<Option<ExternalConversation>> {
        let key = ExternalConversation::key(&auth.connection_id, external_id);
        match self.store.get_item(&key).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// The customer's open conversation, or a new one opened now (`true`).
    async fn open_conversation_for_ingest(
        &self,
        customer: CustomerRecord,
    ) -> DomainResult<(ConversationRecord, bool)> {
        // The customer as read, read again after a lost race.
        let customer = futures::lock::Mutex::new(customer);
        optimistic(|| async {
            let mut customer = customer.lock().await;
            if let Some(open) = self.open_conversation_of(&customer).await? {
                return Ok((open, false));
            }
            let record = ConversationRecord::new(customer.customer_id, self.now_rfc3339());
            match self.try_open(&customer, &record, Vec::new()).await? {
                Opened::Created(c) => Ok((*c, true)),
                Opened::Raced => {
                    *customer = self.existing_customer(customer.customer_id).await?;
                    Err(DomainError::Contended)
                }
            }
        })
        .await
    }

    /// Writes `fresh` into `conversation`, each with its marker; answers how
    /// many were written (those a concurrent request wrote first are not).
    async fn write_messages(
        &self,
        auth: &IngestAuth,
        conv: &ValidConversation,
        conversation: &ConversationRecord,
        fresh: Vec<&ValidMessage>,
    ) -> DomainResult<(usize, Option<LogId>)> {
        // The statistics of every committed chunk, added once at the end
        // (also when a later chunk fails: the earlier ones are stored).
        let mut written = StatsDelta::default();
        let result = self
            .write_chunks(auth, conv, conversation, fresh, &mut written)
            .await;
        self.record_stats(written).await;
        result
    }

    async fn write_chunks(
        &self,
        auth: &IngestAuth,
        conv: &ValidConversation,
        conversation: &ConversationRecord,
        fresh: Vec<&ValidMessage>,
        written: &mut StatsDelta,
    ) -> DomainResult<(usize, Option<LogId>)> {
        let numbered: Vec<(LogId, &ValidMessage)> = LogId::mint_block(fresh.len())
            .into_iter()
            .zip(fresh)
            .collect();
        let now = self.now_rfc3339();
        let history_before = self.now() - self.settings.ingest_history_window;
        let mut newest_seen = conversation.last_interaction_at.clone();
        // The conversation as the next write expects it (statistics, issue 10).
        let mut state = conversation.clone();
        let mut added = 0;
        // The reply job the newest live inbound message asks for (issue 9).
        let mut reply = None;
        for chunk in numbered.chunks(MESSAGES_PER_TRANSACTION) {
            let mut pending: Vec<(LogId, &ValidMessage)> = chunk.to_vec();
            let mut attempts = 0;
            while !pending.is_empty() {
                attempts += 1;
                if attempts > OPTIMISTIC_ATTEMPTS {
                    return Err(DomainError::Contended);
                }
                let newest_entry = pending.last().copied().filter(|(_, m)| {
                    newest_seen
                        .as_deref()
                        .is_none_or(|seen| m.sent_at.as_str() >= seen)
                });
                let newest = newest_entry.map(|(_, m)| m);
                let mut actions = Vec::with_capacity(2 * pending.len() + 2);
                for (log_id, m) in &pending {
                    let record =
                        ingested_record(auth, conv, conversation, *log_id, m, &now, history_before);
                    actions.push(WriteAction::Put(Put {
                        item: record.to_item()?,
                        condition: Some(Condition::item_not_exists()),
                    }));
                    let marker = IngestedMarker {
                        connection_id: auth.connection_id.clone(),
                        external_message_id: m.id.clone(),
                        log_id: *log_id,
                        context_id: conversation.context_id.clone(),
                    };
                    actions.push(WriteAction::Put(Put {
                        item: marker.to_item()?,
                        condition: Some(Condition::item_not_exists()),
                    }));
                }
                let mut conversation_actions = ConversationRecord::messages_actions(
                    pending.len() as i64,
                    newest.map(|m| {
                        (
                            m.sent_at.as_str(),
                            auth.platform.channel(),
                            m.direction,
                            m.content.as_str(),
                        )
                    }),
                    &now,
                )?;
                // The newest message decides the reply job, as in `POST /log`:
                // a live inbound one asks for a draft, an outbound one answers.
                let requested = match newest_entry {
                    Some((log_id, m)) if m.direction == Direction::Inbound => {
                        (m.sent >= history_before).then_some(log_id)
                    }
                    _ => None,
                };
                let mut next = state.clone();
                match (newest_entry, requested) {
                    (_, Some(log_id)) => {
                        conversation_actions.extend(next.request_reply(log_id, &now)?)
                    }
                    (Some((_, m)), None) if m.direction == Direction::Outbound => {
                        conversation_actions.extend(next.end_reply()?)
                    }
                    _ => {}
                }
                let mut delta = StatsDelta::default();
                let mut firsts = Vec::new();
                for (_, m) in &pending {
                    delta.messages(m.direction, 1);
                    if let Some(first) = next.first_response(m.direction, &m.sent_at, &mut delta) {
                        firsts.push(first);
                    }
                }
                conversation_actions.extend(next.touched(&firsts)?);
                if let Some(m) = newest {
                    next.last_direction = Some(m.direction);
                }
                delta.gauge(Some(state.gauge()), Some(next.gauge()));
                actions.push(WriteAction::Update(Update {
                    key: ConversationRecord::key(&conversation.context_id),
                    actions: conversation_actions,
                    condition: Some(state.gauge_is()),
                }));
                let thread = ExternalConversation {
                    connection_id: auth.connection_id.clone(),
                    external_conversation_id: conv.external_conversation_id.clone(),
                    customer_id: conversation.customer_id,
                    context_id: conversation.context_id.clone(),
                    updated_at: now.clone(),
                };
                actions.push(WriteAction::Put(Put {
                    item: thread.to_item()?,
                    condition: None,
                }));
                match Transaction::of("ingest", actions)
                    .commit(&*self.store)
                    .await?
                {
                    Ok(()) => {
                        state = next;
                        written.merge(delta);
                        added += pending.len();
                        if let Some(m) = newest {
                            newest_seen = Some(m.sent_at.clone());
                            reply = requested;
                        }
                        pending.clear();
                    }
                    Err(_) => {
                        // A concurrent request stored some of these first (or
                        // wrote the conversation at the same moment): drop what
                        // is stored now and write the rest.
                        let ids: Vec<ValidMessage> =
                            pending.iter().map(|(_, m)| (*m).clone()).collect();
                        let now_stored: HashSet<String> =
                            self.stored_markers(auth, &ids).await?.into_keys().collect();
                        pending.retain(|(_, m)| !now_stored.contains(&m.id));
                        // Or a minted id was taken (another process, same
                        // tick and node): the rest get new ones, in order.
                        let fresh_ids = LogId::mint_block(pending.len());
                        for (slot, id) in pending.iter_mut().zip(fresh_ids) {
                            slot.0 = id;
                        }
                        // Its status or newest message may have changed too.
                        match self.conversation_record(&conversation.context_id).await? {
                            Some(c) => state = c,
                            None => return Err(DomainError::Contended),
                        }
                    }
                }
            }
        }
        Ok((added, reply))
    }
}

/// The message record of ingested message `m`.
fn ingested_record(
    auth: &IngestAuth,
    conv: &ValidConversation,
    conversation: &ConversationRecord,
    log_id: LogId,
    m: &ValidMessage,
    now: &str,
    history_before: OffsetDateTime,
) -> MessageRecord {
    // Outbound needs no processing; inbound history is not news either.
    let processed = m.direction == Direction::Outbound || m.sent < history_before;
    MessageRecord {
        log_id,
        context_id: conversation.context_id.clone(),
        customer_id: conversation.customer_id,
        channel: auth.platform.channel(),
        channel_identifier: conv.participant_identifier.clone(),
        direction: m.direction,
        message_body: m.content.clone(),
        message_subject: None,
        metadata_json: None,
        processed,
        processed_at: processed.then(|| now.to_string()),
        send_status: SendStatus::default(),
        created_at: m.sent_at.clone(),
        updated_at: now.to_string(),
        ingested: Some(IngestedFields {
            connection_id: auth.connection_id.clone(),
            external_message_id: m.id.clone(),
            message_type: m.message_type,
            media_url: m.media_url.clone(),
            sent_at: m.sent_at.clone(),
        }),
        delivery: Default::default(),
        lease: Default::default(),
        dispatch: Default::default(),
    }
}

//! How a conversation is stored and keyed.
//!
//! | PK | SK | GSI1PK / GSI1SK | GSI3PK / GSI3SK | GSI4PK / GSI4SK | GSI5PK / GSI5SK |
//! |---|---|---|---|---|---|
//! | `CONTEXT#<context_id>` | `CONTEXT` | `CONTEXTS#<nn>` / `<created_at>#<context_id>` | `CUSTOMER#<customer_id>` / `CONTEXT#<created_at>#<context_id>` | `REPLY_JOBS#<nn>` / `<reply_requested_at>#<context_id>` while a reply job is pending | `CONTEXTS#<status>#<nn>` / `<created_at>#<context_id>` |
//!
//! GSI1 lists every conversation, GSI3 a customer's, GSI5 those with one
//! status, all by creation time — indexes that hold keys only, so the
//! update every message makes to its conversation rewrites none of them
//! (issue 21; not GSI2, which projects everything for the history). GSI4 (sparse) holds the conversations
//! whose reply job is pending — the outbox the sweep reads (issue 9,
//! `flows/reply.rs`). The customer's *open* conversation is not
//! found through an index but through the customer item's `open_context_id`
//! (strongly consistent).

use serde::{Deserialize, Serialize};

use super::api::Conversation;
use crate::keys::{shard_of, shard_partition, Entity, Index, IndexEntry};
use crate::paging::ShardedQuery;
use crate::reply::Instructions;
use crate::store::{Key, Query, SortCondition};
use crate::types::{Channel, ContextId, ConversationStatus, CustomerId, Direction, LogId};

/// GSI1 partition holding every conversation.
const COLLECTION: &str = "CONTEXTS";
/// Sort-key prefix of a customer's conversations in GSI3.
const UNDER_CUSTOMER: &str = "CONTEXT#";
/// GSI4 partition of the conversations with a pending reply job.
const REPLY_JOBS: &str = "REPLY_JOBS";
/// Characters of a message body kept as `last_message_preview`.
pub const PREVIEW_LEN: usize = 160;

/// The stored conversation item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ConversationRecord {
    pub context_id: ContextId,
    pub customer_id: CustomerId,
    pub status: ConversationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_channel: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_interaction_at: Option<String>,
    /// Direction of the newest message (issue 10: `inbound` = needs a reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_direction: Option<Direction>,
    /// When its first inbound message was logged (issue 10: first-response time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_inbound_at: Option<String>,
    /// When our first outbound message after it was logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<String>,
    /// Why it was archived (`PATCH …/archive`, issue 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_reason: Option<String>,
    #[serde(default)]
    pub message_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_questions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_agent_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_preview: Option<String>,
    /// Contact snapshot given at creation (`POST /conversations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// The inbound message a reply job is pending for (issue 9): set in the
    /// transaction that logs it, cleared when the job ends. While set the
    /// conversation is in GSI4 `REPLY_JOBS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_log_id: Option<LogId>,
    /// The newest inbound message that asked for a reply (set with the job,
    /// kept when it ends): a draft answering an older one is stale (issue 22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inbound_log_id: Option<LogId>,
    /// When the pending job was requested or last re-enqueued by the sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_requested_at: Option<String>,
    /// Times the sweep re-enqueued the pending job.
    #[serde(default)]
    pub reply_attempts: i64,
    /// The regeneration number of the pending reply job (issue 10); absent
    /// (0) for the job an inbound message asked for.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reply_revision: i64,
    /// The agent's adjustments of a pending regeneration job (issue 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_options: Option<Instructions>,
    /// The inbound message whose suggestion is pending (at most one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_suggestion_log_id: Option<LogId>,
    /// The regeneration number of the pending suggestion (0: the first draft).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pending_suggestion_revision: i64,
    /// Regenerations asked for so far: the next one's revision is this + 1.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub regenerations: i64,
    /// The minute (epoch seconds / 60) of the regeneration rate window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regen_window: Option<i64>,
    /// Regenerations asked for in `regen_window`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub regen_count: i64,
    /// The open escalation ticket (`TKT-YYYY-NNNNNN`), when escalated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_ticket: Option<String>,
}

impl Entity for ConversationRecord {
    const TYPE: &'static str = "context";

    fn primary_key(&self) -> Key {
        Self::key(&self.context_id)
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let by_time = format!("{}#{}", self.created_at, self.context_id);
        let mut entries = vec![
            IndexEntry::new(Index::Gsi1, self.shard(COLLECTION), by_time.clone()),
            IndexEntry::new(
                Index::Gsi3,
                Self::customer_partition(self.customer_id),
                format!("{UNDER_CUSTOMER}{by_time}"),
            ),
            IndexEntry::new(Index::Gsi5, self.status_partition(self.status), by_time),
        ];
        if let (Some(_), Some(at)) = (self.reply_log_id, &self.reply_requested_at) {
            entries.push(Self::reply_job_entry(at, &self.context_id));
        }
        entries
    }
}

/// The (sharded) GSI5 list of conversations with `status`: `CONTEXTS#<status>`.
fn status_list(status: ConversationStatus) -> String {
    format!("{COLLECTION}#{}", status.as_str())
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl ConversationRecord {
    /// A new active conversation for `customer_id`, with a UUIDv7 id, so two
    /// opened in the same millisecond still list in creation order (the sort
    /// keys are `<created_at>#<context_id>`).
    pub(crate) fn new(customer_id: CustomerId, now: String) -> Self {
        Self {
            context_id: ContextId::generate(),
            customer_id,
            status: ConversationStatus::Active,
            summary: None,
            intent: None,
            sentiment: None,
            last_channel: None,
            last_interaction_at: None,
            last_direction: None,
            first_inbound_at: None,
            first_response_at: None,
            archive_reason: None,
            message_count: 0,
            open_questions: None,
            last_agent_action: None,
            last_message_preview: None,
            name: None,
            email: None,
            phone: None,
            created_at: now.clone(),
            updated_at: now,
            closed_at: None,
            reply_log_id: None,
            last_inbound_log_id: None,
            reply_requested_at: None,
            reply_attempts: 0,
            reply_revision: 0,
            reply_options: None,
            pending_suggestion_log_id: None,
            pending_suggestion_revision: 0,
            regenerations: 0,
            regen_window: None,
            regen_count: 0,
            escalation_ticket: None,
        }
    }

    /// Its GSI4 entry while a reply job requested at `at` is pending.
    pub(super) fn reply_job_entry(at: &str, id: &ContextId) -> IndexEntry {
        IndexEntry::new(
            Index::Gsi4,
            shard_partition(REPLY_JOBS, shard_of(&id.to_string())),
            format!("{at}#{id}"),
        )
    }

    /// Shard `<nn>` of sharded list `list` this conversation is in.
    fn shard(&self, list: &str) -> String {
        shard_partition(list, shard_of(&self.context_id.to_string()))
    }

    /// Conversations whose reply job was requested before `before`, oldest
    /// first (GSI4, eventually consistent: the sweep re-checks each one).
    pub(crate) fn reply_jobs_before(before: &str) -> ShardedQuery {
        let mut q = ShardedQuery::new(Index::Gsi4, REPLY_JOBS);
        q.sort = Some(SortCondition::Lt(before.to_string()));
        q
    }

    /// Key of conversation `id`.
    pub(crate) fn key(id: &ContextId) -> Key {
        Key::new(format!("CONTEXT#{id}"), "CONTEXT")
    }

    fn customer_partition(customer_id: CustomerId) -> String {
        format!("CUSTOMER#{customer_id}")
    }

    /// Its GSI5 partition were its status `status`: `CONTEXTS#<status>#<nn>`.
    pub(super) fn status_partition(&self, status: ConversationStatus) -> String {
        self.shard(&status_list(status))
    }

    /// Every conversation, oldest first (GSI1's shards).
    pub(crate) fn all() -> ShardedQuery {
        ShardedQuery::new(Index::Gsi1, COLLECTION)
    }

    /// A customer's conversations, oldest first (GSI3).
    pub(crate) fn of_customer(customer_id: CustomerId) -> Query {
        let mut q = Query::new(Some(Index::Gsi3), Self::customer_partition(customer_id));
        q.sort = Some(SortCondition::BeginsWith(UNDER_CUSTOMER.into()));
        q
    }

    /// Conversations with `status`, oldest first (GSI5's shards).
    pub(crate) fn with_status(status: ConversationStatus) -> ShardedQuery {
        ShardedQuery::new(Index::Gsi5, &status_list(status))
    }

    pub(crate) fn to_api(&self) -> Conversation {
        Conversation {
            context_id: self.context_id.to_string(),
            customer_id: self.customer_id.get(),
            status: self.status,
            summary: self.summary.clone(),
            conversation_summary: self.summary.clone(),
            intent: self.intent.clone(),
            sentiment: self.sentiment.clone(),
            last_channel: self.last_channel,
            last_interaction_at: self.last_interaction_at.clone(),
            last_message_direction: self.last_direction,
            needs_reply: self.status == ConversationStatus::Active
                && self.last_direction == Some(Direction::Inbound),
            message_count: self.message_count,
            open_questions: self.open_questions.clone(),
            last_agent_action: self.last_agent_action.clone(),
            last_message_preview: self.last_message_preview.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            closed_at: self.closed_at.clone(),
            escalation_ticket: self.escalation_ticket.clone(),
            pending_suggestions: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::rfc3339;

    /// Lists sort by `<created_at>#<context_id>`; conversations opened within
    /// one millisecond must still come out in creation order.
    #[test]
    fn sort_keys_follow_creation_order_within_a_millisecond() {
        let customer = CustomerId::from_body("customer_id", 7).unwrap();
        let records: Vec<_> = (0..200)
            .map(|_| ConversationRecord::new(customer, rfc3339(time::OffsetDateTime::now_utc())))
            .collect();
        let sk = |r: &ConversationRecord| r.index_entries()[0].sk.clone();
        for pair in records.windows(2) {
            assert!(
                sk(&pair[0]) < sk(&pair[1]),
                "{} should sort before {}",
                sk(&pair[0]),
                sk(&pair[1])
            );
        }
    }
}

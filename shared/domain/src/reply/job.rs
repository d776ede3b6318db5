//! The reply job (issue 9) and the queue port it travels through.
//!
//! A job is only a pointer — which conversation, which inbound message —
//! and the truth stays in the table: the conversation's `reply_log_id`
//! (the outbox, written in the same transaction as the message) says
//! whether the job is still wanted. So a lost enqueue costs only latency
//! (the sweep re-enqueues it), and a duplicate or stale job is dropped by
//! the worker without a model call.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::types::{ContextId, LogId};

/// A request to draft the reply to inbound message `log_id` of
/// conversation `context_id`. Sent as the JSON body of one SQS message:
/// `{"context_id": "<uuid>", "log_id": 42}`, plus `"revision": 3` for a
/// regeneration (issue 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyJob {
    /// The conversation.
    pub context_id: ContextId,
    /// The inbound message to answer.
    pub log_id: LogId,
    /// 0 for the draft an inbound message asked for; the conversation's
    /// regeneration number for `POST …/regenerate` (its options are on the
    /// conversation item, not in the message).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub revision: i64,
}

impl ReplyJob {
    /// The first draft for inbound message `log_id` of `context_id`.
    pub fn new(context_id: ContextId, log_id: LogId) -> Self {
        Self {
            context_id,
            log_id,
            revision: 0,
        }
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Why a queue refused or could not take jobs (SQS unreachable,
/// throttled, …). Never fails the request that logged the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reply queue: {0}")]
pub struct QueueError(pub String);

/// Where reply jobs go: SQS on AWS (`crm-queue-sqs`), an in-process queue
/// over the store in local-api.
#[async_trait::async_trait]
pub trait JobQueue: Send + Sync + 'static {
    /// Enqueues `jobs`, each to be delivered no sooner than `delay` from now
    /// (SQS `DelaySeconds`, at most 15 minutes).
    async fn enqueue(&self, jobs: &[ReplyJob], delay: Duration) -> Result<(), QueueError>;
}

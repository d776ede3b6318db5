//! The send job and the queue port it travels through (issue 22).
//!
//! Like the reply job, a send job is only a pointer — which message — and
//! the truth is the message item: its `send_status` and `attempts` (the
//! outbox, written in the message's own transaction) say whether a call is
//! still wanted. A lost wake-up costs latency (the sweep wakes it again); a
//! duplicate is dropped by the claim's condition.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::reply::QueueError;
use crate::types::LogId;

/// A request to send outbound message `log_id`: the JSON body of one SQS
/// message, `{"log_id": 42}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendJob {
    /// The outbound message.
    pub log_id: LogId,
}

/// Where send jobs go: the delivery queue on AWS (`crm-queue-sqs`), the
/// embedded sender in local-api.
#[async_trait::async_trait]
pub trait SendQueue: Send + Sync + 'static {
    /// Enqueues `jobs`, each to be delivered no sooner than `delay` from now
    /// (at most 15 minutes).
    async fn enqueue_sends(&self, jobs: &[SendJob], delay: Duration) -> Result<(), QueueError>;
}

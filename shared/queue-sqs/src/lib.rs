//! # crm-queue-sqs
//!
//! Reply jobs (issue 9) and send jobs (issue 22) on Amazon SQS:
//! [`SqsQueue`] implements `crm_domain::reply::JobQueue` and
//! `crm_domain::sending::SendQueue` with `SendMessageBatch` (10 jobs a
//! call), each job's JSON as the message body and the delay (the
//! debounce, a retry's backoff) as `DelaySeconds`. One queue takes one
//! kind of job: the reply queue's URL is `REPLY_QUEUE_URL`, the delivery
//! queue's `SEND_QUEUE_URL`. Every call is bounded (2 s per attempt, 5 s in all), so a
//! slow or unreachable SQS delays `POST /log` by at most that and never
//! fails it: the job is in the outbox already and the sweep sends it later.
//!
//! The endpoint is the SDK's: `AWS_ENDPOINT_URL_SQS` points it at an
//! emulator (the tests use moto's server mode).

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use aws_sdk_sqs::Client;
use crm_domain::reply::{JobQueue, QueueError, ReplyJob};
use crm_domain::sending::{SendJob, SendQueue};
use tokio::sync::OnceCell;

pub mod batch;

/// Most entries SQS takes in one `SendMessageBatch`.
pub const MAX_BATCH: usize = 10;
/// Longest `DelaySeconds` SQS accepts (15 minutes).
pub const MAX_DELAY_SECONDS: u64 = 900;

/// The queue `queue_url`, through a client built on first use (no network
/// call and no credential lookup at cold start).
pub struct SqsQueue {
    queue_url: String,
    client: OnceCell<Client>,
}

impl SqsQueue {
    /// A queue whose client comes from the environment (region,
    /// credentials, `AWS_ENDPOINT_URL_SQS`) when first needed.
    pub fn from_env(queue_url: impl Into<String>) -> Self {
        Self {
            queue_url: queue_url.into(),
            client: OnceCell::new(),
        }
    }

    /// A queue over an existing client.
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            queue_url: queue_url.into(),
            client: OnceCell::new_with(Some(client)),
        }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let config = crm_aws::with_timeouts(
                    &crm_aws::config().await,
                    Duration::from_secs(1),
                    Duration::from_secs(2),
                    Duration::from_secs(5),
                );
                Client::new(&config)
            })
            .await
    }
}

#[async_trait]
impl JobQueue for SqsQueue {
    /// Errors: SQS refused or failed any entry (the message says how many
    /// and why), or could not be reached in time.
    async fn enqueue(&self, jobs: &[ReplyJob], delay: Duration) -> Result<(), QueueError> {
        self.send_jobs(jobs, delay).await
    }
}

#[async_trait]
impl SendQueue for SqsQueue {
    /// Errors: as [`JobQueue::enqueue`].
    async fn enqueue_sends(&self, jobs: &[SendJob], delay: Duration) -> Result<(), QueueError> {
        self.send_jobs(jobs, delay).await
    }
}

impl SqsQueue {
    /// Sends `jobs` as JSON bodies, 10 a call, each delayed by `delay`
    /// (at most 15 minutes).
    async fn send_jobs<J: serde::Serialize>(
        &self,
        jobs: &[J],
        delay: Duration,
    ) -> Result<(), QueueError> {
        let delay = delay.as_secs().min(MAX_DELAY_SECONDS) as i32;
        for chunk in jobs.chunks(MAX_BATCH) {
            let mut batch = self
                .client()
                .await
                .send_message_batch()
                .queue_url(&self.queue_url);
            for (i, job) in chunk.iter().enumerate() {
                let body = serde_json::to_string(job).map_err(|e| QueueError(e.to_string()))?;
                let entry = SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(body)
                    .delay_seconds(delay)
                    .build()
                    .map_err(|e| QueueError(e.to_string()))?;
                batch = batch.entries(entry);
            }
            let sent = batch
                .send()
                .await
                .map_err(|e| QueueError(aws_sdk_sqs::error::DisplayErrorContext(e).to_string()))?;
            if let Some(failed) = sent.failed.first() {
                return Err(QueueError(format!(
                    "{} of {} jobs refused: {} {}",
                    sent.failed.len(),
                    chunk.len(),
                    failed.code,
                    failed.message.as_deref().unwrap_or("")
                )));
            }
        }
        Ok(())
    }
}
